"""`qpvdesk selftest`: passes on a working installation, names the check that fails."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer, qCritical
from pytestqt.qtbot import QtBot

from qpvdesk.ui import selftest
from qpvdesk.ui.sections import all_sections


def test_selftest_passes_from_the_source_tree(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "qpvdesk", "selftest"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "ÉCHEC" not in result.stdout
    for section in all_sections():
        assert f"Page « {section.title} » : ok" in lines
    assert "Relevé de décision d'une séance tenue (PDF) : ok" in lines
    assert "Tableau de programmation (Excel) : ok" in lines
    assert "Icône de l'application : ok" in lines
    assert "Traduction française de Qt : ok" in lines
    assert lines[-1] == "Autotest : tout est en ordre."
    # Only the checks' lines: Qt's warnings (offscreen platform) do not come between them.
    assert result.stderr == ""
    assert all(line.endswith(" : ok") for line in lines[:-1])
    # Nothing left behind in the working folder.
    assert list(tmp_path.iterdir()) == []


def test_an_empty_decision_record_fails_the_selftest(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selftest, "render_decision_record", lambda _data: b"")
    out = io.StringIO()

    status = selftest.run_selftest(out)

    lines = out.getvalue().splitlines()
    assert status == 1
    assert [line for line in lines if "ÉCHEC" in line] == [
        "Relevé de décision d'une séance tenue (PDF) : ÉCHEC : « releve.pdf » n'est pas "
        "un PDF (0 octets)"
    ]
    # The other checks still ran and passed.
    assert "Tableau de programmation (Excel) : ok" in lines
    assert "Suppression du dossier temporaire : ok" in lines
    assert lines[-1] == "Autotest : 1 vérification en échec."


def test_an_error_raised_in_qt_while_showing_a_page_fails_that_page(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    select_section = selftest.MainWindow.select_section

    def select_then_fail(window: selftest.MainWindow, key: str) -> None:
        select_section(window, key)
        if key == "actions":  # a slot that raises, as a broken page would
            QTimer.singleShot(0, lambda: 1 / 0)

    monkeypatch.setattr(selftest.MainWindow, "select_section", select_then_fail)
    out = io.StringIO()

    assert selftest.run_selftest(out) == 1
    failures = [line for line in out.getvalue().splitlines() if "ÉCHEC" in line]
    assert failures == ["Page « Actions » : ÉCHEC : ZeroDivisionError: division by zero"]


def test_an_error_reported_by_qt_while_showing_a_page_fails_that_page(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    select_section = selftest.MainWindow.select_section

    def select_then_complain(window: selftest.MainWindow, key: str) -> None:
        select_section(window, key)
        if key == "partners":  # Qt reports a failure of its own (a broken plugin, a painter)
            qCritical("QPainter::begin: Paint device returned engine == 0")

    monkeypatch.setattr(selftest.MainWindow, "select_section", select_then_complain)
    out = io.StringIO()

    assert selftest.run_selftest(out) == 1
    failures = [line for line in out.getvalue().splitlines() if "ÉCHEC" in line]
    assert failures == [
        "Page « Partenaires » : ÉCHEC : QPainter::begin: Paint device returned engine == 0"]
