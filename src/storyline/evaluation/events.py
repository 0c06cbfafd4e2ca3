"""Score the whole pipeline's events against a gold folder (seeds-style ``gold.json``).

The folder's articles go through ingest, analysis, dedup, clustering and reconciliation into a
temporary SQLite store. Each gold event is matched to the produced event that holds most of its
articles among those of the right type; it passes when the type, date, place, articles,
separation from other gold events, casualty claims and contradictions all agree.

The analyst's checks (``analyst_checks``) are run over all produced events: a required event is
one event (no second event of its type and day from the same article), its actors sit on the
right side, every casualty figure it carries is one of the gold's, no event starts after the
articles that report it were published, and no event matches a ``not_events`` entry (an event
type, a country, or a text that is no reporting). Each problem is one line.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from storyline.models import Event
from storyline.resolve.geo import country_codes, haversine_km


def _articles(ev: Event) -> set[str]:
    return {a.id for a in ev.articles}


def match_event(gold: dict, events: list[Event], main_event: dict[str, str | None]) -> Event | None:
    """The produced event sharing most of the gold event's articles, preferring the gold type and
    the main event of the articles that report it."""
    wanted = set(gold.get("reported_in", [])) | set(gold.get("mentioned_in", []))
    mains = {main_event.get(a) for a in gold.get("reported_in", [])}
    scored = [(len(wanted & _articles(ev)), ev.type == gold["type"], ev.id in mains, ev) for ev in events]
    scored = [s for s in scored if s[0] > 0]
    if not scored:
        return None
    return max(scored, key=lambda s: (s[1], s[2], s[0], -len(_articles(s[3]))))[3]


def check_event(gold: dict, ev: Event | None, matched: dict[str, Event | None]) -> dict:
    reasons: list[str] = []
    if ev is None:
        return {"id": gold["id"], "passed": False, "event": None, "reasons": ["no event holds its articles"]}
    if ev.type != gold["type"]:
        reasons.append(f"type {ev.type} != {gold['type']}")
    d = gold.get("date")
    if d and not (ev.date.start and d["from"] <= ev.date.start <= d["to"]):
        reasons.append(f"date {ev.date.start} outside {d['from']}..{d['to']}")
    place = gold.get("place")
    if place and place.get("lat") is not None:
        loc = ev.location
        if loc.lat is None:
            reasons.append("no place")
        elif (km := haversine_km(loc.lat, loc.lon, place["lat"], place["lon"])) > place.get("tolerance_km", 50):
            reasons.append(f"place {loc.name} is {km:.0f} km away")
    codes = set(country_codes(ev.location.country_code))
    if (countries := gold.get("country")) and not (codes and codes <= set(countries)):
        reasons.append(f"country {ev.location.country_code} not in {countries}")
    missing = (set(gold.get("reported_in", [])) | set(gold.get("mentioned_in", []))) - _articles(ev)
    if missing:
        reasons.append(f"articles missing: {sorted(missing)}")
    for other in gold.get("must_not_merge_with", []):
        if matched.get(other) is not None and matched[other].id == ev.id:
            reasons.append(f"merged with {other}")
    for attr in ("fatalities", "injuries"):
        for claim in gold.get(f"{attr}_claims", []):
            values = {c.value["best"] for c in ev.claims if c.attribute == attr and c.article == claim["article"]}
            if claim["value"] not in values:
                reasons.append(f"{attr} {claim['value']} from {claim['article']} not claimed (got {sorted(values)})")
    for contra in gold.get("contradictions", []):
        if not any(c.attribute == contra["attribute"] for c in ev.contradictions):
            reasons.append(f"contradiction on {contra['attribute']} not shown")
    return {"id": gold["id"], "passed": not reasons, "event": ev.id, "reasons": reasons}


def evaluate_events(folder: Path) -> dict:
    """Run the pipeline on ``folder`` and check every required gold event."""
    from storyline.ingest.run import ingest_paths
    from storyline.pipeline import analyze_pending, update_events
    from storyline.store.db import Store

    gold = json.loads((Path(folder) / "gold.json").read_text("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "eval.db"))
        ingest_paths([str(folder)], store)
        analyze_pending(store)
        update_events(store)
        events = store.events()
        rows = list(store.iter_articles())
        store.close()
    required = [g for g in gold["events"] if g.get("required")]
    matched = {g["id"]: match_event(g, events, {r.id: r.main_event for r in rows}) for g in gold["events"]}
    results = [check_event(g, matched[g["id"]], matched) for g in required]
    problems = analyst_problems(gold, events, matched, {r.id: r.published for r in rows})
    return {"events": results, "passed": sum(r["passed"] for r in results), "required": len(results),
            "n_events": len(events), "analyst_problems": problems}


def analyst_problems(gold: dict, events: list[Event], matched: dict[str, Event | None],
                     published: dict[str, str | None]) -> list[str]:
    """The analyst's checks (see module doc), as one line per problem."""
    problems = []
    for g in gold["events"]:
        ev = matched.get(g["id"])
        if not g.get("required") or ev is None:
            continue
        day = g.get("date", {})
        twins = [o for o in events if o.id != ev.id and o.type == ev.type and o.date.start == ev.date.start
                 and o.date.precision == "day" and _articles(o) & set(g.get("reported_in", []))
                 and day.get("from", "") <= (o.date.start or "") <= day.get("to", "9999")]
        if twins:
            problems.append(f"{g['id']}: split into {len(twins) + 1} events of type {ev.type} on {ev.date.start}")
        for role, other in (("actor1", "actor2"), ("actor2", "actor1")):
            mine = [a.name for a in ev.actors if a.role == role]
            if mine and g.get(other) and any(_same_actor(n, g[other]) for n in mine) and not any(_same_actor(n, g.get(role, [])) for n in mine):
                problems.append(f"{g['id']}: {role} {mine} are the gold's {other}")
        for attr in ("fatalities", "injuries"):
            allowed = {c["value"] for c in g.get(f"{attr}_claims", [])}
            got = {c.value["best"] for c in ev.claims if c.attribute == attr}
            if got - allowed:
                problems.append(f"{g['id']}: {attr} {sorted(got - allowed)} are no gold claim")
    for ev in events:
        last = max((published.get(a.id) or "" for a in ev.articles), default="")
        if last and ev.date.start and ev.date.start > last[:10]:
            problems.append(f"{ev.id} ({ev.type}) starts {ev.date.start}, after its articles were published ({last[:10]})")
        for bad in gold.get("not_events", []):
            if bad.get("acled_event_type") and ev.acled_event_type == bad["acled_event_type"]:
                problems.append(f"{ev.id}: an event of type {ev.acled_event_type} ({ev.summary[:80]})")
            if bad.get("country_code") and bad["country_code"] in country_codes(ev.location.country_code):
                problems.append(f"{ev.id} ({ev.type}) placed in {ev.location.country_code}")
            if bad.get("text") and any(bad["text"][:40] in c.text for c in ev.claims):
                problems.append(f"{ev.id} ({ev.type}) rests on {bad['text'][:40]!r}, which is no reporting")
    return problems


def _same_actor(name: str, gold_names: list[str]) -> bool:
    words = {w for w in name.lower().replace("-", " ").split() if len(w) > 2}
    return any(words & {w for w in g.lower().replace("-", " ").split() if len(w) > 2} for g in gold_names)
