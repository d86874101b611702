"""The evaluation demo: what it adds on top of the demo programmation, deterministically."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from qpvdesk.core.services.demo import add_demo_programmation
from qpvdesk.core.services.demo_evaluation import (
    FICTITIOUS_SOURCE,
    DemoEvaluation,
    add_demo_evaluation,
)
from qpvdesk.core.storage.database import open_database

TABLES = (
    "indicator",
    "measurement",
    "evaluative_question_indicator",
    "evaluative_question_action",
    "context_figure",
    "participation_event",
    "action_note",
)


def build(path: Path, *, programmation: bool = True) -> DemoEvaluation:
    database = open_database(path, backup_on_open=False)
    try:
        with database.unit_of_work() as session:
            if programmation:
                add_demo_programmation(session)
            return add_demo_evaluation(session)
    finally:
        database.close()


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as c:
        return {
            table: c.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in TABLES
        }


def test_the_demo_adds_the_evaluation_side(builtin_db: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin.sqlite"
    twin.write_bytes(builtin_db.read_bytes())
    result = build(builtin_db)
    with sqlite3.connect(builtin_db) as c:
        reported = c.execute(
            "SELECT id, year, state, report_text, report_received_on FROM dossier "
            "WHERE report_text IS NOT NULL ORDER BY id"
        ).fetchall()
        achieved_entries = c.execute(
            "SELECT count(*), count(DISTINCT dossier_id) FROM budget_entry "
            "WHERE achieved IS NOT NULL"
        ).fetchone()
        events = c.execute(
            "SELECT to_state, comment FROM dossier_event WHERE to_state = 'report_received' "
            "AND comment LIKE 'Compte rendu financier (CERFA 15059) reçu le %'"
        ).fetchall()
        measured = c.execute(
            "SELECT m.year, m.kind, count(*), count(DISTINCT i.action_id) FROM measurement m "
            "JOIN indicator i ON i.id = m.indicator_id GROUP BY 1, 2"
        ).fetchall()
        objective_indicators = c.execute(
            "SELECT count(*) FROM indicator WHERE objective_id IS NOT NULL"
        ).fetchone()[0]
        questions = c.execute(
            "SELECT q.position, "
            "(SELECT count(*) FROM evaluative_question_indicator i WHERE i.question_id = q.id), "
            "(SELECT count(*) FROM evaluative_question_action a WHERE a.question_id = q.id) "
            "FROM evaluative_question q ORDER BY q.position"
        ).fetchall()
        figures = c.execute(
            "SELECT indicator, year, count(*) FROM context_figure WHERE source = ? GROUP BY 1, 2",
            (FICTITIOUS_SOURCE,),
        ).fetchall()
        participation = c.execute("SELECT count(*) FROM participation_event").fetchone()[0]
        running = c.execute("SELECT count(*) FROM action WHERE state = 'running'").fetchone()[0]
    # Two 2025 comptes rendus, moved to « Bilan reçu » through the workflow.
    assert [(year, state) for _, year, state, _, _ in reported] == [
        (2025, "report_received"),
        (2025, "report_received"),
    ]
    assert all(text and received for _, _, _, text, received in reported)
    assert achieved_entries[1] == 2 and achieved_entries[0] >= 10
    assert len(events) == 2
    assert result.reports == tuple(row[0] for row in reported)
    # Planned and achieved values for 2025 and 2026, on several actions.
    by_key = {(year, kind): (count, actions) for year, kind, count, actions in measured}
    for key in ((2025, "planned"), (2025, "achieved"), (2026, "planned"), (2026, "achieved")):
        assert key in by_key
    assert by_key[(2025, "achieved")][1] >= 6
    assert objective_indicators == 1
    # The three evaluative questions each have indicators and actions.
    assert len(questions) == 3 and all(i > 0 and a > 0 for _, i, a in questions)
    # Poverty and unemployment for 2025 and 2026, marked as invented.
    assert {("Taux de pauvreté", 2025), ("Taux de pauvreté", 2026)} <= {
        (name, year) for name, year, _ in figures
    }
    assert {("Taux de chômage", 2025), ("Taux de chômage", 2026)} <= {
        (name, year) for name, year, _ in figures
    }
    assert participation == 3
    assert running >= 3
    # Deterministic: the same content a second time.
    build(twin)
    assert dump(twin) == dump(builtin_db)


def test_the_demo_evaluation_alone_skips_what_it_cannot_find(builtin_db: Path) -> None:
    result = build(builtin_db, programmation=False)
    assert result.reports == ()
    assert result.events == 3
    with sqlite3.connect(builtin_db) as c:
        assert c.execute("SELECT count(*) FROM indicator").fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM context_figure WHERE year = 2026").fetchone()[0] > 0
