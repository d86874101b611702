"""The window opens every page and a dossier with every network connection forbidden."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import network_guard
import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from qpvdesk.core.domain.models import Dossier
from qpvdesk.ui.main_window import MainWindow


def test_every_page_opens_offline(
    make_window: Callable[..., MainWindow],
    messenger: Any,
    monkeypatch: pytest.MonkeyPatch,
    qtbot: Any,
    demo_db: Path,
) -> None:
    monkeypatch.setattr(network_guard, "ATTEMPTS", [])
    network_guard.forbid_network(monkeypatch.setattr)
    window = make_window(demo_db)
    visited = []
    for key in window.section_keys():
        window.select_section(key)
        QApplication.processEvents()
        assert window.current_section() == key
        visited.append(type(window.stack.currentWidget()).__name__)
    dossier_id, reference = window.context.read(
        lambda s: s.execute(select(Dossier.id, Dossier.reference).order_by(Dossier.id)).first()
    )
    window.context.open_dossier_requested.emit(dossier_id)
    QApplication.processEvents()
    assert any(reference in w.windowTitle() for w in QApplication.topLevelWidgets())
    assert len(set(visited)) == len(window.section_keys()) == 10
    assert network_guard.ATTEMPTS == []
    assert messenger.crashes == [] and messenger.warnings == []
    assert "PySide6.QtNetwork" not in sys.modules
