"""Shared ground of the meeting tests (no test here): the demo file, and on it a commission
of January 2027 with five renewed dossiers awaiting an opinion.

The demo holds a planned meeting of the commission « L'accès aux droits et le lien
social » (priority P2) on 19/01/2027. `prepare_commission` renews, through the real
services, the five P2 dossiers of 2026 for 2027 (so that each shows last year's grant),
asks each funder for an amount, sets the 2027 envelopes (the BOP 147 one tight enough
to be exceeded in the meeting) and makes the dossiers « Recevable » or « En instruction ».
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from sqlalchemy import select

from qpvdesk.core.domain.enums import DossierState
from qpvdesk.core.domain.models import BudgetLine, Committee, Dossier, Meeting
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services import dossiers, funding
from qpvdesk.core.services.budget_lines import set_envelope
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.context import AppContext

YEAR = 2027
COMMISSION = "Commission thématique L'accès aux droits et le lien social"
#: The 2026 dossiers of priority P2 renewed for 2027, and what each asks per line code.
RENEWED = {
    "2026-003": {"BOP147": 18_000, "COMMUNE": 11_000},
    "2026-008": {"BOP147": 12_500, "CULTURE": 10_000},
    "2026-013": {"QETE": 14_000, "COMMUNE": 7_000},
    "2026-014": {"BOP147": 6_500, "PDI": 2_800},
    "2026-019": {"BOP147": 6_000, "CAF": 4_600},
}
#: The 2027 envelopes: BOP 147 is tight (35 000 €) so that the last proposal exceeds it.
ENVELOPES = {"BOP147": 35_000, "COMMUNE": 40_000, "CULTURE": 40_000, "QETE": 15_000,
             "PDI": 40_000, "CAF": 40_000}
LINE_NAMES = {
    "COMMUNE": "Droit commun communal",
    "CULTURE": "Actions culturelles en contrat de ville",
    "CAF": "Droit commun CAF",
}


@dataclass(frozen=True)
class Prepared:
    meeting_id: int
    commission_id: int
    dossier_ids: tuple[int, ...]
    #: Line code (ours) → budget line id.
    lines: dict[str, int]


def line_ids(session: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in session.scalars(select(BudgetLine)):
        for code, prefix in LINE_NAMES.items():
            if line.name.startswith(prefix):
                found[code] = line.id
        if line.code in ("BOP147", "QETE", "PDI"):
            found[line.code] = line.id
    assert set(found) == set(ENVELOPES), found
    return found


def prepare_commission(session: Any) -> Prepared:
    """Five renewed P2 dossiers of 2027 awaiting an opinion, and the 2027 envelopes."""
    lines = line_ids(session)
    for code, euros in ENVELOPES.items():
        set_envelope(session, lines[code], YEAR, Money.from_euros(euros))
    commission = session.scalars(select(Committee.id).where(Committee.name == COMMISSION)).one()
    meeting = session.scalars(select(Meeting.id).where(Meeting.committee_id == commission,
                                                       Meeting.state == "planned")).one()
    ids = []
    for index, (reference, asks) in enumerate(RENEWED.items()):
        source = session.scalars(select(Dossier.id).where(Dossier.reference == reference)).one()
        data = dossiers.renewal_input(session, source, year=YEAR)
        dossier_id = dossiers.register_dossier(session, data, today=date(YEAR, 1, 5))
        for code, euros in asks.items():
            funding.upsert_funding(session, dossier_id, lines[code], YEAR,
                                   Money.from_euros(euros), None, None)
        dossiers.change_state(session, dossier_id, DossierState.COMPLETE, today=date(YEAR, 1, 6))
        if index % 2 == 0:
            dossiers.change_state(session, dossier_id, DossierState.UNDER_REVIEW,
                                  today=date(YEAR, 1, 7))
        ids.append(dossier_id)
    session.flush()
    return Prepared(meeting, commission, tuple(ids), lines)


@pytest.fixture(scope="session")
def meeting_demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, made once for the session and copied for each test."""
    path = tmp_path_factory.mktemp("meetings-demo") / "demo.sqlite"
    create_new_database(path, "demo")
    return path


@pytest.fixture
def demo_path(tmp_path: Path, meeting_demo_template: Path) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir()
    target = folder / "demo.sqlite"
    shutil.copyfile(meeting_demo_template, target)
    return target


@pytest.fixture
def context(open_db: Callable[..., Database], demo_path: Path, messenger: Any) -> AppContext:
    return AppContext(open_db(demo_path), messenger)


@pytest.fixture
def prepared(context: AppContext) -> Prepared:
    with context.database.unit_of_work() as session:
        return prepare_commission(session)


# --- driving the widgets as a user would ------------------------------------------------


def type_text(qtbot: Any, widget: QWidget, text: str) -> None:
    """Key presses for *text*; QTest only knows ASCII, so accented letters go as key events."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                         char))


def press(qtbot: Any, window: QWidget, key: Qt.Key,
          modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """One key, to whatever has the focus in *window* (the window itself when nothing has)."""
    target = window.focusWidget() or window
    qtbot.keyClick(target, key, modifier)


def typed(qtbot: Any, window: QWidget, text: str) -> None:
    """Type *text* into the widget that has the focus."""
    target = window.focusWidget()
    assert target is not None
    type_text(qtbot, target, text)


def answer_dialog(qtbot: Any, fill: Callable[[Any], None]) -> Callable[[QDialog], bool]:
    """A dialog runner for the page: show it (not modal), fill it, press OK."""

    def run(dialog: QDialog) -> bool:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        fill(dialog)
        dialog.ok_button.click()  # type: ignore[attr-defined]
        return dialog.result() == QDialog.DialogCode.Accepted

    return run


def expected_remaining(path: Path, line_id: int, year: int, counted: dict[int, int]) -> int:
    """What remains in an envelope, computed apart (raw SQL): the envelope less what every
    funding row of the line and year takes, *counted* replacing it for the rows it names."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        envelope = connection.execute(
            "SELECT amount FROM envelope WHERE budget_line_id = ? AND year = ?",
            (line_id, year)).fetchone()[0]
        rows = connection.execute(
            "SELECT id, COALESCE(granted, proposed, 0) FROM funding "
            "WHERE budget_line_id = ? AND year = ?", (line_id, year)).fetchall()
    connection.close()
    return int(envelope) - sum(counted.get(row_id, int(taken)) for row_id, taken in rows)
