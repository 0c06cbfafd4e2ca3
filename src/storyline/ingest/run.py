"""Ingest orchestration: clean every document read and store it in short, idempotent batches."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from storyline.clean import Cleaner
from storyline.errors import InputError, InputWarning
from storyline.ingest.readers import OnError, read_paths
from storyline.models import Article
from storyline.store.db import AddResult, Store

BATCH = 50


@dataclass
class IngestReport:
    read: int = 0
    added: int = 0
    unchanged: int = 0
    new_versions: int = 0
    errors: list[InputError] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)


def clean_paths(paths: list[str], on_error: OnError, cleaner: Cleaner | None = None,
                on_progress: Callable[[int | None], None] | None = None) -> Iterator[Article]:
    """Clean every document under ``paths``. Files are read twice: once so the cleaner can learn
    lines repeated across a publisher's documents, once to clean; stdin is read once."""
    cleaner = cleaner or Cleaner()
    if "-" not in paths:
        total = 0
        for raw in read_paths(paths, lambda _e: None):
            cleaner.observe(raw)
            total += 1
        if on_progress:
            on_progress(total)
    for raw in read_paths(paths, on_error):
        try:
            article = cleaner.clean(raw)
        except InputError as exc:
            on_error(exc)
            continue
        except Exception as exc:  # a cleaning failure nobody foresaw costs this document, not the batch
            on_error(InputError(raw.source, f"could not be cleaned ({type(exc).__name__}: {exc})"))
            continue
        yield article


def ingest_paths(paths: list[str], store: Store, on_error: OnError | None = None,
                 on_total: Callable[[int | None], None] | None = None,
                 on_article: Callable[[Article], None] | None = None) -> IngestReport:
    """Clean and store everything under ``paths`` in short transactions (kill-safe, idempotent)."""
    report = IngestReport()

    def error(exc: InputError) -> None:
        (report.warnings if isinstance(exc, InputWarning) else report.errors).append(exc)
        if on_error:
            on_error(exc)

    batch: list[Article] = []
    for article in clean_paths(paths, error, on_progress=on_total):
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

