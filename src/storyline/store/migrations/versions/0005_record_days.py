"""the day each event record's candidates are searched around (its own date, else its
publication), so that the engine searches a window of days, not every record ever stored.
Existing records get theirs from their stored payloads.

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


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("day", sa.Integer))
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
    with op.batch_alter_table("records") as batch:
        batch.drop_column("day")
