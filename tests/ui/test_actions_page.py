"""The "Actions" page driven through its widgets on the demo file; checked through the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QBrush, QIcon, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog
from sqlalchemy import select

from qpvdesk.core.domain.enums import ActionKind, ActionState, FundingNature
from qpvdesk.core.domain.models import Action, BudgetLine, Dossier, Organisation
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.actions import (
    ActionInput,
    action_detail,
    action_rows,
    coverage,
    create_action,
    note_rows,
)
from qpvdesk.core.services.funding import common_law_rows
from qpvdesk.core.services.indicators import PRESETS, indicator_rows
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.actions.action_detail_view import TAB_INDICATORS, TAB_MONEY
from qpvdesk.ui.actions.action_models import COLUMN_COMMON_LAW, ActionTableModel
from qpvdesk.ui.actions.actions_screen import ALL_YEARS, ActionsScreen
from qpvdesk.ui.actions.actions_view import TAB_COVERAGE
from qpvdesk.ui.actions.coverage_model import (
    ID_ROLE,
    KIND_ROLE,
    UNCOVERED_ROLE,
    CoverageTreeModel,
    NodeKind,
    counts,
)
from qpvdesk.ui.actions.dialogs import (
    CommonLawAmountDialog,
    IndicatorDialog,
    NewCommonLawDialog,
    NoteDialog,
    ValuesDialog,
)
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.partners.column_model import ALERT_COLOR

YEAR = 2026
NEW_TITLE = "Permanences de la CAF au centre social"


@pytest.fixture
def demo_path(demo_db: Path) -> Path:
    return demo_db


@pytest.fixture
def context(open_db: Callable[..., Database], demo_path: Path, messenger: Any) -> AppContext:
    return AppContext(open_db(demo_path), messenger)


@pytest.fixture
def screen(qtbot: Any, context: AppContext) -> Iterator[ActionsScreen]:
    page = ActionsScreen(context)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    qtbot.waitExposed(page)
    page.view.year_combo.setCurrentIndex(page.view.year_combo.findData(YEAR))
    yield page


# ---------------------------------------------------------------------- helpers


def type_text(qtbot: Any, edit: Any, text: str) -> None:
    """Key presses for *text*; QTest only knows ASCII, so accented letters go as key events."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(edit, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(edit, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                       char))


