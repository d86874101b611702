"""Start the window: QApplication, logging and error hooks, the database, the backup timer."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QLibraryInfo, QLocale, QObject, QSettings, QTimer, QTranslator
from PySide6.QtWidgets import QApplication

from qpvdesk import __version__
from qpvdesk.paths import APP_AUTHOR, APP_NAME, user_log_dir
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.crash import install_excepthook, setup_logging
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.messages import Messenger
from qpvdesk.ui.opening import open_initial_database

logger = logging.getLogger(__name__)
BACKUP_TICK_MS = 60_000
#: With this environment variable at 1, the start prints `SHOWN_MARKER <epoch seconds>` once
#: the window is on screen (benchmarks/bench_startup.py measures the start time with it).
REPORT_SHOWN_VARIABLE = "QPVDESK_REPORT_SHOWN"
SHOWN_MARKER = "qpvdesk-shown"


class ShownReporter(QObject):
    """Prints the marker once, on the first turn of the event loop after the first expose."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Expose:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        print(f"{SHOWN_MARKER} {time.time():.6f}", flush=True)


def make_application() -> QApplication:
    """The QApplication, named for QSettings, in French (Qt's own buttons included)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationDisplayName("qpvdesk")
    app.setApplicationVersion(__version__)
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    translator = QTranslator(app)
    if translator.load(QLocale(QLocale.Language.French), "qtbase", "_",
                       QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)
    return app


def _quit_on_signals(app: QApplication, window: MainWindow) -> None:
    """SIGTERM / Ctrl+C: close the database (final backup, lock released), then quit."""

    def stop(_signum: int, _frame: object) -> None:
        window.force_close()
        app.quit()

    for name in ("SIGTERM", "SIGINT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    # Python runs signal handlers only when it gets control: give it a turn regularly.
    ticker = QTimer(window)
    ticker.setInterval(500)
    ticker.timeout.connect(lambda: None)
    ticker.start()


def run_gui(db_path: Path | None, read_only: bool) -> int:
    """Open the window on *db_path* (the default file when None); the process exit status."""
    app = make_application()
    log_file = setup_logging(user_log_dir())
    logger.info("qpvdesk %s starting", __version__)
    messenger = Messenger()
    install_excepthook(messenger, log_file)

    database = open_initial_database(db_path, read_only, messenger)
    if database is None:
        return 1
    context = AppContext(database, messenger)
    window = MainWindow(context, QSettings())
    timer = QTimer(window)
    timer.setInterval(BACKUP_TICK_MS)
    timer.timeout.connect(window.file_actions.periodic_backup)
    timer.start()
    # A session ended by the system (logout, kill) still closes the file properly.
    app.aboutToQuit.connect(window.close_database)
    _quit_on_signals(app, window)
    window.show()
    if os.environ.get(REPORT_SHOWN_VARIABLE) == "1" and window.windowHandle() is not None:
        reporter = ShownReporter(window)
        window.windowHandle().installEventFilter(reporter)
    window.show_open_warnings()
    status = app.exec()
    window.close_database()
    logger.info("qpvdesk stopped")
    return int(status)
