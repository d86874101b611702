"""kill -9 in the middle of a meeting: every confirmed entry is still there after reopening.

A child process (``meeting_worker.py``) holds the meeting as the meeting mode does,
one unit of work per entry, and prints each entry once committed; the parent kills
it with SIGKILL at random moments. After each kill the file passes
``integrity_check``, every printed entry is in it (an opinion may only have been
overwritten by a later one on the same dossier), each opinion is whole (its
comment and its amount agree), and the meeting reopens through the services.

It runs a third of ``--crash-iterations`` (4 without it, at least 3: each kill costs a
worker start-up); ``pytest tests/test_meeting_crash.py --crash-iterations=150`` runs 50.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from meeting_worker import YEAR, build_scenario

from qpvdesk.core.services import meetings as mt
from qpvdesk.core.storage.database import open_database

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).with_name("meeting_worker.py")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(WORKER.parent), env.get("PYTHONPATH", "")])
    return env


def _state(path: Path, meeting_id: int) -> tuple[dict[int, int], set[int]]:
    """Per dossier, the number of the entry in force; and the follow-ups' numbers."""
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        opinions: dict[int, int] = {}
        for dossier_id, text, amounts in connection.execute(
            "SELECT d.dossier_id, d.text, group_concat(a.amount) FROM decision d "
            "LEFT JOIN decision_amount a ON a.decision_id = d.id "
            "WHERE d.meeting_id = ? AND d.dossier_id IS NOT NULL GROUP BY d.id",
            (meeting_id,),
        ):
            number = int(re.fullmatch(r"entrée (\d+)", text).group(1))  # type: ignore[union-attr]
            # All or nothing: the amount is the one written with this comment.
            assert amounts == str(100 * number + 100), (text, amounts)
            opinions[dossier_id] = number
        follow_ups = {
            int(what.split()[1])
            for (what,) in connection.execute(
                "SELECT what FROM follow_up WHERE meeting_id = ?", (meeting_id,)
            )
        }
        positions = [
            row[0]
            for row in connection.execute(
                "SELECT position FROM decision WHERE meeting_id = ? ORDER BY position",
                (meeting_id,),
            )
        ]
        assert positions == list(range(1, len(positions) + 1))
    finally:
        connection.close()
    return opinions, follow_ups


@pytest.mark.slow
def test_killing_the_meeting_mode_loses_no_confirmed_entry(
    builtin_db: Path, request: pytest.FixtureRequest
) -> None:
    iterations = max(3, (request.config.getoption("--crash-iterations") or 12) // 3)
    database = open_database(builtin_db, backup_on_open=False)
    try:
        with database.unit_of_work() as session:
            scenario = build_scenario(session, 8)
            meeting = mt.create_meeting(
                session,
                mt.MeetingInput(scenario.commission_id, mt.paris_datetime(date(YEAR, 5, 12), 14)),
            )
            mt.add_dossiers_to_agenda(session, meeting, scenario.dossier_ids)
    finally:
        database.close()
    targets = len(scenario.dossier_ids)
    rng = random.Random(20260512)
    printed_opinions: dict[int, int] = {}  # dossier index -> last confirmed entry
    printed_follow_ups: set[int] = set()
    start = 0
    confirmed = 0
    for _ in range(iterations):
        child = subprocess.Popen(
            [sys.executable, str(WORKER), str(builtin_db), str(meeting), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        assert child.stdout is not None
        # Start-up (imports, opening the file) is slow and varies: time the kill from
        # the moment the worker starts writing.
        ready = child.stdout.readline()
        assert ready.strip() == "ready", ready + (child.stderr.read() if child.stderr else "")
        time.sleep(rng.uniform(0.0, 1.2))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate()
        assert "Traceback" not in err, err
        for line in out.splitlines():
            kind, number = line.split()
            if kind == "opinion":
                printed_opinions[int(number) % targets] = int(number)
                confirmed += 1
            else:
                printed_follow_ups.add(int(number))
        opinions, follow_ups = _state(builtin_db, meeting)
        by_index = {scenario.dossier_ids.index(d): n for d, n in opinions.items()}
        for index, number in printed_opinions.items():
            # Durable: what was confirmed is there, or a later entry on the same dossier.
            assert by_index[index] >= number and by_index[index] % targets == index
        assert printed_follow_ups <= follow_ups
        start = max([*by_index.values(), *follow_ups, start - 1]) + 1
    assert confirmed, "the worker never confirmed an entry: the test proved nothing"
    # Reopening through the services resumes the meeting where it stood.
    database = open_database(builtin_db, backup_on_open=False)
    try:
        with database.read() as session:
            data = mt.meeting_mode_data(session, meeting)
    finally:
        database.close()
    assert {d.dossier_id for d in data.dossiers if d.decision} == set(opinions)
    assert 0 <= data.current_position < targets
    assert {int(f.what.split()[1]) for f in data.follow_ups} == follow_ups
