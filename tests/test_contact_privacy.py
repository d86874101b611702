"""GDPR: a contact's data exported, then erased for good, also after restoring a backup."""

from __future__ import annotations

import email
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import policy
from pathlib import Path

import pytest
from meeting_worker import YEAR, hold
from sqlalchemy import func, select

from qpvdesk.core.domain.enums import AttendanceStatus, CommitteeKind, Opinion
from qpvdesk.core.domain.models import (
    AuditEntry,
    Committee,
    Contact,
    Decision,
    MailDraft,
    Meeting,
    Objective,
    Organisation,
)
from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.reports import mail
from qpvdesk.core.reports.decision_record import decision_record_data, render_decision_record
from qpvdesk.core.services import committees, meetings, partners
from qpvdesk.core.services.contact_privacy import (
    FORMER_MEMBER,
    UnknownContactError,
    erase_contact,
    export_contact,
    reapply_erasures,
)
from qpvdesk.core.services.erasure_register import ErasureRegister, register_path
from qpvdesk.core.storage.backups import list_backups
from qpvdesk.core.storage.database import Database, open_database, restore_database
from qpvdesk.core.storage.engine import configure_connection

ADDRESS = "Claire.Zanzibar-7q@mairie-test.example"
NAME = "Zanzibar"
WHEN = datetime(2026, 5, 13, 8, 30, tzinfo=UTC)
ERASED_ON = date(YEAR, 6, 1)


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


@dataclass(frozen=True)
class Person:
    contact_id: int
    meeting_id: int
    next_meeting_id: int
    organisation: str


def _first(session: object, statement: object) -> int:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    found = session.scalars(statement).first()  # type: ignore[call-overload]
    assert found is not None
    return int(found)


def seat_person(db: Database) -> Person:
    """Claire Zanzibar (of the town) sits in the P2 commission and the COPIL; the commission
    meets with her present, she is named in texts, and drafts are addressed to her."""
    with db.unit_of_work() as session:
        town = _first(session, select(Organisation.id).where(Organisation.name.like("Ville%")))
        commission = _first(
            session,
            select(Committee.id)
            .join(Objective, Objective.id == Committee.priority_id)
            .where(Committee.kind == CommitteeKind.THEMATIC_COMMISSION, Objective.code == "P2"),
        )
        copil = _first(session, select(Committee.id).where(Committee.kind == CommitteeKind.COPIL))
        contact_id = partners.create_contact(
            session,
            partners.ContactInput(
                last_name=NAME,
                first_name="Claire",
                function="Adjointe à la politique de la ville",
                email=ADDRESS,
                phone="04 67 00 00 01",
                organisation_id=town,
                notes="Préfère être appelée le matin.",
            ),
        )
        for committee_id in (commission, copil):
            committees.add_membership(
                session, committee_id, committees.MembershipInput(contact_id=contact_id)
            )
        town_name = session.get(Organisation, town).name  # type: ignore[union-attr]
    held = hold(db, 2)
    with db.unit_of_work() as session:
        meetings.add_follow_up(
            session, held.meeting_id, "Transmettre le compte rendu", "Claire Zanzibar"
        )
        meeting = session.get(Meeting, held.meeting_id)
        assert meeting is not None
        meeting.notes = f"Questions à envoyer à {ADDRESS.lower()} avant vendredi."
        mail.prepare_decision_record_draft(
            session, held.meeting_id, today=date(YEAR, 5, 13), when=WHEN
        )
    return Person(contact_id, held.meeting_id, held.next_id, town_name)


