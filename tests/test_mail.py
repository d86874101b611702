"""E-mail drafts: parsed back with the `email` package; the « À envoyer » list."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from meeting_worker import YEAR, build_scenario, hold

from qpvdesk.core.domain.enums import MeetingState
from qpvdesk.core.reports import mail
from qpvdesk.core.reports.convocation import convocation_data, render_convocation
from qpvdesk.core.reports.decision_record import decision_record_data, render_decision_record
from qpvdesk.core.reports.ics import meeting_invitation
from qpvdesk.core.services import meetings as mt
from qpvdesk.core.storage.database import Database, open_database

WHEN = datetime(2026, 5, 13, 8, 30, tzinfo=UTC)


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_the_record_e_mail_goes_once_to_every_copil_and_cotech_member(
    db: Database, tmp_path: Path
) -> None:
    held = hold(db, 3)
    with db.read() as session:
        data = decision_record_data(session, held.meeting_id, generated_on=date(2026, 5, 13))
        recipients = mail.decision_record_recipients(session)
    pdf = render_decision_record(data)
    message = mail.decision_record_email(data, pdf, recipients, when=WHEN)
    path = mail.write_eml(message, tmp_path / "releve.eml")
    raw = path.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    parsed = parse(raw)
    assert parsed["X-Unsent"] == "1"
    assert parsed["Subject"] == (
        "Relevé de décision – Commission thématique L'accès aux droits et le lien social "
        "du 12/05/2026"
    )
    to = [address.addr_spec.casefold() for address in parsed["To"].addresses]
    # Anne (COPIL) and ANNE.DURAND (COTECH) are one person: one address.
    assert sorted(to) == ["anne.durand@prefecture.example.org", "paul@ville.example"]
    assert len(to) == len(set(to))
    # The member without an address is named in the warning, not silently dropped.
    assert recipients.warning is not None and "Jean Sansmail" in recipients.warning
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert text.startswith("Madame, Monsieur,")
    assert "« Commission thématique L'accès aux droits et le lien social »" in text
    assert "du mardi 12 mai 2026 (14 h 00 – 16 h 30, Salle du conseil & des fêtes)" in text
    assert "4 décisions, dont 3 avis sur des dossiers" in text
    assert "comité de pilotage et du comité technique" in text
    attachments = list(parsed.iter_attachments())
    assert len(attachments) == 1
    attached = attachments[0]
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_filename() == (
        "releve-2026-05-12-Commission-thematique-L-acces-aux-droits-et-le-lien-social.pdf"
    )
    assert attached.get_content() == pdf


def test_the_invitation_carries_the_convocation_and_the_ics(db: Database) -> None:
    held = hold(db, 2)
    with db.read() as session:
        data = convocation_data(session, held.meeting_id, generated_on=date(2026, 5, 1))
        recipients = mail.invitation_recipients(session, held.meeting_id)
    pdf = render_convocation(data)
    ics = meeting_invitation(data, dtstamp=WHEN)
    parsed = parse(mail.eml_bytes(mail.invitation_email(data, pdf, ics, recipients, when=WHEN)))
    assert parsed["Subject"].startswith("Convocation – Commission thématique")
    assert parsed["X-Unsent"] == "1"
    to = sorted(a.addr_spec for a in parsed["To"].addresses)
    assert to == [
        "anne.durand@prefecture.example.org",
        "ines@conseil.example",
        "paul@ville.example",
    ]
    kinds = {a.get_content_type(): a for a in parsed.iter_attachments()}
    assert set(kinds) == {"application/pdf", "text/calendar"}
    assert kinds["application/pdf"].get_content() == pdf
    calendar = kinds["text/calendar"]
    assert calendar.get_param("method") == "PUBLISH"
    payload = calendar.get_payload(decode=True)
    assert payload == ics


def test_drafts_wait_in_the_list_until_marked_sent(db: Database) -> None:
    held = hold(db, 2)
    with db.unit_of_work() as session:
        draft_id, recipients, pdf = mail.prepare_decision_record_draft(
            session, held.meeting_id, today=date(2026, 5, 13), when=WHEN
        )
        mt.close_meeting(session, held.meeting_id, today=date(2026, 5, 12))
    assert pdf.startswith(b"%PDF") and len(recipients.addresses) == 2
    with db.read() as session:
        drafts = mail.mail_drafts(session)
        content = mail.draft_content(session, draft_id)
    assert [d.id for d in drafts] == [draft_id]
    draft = drafts[0]
    assert draft.is_record and not draft.is_sent
    assert draft.subject.startswith("Relevé de décision – Commission thématique")
    assert draft.meeting_title and draft.meeting_title.endswith("du 12/05/2026")
    assert len(draft.recipients) == 2 and draft.filename.endswith(".eml")
    parsed = parse(content)
    assert parsed["X-Unsent"] == "1"
    assert next(parsed.iter_attachments()).get_content() == pdf
    with db.unit_of_work() as session:
        mail.mark_sent(session, draft_id, WHEN)
    with db.read() as session:
        assert mail.mail_drafts(session) == []
        sent = mail.mail_drafts(session, include_sent=True)
        state = mt.meeting_row(session, held.meeting_id).state
    assert sent[0].sent_at == WHEN and state is MeetingState.RECORD_SENT


def test_an_invitation_draft_does_not_mark_the_record_sent(db: Database) -> None:
    with db.unit_of_work() as session:
        scenario = build_scenario(session, 1)
        meeting = mt.create_meeting(
            session, mt.MeetingInput(scenario.cotech_id, mt.paris_datetime(date(YEAR, 4, 2), 9))
        )
        data = convocation_data(session, meeting, generated_on=date(YEAR, 3, 1))
        message = mail.invitation_email(
            data,
            b"%PDF-",
            meeting_invitation(data, dtstamp=WHEN),
            mail.invitation_recipients(session, meeting),
        )
        draft = mail.create_mail_draft(
            session,
            meeting,
            message,
            mail.invitation_filename(data.committee_name, data.starts_at, "eml"),
        )
        mt.close_meeting(session, meeting, today=date(YEAR, 4, 2))
    with db.unit_of_work() as session:
        mail.mark_sent(session, draft, WHEN)
    with db.read() as session:
        assert mt.meeting_row(session, meeting).state is MeetingState.HELD
        assert mail.mail_drafts(session) == []


def test_file_names_are_ascii() -> None:
    assert mail.slug("Comité « technique » n° 2 – été") == "Comite-technique-n-2-ete"
    assert mail.slug("«»") == "seance"


def test_every_recipient_of_a_long_list_of_french_names_reads_back() -> None:
    """A nameless address after an accented name once vanished when the header was folded."""
    names = ["Élodie Martin", "", "José Muñoz", "Zoë, « la présidente »", "", "Anne-Marie Lefèvre",
             "", "x" * 150, "Ancien membre", ""] * 4  # fmt: skip
    pairs = [(name, f"membre{index}@ville.example") for index, name in enumerate(names)]
    message = EmailMessage(policy=mail.EML_POLICY)
    mail.set_recipients(message, "To", pairs)
    message["Subject"] = "Relevé"
    message.set_content("Corps\n")
    data = mail.eml_bytes(message)
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == pairs
    assert data.isascii()
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
