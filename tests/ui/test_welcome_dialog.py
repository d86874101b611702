"""The first start without a data file: the welcome dialog and what each of its choices makes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from qpvdesk.core.services.setup import describe_database
from qpvdesk.core.storage.database import Database
from qpvdesk.ui import app as app_module
from qpvdesk.ui import crash, opening
from qpvdesk.ui.opening import open_initial_database
from qpvdesk.ui.welcome_dialog import WelcomeDialog

Action = Callable[[WelcomeDialog], object]


class WelcomeRobot:
    """Acts on the real welcome dialog while it runs modally: one action each time it shows.

    A dialog shown when no action is left is closed, so that a wrong flow fails, not hangs.
    """

    def __init__(self) -> None:
        self.actions: list[Action] = []
        self.shown = 0
        self.texts: list[str] = []
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        dialog = next((widget for widget in QApplication.topLevelWidgets()
                       if isinstance(widget, WelcomeDialog) and widget.isVisible()), None)
        if dialog is None:
            return
        self.shown += 1
        self.texts.append(" ".join(f"{button.text()} {button.description()}"
                                   for button in dialog.choice_buttons()))
        if not self.actions:
            dialog.reject()
            return
        self.actions.pop(0)(dialog)

    def stop(self) -> None:
        self._timer.stop()


@pytest.fixture
def robot() -> Iterator[WelcomeRobot]:
    robot = WelcomeRobot()
    yield robot
    robot.stop()


@pytest.fixture
def user_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The user's data folder, empty: no default file exists yet."""
    folder = tmp_path / "user-data"
    monkeypatch.setattr(opening, "default_db_path", lambda: folder / "qpvdesk.sqlite")
    monkeypatch.setattr(opening, "demo_db_path", lambda: folder / "demo.sqlite")
    monkeypatch.setattr(opening, "working_copies_dir", lambda: tmp_path / "copies")
    return folder


@pytest.fixture
def started(messenger: Any) -> Iterator[Callable[[], Database | None]]:
    """Start as the window does without ``--db``; the file it opened is closed at the end."""
    opened: list[Database] = []

    def start() -> Database | None:
        database = open_initial_database(None, False, messenger)
        if database is not None:
            opened.append(database)
        return database

    yield start
    for database in opened:
        database.close()


def click(qtbot: Any, button_name: str) -> Action:
    return lambda dialog: qtbot.mouseClick(getattr(dialog, button_name),
                                           Qt.MouseButton.LeftButton)


def test_enter_creates_the_default_file_with_the_builtin_contract(
        qtbot: Any, robot: WelcomeRobot, user_data: Path,
        started: Callable[[], Database | None]) -> None:
    robot.actions = [lambda dialog: qtbot.keyClick(dialog, Qt.Key.Key_Return)]
    database = started()
    assert robot.shown == 1
    assert database is not None
    assert database.origin == user_data / "qpvdesk.sqlite"
    info = describe_database(user_data / "qpvdesk.sqlite")
    assert "Clermont" in info.contract
    assert info.objectives["priority"] == 4
    assert info.dossiers == {}
    assert not (user_data / "demo.sqlite").exists()


def test_an_empty_file_has_no_objectives(qtbot: Any, robot: WelcomeRobot, user_data: Path,
                                         started: Callable[[], Database | None]) -> None:
    robot.actions = [click(qtbot, "empty_button")]
    database = started()
    assert database is not None and database.origin == user_data / "qpvdesk.sqlite"
    info = describe_database(user_data / "qpvdesk.sqlite")
    assert info.contract == ""
    assert sum(info.objectives.values()) == 0


def test_the_demo_goes_to_its_own_file(qtbot: Any, robot: WelcomeRobot, user_data: Path,
                                       started: Callable[[], Database | None]) -> None:
    robot.actions = [click(qtbot, "demo_button")]
    database = started()
    assert database is not None and database.origin == user_data / "demo.sqlite"
    assert not (user_data / "qpvdesk.sqlite").exists()
    assert describe_database(user_data / "demo.sqlite").dossiers  # the fictitious programmation
    assert "demo.sqlite" in robot.texts[0]


def test_the_demo_explored_again_is_reopened_not_recreated(
        qtbot: Any, robot: WelcomeRobot, user_data: Path,
        started: Callable[[], Database | None]) -> None:
    robot.actions = [click(qtbot, "demo_button")]
    first = started()
    assert first is not None
    first.close()
    created = (user_data / "demo.sqlite").stat().st_mtime_ns
    robot.actions = [click(qtbot, "demo_button")]
    second = started()
    assert robot.shown == 2  # still no file of her own: the welcome dialog again
    assert second is not None and second.origin == user_data / "demo.sqlite"
    assert not (user_data / "qpvdesk.sqlite").exists()
    assert (user_data / "demo.sqlite").stat().st_mtime_ns >= created


def test_open_an_existing_file(qtbot: Any, robot: WelcomeRobot, user_data: Path,
                               db_path: Path, started: Callable[[], Database | None]) -> None:
    def pick_then_open(dialog: WelcomeDialog) -> None:
        dialog.pick_existing = lambda _parent, _folder: db_path
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)

    robot.actions = [pick_then_open]
    database = started()
    assert database is not None and database.origin == db_path
    assert not user_data.exists()


