"""Benchmark of the audit hash chain: what chaining costs each audited write.

On a copy of the demo file, 1000 updates of funding amounts (each one audited
entry), run twice on the same file: with the chained audit triggers of today, then
with the unchained triggers of migrations 0002–0004 put back in their place. Two
shapes: 1000 updates in one unit of work (the trigger cost alone), and 200 units
of work of one update each (what the user's edits pay, commit and fsync included).
Then `verify_chain` over the whole log (what ``qpvdesk check`` adds).

Median of 5 runs, chained and unchained alternating, wall clock. Run from the project root::

    .venv/bin/python benchmarks/bench_audit_chain.py [--updates 1000] [--units 200] [--db FILE]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage import audit
from qpvdesk.core.storage.audit_chain import verify_chain
from qpvdesk.core.storage.database import open_database

FUNDING = ("requested", "proposed", "granted")


def _use_unchained(path: Path) -> None:
    with sqlite3.connect(path) as raw:
        for name in audit.trigger_names("funding", FUNDING):
            raw.execute(f"DROP TRIGGER {name}")
        for statement in audit.table_triggers("funding", FUNDING):
            raw.execute(statement)
    raw.close()


def _updates(path: Path, count: int, *, one_unit: bool) -> float:
    db = open_database(path, backup_on_open=False)
    try:
        with db.read() as session:
            ids = list(session.scalars(text("SELECT id FROM funding ORDER BY id")))
        started = time.perf_counter()
        if one_unit:
            with db.unit_of_work() as session:
                for n in range(count):
                    session.execute(
                        text("UPDATE funding SET granted = :v WHERE id = :id"),
                        {"v": 100_000 + n, "id": ids[n % len(ids)]},
                    )
        else:
            for n in range(count):
                with db.unit_of_work() as session:
                    session.execute(
                        text("UPDATE funding SET granted = :v WHERE id = :id"),
                        {"v": 200_000 + n, "id": ids[n % len(ids)]},
                    )
        return time.perf_counter() - started
    finally:
        db.engine.dispose()
        if db.lock is not None:
            db.lock.release()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1000, help="updates in one unit")
    parser.add_argument("--units", type=int, default=200, help="units of one update each")
    parser.add_argument("--db", type=Path, help="a file to copy instead of the demo")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "source.sqlite"
        if args.db:
            shutil.copyfile(args.db, source)
        else:
            create_new_database(source, "demo")
        shapes = (("one unit", args.updates, True), ("a unit each", args.units, False))
        runs: dict[tuple[str, bool], list[float]] = {}
        # Chained and unchained alternate, so that the disk's moods touch both alike.
        for _ in range(5):
            for shape, count, one_unit in shapes:
                for unchained in (False, True):
                    path = Path(folder) / "run.sqlite"
                    for leftover in Path(folder).glob("run.sqlite*"):
                        leftover.unlink()
                    shutil.copyfile(source, path)
                    if unchained:
                        _use_unchained(path)
                    elapsed = _updates(path, count, one_unit=one_unit)
                    runs.setdefault((shape, unchained), []).append(elapsed)
        for shape, count, _one_unit in shapes:
            chained = statistics.median(runs[(shape, False)])
            plain = statistics.median(runs[(shape, True)])
            extra = (chained - plain) / count * 1e6
            print(
                f"{count} funding updates, {shape}: unchained {plain * 1000:.0f} ms, "
                f"chained {chained * 1000:.0f} ms, extra {extra:.1f} µs per audited write"
            )
        with sqlite3.connect(source) as raw:
            started = time.perf_counter()
            report = verify_chain(raw)
            elapsed = time.perf_counter() - started
        raw.close()
        print(f"verify_chain: {report.entries} entries in {elapsed * 1000:.0f} ms")


if __name__ == "__main__":
    main()
