"""The "Appels à projets" page driven through its widgets on the demo file; checked through
the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QPushButton, QToolButton
from sqlalchemy import select

from qpvdesk.core.domain.enums import CallState
from qpvdesk.core.domain.models import CallForProjects, Dossier
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.calls import call_detail, call_rows, envelope_choices
from qpvdesk.core.services.framework import objective_rows
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.calls.call_editor import CLOSES_ON, ENVELOPES, TITLE
from qpvdesk.ui.calls.calls_screen import CallsScreen
from qpvdesk.ui.calls.calls_view import COLUMN_LATE, call_columns
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.partners.column_model import ALERT_COLOR, ColumnTableModel
from qpvdesk.ui.undo import quoted

THEMATIC = "Appel à projets Quartiers d'été 2026"
CALL_2026 = "Appel à projets contrat de ville 2026"


@pytest.fixture
def demo_path(demo_db: Path) -> Path:
    return demo_db


@pytest.fixture
def context(open_db: Callable[..., Database], demo_path: Path, messenger: Any) -> AppContext:
    return AppContext(open_db(demo_path), messenger)


@pytest.fixture
def screen(qtbot: Any, context: AppContext) -> Iterator[CallsScreen]:
    page = CallsScreen(context)
    qtbot.addWidget(page)
    page.resize(1200, 820)
    page.show()
    qtbot.waitExposed(page)
    yield page


def call_id(context: AppContext, title: str) -> int | None:
    return context.read(lambda s: s.scalar(select(CallForProjects.id)
                                           .where(CallForProjects.title == title)))


def click_row(qtbot: Any, screen: CallsScreen, call: int) -> None:
    table = screen.view.table
    index = screen.model.index_for_id(call, 1)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualRect(index).center())
    assert screen.shown_id() == call


def click_action(qtbot: Any, screen: CallsScreen, action: Any) -> None:
    button = screen.view.toolbar.widgetForAction(action)
    assert isinstance(button, QToolButton)
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_into(qtbot: Any, edit: Any, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    edit.insert(text)  # accents: QTest only types ASCII


def state_button(screen: CallsScreen, text: str) -> QPushButton:
    buttons = {button.text(): button for button in screen.view.editor.state_buttons}
    assert text in buttons, f"{text!r} not in {sorted(buttons)}"
    return buttons[text]


def code_ids(context: AppContext, *codes: str) -> list[int]:
    by_code = {row.code: row.id for row in context.read(objective_rows)}
    return [by_code[code] for code in codes]


# ---------------------------------------------------------------------- model


def test_calls_model_passes_qt_model_tester(qapp: Any, qtmodeltester: Any,
                                            context: AppContext) -> None:
    model: ColumnTableModel[Any] = ColumnTableModel(call_columns())
    model.set_rows(context.read(call_rows))
    qtmodeltester.check(model)
    model.sort(COLUMN_LATE, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)


def test_the_list_shows_the_demo_calls(screen: CallsScreen, context: AppContext) -> None:
    model = screen.model
    assert [model.data(model.index(row, 1)) for row in range(model.rowCount())] == [
        CALL_2026, "Appel à projets contrat de ville 2025"]
    stored = context.read(call_rows)[0]
    assert model.data(model.index(0, 2)) == "15/11/2025"
    assert model.data(model.index(0, 4)) == "Clos"
    assert model.data(model.index(0, 5)) == str(stored.dossiers)
    assert model.data(model.index(0, 6)) == stored.envelopes_total.format()


# ---------------------------------------------------------------------- create and states


def test_create_a_call_with_objectives_and_envelopes_then_open_and_close_it(
        qtbot: Any, screen: CallsScreen, context: AppContext) -> None:
    click_action(qtbot, screen, screen.view.new_action)
    editor = screen.view.editor
    type_into(qtbot, editor.title_edit, THEMATIC)
    editor.year_spin.setValue(2026)
    type_into(qtbot, editor.opens_field.edit, "01/04/2026")
    type_into(qtbot, editor.closes_field.edit, "15/05/2026")
    objectives = code_ids(context, "P1", "P2.1", "P2.1.1")
    for objective in objectives:
        editor.objective_picker.set_checked(objective, True)
    choices = context.read(lambda s: envelope_choices(s, 2026))
    summer = [c.id for c in choices if c.line_name in ("Quartiers d'été", "Ville Vie Vacances")]
    assert len(summer) == 2
    for envelope in summer:
        editor.envelope_picker.set_checked(envelope, True)
    assert editor.objectives_count.text() == "3 cochés"
    total = sum((c.amount for c in choices if c.id in summer), Money.zero())
    assert editor.envelopes_total.text() == f"Total coché : {total.format()}"
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    new_id = call_id(context, THEMATIC)
    assert new_id is not None
    detail = context.read(lambda s: call_detail(s, new_id))
    assert detail.year == 2026
    assert (detail.opens_on, detail.closes_on) == (date(2026, 4, 1), date(2026, 5, 15))
    assert detail.objective_ids == tuple(sorted(objectives))
    assert detail.envelope_ids == tuple(sorted(summer))
    assert detail.state is CallState.DRAFT
    assert screen.shown_id() == new_id == screen.current_id()
    assert not editor.is_dirty()
    assert context.undo_stack.undoText() == f"la création de l'appel {quoted(THEMATIC)}"
    row = screen.model.row_at(screen.view.table.currentIndex())
    assert row.envelopes_total == total

    # Only the allowed next states are offered: a draft can only open.
    assert [b.text() for b in editor.state_buttons] == ["Ouvrir l'appel"]
    qtbot.mouseClick(state_button(screen, "Ouvrir l'appel"), Qt.MouseButton.LeftButton)
    assert context.read(lambda s: call_detail(s, new_id)).state is CallState.OPEN
    assert editor.state_label.text() == "État : <b>Ouvert</b>"
    assert sorted(b.text() for b in editor.state_buttons) == ["Clore l'appel",
                                                               "Repasser en préparation"]
    qtbot.mouseClick(state_button(screen, "Clore l'appel"), Qt.MouseButton.LeftButton)
    assert context.read(lambda s: call_detail(s, new_id)).state is CallState.CLOSED
    assert sorted(b.text() for b in editor.state_buttons) == ["Marquer comme programmé",
                                                               "Rouvrir l'appel"]
    assert screen.model.row_at(screen.view.table.currentIndex()).state_label == "Clos"
    assert context.undo_stack.undoText() == f"le passage de l'appel {quoted(THEMATIC)} à « Clos »"
    context.undo_stack.undo()
    assert context.read(lambda s: call_detail(s, new_id)).state is CallState.OPEN
    assert editor.state_label.text() == "État : <b>Ouvert</b>"


def test_field_messages_and_nothing_saved_until_valid(
        qtbot: Any, screen: CallsScreen, context: AppContext) -> None:
    before = context.read(call_rows)
    click_action(qtbot, screen, screen.view.new_action)
    editor = screen.view.editor
    type_into(qtbot, editor.opens_field.edit, "01/04/2026")
    type_into(qtbot, editor.closes_field.edit, "31/03/2026")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.message_for(TITLE) == "Indiquez l'intitulé de l'appel à projets."
    assert editor.message_for(CLOSES_ON) == ("Elle précède la date d'ouverture "
                                            "(31/03/2026 < 01/04/2026).")
    assert context.read(call_rows) == before

    type_into(qtbot, editor.closes_field.edit, "31/13/2026")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.message_for(CLOSES_ON) == "Le 31/13/2026 n'existe pas au calendrier."
    assert editor.message_for(TITLE) == "Indiquez l'intitulé de l'appel à projets."  # both

    type_into(qtbot, editor.title_edit, THEMATIC)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.message_for(TITLE) == ""
    assert editor.message_for(CLOSES_ON) == "Le 31/13/2026 n'existe pas au calendrier."
    assert context.read(call_rows) == before


def test_changing_the_year_offers_that_years_envelopes(
        qtbot: Any, screen: CallsScreen, context: AppContext) -> None:
    call = call_id(context, CALL_2026)
    click_row(qtbot, screen, call)
    editor = screen.view.editor
    stored = context.read(lambda s: call_detail(s, call)).envelope_ids
    assert editor.envelope_picker.checked_ids() == stored != ()
    editor.year_spin.setValue(2025)
    ids_2025 = {c.id for c in context.read(lambda s: envelope_choices(s, 2025))}
    assert editor.envelope_picker.checked_ids() == ()
    shown = {int(editor.envelope_picker.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole + 1))
             for i in range(editor.envelope_picker.topLevelItemCount())}
    assert shown == ids_2025
    assert "décochées" in editor.message_for(ENVELOPES)
    assert editor.is_dirty()
    editor.revert_button.click()
    assert editor.year_spin.value() == 2026
    assert editor.envelope_picker.checked_ids() == stored


# ---------------------------------------------------------------------- dossiers, delete


def test_deleting_a_call_with_dossiers_is_refused_with_the_reason(
        qtbot: Any, screen: CallsScreen, context: AppContext, messenger: Any) -> None:
    call = call_id(context, CALL_2026)
    click_row(qtbot, screen, call)
    click_action(qtbot, screen, screen.view.delete_action)
    [warning] = messenger.warnings
    count = context.read(lambda s: call_detail(s, call)).dossiers
    assert warning == (f"L'appel à projets « {CALL_2026} » ne peut pas être supprimé : "
                       f"{count} dossiers y sont rattachés.")
    assert call_id(context, CALL_2026) == call
    assert messenger.questions == []  # refused without asking first


def test_deleting_an_empty_call_asks_then_deletes(
        qtbot: Any, screen: CallsScreen, context: AppContext, messenger: Any) -> None:
    click_action(qtbot, screen, screen.view.new_action)
    type_into(qtbot, screen.view.editor.title_edit, THEMATIC)
    qtbot.mouseClick(screen.view.editor.save_button, Qt.MouseButton.LeftButton)
    assert call_id(context, THEMATIC) is not None
    messenger.answers = [True]
    click_action(qtbot, screen, screen.view.delete_action)
    assert "Supprimer l'appel à projets" in messenger.questions[-1]
    assert call_id(context, THEMATIC) is None
    assert screen.model.rowCount() == 2


def test_show_dossiers_and_late_dossiers_flagged(
        qtbot: Any, screen: CallsScreen, context: AppContext) -> None:
    call = call_id(context, CALL_2026)
    records = context.read(lambda s: s.execute(
        select(Dossier.id, Dossier.received_on).where(Dossier.call_id == call)
        .order_by(Dossier.year, Dossier.sequence, Dossier.id)).all())
    ids = [record[0] for record in records]
    closing = date(2026, 1, 31)
    already_late = [record[0] for record in records if record[1] and record[1] > closing]
    on_time = next(record[0] for record in records if record[1] and record[1] <= closing)

    def receive_late(session: Any) -> None:  # a dossier that came in after the closing date
        session.get(Dossier, on_time).received_on = date(2026, 2, 3)

    context.write(receive_late, {"programmation"})
    late = sorted([*already_late, on_time], key=ids.index)
    click_row(qtbot, screen, call)
    row = screen.model.row_at(screen.view.table.currentIndex())
    assert row.late_dossiers == len(late)
    late_cell = screen.model.index(screen.view.table.currentIndex().row(), COLUMN_LATE)
    assert screen.model.data(late_cell) == str(len(late))
    assert screen.model.data(late_cell, Qt.ItemDataRole.ForegroundRole).color() == ALERT_COLOR
    editor = screen.view.editor
    assert editor.late_label.isVisible()
    expected = ("1 dossier reçu après la clôture du 31/01/2026 : il est signalé, pas refusé."
                if len(late) == 1 else
                f"{len(late)} dossiers reçus après la clôture du 31/01/2026 : ils sont signalés, "
                "pas refusés.")
    assert editor.late_label.text() == expected

    with qtbot.waitSignal(context.show_dossiers_requested, timeout=1000) as signal:
        click_action(qtbot, screen, screen.view.show_dossiers_action)
    assert signal.args == [ids, f"Dossiers de l'appel « {CALL_2026} »"]
    with qtbot.waitSignal(context.show_dossiers_requested, timeout=1000) as signal:
        qtbot.mouseClick(editor.show_late_button, Qt.MouseButton.LeftButton)
    assert signal.args[0] == late
    assert "après la clôture" in signal.args[1]


# ---------------------------------------------------------------------- undo in the window


def test_ctrl_z_after_a_save_undoes_it(qtbot: Any, make_window: Callable[..., MainWindow],
                                       demo_path: Path) -> None:
    window = make_window(demo_path)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.select_section("calls")
    screen = window.page("calls")
    assert isinstance(screen, CallsScreen)
    context = window.context
    call = call_id(context, CALL_2026)
    click_row(qtbot, screen, call)
    editor = screen.view.editor
    before = context.read(lambda s: call_detail(s, call)).description
    editor.description_edit.selectAll()
    qtbot.keyClicks(editor.description_edit, "Actions prioritaires en juillet.")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert context.read(lambda s: call_detail(s, call)).description == (
        "Actions prioritaires en juillet.")
    assert window.undo_action.text() == f"Annuler la modification de l'appel {quoted(CALL_2026)}"

    screen.view.table.setFocus()
    sequence = QKeySequence("Ctrl+Z")[0]
    qtbot.keyClick(window.focusWidget(), sequence.key(), sequence.keyboardModifiers())
    assert context.read(lambda s: call_detail(s, call)).description == before
    assert editor.description_edit.toPlainText() == (before or "")
    assert screen.shown_id() == call
