"""HTML views of events: the web app's pages and the static report, from one set of Jinja
templates (``report/templates``, autoescaped: every string from an article or a user is escaped).

The centre of every event view is its claims: for each attribute, each source's value with the
sentence it was read from, who said it and whether the source is independent or a copy, and every
disagreement between sources side by side.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from storyline.models import Event, to_dict
from storyline.report.timeline import sort_key

ATTRIBUTE_ORDER = ["type", "date", "place", "actor1", "actor2", "fatalities", "injuries"]
ATTRIBUTE_LABELS = {"type": "Event type", "date": "Date", "place": "Place", "actor1": "Actor 1 (who acted)",
                    "actor2": "Actor 2 (acted on)", "fatalities": "Killed", "injuries": "Wounded",
                    "victims": "Victims", "weapon": "Weapon", "victim_nationality": "Victims' nationality",
                    "victim_nationality_negated": "Victims' nationality (denied)"}
DATE_PRECISION = {"reported_by": "on or before the report", "day": "day", "week": "within a week", "month": "within a month",
                  "year": "within a year", "range": "within the range", "time": "day", "unknown": "precision unknown"}
PRECISION = {"place": "town or site", "admin2": "district", "admin1": "province", "region": "region",
             "country": "country only", "unknown": "unknown"}


@functools.lru_cache(maxsize=1)
def env() -> Environment:
    e = Environment(loader=PackageLoader("storyline.report", "templates"), autoescape=select_autoescape(default=True),
                    trim_blocks=True, lstrip_blocks=True)
    e.filters.update(value=format_value, count=format_count, date=format_date,
                     precision=lambda p: PRECISION.get(p or "unknown", p),
                     date_precision=lambda p: DATE_PRECISION.get(p or "unknown", p))
    return e


def render(template: str, **context: Any) -> str:
    return env().get_template(template).render(**context)


def format_date(d: dict | None) -> str:
    """An event date with its precision: "2024-11-12 (day)", "2024-03-01 – 2024-03-31 (month)"."""
    if not d or not d.get("start"):
        return "date unknown"
    span = d["start"] if d.get("start") == d.get("end") or not d.get("end") else f"{d['start']} – {d['end']}"
    return f"{span} ({DATE_PRECISION.get(d.get('precision') or 'unknown', d.get('precision'))})"


def format_count(c: dict | None) -> str:
    if not c:
        return "—"
    if c.get("low") == c.get("high"):
        return str(c["best"])
    return f"{c['best']} (sources say {c.get('low')}–{c.get('high') if c.get('high') is not None else '?'})"


def format_value(value: Any, attribute: str = "") -> str:
    """A claimed value as an analyst reads it."""
    if isinstance(value, dict):
        if "best" in value:
            return format_count(value) + (f" — “{value['text']}”" if value.get("text") else "")
        if "start" in value:
            return format_date(value)
        if "lat" in value or "precision" in value:
            parts = [value.get("name"), value.get("admin1"), value.get("country_code")]
            return ", ".join(p for p in parts if p) + f" ({PRECISION.get(value.get('precision') or 'unknown')})"
        if "name" in value:
            extra = ", ".join(x for x in (value.get("kind"), value.get("country")) if x)
            said = f" — as “{value['text']}”" if value.get("text") and value.get("text") != value.get("name") else ""
            return f"{value['name']}" + (f" ({extra})" if extra else "") + said
    if isinstance(value, list):
        return ", ".join(format_value(v) for v in value)
    return "—" if value is None else str(value).replace("_", " ")


def sentence_anchor(article: str, sentence: int) -> str:
    return f"s-{article}-{sentence}"


def event_view(ev: dict, articles: dict[str, dict] | None = None) -> dict:
    """What an event page shows, from the event's export JSON and its articles' rows (id ->
    title, publisher, published, duplicate_of): the claims per attribute grouped by source and
    the contradictions, each claim pointing at its sentence."""
    articles = articles or {}
    role = {a["id"]: a for a in ev.get("articles") or []}
    contested = {c["attribute"] for c in ev.get("contradictions") or []}
    contra_claims = {(c["article"], c["sentence"], k["attribute"]) for k in ev.get("contradictions") or []
                     for c in k["claims"]}
    by_attr: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for c in ev.get("claims") or []:
        by_attr[c["attribute"]][c["article"]].append(c)
    order = ATTRIBUTE_ORDER + sorted(a for a in by_attr if a not in ATTRIBUTE_ORDER)
    groups = []
    for attr in order:
        if attr not in by_attr:
            continue
        sources = []
        for article, claims in by_attr[attr].items():
            seen, items = set(), []
            for c in claims:
                key = (format_value(c["value"]), c.get("sentence"), c.get("said_by"))
                if key in seen:
                    continue
                seen.add(key)
                items.append({**c, "shown": key[0], "anchor": sentence_anchor(article, c["sentence"]),
                              "contested": (article, c["sentence"], attr) in contra_claims})
            info = articles.get(article, {})
            sources.append({"article": article, "title": info.get("title") or "", "publisher": info.get("publisher") or "",
                            "independent": role.get(article, {}).get("independent", True),
                            "copy_of": info.get("duplicate_of"), "claims": items})
        sources.sort(key=lambda s: (not s["independent"], s["publisher"], s["article"]))
        groups.append({"attribute": attr, "label": ATTRIBUTE_LABELS.get(attr, attr.replace("_", " ")),
                       "contested": attr in contested, "sources": sources,
                       "n_values": len({c["shown"] for s in sources for c in s["claims"]})})
    contradictions = [{"attribute": k["attribute"], "label": ATTRIBUTE_LABELS.get(k["attribute"], k["attribute"]),
                       "note": k.get("note") or "",
                       "claims": [{**c, "shown": format_value(c["value"]), "anchor": sentence_anchor(c["article"], c["sentence"]),
                                   "publisher": articles.get(c["article"], {}).get("publisher") or ""} for c in k["claims"]]}
                      for k in ev.get("contradictions") or []]
    return {"ev": ev, "groups": groups, "contradictions": contradictions, "contested": contested}


def highlighted_text(text: str, spans: list[tuple[int, int]], marks: dict[int, set[str]], article: str) -> Markup:
    """The cleaned text with each sentence in ``marks`` (sentence index -> CSS classes) wrapped in
    a <mark> that is its link target; everything else escaped as it is."""
    out, pos = [], 0
    for i, (start, end) in enumerate(spans):
        if i not in marks or start < pos or end > len(text):
            continue
        end = start + len(text[start:end].rstrip())  # a sentence's span may end in its paragraph break
        out.append(escape(text[pos:start]))
        out.append(Markup('<mark id="{}" class="{}">{}</mark>').format(
            sentence_anchor(article, i), " ".join(sorted(marks[i])), text[start:end]))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


@functools.lru_cache(maxsize=1)
def stylesheet() -> str:
    return (resources.files("storyline.api") / "static" / "style.css").read_text(encoding="utf-8")


def render_report(events: list[Event], titles: dict[str, str], n_articles: int, eventless: list[dict] | None = None) -> str:
    """The static report: a self-contained snapshot (inline styles, inline SVG map with country
    borders, no scripts, no network) of the events table and every event's claims and
    contradictions, newest first, and the articles in no event with the reason (``eventless``:
    id, title, language, reason)."""
    from storyline.report.world import svg_paths

    events = sorted(events, key=sort_key, reverse=True)
    views = [event_view(to_dict(ev), {a: {"title": t} for a, t in titles.items()}) for ev in events]
    pts = [(ev.location.lon, ev.location.lat, ev) for ev in events if ev.location.lat is not None and ev.location.lon is not None]
    svg = None
    if pts:
        width, height, pad = 760, 420, 5.0
        lon0, lon1 = min(p[0] for p in pts) - pad, max(p[0] for p in pts) + pad
        lat0, lat1 = min(p[1] for p in pts) - pad, max(p[1] for p in pts) + pad
        # keep the degrees square: widen the narrower side
        if (lon1 - lon0) / width < (lat1 - lat0) / height:
            extra = (lat1 - lat0) / height * width - (lon1 - lon0)
            lon0, lon1 = lon0 - extra / 2, lon1 + extra / 2
        else:
            extra = (lon1 - lon0) / width * height - (lat1 - lat0)
            lat0, lat1 = lat0 - extra / 2, lat1 + extra / 2
        dots = []
        for lon, lat, ev in pts:
            f = ev.fatalities.best if ev.fatalities else 0
            dots.append({"x": (lon - lon0) / (lon1 - lon0) * width, "y": (lat1 - lat) / (lat1 - lat0) * height,
                         "r": 4 + 2 * f ** 0.5, "ev": ev, "precision": ev.location.precision})
        svg = {"width": width, "height": height, "borders": svg_paths(lon0, lat0, lon1, lat1, width, height), "dots": dots}
    return render("report.html", views=views, n_articles=n_articles, svg=svg, css=Markup(stylesheet()),
                  eventless=eventless or [])