def file_bytes(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def holds_person(path: Path) -> bool:
    content = file_bytes(path).lower()
    return ADDRESS.lower().encode() in content or NAME.lower().encode() in content


def attendance_names(db: Database, meeting_id: int) -> list[tuple[str, str]]:
    """The relevé's attendance (organisation, name), once its PDF is built."""
    with db.read() as session:
        data = decision_record_data(session, meeting_id, generated_on=date(YEAR, 6, 2))
    assert render_decision_record(data).startswith(b"%PDF")
    return [(group.organisation, a.name) for group in data.attendance for a in group.attendees]


def test_the_export_holds_everything_about_the_person(db: Database) -> None:
    person = seat_person(db)
    with db.read() as session:
        data = export_contact(session, person.contact_id)
    contact = data["contact"]
    assert (contact["first_name"], contact["last_name"], contact["email"]) == (
        "Claire",
        NAME,
        ADDRESS,
    )
    assert contact["phone"] == "04 67 00 00 01"
    assert contact["notes"] == "Préfère être appelée le matin."
    assert contact["organisation"]["name"] == person.organisation
    assert sorted(seat["committee_kind"] for seat in data["committee_seats"]) == sorted(
        [CommitteeKind.COPIL.label, CommitteeKind.THEMATIC_COMMISSION.label]
    )
    [attended] = data["meetings"]
    assert attended["meeting_id"] == person.meeting_id
    assert attended["date"].startswith(f"{YEAR}-05-12T14:00")
    assert attended["attendance"] == AttendanceStatus.PRESENT.label
    assert attended["role"] == "Membre"
    [draft] = data["mail_drafts"]
    assert ADDRESS.lower() in draft["recipients"].lower()
    places = {(m["table"], m["column"]) for m in data["mentions"]}
    assert places == {("follow_up", "who"), ("meeting", "notes")}
    # JSON all the way (dates as ISO text).
    assert json.loads(json.dumps(data)) == data


def test_an_unknown_contact_is_refused_in_french(db: Database) -> None:
    with db.read() as session, pytest.raises(UnknownContactError, match="Aucun contact n° 9999"):
        export_contact(session, 9999)
    with pytest.raises(UnknownContactError):
        erase_contact(db, 9999)
    assert not register_path(db.origin).exists()


def test_erasure_leaves_no_address_or_name_in_the_file_and_keeps_the_records(
    db: Database,
) -> None:
    person = seat_person(db)
    before = attendance_names(db, person.meeting_id)
    assert (person.organisation, f"Claire {NAME}") in before
    # Something deleted earlier, before secure_delete: only a rebuilt file loses it.
    raw = sqlite3.connect(db.path)
    raw.execute("PRAGMA secure_delete = OFF")
    raw.execute(
        "INSERT INTO organisation (name, search_name, kind, email, created_at, updated_at) "
        "VALUES ('Brouillon', 'brouillon', 'other', ?, '2026-01-01', '2026-01-01')",
        (ADDRESS,),
    )
    raw.commit()
    raw.execute("DELETE FROM organisation WHERE name = 'Brouillon'")
    raw.commit()
    raw.close()
    assert holds_person(db.path)
    # Another program reading the file keeps the -wal from going away by itself.
    reader = sqlite3.connect(db.path)
    reader.execute("SELECT count(*) FROM contact").fetchone()

    result = erase_contact(db, person.contact_id, today=ERASED_ON)

    assert result.display_name == f"{FORMER_MEMBER} ({person.organisation})"
    assert result.drafts_rewritten == 1 and result.texts_rewritten == 2
    assert result.seats_ended == 2 and result.kept == ()
    assert result.file_cleaned and result.backup is not None
    wal = db.path.with_name(db.path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert not holds_person(db.path)
    reader.close()
    # The relevé of the past meeting still reads: the seat, the organisation, the presence.
    after = attendance_names(db, person.meeting_id)
    assert (person.organisation, FORMER_MEMBER) in after
    assert len(after) == len(before)
    with db.read() as session:
        contact = session.get(Contact, person.contact_id)
        assert contact is not None
        assert (contact.first_name, contact.last_name, contact.email, contact.phone) == (
            None,
            FORMER_MEMBER,
            None,
            None,
        )
        assert contact.notes is None and contact.function is None
        # No more mail: neither the relevés nor the invitations of meetings to come.
        recipients = mail.decision_record_recipients(session, on=date(YEAR, 6, 2))
        assert all(FORMER_MEMBER not in r.name for r in recipients.addresses)
        assert all(FORMER_MEMBER not in m.name for m in recipients.without_email)
        invited = mail.invitation_recipients(session, person.next_meeting_id)
        assert all(FORMER_MEMBER not in m.label for m in invited.without_email)
        draft = session.scalars(select(MailDraft)).one()
        message = email.message_from_bytes(draft.content, policy=policy.default)
        to = [a.addr_spec.casefold() for a in message["To"].addresses]
        assert ADDRESS.casefold() not in to and to
        assert [a.get_content_type() for a in message.iter_attachments()] == ["application/pdf"]
        follow = meetings.meeting_mode_data(session, person.meeting_id)
        assert follow is not None
    db.close()
    assert not holds_person(db.path)


def test_erasure_is_recorded_without_personal_data_and_reapplied_after_a_restore(
    db: Database,
) -> None:
    person = seat_person(db)
    path = db.path
    erase_contact(db, person.contact_id, today=ERASED_ON)
    register_file = register_path(path)
    text = register_file.read_text(encoding="utf-8").lower()
    assert ADDRESS.lower() not in text and NAME.lower() not in text
    [entry] = ErasureRegister.load(path).erasures
    assert entry.contact_id == person.contact_id and entry.erased_on == ERASED_ON
    [before_erasure] = [b for b in list_backups(path) if b.reason == "effacement"]
    assert ADDRESS.lower().encode() in before_erasure.path.read_bytes().lower()
    db.close()

    restore_database(path, before_erasure.path)
    assert holds_person(path)
    database = open_database(path, backup_on_open=False)
    try:
        assert reapply_erasures(database, today=ERASED_ON) == [person.contact_id]
        with database.read() as session:
            contact = session.get(Contact, person.contact_id)
            assert contact is not None and contact.last_name == FORMER_MEMBER
        # Applied once: nothing left to do.
        assert reapply_erasures(database, today=ERASED_ON) == []
    finally:
        database.close()
    assert not holds_person(path)


def test_a_later_contact_given_the_same_number_is_not_erased(db: Database) -> None:
    with db.unit_of_work() as session:
        first = partners.create_contact(
            session, partners.ContactInput(last_name=NAME, first_name="Claire", email=ADDRESS)
        )
    erase_contact(db, first, backup=False)
    with db.unit_of_work() as session:
        session.delete(session.get(Contact, first))
    with db.unit_of_work() as session:
        again = partners.create_contact(
            session,
            partners.ContactInput(
                last_name="Nouvelle", first_name="Lucie", email="lucie@x.example"
            ),
        )
    assert again == first  # SQLite gave the number again
    assert reapply_erasures(db) == []
    with db.read() as session:
        contact = session.get(Contact, again)
        assert contact is not None and contact.last_name == "Nouvelle"


def test_decisions_refuse_an_address_since_the_audit_log_keeps_them(db: Database) -> None:
    held = hold(db, 2)
    dossier = held.scenario.dossier_ids[0]
    for record, label in (
        (lambda s: meetings.record_free_decision(s, held.meeting_id, f"Écrire à {ADDRESS}."),
         "Décision"),
        (lambda s: meetings.record_opinion(s, held.meeting_id, dossier, Opinion.FAVOURABLE, {},
                                           f"Voir avec {ADDRESS}"),
         "Commentaire"),
    ):  # fmt: skip
        with (
            db.unit_of_work() as session,
            pytest.raises(ValidationError, match=f"{label} : pas d'adresse électronique"),
        ):
            record(session)
    with db.read() as session:
        texts = session.scalars(select(Decision.text)).all()
    assert all("@" not in (text or "") for text in texts)


def test_an_address_already_in_a_decision_is_kept_and_reported(db: Database) -> None:
    """A decision's text is a public record and the audit log is append-only: an address put
    there behind the application's back is left in place, and the erasure says where."""
    person = seat_person(db)
    with db.read() as session:
        decision_id = session.scalars(
            select(Decision.id).where(Decision.meeting_id == person.meeting_id)
        ).first()
    assert decision_id is not None
    raw = sqlite3.connect(db.path)
    configure_connection(raw, user="test")  # the audit triggers' functions, as any writer
    raw.execute("UPDATE decision SET text = ? WHERE id = ?", (f"Écrire à {ADDRESS}", decision_id))
    raw.commit()
    logged = raw.execute("SELECT count(*) FROM audit_entry").fetchone()[0]
    raw.close()

    result = erase_contact(db, person.contact_id, today=ERASED_ON)

    assert result.kept == (
        f"texte de la décision n° {decision_id}",
        "1 ligne du journal des modifications",
    )
    assert any("Conservé (document public" in line for line in result.summary())
    with db.read() as session:
        decision = session.get(Decision, decision_id)
        assert decision is not None and decision.text == f"Écrire à {ADDRESS}"
        # Nothing audited was rewritten: the log holds no further copy of the address.
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == logged


def test_erasing_again_only_cleans_and_records_nothing_more(db: Database) -> None:
    with db.unit_of_work() as session:
        contact_id = partners.create_contact(
            session, partners.ContactInput(last_name=NAME, first_name="Claire", email=ADDRESS)
        )
    erase_contact(db, contact_id, backup=False)
    again = erase_contact(db, contact_id, backup=False)
    assert again.display_name == FORMER_MEMBER and again.file_cleaned
    assert len(ErasureRegister.load(db.origin).erasures) == 1


def test_a_restore_whose_erasures_cannot_be_reapplied_is_taken_back(db: Database) -> None:
    from qpvdesk.core.services.restoring import restore

    person = seat_person(db)
    erase_contact(db, person.contact_id, today=ERASED_ON)
    [before_erasure] = [b for b in list_backups(db.path) if b.reason == "effacement"]
    path = db.path
    db.close()
    register_path(path).write_text("{ abîmé", encoding="utf-8")
    with pytest.raises(UserFacingError, match="La restauration a été annulée"):
        restore(path, before_erasure.path)
    assert not holds_person(path)
