"""The "Cadre stratégique" page, driven through its widgets; the file is read back to check."""

from __future__ import annotations

from typing import Any

from framework_helpers import Rows, by_code, click_action, click_node
from PySide6.QtCore import QModelIndex, Qt

from qpvdesk.core.domain.enums import ObjectiveLevel
from qpvdesk.core.services.framework import ObjectiveRow
from qpvdesk.ui.framework.framework_screen import FrameworkScreen
from qpvdesk.ui.main_window import MainWindow

PRIORITIES = [
    "Contribuer à la réussite éducative et au soutien de la jeunesse",
    "Assurer un accès aux droits et favoriser le lien social",
    "Améliorer le cadre de vie et la sécurité publique",
    "Soutenir l'emploi et le développement économique",
]
KNOWN_OPERATIONAL = "P1.1.2"


def test_tree_shows_the_four_priorities_expanded(screen: FrameworkScreen) -> None:
    model = screen.model
    assert model.rowCount() == 4
    titles = [model.data(model.index(row, 1)) for row in range(4)]
    assert titles == PRIORITIES
    assert [model.data(model.index(row, 0)) for row in range(4)] == ["P1", "P2", "P3", "P4"]
    assert all(screen.view.tree.isExpanded(model.index(row, 0)) for row in range(4))


def test_known_operational_objective_sits_in_its_place(screen: FrameworkScreen) -> None:
    row = by_code(screen, KNOWN_OPERATIONAL)
    assert row.level is ObjectiveLevel.OPERATIONAL
    assert row.title.startswith("Accompagner les jeunes dans leurs initiatives")
    index = screen.model.index_for_id(row.id)
    parent = screen.model.parent(index)
    assert screen.model.data(parent) == "P1.1"
    assert screen.model.data(screen.model.parent(parent)) == "P1"
    tooltip = screen.model.data(screen.model.index_for_id(row.id, 1), Qt.ItemDataRole.ToolTipRole)
    assert "mettre à disposition des espaces" in tooltip


def test_selecting_a_node_fills_the_detail_panel(qtbot: Any, screen: FrameworkScreen) -> None:
    row = click_node(qtbot, screen, KNOWN_OPERATIONAL)
    detail = screen.view.detail
    assert detail.level_label.text() == "Objectif opérationnel"
    assert detail.code_label.text() == KNOWN_OPERATIONAL
    assert detail.title_edit.toPlainText() == row.title
    assert "pistes d'action" in detail.usage_label.text()


def test_add_a_sub_item_through_the_toolbar(qtbot: Any, screen: FrameworkScreen,
                                            messenger: Any, stored: Rows) -> None:
    parent = click_node(qtbot, screen, "P1.1")
    messenger.answers = ["Soutenir les juniors associations"]
    click_action(qtbot, screen, screen.view.add_child_action)
    added = [row for row in stored() if row.title == "Soutenir les juniors associations"]
    assert len(added) == 1
    assert added[0].parent_id == parent.id
    assert added[0].level is ObjectiveLevel.OPERATIONAL
    assert screen.current_id() == added[0].id
    assert screen.view.tree.isExpanded(screen.model.index_for_id(parent.id))


def test_add_at_the_same_level_after_the_selection(qtbot: Any, screen: FrameworkScreen,
                                                   messenger: Any, stored: Rows) -> None:
    click_node(qtbot, screen, "P2")
    messenger.answers = ["Une cinquième priorité"]
    click_action(qtbot, screen, screen.view.add_sibling_action)
    priorities = [row.title for row in stored() if row.parent_id is None]
    assert priorities[2] == "Une cinquième priorité"
    assert len(priorities) == 5


def test_cancelled_add_changes_nothing(qtbot: Any, screen: FrameworkScreen,
                                       messenger: Any, stored: Rows) -> None:
    before = stored()
    click_node(qtbot, screen, "P1.1")
    messenger.answers = [None]
    click_action(qtbot, screen, screen.view.add_child_action)
    assert stored() == before


