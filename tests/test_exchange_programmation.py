"""The tableau de programmation: its layout, and export → import → export giving the same cells."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from qpvdesk.core.domain.enums import ObjectiveLevel, OrganisationKind, OrganisationRoleKind
from qpvdesk.core.domain.models import (
    BudgetLine,
    Dossier,
    DossierEvent,
    Objective,
    Organisation,
    Payment,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.exchange import programmation_export as export
from qpvdesk.core.exchange.programmation_import import (
    ImportOptions,
    ImportRefused,
    apply_import,
    import_programmation,
)
from qpvdesk.core.exchange.workbook_reading import read_workbook
from qpvdesk.core.exchange.xlsx import MONEY_FORMAT, ExportCancelled
from qpvdesk.core.services import dossiers, funding, partners
from qpvdesk.core.services.dossier_list import dossier_rows
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.database import Database, open_database

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES: dict[str, Path] = {}
HOSTILE = ("=cmd|' /C calc'!A0", "@SUM(A1:A2)", "+1", "-1")
# Holders are matched by normalised name: « +1 » and « -1 » would be one organisation.
HOSTILE_HOLDERS = ("=cmd|' /C calc'!A0", "@SUM(A1:A2)", "+1 Association", "-1 Collectif")


def template(kind: str, factory: pytest.TempPathFactory) -> Path:
    """A database made once per test session, copied for each test."""
    if kind not in TEMPLATES:
        folder = factory.mktemp(f"template-{kind}")
        path = folder / f"{kind}.sqlite"
        if kind.startswith("generated"):
            count = kind.split("-")[1]
            subprocess.run(
                [sys.executable, str(ROOT / "benchmarks" / "make_large_db.py"), str(path),
                 "--dossiers", count, "--current-year", "2026"],
                check=True, capture_output=True, cwd=ROOT,
            )  # fmt: skip
        else:
            create_new_database(path, kind)  # type: ignore[arg-type]
        TEMPLATES[kind] = path
    return TEMPLATES[kind]


def copy_of(kind: str, factory: pytest.TempPathFactory, target: Path) -> Path:
    target.write_bytes(template(kind, factory).read_bytes())
    return target


@pytest.fixture
def demo_db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_of("demo", tmp_path_factory, tmp_path / "demo.sqlite")


@pytest.fixture
def empty_db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in contract, no dossier: where a programmation is imported."""
    return copy_of("builtin", tmp_path_factory, tmp_path / "vide.sqlite")


def opened(path: Path) -> Database:
    return open_database(path, backup_on_open=False)


def export_file(db_path: Path, target: Path, years: set[int] | None = None) -> Path:
    database = opened(db_path)
    try:
        with database.read() as session:
            return export.export_programmation(session, target, years)
    finally:
        database.close()


def cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    finally:
        book.close()


def round_trip(source: Path, target_db: Path, folder: Path, years: set[int] | None = None) -> None:
    """Export *source*, import into *target_db*, export again: the same cells, sheet by sheet.

    Then importing the first workbook again changes nothing.
    """
    first = export_file(source, folder / "premier.xlsx", years)
    database = opened(target_db)
    try:
        result = import_programmation(database, first)
        assert result.preview.ok, [e.describe() for e in result.preview.errors[:5]]
        assert result.written and result.backup is not None and result.backup.exists()
    finally:
        database.close()
    second = export_file(target_db, folder / "second.xlsx", years)
    before, after = cells(first), cells(second)
    assert list(before) == list(after)
    for name in before:
        assert len(before[name]) == len(after[name]), name
        for number, (one, other) in enumerate(zip(before[name], after[name], strict=True), 1):
            assert one == other, f"feuille « {name} », ligne {number}"
    database = opened(target_db)
    try:
        again = import_programmation(database, first)
        assert again.preview.ok and not again.written
        assert not again.preview.changes_anything, [
            line.describe() for line in again.preview.lines if line.outcome.value != "unchanged"
        ][:5]
    finally:
        database.close()


# --- layout --------------------------------------------------------------------------------


