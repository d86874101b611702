"""« Fichier ▸ Exporter / Importer »: the exchanges of the core, from the window."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtWidgets import QMenu
from sqlalchemy import func, select

from qpvdesk.core.domain.models import Objective
from qpvdesk.core.exchange.framework_exchange import export_framework
from qpvdesk.core.exchange.programmation_export import LINES_SHEET, export_programmation
from qpvdesk.core.exchange.scdl import COLUMNS as SCDL_COLUMNS
from qpvdesk.core.services.dossier_list import dossier_rows
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.exchange_menu import ExchangeMenu
from qpvdesk.ui.main_window import MainWindow
from tests.ui.conftest import FakeMessenger

TODAY = date(2026, 3, 15)


@pytest.fixture(scope="module")
def demo_workbook(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    """The programmation of every year of the demo, as the application writes it."""
    from qpvdesk.core.storage.database import open_database

    folder = tmp_path_factory.mktemp("exchange-workbook")
    source = folder / "demo.sqlite"
    shutil.copyfile(demo_template, source)
    database = open_database(source, read_only=True, working_copies=folder / "copies")
    try:
        with database.read() as session:
            return export_programmation(session, folder / "programmation.xlsx")
    finally:
        database.close()


def _copy(template: Path, tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return Path(shutil.copyfile(template, folder / f"{name}.sqlite"))


@pytest.fixture
def demo_path(demo_db: Path) -> Path:
    return demo_db


@pytest.fixture
def builtin_path(tmp_path: Path, builtin_template: Path) -> Path:
    return _copy(builtin_template, tmp_path, "builtin")


def _menu(window: MainWindow) -> ExchangeMenu:
    menu = window.exchange
    menu.today = lambda: TODAY
    return menu


def _read(open_db: Callable[..., Database], path: Path, query: Callable[..., Any]) -> Any:
    database = open_db(path, read_only=True)
    try:
        with database.read() as session:
            return query(session)
    finally:
        database.close()


def _trigger_and_wait(qtbot: Any, menu: ExchangeMenu, action: Any) -> None:
    with qtbot.waitSignal(menu.finished, timeout=30_000):
        action.trigger()
    assert menu.wait(10)


def _save_to(target: Path) -> Callable[..., Path]:
    return lambda *_args: target


# --------------------------------------------------------------------------- the menus


def test_file_menu_offers_export_and_import(make_window: Callable[..., MainWindow],
                                            demo_path: Path) -> None:
    window = make_window(demo_path)
    file_menu = window.menuBar().actions()[0].menu()
    assert isinstance(file_menu, QMenu)
    titles = [action.text() for action in file_menu.actions()]
    assert "Exporter" in titles and "Importer" in titles
    exports = [action.text() for action in window.exchange.export_menu.actions()]
    assert exports == ["Tableau de programmation…", "Annuaire des partenaires…",
                       "Suivi des versements…", "Cadre stratégique (modèle)…", "Indicateurs…",
                       "Subventions au format SCDL (CSV)…"]
    imports = [action.text() for action in window.exchange.import_menu.actions()]
    assert imports == ["Tableau de programmation…", "Cadre stratégique…"]
    assert all(action.isEnabled() for action in window.exchange.import_menu.actions())


def test_read_only_database_disables_imports(make_window: Callable[..., MainWindow],
                                             demo_path: Path) -> None:
    window = make_window(demo_path, read_only=True)
    menu = window.exchange
    assert not menu.import_programmation_action.isEnabled()
    assert not menu.import_framework_action.isEnabled()
    assert menu.export_actions["programmation"].isEnabled()


# --------------------------------------------------------------------------- exports


def test_export_programmation_of_the_current_year(
        qtbot: Any, make_window: Callable[..., MainWindow], messenger: FakeMessenger,
        demo_path: Path, tmp_path: Path) -> None:
    window = make_window(demo_path)
    menu = _menu(window)
    target = tmp_path / "out" / "prog"
    target.parent.mkdir()
    menu.pick_save = _save_to(target)
    messenger.answers = [0]  # « L'année 2026 »
    _trigger_and_wait(qtbot, menu, menu.export_actions["programmation"])
    written = target.with_name("prog.xlsx")
    assert menu.last_written == written
    workbook = openpyxl.load_workbook(written)
    assert workbook.sheetnames[0] == "Programmation"
    assert LINES_SHEET in workbook.sheetnames
    lines = list(workbook[LINES_SHEET].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(lines) if "Référence" in row)
    year = lines[header].index("Année")
    years = {row[year] for row in lines[header + 1:] if row[0]}
    assert years == {2026}
    assert not messenger.warnings
    assert "enregistré" in window.statusBar().currentMessage()


def test_export_programmation_of_every_year(
        qtbot: Any, make_window: Callable[..., MainWindow], messenger: FakeMessenger,
        demo_path: Path, tmp_path: Path) -> None:
    window = make_window(demo_path)
    menu = _menu(window)
    target = tmp_path / "toutes.xlsx"
    menu.pick_save = _save_to(target)
    messenger.answers = [1]  # « Toutes les années »
    _trigger_and_wait(qtbot, menu, menu.export_actions["programmation"])
    lines = list(openpyxl.load_workbook(target)[LINES_SHEET].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(lines) if "Référence" in row)
    year = lines[header].index("Année")
    assert {row[year] for row in lines[header + 1:] if row[0]} == {2025, 2026}


def test_cancelling_the_year_question_writes_nothing(
        make_window: Callable[..., MainWindow], messenger: FakeMessenger, demo_path: Path,
        tmp_path: Path) -> None:
    window = make_window(demo_path)
    menu = _menu(window)
    asked: list[Any] = []
    menu.pick_save = lambda *args: asked.append(args)
    menu.export_actions["versements"].trigger()  # the messenger answers « Annuler »
    assert not asked and menu.job is None


@pytest.mark.parametrize(("key", "expected_sheet", "expected_text"), [
    ("partenaires", "Structures", "Préfecture"),
    ("versements", None, None),
    ("framework", None, "Priorité"),
    ("indicateurs", None, None),
])
def test_each_export_writes_a_workbook(
        qtbot: Any, make_window: Callable[..., MainWindow], messenger: FakeMessenger,
        demo_path: Path, tmp_path: Path, key: str, expected_sheet: str | None,
        expected_text: str | None) -> None:
    window = make_window(demo_path)
    menu = _menu(window)
    target = tmp_path / f"{key}.xlsx"
    menu.pick_save = _save_to(target)
    messenger.answers = [1]  # every year, where asked
    _trigger_and_wait(qtbot, menu, menu.export_actions[key])
    assert not messenger.warnings
    workbook = openpyxl.load_workbook(target)
    if expected_sheet is not None:
        assert workbook.sheetnames[0] == expected_sheet
    texts = [str(value) for sheet in workbook.worksheets
             for row in sheet.iter_rows(values_only=True) for value in row if value]
    assert len(texts) > 5
    if expected_text is not None:
        assert any(expected_text in text for text in texts)


def test_scdl_export_says_what_was_left_out(
        qtbot: Any, make_window: Callable[..., MainWindow], messenger: FakeMessenger,
        demo_path: Path, tmp_path: Path) -> None:
    window = make_window(demo_path)
    menu = _menu(window)
    target = tmp_path / "scdl"
    menu.pick_save = _save_to(target)
    messenger.answers = [0]  # 2026
    _trigger_and_wait(qtbot, menu, menu.scdl_action)
    written = tmp_path / "scdl.csv"
    with written.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == tuple(SCDL_COLUMNS)
    [summary] = messenger.infos
    assert "2026" in summary and "au format SCDL" in summary
    assert "laissée" in summary and "de côté" in summary  # with each grant's reason
    assert summary.count("•") >= 1


# --------------------------------------------------------------------------- imports


def test_import_programmation_into_an_empty_programmation(
        qtbot: Any, make_window: Callable[..., MainWindow], messenger: FakeMessenger,
        open_db: Callable[..., Database], builtin_path: Path, demo_path: Path,
        demo_workbook: Path) -> None:
    expected = len(_read(open_db, demo_path, dossier_rows))
    assert expected > 0
    window = make_window(builtin_path)
    menu = _menu(window)
    menu.pick_open = _save_to(demo_workbook)
    window.context.undo_stack.setIndex(0)
    _trigger_and_wait(qtbot, menu, menu.import_programmation_action)
    dialog = menu.import_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.errors_table.rowCount() == 0
    assert f"Dossiers : {expected} à créer, 0 à mettre à jour" in dialog.counts_label.text()
    assert dialog.lines_list.count() > 0
    assert dialog.import_button.isEnabled()
    assert not dialog.save_errors_button.isVisible()
    changes: list[Any] = []
    window.context.changed.connect(changes.append)
    with qtbot.waitSignal(menu.finished, timeout=30_000):
        dialog.import_button.click()
    assert menu.wait(10)
    assert not messenger.warnings
    [summary] = messenger.infos
    assert f"Dossiers : {expected} créés" in summary and "sauvegarde" in summary
    assert frozenset({"*"}) in changes
    assert window.context.undo_stack.count() == 0
    assert len(window.context.read(dossier_rows)) == expected
    assert len(_read(open_db, builtin_path, dossier_rows)) == expected


def test_a_bad_row_is_shown_and_nothing_is_imported(
        qtbot: Any, make_window: Callable[..., MainWindow], messenger: FakeMessenger,
        open_db: Callable[..., Database], builtin_path: Path, demo_workbook: Path,
        tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(demo_workbook)
    sheet = workbook[LINES_SHEET]
    header_row = next(row[0].row for row in sheet.iter_rows() if row[0].value == "Référence")
    headings = [cell.value for cell in sheet[header_row]]
    bad_row = header_row + 3
    sheet.cell(bad_row, headings.index("Année") + 1, "deux mille vingt-six")
    broken = tmp_path / "avec-erreur.xlsx"
    workbook.save(broken)

    window = make_window(builtin_path)
    menu = _menu(window)
    menu.pick_open = _save_to(broken)
    _trigger_and_wait(qtbot, menu, menu.import_programmation_action)
    dialog = menu.import_dialog
    assert dialog is not None
    table = dialog.errors_table
    assert table.isVisible() and table.rowCount() >= 1
    cells = [[(item.text() if (item := table.item(row, column)) else "") for column in range(5)]
             for row in range(table.rowCount())]
    assert [LINES_SHEET, str(bad_row)] in [cells_row[:2] for cells_row in cells]
    assert any("deux mille vingt-six" in cells_row[3] for cells_row in cells)
    assert all(cells_row[4] for cells_row in cells)  # a reason in French
    assert not dialog.import_button.isEnabled()

    report = tmp_path / "erreurs.xlsx"
    menu.pick_save = _save_to(report)
    dialog.save_errors_button.click()
    rows = list(openpyxl.load_workbook(report).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("Feuille", "Ligne", "Colonne", "Valeur", "Motif")
    assert any(row[1] == str(bad_row) or row[1] == bad_row for row in rows[1:])

    dialog.cancel_button.click()
    assert menu.import_dialog is None
    assert window.context.read(dossier_rows) == []
    assert _read(open_db, builtin_path, dossier_rows) == []
    assert not messenger.infos


def test_framework_import_is_refused_when_the_database_has_one(
        make_window: Callable[..., MainWindow], messenger: FakeMessenger,
        builtin_path: Path) -> None:
    window = make_window(builtin_path)
    menu = _menu(window)
    asked: list[Any] = []
    menu.pick_open = lambda *args: asked.append(args)
    menu.import_framework_action.trigger()
    assert not asked
    [text] = messenger.infos
    assert "déjà un cadre stratégique" in text and "Base vide" in text


def test_framework_import_into_an_empty_database(
        qtbot: Any, make_window: Callable[..., MainWindow], messenger: FakeMessenger,
        open_db: Callable[..., Database], builtin_path: Path, tmp_path: Path) -> None:
    template = _read(open_db, builtin_path,
                     lambda session: export_framework(session, tmp_path / "cadre.xlsx"))
    expected = _read(open_db, builtin_path,
                     lambda s: s.scalar(select(func.count()).select_from(Objective)))
    empty = tmp_path / "autre-ville" / "vide.sqlite"
    empty.parent.mkdir()
    create_new_database(empty, "empty")
    window = make_window(empty)
    menu = _menu(window)
    menu.pick_open = _save_to(template)
    with qtbot.waitSignal(menu.finished, timeout=30_000):
        menu.import_framework_action.trigger()
    assert not messenger.warnings
    [text] = messenger.infos
    assert text.startswith("Cadre stratégique importé")
    count = window.context.read(lambda s: s.scalar(select(func.count()).select_from(Objective)))
    assert count == expected
