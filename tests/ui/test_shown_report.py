"""The start marker of the benchmarks: printed once, when the window has painted."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from qpvdesk.ui.shown_marker import ENVIRONMENT, MARKER, report_when_shown


def test_the_marker_is_printed_once_after_the_window_is_painted(
    qtbot: QtBot, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENVIRONMENT, "1")
    window = QMainWindow()
    qtbot.addWidget(window)
    window.create()
    handle = window.windowHandle()
    assert handle is not None
    report_when_shown(window)
    qtbot.wait(50)
    assert MARKER not in capsys.readouterr().out  # not before the window is shown

    window.show()
    qtbot.waitUntil(lambda: handle.isExposed())
    qtbot.wait(50)
    window.hide()
    window.show()
    qtbot.wait(50)

    lines = [line for line in capsys.readouterr().out.splitlines() if MARKER in line]
    assert len(lines) == 1
    assert float(lines[0].split()[1]) > 0
