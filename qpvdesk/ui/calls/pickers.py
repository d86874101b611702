"""Checkable pickers of the call editor: targeted objectives (a tree) and envelopes (a list).

Both are small (the framework has a few dozen objectives, a year a few dozen
envelopes), so plain `QTreeWidget`s do; each check is independent: ticking a
priority targets the whole priority, ticking only some of its objectives targets
those.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

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

from qpvdesk.core.domain.enums import ObjectiveLevel
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.calls import EnvelopeChoice
from qpvdesk.core.services.framework import ObjectiveRow

_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_CHECKED = Qt.CheckState.Checked
_UNCHECKED = Qt.CheckState.Unchecked

#: The levels a call may target (action-plan items are too fine for a call).
TARGETABLE_LEVELS = frozenset({ObjectiveLevel.PRIORITY, ObjectiveLevel.STRATEGIC,
                               ObjectiveLevel.OPERATIONAL})


class _CheckTree(QTreeWidget):
    """A tree of checkable items carrying ids; `checked_changed` after any user tick."""

    checked_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filling = False
        self._editable = True
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        self.itemChanged.connect(self._on_item_changed)

    def _on_item_changed(self, _item: QTreeWidgetItem, column: int) -> None:
        if column == 0 and not self._filling:
            self.checked_changed.emit()

    def _items(self) -> Iterable[QTreeWidgetItem]:
        iterator = QTreeWidgetItemIterator(self)
        while iterator.value() is not None:
            yield iterator.value()
            iterator += 1

    def checked_ids(self) -> tuple[int, ...]:
        return tuple(sorted(int(item.data(0, _ID_ROLE)) for item in self._items()
                            if item.checkState(0) == _CHECKED))

    def set_checked_ids(self, ids: Iterable[int]) -> None:
        wanted = set(ids)
        self._filling = True
        try:
            for item in self._items():
                item.setCheckState(0, _CHECKED if int(item.data(0, _ID_ROLE)) in wanted
                                   else _UNCHECKED)
        finally:
            self._filling = False

    def item_for_id(self, item_id: int) -> QTreeWidgetItem | None:
        return next((item for item in self._items() if item.data(0, _ID_ROLE) == item_id), None)

    def set_checked(self, item_id: int, checked: bool) -> None:
        """Tick or untick one item as the user would (emits `checked_changed`)."""
        item = self.item_for_id(item_id)
        if item is not None:
            item.setCheckState(0, _CHECKED if checked else _UNCHECKED)

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        for item in self._items():
            flags = item.flags()
            if editable:
                flags |= Qt.ItemFlag.ItemIsUserCheckable
            else:
                flags &= ~Qt.ItemFlag.ItemIsUserCheckable
            item.setFlags(flags)

    def _new_item(self, parent: QTreeWidget | QTreeWidgetItem, item_id: int,
                  texts: Sequence[str]) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, list(texts))
        item.setData(0, _ID_ROLE, item_id)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._editable:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        item.setFlags(flags)
        item.setCheckState(0, _UNCHECKED)
        return item


class ObjectivePicker(_CheckTree):
    """Priorities, strategic and operational objectives, each with its checkbox."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callObjectives")
        self.setColumnCount(2)
        self.setHeaderLabels([self.tr("Code"), self.tr("Intitulé")])
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self._bold = QFont(self.font())
        self._bold.setBold(True)

    def set_objectives(self, rows: Sequence[ObjectiveRow]) -> None:
        """Rebuild the tree (rows depth-first); ticks and open branches are kept."""
        checked = set(self.checked_ids())
        collapsed = {int(item.data(0, _ID_ROLE)) for item in self._items()
                     if item.childCount() and not item.isExpanded()}
        self._filling = True
        try:
            self.clear()
            items: dict[int, QTreeWidgetItem] = {}
            for row in rows:
                if row.level not in TARGETABLE_LEVELS:
                    continue
                parent = items.get(row.parent_id) if row.parent_id is not None else None
                if row.parent_id is not None and parent is None:
                    continue
                title = " ".join((row.short_title or row.title).split())
                item = self._new_item(parent if parent is not None else self, row.id,
                                      [row.code, title])
                item.setToolTip(1, f"{row.code} — {row.level.label}\n{' '.join(row.title.split())}")
                if row.level is ObjectiveLevel.PRIORITY:
                    item.setFont(0, self._bold)
                    item.setFont(1, self._bold)
                item.setCheckState(0, _CHECKED if row.id in checked else _UNCHECKED)
                items[row.id] = item
            for objective_id, item in items.items():
                if item.childCount():
                    item.setExpanded(objective_id not in collapsed)
        finally:
            self._filling = False

    def codes_checked(self) -> list[str]:
        return [item.text(0) for item in self._items() if item.checkState(0) == _CHECKED]


class EnvelopePicker(_CheckTree):
    """The envelopes of the call's year: budget line, funder, amount."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callEnvelopes")
        self.setColumnCount(3)
        self.setHeaderLabels([self.tr("Ligne budgétaire"), self.tr("Financeur"),
                              self.tr("Montant")])
        self.setRootIsDecorated(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 200)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.headerItem().setTextAlignment(2, Qt.AlignmentFlag.AlignRight
                                           | Qt.AlignmentFlag.AlignVCenter)
        self._amounts: dict[int, Money] = {}

    def set_choices(self, choices: Sequence[EnvelopeChoice], funders: Mapping[int, str],
                    checked: Iterable[int]) -> None:
        """The envelopes of one year; *funders* maps budget line id → funder name."""
        wanted = set(checked)
        self._filling = True
        try:
            self.clear()
            self._amounts = {}
            for choice in choices:
                funder = funders.get(choice.budget_line_id, "")
                item = self._new_item(self, choice.id,
                                      [choice.line_name, funder, choice.amount.format()])
                item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(0, f"{choice.line_name}\n{funder} — {choice.year}")
                item.setToolTip(1, funder)
                item.setCheckState(0, _CHECKED if choice.id in wanted else _UNCHECKED)
                self._amounts[choice.id] = choice.amount
        finally:
            self._filling = False

    def checked_total(self) -> Money:
        return sum((self._amounts.get(i, Money.zero()) for i in self.checked_ids()),
                   Money.zero())
