"""A rotating log file, and the hooks that turn exceptions into dialogs, not lost sessions."""

from __future__ import annotations

import faulthandler
import logging
import sys
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import IO

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QWidget

from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.log_redaction import redacting
from qpvdesk.ui.messages import Messenger

LOG_FILE_NAME = "qpvdesk.log"
FAULT_FILE_NAME = "qpvdesk-faults.log"
logger = logging.getLogger("qpvdesk.ui")

_fault_file: IO[str] | None = None


def setup_logging(log_dir: Path) -> Path:
    """Log to a rotating file in *log_dir* and record hard crashes there too; returns the log."""
    global _fault_file
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / LOG_FILE_NAME
    handler = RotatingFileHandler(log_file, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    # Addresses, phone numbers and typed values are masked in every record (GDPR).
    redacting(handler)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # A windowed application has no stderr: native crashes go to a file of their own.
    if _fault_file is None:
        _fault_file = (log_dir / FAULT_FILE_NAME).open("a", encoding="utf-8")
        faulthandler.enable(_fault_file)
    qInstallMessageHandler(_qt_message)
    return log_file


def _qt_message(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
    }.get(kind, logging.ERROR)
    logging.getLogger("qt").log(level, "%s", message)


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def make_excepthook(messenger: Messenger, log_file: Path) -> ExceptHook:
    """A `sys.excepthook`: French dialog for user errors, log + crash dialog for bugs."""
    busy = False

    def hook(kind: type[BaseException], error: BaseException,
             trace: TracebackType | None) -> None:
        nonlocal busy
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        if isinstance(error, UserFacingError):
            logger.info("User-facing error shown: %s", kind.__name__)
        else:
            details = "".join(traceback.format_exception(kind, error, trace))
            logger.error("Unexpected error\n%s", details)
        if busy:  # an error while showing an error: logged, not shown twice
            return
        busy = True
        try:
            parent = _active_window()
            if isinstance(error, UserFacingError):
                messenger.warn(parent, "qpvdesk", error.message)
            else:
                messenger.crash(parent, log_file)
        except Exception:  # pragma: no cover - the dialog itself failed
            logger.exception("Could not show the error dialog")
        finally:
            busy = False

    return hook


def install_excepthook(messenger: Messenger, log_file: Path) -> None:
    """Keep the session alive whatever a slot raises."""
    sys.excepthook = make_excepthook(messenger, log_file)


def _active_window() -> QWidget | None:
    return QApplication.activeWindow()
