"""Charts for the PDF reports, drawn with ReportLab's graphics (no image files).

Each function takes plain values and returns a ``Drawing``, a flowable that goes
straight into a report's story: bars (money per priority or funder, droit commun
and crédits spécifiques stacked), a pie (the share of each nature), lines (context
figures and trajectories over the years) and small planned / achieved panels.

French throughout: thousands grouped with U+00A0 (never broken, unlike U+202F),
decimal comma, ``€`` after the amount; every string in DejaVu Sans (embedded), so
nothing falls back on Helvetica. Values are floats here only to place shapes: the
amounts printed on a chart come formatted by the caller from exact `Money`.
Legends are drawn by hand (swatch + text, wrapped over as many rows as needed) so
that long French labels never overflow.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth

from qpvdesk.core.domain.money import NBSP
from qpvdesk.core.reports.pdf import FONT, FONT_BOLD, INK, MUTED, RULE, register_fonts

Number = float | int | Decimal
TickFormat = Callable[[float], str]

FONT_SIZE = 7.0
SMALL_SIZE = 6.3
GRID = colors.HexColor("#e1e6ec")
# Okabe–Ito: told apart by colour-blind readers, and in grey print.
PALETTE = (
    colors.HexColor("#0072B2"),
    colors.HexColor("#E69F00"),
    colors.HexColor("#009E73"),
    colors.HexColor("#CC79A7"),
    colors.HexColor("#56B4E9"),
    colors.HexColor("#D55E00"),
    colors.HexColor("#8C6D1F"),
    colors.HexColor("#555555"),
)
COMMON_LAW_COLOUR = colors.HexColor("#2f6db5")
SPECIFIC_COLOUR = colors.HexColor("#e39b1b")
PLANNED_COLOUR = colors.HexColor("#b9cbe0")
ACHIEVED_COLOUR = colors.HexColor("#1d4e89")
EMPHASIS_COLOUR = colors.HexColor("#c0392b")


def colour(index: int) -> Any:
    """The *index*-th colour of the palette (cycling)."""
    return PALETTE[index % len(PALETTE)]


# --- numbers ---------------------------------------------------------------------------------


def french_number(value: Number, decimals: int = 0) -> str:
    """``12 345,6`` with U+00A0 between thousands (for labels and ticks)."""
    quantum = Decimal(1).scaleb(-decimals)
    exact = Decimal(str(value)).quantize(quantum)
    if exact == 0:
        exact = abs(exact)  # no « -0 »
    text = f"{exact:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


def nice_scale(maximum: float, ticks: int = 5) -> tuple[float, float]:
    """A round step (1, 2, 2,5 or 5 × 10ⁿ) and the axis top for values up to *maximum*."""
    if maximum <= 0 or not math.isfinite(maximum):
        return 1.0, 1.0
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    top = math.ceil(maximum / step - 1e-9) * step
    return float(step), float(top)


def _decimals_for(step: float) -> int:
    if step >= 1 or step <= 0:
        return 0
    return min(4, math.ceil(-math.log10(step) - 1e-9))


def euro_ticks(step: float) -> TickFormat:
    """Tick labels in euros: ``120 000 €``, or ``2,5 M€`` when the step reaches a million."""

    def format_tick(value: float) -> str:
        if step >= 1_000_000:
            return f"{french_number(value / 1_000_000, _decimals_for(step / 1_000_000))}{NBSP}M€"
        return f"{french_number(value, _decimals_for(step))}{NBSP}€"

    return format_tick


def number_ticks(step: float, unit: str | None = None) -> TickFormat:
    """Tick labels as French numbers, ``%`` appended for a rate."""
    suffix = f"{NBSP}%" if unit and unit.strip() == "%" else ""

    def format_tick(value: float) -> str:
        return french_number(value, _decimals_for(step)) + suffix

    return format_tick


def _float(value: Number | None) -> float:
    return 0.0 if value is None else float(value)


# --- text and legend -------------------------------------------------------------------------


def fit_text(text: str, width: float, size: float = FONT_SIZE, font: str = FONT) -> str:
    """*text* cut with « … » to fit *width* points on one line."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap_text(
    text: str, width: float, lines: int = 2, size: float = FONT_SIZE, font: str = FONT
) -> list[str]:
    """*text* wrapped to *width*, at most *lines* lines (the last one cut with « … »)."""
    register_fonts()
    split = simpleSplit(" ".join(text.split()), font, size, width) or [""]
    if len(split) > lines:
        split = split[:lines]
        split[-1] = fit_text(split[-1] + " …", width, size, font)
    return [fit_text(line, width, size, font) for line in split]


