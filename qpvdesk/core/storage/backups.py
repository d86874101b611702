"""Backups of the SQLite file through the online backup API: create, list, thin, verify, restore."""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from qpvdesk.core.errors import StorageError

logger = logging.getLogger(__name__)

BACKUP_SUFFIX = ".sqlite"
TMP_SUFFIX = ".tmp"
#: Reasons whose backups are kept for ``PROTECTED_DAYS`` whatever the thinning says.
PROTECTED_REASONS = frozenset({"migration", "import", "restauration"})
PROTECTED_DAYS = 30
KEEP_DAILY = 12
KEEP_WEEKLY = 10
KEEP_MONTHLY = 9
#: Leftover ``.tmp`` files (a crash during a backup) older than this are removed by thinning.
STALE_TMP_SECONDS = 24 * 3600

_REASON_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_STAMP_FORMAT = "%Y%m%d-%H%M%S"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_JOURNAL_SUFFIXES = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class BackupInfo:
    """One backup file, as described by its name."""

    path: Path
    taken_at: datetime
    reason: str
    size: int
    sequence: int = 1


class _DamagedSourceError(Exception):
    """The database being copied is itself damaged (internal signal)."""


# --------------------------------------------------------------------------- low-level helpers


def _sqlite_uri(path: Path, mode: str) -> str:
    """A ``file:`` URI for ``path`` (UNC paths keep their leading ``//``)."""
    posix = Path(os.path.abspath(path)).as_posix()
    if not posix.startswith("/"):
        posix = "/" + posix  # "C:/x" -> "/C:/x"
    return "file://" + quote(posix, safe="/:") + f"?mode={mode}"


