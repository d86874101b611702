"""Layout of the "Actions" page: the list with its filters and the selected action under it,
and the coverage of the operational objectives in a second tab."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStyle,
    QTableView,
    QTabWidget,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.ui.actions.action_detail_view import ActionDetailView
from qpvdesk.ui.actions.action_models import COLUMN_HOLDER, COLUMN_OBJECTIVE, COLUMN_TITLE
from qpvdesk.ui.actions.coverage_model import COLUMN_HOLDER as COLUMN_HOLDER_COVERAGE
from qpvdesk.ui.actions.shared import configure_table, page_title
from qpvdesk.ui.partners.column_model import ALERT_COLOR

TAB_LIST, TAB_COVERAGE = range(2)


class CoverageBanner(QFrame):
    """The count over the coverage tree: red with a warning icon while objectives lack actions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("coverageBanner")
        self.icon_label = QLabel()
        self.text_label = QLabel()
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.RichText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.icon_label)
        layout.addWidget(self.text_label, 1)

    def show_text(self, html: str, alert: bool) -> None:
        style = self.style()
        pixmap = (QStyle.StandardPixmap.SP_MessageBoxWarning if alert
                  else QStyle.StandardPixmap.SP_DialogApplyButton)
        self.icon_label.setPixmap(style.standardIcon(pixmap).pixmap(24, 24))
        self.text_label.setText(html)
        if alert:
            colour = ALERT_COLOR.name()
            self.setStyleSheet(f"QFrame#coverageBanner {{ background: #fde0dc; "
                               f"border: 1px solid {colour}; border-radius: 4px; }}")
        else:
            self.setStyleSheet("QFrame#coverageBanner { background: #e3f1e3; "
                               "border: 1px solid #7aa87a; border-radius: 4px; }")


