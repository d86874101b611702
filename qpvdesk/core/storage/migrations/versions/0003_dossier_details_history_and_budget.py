"""Dossier details, its history of states, and its budget by CERFA heading.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

The dossier table is rebuilt (new CHECK constraints): its audit triggers are created again.
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qpvdesk.core.storage import audit

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOSSIER_AUDITED = ("state", "opinion", "total_cost")
STATES = (
    "received", "complete", "incomplete", "under_review", "opinion_given", "approved", "refused",
    "postponed", "withdrawn", "agreement_signed", "paid", "report_received", "closed",
)  # fmt: skip


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.replace("œ", "oe").replace("æ", "ae").split())


def _state(name: str, nullable: bool) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name.split("_", 1)[0] + "_state",
        sa.Enum(
            *STATES, name=f"event_{name}", native_enum=False, create_constraint=True, length=32
        ),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "budget_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column(
            "side",
            sa.Enum(
                "charge",
                "product",
                name="budget_side",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("account", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("planned", sa.BigInteger(), nullable=False),
        sa.Column("achieved", sa.BigInteger(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "achieved IS NULL OR achieved >= 0", name=op.f("ck_budget_entry_achieved")
        ),
        sa.CheckConstraint("planned >= 0", name=op.f("ck_budget_entry_planned")),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossier.id"],
            name=op.f("fk_budget_entry_dossier_id_dossier"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_entry")),
    )
    op.create_index(op.f("ix_budget_entry_dossier_id"), "budget_entry", ["dossier_id"])
    op.create_table(
        "dossier_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user", sa.String(length=100), nullable=True),
        _state("from_state", True),
        _state("to_state", False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossier.id"],
            name=op.f("fk_dossier_event_dossier_id_dossier"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_event")),
    )
    op.create_index(op.f("ix_dossier_event_dossier_id"), "dossier_event", ["dossier_id"])

    with op.batch_alter_table("attachment", recreate="always") as batch_op:
        batch_op.add_column(sa.Column("size", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_check_constraint("size", "size >= 0")
        batch_op.create_check_constraint(
            "validity", "valid_from IS NULL OR valid_until IS NULL OR valid_until >= valid_from"
        )
    with op.batch_alter_table("attachment") as batch_op:
        batch_op.alter_column("size", server_default=None)

    with op.batch_alter_table("dossier", recreate="always") as batch_op:
        batch_op.add_column(sa.Column("last_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("target_public", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("beneficiaries_expected", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("beneficiaries_qpv", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("women_share_percent", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ends_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("place", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("missing_documents", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch_op.create_check_constraint("last_year", "last_year IS NULL OR last_year >= year")
        batch_op.create_check_constraint(
            "period", "starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on"
        )
        batch_op.create_check_constraint(
            "women_share", "women_share_percent IS NULL OR women_share_percent BETWEEN 0 AND 100"
        )
        batch_op.create_check_constraint(
            "beneficiaries",
            "(beneficiaries_expected IS NULL OR beneficiaries_expected >= 0) AND "
            "(beneficiaries_qpv IS NULL OR beneficiaries_qpv >= 0)",
        )
    with op.batch_alter_table("dossier") as batch_op:
        batch_op.alter_column("search_text", server_default=None)

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT d.id, d.reference, o.name, a.title FROM dossier d "
            "JOIN organisation o ON o.id = d.holder_id JOIN action a ON a.id = d.action_id"
        )
    ).all()
    for dossier_id, reference, holder, title in rows:
        bind.execute(
            sa.text("UPDATE dossier SET search_text = :text WHERE id = :id"),
            {"text": _fold(f"{reference} {holder} {title}"), "id": dossier_id},
        )
    if bind.dialect.name == "sqlite":
        for statement in audit.table_triggers("dossier", DOSSIER_AUDITED):
            op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("dossier", recreate="always") as batch_op:
        for constraint in ("last_year", "period", "women_share", "beneficiaries"):
            batch_op.drop_constraint(f"ck_dossier_{constraint}", type_="check")
        for column in (
            "search_text",
            "missing_documents",
            "place",
            "ends_on",
            "starts_on",
            "women_share_percent",
            "beneficiaries_qpv",
            "beneficiaries_expected",
            "target_public",
            "description",
            "last_year",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("attachment", recreate="always") as batch_op:
        batch_op.drop_constraint("ck_attachment_validity", type_="check")
        batch_op.drop_constraint("ck_attachment_size", type_="check")
        batch_op.drop_column("size")
    op.drop_index(op.f("ix_dossier_event_dossier_id"), table_name="dossier_event")
    op.drop_table("dossier_event")
    op.drop_index(op.f("ix_budget_entry_dossier_id"), table_name="budget_entry")
    op.drop_table("budget_entry")
    if op.get_bind().dialect.name == "sqlite":
        for statement in audit.table_triggers("dossier", DOSSIER_AUDITED):
            op.execute(statement)
