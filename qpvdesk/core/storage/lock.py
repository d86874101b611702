"""A lock file beside the database (``<db>.lock``) so two processes never write the same file."""

from __future__ import annotations

import contextlib
import errno
import getpass
import json
import logging
import os
import socket
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType

from qpvdesk.core.errors import DatabaseLockedError, StorageError
from qpvdesk.paths import APP_NAME

logger = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"
#: A lock file that cannot be read is considered abandoned after this many seconds
#: (younger, it is probably being written by the process creating it).
GARBAGE_STALE_SECONDS = 60.0
_RETRY_INTERVAL = 0.05
_MAX_STALE_REMOVALS = 20


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock: machine, process id, user name and since when (aware datetime)."""

    host: str
    pid: int
    user: str
    since: datetime
    app: str = ""


def lock_path_for(db_path: Path) -> Path:
    """The lock file of ``db_path``: ``<db path>.lock``."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + LOCK_SUFFIX)


def _current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (service account, odd environment)
        return os.environ.get("USERNAME") or os.environ.get("USER") or "inconnu"


def _same_host(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (unknown counts as alive)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes
        from ctypes import wintypes

        process_query_limited_information = 0x1000
        still_active = 259
        error_access_denied = 5
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
        kernel32.GetExitCodeProcess.argtypes = [wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD)]
        kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
        handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
        if not handle:
            return bool(ctypes.get_last_error() == error_access_denied)
        try:
            code = wintypes.DWORD()
            if kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return bool(code.value == still_active)
            return True
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: exists but belongs to someone else
        return True
    return True


def boot_time() -> datetime | None:
    """When this machine last started (aware), if the platform tells; else None."""
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32")
        kernel32.GetTickCount64.restype = ctypes.c_ulonglong
        uptime_ms = int(kernel32.GetTickCount64())
        return datetime.now().astimezone() - timedelta(milliseconds=uptime_ms)
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("btime "):
                    return datetime.fromtimestamp(int(line.split()[1])).astimezone()
    except (OSError, ValueError):
        return None
    return None


def _parse_holder(raw: bytes) -> LockHolder | None:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    host, pid, user, since = (data.get(k) for k in ("host", "pid", "user", "since"))
    if not isinstance(host, str) or not isinstance(user, str) or not isinstance(since, str):
        return None
    if not isinstance(pid, int) or isinstance(pid, bool):
        return None
    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    app = data.get("app")
    return LockHolder(host, pid, user, moment, app if isinstance(app, str) else "")


def _french_reason(exc: OSError) -> str:
    reasons = {
        errno.ENOSPC: "le disque est plein",
        getattr(errno, "EDQUOT", errno.ENOSPC): "le disque est plein",
        errno.EROFS: "le support est en lecture seule",
        errno.EACCES: "accès refusé",
        errno.EPERM: "accès refusé",
        errno.ENOENT: "le dossier n'existe pas",
    }
    return reasons.get(exc.errno or 0) or exc.strerror or str(exc)


def locked_message(holder: LockHolder | None) -> str:
    """The French message shown when ``holder`` (None: unknown) has the file open."""
    if holder is None:
        return (
            "Ce fichier est en cours d'ouverture par un autre programme. Réessayez dans un "
            "instant, ou ouvrez-le en lecture seule."
        )
    local = holder.since.astimezone()
    return (
        f"Ce fichier est déjà ouvert par {holder.user} sur {holder.host} depuis le "
        f"{local:%d/%m/%Y} à {local:%H:%M} (processus {holder.pid}). "
        "Vous pouvez l'ouvrir en lecture seule."
    )


