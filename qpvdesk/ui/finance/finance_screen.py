"""Behaviour of the "Financements" page: load a year's figures, open the dossiers behind an
amount, keep the budget-line catalogue and its envelopes.

Each tab is read when shown, and again only after a change that concerns it; every
edit of a line or an envelope is one recorded unit of work, undone by Ctrl+Z.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import FundingNature
from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.services.budget_lines import (
    BudgetLineInput,
    BudgetLineRow,
    FunderCatalogue,
    budget_catalogue,
    create_budget_line,
    delete_budget_line,
    delete_envelope,
    set_envelope,
    update_budget_line,
)
from qpvdesk.core.services.finance import finance_by_objective, finance_table
from qpvdesk.ui.context import AppContext, Focus, touches
from qpvdesk.ui.finance.budget_catalogue_model import (
    COLUMN_ENVELOPE,
    COLUMN_NAME,
    BudgetCatalogueModel,
)
from qpvdesk.ui.finance.budget_line_dialog import LineEditor, edit_budget_line
from qpvdesk.ui.finance.figures import FIGURE_ROLE, Figure, no_dossier_text, show_dossiers_behind
from qpvdesk.ui.finance.finance_tree_model import COLUMN_NAME as LINES_NAME
from qpvdesk.ui.finance.finance_tree_model import FinanceTreeModel
from qpvdesk.ui.finance.finance_view import FinanceView, fit_columns, size_columns
from qpvdesk.ui.finance.objective_finance_model import COLUMN_TITLE, ObjectiveFinanceModel
from qpvdesk.ui.finance.years import year_choice
from qpvdesk.ui.topics import FRAMEWORK, PARTNERS, PROGRAMMATION
from qpvdesk.ui.undo import quoted

T = TypeVar("T")
#: The section key of the page: undo and redo of its edits come back here.
SECTION = "funding"
LINES, OBJECTIVES, CATALOGUE = 0, 1, 2
#: What each tab shows comes from these change topics.
TAB_TOPICS = {
    LINES: (PROGRAMMATION, PARTNERS),
    OBJECTIVES: (PROGRAMMATION, FRAMEWORK),
    CATALOGUE: (PROGRAMMATION, PARTNERS),
}


class FinanceScreen(QWidget):
    """Per year: the money per funder and line, per objective, and the line catalogue."""

    def __init__(self, context: AppContext, line_editor: LineEditor = edit_budget_line,
                 today: Callable[[], date] = date.today,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.line_editor = line_editor
        self.today = today
        self._year: int | None = None
        self._stale = {LINES: True, OBJECTIVES: True, CATALOGUE: True}
        self._years_stale = True
        self._committing = False
        self._catalogue: list[FunderCatalogue] = []

        self.view = FinanceView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        view = self.view

        self.lines_model = FinanceTreeModel(self)
        view.lines_tree.setModel(self.lines_model)
        fit_columns(view.lines_tree, LINES_NAME)
        self.objectives_model = ObjectiveFinanceModel(self)
        view.objectives_tree.setModel(self.objectives_model)
        fit_columns(view.objectives_tree, COLUMN_TITLE)
        self.catalogue_model = BudgetCatalogueModel(self)
        view.catalogue_tree.setModel(self.catalogue_model)
        fit_columns(view.catalogue_tree, COLUMN_NAME)

        view.year_combo.year_changed.connect(self._on_year_changed)
        view.tabs.currentChanged.connect(lambda _tab: self._load_current())
        view.lines_tree.doubleClicked.connect(self._show_figure)
        view.show_action.triggered.connect(
            lambda: self._show_figure(view.lines_tree.currentIndex()))
        view.objectives_tree.doubleClicked.connect(self._show_figure)
        view.show_objective_action.triggered.connect(
            lambda: self._show_figure(view.objectives_tree.currentIndex()))
        view.nature_combo.currentIndexChanged.connect(lambda _i: self._reload_tab(OBJECTIVES))
        view.show_inactive_check.toggled.connect(lambda _on: self._reload_tab(CATALOGUE))
        view.catalogue_tree.doubleClicked.connect(self._on_catalogue_double_clicked)
        view.catalogue_tree.itemDelegate().closeEditor.connect(
            lambda *_: QTimer.singleShot(0, self, self._load_current))
        view.catalogue_tree.selectionModel().currentChanged.connect(
            lambda *_: self._update_actions())
        view.add_action.triggered.connect(self.add_line)
        view.edit_action.triggered.connect(self.edit_line)
        view.toggle_action.triggered.connect(self.toggle_line)
        view.delete_action.triggered.connect(self.delete_line)
        view.edit_envelope_action.triggered.connect(self.edit_envelope)
        context.changed.connect(self._on_changed)
        context.focus_requested.connect(self._on_focus_requested)
        context.database_replaced.connect(self._on_database_replaced)
        self._show_access()

    # ------------------------------------------------------------------ state

    @property
    def context(self) -> AppContext:
        return self._context

    @property
    def year(self) -> int | None:
        return self._year

    def set_year(self, year: int) -> None:
        """Show another year (as if picked in the list)."""
        self._ensure_years()
        self.view.year_combo.set_year(year)

    def current_line(self) -> BudgetLineRow | None:
        node = self.catalogue_model.node(self.view.catalogue_tree.currentIndex())
        return node if isinstance(node, BudgetLineRow) else None

    def current_funder_id(self) -> int | None:
        node = self.catalogue_model.node(self.view.catalogue_tree.currentIndex())
        if isinstance(node, BudgetLineRow):
            return node.funder_id
        if isinstance(node, FunderCatalogue):
            return node.funder_id
        return None

    def select_line(self, line_id: int) -> None:
        index = self.catalogue_model.line_index(line_id)
        if index.isValid():
            tree = self.view.catalogue_tree
            tree.expand(index.parent())
            tree.setCurrentIndex(index)
            tree.scrollTo(index)

    # ------------------------------------------------------------------ loading

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._load_current()

    def _ensure_years(self) -> None:
        if not self._years_stale:
            return
        choice = self._context.read(lambda session: year_choice(session, self.today()))
        keep = self._year if self._year in choice.years else choice.default
        self.view.year_combo.set_years(choice.years, keep)
        self._year = self.view.year_combo.year()
        self._years_stale = False

    def _load_current(self) -> None:
        """Read what the visible tab shows, if a change made it stale."""
        if not self.isVisible():
            return
        self._ensure_years()
        tab = self.view.tabs.currentIndex()
        if self._stale.get(tab, False):
            self._reload_tab(tab)

    def reload(self) -> None:
        """Read every tab again now (tests, or after the file was replaced)."""
        self._years_stale = True
        self._ensure_years()
        for tab in (LINES, OBJECTIVES, CATALOGUE):
            self._reload_tab(tab)

    def _reload_tab(self, tab: int) -> None:
        self._ensure_years()
        year = self._year
        if year is None:
            return
        self._stale[tab] = False
        if tab == LINES:
            table = self._context.read(lambda session: finance_table(session, year))
            self.lines_model.set_table(table)
            self.view.lines_tree.expandAll()
            size_columns(self.view.lines_tree, LINES_NAME)
        elif tab == OBJECTIVES:
            nature = self.view.nature_combo.currentData()
            rows = self._context.read(
                lambda session: finance_by_objective(session, year, nature))
            self.objectives_model.set_rows(year, nature, rows)
            self.view.objectives_tree.expandAll()
            size_columns(self.view.objectives_tree, COLUMN_TITLE)
        elif tab == CATALOGUE:
            if self.view.catalogue_tree.state() == QAbstractItemView.State.EditingState:
                # An envelope being typed would be lost: read again once it is committed.
                self._stale[tab] = True
                return
            keep = self.current_line()
            keep_funder = self.current_funder_id()
            self._catalogue = self._context.read(budget_catalogue)
            self.catalogue_model.set_catalogue(
                self._catalogue, year, self.view.show_inactive_check.isChecked())
            self.view.catalogue_tree.expandAll()
            size_columns(self.view.catalogue_tree, COLUMN_NAME)
            if keep is not None:
                self.select_line(keep.id)
            elif keep_funder is not None:
                self.view.catalogue_tree.setCurrentIndex(
                    self.catalogue_model.funder_index(keep_funder))
            self._update_actions()
        self._show_access()

    def _on_year_changed(self, year: int) -> None:
        self._year = year
        for tab in self._stale:
            self._stale[tab] = True
        self.view.note_label.setVisible(False)
        self._load_current()

    def _on_changed(self, changes: frozenset[str]) -> None:
        if touches(changes, FRAMEWORK):
            self._years_stale = True  # the contract's years may have changed
        hit = [tab for tab, topics in TAB_TOPICS.items() if touches(changes, *topics)]
        if not hit:
            return
        for tab in hit:
            self._stale[tab] = True
        if self._committing:
            # Inside the model's setData: the edited cell's model must not reset under it.
            QTimer.singleShot(0, self, self._load_current)
        else:
            self._load_current()

    def _on_database_replaced(self) -> None:
        self._year = None
        self._years_stale = True
        for tab in self._stale:
            self._stale[tab] = True
        self.view.note_label.setVisible(False)
        self._show_access()

    def _on_focus_requested(self, topic: str, target: object) -> None:
        """After an undo or redo of a catalogue edit: show the line it concerned."""
        if topic != SECTION:
            return
        self.view.tabs.setCurrentIndex(CATALOGUE)
        self._load_current()
        if isinstance(target, int):
            self.select_line(target)

    def _show_access(self) -> None:
        year = self._year
        text = self.tr("Enveloppes, demandes, propositions, accords et versements {year} par "
                       "financeur et ligne budgétaire, droit commun et crédits spécifiques. "
                       "Double-cliquez sur un montant pour voir les dossiers qui le composent.") \
            .format(year=year if year is not None else "")
        if self._context.read_only:
            text += " " + self.tr("La base est ouverte en lecture seule : rien ne peut être "
                                  "modifié.")
        self.view.subtitle_label.setText(text)
        self.catalogue_model.set_envelope_writer(
            None if self._context.read_only else self._write_envelope)
        self._update_actions()

    def _update_actions(self) -> None:
        view = self.view
        editable = not self._context.read_only
        line = self.current_line()
        view.add_action.setEnabled(editable)
        view.edit_action.setEnabled(editable and line is not None)
        view.toggle_action.setEnabled(editable and line is not None)
        view.toggle_action.setText(self.tr("Réactiver") if line is not None and not line.active
                                   else self.tr("Désactiver"))
        view.delete_action.setEnabled(editable and line is not None)
        view.edit_envelope_action.setEnabled(editable and line is not None)

    # ------------------------------------------------------------------ figures

    def _show_figure(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        figure = index.data(FIGURE_ROLE)
        if not isinstance(figure, Figure):
            return
        ids = show_dossiers_behind(self._context, figure)
        self.view.note_label.setText("" if ids else no_dossier_text(figure))
        self.view.note_label.setVisible(not ids)

    # ------------------------------------------------------------------ catalogue edits

    def _write(self, title: str, work: Callable[[Session], T], label: str,
               focus: Focus | Callable[[T], Focus]) -> tuple[bool, T | None]:
        """One recorded edit; a refusal is said in a message."""
        try:
            return True, self._context.write(work, {PROGRAMMATION}, label=label, focus=focus)
        except UserFacingError as error:
            self._context.messenger.warn(self, title, error.message)
            return False, None

    def _funders(self) -> list[tuple[int, str]]:
        return [(funder.funder_id, funder.funder_name) for funder in self._catalogue]

    def _ensure_catalogue(self) -> None:
        if self._stale[CATALOGUE] or not self._catalogue:
            self._reload_tab(CATALOGUE)

    def add_line(self) -> None:
        self._ensure_catalogue()
        title = self.tr("Ajouter une ligne budgétaire")
        funders = self._funders()
        if not funders:
            self._context.messenger.warn(self, title, self.tr(
                "Aucun financeur dans cette base : donnez d'abord le rôle Financeur à une "
                "structure (page Partenaires)."))
            return
        initial = BudgetLineInput(funder_id=self.current_funder_id() or funders[0][0], name="",
                                  nature=FundingNature.SPECIFIC)
        current = self.current_line()
        before = None if current is None else current.id
        created: list[int] = []

        def save(data: BudgetLineInput) -> None:
            line_id = self._context.write(
                lambda session: create_budget_line(session, data), {PROGRAMMATION},
                label=self.tr("l'ajout de la ligne {name}").format(name=quoted(data.name)),
                focus=lambda new_id: Focus(SECTION, before=before, after=new_id))
            created.append(line_id)

        if self.line_editor(self, title, funders, initial, save) and created:
            self.view.tabs.setCurrentIndex(CATALOGUE)
            self._load_current()
            self.select_line(created[0])

    def edit_line(self) -> None:
        line = self.current_line()
        if line is None:
            return
        initial = BudgetLineInput(funder_id=line.funder_id, name=line.name, nature=line.nature,
                                  code=line.code or "", active=line.active)

        def save(data: BudgetLineInput) -> None:
            if data == initial:
                return
            self._context.write(
                lambda session: update_budget_line(session, line.id, data), {PROGRAMMATION},
                label=self.tr("la modification de la ligne {name}").format(
                    name=quoted(line.name)),
                focus=Focus(SECTION, before=line.id, after=line.id))

        if self.line_editor(self, self.tr("Modifier la ligne budgétaire"), self._funders(),
                             initial, save):
            self.select_line(line.id)

    def toggle_line(self) -> None:
        line = self.current_line()
        if line is None:
            return
        data = BudgetLineInput(funder_id=line.funder_id, name=line.name, nature=line.nature,
                               code=line.code or "", active=not line.active)
        label = (self.tr("la réactivation de la ligne {name}") if data.active
                 else self.tr("la désactivation de la ligne {name}")).format(
            name=quoted(line.name))
        ok, _ = self._write(self.view.toggle_action.text(),
                            lambda session: update_budget_line(session, line.id, data), label,
                            Focus(SECTION, before=line.id, after=line.id))
        if ok:
            self.select_line(line.id)

    def delete_line(self) -> None:
        line = self.current_line()
        if line is None:
            return
        title = self.tr("Supprimer la ligne budgétaire")
        # A line in use: the service refuses and says what uses it; that message is shown.
        if not line.in_use and not self._context.messenger.confirm(
            self, title,
            self.tr("Supprimer définitivement la ligne « {name} » de {funder} ?").format(
                name=line.name, funder=line.funder_name),
            self.tr("Supprimer"),
        ):
            return
        self._write(title, lambda session: delete_budget_line(session, line.id),
                    self.tr("la suppression de la ligne {name}").format(name=quoted(line.name)),
                    Focus(SECTION, before=line.id, after=None))

    def _on_catalogue_double_clicked(self, index: QModelIndex) -> None:
        if index.column() != COLUMN_ENVELOPE and isinstance(self.catalogue_model.node(index),
                                                            BudgetLineRow):
            self.edit_line()

    def edit_envelope(self) -> None:
        """Start typing the current line's envelope (F2)."""
        line = self.current_line()
        if line is None or self._context.read_only:
            return
        index = self.catalogue_model.line_index(line.id, COLUMN_ENVELOPE)
        tree: QTreeView = self.view.catalogue_tree
        tree.setCurrentIndex(index)
        tree.edit(index)

    def _write_envelope(self, line_id: int, text: str) -> bool:
        """The model's writer: save the envelope typed for the year shown (empty: delete it)."""
        year = self._year
        line = next((row for funder in self._catalogue for row in funder.lines
                     if row.id == line_id), None)
        if year is None or line is None:
            return False
        title = self.tr("Enveloppe {year}").format(year=year)
        name = quoted(line.name)
        work: Callable[[Session], object]
        if not text.strip():
            if line.envelope(year) is None:
                return False
            label = self.tr("la suppression de l'enveloppe {year} de {name}")
            work = lambda session: delete_envelope(session, line_id, year)  # noqa: E731
        else:
            try:
                amount = Money.parse(text, self.tr("Enveloppe"))
            except ValidationError as error:
                self._warn_later(title, error.message)
                return False
            label = (self.tr("la saisie de l'enveloppe {year} de {name}")
                     if line.envelope(year) is None
                     else self.tr("la modification de l'enveloppe {year} de {name}"))
            work = lambda session: set_envelope(session, line_id, year, amount)  # noqa: E731
        self._committing = True
        try:
            self._context.write(work, {PROGRAMMATION}, label=label.format(year=year, name=name),
                                focus=Focus(SECTION, before=line_id, after=line_id))
        except UserFacingError as error:
            self._warn_later(title, error.message)
            return False
        finally:
            self._committing = False
        return True

    def _warn_later(self, title: str, message: str) -> None:
        # Called while the view commits the editor: a modal box now would take the focus
        # from the editor and commit it again. Shown once the commit is over.
        messenger = self._context.messenger
        QTimer.singleShot(0, self, lambda: messenger.warn(self, title, message))
