"""The start marker of benchmarks/bench_bundle.py: printed once, when the window is shown."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from qpvdesk.ui.app import SHOWN_MARKER, ShownReporter


def test_the_marker_is_printed_once_after_the_window_is_exposed(
    qtbot: QtBot, capsys: pytest.CaptureFixture[str]
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.create()
    handle = window.windowHandle()
    assert handle is not None
    handle.installEventFilter(ShownReporter(window))
    qtbot.wait(50)
    assert SHOWN_MARKER not in capsys.readouterr().out  # not before the window is shown

    window.show()
    qtbot.waitUntil(lambda: handle.isExposed())
    qtbot.wait(50)
    window.hide()
    window.show()
    qtbot.wait(50)

    lines = [line for line in capsys.readouterr().out.splitlines() if SHOWN_MARKER in line]
    assert len(lines) == 1
    assert float(lines[0].split()[1]) > 0
