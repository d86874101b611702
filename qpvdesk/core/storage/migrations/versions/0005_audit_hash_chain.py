"""The audit log becomes a hash chain: each entry carries the hash of the one before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Adds ``audit_entry.hash``, computes it for the entries already there (in id order),
and replaces every audit trigger by its chained form (`audit.chained_triggers`).
The append-only triggers are dropped around the backfill, which updates the log,
and created again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qpvdesk.core.storage import audit

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables audited when this revision was written (audit.AUDITED may grow later).
AUDITED = {
    "dossier": ("state", "opinion", "total_cost"),
    "funding": ("requested", "proposed", "granted"),
    "payment": ("amount", "paid_on"),
    "envelope": ("amount",),
    "decision": ("opinion", "text"),
    "decision_amount": ("amount",),
}
ROW_ID = {"decision_amount": "decision_id"}


def _drop_triggers() -> None:
    names = list(audit.APPEND_ONLY_NAMES)
    for table, columns in AUDITED.items():
        names += audit.trigger_names(table, columns)
    for name in names:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    op.add_column("audit_entry", sa.Column("hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    _drop_triggers()
    fields = ", ".join(audit.HASHED_FIELDS)
    previous: str | None = None
    hashes = []
    for row in bind.execute(sa.text(f"SELECT {fields} FROM audit_entry ORDER BY id")):
        previous = audit.entry_hash(previous, *row)
        hashes.append({"hash": previous, "id": row[0]})
    if hashes:  # one statement for all (executemany), however long the log
        bind.execute(sa.text("UPDATE audit_entry SET hash = :hash WHERE id = :id"), hashes)
    for table, columns in AUDITED.items():
        for statement in audit.chained_triggers(table, columns, ROW_ID.get(table, "id")):
            op.execute(statement)
    for statement in audit.APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _drop_triggers()
    with op.batch_alter_table("audit_entry") as batch_op:
        batch_op.drop_column("hash")
    if sqlite:
        for table, columns in AUDITED.items():
            for statement in audit.table_triggers(table, columns, ROW_ID.get(table, "id")):
                op.execute(statement)
        for statement in audit.APPEND_ONLY:
            op.execute(statement)
