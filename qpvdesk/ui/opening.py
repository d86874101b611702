"""Opening and creating data files with the dialogs each refusal calls for."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from qpvdesk.core.errors import DatabaseLockedError, UnusableFileError, UserFacingError
from qpvdesk.core.services.restoring import restore
from qpvdesk.core.services.setup import Content, create_new_database
from qpvdesk.core.storage.backups import list_backups
from qpvdesk.core.storage.database import Database, ReadOnlyFileError, open_database
from qpvdesk.paths import default_db_path, demo_db_path, working_copies_dir
from qpvdesk.ui.file_pickers import pick_existing_file
from qpvdesk.ui.formatting import date_time
from qpvdesk.ui.messages import Messenger
from qpvdesk.ui.restore_dialog import choose_backup
from qpvdesk.ui.start_file import start_file
from qpvdesk.ui.welcome_dialog import StartChoice, WelcomeAnswer, ask_how_to_start

logger = logging.getLogger(__name__)


def _tr(text: str) -> str:
    return QCoreApplication.translate("Opening", text)


@contextlib.contextmanager
def busy_cursor() -> Iterator[None]:
    """A wait cursor around work that takes a moment (opening, backups, creation)."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


def open_with_dialogs(path: Path, *, read_only: bool, messenger: Messenger,
                      parent: QWidget | None = None,
                      working_copies: Path | None = None) -> Database | None:
    """Open *path*; a locked or read-only file is offered read-only; None when it cannot be.

    A file that cannot be used as it is (damaged, not ours, too new) is left untouched; when
    it has backups, putting one back in its place is offered.
    """
    copies = working_copies if working_copies is not None else working_copies_dir()
    while True:
        try:
            with busy_cursor():
                return open_database(path, read_only=read_only, working_copies=copies)
        except (DatabaseLockedError, ReadOnlyFileError) as error:
            if read_only or not messenger.confirm(
                parent, _tr("Base indisponible en écriture"),
                error.message + "\n\n" + _tr("Voulez-vous l'ouvrir en lecture seule ?"),
                _tr("Ouvrir en lecture seule"),
            ):
                return None
            read_only = True
        except UnusableFileError as error:
            if not _restored_from_backup(path, error, messenger, parent):
                return None
        except UserFacingError as error:
            messenger.warn(parent, _tr("Ouverture impossible"), error.message)
            return None


def _restored_from_backup(path: Path, error: UnusableFileError, messenger: Messenger,
                          parent: QWidget | None) -> bool:
    """Show why *path* was refused and offer its backups; True once one is back in place."""
    title = _tr("Ouverture impossible")
    found = list_backups(path)
    if not found:
        messenger.warn(parent, title, error.message)
        return False
    choice = messenger.choose(
        parent, title,
        error.message + "\n\n" + _tr("Ce fichier a {count} sauvegarde(s), la plus récente du "
                                      "{when}. Voulez-vous en remettre une en place ? Le fichier "
                                      "actuel sera conservé à côté, sous un autre nom.")
        .format(count=len(found), when=date_time(found[0].taken_at)),
        [_tr("Restaurer une sauvegarde…"), _tr("Annuler")],
    )
    chosen = choose_backup(parent, found) if choice == 0 else None
    if chosen is None:
        return False
    restore_title = _tr("Restaurer une sauvegarde")
    try:
        with busy_cursor():
            outcome = restore(path, chosen.path)
    except UserFacingError as failure:
        messenger.warn(parent, restore_title, failure.message)
        return False
    text = _tr("La sauvegarde du {when} est en place.").format(when=date_time(chosen.taken_at))
    if outcome.aside is not None:
        text += "\n\n" + _tr("Le fichier refusé est conservé : {aside}").format(
            aside=outcome.aside)
    if outcome.erased_again:
        text += "\n\n" + _tr("Effacement (RGPD) refait pour {count} contact(s).").format(
            count=len(outcome.erased_again))
    messenger.inform(parent, restore_title, text)
    return True


