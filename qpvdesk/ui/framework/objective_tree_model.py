"""`ObjectiveTreeModel`: the framework's objectives as a two-column Qt tree (Code | Intitulé)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from qpvdesk.core.domain.enums import ObjectiveLevel
from qpvdesk.core.domain.text import fold
from qpvdesk.core.services.framework import ObjectiveRow

COLUMN_CODE, COLUMN_TITLE = 0, 1
COLUMN_COUNT = 2

# Roles bound once: attribute look-ups on Qt enums cost microseconds per data() call.
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_FONT = Qt.ItemDataRole.FontRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
#: The `ObjectiveRow` of a node.
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
#: The objective id of a node.
ID_ROLE = Qt.ItemDataRole.UserRole + 2

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class ObjectiveTreeModel(QAbstractItemModel):
    """Frozen `ObjectiveRow`s arranged as their tree, with an optional text filter.

    Indexes carry the objective id as their internal id; the filter keeps the
    matching nodes and their ancestors (shown greyed when they do not match).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: dict[int, ObjectiveRow] = {}
        self._all_children: dict[int | None, list[int]] = {None: []}
        self._folded: dict[int, str] = {}
        self._children: dict[int | None, list[int]] = {None: []}
        self._row_of: dict[int, int] = {}
        self._matches: set[int] | None = None
        self._filter = ""
        self._bold = QFont()
        self._bold.setBold(True)

    # ---------------------------------------------------------------- loading and filtering

    def set_rows(self, rows: Sequence[ObjectiveRow]) -> None:
        """Replace the whole tree (rows depth-first, as `objective_rows` returns them)."""
        self.beginResetModel()
        self._rows = {row.id: row for row in rows}
        self._all_children = {None: []}
        for row in rows:
            self._all_children.setdefault(row.parent_id, []).append(row.id)
        self._folded = {
            row.id: fold(" ".join(filter(None, (row.code, row.title, row.short_title))))
            for row in rows
        }
        self._apply_filter()
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        """Keep only nodes whose code or title contains *text* (case and accents ignored)."""
        needle = fold(text)
        if needle == self._filter:
            return
        self.beginResetModel()
        self._filter = needle
        self._apply_filter()
        self.endResetModel()

    @property
    def filter_text(self) -> str:
        return self._filter

    def _apply_filter(self) -> None:
        if not self._filter:
            self._matches = None
            self._children = self._all_children
        else:
            words = self._filter.split()
            self._matches = {
                objective_id for objective_id, text in self._folded.items()
                if all(word in text for word in words)
            }
            visible: set[int] = set()
            for objective_id in self._matches:
                node: int | None = objective_id
                while node is not None and node not in visible:
                    visible.add(node)
                    node = self._rows[node].parent_id
            self._children = {
                parent: [child for child in children if child in visible]
                for parent, children in self._all_children.items()
                if parent is None or parent in visible
            }
        self._row_of = {
            child: position
            for children in self._children.values()
            for position, child in enumerate(children)
        }

    # ---------------------------------------------------------------- look-ups for the screen

    def row(self, objective_id: int) -> ObjectiveRow | None:
        return self._rows.get(objective_id)

    def rows(self) -> list[ObjectiveRow]:
        """Every row, filtered or not, depth-first."""
        ordered: list[ObjectiveRow] = []

        def walk(parent: int | None) -> None:
            for child in self._all_children.get(parent, []):
                ordered.append(self._rows[child])
                walk(child)

        walk(None)
        return ordered

    def siblings(self, objective_id: int) -> list[int]:
        """Ids under the same parent, in order (ignoring the filter)."""
        return list(self._all_children.get(self._rows[objective_id].parent_id, []))

    def subtree(self, objective_id: int) -> set[int]:
        """The node and all its descendants."""
        found = {objective_id}
        pending = [objective_id]
        while pending:
            for child in self._all_children.get(pending.pop(), []):
                found.add(child)
                pending.append(child)
        return found

    def index_for_id(self, objective_id: int, column: int = COLUMN_CODE) -> QModelIndex:
        """The index of a visible node, or an invalid index."""
        if objective_id not in self._row_of:
            return QModelIndex()
        return self.createIndex(self._row_of[objective_id], column, objective_id)

    def id_at(self, index: AnyIndex) -> int | None:
        return int(index.internalId()) if index.isValid() else None

    # ---------------------------------------------------------------- QAbstractItemModel

    def index(self, row: int, column: int, parent: AnyIndex = _ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        parent_id = self.id_at(parent)
        return self.createIndex(row, column, self._children[parent_id][row])

    def parent(self, index: AnyIndex | None = None) -> QModelIndex:  # type: ignore[override]
        if index is None:  # QObject.parent()
            return super().parent()  # type: ignore[return-value]
        if not index.isValid():
            return QModelIndex()
        parent_id = self._rows[int(index.internalId())].parent_id
        if parent_id is None:
            return QModelIndex()
        return self.createIndex(self._row_of[parent_id], COLUMN_CODE, parent_id)

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        if parent.column() > 0:
            return 0
        return len(self._children.get(self.id_at(parent), ()))

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        return COLUMN_COUNT

    def hasChildren(self, parent: AnyIndex = _ROOT) -> bool:
        return self.rowCount(parent) > 0

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _DISPLAY) -> object:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self.tr("Code") if section == COLUMN_CODE else self.tr("Intitulé")
        return None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> object:
        if not index.isValid():
            return None
        row = self._rows[int(index.internalId())]
        column = index.column()
        if role == _DISPLAY:
            return row.code if column == COLUMN_CODE else " ".join(row.title.split())
        if role == _TOOLTIP:
            return (f"<p><b>{escape(row.code)}</b> — {escape(row.level.label)}</p>"
                    f"<p>{escape(row.title)}</p>")
        if role == _FONT:
            return self._bold if row.level is ObjectiveLevel.PRIORITY else None
        if role == _FOREGROUND:
            if self._matches is not None and row.id not in self._matches:
                return QApplication.palette().color(QPalette.ColorGroup.Disabled,
                                                     QPalette.ColorRole.Text)
            if column == COLUMN_CODE and row.level is not ObjectiveLevel.PRIORITY:
                return QColor(QApplication.palette().color(QPalette.ColorRole.PlaceholderText))
            return None
        if role == ROW_ROLE:
            return row
        if role == ID_ROLE:
            return row.id
        return None
