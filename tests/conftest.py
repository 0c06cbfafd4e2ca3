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
