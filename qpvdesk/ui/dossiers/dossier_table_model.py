"""`DossierTableModel`: the dossier list, filtered and sorted in its own row list.

Built for 50 000 rows (``performance.md``): no ``QSortFilterProxyModel`` (17 s to sort
100 000 Python rows through one); the model keeps the loaded rows, the same rows in
the sort order, and the visible ones (the filter applied to the sorted list). Sorting
is one ``sorted()`` on the core's `SORT_KEYS`; filtering is `DossierFilter.apply`.
``data()`` is what Qt calls thousands of times a screen: roles are bound to module
constants and each row's display texts are built once, when first painted, then cached.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPixmap

from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.dossier_list import SORT_KEYS, DossierFilter, DossierRow

(
    COLUMN_REFERENCE,
    COLUMN_YEAR,
    COLUMN_HOLDER,
    COLUMN_ACTION,
    COLUMN_OBJECTIVE,
    COLUMN_TOTAL_COST,
    COLUMN_REQUESTED,
    COLUMN_PROPOSED,
    COLUMN_GRANTED,
    COLUMN_STATE,
    COLUMN_UPDATED,
) = range(11)
COLUMN_COUNT = 11
AMOUNT_COLUMNS = frozenset({COLUMN_TOTAL_COST, COLUMN_REQUESTED, COLUMN_PROPOSED, COLUMN_GRANTED})
_DESCENDING_FIRST = AMOUNT_COLUMNS | {COLUMN_UPDATED}

#: The core's sort key of each column (`SORT_KEYS`).
SORT_KEY_NAMES = (
    "reference",
    "year",
    "holder",
    "action",
    "objective",
    "total_cost",
    "requested",
    "proposed",
    "granted",
    "state",
    "updated_at",
)

# Roles bound once: attribute look-ups on Qt enums cost microseconds per data() call.
_DISPLAY = Qt.ItemDataRole.DisplayRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_HORIZONTAL = Qt.Orientation.Horizontal
_INITIAL_ORDER = Qt.ItemDataRole.InitialSortOrderRole
_ASCENDING = Qt.SortOrder.AscendingOrder
_DESCENDING = Qt.SortOrder.DescendingOrder
#: The native value a column sorts on (cents for amounts, the workflow rank for states…).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The `DossierRow` of a row.
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
#: The dossier id of a row.
ID_ROLE = Qt.ItemDataRole.UserRole + 3

_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTRE = int(Qt.AlignmentFlag.AlignCenter)
_ALIGNMENTS = tuple(
    _RIGHT if column in AMOUNT_COLUMNS else _CENTRE if column == COLUMN_YEAR else _LEFT
    for column in range(COLUMN_COUNT)
)
#: A dossier that calls for attention: dark orange, readable on white and on a selection.
WARNING_COLOUR = QColor(176, 80, 0)

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_NO_WARNINGS: dict[int, str] = {}
Texts = tuple[str, ...]


def _tr(text: str) -> str:
    return QCoreApplication.translate("DossierTableModel", text)


def _amount(cents: int) -> str:
    # "26 000 €", "12 345,50 €": cents only when there are some, as everywhere in the app.
    return Money(cents).format()


def display_texts(row: DossierRow) -> Texts:
    """What each column shows for *row* (French amounts and dates)."""
    return (
        row.reference,
        str(row.year),
        row.holder_name,
        row.action_title,
        row.objective_code or "",
        _amount(row.total_cost_cents),
        _amount(row.requested_cents),
        _amount(row.proposed_cents),
        _amount(row.granted_cents),
        row.state.label,
        row.updated_at.astimezone().strftime("%d/%m/%Y"),
    )


def row_warnings(row: DossierRow) -> dict[int, str]:
    """What stands out on a row, by the column that shows it (empty for most rows).

    Only what the row itself tells: late arrival, granted above requested (in total),
    requested above the action's total cost. The dossier's editor lists every warning.
    """
    if not (
        row.late
        or row.granted_cents > row.requested_cents
        or row.requested_cents > row.total_cost_cents > 0
    ):
        return _NO_WARNINGS
    found: dict[int, str] = {}
    if row.late:
        found[COLUMN_REFERENCE] = _tr("Dossier reçu après la clôture de l'appel à projets.")
    if row.granted_cents > row.requested_cents:
        found[COLUMN_GRANTED] = _tr("Le montant accordé ({granted}) dépasse le montant demandé "
                                    "({requested}).").format(granted=_amount(row.granted_cents),
                                                             requested=_amount(
                                                                 row.requested_cents))
    if row.requested_cents > row.total_cost_cents > 0:
        found[COLUMN_REQUESTED] = _tr("Le total demandé ({requested}) dépasse le coût total de "
                                      "l'action ({cost}).").format(
            requested=_amount(row.requested_cents), cost=_amount(row.total_cost_cents))
    return found


def _marker_icon(colour: QColor) -> QIcon:
    """A small filled dot: the discreet marker of a dossier that calls for attention."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawEllipse(2, 2, 8, 8)
    painter.end()
    return QIcon(pixmap)


