"""The import dialog's mapping step: what was recognised, corrected by the user, reanalysed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from qpvdesk.core.exchange.column_mapping import Field
from qpvdesk.core.services.dossier_list import dossier_rows
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.exchange_menu import ExchangeMenu
from qpvdesk.ui.import_dialog import FIELD, HEADING, IGNORE_LABEL, UNRECOGNISED, ImportDialog
from qpvdesk.ui.main_window import MainWindow
from tests.ui.conftest import FakeMessenger

HEADINGS = ["Structure", "Intitulé", "Ligne budgétaire", "Année", "Euros souhaités"]
ROWS = [
    ["Association Alpha", "Soutien scolaire", "Ville Vie Vacances", 2026, "1 500,50 €"],
    ["Association Béta", "Jardin partagé", "Ville Vie Vacances", 2026, 2300],
]


@pytest.fixture
def odd_workbook(tmp_path: Path) -> Path:
    """Another service's workbook: a title block, and an amount heading nobody expects."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Demandes"
    sheet.append(["Demandes reçues – appel à projets 2026"])
    sheet.append([])
    sheet.append(HEADINGS)
    for row in ROWS:
        sheet.append(row)
    path = tmp_path / "demandes.xlsx"
    workbook.save(path)
    return path


def _open_preview(qtbot: Any, window: MainWindow, path: Path) -> tuple[ExchangeMenu, ImportDialog]:
    menu = window.exchange
    menu.pick_open = lambda *_args: path
    with qtbot.waitSignal(menu.finished, timeout=30_000):
        menu.import_programmation_action.trigger()
    assert menu.wait(10)
    dialog = menu.import_dialog
    assert dialog is not None and dialog.isVisible()
    return menu, dialog


def _row_of(dialog: ImportDialog, heading: str) -> int:
    table = dialog.mapping_table
    return next(row for row in range(table.rowCount())
                if (item := table.item(row, HEADING)) and item.text() == heading)


def test_mapping_step_shows_what_was_recognised(
        qtbot: Any, make_window: Callable[..., MainWindow], db_path: Path,
        odd_workbook: Path) -> None:
    window = make_window(db_path)
    _menu, dialog = _open_preview(qtbot, window, odd_workbook)
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == ["Aperçu", "Colonnes"]
    table = dialog.mapping_table
    assert table.rowCount() == len(HEADINGS)
    chosen = {heading: dialog.field_combo(heading).currentText() for heading in HEADINGS}
    assert chosen == {"Structure": "Porteur", "Intitulé": "Action",
                      "Ligne budgétaire": "Ligne budgétaire", "Année": "Année",
                      "Euros souhaités": IGNORE_LABEL}
    odd = table.item(_row_of(dialog, "Euros souhaités"), HEADING)
    assert odd.background().color() == UNRECOGNISED
    known = table.item(_row_of(dialog, "Structure"), HEADING)
    assert known.background().color() != UNRECOGNISED
    # Every field is offered, by its French label.
    combo = dialog.field_combo("Structure")
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels[0] == IGNORE_LABEL and "Demandé" in labels and "N° Dauphin" in labels
    assert not dialog.reanalyse_button.isEnabled()


def test_user_maps_an_unknown_amount_column_then_imports(
        qtbot: Any, make_window: Callable[..., MainWindow], messenger: FakeMessenger,
        open_db: Callable[..., Database], db_path: Path, odd_workbook: Path) -> None:
    window = make_window(db_path)
    menu, dialog = _open_preview(qtbot, window, odd_workbook)

    # The core does not know « Euros souhaités »: no amount, an error, nothing to import.
    assert dialog.errors_table.rowCount() >= 1
    reasons = [dialog.errors_table.item(row, 4).text()
               for row in range(dialog.errors_table.rowCount())]
    assert any("montant" in reason for reason in reasons)
    assert not dialog.import_button.isEnabled()
    assert dialog.tabs.currentIndex() == 1  # the mapping step is shown first

    combo = dialog.field_combo("Euros souhaités")
    combo.setCurrentIndex(combo.findData(Field.REQUESTED))
    assert dialog.pending and dialog.reanalyse_button.isEnabled()
    assert not dialog.import_button.isEnabled()  # not before the preview is redone

    with qtbot.waitSignal(dialog.reanalysed, timeout=30_000):
        dialog.reanalyse_button.click()
    assert dialog.errors_table.rowCount() == 0
    assert "Dossiers : 2 à créer, 0 à mettre à jour" in dialog.counts_label.text()
    assert dialog.lines_list.isVisible() and dialog.lines_list.count() > 0
    assert dialog.import_button.isEnabled()
    assert dialog.field_combo("Euros souhaités").currentText() == "Demandé"
    assert dialog.mapping_table.item(
        _row_of(dialog, "Euros souhaités"), HEADING).background().color() != UNRECOGNISED
    assert dict(dialog.options.mapping.by_heading) == {"Euros souhaités": Field.REQUESTED}
    assert isinstance(dialog.mapping_table.cellWidget(0, FIELD), type(combo))

    with qtbot.waitSignal(menu.finished, timeout=30_000):
        dialog.import_button.click()
    assert menu.wait(10)
    assert not messenger.warnings
    [summary] = messenger.infos
    assert "Dossiers : 2 créés" in summary
    rows = window.context.read(dossier_rows)
    assert {(row.holder_name, row.action_title, row.requested_cents) for row in rows} == {
        ("Association Alpha", "Soutien scolaire", 150_050),
        ("Association Béta", "Jardin partagé", 230_000),
    }


def test_ignoring_a_recognised_column_is_taken_into_account(
        qtbot: Any, make_window: Callable[..., MainWindow], db_path: Path,
        tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Structure", "Intitulé", "Ligne budgétaire", "Année", "Montant demandé",
                  "Observations"])
    sheet.append(["Association Alpha", "Soutien scolaire", "Ville Vie Vacances", 2026, 1000,
                  "RAS"])
    path = tmp_path / "simple.xlsx"
    workbook.save(path)
    window = make_window(db_path)
    _menu, dialog = _open_preview(qtbot, window, path)
    assert dialog.errors_table.rowCount() == 0 and dialog.import_button.isEnabled()
    combo = dialog.field_combo("Montant demandé")
    assert combo.currentText() == "Demandé"
    combo.setCurrentIndex(combo.findText(IGNORE_LABEL))
    with qtbot.waitSignal(dialog.reanalysed, timeout=30_000):
        dialog.reanalyse_button.click()
    # Without its only amount column the sheet is refused, and said why.
    assert dialog.errors_table.rowCount() >= 1
    assert not dialog.import_button.isEnabled()
    assert dialog.field_combo("Montant demandé").currentText() == IGNORE_LABEL