@dataclass(frozen=True, slots=True)
class LegendItem:
    """A swatch and its text; *line* draws a line swatch (line charts)."""

    label: str
    colour: Any
    line: bool = False
    emphasis: bool = False


def _legend_layout(
    items: Sequence[LegendItem], width: float, size: float
) -> list[list[tuple[LegendItem, str, float]]]:
    """Items placed on rows that fit *width*: (item, text, item width) per row."""
    rows: list[list[tuple[LegendItem, str, float]]] = [[]]
    used = 0.0
    swatch = 14.0
    for item in items:
        text = fit_text(item.label, width - swatch - 4, size)
        item_width = swatch + stringWidth(text, FONT, size) + 12
        if rows[-1] and used + item_width > width:
            rows.append([])
            used = 0.0
        rows[-1].append((item, text, item_width))
        used += item_width
    return [row for row in rows if row]


def legend_height(items: Sequence[LegendItem], width: float, size: float = FONT_SIZE) -> float:
    """The height a legend of *items* takes on *width*."""
    return len(_legend_layout(items, width, size)) * (size + 5) if items else 0.0


def draw_legend(
    drawing: Any,
    items: Sequence[LegendItem],
    x: float,
    top: float,
    width: float,
    size: float = FONT_SIZE,
) -> float:
    """Draw the legend from (*x*, *top*) down; returns its height."""
    rows = _legend_layout(items, width, size)
    y = top
    for row in rows:
        y -= size + 5
        cursor = x
        for item, text, item_width in row:
            if item.line:
                drawing.add(
                    Line(
                        cursor,
                        y + size * 0.35,
                        cursor + 11,
                        y + size * 0.35,
                        strokeColor=item.colour,
                        strokeWidth=2.2 if item.emphasis else 1.4,
                    )
                )
            else:
                drawing.add(Rect(cursor, y - 0.5, 9, size, fillColor=item.colour, strokeColor=None))
            drawing.add(
                String(
                    cursor + 14,
                    y,
                    text,
                    fontName=FONT_BOLD if item.emphasis else FONT,
                    fontSize=size,
                    fillColor=INK,
                )
            )
            cursor += item_width
    return top - y


def _caption(drawing: Any, text: str | None, width: float) -> float:
    """A bold caption at the top of *drawing*; returns the height used."""
    if not text:
        return 0.0
    drawing.add(
        String(
            0,
            drawing.height - FONT_SIZE - 1,
            fit_text(text, width, FONT_SIZE + 0.5, FONT_BOLD),
            fontName=FONT_BOLD,
            fontSize=FONT_SIZE + 0.5,
            fillColor=INK,
        )
    )
    return FONT_SIZE + 6


def _style_value_axis(axis: Any, step: float, top: float, tick_format: TickFormat) -> None:
    axis.valueMin = 0
    axis.valueMax = top
    axis.valueStep = step
    axis.labels.fontName = FONT
    axis.labels.fontSize = SMALL_SIZE
    axis.labels.fillColor = MUTED
    axis.labelTextFormat = tick_format
    axis.strokeColor = RULE
    axis.strokeWidth = 0.5
    axis.visibleGrid = 1
    axis.gridStrokeColor = GRID
    axis.gridStrokeWidth = 0.5
    axis.visibleTicks = 0


def _style_category_axis(axis: Any) -> None:
    axis.labels.fontName = FONT
    axis.labels.fontSize = FONT_SIZE
    axis.labels.fillColor = INK
    axis.strokeColor = RULE
    axis.strokeWidth = 0.5
    axis.visibleTicks = 0


# --- bars ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Series:
    """A named series of values, one per category (None counts as nothing)."""

    name: str
    values: tuple[Number | None, ...]
    colour: Any = None


