"""What starting loads: an up-to-date file opens without Alembic, and the window starts
without the exchange, report and other screens' libraries (each is loaded when first used)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from qpvdesk.core.services.setup import create_new_database

HEAVY = ["alembic", "openpyxl", "reportlab", "pypdf", "PIL"]


def loaded_after(code: str, tmp_path: Path) -> list[str]:
    """The top-level modules a fresh interpreter has loaded after running *code*."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_STATE_HOME=str(tmp_path / "state"))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, check=True, timeout=300)
    return list(json.loads(result.stdout.splitlines()[-1]))


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


def test_window_starts_with_its_first_page_only(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    create_new_database(path, "demo")
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
