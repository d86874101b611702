"""The tables of the Évaluation page: questions, indicators' trajectories, dossiers to report.

`TrajectoryTableModel` lays out each indicator on two lines, planned then achieved,
one column per year: an achieved value below the planned one is red, one that meets
it green; its rate is in the tooltip.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from qpvdesk.core.domain.enums import DossierState
from qpvdesk.core.services.indicators import IndicatorRow, QuestionRow
from qpvdesk.ui.actions.shared import decimal_text, percent_text
from qpvdesk.ui.evaluation.evaluation_data import ReportDossierRow
from qpvdesk.ui.partners.column_model import ALERT_COLOR, CENTER, LEFT, RIGHT, Column
from qpvdesk.ui.partners.fields import format_date

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_FONT = Qt.ItemDataRole.FontRole
#: The indicator id of a line.
INDICATOR_ROLE = Qt.ItemDataRole.UserRole + 1
#: The exact value of a year cell (Decimal or None).
VALUE_ROLE = Qt.ItemDataRole.UserRole + 2
#: Green that reads on light backgrounds: an achieved value meeting the planned one.
MET_COLOR = QColor(46, 125, 50)
STATE_ORDER = {state: position for position, state in enumerate(DossierState)}
#: Fixed columns of the trajectory table before the years.
COLUMN_INDICATOR, COLUMN_OWNER, COLUMN_KIND = range(3)
YEARS_START = 3


def _tr(text: str) -> str:
    return QCoreApplication.translate("EvaluationModels", text)


def question_columns() -> list[Column[QuestionRow]]:
    def links(row: QuestionRow) -> str:
        return _tr("{i} ind. · {a} act.").format(i=len(row.indicator_ids),
                                                   a=len(row.action_ids))

    return [
        Column(_tr("Question évaluative"), lambda r: f"Q{r.number}. {r.text}",
               sort_key=lambda r: r.position, tooltip=lambda r: r.text),
        Column(_tr("Liens"), links, sort_key=lambda r: len(r.indicator_ids) + len(r.action_ids),
               align=RIGHT,
               header_tooltip=_tr("Indicateurs et actions liés à la question")),
    ]


def report_columns(today: date) -> list[Column[ReportDossierRow]]:
    return [
        Column(_tr("Dossier"), lambda r: r.reference),
        Column(_tr("Année"), lambda r: r.years_label, sort_key=lambda r: (r.year, r.reference),
               align=CENTER),
        Column(_tr("Porteur"), lambda r: r.holder_name, tooltip=lambda r: r.holder_name),
        Column(_tr("Action"), lambda r: r.action_title, tooltip=lambda r: r.action_title),
        Column(_tr("État"), lambda r: r.state_label, sort_key=lambda r: STATE_ORDER[r.state]),
        Column(_tr("Accordé"), lambda r: r.granted.format() if r.granted else "",
               sort_key=lambda r: r.granted.cents, align=RIGHT),
        Column(_tr("Versé"), lambda r: r.paid.format() if r.paid else "",
               sort_key=lambda r: r.paid.cents, align=RIGHT),
        Column(_tr("Compte rendu"), lambda r: r.status(today),
               sort_key=lambda r: (r.received_on is not None, r.received_on or r.deadline),
               alert=lambda r: r.overdue(today),
               header_tooltip=_tr("Le compte rendu financier (CERFA 15059) est attendu au "
                                  "30 juin de l'année qui suit l'action")),
        Column(_tr("Reçu le"), lambda r: format_date(r.received_on),
               sort_key=lambda r: r.received_on, align=CENTER),
    ]


class TrajectoryTableModel(QAbstractTableModel):
    """Indicators year by year: a planned line and an achieved line each."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._indicators: list[IndicatorRow] = []
        self._years: list[int] = []
        self._bold = QFont()
        self._bold.setBold(True)
        self._below = QBrush(ALERT_COLOR)
        self._met = QBrush(MET_COLOR)
        self._muted = QBrush(QColor(110, 110, 110))

    def set_rows(self, indicators: Sequence[IndicatorRow], years: Sequence[int]) -> None:
        self.beginResetModel()
        self._indicators = list(indicators)
        self._years = sorted(set(years) | {v.year for row in indicators for v in row.values})
        self.endResetModel()

    def indicators(self) -> list[IndicatorRow]:
        return list(self._indicators)

    def years(self) -> list[int]:
        return list(self._years)

    def year_column(self, year: int) -> int:
        return YEARS_START + self._years.index(year)

    def line(self, indicator_id: int, achieved: bool) -> int:
        """The row of an indicator's planned (or achieved) line; -1 when not shown."""
        for position, row in enumerate(self._indicators):
            if row.id == indicator_id:
                return 2 * position + int(achieved)
        return -1

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else 2 * len(self._indicators)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else YEARS_START + len(self._years) + 1

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _DISPLAY) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < self.columnCount():
            return None
        if role == _DISPLAY:
            if section == COLUMN_INDICATOR:
                return _tr("Indicateur")
            if section == COLUMN_OWNER:
                return _tr("Porte sur")
            if section == COLUMN_KIND:
                return ""
            if section == self.columnCount() - 1:
                return _tr("Cible")
            return str(self._years[section - YEARS_START])
        if role == _ALIGN:
            return LEFT if section < YEARS_START else RIGHT
        return None

    def _value(self, row: IndicatorRow, achieved: bool, year: int) -> Decimal | None:
        value = row.value(year)
        return value.achieved if achieved else value.planned

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> object:
        if not index.isValid() or index.row() >= self.rowCount():
            return None
        row = self._indicators[index.row() // 2]
        achieved = bool(index.row() % 2)
        column = index.column()
        last = self.columnCount() - 1
        if role == INDICATOR_ROLE:
            return row.id
        if column >= YEARS_START and column < last:
            year = self._years[column - YEARS_START]
            value = self._value(row, achieved, year)
            planned = row.value(year).planned
            if role == _DISPLAY:
                return decimal_text(value)
            if role == VALUE_ROLE:
                return value
            if role == _ALIGN:
                return RIGHT
            if role == _FOREGROUND and achieved and value is not None and planned:
                return self._met if value >= planned else self._below
            if role == _TOOLTIP and value is not None:
                item = row.value(year)
                source = item.achieved_source if achieved else item.planned_source
                lines = [f"{row.name} — {year}"]
                if achieved and item.rate is not None:
                    lines.append(_tr("Réalisé : {rate} du prévu").format(
                        rate=percent_text(item.rate)))
                if source:
                    lines.append(_tr("Source : {source}").format(source=source))
                return "\n".join(lines)
            return None
        if role == _DISPLAY:
            if column == COLUMN_INDICATOR:
                unit = f" ({row.unit})" if row.unit else ""
                return f"{row.name}{unit}" if not achieved else ""
            if column == COLUMN_OWNER:
                return row.owner_label if not achieved else ""
            if column == COLUMN_KIND:
                return _tr("Réalisé") if achieved else _tr("Prévu")
            if column == last:
                return decimal_text(row.target) if not achieved else percent_text(
                    row.target_rate)
            return None
        if role == _TOOLTIP:
            if column == COLUMN_INDICATOR:
                return row.name
            if column == COLUMN_OWNER:
                return row.owner_label
            if column == last and achieved and row.target_rate is not None:
                return _tr("Dernier réalisé rapporté à la cible")
            return None
        if role == _FONT and column == COLUMN_INDICATOR and not achieved:
            return self._bold
        if role == _FOREGROUND and column == COLUMN_KIND:
            return self._muted
        if role == _ALIGN:
            return RIGHT if column == last else LEFT
        return None


__all__ = [
    "INDICATOR_ROLE",
    "MET_COLOR",
    "VALUE_ROLE",
    "TrajectoryTableModel",
    "question_columns",
    "report_columns",
]
