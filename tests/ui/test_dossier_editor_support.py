"""Fixtures and gestures shared by the dossier editor tests (no test of its own)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QWidget

from qpvdesk.core.domain.enums import ObjectiveLevel
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.budget_lines import budget_line_rows
from qpvdesk.core.services.dossiers import BudgetEntryInput, DossierInput, register_dossier
from qpvdesk.core.services.framework import objective_rows
from qpvdesk.core.services.partners import OrganisationInput, create_organisation
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.dossiers.editor import DossierEditor, dossier_editors, show_dossier_editor
from qpvdesk.ui.dossiers.editor_budget import PLANNED, BudgetTable


@pytest.fixture
def dossier_context(open_db: Callable[..., Database], db_path: Path,
            messenger: Any) -> Iterator[AppContext]:
    """The application context on a fresh built-in file; editors left open are closed."""
    ctx = AppContext(open_db(db_path), messenger)
    yield ctx
    for editor in dossier_editors(ctx):
        editor.force_close()


@pytest.fixture
def editor_parent(qtbot: Any, dossier_context: AppContext) -> QWidget:
    """What the editors hang from (the main window in the application)."""
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def open_dossier(qtbot: Any, dossier_context: AppContext,
                editor_parent: QWidget) -> Callable[..., DossierEditor]:
    def opener(dossier_id: int | None, year: int | None = None) -> DossierEditor:
        editor = show_dossier_editor(dossier_context, editor_parent, dossier_id, year=year)
        qtbot.waitExposed(editor)
        return editor

    return opener


def objective_id(dossier_context: AppContext, code: str) -> int:
    rows = dossier_context.read(objective_rows)
    return next(r.id for r in rows if r.code == code and r.level is ObjectiveLevel.OPERATIONAL)


def line_id(dossier_context: AppContext, text: str) -> int:
    rows = dossier_context.read(budget_line_rows)
    return next(r.id for r in rows if text in r.name or text == r.code)


def make_holder(dossier_context: AppContext, name: str = "Association Les Jardins du Ronel") -> int:
    return dossier_context.write(lambda s: create_organisation(s, OrganisationInput(name=name)),
                         {"partners"})


def make_dossier(dossier_context: AppContext, *, year: int = 2025, title: str = "Atelier vélo",
                 holder: int | None = None, **fields: Any) -> int:
    """A dossier registered through the services (not recorded for undo)."""
    data = DossierInput(
        holder_id=holder if holder is not None else make_holder(dossier_context),
        action_title=title,
        objective_id=objective_id(dossier_context, "P3.2.2"),
        total_cost=Money.from_euros(10_000),
        year=year,
        received_on=date(year, 1, 20),
        budget=(BudgetEntryInput("606", Money.from_euros(4_000)),
                BudgetEntryInput("641", Money.from_euros(6_000)),
                BudgetEntryInput("74-ETAT", Money.from_euros(7_000), "BOP 147"),
                BudgetEntryInput("74-COMMUNE", Money.from_euros(3_000))),
        **fields,
    )
    return dossier_context.write(lambda s: register_dossier(s, data, today=date(year, 1, 20)),
                         {"programmation"})


def pick(combo: QComboBox, text: str) -> None:
    """Choose, as from the list, the first entry containing *text*."""
    for index in range(combo.count()):
        if text in combo.itemText(index):
            combo.setCurrentIndex(index)
            return
    raise AssertionError(f"no entry with {text!r} in {combo.objectName()}")


def budget_row(table: BudgetTable, account: str) -> int:
    return next(row for row in range(table.rowCount()) if table.account_at(row) == account)


def type_budget(qtbot: Any, table: BudgetTable, account: str, text: str,
                column: int = PLANNED) -> None:
    """Select the cell and type into it, Enter to commit, as a user would."""
    from PySide6.QtWidgets import QApplication, QLineEdit

    show_tab_of(table)
    row = budget_row(table, account)
    table.setFocus()
    table.setCurrentCell(row, column)
    item = table.item(row, column)
    if item is not None and item.text():
        qtbot.keyClick(table, Qt.Key.Key_Delete)  # nothing bound: typing replaces anyway
    qtbot.keyClicks(table, text[0])  # the first key opens the cell's editor…
    editor = QApplication.focusWidget()
    if not isinstance(editor, QLineEdit):  # the window is not the active one
        editor = next((child for child in table.viewport().findChildren(QLineEdit)
                       if child.isVisible()), None)
    assert isinstance(editor, QLineEdit), editor
    qtbot.keyClicks(editor, text[1:])  # …which takes the rest
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits Enter through a queued call.
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState)


def click(qtbot: Any, button: QWidget) -> None:
    assert button.isEnabled() and button.isVisible(), button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_text(qtbot: Any, widget: QWidget, text: str) -> None:
    """Type *text* into a line or text edit (QTest only types ASCII: the rest is inserted)."""
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

    widget.setFocus()
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        elif isinstance(widget, QLineEdit):
            widget.insert(char)
        elif isinstance(widget, QPlainTextEdit):
            widget.insertPlainText(char)
        else:
            raise AssertionError(f"cannot type {char!r} into {widget}")


def show_tab_of(widget: QWidget) -> None:
    """Bring forward the editor tab holding *widget*, as a click on its tab would."""
    from PySide6.QtWidgets import QTabWidget

    page: QWidget | None = widget
    while page is not None:
        holder = page.parentWidget()
        tabs = holder.parentWidget() if holder is not None else None
        if isinstance(tabs, QTabWidget) and tabs.indexOf(page) >= 0:
            tabs.setCurrentWidget(page)
            return
        page = holder
