"""The safe Excel writer and the dossier list's export, read back with openpyxl."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from qpvdesk.core.domain.enums import DossierState, FundingNature
from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import StorageError
from qpvdesk.core.exchange import xlsx
from qpvdesk.core.exchange.dossier_export import COLUMNS, export_dossier_rows
from qpvdesk.core.exchange.xlsx import (
    DATETIME_FORMAT,
    MONEY_FORMAT,
    Column,
    ColumnKind,
    ExportCancelled,
    write_table,
)
from qpvdesk.core.services.dossier_list import DossierRow

HEADINGS = [
    "Référence", "Année", "Porteur de projet", "Action", "Objectif opérationnel", "Coût total",
    "Demandé", "Proposé", "Accordé", "État", "Reçu après clôture", "Dernière modification",
]


def make_row(dossier_id: int, *, title: str = "Ateliers parents-enfants",
             holder: str = "Ludothèque La Toupie", requested: int = 1_234_550,
             late: bool = False) -> DossierRow:
    return DossierRow(
        id=dossier_id, reference=f"2026-{dossier_id:03d}", year=2026, sequence=dossier_id,
        holder_id=7, holder_name=holder, action_title=title, objective_id=3,
        objective_code="P1.1.1", priority_code="P1", total_cost_cents=5_000_000,
        requested_cents=requested, proposed_cents=1_000_000, granted_cents=0,
        state=DossierState.UNDER_REVIEW, updated_at=datetime(2026, 3, 4, 10, 30, tzinfo=UTC),
        funder_ids=(1,), natures=(FundingNature.SPECIFIC,), search_text="", late=late,
    )


def read_sheet(path: Path) -> Any:
    workbook = openpyxl.load_workbook(path)
    return workbook.worksheets[0]


def test_defusedxml_is_used() -> None:
    assert openpyxl.DEFUSEDXML is True


def test_export_writes_every_row_in_order_with_french_headings(tmp_path: Path) -> None:
    rows = [make_row(3, requested=900_000), make_row(1, late=True), make_row(2)]
    written = export_dossier_rows(rows, tmp_path / "dossiers.xlsx")
    assert written == tmp_path / "dossiers.xlsx"
    sheet = read_sheet(written)
    assert sheet.title == "Dossiers"
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == HEADINGS == [column.heading for column in COLUMNS]
    assert [row[0] for row in values[1:]] == ["2026-003", "2026-001", "2026-002"]
    first = sheet[2]
    assert first[1].value == 2026 and first[1].data_type == "n"
    # Amounts: numbers in euros, with the euro format; never text.
    assert first[6].value == 9000 and first[6].data_type == "n"
    assert sheet["G3"].value == pytest.approx(12345.5)
    assert all(sheet.cell(2, column).number_format == MONEY_FORMAT for column in (6, 7, 8, 9))
    assert sheet["I2"].value == 0
    assert first[9].value == "En instruction"
    assert sheet["K3"].value == "Oui" and sheet["K2"].value is None
    # A real date (local time, Excel has no time zones), shown dd/mm/yyyy hh:mm.
    moment = first[11].value
    assert isinstance(moment, datetime)
    expected = datetime(2026, 3, 4, 10, 30, tzinfo=UTC).astimezone().replace(tzinfo=None)
    assert moment == expected
    assert first[11].number_format == DATETIME_FORMAT


def test_sheet_has_frozen_header_filter_and_fitted_widths(tmp_path: Path) -> None:
    title = "Accompagnement à la scolarité en petits groupes"
    very_long = "Une action " * 20
    path = export_dossier_rows([make_row(1, title=title), make_row(2, holder=very_long)],
                               tmp_path / "d.xlsx")
    sheet = read_sheet(path)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:L3"
    widths = {key: dimension.width for key, dimension in sheet.column_dimensions.items()}
    assert len(title) < widths["D"] < len(title) + 5  # the action's title fits
    assert widths["C"] == 46  # a very long name is capped (45 characters, then wraps)
    assert widths["A"] >= len("Référence")
    assert widths["F"] >= len("50 000,00 €")
    assert sheet["A1"].font.b


@pytest.mark.parametrize("text", [
    '=HYPERLINK("http://example.org/x","Cliquez ici")',
    "=1+1",
    "+33 4 67 00 00 00",
    "-5",
    "@SUM(A1:A2)",
    "\tindenté",
])
def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path, text: str) -> None:
    path = export_dossier_rows([make_row(1, title=text)], tmp_path / "d.xlsx")
    cell = read_sheet(path)["D2"]
    assert cell.value == text
    assert cell.data_type == "s"
    assert cell.quotePrefix is True
    # Nothing in the file is a formula.
    workbook = openpyxl.load_workbook(path, data_only=False)
    assert all(c.data_type != "f" for row in workbook.active.iter_rows() for c in row)


def test_ordinary_text_has_no_quote_prefix(tmp_path: Path) -> None:
    path = export_dossier_rows([make_row(1)], tmp_path / "d.xlsx")
    cell = read_sheet(path)["D2"]
    assert cell.value == "Ateliers parents-enfants"
    assert not cell.quotePrefix


def test_control_characters_are_removed(tmp_path: Path) -> None:
    holder = "Asso\x07ciation\x00 du\x1b Lac\nligne 2"
    path = export_dossier_rows([make_row(1, holder=holder)], tmp_path / "d.xlsx")
    assert read_sheet(path)["C2"].value == "Association du Lac\nligne 2"


def test_extension_is_added_and_a_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "export.xlsx"
    target.write_bytes(b"old content")
    path = export_dossier_rows([make_row(1), make_row(2)], tmp_path / "export")
    assert path == target
    assert read_sheet(path).max_row == 3
    assert [p.name for p in tmp_path.iterdir()] == ["export.xlsx"]  # no temporary left


def test_empty_export_keeps_the_header(tmp_path: Path) -> None:
    sheet = read_sheet(export_dossier_rows([], tmp_path / "vide.xlsx"))
    assert [cell.value for cell in sheet[1]] == HEADINGS
    assert sheet.max_row == 1


def test_file_open_in_excel_is_a_french_error_naming_it(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "programmation.xlsx"
    target.write_bytes(b"held by Excel")

    def refuse(source: Any, destination: Any) -> None:
        raise PermissionError(13, "Permission denied", str(destination))

    monkeypatch.setattr(xlsx.os, "replace", refuse)
    with pytest.raises(StorageError) as caught:
        export_dossier_rows([make_row(1)], target)
    assert "programmation.xlsx" in caught.value.message
    assert "Excel" in caught.value.message
    assert target.read_bytes() == b"held by Excel"
    assert [p.name for p in tmp_path.iterdir()] == ["programmation.xlsx"]


def test_missing_folder_is_a_french_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="n'existe pas"):
        export_dossier_rows([make_row(1)], tmp_path / "absent" / "d.xlsx")


def test_folder_without_write_access_is_a_french_error(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**_: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(xlsx.tempfile, "mkstemp", refuse)
    with pytest.raises(StorageError, match="accès refusé") as caught:
        export_dossier_rows([make_row(1)], tmp_path / "d.xlsx")
    assert "d.xlsx" in caught.value.message


def test_cancelled_export_leaves_nothing(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 500:
            raise ExportCancelled

    rows = [make_row(i) for i in range(1, 1201)]
    with pytest.raises(ExportCancelled):
        export_dossier_rows(rows, tmp_path / "d.xlsx", progress=progress)
    assert seen == [(0, 1200), (500, 1200)]
    assert list(tmp_path.iterdir()) == []


def test_progress_reaches_the_total(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    export_dossier_rows([make_row(1), make_row(2)], tmp_path / "d.xlsx",
                        progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)


def test_writer_kinds_and_sheet_title(tmp_path: Path) -> None:
    columns = [Column("Nom"), Column("Nombre", ColumnKind.INTEGER),
               Column("Le", ColumnKind.DATE), Column("Montant", ColumnKind.MONEY)]
    path = write_table(tmp_path / "t.xlsx", columns,
                       [(42, 7, datetime(2026, 1, 31, 23, 0), Money(5)),
                        (None, None, None, None)],
                       sheet_title="Suivi: versements [2026]/bis et encore plus long")
    sheet = read_sheet(path)
    assert sheet.title == "Suivi  versements  2026  bis et"
    assert sheet["A2"].value == "42" and sheet["A2"].data_type == "s"
    assert sheet["C2"].value == datetime(2026, 1, 31) and sheet["C2"].number_format == "dd/mm/yyyy"
    assert sheet["D2"].value == pytest.approx(0.05)
    assert [cell.value for cell in sheet[3]] == [None, None, None, None]
    with pytest.raises(TypeError):
        write_table(tmp_path / "u.xlsx", [Column("Montant", ColumnKind.MONEY)], [(12.5,)])
