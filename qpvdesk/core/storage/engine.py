"""The SQLAlchemy engine over one SQLite file, with the pragmas that keep it safe.

Pragmas run per connection, outside any transaction (inside one they are no-ops).
The driver's own transaction handling is switched off and ``BEGIN`` is emitted by
us, so that DDL and savepoints are transactional too (SQLAlchemy's documented
recipe for pysqlite).
"""

from __future__ import annotations

import getpass
import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool

from qpvdesk.core.storage.audit import HASH_FUNCTION, HASHED_FIELDS, entry_hash

# "QPVD" in ASCII: marks the file as ours (PRAGMA application_id).
APPLICATION_ID = 0x51505644
BUSY_TIMEOUT_MS = 5000


def current_user() -> str:
    """Who is writing, for the audit log (the OS account name)."""
    try:
        return getpass.getuser()
    except Exception:
        return "inconnu"


def make_engine(path: Path, *, read_only: bool = False) -> Engine:
    """An engine on *path*; ``read_only`` opens the file with SQLite's ``mode=ro``.

    Never ``mode=rwc``: a file deleted or moved while the application runs (a USB stick
    pulled out) must give an error on the next unit of work, not a new empty file.
    """
    uri = read_only_uri(path) if read_only else path.resolve().as_uri() + "?mode=rw"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    # NullPool: a connection per unit of work, so no pooled connection keeps the
    # file open when it is backed up, restored or switched.
    engine = create_engine("sqlite+pysqlite://", creator=connect, poolclass=NullPool)
    user = current_user()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        configure_connection(dbapi_connection, read_only=read_only, user=user)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def read_only_uri(path: Path) -> str:
    """A ``mode=ro`` URI for *path*; ``immutable=1`` too when nothing can change the file.

    On a read-only medium (write-protected USB stick, CD, read-only mount) SQLite cannot
    create the ``-shm`` a WAL-mode file needs, and refuses to open it at all; there the
    file cannot change under us, which is exactly what ``immutable`` declares.
    """
    uri = path.resolve().as_uri() + "?mode=ro"
    sidecars = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    if _on_read_only_medium(path) and not any(side.exists() for side in sidecars):
        uri += "&immutable=1"
    return uri


def _on_read_only_medium(path: Path) -> bool:
    statvfs = getattr(os, "statvfs", None)
    if statvfs is None:  # Windows: no such flag; such files open without it
        return False
    try:
        return bool(statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def configure_connection(
    connection: sqlite3.Connection, *, read_only: bool = False, user: str | None = None
) -> None:
    """Apply the safety pragmas to a raw connection (outside any transaction)."""
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA foreign_keys = ON")
    if not read_only:
        connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    # Deleted and overwritten values are zeroed, not left in free space (GDPR erasure).
    connection.execute("PRAGMA secure_delete = ON")
    who = user or current_user()
    connection.create_function("qpvdesk_user", 0, lambda: who, deterministic=False)
    # The audit triggers chain each entry to the previous one with it.
    connection.create_function(
        HASH_FUNCTION, len(HASHED_FIELDS) + 1, entry_hash, deterministic=True
    )
