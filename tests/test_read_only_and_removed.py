"""Read-only files and folders, and a file deleted, moved or unplugged while it is open.

Each gives a French message, no crash and nothing overwritten or recreated. Permissions
are tested by a process of an ordinary user (root ignores them: as root the child runs
as ``nobody``); a read-only medium is a tmpfs remounted read-only (skipped where it
cannot be mounted).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from small_filesystem import mounted_tmpfs, remount_read_only
from sqlalchemy import select

from qpvdesk.cli import main
from qpvdesk.core.domain.models import Objective
from qpvdesk.core.errors import StorageError
from qpvdesk.core.services.framework import add_objective
from qpvdesk.core.storage.database import Database, ReadOnlyFileError, open_database
from qpvdesk.core.storage.lock import lock_path_for

ROOT = Path(__file__).resolve().parent.parent
NOBODY = 65534


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _titles(database: Database) -> list[str]:
    with database.read() as session:
        return list(session.scalars(select(Objective.title)))


def _used_once(source: Path, target: Path) -> None:
    """*target*: a copy of *source* after a session of the application (WAL mode, backups)."""
    shutil.copyfile(source, target)
    database = open_database(target)
    try:
        with database.unit_of_work() as session:
            add_objective(session, None, "Saisi avant")
    finally:
        database.close()


# --- a read-only medium -----------------------------------------------------------------------


@pytest.fixture
def read_only_medium(tmp_path: Path) -> Iterator[Path]:
    with mounted_tmpfs(tmp_path / "cle", 16 * 1024) as folder:
        yield folder


@pytest.mark.parametrize("sidecars", ["laisses", "absents"])
def test_a_file_on_a_read_only_medium_opens_read_only_and_nothing_is_written(
    read_only_medium: Path, builtin_db: Path, sidecars: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = read_only_medium / "contrat.sqlite"
    _used_once(builtin_db, path)
    if sidecars == "absents":  # the file alone, copied onto the stick
        for side in read_only_medium.glob("contrat.sqlite-*"):
            side.unlink()
    remount_read_only(read_only_medium)
    before = _digests(read_only_medium)
    with pytest.raises(ReadOnlyFileError, match="lecture seule"):
        open_database(path)
    database = open_database(path, read_only=True)
    try:
        assert "Saisi avant" in _titles(database)
        with pytest.raises(StorageError, match="lecture seule"), database.unit_of_work() as s:
            add_objective(s, None, "Interdit")
        with pytest.raises(StorageError, match="lecture seule"):
            database.backup()
    finally:
        database.close()
    assert main(["--db", str(path), "info"]) == 0
    assert main(["--db", str(path), "check"]) == 0
    capsys.readouterr()
    assert main(["--db", str(path), "backup"]) == 1
    assert "lecture seule" in capsys.readouterr().err
    assert _digests(read_only_medium) == before


# --- permissions ------------------------------------------------------------------------------


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder an unprivileged child can reach (pytest's own tmp folder is private)."""
    folder = Path(tempfile.mkdtemp(prefix="qpvdesk-droits-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for entry in [folder, *folder.rglob("*")]:
            entry.chmod(0o777 if entry.is_dir() else 0o666)
        shutil.rmtree(folder)


#: The child loads every module first (the interpreter may live in root's private home),
#: then, if it runs as root, becomes ``nobody`` so that permissions apply to it.
CHILD = f"""
import _strptime, os, sys
import qpvdesk.cli, qpvdesk.core.services.setup, qpvdesk.core.storage.database
if os.geteuid() == 0:
    os.setgroups([])
    os.setgid({NOBODY})
    os.setuid({NOBODY})
sys.exit(qpvdesk.cli.main(sys.argv[1:]))
"""


def _as_ordinary_user(*args: str) -> subprocess.CompletedProcess[str]:
    """``qpvdesk ARGS`` in a process that file permissions apply to."""
    if sys.platform == "win32":
        pytest.skip("POSIX permissions")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        capture_output=True, text=True, env=env, cwd="/", check=False,
    )  # fmt: skip


@pytest.mark.parametrize("what", ["fichier", "dossier"])
def test_a_read_only_file_or_folder_is_refused_for_writing_and_read_untouched(
    shared_folder: Path, builtin_db: Path, what: str
) -> None:
    folder = shared_folder / "contrat"
    folder.mkdir()
    path = folder / "contrat.sqlite"
    _used_once(builtin_db, path)
    for entry in [path, *folder.glob("backups/*")]:
        entry.chmod(0o444 if what == "fichier" else 0o644)
    (folder / "backups").chmod(0o555)
    folder.chmod(0o777 if what == "fichier" else 0o555)
    before = _digests(folder)
    refused = _as_ordinary_user("--db", str(path), "backup")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "lecture seule" in refused.stderr
    assert "Traceback" not in refused.stderr
    if what == "dossier":  # reading needs nothing written beside the file
        shown = _as_ordinary_user("--db", str(path), "info")
        assert shown.returncode == 0, shown.stderr
        assert "Structures" in shown.stdout
    assert _digests(folder) == before
    assert not lock_path_for(path).exists()


# --- deleted, moved, unplugged while open ------------------------------------------------------


def _delete(path: Path) -> Path | None:
    path.unlink()
    return None


def _move(path: Path) -> Path | None:
    moved = path.with_name("rangé ailleurs.sqlite")
    path.rename(moved)
    return moved


def _unplug(path: Path) -> Path | None:
    shutil.rmtree(path.parent)
    return None


@pytest.mark.parametrize(
    "fault", [_delete, _move, _unplug], ids=["supprime", "deplace", "debranche"]
)
def test_a_file_gone_while_open_gives_a_message_and_nothing_is_recreated(
    builtin_db: Path, tmp_path: Path, fault: object
) -> None:
    folder = tmp_path / "cle"
    folder.mkdir()
    path = folder / "contrat.sqlite"
    shutil.copyfile(builtin_db, path)
    database = open_database(path)
    with database.unit_of_work() as session:
        add_objective(session, None, "Saisi avant")
    # Between units of work every commit is in the file itself: no -wal holds any.
    assert not path.with_name(path.name + "-wal").exists()
    assert callable(fault)
    moved = fault(path)
    after_fault = _digests(tmp_path)
    with pytest.raises(StorageError) as caught, database.unit_of_work() as session:
        add_objective(session, None, "Saisi après")
    assert caught.value.message.startswith("Impossible d'ouvrir le fichier « contrat.sqlite »")
    with pytest.raises(StorageError, match="introuvable"):
        database.close()  # its closing backup has nothing to copy
    assert not path.exists()  # not recreated empty, nor its folder
    assert folder.exists() == (fault is not _unplug)
    assert not lock_path_for(path).exists()
    if moved is not None:
        assert _digests(tmp_path) == {
            name: digest for name, digest in after_fault.items() if "lock" not in name
        }
        connection = sqlite3.connect(moved)
        try:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            titles = {row[0] for row in connection.execute("SELECT title FROM objective")}
        finally:
            connection.close()
        assert "Saisi avant" in titles and "Saisi après" not in titles
