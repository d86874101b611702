"""The "Dossiers" page: list, instant search, filters, sort, remembered filter, export, opening."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QBrush, QIcon
from PySide6.QtWidgets import QWidget

from qpvdesk.core.domain.enums import DossierState, FundingNature
from qpvdesk.core.domain.models import Dossier
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.services.dossier_list import DossierFilter, DossierRow, dossier_rows
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.dossiers.dossier_table_model import (
    COLUMN_ACTION,
    COLUMN_GRANTED,
    COLUMN_HOLDER,
    COLUMN_REFERENCE,
    COLUMN_REQUESTED,
    COLUMN_TOTAL_COST,
    ID_ROLE,
    ROW_ROLE,
    SORT_ROLE,
    DossierTableModel,
)
from qpvdesk.ui.dossiers.dossiers_screen import DossiersScreen
from tests.ui.conftest import FakeMessenger

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def context(demo_db: Path, open_db: Callable[..., Database],
            messenger: FakeMessenger) -> AppContext:
    """The demo database (programmation included), a copy for each test."""
    return AppContext(open_db(demo_db), messenger)


@pytest.fixture
def core_rows(context: AppContext) -> list[DossierRow]:
    """Every dossier as the core lists it (by year, then number)."""
    rows: list[DossierRow] = context.read(dossier_rows)
    assert len(rows) > 20 and len({row.year for row in rows}) > 1
    return rows


@pytest.fixture
def saved_to(tmp_path: Path) -> list[Path]:
    """Where the fake "Enregistrer sous" dialog answers (first answer used)."""
    return [tmp_path / "exports" / "mes dossiers"]


@pytest.fixture
def make_screen(qtbot: Any, context: AppContext, settings: QSettings,
                saved_to: list[Path]) -> Iterator[Callable[..., DossiersScreen]]:
    screens: list[DossiersScreen] = []

    def ask(parent: QWidget, title: str, suggested: Path) -> Path | None:
        asked.append(suggested)
        return saved_to[0] if saved_to else None

    asked: list[Path] = []

    def build(**kwargs: Any) -> DossiersScreen:
        kwargs.setdefault("ask_save_path", ask)
        screen = DossiersScreen(context, kwargs.pop("settings", settings), **kwargs)
        screen.asked = asked  # type: ignore[attr-defined]
        qtbot.addWidget(screen)
        screen.resize(1200, 700)
        screen.show()
        qtbot.waitExposed(screen)
        qtbot.waitUntil(lambda: screen.options_ready)
        screens.append(screen)
        return screen

    yield build
    for screen in screens:
        screen.wait_for_export(10)


def refs(screen: DossiersScreen) -> list[str]:
    return [row.reference for row in screen.model.rows()]


def opening_year(rows: list[DossierRow]) -> int:
    """The year the list opens on: this year when it has dossiers, else the latest."""
    years = {row.year for row in rows}
    return date.today().year if date.today().year in years else max(years)


def searched(row: DossierRow) -> str:
    return fold(f"{row.reference} {row.holder_name} {row.action_title}")


# --------------------------------------------------------------------------- the list


def test_list_opens_on_the_current_year_then_shows_every_dossier(
        qtbot: Any, make_screen: Callable[..., DossiersScreen],
        core_rows: list[DossierRow]) -> None:
    screen = make_screen()
    year = opening_year(core_rows)
    expected = [row.reference for row in core_rows if row.year == year]
    assert refs(screen) == expected
    assert screen.view.year_filter.checked() == {year}
    assert screen.view.year_filter.text() == f"Année : {year}"
    assert screen.view.count_label.text() == f"{len(expected)} dossiers sur {len(core_rows)}"

    qtbot.mouseClick(screen.view.reset_filters_button, LEFT)
    assert refs(screen) == [row.reference for row in core_rows]
    assert screen.view.count_label.text() == f"{len(core_rows)} dossiers sur {len(core_rows)}"
    assert not screen.view.reset_filters_button.isEnabled()


def test_cells_show_french_amounts_right_aligned(make_screen: Callable[..., DossiersScreen],
                                                 core_rows: list[DossierRow]) -> None:
    screen = make_screen()
    screen.clear_filters()
    model = screen.model
    first = core_rows[0]
    assert model.index(0, COLUMN_REFERENCE).data() == first.reference
    assert model.index(0, COLUMN_HOLDER).data() == first.holder_name
    assert model.index(0, COLUMN_ACTION).data() == first.action_title
    shown = model.index(0, COLUMN_REQUESTED).data()
    assert shown == first.requested.format()
    assert shown.endswith("\u00a0€") and "." not in shown
    assert model.index(0, COLUMN_TOTAL_COST).data(SORT_ROLE) == first.total_cost_cents
    alignment = Qt.AlignmentFlag(model.index(0, COLUMN_REQUESTED).data(
        Qt.ItemDataRole.TextAlignmentRole))
    assert alignment & Qt.AlignmentFlag.AlignRight
    assert model.index(0, 9).data() == first.state.label
    assert model.index(0, 10).data() == first.updated_at.astimezone().strftime("%d/%m/%Y")
    assert model.index(0, 0).data(ID_ROLE) == first.id
    assert model.index(0, 0).data(ROW_ROLE) == first


def test_typing_filters_the_list_as_she_types(qtbot: Any,
                                             make_screen: Callable[..., DossiersScreen],
                                             core_rows: list[DossierRow]) -> None:
    screen = make_screen()
    screen.clear_filters()
    expected = [row.reference for row in core_rows if "ludo" in searched(row)]
    assert 0 < len(expected) < len(core_rows)
    qtbot.keyClicks(screen.view.search_edit, "ludo")
    qtbot.waitUntil(lambda: refs(screen) == expected)
    assert {row.holder_name for row in screen.model.rows()} == {
        row.holder_name for row in core_rows if "ludo" in fold(row.holder_name)}
    assert screen.view.count_label.text() == f"{len(expected)} dossiers sur {len(core_rows)}"


@pytest.mark.parametrize("typed", ["éphémère", "EPHEMERE", "Éphémere coopérative"])
def test_search_ignores_accents_and_case(qtbot: Any, make_screen: Callable[..., DossiersScreen],
                                         core_rows: list[DossierRow], typed: str) -> None:
    screen = make_screen()
    screen.clear_filters()
    expected = [row.reference for row in core_rows if "Éphémère" in row.holder_name]
    assert expected
    # QTest cannot type accented letters: the text arrives as an input method would put it.
    screen.view.search_edit.insert(typed)
    qtbot.waitUntil(lambda: refs(screen) == expected)


def test_search_with_no_match_says_so(qtbot: Any,
                                      make_screen: Callable[..., DossiersScreen]) -> None:
    screen = make_screen()
    qtbot.keyClicks(screen.view.search_edit, "zzzz introuvable")
    qtbot.waitUntil(lambda: screen.model.rowCount() == 0)
    assert screen.view.no_match_label.isVisible()
    assert "Aucun dossier ne correspond" in screen.view.no_match_label.text()
    assert not screen.view.export_action.isEnabled()


MATCHES: dict[str, Callable[[DossierRow, Any], bool]] = {
    "year_filter": lambda row, value: row.year == value,
    "state_filter": lambda row, value: row.state == value,
    "priority_filter": lambda row, value: row.priority_code == value,
    "objective_filter": lambda row, value: row.objective_id == value,
    "funder_filter": lambda row, value: value in row.funder_ids,
    "nature_filter": lambda row, value: value in row.natures,
    "holder_filter": lambda row, value: row.holder_id == value,
}


@pytest.mark.parametrize("button_name", list(MATCHES))
def test_each_filter_keeps_what_the_data_says(make_screen: Callable[..., DossiersScreen],
                                              core_rows: list[DossierRow],
                                              button_name: str) -> None:
    screen = make_screen()
    screen.clear_filters()
    button = getattr(screen.view, button_name)
    matches = MATCHES[button_name]
    choices = button.model.choices()
    assert choices
    reduced = False
    for choice in choices:
        button.set_checked({choice.value})
        expected = [row.reference for row in core_rows if matches(row, choice.value)]
        assert expected, choice  # the buttons only offer what occurs
        assert refs(screen) == expected, choice
        reduced = reduced or len(expected) < len(core_rows)
        assert button.font().bold()
    # Each criterion narrows the list, unless the demo's data gives it nothing to tell apart
    # (every demo dossier mixes droit commun and crédits spécifiques).
    assert reduced or all(matches(row, choice.value) for row in core_rows for choice in choices)
    # Two values of one criterion: either matches.
    if len(choices) > 1:
        values = {choices[0].value, choices[1].value}
        button.set_checked(values)
        assert refs(screen) == [row.reference for row in core_rows
                                if any(matches(row, value) for value in values)]
        assert button.text().endswith("(2)")
    button.clear()
    assert refs(screen) == [row.reference for row in core_rows]


def test_criteria_combine(make_screen: Callable[..., DossiersScreen],
                          core_rows: list[DossierRow]) -> None:
    screen = make_screen()
    screen.clear_filters()
    view = screen.view
    holder = core_rows[0].holder_id
    view.holder_filter.set_checked({holder})
    view.nature_filter.set_checked({FundingNature.SPECIFIC})
    view.year_filter.set_checked({core_rows[0].year})
    expected = [row.reference for row in core_rows if row.holder_id == holder
                and FundingNature.SPECIFIC in row.natures and row.year == core_rows[0].year]
    assert expected
    assert refs(screen) == expected


def test_choosing_in_the_popup_filters(qtbot: Any, make_screen: Callable[..., DossiersScreen],
                                       core_rows: list[DossierRow]) -> None:
    screen = make_screen()
    screen.clear_filters()
    popup = screen.view.holder_filter.popup
    popup.search_edit.setText("toupie")
    assert screen.view.holder_filter.model.rowCount() == 1
    qtbot.keyClick(popup.search_edit, Qt.Key.Key_Return)
    expected = [row.reference for row in core_rows if "Toupie" in row.holder_name]
    assert refs(screen) == expected
    assert screen.view.holder_filter.text().startswith("Porteur : Ludothèque")


def test_sorting_by_requested_is_numeric_and_stable(
        qtbot: Any, make_screen: Callable[..., DossiersScreen],
        core_rows: list[DossierRow]) -> None:
    screen = make_screen()
    screen.clear_filters()
    header = screen.view.table.horizontalHeader()
    x = header.sectionViewportPosition(COLUMN_REQUESTED) + header.sectionSize(COLUMN_REQUESTED) // 2
    qtbot.mouseClick(header.viewport(), LEFT, pos=QPoint(x, header.height() // 2))
    # A first click on an amount shows the largest first.
    assert screen.model.sort_order == Qt.SortOrder.DescendingOrder
    shown = screen.model.rows()
    cents = [row.requested_cents for row in shown]
    assert cents == sorted(cents, reverse=True)
    position = {row.id: index for index, row in enumerate(core_rows)}
    expected = sorted(core_rows, key=lambda row: (-row.requested_cents, position[row.id]))
    assert shown == expected  # equal amounts keep the reference order
    texts = [screen.model.index(i, COLUMN_REQUESTED).data() for i in range(len(shown))]
    assert texts != sorted(texts, reverse=True)  # a text sort would put "9 100 €" first

    qtbot.mouseClick(header.viewport(), LEFT, pos=QPoint(x, header.height() // 2))
    assert screen.model.sort_order == Qt.SortOrder.AscendingOrder
    assert [row.requested_cents for row in screen.model.rows()] == sorted(cents)


@pytest.mark.parametrize("column", range(11))
def test_every_column_sorts(make_screen: Callable[..., DossiersScreen],
                            core_rows: list[DossierRow], column: int) -> None:
    screen = make_screen()
    screen.clear_filters()
    screen.view.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    keys = [screen.model.index(i, column).data(SORT_ROLE)
            for i in range(screen.model.rowCount())]
    assert keys == sorted(keys)
    assert sorted(screen.model.rows(), key=lambda row: row.id) == sorted(
        core_rows, key=lambda row: row.id)


def test_sort_keeps_the_selection(make_screen: Callable[..., DossiersScreen]) -> None:
    screen = make_screen()
    screen.clear_filters()
    chosen = screen.model.row_at(4).id
    assert screen.select_dossier(chosen)
    screen.view.table.sortByColumn(COLUMN_HOLDER, Qt.SortOrder.DescendingOrder)
    assert screen.current_id() == chosen
    assert screen.selected_ids() == [chosen]


# --------------------------------------------------------------------------- remembered


def test_filter_and_sort_are_remembered(qtbot: Any, make_screen: Callable[..., DossiersScreen],
                                        settings: QSettings,
                                        core_rows: list[DossierRow]) -> None:
    screen = make_screen()
    screen.clear_filters()
    holder = next(row.holder_id for row in core_rows if "Toupie" in row.holder_name)
    screen.view.holder_filter.set_checked({holder})
    qtbot.keyClicks(screen.view.search_edit, "atel")
    screen.apply_search()
    screen.view.table.sortByColumn(COLUMN_REQUESTED, Qt.SortOrder.DescendingOrder)
    shown = refs(screen)
    assert shown
    screen.close()
    settings.sync()

    # A new session: another settings object on the same file.
    again = make_screen(settings=QSettings(settings.fileName(), QSettings.Format.IniFormat))
    assert again.view.search_edit.text() == "atel"
    assert again.view.holder_filter.checked() == {holder}
    assert again.view.year_filter.checked() == set()
    assert again.model.sort_column == COLUMN_REQUESTED
    assert again.model.sort_order == Qt.SortOrder.DescendingOrder
    assert refs(again) == shown
    assert again.dossier_filter == DossierFilter(text="atel", holder_ids=frozenset({holder}))


def test_remembered_values_the_file_lacks_are_dropped(
        make_screen: Callable[..., DossiersScreen], settings: QSettings,
        core_rows: list[DossierRow]) -> None:
    settings.setValue("dossiers/filter", '{"years": [1999], "holder_ids": [999999], '
                                         '"states": ["paid", "nonsense"]}')
    screen = make_screen()
    year = opening_year(core_rows)
    assert screen.dossier_filter == DossierFilter(
        years=frozenset({year}), states=frozenset({DossierState.PAID}))
    assert refs(screen) == [row.reference for row in core_rows
                            if row.year == year and row.state is DossierState.PAID]


# --------------------------------------------------------------------------- export


def test_export_writes_the_visible_rows_in_the_visible_order(
        qtbot: Any, make_screen: Callable[..., DossiersScreen], core_rows: list[DossierRow],
        saved_to: list[Path]) -> None:
    saved_to[0].parent.mkdir()
    screen = make_screen()
    screen.clear_filters()
    screen.view.nature_filter.set_checked({FundingNature.COMMON_LAW})
    screen.view.table.sortByColumn(COLUMN_REQUESTED, Qt.SortOrder.DescendingOrder)
    shown = screen.model.rows()
    assert len(shown) > 1
    with qtbot.waitSignal(screen.export_finished, timeout=20_000) as blocker:
        screen.view.export_action.trigger()
    path = blocker.args[0]
    assert path == saved_to[0].with_name("mes dossiers.xlsx")
    assert screen.asked == [Path(screen.asked[0].parent) / "dossiers.xlsx"]  # type: ignore[attr-defined]
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        values = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    assert values[0][:3] == ("Référence", "Année", "Porteur de projet")
    assert [line[0] for line in values[1:]] == [row.reference for row in shown]
    assert [line[6] for line in values[1:]] == [row.requested_cents / 100 for row in shown]
    assert "exporté" in screen.view.export_status_label.text()
    assert screen.view.export_action.isEnabled()
    assert not screen.view.export_progress.isVisible()


def test_export_to_a_missing_folder_is_explained(qtbot: Any,
                                                 make_screen: Callable[..., DossiersScreen],
                                                 messenger: FakeMessenger) -> None:
    screen = make_screen()
    screen.export()  # the answer's folder does not exist
    qtbot.waitUntil(lambda: bool(messenger.warnings), timeout=20_000)
    assert "n'existe pas" in messenger.warnings[0]
    assert screen.view.export_action.isEnabled()


def test_export_cancelled_in_the_dialog_writes_nothing(
        make_screen: Callable[..., DossiersScreen], saved_to: list[Path]) -> None:
    saved_to.clear()
    screen = make_screen()
    screen.export()
    assert screen.wait_for_export(5)
    assert screen.view.export_status_label.text() == ""


# --------------------------------------------------------------------------- opening


def test_double_click_and_enter_ask_for_the_dossier(qtbot: Any,
                                                    make_screen: Callable[..., DossiersScreen],
                                                    context: AppContext) -> None:
    screen = make_screen()
    table = screen.view.table
    model = screen.model
    rect = table.visualRect(model.index(2, COLUMN_HOLDER))
    with qtbot.waitSignal(context.open_dossier_requested, timeout=2000) as blocker:
        # A double-click is a press, a release, then the double-click event.
        qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())
        qtbot.mouseDClick(table.viewport(), LEFT, pos=rect.center())
    assert blocker.args == [model.row_at(2).id]

    table.setFocus()
    table.setCurrentIndex(model.index(3, 0))
    with qtbot.waitSignal(context.open_dossier_requested, timeout=2000) as blocker:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert blocker.args == [model.row_at(3).id]

    with qtbot.waitSignal(context.open_dossier_requested, timeout=2000) as blocker:
        screen.view.open_action.trigger()
    assert blocker.args == [model.row_at(3).id]


def test_new_dossier_opens_the_editor_for_the_year_shown(
        make_screen: Callable[..., DossiersScreen], context: AppContext,
        core_rows: list[DossierRow]) -> None:
    calls: list[tuple[Any, ...]] = []

    def opener(ctx: AppContext, parent: QWidget, dossier_id: int | None, *,
               year: int | None = None) -> None:
        calls.append((ctx, parent, dossier_id, year))

    screen = make_screen(open_editor=opener)
    screen.view.new_action.trigger()
    assert calls == [(context, screen, None, opening_year(core_rows))]
    screen.clear_filters()
    screen.new_dossier()
    assert calls[-1] == (context, screen, None, None)


# --------------------------------------------------------------------------- another page's set


def test_show_ids_shows_exactly_those_under_a_banner(qtbot: Any,
                                                    make_screen: Callable[..., DossiersScreen],
                                                    context: AppContext,
                                                    core_rows: list[DossierRow]) -> None:
    screen = make_screen()
    before = refs(screen)
    wanted = [core_rows[-1].id, core_rows[0].id, core_rows[5].id]  # several years
    context.show_dossiers_requested.emit(wanted, "Région Occitanie — 2025")
    assert sorted(row.id for row in screen.model.rows()) == sorted(wanted)
    view = screen.view
    assert view.banner.isVisible()
    assert "Dossiers de :" in view.banner_label.text()
    assert "Région Occitanie — 2025" in view.banner_label.text()
    assert not view.holder_filter.isEnabled()
    assert view.count_label.text() == f"3 dossiers sur {len(core_rows)}"

    # Searching within the set leaves the remembered filter alone.
    qtbot.keyClicks(view.search_edit, core_rows[0].reference)
    qtbot.waitUntil(lambda: refs(screen) == [core_rows[0].reference])
    assert screen.dossier_filter.text == ""

    qtbot.mouseClick(view.banner_close_button, LEFT)
    assert not view.banner.isVisible()
    assert refs(screen) == before
    assert view.search_edit.text() == ""
    assert view.holder_filter.isEnabled()


def test_show_ids_before_the_page_is_shown(qtbot: Any, context: AppContext, settings: QSettings,
                                           core_rows: list[DossierRow]) -> None:
    screen = DossiersScreen(context, settings)
    qtbot.addWidget(screen)
    screen.show_ids([core_rows[1].id], "Enveloppe BOP 147")
    screen.show()
    qtbot.waitExposed(screen)
    assert refs(screen) == [core_rows[1].reference]


# --------------------------------------------------------------------------- reloading


def test_a_change_reloads_and_keeps_the_selection(make_screen: Callable[..., DossiersScreen],
                                                  context: AppContext) -> None:
    screen = make_screen()
    screen.clear_filters()
    target = screen.model.row_at(10)
    assert screen.select_dossier(target.id)

    def raise_cost(session: Any) -> None:
        session.get(Dossier, target.id).total_cost = Money(12_345_600)

    context.write(raise_cost, {"programmation"})
    assert screen.current_id() == target.id
    assert screen.model.index(10, COLUMN_TOTAL_COST).data() == Money(12_345_600).format()

    # Sorted by cost, a change that moves rows keeps the selected dossier selected.
    screen.view.table.sortByColumn(COLUMN_TOTAL_COST, Qt.SortOrder.AscendingOrder)
    other = screen.model.row_at(0)
    assert other.id != target.id

    def raise_other(session: Any) -> None:
        session.get(Dossier, other.id).total_cost = Money(99_999_900)

    context.write(raise_other, {"programmation"})
    assert screen.selected_ids() == [target.id]
    assert screen.model.rows()[-1].id == other.id


def test_changes_elsewhere_do_not_reload(make_screen: Callable[..., DossiersScreen],
                                         context: AppContext) -> None:
    screen = make_screen()
    rows = screen.model.rows()
    context.changed.emit(frozenset({"committees"}))
    assert screen.model.rows()[0] is rows[0]
    context.changed.emit(frozenset({"partners"}))
    assert screen.model.rows()[0] is not rows[0]


# --------------------------------------------------------------------------- the model


def make_row(dossier_id: int, *, late: bool = False, requested: int = 100_000,
             granted: int = 0, total: int = 500_000) -> DossierRow:
    return DossierRow(
        id=dossier_id, reference=f"2026-{dossier_id:03d}", year=2026, sequence=dossier_id,
        holder_id=1, holder_name="Ludothèque", action_title="Jeux", objective_id=None,
        objective_code=None, priority_code=None, total_cost_cents=total,
        requested_cents=requested, proposed_cents=0, granted_cents=granted,
        state=DossierState.RECEIVED, updated_at=datetime(2026, 1, 2, tzinfo=UTC),
        funder_ids=(), natures=(), search_text=f"2026-{dossier_id:03d} ludotheque jeux",
        late=late,
    )


def test_late_and_odd_dossiers_are_marked(qtbot: Any) -> None:
    model = DossierTableModel()
    model.set_rows([make_row(1), make_row(2, late=True),
                    make_row(3, requested=100_000, granted=150_000),
                    make_row(4, requested=900_000, total=500_000)])
    decoration = Qt.ItemDataRole.DecorationRole
    tooltip = Qt.ItemDataRole.ToolTipRole
    foreground = Qt.ItemDataRole.ForegroundRole
    assert model.index(0, COLUMN_REFERENCE).data(decoration) is None
    assert model.index(0, COLUMN_REFERENCE).data(tooltip) is None
    assert isinstance(model.index(1, COLUMN_REFERENCE).data(decoration), QIcon)
    assert "après la clôture" in model.index(1, COLUMN_REFERENCE).data(tooltip)
    assert isinstance(model.index(2, COLUMN_GRANTED).data(foreground), QBrush)
    assert "dépasse le montant demandé" in model.index(2, COLUMN_GRANTED).data(tooltip)
    assert "dépasse le montant demandé" in model.index(2, COLUMN_REFERENCE).data(tooltip)
    assert "coût total" in model.index(3, COLUMN_REQUESTED).data(tooltip)
    assert model.index(3, COLUMN_GRANTED).data(foreground) is None


def test_model_passes_the_model_tester(qtmodeltester: Any, core_rows: list[DossierRow]) -> None:
    model = DossierTableModel()
    model.set_rows(core_rows)
    qtmodeltester.check(model)
    model.sort(COLUMN_REQUESTED, Qt.SortOrder.DescendingOrder)
    model.set_filter(DossierFilter(text="ludo"))
    model.refresh_rows(core_rows)
    model.set_filter(DossierFilter(), only_ids=[core_rows[0].id, core_rows[3].id])
    model.refresh_rows(core_rows[:2])
    model.set_rows([])
    qtmodeltester.check(model)


# --------------------------------------------------------------------------- in the window


def test_the_window_shows_the_page_with_its_own_settings(
        demo_db: Path, make_window: Callable[..., Any], settings: QSettings) -> None:
    from qpvdesk.ui.main_window import MainWindow

    window: MainWindow = make_window(demo_db)
    page = window.page("dossiers")
    assert isinstance(page, DossiersScreen)
    window.select_section("dossiers")
    assert page.model.rowCount() > 0
    assert page.settings is settings  # the window's settings file, never the user's
    assert settings.value("dossiers/filter")
