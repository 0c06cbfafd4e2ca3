"""what the web app queries events by: a narrow table of their filter and sort columns, their
actors (one row each), and a full-text index over their summaries, claims and actor names.
Existing events are indexed from their stored rows and payloads.

Revision ID: 0004
Revises: 0003
"""
import json

import sqlalchemy as sa
from alembic import op

from storyline.store.db import date_span, event_index_rows

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


FILTER_COLUMNS = ["id", "type", "acled_event_type", "acled_sub_event_type", "plover_type", "date_start", "date_end",
                  "date_precision", "country_code", "admin1", "location", "lat", "lon", "geo_precision", "fatalities",
                  "sources", "articles", "contradictions"]


def upgrade() -> None:
    op.create_table(
        "event_filters",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("acled_event_type", sa.String(64)),
        sa.Column("acled_sub_event_type", sa.String(64)),
        sa.Column("plover_type", sa.String(16)),
        sa.Column("date_start", sa.String(32)),
        sa.Column("date_end", sa.String(32)),
        sa.Column("date_precision", sa.String(16)),
        sa.Column("date_span", sa.Integer),
        sa.Column("country_code", sa.String(8)),
        sa.Column("admin1", sa.Text),
        sa.Column("location", sa.Text),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("geo_precision", sa.String(16)),
        sa.Column("fatalities", sa.Integer),
        sa.Column("sources", sa.Integer, nullable=False),
        sa.Column("articles", sa.Integer, nullable=False),
        sa.Column("contradictions", sa.Integer, nullable=False),
        sa.UniqueConstraint("id", name="uq_event_filters_id"),
    )
    op.create_index("ix_event_filters_date", "event_filters", ["date_start", "id"])
    op.create_index("ix_event_filters_window", "event_filters", ["date_start", "date_end"])
    op.create_index("ix_event_filters_country_date", "event_filters", ["country_code", "date_start"])
    for name in ("type", "acled_event_type", "acled_sub_event_type", "plover_type", "date_span", "admin1", "location",
                 "fatalities", "sources", "contradictions"):
        op.create_index(f"ix_event_filters_{name}", "event_filters", [name])
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
    op.create_index("ix_event_actors_key_event", "event_actors", ["key", "event_id"])
    op.create_table(
        "event_search",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("actors", sa.Text, nullable=False),
    )
    op.create_index("ix_event_search_event_id", "event_search", ["event_id"], unique=True)
    create_text_index()
    cols = ", ".join(FILTER_COLUMNS)
    op.execute(f"INSERT INTO event_filters ({cols}) SELECT {cols} FROM events")
    conn = op.get_bind()
    spans = [{"i": i, "span": date_span(a, b)} for i, a, b in conn.execute(sa.text("SELECT id, date_start, date_end FROM events"))]
    if spans:
        conn.execute(sa.text("UPDATE event_filters SET date_span = :span WHERE id = :i"), spans)
    actors = sa.table("event_actors", *(sa.column(c) for c in ("event_id", "role", "name", "key", "kind", "country")))
    search = sa.table("event_search", *(sa.column(c) for c in ("pk", "event_id", "text", "actors")))
    keys = dict(conn.execute(sa.text("SELECT id, pk FROM event_filters")).all())
    for event_id, payload in conn.execute(sa.text("SELECT id, payload FROM events")).all():
        actor_rows, search_row = event_index_rows(event_id, json.loads(payload))
        if actor_rows:
            conn.execute(actors.insert(), actor_rows)
        conn.execute(search.insert(), [{"pk": keys[event_id], **search_row}])


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
    for table in ("event_search", "event_actors", "event_filters"):
        op.drop_table(table)
