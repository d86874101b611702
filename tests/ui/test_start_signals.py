"""SIGTERM while a dialog of the start waits: the dialog is cancelled and the start ends."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from qpvdesk.ui import app as app_module

Handler = Callable[[int, object], None]


@pytest.fixture
def stopper(qapp: QApplication,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, dict[int, Handler]]]:
    """A start's signal handling, its handlers caught instead of installed in the test run."""
    handlers: dict[int, Handler] = {}
    monkeypatch.setattr(app_module.signal, "signal",
                        lambda number, handler: handlers.__setitem__(number, handler))
    stop = app_module._SignalStop(qapp)
    yield stop, handlers
    stop._ticker.stop()  # it would cancel the dialogs of the tests that follow
    stop._ticker.deleteLater()


def test_sigterm_cancels_the_dialog_waiting_at_the_start(
        qtbot: Any, stopper: tuple[Any, dict[int, Handler]]) -> None:
    stop, handlers = stopper
    dialog = QDialog()
    qtbot.addWidget(dialog)
    QTimer.singleShot(100, lambda: handlers[signal.SIGTERM](signal.SIGTERM, None))
    assert dialog.exec() == QDialog.DialogCode.Rejected
    assert stop.requested


def test_after_a_stop_request_the_next_start_dialog_is_cancelled_too(
        qtbot: Any, stopper: tuple[Any, dict[int, Handler]]) -> None:
    stop, _handlers = stopper
    stop.requested = True
    dialog = QDialog()
    qtbot.addWidget(dialog)
    assert dialog.exec() == QDialog.DialogCode.Rejected  # closed by the ticker, unanswered


def test_without_a_dialog_the_start_unwinds(stopper: tuple[Any, dict[int, Handler]]) -> None:
    _stop, handlers = stopper
    with pytest.raises(SystemExit) as stopped:
        handlers[signal.SIGTERM](signal.SIGTERM, None)
    assert stopped.value.code == 128 + signal.SIGTERM
