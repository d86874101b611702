"""The application context screens receive: the open database, units of work, one change signal,
and the window's undo stack."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack
from sqlalchemy.orm import Session

from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.storage.database import Database, Recorder
from qpvdesk.ui.messages import Messenger
from qpvdesk.ui.topics import EVERYTHING, topics_for_tables, touches
from qpvdesk.ui.undo import Focus, RecordedChange

T = TypeVar("T")

#: How many actions Ctrl+Z can go back.
UNDO_LIMIT = 100

__all__ = ["EVERYTHING", "AppContext", "Focus", "touches"]


class AppContext(QObject):
    """What the screens share; they never hold a Session or an ORM object."""

    #: Emitted after every successful unit of work with what it changed (a frozenset of topics).
    changed = Signal(object)
    #: Emitted when another file was opened in place of the current one.
    database_replaced = Signal()
    #: After an undo or redo: the screen of a topic should select this (see `Focus`).
    focus_requested = Signal(str, object)
    #: Any screen asks for a dossier to be opened in its editor (dossier id).
    open_dossier_requested = Signal(int)
    #: Any screen asks the Dossiers page to show these dossiers (ids, French caption).
    show_dossiers_requested = Signal(list, str)

    def __init__(self, database: Database, messenger: Messenger | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self.messenger = messenger or Messenger()
        #: One stack for the whole window: Ctrl+Z undoes the last action, wherever it was.
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._journal_problem_shown: str | None = None

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

    def write(self, work: Callable[[Session], T], changes: Iterable[str],
              label: str | None = None,
              focus: Focus | Callable[[T], Focus] | None = None) -> T:
        """Run one user action as one unit of work, then tell every screen what changed.

        With *label* (French, e.g. "l'ajout de « … »", shown as "Annuler l'ajout de « … »")
        every row the action changes is recorded and the action goes on the undo stack;
        *focus* (or a function of the result giving it) says what to select after an undo
        or a redo. An action that changed no row is not put on the stack.

        Raises `UserFacingError` (nothing changed) for the caller to show.
        """
        if self._database.read_only:
            raise UserFacingError(
                self.tr("La base est ouverte en lecture seule : rien ne peut y être modifié.")
            )
        recorder = None if label is None else Recorder()
        with self._database.unit_of_work(recorder) as session:
            result = work(session)
        self.report_journal_problem()
        topics = frozenset(changes)
        if recorder is not None and recorder.changes:
            # A cascade may reach tables the caller did not name: their screens refresh too.
            topics |= topics_for_tables(recorder.changes.tables)
            hint = focus(result) if callable(focus) else focus
            assert label is not None
            self.undo_stack.push(RecordedChange(self, label, recorder.changes, hint))
        self.changed.emit(topics)
        return result

    def write_irreversible(self, work: Callable[[Database], T]) -> T:
        """Run an action that must never be undone (a GDPR erasure) on the open file.

        It is not recorded, and the undo stack is emptied: the actions on it hold rows
        as they were before, and undoing one would bring erased data back.
        """
        if self._database.read_only:
            raise UserFacingError(
                self.tr("La base est ouverte en lecture seule : rien ne peut y être modifié.")
            )
        try:
            return work(self._database)
        finally:
            self.undo_stack.clear()
            self.changed.emit(frozenset({EVERYTHING}))

    def report_journal_problem(self) -> None:
        """Tell once that the journal des décisions could not be written (the change is saved)."""
        problem = self._database.journal_problem
        if problem is not None and problem != self._journal_problem_shown:
            self.messenger.warn(None, self.tr("Journal des décisions"), problem)
        self._journal_problem_shown = problem

    def replace_database(self, database: Database) -> None:
        """Point every screen at another open file (the caller closed the previous one)."""
        self._database = database
        # The recorded changes belong to the previous file.
        self.undo_stack.clear()
        self.database_replaced.emit()
        self.changed.emit(frozenset({EVERYTHING}))
