"""The grants in the SCDL « Subventions » v2 open-data format, checked against its rules."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from qpvdesk.core.domain.identifiers import luhn_complete, siret_is_valid
from qpvdesk.core.domain.models import BudgetLine, Funding, Organisation
from qpvdesk.core.exchange.scdl import COLUMNS, defuse, export_scdl
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.database import open_database

TEMPLATE: dict[str, Path] = {}
# The published rules (schema.data.gouv.fr « scdl/subventions » 2.0.2; etalab/format-subventions).
SCHEMA_COLUMNS = [
    "nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
    "idBeneficiaire", "objet", "montant", "nature", "conditionsVersement",
    "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention",
]  # fmt: skip
SIRET_RULE = re.compile(r"^\d{14}$")
DATE_RULE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PERIOD_RULE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(/[0-9]{4}-[0-9]{2}-[0-9]{2})?$")
NATURES = {"aide en numéraire", "aide en nature", "aide en numéraire;aide en nature",
           "aide en nature;aide en numéraire"}  # fmt: skip


@pytest.fixture
def demo_db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if "demo" not in TEMPLATE:
        TEMPLATE["demo"] = tmp_path_factory.mktemp("scdl") / "demo.sqlite"
        create_new_database(TEMPLATE["demo"], "demo")
    target = tmp_path / "demo.sqlite"
    target.write_bytes(TEMPLATE["demo"].read_bytes())
    return target


def give_funders_a_siret(db: Path, *, except_name: str | None = None) -> None:
    database = open_database(db, backup_on_open=False)
    try:
        with database.unit_of_work() as session:
            funders = session.scalars(
                select(Organisation).where(Organisation.id.in_(select(BudgetLine.funder_id)))
            ).all()
            for number, funder in enumerate(funders):
                if funder.name != except_name:
                    funder.siret = luhn_complete(luhn_complete(f"2{number:07d}") + "0001")
    finally:
        database.close()


def export(db: Path, path: Path, year: int = 2025) -> tuple[str, object]:
    database = open_database(db, backup_on_open=False, read_only=True)
    try:
        with database.read() as session:
            data = export_scdl(session, year, path)
    finally:
        database.close()
    return path.read_bytes().decode("utf-8"), data


def test_every_row_follows_the_schema(demo_db: Path, tmp_path: Path) -> None:
    give_funders_a_siret(demo_db)
    text, _ = export(demo_db, tmp_path / "subventions.csv")
    assert list(COLUMNS) == SCHEMA_COLUMNS
    assert not text.startswith("\ufeff")  # UTF-8 without BOM
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=","))
    assert rows and list(rows[0]) == SCHEMA_COLUMNS
    for row in rows:
        assert row["nomAttribuant"] and row["nomBeneficiaire"]
        assert SIRET_RULE.match(row["idAttribuant"]) and siret_is_valid(row["idAttribuant"])
        assert SIRET_RULE.match(row["idBeneficiaire"])
        assert DATE_RULE.match(row["dateConvention"])
        assert 0 < len(row["objet"]) <= 256
        assert re.fullmatch(r"\d+\.\d{2}", row["montant"]) and Decimal(row["montant"]) > 0
        assert row["nature"] in NATURES
        assert row["conditionsVersement"] in {"unique", "échelonné"}
        assert PERIOD_RULE.match(row["datesPeriodeVersement"])
        assert len(row["idRAE"]) <= 5
        assert row["notificationUE"] in {"oui", "non"}
        assert Decimal("0.01") <= Decimal(row["pourcentageSubvention"]) <= 1
    # Every grant of 2025 is there, for its amount (droit commun without dossier is no grant).
    database = open_database(demo_db, backup_on_open=False, read_only=True)
    try:
        with database.read() as session:
            granted = [
                g
                for g in session.scalars(
                    select(Funding.granted).where(
                        Funding.year == 2025, Funding.dossier_id.is_not(None)
                    )
                )
                if g
            ]  # fmt: skip
    finally:
        database.close()
    assert len(rows) == len(granted)
    assert sum(Decimal(r["montant"]) for r in rows) == sum(g.to_decimal() for g in granted)
    staged = [r for r in rows if r["conditionsVersement"] == "échelonné"]
    assert staged and all("/" in r["datesPeriodeVersement"] for r in staged)


def test_grants_that_cannot_be_valid_are_left_out_and_listed(
    demo_db: Path, tmp_path: Path
) -> None:
    give_funders_a_siret(demo_db, except_name="CAF de l'Hérault")
    text, data = export(demo_db, tmp_path / "s.csv")
    assert "CAF de l'Hérault" not in text
    left = data.left_out  # type: ignore[attr-defined]
    assert left and all("SIRET du financeur « CAF de l'Hérault »" in item.reason for item in left)
    assert "à compléter" in left[0].describe()


def test_text_that_a_spreadsheet_would_run_is_defused(demo_db: Path, tmp_path: Path) -> None:
    give_funders_a_siret(demo_db)
    database = open_database(demo_db, backup_on_open=False)
    try:
        with database.unit_of_work() as session:
            session.execute(
                update(Organisation)
                .where(Organisation.name.like("Association Les Petits Pas%"))
                .values(name="=HYPERLINK(\"http://x\",\"clic\"), asso")
            )
    finally:
        database.close()
    text, _ = export(demo_db, tmp_path / "s.csv")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    names = {row["nomBeneficiaire"] for row in rows}
    assert "'=HYPERLINK(\"http://x\",\"clic\"), asso" in names
    assert not any(value.startswith(("=", "+", "-", "@")) for r in rows for value in r.values())
    assert defuse("+33 4") == "'+33 4" and defuse("Asso") == "Asso"


def test_a_year_without_grants_gives_the_header_only(demo_db: Path, tmp_path: Path) -> None:
    text, _ = export(demo_db, tmp_path / "s.csv", year=2029)
    assert text == ",".join(SCHEMA_COLUMNS) + "\r\n"
