"""articles table

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(512), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("published", sa.String(32)),
        sa.Column("publisher", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("removed", sa.Text, nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("language", sa.String(16)),
        sa.Column("duplicate_of", sa.String(512)),
        sa.Column("duplicate_similarity", sa.Float),
        sa.Column("duplicate_kind", sa.String(16)),
        sa.Column("main_event", sa.String(64)),
        sa.UniqueConstraint("id", "content_hash", name="uq_articles_id_hash"),
    )
    op.create_index("ix_articles_id", "articles", ["id"])
    op.create_index("ix_articles_is_current", "articles", ["is_current"])


def downgrade() -> None:
    op.drop_table("articles")
