"""``QPVDESK_REPORT_SHOWN=1``: print ``qpvdesk-shown <epoch seconds>`` once the main window
has painted, and ``qpvdesk-ready <epoch seconds>`` once its file is attached and its first
page has painted (benchmarks).

``benchmarks/run.py``, ``benchmarks/bench_startup.py`` and ``benchmarks/bench_bundle.py``
time the start-up from the launch to these lines, and a bare ``QMainWindow`` the same way.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

MARKER = "qpvdesk-shown"
READY_MARKER = "qpvdesk-ready"
ENVIRONMENT = "QPVDESK_REPORT_SHOWN"


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._then = then

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self._widget.removeEventFilter(self)
            # Once the paint (and what the event loop had queued) is done.
            QTimer.singleShot(0, self._then)
        return False


def after_first_paint(widget: QWidget, then: Callable[[], None]) -> None:
    """Call *then* on the turn of the event loop after *widget* next paints."""
    widget.installEventFilter(_FirstPaint(widget, then))


def _print_marker(marker: str) -> None:
    print(f"{marker} {time.time():.6f}", flush=True)


def report_when_shown(window: QWidget) -> None:
    """Install the « shown » marker on *window* when the environment asks for it."""
    if os.environ.get(ENVIRONMENT):
        after_first_paint(window, lambda: _print_marker(MARKER))


def report_when_ready(page: QWidget) -> None:
    """Install the « ready » marker on the first *page* shown with the open file."""
    if os.environ.get(ENVIRONMENT):
        after_first_paint(page, lambda: _print_marker(READY_MARKER))
