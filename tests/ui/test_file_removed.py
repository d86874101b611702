"""The file's folder disappears under the window (a USB stick pulled out): a message, no crash.

Reads made by the pages on their own (a selection shown) go through the application's
exception hook, as in the running application, rather than pytest-qt's capture.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from framework_helpers import Rows, click_action, click_node

from qpvdesk.ui.crash import make_excepthook
from qpvdesk.ui.framework.framework_screen import FrameworkScreen
from qpvdesk.ui.main_window import MainWindow

GONE = "Impossible d'ouvrir le fichier « clermont.sqlite » : vérifiez qu'il existe"


@pytest.mark.qt_no_exception_capture
@pytest.mark.parametrize("fault", ["debranche", "supprime"])
def test_a_write_after_the_file_vanished_is_refused_and_the_window_goes_on(
    qtbot: Any, window: MainWindow, screen: FrameworkScreen, messenger: Any, db_path: Path,
    tmp_path: Path, stored: Rows, fault: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "excepthook", make_excepthook(messenger, tmp_path / "qpvdesk.log"))
    parent = click_node(qtbot, screen, "P1.1")
    folder = db_path.parent
    away = tmp_path / "ailleurs"
    if fault == "debranche":
        shutil.move(folder, away)  # the whole stick is gone
    else:
        away.mkdir()
        shutil.move(db_path, away / db_path.name)  # the file alone was moved away
    messenger.answers = ["Écrit sans clé"]
    click_action(qtbot, screen, screen.view.add_child_action)
    assert messenger.crashes == []
    assert len(messenger.warnings) == 1
    assert messenger.warnings[0].startswith(GONE)
    assert not db_path.exists()  # nothing recreated where the file was
    assert folder.exists() == (fault == "supprime")
    assert screen.current_id() == parent.id  # the page is as it was

    # The stick is back: the same window writes again.
    if fault == "debranche":
        shutil.move(away, folder)
    else:
        shutil.move(away / db_path.name, db_path)
    messenger.answers = ["Écrit avec la clé"]
    click_action(qtbot, screen, screen.view.add_child_action)
    assert len(messenger.warnings) == 1
    titles = [row.title for row in stored()]
    assert "Écrit avec la clé" in titles and "Écrit sans clé" not in titles
    window.select_section("dashboard")
    assert messenger.crashes == []
    assert len(messenger.warnings) == 1
