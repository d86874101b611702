"""The exchange commands as a script uses them: exit statuses, French lines, files written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

TEMPLATE: dict[str, Path] = {}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qpvdesk", *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.fixture
def folder(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding demo.sqlite (the demo) and vide.sqlite (the built-in contract)."""
    if not TEMPLATE:
        source = tmp_path_factory.mktemp("cli-templates")
        assert run("--db", "demo.sqlite", "init", "--demo", cwd=source).returncode == 0
        assert run("--db", "vide.sqlite", "init", cwd=source).returncode == 0
        TEMPLATE["folder"] = source
    for name in ("demo.sqlite", "vide.sqlite"):
        (tmp_path / name).write_bytes((TEMPLATE["folder"] / name).read_bytes())
    return tmp_path


def test_exports_write_their_files(folder: Path) -> None:
    for args, name in (
        (["programmation", "--year", "2025"], "programmation.xlsx"),
        (["partenaires"], "annuaire.xlsx"),
        (["versements", "--annee", "2025"], "versements.xlsx"),
        (["framework"], "cadre.xlsx"),
        (["indicateurs"], "indicateurs.xlsx"),
    ):
        result = run("--db", "demo.sqlite", "export", *args, "-o", name, cwd=folder)
        assert result.returncode == 0, result.stderr
        assert name in result.stdout
        assert openpyxl.load_workbook(folder / name).sheetnames
    scdl = run("--db", "demo.sqlite", "export", "scdl", "--year", "2025", "-o", "s.csv",
               cwd=folder)  # fmt: skip
    assert scdl.returncode == 0, scdl.stderr
    assert "laissées de côté" in scdl.stdout and "SIRET du financeur" in scdl.stdout
    assert (folder / "s.csv").read_text(encoding="utf-8").startswith("nomAttribuant,idAttribuant")
    unknown = run("--db", "demo.sqlite", "export", "scdl", "--year", "2025", "--financeur",
                  "Personne", "-o", "x.csv", cwd=folder)  # fmt: skip
    assert unknown.returncode == 1 and "aucun financeur" in unknown.stderr


def test_import_programmation_dry_run_then_real_then_again(folder: Path) -> None:
    assert run("--db", "demo.sqlite", "export", "programmation", "-o", "p.xlsx",
               cwd=folder).returncode == 0  # fmt: skip
    dry = run("--db", "vide.sqlite", "import", "programmation", "p.xlsx", "--dry-run",
              cwd=folder)  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert "Simulation : rien n'a été enregistré." in dry.stdout
    assert "dossiers : 39 à créer" in dry.stdout
    assert not (folder / "backups").exists()
    real = run("--db", "vide.sqlite", "import", "programmation", "p.xlsx", cwd=folder)
    assert real.returncode == 0, real.stderr
    assert "Import terminé" in real.stdout and "-import.sqlite" in real.stdout
    again = run("--db", "vide.sqlite", "import", "programmation", "p.xlsx", cwd=folder)
    assert again.returncode == 0
    assert "Rien à changer" in again.stdout and "39 inchangés" in again.stdout


def test_import_with_errors_exits_1_and_saves_them(folder: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["Structure", "Action", "Année", "Montant sollicité", "Ligne"])
    book.active.append(["Asso", "Action", 2025, "-5", "BOP147"])
    book.save(folder / "faux.xlsx")
    result = run("--db", "vide.sqlite", "import", "programmation", "faux.xlsx", "--erreurs",
                 "erreurs.xlsx", cwd=folder)  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "import refusé, 1 erreur" in result.stderr
    assert "ligne 2, colonne D (Montant sollicité)" in result.stdout
    assert openpyxl.load_workbook(folder / "erreurs.xlsx").active["E2"].value.startswith(
        "un montant ne peut pas être négatif"
    )


def test_map_option_and_default_line(folder: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["Nom de l'asso", "Quoi", "Combien"])
    book.active.append(["Asso Map", "Action Map", "1 500"])
    book.save(folder / "libre.xlsx")
    result = run("--db", "vide.sqlite", "import", "programmation", "libre.xlsx",
                 "--map", "Nom de l'asso=porteur,Quoi=action", "--map", "demande=Combien",
                 "--annee", "2025", "--ligne", "BOP147", cwd=folder)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "A « Nom de l'asso » → Porteur (choisi)" in result.stdout
    wrong = run("--db", "vide.sqlite", "import", "programmation", "libre.xlsx", "--map",
                "Machin=Truc", cwd=folder)  # fmt: skip
    assert wrong.returncode == 1 and "n'est un champ connu" in wrong.stderr


def test_refused_files_get_one_french_line(folder: Path) -> None:
    (folder / "vieux.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    result = run("--db", "vide.sqlite", "import", "programmation", "vieux.xls", cwd=folder)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("qpvdesk : « vieux.xls » est au format Excel 97-2003")


def test_framework_for_another_town(folder: Path) -> None:
    assert run("--db", "demo.sqlite", "export", "framework", "-o", "cadre.xlsx",
               cwd=folder).returncode == 0  # fmt: skip
    created = run("--db", "ville.sqlite", "init", "--framework", "cadre.xlsx", cwd=folder)
    assert created.returncode == 0, created.stderr
    assert "37 objectifs opérationnels" in created.stdout
    assert run("--db", "vierge.sqlite", "init", "--empty", cwd=folder).returncode == 0
    loaded = run("--db", "vierge.sqlite", "import", "framework", "cadre.xlsx", cwd=folder)
    assert loaded.returncode == 0, loaded.stderr
    assert "Cadre stratégique importé" in loaded.stdout
    twice = run("--db", "vierge.sqlite", "import", "framework", "cadre.xlsx", cwd=folder)
    assert twice.returncode == 1 and "déjà un cadre stratégique" in twice.stderr
    both = run("--db", "x.sqlite", "init", "--demo", "--framework", "cadre.xlsx", cwd=folder)
    assert both.returncode == 2


def test_help_is_french(folder: Path) -> None:
    for args in (["export", "--help"], ["export", "scdl", "--help"],
                 ["import", "programmation", "--help"], ["import", "framework", "--help"]):
        result = run(*args, cwd=folder)
        assert result.returncode == 0
        assert "Utilisation : " in result.stdout and "affiche cette aide" in result.stdout
    missing = run("--db", "demo.sqlite", "export", cwd=folder)
    assert missing.returncode == 2 and missing.stderr.startswith("qpvdesk : erreur :")
