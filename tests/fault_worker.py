"""A second process on the data file, for the crash and two-instance tests.

``fault_worker.py import DB WORKBOOK``
    imports a programmation workbook as the application does (checks, backup, writes,
    one transaction); prints ``writing`` when the backup and the writes start and
    ``committed`` once the import returned.
``fault_worker.py backup DB FOLDER``
    takes backups in a loop, as « Sauvegarder maintenant » and ``qpvdesk backup -o`` do:
    prints ``backup PATH`` and ``copy PATH`` once each is written and verified.
``fault_worker.py migrate DB``
    opens a file of an older schema, which backs it up then upgrades it; prints
    ``upgraded`` once open.
``fault_worker.py hold DB``
    opens the file for writing and holds it until a line arrives on its standard input,
    then closes it and exits normally (test_two_instances.py).

Each prints ``ready`` once its imports are done and the file is about to be used.
"""

from __future__ import annotations

import sys
from pathlib import Path

from qpvdesk.core.exchange.programmation_import import import_programmation
from qpvdesk.core.storage.database import open_database


def say(line: str) -> None:
    print(line, flush=True)


def run_import(path: Path, workbook: Path) -> None:
    database = open_database(path, backup_on_open=False)
    say("ready")

    def progress(message: str) -> None:
        if message.startswith("Sauvegarde"):
            say("writing")

    result = import_programmation(database, workbook, progress=progress)
    assert result.written
    say("committed")
    database.close()


def run_backups(path: Path, folder: Path) -> None:
    database = open_database(path, backup_on_open=False)
    say("ready")
    number = 0
    while True:
        say(f"backup {database.backup('manuelle')}")
        say(f"copy {database.backup_to(folder / f'copie-{number}.sqlite')}")
        number += 1


def run_migration(path: Path) -> None:
    say("ready")
    database = open_database(path)
    say("upgraded")
    database.close()


def hold(path: Path) -> None:
    database = open_database(path, backup_on_open=False)
    say("ready")
    sys.stdin.readline()
    database.close()
    say("closed")


if __name__ == "__main__":
    kind, target, *rest = sys.argv[1:]
    if kind == "import":
        run_import(Path(target), Path(rest[0]))
    elif kind == "backup":
        run_backups(Path(target), Path(rest[0]))
    elif kind == "migrate":
        run_migration(Path(target))
    else:
        hold(Path(target))
