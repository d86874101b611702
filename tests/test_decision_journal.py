"""The journal des décisions: a plain workbook beside the backups, kept after each change."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from qpvdesk.core.domain.models import BudgetLine, Dossier, Funding
from qpvdesk.core.domain.money import Money
from qpvdesk.core.exchange.decision_journal import journal_path
from qpvdesk.core.services import funding as fu
from qpvdesk.core.storage import database as database_module
from qpvdesk.core.storage.database import Database, open_database

REFERENCE = "2026-003"
BOP = "Crédits spécifiques politique de la ville – appel à projets (BOP 147)"


@pytest.fixture
def demo_path(demo_db: Path) -> Path:
    return demo_db


def grant(db: Database, euros: int, reason: str = "Notification rectifiée") -> None:
    with db.unit_of_work() as session:
        row = session.scalars(
            select(Funding)
            .join(Dossier, Dossier.id == Funding.dossier_id)
            .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
            .where(Dossier.reference == REFERENCE, BudgetLine.name == BOP)
        ).one()
        fu.upsert_funding(
            session,
            row.dossier_id or 0,
            row.budget_line_id,
            row.year,
            row.requested,
            row.proposed,
            Money.from_euros(euros),
            row.funder_decision,
            decided_on=row.decided_on,
            reason=reason,
        )


def sheets(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    finally:
        book.close()


def granted_in_journal(path: Path) -> Any:
    rows = sheets(path)["Financements"]
    header = rows[0]
    found = [
        row[header.index("Accordé")]
        for row in rows[1:]
        if row[header.index("Dossier")] == REFERENCE
        and row[header.index("Ligne budgétaire")] == BOP
    ]
    assert len(found) == 1
    return found[0]


def test_a_granted_amount_change_is_in_the_journal(demo_path: Path) -> None:
    journal = journal_path(demo_path)
    assert journal == demo_path.parent / "backups" / f"{demo_path.stem}-journal-des-decisions.xlsx"
    db = open_database(demo_path)
    try:
        assert db.journal_due  # a file backed up, with decisions, and no journal yet
        grant(db, 15_000)
        assert db.journal_due
        assert db.write_journal_if_due()  # the window's minute tick
        assert journal.exists() and not db.journal_due
        assert granted_in_journal(journal) == Decimal(15_000)
        # Within the minute, the next change waits: the journal is not rewritten per edit…
        grant(db, 16_000)
        assert db.journal_due and not db.write_journal_if_due()
        assert granted_in_journal(journal) == Decimal(15_000)
    finally:
        db.close()
    # … and closing the file writes it.
    assert granted_in_journal(journal) == Decimal(16_000)
    assert not list(journal.parent.glob("*.tmp*"))


def test_the_journal_reads_without_the_database(demo_path: Path) -> None:
    db = open_database(demo_path, backup_on_open=False)
    try:
        grant(db, 15_000)
    finally:
        db.close()
    for leftover in demo_path.parent.glob("demo.sqlite*"):
        leftover.unlink()
    content = sheets(journal_path(demo_path))
    assert list(content) == ["Financements", "Décisions des séances", "À propos"]
    header, *rows = content["Financements"]
    assert len(rows) > 50
    assert {"Demandé", "Proposé", "Accordé", "Versé", "Décision du financeur"} <= set(header)
    mine = next(r for r in rows if r[1] == REFERENCE and r[header.index("Ligne budgétaire")] == BOP)
    assert mine[header.index("Financeur")] == "État – Préfecture de l'Hérault"
    assert mine[header.index("Dernière séance")] == "Comité de pilotage (COPIL)"
    decisions_header, *decisions = content["Décisions des séances"]
    copil = [
        d
        for d in decisions
        if d[decisions_header.index("Instance")] == "Comité de pilotage (COPIL)"
        and d[decisions_header.index("Dossier")] == REFERENCE
    ]
    assert copil and all(d[decisions_header.index("Avis")] for d in copil)
    about = dict(content["À propos"][1:])
    assert len(about["Empreinte du journal d'audit"]) == 64


def test_a_journal_that_cannot_be_written_never_undoes_the_change(demo_path: Path) -> None:
    # The journal's name taken by a folder: the rename fails, as on a read-only folder.
    journal_path(demo_path).mkdir(parents=True)
    db = open_database(demo_path, backup_on_open=False)
    try:
        grant(db, 17_000)
        assert not db.write_journal_if_due()
        assert db.journal_problem is not None
        assert "Le journal des décisions n'a pas pu être écrit" in db.journal_problem
        assert "bien enregistrées" in db.journal_problem
        assert db.journal_due
        with db.read() as session:
            granted = session.scalars(
                select(Funding.granted)
                .join(Dossier, Dossier.id == Funding.dossier_id)
                .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
                .where(Dossier.reference == REFERENCE, BudgetLine.name == BOP)
            ).one()
        assert granted == Money.from_euros(17_000)
    finally:
        db.close()  # closing still works and still backs up
    assert list((demo_path.parent / "backups").glob("demo-*-fermeture.sqlite"))


def test_a_journal_too_long_for_the_tick_is_written_at_close(
    demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a very large file: the minute's tick would freeze the window.
    monkeypatch.setattr(database_module, "TICK_JOURNAL", 0.0)
    journal = journal_path(demo_path)
    db = open_database(demo_path, backup_on_open=False)
    try:
        grant(db, 18_000)
        assert db.journal_due and not db.write_journal_if_due()
        assert not journal.exists()
    finally:
        db.close()
    assert granted_in_journal(journal) == Decimal(18_000)
