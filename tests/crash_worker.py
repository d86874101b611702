"""Run by test_crash.py in a child process that gets killed with SIGKILL at a random moment.

Each unit of work adds a group of three objectives titled ``crash <n> <k>`` through
the real service and storage layers, then prints ``<n>`` once committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import select

from qpvdesk.core.domain.models import Objective
from qpvdesk.core.services.framework import add_objective
from qpvdesk.core.storage.database import open_database

GROUP = 3


def main(path: Path, start: int) -> None:
    database = open_database(path)
    with database.read() as session:
        parent = session.scalars(select(Objective.id).where(Objective.code == "P1")).one()
    number = start
    while True:
        with database.unit_of_work() as session:
            for k in range(GROUP):
                add_objective(session, parent, f"crash {number} {k}")
        print(number, flush=True)
        number += 1


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
