"""Regression: PySide6 6.12.0 on Python 3.11 aborts after a few thousand void Qt calls."""

from __future__ import annotations

from typing import Any

import PySide6
from PySide6.QtWidgets import QLabel


def test_twenty_thousand_void_calls_do_not_crash(qtbot: Any) -> None:
    # 6.12.0 decrements None's refcount on every call returning nothing ("none_dealloc").
    label = QLabel()
    qtbot.addWidget(label)
    for number in range(20_000):
        label.setText(str(number))
    assert label.text() == "19999"


def test_pyside_is_below_the_broken_release() -> None:
    major, minor = (int(part) for part in PySide6.__version__.split(".")[:2])
    assert (major, minor) < (6, 12), "PySide6 6.12 aborts on Python 3.11 (none_dealloc)"
