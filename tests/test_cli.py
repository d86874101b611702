"""The command line as a script uses it: exit statuses, French one-liners, JSON for scripts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qpvdesk import __version__
from qpvdesk.cli import window_options


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


@pytest.mark.parametrize(("argv", "db", "read_only"), [
    ([], None, False),
    (["--db", "ville.sqlite"], Path("ville.sqlite"), False),
    (["--db=ville.sqlite", "--lecture-seule"], Path("ville.sqlite"), True),
    (["--lecture-seule"], None, True),
])
def test_the_window_options_are_read_without_the_commands_parser(
        argv: list[str], db: Path | None, read_only: bool) -> None:
    options = window_options(argv)
    assert options is not None
    assert (options.db, options.read_only, options.command) == (db, read_only, None)


@pytest.mark.parametrize("argv", [
    ["init"], ["--db", "x.sqlite", "check"], ["--help"], ["--version"], ["--db"],
    ["--lecture"], ["--db", "a.sqlite", "--db"],
])
def test_anything_else_goes_to_the_full_parser(argv: list[str]) -> None:
    assert window_options(argv) is None


def test_a_missing_file_name_is_refused_in_french(tmp_path: Path) -> None:
    result = run("--db", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("qpvdesk : erreur :")
    assert "--db" in result.stderr and "une valeur est attendue" in result.stderr


def _demo(tmp_path: Path) -> None:
    created = run("--db", "d.sqlite", "init", "--demo", cwd=tmp_path)
    assert created.returncode == 0, created.stderr


def test_meetings_lists_the_demo_meetings_with_their_ids(tmp_path: Path) -> None:
    _demo(tmp_path)
    result = run("--db", "d.sqlite", "meetings", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    meetings = json.loads(result.stdout)
    assert [m["state"] for m in meetings] == ["held", "held", "planned"]
    assert [m["id"] for m in meetings] == sorted(m["id"] for m in meetings)
    commission, copil, planned = meetings
    assert commission["committee"].startswith("Commission thématique")
    assert copil["committee"] == "Comité de pilotage (COPIL)"
    assert commission["date"] == "2026-05-12T14:00:00+02:00"
    assert planned["date"].endswith("+01:00")  # winter time in Clermont-l'Hérault
    assert commission["decisions"] >= 6 and planned["decisions"] == 0
    text = run("--db", "d.sqlite", "meetings", cwd=tmp_path)
    assert text.returncode == 0
    assert "12/05/2026 14:00" in text.stdout and "Prévue" in text.stdout
    info = json.loads(run("--db", "d.sqlite", "info", "--json", cwd=tmp_path).stdout)
    assert info["meetings"] == 3


def test_releve_writes_the_pdf_and_the_eml_of_a_demo_meeting(tmp_path: Path) -> None:
    import email
    from email import policy

    from pypdf import PdfReader

    _demo(tmp_path)
    meetings = json.loads(run("--db", "d.sqlite", "meetings", "--json", cwd=tmp_path).stdout)
    held = meetings[0]["id"]
    result = run(
        "--db", "d.sqlite", "releve", str(held), "-o", "releve.pdf", "--eml", "releve.eml",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Relevé de décision enregistré" in result.stdout
    assert "destinataires" in result.stdout
    assert "Attention :" in result.stderr and "sans adresse électronique" in result.stderr
    reader = PdfReader(tmp_path / "releve.pdf")
    text = " ".join((page.extract_text() or "") for page in reader.pages).replace("\u00a0", " ")
    assert "Relevé de décision" in text and "Fatima Ouali" in text
    assert f"Page 1 / {len(reader.pages)}" in text
    message = email.message_from_bytes(
        (tmp_path / "releve.eml").read_bytes(), policy=policy.default
    )
    assert message["X-Unsent"] == "1"
    assert message["Subject"].startswith("Relevé de décision – Commission thématique")
    attachment = next(message.iter_attachments())
    assert attachment.get_content() == (tmp_path / "releve.pdf").read_bytes()
    addresses = [a.addr_spec.casefold() for a in message["To"].addresses]
    assert addresses and len(addresses) == len(set(addresses))


def test_releve_of_an_unknown_meeting_or_without_output_fails_in_french(tmp_path: Path) -> None:
    _demo(tmp_path)
    unknown = run("--db", "d.sqlite", "releve", "999", "-o", "x.pdf", cwd=tmp_path)
    assert unknown.returncode == 1 and "Traceback" not in unknown.stderr
    assert "aucune séance n° 999" in unknown.stderr
    assert not (tmp_path / "x.pdf").exists()
    missing = run("--db", "d.sqlite", "releve", "1", cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.startswith("qpvdesk : erreur :")
    absent = run("--db", "absent.sqlite", "meetings", cwd=tmp_path)
    assert absent.returncode == 1 and "qpvdesk --db absent.sqlite init" in absent.stderr
    for args in (["meetings", "--help"], ["releve", "--help"]):
        help_text = run(*args, cwd=tmp_path)
        assert help_text.returncode == 0 and "Utilisation : " in help_text.stdout
        assert "affiche cette aide" in help_text.stdout


def _pdf_text(path: Path) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    text = " ".join((page.extract_text() or "") for page in reader.pages)
    return len(reader.pages), " ".join(text.replace("\u00a0", " ").split())


def test_bilan_evaluation_and_fiche_action_write_pdfs_of_the_demo(tmp_path: Path) -> None:
    _demo(tmp_path)
    bilan = run("--db", "d.sqlite", "bilan", "--year", "2026", "-o", "bilan.pdf", cwd=tmp_path)
    assert bilan.returncode == 0, bilan.stderr
    assert "Bilan annuel 2026 enregistré" in bilan.stdout
    pages, text = _pdf_text(tmp_path / "bilan.pdf")
    assert "Bilan annuel 2026" in text and "Financements par financeur" in text
    assert f"Page 1 / {pages}" in text and f"Page {pages} / {pages}" in text
    evaluation = run(
        "--db", "d.sqlite", "evaluation", "--from", "2024", "--to", "2026", "-o", "eval.pdf",
        cwd=tmp_path,
    )  # fmt: skip
    assert evaluation.returncode == 0, evaluation.stderr
    assert "Évaluation 2024–2026 enregistrée" in evaluation.stdout
    pages, text = _pdf_text(tmp_path / "eval.pdf")
    assert "Question évaluative n° 3" in text and f"Page 1 / {pages}" in text
    listed = run("--db", "d.sqlite", "actions", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    actions = json.loads(listed.stdout)
    assert len(actions) >= 20 and {"common_law", "call_for_projects"} <= {
        a["kind"] for a in actions
    }
    first = actions[0]
    sheet = run("--db", "d.sqlite", "fiche-action", str(first["id"]), "-o", "f.pdf", cwd=tmp_path)
    assert sheet.returncode == 0, sheet.stderr
    assert "Fiche action enregistrée" in sheet.stdout
    pages, text = _pdf_text(tmp_path / "f.pdf")
    assert first["title"] in text and "€" in text and "Page 1 / 1" in text
    two = [str(a["id"]) for a in actions[:2]]
    both = run("--db", "d.sqlite", "fiche-action", *two, "-o", "f2.pdf", cwd=tmp_path)
    assert both.returncode == 0 and "2 fiches actions enregistrées" in both.stdout
    plain = run("--db", "d.sqlite", "actions", "--year", "2026", cwd=tmp_path)
    assert plain.returncode == 0 and first["title"] in plain.stdout


def test_report_commands_fail_in_french(tmp_path: Path) -> None:
    _demo(tmp_path)
    outside = run("--db", "d.sqlite", "bilan", "--year", "2031", "-o", "x.pdf", cwd=tmp_path)
    assert outside.returncode == 1 and "Traceback" not in outside.stderr
    assert "hors de la période du contrat (2024–2030)" in outside.stderr
    inverted = run(
        "--db", "d.sqlite", "evaluation", "--from", "2026", "--to", "2024", "-o", "x.pdf",
        cwd=tmp_path,
    )  # fmt: skip
    assert inverted.returncode == 1 and "précède la première" in inverted.stderr
    unknown = run("--db", "d.sqlite", "fiche-action", "9999", "-o", "x.pdf", cwd=tmp_path)
    assert unknown.returncode == 1 and "aucune action n° 9999" in unknown.stderr
    assert not (tmp_path / "x.pdf").exists()
    no_year = run("--db", "d.sqlite", "bilan", "-o", "x.pdf", cwd=tmp_path)
    assert no_year.returncode == 2 and no_year.stderr.startswith("qpvdesk : erreur :")
    absent = run("--db", "absent.sqlite", "bilan", "--year", "2026", "-o", "x.pdf", cwd=tmp_path)
    assert absent.returncode == 1 and "qpvdesk --db absent.sqlite init" in absent.stderr
    for command in ("bilan", "evaluation", "fiche-action", "actions"):
        help_text = run(command, "--help", cwd=tmp_path)
        assert help_text.returncode == 0 and "Utilisation : " in help_text.stdout
        assert "affiche cette aide" in help_text.stdout
