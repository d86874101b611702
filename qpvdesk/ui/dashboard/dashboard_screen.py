"""Behaviour of the "Tableau de bord": read a year at a glance and what is due, open the
dossiers behind any figure.

The page reads the file when shown, and again after a change only if it is the page
on screen (otherwise when it comes back): a 50 000-dossier file costs a few hundred
milliseconds per reading, which no hidden page should spend after every edit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import DossierState, ObjectiveLevel
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services.calls import contract_years
from qpvdesk.core.services.dashboard import (
    DUE_SHOWN,
    Dashboard,
    DueGroup,
    dashboard,
    dossiers_per_state,
    due_dossier_ids,
)
from qpvdesk.core.services.dossier_list import dossier_rows
from qpvdesk.core.services.finance import finance_by_objective, finance_table
from qpvdesk.core.services.info import (
    ContractSummary,
    DatabaseInfo,
    contract_summary,
    database_info,
)
from qpvdesk.core.storage import migrate
from qpvdesk.ui.context import AppContext, touches
from qpvdesk.ui.dashboard.dashboard_view import DashboardView, StateTile, fit_to_rows
from qpvdesk.ui.dashboard.due_tree_model import DOSSIER_ROLE, DueTreeModel, MoreRow
from qpvdesk.ui.dashboard.envelope_bars import (
    BAR_WIDTH,
    COLUMN_BAR,
    COLUMN_LINE,
    EnvelopeBarsModel,
)
from qpvdesk.ui.dashboard.summary_model import SummaryRow, SummaryTableModel
from qpvdesk.ui.file_actions import BACKUP_TOPIC
from qpvdesk.ui.finance.figures import FIGURE_ROLE, Figure, no_dossier_text, show_dossiers_behind
from qpvdesk.ui.finance.years import YearChoice, choice_of
from qpvdesk.ui.formatting import date_time, number
from qpvdesk.ui.topics import COMMITTEES, FRAMEWORK, PARTNERS, PROGRAMMATION


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the page shows, read in one transaction."""

    summary: ContractSummary | None
    info: DatabaseInfo
    choice: YearChoice
    board: Dashboard


