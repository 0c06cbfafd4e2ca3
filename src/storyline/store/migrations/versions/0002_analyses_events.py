"""analyses, events and event_mentions tables

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analyses",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.String(512), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("payload", sa.Text, nullable=False),
        sa.UniqueConstraint("article_id", "content_hash", name="uq_analyses_article_hash"),
    )
    op.create_index("ix_analyses_article_id", "analyses", ["article_id"])
    op.create_table(
        "events",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("date_start", sa.String(32)),
        sa.Column("date_end", sa.String(32)),
        sa.Column("country_code", sa.String(8)),
        sa.Column("sources", sa.Integer, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index("ix_events_type", "events", ["type"])
    op.create_index("ix_events_date_start", "events", ["date_start"])
    op.create_index("ix_events_country_code", "events", ["country_code"])
    op.create_table(
        "event_mentions",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("article_id", sa.String(512), nullable=False),
        sa.Column("mention_index", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
    )
    op.create_index("ix_event_mentions_event_id", "event_mentions", ["event_id"])
    op.create_index("ix_event_mentions_article_id", "event_mentions", ["article_id"])


def downgrade() -> None:
    op.drop_table("event_mentions")
    op.drop_table("events")
    op.drop_table("analyses")
