"""The .ics writer: folding at 75 octets, CRLF, escaping, time zone, stable UID."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from qpvdesk.core.reports import ics
from qpvdesk.core.reports.convocation import ConvocationData, ConvocationPoint
from qpvdesk.core.services.meetings import paris_datetime

STAMP = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def unfold(text: str) -> list[str]:
    """RFC 5545 §3.1: a CRLF followed by one space or tab is removed."""
    return re.sub(r"\r\n[ \t]", "", text).split("\r\n")


def data(**changes: object) -> ConvocationData:
    values: dict[str, object] = {
        "meeting_id": 7,
        "contract_name": "Contrat de ville Engagements Quartiers 2030 de Clermont l'Hérault",
        "contract_code": "CN03404N",
        "town": "Clermont-l'Hérault",
        "neighbourhoods": ("Centre-ville (QN03421N)",),
        "committee_name": "Commission thématique L'accès aux droits et le lien social",
        "committee_kind_label": "Commission thématique",
        "starts_at": paris_datetime(date(2026, 5, 12), 14),
        "ends_at": paris_datetime(date(2026, 5, 12), 16, 30),
        "place": "Salle du conseil; mairie, 1er étage\\aile B",
        "notes": None,
        "agenda": (
            ConvocationPoint(1, "Accueil, café", None),
            ConvocationPoint(2, "Dossier 2026-003 — « Permanences » ; avis", None),
        ),
        "dossiers": (),
        "members": (),
        "generated_on": date(2026, 4, 1),
        "author": "Équipe",
    }
    values.update(changes)
    return ConvocationData(**values)  # type: ignore[arg-type]


def test_the_invitation_is_a_well_formed_calendar() -> None:
    raw = ics.meeting_invitation(data(), dtstamp=STAMP).decode("utf-8")
    assert raw.endswith("\r\n")
    assert "\n" not in raw.replace("\r\n", "")
    for physical in raw.split("\r\n"):
        assert len(physical.encode("utf-8")) <= 75, physical
    lines = unfold(raw)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "VERSION:2.0" in lines and "METHOD:PUBLISH" in lines
    assert lines.index("BEGIN:VTIMEZONE") < lines.index("BEGIN:VEVENT")
    assert "TZID:Europe/Paris" in lines
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in lines
    # Summer: 14:00 in Clermont is 12:00 UTC; the local time is written with its zone.
    assert "DTSTART;TZID=Europe/Paris:20260512T140000" in lines
    assert "DTEND;TZID=Europe/Paris:20260512T163000" in lines
    assert "DTSTAMP:20260401T080000Z" in lines
    assert "UID:seance-7-cn03404n@qpvdesk.invalid" in lines
    assert (
        "SUMMARY:Commission thématique L'accès aux droits et le lien social – contrat de ville"
        in lines
    )
    # TEXT escaping: backslash, semicolon, comma, newline.
    assert "LOCATION:Salle du conseil\\; mairie\\, 1er étage\\\\aile B" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert "\\n\\nOrdre du jour :\\n1. Accueil\\, café\\n2. Dossier 2026-003" in description
    assert "« Permanences » \\; avis" in description
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1


def test_winter_times_and_a_missing_end() -> None:
    raw = ics.meeting_invitation(
        data(starts_at=paris_datetime(date(2027, 1, 19), 14), ends_at=None, place=None),
        dtstamp=STAMP,
        sequence=2,
        organizer=("Cheffe de projet, Ville", "cheffe@ville.example"),
    ).decode()
    lines = unfold(raw)
    assert "DTSTART;TZID=Europe/Paris:20270119T140000" in lines
    assert "DTEND;TZID=Europe/Paris:20270119T160000" in lines  # two hours by default
    assert "SEQUENCE:2" in lines
    assert 'ORGANIZER;CN="Cheffe de projet, Ville":mailto:cheffe@ville.example' in lines
    assert not any(line.startswith("LOCATION") for line in lines)
    # The UID does not change when the meeting is sent again.
    again = ics.meeting_invitation(data(place="Ailleurs"), dtstamp=STAMP).decode()
    uid = [line for line in unfold(again) if line.startswith("UID:")]
    assert uid == ["UID:seance-7-cn03404n@qpvdesk.invalid"]


def test_folding_never_splits_a_character_and_unfolds_back() -> None:
    line = "DESCRIPTION:" + "é€œ«»" * 40 + "x" * 7
    folded = ics.fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert len(parts[0].encode()) <= 75
    assert all(p.startswith(" ") and len(p.encode()) <= 75 for p in parts[1:])
    for part in parts:
        part.encode("utf-8").decode("utf-8")  # whole characters only
    assert unfold(folded) == [line]
    assert ics.fold("SHORT:ok") == "SHORT:ok"


@given(st.text(min_size=0, max_size=400))
def test_any_text_survives_escaping_and_folding(text: str) -> None:
    line = ics.content_line("DESCRIPTION", ics.escape_text(text))
    for physical in line.split("\r\n"):
        assert len(physical.encode("utf-8")) <= 75
    (unfolded,) = unfold(line)
    value = unfolded.removeprefix("DESCRIPTION:")
    # No raw separators or line breaks are left unescaped.
    assert "\n" not in value and "\r" not in value
    assert not re.search(r"(?<!\\)(?:\\\\)*[;,]", value)
    decoded = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value)
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    expected = "".join(
        ch for ch in expected if ch in "\t\n" or (ord(ch) >= 0x20 and ord(ch) != 0x7F)
    )
    assert decoded == expected