def _connect_source(path: Path) -> sqlite3.Connection:
    """Open ``path`` for reading without ever creating it: read-only first, then read-write.

    A WAL database whose ``-shm`` cannot be created read-only needs the second form.
    """
    last: sqlite3.Error | None = None
    for mode in ("ro", "rw"):
        try:
            conn = sqlite3.connect(_sqlite_uri(path, mode), uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            last = exc
            continue
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        except sqlite3.Error as exc:
            conn.close()
            last = exc
            if _error_name(exc) in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
                break
            continue
        return conn
    assert last is not None
    raise last


def _error_name(exc: sqlite3.Error) -> str:
    return str(getattr(exc, "sqlite_errorname", "") or "")


def _has_sqlite_header(path: Path) -> bool:
    """Whether ``path`` starts with a whole SQLite header (an empty file would open as empty)."""
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError:
        return True  # let the connection report what is wrong
    return len(header) == 100 and header.startswith(_SQLITE_MAGIC)


def _integrity_ok(conn: sqlite3.Connection) -> bool:
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    return rows == [("ok",)]


def _copy_checks_out(path: Path) -> bool:
    """Whether the copy just written at ``path`` passes ``PRAGMA quick_check``.

    Why ``quick_check`` and not ``integrity_check`` here: the backup API copies the pages
    verbatim, so the copy can only be damaged where the source already was, or by the write
    itself. ``quick_check`` reads every page and checks what such damage breaks: the b-tree
    structure of every table and index, that each page is used exactly once (freelist
    included), every record's format and the NOT NULL and CHECK constraints. What it leaves
    out is comparing each index with its table and the UNIQUE constraints, which costs
    O(N log N) (3 times the read on the 50 000-dossier file) and can only find a source whose
    indexes drifted from its rows, something quick_check on opening does not look for either
    and that REINDEX repairs without losing data. ``verify_backup``, run before a backup is
    restored, keeps the full ``integrity_check``.

    A fresh read-only connection: the one that made the copy checks it several times slower
    (measured), the file's pages being in the operating system's cache either way.
    """
    conn = sqlite3.connect(_sqlite_uri(path, "ro"), uri=True, isolation_level=None)
    try:
        return conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def _copy_pages(src: sqlite3.Connection, dst: sqlite3.Connection) -> None:
    """Run the online backup in one step, no sleeps between small ones (a seam for tests
    simulating a full disk). In WAL mode the read it holds blocks no writer, and only the
    process holding the file's lock writes it."""
    src.backup(dst, pages=-1)


def _remove_quietly(*paths: Path) -> None:
    for p in paths:
        try:
            p.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:  # pragma: no cover - depends on the platform
            logger.warning("Could not remove %s: %s", p, exc)


def _with_suffixes(path: Path) -> list[Path]:
    return [path.with_name(path.name + s) for s in _JOURNAL_SUFFIXES]


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX only; Windows has no directory handles for this)."""
    if sys.platform == "win32":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - exotic filesystems
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse
        pass
    finally:
        os.close(fd)


def _write_problem(folder: Path, exc: BaseException) -> StorageError:
    """A French message for a failed write into ``folder``."""
    where = f"dans le dossier « {folder} »"
    code = getattr(exc, "errno", None)
    name = _error_name(exc) if isinstance(exc, sqlite3.Error) else ""
    text = str(exc).lower()
    if (
        code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1))
        or name in ("SQLITE_FULL", "SQLITE_IOERR_SHMSIZE")
        or ("disk is full" in text)
    ):
        return StorageError(
            f"Impossible d'enregistrer {where} : le disque est plein. "
            "Libérez de la place puis réessayez."
        )
    if code == errno.EROFS:
        return StorageError(f"Impossible d'écrire {where} : le support est en lecture seule.")
    if (
        code in (errno.EACCES, errno.EPERM)
        or isinstance(exc, PermissionError)
        or name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN"))
    ):
        return StorageError(f"Impossible d'écrire {where} : accès refusé.")
    return StorageError(f"Impossible d'écrire {where} ({exc}).")


def copy_database(source: Path, dest: Path, *, tmp: Path | None = None) -> None:
    """Copy ``source`` to ``dest`` with the online backup API, atomically.

    The copy goes to ``tmp`` (default ``<dest>.tmp``) in one backup step (``pages=-1``), is
    switched to ``journal_mode=DELETE`` (self-contained), must pass ``quick_check`` (see
    ``_copy_checks_out``), is fsynced, and renamed over ``dest``
    after any ``-wal``/``-shm``/``-journal`` left beside ``dest`` is removed (they belong to
    the content being replaced). ``dest`` must not be open. Raises ``StorageError``.
    """
    try:
        _copy_database(source, dest, tmp)
    except _DamagedSourceError as exc:
        raise StorageError(
            f"Le fichier « {source} » est endommagé : sa copie n'a pas passé la vérification "
            f"d'intégrité ({exc})."
        ) from exc


def _copy_database(source: Path, dest: Path, tmp: Path | None) -> None:
    """``copy_database`` raising ``_DamagedSourceError`` when the source is damaged."""
    tmp = tmp if tmp is not None else dest.with_name(dest.name + TMP_SUFFIX)
    folder = dest.parent
    if not source.is_file():
        raise StorageError(f"Le fichier « {source} » est introuvable.")
    if not _has_sqlite_header(source):
        raise _DamagedSourceError("not a SQLite file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_problem(folder, exc) from exc
    try:
        src = _connect_source(source)
    except sqlite3.Error as exc:
        if _error_name(exc) in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
            raise _DamagedSourceError(str(exc)) from exc
        if _error_name(exc) == "SQLITE_IOERR_SHMSIZE":  # no room beside it for its -shm
            raise _write_problem(source.parent, exc) from exc
        raise StorageError(f"Impossible de lire le fichier « {source} » ({exc}).") from exc
    done = False
    try:
        _remove_quietly(tmp, *_with_suffixes(tmp))
        dst = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            try:
                _copy_pages(src, dst)
                dst.execute("PRAGMA journal_mode=DELETE").fetchone()
            except sqlite3.DatabaseError as exc:
                if _error_name(exc) in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
                    raise _DamagedSourceError(str(exc)) from exc
                raise
        finally:
            dst.close()
        try:
            ok = _copy_checks_out(tmp)
        except sqlite3.DatabaseError as exc:
            if _error_name(exc) in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
                raise _DamagedSourceError(str(exc)) from exc
            raise
        if not ok:
            raise _DamagedSourceError("quick_check")
        src.close()  # before touching the destination's neighbours (restore reuses them)
        _fsync_file(tmp)
        _remove_quietly(*_with_suffixes(tmp))
        _remove_quietly(*_with_suffixes(dest))
        os.replace(tmp, dest)
        _fsync_dir(folder)
        done = True
    except (sqlite3.Error, OSError) as exc:
        raise _write_problem(folder, exc) from exc
    finally:
        src.close()
        if not done:
            _remove_quietly(tmp, *_with_suffixes(tmp))


# --------------------------------------------------------------------------- naming


def backups_dir(db_path: Path) -> Path:
    """The folder holding the backups of ``db_path``: ``<db folder>/backups``."""
    return Path(db_path).parent / "backups"


#: The journal des décisions (`exchange.decision_journal`), kept with the backups.
JOURNAL_NAME = "journal-des-decisions.xlsx"


def journal_path(db_path: Path) -> Path:
    """Where the journal des décisions of ``db_path`` is kept: its backup folder, named after
    the file, since two data files of one folder share that folder."""
    return backups_dir(db_path) / f"{Path(db_path).stem}-{JOURNAL_NAME}"


def _local_naive(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now()
    if moment.tzinfo is not None:
        return moment.astimezone().replace(tzinfo=None)
    return moment


def _name_pattern(stem: str) -> re.Pattern[str]:
    return re.compile(
        re.escape(stem)
        + r"-(?P<date>\d{8})-(?P<time>\d{6})(?:-(?P<seq>\d+))?-(?P<reason>[a-z][a-z0-9_]*)"
        + re.escape(BACKUP_SUFFIX)
    )


def _parse(path: Path, pattern: re.Pattern[str]) -> tuple[datetime, int, str] | None:
    m = pattern.fullmatch(path.name)
    if m is None:
        return None
    try:
        taken = datetime.strptime(m["date"] + m["time"], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    seq = int(m["seq"]) if m["seq"] else 1
    return taken, seq, m["reason"]


def _next_backup_path(folder: Path, stem: str, moment: datetime, reason: str) -> Path:
    stamp = moment.strftime(_STAMP_FORMAT)
    pattern = _name_pattern(stem)
    used: set[int] = set()
    if folder.is_dir():
        for entry in folder.glob(f"{_glob_escape(stem)}-{stamp}-*"):
            name = entry.name.removesuffix(TMP_SUFFIX)
            parsed = _parse(entry.with_name(name), pattern)
            if parsed is not None and parsed[0] == moment.replace(microsecond=0):
                used.add(parsed[1])
    seq = 1
    while seq in used:
        seq += 1
    middle = stamp if seq == 1 else f"{stamp}-{seq}"
    return folder / f"{stem}-{middle}-{reason}{BACKUP_SUFFIX}"


def _glob_escape(text: str) -> str:
    return re.sub(r"([\[\]*?])", r"[\1]", text)


# --------------------------------------------------------------------------- create / list


def create_backup(
    db_path: Path,
    *,
    reason: str,
    now: datetime | None = None,
    dest: Path | None = None,
) -> Path:
    """Back up ``db_path`` into ``dest`` (default ``backups_dir``) and return the new file.

    Named ``<stem>-YYYYMMDD-HHMMSS[-n]-<reason>.sqlite``; the copy is made with the online
    backup API (commits still in the ``-wal`` are included), checked with
    ``quick_check``, made self-contained (``journal_mode=DELETE``) and renamed atomically.
    """
    if not _REASON_RE.fullmatch(reason):
        raise ValueError(f"invalid backup reason: {reason!r}")
    db_path = Path(db_path)
    folder = Path(dest) if dest is not None else backups_dir(db_path)
    moment = _local_naive(now).replace(microsecond=0)
    if not db_path.is_file():
        # Before making the folder: the file's own folder may be gone (drive unplugged).
        raise StorageError(f"Le fichier « {db_path} » est introuvable.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_problem(folder, exc) from exc
    final = _next_backup_path(folder, db_path.stem, moment, reason)
    copy_database(db_path, final)
    logger.info("Backup written: %s", final)
    return final


def list_backups(db_path: Path) -> list[BackupInfo]:
    """The backups of ``db_path`` found in ``backups_dir``, newest first; other files ignored."""
    db_path = Path(db_path)
    folder = backups_dir(db_path)
    if not folder.is_dir():
        return []
    pattern = _name_pattern(db_path.stem)
    infos: list[BackupInfo] = []
    for entry in folder.iterdir():
        parsed = _parse(entry, pattern)
        if parsed is None:
            continue
        try:
            st = entry.stat()
        except OSError:
            continue
        if not entry.is_file():
            continue
        taken, seq, reason = parsed
        infos.append(BackupInfo(entry, taken, reason, st.st_size, seq))
    infos.sort(key=_sort_key, reverse=True)
    return infos


def _sort_key(info: BackupInfo) -> tuple[datetime, int, str]:
    return (info.taken_at, info.sequence, info.path.name)


def latest_backup(db_path: Path) -> BackupInfo | None:
    """The newest backup of ``db_path``, or None."""
    infos = list_backups(db_path)
    return infos[0] if infos else None


# --------------------------------------------------------------------------- thinning


def _iso_week(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return (iso.year, iso.week)


def plan_backups_to_keep(infos: Iterable[BackupInfo], now: datetime) -> dict[Path, str]:
    """Why each kept backup is kept: ``recent``, ``daily``, ``weekly``, ``monthly``, ``protected``.

    Anki's rule, newest first: everything from yesterday on is kept; then one backup per
    day for ``KEEP_DAILY`` days, one per ISO week for ``KEEP_WEEKLY`` weeks, one per month
    for ``KEEP_MONTHLY`` months, each older than the last one kept. Backups made before a
    migration, an import or a restore are also kept for ``PROTECTED_DAYS`` days.
    """
    now = _local_naive(now)
    yesterday = now.date() - timedelta(days=1)
    remaining = {"daily": KEEP_DAILY, "weekly": KEEP_WEEKLY, "monthly": KEEP_MONTHLY}
    last_day: date | None = None
    kept: dict[Path, str] = {}
    ordered = sorted(infos, key=_sort_key, reverse=True)
    for info in ordered:
        day = info.taken_at.date()
        stage: str | None = None
        if day >= yesterday:
            stage = "recent"
        elif remaining["daily"] > 0:
            if last_day is None or day < last_day:
                stage = "daily"
        elif remaining["weekly"] > 0:
            if last_day is None or _iso_week(day) < _iso_week(last_day):
                stage = "weekly"
        elif remaining["monthly"] > 0 and (
            last_day is None or (day.year, day.month) < (last_day.year, last_day.month)
        ):
            stage = "monthly"
        if stage is None:
            continue
        kept[info.path] = stage
        last_day = day
        if stage in remaining:
            remaining[stage] -= 1
    protect_from = now - timedelta(days=PROTECTED_DAYS)
    for info in ordered:
        if info.reason in PROTECTED_REASONS and info.taken_at > protect_from:
            kept.setdefault(info.path, "protected")
    return kept


def select_backups_to_keep(infos: Iterable[BackupInfo], now: datetime) -> set[Path]:
    """The paths of the backups that thinning keeps (see ``plan_backups_to_keep``)."""
    return set(plan_backups_to_keep(infos, now))


def thin_backups(db_path: Path, now: datetime | None = None) -> list[Path]:
    """Delete the backups ``select_backups_to_keep`` does not keep; return the deleted paths.

    Also removes ``.tmp`` leftovers of interrupted backups older than a day. A file that
    cannot be deleted is logged and skipped.
    """
    db_path = Path(db_path)
    moment = _local_naive(now)
    infos = list_backups(db_path)
    keep = select_backups_to_keep(infos, moment)
    deleted: list[Path] = []
    for info in infos:
        if info.path in keep:
            continue
        try:
            info.path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            logger.warning("Could not delete old backup %s: %s", info.path, exc)
            continue
        deleted.append(info.path)
    folder = backups_dir(db_path)
    pattern = _name_pattern(db_path.stem)
    if folder.is_dir():
        for entry in folder.glob(f"{_glob_escape(db_path.stem)}-*{BACKUP_SUFFIX}{TMP_SUFFIX}"):
            if _parse(entry.with_name(entry.name.removesuffix(TMP_SUFFIX)), pattern) is None:
                continue
            try:
                if time.time() - entry.stat().st_mtime < STALE_TMP_SECONDS:
                    continue
                entry.unlink()
            except OSError:
                continue
            deleted.append(entry)
    return deleted


# --------------------------------------------------------------------------- verify / restore


def verify_backup(path: Path, *, application_id: int | None = None) -> None:
    """Check that ``path`` is a complete, self-contained, undamaged database.

    Header sanity (magic, rollback journal mode, size matching the page count), then
    ``integrity_check`` on a read-only connection; with ``application_id``, also that the
    file carries it. Raises ``StorageError`` (French) otherwise; never modifies the file.
    """
    path = Path(path)
    damaged = f"La sauvegarde « {path} » est endommagée ou n'est pas une base qpvdesk"
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            header = fh.read(100)
    except FileNotFoundError as exc:
        raise StorageError(f"La sauvegarde « {path} » est introuvable.") from exc
    except OSError as exc:
        raise StorageError(f"Impossible de lire la sauvegarde « {path} » ({exc}).") from exc
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        raise StorageError(f"{damaged} (en-tête invalide).")
    if header[18] != 1 or header[19] != 1:
        raise StorageError(
            f"La sauvegarde « {path} » n'est pas autonome (mode WAL) : elle dépend d'un "
            "fichier « -wal » et ne peut pas être restaurée telle quelle."
        )
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    page_count = int.from_bytes(header[28:32], "big")
    counter_valid = header[24:28] == header[92:96]
    if (
        page_size < 512
        or page_size & (page_size - 1)
        or size % page_size
        or (counter_valid and page_count and size < page_count * page_size)
    ):
        raise StorageError(f"{damaged} (fichier tronqué).")
    try:
        conn = sqlite3.connect(_sqlite_uri(path, "ro"), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise StorageError(f"{damaged} ({exc}).") from exc
    try:
        mode = conn.execute("PRAGMA journal_mode").fetchone()
        if mode is None or str(mode[0]).lower() != "delete":
            raise StorageError(f"La sauvegarde « {path} » n'est pas autonome (mode {mode}).")
        if not _integrity_ok(conn):
            raise StorageError(f"{damaged} (contrôle d'intégrité en échec).")
        if application_id is not None:
            row = conn.execute("PRAGMA application_id").fetchone()
            if row is None or int(row[0]) != application_id:
                raise StorageError(f"La sauvegarde « {path} » n'est pas une base qpvdesk.")
    except sqlite3.Error as exc:
        raise StorageError(f"{damaged} ({exc}).") from exc
    finally:
        conn.close()


#: The reason given to the files a restore set aside, when listed with the backups.
SET_ASIDE_REASON = "avant_restauration"
_SET_ASIDE_INFIX = "-avant-restauration-"


def list_set_aside(db_path: Path) -> list[BackupInfo]:
    """The files restores set aside beside ``db_path`` (what it held before), newest first.

    Restoring one of them undoes the restore that set it aside.
    """
    db_path = Path(db_path)
    pattern = re.compile(
        re.escape(db_path.stem + _SET_ASIDE_INFIX)
        + r"(?P<date>\d{8})-(?P<time>\d{6})(?:-(?P<seq>\d+))?"
        + re.escape(BACKUP_SUFFIX)
    )
    folder = db_path.parent
    if not folder.is_dir():
        return []
    infos = []
    for entry in folder.glob(f"{_glob_escape(db_path.stem)}{_SET_ASIDE_INFIX}*{BACKUP_SUFFIX}"):
        m = pattern.fullmatch(entry.name)
        if m is None or not entry.is_file():
            continue
        try:
            taken = datetime.strptime(m["date"] + m["time"], "%Y%m%d%H%M%S")
            size = entry.stat().st_size
        except (ValueError, OSError):
            continue
        seq = int(m["seq"]) if m["seq"] else 1
        infos.append(BackupInfo(entry, taken, SET_ASIDE_REASON, size, seq))
    infos.sort(key=_sort_key, reverse=True)
    return infos


def _aside_path(db_path: Path, moment: datetime) -> Path:
    base = f"{db_path.stem}{_SET_ASIDE_INFIX}{moment.strftime(_STAMP_FORMAT)}"
    candidate = db_path.with_name(base + BACKUP_SUFFIX)
    n = 2
    while candidate.exists() or any(p.exists() for p in _with_suffixes(candidate)):
        candidate = db_path.with_name(f"{base}-{n}{BACKUP_SUFFIX}")
        n += 1
    return candidate


def restore_backup(
    db_path: Path,
    backup_path: Path,
    now: datetime | None = None,
    *,
    application_id: int | None = None,
) -> Path | None:
    """Replace ``db_path`` by ``backup_path``; return where the previous file was kept.

    Every connection to ``db_path`` must be closed. The backup is verified first (a damaged
    one is refused and nothing changes). The current file is then copied with the backup
    API, so commits still in its ``-wal`` are kept, to
    ``<stem>-avant-restauration-YYYYMMDD-HHMMSS.sqlite`` beside it and that copy is verified;
    only then are the current file and its ``-wal``/``-shm`` replaced. If the current file is
    itself too damaged to copy, its files are renamed aside as they are instead. Returns
    None when there was no current file.
    """
    db_path = Path(db_path)
    backup_path = Path(backup_path)
    verify_backup(backup_path, application_id=application_id)
    folder = db_path.parent
    moment = _local_naive(now).replace(microsecond=0)
    aside: Path | None = None
    if db_path.exists():
        aside = _aside_path(db_path, moment)
        try:
            _copy_database(db_path, aside, None)
        except _DamagedSourceError:
            logger.warning("Current database %s is damaged; moving its files aside", db_path)
            _move_aside_raw(db_path, aside)
        else:
            verify_backup(aside)
    tmp = db_path.with_name(db_path.name + ".restauration" + TMP_SUFFIX)
    try:
        _remove_quietly(tmp)
        shutil.copyfile(backup_path, tmp)
        _fsync_file(tmp)
    except OSError as exc:
        _remove_quietly(tmp)
        raise _write_problem(folder, exc) from exc
    try:
        verify_backup(tmp)
    except StorageError:
        _remove_quietly(tmp)
        raise
    try:
        _remove_quietly(*_with_suffixes(db_path))
        os.replace(tmp, db_path)
        _fsync_dir(folder)
    except OSError as exc:
        _remove_quietly(tmp)
        kept = f" Le fichier précédent est conservé dans « {aside} »." if aside else ""
        raise StorageError(
            f"La restauration de « {db_path} » a échoué ({exc}). Fermez tout programme qui "
            f"utilise ce fichier puis réessayez.{kept}"
        ) from exc
    logger.info("Restored %s from %s (previous file kept as %s)", db_path, backup_path, aside)
    return aside


def _move_aside_raw(db_path: Path, aside: Path) -> None:
    """Rename a damaged database and its journals to ``aside`` (nothing is lost)."""
    try:
        for suffix in ("-wal", "-journal"):
            side = db_path.with_name(db_path.name + suffix)
            if side.exists():
                os.replace(side, aside.with_name(aside.name + suffix))
        os.replace(db_path, aside)
        _remove_quietly(db_path.with_name(db_path.name + "-shm"))
        _fsync_dir(db_path.parent)
    except OSError as exc:
        raise _write_problem(db_path.parent, exc) from exc
