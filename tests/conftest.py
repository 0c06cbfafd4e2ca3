"""Shared fixtures: database URLs for SQLite always and PostgreSQL when STORYLINE_TEST_PG is set."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "corpus" / "seeds"
EVAL = SHARED / "eval"
DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"
PG_URL = os.environ.get("STORYLINE_TEST_PG_URL", "postgresql://127.0.0.1:5432/test")

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("STORYLINE_TEST_PG") else [])


def needs(path: Path) -> Path:
    """Skip a test cleanly when the shared corpora are not beside the checkout."""
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A fresh database: a SQLite file, or a throw-away schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "test.db")
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine("postgresql+psycopg://" + PG_URL.split("://", 1)[1])
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def take_in(db: str, articles, analyses=None):
    """The product's path after analysis, without spaCy: store the articles with their analyses
    (by default: English, no mentions, no lead event), their records and signatures, and run the
    event engine. Returns the open Store."""
    from storyline.models import AnalyzedDocument
    from storyline.nlp.embeddings import embed
    from storyline.pipeline import prepare
    from storyline.store.db import Store

    store = Store(db)
    store.add_articles(articles)
    analyses = analyses or {}
    pairs = [(a, analyses.get(a.id) or AnalyzedDocument(id=a.id, text=a.text, published=a.published, language="en"))
             for a in articles]
    store.save_analyses(prepare(pairs, embed))
    from storyline.pipeline import update_events

    update_events(store)
    return store


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> dict:
    """The README's main job on the demo corpus, run once: its database, report and output."""
    from typer.testing import CliRunner

    from storyline.cli import app

    tmp = tmp_path_factory.mktemp("demo")
    db, report = str(tmp / "demo.db"), tmp / "report.html"
    result = CliRunner().invoke(app, ["run", str(DEMO), "--db", db, "--report", str(report), "--quiet"])
    assert result.exit_code == 0, result.output
    return {"db": db, "report": report, "output": result.output}