def test_workbook_a_partner_receives(demo_db: Path, tmp_path: Path) -> None:
    path = export_file(demo_db, tmp_path / "programmation 2025", {2025})
    assert path.name == "programmation 2025.xlsx"
    book = openpyxl.load_workbook(path)
    names = book.sheetnames
    assert names[0] == export.MAIN_SHEET and names[-1] == export.LINES_SHEET
    assert "État – Préfecture de l'Hérault" in names and "CAF de l'Hérault" in names
    main = book[export.MAIN_SHEET]
    # A band of funders over their four amounts, then the headings.
    assert main["A2"].value == "Référence" and main["A2"].font.b
    funders = [c.value for c in main[1] if c.value]
    assert funders == sorted(funders, key=lambda n: n.casefold().replace("é", "e"))
    first_group = next(c for c in main[1] if c.value)
    assert [c.value for c in main[2]][first_group.column - 1 : first_group.column + 3] == [
        "Demandé", "Proposé", "Accordé", "Versé",
    ]  # fmt: skip
    assert any(str(r).startswith(first_group.coordinate) for r in main.merged_cells.ranges)
    assert main.freeze_panes == "B3"
    last = main.max_row
    assert main.auto_filter.ref == f"A2:{main.cell(2, main.max_column).column_letter}{last - 1}"
    # The totals row: real SUM formulas under every amount, in euros.
    assert main.cell(last, 1).value == "Total"
    cost_column = [c.value for c in main[2]].index("Coût total") + 1
    letter = main.cell(2, cost_column).column_letter
    assert main.cell(last, cost_column).value == f"=SUM({letter}3:{letter}{last - 1})"
    assert main.cell(last, cost_column).number_format == MONEY_FORMAT
    assert main.cell(3, cost_column).number_format == MONEY_FORMAT
    assert isinstance(main.cell(3, cost_column).value, int | float)
    received = main.cell(3, [c.value for c in main[2]].index("Reçu le") + 1)
    assert isinstance(received.value, datetime) and received.number_format == "dd/mm/yyyy"
    # Widths fit: the reference is not cut, long titles are capped.
    assert main.column_dimensions["A"].width >= len("2025-001")
    action = main.column_dimensions[main.cell(2, 6).column_letter].width
    assert 30 < action <= 61
    # The exchange sheet has no totals row and the exchange headings.
    lines = book[export.LINES_SHEET]
    assert [c.value for c in lines[1]] == [column.heading for column in export.LINE_COLUMNS]
    assert all(lines.cell(row, 1).value != "Total" for row in range(2, lines.max_row + 1))
    assert book.properties.title == "Programmation 2025"
    assert main.print_title_rows == "$1:$2"


def test_data_agrees_with_the_dossiers_page(demo_db: Path) -> None:
    database = opened(demo_db)
    try:
        with database.read() as session:
            data = export.programmation_data(session, {2026})
            rows = {row.reference: row for row in dossier_rows(session, {2026})}
    finally:
        database.close()
    assert [d.reference for d in data.dossiers] == list(rows)
    for dossier in data.dossiers:
        row = rows[dossier.reference]
        assert (dossier.totals.requested or Money(0)) == row.requested
        assert (dossier.totals.proposed or Money(0)) == row.proposed
        assert (dossier.totals.granted or Money(0)) == row.granted
        assert dossier.holder == row.holder_name and dossier.action == row.action_title
        assert sum(
            (a.requested or Money(0) for a in dossier.by_funder.values()), Money(0)
        ) == row.requested


def test_cancelled_export_leaves_nothing(demo_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "sortie"
    folder.mkdir()

    seen: list[tuple[int, int]] = []

    def stop(done: int, total: int) -> None:
        seen.append((done, total))
        if done == total:  # the last call, just before the file is saved
            raise ExportCancelled

    database = opened(demo_db)
    try:
        with database.read() as session, pytest.raises(ExportCancelled):
            data = export.programmation_data(session)
            export.write_programmation(data, folder / "p.xlsx", progress=stop)
    finally:
        database.close()
    assert list(folder.iterdir()) == []
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] > 0


# --- round trips ---------------------------------------------------------------------------


def test_round_trip_on_the_demo(demo_db: Path, empty_db: Path, tmp_path: Path) -> None:
    round_trip(demo_db, empty_db, tmp_path)


def test_round_trip_of_one_year(demo_db: Path, empty_db: Path, tmp_path: Path) -> None:
    round_trip(demo_db, empty_db, tmp_path, {2026})


def test_round_trip_on_a_generated_programmation(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, empty_db: Path
) -> None:
    source = copy_of("generated-300", tmp_path_factory, tmp_path / "gen.sqlite")
    round_trip(source, empty_db, tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("QPVDESK_LARGE_TESTS"),
    reason="5 000 dossiers, about a minute: QPVDESK_LARGE_TESTS=1 to run it (and the benchmark)",
)
def test_round_trip_on_a_large_generated_programmation(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, empty_db: Path
) -> None:
    source = copy_of("generated-5000", tmp_path_factory, tmp_path / "gen.sqlite")
    round_trip(source, empty_db, tmp_path)


