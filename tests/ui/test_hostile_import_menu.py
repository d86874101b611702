"""« Fichier ▸ Importer » with hostile files: a French warning, no crash, nothing written."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hostile_files
import pytest

from qpvdesk.core.services.setup import create_new_database
from qpvdesk.ui.main_window import MainWindow

FILES = ("truncated_zip", "lying_zip_bomb", "laughs_in_shared_strings", "far_cells",
         "row_past_excel_end", "html_named_xlsx", "csv_huge_field")  # fmt: skip


def digest(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return hashlib.sha256("".join(connection.iterdump()).encode()).hexdigest()
    finally:
        connection.close()


@pytest.mark.parametrize("kind", ["programmation", "framework"])
def test_the_import_menu_refuses_hostile_files_in_french(
    kind: str,
    qtbot: Any,
    make_window: Callable[..., MainWindow],
    messenger: Any,
    tmp_path: Path,
) -> None:
    db = create_new_database(
        tmp_path / "base.sqlite", "empty" if kind == "framework" else "builtin"
    )
    window = make_window(db)
    menu = window.exchange
    action = (
        menu.import_programmation_action
        if kind == "programmation"
        else menu.import_framework_action
    )
    before = digest(db)
    for name in FILES:
        path = hostile_files.MAKERS[name](tmp_path)
        menu.pick_open = lambda *_args, chosen=path: chosen
        messenger.warnings.clear()
        if kind == "programmation":  # read in the background, then previewed
            with qtbot.waitSignal(menu.finished, timeout=30_000):
                action.trigger()
            assert menu.wait(10)
        else:  # read at once, under a busy cursor
            action.trigger()
        assert messenger.crashes == []
        assert len(messenger.warnings) == 1, (name, messenger.warnings)
        assert path.name in messenger.warnings[0]
        assert menu.import_dialog is None or not menu.import_dialog.import_button.isEnabled()
        if menu.import_dialog is not None:
            menu.import_dialog.cancel_button.click()
    assert digest(db) == before
