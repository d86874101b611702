"""`ChoiceFilterButton`: a button whose popup is a checkable list (several values allowed).

The list is a small Python model over the choices, so a popup of 5 000 project
holders opens as fast as one of 4 priorities; a search field appears above long lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from qpvdesk.core.domain.text import fold
from qpvdesk.core.services.dossier_list import Choice

_DISPLAY = Qt.ItemDataRole.DisplayRole
_CHECK = Qt.ItemDataRole.CheckStateRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_CHECKED = Qt.CheckState.Checked
_UNCHECKED = Qt.CheckState.Unchecked
#: From this many choices on, the popup has a search field.
SEARCH_FROM = 12
#: Longest value written on the button itself.
BUTTON_TEXT_LIMIT = 28

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class ChoiceListModel(QAbstractListModel):
    """The choices of one filter with their check boxes, narrowed by a typed text."""

    checked_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._choices: list[Choice] = []
        self._folded: list[str] = []
        self._shown: list[int] = []
        self._checked: set[Any] = set()
        self._needle = ""

    def set_choices(self, choices: Sequence[Choice]) -> None:
        """Offer *choices*; a checked value no longer offered stays, so it can be unchecked."""
        known = {choice.value for choice in choices}
        kept = [choice for choice in self._choices
                if choice.value in self._checked and choice.value not in known]
        self.beginResetModel()
        self._choices = [*choices, *kept]
        self._folded = []  # folded labels, built at the first search
        self._show()
        self.endResetModel()

    def choices(self) -> list[Choice]:
        return list(self._choices)

    def set_search(self, text: str) -> None:
        needle = fold(text)
        if needle == self._needle:
            return
        self.beginResetModel()
        self._needle = needle
        self._show()
        self.endResetModel()

    def _show(self) -> None:
        words = self._needle.split()
        if not words:
            self._shown = list(range(len(self._choices)))
            return
        if len(self._folded) != len(self._choices):
            self._folded = [fold(choice.label) for choice in self._choices]
        self._shown = [
            position for position, folded in enumerate(self._folded)
            if all(word in folded for word in words)
        ]

    def checked(self) -> frozenset[Any]:
        return frozenset(self._checked)

    def checked_labels(self) -> list[str]:
        """Labels of the checked values, in the order of the choices."""
        return [choice.label for choice in self._choices if choice.value in self._checked]

    def set_checked(self, values: Iterable[Any]) -> None:
        """Check exactly *values* (announced only when that changes something)."""
        wanted = set(values)
        if wanted == self._checked:
            return
        self._checked = wanted
        if self._shown:
            self.dataChanged.emit(self.index(0), self.index(len(self._shown) - 1), [_CHECK])
        self.checked_changed.emit()

    def toggle(self, index: AnyIndex) -> None:
        if not index.isValid():
            return
        value = self._choices[self._shown[index.row()]].value
        self._checked.symmetric_difference_update({value})
        self.dataChanged.emit(index, index, [_CHECK])
        self.checked_changed.emit()

    # ---------------------------------------------------------------- QAbstractListModel

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._shown)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        # Not ItemIsUserCheckable: a click anywhere on the line toggles it (see the view),
        # the delegate must not toggle it a second time when the box itself is clicked.
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        choice = self._choices[self._shown[index.row()]]
        if role in (_DISPLAY, _TOOLTIP):
            return choice.label
        if role == _CHECK:
            return _CHECKED if choice.value in self._checked else _UNCHECKED
        return None


class _ChoicePopup(QWidget):
    """What the button's menu holds: search field, checkable list, "Tout afficher"."""

    def __init__(self, model: ChoiceListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(self.tr("Chercher dans la liste"))
        self.list_view = QListView()
        self.list_view.setModel(model)
        self.list_view.setUniformItemSizes(True)
        self.list_view.setMinimumWidth(320)
        self.list_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list_view.setStyleSheet("QListView::item { padding: 2px 4px; }")
        self.clear_button = QPushButton(self.tr("Tout afficher"))
        self.clear_button.setToolTip(self.tr("Ne plus filtrer sur ce critère"))
        self.close_button = QPushButton(self.tr("Fermer"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.list_view)
        layout.addLayout(buttons)


class ChoiceFilterButton(QPushButton):
    """One filter criterion: "Porteur", "Porteur : Ludothèque…", "État (3)".

    `selection_changed` is emitted whenever a value is checked or unchecked.
    """

    selection_changed = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self.model = ChoiceListModel(self)
        self._popup: _ChoicePopup | None = None  # built when first opened (cheaper pages)
        self._menu = QMenu(self)
        self._menu.aboutToShow.connect(self._about_to_show)
        self.setMenu(self._menu)
        self.model.checked_changed.connect(self._on_checked_changed)
        self._update_text()

    @property
    def popup(self) -> _ChoicePopup:
        """The popup's widgets (built on first use)."""
        if self._popup is None:
            popup = _ChoicePopup(self.model)
            action = QWidgetAction(self._menu)
            action.setDefaultWidget(popup)
            self._menu.addAction(action)
            popup.list_view.clicked.connect(self.model.toggle)
            popup.list_view.installEventFilter(self)
            popup.search_edit.textChanged.connect(self.model.set_search)
            popup.search_edit.returnPressed.connect(self._toggle_single_match)
            popup.clear_button.clicked.connect(self.clear)
            popup.close_button.clicked.connect(self._menu.close)
            self._popup = popup
            self._size_popup()
        return self._popup

    @property
    def title(self) -> str:
        return self._title

    def set_choices(self, choices: Sequence[Choice]) -> None:
        self.model.set_choices(choices)
        if self._popup is not None:
            self._size_popup()
        self._update_text()

    def _size_popup(self) -> None:
        popup = self.popup
        count = self.model.rowCount()
        popup.search_edit.setVisible(count >= SEARCH_FROM)
        row_height = (popup.list_view.sizeHintForRow(0) if count
                      else self.fontMetrics().height() + 6)
        frame = 2 * popup.list_view.frameWidth()
        popup.list_view.setFixedHeight(min(max(count, 1), 14) * row_height + frame)

    def checked(self) -> frozenset[Any]:
        return self.model.checked()

    def set_checked(self, values: Iterable[Any]) -> None:
        self.model.set_checked(values)

    def clear(self) -> None:
        self.model.set_checked(())

    def _about_to_show(self) -> None:
        edit = self.popup.search_edit
        if not edit.isHidden():
            edit.clear()
            edit.setFocus(Qt.FocusReason.PopupFocusReason)
        else:
            self.popup.list_view.setFocus(Qt.FocusReason.PopupFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (self._popup is not None and watched is self._popup.list_view
                and event.type() == QEvent.Type.KeyPress):
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.model.toggle(self.popup.list_view.currentIndex())
                return True
        return super().eventFilter(watched, event)

    def _toggle_single_match(self) -> None:
        if self.model.rowCount() == 1:
            self.model.toggle(self.model.index(0))

    def _on_checked_changed(self) -> None:
        self._update_text()
        self.selection_changed.emit()

    def _update_text(self) -> None:
        labels = self.model.checked_labels()
        if not labels:
            text = self._title
            tip = self.tr("{title} : tous (cliquer pour choisir)").format(title=self._title)
        elif len(labels) == 1:
            label = labels[0]
            if len(label) > BUTTON_TEXT_LIMIT:
                label = label[: BUTTON_TEXT_LIMIT - 1].rstrip() + "…"
            text = f"{self._title} : {label}"
            tip = f"{self._title} : {labels[0]}"
        else:
            text = f"{self._title} ({len(labels)})"
            tip = f"{self._title} :\n" + "\n".join(f"• {label}" for label in labels)
        self.setText(text)
        self.setToolTip(tip)
        font = self.font()
        font.setBold(bool(labels))
        self.setFont(font)
