"""E-mail drafts (.eml) ready for when the network is back, and the « À envoyer » list.

The relevé de décision goes « à l'ensemble des membres du Comité de pilotage et du
Comité technique » (contract, GOUVERNANCE): `decision_record_recipients` gathers
every member of both with an address, each address once, and names apart those
without one. Messages are built with Python's `email` package (RFC 5322, MIME),
the PDF attached, ``X-Unsent: 1`` so that Outlook opens the file as a draft to
send; `write_eml` saves one atomically. The invitation carries the convocation
PDF and an `.ics`.

Drafts are also kept in the database (`MailDraft`): `create_mail_draft`,
`mail_drafts` (the « À envoyer » list), `draft_content` (to open it in the mail
client), `mark_sent` (the meeting's state becomes « Relevé envoyé » when the draft
was its relevé). Write functions take a Session and never commit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qpvdesk.core.atomic_write import write_atomically
from qpvdesk.core.domain.enums import MeetingState, Opinion
from qpvdesk.core.domain.models import Committee, MailDraft, Meeting
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.reports.convocation import ConvocationData
from qpvdesk.core.reports.decision_record import (
    DecisionRecordData,
    decision_record_data,
    render_decision_record,
)
from qpvdesk.core.services.committees import (
    RECORD_RECIPIENT_KINDS,
    Recipient,
    Recipients,
    committee_ids_of_kind,
    members_with_email,
)
from qpvdesk.core.services.meetings import french_date, french_long_date, local_time

RECORD_PREFIX = "releve-"
INVITATION_PREFIX = "convocation-"
MAX_SUBJECT = 300


@dataclass(frozen=True, slots=True)
class MailDraftRow:
    """A draft of the « À envoyer » list."""

    id: int
    meeting_id: int | None
    meeting_title: str | None
    subject: str
    recipients: tuple[str, ...]
    filename: str
    created_at: datetime
    sent_at: datetime | None
    is_record: bool

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None


# --- building ------------------------------------------------------------------------------


def slug(text: str, limit: int = 60) -> str:
    """An ASCII file-name part: ``Commission-thematique-L-acces-aux-droits``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_text).split()
    return "-".join(words)[:limit].strip("-") or "seance"


def record_filename(committee_name: str, starts_at: datetime, extension: str = "pdf") -> str:
    """``releve-2026-05-12-Commission-thematique-….pdf`` (ASCII: every mail client reads it)."""
    day = local_time(starts_at).date().isoformat()
    return f"{RECORD_PREFIX}{day}-{slug(committee_name)}.{extension}"


def invitation_filename(committee_name: str, starts_at: datetime, extension: str) -> str:
    day = local_time(starts_at).date().isoformat()
    return f"{INVITATION_PREFIX}{day}-{slug(committee_name)}.{extension}"


#: How .eml files are written: as mail clients do (CRLF), with header lines up to RFC 5322's
#: limit, so that the address headers folded here (`set_recipients`) are kept as they are.
EML_POLICY = policy.SMTP.clone(max_line_length=998)
#: Longest display name kept in an address header.
MAX_DISPLAY_NAME = 200


def address_line(name: str, email: str) -> str:
    """One recipient in ASCII: the name on one line without control characters, quoted, or
    as one RFC 2047 encoded word when it is not ASCII."""
    text = " ".join("".join(c for c in name if unicodedata.category(c) != "Cc").split())
    return formataddr((text[:MAX_DISPLAY_NAME], email), charset="utf-8")


def set_recipients(message: EmailMessage, header: str, pairs: Sequence[tuple[str, str]]) -> None:
    """Replace *header* by the (name, address) *pairs*, one address per line.

    Folded here, not by the e-mail package: folding a long address header that it encodes
    itself, Python 3.11 can swallow the comma after a name outside ASCII and lose the next
    recipient (« José <a@x>, b@x » reads back as one address).
    """
    del message[header]
    if pairs:
        message.set_raw(header, ",\n ".join(address_line(name, email) for name, email in pairs))


def _addresses(recipients: Recipients) -> tuple[list[tuple[str, str]], list[str]]:
    """The (name, address) pairs to write, and those refused (told in the body, not lost)."""
    good: list[tuple[str, str]] = []
    refused: list[str] = []
    for recipient in recipients.addresses:
        try:
            Address(addr_spec=recipient.email)
        except (ValueError, IndexError, HeaderParseError):
            refused.append(f"{recipient.name} ({recipient.email})")
            continue
        good.append((recipient.name, recipient.email))
    return good, refused


def _new_message(
    subject: str, recipients: Recipients, when: datetime | None, sender: str | None
) -> tuple[EmailMessage, list[str]]:
    message = EmailMessage(policy=EML_POLICY)
    addresses, refused = _addresses(recipients)
    # A line break in a header value would raise, or in other hands start a new header
    # (« \r\nBcc: … »): names that reach the subject are put on one line.
    message["Subject"] = " ".join(subject.split())[:MAX_SUBJECT]
    if sender:
        message["From"] = sender
    set_recipients(message, "To", addresses)
    message["Date"] = format_datetime((when or datetime.now(UTC)).astimezone(UTC))
    # Outlook opens a message with this header as a draft, ready to send.
    message["X-Unsent"] = "1"
    return message, refused


