"""« Fichier ▸ Exporter » and « Fichier ▸ Importer »: the Excel (and SCDL CSV) exchanges.

The work itself is the core's (`qpvdesk.core.exchange`), called as the command line calls it.
Exports and the reading of a workbook run off the GUI thread (`ExchangeJob`) behind a
progress dialog; every question and message goes through the `Messenger`; the file
pickers are attributes so that tests answer them without a dialog.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QProgressDialog, QWidget
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qpvdesk.core.errors import UserFacingError
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.opening import busy_cursor

if TYPE_CHECKING:
    from qpvdesk.ui.import_dialog import ImportDialog

#: ``work(progress)``: *progress(done, total)* may raise `ExportCancelled`.
Work = Callable[[Callable[[int, int], None]], Any]
#: ``(parent, title, suggested path or folder, filter) -> path or None``.
FilePicker = Callable[[QWidget | None, str, Path, str], Path | None]

XLSX_FILTER = "Classeur Excel (*.xlsx)"
CSV_FILTER = "Fichier CSV (*.csv)"
IMPORT_FILTER = "Classeurs (*.xlsx *.xlsm *.csv);;Tous les fichiers (*)"


class Host(Protocol):
    def show_message(self, text: str) -> None: ...


def pick_save_file(parent: QWidget | None, title: str, suggested: Path,
                   filter_: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), filter_)
    return Path(name) if name else None


def pick_open_file(parent: QWidget | None, title: str, folder: Path, filter_: str) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, title, str(folder), filter_)
    return Path(name) if name else None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


class ExchangeJob(QObject):
    """One piece of exchange work in a worker thread; its signals reach the GUI thread."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    #: A `UserFacingError` to show.
    failed = Signal(object)
    cancelled = Signal()
    #: An unexpected exception (a bug) for the crash dialog and the log.
    crashed = Signal(object)

    def __init__(self, work: Work, name: str = "exchange") -> None:
        super().__init__()  # no parent: the thread keeps it alive
        self._work = work
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread.ident is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _progress(self, done: int, total: int) -> None:
        from qpvdesk.core.exchange.xlsx import ExportCancelled

        if self._stop.is_set():
            raise ExportCancelled
        self.progressed.emit(done, total)

    def _run(self) -> None:
        from qpvdesk.core.exchange.xlsx import ExportCancelled

        try:
            result = self._work(self._progress)
        except ExportCancelled:
            self.cancelled.emit()
        except UserFacingError as error:
            self.failed.emit(error)
        except Exception as error:  # a bug: reported on the GUI thread
            self.crashed.emit(error)
        else:
            self.succeeded.emit(result)


@dataclass(frozen=True)
class _Export:
    title: str
    file_stem: str
    by_year: bool  # offers "this year / all years"
    run: Callable[[Session, Path, set[int] | None, Callable[[int, int], None]], Any]


def _programmation(session: Session, path: Path, years: set[int] | None,
                   progress: Callable[[int, int], None]) -> Path:
    from qpvdesk.core.exchange.programmation_export import export_programmation

    return export_programmation(session, path, years, progress=progress)


def _directory(session: Session, path: Path, _years: set[int] | None,
               progress: Callable[[int, int], None]) -> Path:
    from qpvdesk.core.exchange.directory_export import export_directory

    return export_directory(session, path, progress=progress)


def _payments(session: Session, path: Path, years: set[int] | None,
              progress: Callable[[int, int], None]) -> Path:
    from qpvdesk.core.exchange.payments_export import export_payments

    return export_payments(session, path, years, progress=progress)


def _framework(session: Session, path: Path, _years: set[int] | None,
               progress: Callable[[int, int], None]) -> Path:
    from qpvdesk.core.exchange.framework_exchange import export_framework

    return export_framework(session, path, progress=progress)


def _indicators(session: Session, path: Path, years: set[int] | None,
                progress: Callable[[int, int], None]) -> Path:
    from qpvdesk.core.exchange.indicators_export import export_indicators

    return export_indicators(session, path, years, progress=progress)


EXPORTS: dict[str, _Export] = {
    "programmation": _Export("Tableau de programmation", "programmation", True, _programmation),
    "partenaires": _Export("Annuaire des partenaires", "annuaire-partenaires", False, _directory),
    "versements": _Export("Suivi des versements", "suivi-versements", True, _payments),
    "framework": _Export("Cadre stratégique (modèle)", "cadre-strategique", False, _framework),
    "indicateurs": _Export("Indicateurs", "indicateurs", True, _indicators),
}


def _dossier_years(session: Session) -> list[int]:
    from qpvdesk.core.domain.models import Dossier

    return sorted(year for (year,) in session.execute(select(Dossier.year).distinct()))


