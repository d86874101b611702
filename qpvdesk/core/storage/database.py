"""Opening, creating and closing the data file, in the order that keeps it safe.

Open: lock → look at the file without writing (ours? which schema version?
damaged?) → backup → migrate → engine with safety pragmas. A file that is not
ours, too new or damaged is refused and left byte-identical. The one exception
to "without writing": a transaction a killed process left half-done is rolled
back first, as SQLite does for any writer.

After a committed unit of work that wrote to the audit log (money, states, decisions),
the journal des décisions (`exchange.decision_journal`) is due. Writing it costs about
0.1 s on the demo and minutes on a 50 000-dossier file, so an edit writes it only when
the last write took under `SYNC_JOURNAL` and none was made in the last `JOURNAL_EVERY`;
otherwise `write_journal_if_due` (the window's minute tick) writes it, unless it takes
over `TICK_JOURNAL`, and the close always does. Its failure never touches the committed
change: it is logged and kept in `Database.journal_problem` for the window to show.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from qpvdesk.core.errors import StorageError, UnusableFileError
from qpvdesk.core.storage import backups, migrate
from qpvdesk.core.storage import changes as change_log
from qpvdesk.core.storage.engine import (
    APPLICATION_ID,
    configure_connection,
    make_engine,
    read_only_uri,
)
from qpvdesk.core.storage.location import Location, WorkingCopy, classify, open_working_copy
from qpvdesk.core.storage.lock import FileLock, pid_alive
from qpvdesk.core.storage.sqlite_errors import translate

logger = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
BACKUP_ON_OPEN_AFTER = timedelta(hours=1)
BACKUP_EVERY = timedelta(minutes=30)
#: The journal des décisions is written at most this often while changes go on.
JOURNAL_EVERY = timedelta(minutes=1)
#: An edit writes the journal itself only if the last write (timed) took less (seconds).
SYNC_JOURNAL = 0.1
#: A journal longer to write than this (seconds) is left to the close: the minute's tick
#: would freeze the window. Before a first write is timed, it is estimated per funding row.
TICK_JOURNAL = 2.0
JOURNAL_SECONDS_PER_ROW = 0.0005


class ReadOnlyFileError(StorageError):
    """The file (or its folder) cannot be written; it may be opened read-only."""


@dataclass
class FileState:
    """What a look at the file, without writing to it, tells."""

    revision: str | None
    needs_upgrade: bool


def inspect_file(path: Path, *, check_integrity: bool = True) -> FileState:
    """Check that *path* is a sound qpvdesk file this version knows; never writes to it.

    *check_integrity* runs ``PRAGMA quick_check`` (about 1 s a 100 MB file): skipped only
    when the caller checks the same file again, fully, right after.
    """
    name = f"« {path.name} »"
    if not path.exists():
        if not path.parent.exists():
            raise StorageError(f"Le dossier « {path.parent} » n'existe pas.")
        raise StorageError(f"Le fichier {name} n'existe pas ({path.parent}).")
    if path.is_dir():
        raise StorageError(f"{name} est un dossier, pas un fichier de données qpvdesk.")
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except PermissionError:
        raise StorageError(f"Accès refusé au fichier {name}.") from None
    except OSError as exc:
        raise StorageError(f"Impossible de lire le fichier {name} : {exc.strerror}.") from None
    if not header:
        raise UnusableFileError(
            f"Le fichier {name} est vide (0 octet) : ce n'est pas une base qpvdesk. "
            "Il n'a pas été modifié."
        )
    if not header.startswith(SQLITE_HEADER) or len(header) < 100:
        raise UnusableFileError(
            f"Le fichier {name} n'est pas une base qpvdesk (ce n'est pas un fichier SQLite). "
            "Il n'a pas été modifié."
        )
    # The application_id sits at offset 68 of the header: no need to open the database.
    app_id = int.from_bytes(header[68:72], "big")
    if app_id != APPLICATION_ID:
        raise UnusableFileError(
            f"Le fichier {name} est une base SQLite qui n'a pas été créée par qpvdesk. "
            "Il n'a pas été modifié."
        )
    try:
        connection = _connect_read_only(path)
    except sqlite3.Error as exc:
        raise _refused(exc, path) from None
    try:
        check = connection.execute("PRAGMA quick_check").fetchall() if check_integrity else None
        if check_integrity and check != [("ok",)]:
            raise UnusableFileError(
                f"Le fichier {name} est endommagé (vérification d'intégrité en échec). "
                "Il n'a pas été modifié : restaurez la dernière sauvegarde."
            )
        revision = migrate.file_revision(connection)
    except sqlite3.Error as exc:
        raise _refused(exc, path) from None
    finally:
        connection.close()
    head = migrate.head_revision()
    if revision is None or revision not in migrate.known_revisions():
        raise UnusableFileError(
            f"Le fichier {name} a été créé par une version plus récente de qpvdesk "
            f"(schéma {revision or 'inconnu'}). Mettez qpvdesk à jour pour l'ouvrir ; "
            "le fichier n'a pas été modifié."
        )
    return FileState(revision=revision, needs_upgrade=revision != head)


#: A writer was killed in the middle of a transaction: only a writer can roll it back.
_INTERRUPTED = ("SQLITE_READONLY_ROLLBACK", "SQLITE_READONLY_RECOVERY")


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection that has read the schema, after any interrupted write is undone.

    A process killed during a transaction leaves a hot ``-journal`` (or a ``-wal`` to
    recover) that a read-only connection cannot roll back; SQLite rolls it back as soon as
    a writer opens the file, putting back the last committed state. That is the one write
    made here, and only when the file may be written at all.
    """
    connection = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        connection.execute("PRAGMA schema_version").fetchone()
        return connection
    except sqlite3.Error as exc:
        connection.close()
        if getattr(exc, "sqlite_errorname", "") not in _INTERRUPTED or not _writable(path):
            raise
    logger.warning("Rolling back a transaction interrupted in %s", path.name)
    writer = sqlite3.connect(path.resolve().as_uri() + "?mode=rw", uri=True)
    try:
        writer.execute("PRAGMA schema_version").fetchone()
    finally:
        writer.close()
    connection = sqlite3.connect(read_only_uri(path), uri=True)
    connection.execute("PRAGMA schema_version").fetchone()
    return connection


