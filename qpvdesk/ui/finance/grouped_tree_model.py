"""`GroupedTreeModel`: a two-level Qt tree (groups and their rows) over frozen rows.

The money tables are all this shape: a funder and its budget lines, a priority and
its operational objectives, totals as childless groups. Subclasses say what a cell
shows (`cell`); indexes carry 0 for a group and the group's row + 1 for a child.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_HORIZONTAL = Qt.Orientation.Horizontal
_ENABLED = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class GroupedTreeModel(QAbstractItemModel):
    """Groups (top-level rows) holding rows; `set_groups` replaces everything."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._header_tips: dict[int, str] = {}
        self._groups: list[Any] = []
        self._children: list[list[Any]] = []

    # ---------------------------------------------------------------- contents

    def set_groups(self, groups: Sequence[tuple[Any, Sequence[Any]]]) -> None:
        self.beginResetModel()
        self._groups = [group for group, _ in groups]
        self._children = [list(children) for _, children in groups]
        self.endResetModel()

    def set_header(self, column: int, title: str, tooltip: str | None = None) -> None:
        self._headers[column] = title
        if tooltip is not None:
            self._header_tips[column] = tooltip
        self.headerDataChanged.emit(_HORIZONTAL, column, column)

    def node(self, index: AnyIndex) -> Any:
        """The group or row at *index* (None for the root)."""
        if not index.isValid():
            return None
        parent = int(index.internalId())
        if parent == 0:
            return self._groups[index.row()]
        return self._children[parent - 1][index.row()]

    def is_group(self, index: AnyIndex) -> bool:
        return index.isValid() and int(index.internalId()) == 0

    def groups(self) -> list[Any]:
        return list(self._groups)

    def children_of(self, group_row: int) -> list[Any]:
        return list(self._children[group_row])

    def find(self, predicate: Any, column: int = 0) -> QModelIndex:
        """The first index (groups, then their rows) whose node satisfies *predicate*."""
        for row, group in enumerate(self._groups):
            if predicate(group):
                return self.createIndex(row, column, 0)
            for child_row, child in enumerate(self._children[row]):
                if predicate(child):
                    return self.createIndex(child_row, column, row + 1)
        return QModelIndex()

    def cell(self, node: Any, column: int, role: int, is_group: bool) -> object:
        """What *role* of *column* shows for *node* (subclasses)."""
        raise NotImplementedError

    # ---------------------------------------------------------------- QAbstractItemModel

    def index(self, row: int, column: int, parent: AnyIndex = _ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: AnyIndex | None = None) -> QModelIndex:  # type: ignore[override]
        if index is None:  # QObject.parent()
            return super().parent()  # type: ignore[return-value]
        if not index.isValid():
            return QModelIndex()
        parent = int(index.internalId())
        if parent == 0:
            return QModelIndex()
        return self.createIndex(parent - 1, 0, 0)

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        if not parent.isValid():
            return len(self._groups)
        if parent.column() > 0 or int(parent.internalId()) != 0:
            return 0
        return len(self._children[parent.row()])

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        return len(self._headers)

    def hasChildren(self, parent: AnyIndex = _ROOT) -> bool:
        return self.rowCount(parent) > 0

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _ENABLED

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _DISPLAY) -> object:
        if orientation != _HORIZONTAL or not 0 <= section < len(self._headers):
            return None
        if role == _DISPLAY:
            return self._headers[section]
        if role == _TOOLTIP:
            return self._header_tips.get(section)
        return None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> object:
        if not index.isValid():
            return None
        is_group = int(index.internalId()) == 0
        return self.cell(self.node(index), index.column(), role, is_group)
