"""Schema versions: what a file holds, what this version of qpvdesk knows, and the upgrade."""

from __future__ import annotations

import re
import sqlite3
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: `revision: str = "0004"` and `down_revision: ... = "0003"` (or `= None`) in a script.
_IDENTIFIER = re.compile(
    r"""^(revision|down_revision)\b[^=\n]*=\s*(?:["']([^"'\n]+)["']|None)\s*$""", re.MULTILINE
)


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _revisions() -> dict[str, str | None]:
    """Each revision of the versions folder -> the revision it follows (None: the first).

    Read from the scripts' identifier lines, so that opening an up-to-date file never loads
    Alembic (a test checks this agrees with Alembic's own reading of the folder).
    """
    revisions: dict[str, str | None] = {}
    for script in sorted((MIGRATIONS_DIR / "versions").glob("[!_]*.py")):
        found = {name: value or None
                 for name, value in _IDENTIFIER.findall(script.read_text(encoding="utf-8"))}
        revision = found.get("revision")
        if revision is None or "down_revision" not in found:
            raise RuntimeError(f"{script.name}: revision identifiers not understood")
        revisions[revision] = found["down_revision"]
    return revisions


def head_revision() -> str:
    """The revision this version of qpvdesk migrates files to."""
    revisions = _revisions()
    heads = set(revisions) - {parent for parent in revisions.values() if parent is not None}
    assert len(heads) == 1, f"migrations must form one line, heads: {sorted(heads)}"
    return heads.pop()


def known_revisions() -> set[str]:
    return set(_revisions())


def file_revision(connection: sqlite3.Connection) -> str | None:
    """The Alembic revision stored in a raw connection's file, or None if it has none."""
    has_table = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if not has_table:
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def upgrade(connection: Connection) -> None:
    """Upgrade to head inside the caller's transaction (batch mode; all or nothing)."""
    from alembic import command

    command.upgrade(alembic_config(connection), "head")
