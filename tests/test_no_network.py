"""The application opens no network connection: the main flows run with sockets forbidden.

A child process installs `network_guard` (socket creation and name lookups raise and
are recorded; ``gethostname``, used by the lock file, stays allowed), then runs the
command lines of `command_lines` one after the other through ``qpvdesk.cli.main``:
create a demo database, check it, back it up, export the programmation and import it
back, produce the relevé and its e-mail, the bilan, the evaluation and an action
sheet, export every other workbook and the open-data CSV, restore the backup and
check again; then it writes the convocation, its .ics and the invitation e-mail.
``selftest`` is in the list when the command line knows that command.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from qpvdesk import cli

CHILD = """
import json, sqlite3, sys
from pathlib import Path
import network_guard
network_guard.forbid_network()

from qpvdesk import cli

folder, lines = Path(sys.argv[1]), json.loads(sys.argv[2])
db = folder / "demo.sqlite"
codes, values = [], {}
for line in lines:
    if not values and db.exists():
        connection = sqlite3.connect(db)
        values = {
            "{meeting}": str(connection.execute(
                "SELECT id FROM meeting WHERE state = 'held' ORDER BY id").fetchone()[0]),
            "{action}": str(connection.execute("SELECT min(id) FROM action").fetchone()[0]),
            "{year}": "2026",
        }
        connection.close()
    argv = [values.get(part, part) for part in line]
    try:
        codes.append(cli.main(argv))
    except SystemExit as exit:
        codes.append(exit.code)

from qpvdesk.core.reports import mail
from qpvdesk.core.reports.convocation import convocation_data, render_convocation
from qpvdesk.core.reports.ics import meeting_invitation
from qpvdesk.core.reports.pdf import save_pdf
from qpvdesk.core.storage.database import open_database

database = open_database(db, backup_on_open=False, read_only=True)
with database.read() as session:
    data = convocation_data(session, int(values["{meeting}"]))
    recipients = mail.invitation_recipients(session, int(values["{meeting}"]))
database.close()
pdf = render_convocation(data)
save_pdf(pdf, folder / "convocation.pdf")
calendar = meeting_invitation(data)
(folder / "invitation.ics").write_bytes(calendar)
mail.write_eml(mail.invitation_email(data, pdf, calendar, recipients), folder / "invitation.eml")
print(json.dumps({"codes": codes, "attempts": network_guard.ATTEMPTS}))
"""


def known_commands() -> set[str]:
    parser = cli.build_parser()
    return {
        name
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    }


def command_lines(folder: Path) -> list[list[str]]:
    db = str(folder / "demo.sqlite")

    def out(name: str) -> str:
        return str(folder / name)

    lines = [
        ["--db", db, "init", "--demo"],
        ["--db", db, "info"],
        ["--db", db, "check"],
        ["--db", db, "backup", "-o", out("sauvegarde.sqlite")],
        ["--db", db, "meetings"],
        ["--db", db, "export", "programmation", "-o", out("programmation.xlsx")],
        ["--db", db, "import", "programmation", out("programmation.xlsx"), "--dry-run"],
        ["--db", db, "import", "programmation", out("programmation.xlsx")],
        ["--db", db, "releve", "{meeting}", "-o", out("releve.pdf"), "--eml", out("releve.eml")],
        ["--db", db, "bilan", "--year", "{year}", "-o", out("bilan.pdf")],
        ["--db", db, "evaluation", "--from", "2024", "--to", "{year}", "-o", out("eval.pdf")],
        ["--db", db, "actions"],
        ["--db", db, "fiche-action", "{action}", "-o", out("fiche.pdf")],
        ["--db", db, "export", "partenaires", "-o", out("partenaires.xlsx")],
        ["--db", db, "export", "versements", "-o", out("versements.xlsx")],
        ["--db", db, "export", "framework", "-o", out("cadre.xlsx")],
        ["--db", db, "export", "indicateurs", "-o", out("indicateurs.xlsx")],
        ["--db", db, "export", "scdl", "--year", "{year}", "-o", out("scdl.csv")],
        ["--db", db, "restore", out("sauvegarde.sqlite")],
        ["--db", db, "check"],
    ]
    if "selftest" in known_commands():
        lines.append(["selftest"])
    return lines


def test_the_main_flows_run_with_every_network_connection_forbidden(tmp_path: Path) -> None:
    lines = command_lines(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path]),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), json.dumps(lines)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["attempts"] == []
    failed = [(line, code) for line, code in zip(lines, report["codes"], strict=True) if code != 0]
    assert failed == [], done.stderr[-3000:]
    for name in ("releve.pdf", "releve.eml", "bilan.pdf", "eval.pdf", "fiche.pdf", "scdl.csv",
                 "programmation.xlsx", "cadre.xlsx", "convocation.pdf", "invitation.ics",
                 "invitation.eml", "sauvegarde.sqlite"):  # fmt: skip
        assert (tmp_path / name).stat().st_size > 0, name


def test_the_guard_really_refuses_connections_and_lookups(tmp_path: Path) -> None:
    probe = (
        "import json, socket, urllib.request, network_guard\n"
        "network_guard.forbid_network()\n"
        "socket.gethostname()\n"
        "for call in (lambda: urllib.request.urlopen('http://192.0.2.1/', timeout=1),\n"
        "             lambda: socket.getaddrinfo('example.org', 443),\n"
        "             lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)):\n"
        "    try:\n"
        "        call()\n"
        "    except OSError:\n"
        "        pass\n"
        "print(json.dumps(network_guard.ATTEMPTS))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent)},
        check=True,
    )
    attempts = json.loads(done.stdout)
    assert len(attempts) == 3
    assert attempts[0].startswith("create_connection") and attempts[1].startswith("getaddrinfo")
