"""The Financements page, driven in the window: the figures it displays equal raw SQL sums,
a double-click shows the dossiers behind a figure, the catalogue and its envelopes are edited
in place and undone with Ctrl+Z."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QTreeView
from test_finance_scenario import (
    YEAR,
    Scenario,
    build_in,
    euros,
    money,
    sql_dossier_ids,
    sql_sums,
)

from qpvdesk.core.domain.enums import FundingNature
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.budget_lines import (
    BudgetLineInput,
    BudgetLineRow,
    budget_line_rows,
    set_envelope,
)
from qpvdesk.ui.finance import finance_tree_model as lines_columns
from qpvdesk.ui.finance import objective_finance_model as objective_columns
from qpvdesk.ui.finance.budget_catalogue_model import COLUMN_ENVELOPE, COLUMN_STATUS
from qpvdesk.ui.finance.budget_line_dialog import BudgetLineDialog, Saver
from qpvdesk.ui.finance.figures import ALERT_COLOR, ROW_ROLE
from qpvdesk.ui.finance.finance_screen import CATALOGUE, OBJECTIVES, FinanceScreen
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.undo import quoted

DISPLAY = Qt.ItemDataRole.DisplayRole
LINE_AMOUNTS = {
    lines_columns.COLUMN_ENVELOPE: "envelope",
    lines_columns.COLUMN_REQUESTED: "requested",
    lines_columns.COLUMN_PROPOSED: "proposed",
    lines_columns.COLUMN_GRANTED: "granted",
    lines_columns.COLUMN_COMMITTED: "committed",
    lines_columns.COLUMN_PAID: "paid",
    lines_columns.COLUMN_REMAINING: "remaining",
}


@pytest.fixture
def scenario(db_path: Path) -> Scenario:
    return build_in(db_path)


@pytest.fixture
def window(make_window: Callable[..., MainWindow], db_path: Path,
           scenario: Scenario) -> MainWindow:
    """The window on the file once the scenario is in it."""
    return make_window(db_path)


@pytest.fixture
def active(window: MainWindow, qtbot: Any) -> MainWindow:
    """The window, active, so that its shortcuts (Ctrl+Z…) answer the keyboard."""
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    return window


@pytest.fixture
def page(scenario: Scenario, active: MainWindow) -> FinanceScreen:
    """The Financements page of the window, on 2026."""
    active.select_section("funding")
    screen = active.page("funding")
    assert isinstance(screen, FinanceScreen)
    screen.set_year(YEAR)
    assert screen.year == YEAR
    return screen


def rows_of(tree: QTreeView) -> list[QModelIndex]:
    """Every index of column 0, depth-first."""
    model = tree.model()
    found = []
    for row in range(model.rowCount()):
        parent = model.index(row, 0)
        found.append(parent)
        found += [model.index(child, 0, parent) for child in range(model.rowCount(parent))]
    return found


def row_named(tree: QTreeView, text: str, column: int = 0) -> QModelIndex:
    for index in rows_of(tree):
        if index.siblingAtColumn(column).data(DISPLAY) == text:
            return index
    raise AssertionError(f"no row {text!r}")


def line_row(tree: QTreeView, line_id: int) -> QModelIndex:
    """The row of a budget line in the « Par financeur et ligne » tree."""
    return next(index for index in rows_of(tree)
                if getattr(index.data(ROW_ROLE), "budget_line_id", None) == line_id)


def funder_row(tree: QTreeView, funder_id: int) -> QModelIndex:
    """The subtotal row of a funder."""
    return next(index for index in rows_of(tree) if not index.parent().isValid()
                and getattr(index.data(ROW_ROLE), "funder_id", None) == funder_id)


def displayed(index: QModelIndex, columns: dict[int, str]) -> dict[str, str]:
    return {name: index.siblingAtColumn(column).data(DISPLAY) for column, name in columns.items()}


def expected(sums: Any, columns: dict[int, str]) -> dict[str, str]:
    return {name: money(getattr(sums, name)) for name in columns.values()}


def double_click(qtbot: Any, tree: QTreeView, index: QModelIndex) -> None:
    """A real double-click: press and release, then the double-click event."""
    tree.scrollTo(index)
    position = tree.visualRect(index).center()
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=position)
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=position)


def stored_line(db_path: Path, read_back: Callable[..., Any], line_id: int) -> BudgetLineRow:
    return next(row for row in read_back(budget_line_rows) if row.id == line_id)


# --------------------------------------------------------------------------- the figures


def test_every_line_funder_and_total_shows_the_sums_of_the_file(
        page: FinanceScreen, scenario: Scenario, db_path: Path) -> None:
    tree = page.view.lines_tree
    for code, line_id in scenario.lines.items():
        index = line_row(tree, line_id)
        assert displayed(index, LINE_AMOUNTS) == expected(
            sql_sums(db_path, YEAR, "bl.id = ?", (line_id,)), LINE_AMOUNTS), code
    assert line_row(tree, scenario.lines["VVV"]).data(DISPLAY) == "Ville Vie Vacances"
    for key, funder_id in scenario.funders.items():
        funder = funder_row(tree, funder_id)
        assert displayed(funder, LINE_AMOUNTS) == expected(
            sql_sums(db_path, YEAR, "bl.funder_id = ?", (funder_id,)), LINE_AMOUNTS), key
    for nature, label in ((FundingNature.COMMON_LAW, "Total droit commun"),
                          (FundingNature.SPECIFIC, "Total crédits spécifiques")):
        assert displayed(row_named(tree, label), LINE_AMOUNTS) == expected(
            sql_sums(db_path, YEAR, "bl.nature = ?", (nature.value,)), LINE_AMOUNTS)
    total = row_named(tree, f"Total {YEAR}")
    assert displayed(total, LINE_AMOUNTS) == expected(sql_sums(db_path, YEAR), LINE_AMOUNTS)
    # The figures the test expects, spelt out once: the sums above are not all zero.
    assert total.siblingAtColumn(lines_columns.COLUMN_GRANTED).data(DISPLAY) == "12\u00a0000\u00a0€"


def test_an_exceeded_envelope_is_red(page: FinanceScreen, scenario: Scenario,
                                     db_path: Path) -> None:
    tree = page.view.lines_tree
    vvv = line_row(tree, scenario.lines["VVV"])
    remaining = vvv.siblingAtColumn(lines_columns.COLUMN_REMAINING)
    assert remaining.data(DISPLAY) == "-500\u00a0€"
    assert remaining.data(Qt.ItemDataRole.ForegroundRole) == ALERT_COLOR
    bop = line_row(tree, scenario.lines["BOP147"])
    assert bop.siblingAtColumn(lines_columns.COLUMN_REMAINING).data(
        Qt.ItemDataRole.ForegroundRole) is None


def test_per_objective_figures_equal_the_sums_of_their_dossiers(
        page: FinanceScreen, scenario: Scenario, db_path: Path) -> None:
    page.view.tabs.setCurrentIndex(OBJECTIVES)
    tree = page.view.objectives_tree
    columns = {objective_columns.COLUMN_REQUESTED: "requested",
               objective_columns.COLUMN_PROPOSED: "proposed",
               objective_columns.COLUMN_GRANTED: "granted",
               objective_columns.COLUMN_COMMITTED: "committed",
               objective_columns.COLUMN_PAID: "paid"}
    d1, d2, d3 = (scenario.dossiers[key] for key in ("D1", "D2", "D3"))
    for code, dossiers in (("P1", (d1, d3)), ("P1.1.1", (d1, d3)), ("P2", (d2,)),
                           ("P2.1.1", (d2,))):
        marks = ", ".join("?" * len(dossiers))
        assert displayed(row_named(tree, code), columns) == expected(
            sql_sums(db_path, YEAR, f"f.dossier_id IN ({marks})", dossiers), columns), code
    assert displayed(row_named(tree, f"Total {YEAR}", 1), columns) == expected(
        sql_sums(db_path, YEAR), columns)
    # One nature only.
    page.view.nature_combo.setCurrentIndex(page.view.nature_combo.findData(
        FundingNature.COMMON_LAW))
    assert displayed(row_named(tree, "P1"), columns) == expected(
        sql_sums(db_path, YEAR, "bl.nature = 'common_law'"), columns)
    assert [index.data(DISPLAY) for index in rows_of(tree)] == ["P1", "P1.1.1", ""]


# --------------------------------------------------------------------------- behind a figure


def test_double_click_on_a_figure_shows_the_dossiers_behind_it(
        qtbot: Any, page: FinanceScreen, scenario: Scenario, db_path: Path) -> None:
    tree = page.view.lines_tree
    bop = line_row(tree, scenario.lines["BOP147"])
    granted = bop.siblingAtColumn(lines_columns.COLUMN_GRANTED)
    with qtbot.waitSignal(page.context.show_dossiers_requested) as signal:
        double_click(qtbot, tree, granted)
    ids, caption = signal.args
    assert ids == sql_dossier_ids(db_path, YEAR, "bl.id = ?", (scenario.lines["BOP147"],))
    assert len(ids) == 3
    assert caption.endswith(f" – {YEAR}, accordé : 6\u00a0000\u00a0€")
    assert "BOP 147" in caption

    region = funder_row(tree, scenario.funders["Region"])
    with qtbot.waitSignal(page.context.show_dossiers_requested) as signal:
        double_click(qtbot, tree, region.siblingAtColumn(lines_columns.COLUMN_PAID))
    assert signal.args[0] == [scenario.dossiers["D1"]]
    assert signal.args[1].startswith("Région Occitanie – 2026, versé")


def test_enter_on_a_nature_total_shows_its_dossiers(qtbot: Any, page: FinanceScreen,
                                                    scenario: Scenario, db_path: Path) -> None:
    tree = page.view.lines_tree
    total = row_named(tree, "Total crédits spécifiques").siblingAtColumn(
        lines_columns.COLUMN_REQUESTED)
    tree.setCurrentIndex(total)
    tree.setFocus()
    with qtbot.waitSignal(page.context.show_dossiers_requested) as signal:
        qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert signal.args[0] == sql_dossier_ids(db_path, YEAR, "bl.nature = 'specific'")
    assert signal.args[1].startswith("Crédits spécifiques – 2026, demandé")


def test_by_objective_double_click_takes_the_whole_priority(
        qtbot: Any, page: FinanceScreen, scenario: Scenario) -> None:
    page.view.tabs.setCurrentIndex(OBJECTIVES)
    tree = page.view.objectives_tree
    p1 = row_named(tree, "P1").siblingAtColumn(objective_columns.COLUMN_REQUESTED)
    with qtbot.waitSignal(page.context.show_dossiers_requested) as signal:
        double_click(qtbot, tree, p1)
    assert signal.args[0] == [scenario.dossiers["D1"], scenario.dossiers["D3"]]


# --------------------------------------------------------------------------- the catalogue


def catalogue_line(page: FinanceScreen, line_id: int, column: int = 0) -> QModelIndex:
    page.view.tabs.setCurrentIndex(CATALOGUE)
    index = page.catalogue_model.line_index(line_id, column)
    assert index.isValid()
    return index


def select_line(qtbot: Any, page: FinanceScreen, line_id: int) -> None:
    index = catalogue_line(page, line_id, 1)
    tree = page.view.catalogue_tree
    tree.scrollTo(index)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=tree.visualRect(index).center())
    assert page.current_line() is not None and page.current_line().id == line_id  # type: ignore[union-attr]


def type_envelope(qtbot: Any, page: FinanceScreen, line_id: int, text: str) -> None:
    """F2 on the line, type the amount, Enter: as the user does."""
    select_line(qtbot, page, line_id)
    tree = page.view.catalogue_tree
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def press(qtbot: Any, window: MainWindow, keys: str) -> None:
    target = window.focusWidget() or window
    sequence = QKeySequence(keys)[0]
    qtbot.keyClick(target, sequence.key(), sequence.keyboardModifiers())


def test_an_envelope_typed_in_place_is_saved_and_ctrl_z_takes_it_back(
        qtbot: Any, active: MainWindow, page: FinanceScreen, scenario: Scenario,
        db_path: Path, read_back: Callable[..., Any]) -> None:
    line_id = scenario.lines["BOP147"]
    type_envelope(qtbot, page, line_id, "25 000,50")
    qtbot.waitUntil(lambda: catalogue_line(page, line_id, COLUMN_ENVELOPE).data(DISPLAY)
                    == "25\u00a0000,50\u00a0€")
    assert stored_line(db_path, read_back, line_id).envelope_amount(YEAR) == Money(2_500_050)
    name = stored_line(db_path, read_back, line_id).name
    assert active.undo_action.text() == (
        f"Annuler la modification de l'enveloppe 2026 de {quoted(name)}")
    # The Financements figures follow.
    page.view.tabs.setCurrentIndex(0)
    bop = line_row(page.view.lines_tree, line_id)
    assert bop.siblingAtColumn(lines_columns.COLUMN_ENVELOPE).data(DISPLAY) == \
        "25\u00a0000,50\u00a0€"

    page.view.lines_tree.setFocus()
    press(qtbot, active, "Ctrl+Z")
    assert stored_line(db_path, read_back, line_id).envelope_amount(YEAR) == Money(2_000_000)
    assert page.view.tabs.currentIndex() == CATALOGUE  # the undo shows where it happened
    assert page.current_line().id == line_id  # type: ignore[union-attr]
    assert catalogue_line(page, line_id, COLUMN_ENVELOPE).data(DISPLAY) == "20\u00a0000\u00a0€"
    press(qtbot, active, "Ctrl+Y")
    assert stored_line(db_path, read_back, line_id).envelope_amount(YEAR) == Money(2_500_050)


def test_a_new_envelope_and_its_removal(qtbot: Any, active: MainWindow, page: FinanceScreen,
                                        db_path: Path, read_back: Callable[..., Any]) -> None:
    line = next(row for row in read_back(budget_line_rows) if row.code == "ADR")
    assert line.envelope_amount(YEAR) is None
    type_envelope(qtbot, page, line.id, "12500")
    qtbot.waitUntil(lambda: catalogue_line(page, line.id, COLUMN_ENVELOPE).data(DISPLAY)
                    == "12\u00a0500\u00a0€")
    assert stored_line(db_path, read_back, line.id).envelope_amount(YEAR) == \
        Money.from_euros(12_500)
    assert "la saisie de l'enveloppe 2026" in active.undo_action.text()
    type_envelope(qtbot, page, line.id, "")
    qtbot.waitUntil(lambda: catalogue_line(page, line.id, COLUMN_ENVELOPE).data(DISPLAY)
                    == "—")
    assert stored_line(db_path, read_back, line.id).envelope_amount(YEAR) is None
    assert "la suppression de l'enveloppe 2026" in active.undo_action.text()


def test_a_wrong_amount_is_explained_and_nothing_is_saved(
        qtbot: Any, page: FinanceScreen, scenario: Scenario, messenger: Any, db_path: Path,
        read_back: Callable[..., Any]) -> None:
    line_id = scenario.lines["PRF"]
    type_envelope(qtbot, page, line_id, "12,345,67")
    qtbot.waitUntil(lambda: bool(messenger.warnings))
    assert "n'est pas un montant" in messenger.warnings[0]
    assert stored_line(db_path, read_back, line_id).envelope_amount(YEAR) == Money(1_000_000)


def test_deleting_a_used_line_is_refused_with_the_reason(
        qtbot: Any, page: FinanceScreen, scenario: Scenario, messenger: Any, db_path: Path,
        read_back: Callable[..., Any]) -> None:
    line_id = scenario.lines["VVV"]
    select_line(qtbot, page, line_id)
    page.view.delete_action.trigger()
    assert messenger.questions == []  # nothing to confirm: the service refuses
    assert len(messenger.warnings) == 1
    assert "ne peut pas être supprimée" in messenger.warnings[0]
    assert "1 financement (2026)" in messenger.warnings[0]
    assert "Désactivez-la" in messenger.warnings[0]
    assert stored_line(db_path, read_back, line_id).name == "Ville Vie Vacances"


def test_deactivate_then_undo(qtbot: Any, active: MainWindow, page: FinanceScreen,
                              scenario: Scenario, db_path: Path,
                              read_back: Callable[..., Any]) -> None:
    line_id = scenario.lines["VVV"]
    select_line(qtbot, page, line_id)
    assert page.view.toggle_action.text() == "Désactiver"
    page.view.toggle_action.trigger()
    assert not stored_line(db_path, read_back, line_id).active
    assert catalogue_line(page, line_id, COLUMN_STATUS).data(DISPLAY) == "Désactivée"
    assert page.view.toggle_action.text() == "Réactiver"
    page.view.catalogue_tree.setFocus()
    press(qtbot, active, "Ctrl+Z")
    assert stored_line(db_path, read_back, line_id).active
    page.view.show_inactive_check.setChecked(False)
    assert catalogue_line(page, line_id).isValid()  # active again: still listed


def fill_dialog(name: str, code: str = "", nature: FundingNature = FundingNature.SPECIFIC,
                funder: str | None = None, attempts: list[BudgetLineDialog] | None = None
                ) -> Callable[..., bool]:
    """A line editor that types into the real dialog and presses « Enregistrer »."""

    def editor(parent: Any, title: str, funders: Sequence[tuple[int, str]],
               initial: BudgetLineInput, save: Saver) -> bool:
        dialog = BudgetLineDialog(title, funders, initial, save, parent)
        if funder is not None:
            dialog.funder_combo.setCurrentIndex(dialog.funder_combo.findText(funder))
        dialog.name_edit.setText(name)
        dialog.code_edit.setText(code)
        dialog.nature_combo.setCurrentIndex(dialog.nature_combo.findData(nature))
        dialog.save_button.click()
        if attempts is not None:
            attempts.append(dialog)
        accepted = dialog.result() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        return accepted

    return editor


def test_add_a_line_with_field_errors_then_undo(
        qtbot: Any, active: MainWindow, page: FinanceScreen, scenario: Scenario,
        db_path: Path, read_back: Callable[..., Any]) -> None:
    select_line(qtbot, page, scenario.lines["BOP147"])  # the new line goes to the same funder
    attempts: list[BudgetLineDialog] = []
    page.line_editor = fill_dialog("ville vie  vacances", attempts=attempts)
    page.view.add_action.trigger()
    refused = attempts[0]
    assert refused.result() != QDialog.DialogCode.Accepted
    assert refused.errors["Intitulé"].text().startswith("Intitulé : « État")
    assert "a déjà une ligne « Ville Vie Vacances »" in refused.errors["Intitulé"].text()
    before = len(read_back(budget_line_rows))

    page.line_editor = fill_dialog("Fonds interministériel de prévention (FIPD)", "FIPD")
    page.view.add_action.trigger()
    lines = read_back(budget_line_rows)
    assert len(lines) == before + 1
    new = next(row for row in lines if row.code == "FIPD")
    assert new.funder_id == scenario.funders["Etat"]
    assert new.nature is FundingNature.SPECIFIC
    assert page.current_line().id == new.id  # type: ignore[union-attr]
    assert active.undo_action.text() == f"Annuler l'ajout de la ligne {quoted(new.name)}"
    page.view.catalogue_tree.setFocus()
    press(qtbot, active, "Ctrl+Z")
    assert len(read_back(budget_line_rows)) == before


def test_an_unused_line_is_deleted_after_confirmation(
        qtbot: Any, page: FinanceScreen, messenger: Any, db_path: Path,
        read_back: Callable[..., Any]) -> None:
    line = next(row for row in read_back(budget_line_rows) if row.code == "ADR")
    select_line(qtbot, page, line.id)
    messenger.answers = [True]
    page.view.delete_action.trigger()
    assert "Supprimer définitivement la ligne « Adultes-relais »" in messenger.questions[0]
    assert all(row.id != line.id for row in read_back(budget_line_rows))


def test_a_read_only_file_shows_but_never_edits(
        make_window: Callable[..., MainWindow], scenario: Scenario, db_path: Path) -> None:
    window = make_window(db_path, read_only=True)
    window.select_section("funding")
    page = window.page("funding")
    assert isinstance(page, FinanceScreen)
    page.set_year(YEAR)
    index = catalogue_line(page, scenario.lines["BOP147"], COLUMN_ENVELOPE)
    assert not index.flags() & Qt.ItemFlag.ItemIsEditable
    page.view.catalogue_tree.setCurrentIndex(index)
    for action in page.view.catalogue_actions:
        assert not action.isEnabled(), action.text()
    assert "lecture seule" in page.view.subtitle_label.text()


def test_models_pass_the_qt_model_tester(qtmodeltester: Any, page: FinanceScreen) -> None:
    page.reload()
    for model in (page.lines_model, page.objectives_model, page.catalogue_model):
        assert model.rowCount() > 0
        qtmodeltester.check(model)


def test_the_page_follows_changes_made_elsewhere(page: FinanceScreen, active: MainWindow,
                                                 scenario: Scenario) -> None:
    line_id = scenario.lines["PRF"]

    def envelope_shown() -> str:
        return line_row(page.view.lines_tree, line_id).siblingAtColumn(
            lines_columns.COLUMN_ENVELOPE).data(DISPLAY)

    page.context.write(lambda session: set_envelope(session, line_id, YEAR, euros(11_000)),
                       {"programmation"})
    assert envelope_shown() == "11\u00a0000\u00a0€"  # on screen: read again at once
    active.select_section("dashboard")
    page.context.write(lambda session: set_envelope(session, line_id, YEAR, euros(12_000)),
                       {"programmation"})
    assert envelope_shown() == "11\u00a0000\u00a0€"  # hidden: not read for nothing
    active.select_section("funding")
    assert envelope_shown() == "12\u00a0000\u00a0€"  # read when shown again
