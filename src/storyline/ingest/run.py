"""Ingest orchestration: clean every document read and store it in short, idempotent batches."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from storyline.clean import Cleaner
from storyline.errors import InputError, InputWarning
from storyline.ingest.readers import OnError, read_paths
from storyline.models import Article, RawDocument
from storyline.store.db import AddResult, Store

if TYPE_CHECKING:
    from storyline.distribute import Workers

BATCH = 50
CHUNK = 25  # documents a worker counts or cleans at a time


@dataclass
class IngestReport:
    read: int = 0
    added: int = 0
    unchanged: int = 0
    new_versions: int = 0
    errors: list[InputError] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)


def clean_paths(paths: list[str], on_error: OnError, cleaner: Cleaner | None = None,
                on_progress: Callable[[int | None], None] | None = None, workers: Workers | None = None) -> Iterator[Article]:
    """Clean every document under ``paths``. Files are read twice: once so the cleaner can learn
    lines repeated across a publisher's documents, once to clean; stdin is read once. Reading
    happens here; ``workers`` (:mod:`storyline.distribute`) count lines and clean, chunk by chunk,
    and hand the results back in order."""
    from storyline.distribute import InProcess

    cleaner = cleaner or Cleaner()
    workers = workers or InProcess()
    if "-" not in paths:
        total = [0]
        for part in workers.observe(_chunks(read_paths(paths, lambda _e: None), total)):
            cleaner.repeats.merge(part)
        if on_progress:
            on_progress(total[0])
    for results in workers.clean(_chunks(read_paths(paths, on_error)), cleaner):
        for result in results:
            if isinstance(result, InputError):
                on_error(result)
            else:
                yield result


def _chunks(docs: Iterable[RawDocument], count: list[int] | None = None) -> Iterator[list[RawDocument]]:
    """Documents in chunks of ``CHUNK`` (counted into ``count[0]``)."""
    chunk: list[RawDocument] = []
    for doc in docs:
        chunk.append(doc)
        if count is not None:
            count[0] += 1
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ingest_paths(paths: list[str], store: Store, on_error: OnError | None = None,
                 on_total: Callable[[int | None], None] | None = None,
                 on_article: Callable[[Article], None] | None = None, workers: Workers | None = None) -> IngestReport:
    """Clean and store everything under ``paths`` in short transactions (kill-safe, idempotent)."""
    report = IngestReport()

    def error(exc: InputError) -> None:
        (report.warnings if isinstance(exc, InputWarning) else report.errors).append(exc)
        if on_error:
            on_error(exc)

    batch: list[Article] = []
    for article in clean_paths(paths, error, on_progress=on_total, workers=workers):
        report.read += 1
        batch.append(article)
        if on_article:
            on_article(article)
        if len(batch) >= BATCH:
            _merge(report, store.add_articles(batch))
            batch = []
    if batch:
        _merge(report, store.add_articles(batch))
    return report


def _merge(report: IngestReport, res: AddResult) -> None:
    report.added += res.added
    report.unchanged += res.unchanged
    report.new_versions += res.new_versions

