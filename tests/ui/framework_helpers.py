"""Driving the "Cadre stratégique" page as a user would: click a node, click a toolbar button."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from qpvdesk.core.services.framework import ObjectiveRow
from qpvdesk.ui.framework.framework_screen import FrameworkScreen

Rows = Callable[[], list[ObjectiveRow]]


def by_code(screen: FrameworkScreen, code: str) -> ObjectiveRow:
    return next(row for row in screen.model.rows() if row.code == code)


def click_node(qtbot: Any, screen: FrameworkScreen, code: str) -> ObjectiveRow:
    row = by_code(screen, code)
    tree = screen.view.tree
    parent = row.parent_id
    while parent is not None:  # open the way to it, as the user would
        tree.expand(screen.model.index_for_id(parent))
        parent = screen.model.row(parent).parent_id  # type: ignore[union-attr]
    index = screen.model.index_for_id(row.id, 1)
    tree.scrollTo(index)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=tree.visualRect(index).center())
    assert screen.current_id() == row.id
    return row


def click_action(qtbot: Any, screen: FrameworkScreen, action: Any) -> None:
    button = screen.view.toolbar.widgetForAction(action)
    assert isinstance(button, QToolButton)
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
