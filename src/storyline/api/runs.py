"""The write side of the server: articles posted as JSON or files go through the same readers
and cleaner as ``storyline ingest``; a run analyses them and updates the events as ``storyline
run`` does, in one background thread, one run at a time.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import tempfile
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from storyline.store.db import Store

log = logging.getLogger("storyline.runs")
MAX_FILES = 100
UPLOAD_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def ingest_upload(store: Store, documents: list[dict] | None = None,
                  files: list[tuple[str, bytes]] | None = None) -> dict:
    """Store posted articles: JSON documents are written as one JSONL file, uploads under their
    own (sanitised) names, into a private folder that the ingest readers then read."""
    from storyline.ingest.run import ingest_paths

    with tempfile.TemporaryDirectory(prefix="storyline-upload-") as tmp:
        folder = Path(tmp)
        if documents:
            with (folder / "posted.jsonl").open("w", encoding="utf-8") as out:
                for doc in documents:
                    out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        for i, (name, data) in enumerate(files or []):
            safe = UPLOAD_NAME.sub("_", Path(name or "").name).lstrip(".") or f"upload-{i}.txt"
            target = folder / safe
            if target.exists():
                target = folder / f"{i}-{safe}"
            target.write_bytes(data)
        report = ingest_paths([str(folder)], store)
    prefix = str(folder)
    return {"read": report.read, "added": report.added, "new_versions": report.new_versions,
            "unchanged": report.unchanged,
            "errors": [str(e).replace(prefix + "/", "") for e in report.errors],
            "warnings": [str(w).replace(prefix + "/", "") for w in report.warnings]}


@dataclass
class Run:
    id: str
    status: str  # queued | running | done | failed
    queued_at: str
    started_at: str | None = None
    finished_at: str | None = None
    analysed: int = 0
    articles: int = 0  # article versions the event engine took in
    events_changed: int = 0
    merges: int = 0
    splits: int = 0
    error: str | None = None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Runs:
    """Runs of the pipeline over the server's store, one at a time. A run asked for while another
    waits to start is that waiting run (it will take in everything posted before it starts)."""

    def __init__(self, store: Store):
        self.store = store
        self.runs: dict[str, Run] = {}
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storyline-run")

    def start(self) -> Run:
        with self.lock:
            waiting = next((r for r in self.runs.values() if r.status == "queued"), None)
            if waiting:
                return waiting
            run = Run(id=uuid.uuid4().hex[:12], status="queued", queued_at=_now())
            self.runs[run.id] = run
        self.pool.submit(self._run, run)
        return run

    def get(self, run_id: str) -> Run | None:
        return self.runs.get(run_id)

    def _run(self, run: Run) -> None:
        from storyline.cluster import EventEngine
        from storyline.pipeline import analyze_pending

        with self.lock:
            run.status, run.started_at = "running", _now()
        try:
            run.analysed = analyze_pending(self.store)
            done = EventEngine(self.store).run()
            run.articles, run.events_changed, run.merges, run.splits = (done.articles, done.events_changed,
                                                                        done.merges, done.splits)
            run.status = "done"
        except Exception as exc:  # the client sees that it failed and the kind of failure, the log the trace
            log.exception("run %s failed", run.id)
            run.status, run.error = "failed", type(exc).__name__
        run.finished_at = _now()

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True)


def run_json(run: Run) -> dict:
    return asdict(run)
