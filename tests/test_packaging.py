"""Resources ship inside the package and are found wherever the program is started from."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_resources_are_found_from_any_working_directory(tmp_path: Path) -> None:
    script = (
        "from qpvdesk.paths import resource\n"
        "print(resource('contract', 'clermont.json').is_file(),"
        " resource('fonts', 'DejaVuSans.ttf').is_file())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "True"]


def test_every_resource_file_is_declared_as_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["qpvdesk.resources"]
    files = [
        p.relative_to(ROOT / "resources").as_posix()
        for p in (ROOT / "resources").rglob("*")
        if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts
    ]
    assert files
    missing = [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert missing == []


def test_every_package_is_declared() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "qpvdesk").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert found - declared == set()


def test_test_modules_have_unique_names() -> None:
    # pytest imports test modules by basename: two test_x.py in different folders collide.
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
