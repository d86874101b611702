"""A refused file in the window: the reason in French, and its backups offered when it has some."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from qpvdesk.core.services.framework import level_counts
from qpvdesk.core.storage.backups import BackupInfo, create_backup
from qpvdesk.ui import opening
from qpvdesk.ui.opening import open_initial_database, open_with_dialogs


def _newer(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.execute("UPDATE alembic_version SET version_num = 'f0e1d2c3b4a5'")
    finally:
        connection.close()


SPOIL: dict[str, tuple[Callable[[Path], None], str]] = {
    "vide": (lambda path: path.write_bytes(b""), "est vide"),
    "tronque": (lambda path: path.write_bytes(path.read_bytes()[:200_000]), "endommagé"),
    "texte": (lambda path: path.write_text("notes\n" * 50, encoding="utf-8"),
              "n'est pas une base qpvdesk"),
    "plus-recent": (_newer, "version plus récente"),
}


@pytest.fixture(autouse=True)
def local_working_copies(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(opening, "working_copies_dir", lambda: tmp_path / "copies")


@pytest.fixture
def offered(monkeypatch: pytest.MonkeyPatch) -> list[list[BackupInfo]]:
    """The backup lists the restore dialog was shown with; it picks the newest."""
    shown: list[list[BackupInfo]] = []

    def pick(_parent: Any, found: Sequence[BackupInfo]) -> BackupInfo:
        shown.append(list(found))
        return found[0]

    monkeypatch.setattr(opening, "choose_backup", pick)
    return shown


@pytest.mark.parametrize("kind", SPOIL)
def test_a_refused_file_with_backups_is_restored_from_the_one_chosen(
    qtbot: Any, db_path: Path, messenger: Any, offered: list[list[BackupInfo]], kind: str
) -> None:
    older = create_backup(db_path, reason="ouverture")
    newest = create_backup(db_path, reason="fermeture")
    spoil, reason = SPOIL[kind]
    spoil(db_path)
    refused = db_path.read_bytes()
    messenger.answers = [0]  # "Restaurer une sauvegarde…"
    database = open_with_dialogs(db_path, read_only=False, messenger=messenger)
    assert database is not None
    try:
        with database.read() as session:
            assert level_counts(session)["priority"] == 4
    finally:
        database.close()
    assert reason in messenger.questions[0]
    assert "2 sauvegarde(s)" in messenger.questions[0]
    assert [info.path for info in offered[0]] == [newest, older]
    assert messenger.warnings == []
    assert "est en place" in messenger.infos[0] and "conservé" in messenger.infos[0]
    kept = next(db_path.parent.glob(f"{db_path.stem}-avant-restauration-*.sqlite"))
    assert str(kept) in messenger.infos[0]
    if kind != "plus-recent":
        assert kept.read_bytes() == refused


def test_declining_the_offer_opens_nothing_and_changes_nothing(
    qtbot: Any, db_path: Path, messenger: Any, offered: list[list[BackupInfo]]
) -> None:
    create_backup(db_path, reason="fermeture")
    db_path.write_bytes(b"")
    messenger.answers = [1]  # "Annuler"
    assert open_with_dialogs(db_path, read_only=False, messenger=messenger) is None
    assert offered == []
    assert db_path.read_bytes() == b""
    assert not list(db_path.parent.glob("*avant-restauration*"))


def test_at_start_up_the_offer_comes_before_asking_for_another_file(
    qtbot: Any, db_path: Path, messenger: Any, offered: list[list[BackupInfo]]
) -> None:
    create_backup(db_path, reason="fermeture")
    db_path.write_bytes(db_path.read_bytes()[:150_000])
    messenger.answers = [0]
    database = open_initial_database(db_path, False, messenger)
    assert database is not None
    database.close()
    assert len(messenger.questions) == 1 and "endommagé" in messenger.questions[0]


def test_without_backups_the_reason_is_shown_alone(
    qtbot: Any, db_path: Path, messenger: Any, offered: list[list[BackupInfo]]
) -> None:
    _newer(db_path)
    assert open_with_dialogs(db_path, read_only=False, messenger=messenger) is None
    assert messenger.questions == []
    assert "version plus récente" in messenger.warnings[0]
    assert "Mettez qpvdesk à jour" in messenger.warnings[0]
