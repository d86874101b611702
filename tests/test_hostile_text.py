"""Hostile text in every field that reaches a PDF, a workbook, an .eml or an .ics.

A held commission (`meeting_worker.hold`) gets, through the services, names, titles,
places, remarks, decisions and follow-ups full of markup, formula prefixes, control
characters, line breaks meant to inject e-mail headers, right-to-left text and emoji.
Every output is then built the way the user builds it (the command line, the meeting
page's functions) and read back: the PDFs parse and show the text literally, the
workbooks hold it as text (never a formula; characters XML forbids are removed, as
`xlsx.clean_text` documents), the e-mails carry no injected header and only the
intended recipients, the calendar lines stay escaped, folded and free of injected
properties.

Emoji: the bundled fonts have no glyphs for them; ReportLab draws nothing visible for
those characters (the PDF stays valid and the text around them is intact).
"""

from __future__ import annotations

import dataclasses
import email
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from meeting_worker import YEAR, hold
from pypdf import PdfReader
from sqlalchemy import select

from qpvdesk import cli
from qpvdesk.core.domain.enums import AttendanceStatus, CommitteeKind
from qpvdesk.core.domain.models import Action, Committee, Contact
from qpvdesk.core.exchange.xlsx import clean_text
from qpvdesk.core.reports import ics, mail
from qpvdesk.core.reports.convocation import convocation_data, render_convocation
from qpvdesk.core.reports.decision_record import decision_record_data, render_decision_record
from qpvdesk.core.services import actions, committees, meetings, partners
from qpvdesk.core.services.committees import Recipient, Recipients
from qpvdesk.core.services.meetings import AttendanceInput, MeetingInput, paris_datetime
from qpvdesk.core.storage.database import open_database

MARKUP = "<b>x</b> & <font size=80>géant</font> </para>"
CONTROL = "cloche\x07 échap\x1b[31m nul\x00 fin"
INJECT = "\r\nBcc: evil@example.com"
RTL = "مرحبا \u202eשלום עולם\u202c"
EMOJI = "🎉👩\u200d👩\u200d👧"
LONG = "Anticonstitutionnellement" * 8

HOLDER = f'=HYPERLINK("http://evil.example","clic") {MARKUP} {EMOJI}'
ACTION = f"+CMD|' /C calc'!A0 {RTL} {LONG}"
CONTACT_LAST = f"Durand{INJECT}"
COMMITTEE = f"Commission {MARKUP}{INJECT} ; {RTL}"
PLACE = f"Salle ; \\ , {MARKUP} {CONTROL}{INJECT}"
NOTES = f"{RTL} {EMOJI} {MARKUP}"
AGENDA = f"@SUM(A1) {MARKUP}"
DECISION = f"=1+1 {CONTROL} {RTL}"
FOLLOW_WHAT = f"-2+3 {MARKUP} {EMOJI}"
FOLLOW_WHO = f"@Équipe{INJECT}"
REMARK = f"{CONTROL} {LONG} {EMOJI} {MARKUP}"
GUEST = f"=Invité {RTL}{INJECT}"
EVIL = "evil@example.com"
WHEN = datetime(2026, 5, 13, 8, 30, tzinfo=UTC)

#: The characters the bundled fonts cannot draw or that PDF text extraction drops.
_INVISIBLE = re.compile("[\x00-\x1f\x7f\u200d\u202a-\u202e\U0001f000-\U0001ffff]")
#: Hebrew and Arabic: laid out right to left, so extracted in visual order.
_RTL = re.compile("[\u0590-\u08ff]+")


def flat(text: str) -> str:
    """What a reader of the document should find: no spaces, no invisible characters,
    right-to-left words left aside (`rtl_words` checks them)."""
    return re.sub(r"\s+", "", _RTL.sub("", _INVISIBLE.sub("", text)))


def rtl_words(text: str) -> list[str]:
    return _RTL.findall(text)


def one_line(text: str) -> str:
    return " ".join(text.split())


