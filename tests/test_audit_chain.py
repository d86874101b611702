"""The audit log as a hash chain: written by the triggers, verified by `qpvdesk check`."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from qpvdesk.core.storage import migrate
from qpvdesk.core.storage.audit import entry_hash
from qpvdesk.core.storage.audit_chain import Break, verify_chain
from qpvdesk.core.storage.database import open_database
from qpvdesk.core.storage.engine import make_engine

DATA = Path(__file__).with_name("data")


@pytest.fixture
def demo_path(demo_db: Path) -> Path:
    return demo_db


def check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qpvdesk", "--db", str(path), "check"],
        capture_output=True,
        text=True,
    )


def _tamper(path: Path, sql: str) -> None:
    """What someone editing the file by hand would do: drop the guard, change the log."""
    with sqlite3.connect(path) as raw:
        raw.execute("DROP TRIGGER audit_entry_no_update")
        raw.execute("DROP TRIGGER audit_entry_no_delete")
        raw.execute(sql)
    raw.close()


def test_the_untouched_demo_has_an_intact_chain(demo_path: Path) -> None:
    with sqlite3.connect(demo_path) as raw:
        entries = raw.execute("SELECT count(*) FROM audit_entry").fetchone()[0]
        unhashed = raw.execute("SELECT count(*) FROM audit_entry WHERE hash IS NULL").fetchone()
    raw.close()
    assert entries > 100
    assert unhashed == (0,)
    result = check(demo_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Journal d'audit : {entries} entrées, chaîne intacte" in result.stdout


def test_each_hash_covers_the_previous_hash_and_the_entry(demo_path: Path) -> None:
    with sqlite3.connect(demo_path) as raw:
        rows = raw.execute(
            "SELECT id, at, user, table_name, row_id, action, column_name, old_value, "
            "new_value, hash FROM audit_entry WHERE id IN (1, 2) ORDER BY id"
        ).fetchall()
    raw.close()
    first, second = rows
    assert first[-1] == entry_hash(None, *first[:-1])
    assert second[-1] == entry_hash(first[-1], *second[:-1])


def test_an_entry_altered_by_hand_is_named_by_check(demo_path: Path) -> None:
    with sqlite3.connect(demo_path) as raw:
        target, table, row_id = raw.execute(
            "SELECT id, table_name, row_id FROM audit_entry WHERE table_name = 'funding' "
            "AND action = 'insert' ORDER BY id LIMIT 1 OFFSET 3"
        ).fetchone()
    raw.close()
    _tamper(demo_path, f"UPDATE audit_entry SET new_value = 'granted=1' WHERE id = {target}")
    with sqlite3.connect(demo_path) as raw:
        report = verify_chain(raw)
    raw.close()
    assert report.first_break is not None
    assert report.first_break.kind is Break.ALTERED
    assert (report.first_break.entry_id, report.first_break.table_name) == (target, table)
    assert report.first_break.row_id == row_id
    result = check(demo_path)
    assert result.returncode != 0
    assert f"chaîne rompue à l'entrée n° {target} (financement {row_id}," in result.stdout
    assert "modifiée après coup" in result.stdout
    assert "chaîne intacte" not in result.stdout


def test_an_entry_deleted_by_hand_is_named_by_check(demo_path: Path) -> None:
    _tamper(demo_path, "DELETE FROM audit_entry WHERE id = 40")
    result = check(demo_path)
    assert result.returncode != 0
    assert "chaîne rompue avant l'entrée n° 41 (" in result.stdout
    assert "l'entrée n° 40 a été effacée" in result.stdout


def test_the_log_still_refuses_updates_and_deletes(demo_path: Path) -> None:
    with sqlite3.connect(demo_path) as raw:
        with pytest.raises(sqlite3.IntegrityError, match="ne peut pas être modifié"):
            raw.execute("UPDATE audit_entry SET hash = 'x' WHERE id = 1")
        with pytest.raises(sqlite3.IntegrityError, match="ne peut pas être effacé"):
            raw.execute("DELETE FROM audit_entry WHERE id = 1")
    raw.close()


def test_raw_bulk_updates_are_chained_too(demo_path: Path) -> None:
    db = open_database(demo_path, backup_on_open=False)
    try:
        with db.unit_of_work() as session:
            before = session.scalar(text("SELECT max(id) FROM audit_entry"))
            changed = session.execute(
                text("UPDATE funding SET granted = granted + 100 WHERE granted IS NOT NULL")
            ).rowcount
        with db.read() as session:
            added = session.execute(
                text("SELECT column_name, hash FROM audit_entry WHERE id > :before ORDER BY id"),
                {"before": before},
            ).all()
    finally:
        db.close()
    assert changed > 5
    assert len(added) == changed
    assert all(column == "granted" and len(digest) == 64 for column, digest in added)
    with sqlite3.connect(demo_path) as raw:
        assert verify_chain(raw).intact
    raw.close()


def test_an_upgraded_file_gets_its_existing_entries_chained(tmp_path: Path) -> None:
    path = tmp_path / "ancien.sqlite"
    shutil.copy(DATA / "schema-0001-demo.sqlite", path)
    # The file as revision 0004 left it: entries written by the unchained triggers.
    engine = make_engine(path)
    try:
        with engine.connect() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys = OFF")  # as the application's upgrade does
            with connection.begin():
                command.upgrade(migrate.alembic_config(connection), "0004")
        with engine.begin() as connection:
            connection.execute(text("UPDATE dossier SET state = 'withdrawn' WHERE id = 1"))
            connection.execute(text("UPDATE funding SET granted = 123400 WHERE id <= 3"))
    finally:
        engine.dispose()
    with sqlite3.connect(path) as raw:
        entries = raw.execute("SELECT count(*) FROM audit_entry").fetchone()[0]
    raw.close()
    assert entries >= 2
    db = open_database(path)
    try:
        with db.unit_of_work() as session:
            session.execute(text("UPDATE dossier SET state = 'received' WHERE id = 1"))
    finally:
        db.close()
    with sqlite3.connect(path) as raw:
        report = verify_chain(raw)
        unhashed = raw.execute("SELECT count(*) FROM audit_entry WHERE hash IS NULL").fetchone()
    raw.close()
    assert unhashed == (0,)
    assert report.intact
    assert report.entries == entries + 1
