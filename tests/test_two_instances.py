"""Two processes on one file: the second never writes; the lock goes with the first.

The first instance is a real process: the window itself (offscreen) or a worker holding
the file as the command line does. The lock is released when it exits normally or on
SIGTERM (even in the middle of its start-up); after a SIGKILL the lock it leaves names a
process that no longer exists and the next opening clears it; a lock from another machine
is never cleared, whatever its process id.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qpvdesk.cli import main
from qpvdesk.core.domain.models import Objective
from qpvdesk.core.errors import DatabaseLockedError, StorageError
from qpvdesk.core.services.framework import add_objective
from qpvdesk.core.storage.database import open_database
from qpvdesk.core.storage.lock import lock_path_for, pid_alive

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).with_name("fault_worker.py")
#: Only a safety net against a hung child; no assertion is about time.
PATIENCE = 120.0


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"still waiting: {what}"
        time.sleep(0.05)


def _objectives(path: Path) -> int:
    database = open_database(path, read_only=True)
    try:
        with database.read() as session:
            return int(session.scalar(select(func.count()).select_from(Objective)) or 0)
    finally:
        database.close()


@pytest.fixture
def window_process(tmp_path: Path) -> Iterator[Callable[[Path], subprocess.Popen[str]]]:
    """Start ``qpvdesk --db FILE`` (the window, offscreen) with its settings and log in tmp."""
    started: list[subprocess.Popen[str]] = []
    home = tmp_path / "home"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["HOME"] = str(home)
    for variable, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                          ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache")):
        env[variable] = str(home / sub)

    def start(path: Path) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "qpvdesk", "--db", str(path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def _log(tmp_path: Path) -> str:
    logs = list((tmp_path / "home").rglob("qpvdesk.log"))
    return logs[0].read_text(encoding="utf-8") if logs else ""


def _assert_second_never_writes(path: Path, holder_pid: int,
                                capsys: pytest.CaptureFixture[str]) -> None:
    """Every way of writing is refused while *holder_pid* holds the file; reading works."""
    before = _objectives(path)
    with pytest.raises(DatabaseLockedError, match=f"déjà ouvert .*processus {holder_pid}"):
        open_database(path)
    reader = open_database(path, read_only=True)
    try:
        with pytest.raises(StorageError, match="lecture seule"), reader.unit_of_work() as s:
            add_objective(s, None, "Écrit par la seconde instance")
        with pytest.raises(StorageError, match="lecture seule"):
            reader.backup()
    finally:
        reader.close()
    assert main(["--db", str(path), "backup"]) == 1
    assert "déjà ouvert" in capsys.readouterr().err
    assert main(["--db", str(path), "info"]) == 0  # reading needs no lock
    capsys.readouterr()
    assert _objectives(path) == before
    assert json.loads(lock_path_for(path).read_text(encoding="utf-8"))["pid"] == holder_pid


def test_the_window_holds_the_file_and_releases_it_on_sigterm(
    builtin_db: Path, tmp_path: Path, window_process: Callable[[Path], subprocess.Popen[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    window = window_process(builtin_db)
    # The window's frame is shown first; the file is attached to it once open.
    _wait_until(lambda: "file attached" in _log(tmp_path) or window.poll() is not None,
                "the window")
    assert window.poll() is None, window.communicate()
    _assert_second_never_writes(builtin_db, window.pid, capsys)
    window.send_signal(signal.SIGTERM)
    _out, err = window.communicate()
    assert window.returncode == 0, err
    assert "qpvdesk stopped" in _log(tmp_path)
    assert not lock_path_for(builtin_db).exists()
    open_database(builtin_db, backup_on_open=False).close()


def test_sigterm_during_the_start_up_releases_the_lock(
    builtin_db: Path, tmp_path: Path, window_process: Callable[[Path], subprocess.Popen[str]],
) -> None:
    lock = lock_path_for(builtin_db)
    window = window_process(builtin_db)
    _wait_until(lambda: lock.exists() or window.poll() is not None, "the lock")
    window.send_signal(signal.SIGTERM)  # opening the file: the window is not built yet
    _out, err = window.communicate()
    assert "Traceback" not in err, err
    assert not lock.exists()
    assert not list((builtin_db.parent / "backups").glob("*.tmp"))
    open_database(builtin_db, backup_on_open=False).close()


def _holder(path: Path) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    process = subprocess.Popen(
        [sys.executable, str(WORKER), "hold", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    ready = process.stdout.readline()
    assert ready.strip() == "ready", ready + (process.stderr.read() if process.stderr else "")
    return process


def test_a_process_that_exits_normally_releases_the_lock(
    builtin_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = _holder(builtin_db)
    try:
        _assert_second_never_writes(builtin_db, holder.pid, capsys)
        out, err = holder.communicate("fin\n")
    finally:
        if holder.poll() is None:
            holder.kill()
    assert holder.returncode == 0, err
    assert out.split() == ["closed"]
    assert not lock_path_for(builtin_db).exists()
    open_database(builtin_db, backup_on_open=False).close()


def test_the_lock_of_a_killed_process_is_recognised_as_stale_and_cleared(
    builtin_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    holder = _holder(builtin_db)
    holder.send_signal(signal.SIGKILL)
    holder.communicate()
    lock = lock_path_for(builtin_db)
    left = json.loads(lock.read_text(encoding="utf-8"))
    assert (left["pid"], left["host"]) == (holder.pid, socket.gethostname())
    assert not pid_alive(holder.pid)
    with caplog.at_level("WARNING", logger="qpvdesk.core.storage.lock"):
        database = open_database(builtin_db, backup_on_open=False)
    try:
        assert "Clearing stale lock" in caplog.text
        assert json.loads(lock.read_text(encoding="utf-8"))["pid"] == os.getpid()
        with database.unit_of_work() as session:
            add_objective(session, None, "Après l'arrêt brutal")
    finally:
        database.close()
    assert not lock.exists()


def test_a_lock_from_another_machine_is_never_cleared(builtin_db: Path) -> None:
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE, text=True)
    lock = lock_path_for(builtin_db)
    try:
        for pid in (other.pid, 999_999_999):  # alive here, or no such process here
            lock.write_text(json.dumps({
                "host": "poste-accueil-02", "pid": pid, "user": "dominique",
                "since": datetime.now().astimezone().isoformat(timespec="seconds"),
                "app": "qpvdesk",
            }), encoding="utf-8")  # fmt: skip
            content = lock.read_bytes()
            with pytest.raises(DatabaseLockedError, match="dominique sur poste-accueil-02"):
                open_database(builtin_db)
            assert lock.read_bytes() == content
            reader = open_database(builtin_db, read_only=True)
            reader.close()
            assert lock.read_bytes() == content
    finally:
        other.communicate("")
