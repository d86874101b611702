"""The relevé de décision: tested as data, then read back from the PDF with pypdf."""

from __future__ import annotations

import io
import os
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from meeting_worker import (
    HOSTILE_ACTION,
    HOSTILE_COMMENT,
    HOSTILE_HOLDER,
    REMARK,
    YEAR,
    build_scenario,
    hold,
)
from pypdf import PdfReader
from sqlalchemy import text

from qpvdesk.core.domain.enums import AttendanceStatus, Opinion
from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.reports import pdf as pdf_toolkit
from qpvdesk.core.reports.convocation import convocation_data, render_convocation
from qpvdesk.core.reports.decision_record import (
    DecisionRecordData,
    decision_record_data,
    render_decision_record,
)
from qpvdesk.core.services import funding as fu
from qpvdesk.core.services import meetings as mt
from qpvdesk.core.services.meetings import MeetingInput, paris_datetime
from qpvdesk.core.storage.database import Database, open_database

GENERATED = date(2026, 5, 13)


def eur(euros: int) -> Money:
    return Money.from_euros(euros)


def flat(text: str) -> str:
    """Whitespace collapsed, U+00A0 and U+202F read as spaces (how the assertions compare)."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def pdf_text(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [flat(page.extract_text() or "") for page in reader.pages]


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


def record(db: Database, meeting_id: int) -> DecisionRecordData:
    with db.read() as session:
        return decision_record_data(session, meeting_id, generated_on=GENERATED)


# --- as data -------------------------------------------------------------------------------


def test_the_record_as_data(db: Database) -> None:
    held = hold(db)
    data = record(db, held.meeting_id)
    assert data.title == (
        "Relevé de décision – Commission thématique L'accès aux droits et le lien social "
        "du 12/05/2026"
    )
    assert data.contract_name.startswith("Contrat de ville") and data.town
    assert data.neighbourhoods == ("Centre-ville (QN03421N)",)
    assert data.time_text == "14 h 00 – 16 h 30" and data.place == "Salle du conseil & des fêtes"
    assert data.amount_label == "Proposé" and not data.is_deciding
    # Attendance grouped by organisation, residents with their remarks.
    groups = {g.organisation: g for g in data.attendance}
    state = groups["État – Préfecture de l'Hérault"]
    assert [a.name for a in state.attendees] == ["Anne Durand"]
    assert groups["CAF de l'Hérault"].attendees[0].status_text == "Représenté·e par Agnès Perrin"
    resident = next(a for a in data.attendees if a.is_resident)
    assert resident.remarks == REMARK and data.resident_remarks == (resident,)
    assert data.count(AttendanceStatus.PRESENT) == 3
    assert data.count(AttendanceStatus.EXCUSED) == 1
    assert data.count(AttendanceStatus.REPRESENTED) == 1
    # Agenda and numbered decisions.
    assert [a.number for a in data.agenda] == list(range(1, 8))
    assert [d.number for d in data.decisions] == list(range(1, 8))
    assert [d.dossier_reference is None for d in data.decisions] == [False] * 6 + [True]
    first = data.dossier_lines[0]
    assert (first.holder, first.action) == (HOSTILE_HOLDER, HOSTILE_ACTION)
    assert first.requested == eur(6_000) and first.amount_total == eur(6_000)
    assert data.decisions[0].text.startswith(f"Dossier {first.reference} — {HOSTILE_HOLDER}")
    assert "avis favorable ; proposé : 6 000 €" in data.decisions[0].text.replace("\u00a0", " ")
    postponed = data.dossier_lines[3]
    assert postponed.opinion is Opinion.POSTPONED and postponed.amount_total is None
    # Financial summary: before + decided = committed; remaining = independent sum.
    with sqlite3.connect(db.path) as c:
        for envelope in data.envelopes:
            line_id = c.execute(
                "SELECT id FROM budget_line WHERE name = ?", (envelope.label,)
            ).fetchone()[0]
            amount = c.execute(
                "SELECT amount FROM envelope WHERE budget_line_id = ? AND year = ?",
                (line_id, envelope.year),
            ).fetchone()[0]
            others = c.execute(
                "SELECT coalesce(sum(coalesce(granted, proposed)), 0) FROM funding "
                "WHERE budget_line_id = ? AND year = ? AND id NOT IN "
                "(SELECT funding_id FROM decision_amount a JOIN decision d ON d.id = a.decision_id "
                "WHERE d.meeting_id = ?)",
                (line_id, envelope.year, held.meeting_id),
            ).fetchone()[0]
            decided = c.execute(
                "SELECT coalesce(sum(a.amount), 0) FROM decision_amount a "
                "JOIN decision d ON d.id = a.decision_id JOIN funding f ON f.id = a.funding_id "
                "WHERE d.meeting_id = ? AND f.budget_line_id = ? AND f.year = ?",
                (held.meeting_id, line_id, envelope.year),
            ).fetchone()[0]
            assert envelope.decided.cents == decided
            assert envelope.before.cents == others
            assert envelope.remaining == Money(amount - others - decided)
    assert len(data.envelopes) == 2
    assert [(f.what, f.due_on) for f in data.follow_ups] == [
        ("Écrire aux porteurs", date(YEAR, 5, 29)),
        ("Préparer la réunion", None),
    ]
    assert data.next_meeting is not None and data.next_meeting.starts_at.hour == 9


def test_a_deciding_committee_s_record_speaks_of_granted_amounts(db: Database) -> None:
    with db.unit_of_work() as session:
        scenario = build_scenario(session, 2)
        copil = mt.create_meeting(
            session, MeetingInput(scenario.copil_id, paris_datetime(date(YEAR, 6, 23), 10))
        )
        rows = fu.funding_rows(session, scenario.dossier_ids[0])
        mt.record_opinion(
            session,
            copil,
            scenario.dossier_ids[0],
            Opinion.FAVOURABLE,
            {r.id: r.requested for r in rows if r.requested},
        )
        mt.close_meeting(session, copil, today=date(YEAR, 6, 23))
    data = record(db, copil)
    assert data.is_deciding and data.amount_label == "Accordé"
    assert "accordé : 6 000 €" in data.decisions[0].text.replace("\u00a0", " ")
    assert data.state_label == "Tenue"


# --- read back from the PDF ----------------------------------------------------------------


def test_the_pdf_says_who_was_there_each_decision_and_amounts_in_french(db: Database) -> None:
    held = hold(db)
    data = record(db, held.meeting_id)
    content = render_decision_record(data)
    reader, pages = pdf_text(content)
    text = " ".join(pages)
    for name in ("Anne Durand", "Paul Petit", "Inès Habitante", "Agnès Perrin", "Région Occitanie"):
        assert name in text
    assert REMARK in text
    for line in data.dossier_lines:
        assert line.reference in text
        assert f"{line.number}. Dossier {line.reference}" in text
    assert "7. La commission organisera une réunion publique." in text
    # French amounts (U+00A0 in the file, normalised here).
    assert "6 000 €" in text and "5 900 €" in text and "(demandé 4 100 €)" in text
    assert "\u202f" not in "".join(page.extract_text() or "" for page in reader.pages)
    # User text printed literally: markup is not interpreted, nothing is lost.
    assert HOSTILE_HOLDER in text
    assert HOSTILE_ACTION in text
    assert HOSTILE_COMMENT in text
    assert "Mardi 12 mai 2026" in text and "14 h 00 – 16 h 30" in text
    assert "Salle du conseil & des fêtes" in text
    assert "Écrire aux porteurs" in text and "29/05/2026" in text
    assert "Prochaine séance" in text and "Mardi 6 octobre 2026 à 9 h 30" in text
    # Footer on every page, metadata, language, embedded fonts.
    total = len(reader.pages)
    for number, page in enumerate(pages, 1):
        assert f"Page {number} / {total}" in page
        assert "Généré le 13/05/2026" in page
        assert data.contract_name in page
    assert reader.metadata is not None
    assert reader.metadata.title == data.title
    assert reader.metadata.author == data.author
    assert reader.metadata.subject == data.subject
    assert reader.trailer["/Root"].get("/Lang") == "fr-FR"
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant.get("/FontDescriptor")
            if descriptor is not None:
                descriptor = descriptor.get_object()
                assert "/FontFile2" in descriptor
                fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert "DejaVuSans" in fonts and "DejaVuSans-Bold" in fonts


def test_invariant_pdfs_are_byte_identical(db: Database) -> None:
    held = hold(db, 2)
    data = record(db, held.meeting_id)
    assert render_decision_record(data, invariant=True) == render_decision_record(
        data, invariant=True
    )


def test_a_long_table_runs_across_pages_and_repeats_its_header(db: Database) -> None:
    held = hold(db, 90, long_texts=True)
    data = record(db, held.meeting_id)
    assert len(data.dossier_lines) == 90
    content = render_decision_record(data)
    reader, pages = pdf_text(content)
    total = len(reader.pages)
    table_pages = [
        i for i, page in enumerate(reader.pages) if page.mediabox.width > page.mediabox.height
    ]
    assert len(table_pages) >= 4 and total >= 6
    for index in table_pages:
        assert "Référence" in pages[index] and "Proposé par financeur" in pages[index]
        assert f"Page {index + 1} / {total}" in pages[index]
    # Every dossier of the table made it, in order.
    joined = " ".join(pages[i] for i in table_pages)
    positions = [joined.find(line.reference) for line in data.dossier_lines]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)


def test_very_long_texts_wrap_and_an_empty_meeting_still_renders(db: Database) -> None:
    with db.unit_of_work() as session:
        scenario = build_scenario(session, 1)
        empty = mt.create_meeting(
            session, MeetingInput(scenario.cotech_id, paris_datetime(date(YEAR, 3, 3), 9))
        )
        long = mt.create_meeting(
            session, MeetingInput(scenario.commission_id, paris_datetime(date(YEAR, 3, 4), 9))
        )
        mt.record_opinion(
            session,
            long,
            scenario.dossier_ids[0],
            Opinion.RESERVED,
            {},
            ("Un commentaire très long " * 120) + "\nfin.\x07",
        )
        mt.record_free_decision(session, long, "x" * 3000)
    _, pages = pdf_text(render_decision_record(record(db, empty)))
    assert len(pages) == 1
    assert "Aucune décision n'a été enregistrée" in pages[0]
    assert "Les présences n'ont pas été relevées" in pages[0]
    reader, pages = pdf_text(render_decision_record(record(db, long)))
    assert len(reader.pages) >= 2
    assert "fin." in " ".join(pages)


def test_save_pdf_is_atomic_and_explains_a_file_held_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "releve.pdf"
    target.write_bytes(b"old")
    pdf_toolkit.save_pdf(b"%PDF-new", target)
    assert target.read_bytes() == b"%PDF-new"

    def locked(*_args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(UserFacingError, match="ouvert dans un autre programme"):
        pdf_toolkit.save_pdf(b"%PDF-newer", target)
    assert target.read_bytes() == b"%PDF-new"
    assert [p.name for p in tmp_path.iterdir()] == ["releve.pdf"]
    monkeypatch.undo()
    with pytest.raises(UserFacingError, match="n'existe pas"):
        pdf_toolkit.save_pdf(b"%PDF", tmp_path / "absent" / "x.pdf")


def test_escape_text_keeps_user_text_literal() -> None:
    assert pdf_toolkit.escape_text('<b>A & "B"</b>\r\nC\x00') == (
        "&lt;b&gt;A &amp; &quot;B&quot;&lt;/b&gt;<br/>C"
    )
    assert pdf_toolkit.money(Money(1_234_567_00)) == "1\u00a0234\u00a0567\u00a0€"
    assert pdf_toolkit.money(None) == "—"


def test_the_convocation_gives_date_place_agenda_dossiers_and_members(db: Database) -> None:
    held = hold(db, 3)
    with db.read() as session:
        data = convocation_data(session, held.next_id, generated_on=GENERATED)
        current = convocation_data(session, held.meeting_id, generated_on=GENERATED)
    assert data.title.startswith("Convocation – Commission thématique") and not data.agenda
    assert {m.name for m in current.members} >= {"Anne Durand", "Inès Habitante"}
    assert [d.reference for d in current.dossiers] == [
        line.reference for line in record(db, held.meeting_id).dossier_lines
    ]
    reader, pages = pdf_text(render_convocation(current))
    text = " ".join(pages)
    assert "Convocation" in text and "Mardi 12 mai 2026" in text
    assert "1. Accueil" in text and HOSTILE_HOLDER in text and "Anne Durand" in text
    assert f"Page 1 / {len(reader.pages)}" in pages[0]
    assert reader.metadata is not None and reader.metadata.title == current.title


def test_every_page_prints_the_audit_log_s_latest_hash(db: Database) -> None:
    held = hold(db, 30)
    with sqlite3.connect(db.path) as raw:
        latest = raw.execute("SELECT hash FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()[0]
    raw.close()
    data = record(db, held.meeting_id)
    assert data.journal_fingerprint == latest[:16]
    _reader, pages = pdf_text(render_decision_record(data))
    assert len(pages) > 1
    for page in pages:
        assert f"Empreinte du journal : {latest[:16]}" in page
        assert data.contract_name in page
    # Any later change to money moves the fingerprint the next relevé prints.
    with db.unit_of_work() as session:
        session.execute(text("UPDATE funding SET granted = coalesce(granted, 0) + 1"))
    assert record(db, held.meeting_id).journal_fingerprint not in (None, latest[:16])
