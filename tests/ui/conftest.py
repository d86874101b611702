"""Fixtures for the window tests: a real database file per test, and answers for every dialog."""

from __future__ import annotations

import os

# Before any Qt import: the tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import contextlib
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from qpvdesk.core.services.framework import ObjectiveRow, objective_rows
from qpvdesk.core.storage.database import Database, open_database
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.framework.framework_screen import FrameworkScreen
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.messages import Messenger


class FakeMessenger(Messenger):
    """Records what would have been shown and answers from a queue (never a modal)."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.infos: list[str] = []
        self.questions: list[str] = []
        self.crashes: list[Path] = []
        self.answers: list[Any] = []

    def _answer(self, default: Any) -> Any:
        return self.answers.pop(0) if self.answers else default

    def warn(self, parent: QWidget | None, title: str, text: str) -> None:
        self.warnings.append(text)

    def inform(self, parent: QWidget | None, title: str, text: str) -> None:
        self.infos.append(text)

    def confirm(self, parent: QWidget | None, title: str, text: str, accept: str,
                reject: str | None = None) -> bool:
        self.questions.append(text)
        return bool(self._answer(False))

    def choose(self, parent: QWidget | None, title: str, text: str,
               options: Sequence[str]) -> int | None:
        self.questions.append(text)
        return self._answer(len(options) - 1)

    def ask_text(self, parent: QWidget | None, title: str, label: str,
                 text: str = "", accept: str | None = None) -> str | None:
        self.questions.append(label)
        return self._answer(None)

    def crash(self, parent: QWidget | None, log_file: Path) -> None:
        self.crashes.append(log_file)


@pytest.fixture
def db_path(tmp_path: Path, builtin_template: Path) -> Path:
    """A fresh file holding the built-in contract, in its own folder."""
    folder = tmp_path / "data"
    folder.mkdir()
    target = folder / "clermont.sqlite"
    shutil.copyfile(builtin_template, target)
    return target


@pytest.fixture
def messenger() -> FakeMessenger:
    return FakeMessenger()


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """Window settings in a file of the test, never the user's."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def open_db(tmp_path: Path) -> Iterator[Callable[..., Database]]:
    """Open files for a test; whatever is still open at the end is closed."""
    opened: list[Database] = []

    def opener(path: Path, read_only: bool = False) -> Database:
        database = open_database(path, read_only=read_only,
                                 working_copies=tmp_path / "working-copies")
        opened.append(database)
        return database

    yield opener
    for database in opened:
        with contextlib.suppress(Exception):  # closing twice is harmless; be sure it is closed
            database.close()


@pytest.fixture
def make_window(qtbot: Any, settings: QSettings, messenger: FakeMessenger,
                open_db: Callable[..., Database]) -> Iterator[Callable[..., MainWindow]]:
    """Build a shown main window on a file; closed (and its file with it) at the end."""
    windows: list[MainWindow] = []

    def build(path: Path, read_only: bool = False) -> MainWindow:
        context = AppContext(open_db(path, read_only=read_only), messenger)
        window = MainWindow(context, settings)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield build
    messenger.answers = [1] * 5  # unsaved edits at the end of a test: "Ne pas enregistrer"
    for window in windows:
        window.close()
        window.close_database()


@pytest.fixture
def window(make_window: Callable[..., MainWindow], db_path: Path) -> MainWindow:
    return make_window(db_path)


@pytest.fixture
def read_back(open_db: Callable[..., Database], db_path: Path) -> Callable[[Callable[..., Any]],
                                                                            Any]:
    """Run a service query on the file through a separate, read-only opening."""

    def read(query: Callable[..., Any]) -> Any:
        database = open_db(db_path, read_only=True)
        try:
            with database.read() as session:
                return query(session)
        finally:
            database.close()

    return read


@pytest.fixture
def screen(window: MainWindow) -> FrameworkScreen:
    """The "Cadre stratégique" page of the window, shown."""
    window.select_section("framework")
    page = window.page("framework")
    assert isinstance(page, FrameworkScreen)
    return page


@pytest.fixture
def stored(read_back: Callable[[Callable[..., Any]], Any]) -> Callable[[], list[ObjectiveRow]]:
    """The objective rows as the file holds them now."""
    return lambda: read_back(objective_rows)
