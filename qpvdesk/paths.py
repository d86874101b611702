"""Where things live: bundled resources and the user's data, log and config folders.

The one module that knows about installed packages versus frozen bundles.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import platformdirs

APP_NAME = "qpvdesk"
APP_AUTHOR = "qpvdesk"
DEFAULT_DB_NAME = "qpvdesk.sqlite"
DEMO_DB_NAME = "demo.sqlite"


def resource(*parts: str) -> Traversable:
    """A bundled resource (``resource("contract", "clermont.json")``), wherever installed."""
    node = resources.files("qpvdesk.resources")
    for part in parts:
        node = node.joinpath(part)
    return node


def user_data_dir() -> Path:
    """The local, non-roaming data folder (``%LOCALAPPDATA%`` on Windows)."""
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR, roaming=False))


def default_db_path() -> Path:
    """The database used when no ``--db`` is given."""
    return user_data_dir() / DEFAULT_DB_NAME


def demo_db_path() -> Path:
    """The demonstration file, beside the default one and never mixed with it."""
    return user_data_dir() / DEMO_DB_NAME


def user_log_dir() -> Path:
    """Where the application writes its log and crash reports."""
    return Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


def working_copies_dir() -> Path:
    """Local copies of files opened from a network share, a synced folder or a removable drive."""
    return user_data_dir() / "working-copies"
