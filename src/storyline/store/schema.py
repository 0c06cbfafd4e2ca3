"""Table definitions. Alembic migrations in ``migrations/versions`` create exactly these tables."""
from __future__ import annotations

from sqlalchemy import Boolean, Float, Integer, String, Text, UniqueConstraint
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
    is_current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
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
    main_event: Mapped[str | None] = mapped_column(String(64))


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


class EventRow(Base):
    """A reconciled event; the payload is the export JSON. Rebuilt as a whole in one transaction."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    date_start: Mapped[str | None] = mapped_column(String(32), index=True)
    date_end: Mapped[str | None] = mapped_column(String(32))
    country_code: Mapped[str | None] = mapped_column(String(8), index=True)
    sources: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[str] = mapped_column(Text)


class EventMentionRow(Base):
    """Which event each extracted mention belongs to (article id, mention index)."""

    __tablename__ = "event_mentions"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    article_id: Mapped[str] = mapped_column(String(512), index=True)
    mention_index: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
