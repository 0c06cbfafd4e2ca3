"""the day each event record's candidates are searched around (its own date, else its
publication), so that the engine searches a window of days, not every record ever stored
(existing records get theirs from their stored payloads); and an index of the article versions
the engine has still to take in, so that finding them does not read every article stored
(replacing the index of the current flag alone), and an index of articles by content hash
(exact copies were found by reading them all).

Revision ID: 0005
Revises: 0004
"""
import json

import sqlalchemy as sa
from alembic import op

from storyline.cluster.similarity import record_day
from storyline.models import EventRecord

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


PENDING = "(engine_hash IS NULL OR engine_hash != content_hash)"


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("day", sa.Integer))
    # the terms the engine's query states (SQLite uses a partial index only for the same terms);
    # the index of the flag alone, true for nearly every row, would lead SQLite's planner past it
    op.drop_index("ix_articles_is_current", "articles")
    op.create_index("ix_articles_content_hash", "articles", ["content_hash"])  # exact copies, found by their hash
    op.create_index("ix_articles_engine_pending", "articles", ["id"],
                    sqlite_where=sa.text(f"is_current IS 1 AND {PENDING}"),
                    postgresql_where=sa.text(f"is_current IS true AND {PENDING}"))
    conn = op.get_bind()
    days = []
    for key, payload in conn.execute(sa.text("SELECT key, payload FROM records")):
        data = json.loads(payload)
        rec = EventRecord(key, "", "", False, [], date_start=data.get("date_start"), date_end=data.get("date_end"),
                          published=data.get("published"))
        days.append({"k": key, "d": record_day(rec)})
    if days:
        conn.execute(sa.text("UPDATE records SET day = :d WHERE key = :k"), days)


def downgrade() -> None:
    op.drop_index("ix_articles_engine_pending", "articles")
    op.drop_index("ix_articles_content_hash", "articles")
    op.create_index("ix_articles_is_current", "articles", ["is_current"])
    with op.batch_alter_table("records") as batch:
        batch.drop_column("day")
