"""Benchmark of the Excel exchange: ``bench_exchange.py DB [--rows 10000] [--json out.json]``.

On a large database (``make_large_db.py``, 50 000 dossiers), in the same run:

1. **export**: the tableau de programmation of every dossier (`export_programmation`:
   queries, building the rows, writing the main sheet, one sheet per funder and the
   exchange sheet) against raw openpyxl writing **the same cells** (same sheets, same
   values, a write-only workbook with no style, width or formula — the floor);
2. **import**: an exchange workbook of about ``--rows`` funding rows (whole dossiers
   taken in order from the large database) imported into an empty database (the
   built-in contract, no dossier: `import_programmation`, reading, checking every row,
   the backup and the writes in one transaction) against raw openpyxl reading the same
   cells (``read_only=True, data_only=True``, every value of the sheet) — the floor;
3. the same round trip ``performance.md``'s way: export → import → export again, and
   whether the two workbooks hold the same values, cell for cell.

Each measure runs in a fresh child process so that its peak memory (RSS, from
``resource``) is its own; memory is reported as the peak minus the process's memory
once its imports are done. Wall clock, one run each (an export of 50 000 dossiers takes
minutes: medians of five would take an hour).

Run from the project root::

    .venv/bin/python benchmarks/make_large_db.py /tmp/large.sqlite --dossiers 50000
    .venv/bin/python benchmarks/bench_exchange.py /tmp/large.sqlite
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# --- phases, each run in its own process -----------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as raw openpyxl takes it: Money as a Decimal of euros, the rest as is."""
    from qpvdesk.core.domain.money import Money

    if isinstance(value, Money):
        return Decimal(value.cents).scaleb(-2)
    return value


def phase_export_ours(db: Path, out: Path, years: list[int] | None) -> dict[str, Any]:
    from qpvdesk.core.exchange.programmation_export import (
        funder_sheets,
        lines_sheet,
        main_sheet,
        programmation_data,
        write_programmation,
    )
    from qpvdesk.core.storage.database import open_database

    base = peak_rss_mb()
    started = time.perf_counter()
    database = open_database(db, read_only=True)
    try:
        with database.read() as session:
            data = programmation_data(session, set(years) if years else None)
    finally:
        database.close()
    queried = time.perf_counter()
    write_programmation(data, out)
    done = time.perf_counter()
    sheets = [main_sheet(data), *funder_sheets(data), lines_sheet(data)]
    cells = sum(
        sum(1 for row in sheet.rows for value in row if value is not None) for sheet in sheets
    )
    return {
        "seconds": done - started,
        "query_seconds": queried - started,
        "write_seconds": done - queried,
        "dossiers": len(data.dossiers),
        "funding_rows": len(data.lines),
        "sheets": len(sheets),
        "rows": sum(len(sheet.rows) for sheet in sheets),
        "cells": cells,
        "peak_mb": peak_rss_mb() - base,
        "file_mb": out.stat().st_size / 1024 / 1024,
    }


def phase_export_raw(db: Path, out: Path, years: list[int] | None) -> dict[str, Any]:
    """Raw openpyxl writing the same sheets and values (built first, not timed)."""
    import openpyxl

    from qpvdesk.core.exchange.programmation_export import (
        funder_sheets,
        lines_sheet,
        main_sheet,
        programmation_data,
    )
    from qpvdesk.core.storage.database import open_database

    database = open_database(db, read_only=True)
    try:
        with database.read() as session:
            data = programmation_data(session, set(years) if years else None)
    finally:
        database.close()
    sheets = [main_sheet(data), *funder_sheets(data), lines_sheet(data)]
    values = [
        (sheet.title[:31], [column.heading for column in sheet.columns],
         [[_plain(v) for v in row] for row in sheet.rows])
        for sheet in sheets
    ]  # fmt: skip
    del data, sheets
    base = peak_rss_mb()
    started = time.perf_counter()
    workbook = openpyxl.Workbook(write_only=True)
    for number, (title, headings, rows) in enumerate(values):
        sheet = workbook.create_sheet(f"{number} {title}"[:31])
        sheet.append(headings)
        for row in rows:
            sheet.append(row)
    workbook.save(out)
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_rss_mb() - base}


