"""kill -9 in the middle of an event update: the database stays consistent, and the rerun ends with
the events of an uninterrupted run (SQLite, and PostgreSQL with STORYLINE_TEST_PG)."""
from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time

from conftest import DEMO
from sqlalchemy import text

from storyline.ingest.run import ingest_paths
from storyline.pipeline import analyze_pending
from storyline.report.exports import export_records
from storyline.store.db import Store

ENGINE = "import sys; from storyline.store.db import Store; from storyline.cluster import EventEngine; " \
         "EventEngine(Store(sys.argv[1])).run(batch=2)"
DERIVED = ("event_mentions", "events", "event_history", "duplicate_links", "engine_state")


def _reset_events(db: str) -> None:
    """Back to 'analysed, nothing taken into events yet' (analyses and records are kept)."""
    store = Store(db)
    with store.engine.begin() as conn:
        for table in DERIVED:
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text("UPDATE records SET component = NULL, event_id = NULL"))
        conn.execute(text("UPDATE articles SET engine_hash = NULL, main_event = NULL, duplicate_of = NULL, "
                          "duplicate_kind = NULL, duplicate_similarity = NULL"))
    store.close()


def _generation(db: str) -> int:
    store = Store(db)
    with store.engine.connect() as conn:
        value = conn.execute(text("SELECT value FROM engine_state WHERE name = 'generation'")).scalar()
    store.close()
    return value or 0


def _snapshot(db: str) -> tuple[str, str, list[str]]:
    store = Store(db)
    events, articles = io.StringIO(), io.StringIO()
    export_records(store, "events", "jsonl", events)
    export_records(store, "articles", "jsonl", articles)
    problems = store.integrity_problems()
    store.close()
    return events.getvalue(), "".join(sorted(articles.getvalue().splitlines(keepends=True))), problems


def _engine(db: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", ENGINE, db], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_kill_during_event_updates_then_rerun_gives_the_uninterrupted_events(db_url):
    store = Store(db_url)
    ingest_paths([str(DEMO)], store)
    analyze_pending(store)
    store.close()
    done = _engine(db_url)
    assert done.wait(timeout=300) == 0, done.stderr.read()
    reference = _snapshot(db_url)
    batches = _generation(db_url)
    assert reference[2] == [] and batches >= 5 and json.loads(reference[0].splitlines()[0])["id"]
    rng = random.Random(11)
    landed = []
    for _ in range(4):
        _reset_events(db_url)
        proc = _engine(db_url)
        deadline = time.monotonic() + 120
        while proc.poll() is None and _generation(db_url) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)  # the first update is committed: kill it somewhere in the others
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        landed.append(_generation(db_url))
        assert _snapshot(db_url)[2] == [], "inconsistent after kill -9"
        rerun = _engine(db_url)
        assert rerun.wait(timeout=300) == 0, rerun.stderr.read()
        assert _snapshot(db_url) == reference
    assert any(0 < n < batches for n in landed), landed  # some kills fell between two updates
