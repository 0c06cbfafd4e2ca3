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
from sqlalchemy import Engine, create_engine, delete, event, func, select, text, update
from sqlalchemy.orm import Session

from storyline.models import AnalyzedDocument, Article, Event, RemovedLine, from_dict, to_dict
from storyline.store.schema import AnalysisRow, ArticleRow, EventMentionRow, EventRow

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

    def iter_articles(self, current_only: bool = True, article_id: str | None = None) -> Iterator[ArticleRow]:
        """Stream rows ordered by id (detached objects, safe to use after the session)."""
        stmt = select(ArticleRow).order_by(ArticleRow.id, ArticleRow.version)
        if current_only:
            stmt = stmt.where(ArticleRow.is_current.is_(True))
        if article_id is not None:
            stmt = stmt.where(ArticleRow.id == article_id)
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

    # ------------------------------------------------------------------ analyses
    def pending_analysis(self) -> list[Article]:
        """Current articles whose text has no analysis yet (new or changed since the last run)."""
        done = select(AnalysisRow.pk).where(AnalysisRow.article_id == ArticleRow.id,
                                            AnalysisRow.content_hash == ArticleRow.content_hash)
        stmt = select(ArticleRow).where(ArticleRow.is_current.is_(True), ~done.exists()).order_by(ArticleRow.id)
        with Session(self.engine) as s:
            return [row_to_article(r) for r in s.scalars(stmt)]

    def save_analyses(self, items: list[tuple[Article, AnalyzedDocument]]) -> None:
        """Store analyses in one transaction (the text itself stays in the articles table)."""
        with Session(self.engine) as s, s.begin():
            for article, analysis in items:
                payload = to_dict(analysis)
                payload.pop("text", None)
                s.add(AnalysisRow(article_id=article.id, content_hash=article.content_hash,
                                  language=analysis.language, payload=json.dumps(payload, ensure_ascii=False)))

    def analyses(self) -> dict[str, AnalyzedDocument]:
        """The analysis of every current article, by article id."""
        stmt = (select(AnalysisRow.payload, ArticleRow.id, ArticleRow.text)
                .join(ArticleRow, (AnalysisRow.article_id == ArticleRow.id) & (AnalysisRow.content_hash == ArticleRow.content_hash))
                .where(ArticleRow.is_current.is_(True)).order_by(ArticleRow.id))
        out: dict[str, AnalyzedDocument] = {}
        with Session(self.engine) as s:
            for payload, article_id, article_text in s.execute(stmt):
                data = json.loads(payload)
                data["text"] = article_text
                out[article_id] = from_dict(AnalyzedDocument, data)
        return out

    # ------------------------------------------------------------------ events
    def replace_events(self, events: list[Event], article_values: dict[str, dict]) -> None:
        """Swap in a new set of events and article links atomically: readers never see half."""
        with Session(self.engine) as s, s.begin():
            s.execute(delete(EventMentionRow))
            s.execute(delete(EventRow))
            for ev in events:
                s.add(EventRow(id=ev.id, type=ev.type, date_start=ev.date.get("start"), date_end=ev.date.get("end"),
                               country_code=ev.location.get("country_code"), sources=ev.sources,
                               payload=json.dumps(to_dict(ev), ensure_ascii=False)))
                for key in ev.mentions:
                    article_id, _, idx = key.rpartition("#")
                    role = next((a["role"] for a in ev.articles if a["id"] == article_id), "reported")
                    s.add(EventMentionRow(event_id=ev.id, article_id=article_id, mention_index=int(idx), role=role))
            s.execute(update(ArticleRow).where(ArticleRow.is_current.is_(True)).values(
                duplicate_of=None, duplicate_similarity=None, duplicate_kind=None, main_event=None))
            for article_id, cols in article_values.items():
                s.execute(update(ArticleRow).where(ArticleRow.id == article_id, ArticleRow.is_current.is_(True)).values(**cols))

    def events(self, event_id: str | None = None) -> list[Event]:
        """All events in date order, or the one with ``event_id`` (an empty list if none)."""
        stmt = select(EventRow.payload).order_by(EventRow.date_start, EventRow.id)
        if event_id is not None:
            stmt = stmt.where(EventRow.id == event_id)
        with Session(self.engine) as s:
            rows = s.scalars(stmt).all()
        return [from_dict(Event, json.loads(p)) for p in rows]

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
