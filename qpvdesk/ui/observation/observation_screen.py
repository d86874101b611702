"""Behaviour of the "Observation" page: context figures of the neighbourhood over the years,
compared between territories in a table and a line chart, and residents' participation.

Every change is one unit of work recorded for "Édition > Annuler" (Ctrl+Z).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import Territory
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.services.observation import (
    FigureRow,
    FigureTable,
    ObservedIndicator,
    ParticipationRow,
    create_figure,
    create_participation,
    default_territory_name,
    delete_figure,
    delete_participation,
    figure_rows,
    figure_series,
    figure_table,
    indicators_list,
    participation_rows,
    update_figure,
    update_participation,
)
from qpvdesk.ui.actions.shared import count_text, error_dict, write, write_in_form
from qpvdesk.ui.context import AppContext, Focus, touches
from qpvdesk.ui.observation.observation_dialogs import FigureDialog, ParticipationDialog
from qpvdesk.ui.observation.observation_models import (
    YEAR_ROLE,
    FigureTableModel,
    IndicatorEntry,
    indicator_columns,
    participation_columns,
)
from qpvdesk.ui.observation.observation_view import (
    TAB_FIGURES,
    TAB_PARTICIPATION,
    ObservationView,
)
from qpvdesk.ui.partners.column_model import ColumnTableModel
from qpvdesk.ui.partners.form_dialog import Errors, run_dialog
from qpvdesk.ui.topics import FRAMEWORK, OBSERVATION
from qpvdesk.ui.undo import quoted

#: The section key of the page, also the topic of its `Focus` hints.
SECTION = "observation"
#: The participation year combo's entry for every year.
ALL_YEARS = -1


@dataclass(frozen=True, slots=True)
class IndicatorView:
    """One indicator as the right-hand side shows it."""

    table: FigureTable | None
    rows: tuple[FigureRow, ...]
    series: dict[str, list[tuple[int, Decimal]]]


def load_indicator(session: Session, name: str) -> IndicatorView:
    try:
        table: FigureTable | None = figure_table(session, name)
    except ValidationError:  # no value left
        table = None
    return IndicatorView(table, tuple(figure_rows(session, name)), figure_series(session, name))


class ObservationScreen(QWidget):
    """Context figures in one tab, participation events in the other."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.run_dialog: Callable[[QDialog], bool] = run_dialog
        self._stale = False
        self._reloading = False
        self._indicators: list[ObservedIndicator] = []
        self._default_names: dict[Territory, str | None] = {}
        self._events: list[ParticipationRow] = []
        self._shown: str | None = None
        self._view_data: IndicatorView | None = None
        self._sized = False

        self.view = ObservationView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        figures, participation = self.view.figures, self.view.participation
        self.indicator_model: ColumnTableModel[IndicatorEntry] = ColumnTableModel(
            indicator_columns(), self)
        figures.indicator_table.setModel(self.indicator_model)
        figures.indicator_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.figure_model = FigureTableModel(self)
        figures.figure_table.setModel(self.figure_model)
        figures.configure_columns()
        self.participation_model: ColumnTableModel[ParticipationRow] = ColumnTableModel(
            participation_columns(), self)
        participation.table.setModel(self.participation_model)
        participation.configure_columns()
        participation.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)

        figures.indicator_table.selectionModel().currentRowChanged.connect(
            self._on_indicator_changed)
        figures.search_edit.textChanged.connect(lambda _text: self._fill_indicators())
        figures.figure_table.selectionModel().currentChanged.connect(self._on_cell_changed)
        figures.figure_table.doubleClicked.connect(self._on_cell_activated)
        figures.add_button.clicked.connect(lambda: self.add_figure())
        figures.edit_button.clicked.connect(self.edit_figure)
        figures.delete_button.clicked.connect(self.delete_figure)
        participation.year_combo.currentIndexChanged.connect(lambda _i: self._fill_events())
        participation.table.selectionModel().currentRowChanged.connect(self._on_event_changed)
        participation.table.doubleClicked.connect(lambda _index: self.edit_event())
        participation.add_button.clicked.connect(self.add_event)
        participation.edit_button.clicked.connect(self.edit_event)
        participation.delete_button.clicked.connect(self.delete_event)
        context.changed.connect(self._on_changed)
        context.focus_requested.connect(self._on_focus_requested)
        context.database_replaced.connect(self._on_database_replaced)
        self._show_access()
        self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()
        if not self._sized:  # the splitter knows its width only once shown
            self._sized = True
            self.view.figures.fit()

    # ------------------------------------------------------------------ state

    def shown_indicator(self) -> str | None:
        return self._shown

    def indicator_view(self) -> IndicatorView | None:
        return self._view_data

    def _indicator_index(self, name: str | None) -> QModelIndex:
        # The rows' ids are the indicators' names (the template's lookup takes an int id).
        for position, entry in enumerate(self.indicator_model.rows()):
            if entry.id == name:
                return self.indicator_model.index(position, 0)
        return QModelIndex()

    def _indicator_at(self, index: QModelIndex) -> str | None:
        entry = self.indicator_model.row_at(index)
        return None if entry is None else entry.id

    def select_indicator(self, name: str) -> bool:
        figures = self.view.figures
        index = self._indicator_index(name)
        if not index.isValid() and figures.search_edit.text():
            figures.search_edit.clear()
            index = self._indicator_index(name)
        if index.isValid():
            self.view.tabs.setCurrentIndex(TAB_FIGURES)
            figures.indicator_table.setCurrentIndex(index)
            figures.indicator_table.scrollTo(index)
            return True
        return False

    def selected_figure(self) -> FigureRow | None:
        return self.figure_model.figure_at(self.view.figures.figure_table.currentIndex())

    def selected_event(self) -> ParticipationRow | None:
        table = self.view.participation.table
        return self.participation_model.row_at(table.currentIndex())

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Read the indicators and the events again, keeping the selections."""
        self._stale = False

        def load(session: Session) -> tuple[list[ObservedIndicator], dict[Territory, str | None],
                                            list[ParticipationRow]]:
            names = {territory: default_territory_name(session, territory)
                     for territory in Territory}
            return indicators_list(session), names, participation_rows(session)

        self._indicators, self._default_names, self._events = self._context.read(load)
        self._fill_indicators()
        self._fill_years()
        self._fill_events()

    def _on_changed(self, changes: frozenset[str]) -> None:
        if touches(changes, OBSERVATION, FRAMEWORK):
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def _on_focus_requested(self, topic: str, target: object) -> None:
        if topic != SECTION:
            return
        if self._stale:
            self.reload()
        if isinstance(target, tuple) and len(target) == 2:
            kind, key = target
            if kind == "indicator" and isinstance(key, str):
                self.select_indicator(key)
            elif kind == "participation":
                self.view.tabs.setCurrentIndex(TAB_PARTICIPATION)
                if isinstance(key, int):
                    index = self.participation_model.index_for_id(key)
                    if index.isValid():
                        self.view.participation.table.setCurrentIndex(index)

    def _on_database_replaced(self) -> None:
        self._show_access()
        self._shown = None

    def _show_access(self) -> None:
        text = self.tr("Les données de contexte du quartier au fil des années, comparées à la "
                       "commune, à l'intercommunalité, au département… (le diagnostic du "
                       "contrat en donne les premières valeurs), et les temps de participation "
                       "des habitants.")
        if self._context.read_only:
            text += " " + self.tr("La base est ouverte en lecture seule : rien ne peut être "
                                  "modifié.")
        self.view.subtitle_label.setText(text)

    # ------------------------------------------------------------------ context figures

    def _fill_indicators(self) -> None:
        figures = self.view.figures
        words = fold(figures.search_edit.text()).split()
        entries = [IndicatorEntry(item.name, item) for item in self._indicators
                   if all(word in fold(item.name) for word in words)]
        keep = self._shown
        self._reloading = True
        try:
            self.indicator_model.set_rows(entries)
            index = self._indicator_index(keep)
            if not index.isValid() and entries:
                # First shown: the indicator known best (most territories and values).
                best = max(entries, key=lambda e: (e.item.territories, e.item.figures))
                index = self._indicator_index(best.id)
            if index.isValid():
                figures.indicator_table.setCurrentIndex(index)
        finally:
            self._reloading = False
        total = len(self._indicators)
        figures.count_label.setText(
            count_text(total, self.tr("{n} donnée suivie"), self.tr("{n} données suivies"))
            if len(entries) == total else self.tr("{n} sur {m}").format(n=len(entries), m=total))
        figures.empty_label.setVisible(not self._indicators)
        self._show_indicator(self._indicator_at(figures.indicator_table.currentIndex()))

    def _on_indicator_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._reloading:
            self._show_indicator(self._indicator_at(current))

    def _show_indicator(self, name: str | None) -> None:
        figures = self.view.figures
        keep = self.selected_figure()
        same = name is not None and name == self._shown
        self._shown = name
        if name is None:
            self._view_data = None
            self.figure_model.set_table(None, ())
            figures.chart.clear()
            figures.heading_label.setText("")
            figures.figure_table.setVisible(False)
            self._update_buttons()
            return
        data = self._context.read(lambda session: load_indicator(session, name))
        self._view_data = data
        unit = data.table.unit if data.table is not None else ""
        self.figure_model.set_table(data.table, data.rows)
        order = list(Territory)
        slots = {column.territory_name: order.index(column.territory)
                 for column in (data.table.territories if data.table is not None else ())}
        figures.chart.set_data(name, unit, data.series, slots)
        figures.heading_label.setText(f"{name} ({unit})" if unit else name)
        figures.figure_table.setVisible(data.table is not None)
        if same and keep is not None:
            index = self.figure_model.figure_index(keep.id)
            if index.isValid():
                figures.figure_table.setCurrentIndex(index)
        self._on_cell_changed(figures.figure_table.currentIndex(), QModelIndex())

    def _on_cell_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        figure = self.figure_model.figure_at(current)
        label = self.view.figures.source_label
        if figure is None:
            label.setText(self.tr("Sélectionnez une valeur pour voir sa source ; double-cliquez "
                                  "sur une case vide pour ajouter la valeur d'une année."))
        else:
            label.setText(self.tr("{name}, {year} — source : {source}").format(
                name=figure.territory_name, year=figure.year,
                source=figure.source or self.tr("non indiquée")))
        self._update_buttons()

    def _update_buttons(self) -> None:
        writable = not self._context.read_only
        figures = self.view.figures
        selected = self.selected_figure() is not None
        figures.add_button.setEnabled(writable)
        figures.edit_button.setEnabled(writable and selected)
        figures.delete_button.setEnabled(writable and selected)
        participation = self.view.participation
        has_event = self.selected_event() is not None
        participation.add_button.setEnabled(writable)
        participation.edit_button.setEnabled(writable and has_event)
        participation.delete_button.setEnabled(writable and has_event)

    def _on_cell_activated(self, index: QModelIndex) -> None:
        if self._context.read_only:
            return
        figure = self.figure_model.figure_at(index)
        if figure is not None:
            self.edit_figure()
            return
        year = self.figure_model.data(index, YEAR_ROLE)
        if index.column() == 0 or not isinstance(year, int):
            self.add_figure(year=year if isinstance(year, int) else None)
            return
        territory = self.figure_model.territories()[index.column() - 1]
        self.add_figure(year=year, territory=territory.territory,
                        territory_name=territory.territory_name)

    def _units(self) -> dict[str, str]:
        return {item.name: item.unit for item in self._indicators}

    def _figure_dialog(self, figure: FigureRow | None, *, year: int | None = None,
                       territory: Territory = Territory.QPV,
                       territory_name: str | None = None) -> FigureDialog:
        name = self._shown or ""
        unit = next((item.unit for item in self._indicators if item.name == name), "")
        if year is None:
            years = self.figure_model.years()
            year = years[-1] + 1 if years else date.today().year
        return FigureDialog(figure, indicator=name, unit=unit, year=year, territory=territory,
                            territory_name=territory_name, indicators=self._units(),
                            default_names=self._default_names, parent=self)

    def add_figure(self, *, year: int | None = None, territory: Territory = Territory.QPV,
                   territory_name: str | None = None) -> None:
        """A new value (by default: the shown indicator, the QPV, the year after the last)."""
        if self._context.read_only:
            return
        dialog = self._figure_dialog(None, year=year, territory=territory,
                                     territory_name=territory_name)
        created: list[str] = []

        def save() -> Errors | None:
            data = dialog.values()

            def work(session: Session) -> str:
                figure_id = create_figure(session, data)
                return next(row.indicator for row in figure_rows(session)
                            if row.id == figure_id)

            label = self.tr("l'ajout de {name} {year}").format(
                name=quoted(" ".join(data.indicator.split())), year=data.year)
            try:
                indicator = self._context.write(
                    work, {OBSERVATION}, label=label,
                    focus=lambda spelling: Focus(SECTION, before=("indicator", self._shown),
                                                 after=("indicator", spelling)))
            except UserFacingError as error:
                return error_dict(error)
            created.append(indicator)
            return None

        dialog.save = save
        self.run_dialog(dialog)
        if created:
            self.select_indicator(created[0])

    def edit_figure(self) -> None:
        figure = self.selected_figure()
        if figure is None or self._context.read_only:
            return
        dialog = self._figure_dialog(figure)
        moved: list[str] = []

        def save() -> Errors | None:
            data = dialog.values()
            errors = write_in_form(
                self._context, lambda session: update_figure(session, figure.id, data),
                {OBSERVATION},
                self.tr("la modification de {name} {year} ({territory})").format(
                    name=quoted(figure.indicator), year=figure.year,
                    territory=figure.territory_name),
                Focus(SECTION, before=("indicator", figure.indicator),
                      after=("indicator", figure.indicator)))
            if errors is None:
                moved.append(" ".join(data.indicator.split()))
            return errors

        dialog.save = save
        self.run_dialog(dialog)
        if moved and moved[0] != self._shown:
            self.select_indicator(moved[0])

    def delete_figure(self) -> None:
        figure = self.selected_figure()
        if figure is None:
            return
        if not self._context.messenger.confirm(
            self, self.tr("Supprimer la valeur"),
            self.tr("Supprimer la valeur {year} de « {name} » pour {territory} ?").format(
                year=figure.year, name=figure.indicator, territory=figure.territory_name),
            self.tr("Supprimer"),
        ):
            return
        write(self._context, self, self.tr("Supprimer la valeur"),
              lambda session: delete_figure(session, figure.id), {OBSERVATION},
              self.tr("la suppression de {name} {year} ({territory})").format(
                  name=quoted(figure.indicator), year=figure.year,
                  territory=figure.territory_name),
              Focus(SECTION, before=("indicator", figure.indicator),
                    after=("indicator", figure.indicator)))

    # ------------------------------------------------------------------ participation

    def _fill_years(self) -> None:
        combo = self.view.participation.year_combo
        current = combo.currentData()
        years = sorted({event.year for event in self._events} | {date.today().year},
                       reverse=True)
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(self.tr("Toutes les années"), ALL_YEARS)
        for year in years:
            combo.addItem(str(year), year)
        position = combo.findData(current if current is not None else ALL_YEARS)
        combo.setCurrentIndex(max(0, position))
        combo.blockSignals(False)

    def _fill_events(self) -> None:
        participation = self.view.participation
        year = participation.year_combo.currentData()
        rows = [event for event in self._events
                if year is None or year == ALL_YEARS or event.year == year]
        keep = self.participation_model.id_at(participation.table.currentIndex())
        self.participation_model.set_rows(rows)
        index = self.participation_model.index_for_id(keep) if keep is not None else \
            self.participation_model.index(0, 0)
        if index.isValid():
            participation.table.setCurrentIndex(index)
        people = sum(event.participants or 0 for event in rows)
        participation.count_label.setText(
            count_text(len(rows), self.tr("{n} temps"), self.tr("{n} temps"))
            + " · " + count_text(people, self.tr("{n} participant"),
                                 self.tr("{n} participants")))
        participation.empty_label.setVisible(not self._events)
        self._on_event_changed(participation.table.currentIndex(), QModelIndex())

    def _on_event_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        event = self.participation_model.row_at(current)
        view = self.view.participation.detail_view
        if event is None:
            view.setPlainText("")
        else:
            parts = [f"{event.kind} — {event.held_on:%d/%m/%Y}"
                     + (f", {event.place}" if event.place else "")]
            if event.participants is not None:
                parts.append(self.tr("Participants : {n}").format(n=event.participants))
            if event.themes:
                parts.append(self.tr("Thèmes : {themes}").format(themes=event.themes))
            if event.outcome:
                parts.append(self.tr("Ce qui en est ressorti :\n{outcome}").format(
                    outcome=event.outcome))
            view.setPlainText("\n\n".join(parts))
        self._update_buttons()

    def add_event(self) -> None:
        if self._context.read_only:
            return
        kinds = sorted({event.kind for event in self._events})
        dialog = ParticipationDialog(None, kinds, self)
        created: list[int] = []

        def save() -> Errors | None:
            data = dialog.values()
            try:
                event_id = self._context.write(
                    lambda session: create_participation(session, data), {OBSERVATION},
                    label=self.tr("l'ajout du temps de participation {kind}").format(
                        kind=quoted(data.kind)),
                    focus=lambda new_id: Focus(SECTION, before=("participation", None),
                                               after=("participation", new_id)))
            except UserFacingError as error:
                return error_dict(error)
            created.append(event_id)
            return None

        dialog.save = save
        self.run_dialog(dialog)
        if created:
            self._show_event(created[0])

    def _show_event(self, event_id: int) -> None:
        participation = self.view.participation
        index = self.participation_model.index_for_id(event_id)
        if not index.isValid():
            participation.year_combo.setCurrentIndex(0)
            index = self.participation_model.index_for_id(event_id)
        if index.isValid():
            participation.table.setCurrentIndex(index)

    def edit_event(self) -> None:
        event = self.selected_event()
        if event is None or self._context.read_only:
            return
        kinds = sorted({item.kind for item in self._events})
        dialog = ParticipationDialog(event, kinds, self)

        def save() -> Errors | None:
            data = dialog.values()
            return write_in_form(
                self._context, lambda session: update_participation(session, event.id, data),
                {OBSERVATION},
                self.tr("la modification du temps de participation du {day}").format(
                    day=event.held_on.strftime("%d/%m/%Y")),
                Focus(SECTION, before=("participation", event.id),
                      after=("participation", event.id)))

        dialog.save = save
        self.run_dialog(dialog)

    def delete_event(self) -> None:
        event = self.selected_event()
        if event is None:
            return
        if not self._context.messenger.confirm(
            self, self.tr("Supprimer le temps de participation"),
            self.tr("Supprimer « {kind} » du {day} ?").format(
                kind=event.kind, day=event.held_on.strftime("%d/%m/%Y")),
            self.tr("Supprimer"),
        ):
            return
        write(self._context, self, self.tr("Supprimer le temps de participation"),
              lambda session: delete_participation(session, event.id), {OBSERVATION},
              self.tr("la suppression du temps de participation du {day}").format(
                  day=event.held_on.strftime("%d/%m/%Y")),
              Focus(SECTION, before=("participation", event.id), after=("participation", None)))


__all__ = ["SECTION", "ObservationScreen", "load_indicator"]