def _refused(exc: sqlite3.Error, path: Path) -> StorageError:
    """A damaged file is unusable as it is; a busy or unreadable one may be retried."""
    error = _translated(exc, path)
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return UnusableFileError(error.message)
    return error


def _translated(exc: sqlite3.Error, path: Path) -> StorageError:
    return translate(exc, path) or StorageError(f"Impossible d'ouvrir « {path.name} » : {exc}.")


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


@dataclass
class Database:
    """An open data file: units of work, backups, and a clean close."""

    path: Path
    engine: Engine
    read_only: bool
    lock: FileLock | None
    origin: Path
    working_copy: WorkingCopy | None = None
    warnings: list[str] = field(default_factory=list)
    #: Why the journal des décisions could not be written last time (French), or None.
    journal_problem: str | None = None
    _changed_since_backup: bool = False
    _last_backup_at: float = field(default_factory=time.monotonic)
    _audit_top: int | None = None
    _journal_due: bool = False
    _journal_at: float | None = None
    _journal_cost: float | None = None

    @contextlib.contextmanager
    def unit_of_work(self, record: Recorder | None = None) -> Iterator[Session]:
        """One user action: committed whole, or rolled back whole with a French error.

        With *record*, every row it changes is captured into ``record.changes`` so the
        action can be undone and redone.
        """
        session = Session(self.engine, expire_on_commit=False)
        top = self._audit_top
        try:
            with session.begin():
                if record is not None:
                    change_log.start_capture(session)
                yield session
                if record is not None:
                    record.changes = change_log.collect(session)
                if not self.read_only:
                    session.flush()
                    top = _audit_top(session)
            if not self.read_only:
                self._changed_since_backup = True
        except DBAPIError as exc:
            storage = translate(exc, self.path)
            if storage is not None:
                raise storage from exc
            raise
        finally:
            session.close()
        if top != self._audit_top:
            # Committed: money, a state or a decision changed (the audit log grew).
            self._audit_top = top
            self._journal_due = True
            self._journal_after_change()

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (queries for screens and reports)."""
        session = Session(self.engine)
        try:
            with session.begin():
                yield session
        except DBAPIError as exc:
            storage = translate(exc, self.path)
            if storage is not None:
                raise storage from exc
            raise
        finally:
            session.close()

    def mark_changed(self) -> None:
        self._changed_since_backup = True

    @property
    def changed_since_backup(self) -> bool:
        return self._changed_since_backup

    def backup(self, reason: str = "manuelle", dest: Path | None = None) -> Path:
        """Take a verified backup now (online backup API), then thin the old ones.

        Read-only, only a copy to *dest* is allowed: the backups folder (and its thinning)
        belongs to the process that writes the file.
        """
        if self.read_only and dest is None:
            raise StorageError(
                f"« {self.origin.name} » est ouvert en lecture seule : ses sauvegardes sont "
                "faites par le programme qui le modifie."
            )
        path = backups.create_backup(self.path, reason=reason, dest=dest)
        if dest is None:
            self._changed_since_backup = False
            self._last_backup_at = time.monotonic()
            backups.thin_backups(self.path)
        return path

    def backup_to(self, target: Path) -> Path:
        """A verified, self-contained copy at a path the user chose (refuses to overwrite)."""
        target = target.expanduser().absolute()
        if target.exists():
            raise StorageError(
                f"Le fichier « {target.name} » existe déjà : il n'a pas été remplacé."
            )
        backups.copy_database(self.path, target)
        backups.verify_backup(target, application_id=APPLICATION_ID)
        return target

    def periodic_backup(self) -> Path | None:
        """The 30-minute backup, taken only when something changed."""
        if self.read_only or not self._changed_since_backup:
            return None
        if time.monotonic() - self._last_backup_at < BACKUP_EVERY.total_seconds():
            return None
        return self.backup("periodique")

    # --- the journal des décisions -------------------------------------------------------

    @property
    def journal_due(self) -> bool:
        """Whether changes to decisions or amounts are not in the journal yet."""
        return self._journal_due

    def _journal_after_change(self) -> None:
        if self.read_only or not self._journal_due or self._journal_recent():
            return
        if self._journal_slow():
            return  # for the minute's tick, or the close
        self.write_journal()

    def _journal_recent(self) -> bool:
        return (
            self._journal_at is not None
            and time.monotonic() - self._journal_at < JOURNAL_EVERY.total_seconds()
        )

    def _journal_slow(self) -> bool:
        # Not timed yet: deemed slow, the first write is the tick's or the close's.
        return self._journal_cost is None or self._journal_cost > SYNC_JOURNAL

    def write_journal_if_due(self) -> bool:
        """The minute's tick: write the journal if changes wait and the last one is old."""
        if self.read_only or not self._journal_due or self._journal_recent():
            return False
        if self._journal_estimate() > TICK_JOURNAL:
            return False
        return self.write_journal()

    def _journal_estimate(self) -> float:
        if self._journal_cost is not None:
            return self._journal_cost
        with self.read() as session:
            rows = session.scalar(text("SELECT count(*) FROM funding")) or 0
        return float(rows) * JOURNAL_SECONDS_PER_ROW

    def write_journal(self) -> bool:
        """Write the journal des décisions now; False (logged, `journal_problem` set) if it
        could not be. Never raises: the changes it records are committed already."""
        from qpvdesk.core.exchange.decision_journal import write_decision_journal

        started = time.monotonic()
        try:
            with self.read() as session:
                write_decision_journal(session, self.path)
        except Exception as error:
            target = backups.journal_path(self.path)
            detail = error.message if isinstance(error, StorageError) else str(error)
            logger.warning(
                "Decision journal not written to %s: %s",
                target,
                detail,
                exc_info=not isinstance(error, (StorageError, OSError)),
            )
            self.journal_problem = (
                f"Le journal des décisions n'a pas pu être écrit dans « {target.parent} » "
                f"({detail}). Vos modifications sont bien enregistrées dans la base ; "
                "le journal sera réécrit à la prochaine modification."
            )
            self._journal_at = time.monotonic()
            return False
        self._journal_at = time.monotonic()
        self._journal_cost = self._journal_at - started
        self._journal_due = False
        self.journal_problem = None
        return True

    def last_backup(self) -> datetime | None:
        info = backups.latest_backup(self.path)
        return None if info is None else info.taken_at

    def close(self) -> None:
        """Write the journal and back up if changed, release the file, write a working
        copy back."""
        try:
            if not self.read_only and self._journal_due:
                self.write_journal()
            if not self.read_only and self._changed_since_backup:
                self.backup("fermeture")
        finally:
            self.engine.dispose()
            try:
                if self.working_copy is not None and not self.read_only:
                    self.working_copy.write_back()
            finally:
                if self.lock is not None:
                    self.lock.release()


