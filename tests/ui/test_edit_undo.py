"""Ctrl+Z / Ctrl+Y on the "Cadre stratégique" page: the file is read back through the services."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from framework_helpers import Rows, by_code, click_action, click_node
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QWidget

from qpvdesk.core.domain.enums import ObjectiveLevel
from qpvdesk.core.services.framework import ObjectiveRow, add_objective, update_objective
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.framework.framework_screen import FrameworkScreen
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.topics import EVERYTHING, topics_for_tables
from qpvdesk.ui.undo import RecordedChange, quoted

NEW_TITLE = "Soutenir les juniors associations"


def press(qtbot: Any, window: MainWindow, keys: str) -> None:
    """A key sequence typed where the focus is (the tree unless a test moved it)."""
    target = window.focusWidget() or window
    sequence = QKeySequence(keys)[0]
    qtbot.keyClick(target, sequence.key(), sequence.keyboardModifiers())


def ctrl_z(qtbot: Any, window: MainWindow) -> None:
    press(qtbot, window, "Ctrl+Z")


def ctrl_y(qtbot: Any, window: MainWindow) -> None:
    press(qtbot, window, "Ctrl+Y")


def add_child(qtbot: Any, screen: FrameworkScreen, messenger: Any, parent_code: str,
              title: str = NEW_TITLE) -> None:
    click_node(qtbot, screen, parent_code)
    messenger.answers = [title]
    click_action(qtbot, screen, screen.view.add_child_action)
    screen.view.tree.setFocus()


def titled(rows: list[ObjectiveRow], title: str) -> list[ObjectiveRow]:
    return [row for row in rows if row.title == title]


@pytest.fixture
def active(window: MainWindow, qtbot: Any) -> MainWindow:
    """The window, active, so that its shortcuts (Ctrl+Z…) answer the keyboard."""
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    return window


# ---------------------------------------------------------------------- add, undo, redo


def test_ctrl_z_removes_an_added_objective_and_ctrl_y_brings_it_back(
        qtbot: Any, active: MainWindow, screen: FrameworkScreen, messenger: Any,
        stored: Rows) -> None:
    before = stored()
    add_child(qtbot, screen, messenger, "P1.1")
    [added] = titled(stored(), NEW_TITLE)
    assert added.level is ObjectiveLevel.OPERATIONAL
    assert screen.current_id() == added.id

    ctrl_z(qtbot, active)
    assert stored() == before
    assert screen.model.row(added.id) is None
    assert screen.current_row() == by_code(screen, "P1.1")  # where the user was
    assert screen.view.detail.code_label.text() == "P1.1"

    ctrl_y(qtbot, active)
    [again] = titled(stored(), NEW_TITLE)
    assert again == added  # same id, same code, same place
    assert screen.current_id() == added.id
    assert screen.view.detail.title_edit.toPlainText() == NEW_TITLE
    assert messenger.warnings == []


def test_ctrl_shift_z_redoes_too(qtbot: Any, active: MainWindow, screen: FrameworkScreen,
                                 messenger: Any, stored: Rows) -> None:
    add_child(qtbot, screen, messenger, "P2.1")
    after = stored()
    ctrl_z(qtbot, active)
    assert not titled(stored(), NEW_TITLE)
    press(qtbot, active, "Ctrl+Shift+Z")
    assert stored() == after


def test_undo_then_a_new_action_drops_the_redo(qtbot: Any, active: MainWindow,
                                              screen: FrameworkScreen, messenger: Any,
                                              stored: Rows) -> None:
    add_child(qtbot, screen, messenger, "P1.1")
    ctrl_z(qtbot, active)
    add_child(qtbot, screen, messenger, "P1.2", "Autre piste")
    stack = active.context.undo_stack
    assert stack.count() == 1
    assert not active.redo_action.isEnabled()
    ctrl_y(qtbot, active)  # nothing to redo: nothing happens
    assert not titled(stored(), NEW_TITLE)
    assert len(titled(stored(), "Autre piste")) == 1


# ---------------------------------------------------------------------- moves, save, delete


def test_undo_of_a_move_under_restores_every_code(qtbot: Any, active: MainWindow,
                                                  screen: FrameworkScreen,
                                                  stored: Rows) -> None:
    before = stored()
    row = click_node(qtbot, screen, "P1.1.2")
    target = by_code(screen, "P1.2")
    screen._choose_parent = lambda _parent, _moving, _candidates: target.id
    click_action(qtbot, screen, screen.view.move_under_action)
    moved = stored()
    assert next(r for r in moved if r.id == row.id).code.startswith("P1.2.")
    assert "le déplacement de P1.1.2 sous P1.2" in active.undo_action.text()

    screen.view.tree.setFocus()
    ctrl_z(qtbot, active)
    assert stored() == before  # codes, positions and parents of the subtree and siblings
    assert screen.current_id() == row.id
    assert screen.view.detail.code_label.text() == "P1.1.2"

    ctrl_y(qtbot, active)
    assert stored() == moved
    assert screen.current_id() == row.id


def test_undo_of_a_move_up_restores_the_order(qtbot: Any, active: MainWindow,
                                              screen: FrameworkScreen, stored: Rows) -> None:
    before = stored()
    row = click_node(qtbot, screen, "P1.1.2")
    screen.view.tree.setFocus()
    qtbot.keyClick(screen.view.tree, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert stored() != before
    assert active.undo_action.text() == "Annuler le déplacement de P1.1.2 vers le haut"
    ctrl_z(qtbot, active)
    assert stored() == before
    assert screen.current_id() == row.id
    assert screen.view.move_up_action.isEnabled()  # second again


def test_undo_of_a_save_restores_the_title(qtbot: Any, active: MainWindow,
                                           screen: FrameworkScreen, stored: Rows) -> None:
    row = click_node(qtbot, screen, "P1.1.2")
    screen.view.detail.title_edit.setPlainText("Accompagner les initiatives des jeunes")
    qtbot.mouseClick(screen.view.detail.save_button, Qt.MouseButton.LeftButton)
    assert next(r for r in stored() if r.id == row.id).title != row.title
    assert active.undo_action.text() == "Annuler le renommage de P1.1.2"
    screen.view.tree.setFocus()
    ctrl_z(qtbot, active)
    assert next(r for r in stored() if r.id == row.id) == row
    assert screen.view.detail.title_edit.toPlainText() == row.title
    assert not screen.view.detail.is_dirty()


def test_undo_of_a_description_change(qtbot: Any, active: MainWindow,
                                      screen: FrameworkScreen, stored: Rows) -> None:
    row = click_node(qtbot, screen, "P2.1")
    screen.view.detail.description_edit.setPlainText("Voir la convention de 2025.")
    qtbot.mouseClick(screen.view.detail.save_button, Qt.MouseButton.LeftButton)
    assert active.undo_action.text() == "Annuler la modification de P2.1"
    click_node(qtbot, screen, "P3.1")  # the user went on elsewhere
    ctrl_z(qtbot, active)
    assert next(r for r in stored() if r.id == row.id) == row
    assert screen.current_id() == row.id  # brought back to what was undone
    assert screen.view.detail.description_edit.toPlainText() == (row.description or "")


def test_undo_of_a_delete_brings_the_node_back(qtbot: Any, active: MainWindow,
                                               screen: FrameworkScreen, messenger: Any,
                                               stored: Rows) -> None:
    before = stored()
    leaf = next(row for row in screen.model.rows()
                if row.level is ObjectiveLevel.ITEM and not screen.model.subtree(row.id) - {row.id})
    click_node(qtbot, screen, leaf.code)
    messenger.answers = [True]
    click_action(qtbot, screen, screen.view.delete_action)
    assert leaf.id not in {row.id for row in stored()}
    assert active.undo_action.text() == f"Annuler la suppression de {leaf.code}"
    screen.view.tree.setFocus()
    ctrl_z(qtbot, active)
    assert stored() == before
    assert screen.current_id() == leaf.id


def test_ctrl_z_in_a_text_field_undoes_the_typing_not_the_database(
        qtbot: Any, active: MainWindow, screen: FrameworkScreen, messenger: Any,
        stored: Rows) -> None:
    add_child(qtbot, screen, messenger, "P1.1")
    edit = screen.view.detail.short_title_edit
    edit.setFocus()
    qtbot.keyClicks(edit, "Juniors")
    ctrl_z(qtbot, active)
    assert edit.text() == ""
    assert len(titled(stored(), NEW_TITLE)) == 1


def test_undo_keeps_unsaved_typing_and_asks_nothing(qtbot: Any, active: MainWindow,
                                                    screen: FrameworkScreen, messenger: Any,
                                                    stored: Rows) -> None:
    add_child(qtbot, screen, messenger, "P1.1")
    row = click_node(qtbot, screen, "P2.1")
    screen.view.detail.short_title_edit.setText("Accès aux droits")
    asked = list(messenger.questions)
    screen.view.tree.setFocus()
    ctrl_z(qtbot, active)
    assert not titled(stored(), NEW_TITLE)
    # Selecting P1.1 would ask "Enregistrer ?", and saving would push mid-undo: it stays.
    assert messenger.questions == asked
    assert screen.current_id() == row.id
    assert screen.view.detail.is_dirty()
    assert screen.view.detail.short_title_edit.text() == "Accès aux droits"
    stack = active.context.undo_stack
    assert (stack.count(), stack.index()) == (1, 0)


def test_undo_from_another_page_shows_the_framework(qtbot: Any, active: MainWindow,
                                                    screen: FrameworkScreen, messenger: Any,
                                                    stored: Rows) -> None:
    add_child(qtbot, screen, messenger, "P1.1")
    active.select_section("dashboard")
    active.navigation.setFocus()
    ctrl_z(qtbot, active)
    assert not titled(stored(), NEW_TITLE)
    assert active.current_section() == "framework"
    assert screen.current_row() == by_code(screen, "P1.1")


# ---------------------------------------------------------------------- refusals


def test_undo_after_the_data_changed_elsewhere_is_refused(
        qtbot: Any, active: MainWindow, screen: FrameworkScreen, messenger: Any,
        stored: Rows) -> None:
    add_child(qtbot, screen, messenger, "P1.1")
    [added] = titled(stored(), NEW_TITLE)
    # Another screen (not recorded) retitles it meanwhile.
    active.context.write(
        lambda session: update_objective(session, added.id, title="Retouché ailleurs"),
        {"framework"})
    changed = stored()
    stack = active.context.undo_stack
    assert stack.count() == 1

    ctrl_z(qtbot, active)
    qtbot.waitUntil(lambda: bool(messenger.warnings))
    assert messenger.warnings == [
        "Impossible d'annuler ou de rétablir : ces données ont été modifiées depuis. "
        "Rien n'a été changé."
    ]
    assert stored() == changed
    # The refused command is gone; the stack did not move past a change that did not happen.
    assert (stack.count(), stack.index()) == (0, 0)
    assert not stack.canUndo() and not stack.canRedo()
    assert not active.undo_action.isEnabled() and not active.redo_action.isEnabled()
    assert active.undo_action.text() == "Annuler"
    assert screen.model.row(added.id).title == "Retouché ailleurs"  # type: ignore[union-attr]


def test_refused_undo_keeps_the_earlier_commands(qtbot: Any, active: MainWindow,
                                                 screen: FrameworkScreen, messenger: Any,
                                                 stored: Rows) -> None:
    add_child(qtbot, screen, messenger, "P2.1", "Première")
    first = stored()
    add_child(qtbot, screen, messenger, "P3.1", "Seconde")
    [second] = titled(stored(), "Seconde")
    active.context.write(
        lambda session: update_objective(session, second.id, title="Seconde, retouchée"),
        {"framework"})
    ctrl_z(qtbot, active)
    qtbot.waitUntil(lambda: bool(messenger.warnings))
    stack = active.context.undo_stack
    assert (stack.count(), stack.index()) == (1, 1)
    assert active.undo_action.text() == f"Annuler l'ajout de {quoted('Première')}"
    ctrl_z(qtbot, active)  # the first one still undoes: it touched other rows
    assert not titled(stored(), "Première")
    assert titled(stored(), "Seconde, retouchée")
    assert len(messenger.warnings) == 1
    assert len(stored()) == len(first)


def test_redo_after_the_data_changed_elsewhere_is_refused(
        qtbot: Any, active: MainWindow, screen: FrameworkScreen, messenger: Any,
        stored: Rows) -> None:
    add_child(qtbot, screen, messenger, "P1.1")
    ctrl_z(qtbot, active)
    parent = by_code(screen, "P1.1")
    # Meanwhile an unrecorded action adds another objective in the same place.
    active.context.write(lambda session: add_objective(session, parent.id, "Venue d'ailleurs"),
                         {"framework"})
    changed = stored()
    stack = active.context.undo_stack
    assert (stack.count(), stack.index()) == (1, 0)
    ctrl_y(qtbot, active)
    qtbot.waitUntil(lambda: bool(messenger.warnings))
    assert "modifiées depuis" in messenger.warnings[0]
    assert stored() == changed
    assert (stack.count(), stack.index()) == (0, 0)
    assert not active.redo_action.isEnabled()


def test_redo_colliding_with_a_code_taken_since_is_refused(
        qtbot: Any, active: MainWindow, screen: FrameworkScreen, messenger: Any,
        stored: Rows) -> None:
    add_child(qtbot, screen, messenger, "P1.1")
    [added] = titled(stored(), NEW_TITLE)
    parent, elsewhere = by_code(screen, "P1.1"), by_code(screen, "P2.1")
    context = active.context
    # Unrecorded additions: one takes the next id, then one takes the undone objective's code.
    context.write(lambda session: add_objective(session, elsewhere.id, "Ailleurs"), {"framework"})
    ctrl_z(qtbot, active)
    context.write(lambda session: add_objective(session, parent.id, "Même place"), {"framework"})
    [same_place] = titled(stored(), "Même place")
    assert (same_place.code, same_place.id) == (added.code, added.id + 2)
    changed = stored()
    ctrl_y(qtbot, active)  # the row itself is free, its code is not: UNIQUE(contract, code)
    qtbot.waitUntil(lambda: bool(messenger.warnings))
    assert "modifiées depuis" in messenger.warnings[0]
    assert stored() == changed
    assert context.undo_stack.count() == 0


# ---------------------------------------------------------------------- the menu


def menu_texts(window: MainWindow) -> list[str]:
    return [action.text() for action in window.edit_menu.actions()]


def test_edit_menu_is_french_and_names_the_action(qtbot: Any, active: MainWindow,
                                                  screen: FrameworkScreen,
                                                  messenger: Any) -> None:
    titles = [action.text() for action in active.menuBar().actions()]
    assert titles == ["&Fichier", "É&dition", "&Aide"]
    assert menu_texts(active) == ["Annuler", "Rétablir"]
    assert not active.undo_action.isEnabled() and not active.redo_action.isEnabled()
    assert active.undo_action.shortcut() == QKeySequence("Ctrl+Z")
    assert active.redo_action.shortcuts() == [QKeySequence("Ctrl+Y"),
                                              QKeySequence("Ctrl+Shift+Z")]

    add_child(qtbot, screen, messenger, "P1.1")
    assert menu_texts(active) == [f"Annuler l'ajout de « {NEW_TITLE} »", "Rétablir"]
    assert active.undo_action.isEnabled() and not active.redo_action.isEnabled()
    ctrl_z(qtbot, active)
    assert menu_texts(active) == ["Annuler", f"Rétablir l'ajout de « {NEW_TITLE} »"]
    assert not active.undo_action.isEnabled() and active.redo_action.isEnabled()


def test_long_titles_and_ampersands_make_a_short_label(qtbot: Any, active: MainWindow,
                                                       screen: FrameworkScreen,
                                                       messenger: Any) -> None:
    title = "Emploi & insertion : " + "accompagner vers l'emploi durable " * 4
    add_child(qtbot, screen, messenger, "P4.1", title)
    text = active.undo_action.text()
    assert text.startswith("Annuler l'ajout de « Emploi && insertion")
    assert text.endswith("… »")
    assert len(text) < 80


def test_the_stack_is_cleared_when_another_database_is_opened(
        qtbot: Any, active: MainWindow, screen: FrameworkScreen, messenger: Any,
        tmp_path: Path) -> None:
    add_child(qtbot, screen, messenger, "P1.1")
    add_child(qtbot, screen, messenger, "P1.2", "Autre piste")
    ctrl_z(qtbot, active)
    assert active.undo_action.isEnabled() and active.redo_action.isEnabled()
    other = tmp_path / "autre.sqlite"
    create_new_database(other, "builtin")
    active.file_actions.pick_existing = lambda _parent, _folder: other
    active.file_actions.open_action.trigger()
    assert active.context.database.origin == other
    assert active.context.undo_stack.count() == 0
    assert menu_texts(active) == ["Annuler", "Rétablir"]
    assert not active.undo_action.isEnabled() and not active.redo_action.isEnabled()


def test_read_only_disables_undo_and_redo(make_window: Callable[..., MainWindow],
                                          db_path: Path) -> None:
    window = make_window(db_path, read_only=True)
    assert not window.undo_action.isEnabled()
    assert not window.redo_action.isEnabled()


def test_switching_to_a_read_only_file_disables_undo(
        qtbot: Any, active: MainWindow, screen: FrameworkScreen, messenger: Any,
        open_db: Callable[..., Database], tmp_path: Path, stored: Rows) -> None:
    add_child(qtbot, screen, messenger, "P1.1")
    assert active.undo_action.isEnabled()
    other = tmp_path / "consultation.sqlite"
    create_new_database(other, "builtin")
    active.close_database()
    active.attach_database(open_db(other, read_only=True))
    assert not active.undo_action.isEnabled() and not active.redo_action.isEnabled()
    active.undo_action.trigger()  # even forced, nothing to undo
    assert messenger.warnings == []


def test_a_replayed_command_refuses_on_a_read_only_file(
        qtbot: Any, active: MainWindow, screen: FrameworkScreen, messenger: Any,
        stored: Rows, open_db: Callable[..., Database], db_path: Path) -> None:
    add_child(qtbot, screen, messenger, "P1.1")
    command = active.context.undo_stack.command(0)
    assert isinstance(command, RecordedChange)
    after = stored()
    # Should a command ever outlive a switch to read-only, it refuses rather than write.
    active.close_database()
    active.context._database = open_db(db_path, read_only=True)
    command.undo()
    qtbot.waitUntil(lambda: bool(messenger.warnings))
    assert "lecture seule" in messenger.warnings[0]
    assert command.isObsolete()
    assert stored() == after


# ---------------------------------------------------------------------- topics


def test_topics_follow_the_changed_tables() -> None:
    assert topics_for_tables({"objective"}) == {"framework"}
    assert topics_for_tables({"dossier", "funding", "payment"}) == {"programmation"}
    assert topics_for_tables({"organisation", "contact"}) == {"partners"}
    assert topics_for_tables({"meeting", "objective"}) == {"committees", "framework"}
    assert topics_for_tables({"attachment"}) == {EVERYTHING}
    assert topics_for_tables({"a_table_of_tomorrow"}) == {EVERYTHING}


def test_every_table_of_the_schema_has_a_topic_or_is_left_to_everything() -> None:
    from qpvdesk.core.domain.models import Objective
    from qpvdesk.ui.topics import TABLE_TOPICS

    tables = set(Objective.metadata.tables) - {"audit_entry", "attachment"}
    assert tables <= set(TABLE_TOPICS), sorted(tables - set(TABLE_TOPICS))


def test_edit_actions_belong_to_the_window(active: MainWindow) -> None:
    # The edit actions belong to the window (so they die with it), not to the stack.
    assert active.undo_action.parent() is active
    assert isinstance(active.edit_menu, QWidget)
