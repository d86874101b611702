"""Starting on a file that exists: the window's frame is shown first, then the file is opened
over it and attached to the same window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

import qpvdesk.ui.app as app_module
from qpvdesk.core.storage.database import Database
from qpvdesk.core.storage.lock import lock_path_for
from qpvdesk.ui import crash, messages, opening
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.sections import DASHBOARD


class Start:
    """`run_gui` with the test's messenger and settings; what the window was at each step."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, messenger: Any,
                 settings: QSettings) -> None:
        # The process-wide log and exception hook are not what these tests are about.
        monkeypatch.setattr(crash, "setup_logging", lambda folder: folder / "qpvdesk.log")
        monkeypatch.setattr(crash, "install_excepthook", lambda *_args: None)
        monkeypatch.setattr(app_module, "user_log_dir", lambda: tmp_path / "logs")
        monkeypatch.setattr(messages, "Messenger", lambda: messenger)
        monkeypatch.setattr(app_module, "QSettings", lambda: settings)
        self.at_opening: dict[str, Any] = {}
        self.at_end: dict[str, Any] = {}
        real_open = opening.open_initial_database

        def recording_open(*args: Any, **kwargs: Any) -> Database | None:
            window = kwargs.get("parent")
            assert isinstance(window, MainWindow)
            self.at_opening = {"window": window, "visible": window.isVisible(),
                               "attached": window.attached,
                               "menus": window.file_menu.isEnabled(),
                               "read_only": window.status.read_only_label.isVisible()}
            database = real_open(*args, **kwargs)
            if database is not None:
                QTimer.singleShot(0, lambda: self._finish(window))
            return database

        monkeypatch.setattr(opening, "open_initial_database", recording_open)

    def _finish(self, window: MainWindow) -> None:
        """Once the file is attached: note what she sees, then quit."""
        page = window.stack.currentWidget()
        self.at_end = {"window": window, "section": window.current_section(),
                       "page_built": page is window.pages.get(DASHBOARD),
                       "page_visible": page.isVisible(), "title": window.windowTitle(),
                       "menus": window.file_menu.isEnabled(),
                       "read_only": window.status.read_only_label.isVisible()}
        # `run_gui` closes the file once its event loop has returned; the window is closed
        # after that (`run`): a window closed inside the loop would leave a second quit
        # pending for the next test's dialogs.
        QApplication.exit(0)

    def run(self, path: Path) -> int:
        status = app_module.run_gui(path, read_only=False)
        window = self.at_opening.get("window")
        if window is not None:
            window.close()
        return status


@pytest.fixture
def start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, messenger: Any,
          settings: QSettings) -> Start:
    return Start(monkeypatch, tmp_path, messenger, settings)


def test_the_frame_is_shown_before_the_file_is_opened_then_the_dashboard(
        qtbot: Any, start: Start, db_path: Path) -> None:
    assert start.run(db_path) == 0
    assert start.at_opening["visible"]
    assert not start.at_opening["attached"]
    assert not start.at_opening["menus"]  # greyed while nothing is open
    assert not start.at_opening["read_only"]  # no « lecture seule » before the file is known
    assert start.at_end["window"] is start.at_opening["window"]  # one window throughout
    assert start.at_end["section"] == DASHBOARD
    assert start.at_end["page_built"] and start.at_end["page_visible"]
    assert start.at_end["title"] == f"{db_path.name} — qpvdesk"
    assert start.at_end["menus"]
    assert not lock_path_for(db_path).exists()  # closed properly at the end


def test_a_refused_file_quits_with_status_1_and_leaves_no_lock(
        qtbot: Any, start: Start, tmp_path: Path, messenger: Any) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("pas une base", encoding="utf-8")
    messenger.answers = [1]  # « Base non ouverte » : "Quitter"
    assert start.run(path) == 1
    assert start.at_opening["visible"]
    assert "n'est pas une base qpvdesk" in messenger.warnings[0]
    assert not lock_path_for(path).exists()
    assert path.read_text(encoding="utf-8") == "pas une base"


def test_a_locked_file_is_still_offered_read_only(
        qtbot: Any, start: Start, db_path: Path, messenger: Any,
        open_db: Callable[..., Database]) -> None:
    open_db(db_path)  # another session holds the lock
    messenger.answers = [True]  # "Ouvrir en lecture seule"
    assert start.run(db_path) == 0
    assert "lecture seule" in messenger.questions[0]
    assert start.at_end["title"] == f"{db_path.name} — qpvdesk (lecture seule)"
    assert start.at_end["read_only"]
    assert start.at_end["section"] == DASHBOARD


def test_an_error_while_building_the_frame_is_logged_and_shown_as_any_other(
        qtbot: Any, start: Start, db_path: Path, messenger: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The log and the crash dialog are set up after the frame's first paint; an error
    # before it still reaches them (the hook then handles it at the top level).
    installed: list[tuple[Any, Path]] = []
    monkeypatch.setattr(crash, "install_excepthook",
                        lambda shower, log: installed.append((shower, log)))

    def broken_frame(*_args: Any) -> MainWindow:
        raise RuntimeError("the frame could not be built")

    monkeypatch.setattr(app_module, "MainWindow", broken_frame)
    with pytest.raises(RuntimeError, match="could not be built"):
        start.run(db_path)
    assert installed == [(messenger, tmp_path / "logs" / "qpvdesk.log")]
    assert not lock_path_for(db_path).exists()  # the file was never opened