@dataclass
class Recorder:
    """Receives what a recorded unit of work changed."""

    changes: change_log.ChangeSet = field(default_factory=lambda: change_log.ChangeSet(()))


def open_database(
    path: Path,
    *,
    read_only: bool = False,
    working_copies: Path | None = None,
    backup_on_open: bool = True,
    on_progress: Callable[[str], None] | None = None,
) -> Database:
    """Open an existing qpvdesk file for a session of work.

    Raises `StorageError` (French message) for anything the user can act on;
    the file is left untouched whenever it is refused.
    """
    say = on_progress or (lambda _message: None)
    origin = path.expanduser().absolute()
    location = classify(origin)
    copied = location is not Location.LOCAL and not read_only and working_copies is not None
    # What the file is, before taking anything. Its integrity is checked once: here when it
    # is about to be copied to work on, below (under the lock) when it is opened in place.
    inspect_file(origin, check_integrity=copied)
    warnings: list[str] = []
    working_copy: WorkingCopy | None = None
    local = origin
    if copied:
        working_copy = open_working_copy(origin, working_copies)
        local = working_copy.local_path
        warnings.append(
            f"Ce fichier est sur {location.describe()} : qpvdesk travaille sur une copie locale "
            "et la réécrit à la fermeture."
        )
    if not read_only and not _writable(local):
        raise ReadOnlyFileError(
            f"Le fichier « {local.name} » ou son dossier est en lecture seule : "
            "vous pouvez l'ouvrir en lecture seule."
        )
    lock = None if read_only else FileLock(local)
    try:
        if lock is not None:
            lock.acquire()
        state = inspect_file(local)
        if state.needs_upgrade and read_only:
            raise StorageError(
                f"Le fichier « {local.name} » doit être mis à jour avant d'être consulté : "
                "ouvrez-le une fois en écriture."
            )
        if state.needs_upgrade:
            say("Sauvegarde avant mise à jour du schéma…")
            backups.create_backup(local, reason="migration")
            say("Mise à jour du schéma…")
            _upgrade(local)
        engine = make_engine(local, read_only=read_only)
        database = Database(
            path=local,
            engine=engine,
            read_only=read_only,
            lock=lock,
            origin=origin,
            working_copy=working_copy,
            warnings=warnings,
        )
        if backup_on_open and not read_only:
            latest = backups.latest_backup(local)
            if latest is None or datetime.now() - latest.taken_at > BACKUP_ON_OPEN_AFTER:
                say("Sauvegarde à l'ouverture…")
                database.backup("ouverture")
        if not read_only:
            _start_journal(database)
        return database
    except BaseException:
        if lock is not None:
            lock.release()
        raise