def type_into(qtbot: Any, edit: Any, text: str) -> None:
    """Replace the field's text as a user would (select all, erase, type)."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    type_text(qtbot, edit, text)


def answer_dialog(qtbot: Any, fill: Callable[[Any], None]) -> Callable[[QDialog], bool]:
    """A dialog runner for the screen: show it (not modal), fill it as a user would, press OK."""

    def run(dialog: QDialog) -> bool:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        fill(dialog)
        dialog.ok_button.click()  # type: ignore[attr-defined]
        return dialog.result() == QDialog.DialogCode.Accepted

    return run


def double_click(qtbot: Any, view: Any, index: QModelIndex) -> None:
    """A real double-click: press and release, then the double-click event."""
    view.scrollTo(index)
    position = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=position)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=position)


def action_named(context: AppContext, title: str) -> int:
    found = context.read(lambda s: s.scalar(select(Action.id).where(Action.title == title)))
    assert found is not None, title
    return int(found)


def organisation_named(context: AppContext, start: str) -> tuple[int, str]:
    row = context.read(lambda s: s.execute(
        select(Organisation.id, Organisation.name, Organisation.acronym)
        .where(Organisation.name.startswith(start))).first())
    assert row is not None, start
    return int(row[0]), f"{row[1]} ({row[2]})" if row[2] else row[1]


def click_row(qtbot: Any, screen: ActionsScreen, action_id: int) -> None:
    screen.select(action_id)
    table = screen.view.table
    index = screen.model.index_for_id(action_id, 0)
    assert index.isValid()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualRect(index).center())
    assert screen.shown_id() == action_id


def objective_without_action(context: AppContext, year: int) -> tuple[int, str]:
    rows = context.read(lambda s: coverage(s, year))
    row = next(r for r in rows if r.without_action)
    assert row.objective_id is not None
    return row.objective_id, row.objective_code


def fresh_action(context: AppContext, title: str = "Action de test sans indicateur") -> int:
    """An action of the call without dossier, created through the services."""
    objective = context.read(lambda s: next(
        r.objective_id for r in coverage(s, YEAR) if r.objective_id is not None))
    return context.write(lambda s: create_action(s, ActionInput(
        title=title, objective_id=objective, start_year=YEAR)), {"programmation"})


# ---------------------------------------------------------------------- models


def test_action_model_passes_qt_model_tester(qapp: Any, qtmodeltester: Any,
                                             context: AppContext) -> None:
    model = ActionTableModel()
    model.set_rows(context.read(action_rows))
    qtmodeltester.check(model)
    model.set_year(YEAR)
    assert model.headerData(COLUMN_COMMON_LAW, Qt.Orientation.Horizontal) == \
        f"Droit commun {YEAR}"
    model.sort(COLUMN_COMMON_LAW, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)
    first = model.row_at(model.index(0, 0))
    assert first is not None
    assert all(first.year(YEAR).common_law.committed >= row.year(YEAR).common_law.committed
               for row in model.rows())


def test_coverage_model_passes_qt_model_tester(qapp: Any, qtmodeltester: Any,
                                               context: AppContext) -> None:
    model = CoverageTreeModel()
    model.set_rows(context.read(lambda s: coverage(s, YEAR)))
    qtmodeltester.check(model)
    model.set_rows(context.read(lambda s: coverage(s, YEAR)), only_uncovered=True)
    qtmodeltester.check(model)


# ---------------------------------------------------------------------- the list


def test_list_shows_every_action_of_the_year_with_its_money(
        screen: ActionsScreen, context: AppContext) -> None:
    expected = context.read(lambda s: action_rows(s, year=YEAR))
    assert screen.model.rowCount() == len(expected)
    common_law = next(r for r in expected if r.kind is ActionKind.COMMON_LAW
                      and r.year(YEAR).common_law.committed)
    index = screen.model.index_for_id(common_law.id, COLUMN_COMMON_LAW)
    assert screen.model.data(index) == common_law.year(YEAR).common_law.committed.format()
    # Every year: every action.
    screen.view.year_combo.setCurrentIndex(screen.view.year_combo.findData(ALL_YEARS))
    assert screen.model.rowCount() == len(context.read(action_rows))


def test_filters_by_kind_state_priority_and_text(screen: ActionsScreen,
                                                context: AppContext) -> None:
    rows = context.read(lambda s: action_rows(s, year=YEAR))
    view = screen.view
    view.kind_combo.setCurrentIndex(view.kind_combo.findData(ActionKind.COMMON_LAW.value))
    assert {r.id for r in screen.model.rows()} == \
        {r.id for r in rows if r.kind is ActionKind.COMMON_LAW}
    view.kind_combo.setCurrentIndex(0)
    view.state_combo.setCurrentIndex(view.state_combo.findData(ActionState.RUNNING.value))
    assert {r.id for r in screen.model.rows()} == \
        {r.id for r in rows if r.state is ActionState.RUNNING}
    view.state_combo.setCurrentIndex(0)
    view.priority_combo.setCurrentIndex(view.priority_combo.findData("P2"))
    assert screen.model.rows()
    assert all((r.objective_code or "").startswith("P2.") for r in screen.model.rows())
    view.priority_combo.setCurrentIndex(0)
    target = rows[0]
    # Accents and case do not matter.
    view.search_edit.setText(target.title.upper().replace("E", "É", 1))
    assert target.id in {r.id for r in screen.model.rows()}
    assert "sur" in view.count_label.text() or screen.model.rowCount() == len(rows)


# ---------------------------------------------------------------------- droit commun


def test_new_common_law_action_with_its_amount(qtbot: Any, screen: ActionsScreen,
                                               context: AppContext, messenger: Any) -> None:
    partner_id, partner_text = organisation_named(context, "CAF de l")
    objective_id, code = objective_without_action(context, YEAR)
    line = context.read(lambda s: s.execute(
        select(BudgetLine.id, BudgetLine.name)
        .where(BudgetLine.funder_id == partner_id,
               BudgetLine.nature == FundingNature.COMMON_LAW)).first())
    refused: list[str] = []

    def fill(dialog: NewCommonLawDialog) -> None:
        assert isinstance(dialog, NewCommonLawDialog)
        dialog.ok_button.click()  # nothing typed: refused, each problem beside its field
        refused.append(dialog.message_for("title"))
        refused.append(dialog.message_for("holder_id"))
        assert dialog.result() != QDialog.DialogCode.Accepted
        type_into(qtbot, dialog.title_edit, NEW_TITLE)
        dialog.holder_combo.pick_text(partner_text)
        dialog.objective_combo.set_current_id(objective_id)
        if line is not None:
            dialog.line_combo.setCurrentIndex(dialog.line_combo.findData(line[0]))
        type_into(qtbot, dialog.amount_edit, "12 500,50")
        dialog.end_spin.setValue(2027)

    screen.run_dialog = answer_dialog(qtbot, fill)
    screen.view.new_common_law_action.trigger()

    assert "Partenaire" in refused[1]
    action_id = action_named(context, NEW_TITLE)
    [row] = context.read(lambda s: action_rows(s, action_ids=[action_id]))
    assert row.kind is ActionKind.COMMON_LAW
    assert row.holder_id == partner_id
    assert (row.start_year, row.end_year) == (YEAR, 2027)
    assert row.objective_code == code
    assert row.year(YEAR).common_law.granted == Money(1_250_050)
    assert row.year(YEAR).specific.committed == Money.zero()
    [funding] = context.read(lambda s: common_law_rows(s, action_id))
    assert funding.granted == Money(1_250_050) and funding.year == YEAR
    # The new action is selected and its money shows.
    assert screen.shown_id() == action_id
    index = screen.model.index_for_id(action_id, COLUMN_COMMON_LAW)
    assert screen.model.data(index) == "12\u00a0500,50\u00a0€"
    # Its objective is covered now.
    rows = context.read(lambda s: coverage(s, YEAR))
    assert not next(r for r in rows if r.objective_id == objective_id).without_action

    # A second year's amount through the « Montant de droit commun… » dialog.
    screen.view.detail.tabs.setCurrentIndex(TAB_MONEY)
    money = screen.view.detail.money
    assert money.common_law_button.isEnabled()
    money.funding_table.clearSelection()
    money.funding_table.setCurrentIndex(QModelIndex())

    def second(dialog: CommonLawAmountDialog) -> None:
        dialog.year_spin.setValue(2027)
        type_into(qtbot, dialog.amount_edit, "8000")

    screen.run_dialog = answer_dialog(qtbot, second)
    money.common_law_button.click()
    [row] = context.read(lambda s: action_rows(s, action_ids=[action_id]))
    assert row.year(2027).common_law.granted == Money(800_000)
    assert money.funding_model.rowCount() == 2

    # And away again.
    messenger.answers = [True]
    funding_row = next(f for f in money.funding_model.rows() if f.year == 2027)
    money.funding_table.setCurrentIndex(money.funding_model.index_for_id(funding_row.id))
    money.remove_common_law_button.click()
    [row] = context.read(lambda s: action_rows(s, action_ids=[action_id]))
    assert row.year(2027).common_law.granted == Money.zero()


def test_action_with_dossiers_keeps_its_money_in_them(qtbot: Any, screen: ActionsScreen,
                                                      context: AppContext) -> None:
    action_id = context.read(lambda s: s.scalar(
        select(Dossier.action_id).where(Dossier.year == YEAR).order_by(Dossier.id)))
    click_row(qtbot, screen, action_id)
    money = screen.view.detail.money
    assert money.dossiers_model.rowCount() >= 1
    assert not money.common_law_button.isVisible() or not money.common_law_button.isEnabled()
    money.dossiers_table.setCurrentIndex(money.dossiers_model.index(0, 0))
    dossier = money.dossiers_model.row_at(money.dossiers_model.index(0, 0))
    assert dossier is not None
    with qtbot.waitSignal(screen._context.open_dossier_requested) as blocker:
        money.open_dossier_button.click()
    assert blocker.args == [dossier.id]
    with qtbot.waitSignal(screen._context.show_dossiers_requested) as shown:
        money.show_dossiers_button.click()
    assert dossier.id in shown.args[0]


# ---------------------------------------------------------------------- indicators


def test_preset_indicators_and_values_of_a_year(qtbot: Any, screen: ActionsScreen,
                                                context: AppContext, messenger: Any) -> None:
    action_id = fresh_action(context)
    click_row(qtbot, screen, action_id)
    detail = screen.view.detail
    detail.tabs.setCurrentIndex(TAB_INDICATORS)
    panel = detail.indicators
    assert panel.model.rowCount() == 0
    panel.presets_button.click()
    rows = context.read(lambda s: indicator_rows(s, action_id=action_id))
    assert [r.name for r in rows] == [p.name for p in PRESETS]
    assert panel.model.rowCount() == len(PRESETS)
    assert detail.tabs.tabText(TAB_INDICATORS) == f"Indicateurs ({len(PRESETS)})"
    # Again: nothing to add, said so.
    panel.presets_button.click()
    assert messenger.infos and "déjà" in messenger.infos[-1]

    beneficiaries = next(r for r in rows if r.name == PRESETS[0].name)
    panel.table.setCurrentIndex(panel.model.index_for_id(beneficiaries.id))
    assert panel.values_model.rowCount() == 7  # 2024 to 2030
    panel.values_table.setCurrentIndex(panel.values_model.index_for_id(YEAR))
    seen: list[str] = []

    def fill(dialog: ValuesDialog) -> None:
        assert dialog.year_spin.value() == YEAR
        type_into(qtbot, dialog.planned_edit, "1 200")
        type_into(qtbot, dialog.achieved_edit, "douze")
        dialog.ok_button.click()  # refused beside the field
        seen.append(dialog.message_for("achieved"))
        type_into(qtbot, dialog.achieved_edit, "1 150,5")
        type_into(qtbot, dialog.achieved_source_edit, "Feuilles d'émargement")

    screen.run_dialog = answer_dialog(qtbot, fill)
    panel.values_button.click()
    assert "n'est pas un nombre" in seen[0]
    [row] = context.read(lambda s: indicator_rows(s, indicator_ids=[beneficiaries.id]))
    value = row.value(YEAR)
    assert value.planned == Decimal(1200)
    assert value.achieved == Decimal("1150.5")
    assert value.achieved_source == "Feuilles d'émargement"
    assert value.rate == Decimal("95.9")
    line = panel.values_model.index_for_id(YEAR, 3)
    assert panel.values_model.data(line) == "1\u00a0150,5"
    assert panel.values_model.data(panel.values_model.index_for_id(YEAR, 5)) == "95,9\u00a0%"


def test_custom_indicator_created_edited_deleted(qtbot: Any, screen: ActionsScreen,
                                                 context: AppContext, messenger: Any) -> None:
    action_id = fresh_action(context, "Action aux indicateurs propres")
    click_row(qtbot, screen, action_id)
    panel = screen.view.detail.indicators

    def fill(dialog: IndicatorDialog) -> None:
        type_into(qtbot, dialog.name_edit, "Familles accompagnées")
        type_into(qtbot, dialog.unit_edit, "familles")
        type_into(qtbot, dialog.baseline_edit, "12")
        type_into(qtbot, dialog.target_edit, "1 234,5")

    screen.run_dialog = answer_dialog(qtbot, fill)
    panel.new_button.click()
    [row] = context.read(lambda s: indicator_rows(s, action_id=action_id))
    assert (row.name, row.unit, row.baseline, row.target) == \
        ("Familles accompagnées", "familles", Decimal(12), Decimal("1234.5"))

    panel.table.setCurrentIndex(panel.model.index_for_id(row.id))

    def rename(dialog: IndicatorDialog) -> None:
        assert dialog.target_edit.text() == "1\u00a0234,5"
        type_into(qtbot, dialog.name_edit, "Familles suivies")

    screen.run_dialog = answer_dialog(qtbot, rename)
    panel.edit_button.click()
    [row] = context.read(lambda s: indicator_rows(s, action_id=action_id))
    assert row.name == "Familles suivies"

    messenger.answers = [True]
    panel.table.setCurrentIndex(panel.model.index_for_id(row.id))
    panel.delete_button.click()
    assert context.read(lambda s: indicator_rows(s, action_id=action_id)) == []


# ---------------------------------------------------------------------- notes and the form


def test_progress_notes_added_edited_deleted(qtbot: Any, screen: ActionsScreen,
                                            context: AppContext, messenger: Any) -> None:
    action_id = fresh_action(context, "Action suivie de près")
    click_row(qtbot, screen, action_id)
    notes = screen.view.detail.notes

    def fill(dialog: NoteDialog) -> None:
        type_into(qtbot, dialog.date_field.edit, "31/02/2026")
        dialog.ok_button.click()
        assert "n'existe pas" in dialog.message_for("written_on")
        type_into(qtbot, dialog.date_field.edit, "15/03/2026")
        type_into(qtbot, dialog.text_edit, "Premier atelier : 14 familles présentes.")

    screen.run_dialog = answer_dialog(qtbot, fill)
    notes.add_button.click()
    [note] = context.read(lambda s: note_rows(s, action_id))
    assert note.written_on == date(2026, 3, 15)
    assert note.text == "Premier atelier : 14 familles présentes."
    notes.table.setCurrentIndex(notes.model.index_for_id(note.id))
    assert notes.text_view.toPlainText() == note.text

    def edit(dialog: NoteDialog) -> None:
        type_into(qtbot, dialog.text_edit, "Premier atelier : 16 familles présentes.")

    screen.run_dialog = answer_dialog(qtbot, edit)
    notes.edit_button.click()
    [note] = context.read(lambda s: note_rows(s, action_id))
    assert "16 familles" in note.text

    messenger.answers = [True]
    notes.table.setCurrentIndex(notes.model.index_for_id(note.id))
    notes.delete_button.click()
    assert context.read(lambda s: note_rows(s, action_id)) == []


def test_form_saves_and_shows_refusals_beside_fields(qtbot: Any, screen: ActionsScreen,
                                                     context: AppContext) -> None:
    action_id = fresh_action(context, "Action à compléter")
    click_row(qtbot, screen, action_id)
    editor = screen.view.detail.editor
    type_into(qtbot, editor.place_edit, "Place des Tilleuls")
    type_into(qtbot, editor.public_edit, "Familles du quartier")
    editor.state_combo.setCurrentIndex(editor.state_combo.findData(ActionState.RUNNING.value))
    themes = context.read(lambda s: action_detail(s, action_id)).row.theme_ids
    assert themes == ()
    theme_id = screen._choices.themes[0].id  # type: ignore[union-attr]
    editor.set_theme_checked(theme_id, True)
    editor.end_spin.setValue(YEAR - 1)  # before its first year: refused
    assert editor.is_dirty()
    editor.save_button.click()
    assert "précède la première" in editor.message_for("end_year")
    editor.end_spin.setValue(2028)
    editor.save_button.click()
    assert not editor.is_dirty()
    detail = context.read(lambda s: action_detail(s, action_id))
    assert detail.row.place == "Place des Tilleuls"
    assert detail.row.public == "Familles du quartier"
    assert detail.row.state is ActionState.RUNNING
    assert detail.row.end_year == 2028
    assert detail.row.theme_ids == (theme_id,)


# ---------------------------------------------------------------------- coverage


def test_coverage_flags_an_objective_without_action(qtbot: Any, screen: ActionsScreen,
                                                    context: AppContext) -> None:
    rows = context.read(lambda s: coverage(s, YEAR))
    figures = counts(rows)
    assert figures.uncovered > 0
    screen.view.tabs.setCurrentIndex(TAB_COVERAGE)
    screen.view.coverage_year_combo.setCurrentIndex(
        screen.view.coverage_year_combo.findData(YEAR))
    model = screen.coverage_model
    flagged = model.uncovered_indexes()
    assert len(flagged) == figures.uncovered
    index = flagged[0]
    objective_id = model.data(index, ID_ROLE)
    expected = next(r for r in rows if r.objective_id == objective_id)
    assert expected.without_action
    # Visible three ways: the marker role, red text on a pale red line, a warning icon.
    assert model.data(index, UNCOVERED_ROLE) is True
    assert model.data(index, KIND_ROLE) is NodeKind.OBJECTIVE
    foreground = model.data(index, Qt.ItemDataRole.ForegroundRole)
    assert isinstance(foreground, QBrush) and foreground.color() == ALERT_COLOR
    assert isinstance(model.data(index, Qt.ItemDataRole.BackgroundRole), QBrush)
    icon = model.data(index, Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QIcon) and not icon.isNull()
    assert model.data(index.siblingAtColumn(1)) == "Aucune action"
    # A covered objective is not flagged.
    covered = next(r for r in rows if r.objective_id is not None and r.actions)
    covered_index = model.objective_index(covered.objective_id)  # type: ignore[arg-type]
    assert model.data(covered_index, UNCOVERED_ROLE) is False
    assert model.data(covered_index, Qt.ItemDataRole.DecorationRole) is None
    # The count at the top.
    banner = screen.view.banner.text_label.text()
    assert f"{figures.uncovered} objectifs opérationnels sur {figures.objectives}" in banner
    # Only the uncovered ones.
    screen.view.uncovered_only_box.setChecked(True)
    assert len(model.uncovered_indexes()) == figures.uncovered
    objectives = []
    stack = [model.index(i, 0) for i in range(model.rowCount())]
    while stack:
        item = stack.pop()
        if model.data(item, KIND_ROLE) is NodeKind.OBJECTIVE:
            objectives.append(item)
        stack.extend(model.index(i, 0, item) for i in range(model.rowCount(item)))
    assert len(objectives) == figures.uncovered


def test_double_click_on_an_uncovered_objective_creates_its_action(
        qtbot: Any, screen: ActionsScreen, context: AppContext) -> None:
    screen.view.tabs.setCurrentIndex(TAB_COVERAGE)
    screen.view.coverage_year_combo.setCurrentIndex(
        screen.view.coverage_year_combo.findData(YEAR))
    model = screen.coverage_model
    index = model.uncovered_indexes()[0]
    objective_id = model.data(index, ID_ROLE)
    tree = screen.view.coverage_tree
    double_click(qtbot, tree, index)
    editor = screen.view.detail.editor
    assert screen.view.tabs.currentIndex() == 0
    assert editor.objective_combo.current_id() == objective_id
    type_into(qtbot, editor.title_edit, "Action nouvelle pour un objectif oublié")
    editor.save_button.click()
    action_id = action_named(context, "Action nouvelle pour un objectif oublié")
    assert screen.shown_id() == action_id
    screen.view.tabs.setCurrentIndex(TAB_COVERAGE)
    index = model.objective_index(objective_id)
    assert model.data(index, UNCOVERED_ROLE) is False
    # Double-clicking the action line brings it back in the list.
    action_index = model.index(0, 0, index)
    assert model.data(action_index, ID_ROLE) == action_id
    double_click(qtbot, tree, action_index)
    assert screen.view.tabs.currentIndex() == 0
    assert screen.current_id() == action_id


# ---------------------------------------------------------------------- undo


def test_ctrl_z_undoes_a_saved_action(qtbot: Any, make_window: Callable[..., MainWindow],
                                      demo_path: Path, messenger: Any) -> None:
    window = make_window(demo_path)
    window.select_section("actions")
    screen = window.page("actions")
    assert isinstance(screen, ActionsScreen)
    context = window.context
    objective = context.read(lambda s: next(
        r.objective_id for r in coverage(s, YEAR) if r.objective_id is not None))
    action_id = context.write(lambda s: create_action(s, ActionInput(
        title="Action à annuler", objective_id=objective, start_year=YEAR)),
        {"programmation"})
    click_row(qtbot, screen, action_id)
    editor = screen.view.detail.editor
    type_into(qtbot, editor.title_edit, "Action renommée")
    editor.save_button.click()
    assert context.read(lambda s: action_detail(s, action_id)).title == "Action renommée"
    # Back in the list (in the title, Ctrl+Z would undo the typing, as in any text field).
    screen.view.table.setFocus()
    assert window.undo_action.text() == "Annuler la modification de l'action « Action renommée »"

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    sequence = QKeySequence("Ctrl+Z")[0]
    qtbot.keyClick(window.focusWidget() or window, sequence.key(), sequence.keyboardModifiers())
    assert context.read(lambda s: action_detail(s, action_id)).title == "Action à annuler"
    assert editor.title_edit.text() == "Action à annuler"
    assert screen.current_id() == action_id

    # A droit commun amount, undone the same way.
    line_id = context.read(lambda s: s.scalar(select(BudgetLine.id).where(
        BudgetLine.nature == FundingNature.COMMON_LAW, BudgetLine.active.is_(True))))

    def fill(dialog: CommonLawAmountDialog) -> None:
        dialog.line_combo.setCurrentIndex(dialog.line_combo.findData(line_id))
        type_into(qtbot, dialog.amount_edit, "3 000")

    screen.run_dialog = answer_dialog(qtbot, fill)
    screen.view.detail.money.common_law_button.click()
    assert context.read(lambda s: common_law_rows(s, action_id))
    qtbot.keyClick(window.focusWidget() or window, sequence.key(), sequence.keyboardModifiers())
    assert context.read(lambda s: common_law_rows(s, action_id)) == []
    assert not messenger.warnings


def test_read_only_file_offers_no_change(qtbot: Any, open_db: Callable[..., Database],
                                         demo_path: Path, messenger: Any) -> None:
    context = AppContext(open_db(demo_path, read_only=True), messenger)
    page = ActionsScreen(context)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    assert not page.view.new_action.isEnabled()
    assert not page.view.new_common_law_action.isEnabled()
    page.view.table.setCurrentIndex(page.model.index(0, 0))
    assert not page.view.detail.editor.save_button.isVisible()
    assert not page.view.detail.indicators.presets_button.isEnabled()
    assert "lecture seule" in page.view.subtitle_label.text()


# ---------------------------------------------------------------------- the fiche action


def test_fiche_action_pdf_is_written_off_the_gui_thread(
        qtbot: Any, screen: ActionsScreen, context: AppContext, messenger: Any,
        tmp_path: Path) -> None:
    from pypdf import PdfReader

    action_id = context.read(lambda s: s.scalar(
        select(Dossier.action_id).where(Dossier.year == YEAR).order_by(Dossier.id)))
    click_row(qtbot, screen, action_id)
    target = tmp_path / "fiche.pdf"
    asked: list[Path] = []

    def ask(_parent: Any, _title: str, suggested: Path) -> Path:
        asked.append(suggested)
        return target

    screen.pdf.ask_path = ask
    assert screen.view.sheet_action.isEnabled()
    screen.view.sheet_action.trigger()
    qtbot.waitUntil(lambda: not screen.pdf.busy, timeout=60_000)
    assert asked[0].name.startswith("Fiche action - ")
    assert messenger.infos and str(target) in messenger.infos[-1]
    text = "".join(page.extract_text() for page in PdfReader(target).pages)
    title = context.read(lambda s: action_detail(s, action_id)).title
    assert title.split()[0] in text
    assert screen.view.sheet_action.isEnabled()
