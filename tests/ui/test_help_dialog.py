"""The « Aide » menu: the guide, the shortcuts, where the data and backups are, the version."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from qpvdesk import __version__
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.ui.help_dialog import DATA_PAGE, GUIDE_PAGE, SHORTCUTS_PAGE, HelpDialog, help_text
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.sections import all_sections


def shown_help(window: MainWindow) -> HelpDialog:
    dialog = window.help_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_the_guide_walks_through_the_year(window: MainWindow) -> None:
    window.guide_action.trigger()
    dialog = shown_help(window)
    assert dialog.tabs.currentIndex() == GUIDE_PAGE
    guide = dialog.guide_view.toPlainText()
    for step in ("L'appel à projets", "Les dossiers", "Mode séance", "Le relevé de décision",
                 "Bilan annuel (PDF)…", "Relevé de décision (PDF)…", "Nouvel appel"):
        assert step in guide, step
    assert "**" not in guide  # shown as formatted text, not as Markdown source


def _menu_paths(menu: QMenu, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found = set()
    for action in menu.actions():
        name = action.text().replace("&", "")
        if action.menu() is not None:
            found.add((*prefix, name))
            found |= _menu_paths(action.menu(), (*prefix, name))
        elif name:
            found.add((*prefix, name))
    return found


def test_every_menu_entry_the_help_names_exists(window: MainWindow) -> None:
    menus = set()
    for action in window.menuBar().actions():
        menu = action.menu()
        assert isinstance(menu, QMenu)
        menus |= _menu_paths(menu, (action.text().replace("&", ""),))
    text = help_text("guide.md") + help_text("shortcuts.md") + help_text("data.md")
    found = (re.findall(r"\*\*((?:Fichier|Édition|Aide) ›[^*]+)\*\*", text)
             + re.findall(r"\| ((?:Fichier|Édition|Aide) ›[^|]+) \|", text))
    named = {tuple(" ".join(part.split()) for part in path.split("›")) for path in found}
    assert len(named) >= 10
    assert named - menus == set()
    sections = {section.title for section in all_sections()}
    guide = help_text("guide.md")
    named_sections = set(re.findall(r"(?:[Rr]ubrique|^-) \*\*([^*›]+)\*\*", guide, re.M))
    assert len(named_sections) >= 8
    assert named_sections <= sections


def test_the_shortcuts_page(window: MainWindow) -> None:
    window.shortcuts_action.trigger()
    dialog = shown_help(window)
    assert dialog.tabs.currentIndex() == SHORTCUTS_PAGE
    text = dialog.shortcuts_view.toPlainText()
    for keys in ("Ctrl+Z", "Ctrl+Y", "F11", "Ctrl+Maj+S", "Page suivante"):
        assert keys in text, keys
    # The window's own shortcuts are the ones listed.
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    assert window.file_actions.backup_action.shortcut().toString() == "Ctrl+Shift+S"


def test_ctrl_n_makes_a_new_item_in_the_pages_that_list_it(qtbot: Any,
                                                              window: MainWindow) -> None:
    created: list[str] = []
    window.file_actions.pick_new = lambda _parent, _folder: None
    window.file_actions.new_action.triggered.connect(lambda: created.append("base"))
    for key in ("actions", "partners"):
        window.select_section(key)
        view = window.pages[key].view  # type: ignore[attr-defined]
        view.new_action.triggered.connect(lambda _checked=False, k=key: created.append(k))
        table = view.table
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                         pos=table.visualRect(table.model().index(0, 0)).center())
        assert table.hasFocus()
        qtbot.keyClick(table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert created == ["actions", "partners"]


def test_the_data_page_shows_the_real_places(window: MainWindow, db_path: Path,
                                             tmp_path: Path) -> None:
    window.data_help_action.trigger()
    dialog = shown_help(window)
    assert dialog.tabs.currentIndex() == DATA_PAGE
    text = dialog.data_view.toPlainText()
    assert str(db_path) in text
    assert str(db_path.parent / "backups") in text
    assert "$" not in text  # every place filled in
    assert "Restaurer une sauvegarde…" in text and "Sauvegarder maintenant" in text
    opened: list[Path] = []
    dialog.open_folder = opened.append
    assert dialog.open_backups_button.isEnabled()  # the backup taken on opening
    dialog.open_backups_button.click()
    dialog.open_data_button.click()
    assert opened == [db_path.parent / "backups", db_path.parent]
    # Another file open: the page follows it.
    other = tmp_path / "autre" / "commune.sqlite"
    other.parent.mkdir()
    create_new_database(other, "empty")
    window.file_actions.open_path(other)
    assert str(other) in dialog.data_view.toPlainText()
    dialog.open_data_button.click()
    assert opened[-1] == other.parent


def test_about_shows_the_version(window: MainWindow, messenger: Any) -> None:
    window.about_action.trigger()
    assert f"qpvdesk {__version__}" in messenger.infos[0]
