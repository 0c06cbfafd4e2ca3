"""The article store: SQLite (WAL) by default, PostgreSQL through the same code.

The schema is created and upgraded by Alembic on open, under the writer lock. Writes go in short
transactions keyed by content hash, so a killed run leaves a consistent database and a rerun
finishes the job. Whatever changes events runs in one transaction that holds the writer lock
(SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock), so two runs on one database take turns.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from sqlalchemy import (
    Engine,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from storyline.models import (
    AnalyzedDocument,
    Article,
    Event,
    EventMention,
    EventRecord,
    MentionRef,
    RemovedLine,
    from_dict,
    to_dict,
)
from storyline.store.schema import (
    AnalysisRow,
    ArticleRow,
    BandRow,
    EventActorRow,
    EventFilterRow,
    EventMentionRow,
    EventRow,
    EventSearchRow,
    RecordRow,
    SignatureRow,
)

DEFAULT_DB = "storyline.db"
WRITER_LOCK = 7_210_411  # PostgreSQL advisory lock key of the one event writer


def database_url(db: str) -> str:
    """A URL for a path or URL: plain paths are SQLite files; postgresql:// uses psycopg 3."""
    if db.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser()}"


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun explicitly (see _sqlite_begin)
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=60000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: each engine batch re-reads recent records and LSH bands
    cur.close()