def test_rename_in_the_detail_panel(qtbot: Any, screen: FrameworkScreen, stored: Rows) -> None:
    row = click_node(qtbot, screen, KNOWN_OPERATIONAL)
    click_action(qtbot, screen, screen.view.rename_action)
    edit = screen.view.detail.title_edit
    assert edit.hasFocus()
    assert edit.textCursor().selectedText() == row.title
    qtbot.keyClicks(edit, "Accompagner les initiatives des jeunes")
    qtbot.keyClicks(screen.view.detail.short_title_edit, "Initiatives jeunes")
    save = screen.view.detail.save_button
    assert save.isEnabled()
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    renamed = next(r for r in stored() if r.id == row.id)
    assert renamed.title == "Accompagner les initiatives des jeunes"
    assert renamed.short_title == "Initiatives jeunes"
    assert renamed.code == KNOWN_OPERATIONAL
    assert not save.isEnabled()
    assert screen.current_id() == row.id
    assert screen.model.data(screen.model.index_for_id(row.id, 1)) == renamed.title


def test_empty_title_is_refused(qtbot: Any, screen: FrameworkScreen, messenger: Any,
                                stored: Rows) -> None:
    row = click_node(qtbot, screen, KNOWN_OPERATIONAL)
    screen.view.detail.title_edit.setPlainText("   ")
    qtbot.mouseClick(screen.view.detail.save_button, Qt.MouseButton.LeftButton)
    assert messenger.warnings and "vide" in messenger.warnings[0]
    assert next(r for r in stored() if r.id == row.id).title == row.title


def test_unsaved_edit_is_offered_when_selection_changes(qtbot: Any, screen: FrameworkScreen,
                                                        messenger: Any, stored: Rows) -> None:
    row = click_node(qtbot, screen, KNOWN_OPERATIONAL)
    screen.view.detail.short_title_edit.setText("Initiatives")
    messenger.answers = [True]  # "Enregistrer"
    click_node(qtbot, screen, "P1.1.1")
    assert next(r for r in stored() if r.id == row.id).short_title == "Initiatives"
    assert screen.view.detail.code_label.text() == "P1.1.1"


def sibling_codes(rows: list[ObjectiveRow], parent_id: int | None) -> list[str]:
    return [row.code for row in rows if row.parent_id == parent_id]


