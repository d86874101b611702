"""The "Fichier" menu: open another file, create one, back up now, restore a backup (or undo
the last restore), quit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.services.restoring import (
    RestoreOutcome,
    last_set_aside,
    restore,
    restore_points,
    undo_last_restore,
)
from qpvdesk.core.services.setup import Content
from qpvdesk.core.storage.backups import BackupInfo
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.file_pickers import pick_existing_file, pick_new_file
from qpvdesk.ui.formatting import date_time
from qpvdesk.ui.opening import busy_cursor, create_with_dialogs, open_with_dialogs
from qpvdesk.ui.recent_files import same_file
from qpvdesk.ui.restore_dialog import choose_backup

logger = logging.getLogger(__name__)
BACKUP_TOPIC = "backup"


class DatabaseHost(Protocol):
    """What the file actions need from the main window."""

    def confirm_leave(self) -> bool: ...
    def close_database(self) -> None: ...
    def attach_database(self, database: Database) -> None: ...
    def show_message(self, text: str) -> None: ...
    def close(self) -> bool: ...


class FileActions(QObject):
    """The actions of the "Fichier" menu; the file pickers can be replaced (tests)."""

    def __init__(self, window: QWidget, host: DatabaseHost, context: AppContext) -> None:
        super().__init__(window)
        self._window = window
        self._host = host
        self._context = context
        self._periodic_failure_shown = False
        self.pick_existing: Callable[[QWidget | None, Path], Path | None] = pick_existing_file
        self.pick_new: Callable[[QWidget | None, Path], Path | None] = pick_new_file
        self.choose_backup: Callable[[QWidget | None, Sequence[BackupInfo]],
                                     BackupInfo | None] = choose_backup

        self.open_action = QAction(self.tr("Ouvrir une autre base…"), self)
        self.open_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Open))
        # No Ctrl+N here: the pages' « Nouvel appel », « Nouvelle action »… have it, and a
        # shortcut held twice does nothing at all.
        self.new_action = QAction(self.tr("Nouvelle base…"), self)
        self.backup_action = QAction(self.tr("Sauvegarder maintenant"), self)
        self.backup_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.restore_action = QAction(self.tr("Restaurer une sauvegarde…"), self)
        self.undo_restore_action = QAction(self.tr("Annuler la dernière restauration…"), self)
        self.quit_action = QAction(self.tr("Quitter"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.open_action.triggered.connect(self.open_other)
        self.new_action.triggered.connect(self.new_database)
        self.backup_action.triggered.connect(self.backup_now)
        self.restore_action.triggered.connect(self.restore)
        self.undo_restore_action.triggered.connect(self.undo_restore)
        self.quit_action.triggered.connect(self._host.close)
        self.update_enabled()

    @property
    def actions(self) -> list[QAction | None]:
        """In menu order; None is a separator."""
        return [self.open_action, self.new_action, None, self.backup_action,
                self.restore_action, self.undo_restore_action, None, self.quit_action]

    def update_enabled(self) -> None:
        writable = not self._context.read_only
        self.backup_action.setEnabled(writable)
        self.restore_action.setEnabled(writable)
        self.undo_restore_action.setEnabled(
            writable and last_set_aside(self._context.database.origin) is not None)

    def _folder(self) -> Path:
        return self._context.database.origin.parent

    # ------------------------------------------------------------------ open, create

    def open_other(self) -> None:
        path = self.pick_existing(self._window, self._folder())
        if path is not None:
            self.open_path(path)

    def open_path(self, path: Path) -> None:
        """Switch to *path* (a recent file, a dropped file…), after the unsaved edits."""
        if same_file(path, self._context.database.origin):
            self._context.messenger.inform(self._window, self.tr("Ouvrir une autre base"),
                                           self.tr("Cette base est déjà ouverte."))
            return
        self._switch_to(path)

    def new_database(self) -> None:
        path = self.pick_new(self._window, self._folder())
        if path is None:
            return
        messenger = self._context.messenger
        title = self.tr("Nouvelle base")
        if path.exists():
            messenger.warn(self._window, title,
                           self.tr("Le fichier « {name} » existe déjà : choisissez un autre "
                                   "nom (qpvdesk ne remplace jamais un fichier).")
                           .format(name=path.name))
            return
        contents: list[Content] = ["builtin", "empty", "demo"]
        choice = messenger.choose(
            self._window, title,
            self.tr("Que doit contenir « {name} » ?\n\n"
                    "• Contrat intégré : le contrat de ville de Clermont l'Hérault (cadre "
                    "stratégique, partenaires, instances).\n"
                    "• Base vide : aucun contrat, pour en saisir ou en importer un autre.\n"
                    "• Démonstration : le contrat intégré et une programmation fictive, pour "
                    "découvrir l'application.").format(name=path.name),
            [self.tr("Contrat intégré"), self.tr("Base vide"), self.tr("Démonstration"),
             self.tr("Annuler")],
        )
        if choice is None or choice >= len(contents):
            return
        if create_with_dialogs(path, contents[choice], messenger=messenger, parent=self._window):
            self._switch_to(path)

    def _switch_to(self, path: Path) -> None:
        if not self._host.confirm_leave():
            return
        database = open_with_dialogs(path, read_only=False, messenger=self._context.messenger,
                                     parent=self._window)
        if database is None:
            return
        self._host.close_database()
        self._host.attach_database(database)

    # ------------------------------------------------------------------ backups

    def backup_now(self) -> None:
        try:
            with busy_cursor():
                target = self._context.database.backup("manuelle")
        except UserFacingError as error:
            self._context.messenger.warn(self._window, self.tr("Sauvegarde"), error.message)
            return
        self._host.show_message(self.tr("Sauvegarde vérifiée : {path}").format(path=target))
        self._context.changed.emit(frozenset({BACKUP_TOPIC}))

    def periodic_backup(self) -> None:
        """Called every minute; writes the journal des décisions if changes wait for it, and
        backs up only after 30 minutes with changes."""
        self._context.database.write_journal_if_due()
        self._context.report_journal_problem()
        try:
            target = self._context.database.periodic_backup()
        except UserFacingError as error:
            logger.warning("Periodic backup failed: %s", type(error).__name__)
            self._host.show_message(self.tr("La sauvegarde automatique a échoué."))
            if not self._periodic_failure_shown:
                self._periodic_failure_shown = True
                self._context.messenger.warn(self._window, self.tr("Sauvegarde automatique"),
                                             error.message)
            return
        if target is not None:
            self._host.show_message(self.tr("Sauvegarde automatique effectuée."))
            self._context.changed.emit(frozenset({BACKUP_TOPIC}))

    def _backups(self) -> list[BackupInfo]:
        """The backups, and the files earlier restores set aside (restoring one undoes it)."""
        database = self._context.database
        found = {info.path: info for info in restore_points(database.path)}
        if database.origin != database.path:
            found.update({info.path: info for info in restore_points(database.origin)})
        return sorted(found.values(), key=lambda info: (info.taken_at, info.sequence),
                      reverse=True)

    def restore(self) -> None:
        messenger = self._context.messenger
        title = self.tr("Restaurer une sauvegarde")
        backups = self._backups()
        if not backups:
            messenger.inform(self._window, title,
                             self.tr("Cette base n'a encore aucune sauvegarde."))
            return
        chosen = self.choose_backup(self._window, backups)
        if chosen is None or not messenger.confirm(
            self._window, title,
            self.tr("Remettre en place la sauvegarde du {when} ?\n\nCe qui a été saisi depuis "
                    "ne sera plus dans la base ; le fichier actuel est conservé à côté, sous un "
                    "autre nom, et « Fichier › Annuler la dernière restauration » le remet en "
                    "place.").format(when=date_time(chosen.taken_at)),
            self.tr("Restaurer"),
        ) or not self._host.confirm_leave():
            return
        done = self.tr("La sauvegarde du {when} est en place.").format(
            when=date_time(chosen.taken_at))
        self._replace_file(title, lambda target: restore(target, chosen.path), done)

    def undo_restore(self) -> None:
        messenger = self._context.messenger
        title = self.tr("Annuler la dernière restauration")
        last = last_set_aside(self._context.database.origin)
        if last is None:
            messenger.inform(self._window, title,
                             self.tr("Aucune restauration à annuler."))
            return
        if not messenger.confirm(
            self._window, title,
            self.tr("Remettre la base dans l'état où elle était avant la restauration du "
                    "{when} ?\n\nL'état actuel est conservé à côté, sous un autre nom : cette "
                    "annulation peut elle-même être annulée.").format(
                        when=date_time(last.taken_at)),
            self.tr("Annuler la restauration"),
        ) or not self._host.confirm_leave():
            return
        done = self.tr("La base est revenue à son état d'avant la restauration du {when}.")
        self._replace_file(title, undo_last_restore, done.format(when=date_time(last.taken_at)))

    def _replace_file(self, title: str, replace: Callable[[Path], RestoreOutcome],
                      done: str) -> None:
        """Close the file, *replace* it, reopen it (erasures already applied again)."""
        messenger = self._context.messenger
        target = self._context.database.origin
        self._host.close_database()
        outcome = None
        try:
            with busy_cursor():
                outcome = replace(target)
        except UserFacingError as error:
            messenger.warn(self._window, title, error.message)
        database = open_with_dialogs(target, read_only=False, messenger=messenger,
                                     parent=self._window)
        if database is None:
            messenger.warn(self._window, title,
                           self.tr("La base n'a pas pu être rouverte : qpvdesk va se fermer. "
                                   "Relancez-le pour réessayer."))
            self._host.close()
            return
        self._host.attach_database(database)
        if outcome is not None:
            messenger.inform(self._window, title, "\n\n".join([done, *outcome.summary()]))
