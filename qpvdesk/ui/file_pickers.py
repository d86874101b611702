"""The system file dialogs that pick a data file or a workbook (tests replace them)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QWidget

FILE_FILTER = "Bases qpvdesk (*.sqlite);;Tous les fichiers (*)"
WORKBOOK_FILTER = "Classeurs Excel (*.xlsx *.xlsm);;Tous les fichiers (*)"


def _tr(text: str) -> str:
    return QCoreApplication.translate("Opening", text)


def pick_existing_file(parent: QWidget | None, folder: Path) -> Path | None:
    """The file dialog of "Ouvrir une autre base…"."""
    name, _filter = QFileDialog.getOpenFileName(
        parent, _tr("Ouvrir une base qpvdesk"), str(folder), _tr(FILE_FILTER)
    )
    return Path(name) if name else None


def pick_new_file(parent: QWidget | None, folder: Path) -> Path | None:
    """The file dialog of "Nouvelle base…" (the creation itself never overwrites a file)."""
    name, _filter = QFileDialog.getSaveFileName(
        parent, _tr("Nouvelle base qpvdesk"), str(folder / "contrat-de-ville.sqlite"),
        _tr(FILE_FILTER), options=QFileDialog.Option.DontConfirmOverwrite,
    )
    if not name:
        return None
    path = Path(name)
    return path if path.suffix else path.with_suffix(".sqlite")


def pick_workbook_file(parent: QWidget | None, folder: Path) -> Path | None:
    """The file dialog choosing a framework workbook to start a new file from."""
    name, _filter = QFileDialog.getOpenFileName(
        parent, _tr("Classeur du cadre stratégique"), str(folder), _tr(WORKBOOK_FILTER))
    return Path(name) if name else None
