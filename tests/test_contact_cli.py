"""`qpvdesk contact list|export|erase` and `qpvdesk restore` (undo, re-erasure) from scripts."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from qpvdesk import cli


def run(
    *args: str, cwd: Path, stdin: int | None = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qpvdesk", "--db", "d.sqlite", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=stdin,
    )


@pytest.fixture
def demo(demo_db: Path) -> Path:
    """A copy of the demo database, named as `run` expects, in a folder of its own."""
    return demo_db.rename(demo_db.with_name("d.sqlite"))


def attendee(path: Path) -> tuple[int, str, str]:
    """A contact with an address who attended a meeting: (id, full name, address)."""
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT c.id, c.first_name || ' ' || c.last_name, c.email FROM contact c "
            "JOIN attendance a ON a.contact_id = c.id WHERE c.email IS NOT NULL "
            "AND c.first_name IS NOT NULL ORDER BY c.id LIMIT 1"
        ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1]), str(row[2])


def file_bytes(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return (path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")).lower()


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return list(connection.iterdump())


def test_list_then_export_as_json_to_stdout_or_a_file(demo: Path) -> None:
    contact_id, name, address = attendee(demo)
    listed = run("contact", "list", name.split()[-1], cwd=demo.parent)
    assert listed.returncode == 0 and f"{contact_id:>5}  {name}" in listed.stdout
    shown = run("contact", "export", str(contact_id), cwd=demo.parent)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["contact"]["email"] == address and data["meetings"]
    assert all(m["date"] and m["attendance"] for m in data["meetings"])
    written = run("contact", "export", str(contact_id), "-o", "moi.json", cwd=demo.parent)
    assert written.returncode == 0 and "moi.json" in written.stdout
    saved = json.loads((demo.parent / "moi.json").read_text(encoding="utf-8"))
    assert saved.pop("exported_at") and data.pop("exported_at")
    assert saved == data


def test_unknown_contact_exits_2_in_french(demo: Path) -> None:
    for action in ("export", "erase"):
        options = ["--yes"] if action == "erase" else []
        result = run("contact", action, "9999", *options, cwd=demo.parent)
        assert result.returncode == 2
        assert result.stderr.strip() == (
            "qpvdesk : Aucun contact n° 9999 (il a peut-être été supprimé)."
        )


def test_erase_asks_for_yes_when_it_cannot_ask(demo: Path) -> None:
    contact_id, _name, address = attendee(demo)
    refused = run("contact", "erase", str(contact_id), cwd=demo.parent)
    assert refused.returncode == 1 and "« --yes »" in refused.stderr
    assert address.lower().encode() in file_bytes(demo)


def test_erase_asks_in_french_on_a_terminal(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    contact_id, name, address = attendee(demo)
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    assert cli.main(["--db", str(demo), "contact", "erase", str(contact_id)]) == 0
    out = capsys.readouterr().out
    assert f"Effacer définitivement les données personnelles de {name}" in out
    assert "ne peut pas être annulé" in out and "abandonné" in out
    assert address.lower().encode() in file_bytes(demo)
    monkeypatch.setattr(sys, "stdin", io.StringIO("oui\n"))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    assert cli.main(["--db", str(demo), "contact", "erase", str(contact_id)]) == 0
    assert "Ancien membre" in capsys.readouterr().out
    assert address.lower().encode() not in file_bytes(demo)


def test_erase_then_restoring_the_backup_before_it_erases_again(demo: Path) -> None:
    folder = demo.parent
    contact_id, name, address = attendee(demo)
    erased = run("contact", "erase", str(contact_id), "--yes", cwd=folder)
    assert erased.returncode == 0, erased.stderr
    assert "apparaît désormais comme « Ancien membre" in erased.stdout
    content = file_bytes(demo)
    assert address.lower().encode() not in content and name.lower().encode() not in content
    after = json.loads(run("contact", "export", str(contact_id), cwd=folder).stdout)
    assert after["contact"]["last_name"] == "Ancien membre" and after["contact"]["email"] is None
    assert after["meetings"]  # the attendance stays, under the pseudonym

    points = run("restore", "--liste", cwd=folder)
    [line] = [line for line in points.stdout.splitlines() if "effacement" in line]
    backup = line.split()[-1]
    assert address.lower().encode() in (folder / backup).read_bytes().lower()
    restored = run("restore", backup, cwd=folder)
    assert restored.returncode == 0, restored.stderr
    assert "Effacement (RGPD) refait pour 1 contact" in restored.stdout
    assert address.lower().encode() not in file_bytes(demo)
    again = json.loads(run("contact", "export", str(contact_id), cwd=folder).stdout)
    assert again["contact"]["last_name"] == "Ancien membre"


def test_a_restore_can_be_undone_exactly(demo: Path) -> None:
    folder = demo.parent
    assert run("backup", "-o", "avant.sqlite", cwd=folder).returncode == 0
    with sqlite3.connect(demo) as connection:
        connection.execute("UPDATE organisation SET notes = 'saisi après la sauvegarde'")
    before = dump(demo)
    restored = run("restore", "avant.sqlite", cwd=folder)
    assert restored.returncode == 0, restored.stderr
    assert dump(demo) != before
    listed = run("restore", "--liste", cwd=folder).stdout
    assert "avant_restauration" in listed
    undone = run("restore", "--annuler", cwd=folder)
    assert undone.returncode == 0, undone.stderr
    assert "Dernière restauration annulée" in undone.stdout
    assert dump(demo) == before
    # Undoing is a restore too: undoing it brings the backup back.
    assert run("restore", "--annuler", cwd=folder).returncode == 0
    assert dump(demo) == dump(folder / "avant.sqlite")


def test_nothing_to_undo_is_said_in_french(demo: Path) -> None:
    result = run("restore", "--annuler", cwd=demo.parent)
    assert result.returncode == 1 and "Aucune restauration à annuler" in result.stderr
