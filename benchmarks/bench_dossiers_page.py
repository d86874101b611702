"""The Dossiers page on a large file: open (load + first paint), type a word, sort, reload.

Usage: .venv/bin/python benchmarks/bench_dossiers_page.py LARGE.sqlite [RUNS]
(LARGE.sqlite from benchmarks/make_large_db.py; opened read-only, offscreen).
"""

import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_programmation import peak_rss_mb
from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtWidgets import QApplication

from qpvdesk.core.services.dossier_list import dossier_rows, filter_options
from qpvdesk.core.storage.database import open_database
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.dossiers import dossier_table_model as m
from qpvdesk.ui.dossiers.dossiers_screen import DossiersScreen

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
app = QApplication([])

path = Path(sys.argv[1])
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
scratch = Path(tempfile.mkdtemp(prefix="qpvdesk-bench-"))
db = open_database(path, read_only=True, working_copies=scratch / "wc")
ctx = AppContext(db)


def paint(screen):
    # Force a full synchronous paint of the table's viewport (first paint).
    screen.view.table.viewport().repaint()
    app.processEvents()


results = {}


def record(name, seconds):
    results.setdefault(name, []).append(seconds * 1000)


SORTED = (
    (m.COLUMN_HOLDER, "holder"),
    (m.COLUMN_REQUESTED, "requested"),
    (m.COLUMN_ACTION, "action"),
    (m.COLUMN_STATE, "state"),
)


def type_and_sort(screen, scope, order, columns):
    """Type three searches, clear it, then sort on each of *columns*; back to the reference."""
    for word in ("jardin", "ja", "jardin asso"):
        screen.view.search_edit.setText(word)
        t0 = time.perf_counter()
        screen.apply_search()
        paint(screen)
        record(f"type «{word}» ({scope})", time.perf_counter() - t0)
    screen.view.search_edit.setText("")
    screen.apply_search()
    paint(screen)
    for column, name in columns:
        t0 = time.perf_counter()
        screen.view.table.sortByColumn(column, order)
        paint(screen)
        record(f"sort {name} ({scope})", time.perf_counter() - t0)
    screen.view.table.sortByColumn(m.COLUMN_REFERENCE, Qt.SortOrder.AscendingOrder)
    paint(screen)


print(f"start RSS {peak_rss_mb():.0f} MB")
screens = []
for run in range(runs):
    ini = str(scratch / f"bench-{run}.ini")
    settings = QSettings(ini, QSettings.Format.IniFormat)
    t0 = time.perf_counter()
    s = DossiersScreen(ctx, settings)
    s.resize(1180, 760)
    t1 = time.perf_counter()
    s.show()
    s.view.table.viewport().repaint()
    t2 = time.perf_counter()
    app.processEvents()
    t3 = time.perf_counter()
    assert s.options_ready
    record("construct the page (at window creation)", t1 - t0)
    record("open, current year: load + first paint", t2 - t1)
    record("open, current year: filter options after paint", t3 - t2)
    if run == 0:
        print(f"after first open RSS {peak_rss_mb():.0f} MB")
    shown_year = s.model.rowCount()
    # Typing a word: "jardin" (apply_search is what the 150 ms timer calls), then sorts.
    table = s.view.table
    type_and_sort(s, "year", Qt.SortOrder.DescendingOrder, SORTED)
    # All years: clear the filters
    t0 = time.perf_counter()
    s.clear_filters()
    paint(s)
    record("clear filters → all years (load 50 000 + paint)", time.perf_counter() - t0)
    all_rows = s.model.rowCount()
    if run == 0:
        print(f"after loading all years RSS {peak_rss_mb():.0f} MB")
    type_and_sort(s, "all years", Qt.SortOrder.AscendingOrder,
                  (*SORTED, (m.COLUMN_UPDATED, "updated")))
    # Reload after a change (topic programmation), everything loaded, list unchanged
    table.selectRow(25000)
    table.scrollTo(s.model.index(25000, 0))
    paint(s)
    t0 = time.perf_counter()
    ctx.changed.emit(frozenset({"programmation"}))
    paint(s)
    record("reload after a change (all years, selection kept)", time.perf_counter() - t0)
    assert s.current_id() is not None
    # Open with all years remembered (a second screen on the same settings)
    if run == 0:
        print(f"after sorts and reload RSS {peak_rss_mb():.0f} MB")
    s.hide()
    s.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    del s
    gc.collect()
    s2 = DossiersScreen(ctx, settings)
    s2.resize(1180, 760)
    t0 = time.perf_counter()
    s2.show()
    s2.view.table.viewport().repaint()
    record("open, all years remembered: load + first paint", time.perf_counter() - t0)
    app.processEvents()
    s2.hide()
    s2.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    del s2
    gc.collect()
    now_kb = Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]
    print(f"run {run}: RSS now {now_kb} kB, peak {peak_rss_mb():.0f} MB, "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip

# The floor: the core alone, same run (warm).
for _ in range(3):
    t0 = time.perf_counter()
    ctx.read(lambda se: dossier_rows(se, {2026}))
    record("core dossier_rows(2026)", time.perf_counter() - t0)
    t0 = time.perf_counter()
    ctx.read(lambda se: dossier_rows(se))
    record("core dossier_rows(all)", time.perf_counter() - t0)
    t0 = time.perf_counter()
    ctx.read(filter_options)
    record("core filter_options", time.perf_counter() - t0)
print(f"rows: current year {shown_year}, all years {all_rows}")
for name, values in results.items():
    print(f"{name:55s} median {statistics.median(values):7.1f} ms  "
          f"(min {min(values):6.1f}, max {max(values):6.1f})")  # fmt: skip
print(f"peak RSS {peak_rss_mb():.0f} MB")
db.close()
