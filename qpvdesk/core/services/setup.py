"""Creating a database with its starting content, and describing an existing one."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sqlalchemy.orm import Session

from qpvdesk.core.services.builtin import load_builtin_contract, load_state_themes
from qpvdesk.core.services.info import DatabaseInfo, database_info
from qpvdesk.core.storage import migrate
from qpvdesk.core.storage.database import create_database, open_database

Content = Literal["empty", "builtin", "demo"]


def create_new_database(path: Path, content: Content = "builtin") -> Path:
    """Create *path* (never overwriting) holding nothing, the built-in contract, or the demo."""

    def populate(session: Session) -> None:
        if content == "empty":
            load_state_themes(session)
            return
        load_builtin_contract(session)
        if content == "demo":
            # Imported here: the demonstration is large and opening a file never needs it.
            from qpvdesk.core.services.demo import add_demo_programmation
            from qpvdesk.core.services.demo_evaluation import add_demo_evaluation

            add_demo_programmation(session)
            add_demo_evaluation(session)

    return create_database(path, populate)


def describe_database(path: Path) -> DatabaseInfo:
    """Summary of an existing file, opened read-only (works while the window holds it)."""
    database = open_database(path, read_only=True)
    try:
        with database.read() as session:
            revision = migrate.head_revision()
            return database_info(session, revision, database.last_backup())
    finally:
        database.close()