def test_round_trip_keeps_states_payments_and_history(
    demo_db: Path, empty_db: Path, tmp_path: Path
) -> None:
    first = export_file(demo_db, tmp_path / "p.xlsx")
    database = opened(empty_db)
    try:
        assert import_programmation(database, first).written
        with database.read() as session:
            states = dict(session.execute(select(Dossier.reference, Dossier.state)).all())
            events = session.scalar(select(func.count()).select_from(DossierEvent))
            paid = session.scalar(select(func.sum(Payment.amount)))
            comment = session.scalars(
                select(DossierEvent.comment).where(DossierEvent.from_state.is_(None))
            ).first()
    finally:
        database.close()
    source = opened(demo_db)
    try:
        with source.read() as session:
            expected = dict(session.execute(select(Dossier.reference, Dossier.state)).all())
            expected_paid = session.scalar(
                select(func.sum(Payment.amount)).where(Payment.paid_on.is_not(None))
            )
    finally:
        source.close()
    assert states == expected
    assert paid == expected_paid
    assert events and events > len(states)  # the path to each state, step by step
    assert comment is not None and "p.xlsx" in comment and "ligne" in comment


# --- all or nothing --------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_no_backup(
    demo_db: Path, empty_db: Path, tmp_path: Path
) -> None:
    first = export_file(demo_db, tmp_path / "p.xlsx", {2025})
    database = opened(empty_db)
    try:
        result = import_programmation(database, first, dry_run=True)
        assert result.preview.ok and result.preview.counts.dossiers_created > 10
        assert not result.written and result.backup is None
        with database.read() as session:
            assert session.scalar(select(func.count()).select_from(Dossier)) == 0
    finally:
        database.close()
    assert not (empty_db.parent / "backups").exists()


def test_apply_refuses_a_workbook_with_errors_inside_the_callers_unit(
    demo_db: Path, empty_db: Path, tmp_path: Path
) -> None:
    path = export_file(demo_db, tmp_path / "p.xlsx", {2025})
    book = openpyxl.load_workbook(path)
    sheet = book[export.LINES_SHEET]
    demanded = [c.value for c in sheet[1]].index("Demandé") + 1
    sheet.cell(7, demanded).value = "-1"
    book.save(path)
    database = opened(empty_db)
    try:
        content = read_workbook(path)
        with pytest.raises(ImportRefused) as caught, database.unit_of_work() as session:
            apply_import(session, content, ImportOptions())
        errors = caught.value.preview.errors
        assert [(e.row, e.value) for e in errors] == [(7, "-1")]
        message = caught.value.message
        assert "ligne 7" in message and "rien n'a été enregistré" in message
        with database.read() as session:
            assert session.scalar(select(func.count()).select_from(Dossier)) == 0
    finally:
        database.close()


# --- hostile text ------------------------------------------------------------------------------


def add_hostile_dossiers(path: Path) -> None:
    database = opened(path)
    try:
        with database.unit_of_work() as session:
            operational = session.scalars(
                select(Objective.id).where(Objective.level == ObjectiveLevel.OPERATIONAL)
            ).first()
            line = session.scalars(select(BudgetLine.id).where(BudgetLine.code == "BOP147")).one()
            for number, (text, name) in enumerate(zip(HOSTILE, HOSTILE_HOLDERS, strict=True)):
                holder = partners.create_organisation(
                    session,
                    partners.OrganisationInput(
                        name=name,
                        kind=OrganisationKind.ASSOCIATION,
                        roles={OrganisationRoleKind.PROJECT_HOLDER},
                    ),
                )
                dossier_id = dossiers.register_dossier(
                    session,
                    dossiers.DossierInput(
                        holder_id=holder,
                        action_title=text,
                        objective_id=operational,
                        total_cost=Money.from_euros(1000),
                        year=2026,
                        received_on=date(2026, 1, 10),
                    ),
                    today=date(2026, 1, 10),
                )
                funding.upsert_funding(
                    session, dossier_id, line, 2026, Money.from_euros(500), None, None,
                    "=HYPERLINK(\"http://example.org\")" if number == 0 else None,
                )  # fmt: skip
    finally:
        database.close()


def test_hostile_text_stays_text_all_the_way(empty_db: Path, tmp_path: Path,
                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    source = copy_of("builtin", tmp_path_factory, tmp_path / "source.sqlite")
    add_hostile_dossiers(source)
    path = export_file(source, tmp_path / "p.xlsx")
    book = openpyxl.load_workbook(path, data_only=False)
    seen = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    # The only formulas are ours: the totals.
                    assert str(cell.value).startswith("=SUM("), (sheet.title, cell.coordinate)
                    assert sheet.cell(cell.row, 1).value == "Total"
                elif isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    assert cell.data_type == "s" and cell.quotePrefix is True
                    seen.add(cell.value)
    assert set(HOSTILE) <= seen and set(HOSTILE_HOLDERS) <= seen
    round_trip(source, empty_db, tmp_path)
    database = opened(empty_db)
    try:
        with database.read() as session:
            names = set(session.scalars(select(Organisation.name)))
    finally:
        database.close()
    assert set(HOSTILE_HOLDERS) <= names
