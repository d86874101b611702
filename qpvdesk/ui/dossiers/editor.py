"""The dossier editor: one window per dossier, with its state, form, budget, funding, files and
history.

`open_dossier_editor` is what the Dossiers list, the dashboard and the meeting mode call.
The form (tabs "Dossier" and "Budget") is saved as one recorded unit of work by
"Enregistrer" (Ctrl+S), and only once every field reads and the services accept it: each
refusal is shown beside its field. Funding rows, payments, files and changes of state are
their own recorded units of work, taken back by Ctrl+Z like any other.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QCoreApplication, Qt, QUrl
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QDesktopServices,
    QGuiApplication,
    QKeyEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import DossierState
from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.services.calls import FormError
from qpvdesk.core.services.documents import (
    add_document,
    delete_document,
    export_document,
)
from qpvdesk.core.services.dossiers import (
    DossierInput,
    FieldError,
    change_state,
    next_reference,
    register_dossier,
    renewal_input,
    update_dossier,
    validate_dossier_input,
)
from qpvdesk.core.services.funding import (
    ApprovalReasonRequired,
    add_payment,
    delete_funding,
    delete_payment,
    envelope_consumption,
    spread_funding,
    update_payment,
    upsert_funding,
)
from qpvdesk.core.services.partners import create_organisation, find_duplicates
from qpvdesk.ui.context import AppContext, Focus, touches
from qpvdesk.ui.dossiers.editor_budget import BudgetEditor, BudgetTable
from qpvdesk.ui.dossiers.editor_data import (
    EditorChoices,
    EditorSnapshot,
    load_choices,
    load_snapshot,
    renewal_choices,
)
from qpvdesk.ui.dossiers.editor_documents import DocumentsTab
from qpvdesk.ui.dossiers.editor_form import DossierForm
from qpvdesk.ui.dossiers.editor_funding import (
    FundingDialog,
    FundingRequest,
    FundingTab,
    PaymentDialog,
    PaymentRequest,
)
from qpvdesk.ui.dossiers.editor_history import HistoryTab
from qpvdesk.ui.dossiers.editor_holder_dialog import NewHolderDialog
from qpvdesk.ui.dossiers.editor_state import StateBar, StateChangeDialog, StateRequest
from qpvdesk.ui.dossiers.editor_widgets import (
    ERROR_COLOUR,
    INFO_COLOUR,
    WARNING_COLOUR,
    MessagePanel,
)
from qpvdesk.ui.topics import FRAMEWORK, PARTNERS, PROGRAMMATION
from qpvdesk.ui.undo import quoted

T = TypeVar("T")
#: The section (and focus topic) of the dossier list: an undo shows the dossier there.
DOSSIERS_TOPIC = "dossiers"
FORM_TAB, BUDGET_TAB, FUNDING_TAB, DOCUMENTS_TAB, HISTORY_TAB = range(5)
#: Where opened files are written for the system viewer.
EXPORT_FOLDER = Path(tempfile.gettempdir()) / "qpvdesk-pieces"


def _tr(text: str) -> str:
    return QCoreApplication.translate("DossierEditor", text)


class DossierEditor(QWidget):
    """A window editing one dossier (or registering a new one)."""

    def __init__(self, context: AppContext, dossier_id: int | None, *, year: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("dossierEditor")
        self.setWindowTitle("qpvdesk[*]")
        self.context = context
        self._dossier_id = dossier_id
        self._requested_year = year
        self._exists = dossier_id is not None
        self.snapshot: EditorSnapshot | None = None
        self.choices: EditorChoices | None = None
        self._loaded_state: tuple[object, ...] | None = None
        self._own_writes = 0
        self._force_close = False
        self._places: list[tuple[BudgetTable, int]] = []
        #: The dialogs open at the moment (tests reach them here).
        self.holder_dialog: NewHolderDialog | None = None
        self.funding_dialog: FundingDialog | None = None
        self.payment_dialog: PaymentDialog | None = None
        self.state_dialog: StateChangeDialog | None = None
        #: Files to add (replaced by tests); the system viewer for an opened file.
        self.choose_files: Callable[[], list[Path]] = self._ask_files
        self.open_file: Callable[[Path], bool] = _open_with_system
        #: Where an opened document is written for the system viewer.
        self.export_folder = EXPORT_FOLDER

        self.state_bar = StateBar()
        self.banner = MessagePanel()
        self.banner.setObjectName("editorBanner")
        self.form = DossierForm()
        self.budget = BudgetEditor()
        self.funding = FundingTab()
        self.documents = DocumentsTab()
        self.history = HistoryTab()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.form, self.tr("Dossier"))
        self.tabs.addTab(self.budget, self.tr("Budget prévisionnel"))
        self.tabs.addTab(self.funding, self.tr("Financements"))
        self.tabs.addTab(self.documents, self.tr("Pièces"))
        self.tabs.addTab(self.history, self.tr("Historique"))

        stack = context.undo_stack
        self.undo_action: QAction = stack.createUndoAction(self, self.tr("Annuler"))
        self.undo_action.setShortcut("Ctrl+Z")
        self.redo_action: QAction = stack.createRedoAction(self, self.tr("Rétablir"))
        self.redo_action.setShortcuts(["Ctrl+Y", "Ctrl+Shift+Z"])
        self.save_action = QAction(self.tr("Enregistrer"), self)
        self.save_action.setShortcut("Ctrl+S")
        self.save_action.triggered.connect(self.save)
        for action in (self.undo_action, self.redo_action, self.save_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
        self.undo_button = QToolButton()
        self.undo_button.setDefaultAction(self.undo_action)
        self.undo_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.redo_button = QToolButton()
        self.redo_button.setDefaultAction(self.redo_action)
        self.redo_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for button in (self.undo_button, self.redo_button):
            button.setMaximumWidth(self.fontMetrics().horizontalAdvance("x" * 48))
        self.status_label = QLabel()
        self.status_label.setStyleSheet(f"color: {INFO_COLOUR};")
        self.close_button = QPushButton(self.tr("Fermer"))
        self.close_button.setToolTip(self.tr("Fermer la fenêtre (Échap)"))
        self.save_button = QPushButton(self.tr("Enregistrer"))
        self.save_button.setObjectName("saveButton")
        self.save_button.setToolTip(self.tr("Enregistrer le dossier et son budget (Ctrl+S, ou "
                                            "Entrée dans un champ)"))
        bottom = QHBoxLayout()
        bottom.addWidget(self.undo_button)
        bottom.addWidget(self.redo_button)
        bottom.addSpacing(12)
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.close_button)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state_bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

        self._connect()
        self.reload_choices()
        if dossier_id is None:
            self._start_new()
        else:
            self.reload(form=True)
        self._apply_access()
        self._size_window()

    # ------------------------------------------------------------------ wiring

    def _connect(self) -> None:
        context = self.context
        context.changed.connect(self._on_changed)
        context.database_replaced.connect(self._on_database_replaced)
        form = self.form
        form.edited.connect(self._on_edited)
        form.new_holder_requested.connect(self.new_holder)
        form.renewal_picked.connect(self._on_renewal_picked)
        form.year_changed.connect(self._on_year_changed)
        form.open_dossier_requested.connect(
            lambda other: show_dossier_editor(context, self.parentWidget(), other))
        self.budget.edited.connect(self._on_edited)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.close)
        self.state_bar.state_requested.connect(self.request_state)
        self.funding.add_requested.connect(lambda: self.edit_funding(None))
        self.funding.edit_requested.connect(self.edit_funding)
        self.funding.delete_requested.connect(self.delete_funding)
        self.funding.add_payment_requested.connect(lambda fid: self.edit_payment(fid, None))
        self.funding.edit_payment_requested.connect(self._edit_payment_by_id)
        self.funding.delete_payment_requested.connect(self.delete_payment)
        self.documents.add_requested.connect(self.add_documents)
        self.documents.open_requested.connect(self.open_document)
        self.documents.delete_requested.connect(self.delete_document)

    def _size_window(self) -> None:
        screen = QGuiApplication.primaryScreen()
        available = screen.availableGeometry().size() if screen is not None else None
        width, height = 1280, 860
        if available is not None:
            width = min(width, int(available.width() * 0.95))
            height = min(height, int(available.height() * 0.92))
        self.resize(width, height)

    # ------------------------------------------------------------------ identity

    @property
    def dossier_id(self) -> int | None:
        """The dossier edited (None until a new one is registered)."""
        return self._dossier_id if self._exists else None

    def reference(self) -> str:
        return self.snapshot.detail.reference if self.snapshot is not None else ""

    def _update_title(self) -> None:
        if self.snapshot is not None:
            detail = self.snapshot.detail
            title = self.tr("Dossier {reference} — {title}").format(
                reference=detail.reference, title=detail.action_title)
        else:
            title = self.tr("Nouveau dossier {year}").format(year=self.form.year())
        self.setWindowTitle(title + "[*] — qpvdesk")

    # ------------------------------------------------------------------ loading

    def reload_choices(self) -> None:
        self.choices = self.context.read(load_choices)
        self.form.set_choices(self.choices)

    def _start_new(self) -> None:
        assert self.choices is not None
        year = self._requested_year or date.today().year
        year = min(max(year, self.choices.first_year), self.choices.last_year)
        calls = self.choices.calls_of(year)
        data = DossierInput(year=year, received_on=date.today(),
                            call_id=calls[0].id if calls else None)
        self.snapshot = None
        self.form.load(data, None)
        self.budget.load(())
        self._load_renewals(year)
        self.state_bar.show_new(year)
        self.funding.show_nothing()
        self.documents.show_nothing()
        self.history.show_rows(())
        self._update_tab_titles()
        self._update_title()
        self._mark_loaded()

    def _load_renewals(self, year: int) -> None:
        self.form.set_renewal_choices(self.context.read(lambda s: renewal_choices(s, year)))

    def reload(self, *, form: bool | None = None) -> None:
        """Read the dossier again; the form too unless it holds unsaved typing (or *form*)."""
        if self._dossier_id is None:
            return
        dossier_id = self._dossier_id
        snapshot = self.context.read(lambda session: load_snapshot(session, dossier_id))
        if snapshot is None:
            self._vanished()
            return
        previous = self.snapshot
        self.snapshot = snapshot
        self._exists = True
        detail = snapshot.detail
        self.state_bar.show_dossier(
            detail.reference, detail.action_title, detail.holder_name,
            f"{detail.objective_code} – {detail.objective_title}" if detail.objective_code
            else None,
            detail.state, detail.next_states,
            str(detail.year) if not detail.is_multi_year
            else self.tr("convention {first} à {last}").format(first=detail.year,
                                                                last=detail.last_year),
            late=detail.is_late, missing=detail.missing_documents)
        if not detail.next_states:
            self.state_bar.show_final(self.tr("état définitif"))
        self.funding.show_snapshot(snapshot)
        self.documents.show_documents(snapshot.documents, snapshot.expired_documents,
                                      detail.holder_name)
        self.history.show_rows(detail.history)
        self._update_tab_titles()
        reload_form = form if form is not None else not self.is_dirty()
        if reload_form:
            self.form.load(detail.as_input(), detail)
            self.budget.load(detail.as_input().budget)
            self.budget.set_total_cost(detail.total_cost)
            self._mark_loaded()
            self.banner.show_messages([])
        elif previous is not None and previous.detail.as_input() != detail.as_input():
            self.banner.show_messages([(WARNING_COLOUR, self.tr(
                "Ce dossier vient d'être modifié ailleurs (une autre fenêtre, une annulation). "
                "Vos saisies non enregistrées sont conservées : « Enregistrer » les écrira par-"
                "dessus, fermer sans enregistrer reprend la version enregistrée."))])
        self._update_title()
        self._apply_access()

    def _vanished(self) -> None:
        """The dossier is gone (its registration undone): keep what was typed, as new."""
        was_saved = self._exists
        self._exists = False
        self.snapshot = None
        if was_saved:
            data, _errors = self.form.collect()
            entries, _budget_errors, _places = self.budget.collect()
            self.form.load(dataclasses.replace(data, renew_from_dossier_id=None), None)
            self.budget.load(entries)
            self._loaded_state = None
        self.state_bar.show_new(self.form.year())
        self.funding.show_nothing()
        self.documents.show_nothing()
        self.history.show_rows(())
        self._update_tab_titles()
        self.banner.show_messages([(INFO_COLOUR, self.tr(
            "Ce dossier n'existe plus dans le fichier (son enregistrement a été annulé). Ce "
            "qui avait été saisi reste affiché : « Enregistrer » l'enregistre à nouveau."))],
            tone="info")
        self._update_title()
        self._update_dirty()

    def _mark_loaded(self) -> None:
        self._loaded_state = self._raw_state()
        self._update_dirty()

    def _raw_state(self) -> tuple[object, ...]:
        return (*self.form.raw_state(), self.budget.raw_state())

    def is_dirty(self) -> bool:
        """Whether the form or the budget holds typing not saved yet."""
        if self._loaded_state is None:
            return True
        return self._raw_state() != self._loaded_state

    def _update_dirty(self) -> None:
        dirty = self.is_dirty()
        self.setWindowModified(dirty)
        writable = not self.context.read_only
        self.save_button.setEnabled(writable and (dirty or not self._exists))
        self.save_action.setEnabled(writable)
        if dirty:
            self.status_label.setText(self.tr("Modifications non enregistrées"))
        elif self._exists:
            self.status_label.setText(self.tr("Tout est enregistré"))

    def _on_edited(self) -> None:
        self.budget.set_total_cost(self.form.total_cost_preview())
        self._update_dirty()

    def _on_changed(self, changes: frozenset[str]) -> None:
        if self._own_writes:
            return  # the writer reloads once its unit of work is done
        if touches(changes, PARTNERS, FRAMEWORK, PROGRAMMATION):
            self.reload_choices()
        if touches(changes, PROGRAMMATION, PARTNERS):
            if self._dossier_id is not None:
                self.reload()
            elif not self._exists:
                self._load_renewals(self.form.year())

    def _on_database_replaced(self) -> None:
        # The ids belong to the file that was closed: this window has nothing left to show.
        self.force_close()

    def _apply_access(self) -> None:
        editable = not self.context.read_only
        self.form.set_editable(editable)
        self.budget.set_editable(editable)
        self.funding.set_editable(editable)
        self.documents.set_editable(editable)
        self.state_bar.set_editable(editable)
        self.save_button.setVisible(editable)
        if not editable:
            self.banner.show_messages([(INFO_COLOUR, self.tr(
                "La base est ouverte en lecture seule : ce dossier peut être consulté, pas "
                "modifié."))], tone="info")
        self._update_dirty()

    def _update_tab_titles(self) -> None:
        warnings = len(self.snapshot.detail.warnings) if self.snapshot is not None else 0
        text = self.tr("Financements")
        if warnings:
            text += " " + (self.tr("(1 alerte)") if warnings == 1
                           else self.tr("({count} alertes)").format(count=warnings))
        self.tabs.setTabText(FUNDING_TAB, text)
        self.tabs.tabBar().setTabTextColor(
            FUNDING_TAB, _tab_colour(warnings))
        expired = len(self.snapshot.expired_documents) if self.snapshot is not None else 0
        documents = len(self.snapshot.documents) if self.snapshot is not None else 0
        text = self.tr("Pièces")
        if documents:
            text += f" ({documents})"
        if expired:
            text += " " + self.tr("· {count} expirée(s)").format(count=expired)
        self.tabs.setTabText(DOCUMENTS_TAB, text)
        self.tabs.tabBar().setTabTextColor(
            DOCUMENTS_TAB, _tab_colour(expired))
        for tab in (FUNDING_TAB, DOCUMENTS_TAB, HISTORY_TAB):
            self.tabs.setTabEnabled(tab, self._exists)

    # ------------------------------------------------------------------ writing

    def _write(self, work: Callable[[Session], T], label: str,
               topics: Sequence[str] = (PROGRAMMATION,),
               focus: Focus | Callable[[T], Focus] | None = None) -> T:
        """One recorded unit of work; the window reloads once, after it.

        After an undo or a redo, the Dossiers page shows the dossier (unless *focus* says
        otherwise)."""
        dossier_id = self.dossier_id
        self._own_writes += 1
        try:
            return self.context.write(
                work, topics, label=label,
                focus=focus or Focus(DOSSIERS_TOPIC, before=dossier_id, after=dossier_id))
        finally:
            self._own_writes -= 1

    def _after_write(self) -> None:
        self.reload()
        if self._dossier_id is None:
            self.reload_choices()

    # ------------------------------------------------------------------ saving the form

    def collect(self) -> tuple[DossierInput, dict[str, str]]:
        """The form and budget as a `DossierInput`, and every field error that is known
        without asking the services (amounts, dates, numbers that do not read)."""
        data, errors = self.form.collect()
        entries, budget_errors, places = self.budget.collect()
        self._places = places
        data = dataclasses.replace(data, budget=entries)
        return data, _merge(errors + budget_errors)

    def save(self) -> bool:
        """Save the form as one recorded unit of work; False (nothing saved) when refused."""
        if self.context.read_only:
            return False
        if self._exists and not self.is_dirty():
            return True
        data, errors = self.collect()
        dossier_id = self.dossier_id
        if errors:
            core = self.context.read(
                lambda session: validate_dossier_input(session, data, dossier_id=dossier_id))
            self.show_errors(_merge([FieldError(f, m) for f, m in errors.items()] + core))
            return False
        try:
            if dossier_id is not None:
                reference = self.reference()
                self._write(lambda session: update_dossier(session, dossier_id, data),
                            self.tr("l'enregistrement du dossier {reference}").format(
                                reference=reference))
            else:
                year = data.year if data.year is not None else self.form.year()
                reference, _sequence = self.context.read(
                    lambda session: next_reference(session, year))
                new_id = self._write(lambda session: register_dossier(session, data),
                                     self.tr("l'enregistrement du dossier {reference}").format(
                                         reference=reference),
                                     focus=lambda created: Focus(DOSSIERS_TOPIC, after=created))
                self._dossier_id = new_id
                self._exists = True
        except FormError as error:
            self.show_errors(_merge(list(error.errors)))
            return False
        except UserFacingError as error:
            self.context.messenger.warn(self, self.tr("Enregistrer le dossier"), error.message)
            return False
        self.show_errors({})
        self.reload(form=True)
        self.status_label.setText(self.tr("Enregistré"))
        return True

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message beside its field; a summary on top; the first faulty tab shown."""
        self.form.show_errors(errors)
        self.budget.show_errors(errors, self._places)
        general = [m for f, m in errors.items()
                   if f not in self.form.boxes and not f.startswith("budget")]
        budget_count = sum(1 for f in errors if f.startswith("budget"))
        form_count = sum(1 for f in errors if f in self.form.boxes)
        if not errors:
            self.banner.show_messages([])
            for tab in (FORM_TAB, BUDGET_TAB):
                self.tabs.tabBar().setTabTextColor(tab, _tab_colour(False))
            return
        lines = [(ERROR_COLOUR, self.tr(
            "Rien n'est enregistré : {count} point(s) à corriger, indiqués en rouge sous chaque "
            "champ.").format(count=len(errors)))]
        if budget_count:
            lines.append((ERROR_COLOUR, self.tr("Dont {count} dans l'onglet « Budget "
                                                "prévisionnel ».").format(count=budget_count)))
        lines.extend((ERROR_COLOUR, message) for message in general)
        self.banner.show_messages(lines, tone="error")
        self.tabs.tabBar().setTabTextColor(
            FORM_TAB, _tab_colour(form_count))
        self.tabs.tabBar().setTabTextColor(
            BUDGET_TAB, _tab_colour(budget_count))
        if form_count:
            self.tabs.setCurrentIndex(FORM_TAB)
            first = self.form.first_error_widget()
            if first is not None:
                self.form.scroll.ensureWidgetVisible(first)
        elif budget_count:
            self.tabs.setCurrentIndex(BUDGET_TAB)

    def field_error(self, field: str) -> str:
        """The message shown beside *field* (a `DossierInput` name), or nothing."""
        return self.form.error_text(field)

    # ------------------------------------------------------------------ holder, renewal, year

    def new_holder(self) -> None:
        typed = self.form.holder_combo.currentText().strip() \
            if self.form.holder_combo.has_unknown_text() else ""
        dialog = NewHolderDialog(self._find_duplicates, self._create_holder, self, name=typed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.existing_chosen.connect(self._use_holder)
        dialog.accepted.connect(lambda: self._use_holder(dialog.created_id))
        dialog.destroyed.connect(lambda *_: setattr(self, "holder_dialog", None))
        self.holder_dialog = dialog
        dialog.open()

    def _find_duplicates(self, name: str, siret: str, rna: str) -> list:  # type: ignore[type-arg]
        return self.context.read(lambda session: find_duplicates(session, name, siret, rna))

    def _create_holder(self, data: object) -> int | tuple[str, str]:
        try:
            created = self._write(lambda session: create_organisation(session, data),  # type: ignore[arg-type]
                                  self.tr("la création de la structure {name}").format(
                                      name=quoted(getattr(data, "name", ""))), (PARTNERS,),
                                  focus=lambda created: Focus(PARTNERS, after=created))
        except ValidationError as error:
            return (error.field or "", error.message)
        except UserFacingError as error:
            return ("", error.message)
        self.reload_choices()
        return created

    def _use_holder(self, organisation_id: int | None) -> None:
        if organisation_id is None:
            return
        if self.choices is None or all(c.id != organisation_id for c in self.choices.holders):
            self.reload_choices()
        self.form.holder_combo.set_current_id(organisation_id)
        self.form.holder_combo.setFocus()
        self._on_edited()

    def _on_renewal_picked(self, dossier_id: int) -> None:
        year = self.form.year()
        data = self.context.read(lambda session: renewal_input(session, dossier_id, year=year))
        self.form.fill_from_renewal(data)
        self.budget.load(data.budget)
        self._on_edited()

    def _on_year_changed(self, year: int) -> None:
        self._load_renewals(year)
        if self.snapshot is None:
            self.state_bar.show_new(year)
            self._update_title()

    # ------------------------------------------------------------------ state

    def request_state(self, target: DossierState) -> None:
        """Ask the comment of a change of state (the dialog stays until it is accepted)."""
        if self.snapshot is None or self.context.read_only:
            return
        detail = self.snapshot.detail
        dialog = StateChangeDialog(detail.reference, detail.state, DossierState(target),
                                   self._submit_state, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "state_dialog", None))
        self.state_dialog = dialog
        dialog.open()

    def _submit_state(self, request: StateRequest) -> tuple[str, str] | None:
        dossier_id = self.dossier_id
        if dossier_id is None:
            return ("", self.tr("Enregistrez d'abord le dossier."))
        reference = self.reference()
        try:
            self._write(
                lambda session: change_state(session, dossier_id, request.target,
                                             request.comment, request.on,
                                             request.missing_documents,
                                             opinion=request.opinion),
                self.tr("le passage du dossier {reference} à « {state} »").format(
                    reference=reference, state=request.target.label))
        except ValidationError as error:
            if error.field == "missing_documents":
                return (error.field, error.message)
            self._refused(self.tr("Changer l'état du dossier"), error.message)
            return None
        except UserFacingError as error:
            self._refused(self.tr("Changer l'état du dossier"), error.message)
            return None
        self._after_write()
        return None

    def _refused(self, title: str, message: str) -> None:
        self.context.messenger.warn(self, title, message)
        self.reload()

    # ------------------------------------------------------------------ funding and payments

    def _years(self) -> list[int]:
        assert self.snapshot is not None
        detail = self.snapshot.detail
        return list(range(detail.year, (detail.last_year or detail.year) + 1))

    def edit_funding(self, funding_id: int | None) -> None:
        """Open the funding dialog on a row (or for a new one)."""
        if self.snapshot is None or self.choices is None:
            return
        row = None if funding_id is None else self.funding.row(funding_id)
        dialog = FundingDialog(
            lines=self.choices.budget_lines, years=self._years(), row=row,
            envelope=lambda line, year: self.context.read(
                lambda session: envelope_consumption(session, line, year)),
            submit=self._submit_funding,  # type: ignore[arg-type]
            reference=self.reference(), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "funding_dialog", None))
        self.funding_dialog = dialog
        dialog.open()

    def _submit_funding(self, request: FundingRequest) -> tuple[str, str] | None:
        dossier_id = self.dossier_id
        if dossier_id is None or self.choices is None:
            return ("", self.tr("Enregistrez d'abord le dossier."))
        line = self.choices.budget_line(request.budget_line_id)
        name = line.name if line is not None else ""
        years = (str(request.year) if request.year is not None
                 else "-".join(str(y) for y in (self._years()[0], self._years()[-1])))
        label = self.tr("le financement {line} {years} du dossier {reference}").format(
            line=quoted(name), years=years, reference=self.reference())
        try:
            if request.year is None:
                assert request.requested is not None
                requested = request.requested
                ids = self._write(lambda session: spread_funding(
                    session, dossier_id, request.budget_line_id, requested), label)
                selected = ids[0] if ids else None
            else:
                year = request.year

                def save(reason: str | None) -> int:
                    return self._write(lambda session: upsert_funding(
                        session, dossier_id, request.budget_line_id, year, request.requested,
                        request.proposed, request.granted, request.decision,
                        decided_on=request.decided_on, reason=reason), label)

                try:
                    selected = save(None)
                except ApprovalReasonRequired as error:
                    reason = self._ask_reason(error)
                    if reason is None:
                        return ("granted", self.tr(
                            "Montant accordé : non modifié, faute de motif. {message}").format(
                                message=error.message))
                    selected = save(reason)
        except ValidationError as error:
            return (error.field or "", error.message)
        except UserFacingError as error:
            return ("", error.message)
        self._after_write()
        if selected is not None:
            self.funding.select("funding", selected)
        return None

    def delete_funding(self, funding_id: int) -> None:
        row = self.funding.row(funding_id)
        if row is None:
            return
        title = self.tr("Supprimer le financement")
        if not self.context.messenger.confirm(
                self, title, self.tr("Supprimer le financement « {line} » {year} de ce "
                                     "dossier ?").format(line=row.line_name, year=row.year),
                self.tr("Supprimer")):
            return
        label = self.tr("la suppression du financement {line} {year} du dossier "
                        "{reference}").format(line=quoted(row.line_name), year=row.year,
                                              reference=self.reference())

        def remove(reason: str | None) -> None:
            self._write(lambda session: delete_funding(session, funding_id, reason=reason),
                        label)

        try:
            try:
                remove(None)
            except ApprovalReasonRequired as error:
                reason = self._ask_reason(error)
                if reason is None:
                    return
                remove(reason)
        except UserFacingError as error:
            self._refused(title, error.message)
            return
        self._after_write()

    def _ask_reason(self, error: ApprovalReasonRequired) -> str | None:
        """The reason for changing an amount a COPIL approved; None when cancelled."""
        return self.context.messenger.ask_text(
            self, self.tr("Montant approuvé en séance"),
            self.tr("{message}\n\nMotif (gardé dans le journal des modifications) :").format(
                message=error.message),
            accept=self.tr("Enregistrer avec ce motif"))

    def _edit_payment_by_id(self, payment_id: int) -> None:
        for row in self.funding.rows:
            for payment in row.payments:
                if payment.id == payment_id:
                    self.edit_payment(row.id, payment_id)
                    return

    def edit_payment(self, funding_id: int, payment_id: int | None) -> None:
        """Open the payment dialog under a granted row (for a new payment when no id)."""
        row = self.funding.row(funding_id)
        if row is None:
            return
        payment = next((p for p in row.payments if p.id == payment_id), None)
        dialog = PaymentDialog(row=row, payment=payment,
                               submit=self._submit_payment,  # type: ignore[arg-type]
                               parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "payment_dialog", None))
        self.payment_dialog = dialog
        dialog.open()

    def _submit_payment(self, request: PaymentRequest) -> tuple[str, str] | None:
        row = self.funding.row(request.funding_id)
        where = quoted(row.line_name) if row is not None else ""
        try:
            if request.payment_id is None:
                label = self.tr("l'ajout d'un versement ({kind}) sur {line} du dossier "
                                "{reference}").format(kind=request.kind.label.lower(),
                                                      line=where, reference=self.reference())
                selected = self._write(lambda session: add_payment(
                    session, request.funding_id, request.kind, request.amount,
                    paid_on=request.paid_on, due_on=request.due_on,
                    reference=request.reference), label)
            else:
                payment_id = request.payment_id
                label = self.tr("la modification d'un versement sur {line} du dossier "
                                "{reference}").format(line=where, reference=self.reference())
                self._write(lambda session: update_payment(
                    session, payment_id, request.kind, request.amount,
                    paid_on=request.paid_on, due_on=request.due_on,
                    reference=request.reference), label)
                selected = payment_id
        except ValidationError as error:
            return (error.field or "", error.message)
        except UserFacingError as error:
            return ("", error.message)
        self._after_write()
        self.funding.select("payment", selected)
        return None

    def delete_payment(self, payment_id: int) -> None:
        title = self.tr("Supprimer le versement")
        if not self.context.messenger.confirm(self, title,
                                              self.tr("Supprimer ce versement ?"),
                                              self.tr("Supprimer")):
            return
        try:
            self._write(lambda session: delete_payment(session, payment_id),
                        self.tr("la suppression d'un versement du dossier {reference}").format(
                            reference=self.reference()))
        except UserFacingError as error:
            self._refused(title, error.message)
            return
        self._after_write()

    # ------------------------------------------------------------------ documents

    def _ask_files(self) -> list[Path]:
        names, _filter = QFileDialog.getOpenFileNames(
            self, self.tr("Ajouter des pièces au dossier"), str(Path.home()),
            self.tr("Documents (*.pdf *.odt *.ods *.doc *.docx *.xls *.xlsx *.jpg *.jpeg *.png);;"
                    "Tous les fichiers (*)"))
        return [Path(name) for name in names]

    def add_documents(self, kind: str) -> None:
        """Copy the files the user picks into the database, as one recorded action."""
        dossier_id = self.dossier_id
        if dossier_id is None:
            return
        paths = self.choose_files()
        if not paths:
            return
        label = (self.tr("l'ajout de la pièce {name} au dossier {reference}").format(
            name=quoted(paths[0].name), reference=self.reference()) if len(paths) == 1
            else self.tr("l'ajout de {count} pièces au dossier {reference}").format(
                count=len(paths), reference=self.reference()))

        def work(session: Session) -> list[int]:
            return [add_document(session, dossier_id=dossier_id, kind=kind, path=path)
                    for path in paths]

        try:
            ids = self._write(work, label, (PROGRAMMATION, PARTNERS))
        except UserFacingError as error:
            self.context.messenger.warn(self, self.tr("Ajouter des pièces"), error.message)
            return
        self._after_write()
        if ids:
            self.documents.select(ids[-1])

    def open_document(self, document_id: int) -> Path | None:
        """Write the document to a temporary folder and open it with the system's viewer."""
        folder = self.export_folder / (self.reference() or "dossier")
        title = self.tr("Ouvrir la pièce")
        try:
            path = self.context.read(
                lambda session: export_document(session, document_id, folder))
        except UserFacingError as error:
            self.context.messenger.warn(self, title, error.message)
            return None
        if not self.open_file(path):
            self.context.messenger.warn(self, title, self.tr(
                "Aucune application n'a pu ouvrir « {name} ». Le fichier est ici : {path}")
                .format(name=path.name, path=path))
        return path

    def delete_document(self, document_id: int) -> None:
        row = next((r for r in self.documents.rows if r.id == document_id), None)
        if row is None:
            return
        title = self.tr("Supprimer la pièce")
        if not self.context.messenger.confirm(
                self, title, self.tr("Retirer « {name} » du dossier ? Le fichier n'est gardé "
                                     "nulle part ailleurs dans qpvdesk.").format(
                                         name=row.filename), self.tr("Supprimer")):
            return
        try:
            self._write(lambda session: delete_document(session, document_id),
                        self.tr("la suppression de la pièce {name} du dossier {reference}")
                        .format(name=quoted(row.filename), reference=self.reference()),
                        (PROGRAMMATION, PARTNERS))
        except UserFacingError as error:
            self._refused(title, error.message)
            return
        self._after_write()

    # ------------------------------------------------------------------ keyboard and closing

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.close()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._enter_saves():
            self.save()
            return
        super().keyPressEvent(event)

    def _enter_saves(self) -> bool:
        """Enter saves from a one-line field of the form (never from a list or a text box)."""
        focus = self.focusWidget()
        if focus is None or not self.tabs.currentWidget().isAncestorOf(focus):
            return False
        if self.tabs.currentIndex() != FORM_TAB:
            return False
        # Not from a push button: Enter on "Nouvelle structure…" opens its dialog.
        return isinstance(focus, (QLineEdit, QComboBox, QCheckBox, QRadioButton))

    def maybe_save(self) -> bool:
        """Before closing: save or drop unsaved typing; False when the user cancels."""
        if self._force_close or self.context.read_only or not self.is_dirty():
            return True
        name = (self.tr("Le dossier {reference}").format(reference=self.reference())
                if self._exists else self.tr("Le nouveau dossier"))
        choice = self.context.messenger.choose(
            self, self.tr("Modifications non enregistrées"),
            self.tr("{name} a des modifications non enregistrées.").format(name=name),
            [self.tr("Enregistrer"), self.tr("Ne pas enregistrer"), self.tr("Annuler")])
        if choice == 0:
            return self.save()
        return choice == 1

    def force_close(self) -> None:
        """Close without asking (the file was replaced or is closing)."""
        self._force_close = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        for dialog in (self.holder_dialog, self.funding_dialog, self.payment_dialog,
                       self.state_dialog):
            if dialog is not None:
                dialog.reject()
        try:
            self.context.changed.disconnect(self._on_changed)
            self.context.database_replaced.disconnect(self._on_database_replaced)
        except (RuntimeError, TypeError):  # already disconnected
            pass
        event.accept()


