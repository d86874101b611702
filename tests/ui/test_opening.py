"""Opening files from the window: missing, locked and created files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qpvdesk.core.services.framework import level_counts
from qpvdesk.core.storage.database import Database
from qpvdesk.ui import opening
from qpvdesk.ui.opening import open_initial_database, open_with_dialogs


@pytest.fixture(autouse=True)
def local_working_copies(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(opening, "working_copies_dir", lambda: tmp_path / "copies")


def test_missing_file_is_created_when_the_user_agrees(qtbot: Any, tmp_path: Path,
                                                       messenger: Any) -> None:
    path = tmp_path / "nouveau-dossier" / "nouvelle.sqlite"
    messenger.answers = [0]  # "Créer la base"
    database = open_initial_database(path, False, messenger)
    assert database is not None
    try:
        with database.read() as session:
            assert level_counts(session)["priority"] == 4
    finally:
        database.close()
    assert "n'existe pas" in messenger.questions[0]
    assert "sera créé" in messenger.questions[0]


def test_missing_file_and_quit_creates_nothing(qtbot: Any, tmp_path: Path,
                                               messenger: Any) -> None:
    path = tmp_path / "nouveau-dossier" / "nouvelle.sqlite"
    messenger.answers = [1]  # "Quitter"
    assert open_initial_database(path, False, messenger) is None
    assert not path.parent.exists()


def test_locked_file_is_offered_read_only(qtbot: Any, db_path: Path, messenger: Any,
                                          open_db: Callable[..., Database]) -> None:
    open_db(db_path)  # another session holds the lock
    messenger.answers = [True]  # "Ouvrir en lecture seule"
    database = open_with_dialogs(db_path, read_only=False, messenger=messenger)
    assert database is not None
    try:
        assert database.read_only
    finally:
        database.close()
    assert len(messenger.questions) == 1


def test_locked_file_refused_opens_nothing(qtbot: Any, db_path: Path, messenger: Any,
                                           open_db: Callable[..., Database]) -> None:
    open_db(db_path)
    messenger.answers = [False]
    assert open_with_dialogs(db_path, read_only=False, messenger=messenger) is None


def test_a_file_that_is_not_ours_is_explained(qtbot: Any, tmp_path: Path,
                                              messenger: Any) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("pas une base", encoding="utf-8")
    assert open_with_dialogs(path, read_only=False, messenger=messenger) is None
    assert "n'est pas une base qpvdesk" in messenger.warnings[0]
    assert path.read_text(encoding="utf-8") == "pas une base"
