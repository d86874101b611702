"""Shared fixtures: real database files in tmp_path, never in memory, never shared."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Before any Qt import anywhere in the test session.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The session's own settings, data and log folders: a test never reads or writes the user's
# (Qt's QSettings and platformdirs both follow these on Linux).
_USER_FOLDERS = tempfile.mkdtemp(prefix="qpvdesk-tests-")
atexit.register(shutil.rmtree, _USER_FOLDERS, ignore_errors=True)
for _variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_variable] = os.path.join(_USER_FOLDERS, _variable.lower())

BUILTIN_TEMPLATE: dict[str, Path] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--crash-iterations",
        type=int,
        default=None,
        help="kill -9 iterations of the crash tests: without it each runs a few; "
        "150 runs at least 50 kills of every scenario (the full run)",
    )


@pytest.fixture
def builtin_db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of a database holding the built-in contract."""
    from qpvdesk.core.services.setup import create_new_database

    if "builtin" not in BUILTIN_TEMPLATE:
        template = tmp_path_factory.mktemp("template") / "builtin.sqlite"
        create_new_database(template, "builtin")
        BUILTIN_TEMPLATE["builtin"] = template
    target = tmp_path / "qpvdesk.sqlite"
    target.write_bytes(BUILTIN_TEMPLATE["builtin"].read_bytes())
    return target
