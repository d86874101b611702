"""Every speed and size figure in one table: ``run.py DB [--runs K] [--markdown FILE] [--quick]``.

On a large database (``make_large_db.py DB --dossiers 50000``) it measures each step a
user waits for, and beside it the raw library doing the same work **in the same run**:

| step | raw counterpart | target |
|---|---|---|
| cold start to a shown window (Xvfb) | a bare PySide6 ``QMainWindow`` started the same way | ×1.3 |
| Dossiers list: open, type, sort | raw sqlite3: same query, ``LIKE``, ``ORDER BY`` | 200 ms |
| Financements: open a year | the same sums in raw sqlite3 | 200 ms |
| Tableau de bord | (none: figures and due items) | 200 ms |
| meeting mode: record one decision, commit included | raw sqlite3 INSERTs + COMMIT | 200 ms |
| relevé de décision of 300 decisions | raw ReportLab laying out the same table | ×1.3 |
| export of the programmation (a year, all years) | raw openpyxl ``write_only``, same cells | ×1.5 |
| import of 10 000 funding rows | raw openpyxl ``read_only`` reading the file | ×2 |
| backup | ``sqlite3.Connection.backup`` to a file | ×1.2 |

and every step's process stays under 400 MB. Each group of steps runs in its own child
process; its memory is that process's **peak RSS** (``ru_maxrss`` from ``wait4`` for the
windows, ``getrusage`` in the child otherwise), imports and all. Times are medians of
``--runs`` (default 5) wall-clock runs, but the exports and the import run once each (the
all-years export takes minutes); ``--quick`` skips the all-years export.

The measuring code is the other scripts' (``bench_programmation``, ``bench_exchange``,
``bench_decision_record``); this one drives them and adds the start, the meeting mode and
the backup. Run from the project root::

    .venv/bin/python benchmarks/run.py /tmp/large.sqlite --markdown docs/performance.md
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import bench_exchange
import bench_programmation
from bench_programmation import median_of, peak_rss_mb
from bench_startup import MARKER, READY_MARKER, start_times, xvfb

ROOT = Path(__file__).resolve().parents[1]
INTERACTIVE_MS = 200.0
MEMORY_MB = 400.0
@dataclass
class Step:
    """One line of the table: our time beside the raw library's, and the target."""

    group: str
    name: str
    ours_ms: float
    raw_name: str = ""
    raw_ms: float | None = None
    target_ms: float | None = None  # an absolute target…
    target_ratio: float | None = None  # …or a ratio to the raw library
    peak_mb: float | None = None
    detail: str = ""

    @property
    def ratio(self) -> float | None:
        return None if not self.raw_ms else self.ours_ms / self.raw_ms

    @property
    def passed(self) -> bool | None:
        if self.target_ratio is not None and self.ratio is not None:
            ok = self.ratio <= self.target_ratio
        elif self.target_ms is not None:
            ok = self.ours_ms < self.target_ms
        else:
            return None
        return ok and (self.peak_mb is None or self.peak_mb < MEMORY_MB)


# --- the child phases ---------------------------------------------------------------------------


def current_year(connection: sqlite3.Connection) -> int:
    years = [row[0] for row in connection.execute("SELECT DISTINCT year FROM dossier")]
    today = date.today().year
    return max((y for y in years if y <= today), default=max(years))


