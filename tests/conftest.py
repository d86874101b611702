"""Shared fixtures: real database files in tmp_path, never in memory, never shared."""

from __future__ import annotations

import os

# Before any Qt import anywhere in the test session.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

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
