"""The whole job over a store: analyze what is new, then rebuild events from all analyses.

Analyses are cached per article version (content hash), so a rerun or an added batch only
analyzes new texts; events are derived data, rebuilt deterministically and swapped in atomically.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from storyline.extract.ontology import lookup
from storyline.models import AnalyzedDocument, Article, Event
from storyline.nlp.analyze import DocumentInput, analyze_documents
from storyline.reconcile.claims import MentionRef, reconcile_event
from storyline.report.html import render_report
from storyline.store.db import Store

ANALYSIS_BATCH = 20


def analyze_pending(store: Store, on_total: Callable[[int], None] | None = None,
                    on_done: Callable[[], None] | None = None) -> int:
    """Analyze every current article without an analysis, saving in small transactions."""
    pending = store.pending_analysis()
    if on_total:
        on_total(len(pending))
    by_id = {a.id: a for a in pending}
    batch: list[tuple[Article, AnalyzedDocument]] = []
    for doc in analyze_documents(DocumentInput(a.id, a.text, a.published, a.url) for a in pending):
        batch.append((by_id[doc.id], doc))
        if on_done:
            on_done()
        if len(batch) >= ANALYSIS_BATCH:
            store.save_analyses(batch)
            batch = []
    if batch:
        store.save_analyses(batch)
    return len(pending)


def build_events(store: Store) -> list[Event]:
    """Deduplicate articles, cluster all occurred mentions into events, reconcile, store."""
    from storyline.cluster.mentions import cluster_events
    from storyline.dedup import find_duplicates

    articles = store.articles()
    analyses = store.analyses()
    duplicates = find_duplicates(articles)
    duplicate_of = {a: d.duplicate_of for a, d in duplicates.items()}
    by_id = {a.id: a for a in articles}
    refs = [
        MentionRef(doc.id, i, m, doc.published, by_id[doc.id].title)
        for doc in analyses.values() for i, m in enumerate(doc.event_mentions) if m.status == "occurred"
    ]
    canonical_actor_names(refs)
    groups, main_event_keys = cluster_events(refs, analyses)
    events = [reconcile_event(g, duplicate_of, lookup) for g in groups]
    event_of = {r.key: ev.id for ev, g in zip(events, groups) for r in g}
    values: dict[str, dict] = {}
    for a in articles:
        cols: dict = {}
        if a.id in duplicates:
            d = duplicates[a.id]
            cols.update(duplicate_of=d.duplicate_of, duplicate_similarity=d.similarity, duplicate_kind=d.kind)
        if (key := main_event_keys.get(a.id)) is not None and key in event_of:
            cols["main_event"] = event_of[key]
        if cols:
            values[a.id] = cols
    store.replace_events(events, values)
    return events


def canonical_actor_names(refs: list[MentionRef]) -> None:
    """Give variant spellings of one actor across articles one name (in place)."""
    from storyline.resolve.actors import merge_across_documents

    actors = [a for r in refs for a in (r.mention.actor1, r.mention.actor2) if a is not None]
    canonical = merge_across_documents(sorted({a.name or a.text for a in actors}))
    for a in actors:
        a.name = canonical.get(a.name or a.text, a.name or a.text)


def write_report(store: Store, path: Path) -> int:
    events = store.events()
    titles = {row.id: row.title or "" for row in store.iter_articles()}
    path.write_text(render_report(events, titles, len(titles)), encoding="utf-8")
    return len(events)
