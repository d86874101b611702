"""`ExportJob`: the Excel export of the dossier list, written off the GUI thread.

Writing 50 000 rows takes several seconds: the page stays usable, shows a progress
bar and can cancel. The job only reads the frozen rows it was given (no database).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.services.dossier_list import DossierRow


class ExportJob(QObject):
    """One export in a worker thread; its signals reach the GUI thread (queued)."""

    progressed = Signal(int, int)
    #: The path written.
    succeeded = Signal(object)
    #: A `UserFacingError` to show (file open in Excel, disk full…).
    failed = Signal(object)
    cancelled = Signal()
    #: An unexpected exception: a bug, for the crash dialog and the log.
    crashed = Signal(object)

    def __init__(self, rows: Sequence[DossierRow], path: Path) -> None:
        # No parent: the thread keeps the job alive even if the page goes first.
        super().__init__()
        self.rows = list(rows)
        self.path = path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dossier-export", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        """Stop at the next batch of rows; nothing is left on disk."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Join the thread; True when it has ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _progress(self, done: int, total: int) -> None:
        from qpvdesk.core.exchange.xlsx import ExportCancelled

        if self._stop.is_set():
            raise ExportCancelled
        self.progressed.emit(done, total)

    def _run(self) -> None:
        # openpyxl is imported here, on first use, off the GUI thread.
        from qpvdesk.core.exchange.dossier_export import export_dossier_rows
        from qpvdesk.core.exchange.xlsx import ExportCancelled

        try:
            written = export_dossier_rows(self.rows, self.path, progress=self._progress)
        except ExportCancelled:
            self.cancelled.emit()
        except UserFacingError as error:
            self.failed.emit(error)
        except Exception as error:  # a bug: handed to the GUI thread, which reports it
            self.crashed.emit(error)
        else:
            self.succeeded.emit(written)
