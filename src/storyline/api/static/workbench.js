// The events view's map and chart, both fed by the same filter as the table (the page URL).
"use strict";
const SVGNS = "http://www.w3.org/2000/svg";

function el(tag, attrs, text) {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVGNS, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function getJSON(url) {
  return fetch(url, {headers: {Accept: "application/json"}}).then(r => {
    if (!r.ok) throw new Error(url + " answered " + r.status);
    return r.json();
  });
}

// ------------------------------------------------------------------ map
const PRECISION_STYLE = {
  place: {fillOpacity: 0.7, dashArray: null, extra: 0},
  admin2: {fillOpacity: 0.25, dashArray: "4 3", extra: 5},
  admin1: {fillOpacity: 0.2, dashArray: "4 3", extra: 8},
  region: {fillOpacity: 0.2, dashArray: "4 3", extra: 8},
  country: {fillOpacity: 0, dashArray: "2 4", extra: 14},
};

function popup(p) {
  const box = el("div", {class: "popup"});
  const a = el("a", {href: "/ui/events/" + encodeURIComponent(p.id)}, p.type.replace(/_/g, " "));
  box.append(a, el("div", {}, (p.date_start || "date unknown") + " (" + (p.date_precision || "?") + ")"));
  box.append(el("div", {}, (p.location || "?") + " — located to: " + (p.geo_precision || "?")));
  if (p.fatalities) box.append(el("div", {}, p.fatalities + " killed"));
  return box;
}

function drawMap(node) {
  const map = L.map(node, {worldCopyJump: true, minZoom: 1, maxZoom: 12}).setView([15, 0], 2);
  const note = document.getElementById("map-note");
  getJSON(node.dataset.borders).then(g => {
    L.geoJSON(g, {interactive: false, style: {color: "#9aa5ae", weight: 0.6, fillColor: "#f7f4ec", fillOpacity: 1}}).addTo(map);
    return getJSON(node.dataset.src);
  }).then(d => {
    const cluster = L.markerClusterGroup({maxClusterRadius: 35, showCoverageOnHover: false});
    const bounds = [];
    for (const p of d.points) {
      const s = PRECISION_STYLE[p.geo_precision] || PRECISION_STYLE.country;
      const r = 5 + 2 * Math.sqrt(p.fatalities || 0) + s.extra;
      const m = L.circleMarker([p.lat, p.lon], {radius: r, color: "#7b1d14", weight: 1.2, fillColor: "#c0392b",
                                                fillOpacity: s.fillOpacity, dashArray: s.dashArray});
      m.bindPopup(() => popup(p));
      cluster.addLayer(m);
      bounds.push([p.lat, p.lon]);
    }
    map.addLayer(cluster);
    if (bounds.length) map.fitBounds(bounds, {padding: [30, 30], maxZoom: 7});
    node.dataset.loaded = String(d.shown);
    if (d.total > d.shown) note.prepend(el("b", {}, `Showing the ${d.shown} deadliest of ${d.total} located events. `));
  }).catch(err => { node.dataset.loaded = "error"; console.error(String(err)); });
}

// ------------------------------------------------------------------ chart
function nextStart(day, interval) {
  const d = new Date(day + "T00:00:00Z");
  if (interval === "day") d.setUTCDate(d.getUTCDate() + 1);
  else if (interval === "week") d.setUTCDate(d.getUTCDate() + 7);
  else if (interval === "month") d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d.toISOString().slice(0, 10);
}

function dayBefore(day) {
  const d = new Date(day + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

function drawChart(node) {
  getJSON(node.dataset.src).then(h => {
    document.getElementById("interval").textContent = h.interval;
    if (!h.buckets.length) { node.append(el("p", {class: "muted"}, "No dated event matches.")); node.dataset.loaded = "0"; return; }
    const counts = new Map(h.buckets.map(b => [b.start, b.count]));
    const buckets = [];
    const last = h.buckets[h.buckets.length - 1].start;
    for (let s = h.buckets[0].start; s <= last && buckets.length < 5000; s = nextStart(s, h.interval)) buckets.push([s, counts.get(s) || 0]);
    const W = node.clientWidth || 500, H = node.clientHeight || 300, pad = {l: 34, r: 8, t: 8, b: 22};
    const max = Math.max(...buckets.map(b => b[1]));
    const bw = (W - pad.l - pad.r) / buckets.length;
    const svg = el("svg:svg", {viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "events per " + h.interval});
    buckets.forEach(([start, n], i) => {
      const bh = (H - pad.t - pad.b) * n / max;
      const bar = el("svg:rect", {class: "bar", x: pad.l + i * bw + 0.5, y: H - pad.b - bh, width: Math.max(bw - 1, 0.5), height: bh,
                                 "data-start": start});
      bar.append(el("svg:title", {}, `${start}: ${n} event(s)`));
      svg.append(bar);
    });
    for (const [i, anchor] of [[0, "start"], [Math.floor(buckets.length / 2), "middle"], [buckets.length - 1, "end"]]) {
      svg.append(el("svg:text", {class: "axis", x: pad.l + (i + 0.5) * bw, y: H - 6, "text-anchor": anchor}, buckets[i][0]));
    }
    svg.append(el("svg:text", {class: "axis", x: pad.l - 4, y: pad.t + 8, "text-anchor": "end"}, String(max)));
    const brush = el("svg:rect", {class: "brush", x: 0, y: pad.t, width: 0, height: H - pad.t - pad.b});
    svg.append(brush);
    node.append(svg);
    node.dataset.loaded = String(buckets.length);

    const index = ev => {
      const box = svg.getBoundingClientRect();
      const x = (ev.clientX - box.left) * W / box.width;
      return Math.min(buckets.length - 1, Math.max(0, Math.floor((x - pad.l) / bw)));
    };
    let from = null;
    svg.addEventListener("mousedown", ev => { from = index(ev); ev.preventDefault(); });
    svg.addEventListener("mousemove", ev => {
      if (from === null) return;
      const to = index(ev), a = Math.min(from, to), b = Math.max(from, to);
      brush.setAttribute("x", pad.l + a * bw);
      brush.setAttribute("width", (b - a + 1) * bw);
    });
    window.addEventListener("mouseup", ev => {
      if (from === null) return;
      const to = index(ev), a = Math.min(from, to), b = Math.max(from, to);
      from = null;
      const url = new URL(node.dataset.base, location.origin);
      url.searchParams.set("date_from", buckets[a][0]);
      url.searchParams.set("date_to", dayBefore(nextStart(buckets[b][0], h.interval)));
      location.assign(url.pathname + url.search);
    });
  }).catch(err => { node.dataset.loaded = "error"; console.error(String(err)); });
}

document.addEventListener("DOMContentLoaded", () => {
  const map = document.getElementById("map");
  if (map) drawMap(map);
  const chart = document.getElementById("chart");
  if (chart) drawChart(chart);
});
