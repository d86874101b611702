"""The command line as a script uses it: exit statuses, French one-liners, JSON for scripts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qpvdesk import __version__


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qpvdesk", *args], cwd=cwd, capture_output=True, text=True
    )


def test_init_then_info_reports_the_whole_framework(tmp_path: Path) -> None:
    created = run("--db", "x.sqlite", "init", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    info = run("--db", "x.sqlite", "info", "--json", cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    data = json.loads(info.stdout)
    assert data["objectives"]["priority"] == 4
    assert data["objectives"]["strategic"] == 12
    assert data["objectives"]["operational"] == 37
    assert data["objectives"]["item"] == 159
    assert data["contract"].endswith("Clermont l'Hérault")
    assert data["dossiers"] == {}
    assert data["meetings"] == 0
    assert data["organisations"] >= 20
    assert data["last_backup"] is None
    assert isinstance(data["schema_version"], str)
    check = run("--db", "x.sqlite", "check", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Intégrité du fichier : correcte." in check.stdout


def test_demo_adds_two_years_of_fictitious_dossiers(tmp_path: Path) -> None:
    assert run("--db", "d.sqlite", "init", "--demo", cwd=tmp_path).returncode == 0
    data = json.loads(run("--db", "d.sqlite", "info", "--json", cwd=tmp_path).stdout)
    assert set(data["dossiers"]) == {"2025", "2026"}
    assert 35 <= sum(data["dossiers"].values()) <= 45


def test_empty_database_has_no_contract(tmp_path: Path) -> None:
    assert run("--db", "e.sqlite", "init", "--empty", cwd=tmp_path).returncode == 0
    data = json.loads(run("--db", "e.sqlite", "info", "--json", cwd=tmp_path).stdout)
    assert data["contract"] == ""
    assert sum(data["objectives"].values()) == 0


def test_init_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "x.sqlite"
    target.write_bytes(b"precious")
    result = run("--db", "x.sqlite", "init", cwd=tmp_path)
    assert result.returncode == 1
    assert "existe déjà" in result.stderr
    assert target.read_bytes() == b"precious"


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 10])
def test_bad_files_get_one_french_line_and_no_traceback(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "bad.sqlite").write_bytes(content)
    for command in (["info"], ["check"], ["backup"]):
        result = run("--db", "bad.sqlite", *command, cwd=tmp_path)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        assert any("n'est pas une base qpvdesk" in line for line in lines)
    assert (tmp_path / "bad.sqlite").read_bytes() == content


def test_missing_database_says_how_to_create_it(tmp_path: Path) -> None:
    result = run("--db", "absent.sqlite", "info", cwd=tmp_path)
    assert result.returncode == 1
    assert "qpvdesk --db absent.sqlite init" in result.stderr


def test_backup_and_restore_round_trip(tmp_path: Path) -> None:
    assert run("--db", "x.sqlite", "init", cwd=tmp_path).returncode == 0
    saved = run("--db", "x.sqlite", "backup", "-o", "copie.sqlite", cwd=tmp_path)
    assert saved.returncode == 0, saved.stderr
    again = run("--db", "x.sqlite", "backup", "-o", "copie.sqlite", cwd=tmp_path)
    assert again.returncode == 1 and "existe déjà" in again.stderr
    restored = run("--db", "x.sqlite", "restore", "copie.sqlite", cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert list(tmp_path.glob("x-avant-restauration-*.sqlite"))
    assert run("--db", "x.sqlite", "check", cwd=tmp_path).returncode == 0
    assert run("--db", "x.sqlite", "backup", cwd=tmp_path).returncode == 0
    data = json.loads(run("--db", "x.sqlite", "info", "--json", cwd=tmp_path).stdout)
    assert data["last_backup"] is not None


def test_version_and_french_help(tmp_path: Path) -> None:
    version = run("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.strip() == f"qpvdesk {__version__}"
    for args in (["--help"], ["init", "--help"], ["backup", "--help"]):
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 0
        assert "Utilisation : " in result.stdout
        assert "usage:" not in result.stdout
        assert "affiche cette aide" in result.stdout
    wrong = run("inconnue", cwd=tmp_path)
    assert wrong.returncode == 2
    assert wrong.stderr.startswith("qpvdesk : erreur :")
