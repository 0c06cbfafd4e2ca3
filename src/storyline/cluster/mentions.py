"""From extracted mentions to clusterer features, and back to groups of mentions per event.

Types are compared at the level where two outlets can describe one event differently: an
"airstrike" and a "drone strike" are one ACLED sub-event type; an unrefined "attack" or a bare
casualty report ("killing") may belong to any violent event and constrains nothing.
"""
from __future__ import annotations

import re
from collections import defaultdict

from storyline.cluster.events import cluster_mentions, main_events
from storyline.cluster.features import MentionFeatures, names
from storyline.extract.ontology import lookup
from storyline.models import AnalyzedDocument
from storyline.nlp.embeddings import embed
from storyline.reconcile.claims import MentionRef, mention_date

WILDCARD_TYPES = {"attack", "killing", "assault"}
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")


def cluster_type(key: str) -> str:
    """The label two mentions must share: the ACLED sub-event type, else the project key."""
    if key in WILDCARD_TYPES:
        return ""
    _acled, sub, _plover = lookup(key)
    return sub or key


def _dates(ref: MentionRef) -> tuple[str | None, str | None]:
    d = mention_date(ref)
    return (d["start"], d["end"]) if d else (None, None)


def mention_features(refs: list[MentionRef], analyses: dict[str, AnalyzedDocument]) -> list[MentionFeatures]:
    """One feature record per mention: its sentence (with the article title) for meaning and names,
    the article for context, and the mention's own type, dates, place and actors as constraints."""
    doc_names = {doc_id: names(doc.text) for doc_id, doc in analyses.items()}
    doc_numbers = {doc_id: set(_NUMBER.findall(doc.text)) for doc_id, doc in analyses.items()}
    doc_years = {doc_id: set(_YEAR.findall(doc.text)) for doc_id, doc in analyses.items()}
    texts = [f"{r.title or ''}. {r.mention.sentence_text}" if r.mention.role == "reported" else r.mention.sentence_text
             for r in refs]
    vectors = embed(texts) if refs else []
    out = []
    for r, text, vec in zip(refs, texts, vectors):
        m = r.mention
        start, end = _dates(r)
        place = m.place if m.place is not None and m.place.precision != "unresolved" else None
        precise = place is not None and place.precision == "place"
        out.append(MentionFeatures(
            key=r.key, doc_id=r.article_id, text=text, type=cluster_type(m.type), date_start=start, date_end=end,
            lat=place.lat if precise else None, lon=place.lon if precise else None,
            country=place.country_code if place else None,
            actors={a.name or a.text for a in (m.actor1, m.actor2) if a is not None},
            entities=doc_names[r.article_id], numbers=doc_numbers[r.article_id], published=r.published,
            role=m.role, embedding=vec, context=analyses[r.article_id].text if m.role == "reported" else m.sentence_text,
            years=doc_years[r.article_id],
        ))
    return out


def cluster_events(refs: list[MentionRef], analyses: dict[str, AnalyzedDocument]) -> tuple[list[list[MentionRef]], dict[str, str]]:
    """Groups of mentions, one per event (in a stable order), and each article's main mention key."""
    features = mention_features(refs, analyses)
    event_of = cluster_mentions(features)
    groups: dict[str, list[MentionRef]] = defaultdict(list)
    for r in refs:
        groups[event_of[r.key]].append(r)
    main = main_events(features, event_of)  # article -> event key (the smallest mention key of the event)
    return [groups[k] for k in sorted(groups)], {a: k for a, k in main.items()}
