"""A contact's personal data: exported on request (GDPR access) and erased (GDPR erasure).

Erasure pseudonymises rather than deletes: the contact stays as « Ancien membre »
with their organisation, committee seats and attendance, so that the record of a
past meeting still reads « Ancien membre (Mairie) », present, member of the COPIL.
Their name, address, phone, function and notes go; their seats end on the day of
the erasure (no more invitations or relevés); every free text and every e-mail
draft naming them is rewritten, the drafts' PDFs built again. Then the file itself
is cleaned: deleted values are zeroed (``secure_delete``, on every connection),
``VACUUM`` rebuilds the pages, and ``wal_checkpoint(TRUNCATE)`` empties the
``-wal``, where old page images would otherwise linger.

The audit log is append-only (triggers refuse any UPDATE or DELETE) and records
only money, states and decisions, never a contact: addresses are refused in the
texts of decisions (`services.meetings`), so none reaches it through the
application. A name or address found there anyway (raw SQL, an old file), or in a
decision's text, is a public record and is left as is: the erasure says where.

Erasure is never undoable, and it is written in a register beside the file
(`erasure_register`) so that restoring an older backup erases the person again.
"""

from __future__ import annotations

import email
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import Enum, String, Table, select, text
from sqlalchemy.orm import Session

from qpvdesk.core.atomic_write import write_atomically
from qpvdesk.core.domain.base import Base
from qpvdesk.core.domain.models import (
    Attendance,
    Committee,
    CommitteeMembership,
    Contact,
    MailDraft,
    Meeting,
)
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.services.erasure_register import ErasureRegister, identity_keys
from qpvdesk.core.services.meetings import local_time
from qpvdesk.core.storage.database import Database

FORMER_MEMBER = "Ancien membre"
EXPORT_FORMAT = "qpvdesk-contact-export/1"
# Kept apart from the free-text scan: the audit log cannot be changed, the drafts are
# rewritten as e-mails, and these two hold no text.
_SPECIAL_TABLES = frozenset({"audit_entry", "mail_draft", "alembic_version"})


class UnknownContactError(ValidationError):
    """No contact has this number."""


@dataclass(frozen=True, slots=True)
class Mention:
    """A free text naming the person (their name or their address)."""

    table: str
    column: str
    row_id: int
    value: str


@dataclass(frozen=True, slots=True)
class ErasureResult:
    """What an erasure did, and what it left in public records (told to the user)."""

    contact_id: int
    organisation_name: str | None
    texts_rewritten: int
    drafts_rewritten: int
    seats_ended: int
    kept: tuple[str, ...]
    same_address: tuple[str, ...]
    backup: Path | None
    file_cleaned: bool

    @property
    def display_name(self) -> str:
        """« Ancien membre (Mairie) »: how the records now show the person."""
        if self.organisation_name:
            return f"{FORMER_MEMBER} ({self.organisation_name})"
        return FORMER_MEMBER

    def summary(self) -> list[str]:
        """French lines for the window and the command line."""
        lines = [
            f"Le contact n° {self.contact_id} apparaît désormais comme « {self.display_name} »."
        ]
        if self.seats_ended:
            lines.append(f"Sièges en instance clos : {self.seats_ended}.")
        if self.texts_rewritten:
            lines.append(
                f"Textes où son nom ou son adresse a été remplacé : {self.texts_rewritten}."
            )
        if self.drafts_rewritten:
            lines.append(
                f"Brouillons de courriel refaits sans ses données : {self.drafts_rewritten}."
            )
        for name in self.same_address:
            lines.append(
                f"La même adresse a aussi été retirée de la fiche « {name} » : vérifiez s'il "
                "s'agit de la même personne."
            )
        for place in self.kept:
            lines.append(f"Conservé (document public, journal non modifiable) : {place}.")
        if not self.file_cleaned:
            lines.append(
                "Le fichier n'a pas pu être entièrement nettoyé (un autre programme lit la "
                "base, ou le disque est plein) : effacez de nouveau ce contact quand qpvdesk "
                "sera seul à l'ouvrir."
            )
        if self.backup is not None:
            lines.append(
                f"La sauvegarde faite juste avant ({self.backup.name}) contient encore ses "
                "données ; si elle est restaurée, l'effacement est refait aussitôt."
            )
        return lines