def create_with_dialogs(path: Path, content: Content, *, messenger: Messenger,
                        parent: QWidget | None = None) -> bool:
    """Create a new file; a refusal (existing file, read-only folder…) is shown."""
    try:
        with busy_cursor():
            create_new_database(path, content)
    except UserFacingError as error:
        messenger.warn(parent, _tr("Création impossible"), error.message)
        return False
    return True


def open_initial_database(db_path: Path | None, read_only: bool, messenger: Messenger,
                          last_file: Path | None = None,
                          parent: QWidget | None = None) -> Database | None:
    """The database the window starts on (see `start_file`); None when the user chose to quit.

    *parent* is the window already shown, when there is one: the questions are asked over it.
    """
    path = start_file(db_path, last_file, default_db_path(), demo_db_path())
    if db_path is None:
        if not path.exists():
            started = _first_start(path, demo_db_path(), messenger)
            if started is None:
                return None
            path = started
    elif not path.exists():
        question = _tr("Le fichier « {path} » n'existe pas.\n\nVoulez-vous créer à cet "
                       "emplacement une nouvelle base contenant le contrat de ville intégré "
                       "(Clermont l'Hérault) ?").format(path=path)
        if not path.parent.exists():
            question += "\n\n" + _tr("Le dossier « {folder} » sera créé.").format(
                folder=path.parent)
        choice = messenger.choose(parent, _tr("Base introuvable"), question,
                                  [_tr("Créer la base"), _tr("Quitter")])
        if choice != 0 or not _make_folder(path.parent, messenger):
            return None
        if not create_with_dialogs(path, "builtin", messenger=messenger, parent=parent):
            return None
    while True:
        database = open_with_dialogs(path, read_only=read_only, messenger=messenger,
                                     parent=parent)
        if database is not None:
            return database
        choice = messenger.choose(
            parent, _tr("Base non ouverte"),
            _tr("La base « {name} » n'a pas été ouverte. Voulez-vous ouvrir un autre fichier ?")
            .format(name=path.name),
            [_tr("Ouvrir un autre fichier…"), _tr("Quitter")],
        )
        picked = pick_existing_file(parent, path.parent) if choice == 0 else None
        if picked is None:
            return None
        path = picked


def _first_start(data_file: Path, demo_file: Path, messenger: Messenger) -> Path | None:
    """No data file yet: the welcome dialog, until a file exists to open or the user quits."""
    while True:
        answer = ask_how_to_start(data_file, demo_file)
        if answer is None:
            return None
        started = _start_with(answer, data_file, demo_file, messenger)
        if started is not None:
            return started


def _start_with(answer: WelcomeAnswer, data_file: Path, demo_file: Path,
                messenger: Messenger) -> Path | None:
    """Create (or pick) the file the welcome dialog asked for; None when it was refused."""
    if answer.choice is StartChoice.OPEN:
        return answer.picked
    target = demo_file if answer.choice is StartChoice.DEMO else data_file
    if answer.choice is StartChoice.DEMO and target.exists():
        return target  # the demonstration explored before: opened again as it was left
    if not _make_folder(target.parent, messenger):
        return None
    if answer.choice is StartChoice.FRAMEWORK:
        created = answer.picked is not None and _create_from_workbook(target, answer.picked,
                                                                      messenger)
    else:
        content: Content = ("empty" if answer.choice is StartChoice.EMPTY
                            else "demo" if answer.choice is StartChoice.DEMO else "builtin")
        created = create_with_dialogs(target, content, messenger=messenger)
    return target if created else None


def _create_from_workbook(path: Path, workbook: Path, messenger: Messenger) -> bool:
    """A new file holding the workbook's contract and framework; a bad workbook creates none."""
    # Imported here, as the other workbook readers are: openpyxl is not loaded at every start.
    from qpvdesk.core.exchange.framework_exchange import create_database_with_framework

    try:
        with busy_cursor():
            create_database_with_framework(path, workbook)
    except UserFacingError as error:
        messenger.warn(None, _tr("Création impossible"), error.message)
        return False
    return True


def _make_folder(folder: Path, messenger: Messenger) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        messenger.warn(None, _tr("Création impossible"),
                       _tr("Le dossier « {folder} » ne peut pas être créé : {reason}.")
                       .format(folder=folder, reason=error.strerror))
        return False
    return True
