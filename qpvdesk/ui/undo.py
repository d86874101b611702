"""`RecordedChange`: one recorded unit of work on the window's `QUndoStack`.

The core knows how to undo (`qpvdesk.core.storage.changes`); this adapter only runs
it in a new unit of work, tells the screens what changed, and turns a refusal (the
data changed since) into a French message without leaving the stack out of step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QApplication
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.storage import changes as change_log
from qpvdesk.core.storage.changes import ChangeSet
from qpvdesk.ui.topics import topics_for_tables

if TYPE_CHECKING:
    from qpvdesk.ui.context import AppContext

#: Longest piece of user text (a title) quoted in an "Annuler …" label.
LABEL_TEXT_LIMIT = 40


def _tr(text: str) -> str:
    return QCoreApplication.translate("RecordedChange", text)


def quoted(text: str, limit: int = LABEL_TEXT_LIMIT) -> str:
    """« text » on one line, cut with an ellipsis when long (for menu labels)."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return f"« {flat} »"


@dataclass(frozen=True, slots=True)
class Focus:
    """What a screen should select once a change is undone (*before*) or redone (*after*).

    *topic* names the screen (a change topic that is also a section key); the values
    are that screen's own identifiers (an objective id for the framework page).
    """

    topic: str
    before: object = None
    after: object = None


class RecordedChange(QUndoCommand):
    """A change already applied once: undo and redo replay its recorded rows.

    On refusal (`StaleChangeError` or any `UserFacingError`) the command marks itself
    obsolete, so that `QUndoStack` drops it instead of moving its index past a change
    that did not happen; the database is left as it was.
    """

    def __init__(self, context: AppContext, label: str, changes: ChangeSet,
                 focus: Focus | None = None) -> None:
        # "&" would become a keyboard mnemonic in the menu's "Annuler …" text.
        super().__init__(label.replace("&", "&&"))
        self._context = context
        self.changes = changes
        self.focus = focus
        self.label = label
        #: Whether the rows are in their changed state in the database (true when pushed).
        self.applied = True

    def redo(self) -> None:
        if self.applied:  # QUndoStack.push() calls redo(): the change is already there
            return
        self._replay(change_log.redo, forward=True)

    def undo(self) -> None:
        if not self.applied:
            return
        self._replay(change_log.undo, forward=False)

    def _replay(self, step: Callable[[Session, ChangeSet], None], forward: bool) -> None:
        context = self._context
        title = _tr("Rétablir") if forward else _tr("Annuler")
        try:
            if context.read_only:
                raise UserFacingError(_tr("La base est ouverte en lecture seule : rien ne peut "
                                          "y être modifié."))
            with context.database.unit_of_work() as session:
                step(session, self.changes)
        except UserFacingError as error:
            self._refuse(title, error.message)
            return
        except IntegrityError:
            # A replayed row collides with one written since (a code taken again…):
            # the unit of work rolled back, so this is the same refusal as a stale row.
            self._refuse(title, _tr("Impossible d'annuler ou de rétablir : ces données ont été "
                                    "modifiées depuis. Rien n'a été changé."))
            return
        except Exception:
            self.setObsolete(True)  # nothing changed, but this command cannot be trusted
            raise
        self.applied = forward
        context.changed.emit(topics_for_tables(self.changes.tables))
        if self.focus is not None:
            target = self.focus.after if forward else self.focus.before
            context.focus_requested.emit(self.focus.topic, target)

    def _refuse(self, title: str, message: str) -> None:
        self.setObsolete(True)
        messenger = self._context.messenger
        # Shown once QUndoStack has finished with this command (it deletes it): a modal
        # dialog opened from inside undo()/redo() would run an event loop mid-operation.
        QTimer.singleShot(0, self._context,
                          lambda: messenger.warn(QApplication.activeWindow(), title, message))
