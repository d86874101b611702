"""SQL of the audit triggers, and the hash chain that makes the audit log tamper-evident.

SQLite drops a table's triggers with the table, and Alembic's batch mode rebuilds
tables: a migration that rebuilds an audited table creates its triggers again.

Every entry carries ``hash`` = sha256 of the previous entry's hash followed by this
entry's fields (`entry_hash`). The triggers compute it themselves, through the
deterministic SQL function ``qpvdesk_audit_hash`` that the engine registers on each
connection and a look at the entry before, so raw SQL and bulk updates are chained
like the application's own writes. An entry altered or deleted afterwards (by someone
who dropped the append-only triggers) breaks the chain at that entry
(`audit_chain.verify_chain`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
HASH_FUNCTION = "qpvdesk_audit_hash"
#: The fields an entry's hash covers, in the order they are serialised.
HASHED_FIELDS = (
    "id", "at", "user", "table_name", "row_id", "action", "column_name", "old_value", "new_value",
)  # fmt: skip
#: Action of the entry that keeps the reason given for changing an approved amount.
REASON_ACTION = "reason"


def _canonical(value: object) -> object:
    if isinstance(value, bytes):
        return value.hex()
    return value


# One encoder for every call: `json.dumps` with options builds a new one each time.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def entry_hash(previous: str | None, *fields: object) -> str:
    """sha256 (hex) of the previous hash and an entry's `HASHED_FIELDS`, unambiguously.

    The fields are serialised as a JSON array (null apart from empty text, numbers apart
    from text); the previous hash, fixed-length hex or empty for the first entry, comes
    before it with a newline.
    """
    try:
        payload = _encode(fields)
    except TypeError:  # a BLOB, which JSON has no word for
        payload = _encode([_canonical(value) for value in fields])
    return hashlib.sha256(f"{previous or ''}\n{payload}".encode()).hexdigest()


def _chained_insert(
    table_name: str, row_id: str, action: str, column: str, old: str, new: str
) -> str:
    """``INSERT … SELECT`` of one chained entry; the arguments are SQL expressions.

    The entry's id is chosen here (the next after the last) so that the hash covers it;
    the aggregate subquery is evaluated once, so ``at`` is the same in the row and its hash.
    """
    fields = ", ".join(f"e.{name}" for name in HASHED_FIELDS)
    return (
        f"INSERT INTO audit_entry ({', '.join(HASHED_FIELDS)}, hash) "
        f"SELECT {fields}, {HASH_FUNCTION}(p.hash, {fields}) FROM ("
        f"SELECT coalesce(max(id), 0) + 1 AS id, {NOW} AS at, qpvdesk_user() AS user, "
        f"{table_name} AS table_name, {row_id} AS row_id, {action} AS action, "
        f"{column} AS column_name, CAST({old} AS TEXT) AS old_value, "
        f"CAST({new} AS TEXT) AS new_value FROM audit_entry) AS e "
        "LEFT JOIN audit_entry AS p ON p.id = e.id - 1"
    )


def trigger_names(table: str, columns: Sequence[str]) -> list[str]:
    return [f"audit_{table}_{c}" for c in columns] + [
        f"audit_{table}_insert",
        f"audit_{table}_delete",
    ]


def chained_triggers(table: str, columns: Sequence[str], key: str = "id") -> list[str]:
    """Triggers writing chained entries for updates of *columns*, and inserts and deletes."""
    statements = [
        f"CREATE TRIGGER audit_{table}_{column} AFTER UPDATE OF {column} ON {table} "
        f"WHEN OLD.{column} IS NOT NEW.{column} BEGIN "
        + _chained_insert(
            f"'{table}'", f"NEW.{key}", "'update'", f"'{column}'", f"OLD.{column}", f"NEW.{column}"
        )
        + "; END"
        for column in columns
    ]
    summary_new = " || ' ; ' || ".join(f"'{c}=' || coalesce(NEW.{c}, '')" for c in columns)
    summary_old = summary_new.replace("NEW.", "OLD.")
    statements.append(
        f"CREATE TRIGGER audit_{table}_insert AFTER INSERT ON {table} BEGIN "
        + _chained_insert(f"'{table}'", f"NEW.{key}", "'insert'", "NULL", "NULL", summary_new)
        + "; END"
    )
    statements.append(
        f"CREATE TRIGGER audit_{table}_delete AFTER DELETE ON {table} BEGIN "
        + _chained_insert(f"'{table}'", f"OLD.{key}", "'delete'", "NULL", summary_old, "NULL")
        + "; END"
    )
    return statements


def record_reason(session: Session, table: str, row_id: int, column: str, reason: str) -> None:
    """Keep in the audit log, chained like any entry, why an approved value was changed."""
    statement = _chained_insert(":table", ":row_id", ":action", ":column", "NULL", ":reason")
    session.execute(
        text(statement),
        {
            "table": table,
            "row_id": row_id,
            "action": REASON_ACTION,
            "column": column,
            "reason": reason,
        },
    )


# --- the first form (migrations 0002 and 0003), without the hash chain --------------------

_INSERT = (
    "INSERT INTO audit_entry (at, user, table_name, row_id, action, column_name, "
    "old_value, new_value) VALUES "
)


def table_trigger_names(table: str, columns: Sequence[str]) -> list[str]:
    return trigger_names(table, columns)


def table_triggers(table: str, columns: Sequence[str], key: str = "id") -> list[str]:
    """The unchained triggers migrations 0002 and 0003 created (0005 replaces them)."""
    statements = [
        f"CREATE TRIGGER audit_{table}_{column} AFTER UPDATE OF {column} ON {table} "
        f"WHEN OLD.{column} IS NOT NEW.{column} BEGIN {_INSERT}"
        f"({NOW}, qpvdesk_user(), '{table}', NEW.{key}, 'update', '{column}', "
        f"OLD.{column}, NEW.{column}); END"
        for column in columns
    ]
    summary_new = " || ' ; ' || ".join(f"'{c}=' || coalesce(NEW.{c}, '')" for c in columns)
    summary_old = summary_new.replace("NEW.", "OLD.")
    statements.append(
        f"CREATE TRIGGER audit_{table}_insert AFTER INSERT ON {table} BEGIN {_INSERT}"
        f"({NOW}, qpvdesk_user(), '{table}', NEW.{key}, 'insert', NULL, NULL, {summary_new}); END"
    )
    statements.append(
        f"CREATE TRIGGER audit_{table}_delete AFTER DELETE ON {table} BEGIN {_INSERT}"
        f"({NOW}, qpvdesk_user(), '{table}', OLD.{key}, 'delete', NULL, {summary_old}, NULL); END"
    )
    return statements


APPEND_ONLY = [
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'le journal des modifications ne peut pas être modifié'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'le journal des modifications ne peut pas être effacé'); END",
]
APPEND_ONLY_NAMES = ["audit_entry_no_update", "audit_entry_no_delete"]
