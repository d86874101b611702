"""Behaviour of the "Appels à projets" page: the calls, their editor, their states.

Every change is one unit of work recorded for "Édition > Annuler" (Ctrl+Z). A
dossier received after a call's closing date is flagged here, never refused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget
from sqlalchemy import select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import CallState
from qpvdesk.core.domain.models import BudgetLine, CallForProjects, Dossier, Organisation
from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.services.calls import (
    CALL_ORDER,
    CallDetail,
    CallInput,
    CallRow,
    EnvelopeChoice,
    FieldError,
    FormError,
    call_detail,
    call_rows,
    contract_years,
    create_call,
    delete_call,
    envelope_choices,
    is_late,
    set_call_state,
    update_call,
    validate_call_input,
)
from qpvdesk.core.services.framework import ObjectiveRow, objective_rows
from qpvdesk.ui.calls.call_editor import ENVELOPES
from qpvdesk.ui.calls.calls_view import COLUMN_YEAR, CallsView, call_columns
from qpvdesk.ui.context import AppContext, Focus, touches
from qpvdesk.ui.partners.column_model import ColumnTableModel
from qpvdesk.ui.partners.fields import format_date
from qpvdesk.ui.topics import FRAMEWORK, PROGRAMMATION
from qpvdesk.ui.undo import quoted
from qpvdesk.ui.widgets.unsaved_edits import UnsavedEditsGuard

#: The section key of the page, also the topic of its `Focus` hints.
SECTION = "calls"


def group_errors(errors: list[FieldError]) -> dict[str, list[str]]:
    """Messages by field, in order, without repeats."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for error in errors:
        if error.message not in grouped[error.field]:
            grouped[error.field].append(error.message)
    return dict(grouped)


def funder_names(session: Session) -> dict[int, str]:
    """Budget line id → its funder's name (acronym when it has one: the lists are narrow)."""
    return {
        line_id: acronym or name
        for line_id, name, acronym in session.execute(
            select(BudgetLine.id, Organisation.name, Organisation.acronym)
            .join(Organisation, BudgetLine.funder_id == Organisation.id)
        ).all()
    }


def call_dossiers(session: Session, call_id: int) -> tuple[list[int], list[int]]:
    """Ids of the call's dossiers, and of those received after its closing date."""
    closing = session.scalar(select(CallForProjects.closes_on)
                             .where(CallForProjects.id == call_id))
    records = session.execute(
        select(Dossier.id, Dossier.received_on).where(Dossier.call_id == call_id)
        .order_by(Dossier.year, Dossier.sequence, Dossier.id)
    ).all()
    ids = [record[0] for record in records]
    late = [record[0] for record in records if is_late(record[1], closing)]
    return ids, late


