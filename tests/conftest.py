"""Shared fixtures: real database files in tmp_path, never in memory, never shared."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from qpvdesk.core.services.setup import Content

# Before any Qt import anywhere in the test session.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The session's own settings, data and log folders: a test never reads or writes the user's
# (Qt's QSettings and platformdirs both follow these on Linux).
_USER_FOLDERS = tempfile.mkdtemp(prefix="qpvdesk-tests-")
atexit.register(shutil.rmtree, _USER_FOLDERS, ignore_errors=True)
for _variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_variable] = os.path.join(_USER_FOLDERS, _variable.lower())


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--crash-iterations",
        type=int,
        default=None,
        help="kill -9 iterations of the crash tests: without it each runs a few; "
        "150 runs at least 50 kills of every scenario (the full run)",
    )


def _template(kind: Content, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new database of *kind* for the session (a demo takes seconds): each test copies it
    and never writes to it."""
    from qpvdesk.core.services.setup import create_new_database

    template = tmp_path_factory.mktemp(f"template-{kind}") / f"{kind}.sqlite"
    create_new_database(template, kind)
    return template


@pytest.fixture(scope="session")
def builtin_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database with the built-in contract, to copy (never to open for writing)."""
    return _template("builtin", tmp_path_factory)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demonstration database, to copy (never to open for writing)."""
    return _template("demo", tmp_path_factory)


@pytest.fixture
def builtin_db(tmp_path: Path, builtin_template: Path) -> Path:
    """A fresh copy of a database holding the built-in contract."""
    target = tmp_path / "qpvdesk.sqlite"
    shutil.copyfile(builtin_template, target)
    return target


@pytest.fixture
def demo_db(tmp_path: Path, demo_template: Path) -> Path:
    """A fresh copy of the demonstration database, alone in its own folder
    (its backups and journal are written beside it)."""
    target = tmp_path / "data" / "demo.sqlite"
    target.parent.mkdir(exist_ok=True)
    shutil.copyfile(demo_template, target)
    return target