@dataclasses.dataclass(frozen=True)
class Scene:
    db: Path
    meeting_id: int
    holder_id: int
    action_id: int
    folder: Path


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    from qpvdesk.core.services.setup import create_new_database

    folder = tmp_path_factory.mktemp("hostile-text")
    path = create_new_database(folder / "qpvdesk.sqlite", "builtin")
    database = open_database(path, backup_on_open=False)
    try:
        held = hold(database, 3)
        meeting_id = held.meeting_id
        holder_id = held.scenario.holder_ids[0]
        with database.unit_of_work() as session:
            data = partners.organisation_input(session, holder_id)
            partners.update_organisation(session, holder_id, dataclasses.replace(data, name=HOLDER))
            action_id = session.scalars(
                select(Action.id).where(Action.holder_id == holder_id).order_by(Action.id)
            ).first()
            assert action_id is not None
            detail = actions.action_detail(session, action_id)
            actions.update_action(
                session, action_id, dataclasses.replace(detail.as_input(), title=ACTION)
            )
            anne = held.scenario.contact_ids["anne"]
            contact = partners.contact_input(session, anne)
            partners.update_contact(
                session, anne, dataclasses.replace(contact, last_name=CONTACT_LAST)
            )
            commission = session.get(Committee, held.scenario.commission_id)
            assert commission is not None
            committees.update_committee(
                session,
                commission.id,
                committees.CommitteeInput(
                    kind=CommitteeKind(commission.kind),
                    name=COMMITTEE,
                    priority_id=commission.priority_id,
                ),
            )
            meetings.update_meeting(
                session,
                meeting_id,
                MeetingInput(
                    commission.id,
                    paris_datetime(date(YEAR, 5, 12), 14),
                    paris_datetime(date(YEAR, 5, 12), 16, 30),
                    place=PLACE,
                    notes=NOTES,
                ),
            )
        with database.unit_of_work() as session:
            meetings.add_agenda_item(session, held.next_id, AGENDA)
            meetings.update_meeting(
                session,
                held.next_id,
                MeetingInput(commission.id, paris_datetime(date(YEAR, 10, 6), 9, 30), place=PLACE),
            )
    finally:
        database.close()
    _reopen_for_decisions(path, meeting_id, held.scenario.contact_ids["resident"])
    yield Scene(path, meeting_id, holder_id, action_id, folder)


def _reopen_for_decisions(path: Path, meeting_id: int, resident_id: int) -> None:
    """The free decision, a follow-up and the attendance are written while it is open."""
    database = open_database(path, backup_on_open=False)
    try:
        with database.unit_of_work() as session:
            meetings.record_attendance(
                session,
                meeting_id,
                AttendanceInput(AttendanceStatus.PRESENT, contact_id=resident_id, remarks=REMARK),
            )
            meetings.record_attendance(
                session, meeting_id, AttendanceInput(AttendanceStatus.PRESENT, guest_name=GUEST)
            )
            rows = meetings.follow_up_rows(session, meeting_id)
            meetings.update_follow_up(session, rows[0].id, FOLLOW_WHAT, FOLLOW_WHO, None)
            free = meetings.meeting_mode_data(session, meeting_id).free_decisions[0]
            meetings.update_free_decision(session, free.id, DECISION)
    finally:
        database.close()


def run(*args: str) -> None:
    assert cli.main([str(a) for a in args]) == 0


def pdf_text(path: Path) -> str:
    reader = PdfReader(path)
    assert len(reader.pages) >= 1
    return "".join(page.extract_text() or "" for page in reader.pages)


# --- PDFs ----------------------------------------------------------------------------------


