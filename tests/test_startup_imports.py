"""What starting loads: an up-to-date file opens without Alembic, the window's frame is shown
before the core, the log file and the dialogs are loaded, and the window starts without the
exchange, report and other screens' libraries (each is loaded when first used)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from qpvdesk.core.services.setup import create_new_database

HEAVY = ["alembic", "openpyxl", "reportlab", "pypdf", "PIL"]


def loaded_after(code: str, tmp_path: Path, literal: bool = False) -> list[str]:
    """The modules a fresh interpreter has loaded after running *code* (which prints their
    list itself, as a Python literal, when *literal*)."""
    script = code if literal else (
        code + "\nimport sys\nprint(repr(sorted(sys.modules)))\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_STATE_HOME=str(tmp_path / "state"))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, check=True, timeout=300)
    return list(ast.literal_eval(result.stdout.splitlines()[-1]))


def test_opening_an_up_to_date_file_does_not_load_alembic(tmp_path: Path) -> None:
    path = tmp_path / "current.sqlite"
    create_new_database(path, "builtin")
    modules = loaded_after(
        "from pathlib import Path\n"
        "from qpvdesk.core.storage.database import open_database\n"
        f"database = open_database(Path({str(path)!r}))\n"
        "database.close()", tmp_path)
    assert "qpvdesk.core.storage.database" in modules
    assert "alembic" not in modules


def test_window_starts_with_its_first_page_only(tmp_path: Path, demo_db: Path) -> None:
    path = demo_db
    modules = loaded_after(
        "from pathlib import Path\n"
        "from PySide6.QtCore import QSettings\n"
        "from qpvdesk.ui.app import make_application\n"
        "from qpvdesk.ui.context import AppContext\n"
        "from qpvdesk.ui.main_window import MainWindow\n"
        "from qpvdesk.core.storage.database import open_database\n"
        "app = make_application()\n"
        f"settings = QSettings({str(tmp_path / 'settings.ini')!r}, QSettings.Format.IniFormat)\n"
        f"window = MainWindow(AppContext(open_database(Path({str(path)!r}))), settings)\n"
        "window.show()\n"
        "app.processEvents()\n", tmp_path)  # not closed: closing writes the journal (openpyxl)
    assert "qpvdesk.ui.dashboard.dashboard_screen" in modules
    assert not [name for name in modules if name.split(".")[0] in HEAVY]
    screens = [name for name in modules if name.endswith("_screen")]
    assert screens == ["qpvdesk.ui.dashboard.dashboard_screen"]


def test_the_frame_is_shown_before_the_core_the_log_and_the_dialogs_are_loaded(
        tmp_path: Path, demo_db: Path) -> None:
    path = demo_db
    # The modules loaded when the « shown » marker would be printed, then the process ends.
    # `Qt`'s namespace, built (with its 130 enums) at its first use, is listed as `Qt`.
    modules = loaded_after(
        "import os, sys\n"
        "from PySide6 import QtCore\n"
        "from qpvdesk.ui import shown_marker\n"
        "def at_marker(marker):\n"
        "    if marker == shown_marker.MARKER:\n"
        "        built = ['Qt'] if 'Qt' in vars(QtCore) else []\n"
        "        print(repr(sorted(sys.modules) + built), flush=True)\n"
        "        os._exit(0)\n"
        "shown_marker._print_marker = at_marker\n"
        "os.environ[shown_marker.ENVIRONMENT] = '1'\n"
        "from qpvdesk.cli import main\n"
        f"main(['--db', {str(path)!r}])\n", tmp_path, literal=True)
    assert "qpvdesk.ui.main_window" in modules
    for later in ("sqlalchemy", "qpvdesk.core.storage.database", "qpvdesk.ui.context",
                  "logging.handlers", "qpvdesk.ui.crash", "qpvdesk.ui.messages", "json", "Qt"):
        assert later not in modules, later
