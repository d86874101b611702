"""kill -9 during an import, a backup and a schema upgrade: nothing half-done is ever visible.

A child process (``fault_worker.py``) runs the real operation; the parent kills it with
SIGKILL at a random moment of the part that writes. After every kill, once the
application has looked at the file (which rolls back a transaction the killed process
left half-done, as any SQLite writer would), the file passes ``integrity_check``, holds
the operation whole or not at all, every backup the application lists is complete, and
the file opens normally with `open_database` (which also clears the lock the killed
process left behind).

The suite kills each scenario twice (after one uncut run that times it);
``--crash-iterations=N`` kills it N // 3 times: ``pytest tests/test_crash_scenarios.py
--crash-iterations=150`` runs 50 kills of each.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from qpvdesk.core.exchange.programmation_export import export_programmation
from qpvdesk.core.exchange.programmation_import import import_programmation
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage import migrate
from qpvdesk.core.storage.backups import journal_path, list_backups, verify_backup
from qpvdesk.core.storage.checks import full_check
from qpvdesk.core.storage.database import inspect_file, open_database
from qpvdesk.core.storage.engine import APPLICATION_ID
from qpvdesk.core.storage.lock import lock_path_for, pid_alive

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).with_name("fault_worker.py")
OLD_SCHEMA = Path(__file__).with_name("data") / "schema-0001-demo.sqlite"
#: Dossiers of the imported workbook: a large programmation, kept quick to read.
IMPORTED_DOSSIERS = 200


def _iterations(request: pytest.FixtureRequest) -> int:
    asked = request.config.getoption("--crash-iterations")
    return 2 if asked is None else max(3, int(asked) // 3)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


class Worker:
    """One ``fault_worker.py`` child, read line by line."""

    def __init__(self, *args: str | Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        self.lines: list[str] = []

    def wait_for(self, expected: str) -> None:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if line != expected:
            self.process.kill()
            _out, err = self.process.communicate()
            raise AssertionError(f"worker said {line!r}, expected {expected!r}\n{err}")
        self.lines.append(line)

    def kill(self) -> list[str]:
        """SIGKILL it (if still running); every line it printed."""
        self.process.send_signal(signal.SIGKILL)
        out, err = self.process.communicate()
        assert "Traceback" not in err, err
        self.lines.extend(out.split("\n"))
        return [line for line in self.lines if line]


@contextlib.contextmanager
def _sound(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection on *path*, after integrity and foreign keys were checked."""
    connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        yield connection
    finally:
        connection.close()


def _count(connection: sqlite3.Connection, table: str) -> int:
    return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _every_listed_backup_is_whole(path: Path) -> list[Path]:
    """The backups the application offers all verify; anything else is a temporary file or
    the journal des décisions kept beside them."""
    listed = [info.path for info in list_backups(path)]
    for backup in listed:
        verify_backup(backup, application_id=APPLICATION_ID)
    folder = path.parent / "backups"
    if folder.is_dir():
        others = [p.name for p in folder.iterdir() if p not in listed and p != journal_path(path)]
        assert all(".tmp" in name for name in others), others
    return listed


def _opens_normally(path: Path, killed_pid: int) -> None:
    """The application opens the file; the lock of the killed process is recognised as stale."""
    lock = lock_path_for(path)
    if lock.exists():
        assert f'"pid": {killed_pid}' in lock.read_text(encoding="utf-8")
        assert not pid_alive(killed_pid)
    database = open_database(path)
    try:
        assert not database.read_only
        with database.read() as session:
            session.connection().exec_driver_sql("SELECT count(*) FROM objective").scalar()
    finally:
        database.close()
    assert not lock.exists()


# --- import ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def programmation(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a file with the built-in contract and no dossier, a large programmation workbook)."""
    folder = tmp_path_factory.mktemp("programmation")
    source = folder / "source.sqlite"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "make_large_db.py"), str(source),
         "--dossiers", str(IMPORTED_DOSSIERS), "--current-year", "2026"],
        check=True, capture_output=True, cwd=ROOT,
    )  # fmt: skip
    database = open_database(source, backup_on_open=False)
    try:
        with database.read() as session:
            workbook = export_programmation(session, folder / "programmation.xlsx", None)
    finally:
        database.close()
    empty = folder / "vide.sqlite"
    create_new_database(empty, "builtin")
    return empty, workbook


def _workbook_counts(workbook: Path) -> tuple[int, int]:
    """(dossiers, funding rows) the workbook describes, read from its funding-lines sheet."""
    book = openpyxl.load_workbook(workbook, read_only=True)
    try:
        rows = list(book["Lignes de financement"].iter_rows(min_row=2, values_only=True))
    finally:
        book.close()
    rows = [row for row in rows if row and row[0]]
    return len({row[0] for row in rows}), len(rows)


