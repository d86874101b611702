"""The reference of bench_bundle.py: a bare PySide6 main window, nothing of qpvdesk.

Prints `qpvdesk-shown <epoch seconds>` on the first turn of the event loop after the window
is first exposed, as qpvdesk does with QPVDESK_REPORT_SHOWN=1, then runs until killed.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow


class ShownReporter(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Expose:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, lambda: print(f"qpvdesk-shown {time.time():.6f}", flush=True))
        return False


def main() -> int:
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.setWindowTitle("Fenêtre nue")
    window.setCentralWidget(QLabel("Fenêtre nue"))
    window.resize(1200, 800)
    window.show()
    handle = window.windowHandle()
    reporter = ShownReporter(window)
    if handle is not None:
        handle.installEventFilter(reporter)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
