"""Behaviour of the "Cadre stratégique" page: load the tree, show details, edit the framework.

Every edit is recorded, so that the window's "Édition > Annuler" (Ctrl+Z) takes it back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import ObjectiveLevel
from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.services.framework import (
    CHILD_LEVEL,
    ObjectiveRow,
    add_objective,
    delete_objective,
    move_objective,
    objective_rows,
    objective_usage,
    shift_objective,
    update_objective,
)
from qpvdesk.ui.context import AppContext, Focus, touches
from qpvdesk.ui.framework.framework_view import FrameworkView
from qpvdesk.ui.framework.move_dialog import choose_new_parent
from qpvdesk.ui.framework.objective_tree_model import ObjectiveTreeModel
from qpvdesk.ui.topics import FRAMEWORK
from qpvdesk.ui.undo import quoted

T = TypeVar("T")
TOPIC = FRAMEWORK
ParentChooser = Callable[[QWidget | None, ObjectiveRow, Sequence[ObjectiveRow]], int | None]

#: Under which levels a node of each level may be filed ("Déplacer sous…").
PARENT_LEVELS: dict[ObjectiveLevel, set[ObjectiveLevel]] = {
    ObjectiveLevel.PRIORITY: set(),
    ObjectiveLevel.STRATEGIC: {ObjectiveLevel.PRIORITY},
    ObjectiveLevel.OPERATIONAL: {ObjectiveLevel.STRATEGIC},
    ObjectiveLevel.ITEM: {ObjectiveLevel.OPERATIONAL, ObjectiveLevel.ITEM},
}


class FrameworkScreen(QWidget):
    """The objective tree with its detail panel; every change is one unit of work."""

    def __init__(self, context: AppContext, choose_parent: ParentChooser = choose_new_parent,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._choose_parent = choose_parent
        self._reloading = False
        self._first_load = True
        self._shown_id: int | None = None
        self._expanded_before_search: set[int] | None = None
        self._selected_before_search: int | None = None

        self.view = FrameworkView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.model = ObjectiveTreeModel(self)
        self.view.tree.setModel(self.model)
        self.view.configure_columns()

        view = self.view
        view.tree.selectionModel().currentRowChanged.connect(self._on_current_changed)
        view.search_edit.textChanged.connect(self._on_search)
        view.find_action.triggered.connect(self._focus_search)
        view.add_child_action.triggered.connect(self.add_child)
        view.add_sibling_action.triggered.connect(self.add_sibling)
        view.rename_action.triggered.connect(self.rename)
        view.move_up_action.triggered.connect(lambda: self.shift(-1))
        view.move_down_action.triggered.connect(lambda: self.shift(+1))
        view.move_under_action.triggered.connect(self.move_under)
        view.delete_action.triggered.connect(self.delete)
        view.detail.save_button.clicked.connect(self.save_details)
        view.detail.revert_button.clicked.connect(lambda: self._show_details(self._shown_id))
        context.changed.connect(self._on_changed)
        context.focus_requested.connect(self._on_focus_requested)
        context.database_replaced.connect(self._on_database_replaced)
        self._show_access()
        self.reload()

    # ------------------------------------------------------------------ state

    def current_id(self) -> int | None:
        return self.model.id_at(self.view.tree.currentIndex())

    def current_row(self) -> ObjectiveRow | None:
        current = self.current_id()
        return None if current is None else self.model.row(current)

    def select(self, objective_id: int) -> None:
        """Make a node current, expanding its ancestors and scrolling to it."""
        row = self.model.row(objective_id)
        ancestor = None if row is None else row.parent_id
        while ancestor is not None:
            self.view.tree.expand(self.model.index_for_id(ancestor))
            parent_row = self.model.row(ancestor)
            ancestor = None if parent_row is None else parent_row.parent_id
        index = self.model.index_for_id(objective_id)
        if index.isValid():
            self.view.tree.setCurrentIndex(index)
            self.view.tree.scrollTo(index)

    def _expanded_ids(self) -> set[int]:
        tree = self.view.tree
        return {
            row.id for row in self.model.rows()
            if tree.isExpanded(self.model.index_for_id(row.id))
        }

    def _expand(self, ids: set[int]) -> None:
        for objective_id in ids:
            index = self.model.index_for_id(objective_id)
            if index.isValid():
                self.view.tree.expand(index)

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Read the tree again, keeping the selection and which nodes are open."""
        keep = self.current_id()
        expanded = None if self._first_load else self._expanded_ids()
        self._reloading = True
        try:
            rows = self._context.read(objective_rows)
            self.model.set_rows(rows)
            if expanded is None:
                self._expand({row.id for row in rows if row.level is ObjectiveLevel.PRIORITY})
            else:
                self._expand(expanded)
            if self.model.filter_text:
                self.view.tree.expandAll()
            if keep is not None:
                self.select(keep)
        finally:
            self._reloading = False
        self._first_load = False
        current = self.current_id()
        if not (self.view.detail.is_dirty() and current == self._shown_id):
            self._show_details(current)
        self._update_actions()

    def _on_changed(self, changes: frozenset[str]) -> None:
        if touches(changes, TOPIC):
            self.reload()

    def _on_focus_requested(self, topic: str, target: object) -> None:
        """After an undo or redo (the tree is reloaded already): select what it concerned."""
        if topic != TOPIC or not isinstance(target, int) or self.model.row(target) is None:
            return
        if self.view.detail.is_dirty():
            # Moving away would ask to save, and saving now would push onto the undo stack
            # while it is undoing: the unsaved typing stays where it is, selected.
            return
        if not self.model.index_for_id(target).isValid():
            self.view.search_edit.clear()  # hidden by the search filter
        self.select(target)

    def _show_access(self) -> None:
        text = self.tr("Priorités, objectifs stratégiques, objectifs opérationnels et pistes "
                       "d'action du contrat.")
        if self._context.read_only:
            text += " " + self.tr("La base est ouverte en lecture seule : rien ne peut être "
                                  "modifié.")
        self.view.subtitle_label.setText(text)

    def _on_database_replaced(self) -> None:
        self._show_access()
        self._first_load = True
        self._shown_id = None
        self.view.detail.show_nothing()
        self.view.search_edit.clear()
        self.view.tree.setCurrentIndex(QModelIndex())

    def _show_details(self, objective_id: int | None) -> None:
        row = None if objective_id is None else self.model.row(objective_id)
        self._shown_id = None if row is None else row.id
        if row is None:
            self.view.detail.show_nothing()
        else:
            usage = self._context.read(lambda session: objective_usage(session, row.id))
            self.view.detail.show_row(row, usage.describe())
        self._update_actions()

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._reloading:
            return
        new_id = self.model.id_at(current)
        previous = self._shown_id
        if previous is not None and new_id != previous and self.view.detail.is_dirty():
            row = self.model.row(previous)
            if row is not None and self._context.messenger.confirm(
                self, self.tr("Modifications non enregistrées"),
                self.tr("« {code} » a des modifications non enregistrées.").format(code=row.code),
                self.tr("Enregistrer"), self.tr("Ne pas enregistrer"),
            ):
                self._save(previous)
        self._show_details(self.current_id())

    def _on_search(self, text: str) -> None:
        keep = self.current_id() or self._selected_before_search
        if text.strip() and self._expanded_before_search is None:
            self._expanded_before_search = self._expanded_ids()
            self._selected_before_search = self.current_id()
        self._reloading = True
        try:
            self.model.set_filter(text)
            if self.model.filter_text:
                self.view.tree.expandAll()
            elif self._expanded_before_search is not None:
                self._expand(self._expanded_before_search)
                self._expanded_before_search = None
                self._selected_before_search = None
            if keep is not None:
                self.select(keep)
        finally:
            self._reloading = False
        nothing = bool(self.model.filter_text) and self.model.rowCount() == 0
        self.view.no_match_label.setText(
            self.tr("Aucun élément du cadre ne correspond à « {text} ».").format(text=text.strip())
        )
        self.view.no_match_label.setVisible(nothing)
        if self.current_id() != self._shown_id and not self.view.detail.is_dirty():
            self._show_details(self.current_id())
        self._update_actions()

    def _focus_search(self) -> None:
        self.view.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.view.search_edit.selectAll()

    def _update_actions(self) -> None:
        view = self.view
        editable = not self._context.read_only
        row = self.current_row()
        siblings = [] if row is None else self.model.siblings(row.id)
        place = -1 if row is None else siblings.index(row.id)
        view.detail.set_editable(editable)
        view.add_child_action.setEnabled(editable and row is not None)
        view.add_sibling_action.setEnabled(editable)
        view.rename_action.setEnabled(editable and row is not None)
        view.move_up_action.setEnabled(editable and place > 0)
        view.move_down_action.setEnabled(editable and 0 <= place < len(siblings) - 1)
        view.move_under_action.setEnabled(
            editable and row is not None and bool(PARENT_LEVELS[row.level])
        )
        view.delete_action.setEnabled(editable and row is not None)

    # ------------------------------------------------------------------ changes

    def _write(self, title: str, work: Callable[[Session], T], label: str,
               focus: Focus | Callable[[T], Focus]) -> tuple[bool, T | None]:
        """One recorded edit: *label* completes "Annuler …" and "Rétablir …"."""
        try:
            return True, self._context.write(work, {TOPIC}, label=label, focus=focus)
        except UserFacingError as error:
            self._context.messenger.warn(self, title, error.message)
            return False, None

    def maybe_save(self) -> bool:
        """Before leaving: save or drop unsaved edits; False when the user cancels."""
        row = None if self._shown_id is None else self.model.row(self._shown_id)
        if row is None or not self.view.detail.is_dirty():
            return True
        choice = self._context.messenger.choose(
            self, self.tr("Modifications non enregistrées"),
            self.tr("« {code} » a des modifications non enregistrées.").format(code=row.code),
            [self.tr("Enregistrer"), self.tr("Ne pas enregistrer"), self.tr("Annuler")],
        )
        if choice == 0:
            return self._save(row.id)
        if choice == 1:
            self._show_details(row.id)
            return True
        return False

    def add_child(self) -> None:
        row = self.current_row()
        if row is None or not self.maybe_save():
            return
        title = self.tr("Ajouter un sous-élément")
        text = self._context.messenger.ask_text(
            self, title,
            self.tr("Intitulé du nouvel élément ({level}) sous {code} :")
            .format(level=CHILD_LEVEL[row.level].label.lower(), code=row.code),
        )
        if text:
            self._add(title, row.id, text, None)

    def add_sibling(self) -> None:
        row = self.current_row()
        if not self.maybe_save():
            return
        title = self.tr("Ajouter au même niveau")
        if row is None:
            parent_id, position, level = None, None, ObjectiveLevel.PRIORITY
        else:
            parent_id, level = row.parent_id, row.level
            position = self.model.siblings(row.id).index(row.id) + 1
        where = "" if row is None else self.tr(" (après {code})").format(code=row.code)
        text = self._context.messenger.ask_text(
            self, title,
            self.tr("Intitulé du nouvel élément ({level}){where} :")
            .format(level=level.label.lower(), where=where),
        )
        if text:
            self._add(title, parent_id, text, position)

    def _add(self, title: str, parent_id: int | None, text: str, position: int | None) -> None:
        if self.view.search_edit.text():
            self.view.search_edit.clear()  # the new node must be visible
        before = self.current_id()
        ok, new_id = self._write(
            title, lambda session: add_objective(session, parent_id, text, position=position),
            self.tr("l'ajout de {title}").format(title=quoted(text)),
            lambda added: Focus(TOPIC, before=before, after=added),
        )
        if ok and new_id is not None:
            self.select(new_id)

    def rename(self) -> None:
        if self.current_row() is None:
            return
        edit = self.view.detail.title_edit
        edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        edit.selectAll()

    def save_details(self) -> None:
        if self._shown_id is not None:
            self._save(self._shown_id)

    def _save(self, objective_id: int) -> bool:
        title, short_title, description = self.view.detail.values()
        row = self.model.row(objective_id)
        ok, _ = self._write(
            self.tr("Enregistrer"),
            lambda session: update_objective(session, objective_id, title=title,
                                             short_title=short_title, description=description),
            self._save_label(row, title, short_title, description),
            Focus(TOPIC, before=objective_id, after=objective_id),
        )
        if ok and objective_id == self._shown_id:
            self._show_details(objective_id)
        return ok

    def _save_label(self, row: ObjectiveRow | None, title: str, short_title: str,
                    description: str) -> str:
        if row is None:
            return self.tr("la modification de l'élément")
        renamed_only = (title != row.title and short_title == (row.short_title or "")
                        and description == (row.description or ""))
        text = self.tr("le renommage de {code}") if renamed_only else self.tr(
            "la modification de {code}")
        return text.format(code=row.code)

    def shift(self, offset: int) -> None:
        row = self.current_row()
        if row is None or not self.maybe_save():
            return
        title = self.tr("Monter") if offset < 0 else self.tr("Descendre")
        label = (self.tr("le déplacement de {code} vers le haut") if offset < 0
                 else self.tr("le déplacement de {code} vers le bas")).format(code=row.code)
        self._write(title, lambda session: shift_objective(session, row.id, offset), label,
                    Focus(TOPIC, before=row.id, after=row.id))
        self.select(row.id)

    def move_under(self) -> None:
        row = self.current_row()
        if row is None or not PARENT_LEVELS[row.level] or not self.maybe_save():
            return
        title = self.tr("Déplacer sous…")
        excluded = self.model.subtree(row.id)
        candidates = [
            candidate for candidate in self.model.rows()
            if candidate.level in PARENT_LEVELS[row.level] and candidate.id not in excluded
        ]
        new_parent = self._choose_parent(self, row, candidates)
        if new_parent is None or new_parent == row.parent_id:
            return
        target = self.model.row(new_parent)
        ok, _ = self._write(
            title, lambda session: move_objective(session, row.id, new_parent),
            self.tr("le déplacement de {code} sous {parent}")
            .format(code=row.code, parent=target.code if target else "…"),
            Focus(TOPIC, before=row.id, after=row.id),
        )
        if ok:
            self.select(row.id)

    def delete(self) -> None:
        row = self.current_row()
        if row is None:
            return
        title = self.tr("Supprimer")
        usage = self._context.read(lambda session: objective_usage(session, row.id))
        if not usage.in_use and not self._context.messenger.confirm(
            self, title,
            self.tr("Supprimer définitivement « {code} — {title} » ?")
            .format(code=row.code, title=row.title),
            self.tr("Supprimer"),
        ):
            return
        # When something uses it, the service refuses and says what: that message is shown.
        siblings = self.model.siblings(row.id)
        place = siblings.index(row.id)
        after = siblings[place + 1:place + 2]
        neighbours = after or (siblings[place - 1:place] if place > 0 else [])
        target = neighbours[0] if neighbours else row.parent_id
        ok, _ = self._write(title, lambda session: delete_objective(session, row.id),
                            self.tr("la suppression de {code}").format(code=row.code),
                            Focus(TOPIC, before=row.id, after=target))
        if ok and target is not None:
            self.select(target)
