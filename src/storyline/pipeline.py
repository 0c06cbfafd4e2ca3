"""The whole job over a store: analyse what is new, then take it into the events.

Per article version the analysis, its event records (with their vectors) and its dedup signature
are computed once and saved together; the event engine then takes pending versions in, batch by
batch, touching only the events they can join. A rerun with nothing new does neither.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from storyline.models import AnalyzedDocument, Article
from storyline.store.db import Analysed, AnalysisRows, Store

if TYPE_CHECKING:
    from storyline.distribute import Workers

ANALYSIS_BATCH = 20


def prepare(pairs: list[tuple[Article, AnalyzedDocument]], embed) -> list[Analysed]:
    """Event records and dedup signatures of analysed articles. Each article's lead is its one
    embedded text, shared by its central record and its signature; all leads embed in one batch."""
    from storyline.cluster.records import (
        LEAD_TOKENS,
        build_records,
        lead_text,
        plan_records,
    )
    from storyline.dedup import signature

    plans = [plan_records(a, doc) for a, doc in pairs]
    leads = embed([lead_text(a) for a, _ in pairs], max_tokens=LEAD_TOKENS)
    out = []
    for plan, (article, doc), lead in zip(plans, pairs, leads):
        records = build_records(plan, lead)
        mentions = {r.key: [doc.event_mentions[i] if i >= 0 else doc.lead_event for i in r.mentions] for r in records}
        out.append(Analysed(article, doc, records, mentions, signature(article, lead), plan.reason))
    return out


def analyze_pending(store: Store, on_total: Callable[[int], None] | None = None,
                    on_done: Callable[[], None] | None = None, workers: Workers | None = None,
                    take_in: Callable[[str], object] | None = None, every: int | None = None) -> int:
    """Analyse every current article without an analysis, saving in small transactions.

    Analysis, event records and lead vectors are computed where ``workers`` run them (this
    process by default, a pool of local processes, a Ray cluster: :mod:`storyline.distribute`);
    saving runs here, in a thread beside them, batch by batch, in article order. Given
    ``take_in``, that thread calls it after each ``every`` saved articles (an engine batch's worth
    by default) with the first article not saved yet, to take whole batches before it into the
    events while the workers analyse the next ones (:meth:`EventEngine.run` with ``before``)."""
    from storyline.cluster.engine import BATCH
    from storyline.distribute import InProcess

    workers = workers or InProcess()

    pending = store.pending_analysis()
    if on_total:
        on_total(len(pending))
    if not pending:
        return 0
    batch: list[AnalysisRows] = []
    saved_n, waiting = [0], [0]  # articles saved, and saved since the engine last looked

    def save(rows: list[AnalysisRows]) -> None:
        store.save_analyses(rows)
        saved_n[0] += len(rows)
        waiting[0] += len(rows)
        if take_in is not None and waiting[0] >= (every or BATCH) and saved_n[0] < len(pending):
            take_in(pending[saved_n[0]].id)
            waiting[0] = 0

    with ThreadPoolExecutor(max_workers=1) as saver:
        saved: list[Future] = []
        for item in workers.analyse(pending):
            batch.append(item)
            if on_done:
                on_done()
            if len(batch) >= ANALYSIS_BATCH:
                saved.append(saver.submit(save, batch))
                batch = []
                saved = _raise_failed(saved)
        if batch:
            saved.append(saver.submit(save, batch))
        for f in saved:
            f.result()
    return len(pending)


def _raise_failed(futures: list[Future]) -> list[Future]:
    """Re-raise a failed save at once; keep the ones still running."""
    for f in futures:
        if f.done():
            f.result()
    return [f for f in futures if not f.done()]


def update_events(store: Store, on_batch: Callable[[int], None] | None = None):
    """Take every analysed, pending article version into the events (see :mod:`storyline.cluster.engine`)."""
    from storyline.cluster import EventEngine

    return EventEngine(store).run(on_batch=on_batch)


def write_report(store: Store, path: Path) -> int:
    from storyline.report.html import render_report

    events = store.events()
    rows = list(store.iter_articles())
    titles = {row.id: row.title or "" for row in rows}
    # what was left out and why (not English, reports nothing, not analysed yet): never silently
    eventless = [{"id": r.id, "title": r.title or "", "language": r.language, "reason": r.main_event_reason or "not analysed yet"}
                 for r in rows if not r.main_event and not r.duplicate_of]
    path.write_text(render_report(events, titles, len(titles), eventless), encoding="utf-8")
    return len(events)
