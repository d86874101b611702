"""The SQLAlchemy engine over one SQLite file, with the pragmas that keep it safe.

Pragmas run per connection, outside any transaction (inside one they are no-ops).
The driver's own transaction handling is switched off and ``BEGIN`` is emitted by
us, so that DDL and savepoints are transactional too (SQLAlchemy's documented
recipe for pysqlite).
"""

from __future__ import annotations

import getpass
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
    """An engine on *path*; ``read_only`` opens the file with SQLite's ``mode=ro``."""
    uri = path.resolve().as_uri() + ("?mode=ro" if read_only else "")

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


def configure_connection(
    connection: sqlite3.Connection, *, read_only: bool = False, user: str | None = None
) -> None:
    """Apply the safety pragmas to a raw connection (outside any transaction)."""
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA foreign_keys = ON")
    if not read_only:
        connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    who = user or current_user()
    connection.create_function("qpvdesk_user", 0, lambda: who, deterministic=False)
    # The audit triggers chain each entry to the previous one with it.
    connection.create_function(
        HASH_FUNCTION, len(HASHED_FIELDS) + 1, entry_hash, deterministic=True
    )
