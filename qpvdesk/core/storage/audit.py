"""SQL of the audit triggers, shared by the migrations that create or rebuild audited tables.

SQLite drops a table's triggers with the table, and Alembic's batch mode rebuilds
tables: a migration that rebuilds an audited table creates its triggers again.
"""

from __future__ import annotations

from collections.abc import Sequence

NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
_INSERT = (
    "INSERT INTO audit_entry (at, user, table_name, row_id, action, column_name, "
    "old_value, new_value) VALUES "
)


def table_trigger_names(table: str, columns: Sequence[str]) -> list[str]:
    return [f"audit_{table}_{c}" for c in columns] + [
        f"audit_{table}_insert",
        f"audit_{table}_delete",
    ]


def table_triggers(table: str, columns: Sequence[str], key: str = "id") -> list[str]:
    """Triggers logging updates of *columns*, and every insert and delete, of *table*."""
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
