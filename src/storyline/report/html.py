"""The static HTML report: one self-contained file (no network), for reading and sharing.

It shows the timeline, a point map drawn as inline SVG, and for each event its consensus, its
sources side by side (each with the sentences it contributed) and its contradictions highlighted.
"""
from __future__ import annotations

from collections import defaultdict
from html import escape

from storyline.models import Casualties, Event
from storyline.report.timeline import date_label, sort_key, stories

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1em 2em;color:#222}
h1{margin-bottom:.2em}.muted{color:#666}.event{border:1px solid #ddd;border-radius:6px;margin:1em 0;padding:.6em 1em}
.event h3{margin:.2em 0}.tag{display:inline-block;background:#eef;border-radius:4px;padding:0 .4em;margin-right:.3em;font-size:.85em}
.sources{display:flex;gap:.8em;overflow-x:auto}.source{flex:1 1 0;min-width:220px;background:#fafafa;border:1px solid #eee;padding:.4em .6em;font-size:.9em}
.copy{opacity:.7}.contra{background:#fff3f0;border-left:4px solid #d33;padding:.3em .6em;margin:.4em 0}
.timeline li{margin:.2em 0}svg{background:#f4f8fb;border:1px solid #ddd}table{border-collapse:collapse}
td,th{padding:.1em .6em;text-align:left;vertical-align:top}
"""


def _fmt_count(c: Casualties | None) -> str:
    if c is None:
        return "—"
    if c.low == c.high:
        return str(c.best)
    return f"{c.best} (range {c.low}–{c.high if c.high is not None else '?'})"


def _map_svg(events: list[Event], width: int = 700, height: int = 320) -> str:
    pts = [(ev, ev.location.lat, ev.location.lon) for ev in events if ev.location.lat is not None]
    if not pts:
        return "<p class=muted>No event has coordinates.</p>"
    lats, lons = [p[1] for p in pts], [p[2] for p in pts]
    pad = 1.0
    lat0, lat1, lon0, lon1 = min(lats) - pad, max(lats) + pad, min(lons) - pad, max(lons) + pad

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return ((lon - lon0) / (lon1 - lon0) * width, (lat1 - lat) / (lat1 - lat0) * height)

    dots = []
    for ev, lat, lon in pts:
        x, y = xy(lat, lon)
        dots.append(f'<a href="#{ev.id}"><circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#c33" fill-opacity=".7">'
                    f"<title>{escape(ev.type)} · {escape(date_label(ev))} · {escape(ev.location.name or '')}</title></circle>"
                    f'<text x="{x + 8:.1f}" y="{y + 4:.1f}" font-size="11">{escape(ev.location.name or "")}</text></a>')
    grid = "".join(f'<text x="2" y="{xy(lat, lon0)[1]:.0f}" font-size="9" fill="#999">{lat:.0f}°</text>'
                   for lat in range(int(lat0) + 1, int(lat1) + 1))
    return f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}">{grid}{"".join(dots)}</svg>'


def _event_html(ev: Event, titles: dict[str, str]) -> str:
    loc = ev.location
    actors = ", ".join(f"{escape(a.name)} <span class=muted>({a.role}, {escape(a.kind or '?')})</span>" for a in ev.actors) or "—"
    by_article: dict[str, list] = defaultdict(list)
    for c in ev.claims:
        if c.attribute == "type":
            by_article[c.article].append(c)
    sources = []
    for a in ev.articles:
        sents, seen = [], set()
        for c in by_article.get(a.id, []):
            if c.text and c.text not in seen:
                seen.add(c.text)
                said = f" <span class=muted>— {escape(c.said_by)}</span>" if c.said_by else ""
                sents.append(f"<li>{escape(c.text)}{said}</li>")
        label = "" if a.independent else " <span class=tag>copy</span>"
        sources.append(f'<div class="source{"" if a.independent else " copy"}"><b>{escape(a.id)}</b>{label} '
                       f'<span class=tag>{a.role}</span><br><span class=muted>{escape(titles.get(a.id, ""))}</span>'
                       f'<ul>{"".join(sents)}</ul></div>')
    contras = []
    for k in ev.contradictions:
        items = "".join(f"<li><b>{escape(str(c.value.get('best') if isinstance(c.value, dict) and 'best' in c.value else c.value))}</b>"
                        f" — {escape(c.article)}{' (' + escape(c.said_by) + ')' if c.said_by else ''}: “{escape(c.text)}”</li>"
                        for c in k.claims)
        contras.append(f'<div class=contra><b>Contradiction: {escape(k.attribute)}</b> <span class=muted>{escape(k.note)}</span><ul>{items}</ul></div>')
    return f"""<div class=event id="{ev.id}"><h3>{escape(ev.type.replace('_', ' '))} — {escape(loc.name or 'place unknown')}
<span class=muted>{escape(date_label(ev))}</span></h3>
<span class=tag>ACLED: {escape(ev.acled_event_type or '—')} / {escape(ev.acled_sub_event_type or '—')}</span><span class=tag>PLOVER: {escape(ev.plover_type or '—')}</span>
<span class=tag>{ev.sources} independent source(s)</span>
<table><tr><th>Place</th><td>{escape(loc.name or '—')} {escape(loc.country_code or '')} <span class=muted>({escape(loc.precision or '')})</span></td></tr>
<tr><th>Actors</th><td>{actors}</td></tr><tr><th>Killed</th><td>{_fmt_count(ev.fatalities)}</td></tr><tr><th>Wounded</th><td>{_fmt_count(ev.injuries)}</td></tr></table>
<p>{escape(ev.summary)}</p>{''.join(contras)}<div class=sources>{''.join(sources)}</div></div>"""


def render_report(events: list[Event], titles: dict[str, str], n_articles: int) -> str:
    """The whole page as one string."""
    events = sorted(events, key=sort_key)
    story_list = "".join(
        "<li>" + " → ".join(f'<a href="#{ev.id}">{escape(ev.type)} {escape(ev.date.start or "?")}</a>' for ev in story) + "</li>"
        for story in stories(events) if len(story) > 1)
    timeline = "".join(f'<li><a href="#{ev.id}">{escape(date_label(ev))}</a> — {escape(ev.type)} in '
                       f'{escape(ev.location.name or "?")} ({len(ev.articles)} article(s){", ⚠ " + str(len(ev.contradictions)) + " contradiction(s)" if ev.contradictions else ""})</li>'
                       for ev in events)
    body = "".join(_event_html(ev, titles) for ev in events)
    return f"""<!doctype html><html lang=en><head><meta charset=utf-8><title>Storyline report</title><style>{CSS}</style></head>
<body><h1>Storyline report</h1><p class=muted>{len(events)} events from {n_articles} articles.</p>
<h2>Timeline</h2><ol class=timeline>{timeline}</ol>{'<h2>Stories</h2><ul>' + story_list + '</ul>' if story_list else ''}
<h2>Map</h2>{_map_svg(events)}<h2>Events</h2>{body}</body></html>"""
