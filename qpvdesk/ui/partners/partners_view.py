"""Layout of the "Partenaires" page: toolbar, search and role filter, the list, the detail."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStyle,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.enums import OrganisationRoleKind
from qpvdesk.ui.partners.organisation_detail_view import OrganisationDetailView
from qpvdesk.ui.partners.organisation_table_model import (
    COLUMN_ACRONYM,
    COLUMN_NAME,
    COLUMN_ROLES,
)


class PartnersView(QWidget):
    """Widgets and actions of the page; `PartnersScreen` gives them their behaviour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        icon = self.style().standardIcon
        pixmap = QStyle.StandardPixmap

        self.title_label = QLabel(self.tr("Partenaires"))
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title_label.setFont(font)
        self.subtitle_label = QLabel()
        self.subtitle_label.setWordWrap(True)

        self.new_action = QAction(icon(pixmap.SP_FileIcon), self.tr("Nouvelle structure"), self)
        self.new_action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        self.merge_action = QAction(icon(pixmap.SP_ArrowLeft), self.tr("Fusionner avec…"), self)
        self.merge_action.setToolTip(self.tr("Fusionner une fiche en double dans celle-ci"))
        self.delete_action = QAction(icon(pixmap.SP_TrashIcon), self.tr("Supprimer"), self)
        self.delete_action.setToolTip(self.tr("Supprimer cette structure (si rien ne s'y "
                                              "rattache)"))
        self.toolbar = QToolBar(self.tr("Structures"))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.addAction(self.new_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.merge_action)
        self.toolbar.addAction(self.delete_action)
        self.new_action.setToolTip(self.tr("Nouvelle structure (Ctrl+N)"))
        self.new_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.new_action)

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("partnersSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(self.tr("Rechercher : nom, sigle, SIRET, RNA, "
                                                    "courriel (Ctrl+F)"))
        self.find_action = QAction(self.tr("Rechercher"), self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.find_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.find_action)
        self.role_combo = QComboBox()
        self.role_combo.setObjectName("partnersRole")
        self.role_combo.addItem(self.tr("Tous les rôles"), None)
        for role in OrganisationRoleKind:
            self.role_combo.addItem(role.label, role)
        self.count_label = QLabel()
        filters = QHBoxLayout()
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(self.role_combo)

        self.table = QTableView()
        self.table.setObjectName("organisationTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        self.table.horizontalHeader().setHighlightSections(False)

        self.detail = OrganisationDetailView()
        self.detail.main_layout.setContentsMargins(0, 6, 0, 0)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count_label)

        # The list above, the organisation below: both get the page's full width (the
        # history's money tables need it), and the handle moves as she likes.
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)

    def configure_columns(self) -> None:
        """Once a model is set: the name takes the room left, the others fit their content."""
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMN_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COLUMN_ROLES, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COLUMN_ROLES, 250)
        header.setSectionResizeMode(COLUMN_ACRONYM, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COLUMN_ACRONYM, 80)
        header.setSortIndicatorShown(True)
