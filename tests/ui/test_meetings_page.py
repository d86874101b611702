"""The "Instances et séances" page driven through its widgets on the demo file: committees
and members, meetings and agenda, the documents before and after, « Courriels à envoyer »,
the programmation a COPIL approved; checked through the services."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt, QTime, QUrl
from sqlalchemy import select
from test_meeting_mode_support import (
    COMMISSION,
    Prepared,
    answer_dialog,
    type_text,
)

from qpvdesk.core.domain.enums import CommitteeKind, MeetingState, MemberRole
from qpvdesk.core.domain.models import Committee, Funding
from qpvdesk.core.domain.money import Money
from qpvdesk.core.reports.mail import draft_content
from qpvdesk.core.services import committees as committee_service
from qpvdesk.core.services import meetings as meeting_service
from qpvdesk.core.services.partners import contact_rows
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.meetings.dialogs import (
    CommitteeDialog,
    DossierPickerDialog,
    MeetingDialog,
    MembershipDialog,
)
from qpvdesk.ui.meetings.meeting_models import PICK_COLUMN, ProposedDossierTableModel
from qpvdesk.ui.meetings.meetings_screen import MeetingsScreen

# The demo file and the prepared commission (fixtures).
pytest_plugins = ["test_meeting_mode_support"]

HELD_COMMISSION = 1  # the demo's commission of 12/05/2026, held
HELD_COPIL = 2  # the demo's COPIL of 23/06/2026, held


@pytest.fixture
def page(qtbot: Any, context: AppContext, tmp_path: Path) -> Iterator[MeetingsScreen]:
    screen = MeetingsScreen(context)
    qtbot.addWidget(screen)
    screen.resize(1300, 820)
    screen.show()
    qtbot.waitExposed(screen)
    screen.ask_save_path = lambda _parent, _title, suggested: tmp_path / suggested.name
    opened: list[QUrl] = []
    screen.open_url = lambda url: opened.append(url) or True
    screen.opened = opened  # type: ignore[attr-defined]
    yield screen


def committee_id(context: AppContext, name: str) -> int:
    return context.read(lambda s: s.scalar(select(Committee.id).where(Committee.name == name)))


def committee(context: AppContext, name: str) -> committee_service.CommitteeRow:
    return context.read(lambda s: committee_service.committee_row(s, committee_id(context, name)))


def click(qtbot: Any, button: Any) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def pdf_text(path: Path) -> str:
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(path.read_bytes())).pages)
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def test_members_are_seated_and_removed_residents_like_anyone(
        qtbot: Any, page: MeetingsScreen, context: AppContext, messenger: Any) -> None:
    cotech = "Comité technique (COTECH)"
    page.select_committee(committee_id(context, cotech))
    before = committee(context, cotech).members
    resident = next(c for c in context.read(contact_rows) if c.is_resident)
    assert all(m.contact_id != resident.id for m in before)

    def fill(dialog: MembershipDialog) -> None:
        combo = dialog.member_combo
        combo.setFocus()
        combo.lineEdit().clear()
        type_text(qtbot, combo.lineEdit(), resident.full_name)  # typed, not picked
        dialog.role_combo.setCurrentIndex(list(MemberRole).index(MemberRole.GUEST))
        type_text(qtbot, dialog.since_field.edit, "01/09/2026")

    page.run_dialog = answer_dialog(qtbot, fill)
    click(qtbot, page.view.add_member_button)
    seats = [m for m in committee(context, cotech).members if m.contact_id == resident.id]
    assert len(seats) == 1
    seat = seats[0]
    assert seat.role is MemberRole.GUEST and seat.is_resident
    assert seat.since is not None and seat.since.isoformat() == "2026-09-01"
    assert page.current_member() is not None and page.current_member().id == seat.id  # type: ignore[union-attr]
    assert "habitant·e" in page.member_model.data(
        page.member_model.index_for_id(seat.id, 0))  # type: ignore[operator]

    # Seating the same person twice over the same period is refused beside the field.
    refused: list[str] = []

    def again(dialog: MembershipDialog) -> None:
        assert dialog.select_member(("contact", resident.id))
        original = dialog.save

        def save() -> Any:
            errors = original()
            refused.extend((errors or {}).values())
            return errors

        dialog.save = save  # type: ignore[method-assign]

    page.run_dialog = answer_dialog(qtbot, again)
    click(qtbot, page.view.add_member_button)
    assert refused and "déjà" in refused[0]

    page.select_member(seat.id)
    messenger.answers = [True]
    click(qtbot, page.view.remove_member_button)
    assert [m.id for m in committee(context, cotech).members] == [m.id for m in before]
    context.undo_stack.undo()  # Ctrl+Z puts the seat back
    assert any(m.contact_id == resident.id for m in committee(context, cotech).members)


def test_committees_and_meetings_are_created_and_the_agenda_is_ordered(
        qtbot: Any, page: MeetingsScreen, context: AppContext, messenger: Any) -> None:
    def new_committee(dialog: CommitteeDialog) -> None:
        dialog.kind_combo.setCurrentIndex(list(CommitteeKind).index(CommitteeKind.SEMINAR))
        type_text(qtbot, dialog.name_edit, "Séminaire annuel 2027")

    page.run_dialog = answer_dialog(qtbot, new_committee)
    click(qtbot, page.view.new_committee_button)
    created = page.current_committee()
    assert created is not None and created.name == "Séminaire annuel 2027"
    assert created.kind is CommitteeKind.SEMINAR

    def new_meeting(dialog: MeetingDialog) -> None:
        type_text(qtbot, dialog.day_field.edit, "24/03/2027")
        dialog.start_edit.setTime(QTime(9, 30))
        dialog.end_edit.setTime(QTime(12, 30))
        dialog.place_edit.clear()
        type_text(qtbot, dialog.place_edit, "Salle Georges-Brassens")

    page.run_dialog = answer_dialog(qtbot, new_meeting)
    click(qtbot, page.view.new_meeting_button)
    meeting = page.current_meeting()
    assert meeting is not None and meeting.committee_id == created.id
    assert meeting.local_start.strftime("%d/%m/%Y %H:%M") == "24/03/2027 09:30"
    assert meeting.place == "Salle Georges-Brassens" and meeting.is_open
    assert "mercredi 24 mars 2027" in page.view.meeting.title_label.text()

    # Points typed, dossiers picked among all the year's (a seminar follows no priority).
    for title in ("Accueil", "Questions diverses"):
        messenger.answers = [title]
        click(qtbot, page.view.meeting.add_point_button)

    def pick(dialog: DossierPickerDialog) -> None:
        dialog.all_box.setChecked(True)
        rows = dialog.model.rows()
        assert rows and all(r.year <= 2027 for r in rows)
        dialog.model.setData(dialog.model.index(0, PICK_COLUMN), Qt.CheckState.Checked,
                             Qt.ItemDataRole.CheckStateRole)

    page.run_dialog = answer_dialog(qtbot, pick)
    click(qtbot, page.view.meeting.add_dossiers_button)
    titles = [r.title for r in page.agenda_model.rows()]
    assert titles[:2] == ["Accueil", "Questions diverses"] and titles[2].startswith("Dossier ")

    table = page.view.meeting.agenda_table
    table.setCurrentIndex(page.agenda_model.index(1, 1))
    click(qtbot, page.view.meeting.down_button)
    assert [r.title for r in page.agenda_model.rows()][1:] == [titles[2], "Questions diverses"]
    assert page.current_point() is not None and page.current_point().title == "Questions diverses"  # type: ignore[union-attr]
    click(qtbot, page.view.meeting.up_button)
    click(qtbot, page.view.meeting.up_button)
    assert page.agenda_model.rows()[0].title == "Questions diverses"
    messenger.answers = [True]
    click(qtbot, page.view.meeting.remove_point_button)
    stored = context.read(lambda s: meeting_service.agenda_rows(s, meeting.id))
    assert [r.title for r in stored] == ["Accueil", titles[2]]
    assert [r.position for r in stored] == [0, 1]


def test_the_dossier_picker_offers_the_priority_s_dossiers_awaiting_an_opinion(
        qtbot: Any, page: MeetingsScreen, prepared: Prepared) -> None:
    page.select_meeting(prepared.meeting_id)
    seen: list[list[int]] = []

    def look(dialog: DossierPickerDialog) -> None:
        seen.append(dialog.dossier_ids())
        dialog.table.setFocus()
        dialog.table.setCurrentIndex(dialog.model.index(0, 1))
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)  # Enter unchecks the first one

    page.run_dialog = answer_dialog(qtbot, look)
    click(qtbot, page.view.meeting.add_dossiers_button)
    assert seen == [list(prepared.dossier_ids)]
    on_agenda = [r.dossier_id for r in page.agenda_model.rows() if r.dossier_id is not None]
    assert on_agenda[-4:] == list(prepared.dossier_ids[1:])


def test_documents_before_the_meeting_convocation_and_invitation(
        qtbot: Any, page: MeetingsScreen, context: AppContext, prepared: Prepared,
        tmp_path: Path) -> None:
    page.select_meeting(prepared.meeting_id)
    panel = page.view.meeting
    assert panel.meeting_mode_button.isEnabled() and not panel.record_button.isEnabled()
    click(qtbot, panel.convocation_button)
    pdf = next(tmp_path.glob("convocation-*.pdf"))
    text = pdf_text(pdf)
    assert COMMISSION in text and "Bilan des actions 2026" in text
    assert "Convocation enregistrée" in panel.notice_label.text()

    click(qtbot, panel.invitation_button)
    drafts = [d for d in page.draft_model.rows() if d.meeting_id == prepared.meeting_id]
    assert len(drafts) == 1 and not drafts[0].is_record
    assert panel.tabs.currentIndex() == panel.drafts_tab
    assert panel.tabs.tabText(panel.drafts_tab) == "Courriels à envoyer (1)"
    message = message_from_bytes(context.read(lambda s: draft_content(s, drafts[0].id)),
                                 policy=policy.default)
    kinds = sorted(part.get_content_type() for part in message.iter_attachments())
    assert kinds == ["application/pdf", "text/calendar"]
    assert message["X-Unsent"] == "1"

    # « Ouvrir dans la messagerie »: the .eml written to a file the system opens.
    panel.drafts_table.setCurrentIndex(page.draft_model.index_for_id(drafts[0].id))
    click(qtbot, panel.open_draft_button)
    opened = page.opened  # type: ignore[attr-defined]
    assert len(opened) == 1
    eml = Path(opened[0].toLocalFile())
    assert eml.suffix == ".eml" and message_from_bytes(eml.read_bytes())["Subject"]


def test_after_a_held_meeting_the_releve_its_email_and_mark_as_sent(
        qtbot: Any, page: MeetingsScreen, context: AppContext, tmp_path: Path) -> None:
    page.select_meeting(HELD_COMMISSION)
    panel = page.view.meeting
    assert not panel.meeting_mode_button.isEnabled() and not panel.add_point_button.isEnabled()
    click(qtbot, panel.record_button)
    text = pdf_text(next(tmp_path.glob("releve-*.pdf")))
    sheet = context.read(lambda s: meeting_service.attendance_sheet(s, HELD_COMMISSION))
    present = next(r.name for r in sheet if r.status is not None and r.contact_id is not None)
    assert present in text and "Favorable" in text

    click(qtbot, panel.record_mail_button)
    drafts = [d for d in page.draft_model.rows() if d.meeting_id == HELD_COMMISSION]
    assert len(drafts) == 1 and drafts[0].is_record and drafts[0].recipients
    assert page.current_draft() is not None and page.current_draft().id == drafts[0].id  # type: ignore[union-attr]
    click(qtbot, panel.mark_sent_button)
    row = context.read(lambda s: meeting_service.meeting_row(s, HELD_COMMISSION))
    assert row.state is MeetingState.RECORD_SENT
    assert "Relevé envoyé" in panel.facts_label.text()
    assert [d for d in page.draft_model.rows() if d.meeting_id == HELD_COMMISSION] == []
    panel.show_sent_box.setChecked(True)
    assert [d.is_sent for d in page.draft_model.rows()
            if d.meeting_id == HELD_COMMISSION] == [True]


def test_a_closed_copil_keeps_its_programmation_and_shows_the_differences(
        qtbot: Any, page: MeetingsScreen, context: AppContext) -> None:
    page.select_meeting(HELD_COPIL)
    panel = page.view.meeting
    assert panel.tabs.isTabEnabled(panel.snapshot_tab)
    panel.tabs.setCurrentIndex(panel.snapshot_tab)
    frozen = page.snapshot_model.rows()
    assert frozen
    click(qtbot, panel.differences_button)
    assert page.difference_model.rowCount() == 0
    assert "Aucun écart" in panel.differences_label.text()

    target = next(r for r in frozen if r.granted is not None)
    with context.database.unit_of_work() as session:
        funding = session.get(Funding, target.funding_id)
        funding.granted = Money(target.granted.cents + 50_000)  # type: ignore[union-attr]
    click(qtbot, panel.differences_button)
    differences = page.difference_model.rows()
    assert [(d.reference, d.kind) for d in differences] == [(target.reference, "granted")]
    assert differences[0].current == Money(target.granted.cents + 50_000)  # type: ignore[union-attr]
    assert panel.differences_table.isVisibleTo(page)
    assert page.snapshot_model.rows() == frozen  # the snapshot itself does not move

    page.select_meeting(HELD_COMMISSION)  # a commission freezes nothing
    assert not panel.tabs.isTabEnabled(panel.snapshot_tab)


def test_page_models_pass_qt_model_tester(
        qtbot: Any, qtmodeltester: Any, page: MeetingsScreen, prepared: Prepared) -> None:
    page.select_meeting(HELD_COPIL)
    click(qtbot, page.view.meeting.differences_button)
    for model in (page.committee_model, page.member_model, page.meeting_model,
                  page.agenda_model, page.snapshot_model, page.draft_model):
        assert model.rowCount() > 0 or model is page.draft_model
        qtmodeltester.check(model)
    qtmodeltester.check(page.difference_model)
    page.select_meeting(prepared.meeting_id)
    proposed = ProposedDossierTableModel()
    proposed.set_rows(page.proposed(prepared.meeting_id, everything=True))
    proposed.check([prepared.dossier_ids[0]])
    assert proposed.checked_ids() == [prepared.dossier_ids[0]]
    qtmodeltester.check(proposed)
