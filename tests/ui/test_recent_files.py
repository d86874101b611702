"""« Fichier › Fichiers récents »: kept across restarts, opens the file, forgets on demand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from qpvdesk.core.services.setup import create_new_database
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.recent_files import MAX_RECENT, RecentFiles, last_opened


def other_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    create_new_database(path, "empty")
    return path


def entries(window: MainWindow) -> list[str]:
    menu = window.recent_files.menu
    menu.aboutToShow.emit()  # as when the submenu opens
    return [action.text() for action in menu.actions() if action.text()]


def test_the_list_follows_what_is_opened(window: MainWindow, db_path: Path,
                                         tmp_path: Path) -> None:
    assert window.recent_files.paths() == [db_path]
    other = other_file(tmp_path, "lodeve.sqlite")
    window.file_actions.open_path(other)
    assert window.recent_files.paths() == [other, db_path]
    assert last_opened(window.settings) == other  # what the next start opens
    texts = entries(window)
    assert texts[0].startswith("&1  lodeve.sqlite")
    assert texts[1].startswith("&2  clermont.sqlite")
    assert texts[-1] == "Vider la liste"
    # Reopening the first file puts it back on top, once.
    window.file_actions.open_path(db_path)
    assert window.recent_files.paths() == [db_path, other]


def test_the_list_survives_a_restart(qtbot: Any, window: MainWindow, db_path: Path,
                                     tmp_path: Path, settings: QSettings) -> None:
    other = other_file(tmp_path, "lodeve.sqlite")
    window.file_actions.open_path(other)
    parent = QWidget()
    qtbot.addWidget(parent)
    again = RecentFiles(QSettings(settings.fileName(), QSettings.Format.IniFormat),
                        lambda _path: None, parent)
    assert again.paths() == [other, db_path]


def test_a_single_file_survives_a_restart(qtbot: Any, window: MainWindow, db_path: Path,
                                          settings: QSettings) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    again = RecentFiles(QSettings(settings.fileName(), QSettings.Format.IniFormat),
                        lambda _path: None, parent)
    assert again.paths() == [db_path]


def test_choosing_an_entry_opens_the_file(window: MainWindow, db_path: Path,
                                          tmp_path: Path) -> None:
    other = other_file(tmp_path, "lodeve.sqlite")
    window.file_actions.open_path(other)
    assert window.context.database.origin == other
    entries(window)
    clermont = window.recent_files.file_actions()[1]
    assert clermont.isEnabled()
    clermont.trigger()
    assert window.context.database.origin == db_path
    assert "clermont.sqlite" in window.windowTitle()


def test_a_missing_file_is_shown_disabled(window: MainWindow, tmp_path: Path) -> None:
    other = other_file(tmp_path, "lodeve.sqlite")
    window.file_actions.open_path(other)
    window.file_actions.open_path(window.recent_files.paths()[1])
    other.unlink()
    texts = entries(window)
    gone = window.recent_files.file_actions()[1]
    assert not gone.isEnabled()
    assert "(introuvable)" in texts[1]
    assert window.recent_files.file_actions()[0].isEnabled()


def test_clearing_the_list(window: MainWindow, settings: QSettings) -> None:
    entries(window)
    window.recent_files.clear_action.trigger()
    assert window.recent_files.paths() == []
    assert entries(window) == ["Aucun fichier récent", "Vider la liste"]
    assert not window.recent_files.clear_action.isEnabled()
    again = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    assert not again.value("recent_files/paths")


def test_only_the_newest_eight_are_kept(window: MainWindow, db_path: Path,
                                        tmp_path: Path) -> None:
    recent = window.recent_files
    names = [f"base-{n}.sqlite" for n in range(10)]
    for name in names:
        recent.add(tmp_path / name)
    assert len(recent.paths()) == MAX_RECENT
    assert [path.name for path in recent.paths()] == list(reversed(names))[:MAX_RECENT]
    assert db_path not in recent.paths()