def _tab_colour(alert: object) -> QColor:
    """Dark red for a tab that needs a look; the tab bar's own colour (grey when the tab is
    disabled) otherwise."""
    return QColor(Qt.GlobalColor.darkRed) if alert else QColor()


def _open_with_system(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def _merge(errors: Sequence[FieldError]) -> dict[str, str]:
    """Field → message; the first message of a field wins (a field's own reading error before
    what the services say of the value left in its place)."""
    merged: dict[str, list[str]] = {}
    for error in errors:
        messages = merged.setdefault(error.field, [])
        many = error.field in ("budget", "")
        if (many or not messages) and error.message not in messages:
            messages.append(error.message)
    return {field: "\n".join(messages) for field, messages in merged.items()}


# ---------------------------------------------------------------------- opening


def dossier_editors(context: AppContext) -> list[DossierEditor]:
    """The editor windows open on *context*."""
    return [widget for widget in QApplication.topLevelWidgets()
            if isinstance(widget, DossierEditor) and widget.context is context
            and not widget.isHidden()]


def show_dossier_editor(context: AppContext, parent: QWidget | None, dossier_id: int | None,
                        *, year: int | None = None) -> DossierEditor:
    """The dossier's editor window, brought forward if open, else opened; returns it."""
    if dossier_id is not None:
        for editor in dossier_editors(context):
            if editor.dossier_id == dossier_id:
                editor.showNormal() if editor.isMinimized() else editor.show()
                editor.raise_()
                editor.activateWindow()
                return editor
    editor = DossierEditor(context, dossier_id, year=year, parent=parent)
    editor.show()
    editor.raise_()
    editor.activateWindow()
    if dossier_id is None:
        editor.form.holder_combo.setFocus()
    return editor


def open_dossier_editor(context: AppContext, parent: QWidget, dossier_id: int | None, *,
                        year: int | None = None) -> None:
    """Open the editor of *dossier_id* (None: register a new dossier, of *year* by default).

    One window per dossier: asking again brings the open one forward.
    """
    show_dossier_editor(context, parent, dossier_id, year=year)


def close_dossier_editors(context: AppContext) -> bool:
    """Close every editor of *context*, each asking about unsaved typing; False if one stays
    open (the user chose "Annuler"). For the main window before it closes or switches files."""
    return all(editor.close() for editor in dossier_editors(context))


__all__ = [
    "DossierEditor",
    "close_dossier_editors",
    "dossier_editors",
    "open_dossier_editor",
    "show_dossier_editor",
]