def test_every_pdf_builds_and_shows_hostile_text_literally(scene: Scene) -> None:
    out = scene.folder
    run("--db", scene.db, "releve", scene.meeting_id, "-o", out / "releve.pdf")
    run("--db", scene.db, "bilan", "--year", YEAR, "-o", out / "bilan.pdf")
    run("--db", scene.db, "evaluation", "--from", 2024, "--to", YEAR, "-o", out / "eval.pdf")
    run("--db", scene.db, "fiche-action", scene.action_id, "-o", out / "fiche.pdf")
    database = open_database(scene.db, backup_on_open=False, read_only=True)
    try:
        with database.read() as session:
            convocation = render_convocation(convocation_data(session, scene.meeting_id))
    finally:
        database.close()
    (out / "convocation.pdf").write_bytes(convocation)
    raw = {name: pdf_text(out / f"{name}.pdf") for name in
           ("releve", "bilan", "eval", "fiche", "convocation")}  # fmt: skip
    texts = {name: flat(text) for name, text in raw.items()}
    expected = {
        "releve": (
            HOLDER,
            one_line(ACTION)[:60],
            one_line(COMMITTEE),
            DECISION,
            FOLLOW_WHAT,
            REMARK,
            one_line(GUEST),
            NOTES,
        ),
        "convocation": (one_line(COMMITTEE), one_line(PLACE), NOTES),
        "fiche": (HOLDER, one_line(ACTION)[:60]),
        "bilan": (FOLLOW_WHAT,),
        "eval": (),
    }
    for name, strings in expected.items():
        for text in strings:
            assert flat(text) in texts[name], (name, text)
            for word in rtl_words(text):
                assert word in raw[name] or word[::-1] in raw[name], (name, word)
        # Markup is shown, never obeyed: the tags are there as characters.
        assert "<font" not in texts[name] or "<fontsize=80>géant</font>" in texts[name]


# --- workbooks -----------------------------------------------------------------------------


def test_every_workbook_export_holds_hostile_text_as_text(scene: Scene) -> None:
    out = scene.folder
    books = {}
    for kind in ("programmation", "partenaires", "versements", "indicateurs"):
        books[kind] = out / f"{kind}.xlsx"
        run("--db", scene.db, "export", kind, "-o", books[kind])
    found: dict[str, set[str]] = {}
    for kind, path in books.items():
        workbook = openpyxl.load_workbook(path)
        values: set[str] = set()
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        # Our own totals only: a SUM over the column above.
                        assert re.fullmatch(r"=SUM\([A-Z]+\d+:[A-Z]+\d+\)", str(cell.value)), (
                            kind, cell.coordinate, cell.value)  # fmt: skip
                    elif isinstance(cell.value, str):
                        assert cell.data_type == "s"
                        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", cell.value)
                        if cell.value[:1] in "=+-@":
                            assert cell.quotePrefix, (kind, cell.coordinate, cell.value)
                        values.add(cell.value)
        found[kind] = values
    holder = clean_text(one_line(HOLDER))
    assert any(holder in value for value in found["programmation"])
    assert holder in found["partenaires"]
    assert clean_text(one_line(ACTION)) in found["programmation"]


# --- e-mails -------------------------------------------------------------------------------


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def assert_no_injection(message: EmailMessage, expected_to: set[str]) -> None:
    assert message["Bcc"] is None and message["Cc"] is None
    to = {address.addr_spec.casefold() for address in message["To"].addresses}
    assert to == expected_to
    assert EVIL not in {a.addr_spec for a in message["To"].addresses}
    raw_headers = message.as_string().split("\n\n", 1)[0]
    assert not re.search(r"(?im)^bcc:", raw_headers)


def test_the_emails_carry_no_injected_header_and_only_the_intended_recipients(
    scene: Scene,
) -> None:
    eml = scene.folder / "releve.eml"
    run("--db", scene.db, "releve", scene.meeting_id, "-o", scene.folder / "r.pdf", "--eml", eml)
    record = parse(eml.read_bytes())
    intended = {"anne.durand@prefecture.example.org", "paul@ville.example"}
    assert_no_injection(record, intended)
    assert record["Subject"] == f"Relevé de décision – {one_line(COMMITTEE)} du 12/05/2026"
    names = {address.display_name for address in record["To"].addresses}
    assert one_line(f"Anne {CONTACT_LAST}") in names

    database = open_database(scene.db, backup_on_open=False, read_only=True)
    try:
        with database.read() as session:
            data = convocation_data(session, scene.meeting_id)
            recipients = mail.invitation_recipients(session, scene.meeting_id)
            record_data = decision_record_data(session, scene.meeting_id)
            record_recipients = mail.decision_record_recipients(session)
    finally:
        database.close()
    calendar = ics.meeting_invitation(data, dtstamp=WHEN)
    invitation = parse(
        mail.eml_bytes(
            mail.invitation_email(data, render_convocation(data), calendar, recipients, when=WHEN)
        )
    )
    assert invitation["Subject"] == f"Convocation – {one_line(COMMITTEE)} du 12/05/2026"
    assert_no_injection(invitation, {r.email.casefold() for r in recipients.addresses})
    body = invitation.get_body(preferencelist=("plain",))
    assert body is not None and one_line(MARKUP) in body.get_content()

    # Data that never went through the services' cleaning (an old file, an import):
    # line breaks in a name still cannot make a header.
    forged = dataclasses.replace(record_data, committee_name=f"COPIL{INJECT}")
    message = parse(
        mail.eml_bytes(
            mail.decision_record_email(
                forged, render_decision_record(forged), record_recipients, when=WHEN
            )
        )
    )
    assert_no_injection(message, intended)
    assert message["Subject"] == "Relevé de décision – COPIL Bcc: evil@example.com du 12/05/2026"
    forged_invitation = dataclasses.replace(data, committee_name=f"COPIL{INJECT}")
    message = parse(
        mail.eml_bytes(
            mail.invitation_email(forged_invitation, b"%PDF", calendar, recipients, when=WHEN)
        )
    )
    assert message["Bcc"] is None


