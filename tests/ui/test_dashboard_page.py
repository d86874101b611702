"""The Tableau de bord, driven in the window: the counts and amounts it displays equal raw SQL
sums, every figure opens the dossiers behind it, and what is due opens its dossier."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTreeView
from test_finance_scenario import (
    TODAY,
    YEAR,
    Scenario,
    build_in,
    euros,
    money,
    sql_dossier_ids,
    sql_sums,
)

from qpvdesk.core.domain.enums import DossierState
from qpvdesk.core.services.budget_lines import set_envelope
from qpvdesk.core.services.dashboard import DueKind
from qpvdesk.core.services.dashboard import due_items as all_due_items
from qpvdesk.core.services.demo import add_demo_programmation
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.dashboard import summary_model as summary
from qpvdesk.ui.dashboard.dashboard_screen import DashboardScreen
from qpvdesk.ui.dashboard.due_tree_model import DOSSIER_ROLE, DueGroup, MoreRow
from qpvdesk.ui.dashboard.envelope_bars import COLUMN_BAR, COLUMN_REMAINING, RATIO_ROLE
from qpvdesk.ui.finance.figures import ALERT_COLOR, ROW_ROLE
from qpvdesk.ui.main_window import MainWindow

DISPLAY = Qt.ItemDataRole.DisplayRole
AMOUNTS = {summary.COLUMN_REQUESTED: "requested", summary.COLUMN_PROPOSED: "proposed",
           summary.COLUMN_GRANTED: "granted", summary.COLUMN_PAID: "paid"}


@pytest.fixture
def scenario(db_path: Path) -> Scenario:
    return build_in(db_path)


@pytest.fixture
def window(make_window: Callable[..., MainWindow], db_path: Path,
           scenario: Scenario) -> MainWindow:
    return make_window(db_path)


@pytest.fixture
def board(window: MainWindow) -> DashboardScreen:
    """The dashboard of the window, judged on 30 June 2026, on 2026."""
    window.select_section("dashboard")
    page = window.page("dashboard")
    assert isinstance(page, DashboardScreen)
    page.today = lambda: TODAY
    page.refresh()
    assert page.year == YEAR  # this calendar year: the contract has it
    return page


def rows(view: QTreeView) -> list[QModelIndex]:
    model = view.model()
    return [model.index(row, 0) for row in range(model.rowCount())]


def row_labelled(view: QTreeView, text: str) -> QModelIndex:
    return next(index for index in rows(view) if index.data(DISPLAY) == text)


def displayed(index: QModelIndex) -> dict[str, str]:
    return {name: index.siblingAtColumn(column).data(DISPLAY) for column, name in AMOUNTS.items()}


def expected(sums: Any) -> dict[str, str]:
    return {name: money(getattr(sums, name)) for name in AMOUNTS.values()}


def double_click(qtbot: Any, view: QTreeView, index: QModelIndex) -> None:
    view.scrollTo(index)
    position = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=position)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=position)


def state_counts(path: Path, year: int) -> dict[str, int]:
    connection = sqlite3.connect(path)
    try:
        return {DossierState(state).label: count for state, count in connection.execute(
            "SELECT state, COUNT(*) FROM dossier WHERE year = ? GROUP BY state", (year,))}
    finally:
        connection.close()


# --------------------------------------------------------------------------- the figures


def test_dossiers_per_state_equal_the_file(board: DashboardScreen, db_path: Path) -> None:
    tiles = {tile.state_label.text(): int("".join(filter(str.isdigit, tile.count_label.text())))
             for tile in board.view.tiles}
    assert tiles == state_counts(db_path, YEAR)
    assert tiles == {"Incomplet": 1, "Accordé": 1, "Versé": 1}
    assert [tile.state for tile in board.view.tiles] == [
        DossierState.INCOMPLETE, DossierState.APPROVED, DossierState.PAID]  # workflow order
    assert board.view.total_label.text() == "3 dossiers de l'exercice 2026, par état :"


def test_amounts_per_funder_equal_the_file(board: DashboardScreen, scenario: Scenario,
                                           db_path: Path) -> None:
    view = board.view.funders_view
    for label, key in (("État – Préfecture de l'Hérault", "Etat"), ("Région Occitanie", "Region")):
        assert displayed(row_labelled(view, label)) == expected(
            sql_sums(db_path, YEAR, "bl.funder_id = ?", (scenario.funders[key],))), label
    assert displayed(row_labelled(view, "Total 2026")) == expected(sql_sums(db_path, YEAR))
    assert len(rows(view)) == 3


def test_amounts_per_priority_equal_the_file(board: DashboardScreen, scenario: Scenario,
                                             db_path: Path) -> None:
    view = board.view.priorities_view
    p1, p2 = rows(view)[:2]
    assert p1.data(DISPLAY).startswith("P1 ") and p2.data(DISPLAY).startswith("P2 ")
    d1, d2, d3 = (scenario.dossiers[key] for key in ("D1", "D2", "D3"))
    assert displayed(p1) == expected(
        sql_sums(db_path, YEAR, "f.dossier_id IN (?, ?)", (d1, d3)))
    assert displayed(p2) == expected(sql_sums(db_path, YEAR, "f.dossier_id = ?", (d2,)))
    assert displayed(rows(view)[-1]) == expected(sql_sums(db_path, YEAR))


def test_envelopes_as_bars_red_when_exceeded(board: DashboardScreen, scenario: Scenario,
                                             db_path: Path) -> None:
    view = board.view.envelopes_view
    bars = {index.data(ROW_ROLE).budget_line_id: index for index in rows(view)}
    assert set(bars) == set(scenario.lines.values())
    for line_id in scenario.lines.values():
        sums = sql_sums(db_path, YEAR, "bl.id = ?", (line_id,))
        bar = bars[line_id].siblingAtColumn(COLUMN_BAR)
        assert bar.data(DISPLAY) == f"{money(sums.committed)} sur {money(sums.envelope)}"
        assert bar.data(RATIO_ROLE) == pytest.approx(sums.committed / (sums.envelope or 1))
        assert bars[line_id].siblingAtColumn(COLUMN_REMAINING).data(DISPLAY) == money(
            sums.remaining)
    vvv = bars[scenario.lines["VVV"]].siblingAtColumn(COLUMN_REMAINING)
    assert vvv.data(DISPLAY) == "-500\u00a0€"
    assert vvv.data(Qt.ItemDataRole.ForegroundRole) == ALERT_COLOR


def test_the_page_follows_changes(board: DashboardScreen, scenario: Scenario) -> None:
    board.context.write(
        lambda session: set_envelope(session, scenario.lines["VVV"], YEAR, euros(5_000)),
        {"programmation"})
    bar = next(index for index in rows(board.view.envelopes_view)
               if index.data(ROW_ROLE).budget_line_id == scenario.lines["VVV"])
    assert bar.siblingAtColumn(COLUMN_REMAINING).data(DISPLAY) == "1\u00a0500\u00a0€"


def test_the_year_can_change(board: DashboardScreen) -> None:
    board.view.year_combo.set_year(2025)
    assert board.year == 2025
    assert board.view.total_label.text() == "Aucun dossier pour l'exercice 2025."
    assert board.funders_model.rowCount() == 0
    assert board.view.states_box.title() == "Dossiers 2025"
    assert board.due_model.item_count() == 3  # what is due looks at every year


# --------------------------------------------------------------------------- behind a figure


def test_a_state_tile_shows_its_dossiers(qtbot: Any, board: DashboardScreen,
                                         scenario: Scenario) -> None:
    tile = next(tile for tile in board.view.tiles if tile.state is DossierState.APPROVED)
    with qtbot.waitSignal(board.context.show_dossiers_requested) as signal:
        qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert signal.args == [[scenario.dossiers["D2"]], "Dossiers 2026 à l'état « Accordé »"]


def test_double_click_on_an_amount_shows_its_dossiers(qtbot: Any, board: DashboardScreen,
                                                      scenario: Scenario,
                                                      db_path: Path) -> None:
    view = board.view.funders_view
    region = row_labelled(view, "Région Occitanie").siblingAtColumn(summary.COLUMN_GRANTED)
    with qtbot.waitSignal(board.context.show_dossiers_requested) as signal:
        double_click(qtbot, view, region)
    assert signal.args[0] == sql_dossier_ids(db_path, YEAR, "bl.funder_id = ?",
                                             (scenario.funders["Region"],))
    assert signal.args[1] == "Région Occitanie – 2026, accordé : 2\u00a0500\u00a0€"

    bars = board.view.envelopes_view
    bop = next(index for index in rows(bars)
               if index.data(ROW_ROLE).budget_line_id == scenario.lines["BOP147"])
    with qtbot.waitSignal(board.context.show_dossiers_requested) as signal:
        double_click(qtbot, bars, bop.siblingAtColumn(COLUMN_BAR))
    assert signal.args[0] == sql_dossier_ids(db_path, YEAR, "bl.id = ?",
                                             (scenario.lines["BOP147"],))


def test_enter_on_a_priority_shows_its_dossiers(qtbot: Any, board: DashboardScreen,
                                                scenario: Scenario) -> None:
    view = board.view.priorities_view
    p1 = rows(view)[0].siblingAtColumn(summary.COLUMN_REQUESTED)
    view.setCurrentIndex(p1)
    view.setFocus()
    with qtbot.waitSignal(board.context.show_dossiers_requested) as signal:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert signal.args[0] == [scenario.dossiers["D1"], scenario.dossiers["D3"]]
    assert signal.args[1].startswith("P1 Éducation et jeunesse – 2026, demandé : ")


# --------------------------------------------------------------------------- what is due


def due_items(board: DashboardScreen) -> dict[DueKind, list[QModelIndex]]:
    model = board.due_model
    found = {}
    for group_index in rows(board.view.due_view):
        group = group_index.data(ROW_ROLE)
        assert isinstance(group, DueGroup)
        found[group.kind] = [model.index(row, 0, group_index)
                             for row in range(model.rowCount(group_index))]
    return found


def test_what_is_due_appears(board: DashboardScreen, scenario: Scenario) -> None:
    due = due_items(board)
    assert set(due) == {DueKind.INCOMPLETE, DueKind.AGREEMENT_TO_SIGN, DueKind.PAYMENT_TO_MAKE}
    [incomplete] = due[DueKind.INCOMPLETE]
    assert incomplete.data(DOSSIER_ROLE) == scenario.dossiers["D3"]
    assert "incomplet depuis 121 jours (le 01/03/2026)" in incomplete.data(DISPLAY)
    assert incomplete.siblingAtColumn(1).data(DISPLAY) == "01/03/2026"
    [agreement] = due[DueKind.AGREEMENT_TO_SIGN]
    assert agreement.data(DOSSIER_ROLE) == scenario.dossiers["D2"]
    [payment] = due[DueKind.PAYMENT_TO_MAKE]
    assert payment.data(DOSSIER_ROLE) == scenario.dossiers["D1"]
    assert payment.siblingAtColumn(2).data(DISPLAY) == "3\u00a0000\u00a0€"
    assert payment.siblingAtColumn(1).data(DISPLAY) == "01/12/2026"  # the balance's due date
    assert rows(board.view.due_view)[0].data(DISPLAY) == (
        "Dossiers incomplets depuis plus de 15 jours (1)")
    assert board.view.due_box.title() == "À faire au 30/06/2026 (3)"


def test_double_click_or_enter_on_a_due_item_opens_its_dossier(
        qtbot: Any, board: DashboardScreen, scenario: Scenario) -> None:
    view = board.view.due_view
    [incomplete] = due_items(board)[DueKind.INCOMPLETE]
    with qtbot.waitSignal(board.context.open_dossier_requested) as signal:
        double_click(qtbot, view, incomplete)
    assert signal.args == [scenario.dossiers["D3"]]
    [payment] = due_items(board)[DueKind.PAYMENT_TO_MAKE]
    view.setCurrentIndex(payment)
    view.setFocus()
    with qtbot.waitSignal(board.context.open_dossier_requested) as signal:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert signal.args == [scenario.dossiers["D1"]]


def test_a_long_kind_lists_its_first_items_and_opens_the_others_in_dossiers(
        qtbot: Any, make_window: Callable[..., MainWindow], open_db: Callable[..., Database],
        db_path: Path) -> None:
    day = date(2027, 7, 1)
    database = open_db(db_path)
    with database.unit_of_work() as session:
        add_demo_programmation(session)
    with database.read() as session:
        every = all_due_items(session, day)
    database.close()
    page = make_window(db_path).page("dashboard")
    assert isinstance(page, DashboardScreen)
    page.today = lambda: day
    page.due_shown = 2
    page.refresh()
    model = page.due_model
    longest = max(DueKind, key=lambda kind: sum(item.kind is kind for item in every))
    of_kind = [item for item in every if item.kind is longest]
    assert len(of_kind) > 3, "the demo has a kind with more than three items due"
    group_index = next(index for index in rows(page.view.due_view)
                       if index.data(ROW_ROLE).kind is longest)
    assert group_index.data(DISPLAY) == f"{longest.label} ({len(of_kind)})"
    assert model.rowCount(group_index) == 3  # two items, then the others
    shown = [model.index(row, 0, group_index) for row in range(2)]
    assert [index.data(DOSSIER_ROLE) for index in shown] == [
        item.dossier_id for item in of_kind[:2]]
    more = model.index(2, 0, group_index)
    assert isinstance(more.data(ROW_ROLE), MoreRow)
    assert more.data(DISPLAY) == f"et {len(of_kind) - 2} autres…"
    assert page.view.due_box.title() == f"À faire au 01/07/2027 ({len(every)})"
    page.view.due_view.expand(group_index)
    with qtbot.waitSignal(page.context.show_dossiers_requested) as signal:
        double_click(qtbot, page.view.due_view, more)
    assert signal.args[0] == list(dict.fromkeys(
        item.dossier_id for item in of_kind if item.dossier_id is not None))
    assert signal.args[1] == f"{longest.label} au 01/07/2027"


def test_nothing_due_says_so(make_window: Callable[..., MainWindow], db_path: Path) -> None:
    window = make_window(db_path)  # the built-in contract alone
    page = window.page("dashboard")
    assert isinstance(page, DashboardScreen)
    assert page.due_model.rowCount() == 0
    assert page.view.due_empty_label.isVisibleTo(page)
    assert not page.view.due_view.isVisibleTo(page)


def test_models_pass_the_qt_model_tester(qtmodeltester: Any, board: DashboardScreen) -> None:
    for model in (board.due_model, board.envelopes_model, board.funders_model,
                  board.priorities_model):
        assert model.rowCount() > 0
        qtmodeltester.check(model)
