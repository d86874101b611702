"""A disk that fills up while qpvdesk writes: a French message, nothing half-written, no file lost.

On a real, small file system (a tmpfs mounted for the test; skipped with the reason where
that is impossible; test_database.py simulates the same with ``PRAGMA max_page_count``
everywhere).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from small_filesystem import fill, mounted_tmpfs
from sqlalchemy import select

from qpvdesk.core.domain.models import Objective
from qpvdesk.core.errors import StorageError
from qpvdesk.core.services.framework import add_objective
from qpvdesk.core.storage.backups import list_backups, verify_backup
from qpvdesk.core.storage.database import Database, open_database
from qpvdesk.core.storage.engine import APPLICATION_ID
from qpvdesk.core.storage.lock import lock_path_for

FULL = "disque est plein"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 12 MiB file system: room for the file and a backup, not for much more."""
    with mounted_tmpfs(tmp_path / "cle", 12 * 1024) as folder:
        yield folder


def _titles(database: Database) -> list[str]:
    with database.read() as session:
        return list(session.scalars(select(Objective.title)))


def _integrity(path: Path) -> None:
    connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        connection.close()


def _only_whole_backups(path: Path) -> list[Path]:
    listed = [info.path for info in list_backups(path)]
    for backup in listed:
        verify_backup(backup, application_id=APPLICATION_ID)
    leftovers = [p.name for p in (path.parent / "backups").iterdir() if p not in listed]
    assert leftovers == [], leftovers  # a failed backup removes its temporary file
    return listed


def test_a_write_that_fills_the_disk_is_rolled_back_with_a_french_message(
    small_disk: Path, builtin_db: Path
) -> None:
    path = small_disk / "contrat.sqlite"
    path.write_bytes(builtin_db.read_bytes())
    database = open_database(path)  # takes the opening backup: 2 copies on the disk
    try:
        with database.unit_of_work() as session:
            add_objective(session, None, "Enregistré avant")
        filler = fill(small_disk, leave_kib=48)
        with pytest.raises(StorageError, match=FULL) as caught, database.unit_of_work() as s:
            for index in range(400):
                add_objective(s, None, f"Trop {index} " + "x" * 1500)
        assert caught.value.message.startswith("Le disque est plein : la dernière modification")
        titles = _titles(database)
        assert "Enregistré avant" in titles
        assert not any(title.startswith("Trop ") for title in titles)
        _integrity(path)

        # A backup on the full disk fails in French and leaves nothing that looks valid.
        before = _only_whole_backups(path)
        with pytest.raises(StorageError, match=FULL):
            database.backup("manuelle")
        assert _only_whole_backups(path) == before
        target = small_disk / "copie.sqlite"
        with pytest.raises(StorageError, match=FULL):
            database.backup_to(target)
        assert not target.exists()
        assert not list(small_disk.glob("copie.sqlite*"))

        # Room again: the session goes on.
        filler.unlink()
        with database.unit_of_work() as session:
            add_objective(session, None, "Enregistré après")
        assert "Enregistré après" in _titles(database)
    finally:
        database.close()
    _integrity(path)
    assert len(_only_whole_backups(path)) == len(before) + 1  # the closing one


def test_closing_on_a_full_disk_keeps_the_data_and_releases_the_file(
    small_disk: Path, builtin_db: Path
) -> None:
    path = small_disk / "contrat.sqlite"
    path.write_bytes(builtin_db.read_bytes())
    database = open_database(path)
    with database.unit_of_work() as session:
        add_objective(session, None, "Saisi en séance")
    before = _only_whole_backups(path)
    filler = fill(small_disk)
    with pytest.raises(StorageError, match=FULL):
        database.close()  # its closing backup has no room
    assert not lock_path_for(path).exists()
    assert _only_whole_backups(path) == before
    # Even reading needs a little room (SQLite's -shm): refused in French, not half-opened.
    for read_only in (False, True):
        with pytest.raises(StorageError, match=FULL):
            open_database(path, read_only=read_only)
    assert not lock_path_for(path).exists()
    filler.unlink()
    _integrity(path)
    reopened = open_database(path)
    try:
        assert "Saisi en séance" in _titles(reopened)
    finally:
        reopened.close()