def test_a_cancelled_file_picker_stays_in_the_dialog(
        qtbot: Any, robot: WelcomeRobot, user_data: Path,
        started: Callable[[], Database | None]) -> None:
    def pick_nothing(dialog: WelcomeDialog) -> None:
        dialog.pick_workbook = lambda _parent, _folder: None
        qtbot.mouseClick(dialog.framework_button, Qt.MouseButton.LeftButton)

    robot.actions = [pick_nothing, click(qtbot, "quit_button")]
    assert started() is None
    assert robot.shown == 2
    assert not user_data.exists()


def write_workbook(path: Path, town: str | None) -> Path:
    """A framework template as another town fills it in (no contract sheet when *town* is None)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Orientations"
    sheet.append(["Priorité", "Objectifs stratégiques", "Objectifs opérationnels",
                  "Plan d'action"])
    sheet.append(["Emploi", "Lever les freins", "Mobilité", "Prêt de vélos"])
    sheet.append(["Cadre de vie", "Espaces publics", "Jardins", "Jardin partagé"])
    if town is not None:
        info = book.create_sheet("Contrat")
        for label, value in (("Nom du contrat", f"Contrat de ville de {town}"),
                             ("Commune", town), ("Première année", 2024),
                             ("Dernière année", 2030)):
            info.append([label, value])
    book.save(path)
    return path


def test_a_framework_workbook_makes_the_towns_file(
        qtbot: Any, robot: WelcomeRobot, user_data: Path, tmp_path: Path,
        started: Callable[[], Database | None]) -> None:
    workbook = write_workbook(tmp_path / "cadre-lodeve.xlsx", "Lodève")

    def pick_workbook(dialog: WelcomeDialog) -> None:
        dialog.pick_workbook = lambda _parent, _folder: workbook
        qtbot.mouseClick(dialog.framework_button, Qt.MouseButton.LeftButton)

    robot.actions = [pick_workbook]
    database = started()
    assert database is not None and database.origin == user_data / "qpvdesk.sqlite"
    info = describe_database(user_data / "qpvdesk.sqlite")
    assert info.contract == "Contrat de ville de Lodève"
    assert info.objectives["priority"] == 2 and info.objectives["item"] == 2


def test_an_invalid_workbook_is_explained_and_creates_nothing(
        qtbot: Any, robot: WelcomeRobot, user_data: Path, tmp_path: Path, messenger: Any,
        started: Callable[[], Database | None]) -> None:
    workbook = write_workbook(tmp_path / "sans contrat.xlsx", None)

    def pick_workbook(dialog: WelcomeDialog) -> None:
        dialog.pick_workbook = lambda _parent, _folder: workbook
        qtbot.mouseClick(dialog.framework_button, Qt.MouseButton.LeftButton)

    robot.actions = [pick_workbook, lambda dialog: dialog.close()]
    assert started() is None
    assert robot.shown == 2  # back to the choices after the refusal
    assert len(messenger.warnings) == 1
    assert "« sans contrat.xlsx »" in messenger.warnings[0]
    assert "feuille « Contrat »" in messenger.warnings[0]
    assert not (user_data / "qpvdesk.sqlite").exists()
    assert not list(user_data.glob("*.sqlite*"))


def test_closing_the_dialog_quits_with_status_1_and_creates_nothing(
        qtbot: Any, robot: WelcomeRobot, user_data: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The process-wide log and exception hook are not what this test is about.
    monkeypatch.setattr(crash, "setup_logging", lambda folder: folder / "qpvdesk.log")
    monkeypatch.setattr(crash, "install_excepthook", lambda *_args: None)
    monkeypatch.setattr(app_module, "user_log_dir", lambda: tmp_path / "logs")
    robot.actions = [lambda dialog: dialog.close()]
    assert app_module.run_gui(None, False) == 1
    assert robot.shown == 1
    assert not user_data.exists()


def test_given_file_skips_the_welcome(qtbot: Any, robot: WelcomeRobot, user_data: Path,
                                      db_path: Path, messenger: Any) -> None:
    database = open_initial_database(db_path, False, messenger)
    assert database is not None
    database.close()
    assert robot.shown == 0


def test_the_file_opened_last_is_reopened_without_the_welcome(
        qtbot: Any, robot: WelcomeRobot, user_data: Path, db_path: Path,
        messenger: Any) -> None:
    database = open_initial_database(None, False, messenger, last_file=db_path)
    assert database is not None
    database.close()
    assert database.origin == db_path
    assert robot.shown == 0
    assert not user_data.exists()


def test_a_last_file_gone_or_the_demo_gives_the_welcome_again(
        qtbot: Any, robot: WelcomeRobot, user_data: Path, tmp_path: Path,
        started: Callable[[], Database | None], messenger: Any) -> None:
    robot.actions = [click(qtbot, "demo_button")]
    demo = started()
    assert demo is not None
    demo.close()
    for last in (tmp_path / "usb" / "gone.sqlite", user_data / "demo.sqlite"):
        robot.actions = []  # the dialog shows and is closed: nothing opens
        assert open_initial_database(None, False, messenger, last_file=last) is None
    assert robot.shown == 3
    assert not (user_data / "qpvdesk.sqlite").exists()
