"""Behaviour of the "Actions" page: the list and its filters, the action's form, notes, money,
indicators, and the coverage of the operational objectives.

Every change is one unit of work recorded for "Édition > Annuler" (Ctrl+Z). The page
reads again only when a change touches what it shows (and, hidden, once shown again).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import ActionKind, ActionState, MeasurementKind
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.services.actions import (
    ActionInput,
    ActionRow,
    CoverageRow,
    NoteRow,
    action_rows,
    add_note,
    coverage,
    create_action,
    delete_action,
    delete_note,
    update_action,
    update_note,
    validate_action_input,
)
from qpvdesk.core.services.calls import FormError
from qpvdesk.core.services.funding import FundingRow, set_common_law_funding
from qpvdesk.core.services.indicators import (
    IndicatorRow,
    add_preset_indicators,
    create_indicator,
    delete_indicator,
    set_measurement,
    update_indicator,
)
from qpvdesk.ui.actions.action_data import (
    ActionChoices,
    ActionSnapshot,
    load_action,
    load_choices,
)
from qpvdesk.ui.actions.action_detail_view import TAB_FORM, TAB_INDICATORS, TAB_MONEY, TAB_NOTES
from qpvdesk.ui.actions.action_models import (
    ActionTableModel,
    YearLine,
    value_lines,
)
from qpvdesk.ui.actions.actions_view import TAB_COVERAGE, TAB_LIST, ActionsView
from qpvdesk.ui.actions.coverage_model import CoverageTreeModel, NodeKind, counts
from qpvdesk.ui.actions.dialogs import (
    CommonLawAmountDialog,
    IndicatorDialog,
    NewCommonLawDialog,
    NoteDialog,
    ValuesDialog,
    spin_year,
)
from qpvdesk.ui.actions.pdf_export import PdfExporter
from qpvdesk.ui.actions.shared import count_text, error_dict, form_errors, write, write_in_form
from qpvdesk.ui.context import AppContext, Focus, touches
from qpvdesk.ui.partners.form_dialog import Errors, run_dialog
from qpvdesk.ui.topics import EVALUATION, FRAMEWORK, PARTNERS, PROGRAMMATION
from qpvdesk.ui.undo import quoted
from qpvdesk.ui.widgets.unsaved_edits import UnsavedEditsGuard

#: The section key of the page, also the topic of its `Focus` hints.
SECTION = "actions"
#: The year combo's entry for every year.
ALL_YEARS = -1


def _grouped(errors: dict[str, str]) -> dict[str, list[str]]:
    return {key: text.split("\n") for key, text in errors.items()}


def search_text(row: ActionRow) -> str:
    """What the search box looks into, folded (case and accents ignored)."""
    parts = [row.title, row.holder_name or "", row.objective_code or "",
             row.objective_title or "", row.place or "", row.public or "", row.kind_label,
             row.state_label, *row.theme_titles]
    return fold(" ".join(parts))


class ActionsScreen(UnsavedEditsGuard, QWidget):
    """The actions list above, the selected action below; the coverage in a second tab."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.run_dialog: Callable[[QDialog], bool] = run_dialog
        self._reloading = False
        self._stale = False
        self._coverage_stale = True
        self._sized = False
        self._new = False
        self._new_kind = ActionKind.CALL_FOR_PROJECTS
        self._shown_id: int | None = None
        self._snapshot: ActionSnapshot | None = None
        self._all_rows: list[ActionRow] = []
        self._choices: ActionChoices | None = None
        self._coverage_rows: list[CoverageRow] = []
        self._search_cache: dict[int, str] = {}

        self.view = ActionsView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.model = ActionTableModel(self)
        self.view.table.setModel(self.model)
        self.view.configure_columns()
        self.view.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
        self.coverage_model = CoverageTreeModel(self)
        self.view.coverage_tree.setModel(self.coverage_model)
        self.view.configure_coverage_columns()
        self._fill_filters()

        view, detail = self.view, self.view.detail
        editor = detail.editor
        view.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        view.year_combo.currentIndexChanged.connect(self._on_year_changed)
        view.state_combo.currentIndexChanged.connect(self.apply_filters)
        view.kind_combo.currentIndexChanged.connect(self.apply_filters)
        view.priority_combo.currentIndexChanged.connect(self.apply_filters)
        view.search_edit.textChanged.connect(self.apply_filters)
        view.new_action.triggered.connect(lambda: self.new_action())
        view.new_common_law_action.triggered.connect(self.new_common_law_action)
        view.delete_action.triggered.connect(self.delete)
        view.sheet_action.triggered.connect(self.export_sheet)
        self.pdf = PdfExporter(context, self)
        self.pdf.finished.connect(lambda _path: self._update_buttons())
        view.tabs.currentChanged.connect(self._on_tab_changed)
        view.coverage_year_combo.currentIndexChanged.connect(self._on_coverage_year_changed)
        view.uncovered_only_box.toggled.connect(lambda _on: self.reload_coverage())
        view.coverage_tree.doubleClicked.connect(self._on_coverage_activated)
        editor.save_button.clicked.connect(self.save)
        editor.revert_button.clicked.connect(self._revert)
        notes = detail.notes
        notes.add_button.clicked.connect(self.add_note)
        notes.edit_button.clicked.connect(self.edit_note)
        notes.delete_button.clicked.connect(self.delete_note)
        notes.table.doubleClicked.connect(lambda _index: self.edit_note())
        notes.table.selectionModel().currentRowChanged.connect(self._on_note_changed)
        money = detail.money
        money.dossiers_table.doubleClicked.connect(lambda _index: self.open_dossier())
        money.open_dossier_button.clicked.connect(self.open_dossier)
        money.show_dossiers_button.clicked.connect(self.show_dossiers)
        money.common_law_button.clicked.connect(self.edit_common_law)
        money.remove_common_law_button.clicked.connect(self.remove_common_law)
        money.funding_table.doubleClicked.connect(self._on_funding_activated)
        money.funding_table.selectionModel().currentRowChanged.connect(
            lambda *_args: self._update_buttons())
        money.dossiers_table.selectionModel().currentRowChanged.connect(
            lambda *_args: self._update_buttons())
        indicators = detail.indicators
        indicators.presets_button.clicked.connect(self.add_presets)
        indicators.new_button.clicked.connect(self.new_indicator)
        indicators.edit_button.clicked.connect(self.edit_indicator)
        indicators.delete_button.clicked.connect(self.delete_indicator)
        indicators.values_button.clicked.connect(self.edit_values)
        indicators.values_table.doubleClicked.connect(lambda _index: self.edit_values())
        indicators.table.doubleClicked.connect(lambda _index: self.edit_indicator())
        indicators.table.selectionModel().currentRowChanged.connect(self._on_indicator_changed)
        context.changed.connect(self._on_changed)
        context.focus_requested.connect(self._on_focus_requested)
        context.database_replaced.connect(self._on_database_replaced)
        self._show_access()
        # Read when shown, as after a change made while the page was hidden.
        self._stale = True
        self._show_nothing()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()
        elif self._coverage_stale and self.view.tabs.currentIndex() == TAB_COVERAGE:
            self.reload_coverage()
        if not self._sized:  # the splitter knows its height only once shown
            self._sized = True
            self.view.fit_list_height(self.model.rowCount())

    # ------------------------------------------------------------------ state

    def current_id(self) -> int | None:
        return self.model.id_at(self.view.table.currentIndex())

    def shown_id(self) -> int | None:
        return self._shown_id

    def snapshot(self) -> ActionSnapshot | None:
        return self._snapshot

    def year(self) -> int | None:
        data = self.view.year_combo.currentData()
        return None if data is None or data == ALL_YEARS else int(data)

    def coverage_year(self) -> int:
        data = self.view.coverage_year_combo.currentData()
        return int(data) if data is not None else date.today().year

    def select(self, action_id: int) -> bool:
        """Select an action in the list (the filters are cleared if they hide it)."""
        index = self.model.index_for_id(action_id)
        if not index.isValid() and any(row.id == action_id for row in self._all_rows):
            self.clear_filters()
            index = self.model.index_for_id(action_id)
        if not index.isValid():
            # Not an action of the year shown: show every year.
            self.view.year_combo.setCurrentIndex(self.view.year_combo.findData(ALL_YEARS))
            self.clear_filters()
            index = self.model.index_for_id(action_id)
        if index.isValid():
            self.view.tabs.setCurrentIndex(TAB_LIST)
            self.view.table.setCurrentIndex(index)
            self.view.table.scrollTo(index)
            return True
        return False

    # ------------------------------------------------------------------ filters

    def _fill_filters(self) -> None:
        view = self.view
        view.state_combo.addItem(self.tr("Tous"), None)
        # Enum values, not members: a QVariant would turn a StrEnum member into a plain str.
        for state in ActionState:
            view.state_combo.addItem(state.label, state.value)
        view.kind_combo.addItem(self.tr("Toutes"), None)
        for kind in ActionKind:
            view.kind_combo.addItem(kind.label, kind.value)
        view.priority_combo.addItem(self.tr("Toutes"), None)

    def _fill_years(self, choices: ActionChoices) -> None:
        """The years offered (the contract's), set once and again when the contract changes."""
        years = choices.years
        view = self.view
        offered = [view.year_combo.itemData(i) for i in range(view.year_combo.count())]
        if offered[1:] == list(years):
            return
        today = date.today().year
        default = today if today in years else (years[-1] if today > years[-1] else years[0])
        for combo, with_all in ((view.year_combo, True), (view.coverage_year_combo, False)):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            if with_all:
                combo.addItem(self.tr("Toutes les années"), ALL_YEARS)
            for year in years:
                combo.addItem(str(year), year)
            position = combo.findData(current if current is not None else default)
            combo.setCurrentIndex(position if position >= 0 else combo.findData(default))
            combo.blockSignals(False)
        self.model.set_year(self.year())

    def _fill_priorities(self, choices: ActionChoices) -> None:
        combo = self.view.priority_combo
        current = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for priority in choices.priorities:
            combo.addItem(priority.text, priority.text.split(" ")[0])
            combo.setItemData(combo.count() - 1, priority.tooltip, Qt.ItemDataRole.ToolTipRole)
        position = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(0, position))
        combo.blockSignals(False)

    def clear_filters(self) -> None:
        view = self.view
        for combo in (view.state_combo, view.kind_combo, view.priority_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        view.search_edit.blockSignals(True)
        view.search_edit.clear()
        view.search_edit.blockSignals(False)
        self.apply_filters()

    def filtered_rows(self) -> list[ActionRow]:
        view = self.view
        state_value = view.state_combo.currentData()
        kind_value = view.kind_combo.currentData()
        state = None if state_value is None else ActionState(state_value)
        kind = None if kind_value is None else ActionKind(kind_value)
        priority = view.priority_combo.currentData()
        words = fold(view.search_edit.text()).split()
        found = []
        for row in self._all_rows:
            if state is not None and row.state is not state:
                continue
            if kind is not None and row.kind is not kind:
                continue
            if priority is not None and (row.objective_code or "").split(".")[0] != priority:
                continue
            if words:
                text = self._search_cache.get(row.id)
                if text is None:
                    text = self._search_cache[row.id] = search_text(row)
                if not all(word in text for word in words):
                    continue
            found.append(row)
        return found

    def apply_filters(self, *_args: object) -> None:
        keep = None if self._new else self.current_id()
        rows = self.filtered_rows()
        self._reloading = True
        try:
            self.model.set_rows(rows)
            if keep is not None:
                index = self.model.index_for_id(keep)
                if index.isValid():
                    self.view.table.setCurrentIndex(index)
        finally:
            self._reloading = False
        total = len(self._all_rows)
        shown = len(rows)
        self.view.count_label.setText(
            count_text(shown, self.tr("{n} action"), self.tr("{n} actions"))
            if shown == total else self.tr("{n} sur {m}").format(n=shown, m=total))
        self.view.empty_label.setVisible(not rows)
        if not self._all_rows:
            self.view.empty_label.setText(self.tr(
                "Aucune action pour cette année. Les actions naissent avec les dossiers de "
                "l'appel à projets ; celles des partenaires se créent avec « Nouvelle action de "
                "droit commun… »."))
        else:
            self.view.empty_label.setText(self.tr("Aucune action ne correspond aux filtres."))
        if self._new or self._reloading:
            return
        current = self.current_id()
        if current != self._shown_id and not self.view.detail.editor.is_dirty():
            self._show_detail(current)

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Read the actions again, keeping the selection and any unsaved typing."""
        self._stale = False
        # The years offered first: only the rows of the year then shown are read.
        choices = self._context.read(load_choices)
        self._choices = choices
        self._fill_years(choices)
        year = self.year()
        rows = self._context.read(lambda session: action_rows(session, year=year))
        self._fill_priorities(choices)
        self._all_rows = rows
        self._search_cache = {}
        editor = self.view.detail.editor
        editor.set_choices(choices)
        self.apply_filters()
        if self.view.tabs.currentIndex() == TAB_COVERAGE and self.isVisible():
            self.reload_coverage()
        else:
            self._coverage_stale = True
        if self._new:
            self._update_buttons()
            return
        current = self.current_id()
        if editor.is_dirty() and current == self._shown_id:
            self._refresh_facts(current)
        else:
            self._show_detail(current)

    def _on_year_changed(self, _index: int) -> None:
        self.model.set_year(self.year())
        self.reload()

    def _on_changed(self, changes: frozenset[str]) -> None:
        if touches(changes, PROGRAMMATION, FRAMEWORK, PARTNERS, EVALUATION):
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def _on_focus_requested(self, topic: str, target: object) -> None:
        if topic != SECTION or self.view.detail.editor.is_dirty():
            return
        if self._stale:
            self.reload()
        if isinstance(target, int):
            self._new = False
            if target != self.current_id():
                self.select(target)
            else:
                self._show_detail(target)

    def _on_database_replaced(self) -> None:
        self._show_access()
        self._new = False
        self._shown_id = None
        self._snapshot = None
        self._choices = None
        self.view.year_combo.clear()
        self.view.coverage_year_combo.clear()
        self.view.table.setCurrentIndex(QModelIndex())
        self._show_nothing()

    def _show_access(self) -> None:
        text = self.tr("Toutes les actions du contrat, financées par l'appel à projets ou menées "
                       "par les partenaires sur leur droit commun : leur fiche, leur suivi, leurs "
                       "dossiers année après année, leur argent et leurs indicateurs.")
        if self._context.read_only:
            text += " " + self.tr("La base est ouverte en lecture seule : rien ne peut être "
                                  "modifié.")
        self.view.subtitle_label.setText(text)
        editable = not self._context.read_only
        self.view.detail.editor.set_editable(editable)
        for action in (self.view.new_action, self.view.new_common_law_action):
            action.setEnabled(editable)

    def _show_nothing(self) -> None:
        self.view.detail.setVisible(False)
        self.view.no_selection_label.setVisible(True)
        self._update_buttons()

    def _dirty_editor(self) -> Any:
        return self.view.detail.editor

    def _untitled(self) -> str:
        return self.tr("la nouvelle action")

    # ------------------------------------------------------------------ the detail

    def _show_detail(self, action_id: int | None) -> None:
        if action_id is None:
            self._shown_id = None
            self._snapshot = None
            self._show_nothing()
            return
        try:
            snapshot = self._context.read(lambda session: load_action(session, action_id))
        except ValidationError:
            self._shown_id = None
            self._snapshot = None
            self._show_nothing()
            return
        self._shown_id = action_id
        detail = snapshot.detail
        editor = self.view.detail.editor
        editor.load(detail.as_input(), self._questions_text(snapshot))
        self._fill_facts(snapshot)
        self.view.detail.setVisible(True)
        self.view.no_selection_label.setVisible(False)
        tabs = self.view.detail.tabs
        for tab in (TAB_NOTES, TAB_MONEY, TAB_INDICATORS):
            tabs.setTabEnabled(tab, True)
        self._update_buttons()

    def _questions_text(self, snapshot: ActionSnapshot) -> str:
        return "\n".join(f"Q{q.number}. {q.text}" for q in snapshot.detail.questions)

    def _refresh_facts(self, action_id: int | None) -> None:
        """Notes, money and indicators again, leaving the typing alone."""
        if action_id is None:
            return
        try:
            snapshot = self._context.read(lambda session: load_action(session, action_id))
        except ValidationError:
            return
        self._fill_facts(snapshot)
        self._update_buttons()

    def _fill_facts(self, snapshot: ActionSnapshot) -> None:
        self._snapshot = snapshot
        detail, row = snapshot.detail, snapshot.detail.row
        view = self.view.detail
        view.heading_label.setText(row.title)
        facts = [row.kind_label, row.state_label]
        if row.holder_name:
            facts.append(row.holder_name)
        if row.objective_code:
            facts.append(f"{row.objective_code} – {row.objective_title}")
        facts.append(row.period_label)
        if detail.priority_code:
            facts.append(f"{detail.priority_code} – {detail.priority_title}")
        view.facts_label.setText(" · ".join(facts))
        # Notes.
        notes = view.notes
        keep_note = notes.model.id_at(notes.table.currentIndex())
        notes.model.set_rows(detail.notes)
        notes.empty_label.setVisible(not detail.notes)
        self._restore(notes.table, notes.model, keep_note)
        self._on_note_changed(notes.table.currentIndex(), QModelIndex())
        # Money.
        money = view.money
        money.years_model.set_rows([YearLine(y.year, y) for y in row.years])
        keep_dossier = money.dossiers_model.id_at(money.dossiers_table.currentIndex())
        money.dossiers_model.set_rows(row.dossiers)
        self._restore(money.dossiers_table, money.dossiers_model, keep_dossier)
        money.dossiers_box.setVisible(bool(row.dossiers))
        keep_funding = money.funding_model.id_at(money.funding_table.currentIndex())
        money.funding_model.set_rows(detail.funding)
        self._restore(money.funding_table, money.funding_model, keep_funding)
        if row.dossiers:
            money.funding_hint.setText(self.tr(
                "Les financements de cette action se saisissent dans ses dossiers (double-cliquez "
                "sur un dossier pour l'ouvrir)."))
        else:
            money.funding_hint.setText(self.tr(
                "Droit commun : ce que le partenaire mobilise pour l'action sur son budget "
                "ordinaire, année par année (le montant est gardé comme « accordé »)."))
        # Indicators.
        indicators = view.indicators
        keep_indicator = indicators.model.id_at(indicators.table.currentIndex())
        indicators.model.set_rows(snapshot.indicators)
        indicators.empty_label.setVisible(not snapshot.indicators)
        if keep_indicator is None and snapshot.indicators:
            keep_indicator = snapshot.indicators[0].id
        self._restore(indicators.table, indicators.model, keep_indicator)
        self._on_indicator_changed(indicators.table.currentIndex(), QModelIndex())
        tabs = view.tabs
        tabs.setTabText(TAB_NOTES, self.tr("Suivi ({n})").format(n=len(detail.notes)))
        tabs.setTabText(TAB_MONEY, self.tr("Dossiers et financements ({n})").format(
            n=len(row.dossiers)) if row.dossiers else self.tr("Financements"))
        tabs.setTabText(TAB_INDICATORS, self.tr("Indicateurs ({n})").format(
            n=len(snapshot.indicators)))

    @staticmethod
    def _restore(table: object, model: object, row_id: int | None) -> None:
        if row_id is None:
            return
        index = model.index_for_id(row_id)  # type: ignore[attr-defined]
        if index.isValid():
            table.setCurrentIndex(index)  # type: ignore[attr-defined]

    def _on_note_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        notes = self.view.detail.notes
        note = notes.model.row_at(current)
        notes.text_view.setPlainText("" if note is None else note.text)
        self._update_buttons()

    def _on_indicator_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        panel = self.view.detail.indicators
        indicator = panel.model.row_at(current)
        if indicator is None or self._choices is None:
            panel.values_model.set_rows([])
            panel.values_caption.setText(self.tr("Valeurs par année"))
        else:
            keep = panel.values_model.id_at(panel.values_table.currentIndex())
            panel.values_model.set_rows(value_lines(indicator, self._choices.years))
            unit = f" ({indicator.unit})" if indicator.unit else ""
            panel.values_caption.setText(self.tr("Valeurs par année de « {name} »{unit}").format(
                name=indicator.name, unit=unit))
            self._restore(panel.values_table, panel.values_model, keep)
        self._update_buttons()

    def _update_buttons(self) -> None:
        writable = not self._context.read_only
        shown = self._snapshot is not None and self._shown_id is not None and not self._new
        detail = self.view.detail
        self.view.delete_action.setEnabled(writable and shown)
        self.view.sheet_action.setEnabled(shown and not self.pdf.busy)
        notes = detail.notes
        has_note = notes.model.row_at(notes.table.currentIndex()) is not None
        notes.add_button.setEnabled(writable and shown)
        notes.edit_button.setEnabled(writable and shown and has_note)
        notes.delete_button.setEnabled(writable and shown and has_note)
        money = detail.money
        snapshot = self._snapshot
        no_dossier = shown and snapshot is not None and not snapshot.detail.row.dossiers
        selected = money.funding_model.row_at(money.funding_table.currentIndex())
        money.common_law_button.setEnabled(writable and bool(no_dossier))
        money.remove_common_law_button.setEnabled(
            writable and bool(no_dossier) and selected is not None and selected.dossier_id is None)
        money.common_law_button.setVisible(bool(no_dossier))
        money.remove_common_law_button.setVisible(bool(no_dossier))
        has_dossier = money.dossiers_model.row_at(money.dossiers_table.currentIndex()) is not None
        money.open_dossier_button.setEnabled(shown and has_dossier)
        money.show_dossiers_button.setEnabled(shown and money.dossiers_model.rowCount() > 0)
        indicators = detail.indicators
        has_indicator = indicators.model.row_at(indicators.table.currentIndex()) is not None
        indicators.presets_button.setEnabled(writable and shown)
        indicators.new_button.setEnabled(writable and shown)
        indicators.edit_button.setEnabled(writable and shown and has_indicator)
        indicators.delete_button.setEnabled(writable and shown and has_indicator)
        indicators.values_button.setEnabled(writable and shown and has_indicator)

    # ------------------------------------------------------------------ the form

    def new_action(self, objective_id: int | None = None) -> None:
        """An empty form for an action of the call for projects (or of an objective)."""
        if self._context.read_only or not self.maybe_save():
            return
        self._reloading = True
        try:
            self.view.tabs.setCurrentIndex(TAB_LIST)
            self.view.table.clearSelection()
            self.view.table.setCurrentIndex(QModelIndex())
        finally:
            self._reloading = False
        self._new = True
        self._shown_id = None
        self._snapshot = None
        year = self.year() or (self._choices.first_year if self._choices else date.today().year)
        detail = self.view.detail
        detail.editor.load(ActionInput(title="", objective_id=objective_id, start_year=year))
        detail.heading_label.setText(self.tr("Nouvelle action"))
        detail.facts_label.setText(self.tr("Ses notes, son argent et ses indicateurs se "
                                           "saisissent une fois l'action enregistrée."))
        for tab in (TAB_NOTES, TAB_MONEY, TAB_INDICATORS):
            detail.tabs.setTabEnabled(tab, False)
        detail.tabs.setCurrentIndex(TAB_FORM)
        detail.setVisible(True)
        self.view.no_selection_label.setVisible(False)
        self._update_buttons()
        detail.editor.title_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> None:
        self._save()

    def _save(self, select_after: bool = True) -> bool:
        editor = self.view.detail.editor
        data = editor.values()
        action_id = None if self._new else self._shown_id
        errors: dict[str, list[str]] = {}
        for error in self._context.read(
                lambda session: validate_action_input(session, data, action_id=action_id)):
            errors.setdefault(error.field, [])
            if error.message not in errors[error.field]:
                errors[error.field].append(error.message)
        for key, texts in editor.unknown_picks().items():
            errors[key] = texts
        if errors:
            editor.show_errors(errors)
            return False
        title = " ".join(data.title.split())
        try:
            if action_id is None:
                saved_id: int = self._context.write(
                    lambda session: create_action(session, data), {PROGRAMMATION},
                    label=self.tr("la création de l'action {title}").format(title=quoted(title)),
                    focus=lambda created: Focus(SECTION, before=None, after=created))
            else:
                existing = action_id
                self._context.write(
                    lambda session: update_action(session, existing, data), {PROGRAMMATION},
                    label=self.tr("la modification de l'action {title}").format(
                        title=quoted(title)),
                    focus=Focus(SECTION, before=existing, after=existing))
                saved_id = existing
        except UserFacingError as error:
            editor.show_errors(_grouped(error_dict(error)))
            return False
        self._new = False
        editor.load(data, editor.questions_label.text())  # saved: leaving no longer asks
        if select_after:
            if self.current_id() != saved_id:
                self.select(saved_id)
            self._show_detail(saved_id)
        return True

    def _revert(self) -> None:
        if self._new:
            self._new = False
            self.view.detail.editor.load(ActionInput(title="", objective_id=None,
                                                     start_year=None))
            self._show_detail(self.current_id())
        else:
            self._show_detail(self._shown_id)

    def delete(self) -> None:
        """Delete an action without dossier nor funding; otherwise the service says why."""
        snapshot = self._snapshot
        if snapshot is None or self._new:
            return
        row = snapshot.detail.row
        if not row.dossiers and not snapshot.detail.funding and not self._context.messenger.confirm(
            self, self.tr("Supprimer"),
            self.tr("Supprimer l'action « {title} » avec ses notes et ses indicateurs ?").format(
                title=row.title),
            self.tr("Supprimer"),
        ):
            return
        done, _ = write(self._context, self, self.tr("Supprimer"),
                        lambda session: delete_action(session, row.id), {PROGRAMMATION},
                        self.tr("la suppression de l'action {title}").format(
                            title=quoted(row.title)),
                        Focus(SECTION, before=row.id, after=None))
        if done:
            self._shown_id = None

    def export_sheet(self) -> None:
        """The fiche action of the shown action, as a PDF (rendered off the GUI thread)."""
        snapshot = self._snapshot
        if snapshot is None or self._new or self.pdf.busy:
            return
        # Imported on first use: the reports bring ReportLab with them.
        from qpvdesk.core.reports.action_sheet import render_action_sheet
        from qpvdesk.core.services.evaluation import action_sheet_data

        action_id, title = snapshot.detail.id, snapshot.detail.title
        today = date.today()
        job = self.pdf.export(
            self.tr("Fiche action"), self.tr("Fiche action - {title}").format(title=title),
            lambda session: action_sheet_data(session, action_id, today=today),
            render_action_sheet)
        if job is not None:
            self._update_buttons()

    # ------------------------------------------------------------------ droit commun

    def new_common_law_action(self) -> None:
        """A partner's action on its ordinary budget, with its first year's amount."""
        if self._context.read_only or self._choices is None or not self.maybe_save():
            return
        choices = self._choices
        year = self.year() or choices.first_year
        dialog = NewCommonLawDialog(choices, year, self)
        created: list[int] = []

        def save() -> Errors | None:
            data = ActionInput(
                title=dialog.title_edit.text(),
                objective_id=dialog.objective_combo.current_id(),
                start_year=dialog.start_spin.value(),
                end_year=self._end_year(dialog),
                holder_id=dialog.holder_combo.current_id(),
                kind=ActionKind.COMMON_LAW,
                state=ActionState.PLANNED,
                description=dialog.description_edit.toPlainText(),
            )
            amount = dialog.amount_edit.amount()
            line_id = dialog.line_id()

            def work(session: Session) -> int:
                action_id = create_action(session, data)
                if amount and line_id is not None:
                    set_common_law_funding(session, action_id, line_id, data.start_year or year,
                                           amount)
                return action_id

            try:
                action_id = self._context.write(
                    work, {PROGRAMMATION},
                    label=self.tr("la création de l'action de droit commun {title}").format(
                        title=quoted(" ".join(data.title.split()))),
                    focus=lambda new_id: Focus(SECTION, before=None, after=new_id))
            except FormError as error:
                return form_errors(error.errors)
            except UserFacingError as error:
                return error_dict(error)
            created.append(action_id)
            return None

        dialog.save = save
        self.run_dialog(dialog)
        if created:
            self._new = False
            self.select(created[0])
            self._show_detail(created[0])

    @staticmethod
    def _end_year(dialog: NewCommonLawDialog) -> int | None:
        return spin_year(dialog.end_spin)

    def _selected_funding(self) -> FundingRow | None:
        money = self.view.detail.money
        return money.funding_model.row_at(money.funding_table.currentIndex())

    def _on_funding_activated(self, _index: QModelIndex) -> None:
        funding = self._selected_funding()
        if funding is None:
            return
        if funding.dossier_id is not None:
            self._context.open_dossier_requested.emit(funding.dossier_id)
        elif self.view.detail.money.common_law_button.isEnabled():
            self.edit_common_law()

    def edit_common_law(self) -> None:
        """Set what a droit commun line mobilises for the action in a year."""
        snapshot = self._snapshot
        if snapshot is None or self._choices is None or self._context.read_only:
            return
        row = snapshot.detail.row
        selected = self._selected_funding()
        if selected is not None and selected.dossier_id is None:
            line_id, year, amount = selected.budget_line_id, selected.year, selected.granted
        else:
            line_id = None
            year = self.year() or row.start_year or self._choices.first_year
            amount = None
        dialog = CommonLawAmountDialog(self._choices, line_id, year, amount, self)

        def save() -> Errors | None:
            line, chosen_year, value = dialog.values()
            return write_in_form(
                self._context,
                lambda session: set_common_law_funding(session, row.id, line, chosen_year, value),
                {PROGRAMMATION},
                self.tr("le droit commun {year} de l'action {title}").format(
                    year=chosen_year, title=quoted(row.title)),
                Focus(SECTION, before=row.id, after=row.id))

        dialog.save = save
        self.run_dialog(dialog)

    def remove_common_law(self) -> None:
        snapshot = self._snapshot
        funding = self._selected_funding()
        if snapshot is None or funding is None or funding.dossier_id is not None:
            return
        row = snapshot.detail.row
        amount = funding.granted.format() if funding.granted else ""
        if not self._context.messenger.confirm(
            self, self.tr("Retirer ce montant"),
            self.tr("Retirer les {amount} de « {line} » en {year} ?").format(
                amount=amount, line=funding.line_name, year=funding.year),
            self.tr("Retirer"),
        ):
            return
        write(self._context, self, self.tr("Retirer ce montant"),
              lambda session: set_common_law_funding(session, row.id, funding.budget_line_id,
                                                     funding.year, None),
              {PROGRAMMATION},
              self.tr("le retrait du droit commun {year} de l'action {title}").format(
                  year=funding.year, title=quoted(row.title)),
              Focus(SECTION, before=row.id, after=row.id))

    # ------------------------------------------------------------------ dossiers

    def open_dossier(self) -> None:
        money = self.view.detail.money
        dossier = money.dossiers_model.row_at(money.dossiers_table.currentIndex())
        if dossier is not None:
            self._context.open_dossier_requested.emit(dossier.id)

    def show_dossiers(self) -> None:
        snapshot = self._snapshot
        if snapshot is None or not snapshot.detail.row.dossiers:
            return
        row = snapshot.detail.row
        self._context.show_dossiers_requested.emit(
            [dossier.id for dossier in row.dossiers],
            self.tr("Dossiers de l'action « {title} »").format(title=row.title))

    # ------------------------------------------------------------------ notes

    def add_note(self) -> None:
        snapshot = self._snapshot
        if snapshot is None or self._context.read_only:
            return
        self._note_dialog(snapshot, None)

    def edit_note(self) -> None:
        snapshot = self._snapshot
        notes = self.view.detail.notes
        note = notes.model.row_at(notes.table.currentIndex())
        if snapshot is None or note is None or self._context.read_only:
            return
        self._note_dialog(snapshot, note)

    def _note_dialog(self, snapshot: ActionSnapshot, existing: NoteRow | None) -> None:
        row = snapshot.detail.row
        dialog = NoteDialog(existing, self)

        def save() -> Errors | None:
            day, text = dialog.values()
            if existing is None:
                return write_in_form(
                    self._context, lambda session: add_note(session, row.id, day, text),
                    {PROGRAMMATION},
                    self.tr("l'ajout d'une note à l'action {title}").format(
                        title=quoted(row.title)),
                    Focus(SECTION, before=row.id, after=row.id))
            return write_in_form(
                self._context, lambda session: update_note(session, existing.id, day, text),
                {PROGRAMMATION},
                self.tr("la modification d'une note de l'action {title}").format(
                    title=quoted(row.title)),
                Focus(SECTION, before=row.id, after=row.id))

        dialog.save = save
        self.run_dialog(dialog)

    def delete_note(self) -> None:
        snapshot = self._snapshot
        notes = self.view.detail.notes
        note = notes.model.row_at(notes.table.currentIndex())
        if snapshot is None or note is None:
            return
        row = snapshot.detail.row
        if not self._context.messenger.confirm(
            self, self.tr("Supprimer la note"),
            self.tr("Supprimer la note du {date} ?").format(
                date=note.written_on.strftime("%d/%m/%Y")),
            self.tr("Supprimer"),
        ):
            return
        write(self._context, self, self.tr("Supprimer la note"),
              lambda session: delete_note(session, note.id), {PROGRAMMATION},
              self.tr("la suppression d'une note de l'action {title}").format(
                  title=quoted(row.title)),
              Focus(SECTION, before=row.id, after=row.id))

    # ------------------------------------------------------------------ indicators

    def _selected_indicator(self) -> IndicatorRow | None:
        panel = self.view.detail.indicators
        return panel.model.row_at(panel.table.currentIndex())

    def add_presets(self) -> None:
        """The four ready-made indicators, filled with what the dossiers announce."""
        snapshot = self._snapshot
        if snapshot is None:
            return
        row = snapshot.detail.row
        before = len(snapshot.indicators)
        done, created = write(
            self._context, self, self.tr("Indicateurs courants"),
            lambda session: add_preset_indicators(session, row.id), {EVALUATION},
            self.tr("l'ajout des indicateurs courants à l'action {title}").format(
                title=quoted(row.title)),
            Focus(SECTION, before=row.id, after=row.id))
        if done and not created and before:
            self._context.messenger.inform(
                self, self.tr("Indicateurs courants"),
                self.tr("L'action a déjà les quatre indicateurs courants ; leurs valeurs prévues "
                        "manquantes ont été reprises des dossiers."))

    def new_indicator(self) -> None:
        self._indicator_dialog(None)

    def edit_indicator(self) -> None:
        indicator = self._selected_indicator()
        if indicator is not None:
            self._indicator_dialog(indicator)

    def _indicator_dialog(self, indicator: IndicatorRow | None) -> None:
        snapshot = self._snapshot
        if snapshot is None or self._context.read_only:
            return
        row = snapshot.detail.row
        dialog = IndicatorDialog(indicator, self)

        def save() -> Errors | None:
            data = dialog.values(row.id)
            name = quoted(" ".join(data.name.split()))
            if indicator is None:
                return write_in_form(
                    self._context, lambda session: create_indicator(session, data),
                    {EVALUATION}, self.tr("l'ajout de l'indicateur {name}").format(name=name),
                    Focus(SECTION, before=row.id, after=row.id))
            existing = indicator.id
            return write_in_form(
                self._context, lambda session: update_indicator(session, existing, data),
                {EVALUATION}, self.tr("la modification de l'indicateur {name}").format(name=name),
                Focus(SECTION, before=row.id, after=row.id))

        dialog.save = save
        self.run_dialog(dialog)

    def delete_indicator(self) -> None:
        snapshot = self._snapshot
        indicator = self._selected_indicator()
        if snapshot is None or indicator is None:
            return
        row = snapshot.detail.row
        if not self._context.messenger.confirm(
            self, self.tr("Supprimer l'indicateur"),
            self.tr("Supprimer l'indicateur « {name} » et ses valeurs de toutes les années ?")
            .format(name=indicator.name),
            self.tr("Supprimer"),
        ):
            return
        write(self._context, self, self.tr("Supprimer l'indicateur"),
              lambda session: delete_indicator(session, indicator.id), {EVALUATION},
              self.tr("la suppression de l'indicateur {name}").format(
                  name=quoted(indicator.name)),
              Focus(SECTION, before=row.id, after=row.id))

    def edit_values(self) -> None:
        """The planned and achieved values of the selected year of the selected indicator."""
        snapshot = self._snapshot
        indicator = self._selected_indicator()
        if snapshot is None or indicator is None or self._choices is None \
                or self._context.read_only:
            return
        row = snapshot.detail.row
        panel = self.view.detail.indicators
        line = panel.values_model.row_at(panel.values_table.currentIndex())
        year = line.id if line is not None else (self.year() or date.today().year)
        year = min(max(year, self._choices.first_year), self._choices.last_year)
        dialog = ValuesDialog(indicator, indicator.value(year), self._choices.first_year,
                              self._choices.last_year, self)

        def save() -> Errors | None:
            chosen, planned, planned_source, achieved, achieved_source = dialog.values()

            def work(session: Session) -> None:
                set_measurement(session, indicator.id, chosen, MeasurementKind.PLANNED, planned,
                                planned_source)
                set_measurement(session, indicator.id, chosen, MeasurementKind.ACHIEVED,
                                achieved, achieved_source)

            return write_in_form(
                self._context, work, {EVALUATION},
                self.tr("la saisie des valeurs {year} de {name}").format(
                    year=chosen, name=quoted(indicator.name)),
                Focus(SECTION, before=row.id, after=row.id))

        dialog.save = save
        self.run_dialog(dialog)

    # ------------------------------------------------------------------ coverage

    def _on_tab_changed(self, index: int) -> None:
        if index == TAB_COVERAGE and self._coverage_stale:
            self.reload_coverage()

    def _on_coverage_year_changed(self, _index: int) -> None:
        self.reload_coverage()

    def reload_coverage(self) -> None:
        """Read the coverage of the year shown again."""
        self._coverage_stale = False
        year = self.coverage_year()
        rows = self._context.read(lambda session: coverage(session, year))
        self._coverage_rows = rows
        self.coverage_model.set_rows(rows, self.view.uncovered_only_box.isChecked())
        self.view.coverage_tree.expandAll()
        figures = counts(rows)
        money = (figures.common_law + figures.specific).committed
        actions = count_text(figures.actions, self.tr("{n} action"), self.tr("{n} actions"))
        if figures.uncovered:
            uncovered = count_text(
                figures.uncovered,
                self.tr("{n} objectif opérationnel sur {m} n'a aucune action"),
                self.tr("{n} objectifs opérationnels sur {m} n'ont aucune action"),
                m=figures.objectives)
            text = self.tr(
                "<b>{uncovered} en {year}</b> (en rouge ci-dessous ; double-cliquez sur l'un "
                "d'eux pour lui créer une action). {actions} dans l'année, {money} mobilisés : "
                "droit commun {common}, crédits spécifiques {specific}.").format(
                uncovered=uncovered, year=year, actions=actions, money=money.format(),
                common=figures.common_law.committed.format(),
                specific=figures.specific.committed.format())
        else:
            text = self.tr(
                "Chacun des {m} objectifs opérationnels a au moins une action en {year}. "
                "{actions}, {money} mobilisés.").format(
                m=figures.objectives, year=year, actions=actions, money=money.format())
        if figures.failed:
            text += " " + count_text(
                figures.failed,
                self.tr("{n} objectif n'a que des actions refusées ou retirées (en orangé)."),
                self.tr("{n} objectifs n'ont que des actions refusées ou retirées (en orangé)."))
        self.view.banner.show_text(text, figures.uncovered > 0)

    def _on_coverage_activated(self, index: QModelIndex) -> None:
        node = self.coverage_model.node(index)
        if node is None:
            return
        if node.kind is NodeKind.ACTION and node.action is not None:
            if not self.maybe_save():
                return
            year = self.coverage_year()
            position = self.view.year_combo.findData(year)
            if position >= 0 and self.view.year_combo.currentIndex() != position:
                self.view.year_combo.setCurrentIndex(position)
            self.select(node.action.action_id)
        elif node.kind is NodeKind.OBJECTIVE and node.uncovered and node.item_id is not None:
            self.new_action(objective_id=node.item_id)


__all__ = ["SECTION", "ActionsScreen", "search_text"]