def _audit_top(session: Session) -> int | None:
    value = session.scalar(text("SELECT max(id) FROM audit_entry"))
    return None if value is None else int(value)


def _start_journal(database: Database) -> None:
    """Where the audit log stands. A file backed up (its backup folder exists) with money
    or decisions but no journal there yet owes one."""
    with database.read() as session:
        database._audit_top = _audit_top(session)
        journal = backups.journal_path(database.path)
        if journal.exists() or not journal.parent.is_dir():
            return
        database._journal_due = bool(
            session.scalar(
                text("SELECT EXISTS (SELECT 1 FROM funding) OR EXISTS (SELECT 1 FROM decision)")
            )
        )


def restore_database(path: Path, backup_file: Path) -> Path | None:
    """Put *backup_file* in place of *path*, keeping the current file aside; returns that path.

    Takes the lock (no other process may have the file open), refuses a backup that is
    damaged, not ours or too new, and leaves the current data untouched in that case.
    """
    target = path.expanduser().absolute()
    source = backup_file.expanduser().absolute()
    inspect_file(source)
    lock = FileLock(target) if target.exists() else None
    if lock is not None:
        lock.acquire()
    try:
        aside = backups.restore_backup(target, source, application_id=APPLICATION_ID)
        inspect_file(target)
    finally:
        if lock is not None:
            lock.release()
    return aside


