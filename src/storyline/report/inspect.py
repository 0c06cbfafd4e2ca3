"""The `inspect` JSON line: a contract. Keep its fields; add new ones beside them."""
from __future__ import annotations

from storyline.models import ActorRef, AnalyzedDocument, Count, EventMention, to_dict

MENTION_FIELDS = ("sentence", "start", "end", "trigger", "type", "acled_event_type", "acled_sub_event_type",
                  "plover_type", "status", "role", "victims", "weapon", "said_by")


def _actor(a: ActorRef | None) -> dict | None:
    if a is None:
        return None
    return {"text": a.text, "name": a.name, "kind": a.kind, "country": a.country, "start": a.start, "end": a.end}


def _count(c: Count | None) -> dict | None:
    return None if c is None else {"best": c.best, "low": c.low, "high": c.high, "text": c.text}


def mention_record(m: EventMention) -> dict:
    """Counts are plain numbers (the best estimate); their ranges and words sit in *_range."""
    rec = {k: getattr(m, k) for k in MENTION_FIELDS}
    rec.update(
        actor1=_actor(m.actor1), actor2=_actor(m.actor2), place=to_dict(m.place), time=to_dict(m.time),
        fatalities=m.fatalities.best if m.fatalities else None, injuries=m.injuries.best if m.injuries else None,
        fatalities_range=_count(m.fatalities), injuries_range=_count(m.injuries), extra=m.extra,
    )
    return rec


def inspect_record(doc: AnalyzedDocument) -> dict:
    return {
        "id": doc.id, "text": doc.text, "published": doc.published, "language": doc.language,
        "sentences": to_dict(doc.sentences), "entities": to_dict(doc.entities), "times": to_dict(doc.times),
        "places": to_dict(doc.places), "event_mentions": [mention_record(m) for m in doc.event_mentions],
        "warnings": doc.warnings,
    }