def _objective_count(session: Session) -> int:
    from qpvdesk.core.domain.models import Objective

    return int(session.scalar(select(func.count()).select_from(Objective)) or 0)


class ExchangeMenu(QObject):
    """The « Exporter » and « Importer » submenus of « Fichier »."""

    #: Emitted when an export, an import or its refusal is over (tests wait on it).
    finished = Signal()

    def __init__(self, window: QWidget, host: Host, context: AppContext) -> None:
        super().__init__(window)
        self._window = window
        self._host = host
        self._context = context
        self.pick_save: FilePicker = pick_save_file
        self.pick_open: FilePicker = pick_open_file
        self.today: Callable[[], date] = date.today
        self.job: ExchangeJob | None = None
        self.progress: QProgressDialog | None = None
        self.import_dialog: ImportDialog | None = None
        self.last_written: Path | None = None

        self.export_menu = QMenu(self.tr("Exporter"), window)
        self.export_actions: dict[str, QAction] = {}
        for key, spec in EXPORTS.items():
            action = self.export_menu.addAction(self.tr(spec.title + "…"))
            action.triggered.connect(lambda _=False, k=key: self.export(k))
            self.export_actions[key] = action
        self.scdl_action = self.export_menu.addAction(
            self.tr("Subventions au format SCDL (CSV)…"))
        self.scdl_action.triggered.connect(self.export_scdl)
        self.export_actions["scdl"] = self.scdl_action

        self.import_menu = QMenu(self.tr("Importer"), window)
        self.import_programmation_action = self.import_menu.addAction(
            self.tr("Tableau de programmation…"))
        self.import_programmation_action.triggered.connect(self.import_programmation)
        self.import_framework_action = self.import_menu.addAction(
            self.tr("Cadre stratégique…"))
        self.import_framework_action.triggered.connect(self.import_framework)
        context.database_replaced.connect(self.update_enabled)
        self.update_enabled()

    # ------------------------------------------------------------------ state

    def update_enabled(self) -> None:
        idle = self.job is None
        writable = not self._context.read_only
        for action in self.export_actions.values():
            action.setEnabled(idle)
        for action in (self.import_programmation_action, self.import_framework_action):
            action.setEnabled(idle and writable)
            action.setToolTip("" if writable else self.tr(
                "La base est ouverte en lecture seule : rien ne peut y être importé."))

    def wait(self, timeout: float | None = None) -> bool:
        """Join the running job (tests, closing); True when none is running."""
        job = self.job
        return job is None or job.wait(timeout)

    def stop(self) -> None:
        """Before the file closes: cancel a running export and let its thread end."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait()

    def _folder(self) -> Path:
        return self._context.database.origin.parent

    def _start(self, work: Work, label: str, on_success: Callable[[Any], None],
               *, title: str, cancellable: bool = True) -> None:
        job = ExchangeJob(work)
        progress = QProgressDialog(label, self.tr("Annuler") if cancellable else "", 0, 0,
                                   self._window)
        progress.setWindowTitle(title)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(400)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        if not cancellable:
            progress.setCancelButton(None)
        progress.canceled.connect(job.cancel)

        def on_progress(done: int, total: int) -> None:
            progress.setMaximum(max(total, 1))
            progress.setValue(min(done, max(total, 1)))

        def end() -> None:
            self.job = None
            progress.canceled.disconnect(job.cancel)
            progress.close()
            progress.deleteLater()
            self.progress = None
            self.update_enabled()

        def succeeded(result: Any) -> None:
            end()
            try:
                on_success(result)
            finally:
                self.finished.emit()

        def failed(error: UserFacingError) -> None:
            end()
            self._context.messenger.warn(self._window, title, error.message)
            self.finished.emit()

        def cancelled() -> None:
            end()
            self._host.show_message(self.tr("Export annulé : aucun fichier n'a été écrit."))
            self.finished.emit()

        def crashed(error: BaseException) -> None:
            end()
            self.finished.emit()
            raise error  # the application's hook logs it and shows the crash dialog

        job.progressed.connect(on_progress)
        job.succeeded.connect(succeeded)
        job.failed.connect(failed)
        job.cancelled.connect(cancelled)
        job.crashed.connect(crashed)
        self.job = job
        self.progress = progress
        self.update_enabled()
        job.start()

    # ------------------------------------------------------------------ exports

    def _choose_years(self, title: str) -> set[int] | bool | None:
        """The years to export: a set, None for every year, False when cancelled."""
        years = self._context.read(_dossier_years)
        current = self.today().year
        if not years:
            return {current}
        choice = self._context.messenger.choose(
            self._window, title,
            self.tr("Quelles années exporter ? La base contient des dossiers de {years}.")
            .format(years=", ".join(str(year) for year in years)),
            [self.tr("L'année {year}").format(year=current), self.tr("Toutes les années"),
             self.tr("Annuler")],
        )
        if choice == 0:
            return {current}
        if choice == 1:
            return None
        return False

    def export(self, key: str) -> None:
        if self.job is not None:
            return
        spec = EXPORTS[key]
        title = self.tr("Exporter : {what}").format(what=self.tr(spec.title))
        years: set[int] | None = None
        stem = spec.file_stem
        if spec.by_year:
            chosen = self._choose_years(title)
            if chosen is False:
                return
            years = chosen if isinstance(chosen, set) else None
            if years is not None:
                stem += "-" + "-".join(str(year) for year in sorted(years))
        path = self.pick_save(self._window, title, self._folder() / f"{stem}.xlsx",
                              self.tr(XLSX_FILTER))
        if path is None:
            return
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        database = self._context.database

        def work(progress: Callable[[int, int], None]) -> Path:
            with database.read() as session:
                return Path(spec.run(session, path, years, progress))

        def done(written: Path) -> None:
            self.last_written = written
            self._host.show_message(self.tr("{what} enregistré : {path}")
                                    .format(what=self.tr(spec.title), path=written))

        self._start(work, self.tr("Export vers « {name} »…").format(name=path.name), done,
                    title=title)

    def export_scdl(self) -> None:
        if self.job is not None:
            return
        title = self.tr("Exporter les subventions au format SCDL")
        messenger = self._context.messenger
        current = self.today().year
        offered = [current, current - 1]
        choice = messenger.choose(
            self._window, title,
            self.tr("Les subventions de quelle année publier ? (une année par fichier, selon "
                    "le schéma SCDL Subventions)"),
            [str(year) for year in offered] + [self.tr("Annuler")],
        )
        if choice is None or choice >= len(offered):
            return
        year = offered[choice]
        path = self.pick_save(self._window, title,
                              self._folder() / f"subventions-scdl-{year}.csv",
                              self.tr(CSV_FILTER))
        if path is None:
            return
        if path.suffix.lower() != ".csv":
            path = path.with_name(path.name + ".csv")
        database = self._context.database

        def work(_progress: Callable[[int, int], None]) -> Any:
            from qpvdesk.core.exchange.scdl import export_scdl

            with database.read() as session:
                return export_scdl(session, year, path)

        def done(data: Any) -> None:
            self.last_written = path
            count = len(data.rows)
            text = (f"{_plural(count, 'subvention')} {year} "
                    f"enregistrée{'s' if count > 1 else ''} au format SCDL : {path}")
            if data.left_out:
                left = len(data.left_out)
                text += (f"\n\n{_plural(left, 'subvention')} laissée{'s' if left > 1 else ''} "
                         "de côté (le fichier doit être valide) :\n")
                text += "\n".join(f"• {item.describe()}" for item in data.left_out[:20])
                if left > 20:
                    text += f"\n… et {left - 20} autres."
            self._host.show_message(self.tr("Subventions enregistrées : {path}")
                                    .format(path=path))
            messenger.inform(self._window, title, text)

        self._start(work, self.tr("Export vers « {name} »…").format(name=path.name), done,
                    title=title, cancellable=False)

    # ------------------------------------------------------------------ imports

    def _refuse_read_only(self, title: str) -> bool:
        if self._context.read_only:
            self._context.messenger.warn(
                self._window, title,
                self.tr("La base est ouverte en lecture seule : rien ne peut y être importé."))
            return True
        return False

    def import_programmation(self) -> None:
        title = self.tr("Importer un tableau de programmation")
        if self.job is not None or self._refuse_read_only(title):
            return
        path = self.pick_open(self._window, title, self._folder(), self.tr(IMPORT_FILTER))
        if path is None:
            return
        database = self._context.database

        def work(_progress: Callable[[int, int], None]) -> Any:
            from qpvdesk.core.exchange.programmation_import import read_and_preview

            with database.read() as session:
                return read_and_preview(session, path)

        self._start(work, self.tr("Lecture de « {name} »…").format(name=path.name),
                    lambda preview: self._show_preview(path, preview), title=title,
                    cancellable=False)

    def _show_preview(self, path: Path, preview: Any) -> None:
        database = self._context.database

        def reanalyse(options: Any) -> Any:
            # The mapping step: read again with the user's columns (in the window's
            # thread, the dialog being modal meanwhile).
            from qpvdesk.core.exchange.programmation_import import read_and_preview

            with busy_cursor(), database.read() as session:
                return read_and_preview(session, path, options)

        from qpvdesk.ui.import_dialog import ImportDialog

        dialog = ImportDialog(preview, self._window, reanalyse=reanalyse)
        dialog.save_errors_requested.connect(lambda: self._save_error_report(dialog.preview))
        dialog.accepted.connect(lambda: self._run_import(path, dialog.options))
        dialog.finished.connect(lambda _result: setattr(self, "import_dialog", None))
        self.import_dialog = dialog
        dialog.open()

    def _save_error_report(self, preview: Any) -> None:
        from qpvdesk.core.exchange.programmation_import import write_error_report

        title = self.tr("Enregistrer la liste des erreurs")
        parent = self.import_dialog or self._window
        path = self.pick_save(parent, title,
                              self._folder() / f"erreurs-{preview.file.stem}.xlsx",
                              self.tr(XLSX_FILTER))
        if path is None:
            return
        try:
            with busy_cursor():
                saved = write_error_report(preview.errors, path)
        except UserFacingError as error:
            self._context.messenger.warn(parent, title, error.message)
            return
        self.last_written = saved
        self._host.show_message(self.tr("Liste des erreurs enregistrée : {path}")
                                .format(path=saved))

    def _run_import(self, path: Path, options: Any = None) -> None:
        title = self.tr("Importer un tableau de programmation")
        database = self._context.database

        def work(_progress: Callable[[int, int], None]) -> Any:
            from qpvdesk.core.exchange.programmation_import import import_programmation

            return import_programmation(database, path, options)

        self._start(work, self.tr("Import de « {name} »… (une sauvegarde est faite avant)")
                    .format(name=path.name), self._import_done, title=title, cancellable=False)

    def _import_done(self, result: Any) -> None:
        title = self.tr("Importer un tableau de programmation")
        messenger = self._context.messenger
        preview = result.preview
        if not preview.ok:
            count = len(preview.errors)
            lines = "\n".join(error.describe() for error in preview.errors[:20])
            messenger.warn(self._window, title,
                           f"Import refusé, {_plural(count, 'erreur')} ; rien n'a été "
                           f"enregistré.\n\n{lines}")
            return
        if not result.written:
            messenger.inform(self._window, title, self.tr(
                "Rien à changer : la base contient déjà tout ce que dit le classeur."))
            return
        self._imported()
        c = preview.counts
        messenger.inform(
            self._window, title,
            f"Import terminé.\n\nDossiers : {c.dossiers_created} créé"
            f"{'s' if c.dossiers_created > 1 else ''}, {c.dossiers_updated} mis à jour, "
            f"{c.dossiers_unchanged} inchangé{'s' if c.dossiers_unchanged > 1 else ''}.\n"
            f"Financements : {c.fundings_created} créé{'s' if c.fundings_created > 1 else ''}, "
            f"{c.fundings_updated} mis à jour. Versements créés : {c.payments_created}. "
            f"Structures créées : {c.organisations_created}.\n\n"
            f"Un import ne s'annule pas avec Ctrl+Z : la sauvegarde faite juste avant "
            f"permet de revenir en arrière (Fichier ▸ Restaurer une sauvegarde…) :\n"
            f"{result.backup}",
        )

    def _imported(self) -> None:
        # Not undoable (a backup was taken instead): the recorded changes no longer apply.
        self._context.undo_stack.clear()
        self._context.changed.emit(frozenset({"*"}))

    def import_framework(self) -> None:
        from qpvdesk.core.exchange.framework_exchange import FrameworkRefused, import_framework

        title = self.tr("Importer un cadre stratégique")
        messenger = self._context.messenger
        if self.job is not None or self._refuse_read_only(title):
            return
        count = self._context.read(_objective_count)
        if count:
            messenger.inform(
                self._window, title,
                self.tr("Cette base a déjà un cadre stratégique ({count} objectifs) : un cadre "
                        "ne s'importe que dans une base qui n'en a pas encore.\n\nPour le "
                        "contrat d'une autre commune, créez une base vide (Fichier ▸ Nouvelle "
                        "base… ▸ Base vide) puis importez-y son cadre.").format(count=count))
            return
        path = self.pick_open(self._window, title, self._folder(), self.tr(IMPORT_FILTER))
        if path is None:
            return
        try:
            with busy_cursor():
                loaded = import_framework(self._context.database, path)
        except FrameworkRefused as refused:
            lines = "\n".join(error.describe() for error in refused.errors[:20])
            more = len(refused.errors) - 20
            messenger.warn(self._window, title, refused.message + "\n\n" + lines
                           + (f"\n… et {more} autres." if more > 0 else ""))
            return
        except UserFacingError as error:
            messenger.warn(self._window, title, error.message)
            return
        self._imported()
        messenger.inform(self._window, title,
                         self.tr("Cadre stratégique importé : {what}.").format(
                             what=loaded.describe()))
        self.finished.emit()
