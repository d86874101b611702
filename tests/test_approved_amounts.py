"""A granted amount a COPIL approved changes only with a reason, which the audit log keeps."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from qpvdesk.core.domain.models import BudgetLine, DecisionAmount, Dossier, Funding, Payment
from qpvdesk.core.domain.money import Money
from qpvdesk.core.exchange import programmation_export as export
from qpvdesk.core.exchange.programmation_import import import_programmation
from qpvdesk.core.services import funding as fu
from qpvdesk.core.services.dossiers import dossier_history
from qpvdesk.core.storage.audit_chain import verify_chain
from qpvdesk.core.storage.database import Database, open_database

#: In the demo, the COPIL of 23/06/2026 approved this dossier's programmation.
APPROVED_REFERENCE = "2026-003"
BOP = "Crédits spécifiques politique de la ville – appel à projets (BOP 147)"


@pytest.fixture
def db(demo_db: Path) -> Database:
    database = open_database(demo_db, backup_on_open=False)
    yield database
    database.close()


def approved_row(db: Database) -> Funding:
    with db.read() as session:
        return detached(
            session,
            session.scalars(
                select(Funding)
                .join(Dossier, Dossier.id == Funding.dossier_id)
                .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
                .where(
                    Dossier.reference == APPROVED_REFERENCE,
                    BudgetLine.name == BOP,
                    Funding.year == 2026,
                )
            ).one(),
        )


def detached(session: Session, row: Funding) -> Funding:
    """The row as read, kept readable once its read-only unit of work is over."""
    session.expunge(row)
    return row


def set_granted(db: Database, row: Funding, granted: Money, reason: str | None = None) -> None:
    with db.unit_of_work() as session:
        fu.upsert_funding(
            session,
            row.dossier_id or 0,
            row.budget_line_id,
            row.year,
            row.requested,
            row.proposed,
            granted,
            row.funder_decision,
            decided_on=row.decided_on,
            reason=reason,
        )


def granted_now(db: Database, funding_id: int) -> Money | None:
    with db.read() as session:
        return session.get(Funding, funding_id).granted  # type: ignore[union-attr]


def audit_after(db: Database, last_id: int) -> list[tuple[str, str | None, str | None]]:
    with db.read() as session:
        return [
            (action, column, new)
            for action, column, new in session.execute(
                text(
                    "SELECT action, column_name, new_value FROM audit_entry WHERE id > :id "
                    "ORDER BY id"
                ),
                {"id": last_id},
            )
        ]


def last_audit_id(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(text("SELECT max(id) FROM audit_entry")) or 0)


def test_the_demo_copil_approved_the_row(db: Database) -> None:
    row = approved_row(db)
    with db.read() as session:
        approval = fu.approval_of(session, row.id)
    assert approval is not None
    assert approval.title == "Comité de pilotage (COPIL) du 23/06/2026"
    assert approval.granted == row.granted


def test_changing_an_approved_amount_without_a_reason_is_refused(db: Database) -> None:
    row = approved_row(db)
    before = last_audit_id(db)
    for reason in (None, "   "):
        with pytest.raises(fu.ApprovalReasonRequired) as refused:
            set_granted(db, row, Money.from_euros(15000), reason)
        message = refused.value.message
        assert APPROVED_REFERENCE in message
        assert "État – Préfecture de l'Hérault" in message
        assert "Comité de pilotage (COPIL) du 23/06/2026" in message
        assert "motif" in message
    assert granted_now(db, row.id) == row.granted
    assert last_audit_id(db) == before


def test_with_a_reason_the_change_and_its_reason_are_audited_together(db: Database) -> None:
    row = approved_row(db)
    before = last_audit_id(db)
    set_granted(
        db, row, Money.from_euros(15000), "  Erreur de saisie :\nnotification du 2 juillet "
    )
    assert granted_now(db, row.id) == Money.from_euros(15000)
    assert audit_after(db, before) == [
        ("update", "granted", "1500000"),
        ("reason", "granted", "Erreur de saisie : notification du 2 juillet"),
    ]
    with sqlite3.connect(db.path) as raw:
        assert verify_chain(raw).intact
    raw.close()
    with db.read() as session:
        history = dossier_history(session, row.dossier_id or 0)
    assert any(
        "motif de la modification du montant approuvé : Erreur de saisie" in h.description
        for h in history
    )


def test_other_amounts_and_rows_never_approved_need_no_reason(db: Database) -> None:
    row = approved_row(db)
    with db.unit_of_work() as session:
        fu.upsert_funding(
            session,
            row.dossier_id or 0,
            row.budget_line_id,
            row.year,
            Money.from_euros(30000),
            row.proposed,
            row.granted,
            row.funder_decision,
            decided_on=row.decided_on,
        )
    with db.read() as session:
        free = next(
            f
            for f in session.scalars(select(Funding).where(Funding.dossier_id.is_not(None)))
            if f.granted is not None and fu.approval_of(session, f.id) is None
        )
        detached(session, free)
    set_granted(db, free, Money(free.granted.cents + 100))  # type: ignore[union-attr]
    assert granted_now(db, free.id) == Money(free.granted.cents + 100)  # type: ignore[union-attr]


def test_deleting_an_approved_row_needs_a_reason_too(db: Database) -> None:
    with db.read() as session:
        row = next(
            f
            for f in session.scalars(
                select(Funding)
                .where(
                    ~Funding.id.in_(select(Payment.funding_id)),
                    ~Funding.id.in_(select(DecisionAmount.funding_id)),
                )
                .order_by(Funding.id)
            )
            if fu.approval_of(session, f.id) is not None
        )
        detached(session, row)
    with (
        pytest.raises(fu.ApprovalReasonRequired, match="motif de sa suppression"),
        db.unit_of_work() as session,
    ):
        fu.delete_funding(session, row.id)
    before = last_audit_id(db)
    with db.unit_of_work() as session:
        fu.delete_funding(session, row.id, reason="Financeur retiré par avenant")
    entries = audit_after(db, before)
    assert ("reason", "granted", "Financeur retiré par avenant") in entries
    assert entries[-1][0] == "delete"


def test_an_import_does_not_change_an_approved_amount(db: Database, tmp_path: Path) -> None:
    row = approved_row(db)
    with db.read() as session:
        workbook = export.export_programmation(session, tmp_path / "prog.xlsx", {2026})
    book = openpyxl.load_workbook(workbook)
    sheet = book[export.LINES_SHEET]
    header = [cell.value for cell in sheet[1]]
    reference, line, granted = (
        header.index("Référence"),
        header.index("Ligne budgétaire"),
        header.index("Accordé"),
    )
    changed_row = None
    for cells in sheet.iter_rows(min_row=2):
        if cells[reference].value == APPROVED_REFERENCE and cells[line].value == BOP:
            cells[granted].value = 15000
            changed_row = cells[0].row
    assert changed_row is not None
    book.save(workbook)
    result = import_programmation(db, workbook)
    assert not result.written
    errors = [e for e in result.preview.errors if e.row == changed_row]
    assert len(errors) == 1
    assert "a été approuvé par le Comité de pilotage (COPIL) du 23/06/2026" in errors[0].reason
    assert "ne se modifie pas par import" in errors[0].reason
    assert granted_now(db, row.id) == row.granted
