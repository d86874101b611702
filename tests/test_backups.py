"""Backups via the SQLite online backup API: creation, listing, thinning, verify, restore."""

from __future__ import annotations

import calendar
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qpvdesk.core.errors import StorageError
from qpvdesk.core.storage import backups
from qpvdesk.core.storage.backups import (
    KEEP_DAILY,
    KEEP_MONTHLY,
    KEEP_WEEKLY,
    BackupInfo,
    backups_dir,
    create_backup,
    latest_backup,
    list_backups,
    plan_backups_to_keep,
    restore_backup,
    select_backups_to_keep,
    thin_backups,
    verify_backup,
)

NOW = datetime(2026, 3, 15, 10, 30, 0)


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def _rows(path: Path) -> list[int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT n FROM t ORDER BY n")]
    finally:
        conn.close()


def _header_mode(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:20]
    return header[18], header[19]


def _make_db(path: Path, values: range | list[int] = range(1, 4), *, wal: bool = True) -> None:
    conn = _connect(path)
    try:
        if wal:
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY, pad TEXT)")
        for v in values:
            conn.execute("INSERT INTO t VALUES (?, ?)", (v, "x" * 300))
    finally:
        conn.close()


def _commit_then_crash(path: Path, value: int) -> None:
    """A child process commits ``value`` and dies without closing: the commit stays in -wal."""
    code = textwrap.dedent(
        f"""
        import os, sqlite3
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("INSERT INTO t VALUES (?, 'crash')", ({value},))
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "contrat.sqlite"
    _make_db(path)
    return path


# --------------------------------------------------------------------------- create


def test_backup_right_after_wal_commit_contains_it(tmp_path: Path) -> None:
    path = tmp_path / "contrat.sqlite"
    _make_db(path)
    writer = _connect(path)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("INSERT INTO t VALUES (99, 'dernier')")
        assert _wal(path).stat().st_size > 0
        # The point of the backup API: a plain copy of the main file misses the commit.
        naive = tmp_path / "copie-naive.sqlite"
        shutil.copyfile(path, naive)
        assert 99 not in _rows(naive)

        made = create_backup(path, reason="periodique", now=NOW)
        assert 99 in _rows(made)
    finally:
        writer.close()
    assert made.parent == backups_dir(path) == tmp_path / "backups"
    assert made.name == "contrat-20260315-103000-periodique.sqlite"
    assert _header_mode(made) == (1, 1)
    conn = sqlite3.connect(f"file:{made}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    assert not _wal(made).exists()
    assert not list((tmp_path / "backups").glob("*.tmp"))
    verify_backup(made)


def test_backup_does_not_modify_a_rollback_journal_source(tmp_path: Path) -> None:
    path = tmp_path / "contrat.sqlite"
    _make_db(path, wal=False)
    before = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    create_backup(path, reason="manuelle", now=NOW)
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", "contrat.sqlite"]


def test_names_are_unique_within_a_second_and_listed_newest_first(db: Path) -> None:
    a = create_backup(db, reason="ouverture", now=NOW)
    b = create_backup(db, reason="migration", now=NOW)
    c = create_backup(db, reason="import", now=NOW)
    d = create_backup(db, reason="fermeture", now=NOW + timedelta(hours=2))
    assert b.name == "contrat-20260315-103000-2-migration.sqlite"
    assert c.name == "contrat-20260315-103000-3-import.sqlite"
    (backups_dir(db) / "notes.txt").write_text("pas une sauvegarde", encoding="utf-8")
    (backups_dir(db) / "autre-20260315-103000-manuelle.sqlite").write_bytes(b"")
    (backups_dir(db) / "contrat-20261399-103000-manuelle.sqlite").write_bytes(b"")
    infos = list_backups(db)
    assert [i.path for i in infos] == [d, c, b, a]
    assert [i.reason for i in infos] == ["fermeture", "import", "migration", "ouverture"]
    assert infos[0].taken_at == NOW + timedelta(hours=2)
    assert infos[0].size == d.stat().st_size > 0
    latest = latest_backup(db)
    assert latest is not None and latest.path == d


def test_list_and_latest_without_backups(db: Path) -> None:
    assert list_backups(db) == []
    assert latest_backup(db) is None


def test_explicit_destination(db: Path, tmp_path: Path) -> None:
    made = create_backup(db, reason="manuelle", now=NOW, dest=tmp_path / "ailleurs" / "ici")
    assert made.parent == tmp_path / "ailleurs" / "ici"
    assert _rows(made) == [1, 2, 3]


@pytest.mark.parametrize("reason", ["", "Ouverture", "avec espace", "été", "a-b", "x" * 40])
def test_reason_must_be_a_short_slug(db: Path, reason: str) -> None:
    with pytest.raises(ValueError):
        create_backup(db, reason=reason, now=NOW)


def test_missing_source_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="introuvable"):
        create_backup(tmp_path / "absent.sqlite", reason="manuelle", now=NOW)
    assert not (tmp_path / "absent.sqlite").exists()


def test_garbage_source_is_refused_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "contrat.sqlite"
    path.write_bytes(os.urandom(8192))
    with pytest.raises(StorageError, match="endommagé"):
        create_backup(path, reason="manuelle", now=NOW)
    assert list(backups_dir(path).iterdir()) == []


def test_source_with_damaged_pages_gives_no_backup(tmp_path: Path) -> None:
    # The backup API copies pages without reading them: the check of the copy must catch it.
    path = tmp_path / "contrat.sqlite"
    _make_db(path, range(1, 400), wal=False)
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 2, 4096 * 12):  # scribble over table pages, keep the schema
        data[offset] = 0xA5
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError, match="endommagé"):
        create_backup(path, reason="manuelle", now=NOW)
    assert list_backups(path) == []
    assert list(backups_dir(path).iterdir()) == []


def test_disk_full_names_the_folder_and_removes_the_temp(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(src: sqlite3.Connection, dst: sqlite3.Connection) -> None:
        dst.execute("CREATE TABLE partial (x)")
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backups, "_copy_pages", full)
    with pytest.raises(StorageError) as caught:
        create_backup(db, reason="periodique", now=NOW)
    message = str(caught.value)
    assert "disque est plein" in message
    assert str(backups_dir(db)) in message
    assert list(backups_dir(db).iterdir()) == []


def test_unwritable_destination_names_the_folder(db: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "bloque"
    blocker.write_text("un fichier, pas un dossier", encoding="utf-8")
    with pytest.raises(StorageError) as caught:
        create_backup(db, reason="manuelle", now=NOW, dest=blocker / "sauvegardes")
    assert str(blocker / "sauvegardes") in str(caught.value)


# --------------------------------------------------------------------------- thinning


def _tiny_db_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "tiny.sqlite"
    conn = _connect(path)
    conn.execute("PRAGMA page_size=512")
    conn.execute("CREATE TABLE t (n)")
    conn.close()
    data = path.read_bytes()
    path.unlink()
    return data


def _last_day_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def test_thinning_two_years_of_hourly_backups(tmp_path: Path) -> None:
    db = tmp_path / "contrat.sqlite"
    _make_db(db)
    folder = backups_dir(db)
    folder.mkdir()
    tiny = _tiny_db_bytes(tmp_path)
    start = NOW.replace(minute=0) - timedelta(days=730)
    moment = start
    count = 0
    while moment <= NOW:
        (folder / f"contrat-{moment:%Y%m%d-%H%M%S}-periodique.sqlite").write_bytes(tiny)
        moment += timedelta(hours=1)
        count += 1
    recent_migration = folder / "contrat-20260220-031700-migration.sqlite"  # 23 days old
    old_import = folder / "contrat-20260203-031700-import.sqlite"  # 40 days old
    recent_migration.write_bytes(tiny)
    old_import.write_bytes(tiny)
    stray = folder / "lisez-moi.txt"
    stray.write_text("ignoré", encoding="utf-8")

    deleted = thin_backups(db, now=NOW)

    kept = {i.taken_at for i in list_backups(db)}
    recent = {datetime(2026, 3, d, h) for d, last in ((14, 23), (15, 10)) for h in range(last + 1)}
    daily = {datetime(2026, 3, 13, 23) - timedelta(days=i) for i in range(KEEP_DAILY)}
    # 2 March 2026 is a Monday: the weekly ones are the Sundays before it.
    weekly = {datetime(2026, 3, 1, 23) - timedelta(weeks=i) for i in range(KEEP_WEEKLY)}
    assert min(weekly).date() == date(2025, 12, 28)
    months = [(2025, m) for m in range(11, 2, -1)]
    assert len(months) == KEEP_MONTHLY
    monthly = {
        datetime.combine(_last_day_of_month(y, m), datetime.min.time()).replace(hour=23)
        for y, m in months
    }
    expected = recent | daily | weekly | monthly | {datetime(2026, 2, 20, 3, 17)}
    assert kept == expected
    assert len(kept) == 35 + 12 + 10 + 9 + 1
    assert len(deleted) == count + 2 - len(expected)
    assert old_import in deleted and not old_import.exists()
    assert recent_migration.exists()
    assert stray.exists()
    assert db.exists()
    assert thin_backups(db, now=NOW) == []  # idempotent on disk


def test_thinning_removes_old_temp_leftovers_only(db: Path) -> None:
    folder = backups_dir(db)
    folder.mkdir()
    old_tmp = folder / "contrat-20250101-100000-periodique.sqlite.tmp"
    new_tmp = folder / "contrat-20260315-100000-periodique.sqlite.tmp"
    for p in (old_tmp, new_tmp):
        p.write_bytes(b"partial")
    long_ago = time.time() - 3 * 86400
    os.utime(old_tmp, (long_ago, long_ago))
    assert thin_backups(db, now=NOW) == [old_tmp]
    assert new_tmp.exists()


_REASONS = ["ouverture", "periodique", "fermeture", "migration", "import", "restauration"]


@st.composite
def _backup_sets(draw: st.DrawFn) -> tuple[list[BackupInfo], datetime]:
    now = draw(st.datetimes(min_value=datetime(2021, 1, 1), max_value=datetime(2030, 12, 31)))
    offsets = draw(
        st.lists(st.integers(min_value=-3600 * 24 * 2, max_value=3600 * 24 * 800), max_size=120)
    )
    infos = [
        BackupInfo(
            path=Path(f"/sauvegardes/{i}.sqlite"),
            taken_at=(now - timedelta(seconds=off)).replace(microsecond=0),
            reason=draw(st.sampled_from(_REASONS)),
            size=1,
        )
        for i, off in enumerate(offsets)
    ]
    return infos, now


@settings(max_examples=300, deadline=None)
@given(_backup_sets())
def test_thinning_properties(case: tuple[list[BackupInfo], datetime]) -> None:
    infos, now = case
    kept = select_backups_to_keep(infos, now)
    assert kept <= {i.path for i in infos}
    yesterday = now.date() - timedelta(days=1)
    for info in infos:
        if info.taken_at.date() >= yesterday:
            assert info.path in kept  # never deletes today's or yesterday's
        if info.reason in backups.PROTECTED_REASONS and now - info.taken_at < timedelta(days=29):
            assert info.path in kept
    if infos:
        newest = max(infos, key=lambda i: (i.taken_at, i.sequence, i.path.name))
        assert newest.path in kept
    plan = plan_backups_to_keep(infos, now)
    stages = list(plan.values())
    assert stages.count("daily") <= KEEP_DAILY
    assert stages.count("weekly") <= KEEP_WEEKLY
    assert stages.count("monthly") <= KEEP_MONTHLY
    by_path = {i.path: i for i in infos}
    for stage, bucket in (
        ("daily", lambda d: d),
        ("weekly", lambda d: d.isocalendar()[:2]),
        ("monthly", lambda d: (d.year, d.month)),
    ):
        buckets = [bucket(by_path[p].taken_at.date()) for p, s in plan.items() if s == stage]
        assert len(buckets) == len(set(buckets))  # at most one per day / week / month
    kept_infos = [i for i in infos if i.path in kept]
    assert select_backups_to_keep(kept_infos, now) == kept  # idempotent


# --------------------------------------------------------------------------- verify


def test_verify_accepts_a_good_backup_and_refuses_damaged_ones(db: Path, tmp_path: Path) -> None:
    good = create_backup(db, reason="manuelle", now=NOW)
    verify_backup(good)

    truncated = tmp_path / "tronquee.sqlite"
    data = good.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(StorageError, match="endommagée"):
        verify_backup(truncated)

    empty = tmp_path / "vide.sqlite"
    empty.write_bytes(b"")
    with pytest.raises(StorageError):
        verify_backup(empty)

    garbage = tmp_path / "n-importe-quoi.sqlite"
    garbage.write_bytes(b"PK\x03\x04" + os.urandom(4000))
    with pytest.raises(StorageError):
        verify_backup(garbage)

    with pytest.raises(StorageError, match="introuvable"):
        verify_backup(tmp_path / "absente.sqlite")


def test_verify_refuses_a_wal_mode_file(db: Path) -> None:
    assert _header_mode(db) == (2, 2)
    with pytest.raises(StorageError, match="autonome"):
        verify_backup(db)


def test_verify_checks_application_id(db: Path) -> None:
    conn = _connect(db)
    conn.execute("PRAGMA application_id=1364218945")
    conn.close()
    made = create_backup(db, reason="manuelle", now=NOW)
    verify_backup(made, application_id=1364218945)
    with pytest.raises(StorageError, match="qpvdesk"):
        verify_backup(made, application_id=42)


# --------------------------------------------------------------------------- restore


def test_restore_keeps_aside_copy_with_commit_only_in_wal(db: Path) -> None:
    backup = create_backup(db, reason="manuelle", now=NOW)
    _commit_then_crash(db, 42)
    assert _wal(db).stat().st_size > 0
    assert 42 in _rows(db)

    aside = restore_backup(db, backup, now=NOW + timedelta(minutes=5))

    assert aside is not None
    assert aside == db.with_name("contrat-avant-restauration-20260315-103500.sqlite")
    assert _rows(aside) == [1, 2, 3, 42]
    assert _header_mode(aside) == (1, 1)
    verify_backup(aside)
    assert _rows(db) == [1, 2, 3]
    assert not _wal(db).exists()
    assert not db.with_name(db.name + "-shm").exists()
    assert not list(db.parent.glob("*tmp"))
    assert backup.exists()


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_restore_refuses_damaged_backup_and_changes_nothing(db: Path, damage: str) -> None:
    backup = create_backup(db, reason="manuelle", now=NOW)
    data = backup.read_bytes()
    if damage == "truncate":
        backup.write_bytes(data[: len(data) - 1024])
    elif damage == "garbage":
        backup.write_bytes(data[:1024] + os.urandom(len(data) - 1024))
    else:
        backup.write_bytes(b"")
    _commit_then_crash(db, 7)
    before = {p.name: p.read_bytes() for p in db.parent.iterdir() if p.is_file()}

    with pytest.raises(StorageError):
        restore_backup(db, backup, now=NOW)

    after = {p.name: p.read_bytes() for p in db.parent.iterdir() if p.is_file()}
    assert after == before
    assert 7 in _rows(db)


def test_restore_without_current_file_installs_the_backup(db: Path, tmp_path: Path) -> None:
    backup = create_backup(db, reason="manuelle", now=NOW)
    target = tmp_path / "nouveau" / "contrat.sqlite"
    target.parent.mkdir()
    assert restore_backup(target, backup, now=NOW) is None
    assert _rows(target) == [1, 2, 3]


def test_restore_over_a_damaged_current_file_moves_it_aside(db: Path) -> None:
    backup = create_backup(db, reason="manuelle", now=NOW)
    for side in (_wal(db), db.with_name(db.name + "-shm")):
        side.unlink(missing_ok=True)
    damaged = b"SQLite format 3\x00" + os.urandom(8000)
    db.write_bytes(damaged)
    aside = restore_backup(db, backup, now=NOW)
    assert aside is not None and aside.read_bytes() == damaged
    assert _rows(db) == [1, 2, 3]


def test_restore_twice_in_the_same_second_keeps_both_asides(db: Path) -> None:
    backup = create_backup(db, reason="manuelle", now=NOW)
    first = restore_backup(db, backup, now=NOW)
    second = restore_backup(db, backup, now=NOW)
    assert first is not None and second is not None
    assert first != second and first.exists() and second.exists()
