"""The main window: sections, dashboard, status bar, read-only mode, settings, file menu."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QToolButton

from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.services.framework import add_objective, objective_rows
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.backups import list_backups
from qpvdesk.core.storage.database import open_database
from qpvdesk.ui.dashboard.dashboard_screen import DashboardScreen
from qpvdesk.ui.dossiers.dossiers_screen import DossiersScreen
from qpvdesk.ui.framework.framework_screen import FrameworkScreen
from qpvdesk.ui.main_window import SECTION_KEY, MainWindow

SECTIONS = [
    "Tableau de bord", "Cadre stratégique", "Appels à projets", "Dossiers", "Actions",
    "Financements", "Instances et séances", "Partenaires", "Évaluation", "Observation",
]


def test_window_opens_on_the_builtin_contract_with_every_section(window: MainWindow) -> None:
    navigation = window.navigation
    assert [navigation.item(row).text() for row in range(navigation.count())] == SECTIONS
    assert window.stack.count() == 10
    dashboard = window.page("dashboard")
    assert isinstance(dashboard, DashboardScreen)
    assert "Clermont l'Hérault" in dashboard.view.title_label.text()
    assert "Centre-ville" in dashboard.view.neighbourhood_label.text()
    assert window.current_section() == "dashboard"


def test_dashboard_shows_the_file_and_the_contract_years(window: MainWindow,
                                                         db_path: Path) -> None:
    dashboard = window.page("dashboard")
    assert isinstance(dashboard, DashboardScreen)
    form = dashboard.view.file_form
    values = {form.itemAt(row, form.ItemRole.LabelRole).widget().text():
              form.itemAt(row, form.ItemRole.FieldRole).widget().text()
              for row in range(form.rowCount())}
    assert values["Fichier"] == str(db_path)
    assert values["Version du schéma"]
    combo = dashboard.view.year_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        str(year) for year in range(2024, 2031)]


def test_clicking_a_section_shows_its_page(qtbot: Any, window: MainWindow) -> None:
    navigation = window.navigation
    item = navigation.item(SECTIONS.index("Cadre stratégique"))
    qtbot.mouseClick(navigation.viewport(), Qt.MouseButton.LeftButton,
                     pos=navigation.visualItemRect(item).center())
    assert isinstance(window.stack.currentWidget(), FrameworkScreen)
    # Every section has a screen of its own: ten different pages, none shared.
    screens = {type(window.page(key)) for key in window.section_keys()}
    assert len(screens) == len(SECTIONS) == 10


def test_only_the_page_shown_is_built_at_start(make_window: Callable[..., MainWindow],
                                               db_path: Path, settings: QSettings) -> None:
    window = make_window(db_path)
    assert [type(page) for page in window.pages.values()] == [DashboardScreen]
    window.close()
    settings.setValue(SECTION_KEY, "framework")  # as if the last session ended there
    again = make_window(db_path)
    assert [type(page) for page in again.pages.values()] == [FrameworkScreen]
    assert again.stack.currentWidget() is again.page("framework")


def test_a_page_not_built_yet_answers_a_request_for_dossiers(window: MainWindow) -> None:
    window.context.show_dossiers_requested.emit([], "Région Occitanie — 2025")
    assert window.current_section() == "dossiers"
    page = window.stack.currentWidget()
    assert isinstance(page, DossiersScreen)
    assert page.view.banner.isVisibleTo(window)
    assert "Région Occitanie — 2025" in page.view.banner_label.text()


def test_a_page_not_built_yet_selects_what_an_undo_points_at(
        window: MainWindow, read_back: Callable[[Callable[..., Any]], Any]) -> None:
    deepest = read_back(objective_rows)[-1]
    window.context.focus_requested.emit("framework", deepest.id)
    page = window.stack.currentWidget()
    assert isinstance(page, FrameworkScreen)
    assert window.current_section() == "framework"
    assert page.current_id() == deepest.id


def test_status_bar_shows_the_file_and_last_backup(window: MainWindow, db_path: Path) -> None:
    status = window.status
    assert db_path.name in status.file_label.text()
    assert status.backup_label.text().startswith("Dernière sauvegarde : ")
    assert not status.read_only_label.isVisibleTo(window)
    assert db_path.name in window.windowTitle()


def test_read_only_database_disables_editing(make_window: Callable[..., MainWindow],
                                            db_path: Path) -> None:
    window = make_window(db_path, read_only=True)
    assert window.status.read_only_label.isVisibleTo(window)
    assert "lecture seule" in window.windowTitle()
    screen = window.page("framework")
    assert isinstance(screen, FrameworkScreen)
    window.select_section("framework")
    p1 = screen.model.index(0, 0)
    screen.view.tree.setCurrentIndex(p1)
    for action in screen.view.edit_actions:
        assert not action.isEnabled(), action.text()
        button = screen.view.toolbar.widgetForAction(action)
        assert isinstance(button, QToolButton)
        assert not button.isEnabled()
    assert screen.view.detail.title_edit.isReadOnly()
    assert not screen.view.detail.save_button.isVisibleTo(window)
    assert not window.file_actions.backup_action.isEnabled()
    assert not window.file_actions.restore_action.isEnabled()


def test_last_section_is_remembered(make_window: Callable[..., MainWindow],
                                    db_path: Path) -> None:
    first = make_window(db_path)
    first.select_section("framework")
    first.resize(first.width(), 480)  # the offscreen screen is 800 × 600
    first.close()
    second = make_window(db_path)
    assert second.current_section() == "framework"
    assert second.height() == 480


def test_backup_now_adds_a_backup(window: MainWindow, db_path: Path) -> None:
    before = len(list_backups(db_path))
    window.file_actions.backup_action.trigger()
    backups = list_backups(db_path)
    assert len(backups) == before + 1
    assert any(info.reason == "manuelle" for info in backups)
    assert "Sauvegarde vérifiée" in window.status.currentMessage()


def test_restore_puts_a_backup_back(window: MainWindow, db_path: Path, messenger: Any,
                                    read_back: Callable[..., Any]) -> None:
    opening = list_backups(db_path)[0]  # taken when the window opened the file
    window.context.write(lambda s: add_objective(s, None, "Priorité ajoutée après"),
                         {"framework"})
    screen = window.page("framework")
    assert isinstance(screen, FrameworkScreen)
    assert screen.model.rowCount() == 5
    window.file_actions.choose_backup = lambda _parent, backups: opening
    messenger.answers = [True]  # "Restaurer ?"
    window.file_actions.restore_action.trigger()
    assert messenger.warnings == []
    assert screen.model.rowCount() == 4
    titles = read_back(lambda s: [row.title for row in objective_rows(s)])
    assert "Priorité ajoutée après" not in titles
    assert any("avant-restauration" in text for text in messenger.infos)
    # The window works on the reopened file.
    window.context.write(lambda s: add_objective(s, None, "Encore une"), {"framework"})
    assert screen.model.rowCount() == 5


def _dump(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def test_a_restore_is_undone_from_the_file_menu(window: MainWindow, db_path: Path,
                                                messenger: Any) -> None:
    opening = list_backups(db_path)[0]
    actions = window.file_actions
    assert not actions.undo_restore_action.isEnabled()  # nothing restored yet
    window.context.write(lambda s: add_objective(s, None, "Priorité ajoutée après"),
                         {"framework"})
    before = _dump(db_path)
    screen = window.page("framework")
    assert isinstance(screen, FrameworkScreen)
    actions.choose_backup = lambda _parent, backups: opening
    messenger.answers = [True]
    actions.restore_action.trigger()
    assert screen.model.rowCount() == 4 and _dump(db_path) != before
    assert actions.undo_restore_action.isEnabled()
    messenger.answers = [True]  # "Remettre la base dans l'état où elle était… ?"
    actions.undo_restore_action.trigger()
    assert messenger.warnings == []
    assert "avant la restauration" in messenger.questions[-1]
    assert "revenue à son état d'avant la restauration" in messenger.infos[-1]
    assert _dump(db_path) == before
    assert screen.model.rowCount() == 5
    # The file set aside by the first restore is offered with the backups too.
    offered: list[str] = []

    def choose(_parent: Any, backups: Any) -> None:
        offered.extend(info.reason for info in backups)

    actions.choose_backup = choose
    actions.restore_action.trigger()
    assert offered.count("avant_restauration") == 2 and "ouverture" in offered


def test_open_another_database_releases_the_first(window: MainWindow, db_path: Path,
                                                  tmp_path: Path) -> None:
    other = tmp_path / "autre.sqlite"
    create_new_database(other, "empty")
    window.file_actions.pick_existing = lambda _parent, _folder: other
    window.file_actions.open_action.trigger()
    assert window.context.database.origin == other
    assert "autre.sqlite" in window.status.file_label.text()
    assert window.page("framework").model.rowCount() == 0  # type: ignore[attr-defined]
    assert "Aucun contrat" in window.page("dashboard").view.title_label.text()  # type: ignore[attr-defined]
    first = open_database(db_path, working_copies=tmp_path / "copies")  # the lock is free
    first.close()


def test_new_database_is_created_and_opened(window: MainWindow, tmp_path: Path,
                                            messenger: Any) -> None:
    target = tmp_path / "nouvelle-base.sqlite"
    window.file_actions.pick_new = lambda _parent, _folder: target
    messenger.answers = [1]  # "Base vide"
    window.file_actions.new_action.trigger()
    assert target.exists()
    assert window.context.database.origin == target
    assert window.page("framework").model.rowCount() == 0  # type: ignore[attr-defined]


def test_new_database_never_replaces_a_file(window: MainWindow, db_path: Path,
                                            messenger: Any) -> None:
    window.file_actions.pick_new = lambda _parent, _folder: db_path
    window.file_actions.new_action.trigger()
    assert "existe déjà" in messenger.warnings[0]
    assert window.context.database.origin == db_path


def test_writing_to_a_read_only_file_is_refused(make_window: Callable[..., MainWindow],
                                                db_path: Path) -> None:
    window = make_window(db_path, read_only=True)
    with pytest.raises(UserFacingError, match="lecture seule"):
        window.context.write(lambda s: add_objective(s, None, "Interdit"), {"framework"})


def test_periodic_backup_waits_for_changes(window: MainWindow, db_path: Path) -> None:
    before = list_backups(db_path)
    window.file_actions.periodic_backup()
    assert list_backups(db_path) == before
