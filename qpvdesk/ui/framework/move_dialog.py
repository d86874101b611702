"""The "Déplacer sous…" dialog: pick the new parent among objectives of the right level."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.text import fold
from qpvdesk.core.services.framework import ObjectiveRow

_ID_ROLE = Qt.ItemDataRole.UserRole


class MoveDialog(QDialog):
    """A filterable list of candidate parents; the current parent is preselected."""

    def __init__(self, moving: ObjectiveRow, candidates: Sequence[ObjectiveRow],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Déplacer sous…"))
        self.resize(760, 520)
        intro = QLabel(self.tr("Choisissez sous quel élément ranger « {code} — {title} ». "
                               "Il prendra un nouveau code sous son nouveau parent.")
                       .format(code=moving.code, title=moving.title))
        intro.setWordWrap(True)
        self.filter_edit = QLineEdit()
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setPlaceholderText(self.tr("Filtrer par code ou par mots"))
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        for row in candidates:
            item = QListWidgetItem(f"{row.code} — {' '.join(row.title.split())}")
            item.setData(_ID_ROLE, row.id)
            item.setToolTip(row.title)
            self.list.addItem(item)
            if row.id == moving.parent_id:
                self.list.setCurrentItem(item)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(self.tr("Déplacer"),
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("Annuler"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.list.currentItemChanged.connect(lambda *_: self._update_ok())
        self.filter_edit.textChanged.connect(self._filter)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.buttons)
        self._update_ok()

    def _filter(self, text: str) -> None:
        words = fold(text).split()
        for number in range(self.list.count()):
            item = self.list.item(number)
            item.setHidden(not all(word in fold(item.text()) for word in words))

    def _update_ok(self) -> None:
        item = self.list.currentItem()
        self.ok_button.setEnabled(item is not None and not item.isHidden())

    def chosen_id(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(_ID_ROLE))


def choose_new_parent(parent: QWidget | None, moving: ObjectiveRow,
                      candidates: Sequence[ObjectiveRow]) -> int | None:
    """Show the dialog; the chosen parent's id, or None when cancelled."""
    dialog = MoveDialog(moving, candidates, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.chosen_id()
