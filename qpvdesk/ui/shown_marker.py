"""``QPVDESK_REPORT_SHOWN=1``: print ``qpvdesk-shown <epoch seconds>`` once the main window
has painted (benchmarks).

``benchmarks/run.py`` and ``benchmarks/bench_bundle.py`` time the start-up from the launch
to this line, and a bare ``QMainWindow`` the same way.
"""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

MARKER = "qpvdesk-shown"
ENVIRONMENT = "QPVDESK_REPORT_SHOWN"


class _FirstPaint(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self._window.removeEventFilter(self)
            # Printed once the paint (and what the event loop had queued) is done.
            QTimer.singleShot(0, lambda: print(f"{MARKER} {time.time():.6f}", flush=True))
        return False


def report_when_shown(window: QWidget) -> None:
    """Install the marker on *window* when the environment asks for it."""
    if os.environ.get(ENVIRONMENT):
        window.installEventFilter(_FirstPaint(window))