class CallsScreen(UnsavedEditsGuard, QWidget):
    """The list of calls above, the selected call's editor below."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._reloading = False
        self._shown_id: int | None = None
        self._new = False
        self._detail: CallDetail | None = None
        self._dossier_ids: list[int] = []
        self._late_ids: list[int] = []
        self._funders: dict[int, str] = {}
        self._years: tuple[int, int] | None = None
        self._sized = False
        self._stale = False

        self.view = CallsView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.model: ColumnTableModel[CallRow] = ColumnTableModel(call_columns(), self)
        self.view.table.setModel(self.model)
        self.view.configure_columns()
        self.view.table.sortByColumn(COLUMN_YEAR, Qt.SortOrder.DescendingOrder)

        view, editor = self.view, self.view.editor
        view.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        view.new_action.triggered.connect(self.new_call)
        view.delete_action.triggered.connect(self.delete)
        view.show_dossiers_action.triggered.connect(self.show_dossiers)
        editor.show_dossiers_button.clicked.connect(self.show_dossiers)
        editor.show_late_button.clicked.connect(self.show_late_dossiers)
        editor.save_button.clicked.connect(self.save)
        editor.revert_button.clicked.connect(self._revert)
        editor.year_changed.connect(self._on_year_changed)
        context.changed.connect(self._on_changed)
        context.focus_requested.connect(self._on_focus_requested)
        context.database_replaced.connect(self._on_database_replaced)
        self._show_access()
        self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()
        if not self._sized:  # the splitter knows its height only once shown
            self._sized = True
            self.view.fit_list_height(self.model.rowCount())

    # ------------------------------------------------------------------ state

    def current_id(self) -> int | None:
        return self.model.id_at(self.view.table.currentIndex())

    def shown_id(self) -> int | None:
        return self._shown_id

    def detail(self) -> CallDetail | None:
        return self._detail

    def select(self, call_id: int) -> None:
        index = self.model.index_for_id(call_id)
        if index.isValid():
            self.view.table.setCurrentIndex(index)
            self.view.table.scrollTo(index)

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Read the calls again, keeping the selection and any unsaved typing."""
        self._stale = False
        keep = None if self._new else self.current_id()

        def load(session: Session) -> tuple[list[CallRow], list[ObjectiveRow], dict[int, str],
                                            tuple[int, int] | None]:
            try:
                years: tuple[int, int] | None = contract_years(session)
            except ValidationError:
                years = None
            return call_rows(session), objective_rows(session), funder_names(session), years

        rows, objectives, self._funders, self._years = self._context.read(load)
        self._reloading = True
        try:
            self.model.set_rows(rows)
            if keep is not None:
                index = self.model.index_for_id(keep)
                if index.isValid():
                    self.view.table.setCurrentIndex(index)
        finally:
            self._reloading = False
        editor = self.view.editor
        editor.objective_picker.set_objectives(objectives)
        if self._years is not None:
            editor.year_spin.blockSignals(True)
            editor.year_spin.setRange(*self._years)
            editor.year_spin.blockSignals(False)
        self.view.table.setVisible(bool(rows))
        self.view.empty_label.setVisible(not rows)
        self.view.fit_list_height(len(rows))
        if self._new:
            self._update_actions()
            return
        current = self.current_id()
        if editor.is_dirty() and current == self._shown_id:
            self._refresh_facts(current)
        else:
            self._show_detail(current)

    def _on_changed(self, changes: frozenset[str]) -> None:
        if touches(changes, PROGRAMMATION, FRAMEWORK):
            # Hidden, the page only notes it and reads the calls again when shown.
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def _on_focus_requested(self, topic: str, target: object) -> None:
        if topic != SECTION or self.view.editor.is_dirty():
            return
        if self._stale:
            self.reload()
        if isinstance(target, int) and target != self.current_id():
            self._new = False
            self.select(target)

    def _on_database_replaced(self) -> None:
        self._show_access()
        self._new = False
        self._shown_id = None
        self._detail = None
        self.view.table.setCurrentIndex(QModelIndex())
        self._show_nothing()

    def _show_access(self) -> None:
        text = self.tr("L'appel à projets de chaque année (ou thématique) : dates, objectifs "
                       "visés, enveloppes mobilisées et état. Un dossier reçu après la clôture "
                       "est signalé, jamais refusé.")
        if self._context.read_only:
            text += " " + self.tr("La base est ouverte en lecture seule : rien ne peut être "
                                  "modifié.")
        self.view.subtitle_label.setText(text)

    def _show_nothing(self) -> None:
        self.view.editor.setVisible(False)
        self.view.no_selection_label.setVisible(True)
        self._update_actions()

    def _dirty_editor(self) -> Any:
        return self.view.editor

    def _untitled(self) -> str:
        return self.tr("le nouvel appel")

    def _choices(self, year: int) -> list[EnvelopeChoice]:
        return self._context.read(lambda session: envelope_choices(session, year))

    def _show_detail(self, call_id: int | None) -> None:
        if call_id is None:
            self._shown_id = None
            self._detail = None
            self._show_nothing()
            return
        try:
            detail = self._context.read(lambda session: call_detail(session, call_id))
        except ValidationError:
            self._shown_id = None
            self._detail = None
            self._show_nothing()
            return
        self._shown_id = call_id
        editor = self.view.editor
        editor.envelope_picker.set_choices(self._choices(detail.year), self._funders,
                                           detail.envelope_ids)
        editor.show_envelope_year(detail.year)
        editor.load(detail.as_input())
        self._fill_facts(detail)
        editor.setVisible(True)
        self.view.no_selection_label.setVisible(False)
        self._update_actions()

    def _refresh_facts(self, call_id: int | None) -> None:
        """State, dossiers and buttons again, leaving the typing alone."""
        if call_id is None:
            return
        try:
            detail = self._context.read(lambda session: call_detail(session, call_id))
        except ValidationError:
            return
        self._fill_facts(detail)
        self._update_actions()

    def _fill_facts(self, detail: CallDetail) -> None:
        self._detail = detail
        editor = self.view.editor
        editor.heading_label.setText(detail.title)
        editor.state_label.setText(self.tr("État : <b>{state}</b>").format(
            state=detail.state_label))
        buttons = []
        position = CALL_ORDER.index(detail.state)
        for target in detail.next_states:
            forward = CALL_ORDER.index(target) > position
            text = self._state_button_text(target, forward)
            tooltip = self.tr("Passer l'appel de « {old} » à « {new} »").format(
                old=detail.state_label, new=target.label)
            buttons.append((text, tooltip,
                            lambda _checked=False, target=target: self.change_state(target)))
        editor.set_state_buttons(buttons)
        self._dossier_ids, self._late_ids = self._context.read(
            lambda session: call_dossiers(session, detail.id))
        count, late = len(self._dossier_ids), len(self._late_ids)
        if count == 0:
            editor.dossiers_label.setText(self.tr("Aucun dossier rattaché pour l'instant."))
        else:
            editor.dossiers_label.setText(
                self.tr("1 dossier rattaché.") if count == 1 else
                 self.tr("{n} dossiers rattachés.").format(n=count))
        if late:
            editor.late_label.show_message(
                (self.tr("1 dossier reçu après la clôture du {date} : il est signalé, pas "
                         "refusé.") if late == 1 else
                 self.tr("{n} dossiers reçus après la clôture du {date} : ils sont signalés, "
                         "pas refusés.")).format(n=late, date=format_date(detail.closes_on)))
        else:
            editor.late_label.clear_message()
        editor.show_dossiers_button.setEnabled(count > 0)
        editor.show_late_button.setVisible(late > 0)

    def _state_button_text(self, target: CallState, forward: bool) -> str:
        """What the button moving to *target* says: the next step, or one step back."""
        if forward:
            return {
                CallState.OPEN: self.tr("Ouvrir l'appel"),
                CallState.CLOSED: self.tr("Clore l'appel"),
                CallState.PROGRAMMED: self.tr("Marquer comme programmé"),
            }.get(target, target.label)
        return {
            CallState.DRAFT: self.tr("Repasser en préparation"),
            CallState.OPEN: self.tr("Rouvrir l'appel"),
            CallState.CLOSED: self.tr("Revenir à « Clos »"),
        }.get(target, target.label)

    def _update_actions(self) -> None:
        editable = not self._context.read_only
        shown = self._shown_id is not None and not self._new
        self.view.new_action.setEnabled(editable)
        self.view.delete_action.setEnabled(editable and shown)
        self.view.show_dossiers_action.setEnabled(shown and bool(self._dossier_ids))
        self.view.editor.set_editable(editable)

    def _on_year_changed(self, year: int) -> None:
        editor = self.view.editor
        before = editor.envelope_picker.checked_ids()
        choices = self._choices(year)
        available = {choice.id for choice in choices}
        kept = [envelope_id for envelope_id in before if envelope_id in available]
        editor.envelope_picker.set_choices(choices, self._funders, kept)
        editor.show_envelope_year(year)
        editor.messages[ENVELOPES].clear_message()
        if len(kept) < len(before):
            editor.messages[ENVELOPES].show_message(self.tr(
                "Les enveloppes cochées d'une autre année ont été décochées : l'appel porte "
                "désormais sur {year}.").format(year=year))
        editor.update_dirty()

    # ------------------------------------------------------------------ writing

    def new_call(self) -> None:
        """An empty editor for the year to come (or this year)."""
        if self._context.read_only or not self.maybe_save():
            return
        self._reloading = True
        try:
            self.view.table.clearSelection()
            self.view.table.setCurrentIndex(QModelIndex())
        finally:
            self._reloading = False
        self._new = True
        self._shown_id = None
        self._detail = None
        self._dossier_ids, self._late_ids = [], []
        year = date.today().year
        if self._years is not None:
            years_taken = {row.year for row in self.model.rows()}
            year = min(max(year, self._years[0]), self._years[1])
            while year in years_taken and year < self._years[1]:
                year += 1
        editor = self.view.editor
        editor.envelope_picker.set_choices(self._choices(year), self._funders, ())
        editor.show_envelope_year(year)
        editor.load(CallInput(title="", year=year))
        editor.heading_label.setText(self.tr("Nouvel appel à projets"))
        editor.state_label.setText(self.tr("État : <b>{state}</b> à l'enregistrement").format(
            state=CallState.DRAFT.label))
        editor.set_state_buttons([])
        editor.dossiers_label.setText(self.tr("Les dossiers se rattachent à l'appel depuis la "
                                              "page Dossiers."))
        editor.late_label.clear_message()
        editor.show_dossiers_button.setEnabled(False)
        editor.show_late_button.setVisible(False)
        editor.setVisible(True)
        self.view.no_selection_label.setVisible(False)
        self._update_actions()
        editor.title_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> None:
        self._save()

    def _save(self, select_after: bool = True) -> bool:
        editor = self.view.editor
        # Every problem at once: a date that is not one, and what the service finds in the rest.
        date_errors = editor.date_errors()
        data = editor.values(lenient=True)
        errors = group_errors(self._context.read(
            lambda session: validate_call_input(session, data)))
        for key, text in date_errors.items():
            errors[key] = [text]
        if errors:
            editor.show_errors(errors)
            return False
        title = " ".join(data.title.split())
        call_id = None if self._new else self._shown_id
        try:
            if call_id is None:
                saved_id: int = self._context.write(
                    lambda session: create_call(session, data), {PROGRAMMATION},
                    label=self.tr("la création de l'appel {title}").format(title=quoted(title)),
                    focus=lambda created: Focus(SECTION, before=None, after=created))
            else:
                existing = call_id
                self._context.write(
                    lambda session: update_call(session, existing, data), {PROGRAMMATION},
                    label=self.tr("la modification de l'appel {title}").format(
                        title=quoted(title)),
                    focus=Focus(SECTION, before=existing, after=existing))
                saved_id = existing
        except FormError as error:
            editor.show_errors(group_errors(list(error.errors)))
            return False
        except UserFacingError as error:
            editor.show_errors({"": [error.message]})
            return False
        self._new = False
        editor.load(data)  # saved: leaving no longer asks
        if select_after:
            if self.current_id() != saved_id:
                self.select(saved_id)
            self._show_detail(saved_id)
        return True

    def _revert(self) -> None:
        if self._new:
            self._new = False
            editor = self.view.editor
            editor.load(CallInput(title="", year=editor.year_spin.value()))
            self._show_detail(self.current_id())
        else:
            self._show_detail(self._shown_id)

    def _write(self, title: str, work: Callable[[Session], object], label: str,
               focus: Focus) -> bool:
        try:
            self._context.write(work, {PROGRAMMATION}, label=label, focus=focus)
        except UserFacingError as error:
            self._context.messenger.warn(self, title, error.message)
            return False
        return True

    def change_state(self, target: CallState) -> None:
        """Move the shown call to *target* (one of the buttons: the allowed next states)."""
        detail = self._detail
        if detail is None or self._new or not self.maybe_save():
            return
        self._write(
            self.tr("État de l'appel"),
            lambda session: set_call_state(session, detail.id, target),
            self.tr("le passage de l'appel {title} à « {state} »").format(
                title=quoted(detail.title), state=target.label),
            Focus(SECTION, before=detail.id, after=detail.id),
        )

    def delete(self) -> None:
        """Delete a call no dossier refers to; otherwise the service says how many do."""
        detail = self._detail
        if detail is None or self._new:
            return
        title = self.tr("Supprimer")
        if detail.dossiers == 0 and not self._context.messenger.confirm(
            self, title,
            self.tr("Supprimer l'appel à projets « {title} » ({year}) ?").format(
                title=detail.title, year=detail.year),
            self.tr("Supprimer"),
        ):
            return
        # With dossiers attached the service refuses and says why: that message is shown.
        if self._write(title, lambda session: delete_call(session, detail.id),
                       self.tr("la suppression de l'appel {title}").format(
                           title=quoted(detail.title)),
                       Focus(SECTION, before=detail.id, after=None)):
            self._shown_id = None

    def show_dossiers(self) -> None:
        detail = self._detail
        if detail is None or not self._dossier_ids:
            return
        self._context.show_dossiers_requested.emit(
            list(self._dossier_ids),
            self.tr("Dossiers de l'appel « {title} »").format(title=detail.title))

    def show_late_dossiers(self) -> None:
        detail = self._detail
        if detail is None or not self._late_ids:
            return
        self._context.show_dossiers_requested.emit(
            list(self._late_ids),
            self.tr("Dossiers reçus après la clôture de « {title} » ({date})").format(
                title=detail.title, date=format_date(detail.closes_on)))