def _sqlite_begin(conn) -> None:
    """Readers begin deferred; writers (``sqlite_begin="IMMEDIATE"``) take the write lock at once,
    so two writers queue instead of failing half-way through."""
    conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('sqlite_begin', 'DEFERRED')}")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision, one process at a time (a database already
    there is recognised without loading Alembic)."""
    if _revision(engine) == HEAD:
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("storyline.store") / "migrations"))
    with _locked(engine).begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITER_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


# migration files are named after their revision ("0003_event_engine.py" is revision "0003")
HEAD = max(p.name[:4] for p in (resources.files("storyline.store") / "migrations" / "versions").iterdir()
           if p.name[:4].isdigit())


def _revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:  # no such table yet: a new database
        return None


def _locked(engine: Engine) -> Engine:
    return engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine


@dataclass
class AddResult:
    added: int = 0
    unchanged: int = 0
    new_versions: int = 0


@dataclass
class Analysed:
    """An analysed article version and what the event engine will need of it, saved together."""

    article: Article
    analysis: AnalyzedDocument
    records: list[EventRecord]
    mentions: dict[str, list[EventMention]]  # record key -> its mentions (the lead event for index -1)
    signature: object  # storyline.dedup.Signature
    main_event_reason: str | None


@dataclass
class AnalysisRows:
    """An analysed article version as the rows that store it. Built where the article was analysed
    (:func:`analysis_rows`), so the one writer only inserts."""

    article_id: str
    content_hash: str
    analysis: dict
    records: list[dict]
    signature: dict
    buckets: list[dict]
    reason: dict


def analysis_rows(it: Analysed) -> AnalysisRows:
    from storyline.cluster.similarity import record_day
    from storyline.dedup import bands

    a, sig = it.article, it.signature
    payload = to_dict(it.analysis)
    payload.pop("text", None)
    return AnalysisRows(
        a.id, a.content_hash,
        {"article_id": a.id, "content_hash": a.content_hash, "language": it.analysis.language,
         "payload": json.dumps(payload, ensure_ascii=False)},
        [{"key": r.key, "article_id": a.id, "content_hash": a.content_hash, "central": r.central, "published": r.published,
          "day": record_day(r), "payload": record_payload(r, it.mentions[r.key], a.title),
          "embedding": vector_blob(r.embedding) if r.embedding is not None else None, "component": None, "event_id": None}
         for r in it.records],
        {"article_id": a.id, "content_hash": a.content_hash, "minhash": np.asarray(sig.minhash, dtype=np.uint64).tobytes(),
         "lead": vector_blob(sig.lead)},
        [{"band": b, "bucket": k, "article_id": a.id, "content_hash": a.content_hash} for b, k in bands(sig.minhash)],
        {"aid": a.id, "hash": a.content_hash, "reason": it.main_event_reason},
    )


def vector_blob(v: np.ndarray) -> bytes:
    return np.asarray(v, dtype=np.float32).tobytes()


def blob_vector(b: bytes) -> np.ndarray:
    return np.frombuffer(b, dtype=np.float32)


class Store:
    """Typed access to the database; every method is one short transaction."""

    def __init__(self, db: str = DEFAULT_DB):
        url = database_url(db)
        self.engine = create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One transaction holding the writer lock: what it changes lands whole or not at all."""
        with Session(_locked(self.engine), expire_on_commit=False) as s, s.begin():
            if self.engine.dialect.name == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITER_LOCK})
            yield s

    # ------------------------------------------------------------------ articles
    def add_articles(self, articles: Iterable[Article]) -> AddResult:
        """Insert articles in one transaction: same id + hash is a no-op, new text a new version."""
        result = AddResult()
        with self.writing() as s:
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

    def save_analyses(self, items: list[Analysed | AnalysisRows]) -> None:
        """Store analyses with their event records and signatures, in one transaction (bulk
        inserts). An article version another run has analysed meanwhile is left as that run saved it."""
        rows = [it if isinstance(it, AnalysisRows) else analysis_rows(it) for it in items]
        with self.writing() as s:
            done = set()
            for chunk in range(0, len(rows), 500):
                part = rows[chunk:chunk + 500]
                done |= set(s.execute(select(AnalysisRow.article_id, AnalysisRow.content_hash).where(
                    AnalysisRow.article_id.in_([r.article_id for r in part]))).all())
            todo = [r for r in rows if (r.article_id, r.content_hash) not in done]
            if not todo:
                return
            for table, field_rows in ((AnalysisRow, [r.analysis for r in todo]), (RecordRow, [x for r in todo for x in r.records]),
                                      (SignatureRow, [r.signature for r in todo]), (BandRow, [x for r in todo for x in r.buckets])):
                if field_rows:
                    s.execute(insert(table), field_rows)
            articles = ArticleRow.__table__
            s.execute(articles.update().where(articles.c.id == bindparam("aid"), articles.c.content_hash == bindparam("hash"))
                      .values(main_event_reason=bindparam("reason")), [r.reason for r in todo])

    def analysis(self, article_id: str) -> AnalyzedDocument | None:
        """The analysis of an article's current version (with its text), if any."""
        stmt = (select(AnalysisRow.payload, ArticleRow.text)
                .join(ArticleRow, (AnalysisRow.article_id == ArticleRow.id) & (AnalysisRow.content_hash == ArticleRow.content_hash))
                .where(ArticleRow.is_current.is_(True), ArticleRow.id == article_id))
        with Session(self.engine) as s:
            row = s.execute(stmt).first()
        if row is None:
            return None
        data = json.loads(row[0])
        data["text"] = row[1]
        return from_dict(AnalyzedDocument, data)

    # ------------------------------------------------------------------ events
    def events(self, event_id: str | None = None) -> list[Event]:
        """All events in date order, or the one with ``event_id`` (an empty list if none)."""
        stmt = select(EventRow.payload).order_by(EventRow.date_start, EventRow.id)
        if event_id is not None:
            stmt = stmt.where(EventRow.id == event_id)
        with Session(self.engine) as s:
            rows = s.scalars(stmt).all()
        return [from_dict(Event, json.loads(p)) for p in rows]

    def main_events(self) -> dict[str, str]:
        """Article id -> its main event, for current articles that have one (stories link by it)."""
        with Session(self.engine) as s:
            return dict(s.execute(select(ArticleRow.id, ArticleRow.main_event).where(
                ArticleRow.is_current.is_(True), ArticleRow.main_event.is_not(None))).all())

    def integrity_problems(self) -> list[str]:
        """Empty when the database is consistent: engine check, one current version per id, every
        record the engine took in assigned to an existing event, every main event existing."""
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
            for key, in conn.execute(text(
                "SELECT r.key FROM records r LEFT JOIN events e ON e.id = r.event_id "
                "WHERE r.component IS NOT NULL AND e.id IS NULL"
            )):
                problems.append(f"record {key!r} belongs to no stored event")
            for article_id, in conn.execute(text(
                "SELECT a.id FROM articles a LEFT JOIN events e ON e.id = a.main_event "
                "WHERE a.main_event IS NOT NULL AND e.id IS NULL"
            )):
                problems.append(f"article {article_id!r} has a main event that does not exist")
        return problems