@pytest.mark.slow
def test_kill_during_an_import_leaves_it_whole_or_absent(
    programmation: tuple[Path, Path], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    empty, workbook = programmation
    dossiers, fundings = _workbook_counts(workbook)
    assert dossiers == IMPORTED_DOSSIERS
    with _sound(empty) as connection:
        organisations_before = _count(connection, "organisation")
    rng = random.Random(20260301)
    outcomes: Counter[str] = Counter()
    window = 0.0
    for index in range(_iterations(request) + 1):
        path = tmp_path / f"essai-{index}" / "contrat.sqlite"
        path.parent.mkdir()
        shutil.copyfile(empty, path)
        worker = Worker("import", path, workbook)
        worker.wait_for("ready")
        worker.wait_for("writing")  # checks done; the backup, then the writes, begin
        started = time.monotonic()
        if index == 0:
            # A first import runs to its end: it times the writing part the kills aim at.
            worker.wait_for("committed")
            window = time.monotonic() - started
        else:
            time.sleep(rng.uniform(0.0, window * 1.2))
        lines = worker.kill()
        inspect_file(path)  # as the application looks first: undoes a half-done write
        with _sound(path) as connection:
            present = (_count(connection, "dossier"), _count(connection, "funding"))
            organisations = _count(connection, "organisation")
        # All or nothing, counted against the workbook.
        assert present in {(0, 0), (dossiers, fundings)}, present
        imported = present[0] > 0
        assert (organisations > organisations_before) == imported
        if "committed" in lines:
            assert imported
        listed = _every_listed_backup_is_whole(path)
        if imported:
            before_import = [b for b in listed if b.name.endswith("-import.sqlite")]
            assert before_import, listed
            with _sound(before_import[0]) as copy:
                assert _count(copy, "dossier") == 0
        outcomes["importé" if imported else "absent"] += 1
        _opens_normally(path, worker.process.pid)
        shutil.rmtree(path.parent)
    print(f"\nimport: {dict(outcomes)} (writing part {window:.2f} s)")
    assert outcomes["absent"] + outcomes["importé"] == _iterations(request) + 1


# --- backup ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_kill_during_a_backup_never_leaves_a_partial_backup_taken_as_valid(
    programmation: tuple[Path, Path], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    empty, workbook = programmation
    path = tmp_path / "contrat.sqlite"
    shutil.copyfile(empty, path)
    database = open_database(path, backup_on_open=False)
    try:
        assert import_programmation(database, workbook).written  # a file worth copying
    finally:
        database.close()
    for backup in list_backups(path):
        backup.path.unlink()
    with _sound(path) as connection:
        expected = {t: _count(connection, t) for t in ("dossier", "funding", "objective")}
    copies = tmp_path / "copies"
    copies.mkdir()
    rng = random.Random(20260302)
    written = 0
    leftovers = 0
    for _ in range(_iterations(request)):
        worker = Worker("backup", path, copies)
        worker.wait_for("ready")
        time.sleep(rng.uniform(0.0, 1.0))
        lines = worker.kill()
        inspect_file(path)  # as the application looks first: undoes a half-done write
        with _sound(path) as connection:
            assert {t: _count(connection, t) for t in expected} == expected
        listed = set(_every_listed_backup_is_whole(path))
        for line in lines[1:]:
            kind, name = line.split(" ", 1)
            # What the worker reported as done is there and whole.
            verify_backup(Path(name), application_id=APPLICATION_ID)
            assert kind == "copy" or Path(name) in listed
            written += 1
        for copy in copies.iterdir():
            if ".tmp" in copy.name:
                leftovers += 1
            else:  # a copy to a chosen path is there whole, or not there at all
                verify_backup(copy, application_id=APPLICATION_ID)
        _opens_normally(path, worker.process.pid)
        assert full_check(path).ok  # what « qpvdesk check » runs
        # Keep the folder small across many iterations.
        shutil.rmtree(path.parent / "backups", ignore_errors=True)
        shutil.rmtree(copies)
        copies.mkdir()
    print(f"\nbackup: {written} backups verified, {leftovers} partial copies ignored")
    assert written, "the worker never finished a backup: the test proved nothing"
    check = subprocess.run(
        [sys.executable, "-m", "qpvdesk", "--db", str(path), "check"],
        capture_output=True, text=True, env=_env(),
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


# --- schema upgrade -------------------------------------------------------------------------


Schema = list[tuple[str, str, tuple[str, ...]]]


def _schema(connection: sqlite3.Connection) -> Schema:
    """Every table, index and trigger with its definition (clauses in any order: a rebuilt
    table may list its constraints in another order from one upgrade to the next)."""
    return [
        (kind, name, tuple(sorted(line.strip().rstrip(",") for line in (sql or "").split("\n"))))
        for kind, name, sql in connection.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name"
        )
    ]


def _contents(connection: sqlite3.Connection, tables: list[str]) -> dict[str, int]:
    return {table: _count(connection, table) for table in tables}


@pytest.mark.slow
def test_kill_during_a_schema_upgrade_leaves_the_old_schema_or_the_new(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with _sound(OLD_SCHEMA) as connection:
        old_revision = migrate.file_revision(connection)
        old_schema = _schema(connection)
        old_tables = [name for kind, name, _sql in old_schema if kind == "table"]
        old_contents = _contents(connection, old_tables)
    assert old_revision != migrate.head_revision()
    rng = random.Random(20260303)
    outcomes: Counter[str] = Counter()
    new_schema: Schema = []
    new_contents: dict[str, int] = {}
    window = 0.0
    for index in range(_iterations(request) + 1):
        path = tmp_path / f"essai-{index}" / "ancien.sqlite"
        path.parent.mkdir()
        shutil.copyfile(OLD_SCHEMA, path)
        worker = Worker("migrate", path)
        worker.wait_for("ready")
        started = time.monotonic()
        if index == 0:
            worker.wait_for("upgraded")  # a first upgrade runs whole: the reference
            window = time.monotonic() - started
        else:
            time.sleep(rng.uniform(0.0, window * 1.2))
        worker.kill()
        inspect_file(path)  # as the application looks first: undoes a half-done write
        with _sound(path) as connection:
            revision = migrate.file_revision(connection)
            schema = _schema(connection)
            contents = _contents(connection, old_tables)
        if index == 0:
            new_schema, new_contents = schema, contents
        listed = _every_listed_backup_is_whole(path)
        if revision == old_revision:
            # Untouched: the old schema, every row.
            assert schema == old_schema
            assert contents == old_contents
            outcomes["ancien"] += 1
        else:
            assert revision == migrate.head_revision()
            assert schema == new_schema  # never a half-upgraded schema
            assert contents == new_contents
            # The backup taken before the upgrade is there, whole, at the old revision.
            before = [b for b in listed if b.name.endswith("-migration.sqlite")]
            assert len(before) == 1, listed
            with _sound(before[0]) as copy:
                assert migrate.file_revision(copy) == old_revision
                assert _contents(copy, old_tables) == old_contents
            outcomes["nouveau"] += 1
        # Opening as the application does upgrades an old file and keeps a new one.
        _opens_normally(path, worker.process.pid)
        with _sound(path) as connection:
            assert migrate.file_revision(connection) == migrate.head_revision()
            assert _schema(connection) == new_schema
            assert _contents(connection, old_tables) == new_contents
        shutil.rmtree(path.parent)
    print(f"\nmigration: {dict(outcomes)} (upgrade {window:.2f} s)")
    assert outcomes["nouveau"] >= 1


def test_a_transaction_left_half_done_by_a_killed_writer_is_rolled_back_on_opening(
    tmp_path: Path,
) -> None:
    """A rollback-journal file (as created, restored, or before its first opening) with a hot
    journal: a read-only look cannot undo it, the application does, then opens the file."""
    path = tmp_path / "ancien.sqlite"
    shutil.copyfile(OLD_SCHEMA, path)
    with _sound(path) as connection:
        dossiers = _count(connection, "dossier")
    assert dossiers > 0
    writer = (
        "import os, signal, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA cache_size = 5')\n"  # spill into the file before the commit
        "c.execute('BEGIN IMMEDIATE')\n"
        "c.execute('CREATE TABLE moitie (x)')\n"
        "c.executemany('INSERT INTO moitie VALUES (?)', [('x' * 500,)] * 3000)\n"
        "c.execute('DELETE FROM dossier')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    killed = subprocess.run([sys.executable, "-c", writer, str(path)], check=False)
    assert killed.returncode == -signal.SIGKILL
    assert path.with_name(path.name + "-journal").stat().st_size > 0
    with pytest.raises(sqlite3.OperationalError, match="readonly"), _sound(path):
        pass  # what a read-only look alone meets
    _opens_normally(path, killed_pid=0)
    with _sound(path) as connection:
        assert _count(connection, "dossier") == dossiers
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "moitie" not in tables
    assert not path.with_name(path.name + "-journal").exists()