def phase_list(db: Path, runs: int) -> list[Step]:
    """The Dossiers list in the core: load all, load a year, type a word, sort."""
    from qpvdesk.core.services import dossier_list
    from qpvdesk.core.storage.database import open_database

    raw = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    database = open_database(db, read_only=True, backup_on_open=False)
    steps = []
    try:
        year = current_year(raw)

        def read(fn: Callable[[Any], Any]) -> Callable[[], Any]:
            def run() -> Any:
                with database.read() as session:
                    return fn(session)

            return run

        raw_ms, _ = median_of(lambda: bench_programmation.raw_list(raw), runs)
        ours_ms, rows = median_of(read(dossier_list.dossier_rows), runs)
        steps.append(Step("Dossiers", f"open, all {len(rows)} dossiers (dossier_rows)",
                          ours_ms, "sqlite3, same statements", raw_ms,
                          INTERACTIVE_MS))  # fmt: skip
        raw_ms, _ = median_of(lambda: bench_programmation.raw_list(raw, [year]), runs)
        ours_ms, year_rows = median_of(read(lambda s: dossier_list.dossier_rows(s, {year})), runs)
        steps.append(Step("Dossiers", f"open, {year} ({len(year_rows)} dossiers)", ours_ms,
                          "sqlite3, same statements", raw_ms, INTERACTIVE_MS))  # fmt: skip
        word = "jardin"
        typed = dossier_list.DossierFilter(text=word)
        ours_ms, found = median_of(lambda: typed.apply(rows), runs)
        raw_ms, _ = median_of(
            lambda: raw.execute(
                "SELECT id FROM dossier WHERE search_text LIKE ? ORDER BY year, sequence",
                (f"%{word}%",),
            ).fetchall(),
            runs,
        )
        steps.append(Step("Dossiers", f"type « {word} », all years ({len(found)} found)",
                          ours_ms, "sqlite3 LIKE on search_text", raw_ms,
                          INTERACTIVE_MS))  # fmt: skip
        for column, query in (
            ("holder", "SELECT d.id FROM dossier d JOIN organisation o ON o.id = d.holder_id "
                       "ORDER BY o.search_name DESC"),
            ("action", "SELECT d.id FROM dossier d JOIN action a ON a.id = d.action_id "
                       "ORDER BY a.title DESC"),
            ("requested", "SELECT dossier_id FROM funding GROUP BY dossier_id "
                          "ORDER BY sum(requested) DESC"),
        ):  # fmt: skip
            ours_ms, _ = median_of(
                lambda column=column: dossier_list.sort_rows(rows, column, descending=True),
                runs,
                before=dossier_list.text_sort_key.cache_clear,
            )
            raw_ms, _ = median_of(lambda query=query: raw.execute(query).fetchall(), runs)
            steps.append(Step("Dossiers", f"sort all on « {column} »", ours_ms,
                              "sqlite3 ORDER BY", raw_ms, INTERACTIVE_MS))  # fmt: skip
    finally:
        raw.close()
        database.close()
    return steps


RAW_FINANCE = [
    "SELECT f.budget_line_id, sum(f.requested), sum(f.proposed), sum(f.granted), count(*) "
    "FROM funding f WHERE f.year = :year GROUP BY f.budget_line_id",
    "SELECT f.budget_line_id, sum(p.amount) FROM payment p JOIN funding f ON f.id = p.funding_id "
    "WHERE f.year = :year AND p.paid_on IS NOT NULL GROUP BY f.budget_line_id",
    "SELECT budget_line_id, amount FROM envelope WHERE year = :year",
    "SELECT o.parent_id, sum(f.requested), sum(f.proposed), sum(f.granted) FROM funding f "
    "JOIN dossier d ON d.id = f.dossier_id JOIN objective o ON o.id = d.objective_id "
    "WHERE f.year = :year GROUP BY o.parent_id",
    "SELECT o.parent_id, sum(p.amount) FROM payment p JOIN funding f ON f.id = p.funding_id "
    "JOIN dossier d ON d.id = f.dossier_id JOIN objective o ON o.id = d.objective_id "
    "WHERE f.year = :year AND p.paid_on IS NOT NULL GROUP BY o.parent_id",
]


