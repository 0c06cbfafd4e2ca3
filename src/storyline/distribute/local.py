"""Workers on one machine: this process, or a pool of processes that load the models once each."""
from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from typing import Protocol

from storyline.clean import Cleaner
from storyline.clean.repeats import RepeatedLines
from storyline.errors import InputError
from storyline.models import AnalyzedDocument, Article, RawDocument

CHUNK = 8  # documents handed to a worker at a time


class Workers(Protocol):
    """What the pipeline asks of whoever runs its parallel stages; results in input order."""

    def observe(self, chunks: Iterable[list[RawDocument]]) -> Iterator[RepeatedLines]: ...
    def clean(self, chunks: Iterable[list[RawDocument]], cleaner: Cleaner) -> Iterator[list[Article | InputError]]: ...
    def analyse(self, inputs: list) -> Iterator[AnalyzedDocument]: ...


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


def analyse_chunk(inputs: list) -> list[AnalyzedDocument]:
    from storyline.nlp.analyze import analyze_documents

    return list(analyze_documents(inputs))


def load_models() -> None:
    """Load the models once per worker, before its first chunk."""
    from storyline.nlp.pipeline import get_nlp
    from storyline.resolve.actors import get_kb
    from storyline.resolve.geo import get_geocoder

    get_nlp(), get_geocoder(), get_kb()


class InProcess:
    """Everything in this process (the default, and `storyline run --workers 1`)."""

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def observe(self, chunks: Iterable[list[RawDocument]]) -> Iterator[RepeatedLines]:
        return map(observe_chunk, chunks)

    def clean(self, chunks: Iterable[list[RawDocument]], cleaner: Cleaner) -> Iterator[list[Article | InputError]]:
        return (clean_chunk(c, cleaner) for c in chunks)

    def analyse(self, inputs: list) -> Iterator[AnalyzedDocument]:
        from storyline.nlp.analyze import analyze_documents

        return analyze_documents(inputs)


class ProcessPool(InProcess):
    """Analysis in ``workers`` local processes that load the models as soon as they start:
    started before ingest, they load while the input is read and cleaned here."""

    def __init__(self, workers: int) -> None:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        self.pool = multiprocessing.get_context(method).Pool(workers, initializer=load_models)

    def __exit__(self, *exc) -> None:
        self.pool.terminate()
        self.pool.join()

    def analyse(self, inputs: list) -> Iterator[AnalyzedDocument]:
        if len(inputs) < 2 * CHUNK:
            yield from super().analyse(inputs)
            return
        chunks = [inputs[k:k + CHUNK] for k in range(0, len(inputs), CHUNK)]
        for docs in self.pool.imap(analyse_chunk, chunks):
            yield from docs
