"""`qpvdesk check`: integrity, foreign keys, the audit chain and the schema version, read only."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from qpvdesk.core.errors import StorageError
from qpvdesk.core.storage import migrate
from qpvdesk.core.storage.audit_chain import verify_chain
from qpvdesk.core.storage.database import inspect_file
from qpvdesk.core.storage.engine import read_only_uri


@dataclass
class CheckReport:
    """What the check found, line by line, in French."""

    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def fail(self, line: str) -> None:
        self.ok = False
        self.lines.append(line)


def full_check(path: Path) -> CheckReport:
    """Run every check on *path* read-only; never raises for a damaged file, reports it."""
    report = CheckReport()
    try:
        state = inspect_file(path)
    except StorageError as error:
        report.fail(error.message)
        return report
    connection = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if integrity == ["ok"]:
            report.lines.append("Intégrité du fichier : correcte.")
        else:
            report.fail(f"Intégrité du fichier : {len(integrity)} anomalie(s) : {integrity[0]}")
        orphans = connection.execute("PRAGMA foreign_key_check").fetchall()
        if orphans:
            report.fail(
                f"Références : {len(orphans)} ligne(s) orpheline(s) (table {orphans[0][0]})."
            )
        else:
            report.lines.append("Références entre tables : correctes.")
        if state.needs_upgrade:
            report.lines.append("Journal d'audit : il sera chaîné à la mise à jour du schéma.")
        else:
            chain = verify_chain(connection)
            if chain.intact:
                report.lines.append(chain.describe())
            else:
                report.fail(chain.describe())
    finally:
        connection.close()
    head = migrate.head_revision()
    if state.needs_upgrade:
        report.lines.append(
            f"Version du schéma : {state.revision} (sera mise à jour en {head} à l'ouverture)."
        )
    else:
        report.lines.append(f"Version du schéma : {state.revision} (à jour).")
    return report
