"""Two writers at once and ids of any length, on SQLite and (with STORYLINE_TEST_PG) PostgreSQL."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import DEMO
from typer.testing import CliRunner

from storyline.cli import app

runner = CliRunner()


def _export(db: str, what: str) -> list[dict]:
    return [json.loads(x) for x in runner.invoke(app, ["export", "--db", db, "--what", what]).stdout.splitlines()]


def _events(db: str) -> list[tuple]:
    """Events by their articles and contents (ids depend on which report the engine met first)."""
    return sorted((tuple(a["id"] for a in e["articles"]), e["type"], json.dumps(e["date"]), json.dumps(e["location"]),
                   e["sources"], json.dumps(e["fatalities"]), len(e["claims"])) for e in _export(db, "events"))


def test_ids_longer_than_a_column_are_stored_shortened_with_the_original_kept(db_url, tmp_path):
    long_a, long_b = "a" * 600 + "-one", "a" * 600 + "-two"
    feed = tmp_path / "long.jsonl"
    feed.write_text("\n".join(json.dumps({"id": i, "text": f"Police in Lyon detained {n} men on Monday, officials said."})
                              for i, n in ((long_a, 3), (long_b, 4), ("short", 5))) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(feed), "--db", db_url, "--quiet"])
    assert result.exit_code == 0, result.output
    rows = {r["source_id"] or r["id"]: r for r in _export(db_url, "articles")}
    assert set(rows) == {long_a, long_b, "short"}
    assert len({rows[long_a]["id"], rows[long_b]["id"]}) == 2 and all(len(rows[k]["id"]) <= 200 for k in rows)
    assert rows["short"]["source_id"] is None
    again = runner.invoke(app, ["ingest", str(feed), "--db", db_url, "--quiet"])
    assert "3 unchanged" in again.output  # the same shortened ids: nothing stored twice


def test_two_runs_at_once_store_every_article_once_and_give_the_events_of_one_run(db_url, demo_db):
    cmd = [sys.executable, "-m", "storyline.cli", "run", str(DEMO), "--db", db_url, "--quiet", "--workers", "1"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for p in procs:
        err = p.communicate(timeout=600)[1]
        assert p.returncode == 0 and "Traceback" not in err, err
    ids = [a["id"] for a in _export(db_url, "articles")]
    assert len(ids) == len(set(ids)) == len(list(DEMO.glob("*.txt")))
    assert _events(db_url) == _events(demo_db["db"])
