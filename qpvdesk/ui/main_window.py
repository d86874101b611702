"""The main window: navigation list, one page per section, the "Fichier", "Édition" and "Aide"
menus, the status bar; a data file dropped on it is opened.

The window is built in two steps so that it can be shown before the data file is open: the
frame (title, navigation, greyed menus, status bar) needs Qt only, and `attach` gives it the
open file. The modules that need the core (SQLAlchemy) are imported by `attach` and after.
The frame does not touch `Qt`'s namespace either: its first use builds its 130 enums, about
15 ms, a tenth of a bare window's start (`tests/test_startup_imports.py`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QByteArray, QSettings, QSize, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from qpvdesk import __version__
from qpvdesk.paths import user_log_dir
from qpvdesk.ui.sections import DASHBOARD, DOSSIERS, Section, all_sections
from qpvdesk.ui.status_bar import DatabaseStatusBar

if TYPE_CHECKING:
    # Annotations only: the first use of a Qt class builds its enums (a few ms each).
    from PySide6.QtCore import QMimeData
    from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent

    from qpvdesk.core.storage.database import Database
    from qpvdesk.ui.context import AppContext
    from qpvdesk.ui.exchange_menu import ExchangeMenu
    from qpvdesk.ui.file_actions import FileActions
    from qpvdesk.ui.help_dialog import HelpDialog
    from qpvdesk.ui.recent_files import RecentFiles

logger = logging.getLogger(__name__)
GEOMETRY_KEY = "main_window/geometry"
STATE_KEY = "main_window/state"
SECTION_KEY = "main_window/section"


class LeavablePage(Protocol):
    def maybe_save(self) -> bool: ...


def _local_files(mime: QMimeData) -> list[Path]:
    """The local files of a drag (an e-mail attachment or a web link is not one)."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class MainWindow(QMainWindow):
    """Owns the session's window; the screens only see the `AppContext`."""

    context: AppContext
    file_actions: FileActions
    exchange: ExchangeMenu
    recent_files: RecentFiles

    def __init__(self, context: AppContext | None, settings: QSettings,
                 parent: QWidget | None = None) -> None:
        """The frame; with *context*, attached to it at once (see `attach`)."""
        super().__init__(parent)
        self.settings = settings
        self._database_open = False
        self._forced = False
        self.sections: list[Section] = all_sections()

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setStyleSheet("QListWidget#navigation::item { padding: 7px 10px; }")
        self.stack = QStackedWidget()
        # Each screen is built the first time it is needed (`page`): until then an empty
        # placeholder holds its place in the stack. The screens built so far, by section key:
        self.pages: dict[str, QWidget] = {}
        for section in self.sections:
            self.stack.addWidget(QWidget())
            self.navigation.addItem(QListWidgetItem(section.title))
        self.navigation.setFixedWidth(self.navigation.sizeHintForColumn(0) + 40)
        self.navigation.setEnabled(False)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.status = DatabaseStatusBar()
        self.setStatusBar(self.status)
        self.help_dialog: HelpDialog | None = None
        # Greyed until a file is attached: their actions act on it.
        self.file_menu = self.menuBar().addMenu(self.tr("&Fichier"))
        self.edit_menu = self.menuBar().addMenu(self.tr("É&dition"))
        self.help_menu = self.menuBar().addMenu(self.tr("&Aide"))
        for menu in (self.file_menu, self.edit_menu, self.help_menu):
            menu.setEnabled(False)
        self.setWindowTitle("qpvdesk")
        self._restore_geometry()
        if context is not None:
            self.attach(context)

    @property
    def attached(self) -> bool:
        """Whether a file was given to the window (`attach`)."""
        return hasattr(self, "context")

    def show_opening(self, path: Path) -> None:
        """The frame tells which file is being opened, until it is attached."""
        self.setWindowTitle(f"{path.name} — qpvdesk")
        self.status.showMessage(self.tr("Ouverture de « {path} »…").format(path=path))

    def attach(self, context: AppContext) -> None:
        """Give the frame its open file: menus, the restored section's page, the status."""
        from qpvdesk.ui.exchange_menu import ExchangeMenu
        from qpvdesk.ui.file_actions import FileActions
        from qpvdesk.ui.recent_files import RecentFiles

        self.context = context
        self._database_open = True
        self.file_actions = FileActions(self, self, context)
        self.exchange = ExchangeMenu(self, self, context)
        self.recent_files = RecentFiles(self.settings, self.file_actions.open_path, self)
        self._build_edit_actions()
        self._build_menus()
        context.changed.connect(self._on_changed)
        context.focus_requested.connect(self._on_focus_requested)
        context.open_dossier_requested.connect(self._open_dossier)
        context.show_dossiers_requested.connect(self._show_dossiers)
        self.status.clearMessage()
        self._show_database()
        self.navigation.currentRowChanged.connect(self._show_row)
        self.navigation.setEnabled(True)
        key = self.settings.value(SECTION_KEY, DASHBOARD)
        self.select_section(key if key in self.section_keys() else DASHBOARD)
        self.setAcceptDrops(True)

    def page(self, key: str) -> QWidget:
        """The screen of section *key*, built now if it was not yet."""
        from qpvdesk.ui.opening import busy_cursor
        from qpvdesk.ui.pages import make_page

        page = self.pages.get(key)
        if page is None:
            row = self.section_keys().index(key)
            placeholder = self.stack.widget(row)
            current = self.stack.currentWidget()
            with busy_cursor():
                page = make_page(self.sections[row], self.context)
            self.pages[key] = page
            self.stack.insertWidget(row, page)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self.stack.setCurrentWidget(page if current is placeholder else current)
        return page

    def _show_row(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentWidget(self.page(self.sections[row].key))

    def _open_dossier(self, dossier_id: int) -> None:
        from qpvdesk.ui.dossiers.editor import open_dossier_editor

        open_dossier_editor(self.context, self, dossier_id)

    def _show_dossiers(self, ids: list[int], caption: str) -> None:
        # The Dossiers page filters itself on the same signal; bring it to the front.
        built = DOSSIERS in self.pages
        self.select_section(DOSSIERS)
        if not built:  # built just now: it missed the signal
            from qpvdesk.ui.dossiers.dossiers_screen import DossiersScreen  # imported by now

            page = self.page(DOSSIERS)
            assert isinstance(page, DossiersScreen)
            page.show_ids(ids, caption)

    def _build_edit_actions(self) -> None:
        stack = self.context.undo_stack
        # The stack keeps their text in step: "Annuler l'ajout de « … »".
        self.undo_action: QAction = stack.createUndoAction(self, self.tr("Annuler"))
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.undo_action.setIcon(QIcon.fromTheme(QIcon.ThemeIcon.EditUndo))
        self.redo_action: QAction = stack.createRedoAction(self, self.tr("Rétablir"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
        self.redo_action.setIcon(QIcon.fromTheme(QIcon.ThemeIcon.EditRedo))

    def _update_edit_actions(self) -> None:
        # The stack enables the actions as commands come and go; a read-only file never
        # gets a command (writes are refused) and replacing the file clears the stack.
        writable = not self.context.read_only
        stack = self.context.undo_stack
        self.undo_action.setEnabled(writable and stack.canUndo())
        self.redo_action.setEnabled(writable and stack.canRedo())

    def _build_menus(self) -> None:
        from qpvdesk.ui.help_dialog import DATA_PAGE, GUIDE_PAGE, SHORTCUTS_PAGE

        file_menu = self.file_menu
        for action in self.file_actions.actions:
            if action is None:
                file_menu.addSeparator()
            else:
                file_menu.addAction(action)
        file_menu.insertMenu(self.file_actions.new_action, self.recent_files.menu)
        # « Exporter » and « Importer » between the files and the backups.
        before = self.file_actions.backup_action
        file_menu.insertMenu(before, self.exchange.export_menu)
        file_menu.insertMenu(before, self.exchange.import_menu)
        file_menu.insertSeparator(before)
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addAction(self.redo_action)
        help_menu = self.help_menu
        self.guide_action = help_menu.addAction(self.tr("Guide d'utilisation"),
                                                lambda: self.show_help(GUIDE_PAGE))
        self.guide_action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.shortcuts_action = help_menu.addAction(self.tr("Raccourcis clavier"),
                                                    lambda: self.show_help(SHORTCUTS_PAGE))
        self.data_help_action = help_menu.addAction(
            self.tr("Vos données et sauvegardes, changer d'ordinateur"),
            lambda: self.show_help(DATA_PAGE))
        help_menu.addSeparator()
        self.about_action = help_menu.addAction(self.tr("À propos de qpvdesk"), self._about)
        for menu in (self.file_menu, self.edit_menu, self.help_menu):
            menu.setEnabled(True)

    # ------------------------------------------------------------------ sections

    def section_keys(self) -> list[str]:
        return [section.key for section in self.sections]

    def current_section(self) -> str:
        return self.sections[max(0, self.navigation.currentRow())].key

    def select_section(self, key: str) -> None:
        row = self.section_keys().index(key)
        self.navigation.setCurrentRow(row)
        self._show_row(row)  # no signal when the row was current already

    # ------------------------------------------------------------------ the open file

    def _show_database(self) -> None:
        database = self.context.database
        title = f"{database.origin.name} — qpvdesk"
        if database.read_only:
            title = self.tr("{title} (lecture seule)").format(title=title)
        self.setWindowTitle(title)
        self.status.show_database(database)
        self.recent_files.add(database.origin)
        if self.help_dialog is not None:
            from qpvdesk.ui.help_dialog import DataPlaces

            self.help_dialog.show_places(DataPlaces.of(database))
        self.file_actions.update_enabled()
        self.exchange.update_enabled()
        self._update_edit_actions()

    def _on_changed(self, changes: frozenset[str]) -> None:
        from qpvdesk.ui.file_actions import BACKUP_TOPIC

        if BACKUP_TOPIC in changes or "*" in changes:
            self.status.show_last_backup(self.context.database)

    def _on_focus_requested(self, topic: str, target: object) -> None:
        # An undo or redo shows where it happened (the page itself selects the item).
        if topic in self.section_keys():
            built = topic in self.pages
            self.select_section(topic)
            if not built:
                # Built just now, after this signal was sent: it is sent again for the page.
                self.context.focus_requested.emit(topic, target)

    def show_message(self, text: str) -> None:
        self.status.showMessage(text, 8000)

    def show_open_warnings(self) -> None:
        """The warnings of the file just opened (a working copy…), once."""
        warnings = self.context.database.warnings
        if warnings:
            self.context.messenger.inform(self, self.tr("À savoir sur ce fichier"),
                                          "\n\n".join(warnings))

    def confirm_leave(self) -> bool:
        """Before closing or switching files: every page saves or drops its unsaved edits."""
        from qpvdesk.ui.dossiers.editor import close_dossier_editors

        if not close_dossier_editors(self.context):
            return False
        for page in self.pages.values():
            maybe_save = getattr(page, "maybe_save", None)
            if maybe_save is not None and not maybe_save():
                return False
        return True

    def close_database(self) -> None:
        """Close the open file (final backup, lock released); problems are shown, not raised."""
        if not self._database_open:
            return
        from qpvdesk.core.errors import UserFacingError
        from qpvdesk.ui.opening import busy_cursor

        self._database_open = False
        try:
            with busy_cursor():
                self.context.database.close()
        except UserFacingError as error:
            self.context.messenger.warn(self, self.tr("Fermeture de la base"), error.message)

    def attach_database(self, database: Database) -> None:
        """Show another open file in every page."""
        self.context.replace_database(database)
        self._database_open = True
        self._show_database()
        self.show_open_warnings()

    # ------------------------------------------------------------------ help

    def show_help(self, page: int) -> None:
        """The help window on *page*, beside the main one; one window, reused."""
        from qpvdesk.ui.help_dialog import DataPlaces, HelpDialog

        places = DataPlaces.of(self.context.database)
        if self.help_dialog is None:
            self.help_dialog = HelpDialog(places, self)
        else:
            self.help_dialog.show_places(places)  # a first backup may have come since
        self.help_dialog.show_page(page)

    # ------------------------------------------------------------------ dropped files

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = _local_files(event.mimeData())
        if not files:
            return
        event.acceptProposedAction()
        if len(files) > 1:
            self.show_message(self.tr("Déposez un seul fichier à la fois."))
            return
        path = files[0]
        if path.suffix.lower() != ".sqlite":
            self.show_message(
                self.tr("« {name} » n'est pas une base qpvdesk : seul un fichier .sqlite peut "
                        "être ouvert en le déposant sur la fenêtre.").format(name=path.name))
            return
        # After the drop has returned: the file manager is not held by the questions that
        # opening may ask (unsaved edits, a locked file).
        QTimer.singleShot(0, lambda: self.file_actions.open_path(path))

    # ------------------------------------------------------------------ settings, closing

    def _restore_geometry(self) -> None:
        geometry = self.settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray) and self.restoreGeometry(geometry):
            pass
        else:
            screen = QGuiApplication.primaryScreen()
            available = screen.availableGeometry().size() if screen else QSize(1280, 800)
            self.resize(min(1360, int(available.width() * 0.9)),
                        min(860, int(available.height() * 0.9)))
        state = self.settings.value(STATE_KEY)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def save_settings(self) -> None:
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(STATE_KEY, self.saveState())
        if self.attached:  # the frame alone shows no section
            self.settings.setValue(SECTION_KEY, self.current_section())
        self.settings.sync()

    def force_close(self) -> None:
        """Close without asking about unsaved edits (the system is ending the session)."""
        self._forced = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._database_open and not self._forced and not self.confirm_leave():
            event.ignore()
            return
        self.save_settings()
        if self.attached:
            self.exchange.stop()  # a running export reads the file being closed
        self.close_database()
        event.accept()

    def _about(self) -> None:
        self.context.messenger.inform(
            self, self.tr("À propos de qpvdesk"),
            self.tr("qpvdesk {version}\nPilotage du contrat de ville : cadre stratégique, "
                    "programmation, instances, évaluation.\n\nFichier de données : {path}\n"
                    "Journal : {logs}").format(version=__version__,
                                               path=self.context.database.origin,
                                               logs=user_log_dir()),
        )