def phase_make_import_file(db: Path, out: Path, rows: int) -> dict[str, Any]:
    """An exchange workbook of whole dossiers, about *rows* funding rows."""
    from sqlalchemy import select

    from qpvdesk.core.domain.models import Dossier
    from qpvdesk.core.exchange.programmation_export import (
        Programmation,
        lines_sheet,
        programmation_data,
    )
    from qpvdesk.core.exchange.xlsx import write_workbook
    from qpvdesk.core.storage.database import open_database

    database = open_database(db, read_only=True)
    try:
        with database.read() as session:
            years = sorted(set(session.scalars(select(Dossier.year).distinct())))
            data = programmation_data(session, {years[len(years) // 2]})
    finally:
        database.close()
    kept = []
    ids: set[int] = set()
    for line in data.lines:
        if len(kept) >= rows and line.dossier.id not in ids:
            break
        ids.add(line.dossier.id)
        kept.append(line)
    subset = Programmation(data.years, data.dossiers, data.funders, tuple(kept))
    write_workbook(out, [lines_sheet(subset)])
    return {"rows": len(kept), "dossiers": len(ids)}


def phase_import_ours(db: Path, source: Path, dry_run: bool) -> dict[str, Any]:
    from qpvdesk.core.exchange.programmation_import import import_programmation
    from qpvdesk.core.services.setup import create_new_database
    from qpvdesk.core.storage.database import open_database

    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    target = folder / "vide.sqlite"
    create_new_database(target, "builtin")
    base = peak_rss_mb()
    started = time.perf_counter()
    database = open_database(target, backup_on_open=False)
    try:
        result = import_programmation(database, source, dry_run=dry_run)
    finally:
        database.close()
    seconds = time.perf_counter() - started
    counts = result.preview.counts
    return {
        "seconds": seconds,
        "peak_mb": peak_rss_mb() - base,
        "written": result.written,
        "rows": counts.rows,
        "dossiers_created": counts.dossiers_created,
        "fundings_created": counts.fundings_created,
        "errors": len(result.preview.errors),
        "database": str(target),
    }


def phase_import_raw(source: Path) -> dict[str, Any]:
    import openpyxl

    base = peak_rss_mb()
    started = time.perf_counter()
    workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    cells = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += sum(1 for value in row if value is not None)
    workbook.close()
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_rss_mb() - base,
            "cells": cells}  # fmt: skip


def phase_compare(first: Path, second: Path) -> dict[str, Any]:
    import openpyxl

    def cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
        book = openpyxl.load_workbook(path, read_only=True)
        try:
            return {s.title: list(s.iter_rows(values_only=True)) for s in book.worksheets}
        finally:
            book.close()

    one, other = cells(first), cells(second)
    common = [name for name in one if name in other]
    differences = sum(
        1 for name in common for a, b in zip(one[name], other[name], strict=False) if a != b
    ) + sum(abs(len(one[name]) - len(other[name])) for name in common)
    return {
        "identical": differences == 0 and bool(common),
        "sheets": common,
        "differing_rows": differences,
    }


def child(args: argparse.Namespace) -> int:
    years = args.years or None
    if args.phase == "export-ours":
        result = phase_export_ours(Path(args.db), Path(args.out), years)
    elif args.phase == "export-raw":
        result = phase_export_raw(Path(args.db), Path(args.out), years)
    elif args.phase == "make-import":
        result = phase_make_import_file(Path(args.db), Path(args.out), args.rows)
    elif args.phase == "import-ours":
        result = phase_import_ours(Path(args.db), Path(args.out), dry_run=False)
    elif args.phase == "check-ours":
        result = phase_import_ours(Path(args.db), Path(args.out), dry_run=True)
    elif args.phase == "import-raw":
        result = phase_import_raw(Path(args.out))
    else:
        result = phase_compare(Path(args.db), Path(args.out))
    result["peak_rss_mb"] = peak_rss_mb()  # the whole process's, imports included
    print(json.dumps(result, default=str))
    return 0


# --- the parent ------------------------------------------------------------------------------


def in_child(phase: str, db: Path, out: Path, *extra: str) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, str(db),
               "--out", str(out), *extra]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="a large database (make_large_db.py)")
    parser.add_argument("--rows", type=int, default=10_000, help="funding rows to import")
    parser.add_argument("--year", dest="years", type=int, action="append",
                        help="export only these years (default: every dossier)")  # fmt: skip
    parser.add_argument("--json", type=Path, help="write the results as JSON too")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        return child(args)
    work = Path(tempfile.mkdtemp(prefix="bench-exchange-"))
    extra = [f"--year={y}" for y in args.years or []]
    print(f"Exchange benchmark on {args.db} ({datetime.now():%Y-%m-%d %H:%M}), files in {work}")

    print("1. Export of the programmation…", flush=True)
    ours = in_child("export-ours", args.db, work / "ours.xlsx", *extra)
    raw = in_child("export-raw", args.db, work / "raw.xlsx", *extra)
    print(f"   {ours['dossiers']} dossiers, {ours['funding_rows']} funding rows, "
          f"{ours['sheets']} sheets, {ours['rows']} rows, {ours['cells']} non-empty cells, "
          f"{ours['file_mb']:.1f} MB")  # fmt: skip
    print(f"   ours  {ours['seconds']:7.1f} s (queries {ours['query_seconds']:.1f} s, "
          f"writing {ours['write_seconds']:.1f} s)  peak +{ours['peak_mb']:.0f} MB")
    print(f"   raw   {raw['seconds']:7.1f} s  peak +{raw['peak_mb']:.0f} MB")
    print(f"   ratio {ours['seconds'] / raw['seconds']:.2f} (writing alone "
          f"{ours['write_seconds'] / raw['seconds']:.2f})")  # fmt: skip

    print(f"2. Import of about {args.rows} funding rows into an empty database…", flush=True)
    made = in_child("make-import", args.db, work / "import.xlsx", f"--rows={args.rows}")
    check = in_child("check-ours", args.db, work / "import.xlsx")
    imported = in_child("import-ours", args.db, work / "import.xlsx")
    read = in_child("import-raw", args.db, work / "import.xlsx")
    print(f"   {made['rows']} rows, {made['dossiers']} dossiers, {read['cells']} non-empty cells")
    print(f"   ours, check only (--dry-run)  {check['seconds']:6.1f} s  "
          f"peak +{check['peak_mb']:.0f} MB")  # fmt: skip
    print(f"   ours, checked and written     {imported['seconds']:6.1f} s  "
          f"peak +{imported['peak_mb']:.0f} MB  ({imported['dossiers_created']} dossiers, "
          f"{imported['fundings_created']} funding rows, {imported['errors']} errors)")
    print(f"   raw openpyxl reading          {read['seconds']:6.1f} s  "
          f"peak +{read['peak_mb']:.0f} MB")  # fmt: skip
    print(f"   ratio {imported['seconds'] / read['seconds']:.2f} "
          f"(check only {check['seconds'] / read['seconds']:.2f})")  # fmt: skip

    print("3. Round trip: export the imported database, compare…", flush=True)
    again = in_child("export-ours", Path(imported["database"]), work / "again.xlsx")
    # The import file holds the exchange sheet only: it is compared with the same sheet.
    compared = in_child("compare", work / "import.xlsx", work / "again.xlsx")
    print(f"   exported again in {again['seconds']:.1f} s; {', '.join(compared['sheets'])} "
          f"identical cell for cell: {compared['identical']} "
          f"({compared['differing_rows']} differing rows)")

    results = {
        "database": str(args.db),
        "when": date.today().isoformat(),
        "export": {"ours": ours, "raw": raw, "ratio": ours["seconds"] / raw["seconds"]},
        "import": {
            "file": made,
            "check": check,
            "ours": imported,
            "raw": read,
            "ratio": imported["seconds"] / read["seconds"],
        },
        "round_trip": {"again": again, "compared": compared},
    }
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
