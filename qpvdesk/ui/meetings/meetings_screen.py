"""Behaviour of the "Instances et séances" page: committees and their members, meetings,
the agenda and the dossiers to examine, the documents before and after a meeting, the
« À envoyer » list, the programmation a COPIL approved and what changed since.

Every change on the page is one unit of work recorded for "Édition > Annuler" (Ctrl+Z);
the meeting itself is held in the meeting mode (`meeting_mode.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import TypeVar

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import QDialog, QHeaderView, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import CommitteeKind, DossierState, MeetingState, ObjectiveLevel
from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.reports.mail import MailDraftRow, mail_drafts
from qpvdesk.core.services import committees as committee_service
from qpvdesk.core.services import meetings as meeting_service
from qpvdesk.core.services.committees import CommitteeInput, CommitteeRow, MemberRow
from qpvdesk.core.services.framework import objective_rows
from qpvdesk.core.services.meetings import (
    AgendaRow,
    MeetingRow,
    ProposedDossier,
    french_long_date,
    french_time_span,
    local_time,
)
from qpvdesk.core.services.partners import contact_rows, organisation_rows
from qpvdesk.ui.context import AppContext, Focus, touches
from qpvdesk.ui.meetings import meeting_documents as documents
from qpvdesk.ui.meetings.dialogs import (
    CommitteeDialog,
    DossierPickerDialog,
    MeetingDialog,
    MemberChoice,
    MembershipDialog,
)
from qpvdesk.ui.meetings.meeting_documents import SavePathAsker, UrlOpener
from qpvdesk.ui.meetings.meeting_mode import close_meeting_windows, show_meeting_mode
from qpvdesk.ui.meetings.meeting_models import (
    AgendaTableModel,
    CommitteeTableModel,
    DifferenceTableModel,
    DraftTableModel,
    MeetingTableModel,
    MemberTableModel,
    SnapshotTableModel,
)
from qpvdesk.ui.meetings.meetings_view import MeetingsView, stretch_column
from qpvdesk.ui.partners.form_dialog import Errors, run_dialog
from qpvdesk.ui.topics import COMMITTEES, PARTNERS, PROGRAMMATION
from qpvdesk.ui.undo import quoted

T = TypeVar("T")
#: The section key of the page, also the topic of its `Focus` hints.
SECTION = "committees"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def member_choices(session: Session) -> list[tuple[MemberChoice, str]]:
    """Everyone who can hold a seat: contacts (with their organisation), then organisations."""
    people: list[tuple[MemberChoice, str]] = []
    for contact in contact_rows(session):
        label = contact.full_name
        if contact.organisation_name:
            label += f" — {contact.organisation_name}"
        if contact.is_resident:
            label += " (habitant·e, conseil citoyen)"
        people.append((("contact", contact.id), label))
    structures: list[tuple[MemberChoice, str]] = [
        (("organisation", row.id), f"{row.display_name} (la structure)")
        for row in organisation_rows(session)
    ]
    return people + structures


def priority_choices(session: Session) -> list[tuple[int, str]]:
    return [(row.id, f"{row.code} — {row.title}") for row in objective_rows(session)
            if row.level is ObjectiveLevel.PRIORITY]


class MeetingsScreen(QWidget):
    """Committees and members on the left, meetings and the chosen meeting on the right."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._reloading = False
        self._stale = False
        self._sized = False
        self._meeting: MeetingRow | None = None
        #: Replaced by tests: runs a dialog, True when accepted.
        self.run_dialog: Callable[[QDialog], bool] = run_dialog
        #: Replaced by tests: where to save a PDF (None: cancelled).
        self.ask_save_path: SavePathAsker = documents.ask_pdf_path
        #: Replaced by tests: hands a file to the system (the mail client for an .eml).
        self.open_url: UrlOpener = QDesktopServices.openUrl

        self.view = MeetingsView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        view, panel = self.view, self.view.meeting

        self.committee_model = CommitteeTableModel(self)
        self.member_model = MemberTableModel(self)
        self.meeting_model = MeetingTableModel(self)
        self.agenda_model = AgendaTableModel(self)
        self.snapshot_model = SnapshotTableModel(self)
        self.difference_model = DifferenceTableModel(self)
        self.draft_model = DraftTableModel(self)
        for table, model, stretch in (
            (view.committee_table, self.committee_model, (0,)),
            (view.member_table, self.member_model, (0,)),
            (view.meeting_table, self.meeting_model, (2,)),
            (panel.agenda_table, self.agenda_model, (1,)),
            (panel.snapshot_table, self.snapshot_model, (1, 2)),
            (panel.differences_table, self.difference_model, (2,)),
            (panel.drafts_table, self.draft_model, (2,)),
        ):
            table.setModel(model)
            stretch_column(table, *stretch)
        view.meeting_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        emails = view.member_table.horizontalHeader()
        emails.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        emails.resizeSection(2, 170)

        view.committee_table.selectionModel().currentRowChanged.connect(
            self._on_committee_changed)
        view.committee_table.doubleClicked.connect(lambda _index: self.edit_committee())
        view.member_table.selectionModel().currentRowChanged.connect(
            lambda *_args: self._update_actions())
        view.member_table.doubleClicked.connect(lambda _index: self.edit_member())
        view.meeting_table.selectionModel().currentRowChanged.connect(self._on_meeting_changed)
        view.meeting_table.doubleClicked.connect(lambda _index: self.edit_meeting())
        panel.agenda_table.selectionModel().currentRowChanged.connect(
            lambda *_args: self._update_actions())
        panel.agenda_table.doubleClicked.connect(lambda _index: self.open_agenda_dossier())
        panel.drafts_table.selectionModel().currentRowChanged.connect(
            lambda *_args: self._update_actions())
        panel.drafts_table.doubleClicked.connect(lambda _index: self.open_draft())

        view.new_committee_button.clicked.connect(self.new_committee)
        view.edit_committee_button.clicked.connect(self.edit_committee)
        view.delete_committee_button.clicked.connect(self.delete_committee)
        view.add_member_button.clicked.connect(self.add_member)
        view.edit_member_button.clicked.connect(self.edit_member)
        view.remove_member_button.clicked.connect(self.remove_member)
        view.new_meeting_button.clicked.connect(self.new_meeting)
        view.edit_meeting_button.clicked.connect(self.edit_meeting)
        view.delete_meeting_button.clicked.connect(self.delete_meeting)
        panel.convocation_button.clicked.connect(self.save_convocation)
        panel.invitation_button.clicked.connect(self.prepare_invitation)
        panel.meeting_mode_button.clicked.connect(self.open_meeting_mode)
        panel.record_button.clicked.connect(self.save_record)
        panel.record_mail_button.clicked.connect(self.prepare_record_mail)
        panel.add_point_button.clicked.connect(self.add_point)
        panel.add_dossiers_button.clicked.connect(self.add_dossiers)
        panel.up_button.clicked.connect(lambda: self.move_point(-1))
        panel.down_button.clicked.connect(lambda: self.move_point(+1))
        panel.remove_point_button.clicked.connect(self.remove_point)
        panel.open_dossier_button.clicked.connect(self.open_agenda_dossier)
        panel.differences_button.clicked.connect(self.show_differences)
        panel.open_draft_button.clicked.connect(self.open_draft)
        panel.mark_sent_button.clicked.connect(self.mark_sent)
        panel.show_sent_box.toggled.connect(lambda _on: self._load_drafts())

        context.changed.connect(self._on_changed)
        context.focus_requested.connect(self._on_focus_requested)
        context.database_replaced.connect(self._on_database_replaced)
        self._show_access()
        self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()
        if not self._sized:
            self._sized = True
            QTimer.singleShot(0, self, self._initial_sizes)

    def _initial_sizes(self) -> None:
        for splitter, share in ((self.view.splitter, 0.42), (self.view.left, 0.45),
                                (self.view.right, 0.32)):
            total = sum(splitter.sizes())
            if total > 0:
                first = int(total * share)
                splitter.setSizes([first, total - first])

    def maybe_save(self) -> bool:
        """Before leaving the file: close the meeting-mode windows (nothing is left unsaved)."""
        return close_meeting_windows(self._context)

    # ------------------------------------------------------------------ state

    def current_committee(self) -> CommitteeRow | None:
        return self.committee_model.row_at(self.view.committee_table.currentIndex())

    def current_member(self) -> MemberRow | None:
        return self.member_model.row_at(self.view.member_table.currentIndex())

    def current_meeting(self) -> MeetingRow | None:
        return self._meeting

    def current_point(self) -> AgendaRow | None:
        return self.agenda_model.row_at(self.view.meeting.agenda_table.currentIndex())

    def current_draft(self) -> MailDraftRow | None:
        return self.draft_model.row_at(self.view.meeting.drafts_table.currentIndex())

    def select_committee(self, committee_id: int) -> None:
        index = self.committee_model.index_for_id(committee_id)
        if index.isValid():
            self.view.committee_table.setCurrentIndex(index)
            self.view.committee_table.scrollTo(index)

    def select_meeting(self, meeting_id: int) -> None:
        """Show a meeting, choosing its committee first."""
        meeting = self._context.read(lambda s: meeting_service.meeting_row(s, meeting_id))
        shown = self.current_committee()
        if shown is None or shown.id != meeting.committee_id:
            self.select_committee(meeting.committee_id)
        index = self.meeting_model.index_for_id(meeting_id)
        if index.isValid():
            self.view.meeting_table.setCurrentIndex(index)
            self.view.meeting_table.scrollTo(index)

    def select_member(self, member_id: int) -> None:
        index = self.member_model.index_for_id(member_id)
        if index.isValid():
            self.view.member_table.setCurrentIndex(index)

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Read everything the page shows again, keeping the selections."""
        self._stale = False
        committee = self.current_committee()
        keep = committee.id if committee is not None else None
        rows = self._context.read(committee_service.committee_rows)
        self._reloading = True
        try:
            self.committee_model.set_rows(rows)
            index = self.committee_model.index_for_id(keep) if keep is not None else QModelIndex()
            if not index.isValid() and rows:
                index = self.committee_model.index(0, 0)
            self.view.committee_table.setCurrentIndex(index)
        finally:
            self._reloading = False
        self._show_committee()
        self._load_drafts()

    def _on_changed(self, changes: frozenset[str]) -> None:
        if touches(changes, COMMITTEES, PARTNERS, PROGRAMMATION):
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def _on_focus_requested(self, topic: str, target: object) -> None:
        """After an undo or redo: select the committee or meeting it concerned."""
        if topic != SECTION or not isinstance(target, tuple) or len(target) != 2:
            return
        if self._stale:
            self.reload()
        kind, target_id = target
        try:
            if kind == "meeting":
                self.select_meeting(target_id)
            elif kind == "committee":
                self.select_committee(target_id)
        except ValidationError:  # gone with the undo
            pass

    def _on_database_replaced(self) -> None:
        self._meeting = None
        self._show_access()

    def _show_access(self) -> None:
        text = self.tr("Les instances du contrat (COPIL, COTECH, commissions thématiques, comité "
                       "des financeurs, séminaire…), leurs membres et leurs séances : ordre du "
                       "jour, convocation, mode séance, relevé de décision et son envoi.")
        if self._context.read_only:
            text += " " + self.tr("La base est ouverte en lecture seule : rien ne peut être "
                                  "modifié.")
        self.view.subtitle_label.setText(text)

    def _on_committee_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._reloading:
            self._show_committee()

    def _show_committee(self) -> None:
        committee = self.current_committee()
        view = self.view
        keep_member = self.current_member()
        keep_meeting = self._meeting.id if self._meeting is not None else None
        if committee is None:
            view.members_heading.setText(self.tr("Membres"))
            view.meetings_heading.setText(self.tr("Séances"))
            self.member_model.set_rows([])
            self.meeting_model.set_rows([])
            view.members_count_label.clear()
            self._show_meeting(None)
            return
        view.members_heading.setText(self.tr("Membres — {name}").format(name=committee.name))
        view.meetings_heading.setText(self.tr("Séances — {name}").format(name=committee.name))
        self.member_model.set_rows(committee.members)
        if keep_member is not None:
            view.member_table.setCurrentIndex(self.member_model.index_for_id(keep_member.id))
        residents = sum(1 for m in committee.members if m.is_resident)
        without = sum(1 for m in committee.members if not m.email)
        parts = [_plural(len(committee.members), self.tr("membre"), self.tr("membres"))]
        if residents:
            parts.append(_plural(residents, self.tr("habitant·e du conseil citoyen"),
                                 self.tr("habitant·es du conseil citoyen")))
        if without:
            parts.append(_plural(without, self.tr("sans adresse électronique"),
                                 self.tr("sans adresse électronique")))
        if committee.priority_code:
            parts.append(self.tr("suit la priorité {code}").format(code=committee.priority_code))
        view.members_count_label.setText(" · ".join(parts))
        meetings = self._context.read(
            lambda s: meeting_service.meeting_rows(s, committee.id))
        self._reloading = True
        try:
            self.meeting_model.set_rows(meetings)
            index = QModelIndex()
            if keep_meeting is not None:
                index = self.meeting_model.index_for_id(keep_meeting)
            if not index.isValid() and meetings:
                # The next planned meeting, else the latest one.
                planned = [m for m in meetings if m.state is MeetingState.PLANNED]
                chosen = planned[0] if planned else meetings[-1]
                index = self.meeting_model.index_for_id(chosen.id)
            view.meeting_table.setCurrentIndex(index)
        finally:
            self._reloading = False
        self._show_meeting(self.meeting_model.row_at(view.meeting_table.currentIndex()))

    def _on_meeting_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._reloading:
            self.view.meeting.notice_label.setVisible(False)
            self.view.meeting.warning_label.clear_message()
            self._show_meeting(self.meeting_model.row_at(current))

    def _show_meeting(self, meeting: MeetingRow | None) -> None:
        self._meeting = meeting
        panel = self.view.meeting
        if meeting is None:
            panel.title_label.setText(self.tr("Aucune séance choisie"))
            panel.facts_label.setText(self.tr("Choisissez une séance dans la liste, ou créez-en "
                                              "une (« Nouvelle séance… »)."))
            self.agenda_model.set_rows([])
            self.snapshot_model.set_rows([])
            self.difference_model.set_rows([])
            panel.tabs.setTabEnabled(panel.snapshot_tab, False)
            self._update_actions()
            return
        panel.title_label.setText(self.tr("{committee} — {day}").format(
            committee=meeting.committee_name, day=french_long_date(meeting.starts_at)))
        facts = [french_time_span(meeting.starts_at, meeting.ends_at),
                 meeting.place or self.tr("lieu à préciser"),
                 self.tr("État : {state}").format(state=meeting.state_label),
                 _plural(meeting.agenda_count, self.tr("point"), self.tr("points")),
                 _plural(meeting.decision_count, self.tr("décision"), self.tr("décisions"))]
        if meeting.is_open and meeting.current_position is not None:
            facts.append(self.tr("commencée en mode séance"))
        panel.facts_label.setText(" · ".join(facts))
        keep = self.current_point()
        agenda = self._context.read(lambda s: meeting_service.agenda_rows(s, meeting.id))
        self.agenda_model.set_rows(agenda)
        if keep is not None:
            panel.agenda_table.setCurrentIndex(self.agenda_model.index_for_id(keep.id))
        frozen = meeting.is_deciding and not meeting.is_open
        panel.tabs.setTabEnabled(panel.snapshot_tab, frozen)
        if frozen:
            rows = self._context.read(lambda s: meeting_service.snapshot_rows(s, meeting.id))
            self.snapshot_model.set_rows(rows)
            panel.snapshot_label.setText(self.tr(
                "La programmation approuvée par cette séance, figée à sa clôture ({n} lignes de "
                "financement). Les modifications ultérieures ne la changent pas.").format(
                n=len(rows)))
        else:
            self.snapshot_model.set_rows([])
            if panel.tabs.currentIndex() == panel.snapshot_tab:
                panel.tabs.setCurrentIndex(panel.agenda_tab)
        self.difference_model.set_rows([])
        panel.differences_table.setVisible(False)
        panel.differences_label.clear()
        self._update_actions()

    def _load_drafts(self) -> None:
        panel = self.view.meeting
        keep = self.current_draft()
        include_sent = panel.show_sent_box.isChecked()
        rows = self._context.read(lambda s: mail_drafts(s, include_sent=include_sent))
        self.draft_model.set_rows(rows)
        if keep is not None:
            panel.drafts_table.setCurrentIndex(self.draft_model.index_for_id(keep.id))
        waiting = sum(1 for r in rows if not r.is_sent)
        # « Courriels à envoyer »: an accented capital first is clipped on unselected tabs.
        panel.tabs.setTabText(panel.drafts_tab,
                              self.tr("Courriels à envoyer ({n})").format(n=waiting)
                              if waiting else self.tr("Courriels à envoyer"))
        self._update_actions()

    def _update_actions(self) -> None:
        editable = not self._context.read_only
        view, panel = self.view, self.view.meeting
        committee = self.current_committee()
        member = self.current_member()
        meeting = self._meeting
        point = self.current_point()
        draft = self.current_draft()
        view.new_committee_button.setEnabled(editable)
        view.edit_committee_button.setEnabled(editable and committee is not None)
        view.delete_committee_button.setEnabled(editable and committee is not None
                                                and committee.meeting_count == 0)
        view.add_member_button.setEnabled(editable and committee is not None)
        view.edit_member_button.setEnabled(editable and member is not None)
        view.remove_member_button.setEnabled(editable and member is not None)
        view.new_meeting_button.setEnabled(editable and committee is not None)
        planned = meeting is not None and meeting.is_open
        view.edit_meeting_button.setEnabled(editable and meeting is not None)
        view.delete_meeting_button.setEnabled(editable and meeting is not None and planned
                                              and meeting.decision_count == 0)
        panel.convocation_button.setEnabled(meeting is not None)
        panel.invitation_button.setEnabled(editable and planned)
        panel.meeting_mode_button.setEnabled(editable and planned)
        closed = meeting is not None and not meeting.is_open
        panel.record_button.setEnabled(closed)
        panel.record_mail_button.setEnabled(editable and closed)
        panel.add_point_button.setEnabled(editable and planned)
        panel.add_dossiers_button.setEnabled(editable and planned)
        rows = self.agenda_model.rowCount()
        position = point.position if point is not None else -1
        panel.up_button.setEnabled(editable and planned and position > 0)
        panel.down_button.setEnabled(editable and planned and 0 <= position < rows - 1)
        panel.remove_point_button.setEnabled(editable and planned and point is not None)
        panel.open_dossier_button.setEnabled(point is not None and point.dossier_id is not None)
        panel.open_draft_button.setEnabled(draft is not None)
        panel.mark_sent_button.setEnabled(editable and draft is not None and not draft.is_sent)

    # ------------------------------------------------------------------ writing

    def _write(self, title: str, work: Callable[[Session], T], label: str,
               focus: Focus | Callable[[T], Focus] | None = None,
               changes: frozenset[str] = frozenset({COMMITTEES})) -> tuple[bool, T | None]:
        """One recorded change; a refusal is shown in a message box."""
        try:
            return True, self._context.write(work, changes, label=label, focus=focus)
        except UserFacingError as error:
            self._context.messenger.warn(self, title, error.message)
            return False, None

    def _dialog_write(self, work: Callable[[Session], T], label: str,
                      focus: Focus | Callable[[T], Focus] | None) -> tuple[Errors | None, T | None]:
        """A dialog's save: the refusal goes beside its field (the dialog stays open)."""
        try:
            return None, self._context.write(work, {COMMITTEES}, label=label, focus=focus)
        except ValidationError as error:
            return {error.field or "": error.message}, None
        except UserFacingError as error:
            return {"": error.message}, None

    def _notice(self, text: str, warning: str | None = None) -> None:
        panel = self.view.meeting
        panel.notice_label.setText(text)
        panel.notice_label.setVisible(bool(text))
        panel.warning_label.show_message(warning)

    # ------------------------------------------------------------------ committees

    def new_committee(self) -> None:
        if self._context.read_only:
            return
        self._committee_dialog(None, CommitteeInput(
            kind=CommitteeKind.OTHER, name=""))

    def edit_committee(self) -> None:
        committee = self.current_committee()
        if committee is None or self._context.read_only:
            return
        self._committee_dialog(committee.id, CommitteeInput(
            committee.kind, committee.name, committee.priority_id, committee.description))

    def _committee_dialog(self, committee_id: int | None, initial: CommitteeInput) -> None:
        dialog = CommitteeDialog(initial, self._context.read(priority_choices), self,
                                 new=committee_id is None)

        def save() -> Errors | None:
            data = dialog.values()
            name = quoted(" ".join(data.name.split()))

            def work(session: Session) -> int:
                if committee_id is None:
                    return committee_service.create_committee(session, data)
                committee_service.update_committee(session, committee_id, data)
                return committee_id

            label = (self.tr("la création de l'instance {name}") if committee_id is None
                     else self.tr("la modification de l'instance {name}")).format(name=name)
            errors, new_id = self._dialog_write(
                work, label, lambda created: Focus(SECTION, ("committee", committee_id),
                                                   ("committee", created)))
            if errors is None and new_id is not None:
                self.select_committee(new_id)
            return errors

        dialog.save = save
        self.run_dialog(dialog)

    def delete_committee(self) -> None:
        committee = self.current_committee()
        if committee is None:
            return
        title = self.tr("Supprimer l'instance")
        members = (self.tr(" Ses {n} sièges seront retirés.").format(n=len(committee.members))
                   if committee.members else "")
        if not self._context.messenger.confirm(
                self, title, self.tr("Supprimer l'instance « {name} » ?{members} Ctrl+Z la "
                                     "remet.").format(name=committee.name, members=members),
                self.tr("Supprimer")):
            return
        self._write(title, lambda s: committee_service.delete_committee(s, committee.id),
                    self.tr("la suppression de l'instance {name}").format(
                        name=quoted(committee.name)),
                    Focus(SECTION, ("committee", committee.id), None))

    # ------------------------------------------------------------------ members

    def add_member(self) -> None:
        committee = self.current_committee()
        if committee is None or self._context.read_only:
            return
        self._member_dialog(committee, None)

    def edit_member(self) -> None:
        committee = self.current_committee()
        member = self.current_member()
        if committee is None or member is None or self._context.read_only:
            return
        self._member_dialog(committee, member)

    def _member_dialog(self, committee: CommitteeRow, seat: MemberRow | None) -> None:
        dialog = MembershipDialog(committee.name, self._context.read(member_choices), self,
                                  seat=seat)

        def save() -> Errors | None:
            data = dialog.values()
            label_text = dialog.member_combo.currentText()

            def work(session: Session) -> int:
                if seat is None:
                    return committee_service.add_membership(session, committee.id, data)
                committee_service.update_membership(session, seat.id, data)
                return seat.id

            label = (self.tr("l'ajout de {name} à {committee}") if seat is None
                     else self.tr("la modification du siège de {name}")).format(
                name=quoted(label_text), committee=quoted(committee.name))
            errors, member_id = self._dialog_write(
                work, label, Focus(SECTION, ("committee", committee.id),
                                   ("committee", committee.id)))
            if errors is None and member_id is not None:
                self.select_member(member_id)
            return errors

        dialog.save = save
        self.run_dialog(dialog)

    def remove_member(self) -> None:
        committee = self.current_committee()
        member = self.current_member()
        if committee is None or member is None:
            return
        title = self.tr("Retirer un membre")
        if not self._context.messenger.confirm(
                self, title,
                self.tr("Retirer « {name} » de « {committee} » ? Les présences passées gardent "
                        "son nom.").format(name=member.label, committee=committee.name),
                self.tr("Retirer")):
            return
        self._write(title, lambda s: committee_service.remove_membership(s, member.id),
                    self.tr("le retrait de {name}").format(name=quoted(member.label)),
                    Focus(SECTION, ("committee", committee.id), ("committee", committee.id)))

    # ------------------------------------------------------------------ meetings

    def new_meeting(self) -> None:
        committee = self.current_committee()
        if committee is None or self._context.read_only:
            return
        last = self.meeting_model.rows()
        place = last[-1].place or "" if last else ""
        dialog = MeetingDialog(committee.name, committee.id, self, place=place, new=True)
        self._meeting_dialog(dialog, None)

    def edit_meeting(self) -> None:
        meeting = self._meeting
        if meeting is None or self._context.read_only:
            return
        start = local_time(meeting.starts_at)
        end = local_time(meeting.ends_at) if meeting.ends_at is not None else None
        dialog = MeetingDialog(meeting.committee_name, meeting.committee_id, self,
                               day=start.date(), start=time(start.hour, start.minute),
                               end=None if end is None else time(end.hour, end.minute),
                               place=meeting.place or "", notes=meeting.notes or "", new=False)
        self._meeting_dialog(dialog, meeting.id)

    def _meeting_dialog(self, dialog: MeetingDialog, meeting_id: int | None) -> None:
        def save() -> Errors | None:
            data = dialog.values()

            def work(session: Session) -> int:
                if meeting_id is None:
                    return meeting_service.create_meeting(session, data)
                meeting_service.update_meeting(session, meeting_id, data)
                return meeting_id

            label = (self.tr("la création de la séance du {day}") if meeting_id is None
                     else self.tr("la modification de la séance du {day}")).format(
                day=data.starts_at.strftime("%d/%m/%Y"))
            errors, new_id = self._dialog_write(
                work, label, lambda created: Focus(SECTION, ("meeting", meeting_id),
                                                   ("meeting", created)))
            if errors is None and new_id is not None:
                self.select_meeting(new_id)
            return errors

        dialog.save = save
        self.run_dialog(dialog)

    def delete_meeting(self) -> None:
        meeting = self._meeting
        if meeting is None:
            return
        title = self.tr("Supprimer la séance")
        if not self._context.messenger.confirm(
                self, title, self.tr("Supprimer la séance « {title} », son ordre du jour et ses "
                                     "présences ? Ctrl+Z la remet.").format(title=meeting.title),
                self.tr("Supprimer")):
            return
        ok, _ = self._write(title, lambda s: meeting_service.delete_meeting(s, meeting.id),
                            self.tr("la suppression de la séance {title}").format(
                                title=quoted(meeting.title)),
                            Focus(SECTION, ("meeting", meeting.id),
                                  ("committee", meeting.committee_id)))
        if ok:
            self._meeting = None
            self._show_committee()

    # ------------------------------------------------------------------ agenda

    def add_point(self) -> None:
        meeting = self._meeting
        if meeting is None or not meeting.is_open:
            return
        title = self.tr("Ajouter un point")
        text = self._context.messenger.ask_text(
            self, title, self.tr("Intitulé du point (ex. : Bilan de l'année, Questions "
                                 "diverses) :"))
        if not text:
            return
        ok, item_id = self._write(
            title, lambda s: meeting_service.add_agenda_item(s, meeting.id, text),
            self.tr("l'ajout du point {title}").format(title=quoted(text)),
            Focus(SECTION, ("meeting", meeting.id), ("meeting", meeting.id)))
        if ok and item_id is not None:
            self._select_point(item_id)

    def _select_point(self, item_id: int) -> None:
        table = self.view.meeting.agenda_table
        table.setCurrentIndex(self.agenda_model.index_for_id(item_id))
        self.view.meeting.tabs.setCurrentIndex(self.view.meeting.agenda_tab)

    def proposed(self, meeting_id: int, everything: bool) -> list[ProposedDossier]:
        """The dossiers the picker offers (*everything*: any dossier of the year)."""
        if everything:
            return self._context.read(lambda s: meeting_service.proposed_dossiers(
                s, meeting_id, all_priorities=True, states=list(DossierState)))
        return self._context.read(lambda s: meeting_service.proposed_dossiers(s, meeting_id))

    def add_dossiers(self) -> None:
        meeting = self._meeting
        if meeting is None or not meeting.is_open or self._context.read_only:
            return
        dialog = DossierPickerDialog(
            self.tr("Dossiers à examiner — {title}").format(title=meeting.title),
            lambda everything: self.proposed(meeting.id, everything), self)

        def save() -> Errors | None:
            ids = dialog.dossier_ids()
            if not ids:
                return {"": self.tr("Cochez au moins un dossier (Espace ou Entrée).")}
            errors, _ = self._dialog_write(
                lambda s: meeting_service.add_dossiers_to_agenda(s, meeting.id, ids),
                self.tr("l'ajout de {n} dossier(s) à l'ordre du jour").format(n=len(ids)),
                Focus(SECTION, ("meeting", meeting.id), ("meeting", meeting.id)))
            return errors

        dialog.save = save
        if self.run_dialog(dialog):
            self.view.meeting.tabs.setCurrentIndex(self.view.meeting.agenda_tab)

    def move_point(self, step: int) -> None:
        meeting, point = self._meeting, self.current_point()
        if meeting is None or point is None:
            return
        target = point.position + step
        if not 0 <= target < self.agenda_model.rowCount():
            return
        ok, _ = self._write(
            self.tr("Déplacer un point"),
            lambda s: meeting_service.move_agenda_item(s, point.id, target),
            self.tr("le déplacement du point {title}").format(title=quoted(point.title)),
            Focus(SECTION, ("meeting", meeting.id), ("meeting", meeting.id)))
        if ok:
            self._select_point(point.id)

    def remove_point(self) -> None:
        meeting, point = self._meeting, self.current_point()
        if meeting is None or point is None:
            return
        title = self.tr("Retirer un point")
        if not self._context.messenger.confirm(
                self, title, self.tr("Retirer « {title} » de l'ordre du jour ?").format(
                    title=point.title), self.tr("Retirer")):
            return
        self._write(title, lambda s: meeting_service.remove_agenda_item(s, point.id),
                    self.tr("le retrait du point {title}").format(title=quoted(point.title)),
                    Focus(SECTION, ("meeting", meeting.id), ("meeting", meeting.id)))

    def open_agenda_dossier(self) -> None:
        point = self.current_point()
        if point is not None and point.dossier_id is not None:
            self._context.open_dossier_requested.emit(point.dossier_id)

    # ------------------------------------------------------------------ documents

    def save_convocation(self) -> None:
        meeting = self._meeting
        if meeting is None:
            return
        title = self.tr("Convocation (PDF)")
        path = self.ask_save_path(self, title, documents.suggested_convocation(meeting))
        if path is None:
            return
        try:
            written = documents.save_convocation(self._context, meeting.id, path)
        except UserFacingError as error:
            self._context.messenger.warn(self, title, error.message)
            return
        self._notice(self.tr("Convocation enregistrée : {path}").format(path=written))

    def prepare_invitation(self) -> None:
        meeting = self._meeting
        if meeting is None:
            return
        title = self.tr("Invitation")
        try:
            recipients = documents.prepare_invitation(self._context, meeting)
        except UserFacingError as error:
            self._context.messenger.warn(self, title, error.message)
            return
        self._notice(self.tr("L'invitation (convocation PDF et fichier .ics joints) attend dans "
                             "« Courriels à envoyer » : {who}").format(
            who=self.tr("{n} destinataire(s).").format(n=len(recipients.addresses))),
            recipients.warning)
        self.view.meeting.tabs.setCurrentIndex(self.view.meeting.drafts_tab)

    def open_meeting_mode(self) -> QWidget | None:
        """The meeting-mode window of the selected meeting (brought forward if open)."""
        meeting = self._meeting
        if meeting is None or not meeting.is_open or self._context.read_only:
            return None
        return show_meeting_mode(self._context, self.window(), meeting.id,
                                 ask_save_path=self.ask_save_path)

    def save_record(self) -> None:
        meeting = self._meeting
        if meeting is None or meeting.is_open:
            return
        title = self.tr("Relevé de décision (PDF)")
        path = self.ask_save_path(self, title, documents.suggested_record(meeting))
        if path is None:
            return
        try:
            written = documents.save_record(self._context, meeting.id, path)
        except UserFacingError as error:
            self._context.messenger.warn(self, title, error.message)
            return
        self._notice(self.tr("Relevé de décision enregistré : {path}").format(path=written))

    def prepare_record_mail(self) -> None:
        meeting = self._meeting
        if meeting is None or meeting.is_open:
            return
        title = self.tr("Préparer l'e-mail")
        try:
            recipients = documents.prepare_record_mail(self._context, meeting)
        except UserFacingError as error:
            self._context.messenger.warn(self, title, error.message)
            return
        self._notice(self.tr("Le courriel du relevé (PDF joint) attend dans « Courriels à "
                             "envoyer » : {who}").format(
            who=self.tr("{n} destinataire(s), membres du COPIL et du COTECH.").format(
                n=len(recipients.addresses))), recipients.warning)
        self.view.meeting.tabs.setCurrentIndex(self.view.meeting.drafts_tab)
        if self.draft_model.rowCount():
            self.view.meeting.drafts_table.setCurrentIndex(self.draft_model.index(0, 0))

    # ------------------------------------------------------------------ « À envoyer »

    def open_draft(self) -> None:
        draft = self.current_draft()
        if draft is None:
            return
        try:
            path = documents.open_draft(self._context, draft, self.open_url)
        except UserFacingError as error:
            self._context.messenger.warn(self, self.tr("Ouvrir dans la messagerie"),
                                         error.message)
            return
        self._notice(self.tr("Courriel ouvert dans la messagerie ({path}). Une fois envoyé, "
                             "marquez-le comme envoyé.").format(path=path))

    def mark_sent(self) -> None:
        draft = self.current_draft()
        if draft is None or draft.is_sent:
            return
        title = self.tr("Marquer comme envoyé")
        try:
            documents.mark_draft_sent(self._context, draft)
        except UserFacingError as error:
            self._context.messenger.warn(self, title, error.message)
            return
        if draft.is_record:
            self._notice(self.tr("Relevé marqué comme envoyé : la séance est « Relevé envoyé »."))
        else:
            self._notice(self.tr("Courriel marqué comme envoyé."))

    # ------------------------------------------------------------------ frozen programmation

    def show_differences(self) -> None:
        meeting = self._meeting
        if meeting is None or meeting.is_open:
            return
        rows = self._context.read(lambda s: meeting_service.snapshot_differences(s, meeting.id))
        self.difference_model.set_rows(rows)
        panel = self.view.meeting
        panel.differences_table.setVisible(bool(rows))
        panel.differences_label.setText(
            self.tr("Aucun écart : les chiffres d'aujourd'hui sont ceux que la séance a "
                    "approuvés.") if not rows else
            self.tr("{n} écart(s) depuis la séance : quel dossier, quel montant, qui l'a "
                    "changé.").format(n=len(rows)))
