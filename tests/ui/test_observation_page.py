"""The "Observation" page driven through its widgets on a file holding the built-in contract
(the diagnostic's context figures); checked through the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog

from qpvdesk.core.domain.enums import Territory
from qpvdesk.core.services.observation import (
    default_territory_name,
    figure_rows,
    figure_series,
    figure_table,
    indicators_list,
    participation_rows,
)
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.observation.line_chart import LineChart, nice_step, tick_text, value_axis
from qpvdesk.ui.observation.observation_dialogs import FigureDialog, ParticipationDialog
from qpvdesk.ui.observation.observation_models import (
    FIGURE_ROLE,
    FigureTableModel,
    IndicatorEntry,
    indicator_columns,
    participation_columns,
)
from qpvdesk.ui.observation.observation_screen import ObservationScreen
from qpvdesk.ui.observation.observation_view import TAB_PARTICIPATION
from qpvdesk.ui.partners.column_model import ColumnTableModel

POVERTY = "Taux de pauvreté"
NBSP = "\u00a0"


@pytest.fixture
def context(open_db: Callable[..., Database], db_path: Path, messenger: Any) -> AppContext:
    return AppContext(open_db(db_path), messenger)


@pytest.fixture
def screen(qtbot: Any, context: AppContext) -> Iterator[ObservationScreen]:
    page = ObservationScreen(context)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    qtbot.waitExposed(page)
    yield page


def type_text(qtbot: Any, edit: Any, text: str) -> None:
    for char in text:
        if char.isascii():
            qtbot.keyClicks(edit, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(edit, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                       char))


def type_into(qtbot: Any, edit: Any, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    type_text(qtbot, edit, text)


def answer_dialog(qtbot: Any, fill: Callable[[Any], None]) -> Callable[[QDialog], bool]:
    def run(dialog: QDialog) -> bool:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        fill(dialog)
        dialog.ok_button.click()  # type: ignore[attr-defined]
        return dialog.result() == QDialog.DialogCode.Accepted

    return run


def qpv_name(context: AppContext) -> str:
    name = context.read(lambda s: default_territory_name(s, Territory.QPV))
    assert name
    return name


# ---------------------------------------------------------------------- models and chart


def test_models_pass_qt_model_tester(qapp: Any, qtmodeltester: Any,
                                     context: AppContext) -> None:
    figures = FigureTableModel()
    figures.set_table(context.read(lambda s: figure_table(s, POVERTY)),
                      context.read(lambda s: figure_rows(s, POVERTY)))
    qtmodeltester.check(figures)
    figures.set_table(None, ())
    qtmodeltester.check(figures)
    indicators: ColumnTableModel[IndicatorEntry] = ColumnTableModel(indicator_columns())
    indicators.set_rows([IndicatorEntry(i.name, i) for i in context.read(indicators_list)])
    qtmodeltester.check(indicators)
    events: ColumnTableModel[Any] = ColumnTableModel(participation_columns())
    events.set_rows(context.read(participation_rows))
    qtmodeltester.check(events)


def test_value_axis_and_french_ticks() -> None:
    assert nice_step(100) == 20
    assert nice_step(7) == 2
    assert value_axis([16.8, 41.5]) == (0.0, 50.0, 10.0)
    low, high, step = value_axis([-3.0, 2.0])
    assert low <= -3 and high >= 2 and step > 0
    assert tick_text(12500.0, 2500.0) == f"12{NBSP}500"
    assert tick_text(2.5, 0.5) == "2,5"


def test_chart_draws_one_line_per_territory(qtbot: Any) -> None:
    chart = LineChart()
    qtbot.addWidget(chart)
    chart.resize(640, 360)
    chart.set_data("Taux", "%", {
        "Centre-ville": [(2025, Decimal("41.5")), (2020, Decimal("44"))],
        "Hérault": [(2020, Decimal("19.7"))],
    }, {"Centre-ville": 0, "Hérault": 3})
    assert chart.series()["Centre-ville"] == [(2020, Decimal(44)), (2025, Decimal("41.5"))]
    chart.grab()  # paints
    points = chart.plot_points()
    assert len(points) == 3
    high = next(p for p in points if p.value == Decimal(44))
    low = next(p for p in points if p.series == "Hérault")
    assert high.y < low.y  # higher values higher up
    assert chart.point_at(high.x, high.y) == high
    assert chart.colour("Centre-ville") != chart.colour("Hérault")
    chart.clear()
    chart.grab()
    assert chart.plot_points() == []


# ---------------------------------------------------------------------- context figures


def test_diagnostic_figures_in_table_and_chart(screen: ObservationScreen,
                                              context: AppContext) -> None:
    assert screen.select_indicator(POVERTY)
    table = context.read(lambda s: figure_table(s, POVERTY))
    model = screen.figure_model
    assert model.years() == list(table.years)
    assert [t.territory_name for t in model.territories()] == \
        [t.territory_name for t in table.territories]
    series = context.read(lambda s: figure_series(s, POVERTY))
    assert screen.view.figures.chart.series() == series
    assert screen.view.figures.chart.unit() == table.unit


def test_add_a_figure_for_a_new_year(qtbot: Any, screen: ObservationScreen,
                                     context: AppContext) -> None:
    assert screen.select_indicator(POVERTY)
    qpv = qpv_name(context)
    last = max(screen.figure_model.years())
    seen: list[str] = []

    def fill(dialog: FigureDialog) -> None:
        assert dialog.indicator_combo.currentText() == POVERTY
        assert dialog.year_spin.value() == last + 1  # the year after the last one known
        assert dialog.territory() is Territory.QPV
        type_into(qtbot, dialog.value_edit, "trente")
        dialog.ok_button.click()
        seen.append(dialog.message_for("value"))
        type_into(qtbot, dialog.value_edit, "39,8")
        type_into(qtbot, dialog.source_edit, "INSEE, Filosofi")

    screen.run_dialog = answer_dialog(qtbot, fill)
    screen.view.figures.add_button.click()
    assert "n'est pas un nombre" in seen[0]
    year = last + 1
    stored = [r for r in context.read(lambda s: figure_rows(s, POVERTY)) if r.year == year]
    assert [(r.territory, r.territory_name, r.value, r.source) for r in stored] == \
        [(Territory.QPV, qpv, Decimal("39.8"), "INSEE, Filosofi")]
    # In the table…
    model = screen.figure_model
    assert model.years()[-1] == year
    index = model.cell_index(year, qpv)
    assert model.data(index) == "39,8"
    assert model.data(index, FIGURE_ROLE).id == stored[0].id
    # …and in the chart.
    assert (year, Decimal("39.8")) in screen.view.figures.chart.series()[qpv]


def test_edit_and_delete_a_figure(qtbot: Any, screen: ObservationScreen,
                                  context: AppContext, messenger: Any) -> None:
    assert screen.select_indicator(POVERTY)
    figure = context.read(lambda s: figure_rows(s, POVERTY))[0]
    table = screen.view.figures.figure_table
    table.setCurrentIndex(screen.figure_model.figure_index(figure.id))
    assert screen.selected_figure() == figure

    def fill(dialog: FigureDialog) -> None:
        type_into(qtbot, dialog.value_edit, "1 234,5")

    screen.run_dialog = answer_dialog(qtbot, fill)
    screen.view.figures.edit_button.click()
    changed = next(r for r in context.read(lambda s: figure_rows(s, POVERTY))
                   if r.id == figure.id)
    assert changed.value == Decimal("1234.5")
    assert screen.figure_model.data(screen.figure_model.figure_index(figure.id)) == \
        f"1{NBSP}234,5"

    messenger.answers = [True]
    table.setCurrentIndex(screen.figure_model.figure_index(figure.id))
    screen.view.figures.delete_button.click()
    assert figure.id not in {r.id for r in context.read(lambda s: figure_rows(s, POVERTY))}


def test_a_new_indicator_is_shown_once_added(qtbot: Any, screen: ObservationScreen,
                                            context: AppContext) -> None:
    def fill(dialog: FigureDialog) -> None:
        dialog.indicator_combo.setEditText("Part des logements vacants de longue durée")
        dialog.territory_combo.setCurrentIndex(
            dialog.territory_combo.findData(Territory.TOWN.value))
        dialog.year_spin.setValue(2025)
        type_into(qtbot, dialog.value_edit, "6,2")
        type_into(qtbot, dialog.unit_edit, "%")

    screen.run_dialog = answer_dialog(qtbot, fill)
    screen.view.figures.add_button.click()
    assert screen.shown_indicator() == "Part des logements vacants de longue durée"
    [row] = context.read(lambda s: figure_rows(s, "Part des logements vacants de longue durée"))
    assert row.territory is Territory.TOWN and row.territory_name  # the town's usual name
    assert screen.view.figures.chart.series() == {row.territory_name: [(2025, Decimal("6.2"))]}


def test_ctrl_z_undoes_an_added_figure(qtbot: Any, make_window: Callable[..., MainWindow],
                                       db_path: Path) -> None:
    window = make_window(db_path)
    window.select_section("observation")
    screen = window.page("observation")
    assert isinstance(screen, ObservationScreen)
    context = window.context
    assert screen.select_indicator(POVERTY)
    before = context.read(lambda s: figure_rows(s, POVERTY))

    def fill(dialog: FigureDialog) -> None:
        type_into(qtbot, dialog.value_edit, "38")

    screen.run_dialog = answer_dialog(qtbot, fill)
    screen.view.figures.add_button.click()
    assert len(context.read(lambda s: figure_rows(s, POVERTY))) == len(before) + 1
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    sequence = QKeySequence("Ctrl+Z")[0]
    qtbot.keyClick(window.focusWidget() or window, sequence.key(), sequence.keyboardModifiers())
    assert context.read(lambda s: figure_rows(s, POVERTY)) == before
    assert screen.figure_model.years() == sorted({r.year for r in before})


# ---------------------------------------------------------------------- participation


def test_participation_events_added_edited_deleted(qtbot: Any, screen: ObservationScreen,
                                                  context: AppContext, messenger: Any) -> None:
    screen.view.tabs.setCurrentIndex(TAB_PARTICIPATION)
    panel = screen.view.participation
    before = context.read(participation_rows)

    def fill(dialog: ParticipationDialog) -> None:
        type_into(qtbot, dialog.participants_edit, "une trentaine")
        dialog.ok_button.click()
        assert "nombre" in dialog.message_for("participants")
        type_into(qtbot, dialog.date_field.edit, "14/05/2026")
        dialog.kind_combo.setEditText("Diagnostic en marchant")
        type_into(qtbot, dialog.place_edit, "Rue de la Coutellerie")
        type_into(qtbot, dialog.participants_edit, "23")
        type_into(qtbot, dialog.themes_edit, "Cadre de vie ; propreté")
        type_into(qtbot, dialog.outcome_edit, "Quatre points noirs relevés.")

    screen.run_dialog = answer_dialog(qtbot, fill)
    panel.add_button.click()
    after = context.read(participation_rows)
    [event] = [e for e in after if e.id not in {b.id for b in before}]
    assert (event.held_on, event.kind, event.place, event.participants, event.themes,
            event.outcome) == (date(2026, 5, 14), "Diagnostic en marchant",
                               "Rue de la Coutellerie", 23, "Cadre de vie ; propreté",
                               "Quatre points noirs relevés.")
    assert screen.selected_event() == event
    assert "Quatre points noirs" in panel.detail_view.toPlainText()

    def edit(dialog: ParticipationDialog) -> None:
        type_into(qtbot, dialog.participants_edit, "27")

    screen.run_dialog = answer_dialog(qtbot, edit)
    panel.edit_button.click()
    assert next(e for e in context.read(participation_rows) if e.id == event.id) \
        .participants == 27

    messenger.answers = [True]
    panel.table.setCurrentIndex(screen.participation_model.index_for_id(event.id))
    panel.delete_button.click()
    assert event.id not in {e.id for e in context.read(participation_rows)}
    assert screen.participation_model.index_for_id(event.id) == QModelIndex()
