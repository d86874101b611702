"""Checklists of what answers an evaluative question: indicators (grouped by what they are
about) and actions. A tick is reported at once (`toggled`); the screen writes the link.

Both lists are small (a few dozen actions, a few hundred indicators at most): plain
`QTreeWidget`s do. Refilling with the same items only updates their checks, so that
the list does not jump back to its top after each tick.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QWidget,
)

from qpvdesk.core.domain.text import fold
from qpvdesk.core.services.actions import ActionRow
from qpvdesk.core.services.indicators import IndicatorRow

_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_CHECKED = Qt.CheckState.Checked
_UNCHECKED = Qt.CheckState.Unchecked


class _LinkTree(QTreeWidget):
    """Checkable items carrying ids (group items carry none)."""

    #: (item id, checked) after a user's tick.
    toggled = Signal(int, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filling = False
        self._editable = True
        self._key: tuple[object, ...] = ()
        self._only_checked = False
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.itemChanged.connect(self._on_item_changed)
        self._bold = QFont(self.font())
        self._bold.setBold(True)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column != 0 or self._filling:
            return
        item_id = item.data(0, _ID_ROLE)
        if item_id is not None:
            self.toggled.emit(int(item_id), item.checkState(0) == _CHECKED)

    def _items(self) -> Iterable[QTreeWidgetItem]:
        iterator = QTreeWidgetItemIterator(self)
        while iterator.value() is not None:
            yield iterator.value()
            iterator += 1

    def _leaf(self, parent: QTreeWidget | QTreeWidgetItem, item_id: int,
              texts: Sequence[str], tooltip: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, list(texts))
        item.setData(0, _ID_ROLE, item_id)
        for column in range(len(texts)):
            item.setToolTip(column, tooltip)
        item.setFlags(self._leaf_flags())
        item.setCheckState(0, _UNCHECKED)
        return item

    def _leaf_flags(self) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._editable:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def checked_ids(self) -> tuple[int, ...]:
        return tuple(sorted(int(item.data(0, _ID_ROLE)) for item in self._items()
                            if item.data(0, _ID_ROLE) is not None
                            and item.checkState(0) == _CHECKED))

    def item_for_id(self, item_id: int) -> QTreeWidgetItem | None:
        return next((item for item in self._items() if item.data(0, _ID_ROLE) == item_id), None)

    def set_checked(self, item_id: int, checked: bool) -> None:
        """Tick or untick an item as the user would (emits `toggled`)."""
        item = self.item_for_id(item_id)
        if item is not None and bool(item.flags() & Qt.ItemFlag.ItemIsUserCheckable):
            item.setCheckState(0, _CHECKED if checked else _UNCHECKED)

    def _set_checks(self, ids: Iterable[int]) -> None:
        wanted = set(ids)
        self._filling = True
        try:
            for item in self._items():
                item_id = item.data(0, _ID_ROLE)
                if item_id is not None:
                    item.setCheckState(0, _CHECKED if int(item_id) in wanted else _UNCHECKED)
        finally:
            self._filling = False
        self._apply_visibility()

    def set_only_checked(self, only: bool) -> None:
        self._only_checked = only
        self._apply_visibility()

    def _apply_visibility(self) -> None:
        for index in range(self.topLevelItemCount()):
            top = self.topLevelItem(index)
            if top is None:
                continue
            if top.data(0, _ID_ROLE) is not None:  # a flat list
                top.setHidden(self._only_checked and top.checkState(0) != _CHECKED)
                continue
            visible = 0
            for child_index in range(top.childCount()):
                child = top.child(child_index)
                if child is None:
                    continue
                hidden = self._only_checked and child.checkState(0) != _CHECKED
                child.setHidden(hidden)
                visible += not hidden
            top.setHidden(visible == 0)

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        for item in self._items():
            if item.data(0, _ID_ROLE) is not None:
                item.setFlags(self._leaf_flags())


class IndicatorLinkTree(_LinkTree):
    """Indicators grouped by the action (or objective) they are about."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("questionIndicators")
        self.setColumnCount(2)
        self.setHeaderLabels([self.tr("Indicateur"), self.tr("Unité")])
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)

    def set_indicators(self, indicators: Sequence[IndicatorRow], checked: Iterable[int]) -> None:
        key = tuple((row.id, row.name, row.unit, row.owner_label) for row in indicators)
        if key != self._key:
            self._key = key
            self._filling = True
            try:
                self.clear()
                groups: dict[str, QTreeWidgetItem] = {}
                ordered = sorted(indicators, key=lambda r: (r.action_id is None,
                                                            fold(r.owner_label), r.id))
                for row in ordered:
                    group = groups.get(row.owner_label)
                    if group is None:
                        group = QTreeWidgetItem(self, [row.owner_label, ""])
                        group.setFont(0, self._bold)
                        group.setToolTip(0, row.owner_label)
                        group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                        groups[row.owner_label] = group
                    self._leaf(group, row.id, [row.name, row.unit or ""],
                               f"{row.name}\n{row.owner_label}")
                self.expandAll()
            finally:
                self._filling = False
        self._set_checks(checked)


class ActionLinkList(_LinkTree):
    """Every action, with its objective code and holder."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("questionActions")
        self.setColumnCount(3)
        self.setRootIsDecorated(False)
        self.setHeaderLabels([self.tr("Action"), self.tr("Objectif"), self.tr("Porteur")])
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        self.setColumnWidth(2, 180)

    def set_actions(self, actions: Sequence[ActionRow], checked: Iterable[int]) -> None:
        key = tuple((row.id, row.title, row.objective_code, row.holder_name) for row in actions)
        if key != self._key:
            self._key = key
            self._filling = True
            try:
                self.clear()
                for row in actions:
                    self._leaf(self, row.id,
                               [row.title, row.objective_code or "", row.holder_name or ""],
                               f"{row.title}\n{row.holder_name or ''} · {row.kind_label}")
            finally:
                self._filling = False
        self._set_checks(checked)


__all__ = ["ActionLinkList", "IndicatorLinkTree"]
