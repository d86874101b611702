"""Where a database lives (local / network / synced / removable) and local working copies."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qpvdesk.core.errors import StorageError
from qpvdesk.core.storage.location import (
    DRIVE_CDROM,
    DRIVE_REMOTE,
    DRIVE_REMOVABLE,
    Location,
    WorkingCopy,
    classify,
    open_working_copy,
    parse_mounts,
)

FAKE_MOUNTS = textwrap.dedent(
    r"""
    /dev/sda2 / ext4 rw,relatime 0 0
    proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
    /dev/sda1 /boot/efi vfat rw,relatime 0 0
    srv:/export/partage /mnt/partage nfs4 rw,relatime,vers=4.2 0 0
    /dev/sdb1 /mnt/partage/disque-local ext4 rw,relatime 0 0
    //nas/Services\040Techniques /mnt/services\040techniques cifs rw,relatime 0 0
    user@host:/data /home/camille/distant fuse.sshfs rw,nosuid,nodev 0 0
    gvfsd-fuse /run/user/1000/gvfs fuse.gvfsd-fuse rw,nosuid,nodev 0 0
    /dev/sdc1 /media/camille/CLE\040USB vfat rw,nosuid,nodev 0 0
    """
)


def _linux(path: str) -> Location:
    return classify(path, mounts_text=FAKE_MOUNTS, platform="linux")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/home/camille/Documents/contrat.sqlite", Location.LOCAL),
        ("/boot/efi/x.sqlite", Location.LOCAL),
        ("/mnt/partage/qpv/contrat.sqlite", Location.NETWORK),
        ("/mnt/partage", Location.NETWORK),
        ("/mnt/partage-bis/contrat.sqlite", Location.LOCAL),
        ("/mnt/partage/disque-local/contrat.sqlite", Location.LOCAL),  # longest mount wins
        ("/mnt/services techniques/contrat.sqlite", Location.NETWORK),  # \040 unescaped
        ("/home/camille/distant/contrat.sqlite", Location.NETWORK),
        ("/run/user/1000/gvfs/smb-share:server=nas,share=qpv/c.sqlite", Location.NETWORK),
        ("/media/camille/CLE USB/contrat.sqlite", Location.REMOVABLE),
        ("/run/media/camille/KEY/contrat.sqlite", Location.REMOVABLE),
        ("/home/camille/Dropbox/contrat.sqlite", Location.SYNCED),
        ("/home/camille/dropbox/contrat.sqlite", Location.SYNCED),
        ("/home/camille/Nextcloud/Mairie/contrat.sqlite", Location.SYNCED),
        ("/home/camille/ownCloud/contrat.sqlite", Location.SYNCED),
        ("/home/camille/pCloudDrive/contrat.sqlite", Location.SYNCED),
        ("/home/camille/Google Drive/contrat.sqlite", Location.SYNCED),
        ("/home/camille/GoogleDrive/contrat.sqlite", Location.SYNCED),
        ("/home/camille/OneDrive - Ville de Clermont/contrat.sqlite", Location.SYNCED),
        ("/home/camille/dropboxes-notes/contrat.sqlite", Location.LOCAL),
    ],
)
def test_classify_linux(path: str, expected: Location) -> None:
    assert _linux(path) is expected


def test_classify_uses_proc_mounts_when_not_given(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    assert isinstance(classify(tmp_path / "x.sqlite"), Location)


def test_parse_mounts_linux_and_macos() -> None:
    mac = textwrap.dedent(
        """
        /dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)
        //camille@nas/Partage Commun on /Volumes/Partage Commun (smbfs, nodev, nosuid)
        /dev/disk4s1 on /Volumes/CLE USB (msdos, local, nodev, nosuid, noowners)
        """
    )
    assert parse_mounts(mac) == [
        ("/", "apfs"),
        ("/Volumes/Partage Commun", "smbfs"),
        ("/Volumes/CLE USB", "msdos"),
    ]
    assert ("/mnt/services techniques", "cifs") in parse_mounts(FAKE_MOUNTS)

    def darwin(path: str) -> Location:
        return classify(path, mounts_text=mac, platform="darwin")

    assert darwin("/Volumes/Partage Commun/c.sqlite") is Location.NETWORK
    assert darwin("/Volumes/CLE USB/c.sqlite") is Location.REMOVABLE
    assert darwin("/Users/camille/c.sqlite") is Location.LOCAL
    assert darwin("/Users/camille/Library/CloudStorage/OneDrive-Perso/c.sqlite") is Location.SYNCED
    icloud = "/Users/camille/Library/Mobile Documents/com~apple~CloudDocs/c.sqlite"
    assert darwin(icloud) is Location.SYNCED
    assert darwin("/Users/camille/iCloud Drive/c.sqlite") is Location.SYNCED


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (r"\\serveur\partage\qpv\contrat.sqlite", Location.NETWORK),
        ("//serveur/partage/contrat.sqlite", Location.NETWORK),
        (r"\\?\UNC\serveur\partage\contrat.sqlite", Location.NETWORK),
        (r"C:\Users\camille\AppData\Local\qpvdesk\contrat.sqlite", Location.LOCAL),
        (r"\\?\C:\Users\camille\contrat.sqlite", Location.LOCAL),
        (r"Z:\Services\contrat.sqlite", Location.NETWORK),  # mapped drive
        (r"E:\contrat.sqlite", Location.REMOVABLE),
        (r"D:\contrat.sqlite", Location.REMOVABLE),  # CD/DVD
        (r"C:\Users\camille\OneDrive - Mairie\Documents\contrat.sqlite", Location.SYNCED),
        (r"C:\Users\camille\OneDrive\contrat.sqlite", Location.SYNCED),
        (r"C:\Users\camille\Dropbox\contrat.sqlite", Location.SYNCED),
        (r"C:\Users\camille\iCloudDrive\contrat.sqlite", Location.SYNCED),
        (r"C:\Users\camille\Documents\contrat.sqlite", Location.LOCAL),
    ],
)
def test_classify_windows(path: str, expected: Location) -> None:
    kinds = {"Z:\\": DRIVE_REMOTE, "E:\\": DRIVE_REMOVABLE, "D:\\": DRIVE_CDROM}
    seen: list[str] = []

    def drive_type(root: str) -> int:
        seen.append(root)
        return kinds.get(root.upper(), 3)  # 3: DRIVE_FIXED

    assert classify(path, platform="win32", drive_type=drive_type) is expected
    assert all(len(root) == 3 and root.endswith(":\\") for root in seen)


def test_describe_is_french() -> None:
    assert Location.NETWORK.describe() == "un dossier réseau"
    assert Location.SYNCED.describe() == "un dossier synchronisé (OneDrive, Dropbox…)"
    assert Location.REMOVABLE.describe() == "un support amovible"
    assert not Location.LOCAL.needs_working_copy
    assert all(loc.needs_working_copy for loc in Location if loc is not Location.LOCAL)


# --------------------------------------------------------------------------- working copies


def _make_db(path: Path, values: list[int]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY)")
        conn.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    finally:
        conn.close()


def _rows(path: Path) -> list[int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT n FROM t ORDER BY n")]
    finally:
        conn.close()


def _insert(path: Path, value: int, *, wal: bool = False) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        if wal:
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("INSERT INTO t VALUES (?)", (value,))
    finally:
        conn.close()


def _touch_later(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    folder = tmp_path / "partage"
    folder.mkdir()
    path = folder / "contrat.sqlite"
    _make_db(path, [1, 2])
    return path


def test_open_copies_the_remote_with_a_hashed_name(remote: Path, tmp_path: Path) -> None:
    local_dir = tmp_path / "copies"
    before = remote.read_bytes()
    wc = open_working_copy(remote, local_dir)
    assert isinstance(wc, WorkingCopy)
    assert wc.local_path.parent == local_dir
    assert wc.local_path.name.endswith("-contrat.sqlite")
    assert len(wc.local_path.name.split("-", 1)[0]) == 12
    assert _rows(wc.local_path) == [1, 2]
    assert not wc.pending_from_previous_session
    assert not wc.remote_changed()
    assert remote.read_bytes() == before
    sidecar = json.loads(wc.sidecar_path.read_text(encoding="utf-8"))
    assert sidecar["remote"] == str(remote.resolve())
    assert sidecar["remote_stamp"]["size"] == remote.stat().st_size
    assert sidecar["remote_stamp"]["mtime_ns"] == remote.stat().st_mtime_ns
    other = tmp_path / "autre" / "contrat.sqlite"
    other.parent.mkdir()
    _make_db(other, [9])
    assert open_working_copy(other, local_dir).local_path != wc.local_path


def test_write_back_puts_local_work_on_the_remote(remote: Path, tmp_path: Path) -> None:
    wc = open_working_copy(remote, tmp_path / "copies")
    _insert(wc.local_path, 3, wal=True)
    assert wc.local_changed()
    wc.write_back()
    assert _rows(remote) == [1, 2, 3]
    assert remote.read_bytes()[18:20] == b"\x01\x01"  # self-contained on the share
    assert not remote.with_name("contrat.sqlite.qpvdesk-tmp").exists()
    assert not wc.remote_changed()
    assert not wc.local_changed()
    _insert(wc.local_path, 4, wal=True)
    wc.write_back()  # a second round works from the updated stamps
    assert _rows(remote) == [1, 2, 3, 4]


@pytest.mark.parametrize("touch", [True, False])
def test_write_back_refuses_when_the_remote_changed(
    remote: Path, tmp_path: Path, touch: bool
) -> None:
    wc = open_working_copy(remote, tmp_path / "copies")
    _insert(wc.local_path, 3)
    stat = remote.stat()
    _insert(remote, 100)  # a colleague edited the file on the share meanwhile
    if touch:
        _touch_later(remote)
    else:  # same size and mtime: only SQLite's change counter tells
        os.utime(remote, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert remote.stat().st_size == stat.st_size
    assert wc.remote_changed()
    with pytest.raises(StorageError) as caught:
        wc.write_back()
    assert "modifié par ailleurs depuis son ouverture" in str(caught.value)
    assert _rows(remote) == [1, 2, 100]
    wc.write_back(force=True)
    assert _rows(remote) == [1, 2, 3]
    assert not wc.remote_changed()


def test_write_back_refuses_when_the_remote_vanished(remote: Path, tmp_path: Path) -> None:
    wc = open_working_copy(remote, tmp_path / "copies")
    remote.unlink()
    assert wc.remote_changed()
    with pytest.raises(StorageError):
        wc.write_back()


def test_crashed_session_is_kept_and_reported(remote: Path, tmp_path: Path) -> None:
    local_dir = tmp_path / "copies"
    first = open_working_copy(remote, local_dir)
    code = textwrap.dedent(
        f"""
        import os, sqlite3
        conn = sqlite3.connect({str(first.local_path)!r}, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("INSERT INTO t VALUES (3)")
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # the app dies: nothing written back

    again = open_working_copy(remote, local_dir)
    assert again.pending_from_previous_session
    assert again.local_path == first.local_path
    assert _rows(again.local_path) == [1, 2, 3]  # not overwritten by the remote
    assert _rows(remote) == [1, 2]
    again.write_back()
    assert _rows(remote) == [1, 2, 3]
    assert not again.pending_from_previous_session

    third = open_working_copy(remote, local_dir)
    assert not third.pending_from_previous_session
    assert _rows(third.local_path) == [1, 2, 3]


def test_unchanged_copy_is_refreshed_from_the_remote(remote: Path, tmp_path: Path) -> None:
    local_dir = tmp_path / "copies"
    first = open_working_copy(remote, local_dir)
    _insert(remote, 50)
    _touch_later(remote)
    second = open_working_copy(remote, local_dir)
    assert not second.pending_from_previous_session
    assert second.local_path == first.local_path
    assert _rows(second.local_path) == [1, 2, 50]


def test_discard_removes_the_local_copy(remote: Path, tmp_path: Path) -> None:
    wc = open_working_copy(remote, tmp_path / "copies")
    wc.discard()
    assert not wc.local_path.exists()
    assert not wc.sidecar_path.exists()
    assert remote.exists()


def test_missing_remote_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="introuvable"):
        open_working_copy(tmp_path / "absent.sqlite", tmp_path / "copies")
