"""PDF exports of the evaluation screens: the fiche action, the bilan annuel, the évaluation.

Reports are data, then rendering (``core.reports``): the data is read in one short
transaction on the GUI thread (a few hundred milliseconds at most), the ReportLab
rendering and the atomic write run in a worker thread so that the window stays
usable; the outcome comes back as a French message. ReportLab is imported by the
worker, when first needed, never at start-up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtWidgets import QFileDialog, QWidget
from sqlalchemy.orm import Session

from qpvdesk.core.errors import UserFacingError
from qpvdesk.ui.context import AppContext


class AskPath(Protocol):
    def __call__(self, parent: QWidget, title: str, suggested: Path) -> Path | None: ...


def ask_pdf_path(parent: QWidget, title: str, suggested: Path) -> Path | None:
    """The system's "Enregistrer sous" dialog, for a PDF."""
    name, _ = QFileDialog.getSaveFileName(parent, title, str(suggested),
                                          parent.tr("Document PDF (*.pdf)"))
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")


def documents_folder() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(location) if location else Path.home()


def safe_file_name(text: str) -> str:
    """A file name from a title (no path separators nor characters Windows refuses)."""
    cleaned = "".join("-" if char in '\\/:*?"<>|' else char for char in text)
    return " ".join(cleaned.split())[:120].rstrip(" .") or "document"


class PdfJob(QObject):
    """One rendering and write in a worker thread; `done` (queued) reaches the GUI thread."""

    #: The job itself, once over: `written`, `error` or `crash` says how it went.
    done = Signal(object)

    def __init__(self, title: str, render: Callable[[], bytes], path: Path) -> None:
        # No parent: the thread keeps the job alive even if the page goes first.
        super().__init__()
        self.title = title
        self.render = render
        self.path = path
        self.written: Path | None = None
        self.error: UserFacingError | None = None
        self.crash: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="pdf-export", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        from qpvdesk.core.reports.pdf import save_pdf

        try:
            self.written = save_pdf(self.render(), self.path)
        except UserFacingError as error:
            self.error = error
        except Exception as error:  # a bug: handed to the GUI thread's crash handler
            self.crash = error
        self.done.emit(self)


class PdfExporter(QObject):
    """What a screen uses to offer a PDF: ask where, read the data, render off-thread."""

    #: A job ended (the path written, or None): screens re-enable their buttons.
    finished = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self._context = context
        self._parent = parent
        #: Replaced by tests (no modal file dialog).
        self.ask_path: AskPath = ask_pdf_path
        self.jobs: list[PdfJob] = []

    @property
    def busy(self) -> bool:
        return bool(self.jobs)

    def export(self, title: str, file_name: str, read: Callable[[Session], Any],
               render: Callable[[Any], bytes]) -> PdfJob | None:
        """Ask for the file, read the report's data, then render and write it off-thread."""
        parent = self._parent
        path = self.ask_path(parent, title, documents_folder() / f"{safe_file_name(file_name)}.pdf")
        if path is None:
            return None
        try:
            data = self._context.read(read)
        except UserFacingError as error:
            self._context.messenger.warn(parent, title, error.message)
            return None
        job = PdfJob(title, lambda: render(data), path)
        self.jobs.append(job)
        # A bound method of this GUI-thread object: the signal is queued to the GUI thread.
        job.done.connect(self._on_done)
        job.start()
        return job

    def _on_done(self, job: PdfJob) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
        self.finished.emit(job.written)
        if job.crash is not None:
            raise job.crash  # to sys.excepthook: the crash dialog and the log
        if job.error is not None:
            self._context.messenger.warn(self._parent, job.title, job.error.message)
            return
        self._context.messenger.inform(
            self._parent, job.title,
            self.tr("Le PDF est enregistré :\n{path}").format(path=job.written))


__all__ = ["PdfExporter", "PdfJob", "ask_pdf_path", "safe_file_name"]
