"""Benchmark of the journal des décisions: writing it, and what it adds to each edit.

On a copy of the demo (or of ``--db FILE``, e.g. one from ``make_large_db.py``):

- ``write_journal()``: the whole workbook (three sheets) read and written, median of 3
  (an edit writes it only when this is under ``SYNC_JOURNAL``, 0.1 s; otherwise the
  window's minute tick or the close does);
- one edit (a unit of work changing a granted amount) once the journal is timed: median
  of 20; and the look at the audit log's last id that every unit of work now makes, alone
  (median of 1000).

Run from the project root::

    .venv/bin/python benchmarks/bench_decision_journal.py [--db FILE]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.database import Database, open_database


def _edit(db: Database, funding_id: int, cents: int) -> float:
    started = time.perf_counter()
    with db.unit_of_work() as session:
        session.execute(
            text("UPDATE funding SET granted = :v WHERE id = :id"), {"v": cents, "id": funding_id}
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a file to copy instead of the demo")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite"
        if args.db:
            shutil.copyfile(args.db, path)
        else:
            create_new_database(path, "demo")
        db = open_database(path, backup_on_open=False)
        try:
            with db.read() as session:
                funding_id = int(session.scalar(text("SELECT min(id) FROM funding")) or 0)
                rows = session.scalar(text("SELECT count(*) FROM funding"))
            writes = []
            for _ in range(3):
                started = time.perf_counter()
                assert db.write_journal(), db.journal_problem
                writes.append(time.perf_counter() - started)
            print(f"{rows} funding rows: write_journal {statistics.median(writes) * 1000:.0f} ms")
            edits = [_edit(db, funding_id, 100_000 + n) for n in range(20)]
            print(
                f"one edit: {statistics.median(edits) * 1000:.1f} ms; the journal "
                f"{'waits for the tick' if db.journal_due else 'was written by the edit'}"
            )
            with db.read() as session:
                looks = []
                for _ in range(1000):
                    started = time.perf_counter()
                    session.scalar(text("SELECT max(id) FROM audit_entry"))
                    looks.append(time.perf_counter() - started)
            print(f"the look at the audit log per unit: {statistics.median(looks) * 1e6:.0f} µs")
        finally:
            db.close()


if __name__ == "__main__":
    main()
