"""Where a database file lives (local, network, synced, removable) and local working copies."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path, PurePosixPath, PureWindowsPath

from qpvdesk.core.errors import StorageError
from qpvdesk.core.storage.backups import copy_database
from qpvdesk.paths import working_copies_dir

logger = logging.getLogger(__name__)

NETWORK_FS_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smbfs",
        "smb3",
        "fuse.sshfs",
        "9p",
        "afs",
        "davfs",
        "fuse.davfs2",
        "fuse.rclone",
        "fuse.gvfsd-fuse",
        "fuse.s3fs",
        "ceph",
        "glusterfs",
        "fuse.glusterfs",
        "lustre",
        "afpfs",
        "webdav",
    }
)
#: Folder names created by sync clients (compared case-insensitively).
SYNCED_EXACT = frozenset({"dropbox", "icloud drive", "iclouddrive", "com~apple~clouddocs"})
SYNCED_PREFIXES = (
    "onedrive",
    "google drive",
    "googledrive",
    "dropbox (",
    "nextcloud",
    "owncloud",
    "pcloud",
)
DRIVE_REMOVABLE = 2
DRIVE_REMOTE = 4
DRIVE_CDROM = 5


class Location(Enum):
    """What kind of storage a path is on."""

    LOCAL = "local"
    NETWORK = "network"
    SYNCED = "synced"
    REMOVABLE = "removable"

    def describe(self) -> str:
        """French noun phrase for messages (« … se trouve sur un dossier réseau »)."""
        return {
            Location.LOCAL: "un dossier local",
            Location.NETWORK: "un dossier réseau",
            Location.SYNCED: "un dossier synchronisé (OneDrive, Dropbox…)",
            Location.REMOVABLE: "un support amovible",
        }[self]

    @property
    def needs_working_copy(self) -> bool:
        """Whether a database there must be edited through a local ``WorkingCopy``."""
        return self is not Location.LOCAL


# --------------------------------------------------------------------------- classification


def _is_synced(parts: tuple[str, ...]) -> bool:
    lowered = [p.casefold().rstrip("\\/") for p in parts]
    for i, name in enumerate(lowered):
        if name in SYNCED_EXACT or name.startswith(SYNCED_PREFIXES):
            return True
        if name == "cloudstorage" and i > 0 and lowered[i - 1] == "library":
            return True  # macOS File Provider: ~/Library/CloudStorage/<provider>
        if name == "mobile documents" and i > 0 and lowered[i - 1] == "library":
            return True  # iCloud Drive's real folder on macOS
    return False


def _unescape_mount(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


_MAC_MOUNT_RE = re.compile(r"^.+? on (?P<mp>/.*?) \((?P<fs>[^,)]+)")


def parse_mounts(text: str) -> list[tuple[str, str]]:
    """(mount point, fs type) pairs from ``/proc/mounts`` or macOS ``mount`` output."""
    result: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        mac = _MAC_MOUNT_RE.match(line)
        if mac is not None and " on /" in line:
            result.append((mac["mp"], mac["fs"].strip().lower()))
            continue
        fields = line.split()
        if len(fields) >= 3:
            result.append((_unescape_mount(fields[1]), fields[2].lower()))
    return result


def _mount_fs_type(path: str, mounts: list[tuple[str, str]]) -> str | None:
    """The fs type of the longest mount point containing ``path``."""
    best: tuple[int, str] | None = None
    for mount_point, fs_type in mounts:
        mp = mount_point.rstrip("/") or "/"
        contains = mp == "/" or path == mp or path.startswith(mp + "/")
        if contains and (best is None or len(mp) >= best[0]):
            best = (len(mp), fs_type)
    return best[1] if best else None


def _read_mounts(platform: str) -> str:
    if platform.startswith("linux"):
        for candidate in ("/proc/self/mounts", "/proc/mounts"):
            try:
                with open(candidate, encoding="utf-8", errors="replace") as fh:
                    return fh.read()
            except OSError:
                continue
        return ""
    if platform == "darwin":
        try:
            done = subprocess.run(
                ["/sbin/mount"], capture_output=True, text=True, timeout=5, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout
    return ""


def _is_mac_boot_volume(volume: str) -> bool:
    try:
        return os.stat(volume).st_dev == os.stat("/").st_dev
    except OSError:
        return False


def _classify_posix(text: str, platform: str, mounts_text: str | None) -> Location:
    mounts = parse_mounts(mounts_text if mounts_text is not None else _read_mounts(platform))
    fs_type = _mount_fs_type(text, mounts)
    if fs_type is not None and fs_type in NETWORK_FS_TYPES:
        return Location.NETWORK
    if platform.startswith("linux") and text.startswith(("/media/", "/run/media/")):
        return Location.REMOVABLE
    if platform == "darwin" and text.startswith("/Volumes/"):
        volume = "/Volumes/" + text.split("/")[2]
        if not _is_mac_boot_volume(volume):
            return Location.REMOVABLE
    if _is_synced(PurePosixPath(text).parts):
        return Location.SYNCED
    return Location.LOCAL


def _real_drive_type(root: str) -> int:
    if sys.platform == "win32":
        import ctypes

        return int(ctypes.windll.kernel32.GetDriveTypeW(root))
    return 0  # DRIVE_UNKNOWN


def _windows_volume_label(root: str) -> str:
    if sys.platform == "win32":
        import ctypes

        buf = ctypes.create_unicode_buffer(261)
        ok = ctypes.windll.kernel32.GetVolumeInformationW(
            root, buf, len(buf), None, None, None, None, 0
        )
        return buf.value if ok else ""
    return ""


def _classify_windows(text: str, drive_type: Callable[[str], int]) -> Location:
    if text.startswith(("\\\\?\\UNC\\", "//?/UNC/")):
        return Location.NETWORK
    if text.startswith(("\\\\?\\", "\\\\.\\")):
        text = text[4:]
    pure = PureWindowsPath(text)
    if pure.drive.startswith(("\\\\", "//")):
        return Location.NETWORK
    if pure.drive:
        root = pure.drive + "\\"
        kind = drive_type(root)
        if kind == DRIVE_REMOTE:
            return Location.NETWORK
        if kind in (DRIVE_REMOVABLE, DRIVE_CDROM):
            return Location.REMOVABLE
    if _is_synced(pure.parts[1:] if pure.drive else pure.parts):
        return Location.SYNCED
    if pure.drive and _windows_volume_label(pure.drive + "\\").casefold() == "google drive":
        return Location.SYNCED
    return Location.LOCAL


def classify(
    path: str | os.PathLike[str],
    *,
    mounts_text: str | None = None,
    platform: str | None = None,
    drive_type: Callable[[str], int] | None = None,
) -> Location:
    """Whether ``path`` is on a local disk, a network share, a synced folder or removable media.

    ``mounts_text`` replaces ``/proc/mounts`` (or macOS ``mount`` output), ``platform``
    replaces ``sys.platform`` and ``drive_type`` replaces Windows' ``GetDriveTypeW`` (tests).
    The path as given and its resolved form are both looked at; the first non-local wins.
    """
    plat = platform or sys.platform
    raw = os.fspath(path)
    candidates = [raw]
    if plat == sys.platform:
        candidates = [os.path.abspath(raw)]
        with contextlib.suppress(OSError, ValueError):
            real = os.path.realpath(raw)
            if real not in candidates:
                candidates.append(real)
    for text in candidates:
        if plat == "win32":
            found = _classify_windows(text, drive_type or _real_drive_type)
        else:
            found = _classify_posix(text, plat, mounts_text)
        if found is not Location.LOCAL:
            return found
    return Location.LOCAL


# --------------------------------------------------------------------------- working copies


@dataclass(frozen=True)
class _Stamp:
    """What tells a file changed: its size, mtime and SQLite change counter, its -wal's size."""

    size: int
    mtime_ns: int
    wal_size: int
    change_counter: int

    @staticmethod
    def of(path: Path) -> _Stamp:
        st = path.stat()
        with path.open("rb") as fh:
            header = fh.read(28)
        counter = int.from_bytes(header[24:28], "big") if len(header) == 28 else -1
        try:
            wal = path.with_name(path.name + "-wal").stat().st_size
        except OSError:
            wal = 0
        return _Stamp(st.st_size, st.st_mtime_ns, wal, counter)

    def to_json(self) -> dict[str, int]:
        return {
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "wal_size": self.wal_size,
            "change_counter": self.change_counter,
        }

    @staticmethod
    def from_json(data: object) -> _Stamp | None:
        if not isinstance(data, dict):
            return None
        keys = ("size", "mtime_ns", "wal_size", "change_counter")
        values = [data.get(k) for k in keys]
        ints = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        if len(ints) != len(keys):
            return None
        return _Stamp(*ints)


