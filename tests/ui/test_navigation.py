"""Screens ask for a dossier or a set of dossiers; the main window brings them up."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from qpvdesk.core.domain.models import Dossier
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.main_window import MainWindow


def _window(
    make_window: Callable[..., MainWindow], tmp_path: Path
) -> tuple[MainWindow, AppContext]:
    path = tmp_path / "demo.sqlite"
    create_new_database(path, "demo")
    window = make_window(path)
    return window, window.context


def test_a_dossier_asked_for_opens_in_its_editor(
    make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window, context = _window(make_window, tmp_path)
    dossier_id, reference = context.read(
        lambda s: s.execute(select(Dossier.id, Dossier.reference).order_by(Dossier.id)).first()
    )
    context.open_dossier_requested.emit(dossier_id)
    editors = [w for w in QApplication.topLevelWidgets() if reference in w.windowTitle()]
    assert editors, "no editor window shows the dossier's reference"
    assert window.confirm_leave()  # an untouched editor does not hold the window back


def test_dossiers_asked_for_bring_the_dossiers_page(
    make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window, context = _window(make_window, tmp_path)
    ids = context.read(lambda s: list(s.scalars(select(Dossier.id).where(Dossier.year == 2026))))
    context.show_dossiers_requested.emit(ids[:3], "trois dossiers")
    assert window.current_section() == "dossiers"
    page = window.stack.currentWidget()
    shown = [page.model.row_at(i).id for i in range(page.model.rowCount())]
    assert sorted(shown) == sorted(ids[:3])
