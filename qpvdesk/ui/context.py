"""The application context screens receive: the open database, units of work, one change signal."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from sqlalchemy.orm import Session

from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.messages import Messenger

T = TypeVar("T")

#: The change topic meaning "everything may have changed" (a restore, another file).
EVERYTHING = "*"


def touches(changes: frozenset[str], *topics: str) -> bool:
    """Whether a change set concerns any of *topics*."""
    return EVERYTHING in changes or any(topic in changes for topic in topics)


class AppContext(QObject):
    """What the screens share; they never hold a Session or an ORM object."""

    #: Emitted after every successful unit of work with what it changed (a frozenset of topics).
    changed = Signal(object)
    #: Emitted when another file was opened in place of the current one.
    database_replaced = Signal()

    def __init__(self, database: Database, messenger: Messenger | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self.messenger = messenger or Messenger()

    @property
    def database(self) -> Database:
        return self._database

    @property
    def read_only(self) -> bool:
        return self._database.read_only

    def read(self, work: Callable[[Session], T]) -> T:
        """Run a query in its own short read transaction."""
        with self._database.read() as session:
            return work(session)

    def write(self, work: Callable[[Session], T], changes: Iterable[str]) -> T:
        """Run one user action as one unit of work, then tell every screen what changed.

        Raises `UserFacingError` (nothing changed) for the caller to show.
        """
        if self._database.read_only:
            raise UserFacingError(
                self.tr("La base est ouverte en lecture seule : rien ne peut y être modifié.")
            )
        with self._database.unit_of_work() as session:
            result = work(session)
        self.changed.emit(frozenset(changes))
        return result

    def replace_database(self, database: Database) -> None:
        """Point every screen at another open file (the caller closed the previous one)."""
        self._database = database
        self.database_replaced.emit()
        self.changed.emit(frozenset({EVERYTHING}))
