"""Ingest end to end through the CLI: idempotency, versions, errors, exports, and SIGKILL safety."""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import EVAL, SEEDS, needs
from typer.testing import CliRunner

from storyline.cli import app
from storyline.store.db import Store

runner = CliRunner()


def cli(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_ingest_seeds_is_idempotent_and_export_keeps_the_contract(tmp_path, db_url):
    first = cli("ingest", str(needs(SEEDS)), "--db", db_url, "--quiet")
    assert first.exit_code == 0, first.output
    assert "3 new" in first.output
    again = cli("ingest", str(SEEDS), "--db", db_url, "--quiet")
    assert "0 new" in again.output and "3 unchanged" in again.output
    out = cli("export", "--db", db_url, "--what", "articles", "--format", "jsonl")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 3
    assert all(list(r)[:8] == ["id", "title", "published", "publisher", "url", "text", "duplicate_of", "main_event"] for r in rows)
    by_id = {r["id"]: r for r in rows}
    assert by_id["003_156b8218a0b301a0"]["published"] == "2021-02-26"
    assert "via IFTTT" not in by_id["003_156b8218a0b301a0"]["text"]
    assert "That attack killed a US military contractor and wounded nine others." in by_id["003_156b8218a0b301a0"]["text"]


def test_changed_text_is_a_new_version_and_stdin_jsonl(tmp_path):
    db = str(tmp_path / "s.db")
    rec = {"id": "n1", "text": "Flooding closed the main road into Beledweyne on Sunday, officials said.", "published": "2024-05-05"}
    assert cli("ingest", "-", "--db", db, "--quiet", input=json.dumps(rec) + "\n").exit_code == 0
    rec["text"] += " Two bridges were damaged."
    result = cli("ingest", "-", "--db", db, "--quiet", input=json.dumps(rec) + "\n")
    assert "1 new versions" in result.output
    store = Store(db)
    (article,) = store.articles()
    assert article.text.endswith("Two bridges were damaged.") and store.count_articles(current_only=False) == 2
    store.close()


def test_bad_input_errors_and_exit_status(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "bad.jsonl").write_text("{oops\n")
    db = str(tmp_path / "e.db")
    result = cli("ingest", str(tmp_path), "--db", db, "--quiet")
    assert result.exit_code == 1  # nothing could be ingested
    assert "empty.txt" in result.output and "bad.jsonl:1" in result.output
    (tmp_path / "good.txt").write_text("Heavy rain flooded parts of Dhaka on Monday, cutting power to thousands of homes.")
    assert cli("ingest", str(tmp_path), "--db", db, "--quiet").exit_code == 0
    assert cli("ingest", str(tmp_path), "--db", db, "--quiet", "--strict").exit_code == 1


def _corpus(tmp_path: Path, n: int) -> Path:
    """n real news texts from ECB+ as separate files (recycled with a suffix when fewer exist)."""
    src = sorted(needs(EVAL / "ecbplus-dev").glob("*.txt"))
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(n):
        text = src[i % len(src)].read_text(encoding="utf-8")
        (folder / f"doc{i:04d}.txt").write_text(text if i < len(src) else f"{text}\nUpdate {i}: more details later.", encoding="utf-8")
    return folder


def _stored(db: Path) -> int:
    """Articles visible to a reader right now (plain sqlite3, read-only, so it never blocks the writer)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_sigkill_at_random_moments_then_rerun_finishes_with_every_article_once(tmp_path):
    folder = _corpus(tmp_path, 300)
    db = tmp_path / "k.db"
    cmd = [sys.executable, "-m", "storyline.cli", "ingest", str(folder), "--db", str(db), "--quiet"]
    rng = random.Random(7)
    partial = []
    for _ in range(4):
        before = _stored(db)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while proc.poll() is None and _stored(db) <= before and time.monotonic() < deadline:
            time.sleep(0.02)  # wait until this run has committed something, then kill it at random
        time.sleep(rng.uniform(0.0, 0.2))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        partial.append(_stored(db))
    assert any(0 < n < 300 for n in partial), partial  # the kills landed mid-ingest
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    store = Store(str(db))
    assert store.integrity_problems() == []
    ids = [a.id for a in store.articles()]
    assert len(ids) == len(set(ids)) == 300
    store.close()