def test_move_up_with_the_keyboard(qtbot: Any, screen: FrameworkScreen, stored: Rows) -> None:
    row = click_node(qtbot, screen, KNOWN_OPERATIONAL)
    assert sibling_codes(stored(), row.parent_id)[:2] == ["P1.1.1", "P1.1.2"]
    screen.view.tree.setFocus()
    qtbot.keyClick(screen.view.tree, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert sibling_codes(stored(), row.parent_id)[:2] == ["P1.1.2", "P1.1.1"]
    assert screen.current_id() == row.id
    assert not screen.view.move_up_action.isEnabled()  # now first


def test_move_down_with_the_toolbar(qtbot: Any, screen: FrameworkScreen, stored: Rows) -> None:
    row = click_node(qtbot, screen, "P1")
    click_action(qtbot, screen, screen.view.move_down_action)
    assert sibling_codes(stored(), None) == ["P2", "P1", "P3", "P4"]
    assert screen.current_id() == row.id
    assert screen.model.data(screen.model.index(1, 0)) == "P1"


def test_move_under_another_parent(qtbot: Any, screen: FrameworkScreen, stored: Rows) -> None:
    row = click_node(qtbot, screen, KNOWN_OPERATIONAL)
    target = by_code(screen, "P1.2")
    offered: list[str] = []

    def choose(_parent: Any, moving: ObjectiveRow, candidates: list[ObjectiveRow]) -> int:
        assert moving.id == row.id
        offered.extend(candidate.code for candidate in candidates)
        return target.id

    screen._choose_parent = choose
    click_action(qtbot, screen, screen.view.move_under_action)
    assert offered and all(code.count(".") == 1 for code in offered)  # strategic objectives
    moved = next(r for r in stored() if r.id == row.id)
    assert moved.parent_id == target.id
    assert moved.code.startswith("P1.2.")
    assert screen.current_id() == row.id


def test_delete_a_leaf_after_confirmation(qtbot: Any, screen: FrameworkScreen, messenger: Any,
                                         stored: Rows) -> None:
    leaf = next(row for row in screen.model.rows()
                if row.level is ObjectiveLevel.ITEM and not screen.model.subtree(row.id) - {row.id})
    click_node(qtbot, screen, leaf.code)
    messenger.answers = [True]
    click_action(qtbot, screen, screen.view.delete_action)
    assert leaf.id not in {row.id for row in stored()}
    assert messenger.warnings == []
    assert screen.current_id() is not None


def test_delete_cancelled_keeps_the_node(qtbot: Any, screen: FrameworkScreen, messenger: Any,
                                         stored: Rows) -> None:
    leaf = next(row for row in screen.model.rows()
                if row.level is ObjectiveLevel.ITEM and not screen.model.subtree(row.id) - {row.id})
    click_node(qtbot, screen, leaf.code)
    messenger.answers = [False]
    click_action(qtbot, screen, screen.view.delete_action)
    assert leaf.id in {row.id for row in stored()}


def test_deleting_an_objective_with_children_is_refused(qtbot: Any, screen: FrameworkScreen,
                                                        messenger: Any, stored: Rows) -> None:
    before = stored()
    click_node(qtbot, screen, "P1.1")
    click_action(qtbot, screen, screen.view.delete_action)
    assert len(messenger.warnings) == 1
    assert "ne peut pas être supprimé" in messenger.warnings[0]
    assert "objectifs opérationnels" in messenger.warnings[0]
    assert messenger.questions == []  # refused before any "are you sure?"
    assert stored() == before


def test_search_filters_without_case_or_accents(qtbot: Any, screen: FrameworkScreen) -> None:
    search = screen.view.search_edit
    qtbot.keyClicks(search, "ILOTS de chaleur")
    model = screen.model
    assert model.rowCount() == 1
    p3 = model.index(0, 0)
    assert model.data(p3) == "P3"
    assert model.data(model.index(0, 0, p3)) == "P3.2"
    search.clear()
    assert model.rowCount() == 4
    assert screen.view.tree.isExpanded(model.index(0, 0))
    assert not screen.view.tree.isExpanded(model.index(0, 0, model.index(0, 0)))


def test_nothing_selected_means_nothing_to_edit(screen: FrameworkScreen) -> None:
    screen.view.tree.setCurrentIndex(QModelIndex())
    assert not screen.view.delete_action.isEnabled()
    assert not screen.view.add_child_action.isEnabled()
    assert screen.view.add_sibling_action.isEnabled()  # adds a priority


def test_search_without_match_says_so_and_clearing_restores_selection(
        qtbot: Any, screen: FrameworkScreen) -> None:
    row = click_node(qtbot, screen, KNOWN_OPERATIONAL)
    qtbot.keyClicks(screen.view.search_edit, "zzz introuvable")
    assert screen.model.rowCount() == 0
    assert screen.view.no_match_label.isVisibleTo(screen)
    assert "zzz introuvable" in screen.view.no_match_label.text()
    screen.view.search_edit.clear()
    assert not screen.view.no_match_label.isVisibleTo(screen)
    assert screen.current_id() == row.id


def test_model_of_the_real_framework_passes_qt_model_tester(qtmodeltester: Any,
                                                            screen: FrameworkScreen) -> None:
    assert len(screen.model.rows()) > 200
    qtmodeltester.check(screen.model)


def test_closing_with_unsaved_edits_asks_first(qtbot: Any, window: MainWindow,
                                               screen: FrameworkScreen, messenger: Any,
                                               stored: Rows) -> None:
    row = click_node(qtbot, screen, KNOWN_OPERATIONAL)
    screen.view.detail.short_title_edit.setText("Initiatives")
    messenger.answers = [2]  # "Annuler"
    assert not window.close()
    assert window.isVisible()
    messenger.answers = [0]  # "Enregistrer"
    assert window.close()
    assert next(r for r in stored() if r.id == row.id).short_title == "Initiatives"
