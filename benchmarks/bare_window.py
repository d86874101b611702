"""The reference of the start benchmarks (run.py, bench_startup.py, bench_bundle.py): a bare
PySide6 main window (an empty table, a status bar), nothing of qpvdesk.

Prints `qpvdesk-shown <epoch seconds>` on the first turn of the event loop after the window
first paints, as qpvdesk does with QPVDESK_REPORT_SHOWN=1, then runs until stopped.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView


class PaintReporter(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, lambda: print(f"qpvdesk-shown {time.time():.6f}", flush=True))
        return False


def main() -> int:
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.setWindowTitle("Fenêtre nue")
    window.setCentralWidget(QTableView())
    window.statusBar().showMessage("prêt")
    window.resize(1280, 800)
    window.installEventFilter(PaintReporter(window))
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
