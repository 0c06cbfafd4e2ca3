"""Local and Ray engines: the same exports, a clear error without Ray, a killed worker retried."""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import DEMO, EVAL

from storyline.report.exports import export_records
from storyline.store.db import Store

EXPORTS = [("articles", "jsonl"), ("events", "jsonl"), ("claims", "csv"), ("events", "acled-csv"), ("events", "geojson")]


def _run(folder, db, *options, **popen) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "storyline.cli", "run", str(folder), "--db", str(db), "--quiet", *options]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, **popen)


def _exports(db) -> dict:
    store = Store(str(db))
    out = {}
    for what, fmt in EXPORTS:
        buf = io.StringIO()
        export_records(store, what, fmt, buf)
        out[(what, fmt)] = buf.getvalue()
    store.close()
    return out


def test_without_ray_the_ray_engine_says_how_to_install_it(tmp_path):
    code = "import sys; sys.modules['ray'] = None; from storyline.cli import app; app()"
    done = subprocess.run([sys.executable, "-c", code, "run", str(DEMO), "--db", str(tmp_path / "x.db"), "--quiet",
                           "--engine", "ray"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == "error: --engine ray needs Ray: pip install 'storyline[ray]'"


def _ecbplus_300(tmp_path):
    src = EVAL / "ecbplus-dev"
    if not src.exists():
        pytest.skip(f"{src} not available")
    dst = tmp_path / "ecb300"
    dst.mkdir()
    files = sorted(src.glob("*.txt"))[:300]
    for f in files:
        shutil.copy(f, dst / f.name)
    names = {f.name for f in files}
    meta = [line for line in (src / "metadata.jsonl").read_text(encoding="utf-8").splitlines() if json.loads(line)["file"] in names]
    (dst / "metadata.jsonl").write_text("\n".join(meta) + "\n", encoding="utf-8")
    return dst


@pytest.mark.parametrize("corpus", ["demo", "ecbplus-300"])
def test_local_and_ray_engines_give_byte_identical_exports(tmp_path, corpus):
    pytest.importorskip("ray")
    folder = DEMO if corpus == "demo" else _ecbplus_300(tmp_path)
    local, ray = tmp_path / "local.db", tmp_path / "ray.db"
    for db, options in ((local, ["--workers", "2"]), (ray, ["--engine", "ray", "--workers", "2"])):
        done = _run(folder, db, *options)
        assert done.returncode == 0, done.stderr
    a, b = _exports(local), _exports(ray)
    assert json.loads(a[("events", "jsonl")].splitlines()[0])["claims"]
    assert a == b


def test_a_ray_worker_killed_mid_run_is_replaced_and_every_article_stored_once(tmp_path):
    pytest.importorskip("ray")
    folder = tmp_path / "many"
    folder.mkdir()
    for k in range(8):  # 96 articles: the demo's, each under eight names
        for f in DEMO.glob("*.txt"):
            (folder / f"{f.stem}-{k}.txt").write_text(f.read_text(encoding="utf-8") + f"\n\nEdition {k}.", encoding="utf-8")
    db = tmp_path / "k.db"
    proc = subprocess.Popen([sys.executable, "-m", "storyline.cli", "run", str(folder), "--db", str(db), "--quiet",
                             "--engine", "ray", "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    killed, deadline = None, time.monotonic() + 600
    while killed is None and proc.poll() is None and time.monotonic() < deadline:
        workers = subprocess.run(["pgrep", "-f", "ray::_Worker"], capture_output=True, text=True).stdout.split()
        if len(workers) >= 2 and _analysed(db) == 0 and _stored(db) > 0:
            time.sleep(1.0)  # both have loaded their models and are cleaning or analysing
            killed = int(workers[0])
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.2)
    err = proc.communicate(timeout=900)[1]
    assert killed is not None, "no worker was running to kill"
    assert proc.returncode == 0, err
    store = Store(str(db))
    ids = [a.id for a in store.articles()]
    assert len(ids) == len(set(ids)) == 96 and _analysed(db) == 96
    assert store.integrity_problems() == [] and store.events()
    store.close()


def test_events_taken_in_beside_the_analysis_equal_those_taken_in_after_it(tmp_path, monkeypatch):
    """With the analysis in other processes, `run` takes whole engine batches into the events while
    the analysis goes on: the batches a run after the analysis takes, so the same events."""
    import storyline.pipeline as pipeline
    from storyline.cluster.engine import EngineReport, EventEngine
    from storyline.ingest.run import ingest_paths

    monkeypatch.setattr(pipeline, "ANALYSIS_BATCH", 2)  # saves of two articles, engine batches of three
    dbs, beside = {}, {}
    for mode in ("after", "beside"):
        dbs[mode] = tmp_path / f"{mode}.db"
        store = Store(str(dbs[mode]))
        ingest_paths([str(DEMO)], store)
        engine, report = EventEngine(store), EngineReport()
        take_in = (lambda before: engine.run(batch=3, before=before, report=report)) if mode == "beside" else None
        total = pipeline.analyze_pending(store, take_in=take_in, every=2)
        beside[mode] = report.articles
        engine.run(batch=3, report=report)
        assert report.articles == total
        store.close()
    assert beside["after"] == 0 and beside["beside"] >= 6 and beside["beside"] % 3 == 0
    assert _exports(dbs["after"]) == _exports(dbs["beside"])


def _count(db, table: str) -> int:
    import sqlite3

    try:
        with sqlite3.connect(db) as conn:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _stored(db) -> int:
    return _count(db, "articles")


def _analysed(db) -> int:
    return _count(db, "analyses")