# --------------------------------------------------------------------------- finding the person


def _get(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise UnknownContactError(
            f"Aucun contact n° {contact_id} (il a peut-être été supprimé).", "contact_id"
        )
    return contact


def full_name(first_name: str | None, last_name: str) -> str:
    return f"{first_name} {last_name}" if first_name else last_name


def describe_contact(session: Session, contact_id: int) -> str:
    """« Claire Martin (Ville de …), contact n° 12 », for confirmations."""
    contact = _get(session, contact_id)
    name = full_name(contact.first_name, contact.last_name)
    if contact.organisation is not None:
        name += f" ({contact.organisation.name})"
    return f"{name}, contact n° {contact.id}"


def identity_pattern(
    email_address: str | None, first_name: str | None, last_name: str | None
) -> re.Pattern[str] | None:
    """A case-insensitive pattern of the person's address and full name (both word orders,
    accented or folded). A last name alone is not searched: « Martin » is also a street."""
    parts = []
    if email_address and email_address.strip():
        parts.append(re.escape(email_address.strip()))
    if first_name and first_name.strip() and last_name and last_name.strip():
        names = {(first_name.strip(), last_name.strip())}
        names.add((fold(first_name), fold(last_name)))
        for first, last in names:
            first_words = r"\s+".join(re.escape(w) for w in first.split())
            last_words = r"\s+".join(re.escape(w) for w in last.split())
            parts.append(rf"{first_words}\s+{last_words}")
            parts.append(rf"{last_words}\s+{first_words}")
    if not parts:
        return None
    return re.compile(r"(?<![\w.@+-])(?:" + "|".join(parts) + r")(?![\w@-])", re.IGNORECASE)


def _driver(session: Session) -> sqlite3.Connection:
    connection = session.connection().connection.driver_connection
    assert isinstance(connection, sqlite3.Connection)
    return connection


def _text_columns() -> Iterator[tuple[Table, str, bool]]:
    """(table, column, nullable) of every text column of the schema, free-text or not."""
    for table in Base.metadata.sorted_tables:
        if table.name in _SPECIAL_TABLES:
            continue
        for column in table.columns:
            if isinstance(column.type, String) and not isinstance(column.type, Enum):
                yield table, column.name, bool(column.nullable)


def _audited(session: Session) -> set[tuple[str, str]]:
    """Columns whose updates the audit triggers log: rewriting them would copy the old
    value into the append-only log."""
    names = set(
        session.scalars(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit_%'")
        )
    )
    return {
        (table.name, column)
        for table, column, _nullable in _text_columns()
        if f"audit_{table.name}_{column}" in names
    }


def _mentions(session: Session, pattern: re.Pattern[str]) -> list[Mention]:
    raw = _driver(session)
    raw.create_function(
        "qpvdesk_names_person",
        1,
        lambda value: 1 if isinstance(value, str) and pattern.search(value) else 0,
        deterministic=True,
    )
    found = []
    for table, column, _nullable in _text_columns():
        for row_id, value in raw.execute(
            f'SELECT rowid, "{column}" FROM "{table.name}" WHERE qpvdesk_names_person("{column}")'
        ):
            found.append(Mention(table.name, column, int(row_id), str(value)))
    return found


_PLACES = {
    ("decision", "text"): "texte de la décision n° {id}",
}


def _place(mention: Mention) -> str:
    template = _PLACES.get(
        (mention.table, mention.column), "champ « {column} » de « {table} » n° {id}"
    )
    return template.format(id=mention.row_id, table=mention.table, column=mention.column)


# --------------------------------------------------------------------------- export


def _iso(moment: date | datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _draft_mentions(draft: MailDraft, pattern: re.Pattern[str]) -> bool:
    if pattern.search(draft.recipients) or pattern.search(draft.subject):
        return True
    message = email.message_from_bytes(draft.content, policy=policy.SMTP)
    for header in ("To", "Cc", "Bcc"):
        if message[header] is not None and pattern.search(str(message[header])):
            return True
    for part in message.walk():
        if part.get_content_maintype() == "text" and pattern.search(str(part.get_content())):
            return True
    return False


def export_contact(
    session: Session, contact_id: int, *, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the file holds about one person, as JSON-ready data (GDPR access)."""
    contact = _get(session, contact_id)
    organisation = contact.organisation
    pattern = identity_pattern(contact.email, contact.first_name, contact.last_name)
    seats = session.execute(
        select(CommitteeMembership, Committee)
        .join(Committee, Committee.id == CommitteeMembership.committee_id)
        .where(CommitteeMembership.contact_id == contact_id)
        .order_by(Committee.name, CommitteeMembership.id)
    ).all()
    attended = session.execute(
        select(Attendance, Meeting, Committee)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .join(Committee, Committee.id == Meeting.committee_id)
        .where(Attendance.contact_id == contact_id)
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()

    def role_on(committee_id: int, day: date) -> str | None:
        for seat, _committee in seats:
            if (
                seat.committee_id == committee_id
                and (seat.since is None or seat.since <= day)
                and (seat.until is None or day <= seat.until)
            ):
                return seat.role.label
        return None

    meetings = []
    for attendance, meeting, committee in attended:
        day = local_time(meeting.starts_at).date()
        meetings.append(
            {
                "meeting_id": meeting.id,
                "committee": committee.name,
                "date": local_time(meeting.starts_at).isoformat(),
                "role": role_on(committee.id, day) or "Invité·e",
                "attendance": attendance.status.label,
                "represented_by": attendance.represented_by,
                "remarks": attendance.remarks,
            }
        )
    drafts = []
    mentions: list[Mention] = []
    if pattern is not None:
        for draft in session.scalars(
            select(MailDraft).order_by(MailDraft.created_at, MailDraft.id)
        ):
            if _draft_mentions(draft, pattern):
                drafts.append(
                    {
                        "draft_id": draft.id,
                        "subject": draft.subject,
                        "recipients": draft.recipients,
                        "created_at": _iso(draft.created_at),
                        "sent_at": _iso(draft.sent_at),
                    }
                )
        mentions = [
            m
            for m in _mentions(session, pattern)
            if not (m.table == "contact" and m.row_id == contact_id)
        ]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": (now or datetime.now().astimezone()).isoformat(timespec="seconds"),
        "contact": {
            "id": contact.id,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "function": contact.function,
            "email": contact.email,
            "phone": contact.phone,
            "notes": contact.notes,
            "is_resident": contact.is_resident,
            "organisation": None
            if organisation is None
            else {"id": organisation.id, "name": organisation.name},
        },
        "committee_seats": [
            {
                "committee": committee.name,
                "committee_kind": committee.kind.label,
                "role": seat.role.label,
                "since": _iso(seat.since),
                "until": _iso(seat.until),
            }
            for seat, committee in seats
        ],
        "meetings": meetings,
        "mail_drafts": drafts,
        "mentions": [
            {"table": m.table, "column": m.column, "row_id": m.row_id, "text": m.value}
            for m in mentions
        ],
    }


def contact_export_json(data: dict[str, Any]) -> str:
    """The export as indented UTF-8 JSON text (accents kept)."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_contact_export(data: dict[str, Any], path: Path) -> Path:
    """Write the export atomically at *path* (French error if it cannot be written)."""
    return write_atomically(contact_export_json(data).encode("utf-8"), path, "L'export")


# --------------------------------------------------------------------------- erasure


def erase_contact(
    database: Database, contact_id: int, *, today: date | None = None, backup: bool = True
) -> ErasureResult:
    """Erase one person's data for good (see the module docstring); not undoable.

    Takes a backup first (``effacement``), records the erasure in the register
    beside the file, commits, then cleans the file's free pages and its ``-wal``.
    """
    if database.read_only:
        raise UserFacingError("La base est ouverte en lecture seule : rien ne peut y être modifié.")
    today = today or date.today()
    with database.read() as session:
        _get(session, contact_id)
    saved = database.backup("effacement") if backup else None
    register = ErasureRegister.load(database.origin)
    recorded = False
    try:
        with database.unit_of_work() as session:
            contact = _get(session, contact_id)
            # Erasing « Ancien membre » again only cleans the file: nothing to record.
            keys = (
                []
                if _is_erased(contact)
                else identity_keys(contact.email, contact.first_name, contact.last_name)
            )
            result = _erase(session, contact, today)
            # Written before the commit, taken back if the commit fails: a register
            # never misses an erasure the file holds.
            recorded = register.add(contact_id, keys, today)
    except BaseException:
        if recorded:
            register.remove_last()
        raise
    return replace(result, backup=saved, file_cleaned=clean_file(database))


def reapply_erasures(database: Database, *, today: date | None = None) -> list[int]:
    """Erase again the people of the register found in this file (after a restore).

    A contact is erased again only if its number *and* its address or name match a
    recorded erasure. Returns the numbers of the contacts erased again.
    """
    register = ErasureRegister.load(database.origin)
    if not register.erasures or database.read_only:
        return []
    today = today or date.today()
    erased: list[int] = []
    with database.unit_of_work() as session:
        for entry in register.erasures:
            contact = session.get(Contact, entry.contact_id)
            if contact is None:
                continue
            keys = identity_keys(contact.email, contact.first_name, contact.last_name)
            if register.matches(entry, keys):
                _erase(session, contact, today)
                erased.append(contact.id)
    if erased:
        clean_file(database)
    return erased


def clean_file(database: Database) -> bool:
    """Rebuild the pages (no deleted value left in free space) and empty the ``-wal``.

    Returns False when it could not (another program reading the file, a full disk):
    the erasure itself is committed; running it again later finishes the cleaning.
    """
    with database.engine.connect() as connection:
        # Outside any transaction, on the driver connection: VACUUM refuses to run in one.
        raw = connection.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        try:
            raw.execute("VACUUM")
            row = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error:
            return False
    return row is not None and int(row[0]) == 0


def _is_erased(contact: Contact) -> bool:
    return (
        contact.last_name == FORMER_MEMBER
        and contact.first_name is None
        and contact.email is None
        and contact.phone is None
    )


def _erase(session: Session, contact: Contact, today: date) -> ErasureResult:
    """Erase *contact* in the session; the result has no backup and no cleaning yet."""
    pattern = identity_pattern(contact.email, contact.first_name, contact.last_name)
    address = (contact.email or "").strip().casefold()
    organisation_name = contact.organisation.name if contact.organisation is not None else None
    seats = list(
        session.scalars(
            select(CommitteeMembership).where(CommitteeMembership.contact_id == contact.id)
        )
    )
    # Meetings whose documents (relevé, convocation) list the person: their drafts' PDFs
    # are built again.
    meeting_ids = set(
        session.scalars(select(Attendance.meeting_id).where(Attendance.contact_id == contact.id))
    )
    committee_ids = {seat.committee_id for seat in seats}
    if committee_ids:
        meeting_ids |= set(
            session.scalars(select(Meeting.id).where(Meeting.committee_id.in_(committee_ids)))
        )
    contact.first_name = None
    contact.last_name = FORMER_MEMBER
    contact.function = None
    contact.email = None
    contact.phone = None
    contact.notes = None
    ended = 0
    for seat in seats:
        if seat.since is not None and seat.since > today:
            session.delete(seat)
            ended += 1
        elif seat.until is None or seat.until > today:
            seat.until = today
            ended += 1
    session.flush()
    same_address: list[str] = []
    if address:
        for other in session.scalars(select(Contact).where(Contact.id != contact.id)):
            if (other.email or "").strip().casefold() == address:
                same_address.append(full_name(other.first_name, other.last_name))
    rewritten = 0
    kept: list[str] = []
    drafts = 0
    if pattern is not None:
        rewritten, kept = _scrub_texts(session, pattern)
        drafts = _scrub_drafts(session, pattern, meeting_ids, today)
        kept += _kept_in_audit(session, pattern)
    return ErasureResult(
        contact_id=contact.id,
        organisation_name=organisation_name,
        texts_rewritten=rewritten,
        drafts_rewritten=drafts,
        seats_ended=ended,
        kept=tuple(kept),
        same_address=tuple(same_address),
        backup=None,
        file_cleaned=False,
    )


def _scrub_texts(session: Session, pattern: re.Pattern[str]) -> tuple[int, list[str]]:
    """Replace the person in every free text; a value that is only their address (or
    name) is emptied. Audited columns are not touched, only reported."""
    audited = _audited(session)
    nullable = {(t.name, c): n for t, c, n in _text_columns()}
    raw = _driver(session)
    rewritten = 0
    kept = []
    for mention in _mentions(session, pattern):
        key = (mention.table, mention.column)
        if key in audited:
            kept.append(_place(mention))
            continue
        whole = pattern.fullmatch(mention.value.strip()) is not None
        # A value that is only the address (an organisation's e-mail) is emptied.
        value = None if whole and nullable[key] else pattern.sub(FORMER_MEMBER, mention.value)
        raw.execute(
            f'UPDATE "{mention.table}" SET "{mention.column}" = ? WHERE rowid = ?',
            (value, mention.row_id),
        )
        rewritten += 1
    return rewritten, kept


def _kept_in_audit(session: Session, pattern: re.Pattern[str]) -> list[str]:
    count = int(
        session.execute(
            text(
                "SELECT count(*) FROM audit_entry WHERE qpvdesk_names_person(old_value) "
                'OR qpvdesk_names_person(new_value) OR qpvdesk_names_person("user")'
            )
        ).scalar_one()
    )
    if not count:
        return []
    return [f"{count} ligne{'s' if count > 1 else ''} du journal des modifications"]


def _scrub_drafts(
    session: Session, pattern: re.Pattern[str], meeting_ids: set[int], today: date
) -> int:
    """Rewrite every e-mail draft naming the person or carrying a document that lists them:
    their address out of the recipients, their name out of the texts, PDFs built again."""
    from qpvdesk.core.reports.mail import (
        INVITATION_PREFIX,
        RECORD_PREFIX,
        eml_bytes,
        set_recipients,
    )

    rewritten = 0
    for draft in session.scalars(select(MailDraft)):
        rebuild = draft.meeting_id is not None and draft.meeting_id in meeting_ids
        if not rebuild and not _draft_mentions(draft, pattern):
            continue
        message = email.message_from_bytes(draft.content, policy=policy.SMTP)
        assert isinstance(message, EmailMessage)
        for header in ("To", "Cc", "Bcc", "Reply-To"):
            if message[header] is None:
                continue
            others = [(a.display_name, a.addr_spec) for a in message[header].addresses
                      if not pattern.search(str(a))]
            set_recipients(message, header, others)
        pdf: bytes | None = None
        if rebuild and draft.meeting_id is not None:
            pdf = _document_pdf(
                session, draft.filename, draft.meeting_id, today, RECORD_PREFIX, INVITATION_PREFIX
            )
        for part in message.walk():
            if part.is_multipart():
                continue
            _rewrite_part(part, pattern, pdf)
        recipients = message["To"].addresses if message["To"] is not None else ()
        draft.recipients = ", ".join(str(a) for a in recipients)
        draft.subject = pattern.sub(FORMER_MEMBER, draft.subject)
        draft.content = eml_bytes(message)
        rewritten += 1
    session.flush()
    return rewritten


def _document_pdf(
    session: Session, filename: str, meeting_id: int, today: date, record: str, invitation: str
) -> bytes | None:
    if filename.startswith(record):
        from qpvdesk.core.reports.decision_record import (
            decision_record_data,
            render_decision_record,
        )

        return render_decision_record(decision_record_data(session, meeting_id, generated_on=today))
    if filename.startswith(invitation):
        from qpvdesk.core.reports.convocation import convocation_data, render_convocation

        return render_convocation(convocation_data(session, meeting_id, generated_on=today))
    return None


def _rewrite_part(part: Any, pattern: re.Pattern[str], pdf: bytes | None) -> None:
    disposition = part.get_content_disposition()
    filename = part.get_filename()
    if part.get_content_type() == "application/pdf" and pdf is not None:
        part.set_content(
            pdf, maintype="application", subtype="pdf", disposition=disposition, filename=filename
        )
        return
    if part.get_content_maintype() != "text":
        return
    content = str(part.get_content())
    if not pattern.search(content):
        return
    params = {k: v for k, v in part.get_params(header="content-type")[1:] if k != "charset"}
    part.set_content(
        pattern.sub(FORMER_MEMBER, content),
        subtype=part.get_content_subtype(),
        disposition=disposition,
        filename=filename,
        params=params or None,
    )


__all__ = [
    "FORMER_MEMBER",
    "ErasureResult",
    "UnknownContactError",
    "clean_file",
    "contact_export_json",
    "describe_contact",
    "erase_contact",
    "export_contact",
    "identity_pattern",
    "reapply_erasures",
    "write_contact_export",
]
