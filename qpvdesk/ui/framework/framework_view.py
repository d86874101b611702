"""Layout of the "Cadre stratégique" page: toolbar, search field, tree and detail panel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStyle,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.ui.framework.objective_detail_view import ObjectiveDetailView
from qpvdesk.ui.framework.objective_tree_model import COLUMN_CODE, COLUMN_TITLE
from qpvdesk.ui.widgets.wrapping_delegate import WrappingDelegate


class FrameworkView(QWidget):
    """Widgets and actions of the page; `FrameworkScreen` gives them their behaviour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        style = self.style()
        icon = style.standardIcon
        pixmap = QStyle.StandardPixmap

        self.title_label = QLabel(self.tr("Cadre stratégique"))
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title_label.setFont(font)
        self.subtitle_label = QLabel(self.tr("Priorités, objectifs stratégiques, objectifs "
                                             "opérationnels et pistes d'action du contrat."))

        self.add_child_action = QAction(icon(pixmap.SP_FileDialogNewFolder),
                                        self.tr("Ajouter un sous-élément"), self)
        self.add_child_action.setShortcut(QKeySequence(Qt.Key.Key_Insert))
        self.add_sibling_action = QAction(icon(pixmap.SP_FileIcon),
                                          self.tr("Ajouter au même niveau"), self)
        self.add_sibling_action.setShortcut(QKeySequence("Shift+Ins"))
        self.rename_action = QAction(icon(pixmap.SP_FileDialogDetailedView),
                                     self.tr("Renommer"), self)
        self.rename_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.move_up_action = QAction(icon(pixmap.SP_ArrowUp), self.tr("Monter"), self)
        self.move_up_action.setShortcut(QKeySequence("Ctrl+Up"))
        self.move_down_action = QAction(icon(pixmap.SP_ArrowDown), self.tr("Descendre"), self)
        self.move_down_action.setShortcut(QKeySequence("Ctrl+Down"))
        self.move_under_action = QAction(icon(pixmap.SP_ArrowRight),
                                         self.tr("Déplacer sous…"), self)
        self.delete_action = QAction(icon(pixmap.SP_TrashIcon), self.tr("Supprimer"), self)
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.edit_actions = [
            self.add_child_action, self.add_sibling_action, self.rename_action,
            self.move_up_action, self.move_down_action, self.move_under_action,
            self.delete_action,
        ]

        self.toolbar = QToolBar(self.tr("Édition du cadre"))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in self.edit_actions:
            if action.shortcut().isEmpty():
                action.setToolTip(action.text())
            else:
                shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                action.setToolTip(f"{action.text()} ({shortcut})")
            self.toolbar.addAction(action)
            if action in (self.add_sibling_action, self.rename_action, self.move_under_action):
                self.toolbar.addSeparator()

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("frameworkSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(self.tr("Rechercher dans le cadre : code ou mots de "
                                                    "l'intitulé (Ctrl+F)"))
        self.no_match_label = QLabel()
        self.no_match_label.setWordWrap(True)
        self.no_match_label.setVisible(False)
        self.find_action = QAction(self.tr("Rechercher"), self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.addAction(self.find_action)
        self.find_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.tree = QTreeView()
        self.tree.setObjectName("objectiveTree")
        self.tree.setAlternatingRowColors(True)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setIndentation(16)
        # Titles are long French sentences: wrapped in full (tooltip and detail panel too).
        self.tree.setItemDelegate(WrappingDelegate(self.tree, {COLUMN_TITLE}))
        for action in self.edit_actions:
            # Shortcuts act on the tree only: Delete or Ctrl+Up in a text field edit the text.
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            self.tree.addAction(action)

        self.detail = ObjectiveDetailView()

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search_edit)
        left_layout.addWidget(self.no_match_label)
        left_layout.addWidget(self.tree, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)

    def configure_columns(self) -> None:
        """Once a model is set: the code column fits its content, the title takes the rest."""
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(COLUMN_CODE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMN_TITLE, QHeaderView.ResizeMode.Stretch)
