"""Start the window: QApplication, logging and error hooks, the database, the backup timer.

When the file to open is known and exists, the window's frame is shown first, and what the
frame does not need comes after its first paint: the log file and the error dialogs
(`logging.handlers`, the message boxes), then the file, with the core (SQLAlchemy, the
models). Until then the start imports only Qt and the frame's few modules.
"""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QTimer, QTranslator
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication

from qpvdesk import __version__
from qpvdesk.paths import (
    APP_AUTHOR,
    APP_NAME,
    default_db_path,
    demo_db_path,
    resource,
    user_log_dir,
)
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.recent_files import last_opened
from qpvdesk.ui.shown_marker import after_first_paint, report_when_ready, report_when_shown
from qpvdesk.ui.start_file import start_file

if TYPE_CHECKING:
    from qpvdesk.core.storage.database import Database
    from qpvdesk.ui.messages import Messenger

logger = logging.getLogger(__name__)
BACKUP_TICK_MS = 60_000


def make_application() -> QApplication:
    """The QApplication, named for QSettings, in French (Qt's own buttons included)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationDisplayName("qpvdesk")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(application_icon())
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    translator = QTranslator(app)
    if translator.load(QLocale(QLocale.Language.French), "qtbase", "_",
                       QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)
    return app


def application_icon() -> QIcon:
    """The icon of every window (and of the taskbar entry), from resources/icons."""
    pixmap = QPixmap()
    pixmap.loadFromData(resource("icons", "qpvdesk.png").read_bytes(), "PNG")
    return QIcon(pixmap)


class _SignalStop:
    """SIGTERM / Ctrl+C at any moment close the file properly (final backup, lock released).

    While a dialog of the start waits for an answer (the welcome dialog, a locked file…) it is
    closed as if cancelled, and the start ends there; while the file is being opened the
    start-up unwinds (the lock is released, a half-taken backup removed); before that, with
    only the frame shown, the application quits; while the window is being attached the
    request waits for it; once it is attached the window closes without questions, then the
    application quits.
    """

    def __init__(self, app: QApplication) -> None:
        self.app = app
        self.window: MainWindow | None = None
        self.frame_shown = False
        self.opening = False
        self.building = False
        self.requested = False
        for name in ("SIGTERM", "SIGINT"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), self._on_signal)
        # Python runs signal handlers only when it gets control: give it a turn regularly,
        # dialogs of the start included.
        self._ticker = QTimer(app)
        self._ticker.setInterval(500)
        self._ticker.timeout.connect(self._close_start_dialog)
        self._ticker.start()

    def _close_start_dialog(self) -> None:
        """Once a stop was asked before the window, each further dialog of the start is
        cancelled as it shows, until the start gives up."""
        dialog = QApplication.activeModalWidget()
        if self.requested and self.window is None and not self.building and dialog is not None:
            dialog.close()

    def _on_signal(self, signum: int, _frame: object) -> None:
        dialog = QApplication.activeModalWidget()
        if self.window is not None:
            self.stop()
        elif self.building:
            self.requested = True  # raising inside Qt's calls would not unwind
        elif dialog is not None:
            self.requested = True  # inside the dialog's own event loop: answer it « cancel »
            dialog.close()
        elif self.frame_shown and not self.opening:
            self.requested = True  # nothing open yet: the opening will not start
            self.app.exit(128 + signum)
        else:
            raise SystemExit(128 + signum)

    def attach(self, window: MainWindow) -> None:
        """The window is up: stop now if asked meanwhile, else on the next signal."""
        self.window = window
        if self.requested:
            QTimer.singleShot(0, self.stop)

    def stop(self) -> None:
        if self.window is not None:
            self.window.force_close()
        self.app.quit()


def run_gui(db_path: Path | None, read_only: bool) -> int:
    """Open the window on *db_path* (the default file when None); the process exit status."""
    app = make_application()
    stopper = _SignalStop(app)
    settings = QSettings()
    path = start_file(db_path, last_opened(settings), default_db_path(), demo_db_path())
    if path.exists():
        try:
            window = MainWindow(None, settings)
            window.show_opening(path)
            stopper.frame_shown = True
            report_when_shown(window)
            # Opened once the frame has painted: she sees the window at once, then its
            # content. One more turn of the event loop: the « shown » marker, if asked, is
            # printed first.
            after_first_paint(window, lambda: QTimer.singleShot(
                0, lambda: _open_in_frame(window, path, read_only, stopper)))
            window.show()
        except Exception:
            _handle_errors()  # this error too is logged and shown (the crash dialog)
            raise
    else:
        # Questions first (the welcome dialog, creating the file), then the window.
        from qpvdesk.ui.opening import open_initial_database

        messenger = _handle_errors()
        database = open_initial_database(db_path, read_only, messenger,
                                         last_file=last_opened(settings))
        if database is None:
            return 1
        window = MainWindow(None, settings)
        _attach(app, window, database, messenger, stopper)
        report_when_shown(window)
        window.show()
        logger.info("qpvdesk window shown")
        window.show_open_warnings()
    status = app.exec()
    window.close_database()
    logger.info("qpvdesk stopped")
    return int(status)


def _handle_errors() -> Messenger:
    """Log to the user's log file, and turn every uncaught exception into a French dialog
    (a bug's dialog points to the log); the messenger that shows the application's dialogs."""
    from qpvdesk.ui.crash import install_excepthook, setup_logging
    from qpvdesk.ui.messages import Messenger

    log_file = setup_logging(user_log_dir())
    logger.info("qpvdesk %s starting", __version__)
    messenger = Messenger()
    install_excepthook(messenger, log_file)
    return messenger


def _open_in_frame(window: MainWindow, path: Path, read_only: bool,
                   stopper: _SignalStop) -> None:
    """Open *path* over the frame shown (its questions over it) and attach it; else quit (1)."""
    app = stopper.app
    stopper.opening = True
    if stopper.requested:  # stopped before the opening began
        return
    messenger = _handle_errors()
    logger.info("qpvdesk window shown")
    try:
        from qpvdesk.ui.opening import open_initial_database

        database = open_initial_database(path, read_only, messenger, parent=window)
        stopper.opening = False
    except SystemExit as stop:  # a signal during the opening, which has unwound
        app.exit(stop.code if isinstance(stop.code, int) else 1)
        return
    if database is None:
        app.exit(1)
        return
    _attach(app, window, database, messenger, stopper)
    report_when_ready(window.stack.currentWidget())
    window.show_open_warnings()


def _attach(app: QApplication, window: MainWindow, database: Database, messenger: Messenger,
            stopper: _SignalStop) -> None:
    """Give *window* the open *database*, its backup timer and its closing on quit."""
    from qpvdesk.ui.context import AppContext

    stopper.building = True
    try:
        window.attach(AppContext(database, messenger))
    except BaseException:
        database.close()
        app.exit(1)
        raise
    timer = QTimer(window)
    timer.setInterval(BACKUP_TICK_MS)
    timer.timeout.connect(window.file_actions.periodic_backup)
    timer.start()
    # A session ended by the system (logout, kill) still closes the file properly.
    app.aboutToQuit.connect(window.close_database)
    stopper.attach(window)
    logger.info("qpvdesk file attached")
