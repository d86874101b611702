"""A small iCalendar (RFC 5545) writer for meeting invitations.

No calendar library is a dependency, and an invitation needs little, written with
care: CRLF line ends; content lines folded at 75 octets (never inside a UTF-8
character), continuation lines starting with a space; TEXT values escaped
(backslash, semicolon, comma, newline); DTSTART and DTEND in the local time of
Clermont-l'Hérault with ``TZID=Europe/Paris`` and its VTIMEZONE; a stable UID (a
changed meeting sent again updates the same calendar entry, with a higher
SEQUENCE); DTSTAMP in UTC.

The calendar uses ``METHOD:PUBLISH``: the file rides in an e-mail the cheffe de
projet sends from her own client, which adds it to calendars without asking for
replies (``REQUEST`` would need an organizer and attendees managed by a server).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from qpvdesk.core.reports.convocation import ConvocationData
from qpvdesk.core.services.meetings import local_time

CRLF = "\r\n"
LIMIT = 75  # octets per physical line, CRLF excluded (RFC 5545 §3.1)
PRODID = "-//qpvdesk//Contrat de ville//FR"
TZID = "Europe/Paris"
DEFAULT_DURATION = timedelta(hours=2)

# Europe/Paris since 1996: summer time from the last Sunday of March to the last of October.
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19960331T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19961027T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): ``\\`` ``;`` ``,`` escaped, newlines as ``\\n``."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.replace("\n", "\\n")
    # Other control characters are not allowed in a content line.
    return "".join(ch for ch in text if ch == "\t" or (ord(ch) >= 0x20 and ord(ch) != 0x7F))


def param_value(value: str) -> str:
    """A parameter value, quoted when it holds ``:;,`` (a double quote cannot appear)."""
    text = "".join(ch for ch in value.replace('"', "'") if ord(ch) >= 0x20 and ord(ch) != 0x7F)
    return f'"{text}"' if any(ch in text for ch in ":;,") else text


def fold(line: str) -> str:
    """Fold a content line into physical lines of at most 75 octets, joined by CRLF + space."""
    encoded = line.encode("utf-8")
    if len(encoded) <= LIMIT:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = LIMIT
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
            limit = LIMIT - 1  # the leading space of a continuation line counts
        current += char
        size += width
    parts.append(current)
    return (CRLF + " ").join(parts)


def content_line(name: str, value: str, params: Sequence[tuple[str, str]] = ()) -> str:
    """``NAME;PARAM=value:value`` folded (the value already escaped where needed)."""
    head = name + "".join(f";{key}={param_value(val)}" for key, val in params)
    return fold(f"{head}:{value}")


def utc_stamp(moment: datetime) -> str:
    """``20260512T120000Z``."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def local_stamp(moment: datetime) -> str:
    """``20260512T140000`` on the clocks of Europe/Paris."""
    return local_time(moment).strftime("%Y%m%dT%H%M%S")


@dataclass(frozen=True, slots=True)
class IcsEvent:
    """One VEVENT."""

    uid: str
    start: datetime
    end: datetime | None
    summary: str
    dtstamp: datetime
    location: str | None = None
    description: str | None = None
    sequence: int = 0
    status: str = "CONFIRMED"
    organizer: tuple[str, str] | None = None  # (name, e-mail)
    categories: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        if self.start.tzinfo is None or (self.end is not None and self.end.tzinfo is None):
            raise ValueError("aware datetimes are required")
        end = self.end or self.start + DEFAULT_DURATION
        lines = [
            "BEGIN:VEVENT",
            content_line("UID", escape_text(self.uid)),
            content_line("DTSTAMP", utc_stamp(self.dtstamp)),
            content_line("DTSTART", local_stamp(self.start), [("TZID", TZID)]),
            content_line("DTEND", local_stamp(end), [("TZID", TZID)]),
            content_line("SUMMARY", escape_text(self.summary)),
            content_line("SEQUENCE", str(self.sequence)),
            content_line("STATUS", self.status),
            content_line("TRANSP", "OPAQUE"),
        ]
        if self.location:
            lines.append(content_line("LOCATION", escape_text(self.location)))
        if self.description:
            lines.append(content_line("DESCRIPTION", escape_text(self.description)))
        if self.categories:
            lines.append(
                content_line("CATEGORIES", ",".join(escape_text(c) for c in self.categories))
            )
        if self.organizer is not None:
            name, address = self.organizer
            lines.append(content_line("ORGANIZER", f"mailto:{address}", [("CN", name)]))
        lines.append("END:VEVENT")
        return lines


def calendar(events: Iterable[IcsEvent], method: str = "PUBLISH") -> bytes:
    """A VCALENDAR holding *events*, UTF-8, CRLF line ends."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        content_line("PRODID", PRODID),
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        *VTIMEZONE,
    ]
    for event in events:
        lines.extend(event.lines())
    lines.append("END:VCALENDAR")
    return (CRLF.join(lines) + CRLF).encode("utf-8")


def meeting_uid(meeting_id: int, contract_code: str | None) -> str:
    """A stable UID for a meeting: the same meeting sent again updates the same entry."""
    code = "".join(ch for ch in (contract_code or "contrat") if ch.isalnum()).lower()
    return f"seance-{meeting_id}-{code or 'contrat'}@qpvdesk.invalid"


def meeting_invitation(
    data: ConvocationData,
    *,
    dtstamp: datetime | None = None,
    sequence: int = 0,
    organizer: tuple[str, str] | None = None,
) -> bytes:
    """The `.ics` invitation of a meeting, from its `ConvocationData`."""
    agenda = "\n".join(f"{p.number}. {p.title}" for p in data.agenda)
    description = f"{data.contract_name}\n{data.committee_name}"
    if agenda:
        description += f"\n\nOrdre du jour :\n{agenda}"
    event = IcsEvent(
        uid=meeting_uid(data.meeting_id, data.contract_code),
        start=data.starts_at,
        end=data.ends_at,
        summary=f"{data.committee_name} – contrat de ville",
        dtstamp=dtstamp or datetime.now(UTC),
        location=data.place,
        description=description,
        sequence=sequence,
        organizer=organizer,
        categories=("Contrat de ville",),
    )
    return calendar([event])


__all__ = [
    "CRLF",
    "IcsEvent",
    "calendar",
    "content_line",
    "escape_text",
    "fold",
    "meeting_invitation",
    "meeting_uid",
    "param_value",
]
