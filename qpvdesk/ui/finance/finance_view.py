"""Layout of the "Financements" page: year, three tabs (per funder and line, per objective,
budget lines and envelopes)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QAction, QFont, QFontMetrics, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabWidget,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.enums import FundingNature
from qpvdesk.ui.finance.years import YearCombo

#: Extra height of a row of figures, in pixels: dense tables read better with some air.
ROW_PADDING = 6


class PaddedDelegate(QStyledItemDelegate):
    """The default delegate, rows a little taller."""

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), hint.height() + ROW_PADDING)


def money_tree(name: str) -> QTreeView:
    """A tree of amounts: whole rows selected, no sorting (the order means something)."""
    tree = QTreeView()
    tree.setObjectName(name)
    tree.setAllColumnsShowFocus(True)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    tree.setUniformRowHeights(True)
    tree.setIndentation(18)
    # A double-click on an amount opens its dossiers: it must not also fold the funder.
    tree.setExpandsOnDoubleClick(False)
    tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    tree.setItemDelegate(PaddedDelegate(tree))
    return tree


def fit_columns(tree: QTreeView, stretch: int) -> None:
    """*stretch* takes the width left; the other columns are sized by `size_columns`.

    Not ``ResizeToContents``: Qt would ask every cell's size hint through Python (a
    third of the time of opening the page); `size_columns` measures the texts once.
    """
    header = tree.header()
    header.setStretchLastSection(False)
    header.setMinimumSectionSize(48)
    for column in range(header.count()):
        mode = (QHeaderView.ResizeMode.Stretch if column == stretch
                else QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(column, mode)


#: Room around a cell's text (margins, focus frame), in pixels.
CELL_MARGIN = 18


def size_columns(tree: QTreeView, stretch: int, keep: Iterable[int] = ()) -> None:
    """Give each column but *stretch* (and *keep*) the width of its widest text (bold where
    bold)."""
    model = tree.model()
    header = tree.header()
    if model is None:
        return
    plain = QFontMetrics(tree.font())
    bold_font = QFont(tree.font())
    bold_font.setBold(True)
    bold = QFontMetrics(bold_font)
    display = Qt.ItemDataRole.DisplayRole
    font_role = Qt.ItemDataRole.FontRole
    widths = [plain.horizontalAdvance(str(model.headerData(column, Qt.Orientation.Horizontal)
                                          or "")) + CELL_MARGIN
              for column in range(header.count())]
    pending = [QModelIndex()]
    while pending:
        parent = pending.pop()
        for row in range(model.rowCount(parent)):
            first = model.index(row, 0, parent)
            if model.hasChildren(first):
                pending.append(first)
            metrics = bold if isinstance(first.data(font_role), QFont) and \
                first.data(font_role).bold() else plain
            for column in range(header.count()):
                if column == stretch or column in keep:
                    continue
                text = model.index(row, column, parent).data(display)
                if text:
                    widths[column] = max(widths[column],
                                         metrics.horizontalAdvance(str(text)) + CELL_MARGIN)
    skipped = {stretch, *keep}
    for column, width in enumerate(widths):
        if column not in skipped:
            header.resizeSection(column, width)


class FinanceView(QWidget):
    """Widgets and actions of the page; `FinanceScreen` gives them their behaviour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        style = self.style()
        icon = style.standardIcon
        pixmap = QStyle.StandardPixmap

        self.title_label = QLabel(self.tr("Financements"))
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title_label.setFont(font)
        self.subtitle_label = QLabel()
        self.subtitle_label.setWordWrap(True)
        self.year_label = QLabel(self.tr("&Exercice :"))
        self.year_combo = YearCombo()
        self.year_combo.setObjectName("financeYear")
        self.year_label.setBuddy(self.year_combo)
        heading = QHBoxLayout()
        heading.addWidget(self.title_label, 1)
        heading.addWidget(self.year_label)
        heading.addWidget(self.year_combo)

        # « Par financeur et ligne »
        self.lines_tree = money_tree("financeLines")
        self.show_action = QAction(self.tr("Voir les dossiers derrière ce montant"), self)
        self.show_action.setShortcuts([QKeySequence(Qt.Key.Key_Return),
                                       QKeySequence(Qt.Key.Key_Enter)])
        self.show_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.lines_tree.addAction(self.show_action)
        lines_page = QWidget()
        lines_layout = QVBoxLayout(lines_page)
        lines_layout.setContentsMargins(0, 6, 0, 0)
        lines_layout.addWidget(self.lines_tree, 1)

        # « Par objectif »
        self.nature_combo = QComboBox()
        self.nature_combo.setObjectName("objectiveNature")
        self.nature_combo.addItem(self.tr("Toutes natures"), None)
        for nature in (FundingNature.COMMON_LAW, FundingNature.SPECIFIC):
            self.nature_combo.addItem(nature.label, nature)
        nature_label = QLabel(self.tr("&Nature :"))
        nature_label.setBuddy(self.nature_combo)
        nature_row = QHBoxLayout()
        nature_row.addWidget(nature_label)
        nature_row.addWidget(self.nature_combo)
        nature_row.addStretch(1)
        self.objectives_tree = money_tree("financeObjectives")
        self.show_objective_action = QAction(self.tr("Voir les dossiers derrière ce montant"),
                                             self)
        self.show_objective_action.setShortcuts(self.show_action.shortcuts())
        self.show_objective_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.objectives_tree.addAction(self.show_objective_action)
        objectives_page = QWidget()
        objectives_layout = QVBoxLayout(objectives_page)
        objectives_layout.setContentsMargins(0, 6, 0, 0)
        objectives_layout.addLayout(nature_row)
        objectives_layout.addWidget(self.objectives_tree, 1)

        # « Lignes budgétaires et enveloppes »
        self.add_action = QAction(icon(pixmap.SP_FileIcon), self.tr("Ajouter une ligne…"), self)
        self.add_action.setShortcut(QKeySequence(Qt.Key.Key_Insert))
        self.edit_action = QAction(icon(pixmap.SP_FileDialogDetailedView),
                                   self.tr("Modifier la ligne…"), self)
        self.edit_action.setShortcut(QKeySequence("Ctrl+E"))
        self.toggle_action = QAction(icon(pixmap.SP_DialogNoButton), self.tr("Désactiver"), self)
        self.delete_action = QAction(icon(pixmap.SP_TrashIcon), self.tr("Supprimer"), self)
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.edit_envelope_action = QAction(self.tr("Saisir l'enveloppe"), self)
        self.edit_envelope_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.catalogue_actions = [self.add_action, self.edit_action, self.toggle_action,
                                  self.delete_action]
        self.toolbar = QToolBar(self.tr("Lignes budgétaires"))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in self.catalogue_actions:
            if action.shortcut().isEmpty():
                action.setToolTip(action.text())
            else:
                shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                action.setToolTip(f"{action.text()} ({shortcut})")
            self.toolbar.addAction(action)
        self.show_inactive_check = QCheckBox(self.tr("Afficher les lignes désactivées"))
        self.show_inactive_check.setChecked(True)
        self.toolbar.addSeparator()
        self.toolbar.addWidget(self.show_inactive_check)

        self.catalogue_tree = money_tree("budgetCatalogue")
        self.catalogue_tree.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                            | QAbstractItemView.EditTrigger.AnyKeyPressed)
        for action in (*self.catalogue_actions, self.edit_envelope_action):
            # Delete or Insert in an envelope being typed edit the text, not the catalogue.
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            self.catalogue_tree.addAction(action)
        self.catalogue_hint = QLabel(self.tr(
            "Double-cliquez sur l'enveloppe d'une ligne (ou F2) pour la saisir ; double-cliquez "
            "ailleurs sur la ligne pour la modifier. Une ligne utilisée ne peut pas être "
            "supprimée : désactivez-la."))
        self.catalogue_hint.setWordWrap(True)
        catalogue_page = QWidget()
        catalogue_layout = QVBoxLayout(catalogue_page)
        catalogue_layout.setContentsMargins(0, 6, 0, 0)
        catalogue_layout.addWidget(self.toolbar)
        catalogue_layout.addWidget(self.catalogue_tree, 1)
        catalogue_layout.addWidget(self.catalogue_hint)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.lines_tab = self.tabs.addTab(lines_page, self.tr("Par financeur et ligne"))
        self.objectives_tab = self.tabs.addTab(objectives_page, self.tr("Par objectif"))
        self.catalogue_tab = self.tabs.addTab(catalogue_page,
                                              self.tr("Lignes budgétaires et enveloppes"))

        self.note_label = QLabel()
        self.note_label.setObjectName("financeNote")
        self.note_label.setWordWrap(True)
        self.note_label.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.note_label)
