"""Workers on one machine: this process, or a pool of processes that load the models once each."""
from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol

from storyline.clean import Cleaner
from storyline.clean.repeats import RepeatedLines
from storyline.errors import InputError
from storyline.models import Article, RawDocument

if TYPE_CHECKING:
    from storyline.store.db import AnalysisRows

CHUNK = 8  # articles handed to a worker at a time; every engine cuts the same chunks, so stores the same bytes


class Workers(Protocol):
    """What the pipeline asks of whoever runs its parallel stages; results in input order."""

    elsewhere: bool  # analysis runs outside this process, which is then free to update the events

    def observe(self, chunks: Iterable[list[RawDocument]]) -> Iterator[RepeatedLines]: ...
    def clean(self, chunks: Iterable[list[RawDocument]], cleaner: Cleaner) -> Iterator[list[Article | InputError]]: ...
    def analyse(self, articles: list[Article]) -> Iterator[AnalysisRows]: ...


def observe_chunk(raws: list[RawDocument]) -> RepeatedLines:
    """Lines of these documents, counted for the cleaner's repeated-line learning."""
    cleaner = Cleaner()
    for raw in raws:
        cleaner.observe(raw)
    return cleaner.repeats


def clean_chunk(raws: list[RawDocument], cleaner: Cleaner) -> list[Article | InputError]:
    """Each document cleaned, or why it could not be."""
    out: list[Article | InputError] = []
    for raw in raws:
        try:
            out.append(cleaner.clean(raw))
        except InputError as exc:
            out.append(exc)
        except Exception as exc:  # a cleaning failure nobody foresaw costs this document, not the batch
            out.append(InputError(raw.source, f"could not be cleaned ({type(exc).__name__}: {exc})"))
    return out


def analyse_chunk(articles: list[Article]) -> list[AnalysisRows]:
    """Everything computed once per article version that needs no store: the analysis, its event
    records with the embedded lead, and the dedup signature (the lead's vectors embed as one batch
    per chunk, wherever the chunk runs), as the rows that store them."""
    from storyline.nlp.analyze import DocumentInput, analyze_documents
    from storyline.nlp.embeddings import embed
    from storyline.pipeline import prepare
    from storyline.store.db import analysis_rows

    docs = analyze_documents([DocumentInput(a.id, a.text, a.published, a.url, a.language) for a in articles])
    return [analysis_rows(it) for it in prepare(list(zip(articles, docs)), embed)]


def chunks_of(items: list, size: int = CHUNK) -> Iterator[list]:
    return (items[k:k + size] for k in range(0, len(items), size))


def load_models() -> None:
    """Load the models once per worker, before its first chunk. A worker is one core's worth of
    work: its encoder runs on one thread (two workers with two threads each would thrash)."""
    from storyline.nlp import embeddings
    from storyline.nlp.pipeline import get_nlp
    from storyline.resolve.actors import get_kb
    from storyline.resolve.geo import get_geocoder

    get_nlp(), get_geocoder(), get_kb(), embeddings.use_threads(1)


class InProcess:
    """Everything in this process (the default, and `storyline run --workers 1`)."""

    elsewhere = False

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def observe(self, chunks: Iterable[list[RawDocument]]) -> Iterator[RepeatedLines]:
        return map(observe_chunk, chunks)

    def clean(self, chunks: Iterable[list[RawDocument]], cleaner: Cleaner) -> Iterator[list[Article | InputError]]:
        return (clean_chunk(c, cleaner) for c in chunks)

    def analyse(self, articles: list[Article]) -> Iterator[AnalysisRows]:
        for chunk in chunks_of(articles):
            yield from analyse_chunk(chunk)


class ProcessPool(InProcess):
    """Analysis in ``workers`` local processes that load the models as soon as they start:
    started before ingest, they load while the input is read and cleaned here."""

    elsewhere = True

    def __init__(self, workers: int) -> None:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        self.pool = multiprocessing.get_context(method).Pool(workers, initializer=load_models)

    def __exit__(self, *exc) -> None:
        self.pool.terminate()
        self.pool.join()

    def analyse(self, articles: list[Article]) -> Iterator[AnalysisRows]:
        if len(articles) < 2 * CHUNK:
            yield from super().analyse(articles)
            return
        for done in self.pool.imap(analyse_chunk, chunks_of(articles)):
            yield from done
