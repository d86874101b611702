"""`qpvdesk selftest`: is this installation able to work? Checked without a screen.

In a temporary folder it creates a database with the demonstration, opens the main window
on it and shows every page, writes the relevé de décision of a held meeting and the
programmation workbook, reads both back, then deletes the folder. One French line per
check; the exit status says whether everything passed. The same checks run from the source
tree and from the installed bundle, where a missing library, plugin or resource shows up
here rather than in front of the user.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TextIO, TypeVar

from openpyxl import load_workbook
from PySide6.QtCore import (
    QCoreApplication,
    QLibraryInfo,
    QMessageLogContext,
    QSettings,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QWidget

from qpvdesk.core.domain.enums import MeetingState
from qpvdesk.core.exchange.programmation_export import (
    MAIN_SHEET,
    export_programmation,
    programmation_data,
)
from qpvdesk.core.reports.decision_record import decision_record_data, render_decision_record
from qpvdesk.core.reports.pdf import save_pdf
from qpvdesk.core.services.meetings import meeting_rows
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.database import open_database
from qpvdesk.ui.app import make_application
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.messages import Messenger

T = TypeVar("T")

#: A page shown in the relevé: "/Type /Page", not the "/Type /Pages" tree.
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
DATABASE_NAME = "autotest.sqlite"


class SelftestFailure(Exception):
    """A check found something wrong; the message (French) says what."""


class _Checks:
    """Runs each check, prints its line, counts the failures."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.failures = 0

    def run(self, label: str, check: Callable[[], T]) -> T | None:
        try:
            result = check()
        except Exception as error:  # every failure is reported, none stops the report
            self.failures += 1
            detail = str(error) if isinstance(error, SelftestFailure) else (
                f"{type(error).__name__} : {error}")
            print(f"{label} : ÉCHEC : {detail}", file=self.out, flush=True)
            return None
        print(f"{label} : ok", file=self.out, flush=True)
        return result


