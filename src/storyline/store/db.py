"""The article store: SQLite (WAL) by default, PostgreSQL through the same code.

The schema is created and upgraded by Alembic on open. Writes go in short transactions keyed by
content hash, so a killed run leaves a consistent database and a rerun finishes the job.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, func, select, text, update
from sqlalchemy.orm import Session

from storyline.models import Article, RemovedLine
from storyline.store.schema import ArticleRow

DEFAULT_DB = "storyline.db"


def database_url(db: str) -> str:
    """A URL for a path or URL: plain paths are SQLite files; postgresql:// uses psycopg 3."""
    if db.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser()}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("storyline.store") / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@dataclass
class AddResult:
    added: int = 0
    unchanged: int = 0
    new_versions: int = 0


class Store:
    """Typed access to the database; every method is one short transaction."""

    def __init__(self, db: str = DEFAULT_DB):
        url = database_url(db)
        self.engine = create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ articles
    def add_articles(self, articles: Iterable[Article]) -> AddResult:
        """Insert articles in one transaction: same id + hash is a no-op, new text a new version."""
        result = AddResult()
        with Session(self.engine) as s, s.begin():
            for a in articles:
                if s.scalar(select(ArticleRow.pk).where(ArticleRow.id == a.id, ArticleRow.content_hash == a.content_hash)):
                    result.unchanged += 1
                    continue
                last = s.scalar(select(func.max(ArticleRow.version)).where(ArticleRow.id == a.id))
                if last:
                    s.execute(update(ArticleRow).where(ArticleRow.id == a.id).values(is_current=False))
                    result.new_versions += 1
                else:
                    result.added += 1
                s.add(_to_row(a, (last or 0) + 1))
        return result

    def iter_articles(self, current_only: bool = True) -> Iterator[ArticleRow]:
        """Stream rows ordered by id (detached objects, safe to use after the session)."""
        stmt = select(ArticleRow).order_by(ArticleRow.id, ArticleRow.version)
        if current_only:
            stmt = stmt.where(ArticleRow.is_current.is_(True))
        with Session(self.engine, expire_on_commit=False) as s:
            for row in s.scalars(stmt.execution_options(yield_per=500)):
                s.expunge(row)
                yield row

    def articles(self) -> list[Article]:
        return [row_to_article(r) for r in self.iter_articles()]

    def count_articles(self, current_only: bool = True) -> int:
        stmt = select(func.count()).select_from(ArticleRow)
        if current_only:
            stmt = stmt.where(ArticleRow.is_current.is_(True))
        with Session(self.engine) as s:
            return s.scalar(stmt) or 0

    def update_articles(self, values: dict[str, dict]) -> None:
        """Set columns (duplicate_of, main_event, ...) on the current version of each article id."""
        with Session(self.engine) as s, s.begin():
            for article_id, cols in values.items():
                s.execute(update(ArticleRow).where(ArticleRow.id == article_id, ArticleRow.is_current.is_(True)).values(**cols))

    def integrity_problems(self) -> list[str]:
        """Empty when the database is consistent: engine check, one current version per id, unique hashes."""
        problems: list[str] = []
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "sqlite":
                status = conn.execute(text("PRAGMA integrity_check")).scalar()
                if status != "ok":
                    problems.append(f"sqlite integrity_check: {status}")
            for article_id, n in conn.execute(text(
                "SELECT id, SUM(CASE WHEN is_current THEN 1 ELSE 0 END) FROM articles GROUP BY id"
            )):
                if n != 1:
                    problems.append(f"article {article_id!r} has {n} current versions")
        return problems


def _to_row(a: Article, version: int) -> ArticleRow:
    return ArticleRow(
        id=a.id, version=version, is_current=True, content_hash=a.content_hash, title=a.title,
        published=a.published, publisher=a.publisher, url=a.url, text=a.text,
        removed=json.dumps([{"line": r.line, "reason": r.reason} for r in a.removed], ensure_ascii=False),
        source=a.source, language=a.language,
    )


def row_to_article(row: ArticleRow) -> Article:
    return Article(
        id=row.id, text=row.text, title=row.title, published=row.published, publisher=row.publisher,
        url=row.url, removed=[RemovedLine(**r) for r in json.loads(row.removed or "[]")],
        source=row.source, language=row.language, content_hash=row.content_hash,
    )
