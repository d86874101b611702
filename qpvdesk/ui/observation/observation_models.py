"""The tables of the Observation page: indicators observed, an indicator's values (a row per
year, a column per territory), participation events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from qpvdesk.core.services.observation import (
    FigureRow,
    FigureTable,
    ObservedIndicator,
    ParticipationRow,
    TerritoryColumn,
)
from qpvdesk.ui.actions.shared import decimal_text
from qpvdesk.ui.formatting import number
from qpvdesk.ui.partners.column_model import CENTER, LEFT, RIGHT, Column
from qpvdesk.ui.partners.fields import format_date

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
#: The `FigureRow` of a cell (None where no value is known).
FIGURE_ROLE = Qt.ItemDataRole.UserRole + 1
#: The year of a row.
YEAR_ROLE = Qt.ItemDataRole.UserRole + 2
#: Longest territory name a column header shows (else the kind of territory).
HEADER_NAME_LIMIT = 24
#: The `TerritoryColumn` of a column (None for the year column).
TERRITORY_ROLE = Qt.ItemDataRole.UserRole + 3


def _tr(text: str) -> str:
    return QCoreApplication.translate("ObservationModels", text)


@dataclass(frozen=True, slots=True)
class IndicatorEntry:
    """An observed indicator, keyed by its name (the template wants an ``id``)."""

    id: str
    item: ObservedIndicator

    @property
    def years_label(self) -> str:
        first, last = self.item.first_year, self.item.last_year
        return str(first) if first == last else f"{first}–{last}"


def indicator_columns() -> list[Column[IndicatorEntry]]:
    return [
        Column(_tr("Donnée"), lambda r: r.item.name, tooltip=lambda r: r.item.name),
        Column(_tr("Unité"), lambda r: r.item.unit),
        Column(_tr("Années"), lambda r: r.years_label,
               sort_key=lambda r: (r.item.last_year, r.item.first_year), align=CENTER),
        Column(_tr("Valeurs"), lambda r: number(r.item.figures), sort_key=lambda r: r.item.figures,
               align=RIGHT),
    ]


def participation_columns() -> list[Column[ParticipationRow]]:
    return [
        Column(_tr("Date"), lambda r: format_date(r.held_on), sort_key=lambda r: (r.held_on, r.id),
               align=CENTER),
        Column(_tr("Type"), lambda r: r.kind, tooltip=lambda r: r.kind),
        Column(_tr("Lieu"), lambda r: r.place or "", tooltip=lambda r: r.place),
        Column(_tr("Participants"),
               lambda r: "" if r.participants is None else number(r.participants),
               sort_key=lambda r: r.participants, align=RIGHT),
        Column(_tr("Thèmes"), lambda r: " ".join((r.themes or "").split()),
               tooltip=lambda r: r.themes),
        Column(_tr("Ce qui en est ressorti"), lambda r: " ".join((r.outcome or "").split()),
               tooltip=lambda r: r.outcome),
    ]


class FigureTableModel(QAbstractTableModel):
    """One indicator: a row per year, the year then one column per territory."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._years: list[int] = []
        self._territories: list[TerritoryColumn] = []
        self._cells: dict[tuple[int, str], FigureRow] = {}
        self._unit = ""

    def set_table(self, table: FigureTable | None, rows: Sequence[FigureRow]) -> None:
        """Show *table*'s years and territories; *rows* are its figures (ids and sources)."""
        self.beginResetModel()
        if table is None:
            self._years, self._territories, self._cells, self._unit = [], [], {}, ""
        else:
            self._years = list(table.years)
            self._territories = list(table.territories)
            self._cells = {(row.year, row.territory_name): row for row in rows}
            self._unit = table.unit
        self.endResetModel()

    def years(self) -> list[int]:
        return list(self._years)

    def territories(self) -> list[TerritoryColumn]:
        return list(self._territories)

    def figure_at(self, index: AnyIndex) -> FigureRow | None:
        if not index.isValid() or index.column() == 0 or index.row() >= len(self._years):
            return None
        territory = self._territories[index.column() - 1]
        return self._cells.get((self._years[index.row()], territory.territory_name))

    def cell_index(self, year: int, territory_name: str) -> QModelIndex:
        names = [t.territory_name for t in self._territories]
        if year not in self._years or territory_name not in names:
            return QModelIndex()
        return self.index(self._years.index(year), names.index(territory_name) + 1)

    def figure_index(self, figure_id: int) -> QModelIndex:
        for (year, name), row in self._cells.items():
            if row.id == figure_id:
                return self.cell_index(year, name)
        return QModelIndex()

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._years)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else 1 + len(self._territories)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _DISPLAY) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < self.columnCount():
            return None
        if section == 0:
            if role == _DISPLAY:
                return _tr("Année")
            if role == _ALIGN:
                return CENTER
            return None
        territory = self._territories[section - 1]
        if role == _DISPLAY:
            # A long name (« Communauté de communes du … ») gives way to its kind; the
            # tooltip says both.
            name = territory.territory_name
            return name if len(name) <= HEADER_NAME_LIMIT else territory.territory_label
        if role == _TOOLTIP:
            return f"{territory.territory_label} : {territory.territory_name}"
        if role == _ALIGN:
            return RIGHT
        if role == TERRITORY_ROLE:
            return territory
        return None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> object:
        if not index.isValid() or index.row() >= len(self._years):
            return None
        year = self._years[index.row()]
        if role == YEAR_ROLE:
            return year
        if index.column() == 0:
            if role == _DISPLAY:
                return str(year)
            if role == _ALIGN:
                return CENTER
            return None
        figure = self.figure_at(index)
        if role == FIGURE_ROLE:
            return figure
        if role == TERRITORY_ROLE:
            return self._territories[index.column() - 1]
        if role == _DISPLAY:
            return "" if figure is None else decimal_text(figure.value)
        if role == _ALIGN:
            return RIGHT if figure is not None else LEFT
        if role == _TOOLTIP:
            territory = self._territories[index.column() - 1]
            if figure is None:
                return _tr("Aucune valeur pour {name} en {year} (double-cliquez pour "
                           "l'ajouter).").format(name=territory.territory_name, year=year)
            unit = f"\u00a0{self._unit}" if self._unit else ""
            lines = [f"{territory.territory_name}, {year} : {decimal_text(figure.value)}{unit}"]
            if figure.source:
                lines.append(_tr("Source : {source}").format(source=figure.source))
            return "\n".join(lines)
        return None


__all__ = [
    "FIGURE_ROLE",
    "TERRITORY_ROLE",
    "YEAR_ROLE",
    "FigureTableModel",
    "IndicatorEntry",
    "indicator_columns",
    "participation_columns",
]