class _ErrorRecorder(logging.Handler):
    """Keeps the errors logged (and the exceptions raised in Qt slots) during the checks."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().splitlines()[0])

    def excepthook(self, kind: type[BaseException], error: BaseException,
                   trace: TracebackType | None) -> None:
        self.messages.append("".join(traceback.format_exception_only(kind, error)).strip())

    def take(self) -> list[str]:
        messages, self.messages = self.messages, []
        return messages


def _qt_errors_only(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """Qt's own errors fail the check under way, as the application's do; its warnings (the
    offscreen platform's « does not support propagateSizeHints() ») are not printed between
    the checks' lines."""
    if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
        logging.getLogger("qt").error("%s", message)


def run_selftest(out: TextIO | None = None) -> int:
    """Run every check, printing one line each to *out* (stdout); 0 when all pass, else 1."""
    out = out if out is not None else sys.stdout
    # Without a screen unless the caller chose a platform: read when QApplication starts.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    checks = _Checks(out)
    folder = Path(tempfile.mkdtemp(prefix="qpvdesk-autotest-"))
    recorder = _ErrorRecorder()
    logging.getLogger().addHandler(recorder)
    previous_hook = sys.excepthook
    sys.excepthook = recorder.excepthook
    previous_qt_handler = qInstallMessageHandler(_qt_errors_only)
    try:
        _run_checks(checks, folder, recorder)
    finally:
        qInstallMessageHandler(previous_qt_handler)
        sys.excepthook = previous_hook
        logging.getLogger().removeHandler(recorder)
        checks.run("Suppression du dossier temporaire", lambda: _remove(folder))
    verdict = "tout est en ordre" if checks.failures == 0 else (
        f"{checks.failures} vérification{'s' if checks.failures > 1 else ''} en échec")
    print(f"Autotest : {verdict}.", file=out, flush=True)
    return 0 if checks.failures == 0 else 1


def _run_checks(checks: _Checks, folder: Path, recorder: _ErrorRecorder) -> None:
    path = folder / DATABASE_NAME
    if checks.run("Création d'une base de démonstration",
                  lambda: create_new_database(path, "demo")) is None:
        return
    checks.run("Relevé de décision d'une séance tenue (PDF)",
               lambda: _check_decision_record(path, folder / "releve.pdf"))
    checks.run("Tableau de programmation (Excel)",
               lambda: _check_programmation(path, folder / "programmation.xlsx"))
    _check_window(checks, path, folder, recorder)


def _check_window(checks: _Checks, path: Path, folder: Path, recorder: _ErrorRecorder) -> None:
    app = checks.run("Démarrage de Qt", make_application)
    if app is None:
        return
    checks.run("Icône de l'application", lambda: _check_icon(app))
    checks.run("Traduction française de Qt", _check_qt_translation)
    messenger = RecordingMessenger()

    def open_window() -> MainWindow:
        database = open_database(path)
        # The user's own settings (window size, last page) are neither read nor changed.
        settings = QSettings(str(folder / "reglages.ini"), QSettings.Format.IniFormat)
        window = MainWindow(AppContext(database, messenger), settings)
        window.show()
        QApplication.processEvents()
        _no_errors(recorder, messenger)
        return window

    window = checks.run("Ouverture de la fenêtre principale", open_window)
    if window is None:
        return
    titles = {section.key: section.title for section in window.sections}
    for key in window.section_keys():
        checks.run(f"Page « {titles[key]} »",
                   lambda key=key: _show_page(window, key, recorder, messenger))

    def close() -> None:
        window.force_close()
        QApplication.processEvents()
        _no_errors(recorder, messenger)

    checks.run("Fermeture de la fenêtre et de la base", close)


def _check_icon(app: QApplication) -> None:
    if app.windowIcon().isNull():
        raise SelftestFailure("l'icône est introuvable")


def _check_qt_translation() -> None:
    """Qt's own buttons and dialogs in French: the translation the application installed
    (`make_application`), shipped with the program."""
    if QCoreApplication.translate("QPlatformTheme", "Cancel") != "Annuler":
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        raise SelftestFailure(f"Qt n'est pas en français : « qtbase_fr.qm » manque dans "
                              f"« {folder} » ou ne traduit pas « Cancel »")


def _show_page(window: MainWindow, key: str, recorder: _ErrorRecorder,
               messenger: RecordingMessenger) -> None:
    window.select_section(key)
    QApplication.processEvents()
    page = window.pages.get(key)
    if page is None or window.stack.currentWidget() is not page:
        raise SelftestFailure("la page n'est pas affichée")
    if not page.isVisible():
        raise SelftestFailure("la page est masquée")
    _no_errors(recorder, messenger)


def _no_errors(recorder: _ErrorRecorder, messenger: RecordingMessenger) -> None:
    problems = recorder.take() + messenger.take()
    if problems:
        raise SelftestFailure(" ; ".join(problems))


def _check_decision_record(database_path: Path, target: Path) -> None:
    database = open_database(database_path, read_only=True)
    try:
        with database.read() as session:
            held = meeting_rows(session, states=[MeetingState.HELD])
            if not held:
                raise SelftestFailure("la démonstration n'a pas de séance tenue")
            data = decision_record_data(session, held[0].id, generated_on=date.today())
    finally:
        database.close()
    written = save_pdf(render_decision_record(data), target)
    content = written.read_bytes()
    if not content.startswith(b"%PDF-"):
        raise SelftestFailure(f"« {written.name} » n'est pas un PDF ({len(content)} octets)")
    if not content.rstrip().endswith(b"%%EOF"):
        raise SelftestFailure(f"« {written.name} » est tronqué")
    if not _PDF_PAGE.search(content):
        raise SelftestFailure(f"« {written.name} » n'a aucune page")


def _check_programmation(database_path: Path, target: Path) -> None:
    database = open_database(database_path, read_only=True)
    try:
        with database.read() as session:
            references = {d.reference for d in programmation_data(session, None).dossiers}
            written = export_programmation(session, target)
    finally:
        database.close()
    if not references:
        raise SelftestFailure("la démonstration n'a aucun dossier")
    workbook = load_workbook(written, read_only=True)
    try:
        if MAIN_SHEET not in workbook.sheetnames:
            raise SelftestFailure(f"le classeur n'a pas de feuille « {MAIN_SHEET} »")
        found = {cell for row in workbook[MAIN_SHEET].iter_rows(values_only=True)
                 for cell in row if cell in references}
    finally:
        workbook.close()
    if not found:
        raise SelftestFailure(f"aucun dossier dans la feuille « {MAIN_SHEET} »")


def _remove(folder: Path) -> None:
    shutil.rmtree(folder)
    if folder.exists():
        raise SelftestFailure(f"« {folder} » est resté en place")


class RecordingMessenger(Messenger):
    """Never shows a modal dialog: a warning or a crash report becomes a failure."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.informed: list[str] = []

    def take(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems

    def warn(self, parent: QWidget | None, title: str, text: str) -> None:
        self.problems.append(f"{title} : {text}")

    def inform(self, parent: QWidget | None, title: str, text: str) -> None:
        self.informed.append(text)  # worth knowing (a working copy…), not a problem

    def confirm(self, parent: QWidget | None, title: str, text: str, accept: str,
                reject: str | None = None) -> bool:
        return False

    def choose(self, parent: QWidget | None, title: str, text: str,
               options: Sequence[str]) -> int | None:
        return None

    def ask_text(self, parent: QWidget | None, title: str, label: str,
                 text: str = "") -> str | None:
        return None

    def crash(self, parent: QWidget | None, log_file: Path) -> None:
        self.problems.append("erreur inattendue")

