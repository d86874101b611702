"""The other exports partners receive: annuaire, suivi des versements, indicateurs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from qpvdesk.core.domain.models import Contact, Payment
from qpvdesk.core.exchange.directory_export import export_directory
from qpvdesk.core.exchange.indicators_export import export_indicators
from qpvdesk.core.exchange.payments_export import export_payments
from qpvdesk.core.exchange.xlsx import MONEY_FORMAT
from qpvdesk.core.services import partners
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.database import open_database

TEMPLATE: dict[str, Path] = {}


@pytest.fixture
def demo_db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if "demo" not in TEMPLATE:
        TEMPLATE["demo"] = tmp_path_factory.mktemp("exports") / "demo.sqlite"
        create_new_database(TEMPLATE["demo"], "demo")
    target = tmp_path / "demo.sqlite"
    target.write_bytes(TEMPLATE["demo"].read_bytes())
    return target


def test_directory_lists_partners_staff_never_residents(demo_db: Path, tmp_path: Path) -> None:
    database = open_database(demo_db, backup_on_open=False)
    try:
        with database.unit_of_work() as session:
            partners.create_contact(
                session, partners.ContactInput(last_name="Habitante", is_resident=True)
            )
        with database.read() as session:
            staff = session.scalar(
                select(func.count()).select_from(Contact).where(Contact.is_resident.is_(False))
            )
            path = export_directory(session, tmp_path / "annuaire")
    finally:
        database.close()
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Structures", "Contacts"]
    structures = list(book["Structures"].iter_rows(values_only=True))
    assert structures[0][:4] == ("Nom", "Sigle", "Type", "Rôles")
    caf = next(row for row in structures if row[0] == "CAF de l'Hérault")
    assert caf[1] == "CAF" and "Financeur" in caf[3]
    contacts = list(book["Contacts"].iter_rows(values_only=True))
    assert len(contacts) - 1 == staff
    assert all(row[2] != "Habitante" for row in contacts)
    assert any(row[6] and "Comité" in row[6] for row in contacts[1:])


def test_payments_follow_up_with_totals(demo_db: Path, tmp_path: Path) -> None:
    database = open_database(demo_db, backup_on_open=False, read_only=True)
    try:
        with database.read() as session:
            path = export_payments(session, tmp_path / "versements.xlsx", {2025})
            expected = session.scalar(select(func.count()).select_from(Payment))
    finally:
        database.close()
    book = openpyxl.load_workbook(path)
    payments = book["Versements"]
    rows = list(payments.iter_rows(values_only=True))
    assert rows[0][7] == "Montant" and rows[-1][0] == "Total"
    assert rows[-1][7] == f"=SUM(H2:H{len(rows) - 1})"
    assert 0 < len(rows) - 2 <= expected
    assert isinstance(rows[1][8], datetime) and payments["H2"].number_format == MONEY_FORMAT
    balance = list(book["Reste à verser"].iter_rows(values_only=True))
    assert balance[0][-1] == "Reste à verser"
    assert all(row[-1] >= 0 for row in balance[1:-1])


def test_indicators_and_context_figures(demo_db: Path, tmp_path: Path) -> None:
    database = open_database(demo_db, backup_on_open=False, read_only=True)
    try:
        with database.read() as session:
            path = export_indicators(session, tmp_path / "indicateurs.xlsx")
    finally:
        database.close()
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Indicateurs", "Données de contexte"]
    figures = list(book["Données de contexte"].iter_rows(values_only=True))
    assert figures[0] == ("Indicateur", "Territoire", "Nom du territoire", "Année", "Valeur",
                          "Unité", "Source")  # fmt: skip
    assert len(figures) > 10
    assert all("." not in str(row[4]) for row in figures[1:])  # French decimals, exact