class FileLock:
    """An exclusive lock on a database file, like Qt's ``QLockFile`` with stale detection.

    The lock file is created atomically (``O_CREAT | O_EXCL``) and holds JSON
    ``{host, pid, user, since, app}``. A lock left by a dead process of this machine, or
    written before this machine last booted, is stale and cleared; one from another machine
    never is; an unreadable one is cleared once older than ``GARBAGE_STALE_SECONDS``.
    """

    def __init__(self, db_path: Path, *, app: str = APP_NAME) -> None:
        self.path = lock_path_for(db_path)
        self.app = app
        self._held: LockHolder | None = None

    @property
    def is_locked(self) -> bool:
        """Whether this object currently holds the lock."""
        return self._held is not None

    def acquire(self, timeout: float = 0.0) -> None:
        """Take the lock, waiting up to ``timeout`` seconds; a no-op if already held.

        Raises ``DatabaseLockedError`` if another process holds it, ``StorageError`` if the
        lock file cannot be written (read-only folder, full disk).
        """
        if self._held is not None:
            return
        deadline = time.monotonic() + max(0.0, timeout)
        removals = 0
        while True:
            if self._try_create():
                return
            raw, holder, stale = self._inspect()
            if raw is None:
                continue  # vanished in between: try again at once
            if stale and removals < _MAX_STALE_REMOVALS:
                removals += 1
                logger.warning("Clearing stale lock %s (holder: %s)", self.path, holder)
                self._remove_if_unchanged(raw)
                continue
            if time.monotonic() >= deadline:
                raise DatabaseLockedError(
                    locked_message(holder),
                    host=holder.host if holder else "",
                    pid=holder.pid if holder else 0,
                    since=holder.since.isoformat() if holder else "",
                )
            time.sleep(_RETRY_INTERVAL)

    def release(self) -> None:
        """Give the lock back; the file is deleted only if it still names this process."""
        mine, self._held = self._held, None
        if mine is None:
            return
        try:
            raw = self.path.read_bytes()
        except OSError:
            return
        current = _parse_holder(raw)
        if (
            current is not None
            and current.pid == mine.pid
            and _same_host(current.host, mine.host)
            and current.since == mine.since
        ):
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                logger.warning("Could not remove lock %s: %s", self.path, exc)
        else:
            logger.warning("Lock %s no longer ours; left in place", self.path)

    def holder(self) -> LockHolder | None:
        """Who holds the lock now (possibly this process), or None if free or unreadable."""
        try:
            raw = self.path.read_bytes()
        except OSError:
            return None
        return _parse_holder(raw)

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    # ------------------------------------------------------------------ internals

    def _try_create(self) -> bool:
        me = LockHolder(
            host=socket.gethostname(),
            pid=os.getpid(),
            user=_current_user(),
            since=datetime.now().astimezone().replace(microsecond=0),
            app=self.app,
        )
        payload = json.dumps(
            {
                "host": me.host,
                "pid": me.pid,
                "user": me.user,
                "since": me.since.isoformat(),
                "app": me.app,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except FileExistsError:
            return False
        except PermissionError as exc:
            if sys.platform == "win32" and self.path.exists():
                return False  # being deleted by its holder: look again
            raise self._cannot_write(exc) from exc
        except OSError as exc:
            raise self._cannot_write(exc) from exc
        try:
            try:
                os.write(fd, payload)
                os.fsync(fd)
            finally:
                os.close(fd)
        except BaseException as exc:  # a full disk, or the process told to stop right now
            with contextlib.suppress(OSError):
                self.path.unlink()
            if isinstance(exc, OSError):
                raise self._cannot_write(exc) from exc
            raise
        self._held = me
        return True

    def _cannot_write(self, exc: OSError) -> StorageError:
        return StorageError(
            f"Impossible de créer le verrou « {self.path.name} » dans le dossier "
            f"« {self.path.parent} » ({_french_reason(exc)}). Le fichier ne peut être ouvert "
            "qu'en lecture seule."
        )

    def _inspect(self) -> tuple[bytes | None, LockHolder | None, bool]:
        """(raw content or None if gone, parsed holder, whether it is stale)."""
        try:
            raw = self.path.read_bytes()
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return None, None, False
        except OSError:
            return b"", None, False  # unreadable for now (Windows sharing): treat as held
        holder = _parse_holder(raw)
        if holder is None:
            return raw, None, time.time() - mtime > GARBAGE_STALE_SECONDS
        if not _same_host(holder.host, socket.gethostname()):
            return raw, holder, False
        if not pid_alive(holder.pid):
            return raw, holder, True
        booted = boot_time()
        if booted is not None and holder.since < booted - timedelta(minutes=1):
            return raw, holder, True  # written before this machine restarted: pid reused
        return raw, holder, False

    def _remove_if_unchanged(self, raw: bytes) -> None:
        """Delete the lock file if it still holds ``raw`` (narrows the stale-removal race)."""
        try:
            if self.path.read_bytes() == raw:
                self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.warning("Could not clear stale lock %s: %s", self.path, exc)
