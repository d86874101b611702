"""Build the installable bundle for the current platform.

    .venv/bin/pip install -e '.[bundle]' && .venv/bin/python installer/build.py

Runs PyInstaller on installer/qpvdesk.spec (one folder: dist/qpvdesk), then:
- on Linux, packs dist/qpvdesk-<version>-linux-x86_64.tar.gz: the bundle with its
  desktop entry, icon and install.sh (which adds the entry to the user's menu);
- on Windows, compiles installer/qpvdesk.iss with Inno Setup's ISCC when it is installed,
  giving it the version (dist/qpvdesk-<version>-setup.exe).
Prints the bundle's size and the time taken. The version is qpvdesk.__version__, the only
place it is written.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "installer" / "qpvdesk.spec"
LINUX_FILES = ROOT / "installer" / "linux"
ICON_PNG = ROOT / "resources" / "icons" / "qpvdesk.png"
ISS = ROOT / "installer" / "qpvdesk.iss"
#: Where Inno Setup 6 installs its compiler, for itself or for all users.
ISCC_PLACES = (
    Path(os.environ.get("LOCALAPPDATA", "")) / "Programs" / "Inno Setup 6" / "ISCC.exe",
    Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)")) / "Inno Setup 6"
    / "ISCC.exe",
    Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "Inno Setup 6" / "ISCC.exe",
)


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from qpvdesk import __version__

    return __version__


def folder_size(folder: Path) -> int:
    """Bytes of the files under *folder* (links counted once, as links)."""
    return sum(path.lstat().st_size for path in folder.rglob("*")
               if path.is_symlink() or path.is_file())


def run_pyinstaller(dist: Path, work: Path, spec: Path = SPEC) -> Path:
    """Run PyInstaller on *spec*; the one-folder bundle it made (named as the spec)."""
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(work), str(spec)],
        check=True,
    )
    return dist / spec.stem


def linux_tarball(bundle: Path, release: str) -> Path:
    """dist/qpvdesk-<version>-linux-<machine>.tar.gz, unpacking to one qpvdesk/ folder."""
    machine = platform.machine() or "x86_64"
    target = bundle.parent / f"qpvdesk-{release}-linux-{machine}.tar.gz"
    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        archive.add(bundle, arcname="qpvdesk")
        archive.add(LINUX_FILES / "qpvdesk.desktop", arcname="qpvdesk/qpvdesk.desktop")
        archive.add(LINUX_FILES / "install.sh", arcname="qpvdesk/install.sh")
        archive.add(ICON_PNG, arcname="qpvdesk/qpvdesk.png")
    return target


def find_iscc() -> Path | None:
    found = shutil.which("ISCC") or shutil.which("iscc")
    if found:
        return Path(found)
    return next((place for place in ISCC_PLACES if place.is_file()), None)


def windows_installer(bundle: Path, release: str) -> Path | None:
    """dist/qpvdesk-<version>-setup.exe, compiled by Inno Setup when it is installed."""
    options = [f"/DAppVersion={release}", f"/DBundleDir={bundle}", f"/O{bundle.parent}"]
    iscc = find_iscc()
    if iscc is None:
        print("Inno Setup 6 not found: install it, then run\n  ISCC "
              + " ".join(f'"{option}"' for option in options) + f' "{ISS}"')
        return None
    subprocess.run([str(iscc), *options, str(ISS)], check=True)
    return bundle.parent / f"qpvdesk-{release}-setup.exe"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist",
                        help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build",
                        help="PyInstaller's working folder (default: build/)")
    args = parser.parse_args(argv)
    release = version()
    started = time.monotonic()
    bundle = run_pyinstaller(args.dist.resolve(), args.work.resolve())
    built = time.monotonic() - started
    print(f"Bundle: {bundle} ({folder_size(bundle) / 2**20:.0f} MiB), "
          f"version {release}, built in {built:.0f} s")
    if sys.platform.startswith("linux"):
        tarball = linux_tarball(bundle, release)
        print(f"Archive: {tarball} ({tarball.stat().st_size / 2**20:.0f} MiB)")
    elif sys.platform == "win32":
        setup = windows_installer(bundle, release)
        if setup is not None:
            print(f"Installer: {setup}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
