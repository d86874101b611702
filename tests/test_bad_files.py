"""Files that are not a sound qpvdesk file of this version: refused, untouched, backups offered.

Each kind is refused by `open_database` and by ``qpvdesk --db F info`` with a French
message, is left byte-identical (no backup, journal or lock left behind), and when the
file has backups the command line names them and how to put one back; putting one back
keeps the refused file aside.
"""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from qpvdesk.cli import main
from qpvdesk.core.errors import UnusableFileError
from qpvdesk.core.storage.backups import create_backup, list_backups
from qpvdesk.core.storage.database import open_database, restore_database
from qpvdesk.core.storage.lock import lock_path_for


def _newer(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.execute("UPDATE alembic_version SET version_num = 'f0e1d2c3b4a5'")
        connection.execute("PRAGMA journal_mode = DELETE")
    finally:
        connection.close()


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(7).randbytes(64 * 1024))


def _text(path: Path) -> None:
    path.write_text("Relevé de décisions du COPIL\n" * 200, encoding="utf-8")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _foreign(path: Path) -> None:
    path.unlink()
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA application_id = 1196444237")  # a GeoPackage
        connection.execute("CREATE TABLE gpkg_contents (table_name TEXT)")
    finally:
        connection.close()


SPOIL: dict[str, tuple[Callable[[Path], None], str]] = {
    "plus-recent": (_newer, "version plus récente de qpvdesk"),
    "tronque": (_truncated, "endommagé"),
    "octets-aleatoires": (_random_bytes, "n'est pas une base qpvdesk"),
    "texte": (_text, "n'est pas une base qpvdesk"),
    "vide": (_empty, "est vide (0 octet)"),
    "autre-application": (_foreign, "n'a pas été créée par qpvdesk"),
}
#: Kinds put aside as they are on a restore (a copy through SQLite is impossible).
RAW = {"tronque", "octets-aleatoires", "texte", "vide"}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


@pytest.mark.parametrize("kind", SPOIL)
def test_refused_untouched_by_the_application_and_the_command_line(
    builtin_db: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spoil, message = SPOIL[kind]
    spoil(builtin_db)
    before, around = _digest(builtin_db), _leftovers(builtin_db)
    with pytest.raises(UnusableFileError, match=re.escape(message)):
        open_database(builtin_db)
    with pytest.raises(UnusableFileError, match=re.escape(message)):
        open_database(builtin_db, read_only=True)
    assert main(["--db", str(builtin_db), "info"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("qpvdesk : ") and message in captured.err
    assert "Traceback" not in captured.err
    assert "Sauvegardes" not in captured.err  # there are none to offer
    assert _digest(builtin_db) == before
    assert _leftovers(builtin_db) == around  # no backup folder, lock, -wal or -shm
    assert not lock_path_for(builtin_db).exists()


@pytest.mark.parametrize("kind", SPOIL)
def test_its_backups_are_offered_and_one_can_be_put_back(
    builtin_db: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = create_backup(builtin_db, reason="fermeture")
    spoil, message = SPOIL[kind]
    spoil(builtin_db)
    refused = builtin_db.read_bytes()
    assert main(["--db", str(builtin_db), "info"]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Sauvegardes de ce fichier" in err and str(backup) in err
    assert f"qpvdesk --db {builtin_db} restore" in err
    assert main(["--db", str(builtin_db), "check"]) == 1
    assert str(backup) in capsys.readouterr().err

    aside = restore_database(builtin_db, backup)
    assert aside is not None and aside.exists()
    if kind in RAW:
        assert aside.read_bytes() == refused  # kept as it was, nothing lost
    database = open_database(builtin_db)
    try:
        with database.read() as session:
            count = session.connection().exec_driver_sql("SELECT count(*) FROM objective")
            assert count.scalar() == 212
    finally:
        database.close()
    assert [info.path for info in list_backups(builtin_db)][-1] == backup


def test_a_backup_that_is_itself_refused_is_never_put_back(builtin_db: Path) -> None:
    folder = builtin_db.parent / "backups"
    folder.mkdir()
    bad = folder / f"{builtin_db.stem}-20260101-120000-manuelle.sqlite"
    shutil.copyfile(builtin_db, bad)
    _truncated(bad)
    before = _digest(builtin_db)
    with pytest.raises(UnusableFileError, match="endommagé"):
        restore_database(builtin_db, bad)
    assert _digest(builtin_db) == before