class ActionsView(QWidget):
    """Widgets and actions of the page; `ActionsScreen` gives them their behaviour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        icon = self.style().standardIcon
        pixmap = QStyle.StandardPixmap
        self.title_label = page_title(self.tr("Actions"))
        self.subtitle_label = QLabel()
        self.subtitle_label.setWordWrap(True)

        self.new_action = QAction(icon(pixmap.SP_FileIcon), self.tr("Nouvelle action"), self)
        self.new_action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        self.new_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.new_action.setToolTip(self.tr("Nouvelle action du contrat (Ctrl+N)"))
        self.addAction(self.new_action)
        self.new_common_law_action = QAction(icon(pixmap.SP_FileDialogNewFolder),
                                             self.tr("Nouvelle action de droit commun…"), self)
        self.new_common_law_action.setToolTip(self.tr(
            "Une action qu'un partenaire mène sur son budget ordinaire, avec le montant qu'il "
            "mobilise"))
        self.delete_action = QAction(icon(pixmap.SP_TrashIcon), self.tr("Supprimer"), self)
        self.delete_action.setToolTip(self.tr("Supprimer cette action (si elle n'a ni dossier "
                                              "ni financement)"))
        self.sheet_action = QAction(icon(pixmap.SP_FileDialogContentsView),
                                    self.tr("Fiche action (PDF)…"), self)
        self.sheet_action.setToolTip(self.tr("Enregistrer la fiche de cette action en PDF (pour "
                                             "un partenaire ou une commission)"))
        self.toolbar = QToolBar(self.tr("Actions"))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.addAction(self.new_action)
        self.toolbar.addAction(self.new_common_law_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.delete_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.sheet_action)

        # --- the list and its filters
        self.year_combo = QComboBox()
        self.year_combo.setObjectName("actionsYear")
        self.year_combo.setToolTip(self.tr("Les actions d'une année (dossier, financement ou "
                                           "période couvrant l'année) et leur argent de l'année"))
        self.state_combo = QComboBox()
        self.kind_combo = QComboBox()
        self.priority_combo = QComboBox()
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Rechercher (intitulé, porteur, lieu, "
                                                    "public…)"))
        self.search_edit.setClearButtonEnabled(True)
        self.count_label = QLabel()
        filters = QHBoxLayout()
        for text, widget in ((self.tr("Année"), self.year_combo),
                             (self.tr("État"), self.state_combo),
                             (self.tr("Nature"), self.kind_combo),
                             (self.tr("Priorité"), self.priority_combo)):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
            filters.addSpacing(6)
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(self.count_label)

        self.table = QTableView()
        self.table.setObjectName("actionTable")
        configure_table(self.table)
        self.empty_label = QLabel()
        self.empty_label.setWordWrap(True)
        self.detail = ActionDetailView()
        self.no_selection_label = QLabel(self.tr("Sélectionnez une action dans la liste pour "
                                                 "voir sa fiche, son suivi, son argent et ses "
                                                 "indicateurs."))
        self.no_selection_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_selection_label.setWordWrap(True)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(filters)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.empty_label)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.detail, 1)
        bottom_layout.addWidget(self.no_selection_label, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.setContentsMargins(0, 6, 0, 0)
        list_layout.addWidget(self.splitter, 1)

        # --- the coverage
        self.coverage_year_combo = QComboBox()
        self.coverage_year_combo.setObjectName("coverageYear")
        self.uncovered_only_box = QCheckBox(self.tr("Seulement les objectifs sans action"))
        self.banner = CoverageBanner()
        self.coverage_tree = QTreeView()
        self.coverage_tree.setObjectName("coverageTree")
        self.coverage_tree.setAlternatingRowColors(False)
        self.coverage_tree.setUniformRowHeights(True)
        self.coverage_tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.coverage_tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.coverage_tree.setToolTip(self.tr("Double-cliquez sur une action pour l'ouvrir."))
        coverage_head = QHBoxLayout()
        year_label = QLabel(self.tr("Année"))
        year_label.setBuddy(self.coverage_year_combo)
        coverage_head.addWidget(year_label)
        coverage_head.addWidget(self.coverage_year_combo)
        coverage_head.addSpacing(12)
        coverage_head.addWidget(self.uncovered_only_box)
        coverage_head.addStretch(1)
        coverage_page = QWidget()
        coverage_layout = QVBoxLayout(coverage_page)
        coverage_layout.setContentsMargins(0, 6, 0, 0)
        coverage_layout.addLayout(coverage_head)
        coverage_layout.addWidget(self.banner)
        coverage_layout.addWidget(self.coverage_tree, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(list_page, self.tr("Liste des actions"))
        self.tabs.addTab(coverage_page, self.tr("Couverture des objectifs"))

        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.tabs, 1)

    def configure_columns(self) -> None:
        """The title keeps a readable width; the holder takes what is left (then a scrollbar)."""
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COLUMN_HOLDER, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(60)
        header.setSortIndicatorShown(True)
        widths = {COLUMN_TITLE: 250, COLUMN_OBJECTIVE: 62, 3: 130, 4: 84, 5: 82, 6: 104,
                  7: 132, 8: 118, 9: 100}
        for column, width in widths.items():
            self.table.setColumnWidth(column, width)

    def configure_coverage_columns(self) -> None:
        header = self.coverage_tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COLUMN_HOLDER_COVERAGE, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(60)
        for column, width in enumerate((350, 0, 105, 130, 110, 130, 100)):
            if width:
                self.coverage_tree.setColumnWidth(column, width)

    def fit_list_height(self, rows: int) -> None:
        """The list shows up to eight lines; the detail gets the rest."""
        table = self.table
        lines = max(4, min(8, rows))
        wanted = (table.horizontalHeader().sizeHint().height()
                  + lines * table.verticalHeader().defaultSectionSize()
                  + 2 * table.frameWidth() + 40)
        total = sum(self.splitter.sizes()) or self.splitter.height()
        if total > wanted * 2:
            self.splitter.setSizes([wanted, total - wanted])


__all__ = ["TAB_COVERAGE", "TAB_LIST", "ActionsView", "CoverageBanner"]