def write_event(s: Session, ev: Event, refs: list[MentionRef]) -> None:
    """Store one reconciled event: its row (the export JSON and the columns queries filter on),
    which mentions it is made of, and its filter, actor and search rows."""
    loc, date = ev.location, ev.date
    data = to_dict(ev)
    columns = dict(
        id=ev.id, type=ev.type, acled_event_type=ev.acled_event_type, acled_sub_event_type=ev.acled_sub_event_type,
        plover_type=ev.plover_type, date_start=date.start, date_end=date.end, date_precision=date.precision,
        country_code=loc.country_code, admin1=loc.admin1, location=loc.name, lat=loc.lat, lon=loc.lon,
        geo_precision=loc.precision, fatalities=ev.fatalities.best if ev.fatalities else None, sources=ev.sources,
        articles=len(ev.articles), contradictions=len(ev.contradictions),
    )
    s.execute(insert(EventRow), [dict(columns, summary=ev.summary, payload=json.dumps(data, ensure_ascii=False))])
    s.execute(insert(EventMentionRow), [{"event_id": ev.id, "article_id": r.article_id, "mention_index": r.index,
                                         "role": r.mention.role} for r in refs])
    key = s.execute(insert(EventFilterRow).values(**columns, date_span=date_span(date.start, date.end))
                    .returning(EventFilterRow.pk)).scalar_one()  # the filter row's key is the search row's
    actors, search = event_index_rows(ev.id, data)
    if actors:
        s.execute(insert(EventActorRow), actors)
    s.execute(insert(EventSearchRow), [dict(search, pk=key)])


def date_span(start: str | None, end: str | None) -> int | None:
    """Days from an event's first to its last possible day (None when either is unknown or not a date)."""
    try:
        return (dt.date.fromisoformat((end or "")[:10]) - dt.date.fromisoformat((start or "")[:10])).days
    except ValueError:
        return None


def event_index_rows(event_id: str, data: dict) -> tuple[list[dict], dict]:
    """The event_actors rows and the event_search row (but its key) of an event given as its
    export JSON (also how migration 0004 indexes events stored before it)."""
    actors = [{"event_id": event_id, "role": a["role"], "name": a["name"], "key": a["name"].lower()[:256],
               "kind": a.get("kind"), "country": a.get("country")} for a in data.get("actors") or [] if a.get("name")]
    sentences = dict.fromkeys(c.get("text") or "" for c in data.get("claims") or [])
    names = dict.fromkeys(n for a in data.get("actors") or [] for n in [a.get("name") or "", *(a.get("aliases") or [])])
    search = {"event_id": event_id, "text": "\n".join([data.get("summary") or "", *sentences]).strip(),
              "actors": "\n".join(filter(None, names))}
    return actors, search


def delete_events(s: Session, ids: list[str]) -> None:
    """Remove events (to be rewritten or gone) and unlink articles whose main event they were."""
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        s.execute(delete(EventMentionRow).where(EventMentionRow.event_id.in_(part)))
        s.execute(delete(EventActorRow).where(EventActorRow.event_id.in_(part)))
        s.execute(delete(EventSearchRow).where(EventSearchRow.event_id.in_(part)))
        s.execute(delete(EventFilterRow).where(EventFilterRow.id.in_(part)))
        s.execute(delete(EventRow).where(EventRow.id.in_(part)))
        s.execute(update(ArticleRow).where(ArticleRow.main_event.in_(part)).values(main_event=None)
                  .execution_options(synchronize_session=False))


def record_payload(r: EventRecord, mentions: list[EventMention], title: str | None) -> str:
    """A record as stored: its features and the mentions it was made of (for reconciliation)."""
    data = to_dict(r)
    data.pop("embedding", None)
    data["title"] = title
    data["mention_data"] = [to_dict(m) for m in mentions]
    return json.dumps(data, ensure_ascii=False)


def _to_row(a: Article, version: int) -> ArticleRow:
    return ArticleRow(
        id=a.id, version=version, is_current=True, content_hash=a.content_hash, title=a.title,
        published=a.published, publisher=a.publisher, url=a.url, text=a.text,
        removed=json.dumps([{"line": r.line, "reason": r.reason} for r in a.removed], ensure_ascii=False),
        source=a.source, language=a.language, source_id=a.source_id,
    )


def row_to_article(row: ArticleRow) -> Article:
    return Article(
        id=row.id, text=row.text, title=row.title, published=row.published, publisher=row.publisher,
        url=row.url, removed=[RemovedLine(**r) for r in json.loads(row.removed or "[]")],
        source=row.source, language=row.language, content_hash=row.content_hash, source_id=row.source_id,
    )