def record_subject(committee_name: str, starts_at: datetime) -> str:
    """« Relevé de décision – <committee> du <dd/mm/yyyy> »."""
    return f"Relevé de décision – {committee_name} du {french_date(starts_at)}"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def decision_record_email(
    data: DecisionRecordData,
    pdf_bytes: bytes,
    recipients: Recipients,
    *,
    when: datetime | None = None,
    sender: str | None = None,
) -> EmailMessage:
    """The relevé's e-mail: French subject and body, the PDF attached, ``X-Unsent: 1``."""
    message, refused = _new_message(
        record_subject(data.committee_name, data.starts_at), recipients, when, sender
    )
    opinions = [line.opinion for line in data.dossier_lines]
    counts = [
        _plural(opinions.count(opinion), label, plural)
        for opinion, label, plural in (
            (Opinion.FAVOURABLE, "favorable", "favorables"),
            (Opinion.RESERVED, "réservé", "réservés"),
            (Opinion.UNFAVOURABLE, "défavorable", "défavorables"),
            (Opinion.POSTPONED, "ajourné", "ajournés"),
        )
        if opinion in opinions
    ]
    when_text = f"du {french_long_date(data.starts_at)} ({data.time_text}"
    when_text += f", {data.place})" if data.place else ")"
    lines = [
        "Madame, Monsieur,",
        "",
        f"Veuillez trouver ci-joint le relevé de décision de la séance « {data.committee_name} » "
        f"{when_text}.",
        "",
    ]
    if data.decisions:
        summary = _plural(len(data.decisions), "décision", "décisions")
        if data.dossier_lines:
            summary += (
                f", dont {_plural(len(data.dossier_lines), 'avis', 'avis')} sur des dossiers "
                f"({', '.join(counts)})"
            )
        lines += [f"La séance a pris {summary}.", ""]
    if data.follow_ups:
        lines += [
            f"{_plural(len(data.follow_ups), 'suite est', 'suites sont')} à donner ; "
            "elles figurent à la fin du relevé.",
            "",
        ]
    if data.next_meeting is not None:
        lines += [
            f"Prochaine séance : {french_long_date(data.next_meeting.starts_at)}.",
            "",
        ]
    lines += [
        "Conformément au contrat de ville, ce relevé est transmis à l'ensemble des membres "
        "du comité de pilotage et du comité technique.",
        "",
        "Bien cordialement,",
        "",
        data.author,
    ]
    if refused:
        lines += ["", "(Adresses à vérifier, non reprises : " + ", ".join(refused) + ".)"]
    message.set_content("\n".join(lines) + "\n")
    message.add_attachment(
        pdf_bytes,
        maintype="application",
        subtype="pdf",
        filename=record_filename(data.committee_name, data.starts_at),
    )
    return message


def invitation_email(
    data: ConvocationData,
    pdf_bytes: bytes,
    ics_bytes: bytes,
    recipients: Recipients,
    *,
    when: datetime | None = None,
    sender: str | None = None,
) -> EmailMessage:
    """The invitation: the convocation PDF and the `.ics` attached, ``X-Unsent: 1``."""
    subject = f"Convocation – {data.committee_name} du {french_date(data.starts_at)}"
    message, refused = _new_message(subject, recipients, when, sender)
    place = f", {data.place}" if data.place else ""
    lines = [
        "Madame, Monsieur,",
        "",
        f"Vous êtes invité·e à la séance « {data.committee_name} » du "
        f"{french_long_date(data.starts_at)} ({data.time_text}{place}).",
        "",
        "Vous trouverez ci-joint la convocation avec l'ordre du jour, et une invitation à "
        "ajouter à votre agenda (fichier .ics).",
        "",
        "Si vous ne pouvez pas y assister, merci de nous le faire savoir et, si possible, "
        "de vous faire représenter.",
        "",
        "Bien cordialement,",
        "",
        data.author,
    ]
    if refused:
        lines += ["", "(Adresses à vérifier, non reprises : " + ", ".join(refused) + ".)"]
    message.set_content("\n".join(lines) + "\n")
    message.add_attachment(
        pdf_bytes,
        maintype="application",
        subtype="pdf",
        filename=invitation_filename(data.committee_name, data.starts_at, "pdf"),
    )
    message.add_attachment(
        ics_bytes,
        maintype="text",
        subtype="calendar",
        filename=invitation_filename(data.committee_name, data.starts_at, "ics"),
        params={"method": "PUBLISH", "charset": "utf-8"},
    )
    return message


def eml_bytes(message: EmailMessage) -> bytes:
    """The message as an .eml file (CRLF line ends, as mail clients write them)."""
    return message.as_bytes(policy=EML_POLICY)


def write_eml(message: EmailMessage, path: Path) -> Path:
    """Save *message* as an .eml file, atomically (French error when it cannot be written)."""
    return write_atomically(eml_bytes(message), Path(path), "Le courriel")


