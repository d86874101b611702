"""The « Aide » window: the user guide, the keyboard shortcuts, where the data and backups are.

The texts are Markdown files in ``resources/help``; the data page is filled in with the real
paths of the file open now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from string import Template

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.storage.backups import backups_dir
from qpvdesk.core.storage.database import Database
from qpvdesk.paths import default_db_path, resource, user_log_dir

GUIDE_PAGE, SHORTCUTS_PAGE, DATA_PAGE = range(3)


def help_text(name: str) -> str:
    """One of the help files shipped in ``resources/help``."""
    return resource("help", name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class DataPlaces:
    """Where the open file, its backups, the default file and the log are."""

    data_file: Path
    backups_folder: Path
    working_file: Path | None
    default_file: Path
    log_folder: Path

    @classmethod
    def of(cls, database: Database) -> DataPlaces:
        # A working copy is backed up where it lives, beside the local copy.
        copy = database.path if database.path != database.origin else None
        return cls(database.origin, backups_dir(database.path), copy, default_db_path(),
                   user_log_dir())

    def markdown(self) -> str:
        note = "" if self.working_file is None else Template(
            help_text("working-copy.md")).safe_substitute(working_file=self.working_file)
        return Template(help_text("data.md")).safe_substitute(
            data_file=self.data_file, data_name=self.data_file.name,
            data_stem=self.data_file.stem, backups_folder=self.backups_folder,
            working_copy_note=note, default_file=self.default_file,
            default_folder=self.default_file.parent, default_name=self.default_file.name,
            log_folder=self.log_folder)


def open_folder(folder: Path) -> None:
    """Show *folder* in the system's file manager (Explorer on Windows)."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def _browser(markdown: str) -> QTextBrowser:
    browser = QTextBrowser()
    browser.setOpenExternalLinks(True)
    browser.setMarkdown(markdown)
    return browser


class HelpDialog(QDialog):
    """A window beside the main one (not modal): one tab per help page."""

    def __init__(self, places: DataPlaces, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Aide de qpvdesk"))
        self.open_folder: Callable[[Path], object] = open_folder
        self.guide_view = _browser(help_text("guide.md"))
        self.shortcuts_view = _browser(help_text("shortcuts.md"))
        self.data_view = QTextBrowser()
        self.open_data_button = QPushButton(self.tr("Ouvrir le dossier des données"))
        self.open_backups_button = QPushButton(self.tr("Ouvrir le dossier des sauvegardes"))
        self.open_data_button.clicked.connect(
            lambda: self.open_folder(self.places.data_file.parent))
        self.open_backups_button.clicked.connect(
            lambda: self.open_folder(self.places.backups_folder))

        data_page = QWidget()
        data_layout = QVBoxLayout(data_page)
        data_layout.setContentsMargins(0, 0, 0, 0)
        data_layout.addWidget(self.data_view, 1)
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(self.open_data_button)
        buttons_row.addWidget(self.open_backups_button)
        buttons_row.addStretch(1)
        data_layout.addLayout(buttons_row)

        self.tabs = QTabWidget()
        self.tabs.insertTab(GUIDE_PAGE, self.guide_view, self.tr("Guide d'utilisation"))
        self.tabs.insertTab(SHORTCUTS_PAGE, self.shortcuts_view, self.tr("Raccourcis clavier"))
        self.tabs.insertTab(DATA_PAGE, data_page, self.tr("Vos données"))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(close)
        self.resize(820, 680)
        self.places = places
        self.show_places(places)

    def show_places(self, places: DataPlaces) -> None:
        """The data page for the file open now (it changes with « Ouvrir une autre base… »)."""
        self.places = places
        self.data_view.setMarkdown(places.markdown())
        # The backups folder appears with the first backup.
        self.open_backups_button.setEnabled(places.backups_folder.is_dir())

    def show_page(self, page: int) -> None:
        self.tabs.setCurrentIndex(page)
        self.show()
        self.raise_()
        self.activateWindow()
