"""Table definitions. Alembic migrations in ``migrations/versions`` create exactly these tables."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ArticleRow(Base):
    """One version of one article. Re-ingesting identical content under the same id is a no-op (unique id + hash); the same text under another id is kept (an exact copy, for dedup)."""

    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("id", "content_hash", name="uq_articles_id_hash"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(512), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)  # pending versions: ix_articles_engine_pending
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    published: Mapped[str | None] = mapped_column(String(32))
    publisher: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    removed: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of {line, reason}
    source: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    duplicate_of: Mapped[str | None] = mapped_column(String(512))
    duplicate_similarity: Mapped[float | None] = mapped_column(Float)
    duplicate_kind: Mapped[str | None] = mapped_column(String(16))
    main_event: Mapped[str | None] = mapped_column(String(64), index=True)
    main_event_reason: Mapped[str | None] = mapped_column(Text)  # why an analysed article has no main event
    source_id: Mapped[str | None] = mapped_column(Text)  # the id as given, when too long to be ``id``
    engine_hash: Mapped[str | None] = mapped_column(String(64))  # the version the event engine has taken in


class AnalysisRow(Base):
    """The analysis (sentences, entities, times, places, mentions) of one article version.

    Keyed by id + content hash, so re-running analyses only new or changed texts."""

    __tablename__ = "analyses"
    __table_args__ = (UniqueConstraint("article_id", "content_hash", name="uq_analyses_article_hash"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(String(512), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)  # JSON of AnalyzedDocument without its text


class RecordRow(Base):
    """An article-level event record (features, embedding, its mentions), written with the analysis.

    ``component`` and ``event_id`` are NULL until the event engine has taken the record in."""

    __tablename__ = "records"

    key: Mapped[str] = mapped_column(String(600), primary_key=True)
    article_id: Mapped[str] = mapped_column(String(512), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    central: Mapped[bool] = mapped_column(Boolean)
    published: Mapped[str | None] = mapped_column(String(32))
    day: Mapped[int | None] = mapped_column(Integer)  # the day its candidates are searched around (record_day)
    payload: Mapped[str] = mapped_column(Text)  # JSON: the EventRecord without its embedding, plus its mentions
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)  # float32 unit vector (central records)
    component: Mapped[str | None] = mapped_column(String(600), index=True)
    event_id: Mapped[str | None] = mapped_column(String(64), index=True)


class SignatureRow(Base):
    """What deduplication compares an article version by: its MinHash and its lead vector."""

    __tablename__ = "signatures"
    __table_args__ = (UniqueConstraint("article_id", "content_hash", name="uq_signatures_article_hash"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(String(512), index=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    minhash: Mapped[bytes] = mapped_column(LargeBinary)  # uint64 hash values
    lead: Mapped[bytes] = mapped_column(LargeBinary)  # float32 unit vector of title and lead


class BandRow(Base):
    """The persistent MinHash LSH index: one row per (band, bucket) an article version falls in."""

    __tablename__ = "minhash_bands"
    __table_args__ = (Index("ix_minhash_bands_bucket", "band", "bucket"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    band: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[int] = mapped_column(BigInteger)
    article_id: Mapped[str] = mapped_column(String(512), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))


class DuplicateLinkRow(Base):
    """Two current articles found to be copies of one another (each pair once, a < b)."""

    __tablename__ = "duplicate_links"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    a: Mapped[str] = mapped_column(String(512), index=True)
    b: Mapped[str] = mapped_column(String(512), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    similarity: Mapped[float] = mapped_column(Float)


class EventRow(Base):
    """A reconciled event: the payload is the export JSON, the columns what queries filter on."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    acled_event_type: Mapped[str | None] = mapped_column(String(64), index=True)
    acled_sub_event_type: Mapped[str | None] = mapped_column(String(64), index=True)
    plover_type: Mapped[str | None] = mapped_column(String(16), index=True)
    date_start: Mapped[str | None] = mapped_column(String(32), index=True)
    date_end: Mapped[str | None] = mapped_column(String(32), index=True)
    date_precision: Mapped[str | None] = mapped_column(String(16))
    country_code: Mapped[str | None] = mapped_column(String(8), index=True)
    admin1: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    geo_precision: Mapped[str | None] = mapped_column(String(16))
    fatalities: Mapped[int | None] = mapped_column(Integer, index=True)
    sources: Mapped[int] = mapped_column(Integer, default=0, index=True)
    articles: Mapped[int] = mapped_column(Integer, default=0)
    contradictions: Mapped[int] = mapped_column(Integer, default=0, index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str] = mapped_column(Text)