# --- calendar ------------------------------------------------------------------------------


def unfold(text: str) -> list[str]:
    return re.sub(r"\r\n[ \t]", "", text).split("\r\n")


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def test_the_invitation_calendar_stays_escaped_folded_and_free_of_injected_properties(
    scene: Scene,
) -> None:
    database = open_database(scene.db, backup_on_open=False, read_only=True)
    try:
        with database.read() as session:
            data = convocation_data(session, scene.meeting_id)
    finally:
        database.close()
    raw = ics.meeting_invitation(data, dtstamp=WHEN).decode("utf-8")
    assert "\n" not in raw.replace("\r\n", "")
    for physical in raw.split("\r\n"):
        assert len(physical.encode("utf-8")) <= 75
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f]", physical)
    lines = unfold(raw)
    event = lines[lines.index("BEGIN:VEVENT") + 1 : lines.index("END:VEVENT")]
    names = [re.split(r"[;:]", line, maxsplit=1)[0] for line in event]
    assert sorted(names) == sorted(
        ["UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "STATUS", "TRANSP",
         "LOCATION", "DESCRIPTION", "CATEGORIES"]
    )  # fmt: skip
    location = next(line for line in event if line.startswith("LOCATION:"))
    value = location.removeprefix("LOCATION:")
    assert not re.search(r"(?<!\\)(?:\\\\)*[;,]", value)
    # Control characters are dropped (RFC 5545 forbids them); the rest reads back exactly.
    assert unescape(value) == "".join(ch for ch in one_line(PLACE) if ord(ch) >= 0x20)
    summary = next(line for line in event if line.startswith("SUMMARY:"))
    assert unescape(summary.removeprefix("SUMMARY:")).startswith(one_line(COMMITTEE))


def test_contact_names_with_line_breaks_are_stored_on_one_line(scene: Scene) -> None:
    database = open_database(scene.db, backup_on_open=False, read_only=True)
    try:
        with database.read() as session:
            names = set(session.scalars(select(Contact.last_name)))
    finally:
        database.close()
    assert one_line(CONTACT_LAST) in names


# --- any name, any subject: the e-mail headers hold exactly what was meant ---------------

NAMES = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from('\r\n:;,<>"@'),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=4), NAMES)
def test_any_names_and_subject_give_only_the_intended_headers_and_recipients(
    names: list[str], subject: str
) -> None:
    recipients = Recipients(
        tuple(
            Recipient(name, f"membre{index}@ville.example", None, (index,))
            for index, name in enumerate(names)
        ),
        (),
    )
    message, refused = mail._new_message(subject, recipients, WHEN, None)
    message.set_content("Corps\n")
    parsed = parse(mail.eml_bytes(message))
    assert set(parsed.keys()) <= {"Subject", "To", "Date", "X-Unsent", "Content-Type",
                                  "Content-Transfer-Encoding", "MIME-Version"}  # fmt: skip
    assert parsed["Subject"] == " ".join(subject.split())
    kept = [a.addr_spec for a in parsed["To"].addresses] if parsed["To"] is not None else []
    expected = [f"membre{i}@ville.example" for i in range(len(names))]
    # Every address is kept, or named in the body's list of addresses to check.
    assert sorted(kept + [r.rsplit("(", 1)[1].rstrip(")") for r in refused]) == sorted(expected)