def _remote_key(remote: Path) -> str:
    digest = hashlib.sha1(str(remote).encode("utf-8"), usedforsecurity=False)
    return digest.hexdigest()[:12]


class WorkingCopy:
    """A local copy of a database that lives on a network share, a synced folder or a USB key.

    The application opens ``local_path``; ``write_back`` puts the work back on ``remote``
    with the backup API, refusing if ``remote`` changed since it was copied. A JSON sidecar
    beside the copy records the remote's and the copy's stamps at the last synchronisation,
    so that work left by a crash is found again (``pending_from_previous_session``).
    Call ``write_back`` after closing the connections to ``local_path`` (their checkpoint
    changes the copy's stamp).
    """

    def __init__(
        self,
        remote: Path,
        local_path: Path,
        remote_stamp: _Stamp,
        local_stamp: _Stamp,
        *,
        pending_from_previous_session: bool = False,
    ) -> None:
        self.remote = remote
        self.local_path = local_path
        self.sidecar_path = local_path.with_name(local_path.name + ".json")
        self._remote_stamp = remote_stamp
        self._local_stamp = local_stamp
        self.pending_from_previous_session = pending_from_previous_session

    def remote_changed(self) -> bool:
        """Whether the remote file changed (or vanished) since the last synchronisation."""
        try:
            return _Stamp.of(self.remote) != self._remote_stamp
        except OSError:
            return True

    def local_changed(self) -> bool:
        """Whether the local copy changed since the last synchronisation."""
        try:
            return _Stamp.of(self.local_path) != self._local_stamp
        except OSError:
            return False

    def write_back(self, *, force: bool = False) -> None:
        """Copy the local work over the remote file (atomically, checked).

        Refuses with ``StorageError`` if the remote changed since the copy, unless ``force``.
        """
        if not force and self.remote_changed():
            raise StorageError(
                f"Le fichier d'origine « {self.remote} » a été modifié par ailleurs depuis son "
                "ouverture (ou n'est plus accessible). Vos modifications sont conservées dans "
                f"la copie locale « {self.local_path} » ; enregistrez-les sous un autre nom "
                "ou confirmez pour écraser le fichier d'origine."
            )
        tmp = self.remote.with_name(self.remote.name + ".qpvdesk-tmp")
        copy_database(self.local_path, self.remote, tmp=tmp)
        self._remote_stamp = _Stamp.of(self.remote)
        self._local_stamp = _Stamp.of(self.local_path)
        self.pending_from_previous_session = False
        self._save_sidecar()
        logger.info("Wrote back %s to %s", self.local_path, self.remote)

    def discard(self) -> None:
        """Delete the local copy and its sidecar (the remote is untouched)."""
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                self.local_path.with_name(self.local_path.name + suffix).unlink()
        with contextlib.suppress(FileNotFoundError):
            self.sidecar_path.unlink()

    def _save_sidecar(self) -> None:
        data = {
            "remote": str(self.remote),
            "remote_stamp": self._remote_stamp.to_json(),
            "local_stamp": self._local_stamp.to_json(),
            "synced_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        tmp = self.sidecar_path.with_name(self.sidecar_path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, self.sidecar_path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise StorageError(
                f"Impossible d'écrire dans le dossier « {self.sidecar_path.parent} » ({exc})."
            ) from exc


