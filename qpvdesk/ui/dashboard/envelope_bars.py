"""The year's envelopes as horizontal bars: how much of each is committed, what is left.

`EnvelopeBarsModel` lists the budget lines having an envelope; `BarDelegate` paints
the committed share of the envelope as a bar (red past 100 %), with the amounts
written in French over it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.finance import FinanceRow
from qpvdesk.ui.finance.figures import (
    ALERT_COLOR,
    FIGURE_ROLE,
    LEFT,
    RIGHT,
    ROW_ROLE,
    SORT_ROLE,
    Figure,
    caption,
    remaining_tooltip,
)
from qpvdesk.ui.finance.grouped_tree_model import GroupedTreeModel

COLUMN_LINE, COLUMN_BAR, COLUMN_REMAINING = range(3)
#: Committed ÷ envelope (a float, above 1 when exceeded), for the bar.
RATIO_ROLE = Qt.ItemDataRole.UserRole + 10
#: Past this share of the envelope the bar turns amber.
WARNING_RATIO = 0.9
AMBER = QColor(230, 145, 56)
#: Width of the bar column, in pixels.
BAR_WIDTH = 270

_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole


def _ratio(row: FinanceRow) -> float:
    if row.envelope is None or row.envelope.cents <= 0:
        return 0.0 if row.committed.cents == 0 else float("inf")
    return row.committed.cents / row.envelope.cents


class EnvelopeBarsModel(GroupedTreeModel):
    """Budget lines with an envelope in the year: line | committed of envelope | remaining."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([""] * 3, parent)
        self._headers = [self.tr("Ligne budgétaire"), self.tr("Engagé sur l'enveloppe"),
                         self.tr("Reste")]
        self._header_tips[COLUMN_REMAINING] = remaining_tooltip()
        self._year = 0

    def set_rows(self, year: int, rows: Sequence[FinanceRow]) -> None:
        self._year = year
        self.set_groups([(row, []) for row in rows if row.envelope is not None])

    def bar_text(self, row: FinanceRow) -> str:
        envelope = row.envelope or Money.zero()
        return self.tr("{committed} sur {envelope}").format(
            committed=row.committed.format(), envelope=envelope.format())

    def cell(self, node: FinanceRow, column: int, role: int, is_group: bool) -> object:
        remaining = node.remaining or Money.zero()
        if role == _DISPLAY:
            if column == COLUMN_LINE:
                return node.budget_line_name
            if column == COLUMN_BAR:
                return self.bar_text(node)
            return remaining.format()
        if role == RATIO_ROLE:
            return _ratio(node)
        if role == _ALIGN:
            return RIGHT if column == COLUMN_REMAINING else LEFT
        if role == _FOREGROUND:
            return ALERT_COLOR if column == COLUMN_REMAINING and remaining.cents < 0 else None
        if role == _TOOLTIP:
            return self._tooltip(node, column)
        if role == FIGURE_ROLE:
            what = {COLUMN_LINE: self.tr("dossiers financés"), COLUMN_BAR: self.tr("engagé"),
                    COLUMN_REMAINING: self.tr("reste")}[column]
            amount = {COLUMN_LINE: None, COLUMN_BAR: node.committed,
                      COLUMN_REMAINING: remaining}[column]
            return Figure(caption(node.budget_line_name, self._year, what, amount), self._year,
                          budget_line_id=node.budget_line_id)
        if role == SORT_ROLE:
            return {COLUMN_LINE: node.budget_line_name, COLUMN_BAR: _ratio(node),
                    COLUMN_REMAINING: remaining.cents}[column]
        if role == ROW_ROLE:
            return node
        return None

    def _tooltip(self, node: FinanceRow, column: int) -> str:
        parts = [node.budget_line_name, f"{node.funder_name} · {node.nature_label}"]
        envelope = node.envelope or Money.zero()
        parts.append(self.tr("Enveloppe {year} : {envelope} ; accordé {granted}, proposé "
                             "{proposed}, engagé {committed}.").format(
            year=self._year, envelope=envelope.format(), granted=node.granted.format(),
            proposed=node.proposed.format(), committed=node.committed.format()))
        if node.exceeded and node.remaining is not None:
            parts.append(self.tr("Enveloppe dépassée de {amount}.").format(
                amount=Money(-node.remaining.cents).format()))
        if column != COLUMN_LINE:
            parts.append(remaining_tooltip())
        parts.append(self.tr("Double-cliquez pour voir les dossiers financés sur cette ligne."))
        return "\n".join(parts)


class BarDelegate(QStyledItemDelegate):
    """Paints `RATIO_ROLE` as a bar with the cell's text over it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        widget = item.widget
        style = widget.style() if isinstance(widget, QWidget) else None
        text = item.text
        item.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)
        ratio = index.data(RATIO_ROLE)
        ratio = float(ratio) if isinstance(ratio, (int, float)) else 0.0
        palette = item.palette
        bounds = QRectF(item.rect).adjusted(4, 4, -4, -4)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = QColor(palette.color(QPalette.ColorRole.Mid))
        track.setAlpha(70)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(track)
        painter.drawRoundedRect(bounds, 3, 3)
        if ratio > 1:
            fill = QColor(ALERT_COLOR)
        elif ratio >= WARNING_RATIO:
            fill = QColor(AMBER)
        else:
            fill = QColor(palette.color(QPalette.ColorRole.Highlight))
        fill.setAlpha(150)
        filled = QRectF(bounds)
        filled.setWidth(bounds.width() * min(max(ratio, 0.0), 1.0))
        if filled.width() > 0:
            painter.setBrush(fill)
            painter.drawRoundedRect(filled, 3, 3)
        selected = bool(item.state & QStyle.StateFlag.State_Selected)
        role = (QPalette.ColorRole.HighlightedText if selected and ratio == 0
                else QPalette.ColorRole.Text)
        painter.setPen(palette.color(role))
        share = "" if ratio == float("inf") else f"  ({round(ratio * 100)} %)"
        painter.drawText(bounds.adjusted(6, 0, -6, 0),
                         int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         text + share)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(max(hint.width() + 60, 220), hint.height() + 10)
