"""Benchmark of the Dossiers list and the Financements page: ``bench_programmation.py DB``.

Times what the screens ask of the core on a large database (make it with
``make_large_db.py``): loading the dossier list, filtering it by a typed word,
sorting it on three columns, the Financements queries for a year — and, in the
same run, the raw ``sqlite3`` equivalent of the list query (the floor, as
``performance.md`` asks: our code is judged as a ratio to it). Median of 5 runs,
wall clock; peak memory (RSS) of the process from ``resource``.

Run from the project root::

    .venv/bin/python benchmarks/bench_programmation.py /tmp/large.sqlite
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from qpvdesk.core.domain.enums import DossierState, FundingNature
from qpvdesk.core.services import dashboard, dossier_list, finance
from qpvdesk.core.storage.database import Database, open_database

RUNS = 5
TARGET_MS = 200.0
TARGET_MB = 400.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def median_of(
    fn: Callable[[], Any], runs: int = RUNS, before: Callable[[], None] | None = None
) -> tuple[float, Any]:
    """Median wall-clock milliseconds of *runs* calls, and the last result."""
    times = []
    result: Any = None
    for _ in range(runs):
        if before is not None:
            before()
        result = None
        gc.collect()
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


# --- the raw sqlite3 floor -------------------------------------------------------------------


def raw_list(connection: sqlite3.Connection, years: list[int] | None = None) -> int:
    """The same five statements as `dossier_rows`, fetched with sqlite3 and nothing else."""
    lines = connection.execute("SELECT id, funder_id, nature FROM budget_line").fetchall()
    pairs = sorted({(funder, nature) for _, funder, nature in lines})
    bit = {pair: 1 << index for index, pair in enumerate(pairs)}
    case = " ".join(f"WHEN {line} THEN {bit[(f, n)]}" for line, f, n in lines)
    year_filter = "" if years is None else f" AND d.year IN ({', '.join(map(str, years))})"
    join = "" if years is None else " JOIN dossier d ON d.id = f.dossier_id"
    connection.execute(
        "SELECT o.id, o.name FROM organisation o WHERE o.id IN "
        f"(SELECT DISTINCT d.holder_id FROM dossier d WHERE 1=1{year_filter})"
    ).fetchall()
    connection.execute("SELECT id, code FROM objective").fetchall()
    connection.execute(
        "SELECT f.dossier_id, coalesce(sum(f.requested), 0), coalesce(sum(f.proposed), 0), "
        f"coalesce(sum(f.granted), 0), sum(DISTINCT CASE f.budget_line_id {case} END) "
        f"FROM funding f{join} WHERE f.dossier_id IS NOT NULL{year_filter} "
        "GROUP BY f.dossier_id"
    ).fetchall()
    rows = connection.execute(
        "SELECT d.id, d.reference, d.year, d.sequence, d.holder_id, a.title, d.objective_id, "
        "d.total_cost, d.state, d.updated_at, d.search_text, "
        "CASE WHEN c.closes_on IS NOT NULL AND d.received_on > c.closes_on THEN 1 ELSE 0 END "
        "FROM dossier d JOIN action a ON a.id = d.action_id "
        f"LEFT OUTER JOIN call_for_projects c ON c.id = d.call_id WHERE 1=1{year_filter} "
        "ORDER BY d.year, d.sequence"
    ).fetchall()
    return len(rows)


# --- the run ---------------------------------------------------------------------------------


class Bench:
    def __init__(self, database: Database, path: Path) -> None:
        self.database = database
        self.path = path
        self.results: list[dict[str, Any]] = []

    def record(self, name: str, ms: float, detail: str = "", target: bool = True) -> None:
        verdict = ("ok" if ms < TARGET_MS else "OVER") if target else ""
        self.results.append({"name": name, "ms": round(ms, 1), "detail": detail, "ok": verdict})
        print(f"  {name:<52} {ms:8.1f} ms  {verdict:<4} {detail}", flush=True)

    def in_session(self, fn: Callable[[Any], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with self.database.read() as session:
                return fn(session)

        return run


def run(path: Path, year: int | None, word: str, runs: int = RUNS) -> dict[str, Any]:
    rss_start = peak_rss_mb()

    def measure(
        fn: Callable[[], Any], before: Callable[[], None] | None = None
    ) -> tuple[float, Any]:
        return median_of(fn, runs, before)

    database = open_database(path, read_only=True, backup_on_open=False)
    bench = Bench(database, path)
    raw = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        with database.read() as session:
            options = dossier_list.filter_options(session)
        years = sorted(options.years)
        if year is None:
            today = date.today().year
            year = max((y for y in years if y <= today), default=years[-1])
        print(f"{path} — {len(years)} years {years[0]}–{years[-1]}, current year {year}")

        print("Dossiers list")
        raw_ms, raw_count = measure(lambda: raw_list(raw))
        bench.record("raw sqlite3 equivalent, all dossiers", raw_ms, f"{raw_count} rows", False)
        load_ms, rows = measure(bench.in_session(dossier_list.dossier_rows))
        bench.record(
            "dossier_rows(), all dossiers",
            load_ms,
            f"{len(rows)} rows, x{load_ms / raw_ms:.2f} raw",
        )
        raw_year_ms, _ = measure(lambda: raw_list(raw, [year]))
        bench.record(f"raw sqlite3 equivalent, {year}", raw_year_ms, "", False)
        year_ms, year_rows = measure(
            bench.in_session(lambda s: dossier_list.dossier_rows(s, {year}))
        )
        bench.record(
            f"dossier_rows(years={{{year}}})",
            year_ms,
            f"{len(year_rows)} rows, x{year_ms / raw_year_ms:.2f} raw",
        )
        rss_rows = peak_rss_mb()

        print("Filtering (DossierFilter.apply on every row)")
        for text in (word, word[:2], f"{word} asso"):
            typed = dossier_list.DossierFilter(text=text)
            ms, found = measure(functools.partial(typed.apply, rows))
            bench.record(f"typed « {text} »", ms, f"{len(found)} rows")
        combined = dossier_list.DossierFilter(
            years=frozenset({year}),
            states=frozenset({DossierState.UNDER_REVIEW, DossierState.OPINION_GIVEN}),
            funder_ids=frozenset({options.funders[0].value}) if options.funders else frozenset(),
            natures=frozenset({FundingNature.SPECIFIC}),
        )
        ms, found = measure(lambda: combined.apply(rows))
        bench.record("year + 2 states + funder + nature", ms, f"{len(found)} rows")

        print("Sorting (sort_rows with SORT_KEYS, all rows)")
        for column in ("holder", "requested", "state"):
            ms, _ = measure(
                functools.partial(dossier_list.sort_rows, rows, column, descending=True),
                before=dossier_list.text_sort_key.cache_clear,
            )
            bench.record(f"sort on « {column} » (cold key cache)", ms)
        ms, _ = measure(
            lambda: dossier_list.sort_rows(rows, "action"),
            before=dossier_list.text_sort_key.cache_clear,
        )
        bench.record("sort on « action » (cold key cache)", ms)
        ms, _ = measure(lambda: dossier_list.sort_rows(rows, "action"))
        bench.record("sort on « action » again (warm key cache)", ms)

        print(f"Financements {year}")
        table_ms, table = measure(bench.in_session(lambda s: finance.finance_table(s, year)))
        bench.record("finance_table()", table_ms, f"{len(table.rows)} lines")
        objective_ms, objectives = measure(
            bench.in_session(lambda s: finance.finance_by_objective(s, year))
        )
        bench.record("finance_by_objective()", objective_ms, f"{len(objectives)} rows")
        bench.record("opening the page (both)", table_ms + objective_ms)
        line = max(table.rows, key=lambda row: row.requested.cents)
        ms, ids = measure(
            bench.in_session(
                lambda s: finance.dossiers_behind(s, year, budget_line_id=line.budget_line_id)
            )
        )
        bench.record("dossiers_behind(line)", ms, f"{len(ids)} dossiers")
        priority = objectives[0]
        ms, ids = measure(
            bench.in_session(
                lambda s: finance.dossiers_behind(s, year, objective_id=priority.objective_id)
            )
        )
        bench.record(f"dossiers_behind(priority {priority.code})", ms, f"{len(ids)} dossiers")

        print("Tableau de bord")
        ms, board = measure(
            bench.in_session(lambda s: dashboard.dashboard(s, year, date(year, 6, 1)))
        )
        bench.record("dashboard() with due items", ms, f"{board.due_count} items due", False)
    finally:
        raw.close()
        database.close()
    peak = peak_rss_mb()
    print(
        f"Peak RSS {peak:.0f} MB (at start {rss_start:.0f} MB, after loading the rows "
        f"{rss_rows:.0f} MB) — target {TARGET_MB:.0f} MB: {'ok' if peak < TARGET_MB else 'OVER'}"
    )
    return {
        "database": str(path),
        "year": year,
        "dossiers": len(rows),
        "results": bench.results,
        "peak_rss_mb": round(peak, 1),
        "rss_after_rows_mb": round(rss_rows, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="a qpvdesk database (see make_large_db.py)")
    parser.add_argument("--year", type=int, default=None, help="the year of the Financements")
    parser.add_argument("--word", default="jardin", help="the word typed in the search box")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--runs", type=int, default=RUNS, help="runs of each measure (median)")
    args = parser.parse_args(argv)
    summary = run(args.db, args.year, args.word, max(1, args.runs))
    if args.json is not None:
        args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    over = [r["name"] for r in summary["results"] if r["ok"] == "OVER"]
    if over:
        print(f"Over {TARGET_MS:.0f} ms: {', '.join(over)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
