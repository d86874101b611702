"""A data file dropped on the window is opened; anything else is refused in the status bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from framework_helpers import click_node
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from qpvdesk.core.services.setup import create_new_database
from qpvdesk.ui.framework.framework_screen import FrameworkScreen
from qpvdesk.ui.main_window import MainWindow

_kept: list[QMimeData] = []


def drop(window: MainWindow, *paths: Path) -> QDropEvent:
    """Drop *paths* on the window as a file manager does."""
    mime = QMimeData()
    _kept.append(mime)  # the event only points to it
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    enter = QDragEnterEvent(QPoint(200, 200), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    return event


def test_a_dropped_data_file_is_opened(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    other = tmp_path / "autre-commune.sqlite"
    create_new_database(other, "empty")
    assert window.acceptDrops()
    event = drop(window, other)
    assert event.isAccepted()
    qtbot.waitUntil(lambda: window.context.database.origin == other)
    assert "autre-commune.sqlite" in window.windowTitle()
    assert window.recent_files.paths()[0] == other


def test_a_dropped_text_file_is_refused(qtbot: Any, window: MainWindow, db_path: Path,
                                        tmp_path: Path, messenger: Any) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("compte rendu", encoding="utf-8")
    drop(window, notes)
    message = window.status.currentMessage()
    assert "« notes.txt » n'est pas une base qpvdesk" in message
    assert ".sqlite" in message
    QApplication.processEvents()
    assert window.context.database.origin == db_path
    assert messenger.warnings == [] and messenger.questions == []


def test_two_dropped_files_are_refused(qtbot: Any, window: MainWindow, db_path: Path,
                                       tmp_path: Path) -> None:
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    create_new_database(first, "empty")
    create_new_database(second, "empty")
    drop(window, first, second)
    assert "un seul fichier" in window.status.currentMessage()
    QApplication.processEvents()
    assert window.context.database.origin == db_path


def test_unsaved_edits_are_asked_about_before_a_drop_opens(
        qtbot: Any, window: MainWindow, screen: FrameworkScreen, db_path: Path,
        tmp_path: Path, messenger: Any) -> None:
    other = tmp_path / "autre.sqlite"
    create_new_database(other, "empty")
    click_node(qtbot, screen, "P1.1.2")
    screen.view.detail.short_title_edit.setText("Initiatives")
    messenger.answers = [2]  # "Annuler": stay on the edits
    drop(window, other)
    qtbot.waitUntil(lambda: len(messenger.questions) == 1)
    assert "modifications non enregistrées" in messenger.questions[0]
    assert window.context.database.origin == db_path
    assert screen.view.detail.short_title_edit.text() == "Initiatives"
    messenger.answers = [1]  # "Ne pas enregistrer"
    drop(window, other)
    qtbot.waitUntil(lambda: window.context.database.origin == other)
