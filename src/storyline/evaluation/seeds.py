"""Check extracted mentions against the required events of a gold file (``gold.json``).

A gold event is looked up among the mentions of the articles it lists (``reported_in`` and
``mentioned_in``). A mention is a candidate when it is violent-compatible with the gold type (same
key, or the unrefined key "attack" of the same PLOVER family), occurred, and does not contradict the
gold date range or countries. The event passes when its candidates, together, show: the exact type,
a date inside the range, a place within ``tolerance_km``, actor1 and actor2 among the gold names,
and every article's casualty claims (one of the article's claimed values). Reasons list what is
missing, so a failure says which rule to improve.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from storyline.evaluation.corpus import read_metadata
from storyline.extract import ontology
from storyline.models import ActorRef, AnalyzedDocument, EventMention
from storyline.resolve.geo import country_codes, haversine_km

Analyze = Callable[[str, str, str | None], AnalyzedDocument]


def _norm(text: str | None) -> set[str]:
    words = re.findall(r"[a-z0-9]+", (text or "").lower().replace(".", "").replace("'", "").replace("’", ""))
    stems = {w[:5] for w in words if w not in {"the", "of", "us", "and", "a", "groups", "group"} and len(w) > 2}
    return stems | ({"us"} if re.search(r"\b(us|u\.s\.|united states|american)\b", (text or "").lower()) else set())


def _actor_ok(ref: ActorRef | None, gold: list[str]) -> bool:
    if ref is None:
        return False
    mine = _norm(ref.text) | _norm(ref.name)
    return any(g_words and (g_words <= mine or mine <= g_words and mine) for g_words in map(_norm, gold))


def _date_ok(m: EventMention, lo: str, hi: str) -> bool | None:
    if m.time is None or m.time.value == "unresolved":
        return None
    start = m.time.range_start or m.time.value[:10]
    end = m.time.range_end or m.time.value[:10]
    return bool(start and end and lo <= start[:10] and end[:10] <= hi)


def _candidate(m: EventMention, ev: dict) -> bool:
    gold_plover = ontology.lookup(ev["type"]).plover_type
    if m.type != ev["type"] and not (m.type in ("attack", "killing") and m.plover_type == gold_plover):
        return False
    if m.status != "occurred" or _date_ok(m, ev["date"]["from"], ev["date"]["to"]) is False:
        return False
    return not (m.place and m.place.country_code and ev.get("country") and not set(country_codes(m.place.country_code)) <= set(ev["country"]))


def check_event(ev: dict, docs: dict[str, AnalyzedDocument]) -> dict:
    """Per-event verdict: {"id", "passed", "reasons", "candidates"}."""
    arts = ev.get("reported_in", []) + ev.get("mentioned_in", [])
    cands = [(a, m) for a in arts if a in docs for m in docs[a].event_mentions if _candidate(m, ev)]
    reasons = []
    if not any(m.type == ev["type"] for _, m in cands):
        reasons.append(f"no mention typed {ev['type']}")
    if not any(_date_ok(m, ev["date"]["from"], ev["date"]["to"]) for _, m in cands):
        reasons.append("no mention dated in range")
    if "place" in ev:
        g = ev["place"]
        if not any(m.place and m.place.lat is not None and haversine_km(m.place.lat, m.place.lon, g["lat"], g["lon"]) <= g["tolerance_km"]
                   for _, m in cands):
            reasons.append("no mention placed within tolerance")
    for side in ("actor1", "actor2"):
        if side in ev and not any(_actor_ok(getattr(m, side), ev[side]) for _, m in cands):
            reasons.append(f"no mention with {side} in {ev[side]}")
    for field, attr in (("fatalities_claims", "fatalities"), ("injuries_claims", "injuries")):
        by_article: dict[str, set[int]] = {}
        for claim in ev.get(field, []):
            by_article.setdefault(claim["article"], set()).add(claim["value"])
        for art, values in by_article.items():
            got = {getattr(m, attr).best for a, m in cands if a == art and getattr(m, attr)}
            if not got & values:
                reasons.append(f"{attr} {sorted(values)} not found in {art} (got {sorted(got)})")
    return {"id": ev["id"], "passed": not reasons, "reasons": reasons,
            "candidates": [f"{a}#{m.sentence}:{m.trigger}:{m.type}" for a, m in cands]}


def evaluate_seed_mentions(seeds_dir: Path, analyzed: dict[str, AnalyzedDocument] | Analyze) -> dict:
    """Verdicts for the required gold events. ``analyzed`` maps article id -> AnalyzedDocument, or
    is a callable (id, text, published) -> AnalyzedDocument run on each seed article."""
    seeds_dir = Path(seeds_dir)
    gold = json.loads((seeds_dir / "gold.json").read_text("utf-8"))
    if callable(analyzed):
        analyzed = {doc: analyzed(doc, (seeds_dir / m["file"]).read_text("utf-8"), m.get("published"))
                    for doc, m in read_metadata(seeds_dir).items()}
    results = [check_event(ev, analyzed) for ev in gold["events"] if ev.get("required")]
    return {"events": results, "passed": sum(r["passed"] for r in results), "required": len(results)}


if __name__ == "__main__":
    import sys

    from storyline.nlp.analyze import analyze_text
    print(json.dumps(evaluate_seed_mentions(Path(sys.argv[1]), analyze_text), indent=1))