def phase_finance(db: Path, runs: int) -> list[Step]:
    """The Financements page's queries and the dashboard's, in the core."""
    from qpvdesk.core.services import dashboard, finance
    from qpvdesk.core.storage.database import open_database

    raw = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    database = open_database(db, read_only=True, backup_on_open=False)
    try:
        year = current_year(raw)

        def ours() -> Any:
            with database.read() as session:
                return finance.finance_table(session, year), finance.finance_by_objective(
                    session, year
                )

        ours_ms, _ = median_of(ours, runs)
        raw_ms, _ = median_of(
            lambda: [raw.execute(q, {"year": year}).fetchall() for q in RAW_FINANCE], runs
        )

        def board() -> Any:
            with database.read() as session:
                return dashboard.dashboard(session, year, date(year, 6, 1))

        board_ms, result = median_of(board, runs)
    finally:
        raw.close()
        database.close()
    return [
        Step("Financements", f"open {year}: table + per objective", ours_ms,
             "sqlite3, the same sums", raw_ms, INTERACTIVE_MS),
        Step("Tableau de bord", f"dashboard({year}), {result.due_count} items due", board_ms,
             target_ms=INTERACTIVE_MS),
    ]  # fmt: skip


def phase_meeting(db: Path, runs: int) -> list[Step]:
    """Meeting mode on the open meeting: one opinion confirmed (Enter), commit included."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from qpvdesk.core.domain.enums import Opinion
    from qpvdesk.core.storage.database import open_database
    from qpvdesk.ui.context import AppContext
    from qpvdesk.ui.meetings.meeting_mode import MeetingModeWindow

    app = QApplication.instance() or QApplication([])
    scratch = Path(tempfile.mkdtemp(prefix="bench-meeting-"))
    copy = scratch / "seance.sqlite"
    shutil.copy(db, copy)
    raw = sqlite3.connect(copy, isolation_level=None)
    # The same connection settings as the application's (make_engine), audit triggers and
    # their hash chain included.
    from qpvdesk.core.storage.engine import configure_connection

    configure_connection(raw, user="bench")
    (meeting_id,) = raw.execute("SELECT id FROM meeting WHERE state = 'planned'").fetchone()
    points = raw.execute(
        "SELECT i.position, i.id, i.dossier_id FROM agenda_item i WHERE i.meeting_id = ? "
        "ORDER BY i.position", (meeting_id,)
    ).fetchall()  # fmt: skip
    if len(points) < 2 * runs:
        raise SystemExit(f"the open meeting has {len(points)} points: fewer than 2 × {runs}")
    database = open_database(copy, backup_on_open=False)
    context = AppContext(database)
    window = MeetingModeWindow(context, meeting_id)
    window.resize(1300, 820)
    window.show()
    app.processEvents()
    ours: list[float] = []
    try:
        for position, _item, _dossier in points[:runs]:
            window.go_to(position)
            app.processEvents()
            window.set_opinion(Opinion.FAVOURABLE)
            started = time.perf_counter()
            saved = window.confirm_entry()
            window.repaint()
            ours.append((time.perf_counter() - started) * 1000)
            assert saved, "the opinion was not saved"
        window.close()
        app.processEvents()
    finally:
        database.close()

    def raw_decision(item: int, dossier: int, number: int) -> None:
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        raw.execute("BEGIN IMMEDIATE")
        cursor = raw.execute(
            "INSERT INTO decision (meeting_id, agenda_item_id, dossier_id, opinion, text, "
            "position, recorded_at) VALUES (?, ?, ?, 'favourable', NULL, ?, ?)",
            (meeting_id, item, dossier, number, now),
        )
        raw.execute(
            "INSERT INTO decision_amount (decision_id, funding_id, amount) SELECT ?, id, "
            "requested FROM funding WHERE dossier_id = ? AND requested IS NOT NULL",
            (cursor.lastrowid, dossier),
        )
        raw.execute("COMMIT")

    remaining = iter(points[runs : 2 * runs])

    def one_raw() -> None:
        position, item, dossier = next(remaining)
        raw_decision(item, dossier, 100 + position)

    raw_ms, _ = median_of(one_raw, runs)
    raw.close()
    shutil.rmtree(scratch, ignore_errors=True)
    ours.sort()
    return [
        Step("Séance", "meeting mode: confirm one opinion (Enter), commit + refresh",
             ours[len(ours) // 2], "sqlite3 INSERT decision + amounts, COMMIT", raw_ms,
             INTERACTIVE_MS)
    ]  # fmt: skip


def phase_record(db: Path, runs: int) -> list[Step]:
    """The relevé de décision of the largest meeting (the COPIL de programmation)."""
    import bench_decision_record

    from qpvdesk.core.reports.decision_record import decision_record_data, render_decision_record
    from qpvdesk.core.storage.database import open_database

    raw = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    meeting_id, count = raw.execute(
        "SELECT meeting_id, count(*) FROM decision GROUP BY meeting_id ORDER BY 2 DESC LIMIT 1"
    ).fetchone()
    raw.close()
    database = open_database(db, read_only=True, backup_on_open=False)
    try:

        def read() -> Any:
            with database.read() as session:
                return decision_record_data(session, meeting_id, generated_on=date.today())

        read_ms, data = median_of(read, runs)
    finally:
        database.close()
    build_ms, _ = median_of(lambda: render_decision_record(data), runs)
    raw_ms, (_content, pages) = median_of(lambda: bench_decision_record.raw_table(data), runs)
    return [
        Step("Relevé", f"relevé of {count} decisions: read + build", read_ms + build_ms,
             f"ReportLab alone, the same table ({pages} pages)", raw_ms,
             target_ratio=1.3, detail=f"read {read_ms:.0f} ms, build {build_ms:.0f} ms"),
    ]  # fmt: skip


def phase_backup(db: Path, runs: int) -> list[Step]:
    """« Sauvegarder » (verified backup) against the backup API alone."""
    from qpvdesk.core.storage import backups

    scratch = Path(tempfile.mkdtemp(prefix="bench-backup-"))

    def ours() -> None:
        made = backups.create_backup(db, reason="manuelle", dest=scratch)
        made.unlink()

    def raw_backup() -> None:
        target = scratch / "raw.sqlite"
        source = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        destination = sqlite3.connect(target)
        source.backup(destination)
        destination.close()
        source.close()
        target.unlink()

    raw_ms, _ = median_of(raw_backup, runs)
    ours_ms, _ = median_of(ours, runs)
    shutil.rmtree(scratch, ignore_errors=True)
    size = db.stat().st_size / 1024 / 1024
    return [
        Step("Sauvegarde", f"backup of the {size:.0f} MB file (copy, quick_check, fsync)",
             ours_ms, "sqlite3 Connection.backup", raw_ms, target_ratio=1.2)
    ]  # fmt: skip


PHASES: dict[str, Callable[[Path, int], list[Step]]] = {
    "list": phase_list,
    "finance": phase_finance,
    "meeting": phase_meeting,
    "record": phase_record,
    "backup": phase_backup,
}


def child(phase: str, db: Path, runs: int) -> int:
    steps = PHASES[phase](db, runs)
    peak = peak_rss_mb()
    for step in steps:
        step.peak_mb = peak
    print(json.dumps([asdict(step) for step in steps]))
    return 0


def in_child(phase: str, db: Path, runs: int) -> list[Step]:
    print(f"  {phase}…", flush=True)
    command = [sys.executable, str(Path(__file__).resolve()), str(db), "--phase", phase,
               "--runs", str(runs)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{done.stderr}")
    return [Step(**fields) for fields in json.loads(done.stdout.strip().splitlines()[-1])]


# --- the exchange (bench_exchange's own phases) --------------------------------------------------


def exchange_steps(db: Path, quick: bool) -> list[Step]:
    work = Path(tempfile.mkdtemp(prefix="bench-run-exchange-"))
    steps = []
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as raw:
        year = current_year(raw)
    for label, extra in (
        (f"export of {year}", [f"--year={year}"]),
        *([] if quick else [("export of all years", [])]),
    ):
        print(f"  {label}…", flush=True)
        ours = bench_exchange.in_child("export-ours", db, work / "ours.xlsx", *extra)
        plain = bench_exchange.in_child("export-raw", db, work / "raw.xlsx", *extra)
        steps.append(Step("Excel", f"{label}: {ours['dossiers']} dossiers, "
                          f"{ours['funding_rows']} rows, {ours['sheets']} sheets",
                          ours["seconds"] * 1000, "openpyxl write_only, same cells",
                          plain["seconds"] * 1000, target_ratio=1.5,
                          peak_mb=ours["peak_rss_mb"],
                          detail=f"queries {ours['query_seconds']:.1f} s, "
                          f"writing {ours['write_seconds']:.1f} s; raw peak "
                          f"{plain['peak_rss_mb']:.0f} MB"))  # fmt: skip
    print("  import…", flush=True)
    made = bench_exchange.in_child("make-import", db, work / "import.xlsx", "--rows=10000")
    imported = bench_exchange.in_child("import-ours", db, work / "import.xlsx")
    read = bench_exchange.in_child("import-raw", db, work / "import.xlsx")
    steps.append(Step("Excel", f"import of {made['rows']} funding rows "
                      f"({made['dossiers']} dossiers) into an empty file",
                      imported["seconds"] * 1000, "openpyxl read_only, every cell",
                      read["seconds"] * 1000, target_ratio=2.0,
                      peak_mb=imported["peak_rss_mb"],
                      detail=f"{imported['errors']} errors; raw peak "
                      f"{read['peak_rss_mb']:.0f} MB"))  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    return steps


# --- the cold start ---------------------------------------------------------------------------


def start_steps(db: Path, runs: int) -> list[Step]:
    print("  cold start…", flush=True)
    scratch = Path(tempfile.mkdtemp(prefix="bench-start-"))
    copy = scratch / "programmation.sqlite"
    shutil.copy(db, copy)
    with xvfb() as display:
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
               "QPVDESK_REPORT_SHOWN": "1", "XDG_CONFIG_HOME": str(scratch / "config"),
               "XDG_DATA_HOME": str(scratch / "data"), "XDG_STATE_HOME": str(scratch / "state"),
               "XDG_CACHE_HOME": str(scratch / "cache")}  # fmt: skip
        ours_command = [sys.executable, "-m", "qpvdesk", "--db", str(copy)]
        bare_command = [sys.executable, str(ROOT / "benchmarks" / "bare_window.py")]
        ours_markers, bare_markers = [MARKER, READY_MARKER], [MARKER]
        # One launch each first: the backup on opening, the font and disk caches.
        start_times(ours_command, env, ours_markers)
        start_times(bare_command, env, bare_markers)
        ours, bare = [], []
        for _ in range(runs):
            ours.append(start_times(ours_command, env, ours_markers))
            bare.append(start_times(bare_command, env, bare_markers))
    shutil.rmtree(scratch, ignore_errors=True)
    shown_s = sorted(seconds[0] for seconds, _ in ours)[runs // 2]
    ready_s = sorted(seconds[1] for seconds, _ in ours)[runs // 2]
    bare_s = sorted(seconds[0] for seconds, _ in bare)[runs // 2]
    peak = max(peak for _, peak in ours)
    detail = f"bare window peak {max(peak for _, peak in bare):.0f} MB"
    return [
        Step("Démarrage", "cold start to the shown main window (Xvfb)", shown_s * 1000,
             "a bare PySide6 QMainWindow, same launch", bare_s * 1000, target_ratio=1.3,
             peak_mb=peak, detail=detail),
        Step("Démarrage: ready (file open, dashboard painted)",
             "cold start until the file is attached and its first page painted (Xvfb)",
             ready_s * 1000, "a bare PySide6 QMainWindow, same launch", bare_s * 1000,
             target_ratio=None, peak_mb=peak, detail=detail),
    ]  # fmt: skip


# --- the table ------------------------------------------------------------------------------


def figure(ms: float | None) -> str:
    if ms is None:
        return "—"
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.0f} ms"


def table(steps: list[Step]) -> str:
    lines = [
        "| step | ours | raw library (same run) | raw | ratio | target | met | peak RSS |",
        "|---|---:|---|---:|---:|---|---|---:|",
    ]
    for step in steps:
        if step.target_ratio is not None:
            target = f"≤ ×{step.target_ratio:g} raw"
        elif step.target_ms is not None:
            target = f"< {step.target_ms:.0f} ms"
        else:
            target = "—"
        met = {True: "yes", False: "**no**", None: "—"}[step.passed]
        ratio = "—" if step.ratio is None else f"×{step.ratio:.2f}"
        peak = "—" if step.peak_mb is None else f"{step.peak_mb:.0f} MB"
        name = f"{step.group}: {step.name}" + (f" ({step.detail})" if step.detail else "")
        lines.append(
            f"| {name} | {figure(step.ours_ms)} | {step.raw_name or '—'} | "
            f"{figure(step.raw_ms)} | {ratio} | {target} | {met} | {peak} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    import PySide6
    import sqlalchemy
    from PySide6.QtCore import qVersion

    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "pyside6": PySide6.__version__,
        "qt": qVersion(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "load": " ".join(f"{value:.2f}" for value in os.getloadavg()),
    }


def markdown(steps: list[Step], command: str, about: dict[str, str], db: Path,
             counts: dict[str, int]) -> str:  # fmt: skip
    failed = [f"{step.group}: {step.name}" for step in steps if step.passed is False]
    return f"""# Performance: the last measurement