def _load_sidecar(sidecar: Path, remote: Path) -> tuple[_Stamp, _Stamp] | None:
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("remote") != str(remote):
        return None
    remote_stamp = _Stamp.from_json(data.get("remote_stamp"))
    local_stamp = _Stamp.from_json(data.get("local_stamp"))
    if remote_stamp is None or local_stamp is None:
        return None
    return remote_stamp, local_stamp


def open_working_copy(remote: Path, local_dir: Path | None = None) -> WorkingCopy:
    """Copy ``remote`` into ``local_dir`` (default ``paths.working_copies_dir()``) and track it.

    The copy is ``<sha1(resolved remote)[:12]>-<name>``, made with the backup API. If a
    copy of the same remote was left by a previous session with changes never written
    back, it is kept as is and ``pending_from_previous_session`` is True.
    """
    remote = Path(remote).resolve()
    folder = Path(local_dir) if local_dir is not None else working_copies_dir()
    if not remote.is_file():
        raise StorageError(f"Le fichier « {remote} » est introuvable ou inaccessible.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"Impossible de créer le dossier « {folder} » ({exc}).") from exc
    local = folder / f"{_remote_key(remote)}-{remote.name}"
    sidecar = local.with_name(local.name + ".json")
    if local.is_file():
        recorded = _load_sidecar(sidecar, remote)
        if recorded is not None:
            previous = WorkingCopy(remote, local, recorded[0], recorded[1])
            if previous.local_changed():
                previous.pending_from_previous_session = True
                logger.warning("Unsynchronised working copy found for %s", remote)
                return previous
    remote_stamp: _Stamp | None = None
    for _attempt in range(3):
        try:
            before = _Stamp.of(remote)
            copy_database(remote, local)
            after = _Stamp.of(remote)
        except OSError as exc:
            raise StorageError(
                f"Le fichier « {remote} » est introuvable ou inaccessible ({exc})."
            ) from exc
        remote_stamp = after
        if before == after:
            break
    assert remote_stamp is not None
    copy = WorkingCopy(remote, local, remote_stamp, _Stamp.of(local))
    copy._save_sidecar()
    return copy
