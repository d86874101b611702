"""A list beside one editor: ask before unsaved edits are left behind, and stay if saving fails.

Mixed into screens that have ``self._context``, ``self.model`` (``id_at``,
``index_for_id``), ``self.view.table``, the flags ``_reloading``, ``_new`` and
``_shown_id``, and the methods ``_save(select_after=...)``, ``_revert()``,
``current_id()`` and ``_show_detail(id)``. The screen names its editor and what to call
a record that has no title yet.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex


class UnsavedEditsGuard:
    """Selection changes and page changes that respect the editor's unsaved typing."""

    _context: Any
    model: Any
    view: Any
    _reloading: bool
    _new: bool
    _shown_id: int | None

    def _dirty_editor(self) -> Any:
        """The editor whose `is_dirty()` and `title_edit` are watched."""
        raise NotImplementedError

    def _untitled(self) -> str:
        """How to name a record being created (« la nouvelle action »)."""
        raise NotImplementedError

    def _editor_title(self) -> str:
        return self._dirty_editor().title_edit.text().strip() or self._untitled()

    def _unsaved_text(self) -> str:
        return self.tr("« {title} » a des modifications non enregistrées.").format(  # type: ignore[attr-defined]
            title=self._editor_title()
        )

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._reloading:
            return
        new_id = self.model.id_at(current)
        if new_id is not None and new_id == self._shown_id and not self._new:
            return
        tr = self.tr  # type: ignore[attr-defined]
        if self._dirty_editor().is_dirty() and self._context.messenger.confirm(
            self, tr("Modifications non enregistrées"), self._unsaved_text(),
            tr("Enregistrer"), tr("Ne pas enregistrer"),
        ) and not self._save(select_after=False):  # type: ignore[attr-defined]
            self._stay_on_editor()
            return
        self._new = False
        self._show_detail(self.current_id())  # type: ignore[attr-defined]

    def _stay_on_editor(self) -> None:
        self._reloading = True
        try:
            index = (QModelIndex() if self._new or self._shown_id is None
                     else self.model.index_for_id(self._shown_id))
            self.view.table.setCurrentIndex(index)
            if not index.isValid():
                self.view.table.clearSelection()
        finally:
            self._reloading = False

    def maybe_save(self) -> bool:
        """Before leaving the page or the file: save or drop unsaved edits."""
        if not self._dirty_editor().is_dirty():
            return True
        tr = self.tr  # type: ignore[attr-defined]
        choice = self._context.messenger.choose(
            self, tr("Modifications non enregistrées"), self._unsaved_text(),
            [tr("Enregistrer"), tr("Ne pas enregistrer"), tr("Annuler")])
        if choice == 0:
            return bool(self._save())  # type: ignore[attr-defined]
        if choice == 1:
            self._revert()  # type: ignore[attr-defined]
            return True
        return False
