"""« Fichier › Fichiers récents » : the last data files opened, kept in the settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

RECENT_KEY = "recent_files/paths"
MAX_RECENT = 8


def same_file(a: Path, b: Path) -> bool:
    """The same file on disk, whatever the spelling of the path."""
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a.absolute() == b.absolute()


def last_opened(settings: QSettings) -> Path | None:
    """The file opened last (the head of the list), whether or not it is still there."""
    paths = _stored_paths(settings)
    return paths[0] if paths else None


def _stored_paths(settings: QSettings) -> list[Path]:
    value = settings.value(RECENT_KEY, [])
    # An INI file gives back a one-item list as a plain string.
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [Path(item) for item in items if isinstance(item, str) and item][:MAX_RECENT]


class RecentFiles(QObject):
    """The list, newest first, and its submenu (rebuilt each time it opens).

    A file that has gone (moved, on a USB stick not plugged in) stays listed, disabled, so
    that it is recognised; « Vider la liste » forgets them all.
    """

    def __init__(self, settings: QSettings, open_path: Callable[[Path], object],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self._settings = settings
        self._open_path = open_path
        self.menu = QMenu(self.tr("Fichiers récents"), parent)
        self.clear_action = QAction(self.tr("Vider la liste"), self)
        self.clear_action.triggered.connect(self.clear)
        # Built as it opens: its files are looked for only then (one may be on a drive
        # that is slow to answer), never while the window starts.
        self.menu.aboutToShow.connect(self.rebuild)

    def paths(self) -> list[Path]:
        return _stored_paths(self._settings)

    def add(self, path: Path) -> None:
        """Put *path* first (once), keeping the newest eight."""
        path = path.absolute()
        kept = [other for other in self.paths() if not same_file(other, path)]
        self._store([path, *kept][:MAX_RECENT])

    def clear(self) -> None:
        self._store([])

    def _store(self, paths: list[Path]) -> None:
        if paths:
            self._settings.setValue(RECENT_KEY, [str(path) for path in paths])
        else:
            self._settings.remove(RECENT_KEY)
        self._settings.sync()

    def file_actions(self) -> list[QAction]:
        """The menu's file entries, in order (not the « Vider la liste » entry)."""
        return [action for action in self.menu.actions() if action.data()]

    def rebuild(self) -> None:
        self.menu.clear()
        paths = self.paths()
        for number, path in enumerate(paths, start=1):
            label = self.tr("&{number}  {name}  —  {folder}").format(
                number=number, name=path.name.replace("&", "&&"),
                folder=str(path.parent).replace("&", "&&"))
            action = self.menu.addAction(label)
            action.setData(str(path))
            action.setStatusTip(str(path))
            if not path.is_file():
                action.setText(self.tr("{label} (introuvable)").format(label=label))
                action.setEnabled(False)
            action.triggered.connect(lambda _checked=False, p=path: self._open_path(p))
        if not paths:
            self.menu.addAction(self.tr("Aucun fichier récent")).setEnabled(False)
        self.menu.addSeparator()
        self.menu.addAction(self.clear_action)
        self.clear_action.setEnabled(bool(paths))
