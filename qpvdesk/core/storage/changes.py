"""Row-level change capture, so that any unit of work can be undone and redone.

While a unit of work records, temporary triggers (private to its connection, gone
when it closes) copy every inserted, updated and deleted row of every table into a
temporary log: ORM writes, bulk statements and foreign-key cascades alike. Undo
replays the log backwards, redo forwards, each in a new unit of work; a row that
changed in the meantime stops the replay with a French message and nothing is
applied. The audit log is not captured: undoing is itself a change it records.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qpvdesk.core.errors import UserFacingError

NOT_CAPTURED = frozenset({"audit_entry", "alembic_version"})
LOG_NAME = "qpvdesk_change_log"
LOG = f"temp.{LOG_NAME}"


@dataclass(frozen=True, slots=True)
class RowChange:
    """One row before and after (None: the row did not exist)."""

    table: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """Everything one unit of work changed, in order."""

    rows: tuple[RowChange, ...]

    @property
    def tables(self) -> frozenset[str]:
        return frozenset(row.table for row in self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)


class StaleChangeError(UserFacingError):
    """The data changed since: undoing or redoing would overwrite someone's work."""


def _tables(connection: sqlite3.Connection) -> dict[str, tuple[list[str], list[str]]]:
    """Columns and primary-key columns of every captured table."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    tables = {}
    for name in names:
        if name in NOT_CAPTURED:
            continue
        info = connection.execute(f'PRAGMA main.table_info("{name}")').fetchall()
        columns = [row[1] for row in info]
        keys = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5] > 0]
        tables[name] = (columns, keys or ["rowid"])
    return tables


def _json_row(prefix: str, columns: list[str]) -> str:
    # Each value as [type, value]: BLOBs travel as hex, and types come back exactly.
    pairs = ", ".join(
        f'\'{c}\', json_array(typeof({prefix}."{c}"), CASE typeof({prefix}."{c}") '
        f'WHEN \'blob\' THEN hex({prefix}."{c}") ELSE {prefix}."{c}" END)'
        for c in columns
    )
    return f"json_object({pairs})"


def start_capture(session: Session) -> None:
    """Install the capture on the session's connection (inside its transaction)."""
    raw = _driver(session)
    raw.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {LOG_NAME} "
        "(seq INTEGER PRIMARY KEY, tbl TEXT, old TEXT, new TEXT)"
    )
    raw.execute(f"DELETE FROM {LOG}")
    for table, (columns, _keys) in _tables(raw).items():
        new, old = _json_row("NEW", columns), _json_row("OLD", columns)
        # Unqualified on purpose: a TEMP trigger finds the temporary table first.
        insert = f"INSERT INTO {LOG_NAME} (tbl, old, new) VALUES ('{table}', "
        raw.execute(
            f'CREATE TEMP TRIGGER IF NOT EXISTS "qc_{table}_i" AFTER INSERT ON main."{table}" '
            f"BEGIN {insert}NULL, {new}); END"
        )
        raw.execute(
            f'CREATE TEMP TRIGGER IF NOT EXISTS "qc_{table}_u" AFTER UPDATE ON main."{table}" '
            f"BEGIN {insert}{old}, {new}); END"
        )
        raw.execute(
            f'CREATE TEMP TRIGGER IF NOT EXISTS "qc_{table}_d" AFTER DELETE ON main."{table}" '
            f"BEGIN {insert}{old}, NULL); END"
        )


def collect(session: Session) -> ChangeSet:
    """What was captured since `start_capture` (call before the unit of work ends)."""
    session.flush()
    raw = _driver(session)
    rows = raw.execute(f"SELECT tbl, old, new FROM {LOG} ORDER BY seq").fetchall()
    return ChangeSet(
        tuple(
            RowChange(table, _decode(old), _decode(new)) for table, old, new in rows if old != new
        )
    )


def _decode(payload: str | None) -> dict[str, Any] | None:
    if payload is None:
        return None
    values: dict[str, Any] = {}
    for column, (kind, value) in json.loads(payload).items():
        if kind == "blob":
            values[column] = bytes.fromhex(value)
        elif kind == "real":
            values[column] = float(value)
        else:
            values[column] = value
    return values


def _driver(session: Session) -> sqlite3.Connection:
    connection = session.connection().connection.driver_connection
    assert isinstance(connection, sqlite3.Connection)
    return connection


def undo(session: Session, changes: ChangeSet) -> None:
    """Put every row back as it was before *changes* (newest first)."""
    _replay(session, [(c.table, c.new, c.old) for c in reversed(changes.rows)])


def redo(session: Session, changes: ChangeSet) -> None:
    """Apply *changes* again (oldest first)."""
    _replay(session, [(c.table, c.old, c.new) for c in changes.rows])


STALE_MESSAGE = (
    "Impossible d'annuler ou de rétablir : ces données ont été modifiées depuis. "
    "Rien n'a été changé."
)


def _replay(
    session: Session, steps: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]]
) -> None:
    try:
        _apply(session, steps)
    except IntegrityError as error:
        # A row created since took a code or a slot the replay needs back.
        raise StaleChangeError(STALE_MESSAGE) from error


def _apply(
    session: Session, steps: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]]
) -> None:
    session.flush()
    raw = _driver(session)
    tables = _tables(raw)
    for table, expected, target in steps:
        _columns, keys = tables[table]
        row = expected if expected is not None else target
        assert row is not None
        where = " AND ".join(f'"{k}" IS :k_{k}' for k in keys)
        key_values = {f"k_{k}": row[k] for k in keys}
        current = (
            session.execute(text(f'SELECT * FROM "{table}" WHERE {where}'), key_values)
            .mappings()
            .first()
        )
        if (None if current is None else dict(current)) != expected:
            raise StaleChangeError(STALE_MESSAGE)
        if target is None:
            session.execute(text(f'DELETE FROM "{table}" WHERE {where}'), key_values)
        elif expected is None:
            names = ", ".join(f'"{c}"' for c in target)
            params = ", ".join(f":v_{c}" for c in target)
            session.execute(
                text(f'INSERT INTO "{table}" ({names}) VALUES ({params})'),
                {f"v_{c}": v for c, v in target.items()},
            )
        else:
            changed = {c: v for c, v in target.items() if expected.get(c) != v}
            if changed:
                assignments = ", ".join(f'"{c}" = :v_{c}' for c in changed)
                session.execute(
                    text(f'UPDATE "{table}" SET {assignments} WHERE {where}'),
                    {**key_values, **{f"v_{c}": v for c, v in changed.items()}},
                )
    # The ORM identity map may hold rows changed behind its back.
    session.expire_all()
