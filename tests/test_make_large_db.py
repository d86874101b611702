"""The benchmark generator and the benchmark itself, run small in subprocesses (no timing)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qpvdesk.core.domain.text import fold
from qpvdesk.core.services import dossier_list
from qpvdesk.core.storage.database import open_database

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
DOSSIERS = 200
# Each of these counts what must not exist.
NOTHING = [
    # Every funding row has its dossier, every dossier funding rows.
    "SELECT count(*) FROM funding WHERE dossier_id IS NULL",
    "SELECT count(*) FROM dossier d WHERE NOT EXISTS "
    "(SELECT 1 FROM funding f WHERE f.dossier_id = d.id)",
    # Every dossier's history leads to its state.
    "SELECT count(*) FROM dossier d WHERE NOT EXISTS (SELECT 1 FROM dossier_event e "
    "WHERE e.dossier_id = d.id AND e.to_state = d.state)",
    # Payments only for dossiers past their agreement, never above what was granted.
    "SELECT count(*) FROM payment p JOIN funding f ON f.id = p.funding_id "
    "JOIN dossier d ON d.id = f.dossier_id WHERE d.state NOT IN "
    "('agreement_signed', 'paid', 'report_received', 'closed')",
    "SELECT count(*) FROM (SELECT f.id FROM funding f JOIN payment p ON p.funding_id = f.id "
    "GROUP BY f.id HAVING sum(p.amount) > f.granted)",
    # An envelope for every line and year that has funding.
    "SELECT count(*) FROM (SELECT DISTINCT budget_line_id, year FROM funding) x "
    "WHERE NOT EXISTS (SELECT 1 FROM envelope e WHERE e.budget_line_id = x.budget_line_id "
    "AND e.year = x.year)",
    # Every held meeting decided something; every decision is on its meeting's agenda and
    # proposes amounts only on its own dossier's funding rows.
    "SELECT count(*) FROM meeting m WHERE m.state != 'planned' AND NOT EXISTS "
    "(SELECT 1 FROM decision d WHERE d.meeting_id = m.id)",
    "SELECT count(*) FROM decision d LEFT JOIN agenda_item i ON i.id = d.agenda_item_id "
    "WHERE i.meeting_id IS NOT d.meeting_id OR i.dossier_id IS NOT d.dossier_id",
    "SELECT count(*) FROM decision_amount a JOIN decision d ON d.id = a.decision_id "
    "JOIN funding f ON f.id = a.funding_id WHERE f.dossier_id != d.dossier_id",
]


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


@pytest.fixture(scope="module")
def large_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("large") / "large.sqlite"
    result = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "make_large_db.py"),
            str(out),
            "--dossiers",
            str(DOSSIERS),
            "--seed",
            "7",
            "--current-year",
            "2026",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"{DOSSIERS} dossiers in" in result.stdout
    yield out


def test_the_generated_programmation_is_whole_and_consistent(large_db: Path) -> None:
    with sqlite3.connect(large_db) as c:

        def one(query: str) -> int:
            return int(c.execute(query).fetchone()[0])

        assert one("SELECT count(*) FROM dossier") == DOSSIERS
        assert one("SELECT count(*) FROM organisation WHERE name LIKE '%(fictif)'") == 5000
        assert one("SELECT count(DISTINCT year) FROM dossier") == 7
        assert one("SELECT min(year) FROM dossier") == 2024
        assert one("SELECT max(year) FROM dossier") == 2030
        funding = one("SELECT count(*) FROM funding")
        assert 3 * DOSSIERS <= funding <= 5 * DOSSIERS  # about 4 rows a dossier
        for query in NOTHING:
            assert one(query) == 0, query
        assert one("SELECT count(*) FROM dossier_event") >= DOSSIERS
        assert one("SELECT count(*) FROM payment") > 0
        assert one("SELECT count(*) FROM decision") > DOSSIERS // 4
        assert one("SELECT count(*) FROM decision_amount") > 0
        # The meeting still open (meeting mode) has dossiers on its agenda, no decision yet.
        assert one("SELECT count(*) FROM meeting WHERE state = 'planned'") == 1
        assert one("SELECT count(*) FROM agenda_item i JOIN meeting m ON m.id = i.meeting_id "
                   "WHERE m.state = 'planned'") > 0  # fmt: skip
        assert one("SELECT count(*) FROM decision d JOIN meeting m ON m.id = d.meeting_id "
                   "WHERE m.state = 'planned'") == 0  # fmt: skip
        # The audit triggers fired on the inserts.
        assert one("SELECT count(*) FROM audit_entry WHERE table_name = 'dossier'") == DOSSIERS
        assert one("SELECT count(*) FROM audit_entry WHERE table_name = 'funding'") == funding
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
        assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        sirets = [
            row[0] for row in c.execute("SELECT siret FROM organisation WHERE siret IS NOT NULL")
        ]
        assert len(sirets) > 2500 and all(luhn_valid(s) and len(s) == 14 for s in sirets)
        assert all(luhn_valid(s[:9]) for s in sirets)
        rnas = [row[0] for row in c.execute("SELECT rna FROM organisation WHERE rna IS NOT NULL")]
        assert rnas and all(len(r) == 10 and r[0] == "W" and r[1:].isdigit() for r in rnas)
        searches = c.execute(
            "SELECT d.reference, o.name, a.title, d.search_text FROM dossier d "
            "JOIN organisation o ON o.id = d.holder_id JOIN action a ON a.id = d.action_id"
        ).fetchall()
    for reference, holder, title, search_text in searches:
        assert search_text == fold(f"{reference} {holder} {title}")


def test_the_application_opens_it(large_db: Path) -> None:
    database = open_database(large_db, read_only=True, backup_on_open=False)
    try:
        with database.read() as session:
            rows = dossier_list.dossier_rows(session)
    finally:
        database.close()
    assert len(rows) == DOSSIERS
    assert sum(row.late for row in rows) < DOSSIERS // 5
    assert all(row.funder_ids and row.requested.cents > 0 for row in rows)


def test_the_benchmark_runs_on_it(large_db: Path, tmp_path: Path) -> None:
    report = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_programmation.py"), str(large_db),
         "--year", "2026", "--runs", "1", "--json", str(report)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(report.read_text(encoding="utf-8"))
    names = [entry["name"] for entry in summary["results"]]
    assert summary["dossiers"] == DOSSIERS
    assert "raw sqlite3 equivalent, all dossiers" in names
    assert "dossier_rows(), all dossiers" in names
    assert "finance_table()" in names and summary["peak_rss_mb"] > 0


def test_run_writes_its_table(large_db: Path, tmp_path: Path) -> None:
    markdown = tmp_path / "performance.md"
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), str(large_db), "--runs", "1",
         "--markdown", str(markdown), "--only", "list", "--only", "meeting",
         "--only", "record", "--only", "backup"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = markdown.read_text(encoding="utf-8")
    assert f"{DOSSIERS} dossiers" in text and "Machine:" in text
    lines = [
        line
        for line in text.splitlines()
        if line.startswith(("| Dossiers", "| Séance", "| Relevé", "| Sauvegarde"))
    ]
    assert len(lines) == 9  # 6 for the list, 1 each for the others
    # Each step has a raw counterpart measured in the same run, and its ratio.
    assert all(line.split(" | ")[4].startswith("×") for line in lines)
