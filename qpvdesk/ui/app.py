"""Start the window: QApplication, logging and error hooks, the database, the backup timer."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QTimer, QTranslator
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication

from qpvdesk import __version__
from qpvdesk.paths import APP_AUTHOR, APP_NAME, resource, user_log_dir
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.crash import install_excepthook, setup_logging
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.messages import Messenger
from qpvdesk.ui.opening import open_initial_database
from qpvdesk.ui.recent_files import last_opened
from qpvdesk.ui.shown_marker import report_when_shown

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
    start-up unwinds (the lock is released, a half-taken backup removed); while the window is
    being built the request waits for it; once it is shown the window closes without
    questions, then the application quits.
    """

    def __init__(self, app: QApplication) -> None:
        self.app = app
        self.window: MainWindow | None = None
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
    log_file = setup_logging(user_log_dir())
    logger.info("qpvdesk %s starting", __version__)
    messenger = Messenger()
    install_excepthook(messenger, log_file)

    stopper = _SignalStop(app)
    settings = QSettings()
    database = open_initial_database(db_path, read_only, messenger,
                                     last_file=last_opened(settings))
    if database is None:
        return 1
    stopper.building = True
    try:
        context = AppContext(database, messenger)
        window = MainWindow(context, settings)
    except BaseException:
        database.close()
        raise
    timer = QTimer(window)
    timer.setInterval(BACKUP_TICK_MS)
    timer.timeout.connect(window.file_actions.periodic_backup)
    timer.start()
    # A session ended by the system (logout, kill) still closes the file properly.
    app.aboutToQuit.connect(window.close_database)
    stopper.attach(window)
    report_when_shown(window)
    window.show()
    logger.info("qpvdesk window shown")
    window.show_open_warnings()
    status = app.exec()
    window.close_database()
    logger.info("qpvdesk stopped")
    return int(status)
