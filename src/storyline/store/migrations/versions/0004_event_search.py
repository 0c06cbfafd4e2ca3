"""what the web app queries events by: their actors (one row each), a full-text index over their
summaries, claims and actor names, and indexes for the filters and sorts. Existing events are
indexed from their stored payloads.

Revision ID: 0004
Revises: 0003
"""
import json

from alembic import op
import sqlalchemy as sa

from storyline.store.db import event_index_rows

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_actors",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(32)),
        sa.Column("country", sa.String(8)),
    )
    op.create_index("ix_event_actors_event_id", "event_actors", ["event_id"])
    op.create_index("ix_event_actors_key", "event_actors", ["key"])
    op.create_table(
        "event_search",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("actors", sa.Text, nullable=False),
    )
    op.create_index("ix_event_search_event_id", "event_search", ["event_id"], unique=True)
    op.create_index("ix_events_location", "events", ["location"])
    op.create_index("ix_events_admin1", "events", ["admin1"])
    op.create_index("ix_events_date_start_id", "events", ["date_start", "id"])
    create_text_index()
    conn = op.get_bind()
    actors = sa.table("event_actors", *(sa.column(c) for c in ("event_id", "role", "name", "key", "kind", "country")))
    search = sa.table("event_search", *(sa.column(c) for c in ("event_id", "text", "actors")))
    for event_id, payload in conn.execute(sa.text("SELECT id, payload FROM events")).all():
        actor_rows, search_row = event_index_rows(event_id, json.loads(payload))
        if actor_rows:
            conn.execute(actors.insert(), actor_rows)
        conn.execute(search.insert(), [search_row])


def create_text_index() -> None:
    """SQLite: an FTS5 index over event_search kept in step by triggers; PostgreSQL: GIN indexes
    over the same columns' tsvectors."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE event_fts USING fts5(text, actors, content='event_search', "
                   "content_rowid='pk', tokenize='unicode61 remove_diacritics 2')")
        op.execute("CREATE TRIGGER event_search_ai AFTER INSERT ON event_search BEGIN "
                   "INSERT INTO event_fts(rowid, text, actors) VALUES (new.pk, new.text, new.actors); END")
        op.execute("CREATE TRIGGER event_search_ad AFTER DELETE ON event_search BEGIN "
                   "INSERT INTO event_fts(event_fts, rowid, text, actors) VALUES ('delete', old.pk, old.text, old.actors); END")
    else:
        op.execute("CREATE INDEX ix_event_search_text_fts ON event_search USING gin (to_tsvector('simple', text))")
        op.execute("CREATE INDEX ix_event_search_actors_fts ON event_search USING gin (to_tsvector('simple', actors))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE event_fts")
    for name in ("location", "admin1", "date_start_id"):
        op.drop_index(f"ix_events_{name}", "events")
    op.drop_table("event_search")
    op.drop_table("event_actors")
