"""Opening the data file: what is refused (and left byte-identical), what is protected."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from qpvdesk.core.domain.models import Base, Dossier, EvaluativeQuestion, Objective
from qpvdesk.core.errors import DatabaseLockedError, StorageError
from qpvdesk.core.services.framework import add_objective
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage import backups, database, migrate
from qpvdesk.core.storage.database import ReadOnlyFileError, open_database

DATA = Path(__file__).with_name("data")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _p1(db: database.Database) -> int:
    with db.read() as session:
        return session.scalars(select(Objective.id).where(Objective.code == "P1")).one()


RELEASED = sorted(DATA.glob("schema-*.sqlite"))


def test_released_schema_files_are_kept() -> None:
    assert [p.name for p in RELEASED] == ["schema-0001-demo.sqlite"]


@pytest.mark.parametrize("released", RELEASED, ids=lambda p: p.stem)
def test_every_released_schema_is_upgraded_after_a_backup(released: Path, tmp_path: Path) -> None:
    path = tmp_path / "ancien.sqlite"
    shutil.copy(released, path)
    with sqlite3.connect(path) as raw:
        dossiers_before = raw.execute("SELECT count(*) FROM dossier").fetchone()[0]
    db = open_database(path)
    try:
        reasons = [info.reason for info in backups.list_backups(path)]
        assert "migration" in reasons
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(Dossier)) == dossiers_before
            assert session.scalar(select(func.count()).select_from(EvaluativeQuestion)) == 3
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        # Rebuilt tables keep their audit triggers; upgraded rows are searchable.
        with db.unit_of_work() as session:
            session.execute(text("UPDATE dossier SET state = 'withdrawn' WHERE id = 1"))
        with db.read() as session:
            audited = session.execute(
                text(
                    "SELECT count(*) FROM audit_entry WHERE table_name = 'dossier' "
                    "AND column_name = 'state' AND new_value = 'withdrawn'"
                )
            ).scalar()
            blank = session.execute(
                text("SELECT count(*) FROM dossier WHERE search_text = ''")
            ).scalar()
        assert audited == 1
        assert blank == 0
    finally:
        db.close()
    with sqlite3.connect(path) as raw:
        assert migrate.file_revision(raw) == migrate.head_revision()
    # The upgraded file has exactly the triggers of a file created today.
    fresh = tmp_path / "neuf.sqlite"
    create_new_database(fresh, "empty")
    triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    with sqlite3.connect(fresh) as new, sqlite3.connect(path) as old:
        assert old.execute(triggers).fetchall() == new.execute(triggers).fetchall()


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("Compte rendu de la réunion\n" * 20, encoding="utf-8")
    before = _digest(path)
    with pytest.raises(StorageError, match="n'est pas une base qpvdesk"):
        open_database(path)
    assert _digest(path) == before
    assert not (tmp_path / "backups").exists()


def test_another_applications_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "autre.sqlite"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE t (x)")
    before = _digest(path)
    with pytest.raises(StorageError, match="n'a pas été créée par qpvdesk"):
        open_database(path)
    assert _digest(path) == before


def test_a_file_from_a_newer_version_is_refused_untouched(builtin_db: Path) -> None:
    with sqlite3.connect(builtin_db) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999'")
    raw.close()
    before = _digest(builtin_db)
    with pytest.raises(StorageError, match="version plus récente"):
        open_database(builtin_db)
    assert _digest(builtin_db) == before


def test_a_damaged_file_is_refused_untouched(builtin_db: Path) -> None:
    data = bytearray(builtin_db.read_bytes())
    page = 4096
    for offset in range(page * 5, page * 30):  # scribble over b-tree pages, keep the header
        data[offset] = 0xA5
    builtin_db.write_bytes(bytes(data))
    before = _digest(builtin_db)
    with pytest.raises(StorageError, match="endommagé"):
        open_database(builtin_db)
    assert _digest(builtin_db) == before


def test_a_damaged_file_in_a_synced_folder_is_refused_before_any_copy(
    builtin_db: Path, tmp_path: Path
) -> None:
    synced = tmp_path / "OneDrive - Mairie" / "contrat.sqlite"
    synced.parent.mkdir()
    data = bytearray(builtin_db.read_bytes())
    for offset in range(4096 * 5, 4096 * 30):
        data[offset] = 0xA5
    synced.write_bytes(bytes(data))
    with pytest.raises(StorageError, match="endommagé"):
        open_database(synced, working_copies=tmp_path / "local")
    assert not any((tmp_path / "local").rglob("*.sqlite"))


def test_a_missing_file_or_folder_gets_a_french_message(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="n'existe pas"):
        open_database(tmp_path / "absent.sqlite")
    with pytest.raises(StorageError, match=r"Le dossier .* n'existe pas"):
        open_database(tmp_path / "nulle-part" / "absent.sqlite")


def test_a_read_only_file_is_offered_read_only(
    builtin_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "_writable", lambda _path: False)
    with pytest.raises(ReadOnlyFileError, match="lecture seule"):
        open_database(builtin_db)
    db = open_database(builtin_db, read_only=True)
    try:
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(Objective)) > 200
    finally:
        db.close()


def test_a_second_writer_is_refused_and_may_read(builtin_db: Path) -> None:
    first = open_database(builtin_db)
    try:
        with pytest.raises(DatabaseLockedError, match="déjà ouvert"):
            open_database(builtin_db)
        reader = open_database(builtin_db, read_only=True)
        try:
            with reader.read() as session:
                assert session.scalar(select(func.count()).select_from(Objective)) > 200
            with pytest.raises(StorageError, match="lecture seule"), reader.unit_of_work() as s:
                add_objective(s, None, "Interdit en lecture seule")
        finally:
            reader.close()
    finally:
        first.close()
    open_database(builtin_db).close()  # released on close


def test_a_failed_unit_of_work_changes_nothing(builtin_db: Path) -> None:
    db = open_database(builtin_db)
    try:
        parent = _p1(db)
        with pytest.raises(RuntimeError), db.unit_of_work() as session:
            add_objective(session, parent, "Premier")
            add_objective(session, parent, "Second")
            raise RuntimeError("boom")
        with db.read() as session:
            titles = session.scalars(select(Objective.title)).all()
        assert "Premier" not in titles
    finally:
        db.close()


def test_a_full_disk_is_a_french_message_and_loses_nothing(builtin_db: Path) -> None:
    db = open_database(builtin_db)
    try:
        parent = _p1(db)
        with db.unit_of_work() as session:
            add_objective(session, parent, "Enregistré avant")
        with db.engine.connect() as connection:
            pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
        # Every new connection caps the file at its current size: the next write fills it.
        from sqlalchemy import event

        @event.listens_for(db.engine, "connect")
        def _cap(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        with pytest.raises(StorageError, match="disque est plein"), db.unit_of_work() as s:
            for index in range(400):
                add_objective(s, parent, f"Trop {index} " + "x" * 1500)
        event.remove(db.engine, "connect", _cap)
        with db.read() as session:
            titles = session.scalars(select(Objective.title)).all()
        assert "Enregistré avant" in titles
        assert not any(t.startswith("Trop ") for t in titles)
    finally:
        db.close()


def test_backups_on_open_every_half_hour_of_changes_and_on_close(
    builtin_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_database(builtin_db)
    assert [b.reason for b in backups.list_backups(builtin_db)] == ["ouverture"]
    parent = _p1(db)
    assert db.periodic_backup() is None  # nothing changed
    with db.unit_of_work() as session:
        add_objective(session, parent, "Nouvelle piste")
    assert db.periodic_backup() is None  # changed, but not 30 minutes ago
    clock = database.time.monotonic() + 31 * 60
    monkeypatch.setattr(database.time, "monotonic", lambda: clock)
    taken = db.periodic_backup()
    assert taken is not None
    with sqlite3.connect(taken) as copy:
        titles = [r[0] for r in copy.execute("SELECT title FROM objective")]
    assert "Nouvelle piste" in titles
    with db.unit_of_work() as session:
        add_objective(session, parent, "Encore une")
    db.close()
    reasons = [b.reason for b in backups.list_backups(builtin_db)]
    assert reasons[0] == "fermeture"
    assert sorted(reasons) == ["fermeture", "ouverture", "periodique"]


def test_a_file_in_a_synced_folder_is_edited_through_a_local_copy(
    builtin_db: Path, tmp_path: Path
) -> None:
    synced = tmp_path / "OneDrive - Mairie" / "contrat.sqlite"
    synced.parent.mkdir()
    shutil.copy(builtin_db, synced)
    db = open_database(synced, working_copies=tmp_path / "local")
    assert db.path != synced
    assert db.path.is_relative_to(tmp_path / "local")
    assert any("copie locale" in warning for warning in db.warnings)
    with db.unit_of_work() as session:
        add_objective(session, _p1(db), "Ajout hors ligne")
    db.close()
    with sqlite3.connect(synced) as raw:
        titles = [r[0] for r in raw.execute("SELECT title FROM objective")]
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert "Ajout hors ligne" in titles


def test_money_and_state_changes_are_audited_and_the_log_is_append_only(
    builtin_db: Path,
) -> None:
    from qpvdesk.core.services.demo import add_demo_programmation

    db = open_database(builtin_db)
    try:
        with db.unit_of_work() as session:
            add_demo_programmation(session)
        with db.unit_of_work() as session:
            session.execute(
                text("UPDATE dossier SET state = 'withdrawn' WHERE reference = '2026-001'")
            )
        with db.read() as session:
            row = session.execute(
                text(
                    "SELECT user, old_value, new_value FROM audit_entry "
                    "WHERE table_name = 'dossier' AND column_name = 'state' ORDER BY id DESC"
                )
            ).first()
        assert row is not None
        assert row[1:] == ("received", "withdrawn")
        assert row[0]
        with pytest.raises(Exception, match="ne peut pas être"), db.unit_of_work() as session:
            session.execute(text("DELETE FROM audit_entry"))
    finally:
        db.close()