def _series_colour(series: Series, index: int) -> Any:
    return series.colour if series.colour is not None else colour(index)


def horizontal_bars(
    categories: Sequence[str],
    series: Sequence[Series],
    width: float,
    *,
    totals: Sequence[str] | None = None,
    caption: str | None = None,
    tick_format: Callable[[float], TickFormat] = euro_ticks,
    band: float = 17.0,
    label_share: float = 0.36,
) -> Any:
    """Bars lying down, one per category (top to bottom), series stacked; *totals*
    (already formatted) printed at the end of each bar. Labels wrap on two lines.
    """
    register_fonts()
    count = max(1, len(categories))
    items = [LegendItem(s.name, _series_colour(s, i)) for i, s in enumerate(series)]
    show_legend = len(series) > 1
    legend_h = legend_height(items, width) + 4 if show_legend else 0.0
    caption_h = FONT_SIZE + 6 if caption else 0.0
    axis_h = 14.0
    plot_h = count * band
    height = caption_h + legend_h + plot_h + axis_h
    drawing = Drawing(width, height)
    drawing.hAlign = "LEFT"
    _caption(drawing, caption, width)
    label_w = min(
        max((stringWidth(c, FONT, FONT_SIZE) for c in categories), default=40) + 6,
        width * label_share,
    )
    total_w = max((stringWidth(t, FONT, SMALL_SIZE) for t in totals or ()), default=0) + 8
    plot_x = label_w + 6
    plot_w = max(40.0, width - plot_x - total_w - 6)
    sums = [sum(_float(s.values[i]) for s in series) for i in range(len(categories))]
    step, top = nice_scale(max(sums, default=0.0), ticks=max(2, min(5, int(plot_w // 60))))
    chart = HorizontalBarChart()
    chart.x = plot_x
    chart.y = axis_h
    chart.width = plot_w
    chart.height = plot_h
    chart.data = [[_float(v) for v in s.values] for s in series] or [[0.0] * count]
    chart.categoryAxis.categoryNames = [
        "\n".join(wrap_text(c, label_w - 6, 2)) for c in categories
    ] or [""]
    chart.categoryAxis.reverseDirection = 1
    chart.categoryAxis.style = "stacked"
    _style_category_axis(chart.categoryAxis)
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.labels.textAnchor = "end"
    _style_value_axis(chart.valueAxis, step, top, tick_format(step))
    chart.barWidth = band * 0.62
    chart.groupSpacing = band * 0.38
    chart.barSpacing = 0
    chart.bars.strokeColor = colors.white
    chart.bars.strokeWidth = 0.4
    for index, item in enumerate(series):
        chart.bars[index].fillColor = _series_colour(item, index)
    drawing.add(chart)
    if totals:
        for index, text in enumerate(totals[: len(categories)]):
            x = plot_x + (sums[index] / top) * plot_w + 4
            y = axis_h + plot_h - (index + 0.5) * band - SMALL_SIZE * 0.35
            drawing.add(String(x, y, text, fontName=FONT_BOLD, fontSize=SMALL_SIZE, fillColor=INK))
    if show_legend:
        draw_legend(drawing, items, plot_x, height - caption_h, width - plot_x)
    return drawing


def vertical_bars(
    categories: Sequence[str],
    series: Sequence[Series],
    width: float,
    height: float,
    *,
    stacked: bool = True,
    totals: Sequence[str] | None = None,
    caption: str | None = None,
    tick_format: Callable[[float], TickFormat] = euro_ticks,
    legend: bool = True,
) -> Any:
    """Standing bars, one group per category (years…), series stacked or side by side."""
    register_fonts()
    items = [LegendItem(s.name, _series_colour(s, i)) for i, s in enumerate(series)]
    show_legend = legend and len(series) > 1
    legend_h = legend_height(items, width) + 4 if show_legend else 0.0
    drawing = Drawing(width, height)
    drawing.hAlign = "LEFT"
    caption_h = _caption(drawing, caption, width)
    count = max(1, len(categories))
    if stacked:
        peaks = [sum(_float(s.values[i]) for s in series) for i in range(len(categories))]
    else:
        peaks = [max((_float(s.values[i]) for s in series), default=0.0) for i in range(count)]
    step, top = nice_scale(max(peaks, default=0.0), ticks=4)
    formatter = tick_format(step)
    tick_w = max(stringWidth(formatter(step * k), FONT, SMALL_SIZE) for k in range(6)) + 6
    total_h = SMALL_SIZE + 4 if totals else 0.0
    chart = VerticalBarChart()
    chart.x = tick_w
    chart.y = 14
    chart.width = max(40.0, width - tick_w - 4)
    chart.height = max(30.0, height - caption_h - legend_h - chart.y - total_h)
    chart.data = [[_float(v) for v in s.values] for s in series] or [[0.0] * count]
    chart.categoryAxis.categoryNames = list(categories) or [""]
    if stacked:
        chart.categoryAxis.style = "stacked"
    _style_category_axis(chart.categoryAxis)
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.dy = -3
    _style_value_axis(chart.valueAxis, step, top, formatter)
    slot = chart.width / count
    bars = 1 if stacked else max(1, len(series))
    chart.barWidth = min(34.0, slot * 0.6) / bars
    chart.groupSpacing = max(2.0, slot - chart.barWidth * bars)
    chart.barSpacing = 0
    chart.bars.strokeColor = colors.white
    chart.bars.strokeWidth = 0.4
    for index, item in enumerate(series):
        chart.bars[index].fillColor = _series_colour(item, index)
    drawing.add(chart)
    if totals:
        for index, text in enumerate(totals[: len(categories)]):
            x = chart.x + (index + 0.5) * slot
            y = chart.y + (peaks[index] / top) * chart.height + 3
            drawing.add(
                String(
                    x,
                    y,
                    text,
                    fontName=FONT_BOLD,
                    fontSize=SMALL_SIZE,
                    fillColor=INK,
                    textAnchor="middle",
                )
            )
    if show_legend:
        draw_legend(drawing, items, chart.x, height - caption_h, width - chart.x)
    return drawing


# --- shares ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Share:
    """A slice: its label, its value (to draw) and its text (exact amount, percentage)."""

    label: str
    value: Number
    text: str
    colour: Any = None


def share_pie(
    shares: Sequence[Share], width: float, height: float, *, caption: str | None = None
) -> Any:
    """A pie of *shares* with the legend (label and text) on its right."""
    register_fonts()
    drawing = Drawing(width, height)
    drawing.hAlign = "LEFT"
    caption_h = _caption(drawing, caption, width)
    size = min(height - caption_h - 6, width * 0.4)
    values = [_float(s.value) for s in shares]
    pie = Pie()
    pie.x = 4
    pie.y = (height - caption_h - size) / 2
    pie.width = pie.height = size
    if sum(values) <= 0:
        drawing.add(
            Rect(pie.x, pie.y, size, size, fillColor=GRID, strokeColor=RULE, strokeWidth=0.5)
        )
    else:
        pie.data = [max(v, 0.0) for v in values]
        pie.labels = None
        pie.startAngle = 90
        pie.direction = "clockwise"
        pie.slices.strokeColor = colors.white
        pie.slices.strokeWidth = 1
        for index, share in enumerate(shares):
            pie.slices[index].fillColor = (
                share.colour if share.colour is not None else colour(index)
            )
        drawing.add(pie)
    x = pie.x + size + 14
    text_w = width - x
    y = pie.y + size / 2 + len(shares) * (FONT_SIZE * 2 + 8) / 2
    for index, share in enumerate(shares):
        y -= FONT_SIZE + 2
        fill = share.colour if share.colour is not None else colour(index)
        drawing.add(Rect(x, y - 1, 9, 9, fillColor=fill, strokeColor=None))
        drawing.add(
            String(
                x + 14,
                y,
                fit_text(share.label, text_w - 14, FONT_SIZE + 0.5, FONT_BOLD),
                fontName=FONT_BOLD,
                fontSize=FONT_SIZE + 0.5,
                fillColor=INK,
            )
        )
        y -= FONT_SIZE + 4
        drawing.add(
            String(
                x + 14,
                y,
                fit_text(share.text, text_w - 14),
                fontName=FONT,
                fontSize=FONT_SIZE,
                fillColor=MUTED,
            )
        )
        y -= 4
    return drawing


# --- lines -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineSeries:
    """A named line: (year, value) points, missing years left out; *emphasis* draws it thick."""

    name: str
    points: tuple[tuple[int, Number], ...]
    colour: Any = None
    emphasis: bool = False


def line_chart(
    lines: Sequence[LineSeries],
    width: float,
    height: float,
    *,
    unit: str | None = None,
    caption: str | None = None,
    zero_based: bool = True,
) -> Any:
    """Lines over the years (x spaced by time), a marker on every known value."""
    register_fonts()
    items = [
        LegendItem(s.name, s.colour if s.colour is not None else colour(i), True, s.emphasis)
        for i, s in enumerate(lines)
    ]
    drawing = Drawing(width, height)
    drawing.hAlign = "LEFT"
    caption_h = _caption(drawing, caption, width)
    legend_h = legend_height(items, width) + 4 if items else 0.0
    years = sorted({year for s in lines for year, _ in s.points})
    values = [_float(v) for s in lines for _, v in s.points]
    if not years:
        return drawing
    high = max(values, default=0.0)
    low = min(values, default=0.0)
    if zero_based and low >= 0:
        step, top = nice_scale(high, ticks=4)
        bottom = 0.0
    else:
        step, top = nice_scale(high - low, ticks=4)
        bottom = math.floor(low / step) * step
        top = bottom + math.ceil((high - bottom) / step - 1e-9) * step
        if top <= bottom:
            top = bottom + step
    formatter = number_ticks(step, unit)
    tick_w = max(stringWidth(formatter(bottom + step * k), FONT, SMALL_SIZE) for k in range(6)) + 6
    plot = LinePlot()
    plot.x = tick_w
    plot.y = 14
    plot.width = max(40.0, width - tick_w - 14)
    plot.height = max(30.0, height - caption_h - legend_h - plot.y - 4)
    data = [[(float(year), _float(value)) for year, value in s.points] for s in lines]
    plot.data = data
    first, last = years[0], years[-1]
    if first == last:
        first, last = first - 1, last + 1
    x_axis = plot.xValueAxis
    x_axis.valueMin = first - 0.3
    x_axis.valueMax = last + 0.3
    x_axis.valueSteps = [float(y) for y in years]
    x_axis.labelTextFormat = lambda v: str(round(v))
    x_axis.labels.fontName = FONT
    x_axis.labels.fontSize = FONT_SIZE
    x_axis.labels.fillColor = INK
    x_axis.strokeColor = RULE
    x_axis.strokeWidth = 0.5
    x_axis.visibleTicks = 0
    if len(years) > 8:
        # Too many labels: every other year, the last one always.
        shown = set(years[::-1][::2])
        x_axis.labelTextFormat = lambda v: str(round(v)) if round(v) in shown else ""
    y_axis = plot.yValueAxis
    _style_value_axis(y_axis, step, top, formatter)
    y_axis.valueMin = bottom
    for index, item in enumerate(lines):
        stroke = item.colour if item.colour is not None else colour(index)
        plot.lines[index].strokeColor = stroke
        plot.lines[index].strokeWidth = 2.2 if item.emphasis else 1.3
        marker = makeMarker("FilledCircle")
        marker.size = 4.5 if item.emphasis else 3.5
        marker.fillColor = stroke
        marker.strokeColor = stroke
        plot.lines[index].symbol = marker
    drawing.add(plot)
    draw_legend(drawing, items, plot.x, height - caption_h, width - plot.x)
    return drawing


# --- planned / achieved panels ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Panel:
    """One indicator's planned and achieved values over the years (small multiple)."""

    title: str
    subtitle: str
    years: tuple[int, ...]
    planned: tuple[Number | None, ...]
    achieved: tuple[Number | None, ...]
    unit: str | None = None
    target: Number | None = None


def panel_grid(
    panels: Sequence[Panel],
    width: float,
    *,
    columns: int = 3,
    panel_height: float = 92.0,
    legend: bool = True,
) -> Any:
    """Small multiples: for each indicator, planned (light) and achieved (dark) per year,
    the target as a dashed line when there is one; the legend on top (*legend*).
    A drawing never splits across pages: give it a few rows at a time.
    """
    register_fonts()
    columns = max(1, columns)
    gap = 12.0
    panel_w = (width - gap * (columns - 1)) / columns
    items = [
        LegendItem("Prévu", PLANNED_COLOUR),
        LegendItem("Réalisé", ACHIEVED_COLOUR),
        LegendItem("Cible", EMPHASIS_COLOUR, line=True),
    ]
    legend_h = legend_height(items, width) + 4 if legend else 0.0
    rows = math.ceil(len(panels) / columns) if panels else 0
    height = legend_h + rows * (panel_height + gap)
    drawing = Drawing(width, height)
    drawing.hAlign = "LEFT"
    if legend:
        draw_legend(drawing, items, 0, height, width)
    for index, panel in enumerate(panels):
        row, column = divmod(index, columns)
        x = column * (panel_w + gap)
        top = height - legend_h - row * (panel_height + gap)
        _draw_panel(drawing, panel, x, top - panel_height, panel_w, panel_height)
    return drawing


def _draw_panel(drawing: Any, panel: Panel, x: float, y: float, w: float, h: float) -> None:
    title_lines = wrap_text(panel.title, w, 1, FONT_SIZE, FONT_BOLD)
    drawing.add(
        String(
            x, y + h - FONT_SIZE, title_lines[0], fontName=FONT_BOLD, fontSize=FONT_SIZE,
            fillColor=INK,
        )
    )  # fmt: skip
    drawing.add(
        String(
            x,
            y + h - FONT_SIZE - SMALL_SIZE - 3,
            fit_text(panel.subtitle, w, SMALL_SIZE),
            fontName=FONT,
            fontSize=SMALL_SIZE,
            fillColor=MUTED,
        )
    )
    head = FONT_SIZE + SMALL_SIZE + 7
    values = [_float(v) for v in (*panel.planned, *panel.achieved)]
    if panel.target is not None:
        values.append(_float(panel.target))
    step, top = nice_scale(max(values, default=0.0), ticks=3)
    formatter = number_ticks(step, panel.unit)
    tick_w = max(stringWidth(formatter(step * k), FONT, SMALL_SIZE) for k in range(4)) + 5
    chart = VerticalBarChart()
    chart.x = x + tick_w
    chart.y = y + 11
    chart.width = max(30.0, w - tick_w - 2)
    chart.height = max(20.0, h - head - 11 - 2)
    chart.data = [
        [_float(v) for v in panel.planned] or [0.0],
        [_float(v) for v in panel.achieved] or [0.0],
    ]
    chart.categoryAxis.categoryNames = [str(year) for year in panel.years] or [""]
    _style_category_axis(chart.categoryAxis)
    chart.categoryAxis.labels.fontSize = SMALL_SIZE
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.dy = -2
    _style_value_axis(chart.valueAxis, step, top, formatter)
    slot = chart.width / max(1, len(panel.years))
    chart.barWidth = min(10.0, slot * 0.32)
    chart.barSpacing = 1
    chart.groupSpacing = max(2.0, slot - 2 * chart.barWidth - 1)
    chart.bars.strokeColor = None
    chart.bars[0].fillColor = PLANNED_COLOUR
    chart.bars[1].fillColor = ACHIEVED_COLOUR
    drawing.add(chart)
    if panel.target is not None and top > 0:
        level = chart.y + _float(panel.target) / top * chart.height
        drawing.add(
            Line(
                chart.x,
                level,
                chart.x + chart.width,
                level,
                strokeColor=EMPHASIS_COLOUR,
                strokeWidth=0.9,
                strokeDashArray=[3, 2],
            )
        )


__all__ = [
    "ACHIEVED_COLOUR",
    "COMMON_LAW_COLOUR",
    "PALETTE",
    "PLANNED_COLOUR",
    "SPECIFIC_COLOUR",
    "LegendItem",
    "LineSeries",
    "Panel",
    "Series",
    "Share",
    "colour",
    "draw_legend",
    "euro_ticks",
    "fit_text",
    "french_number",
    "horizontal_bars",
    "legend_height",
    "line_chart",
    "nice_scale",
    "number_ticks",
    "panel_grid",
    "share_pie",
    "vertical_bars",
    "wrap_text",
]