# --- recipients ----------------------------------------------------------------------------


def decision_record_recipients(session: Session, on: date | None = None) -> Recipients:
    """Every member of the COPIL and the COTECH with an address (each once), and apart
    the members without one; *on* keeps only the seats held that day.
    """
    ids = committee_ids_of_kind(session, RECORD_RECIPIENT_KINDS)
    return members_with_email(session, ids, on=on)


def invitation_recipients(session: Session, meeting_id: int) -> Recipients:
    """The members of the meeting's committee on its day."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise ValidationError("Cette séance n'existe plus.")
    return members_with_email(
        session, [meeting.committee_id], on=local_time(meeting.starts_at).date()
    )


# --- the « À envoyer » list ----------------------------------------------------------------


def create_mail_draft(
    session: Session, meeting_id: int | None, message: EmailMessage, filename: str
) -> int:
    """Keep a draft in the « À envoyer » list; returns its id."""
    if meeting_id is not None and session.get(Meeting, meeting_id) is None:
        raise ValidationError("Cette séance n'existe plus.")
    recipients = [str(address) for address in (message.get_all("To") or [])]
    draft = MailDraft(
        meeting_id=meeting_id,
        subject=str(message["Subject"] or "")[:MAX_SUBJECT],
        recipients=", ".join(recipients),
        filename=filename[:300],
        content=eml_bytes(message),
    )
    session.add(draft)
    session.flush()
    return draft.id


def mail_drafts(session: Session, *, include_sent: bool = False) -> list[MailDraftRow]:
    """The « À envoyer » list: drafts not sent yet (all with *include_sent*), newest first."""
    statement = (
        select(MailDraft, Meeting.starts_at, Committee.name)
        .outerjoin(Meeting, Meeting.id == MailDraft.meeting_id)
        .outerjoin(Committee, Committee.id == Meeting.committee_id)
        .order_by(MailDraft.created_at.desc(), MailDraft.id.desc())
    )
    if not include_sent:
        statement = statement.where(MailDraft.sent_at.is_(None))
    rows = []
    for draft, starts_at, committee in session.execute(statement):
        title = None if starts_at is None else f"{committee} du {french_date(starts_at)}"
        rows.append(
            MailDraftRow(
                id=draft.id,
                meeting_id=draft.meeting_id,
                meeting_title=title,
                subject=draft.subject,
                recipients=tuple(r.strip() for r in draft.recipients.split(", ") if r.strip()),
                filename=draft.filename,
                created_at=draft.created_at,
                sent_at=draft.sent_at,
                is_record=draft.filename.startswith(RECORD_PREFIX),
            )
        )
    return rows


def draft_content(session: Session, draft_id: int) -> bytes:
    """The .eml bytes of a draft (to write to a file the mail client opens)."""
    draft = session.get(MailDraft, draft_id)
    if draft is None:
        raise ValidationError("Ce brouillon n'existe plus.")
    return draft.content


def mark_sent(session: Session, draft_id: int, now: datetime | None = None) -> None:
    """Mark a draft as sent; the relevé's draft moves its meeting to « Relevé envoyé »."""
    draft = session.get(MailDraft, draft_id)
    if draft is None:
        raise ValidationError("Ce brouillon n'existe plus.")
    if draft.sent_at is None:
        draft.sent_at = now or datetime.now(UTC)
    if draft.meeting_id is not None and draft.filename.startswith(RECORD_PREFIX):
        meeting = session.get(Meeting, draft.meeting_id)
        if meeting is not None and meeting.state is MeetingState.HELD:
            meeting.state = MeetingState.RECORD_SENT
    session.flush()


def prepare_decision_record_draft(
    session: Session,
    meeting_id: int,
    *,
    today: date | None = None,
    when: datetime | None = None,
) -> tuple[int, Recipients, bytes]:
    """Build the relevé (PDF), its e-mail to the COPIL and the COTECH, and keep the draft.

    Returns the draft's id, the recipients (with those lacking an address, for the
    warning) and the PDF bytes.
    """
    today = today or date.today()
    data = decision_record_data(session, meeting_id, generated_on=today)
    pdf_bytes = render_decision_record(data)
    recipients = decision_record_recipients(session, on=today)
    message = decision_record_email(data, pdf_bytes, recipients, when=when)
    filename = record_filename(data.committee_name, data.starts_at, "eml")
    return create_mail_draft(session, meeting_id, message, filename), recipients, pdf_bytes


__all__ = [
    "INVITATION_PREFIX",
    "RECORD_PREFIX",
    "MailDraftRow",
    "Recipient",
    "Recipients",
    "create_mail_draft",
    "decision_record_email",
    "decision_record_recipients",
    "draft_content",
    "eml_bytes",
    "invitation_email",
    "invitation_recipients",
    "mail_drafts",
    "mark_sent",
    "prepare_decision_record_draft",
    "record_filename",
    "record_subject",
    "slug",
    "write_eml",
]
