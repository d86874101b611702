"""The bilan annuel PDF, read back with pypdf: totals per priority and per funder as the
database holds them (recomputed here by plain SQL and formatted in French), headings,
« Page X / Y », metadata, embedded fonts, hostile text printed literally."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from qpvdesk.core.reports import charts
from qpvdesk.core.reports.annual_report import (
    MAX_CHART_BARS,
    chart_groups,
    render_annual_report,
    save_annual_report,
)
from qpvdesk.core.services import actions as act
from qpvdesk.core.services import observation as obs
from qpvdesk.core.services.demo import add_demo_programmation
from qpvdesk.core.services.demo_evaluation import add_demo_evaluation
from qpvdesk.core.services.evaluation import AnnualReport, MoneyGroup, annual_report_data
from qpvdesk.core.services.finance import Amounts
from qpvdesk.core.storage.database import Database, open_database

TEMPLATE: dict[str, Path] = {}
TODAY = date(2026, 6, 15)
HOSTILE = "R&D <b>gras</b> <img src='/etc/passwd'/> « œuvre » & co"
HOSTILE_THEMES = "Cadre de vie </para> <font name='Nope'>x</font>"

ROOTS = (
    "WITH RECURSIVE up(id, root) AS ("
    " SELECT id, id FROM objective WHERE parent_id IS NULL"
    " UNION ALL SELECT o.id, up.root FROM objective o JOIN up ON o.parent_id = up.id) "
)
FUNDING = (
    "FROM funding f JOIN action a ON a.id = f.action_id "
    "JOIN budget_line l ON l.id = f.budget_line_id "
    "LEFT JOIN dossier d ON d.id = f.dossier_id "
)


@pytest.fixture
def path(builtin_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo programmation and the evaluation demo, in a fresh copy."""
    if "demo" not in TEMPLATE:
        template = tmp_path_factory.mktemp("bilan") / "demo.sqlite"
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
    """Whitespace collapsed, U+00A0 and U+202F read as spaces."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def read_pdf(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, flat(" ".join(page.extract_text() or "" for page in reader.pages))


def euros(cents: int | None) -> str:
    """French amount, written independently of `Money.format`: ``12 345 €``, ``12,50 €``."""
    cents = cents or 0
    whole, rest = divmod(cents, 100)
    digits = f"{whole:,}".replace(",", " ")
    return f"{digits},{rest:02d} €" if rest else f"{digits} €"


def bilan(db: Database, year: int) -> tuple[AnnualReport, bytes]:
    with db.read() as session:
        data = annual_report_data(session, year, today=TODAY)
    return data, render_annual_report(data, invariant=True)


def money_rows(c: sqlite3.Connection, key: str, year: int) -> dict[Any, tuple[int, ...]]:
    """Per *key*: requested, droit commun committed, crédits spécifiques committed, total
    committed, granted, paid — by SQL alone."""
    committed = "coalesce(f.granted, f.proposed)"
    rows = {
        k: (r or 0, dc or 0, cs or 0, (dc or 0) + (cs or 0), g or 0)
        for k, r, dc, cs, g in c.execute(
            ROOTS + f"SELECT {key}, sum(f.requested), "
            f"sum(CASE WHEN l.nature = 'common_law' THEN {committed} END), "
            f"sum(CASE WHEN l.nature = 'specific' THEN {committed} END), sum(f.granted) "
            + FUNDING
            + "LEFT JOIN up ON up.id = coalesce(d.objective_id, a.objective_id) "
            "WHERE f.year = ? GROUP BY 1",
            (year,),
        )
    }
    paid = dict(
        c.execute(
            ROOTS + f"SELECT {key}, sum(p.amount) FROM payment p "
            "JOIN funding f ON f.id = p.funding_id JOIN action a ON a.id = f.action_id "
            "JOIN budget_line l ON l.id = f.budget_line_id "
            "LEFT JOIN dossier d ON d.id = f.dossier_id "
            "LEFT JOIN up ON up.id = coalesce(d.objective_id, a.objective_id) "
            "WHERE f.year = ? AND p.paid_on IS NOT NULL GROUP BY 1",
            (year,),
        ).fetchall()
    )
    return {k: (*v, paid.get(k) or 0) for k, v in rows.items()}


def row_text(label: str, amounts: tuple[int, ...]) -> str:
    return " ".join([label, *(euros(a) for a in amounts)])


@pytest.mark.parametrize("year", [2025, 2026])
def test_bilan_totals_per_priority_and_funder_as_the_database_holds_them(
    db: Database, path: Path, year: int
) -> None:
    data, pdf_bytes = bilan(db, year)
    reader, text = read_pdf(pdf_bytes)
    with sqlite3.connect(path) as c:
        priorities = money_rows(c, "up.root", year)
        funders = money_rows(c, "l.funder_id", year)
        labels = {
            i: f"{code} – {short or title}"
            for i, code, title, short in c.execute(
                "SELECT id, code, title, short_title FROM objective WHERE parent_id IS NULL"
            )
        }
        names = dict(c.execute("SELECT id, name FROM organisation"))
        states = dict(
            c.execute(
                "SELECT state, count(*) FROM dossier WHERE year <= ? "
                "AND coalesce(last_year, year) >= ? GROUP BY state",
                (year, year),
            ).fetchall()
        )
    assert priorities and funders
    # Every priority of the framework has its row (zero when it has no money this year).
    for priority_id, label in labels.items():
        amounts = priorities.get(priority_id, (0,) * 6)
        assert row_text(label, amounts) in text, label
    for funder_id, amounts in funders.items():
        assert row_text(names[funder_id], amounts) in text, names[funder_id]
    grand = tuple(sum(v[i] for v in priorities.values()) for i in range(6))
    assert grand == tuple(sum(v[i] for v in funders.values()) for i in range(6))
    assert text.count(row_text("Total", grand)) == 2  # under both tables
    # The nature table: droit commun and crédits spécifiques add up to the total engaged.
    assert f"Total {euros(grand[0])} {euros(grand[3])} 100,0 %" in text
    # Dossiers per state.
    assert sum(states.values()) == data.programmation.dossier_count
    for state in data.programmation.by_state:
        assert f"{state.label} {states[state.state.value]}" in text
    # Headings, in French.
    for heading in (
        f"Bilan annuel {year}",
        "Comité de pilotage du contrat de ville",
        f"L'essentiel de {year}",
        f"1. La programmation {year}",
        "Dossiers par état",
        "Droit commun et crédits spécifiques",
        "Financements par priorité",
        "Financements par financeur",
        f"2. La couverture des objectifs opérationnels en {year}",
        "3. Les indicateurs : prévu et réalisé",
        "4. La participation des habitants",
        "5. Les suites à donner",
        "6. Les données de contexte du quartier",
    ):
        assert heading in text, heading
    # « Page X / Y » on every page, with the contract's name.
    count = len(reader.pages)
    assert count >= 4
    for number, page in enumerate(reader.pages, start=1):
        page_text = flat(page.extract_text() or "")
        assert f"Page {number} / {count}" in page_text
        assert data.header.contract_name in page_text
    # Objectives without any action stand out, one flag each.
    missing = data.objectives_without_action
    assert missing and text.count(f"Aucune action en {year}") == len(missing)
    assert all(row.objective_code in text for row in missing)


def test_bilan_metadata_fonts_and_context(db: Database) -> None:
    data, pdf_bytes = bilan(db, 2026)
    reader, text = read_pdf(pdf_bytes)
    meta = reader.metadata
    assert meta is not None
    assert meta.title == f"Bilan annuel 2026 – {data.header.contract_name}"
    assert meta.author and data.header.town in meta.author
    assert meta.subject and "comité de pilotage" in meta.subject
    assert reader.trailer["/Root"]["/Lang"] == "fr-FR"
    # Every glyph printed comes from the embedded DejaVu Sans (charts included).
    used: set[str] = set()

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip() and font is not None:
            used.add(str(font["/BaseFont"]))

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "DejaVu" in str(font["/BaseFont"]):
                descriptor = font["/FontDescriptor"]
                assert "/FontFile2" in descriptor  # embedded
    assert used and all("DejaVuSans" in name for name in used), used
    # Context figures compared with the previous years, QPV first.
    assert "Taux de pauvreté (%)" in text and "Taux de chômage (%)" in text
    assert "Centre-ville Quartier prioritaire — — 41,5 40,2 −1,3 pt depuis 2025" in text
    # Indicators: the ready-made ones summed over the actions.
    assert "Indicateurs communs, toutes actions confondues" in text
    beneficiaries = next(t for t in data.indicator_totals if t.name == "Bénéficiaires")
    assert f"Bénéficiaires personnes {beneficiaries.actions}" in text
    # Follow-ups, participation.
    assert "Transmettre le bilan 2025 de la programmation au COPIL" in text
    assert "Fait le 31/03/2026" in text
    assert "Réunion publique" in text and "1 temps de participation, 35 participants" in text


def test_the_bilan_is_byte_identical_when_invariant(db: Database, tmp_path: Path) -> None:
    data, first = bilan(db, 2026)
    assert render_annual_report(data, invariant=True) == first
    written = save_annual_report(data, tmp_path / "bilan.pdf")
    assert written.read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob("*.tmp"))


def test_hostile_text_is_printed_literally(db: Database) -> None:
    with db.unit_of_work() as session:
        detail = act.action_detail(session, 3)
        act.update_action(session, 3, dataclasses.replace(detail.as_input(), title=HOSTILE))
        obs.create_participation(
            session,
            obs.ParticipationInput(
                held_on=date(2026, 4, 2),
                kind="Atelier <i>participatif",
                place="Salle & jardin",
                participants=12,
                themes=HOSTILE_THEMES,
                outcome="Idée : « R&D » <br/> ligne 1\nligne 2",
            ),
        )
    _, pdf_bytes = bilan(db, 2026)
    _, text = read_pdf(pdf_bytes)
    assert flat(HOSTILE) in text
    assert flat(HOSTILE_THEMES) in text
    assert "Atelier <i>participatif" in text and "Salle & jardin" in text
    assert "Idée : « R&D » <br/> ligne 1 ligne 2" in text
    assert "R&D;" not in text


def test_a_year_without_programmation_still_makes_a_bilan(db: Database) -> None:
    data, pdf_bytes = bilan(db, 2024)
    assert data.programmation.dossier_count == 0
    reader, text = read_pdf(pdf_bytes)
    assert "Aucun dossier pour l'exercice 2024." in text
    assert "Aucun financement pour l'exercice 2024." in text
    assert f"Page 1 / {len(reader.pages)}" in text
    assert text.count("Aucune action en 2024") == data.objectives


def test_many_funders_keep_the_chart_on_one_page(db: Database) -> None:
    data, _ = bilan(db, 2026)
    one = data.programmation.by_funder[0]
    many = tuple(
        MoneyGroup(1000 + i, "", f"Financeur n° {i:02d}", one.common_law, one.specific)
        for i in range(45)
    )
    shown = chart_groups(many)
    assert len(shown) == MAX_CHART_BARS and shown[-1].label == "Autres (26)"
    total = sum((g.total for g in many), Amounts.zero())
    assert sum((g.total for g in shown), Amounts.zero()) == total
    wide = dataclasses.replace(
        data, programmation=dataclasses.replace(data.programmation, by_funder=many)
    )
    _, text = read_pdf(render_annual_report(wide))
    assert "Financeur n° 44" in text and "Autres (26)" in text


def test_chart_helpers_speak_french() -> None:
    assert charts.french_number(1234567.5, 1) == "1\u00a0234\u00a0567,5"
    assert charts.french_number(-0.0) == "0"
    assert charts.nice_scale(117_440) == (25_000.0, 125_000.0)
    assert charts.nice_scale(0) == (1.0, 1.0)
    assert charts.euro_ticks(25_000)(50_000) == "50\u00a0000\u00a0€"
    assert charts.number_ticks(0.5, "%")(2.5) == "2,5\u00a0%"
    assert charts.fit_text("x" * 400, 50).endswith("…")
    assert len(charts.wrap_text("mot " * 200, 80, 2)) == 2