def _upgrade(path: Path) -> None:
    """Migrate in one transaction, foreign keys off around batch operations, then checked."""
    engine = make_engine(path)
    try:
        with engine.connect() as connection:
            # Outside any transaction, on the driver connection: inside one it is a no-op.
            raw = connection.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys = OFF")
            with connection.begin():
                migrate.upgrade(connection)
                problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise StorageError(
                        "La mise à jour du schéma a échoué (références incohérentes) : "
                        "le fichier est resté dans son état précédent."
                    )
    finally:
        engine.dispose()


def create_database(path: Path, populate: Callable[[Session], None] | None = None) -> Path:
    """Create a new file at *path*, atomically: a killed creation leaves no file or a whole one.

    Refuses to overwrite anything. *populate* fills it inside the creation transaction.
    """
    target = path.expanduser().absolute()
    if target.exists():
        raise StorageError(f"Le fichier « {target.name} » existe déjà : il n'a pas été remplacé.")
    if not target.parent.exists():
        raise StorageError(f"Le dossier « {target.parent} » n'existe pas.")
    if not os.access(target.parent, os.W_OK):
        raise ReadOnlyFileError(f"Le dossier « {target.parent} » est en lecture seule.")
    _clear_stale_temporaries(target)
    temporary = target.with_name(f".{target.name}.creation-{os.getpid()}")
    temporary.unlink(missing_ok=True)
    try:
        raw = sqlite3.connect(temporary)
        try:
            raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            raw.execute("PRAGMA journal_mode = DELETE")
        finally:
            raw.close()
        engine = make_engine(temporary)
        try:
            with engine.connect() as connection:
                with connection.begin():
                    migrate.upgrade(connection)
                if populate is not None:
                    with Session(bind=connection) as session, session.begin():
                        populate(session)
        finally:
            engine.dispose()
        # A single self-contained file before it takes its final name.
        raw = sqlite3.connect(temporary, isolation_level=None)
        try:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            raw.execute("PRAGMA journal_mode = DELETE")
        finally:
            raw.close()
        _fsync(temporary)
        _publish(temporary, target)
    except sqlite3.Error as exc:
        raise _translated(exc, target) from None
    except OSError as exc:
        raise StorageError(f"Impossible de créer « {target.name} » : {exc.strerror}.") from None
    finally:
        for leftover in (temporary, *_sidecars(temporary)):
            leftover.unlink(missing_ok=True)
    return target


def _publish(temporary: Path, target: Path) -> None:
    """Give the finished file its name without ever replacing an existing one."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise StorageError(
            f"Le fichier « {target.name} » existe déjà : il n'a pas été remplacé."
        ) from None
    except OSError:
        # File systems without hard links (FAT USB sticks): rename refuses no target on Windows.
        if target.exists():
            raise StorageError(
                f"Le fichier « {target.name} » existe déjà : il n'a pas été remplacé."
            ) from None
        os.rename(temporary, target)
    _fsync_dir(target.parent)


def _sidecars(path: Path) -> tuple[Path, Path, Path]:
    return (
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-shm"),
        path.with_name(path.name + "-journal"),
    )


_CREATION_LEFTOVER = re.compile(r"^\..+\.creation-(\d+)(-journal|-wal|-shm)?$")


def _clear_stale_temporaries(target: Path) -> None:
    """Remove the half-made files of creations killed earlier in this folder (process gone)."""
    for leftover in target.parent.iterdir():
        match = _CREATION_LEFTOVER.match(leftover.name)
        if match and not pid_alive(int(match.group(1))):
            leftover.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    if os.name == "posix":
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


__all__ = [
    "Database",
    "ReadOnlyFileError",
    "Recorder",
    "configure_connection",
    "create_database",
    "inspect_file",
    "open_database",
    "restore_database",
]
