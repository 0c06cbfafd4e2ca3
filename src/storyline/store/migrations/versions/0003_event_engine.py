"""incremental event engine: records, signatures, LSH bands, duplicate links, event history,
queryable event columns. Analyses and events are derived data: they are cleared and rebuilt by the
next run, so older databases need no conversion.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

EVENT_COLUMNS = [
    ("acled_event_type", sa.String(64), True), ("acled_sub_event_type", sa.String(64), True),
    ("plover_type", sa.String(16), True), ("date_precision", sa.String(16), False), ("admin1", sa.Text, False),
    ("location", sa.Text, False), ("lat", sa.Float, False), ("lon", sa.Float, False),
    ("geo_precision", sa.String(16), False), ("fatalities", sa.Integer, True),
    ("articles", sa.Integer, False), ("contradictions", sa.Integer, True), ("summary", sa.Text, False),
]


def upgrade() -> None:
    op.execute("DELETE FROM event_mentions")
    op.execute("DELETE FROM events")
    op.execute("DELETE FROM analyses")
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("main_event_reason", sa.Text))
        batch.add_column(sa.Column("engine_hash", sa.String(64)))
        batch.add_column(sa.Column("source_id", sa.Text))
        batch.create_index("ix_articles_main_event", ["main_event"])
    op.execute("UPDATE articles SET duplicate_of = NULL, duplicate_similarity = NULL, duplicate_kind = NULL, "
               "main_event = NULL")
    with op.batch_alter_table("events") as batch:
        for name, kind, indexed in EVENT_COLUMNS:
            batch.add_column(sa.Column(name, kind))
            if indexed:
                batch.create_index(f"ix_events_{name}", [name])
        batch.create_index("ix_events_date_end", ["date_end"])
        batch.create_index("ix_events_sources", ["sources"])
    op.create_table(
        "records",
        sa.Column("key", sa.String(600), primary_key=True),
        sa.Column("article_id", sa.String(512), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("central", sa.Boolean, nullable=False),
        sa.Column("published", sa.String(32)),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("embedding", sa.LargeBinary),
        sa.Column("component", sa.String(600)),
        sa.Column("event_id", sa.String(64)),
    )
    for col in ("article_id", "component", "event_id"):
        op.create_index(f"ix_records_{col}", "records", [col])
    op.create_table(
        "signatures",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.String(512), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("minhash", sa.LargeBinary, nullable=False),
        sa.Column("lead", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("article_id", "content_hash", name="uq_signatures_article_hash"),
    )
    op.create_index("ix_signatures_article_id", "signatures", ["article_id"])
    op.create_index("ix_signatures_content_hash", "signatures", ["content_hash"])
    op.create_table(
        "minhash_bands",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("band", sa.Integer, nullable=False),
        sa.Column("bucket", sa.BigInteger, nullable=False),
        sa.Column("article_id", sa.String(512), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_minhash_bands_bucket", "minhash_bands", ["band", "bucket"])
    op.create_index("ix_minhash_bands_article_id", "minhash_bands", ["article_id"])
    op.create_table(
        "duplicate_links",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("a", sa.String(512), nullable=False),
        sa.Column("b", sa.String(512), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("similarity", sa.Float, nullable=False),
    )
    op.create_index("ix_duplicate_links_a", "duplicate_links", ["a"])
    op.create_index("ix_duplicate_links_b", "duplicate_links", ["b"])
    op.create_table(
        "engine_state",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    op.create_table(
        "event_history",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("from_ids", sa.Text, nullable=False),
        sa.Column("to_ids", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("event_history", "engine_state", "duplicate_links", "minhash_bands", "signatures", "records"):
        op.drop_table(table)
    with op.batch_alter_table("events") as batch:
        for name, _kind, indexed in EVENT_COLUMNS:
            if indexed:
                batch.drop_index(f"ix_events_{name}")
            batch.drop_column(name)
        batch.drop_index("ix_events_date_end")
        batch.drop_index("ix_events_sources")
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_main_event")
        batch.drop_column("engine_hash")
        batch.drop_column("source_id")
        batch.drop_column("main_event_reason")
