"""Behaviour of the "Partenaires" page: the directory, one organisation's file, its history,
contacts and standing documents; duplicates, merging and deleting; a contact's data exported
or erased (GDPR).

Every change is one unit of work recorded for "Édition > Annuler" (Ctrl+Z), except an
erasure, which can never be undone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QModelIndex, QStandardPaths, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget
from sqlalchemy import select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import OrganisationKind
from qpvdesk.core.domain.models import Committee
from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.services.contact_privacy import (
    erase_contact,
    export_contact,
    write_contact_export,
)
from qpvdesk.core.services.documents import (
    DocumentRow,
    add_document,
    delete_document,
    export_document,
    update_document,
)
from qpvdesk.core.services.partners import (
    ContactInput,
    ContactRow,
    OrganisationDetail,
    OrganisationInput,
    OrganisationRow,
    contact_input,
    create_contact,
    create_organisation,
    delete_contact,
    delete_organisation,
    find_duplicates,
    merge_organisations,
    organisation_detail,
    organisation_input,
    organisation_rows,
    organisation_usage,
    set_contact_committees,
    update_contact,
    update_organisation,
)
from qpvdesk.ui.context import AppContext, Focus, touches
from qpvdesk.ui.exchange_menu import pick_save_file
from qpvdesk.ui.opening import busy_cursor
from qpvdesk.ui.partners.contact_dialog import ContactDialog
from qpvdesk.ui.partners.document_dialog import DocumentDialog, FileChooser, choose_document_file
from qpvdesk.ui.partners.fields import format_date
from qpvdesk.ui.partners.form_dialog import Errors, run_dialog
from qpvdesk.ui.partners.merge_dialog import OrganisationChooser, choose_organisation_to_merge
from qpvdesk.ui.partners.organisation_detail_view import (
    TAB_CONTACTS,
    TAB_DOCUMENTS,
    TAB_FORM,
)
from qpvdesk.ui.partners.organisation_form import OrganisationForm, check_organisation
from qpvdesk.ui.partners.organisation_table_model import COLUMN_NAME, OrganisationTableModel
from qpvdesk.ui.partners.partners_view import PartnersView
from qpvdesk.ui.topics import PARTNERS, PROGRAMMATION
from qpvdesk.ui.undo import quoted
from qpvdesk.ui.widgets.unsaved_edits import UnsavedEditsGuard

T = TypeVar("T")
#: The section key of the page, also the topic of its `Focus` hints.
SECTION = "partners"
#: How long typing must pause before duplicates are looked for.
DUPLICATE_DELAY_MS = 250


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def committee_choices(session: Session) -> list[tuple[int, str]]:
    """Every committee (id, name), in the order they were set up."""
    return [(row[0], row[1]) for row in
            session.execute(select(Committee.id, Committee.name).order_by(Committee.id)).all()]


class PartnersScreen(UnsavedEditsGuard, QWidget):
    """The directory on the left, the selected organisation on the right."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._reloading = False
        self._shown_id: int | None = None
        self._new = False
        self._detail: OrganisationDetail | None = None
        self._sized = False
        self._stale = False
        #: Replaced by tests: runs a dialog, True when accepted.
        self.run_dialog: Callable[[QDialog], bool] = run_dialog
        #: Replaced by tests: the file to add as a document.
        self.choose_file: FileChooser = choose_document_file
        #: Replaced by tests: the organisation to merge into the current one.
        self.choose_organisation: OrganisationChooser = choose_organisation_to_merge
        #: Replaced by tests: hands a file to the system viewer.
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        #: Replaced by tests: where to save a contact's data (title, suggested path, filter).
        self.pick_save: Callable[[QWidget | None, str, Path, str], Path | None] = pick_save_file

        self.view = PartnersView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.model = OrganisationTableModel(self)
        self.view.table.setModel(self.model)
        self.view.configure_columns()
        self.view.table.sortByColumn(COLUMN_NAME, Qt.SortOrder.AscendingOrder)
        self._duplicate_timer = QTimer(self)
        self._duplicate_timer.setSingleShot(True)
        self._duplicate_timer.setInterval(DUPLICATE_DELAY_MS)
        self._duplicate_timer.timeout.connect(self._look_for_duplicates)

        view, detail = self.view, self.view.detail
        form = detail.form
        view.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        view.search_edit.textChanged.connect(self._apply_filter)
        view.role_combo.currentIndexChanged.connect(self._apply_filter)
        view.find_action.triggered.connect(self._focus_search)
        view.new_action.triggered.connect(self.new_organisation)
        view.merge_action.triggered.connect(self.merge)
        view.delete_action.triggered.connect(self.delete)
        form.save_button.clicked.connect(self.save)
        form.revert_button.clicked.connect(self._revert)
        form.identity_edited.connect(self._duplicate_timer.start)
        form.duplicate_activated.connect(self.open_duplicate)
        form.dirty_changed.connect(lambda _dirty: self._update_actions())
        history = detail.history
        history.dossiers_table.doubleClicked.connect(self._open_history_dossier)
        history.fundings_table.doubleClicked.connect(self._open_history_funding)
        contacts = detail.contacts
        contacts.add_button.clicked.connect(self.add_contact)
        contacts.edit_button.clicked.connect(self.edit_contact)
        contacts.delete_button.clicked.connect(self.delete_contact)
        contacts.export_button.clicked.connect(self.export_contact_data)
        contacts.erase_button.clicked.connect(self.erase_contact_data)
        contacts.table.doubleClicked.connect(lambda _index: self.edit_contact())
        contacts.table.selectionModel().currentRowChanged.connect(
            lambda *_args: self._update_actions())
        documents = detail.documents
        documents.add_button.clicked.connect(self.add_document)
        documents.open_button.clicked.connect(self.open_document)
        documents.edit_button.clicked.connect(self.edit_document)
        documents.delete_button.clicked.connect(self.delete_document)
        documents.table.doubleClicked.connect(lambda _index: self.open_document())
        documents.table.selectionModel().currentRowChanged.connect(
            lambda *_args: self._update_actions())
        context.changed.connect(self._on_changed)
        context.focus_requested.connect(self._on_focus_requested)
        context.database_replaced.connect(self._on_database_replaced)
        self._show_access()
        # Read when shown, as after a change made while the page was hidden.
        self._stale = True
        self._update_count()
        self._show_detail(None)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()
        if not self._sized:  # the splitter knows its height only once laid out
            self._sized = True
            QTimer.singleShot(0, self, self._initial_sizes)

    def _initial_sizes(self) -> None:
        splitter = self.view.splitter
        total = sum(splitter.sizes())
        if total > 0:
            top = int(total * 0.36)
            splitter.setSizes([top, total - top])

    # ------------------------------------------------------------------ state

    def current_id(self) -> int | None:
        return self.model.id_at(self.view.table.currentIndex())

    def current_row(self) -> OrganisationRow | None:
        return self.model.row_at(self.view.table.currentIndex())

    def shown_id(self) -> int | None:
        """The organisation in the detail panel (None for a new one or nothing)."""
        return self._shown_id

    def is_new(self) -> bool:
        return self._new

    def detail(self) -> OrganisationDetail | None:
        return self._detail

    def select(self, organisation_id: int) -> None:
        """Make an organisation current, clearing the filter when it hides it."""
        index = self.model.index_for_id(organisation_id)
        if not index.isValid() and self.model.is_filtered():
            self._reloading = True
            try:
                self.view.search_edit.clear()
                self.view.role_combo.setCurrentIndex(0)
            finally:
                self._reloading = False
            self._apply_filter()
            index = self.model.index_for_id(organisation_id)
        if index.isValid():
            self.view.table.setCurrentIndex(index)
            self.view.table.scrollTo(index)

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Read the directory again, keeping the selection and any unsaved typing."""
        self._stale = False
        keep = self.current_id() if not self._new else None
        self._reloading = True
        try:
            self.model.set_all_rows(self._context.read(organisation_rows))
            self._apply_filter_now()
            if keep is not None:
                index = self.model.index_for_id(keep)
                if index.isValid():
                    self.view.table.setCurrentIndex(index)
        finally:
            self._reloading = False
        self._update_count()
        if self._new:
            self._update_actions()
            return
        current = self.current_id()
        if self.view.detail.form.is_dirty() and current == self._shown_id:
            self._refresh_tabs(current)
        else:
            self._show_detail(current)

    def _on_changed(self, changes: frozenset[str]) -> None:
        if touches(changes, PARTNERS, PROGRAMMATION):
            # Hidden, the page only notes it: thousands of organisations are read again once,
            # when it is shown, not after every change made on another page.
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def _on_focus_requested(self, topic: str, target: object) -> None:
        """After an undo or redo (the list is reloaded already): select what it concerned."""
        if topic != SECTION or self.view.detail.form.is_dirty():
            return
        if self._stale:
            self.reload()
        if isinstance(target, int) and self.model.total and target != self.current_id():
            if self._new:
                self._new = False
            self.select(target)

    def _on_database_replaced(self) -> None:
        self._show_access()
        self._new = False
        self._shown_id = None
        self._detail = None
        self.view.table.setCurrentIndex(QModelIndex())
        self.view.detail.show_nothing()

    def _show_access(self) -> None:
        text = self.tr("Structures partenaires du contrat : financeurs, porteurs de projet, "
                       "partenaires et signataires, avec leurs contacts et documents.")
        if self._context.read_only:
            text += " " + self.tr("La base est ouverte en lecture seule : rien ne peut être "
                                  "modifié.")
        self.view.subtitle_label.setText(text)

    def _apply_filter(self) -> None:
        if self._reloading:
            return
        keep = self.current_id()
        self._reloading = True
        try:
            self._apply_filter_now()
            if keep is not None:
                index = self.model.index_for_id(keep)
                if index.isValid():
                    self.view.table.setCurrentIndex(index)
        finally:
            self._reloading = False
        self._update_count()

    def _apply_filter_now(self) -> None:
        self.model.set_filter(self.view.search_edit.text(), self.view.role_combo.currentData())

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total
        if shown == total:
            text = self.tr("{n} structures").format(n=total) if total != 1 else self.tr(
                "1 structure")
        elif shown == 0:
            text = self.tr("Aucune structure ne correspond (sur {total}).").format(total=total)
        else:
            text = self.tr("{n} sur {total} structures").format(n=shown, total=total)
        self.view.count_label.setText(text)

    def _focus_search(self) -> None:
        self.view.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.view.search_edit.selectAll()

    def _dirty_editor(self) -> OrganisationForm:
        return self.view.detail.form

    def _untitled(self) -> str:
        return self.tr("la nouvelle structure")

    def _editor_title(self) -> str:
        return self.view.detail.form.values().name.strip() or self._untitled()

    def maybe_save(self) -> bool:
        """Before leaving the form (another structure, the page, the file): save or drop
        unsaved edits; False to stay. A new form left untouched is simply dropped."""
        if not self.view.detail.form.is_dirty():
            self._new = False
            return True
        return super().maybe_save()

    def _show_detail(self, organisation_id: int | None) -> None:
        detail_view = self.view.detail
        self._new = False
        if organisation_id is None:
            self._shown_id = None
            self._detail = None
            detail_view.show_nothing()
            self._update_actions()
            return

        def load(session: Session) -> tuple[OrganisationDetail, OrganisationInput]:
            return (organisation_detail(session, organisation_id),
                    organisation_input(session, organisation_id))

        try:
            detail, data = self._context.read(load)
        except ValidationError:  # deleted meanwhile
            self._shown_id = None
            self._detail = None
            detail_view.show_nothing()
            self._update_actions()
            return
        self._shown_id = organisation_id
        detail_view.form.load(data)
        self._fill_detail(detail)
        detail_view.show_content(new=False)
        self._update_actions()

    def _refresh_tabs(self, organisation_id: int | None) -> None:
        """History, contacts and documents again, leaving the form's typing alone."""
        if organisation_id is None:
            return
        try:
            detail = self._context.read(lambda s: organisation_detail(s, organisation_id))
        except ValidationError:
            return
        self._fill_detail(detail)
        self._update_actions()

    def _fill_detail(self, detail: OrganisationDetail) -> None:
        self._detail = detail
        view = self.view.detail
        row = detail.row
        view.name_label.setText(row.display_name)
        facts = [row.kind_label]
        if row.roles:
            facts.append(row.roles_label)
        if row.dossier_count:
            facts.append(_plural(row.dossier_count, self.tr("dossier"), self.tr("dossiers")))
        view.roles_label.setText(" · ".join(facts))
        expired = [doc for doc in detail.documents if doc.needs_attention]
        if expired:
            items = ", ".join(
                self.tr("{kind} (échu le {date})").format(kind=doc.kind_label,
                                                          date=format_date(doc.valid_until))
                for doc in expired)
            view.expired_label.show_message(
                self.tr("⚠ Documents expirés : {items}.").format(items=items))
        else:
            view.expired_label.clear_message()
        history = view.history
        history.years_model.set_rows(detail.years)
        history.dossiers_model.set_rows(detail.dossiers)
        history.fundings_model.set_rows(detail.fundings)
        history.fit_years()
        if detail.dossiers or detail.fundings:
            granted = sum((y.granted.cents for y in detail.years), 0)
            years = [y.year for y in detail.years]
            span = (str(years[0]) if len(set(years)) == 1
                    else f"{min(years)}–{max(years)}") if years else ""
            history.summary_label.setText(self.tr(
                "{dossiers}, {fundings} ; accordé en tout : {granted}{span}."
            ).format(
                dossiers=_plural(len(detail.dossiers), self.tr("dossier"), self.tr("dossiers")),
                fundings=_plural(len(detail.fundings), self.tr("ligne de financement"),
                                 self.tr("lignes de financement")),
                granted=_money_text(granted),
                span=self.tr(" ({span})").format(span=span) if span else "",
            ))
        else:
            history.summary_label.setText(self.tr("Aucun dossier ni financement pour cette "
                                                  "structure."))
        history.seats_label.setText(view.seats_text(
            [(seat.committee_name, seat.role_label, seat.contact_name) for seat in detail.seats]))
        keep_contact = view.contacts.model.id_at(view.contacts.table.currentIndex())
        view.contacts.model.set_rows(detail.contacts)
        view.contacts.empty_label.setVisible(not detail.contacts)
        if keep_contact is not None:
            view.contacts.table.setCurrentIndex(view.contacts.model.index_for_id(keep_contact))
        keep_document = view.documents.model.id_at(view.documents.table.currentIndex())
        view.documents.model.set_rows(detail.documents)
        if keep_document is not None:
            view.documents.table.setCurrentIndex(view.documents.model.index_for_id(keep_document))
        view.set_tab_counts(len(detail.contacts), len(detail.documents), bool(expired))

    def _update_actions(self) -> None:
        editable = not self._context.read_only
        shown = self._shown_id is not None and not self._new
        view = self.view
        view.new_action.setEnabled(editable)
        view.merge_action.setEnabled(editable and shown)
        view.delete_action.setEnabled(editable and shown)
        detail = view.detail
        detail.form.set_editable(editable)
        contacts, documents = detail.contacts, detail.documents
        has_contact = contacts.model.id_at(contacts.table.currentIndex()) is not None
        has_document = documents.model.id_at(documents.table.currentIndex()) is not None
        contacts.add_button.setEnabled(editable and shown)
        contacts.edit_button.setEnabled(editable and has_contact)
        contacts.delete_button.setEnabled(editable and has_contact)
        contacts.export_button.setEnabled(has_contact)
        contacts.erase_button.setEnabled(editable and has_contact)
        documents.add_button.setEnabled(editable and shown)
        documents.open_button.setEnabled(has_document)
        documents.edit_button.setEnabled(editable and has_document)
        documents.delete_button.setEnabled(editable and has_document)

    # ------------------------------------------------------------------ writing

    def _write(self, title: str, work: Callable[[Session], T], label: str,
               focus: Focus | Callable[[T], Focus] | None) -> tuple[bool, T | None]:
        """One recorded change; a refusal is shown in a message box."""
        try:
            return True, self._context.write(work, {PARTNERS}, label=label, focus=focus)
        except UserFacingError as error:
            self._context.messenger.warn(self, title, error.message)
            return False, None

    def new_organisation(self) -> None:
        """An empty form; the name field takes the focus."""
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
        detail = self.view.detail
        detail.name_label.setText(self.tr("Nouvelle structure"))
        detail.roles_label.setText(self.tr("Renseignez au moins le nom ; le reste peut attendre."))
        detail.expired_label.clear_message()
        detail.form.load(OrganisationInput(name="", kind=OrganisationKind.ASSOCIATION))
        detail.set_tab_counts(0, 0, False)
        detail.show_content(new=True)
        # An empty new form counts as dirty only once typed in: until then, leaving is free.
        self._update_actions()
        detail.form.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> None:
        self._save()

    def _save(self, select_after: bool = True) -> bool:
        form = self.view.detail.form
        data = form.values()
        errors = check_organisation(data)
        if errors:
            form.show_errors(errors)
            return False
        name = " ".join(data.name.split())
        if self._new:
            before = None
            try:
                new_id = self._context.write(
                    lambda session: create_organisation(session, data), {PARTNERS},
                    label=self.tr("l'ajout de {name}").format(name=quoted(name)),
                    focus=lambda created: Focus(SECTION, before=before, after=created))
            except ValidationError as error:
                form.show_errors({error.field or "": error.message})
                return False
            except UserFacingError as error:
                self._context.messenger.warn(self, self.tr("Enregistrer"), error.message)
                return False
            self._new = False
            self._shown_id = None
            form.load(data)  # saved: leaving the form no longer asks
            if select_after:
                self.select(new_id)
                if self.current_id() != new_id:  # already current: show it anyway
                    self._show_detail(new_id)
            return True
        organisation_id = self._shown_id
        if organisation_id is None:
            return False
        try:
            self._context.write(
                lambda session: update_organisation(session, organisation_id, data), {PARTNERS},
                label=self.tr("la modification de {name}").format(name=quoted(name)),
                focus=Focus(SECTION, before=organisation_id, after=organisation_id))
        except ValidationError as error:
            form.show_errors({error.field or "": error.message})
            return False
        except UserFacingError as error:
            self._context.messenger.warn(self, self.tr("Enregistrer"), error.message)
            return False
        if organisation_id == self._shown_id:
            self._show_detail(organisation_id)
        return True

    def _revert(self) -> None:
        if self._new:
            self._new = False
            self.view.detail.form.load(OrganisationInput(name=""))
            self._show_detail(self.current_id())
        else:
            self._show_detail(self._shown_id)

    # ------------------------------------------------------------------ duplicates

    def _look_for_duplicates(self) -> None:
        form = self.view.detail.form
        data = form.values()
        exclude = None if self._new else self._shown_id
        if not (data.name.strip() or data.siret.strip() or data.rna.strip()):
            form.show_duplicates([])
            return
        rows = self._context.read(
            lambda session: find_duplicates(session, data.name, data.siret, data.rna,
                                            exclude_id=exclude))
        form.show_duplicates(rows)

    def open_duplicate(self, organisation_id: int) -> None:
        """"Ouvrir la fiche existante": the typed new organisation is dropped."""
        form = self.view.detail.form
        if self._new:
            self._new = False
            form.load(OrganisationInput(name=""))
        elif not self.maybe_save():
            return
        self.select(organisation_id)
        if self._shown_id != organisation_id:
            self._show_detail(organisation_id)
        self.view.detail.tabs.setCurrentIndex(TAB_FORM)

    # ------------------------------------------------------------------ merge, delete

    def merge(self) -> None:
        """Choose a duplicate, see what moves, and merge it into the current organisation."""
        keep = self.current_row()
        if keep is None or self._new or not self.maybe_save():
            return
        title = self.tr("Fusionner avec…")
        candidates = [row for row in self._context.read(organisation_rows) if row.id != keep.id]
        suggested = [row.id for row in self._context.read(
            lambda session: find_duplicates(session, keep.name, keep.siret, keep.rna,
                                            exclude_id=keep.id))]
        remove_id = self.choose_organisation(self, keep, candidates, suggested)
        if remove_id is None or remove_id == keep.id:
            return
        remove = next((row for row in candidates if row.id == remove_id), None)
        if remove is None:
            return
        usage = self._context.read(lambda session: organisation_usage(session, remove_id))
        moves = usage.describe() or self.tr("rien (la fiche n'est reliée à rien)")
        text = self.tr(
            "Fusionner « {remove} » dans « {keep} » ?\n\n"
            "Passeront sur « {keep} » : {moves}.\n"
            "Ses rôles s'ajouteront à ceux de « {keep} », et les champs vides de « {keep} » "
            "seront complétés depuis sa fiche. « {remove} » sera ensuite supprimée.\n\n"
            "Ctrl+Z annule la fusion."
        ).format(remove=remove.display_name, keep=keep.display_name, moves=moves)
        if not self._context.messenger.confirm(self, title, text, self.tr("Fusionner")):
            return
        ok, summary = self._write(
            title, lambda session: merge_organisations(session, keep.id, remove_id),
            self.tr("la fusion de {remove} dans {keep}").format(
                remove=quoted(remove.name), keep=quoted(keep.name)),
            Focus(SECTION, before=keep.id, after=keep.id))
        if not ok or summary is None:
            return
        self.select(keep.id)
        parts = []
        if summary.roles_added:
            parts.append(self.tr("rôles ajoutés : {roles}").format(
                roles=", ".join(role.label for role in summary.roles_added)))
        if summary.fields_filled:
            parts.append(self.tr("champs complétés : {fields}").format(
                fields=", ".join(summary.fields_filled)))
        if summary.duplicate_seats_dropped:
            parts.append(self.tr("{n} siège(s) en double retiré(s)").format(
                n=summary.duplicate_seats_dropped))
        self._context.messenger.inform(
            self, title,
            self.tr("« {remove} » a été fusionnée dans « {keep} » ({moves}).{more}").format(
                remove=remove.display_name, keep=keep.display_name, moves=moves,
                more=("\n" + " ; ".join(parts).capitalize() + ".") if parts else ""))

    def delete(self) -> None:
        """Delete an organisation nothing refers to; otherwise the service says what does."""
        row = self.current_row()
        if row is None or self._new:
            return
        title = self.tr("Supprimer")
        usage = self._context.read(lambda session: organisation_usage(session, row.id))
        if not usage.in_use and not self._context.messenger.confirm(
            self, title,
            self.tr("Supprimer définitivement « {name} » ?").format(name=row.display_name),
            self.tr("Supprimer"),
        ):
            return
        position = self.view.table.currentIndex().row()
        neighbours = [self.model.id_at(self.model.index(p, 0)) for p in (position + 1,
                                                                          position - 1)]
        after = next((n for n in neighbours if n is not None), None)
        ok, _ = self._write(title, lambda session: delete_organisation(session, row.id),
                            self.tr("la suppression de {name}").format(name=quoted(row.name)),
                            Focus(SECTION, before=row.id, after=after))
        if ok and after is not None:
            self.select(after)

    # ------------------------------------------------------------------ history

    def _open_history_dossier(self, index: QModelIndex) -> None:
        row = self.view.detail.history.dossiers_model.row_at(index)
        if row is not None:
            self._context.open_dossier_requested.emit(row.id)

    def _open_history_funding(self, index: QModelIndex) -> None:
        row = self.view.detail.history.fundings_model.row_at(index)
        if row is not None and row.dossier_id is not None:
            self._context.open_dossier_requested.emit(row.dossier_id)

    # ------------------------------------------------------------------ contacts

    def current_contact(self) -> ContactRow | None:
        contacts = self.view.detail.contacts
        return contacts.model.row_at(contacts.table.currentIndex())

    def add_contact(self) -> None:
        organisation_id = self._shown_id
        if organisation_id is None or self._detail is None:
            return
        self._contact_dialog(organisation_id, None,
                             ContactInput(last_name="", organisation_id=organisation_id), ())

    def edit_contact(self) -> None:
        contact = self.current_contact()
        organisation_id = self._shown_id
        if contact is None or organisation_id is None or self._context.read_only:
            return
        try:
            initial = self._context.read(lambda session: contact_input(session, contact.id))
        except ValidationError as error:
            self._context.messenger.warn(self, self.tr("Contact"), error.message)
            return
        self._contact_dialog(organisation_id, contact.id, initial, contact.committee_ids)

    def _contact_dialog(self, organisation_id: int, contact_id: int | None,
                        initial: ContactInput, seats: tuple[int, ...]) -> None:
        assert self._detail is not None
        committees = self._context.read(committee_choices)
        dialog = ContactDialog(self._detail.row.display_name, committees, initial, seats, self,
                               new=contact_id is None)

        def save() -> Errors | None:
            data, committee_ids = dialog.values(), dialog.committee_ids()
            person = " ".join(filter(None, (data.first_name.strip(), data.last_name.strip())))

            def work(session: Session) -> int:
                if contact_id is None:
                    new_id = create_contact(session, data)
                else:
                    update_contact(session, contact_id, data)
                    new_id = contact_id
                set_contact_committees(session, new_id, committee_ids)
                return new_id

            label = (self.tr("l'ajout du contact {name}") if contact_id is None
                     else self.tr("la modification du contact {name}")).format(
                name=quoted(person))
            try:
                new_id = self._context.write(
                    work, {PARTNERS}, label=label,
                    focus=Focus(SECTION, before=organisation_id, after=organisation_id))
            except ValidationError as error:
                return {error.field or "": error.message}
            except UserFacingError as error:
                return {"": error.message}
            contacts = self.view.detail.contacts
            contacts.table.setCurrentIndex(contacts.model.index_for_id(new_id))
            return None

        dialog.save = save
        self.run_dialog(dialog)
        self.view.detail.tabs.setCurrentIndex(TAB_CONTACTS)

    def delete_contact(self) -> None:
        contact = self.current_contact()
        organisation_id = self._shown_id
        if contact is None or organisation_id is None:
            return
        title = self.tr("Supprimer le contact")
        seats = (self.tr("\n\nIl ou elle ne siégera plus dans : {committees}.").format(
            committees=", ".join(contact.committees)) if contact.committees else "")
        if not self._context.messenger.confirm(
            self, title,
            self.tr("Supprimer le contact « {name} » ?{seats}").format(name=contact.full_name,
                                                                      seats=seats),
            self.tr("Supprimer"),
        ):
            return
        self._write(title, lambda session: delete_contact(session, contact.id),
                    self.tr("la suppression du contact {name}").format(
                        name=quoted(contact.full_name)),
                    Focus(SECTION, before=organisation_id, after=organisation_id))

    def export_contact_data(self) -> None:
        """GDPR access: everything the file holds about the person, in a JSON file."""
        contact = self.current_contact()
        if contact is None:
            return
        title = self.tr("Exporter les données de {name}").format(name=contact.full_name)
        home = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path = self.pick_save(self, title, Path(home) / f"donnees-contact-{contact.id}.json",
                              self.tr("Fichiers JSON (*.json)"))
        if path is None:
            return
        try:
            with busy_cursor():
                data = self._context.read(lambda session: export_contact(session, contact.id))
                written = write_contact_export(data, path)
        except UserFacingError as error:
            self._context.messenger.warn(self, title, error.message)
            return
        self._context.messenger.inform(
            self, title,
            self.tr("Les données de {name} sont enregistrées dans « {path} » : identité, "
                    "coordonnées, structure, sièges en instance, séances, brouillons de "
                    "courriel et textes qui le ou la nomment.").format(name=contact.full_name,
                                                                   path=written))

    def erase_contact_data(self) -> None:
        """GDPR erasure, after a confirmation that says what happens; never undoable."""
        contact = self.current_contact()
        if contact is None or self._context.read_only:
            return
        title = self.tr("Effacer les données de {name}").format(name=contact.full_name)
        where = (f" ({contact.organisation_name})" if contact.organisation_name else "")
        if not self._context.messenger.confirm(
            self, title,
            self.tr("Effacer définitivement les données personnelles de {name} ?\n\n"
                    "Son nom, son adresse électronique, son téléphone, sa fonction et ses notes "
                    "disparaîtront du fichier, ainsi que des brouillons de courriel et des "
                    "textes qui le ou la nomment. Les comptes rendus des séances passées "
                    "afficheront « Ancien membre{where} », avec sa présence et son rôle. "
                    "Ses sièges en instance prennent fin aujourd'hui : plus aucun courriel ne "
                    "lui sera préparé.\n\n"
                    "Cela ne peut pas être annulé, ni par « Annuler » ni en restaurant une "
                    "sauvegarde : l'effacement y serait refait.").format(
                        name=contact.full_name, where=where),
            self.tr("Effacer définitivement"),
        ):
            return
        try:
            with busy_cursor():
                result = self._context.write_irreversible(
                    lambda database: erase_contact(database, contact.id))
        except UserFacingError as error:
            self._context.messenger.warn(self, title, error.message)
            return
        self._context.messenger.inform(self, title, "\n\n".join(result.summary()))

    # ------------------------------------------------------------------ documents

    def current_document(self) -> DocumentRow | None:
        documents = self.view.detail.documents
        return documents.model.row_at(documents.table.currentIndex())

    def add_document(self) -> None:
        organisation_id = self._shown_id
        if organisation_id is None or self._detail is None or self._context.read_only:
            return
        dialog = DocumentDialog(self._detail.row.display_name, self,
                                choose_file=self.choose_file)

        def save() -> Errors | None:
            path = dialog.path()
            valid_from, valid_until = dialog.dates()
            kind = dialog.kind()
            assert path is not None
            try:
                new_id = self._context.write(
                    lambda session: add_document(
                        session, organisation_id=organisation_id, kind=kind, path=path,
                        valid_from=valid_from, valid_until=valid_until),
                    {PARTNERS},
                    label=self.tr("l'ajout du document {name}").format(name=quoted(path.name)),
                    focus=Focus(SECTION, before=organisation_id, after=organisation_id))
            except ValidationError as error:
                return {error.field or "": error.message}
            except UserFacingError as error:
                return {"": error.message}
            documents = self.view.detail.documents
            documents.table.setCurrentIndex(documents.model.index_for_id(new_id))
            return None

        dialog.save = save
        self.run_dialog(dialog)
        self.view.detail.tabs.setCurrentIndex(TAB_DOCUMENTS)

    def edit_document(self) -> None:
        document = self.current_document()
        organisation_id = self._shown_id
        if document is None or organisation_id is None or self._context.read_only:
            return
        assert self._detail is not None
        dialog = DocumentDialog(self._detail.row.display_name, self, kind=document.kind,
                                filename=document.filename, valid_from=document.valid_from,
                                valid_until=document.valid_until)

        def save() -> Errors | None:
            valid_from, valid_until = dialog.dates()
            kind = dialog.kind()
            try:
                self._context.write(
                    lambda session: update_document(session, document.id, kind=kind,
                                                     valid_from=valid_from,
                                                     valid_until=valid_until),
                    {PARTNERS},
                    label=self.tr("la modification du document {name}").format(
                        name=quoted(document.filename)),
                    focus=Focus(SECTION, before=organisation_id, after=organisation_id))
            except ValidationError as error:
                return {error.field or "": error.message}
            except UserFacingError as error:
                return {"": error.message}
            return None

        dialog.save = save
        self.run_dialog(dialog)

    def documents_folder(self) -> Path:
        """Where documents are written for the system viewer (a folder of our own)."""
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.TempLocation)
        return Path(base) / "qpvdesk-documents"

    def open_document(self) -> None:
        document = self.current_document()
        if document is None:
            return
        folder = self.documents_folder()
        try:
            path = self._context.read(lambda session: export_document(session, document.id,
                                                                      folder))
        except UserFacingError as error:
            self._context.messenger.warn(self, self.tr("Ouvrir le document"), error.message)
            return
        if not self.open_url(QUrl.fromLocalFile(str(path))):
            self._context.messenger.warn(
                self, self.tr("Ouvrir le document"),
                self.tr("Aucune application ne sait ouvrir « {name} ». Le fichier a été copié "
                        "ici : {path}").format(name=document.filename, path=path))

    def delete_document(self) -> None:
        document = self.current_document()
        organisation_id = self._shown_id
        if document is None or organisation_id is None:
            return
        title = self.tr("Supprimer le document")
        until = format_date(document.valid_until)
        validity = self.tr(", valide jusqu'au {date}").format(date=until) if until else ""
        if not self._context.messenger.confirm(
            self, title,
            self.tr("Supprimer « {name} » ({kind}{validity}) ? Le fichier n'est gardé que dans "
                    "la base : Ctrl+Z le remet.").format(name=document.filename,
                                                        kind=document.kind_label,
                                                        validity=validity),
            self.tr("Supprimer"),
        ):
            return
        self._write(title, lambda session: delete_document(session, document.id),
                    self.tr("la suppression du document {name}").format(
                        name=quoted(document.filename)),
                    Focus(SECTION, before=organisation_id, after=organisation_id))


def _money_text(cents: int) -> str:
    return Money(cents).format()
