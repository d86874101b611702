"""The fiche action PDF, read back with pypdf: title, amounts as SQL adds them up, the
compte rendu financier when it arrived, one page per action, hostile text literal."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from qpvdesk.core.reports.action_sheet import render_action_sheets, save_action_sheets
from qpvdesk.core.services import actions as act
from qpvdesk.core.services.demo import add_demo_programmation
from qpvdesk.core.services.demo_evaluation import add_demo_evaluation
from qpvdesk.core.services.evaluation import action_sheet_data
from qpvdesk.core.storage.database import Database, open_database

TEMPLATE: dict[str, Path] = {}
TODAY = date(2026, 6, 15)


@pytest.fixture
def path(builtin_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if "demo" not in TEMPLATE:
        template = tmp_path_factory.mktemp("sheet") / "demo.sqlite"
        template.write_bytes(builtin_db.read_bytes())
        database = open_database(template, backup_on_open=False)
        try:
            with database.unit_of_work() as session:
                add_demo_programmation(session)
                add_demo_evaluation(session)
        finally:
            database.close()
        TEMPLATE["demo"] = template
    builtin_db.write_bytes(TEMPLATE["demo"].read_bytes())
    return builtin_db


@pytest.fixture
def db(path: Path) -> Iterator[Database]:
    database = open_database(path, backup_on_open=False)
    yield database
    database.close()


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def euros(cents: int | None) -> str:
    whole, rest = divmod(cents or 0, 100)
    digits = f"{whole:,}".replace(",", " ")
    return f"{digits},{rest:02d} €" if rest else f"{digits} €"


def sheets(db: Database, action_ids: Sequence[int]) -> tuple[PdfReader, list[str]]:
    with db.read() as session:
        data = [action_sheet_data(session, a, today=TODAY) for a in action_ids]
    reader = PdfReader(io.BytesIO(render_action_sheets(data, invariant=True)))
    return reader, [flat(page.extract_text() or "") for page in reader.pages]


def test_the_sheet_of_a_reported_action_holds_on_one_page(db: Database, path: Path) -> None:
    with sqlite3.connect(path) as c:
        dossier_id, action_id, reference, received = c.execute(
            "SELECT id, action_id, reference, report_received_on FROM dossier "
            "WHERE report_received_on IS NOT NULL ORDER BY sequence LIMIT 1"
        ).fetchone()
        title, holder = c.execute(
            "SELECT a.title, o.name FROM action a JOIN organisation o ON o.id = a.holder_id "
            "WHERE a.id = ?",
            (action_id,),
        ).fetchone()
        requested, granted, committed = c.execute(
            "SELECT sum(requested), sum(granted), sum(coalesce(granted, proposed)) "
            "FROM funding WHERE action_id = ?",
            (action_id,),
        ).fetchone()
        paid = c.execute(
            "SELECT sum(p.amount) FROM payment p JOIN funding f ON f.id = p.funding_id "
            "WHERE f.action_id = ? AND p.paid_on IS NOT NULL",
            (action_id,),
        ).fetchone()[0]
        charges = c.execute(
            "SELECT sum(planned), sum(achieved) FROM budget_entry WHERE dossier_id = ? "
            "AND side = 'charge' AND account NOT LIKE '86%'",
            (dossier_id,),
        ).fetchone()
        lines = c.execute(
            "SELECT f.year, f.requested, f.granted, coalesce(f.granted, f.proposed) "
            "FROM funding f WHERE f.action_id = ? ORDER BY f.year",
            (action_id,),
        ).fetchall()
    reader, pages = sheets(db, [action_id])
    assert len(pages) == 1  # one page per action
    text = pages[0]
    assert title in text and holder in text
    totals = f"{euros(requested)} {euros(granted)} {euros(committed)} {euros(paid)}"
    by_year = " · ".join(
        f"{year} : {euros(sum(k or 0 for y, _, _, k in lines if y == year))}"
        for year in sorted({y for y, _, _, _ in lines})
    )
    assert f"Total engagé {by_year} {totals}" in text
    for _, line_requested, line_granted, line_committed in lines:
        granted_text = "—" if line_granted is None else euros(line_granted)
        assert f"{euros(line_requested)} {granted_text} {euros(line_committed)}" in text
    day = date.fromisoformat(received)
    assert (
        f"Compte rendu financier (CERFA 15059) du dossier {reference}, reçu le {day:%d/%m/%Y}"
        in text
    )
    assert f"Total des charges {euros(charges[0])} {euros(charges[1])}" in text
    assert "Indicateurs : réalisé (en gras) et prévu" in text
    assert "Page 1 / 1" in text
    meta = reader.metadata
    assert meta is not None and meta.title == f"Fiche action – {title}"


def test_several_sheets_each_start_on_their_own_page(db: Database, path: Path) -> None:
    with sqlite3.connect(path) as c:
        rows = c.execute(
            "SELECT id, title FROM action WHERE kind = 'common_law' ORDER BY id LIMIT 2"
        ).fetchall()
        rows += c.execute("SELECT id, title FROM action WHERE id = 1").fetchall()
    reader, pages = sheets(db, [action_id for action_id, _ in rows])
    assert len(pages) == 3
    for page, (_, title) in zip(pages, rows, strict=True):
        assert page.count(title) >= 1 and "fiche action" in page
        assert "Droit commun" in pages[0]
    assert "Page 3 / 3" in pages[2]
    assert reader.metadata is not None and reader.metadata.title.startswith("Fiches actions (3)")


def test_hostile_text_on_the_sheet_is_literal(db: Database, tmp_path: Path) -> None:
    hostile = "Ateliers <b>R&D</b> <img src='/etc/hosts'/> & « œuvres »"
    with db.unit_of_work() as session:
        detail = act.action_detail(session, 1)
        act.update_action(
            session,
            1,
            dataclasses.replace(
                detail.as_input(), title=hostile, description="Ligne 1\nLigne <2> & 3"
            ),
        )
        act.add_note(session, 1, date(2026, 3, 1), "Note </para> &amp; fin")
    with db.read() as session:
        data = action_sheet_data(session, 1, today=TODAY)
    written = save_action_sheets([data], tmp_path / "fiche.pdf")
    text = flat(" ".join(p.extract_text() or "" for p in PdfReader(written).pages))
    assert flat(hostile) in text
    assert "Ligne 1 Ligne <2> & 3" in text
    assert "01/03/2026 – Note </para> &amp; fin" in text


def test_no_sheet_is_an_error() -> None:
    with pytest.raises(ValueError):
        render_action_sheets([])
