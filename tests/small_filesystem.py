"""Real file systems for the fault tests: a small one that fills up, one made read-only.

A tmpfs mounted on a folder of the test (Linux, with the right to mount: root in the CI
container). Where it cannot be mounted the tests that need it are skipped with the reason;
the simulations they complement (``PRAGMA max_page_count``, permissions) run everywhere.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, check=False)


@contextlib.contextmanager
def mounted_tmpfs(folder: Path, size_kib: int) -> Iterator[Path]:
    """A tmpfs of *size_kib* on *folder* for the duration; skips the test if impossible."""
    if not sys.platform.startswith("linux"):
        pytest.skip("a size-limited file system needs Linux's tmpfs")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        mounted = _run("mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs",
                       str(folder))
    except OSError as error:
        pytest.skip(f"cannot mount a tmpfs ({error})")
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield folder
    finally:
        # Lazy: a file still open in a leaked connection must not leave the mount behind.
        _run("umount", "-l", str(folder))


def remount_read_only(folder: Path) -> None:
    result = _run("mount", "-o", "remount,ro", str(folder))
    assert result.returncode == 0, result.stderr


def fill(folder: Path, leave_kib: int = 0) -> Path:
    """Fill the file system of *folder* until it is full, then give back *leave_kib*."""
    filler = folder / "remplissage.bin"
    chunk = b"\0" * (64 * 1024)
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        while True:
            os.write(descriptor, chunk)
    except OSError as error:
        assert error.errno == errno.ENOSPC, error
    finally:
        os.close(descriptor)
    if leave_kib:
        size = filler.stat().st_size
        os.truncate(filler, max(0, size - leave_kib * 1024))
    return filler
