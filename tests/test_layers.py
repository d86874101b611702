"""The core never imports Qt: every core module imported in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import qpvdesk.core


def test_core_imports_no_qt() -> None:
    modules = [
        info.name
        for info in pkgutil.walk_packages(qpvdesk.core.__path__, "qpvdesk.core.")
        if ".migrations" not in info.name
    ]
    assert len(modules) > 15
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "import qpvdesk.cli\n"
        "leaks = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(leaks))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
