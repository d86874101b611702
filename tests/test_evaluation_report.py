"""The evaluation PDF, read back with pypdf: the three evaluative questions, the money per
priority year by year (recomputed by SQL), trajectories, landscape beyond five years."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from qpvdesk.core.reports.evaluation_report import render_evaluation_report
from qpvdesk.core.services.demo import add_demo_programmation
from qpvdesk.core.services.demo_evaluation import add_demo_evaluation
from qpvdesk.core.services.evaluation import EvaluationReport, evaluation_data
from qpvdesk.core.storage.database import Database, open_database

TEMPLATE: dict[str, Path] = {}
TODAY = date(2026, 6, 15)
ROOTS = (
    "WITH RECURSIVE up(id, root) AS ("
    " SELECT id, id FROM objective WHERE parent_id IS NULL"
    " UNION ALL SELECT o.id, up.root FROM objective o JOIN up ON o.parent_id = up.id) "
)


@pytest.fixture
def path(builtin_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if "demo" not in TEMPLATE:
        template = tmp_path_factory.mktemp("evaluation") / "demo.sqlite"
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


def evaluation(db: Database, first: int, last: int) -> tuple[EvaluationReport, PdfReader, str]:
    with db.read() as session:
        data = evaluation_data(session, first, last, today=TODAY)
    reader = PdfReader(io.BytesIO(render_evaluation_report(data, invariant=True)))
    return data, reader, flat(" ".join(page.extract_text() or "" for page in reader.pages))


def test_each_question_with_its_indicators_actions_and_money(db: Database, path: Path) -> None:
    data, reader, text = evaluation(db, 2024, 2026)
    with sqlite3.connect(path) as c:
        questions = [
            q for (q,) in c.execute("SELECT text FROM evaluative_question ORDER BY position")
        ]
        linked = {
            position: [
                title
                for (title,) in c.execute(
                    "SELECT a.title FROM evaluative_question_action l "
                    "JOIN action a ON a.id = l.action_id WHERE l.question_id = ?",
                    (question_id,),
                )
            ]
            for question_id, position in c.execute("SELECT id, position FROM evaluative_question")
        }
        per_priority = {
            (label, year): committed
            for label, year, committed in c.execute(
                ROOTS + "SELECT r.code || ' – ' || coalesce(r.short_title, r.title), f.year, "
                "sum(coalesce(f.granted, f.proposed)) FROM funding f "
                "JOIN action a ON a.id = f.action_id LEFT JOIN dossier d ON d.id = f.dossier_id "
                "JOIN up ON up.id = coalesce(d.objective_id, a.objective_id) "
                "JOIN objective r ON r.id = up.root GROUP BY 1, 2"
            )
        }
        priorities = [
            f"{code} – {short or title}"
            for code, short, title in c.execute(
                "SELECT code, short_title, title FROM objective WHERE parent_id IS NULL "
                "ORDER BY position"
            )
        ]
    assert len(questions) == 3
    for number, question in enumerate(questions, start=1):
        assert f"Question évaluative n° {number} {flat(question)}" in text
        for title in linked[number - 1]:
            assert title in text
    # Money per priority, year by year, as SQL adds it up.
    for label in priorities:
        cells = [per_priority.get((label, year)) for year in (2024, 2025, 2026)]
        total = sum(v or 0 for v in cells)
        assert " ".join([label, *(euros(v) for v in cells), euros(total)]) in text, label
    grand = sum(v for (_, year), v in per_priority.items() if 2024 <= year <= 2026)
    assert euros(grand) in text
    assert data.total.committed.cents == grand
    # Trajectories: the indicator with a target says how far it went.
    assert "Demi-journées de permanence (demi-journées)" in text
    assert "−38 51,1 % de la cible" in text
    for heading in (
        "Évaluation 2024–2026",
        "L'essentiel de 2024–2026",
        "1. Les moyens mobilisés",
        "Montants engagés par priorité, année par année",
        "2. Les questions évaluatives",
        "Indicateurs, année par année",
        "Actions, année par année",
        "3. La couverture des objectifs et la participation",
        "4. L'évolution du quartier",
    ):
        assert heading in text, heading
    count = len(reader.pages)
    assert f"Page 1 / {count}" in text and f"Page {count} / {count}" in text
    first_page = reader.pages[0].mediabox
    assert first_page.width < first_page.height  # portrait up to five years
    assert reader.metadata is not None and reader.metadata.title.startswith("Évaluation 2024–2026")


def test_the_final_evaluation_is_landscape_with_every_year(db: Database) -> None:
    data, reader, text = evaluation(db, 2024, 2030)
    assert data.years == tuple(range(2024, 2031))
    assert "Évaluation finale du contrat de ville" in text
    assert all(page.mediabox.width > page.mediabox.height for page in reader.pages)
    assert "Priorité 2024 2025 2026 2027 2028 2029 2030 Total" in text


def test_a_question_without_links_says_so(db: Database, path: Path) -> None:
    with db.unit_of_work() as session:
        from qpvdesk.core.services import indicators as ind

        ind.add_question(session, "Question & <b>quatre</b> ?")
    _, _, text = evaluation(db, 2025, 2025)
    assert "Question évaluative n° 4 Question & <b>quatre</b> ?" in text
    assert "Aucun indicateur ni aucune action ne sont encore reliés à cette question" in text
