"""Evaluative questions, and the audit log written by SQLite triggers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

The triggers record every change to money, states and decisions, whoever makes it
(the ORM, a bulk UPDATE or raw SQL); the audit table refuses updates and deletes.
The user comes from ``qpvdesk_user()``, registered on each connection by the engine.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qpvdesk.core.storage import audit

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, audited columns): updates of these columns, and every insert and delete, are logged.
AUDITED = {
    "dossier": ("state", "opinion", "total_cost"),
    "funding": ("requested", "proposed", "granted"),
    "payment": ("amount", "paid_on"),
    "envelope": ("amount",),
    "decision": ("opinion", "text"),
    "decision_amount": ("amount",),
}
# Rows identified by a composite key are logged under the first key column.
ROW_ID = {"decision_amount": "decision_id"}

CLERMONT_QUESTIONS = [
    "En quoi le contrat de ville permet-il de favoriser la mixité ?",
    "En quoi le contrat de ville participe-t-il à l'amélioration de la situation économique "
    "du quartier ?",
    "En quoi le contrat de ville constitue-t-il un levier de coopération renforcée pour la "
    "mobilisation des acteurs locaux et l'articulation des dispositifs en faveur du quartier ?",
]


def upgrade() -> None:
    op.create_table(
        "evaluative_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint("position >= 0", name=op.f("ck_evaluative_question_position")),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contract.id"],
            name=op.f("fk_evaluative_question_contract_id_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluative_question")),
    )
    bind = op.get_bind()
    # The built-in contract's questions, for files created before they were kept.
    contract_id = bind.execute(sa.text("SELECT id FROM contract WHERE code = 'CN03404N'")).scalar()
    if contract_id is not None:
        for position, text in enumerate(CLERMONT_QUESTIONS):
            bind.execute(
                sa.text(
                    "INSERT INTO evaluative_question (contract_id, position, text) "
                    "VALUES (:contract, :position, :text)"
                ),
                {"contract": contract_id, "position": position, "text": text},
            )
    if bind.dialect.name == "sqlite":
        for table, columns in AUDITED.items():
            for statement in audit.table_triggers(table, columns, ROW_ID.get(table, "id")):
                op.execute(statement)
        for statement in audit.APPEND_ONLY:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        names = list(audit.APPEND_ONLY_NAMES)
        for table, columns in AUDITED.items():
            names += audit.table_trigger_names(table, columns)
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("evaluative_question")