class EventFilterRow(Base):
    """The events' filter and sort columns without their text: what the web app's queries scan,
    count and sort. (In ``events`` most of these columns come after the payload, so testing them
    reads every payload; rows here are about a hundred bytes.) Its integer key is also the event's
    row id in the full-text index."""

    __tablename__ = "event_filters"
    __table_args__ = (UniqueConstraint("id", name="uq_event_filters_id"), Index("ix_event_filters_date", "date_start", "id"),
                      Index("ix_event_filters_window", "date_start", "date_end"),
                      Index("ix_event_filters_country_date", "country_code", "date_start"))

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64), index=True)
    acled_event_type: Mapped[str | None] = mapped_column(String(64), index=True)
    acled_sub_event_type: Mapped[str | None] = mapped_column(String(64), index=True)
    plover_type: Mapped[str | None] = mapped_column(String(16), index=True)
    date_start: Mapped[str | None] = mapped_column(String(32))
    date_end: Mapped[str | None] = mapped_column(String(32))
    date_precision: Mapped[str | None] = mapped_column(String(16))
    date_span: Mapped[int | None] = mapped_column(Integer, index=True)  # days from start to end: bounds date-window scans
    country_code: Mapped[str | None] = mapped_column(String(8))
    admin1: Mapped[str | None] = mapped_column(Text, index=True)
    location: Mapped[str | None] = mapped_column(Text, index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    geo_precision: Mapped[str | None] = mapped_column(String(16))
    fatalities: Mapped[int | None] = mapped_column(Integer, index=True)
    sources: Mapped[int] = mapped_column(Integer, index=True)
    articles: Mapped[int] = mapped_column(Integer)
    contradictions: Mapped[int] = mapped_column(Integer, index=True)


class EventActorRow(Base):
    """One actor of one event, so the web app filters and counts events by actor in SQL."""

    __tablename__ = "event_actors"
    __table_args__ = (Index("ix_event_actors_key_event", "key", "event_id"),)  # actor counts read the index alone

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))  # actor1 | actor2
    name: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(String(256))  # the name lowercased: exact matches
    kind: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(8))


class EventSearchRow(Base):
    """What free-text search reads of an event: its summary and claim sentences, and its actors'
    names and aliases. Indexed by SQLite FTS5 (table ``event_fts``, kept in step by triggers) or
    PostgreSQL GIN tsvector indexes, both made by migration 0004."""

    __tablename__ = "event_search"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # the event's event_filters.pk
    event_id: Mapped[str] = mapped_column(String(64), index=True, unique=True)
    text: Mapped[str] = mapped_column(Text)
    actors: Mapped[str] = mapped_column(Text)


class EventMentionRow(Base):
    """Which event each extracted mention belongs to (article id, mention index; -1 the lead event)."""

    __tablename__ = "event_mentions"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    article_id: Mapped[str] = mapped_column(String(512), index=True)
    mention_index: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))


class EventHistoryRow(Base):
    """Merges and splits: which event ids became which, and when (ids of events that only gained
    or lost reports stay as they are and leave no row)."""

    __tablename__ = "event_history"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(32))  # ISO timestamp (UTC)
    kind: Mapped[str] = mapped_column(String(8))  # merge | split
    from_ids: Mapped[str] = mapped_column(Text)  # JSON list
    to_ids: Mapped[str] = mapped_column(Text)  # JSON list


class EngineStateRow(Base):
    """Counters of the event engine (``generation`` grows with every update it commits), so a
    process can tell whether its in-memory vector index still matches the database."""

    __tablename__ = "engine_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
