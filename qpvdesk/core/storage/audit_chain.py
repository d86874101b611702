"""Walking the audit log's hash chain: intact, or where it was first broken and how.

Each entry's hash covers the previous entry's hash and its own fields
(`audit.entry_hash`): an entry changed afterwards no longer matches its hash, and a
deleted entry leaves a gap in the ids and breaks the link of the entry after it. The
last entries deleted together leave no trace here: the relevé de décision prints the
latest hash (`latest_hash`) so that a printed copy can vouch for the log up to then.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.orm import Session

from qpvdesk.core.storage.audit import HASHED_FIELDS, entry_hash

TABLE_LABELS = {
    "dossier": "dossier",
    "funding": "financement",
    "payment": "versement",
    "envelope": "enveloppe",
    "decision": "décision de séance",
    "decision_amount": "montant d'une décision",
}
#: How much of the hash the relevé prints.
SHORT_HASH = 16


class Break(StrEnum):
    """How the chain was broken at the entry named."""

    ALTERED = "altered"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry of the chain that does not hold."""

    kind: Break
    entry_id: int
    at: str
    table_name: str
    row_id: int
    #: For MISSING: how many ids are missing just before *entry_id*.
    missing: int = 0

    def describe(self) -> str:
        """In French, for `qpvdesk check`."""
        what = TABLE_LABELS.get(self.table_name, self.table_name)
        where = f"l'entrée n° {self.entry_id} ({what} {self.row_id}, {_when(self.at)})"
        if self.kind is Break.MISSING:
            first = self.entry_id - self.missing
            gone = (
                f"l'entrée n° {first} a été effacée"
                if self.missing == 1
                else f"les entrées n° {first} à {self.entry_id - 1} ont été effacées"
            )
            return f"Journal d'audit : chaîne rompue avant {where} : {gone}."
        return (
            f"Journal d'audit : chaîne rompue à {where} : cette entrée a été modifiée "
            "après coup (son empreinte ne correspond plus)."
        )


@dataclass(frozen=True, slots=True)
class ChainReport:
    """How many entries were walked, and the first break (None: intact)."""

    entries: int
    latest_hash: str | None
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None

    def describe(self) -> str:
        if self.first_break is not None:
            return self.first_break.describe()
        return f"Journal d'audit : {self.entries} entrées, chaîne intacte."


def _when(at: str) -> str:
    try:
        moment = datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return str(at)
    return moment.astimezone().strftime("%d/%m/%Y %H:%M:%S")


def verify_chain(connection: sqlite3.Connection) -> ChainReport:
    """Walk the whole log in id order (read only) and report the first break."""
    fields = ", ".join(HASHED_FIELDS)
    rows = connection.execute(f"SELECT {fields}, hash FROM audit_entry ORDER BY id")
    previous: str | None = None
    expected_id = 1
    count = 0
    for row in rows:
        count += 1
        entry_id, at, _user, table_name, row_id = row[:5]
        stored = row[-1]
        if entry_id != expected_id:
            return ChainReport(
                count,
                previous,
                ChainBreak(
                    Break.MISSING, entry_id, at, table_name, row_id, missing=entry_id - expected_id
                ),
            )
        if stored != entry_hash(previous, *row[:-1]):
            return ChainReport(
                count, previous, ChainBreak(Break.ALTERED, entry_id, at, table_name, row_id)
            )
        previous = stored
        expected_id = entry_id + 1
    return ChainReport(count, previous, None)


def latest_hash(session: Session) -> str | None:
    """The hash of the newest entry (None for an empty log)."""
    value = session.scalar(text("SELECT hash FROM audit_entry ORDER BY id DESC LIMIT 1"))
    return None if value is None else str(value)