class DossierTableModel(QAbstractTableModel):
    """The dossier list: loaded rows, sorted by a column, filtered by a `DossierFilter`.

    `set_rows` replaces the rows (a reset); `refresh_rows` takes a reload after a change
    and only repaints when the list keeps its shape; `set_filter` and `sort` work on the
    rows in memory. The visible rows, in their order, are what `rows` returns (and what
    the export writes).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loaded: list[DossierRow] = []  # as the core returns them: by year, then number
        self._sorted: list[DossierRow] = []  # the same, in the sort order
        self._visible: list[DossierRow] = []  # the filter applied to the sorted rows
        self._filter = DossierFilter()
        self._only: frozenset[int] | None = None
        self._sort_column = COLUMN_REFERENCE
        self._descending = False
        self._texts: dict[int, Texts] = {}
        self._warnings: dict[int, dict[int, str]] = {}
        self._positions: dict[int, int] | None = None
        self._objective_labels: dict[int, str] = {}
        self._marker: QIcon | None = None
        self._warning_brush = QBrush(WARNING_COLOUR)
        self._headers = (
            _tr("Référence"), _tr("Année"), _tr("Porteur"), _tr("Action"), _tr("Objectif"),
            _tr("Coût total"), _tr("Demandé"), _tr("Proposé"), _tr("Accordé"), _tr("État"),
            _tr("Modifié le"),
        )
        self._header_tips = (
            _tr("Numéro du dossier dans son année"), _tr("Exercice du dossier"),
            _tr("Porteur de projet"), _tr("Intitulé de l'action"),
            _tr("Objectif opérationnel du cadre stratégique"),
            _tr("Coût total de l'action"), _tr("Total demandé aux financeurs"),
            _tr("Total proposé par l'instruction"), _tr("Total accordé par les financeurs"),
            _tr("État du dossier"), _tr("Dernière modification du dossier"),
        )

    # ---------------------------------------------------------------- loading

    def set_rows(self, rows: Iterable[DossierRow]) -> None:
        """Replace every row (a model reset); the filter and the sort stay."""
        self.beginResetModel()
        self._load(rows)
        self.endResetModel()

    def refresh_rows(self, rows: Iterable[DossierRow]) -> bool:
        """Take the rows read again after a change; True when the list kept its shape.

        When the visible dossiers are the same, in the same order (an amount or a state
        changed), only ``dataChanged`` is emitted: selection and scrolling are untouched.
        Otherwise the model is reset and the caller restores what it keeps.
        """
        loaded = list(rows)
        ordered = self._sort(loaded)
        visible = self._select(ordered)
        if [row.id for row in visible] != [row.id for row in self._visible]:
            # Rows came, went or moved: a reset (the screen restores selection and scroll).
            self.beginResetModel()
            self._take(loaded, ordered, visible)
            self.endResetModel()
            return False
        self._take(loaded, ordered, visible)
        if visible:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(visible) - 1, COLUMN_COUNT - 1))
        return True

    def _load(self, rows: Iterable[DossierRow]) -> None:
        loaded = list(rows)
        ordered = self._sort(loaded)
        self._take(loaded, ordered, self._select(ordered))

    def _take(self, loaded: list[DossierRow], ordered: list[DossierRow],
              visible: list[DossierRow]) -> None:
        self._loaded = loaded
        self._sorted = ordered
        self._visible = visible
        self._positions = None
        # Rows are new objects: their texts are built again when painted.
        self._texts = {}
        self._warnings = {}

    def set_objective_labels(self, labels: dict[int, str]) -> None:
        """Objective id → "P1.1.1 – title", for the tooltips of the objective column."""
        self._objective_labels = dict(labels)

    # ---------------------------------------------------------------- filtering

    @property
    def filter(self) -> DossierFilter:
        return self._filter

    @property
    def only_ids(self) -> frozenset[int] | None:
        return self._only

    def set_filter(self, dossier_filter: DossierFilter,
                   only_ids: Iterable[int] | None = None) -> None:
        """Show the rows that pass *dossier_filter* (and are among *only_ids*, if given)."""
        only = None if only_ids is None else frozenset(only_ids)
        if dossier_filter == self._filter and only == self._only:
            return
        self.beginResetModel()
        self._filter = dossier_filter
        self._only = only
        self._visible = self._select(self._sorted)
        self._positions = None
        self.endResetModel()

    def _select(self, rows: list[DossierRow]) -> list[DossierRow]:
        only = self._only
        if only is not None:
            rows = [row for row in rows if row.id in only]
        return rows if self._filter.is_empty else self._filter.apply(rows)

    # ---------------------------------------------------------------- sorting

    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder

    def _sort(self, rows: list[DossierRow]) -> list[DossierRow]:
        # Always from the loaded order: equal keys stay by year and number (stable sort,
        # ``reverse`` keeps equal keys in their order too).
        key = SORT_KEYS[SORT_KEY_NAMES[self._sort_column]]
        return sorted(rows, key=key, reverse=self._descending)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort on *column* (the view's header calls it); the selection follows its rows."""
        descending = order == Qt.SortOrder.DescendingOrder
        if not 0 <= column < COLUMN_COUNT or (
            column == self._sort_column and descending == self._descending
        ):
            return  # already so (QTableView.sortByColumn asks twice)
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        moved = [(index, self._visible[index.row()].id) for index in persistent
                 if index.isValid() and index.row() < len(self._visible)]
        self._sort_column = column
        self._descending = descending
        self._sorted = self._sort(self._loaded)
        self._visible = self._select(self._sorted)
        self._positions = None
        if moved:
            positions = self._position_map()
            self.changePersistentIndexList(
                [index for index, _ in moved],
                [self.index(positions[dossier_id], index.column()) for index, dossier_id in moved],
            )
        self.layoutChanged.emit()

    # ---------------------------------------------------------------- look-ups

    def rows(self) -> list[DossierRow]:
        """The visible rows, in the order shown."""
        return list(self._visible)

    def loaded_rows(self) -> list[DossierRow]:
        """Every loaded row (filtered or not), by year then number."""
        return list(self._loaded)

    def row_at(self, position: int) -> DossierRow:
        return self._visible[position]

    def id_at(self, index: AnyIndex) -> int | None:
        if not index.isValid() or index.row() >= len(self._visible):
            return None
        return self._visible[index.row()].id

    def _position_map(self) -> dict[int, int]:
        if self._positions is None:
            self._positions = {row.id: position for position, row in enumerate(self._visible)}
        return self._positions

    def position_of(self, dossier_id: int) -> int | None:
        """Where a dossier is shown, or None when it is filtered out or not loaded."""
        return self._position_map().get(dossier_id)

    def index_for_id(self, dossier_id: int, column: int = COLUMN_REFERENCE) -> QModelIndex:
        position = self.position_of(dossier_id)
        return QModelIndex() if position is None else self.index(position, column)

    # ---------------------------------------------------------------- QAbstractTableModel

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else COLUMN_COUNT

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _DISPLAY) -> Any:
        if orientation != _HORIZONTAL or not 0 <= section < COLUMN_COUNT:
            return None
        if role == _DISPLAY:
            return self._headers[section]
        if role == _TOOLTIP:
            return self._header_tips[section]
        if role == _ALIGNMENT:
            return _ALIGNMENTS[section]
        if role == _INITIAL_ORDER:
            # A first click on an amount or a date shows the largest or latest first.
            return _DESCENDING if section in _DESCENDING_FIRST else _ASCENDING
        return None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self._visible[index.row()]
        if role == _DISPLAY:
            texts = self._texts.get(row.id)
            if texts is None:
                texts = self._texts[row.id] = display_texts(row)
            return texts[index.column()]
        if role == _ALIGNMENT:
            return _ALIGNMENTS[index.column()]
        if role == _FOREGROUND:
            return self._warning_brush if index.column() in self._row_warnings(row) else None
        if role == _DECORATION:
            if index.column() == COLUMN_REFERENCE and self._row_warnings(row):
                if self._marker is None:
                    self._marker = _marker_icon(WARNING_COLOUR)
                return self._marker
            return None
        if role == _TOOLTIP:
            return self._tooltip(row, index.column())
        if role == SORT_ROLE:
            return SORT_KEYS[SORT_KEY_NAMES[index.column()]](row)
        if role == ROW_ROLE:
            return row
        if role == ID_ROLE:
            return row.id
        return None

    def _row_warnings(self, row: DossierRow) -> dict[int, str]:
        found = self._warnings.get(row.id)
        if found is None:
            found = self._warnings[row.id] = row_warnings(row)
        return found

    def _tooltip(self, row: DossierRow, column: int) -> str | None:
        warnings = self._row_warnings(row)
        if column == COLUMN_REFERENCE:
            if warnings:
                return "\n".join([row.reference, *warnings.values()])
            return None
        if column in warnings:
            return warnings[column]
        if column == COLUMN_HOLDER:
            return row.holder_name
        if column == COLUMN_ACTION:
            return row.action_title
        if column == COLUMN_OBJECTIVE and row.objective_id is not None:
            return self._objective_labels.get(row.objective_id)
        if column == COLUMN_UPDATED:
            return row.updated_at.astimezone().strftime(_tr("Modifié le %d/%m/%Y à %H:%M"))
        return None