Made by `benchmarks/run.py` (see `benchmarks/README.md`); the numbers below are
replaced each time it runs with `--markdown`.

- **Command:** `{command}`
- **When:** {datetime.now(UTC):%Y-%m-%d %H:%M} UTC
- **Machine:** {about["cpus"]} CPUs ({about["cpu"]}), {about["memory"]} RAM; load average
  at the end of the run: {about["load"]} (other jobs were sharing the machine)
- **Software:** Python {about["python"]}, PySide6 {about["pyside6"]} (Qt {about["qt"]}),
  SQLite {about["sqlite"]}, SQLAlchemy {about["sqlalchemy"]}
- **Data:** `{db.name}`, made by `benchmarks/make_large_db.py {db.name} --dossiers
  {counts["dossiers"]}`: {", ".join(f"{count} {name}" for name, count in counts.items())}

Times are wall-clock medians; each « raw » figure is the bare library doing the same
work in the same run, so the ratio is what holds when the machine is busy. Peak RSS is
the peak resident memory of the child process that ran the step (imports included); the
Excel steps run our side and the raw side in separate children, and the column holds ours.

{table(steps)}

Targets missed: {"; ".join(failed) if failed else "none"}. Why, and what would meet
them: `benchmarks/README.md`, section 5.
"""


def counts_of(db: Path) -> dict[str, int]:
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as raw:
        return {
            name: raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for name, table in (("dossiers", "dossier"), ("funding rows", "funding"),
                                ("organisations", "organisation"), ("meetings", "meeting"),
                                ("decisions", "decision"))
        }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="a large database (make_large_db.py)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each timed step (median)")
    parser.add_argument("--markdown", type=Path, help="write the table and the machine here")
    parser.add_argument("--json", type=Path, help="write the steps as JSON too")
    parser.add_argument("--quick", action="store_true", help="skip the all-years export")
    parser.add_argument("--only", action="append", help="only these groups (development)",
                        choices=["start", *PHASES, "exchange"])  # fmt: skip
    parser.add_argument("--phase", choices=list(PHASES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    runs = max(1, args.runs)
    if args.phase:
        return child(args.phase, args.db, runs)
    wanted = set(args.only or ["start", *PHASES, "exchange"])
    print(f"Benchmark of {args.db} ({runs} runs a step)", flush=True)
    steps: list[Step] = []
    if "start" in wanted:
        steps += start_steps(args.db, runs)
    for phase in PHASES:
        if phase in wanted:
            steps += in_child(phase, args.db, runs)
    if "exchange" in wanted:
        steps += exchange_steps(args.db, args.quick)
    print(table(steps))
    if args.markdown:
        command = " ".join(["benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])])
        args.markdown.write_text(
            markdown(steps, command, machine(), args.db, counts_of(args.db)), encoding="utf-8"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(s) for s in steps], indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
