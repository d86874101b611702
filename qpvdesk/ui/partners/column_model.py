"""`ColumnTableModel`: a table of frozen rows described by column specs, sorted in the model.

The one table-model template of the Partenaires and Appels à projets pages (it would
belong in ``ui/widgets/`` once shared more widely): column constants are the
positions of the `Column` list, `SORT_ROLE` gives native sort values, `ROW_ROLE`
the row object, `set_rows()` resets, and sorting happens on the model's own list
(never through a `QSortFilterProxyModel`, see ``shared/performance.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon

from qpvdesk.core.domain.text import fold

R = TypeVar("R")

# Roles bound once: attribute look-ups on Qt enums cost microseconds per data() call.
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_FONT = Qt.ItemDataRole.FontRole
_DECORATION = Qt.ItemDataRole.DecorationRole
#: The row object of any cell.
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
#: The native value a column sorts on.
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
#: The row's ``id`` attribute.
ID_ROLE = Qt.ItemDataRole.UserRole + 3

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter

#: Dark red that reads on light and dark palettes alike: expired, late, refused.
ALERT_COLOR = QColor(198, 40, 40)

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


def _no_value(_row: Any) -> None:
    return None


@dataclass(frozen=True)
class Column(Generic[R]):
    """How one column shows a row: its text, sort value, alignment and optional cues."""

    title: str
    text: Callable[[R], str]
    sort_key: Callable[[R], Any] | None = None
    align: Qt.AlignmentFlag = LEFT
    tooltip: Callable[[R], str | None] = _no_value
    alert: Callable[[R], bool] | None = None
    icon: Callable[[R], QIcon | None] = _no_value
    header_tooltip: str | None = None


def _key(column: Column[Any]) -> Callable[[Any], Any]:
    """The column's sort key; texts sort without case or accents (« Écoles » after « Eau »)."""
    if column.sort_key is not None:
        return column.sort_key
    text = column.text
    return lambda row: fold(text(row))


def _sort_value(value: Any) -> Any:
    # None sorts first, whatever the type of the other values.
    return (value is not None, value)


class ColumnTableModel(QAbstractTableModel, Generic[R]):
    """Rows of one dataclass (with an ``id``) shown through `Column` specs."""

    def __init__(self, columns: Sequence[Column[R]], parent: QObject | None = None,
                 row_alert: Callable[[R], bool] | None = None,
                 row_muted: Callable[[R], bool] | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[R] = []
        self._row_alert = row_alert
        self._row_muted = row_muted
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._alert_brush = QBrush(ALERT_COLOR)
        self._muted_brush = QBrush(QColor(128, 128, 128))
        self._bold = QFont()
        self._bold.setBold(True)

    # ---------------------------------------------------------------- rows

    def set_rows(self, rows: Sequence[R]) -> None:
        """Replace every row (sorted again by the current sort column)."""
        self.beginResetModel()
        self._rows = list(rows)
        if self._sort is not None:
            self._sort_rows(*self._sort)
        self.endResetModel()

    def rows(self) -> list[R]:
        return list(self._rows)

    def row_at(self, index: AnyIndex) -> R | None:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        return self._rows[index.row()]

    def id_at(self, index: AnyIndex) -> int | None:
        row = self.row_at(index)
        return None if row is None else row.id  # type: ignore[attr-defined]

    def index_for_id(self, row_id: int, column: int = 0) -> QModelIndex:
        for position, row in enumerate(self._rows):
            if row.id == row_id:  # type: ignore[attr-defined]
                return self.index(position, column)
        return QModelIndex()

    def column_index(self, title: str) -> int:
        return next(i for i, column in enumerate(self._columns) if column.title == title)

    # ---------------------------------------------------------------- QAbstractTableModel

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _DISPLAY) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == _DISPLAY:
            return column.title
        if role == _TOOLTIP:
            return column.header_tooltip
        if role == _ALIGN:
            return column.align
        return None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> object:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == _DISPLAY:
            return column.text(row)
        if role == _ALIGN:
            return column.align
        if role == _FOREGROUND:
            if (column.alert is not None and column.alert(row)) or (
                    self._row_alert is not None and self._row_alert(row)):
                return self._alert_brush
            if self._row_muted is not None and self._row_muted(row):
                return self._muted_brush
            return None
        if role == _FONT:
            if column.alert is not None and column.alert(row):
                return self._bold
            return None
        if role == _TOOLTIP:
            return column.tooltip(row)
        if role == _DECORATION:
            return column.icon(row)
        if role == SORT_ROLE:
            return _key(column)(row)
        if role == ROW_ROLE:
            return row
        if role == ID_ROLE:
            return row.id  # type: ignore[attr-defined]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            self._sort = None
            return
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        before = [(self._rows[i.row()] if i.isValid() else None, i.column())
                  for i in persistent]
        self._sort_rows(column, order)
        position = {id(row): n for n, row in enumerate(self._rows)}
        self.changePersistentIndexList(
            persistent,
            [QModelIndex() if row is None else self.index(position[id(row)], col)
             for row, col in before],
        )
        self.layoutChanged.emit()

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        key = _key(self._columns[column])
        self._rows.sort(key=lambda row: _sort_value(key(row)),
                        reverse=order == Qt.SortOrder.DescendingOrder)