class DashboardScreen(QWidget):
    """The year at a glance; every figure opens the dossiers behind it."""

    def __init__(self, context: AppContext, today: Callable[[], date] = date.today,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.today = today
        self._year: int | None = None
        self._stale = True
        self._last_backup: datetime | None = None
        self._shown: Dashboard | None = None
        #: How many items of each kind the list shows (« et N autres… » for the rest).
        self.due_shown = DUE_SHOWN

        self.view = DashboardView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        view = self.view
        self.due_model = DueTreeModel(self)
        view.due_view.setModel(self.due_model)
        self.envelopes_model = EnvelopeBarsModel(self)
        view.envelopes_view.setModel(self.envelopes_model)
        self.funders_model = SummaryTableModel(self.tr("Financeur"), self)
        view.funders_view.setModel(self.funders_model)
        self.priorities_model = SummaryTableModel(self.tr("Priorité"), self)
        view.priorities_view.setModel(self.priorities_model)
        view.size_due_view()

        view.year_combo.year_changed.connect(self._on_year_changed)
        for table, action in view.show_actions.items():
            table.doubleClicked.connect(self._show_figure)
            action.triggered.connect(lambda _checked=False, t=table:
                                     self._show_figure(t.currentIndex()))
        view.due_view.doubleClicked.connect(self._open_due)
        view.open_action.triggered.connect(lambda: self._open_due(view.due_view.currentIndex()))
        context.changed.connect(self._on_changed)
        context.database_replaced.connect(self._on_database_replaced)
        # Read when first shown: a window reopening on another section never pays for it.

    # ------------------------------------------------------------------ state

    @property
    def context(self) -> AppContext:
        return self._context

    @property
    def year(self) -> int | None:
        return self._year

    def set_year(self, year: int) -> None:
        self.view.year_combo.set_year(year)

    # ------------------------------------------------------------------ loading

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _on_changed(self, changes: frozenset[str]) -> None:
        if touches(changes, PROGRAMMATION, COMMITTEES, FRAMEWORK, PARTNERS):
            self._stale = True
            if self.isVisible():
                self.refresh()
        elif BACKUP_TOPIC in changes:
            self._show_file(self._context.read(self._read_info))

    def _on_database_replaced(self) -> None:
        self._year = None
        self._stale = True

    def _on_year_changed(self, year: int) -> None:
        self._year = year
        self._stale = True
        # What is due looks at every year: nothing changed, the list read last time stands.
        self.refresh(keep_due=True)

    def _read_info(self, session: Session) -> DatabaseInfo:
        self._last_backup = self._context.database.last_backup()
        return database_info(session, migrate.head_revision(), self._last_backup)

    def _read(self, session: Session, due: tuple[DueGroup, ...] | None) -> Snapshot:
        info = self._read_info(session)
        try:
            contract: tuple[int, int] | None = contract_years(session)
        except ValidationError:
            contract = None
        today = self.today()
        choice = choice_of(contract, [int(year) for year in info.dossiers], today)
        year = self._year if self._year in choice.years else choice.default
        return Snapshot(
            summary=contract_summary(session),
            info=info,
            choice=choice,
            board=self._board(session, year, today, due, self.due_shown),
        )

    @staticmethod
    def _board(session: Session, year: int, today: date,
               due: tuple[DueGroup, ...] | None, shown: int) -> Dashboard:
        """`dashboard()`, reusing the due items already read when only the year changed
        (they are most of its time on a large file and do not depend on the year)."""
        if due is None:
            return dashboard(session, year, today, shown)
        table = finance_table(session, year)
        states = dossiers_per_state(session, year)
        return Dashboard(
            year=year,
            today=today,
            states=states,
            dossier_count=sum(state.count for state in states),
            funders=table.by_funder,
            priorities=tuple(row for row in finance_by_objective(session, year)
                             if row.level is ObjectiveLevel.PRIORITY or row.objective_id is None),
            envelopes=tuple(row for row in table.rows if row.envelope is not None),
            total=table.total,
            groups=due,
        )

    def refresh(self, keep_due: bool = False) -> None:
        """Read and show everything (the year kept when the file still has it); with
        *keep_due*, the due items shown stay (nothing changed but the year)."""
        board = self._shown
        due = board.groups if keep_due and board is not None and board.today == self.today() \
            else None
        snapshot = self._context.read(lambda session: self._read(session, due))
        self._shown = snapshot.board
        self._stale = False
        board = snapshot.board
        self._year = board.year
        self.view.year_combo.set_years(snapshot.choice.years, board.year)
        self._show_contract(snapshot.summary)
        self._show_file(snapshot.info)
        self._show_board(board)

    def _show_board(self, board: Dashboard) -> None:
        view = self.view
        year = board.year
        view.note_label.setVisible(False)
        view.states_box.setTitle(self.tr("Dossiers {year}").format(year=year))
        if board.dossier_count:
            view.total_label.setText(
                self.tr("{n} dossiers de l'exercice {year}, par état :").format(
                    n=number(board.dossier_count), year=year)
                if board.dossier_count > 1 else
                self.tr("1 dossier de l'exercice {year} :").format(year=year))
        else:
            view.total_label.setText(self.tr("Aucun dossier pour l'exercice {year}.")
                                     .format(year=year))
        tiles = []
        for state in board.states:
            tile = StateTile(state.state, state.label, state.count)
            tile.clicked.connect(lambda _checked=False, s=state.state, lbl=state.label:
                                 self.show_state(s, lbl))
            tiles.append(tile)
        view.set_tiles(tiles)

        self.due_model.set_due(board.groups)
        view.due_box.setTitle(self.tr("À faire au {day} ({n})").format(
            day=board.today.strftime("%d/%m/%Y"), n=number(board.due_count)))
        view.due_view.expandAll()
        view.due_view.setVisible(bool(board.groups))
        view.due_empty_label.setVisible(not board.groups)

        self.envelopes_model.set_rows(year, board.envelopes)
        view.envelopes_box.setTitle(self.tr("Enveloppes {year} : engagé et reste").format(
            year=year))
        has_envelopes = self.envelopes_model.rowCount() > 0
        view.envelopes_view.setVisible(has_envelopes)
        view.envelopes_empty_label.setVisible(not has_envelopes)
        view.envelopes_empty_label.setText(self.tr(
            "Aucune enveloppe saisie pour {year} : saisissez-les dans Financements, onglet "
            "« Lignes budgétaires et enveloppes ».").format(year=year))
        fit_to_rows(view.envelopes_view, COLUMN_LINE, fixed={COLUMN_BAR: BAR_WIDTH})

        total = SummaryRow(self.tr("Total {year}").format(year=year), board.total.amounts,
                           Figure(self.tr("Tous financements"), year), is_total=True)
        self.funders_model.set_rows([
            *(SummaryRow(funder.label, funder.amounts,
                         Figure(funder.label, year, funder_id=funder.funder_id),
                         tooltip=self.tr("{n} lignes budgétaires").format(n=funder.lines))
              for funder in board.funders),
            total,
        ] if board.funders else [])
        view.funders_box.setTitle(self.tr("Montants {year} par financeur").format(year=year))
        fit_to_rows(view.funders_view)
        self.priorities_model.set_rows([
            *(SummaryRow(f"{row.code} {row.title}".strip(), row.amounts,
                         None if row.objective_id is None
                         else Figure(f"{row.code} {row.title}", year,
                                     objective_id=row.objective_id),
                         tooltip=row.title)
              for row in board.priorities),
            total,
        ] if board.priorities else [])
        view.priorities_box.setTitle(self.tr("Montants {year} par priorité").format(year=year))
        fit_to_rows(view.priorities_view)

    def _show_contract(self, summary: ContractSummary | None) -> None:
        view = self.view
        if summary is None:
            view.title_label.setText(self.tr("Aucun contrat de ville dans cette base"))
            view.subtitle_label.setText(self.tr("Base vide : importez ou saisissez un contrat."))
            view.neighbourhood_label.clear()
            return
        view.title_label.setText(summary.name)
        view.subtitle_label.setText(
            self.tr("{town} — contrat {start}–{end}")
            .format(town=summary.town, start=summary.start_year, end=summary.end_year)
        )
        parts = []
        for name, code, population in summary.neighbourhoods:
            text = f"{name} ({code})"
            if population is not None:
                text += self.tr(", {n} habitants").format(n=number(population))
            parts.append(text)
        if not parts:
            view.neighbourhood_label.setText(self.tr("Aucun quartier prioritaire renseigné."))
        elif len(parts) == 1:
            view.neighbourhood_label.setText(self.tr("Quartier prioritaire : {q}")
                                             .format(q=parts[0]))
        else:
            view.neighbourhood_label.setText(self.tr("Quartiers prioritaires : {q}")
                                             .format(q=" ; ".join(parts)))

    def _show_file(self, info: DatabaseInfo) -> None:
        database = self._context.database
        form = self.view.file_form
        while form.rowCount():
            form.removeRow(0)
        rows = [
            (self.tr("Fichier"), str(database.origin)),
            (self.tr("Dernière sauvegarde"),
             date_time(self._last_backup, self.tr("aucune pour l'instant"))),
            (self.tr("Version du schéma"), info.schema_version),
        ]
        if database.read_only:
            rows.append((self.tr("Accès"), self.tr("lecture seule")))
        for label, value in rows:
            value_label = QLabel(value)
            value_label.setWordWrap(True)
            value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, value_label)

    # ------------------------------------------------------------------ opening dossiers

    def state_dossier_ids(self, state: DossierState) -> list[int]:
        year = self._year
        if year is None:
            return []
        rows = self._context.read(lambda session: dossier_rows(session, {year}))
        return [row.id for row in rows if row.state is state]

    def show_state(self, state: DossierState, label: str) -> None:
        """Ask the Dossiers page for the year's dossiers in *state*."""
        ids = self.state_dossier_ids(state)
        if ids:
            self._context.show_dossiers_requested.emit(
                ids, self.tr("Dossiers {year} à l'état « {state} »").format(year=self._year,
                                                                           state=label))

    def _show_figure(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        figure = index.data(FIGURE_ROLE)
        if not isinstance(figure, Figure):
            return
        ids = show_dossiers_behind(self._context, figure)
        self.view.note_label.setText("" if ids else no_dossier_text(figure))
        self.view.note_label.setVisible(not ids)

    def show_due(self, more: MoreRow) -> None:
        """Ask the Dossiers page for the dossiers of every item of a kind (the « et N
        autres… » row), judged on the day the list shown was read."""
        board = self._shown
        if board is None:
            return
        day = board.today
        ids = self._context.read(lambda session: due_dossier_ids(session, more.kind, day))
        if ids:
            self._context.show_dossiers_requested.emit(
                ids, self.tr("{what} au {day}").format(what=more.kind.label,
                                                       day=day.strftime("%d/%m/%Y")))

    def _open_due(self, index: QModelIndex) -> None:
        if not index.isValid() or self.due_model.is_group(index):
            return
        node = self.due_model.node(index)
        if isinstance(node, MoreRow):
            self.show_due(node)
            return
        dossier_id = index.data(DOSSIER_ROLE)
        if isinstance(dossier_id, int):
            self._context.open_dossier_requested.emit(dossier_id)
        else:
            self.view.note_label.setText(self.tr("Cette suite à donner n'est rattachée à aucun "
                                                 "dossier : voyez la séance qui l'a décidée."))
            self.view.note_label.setVisible(True)
