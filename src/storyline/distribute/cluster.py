"""Workers on a Ray cluster (`storyline run --engine ray`): an actor per worker loads the models
once, cleans and analyses chunks of documents, and is restarted (its chunk retried) if its
process dies. The driver keeps a bounded number of chunks in flight and takes results back in
input order. Ray is an optional extra: ``pip install 'storyline[ray]'``."""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from storyline.clean import Cleaner
from storyline.clean.repeats import RepeatedLines
from storyline.distribute.local import (
    analyse_chunk,
    chunks_of,
    clean_chunk,
    load_models,
    observe_chunk,
)
from storyline.errors import InputError
from storyline.models import Article, RawDocument
from storyline.store.db import AnalysisRows

IN_FLIGHT = 2  # chunks queued per worker


class RayUnavailable(RuntimeError):
    """Ray is not installed."""


def _ray():
    try:
        import ray
    except ImportError:
        raise RayUnavailable("--engine ray needs Ray: pip install 'storyline[ray]'") from None
    return ray


class RayWorkers:
    """``workers`` actors on the cluster at ``address`` ("auto", "ray://host:port"; None starts one
    on this machine)."""

    elsewhere = True

    def __init__(self, workers: int, address: str | None = None) -> None:
        ray = _ray()
        if not ray.is_initialized():
            ray.init(address=address, num_cpus=None if address else workers, include_dashboard=False,
                     log_to_driver=False, configure_logging=False)
        worker = ray.remote(max_restarts=-1, max_task_retries=-1)(_Worker)
        self.actors = [worker.remote() for _ in range(workers)]
        self.ray = ray

    def __enter__(self) -> RayWorkers:
        return self

    def __exit__(self, *exc) -> None:
        for actor in self.actors:
            self.ray.kill(actor)

    def pids(self) -> list[int]:
        """The worker processes (for tests that kill one)."""
        return self.ray.get([a.pid.remote() for a in self.actors])

    def _ordered(self, method: str, items: Iterable, *args) -> Iterator:
        """Results of ``actor.method(item, *args)`` for each item, in order, at most IN_FLIGHT per
        actor queued; an actor that dies is restarted and its call retried by Ray."""
        pending: list = []
        for k, item in enumerate(items):
            pending.append(getattr(self.actors[k % len(self.actors)], method).remote(item, *args))
            if len(pending) >= IN_FLIGHT * len(self.actors):
                yield self.ray.get(pending.pop(0))
        for ref in pending:
            yield self.ray.get(ref)

    def observe(self, chunks: Iterable[list[RawDocument]]) -> Iterator[RepeatedLines]:
        return self._ordered("observe", chunks)

    def clean(self, chunks: Iterable[list[RawDocument]], cleaner: Cleaner) -> Iterator[list[Article | InputError]]:
        return self._ordered("clean", chunks, self.ray.put(cleaner))

    def analyse(self, articles: list[Article]) -> Iterator[AnalysisRows]:
        for done in self._ordered("analyse", chunks_of(articles)):
            yield from done


class _Worker:
    """One Ray actor: the models loaded once, then chunk after chunk."""

    def __init__(self) -> None:
        load_models()

    def pid(self) -> int:
        return os.getpid()

    def observe(self, raws: list[RawDocument]) -> RepeatedLines:
        return observe_chunk(raws)

    def clean(self, raws: list[RawDocument], cleaner: Cleaner) -> list[Article | InputError]:
        return clean_chunk(raws, cleaner)

    def analyse(self, articles: list[Article]) -> list[AnalysisRows]:
        return analyse_chunk(articles)
