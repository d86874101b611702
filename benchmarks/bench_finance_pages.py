"""Opening the Financements page and the dashboard on a large file (offscreen).

Usage: .venv/bin/python benchmarks/bench_finance_pages.py LARGE.sqlite [YEAR]
(LARGE.sqlite from benchmarks/make_large_db.py).
"""

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from bench_programmation import peak_rss_mb
from PySide6.QtWidgets import QApplication, QLabel, QStackedWidget

from qpvdesk.core.services.dashboard import dashboard
from qpvdesk.core.services.finance import finance_table
from qpvdesk.core.storage.database import open_database
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.dashboard.dashboard_screen import DashboardScreen
from qpvdesk.ui.finance.finance_screen import CATALOGUE, LINES, OBJECTIVES, FinanceScreen

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
app = QApplication([])
db = open_database(Path(sys.argv[1]), backup_on_open=False)
ctx = AppContext(db)
YEAR = int(sys.argv[2]) if len(sys.argv) > 2 else 2026
RUNS = 5


def ms(t):
    return round(t * 1000, 1)


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def show(label, values):
    print(f"{label:70s} median {ms(statistics.median(values)):7.1f} ms  "
          f"(min {ms(min(values))}, max {ms(max(values))})")  # fmt: skip


def median(label, fn, runs=RUNS):
    show(label, [timed(fn) for _ in range(runs)])


stack = QStackedWidget()
stack.resize(1280, 800)
blank = QLabel("autre page")
stack.addWidget(blank)
stack.show()
app.processEvents()


# Financements: a page built at start-up, then opened (query + model fill + first paint).
def open_finance():
    page = FinanceScreen(ctx)
    stack.addWidget(page)
    t = time.perf_counter()
    stack.setCurrentWidget(page)  # showEvent: years + finance_table + model + expand
    page.repaint()  # first paint, synchronous
    elapsed = time.perf_counter() - t
    stack.setCurrentWidget(blank)
    stack.removeWidget(page)
    page.deleteLater()
    app.processEvents()
    return elapsed


values = [open_finance() for _ in range(RUNS)]
show(f"Financements: open page on {YEAR} (query + fill + first paint)", values)

page = FinanceScreen(ctx)
stack.addWidget(page)
stack.setCurrentWidget(page)
page.repaint()
page.set_year(YEAR)
years = [2025, 2027, 2024, 2028, 2026]
it = iter(years * 3)
median(
    "Financements: change year (query + fill + paint)",
    lambda: (page.set_year(next(it)), page.repaint()),
)


def tab(i):
    def run():
        page.view.tabs.setCurrentIndex(LINES)
        page.repaint()
        for key in page._stale:
            page._stale[key] = True
        t = time.perf_counter()
        page.view.tabs.setCurrentIndex(i)
        page.repaint()
        return time.perf_counter() - t

    return run


for name, i in (("Par objectif", OBJECTIVES), ("Lignes budgétaires et enveloppes", CATALOGUE)):
    values = [tab(i)() for _ in range(RUNS)]
    show(f"Financements: open tab « {name} »", values)
stack.setCurrentWidget(blank)
app.processEvents()


# Dashboard.
def open_dashboard():
    page = DashboardScreen(ctx)
    stack.addWidget(page)
    t = time.perf_counter()
    stack.setCurrentWidget(page)
    page.repaint()
    elapsed = time.perf_counter() - t
    n = page.due_model.item_count()
    stack.setCurrentWidget(blank)
    stack.removeWidget(page)
    page.deleteLater()
    app.processEvents()
    return elapsed, n


results = [open_dashboard() for _ in range(RUNS)]
values = [r[0] for r in results]
show(f"Dashboard: open page (queries + fill + first paint), {results[0][1]} due items", values)

page = DashboardScreen(ctx)
stack.addWidget(page)
stack.setCurrentWidget(page)
page.repaint()
it2 = iter([2025, 2027, 2024, 2028, 2026] * 3)
median(
    "Dashboard: change year (figures; due items kept)",
    lambda: (page.set_year(next(it2)), page.repaint()),
)
stack.setCurrentWidget(blank)
app.processEvents()

# The same without Qt: what the core costs.
median("core only: finance_table(2026)", lambda: ctx.read(lambda s: finance_table(s, YEAR)))
median(
    "core only: dashboard(2026, today)",
    lambda: ctx.read(lambda s: dashboard(s, YEAR, date.today())),
)
print(f"peak RSS {peak_rss_mb():.0f} MB")
db.close()
