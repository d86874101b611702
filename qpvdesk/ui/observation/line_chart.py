"""`LineChart`: territories compared over the years, drawn with QPainter.

QtCharts is not part of PySide6-Essentials, and one chart does not need it: a line
per territory, a marker per known value, years along the bottom, a French-formatted
value axis starting at zero for positive figures (so that a gap reads as it is), a
legend under the plot, and the exact value of the nearest point in a tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QHelpEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from qpvdesk.core.services.indicators import format_decimal

Series = dict[str, list[tuple[int, Decimal]]]

#: Distinct colours that stay apart for the colour-blind (Okabe–Ito, darkened a little).
PALETTE = (
    QColor(0, 114, 178),
    QColor(213, 94, 0),
    QColor(0, 158, 115),
    QColor(204, 121, 167),
    QColor(86, 180, 233),
    QColor(230, 159, 0),
    QColor(90, 90, 90),
)
MARKER_RADIUS = 3.5
HIT_RADIUS = 10.0


def nice_step(span: float, ticks: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 × 10^k) giving about *ticks* intervals over *span*."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(1, ticks)
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return 10.0 * power  # pragma: no cover - the loop ends at 10


def value_axis(values: Sequence[float], ticks: int = 5) -> tuple[float, float, float]:
    """(low, high, step) of the value axis: round bounds around *values*, zero included
    when every value is positive (and zero when every one is negative)."""
    if not values:
        return 0.0, 1.0, 0.25
    low, high = min(values), max(values)
    if low >= 0:
        low = 0.0
    elif high <= 0:
        high = 0.0
    if low == high:
        high = low + 1.0
    step = nice_step(high - low, ticks)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def tick_text(value: float, step: float) -> str:
    """A tick label in French (``12 500``, ``2,5``) with the decimals its step needs."""
    decimals = 0
    while decimals < 6 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-9:
        decimals += 1
    return format_decimal(Decimal(repr(round(value, decimals))), decimals=decimals)


@dataclass(frozen=True, slots=True)
class PlotPoint:
    """A drawn point: where, and what it stands for (for the tooltip and the tests)."""

    series: str
    year: int
    value: Decimal
    x: float
    y: float


class LineChart(QWidget):
    """A line per territory across the years; `set_data` replaces what is drawn."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("figureChart")
        self._series: Series = {}
        self._unit = ""
        self._title = ""
        self._points: list[PlotPoint] = []
        self._slots: dict[str, int] = {}
        self.setMinimumSize(260, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setAutoFillBackground(True)
        self.setAccessibleName(self.tr("Graphique des valeurs par territoire"))

    def sizeHint(self) -> QSize:
        return QSize(640, 320)

    # ------------------------------------------------------------------ data

    def set_data(self, title: str, unit: str, series: Mapping[str, Sequence[tuple[int, Decimal]]],
                 slots: Mapping[str, int] | None = None) -> None:
        """Draw *series*; *slots* gives each series its palette colour (a territory keeps
        its colour from one indicator to the next), else series take them in order."""
        self._title = title
        self._unit = unit
        self._series = {name: sorted(points) for name, points in series.items() if points}
        self._slots = {}
        taken: set[int] = set()
        for position, name in enumerate(self._series):
            slot = (slots or {}).get(name, position)
            while slot in taken and len(taken) < len(PALETTE):
                slot = (slot + 1) % len(PALETTE)
            taken.add(slot)
            self._slots[name] = slot
        self.setToolTip("")
        self.update()

    def clear(self) -> None:
        self.set_data("", "", {})

    def series(self) -> Series:
        """What is drawn: ``{territory: [(year, value)…]}``."""
        return {name: list(points) for name, points in self._series.items()}

    def unit(self) -> str:
        return self._unit

    def plot_points(self) -> list[PlotPoint]:
        """Where the last paint put every point."""
        return list(self._points)

    def colour(self, name: str) -> QColor:
        return PALETTE[self._slots.get(name, len(PALETTE) - 1) % len(PALETTE)]

    # ------------------------------------------------------------------ painting

    def _legend_rows(self, metrics: QFontMetrics, width: float) -> list[list[tuple[str, float]]]:
        rows: list[list[tuple[str, float]]] = [[]]
        used = 0.0
        for name in self._series:
            item = 22 + metrics.horizontalAdvance(name) + 18
            if rows[-1] and used + item > width:
                rows.append([])
                used = 0.0
            rows[-1].append((name, item))
            used += item
        return rows if rows[0] else []

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text_colour = palette.color(palette.ColorRole.WindowText)
        grid_colour = palette.color(palette.ColorRole.Mid)
        grid_colour.setAlpha(90)
        painter.fillRect(self.rect(), palette.color(palette.ColorRole.Base))
        metrics = painter.fontMetrics()
        line = metrics.height()
        self._points = []
        if not self._series:
            painter.setPen(text_colour)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             self.tr("Aucune valeur à représenter."))
            painter.end()
            return

        values = [float(v) for points in self._series.values() for _y, v in points]
        years = sorted({year for points in self._series.values() for year, _v in points})
        low, high, step = value_axis(values)
        ticks = []
        tick = low
        while tick <= high + step / 1000:
            ticks.append(tick)
            tick += step
        labels = [tick_text(t, step) for t in ticks]
        left = 12 + max(metrics.horizontalAdvance(text) for text in labels)
        right = 18.0
        top = line * 1.6
        legend = self._legend_rows(metrics, self.width() - left - right)
        bottom = line * 1.8 + len(legend) * (line + 6) + 6
        plot = QRectF(left, top, max(10.0, self.width() - left - right),
                      max(10.0, self.height() - top - bottom))

        # Unit over the value axis.
        painter.setPen(text_colour)
        unit = self.tr("Unité : {unit}").format(unit=self._unit) if self._unit else ""
        painter.drawText(QPointF(4, line), unit)

        # Horizontal grid and value ticks.
        def y_of(value: float) -> float:
            return plot.bottom() - (value - low) / (high - low) * plot.height()

        first, last = years[0], years[-1]
        padding = 0.5 if first == last else 0.0
        span = (last - first) + 2 * padding

        def x_of(year: int) -> float:
            inset = 14.0
            return plot.left() + inset + (year - first + padding) / span * \
                (plot.width() - 2 * inset) if span else plot.center().x()

        for value, text in zip(ticks, labels, strict=True):
            y = y_of(value)
            painter.setPen(QPen(grid_colour, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text_colour)
            painter.drawText(QRectF(0, y - line / 2, left - 6, line),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        # Axes.
        painter.setPen(QPen(text_colour, 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        # Year ticks: every year while they fit, else every n years.
        every = 1
        widest = metrics.horizontalAdvance("0000") + 10
        while span and (plot.width() / max(1, (last - first) / every + 1)) < widest:
            every += 1
        for year in range(first, last + 1):
            if (year - first) % every:
                continue
            x = x_of(year)
            painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4))
            painter.drawText(QRectF(x - widest / 2, plot.bottom() + 5, widest, line),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, str(year))

        # Lines and markers; the shortest series last, so that a lone point stays on top.
        drawn = sorted(self._series.items(), key=lambda item: -len(item[1]))
        for name, points in drawn:
            colour = self.colour(name)
            path = QPainterPath()
            for position, (year, amount) in enumerate(points):
                point = QPointF(x_of(year), y_of(float(amount)))
                self._points.append(PlotPoint(name, year, amount, point.x(), point.y()))
                if position == 0:
                    path.moveTo(point)
                else:
                    path.lineTo(point)
            painter.setPen(QPen(colour, 2.2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            painter.setBrush(colour)
            painter.setPen(QPen(palette.color(palette.ColorRole.Base), 1))
            for year, amount in points:
                painter.drawEllipse(QPointF(x_of(year), y_of(float(amount))),
                                    MARKER_RADIUS + 0.5, MARKER_RADIUS + 0.5)

        # Legend under the plot.
        y = plot.bottom() + line * 1.8
        for row in legend:
            x = plot.left()
            for name, width in row:
                colour = self.colour(name)
                painter.setPen(QPen(colour, 2.4))
                painter.drawLine(QPointF(x, y + line / 2), QPointF(x + 16, y + line / 2))
                painter.setBrush(colour)
                painter.drawEllipse(QPointF(x + 8, y + line / 2), MARKER_RADIUS, MARKER_RADIUS)
                painter.setPen(text_colour)
                painter.drawText(QPointF(x + 22, y + metrics.ascent()), name)
                x += width
            y += line + 6
        painter.end()

    # ------------------------------------------------------------------ tooltip

    def point_at(self, x: float, y: float) -> PlotPoint | None:
        best, distance = None, HIT_RADIUS
        for point in self._points:
            d = math.hypot(point.x - x, point.y - y)
            if d <= distance:
                best, distance = point, d
        return best

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            point = self.point_at(event.pos().x(), event.pos().y())
            if point is None:
                QToolTip.hideText()
                event.ignore()
                return True
            unit = f"\u00a0{self._unit}" if self._unit else ""
            QToolTip.showText(event.globalPos(),
                              f"{point.series}, {point.year} : "
                              f"{format_decimal(point.value)}{unit}", self)
            return True
        return super().event(event)


__all__ = ["PALETTE", "LineChart", "PlotPoint", "nice_step", "tick_text", "value_axis"]
