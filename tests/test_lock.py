"""The database lock file: exclusivity, stale locks, foreign hosts, messages."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from qpvdesk.core.errors import DatabaseLockedError, StorageError
from qpvdesk.core.storage.lock import FileLock, LockHolder, lock_path_for, pid_alive


def _write_lock(path: Path, **fields: object) -> None:
    data: dict[str, object] = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "user": "camille",
        "since": datetime.now().astimezone().isoformat(timespec="seconds"),
        "app": "qpvdesk",
    }
    data.update(fields)
    path.write_text(json.dumps(data), encoding="utf-8")


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "données.sqlite"
    path.write_bytes(b"")
    return path


def test_lock_file_is_beside_the_database_and_holds_json(db: Path) -> None:
    lock = FileLock(db)
    lock.acquire()
    try:
        assert lock.path == db.with_name("données.sqlite.lock") == lock_path_for(db)
        data = json.loads(lock.path.read_text(encoding="utf-8"))
        assert set(data) == {"host", "pid", "user", "since", "app"}
        assert data["pid"] == os.getpid()
        assert data["host"] == socket.gethostname()
        assert data["app"] == "qpvdesk"
        since = datetime.fromisoformat(data["since"])
        assert abs(since - datetime.now().astimezone()) < timedelta(minutes=1)
        holder = lock.holder()
        assert isinstance(holder, LockHolder)
        assert holder.pid == os.getpid()
        assert lock.is_locked
    finally:
        lock.release()
    assert not lock.path.exists()
    assert not lock.is_locked
    assert lock.holder() is None


def test_second_lock_fails_with_french_message_naming_host_and_since(db: Path) -> None:
    first = FileLock(db)
    first.acquire()
    second = FileLock(db)
    try:
        with pytest.raises(DatabaseLockedError) as caught:
            second.acquire()
        err = caught.value
        holder = first.holder()
        assert holder is not None
        local = holder.since.astimezone()
        expected = (
            f"Ce fichier est déjà ouvert par {holder.user} sur {socket.gethostname()} depuis le "
            f"{local:%d/%m/%Y} à {local:%H:%M} (processus {os.getpid()}). "
            "Vous pouvez l'ouvrir en lecture seule."
        )
        assert str(err) == expected
        assert err.host == socket.gethostname()
        assert err.pid == os.getpid()
        assert datetime.fromisoformat(err.since) == holder.since
        assert isinstance(err, StorageError)
        assert not second.is_locked
    finally:
        first.release()
    second.acquire()  # free again
    second.release()


def test_second_lock_waits_for_timeout_then_fails(db: Path) -> None:
    with FileLock(db):
        started = time.monotonic()
        with pytest.raises(DatabaseLockedError):
            FileLock(db).acquire(timeout=0.3)
        assert time.monotonic() - started >= 0.3


def test_reentrant_acquire_is_a_noop_and_context_manager_releases(db: Path) -> None:
    lock = FileLock(db)
    with lock:
        before = lock.path.read_bytes()
        lock.acquire()
        assert lock.path.read_bytes() == before
    assert not lock.path.exists()
    lock.release()  # releasing twice is harmless


def test_context_manager_releases_on_error(db: Path) -> None:
    lock = FileLock(db)
    with pytest.raises(RuntimeError), lock:
        raise RuntimeError("boom")
    assert not lock.path.exists()


def test_stale_lock_of_dead_process_on_this_host_is_cleared(db: Path) -> None:
    pid = _dead_pid()
    assert not pid_alive(pid)
    _write_lock(lock_path_for(db), pid=pid)
    lock = FileLock(db)
    lock.acquire()
    try:
        holder = lock.holder()
        assert holder is not None and holder.pid == os.getpid()
    finally:
        lock.release()


def test_lock_from_another_host_is_never_cleared(db: Path) -> None:
    path = lock_path_for(db)
    long_ago = (datetime.now().astimezone() - timedelta(days=400)).isoformat()
    _write_lock(path, host="poste-accueil-02", pid=_dead_pid(), user="dominique", since=long_ago)
    content = path.read_bytes()
    with pytest.raises(DatabaseLockedError) as caught:
        FileLock(db).acquire()
    assert "dominique" in str(caught.value)
    assert "poste-accueil-02" in str(caught.value)
    assert caught.value.host == "poste-accueil-02"
    assert path.read_bytes() == content


def test_lock_of_live_process_on_this_host_is_kept(db: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        _write_lock(lock_path_for(db), pid=child.pid)
        with pytest.raises(DatabaseLockedError) as caught:
            FileLock(db).acquire()
        assert f"(processus {child.pid})" in str(caught.value)
    finally:
        child.kill()
        child.wait()
    with FileLock(db):  # once the child is gone its lock is stale
        pass


def test_lock_written_before_boot_is_stale(db: Path) -> None:
    # pid 1 is alive, but a lock dated before this machine booted cannot be its.
    from qpvdesk.core.storage.lock import boot_time

    if boot_time() is None:
        pytest.skip("boot time unknown on this platform")
    long_ago = (datetime.now().astimezone() - timedelta(days=3650)).isoformat()
    _write_lock(lock_path_for(db), pid=1, since=long_ago)
    with FileLock(db):
        pass


def test_fresh_garbage_lock_blocks_old_garbage_lock_is_cleared(db: Path) -> None:
    path = lock_path_for(db)
    path.write_bytes(b"\x00\x01{not json")
    with pytest.raises(DatabaseLockedError) as caught:
        FileLock(db).acquire()
    assert "en cours d'ouverture" in str(caught.value)
    assert FileLock(db).holder() is None
    old = time.time() - 120
    os.utime(path, (old, old))
    with FileLock(db) as lock:
        assert lock.is_locked


def test_release_only_deletes_our_own_lock(db: Path) -> None:
    lock = FileLock(db)
    lock.acquire()
    _write_lock(lock.path, host="autre-poste", pid=4242)  # someone took it over meanwhile
    lock.release()
    assert lock.path.exists()
    assert json.loads(lock.path.read_text(encoding="utf-8"))["host"] == "autre-poste"


def test_release_keeps_lock_recreated_by_another_object_in_this_process(db: Path) -> None:
    first = FileLock(db)
    first.acquire()
    first.path.unlink()  # e.g. removed by hand
    _write_lock(first.path, since="2001-01-01T00:00:00+00:00")
    first.release()
    assert first.path.exists()


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="needs POSIX permissions, non-root"
)
def test_read_only_folder_gives_storage_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "x.sqlite"
    db.write_bytes(b"")
    folder.chmod(0o555)
    try:
        with pytest.raises(StorageError) as caught:
            FileLock(db).acquire()
        assert not isinstance(caught.value, DatabaseLockedError)
        assert "lecture seule" in str(caught.value)
    finally:
        folder.chmod(0o755)


def test_missing_folder_gives_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as caught:
        FileLock(tmp_path / "absent" / "x.sqlite").acquire()
    assert "Impossible de créer le verrou" in str(caught.value)


def test_pid_alive() -> None:
    assert pid_alive(os.getpid())
    assert not pid_alive(_dead_pid())
    assert not pid_alive(0)
    assert not pid_alive(-5)
