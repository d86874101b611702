"""Layout of the "Dossiers" page: toolbar, search field, filters, banner, table, count."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStyle,
    QTableView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.ui.dossiers.choice_filter import ChoiceFilterButton
from qpvdesk.ui.dossiers.dossier_table_model import (
    AMOUNT_COLUMNS,
    COLUMN_ACTION,
    COLUMN_COUNT,
    COLUMN_HOLDER,
    COLUMN_OBJECTIVE,
    COLUMN_REFERENCE,
    COLUMN_STATE,
    COLUMN_UPDATED,
    COLUMN_YEAR,
)

#: Widest sample text of each fixed column (the widths never depend on the rows loaded).
_SAMPLES = {
    COLUMN_REFERENCE: "2026-0000",
    COLUMN_YEAR: "Année",
    COLUMN_OBJECTIVE: "P4.2.5",
    COLUMN_STATE: "Convention signée",
    COLUMN_UPDATED: "00/00/0000",
}
_AMOUNT_SAMPLE = "000 000 €"
#: The project holder's column shows about this many characters (the tooltip has the rest).
_HOLDER_CHARACTERS = 24


class DossierTable(QTableView):
    """The table; Enter or Return on a row asks to open it, like a double-click."""

    open_requested = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)


class DossiersView(QWidget):
    """Widgets and actions of the page; `DossiersScreen` gives them their behaviour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        icon = self.style().standardIcon
        pixmap = QStyle.StandardPixmap

        self.title_label = QLabel(self.tr("Dossiers"))
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title_label.setFont(font)
        self.subtitle_label = QLabel(self.tr("Les demandes de subvention des porteurs de projet, "
                                             "de leur réception à leur clôture."))

        self.new_action = QAction(icon(pixmap.SP_FileIcon), self.tr("Nouveau dossier…"), self)
        self.new_action.setShortcut(QKeySequence(Qt.Key.Key_Insert))
        self.open_action = QAction(icon(pixmap.SP_DialogOpenButton), self.tr("Ouvrir"), self)
        self.open_action.setToolTip(self.tr("Ouvrir le dossier choisi (Entrée ou double-clic)"))
        self.export_action = QAction(icon(pixmap.SP_DialogSaveButton),
                                     self.tr("Exporter en Excel…"), self)
        self.export_action.setToolTip(self.tr("Enregistrer les dossiers affichés, dans l'ordre "
                                              "affiché, dans un classeur Excel"))
        self.find_action = QAction(self.tr("Rechercher"), self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.find_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.find_action)
        self.new_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.new_action)

        self.toolbar = QToolBar(self.tr("Dossiers"))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.new_action.setToolTip(self.tr("Enregistrer un nouveau dossier (Inser)"))
        self.toolbar.addAction(self.new_action)
        self.toolbar.addAction(self.open_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.export_action)

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("dossierSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(self.tr("Rechercher : référence, porteur, intitulé "
                                                    "de l'action (Ctrl+F)"))

        self.year_filter = ChoiceFilterButton(self.tr("Année"))
        self.state_filter = ChoiceFilterButton(self.tr("État"))
        self.priority_filter = ChoiceFilterButton(self.tr("Priorité"))
        self.objective_filter = ChoiceFilterButton(self.tr("Objectif"))
        self.funder_filter = ChoiceFilterButton(self.tr("Financeur"))
        self.nature_filter = ChoiceFilterButton(self.tr("Nature"))
        self.holder_filter = ChoiceFilterButton(self.tr("Porteur"))
        self.filter_buttons = [
            self.year_filter, self.state_filter, self.priority_filter, self.objective_filter,
            self.funder_filter, self.nature_filter, self.holder_filter,
        ]
        self.nature_filter.setToolTip(self.tr("Droit commun ou crédits spécifiques"))
        self.reset_filters_button = QToolButton()
        self.reset_filters_button.setText(self.tr("Effacer les filtres"))
        self.reset_filters_button.setAutoRaise(True)
        self.count_label = QLabel()
        self.count_label.setObjectName("dossierCount")

        filters = QHBoxLayout()
        filters.setSpacing(4)
        filters.addWidget(QLabel(self.tr("Filtrer :")))
        for button in self.filter_buttons:
            filters.addWidget(button)
        filters.addWidget(self.reset_filters_button)
        filters.addStretch(1)
        filters.addWidget(self.count_label)

        # "Dossiers de : …" when another page asked for a set of dossiers.
        self.banner = QFrame()
        self.banner.setObjectName("dossierBanner")
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner.setStyleSheet("QFrame#dossierBanner { background: #fff4d6; "
                                  "border: 1px solid #e0c070; border-radius: 3px; }")
        self.banner_label = QLabel()
        self.banner_label.setWordWrap(True)
        self.banner_close_button = QPushButton(self.tr("Revenir à la liste complète"))
        self.banner_close_button.setIcon(icon(pixmap.SP_DialogCloseButton))
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(8, 4, 4, 4)
        banner_layout.addWidget(self.banner_label, 1)
        banner_layout.addWidget(self.banner_close_button)
        self.banner.hide()

        self.no_match_label = QLabel()
        self.no_match_label.setObjectName("dossierNoMatch")
        self.no_match_label.hide()

        self.table = DossierTable()
        self.table.setObjectName("dossierTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        vertical = self.table.verticalHeader()
        vertical.hide()
        # Fixed row heights: the view never measures 50 000 rows.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)

        # Export in progress: a bar and a cancel button (the page stays usable meanwhile).
        self.export_progress = QProgressBar()
        self.export_progress.setMaximumWidth(240)
        self.export_progress.setTextVisible(True)
        self.export_cancel_button = QPushButton(self.tr("Annuler l'export"))
        self.export_status_label = QLabel()
        self.export_status_label.setTextFormat(Qt.TextFormat.RichText)
        self.export_status_label.setOpenExternalLinks(True)
        self.export_status_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction)
        status = QHBoxLayout()
        status.setContentsMargins(0, 0, 0, 0)
        status.addWidget(self.export_status_label, 1)
        status.addWidget(self.export_progress)
        status.addWidget(self.export_cancel_button)
        self.export_progress.hide()
        self.export_cancel_button.hide()

        search_row = QHBoxLayout()
        search_row.addWidget(self.search_edit, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.toolbar)
        layout.addLayout(search_row)
        layout.addLayout(filters)
        layout.addWidget(self.banner)
        layout.addWidget(self.no_match_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(status)

    def configure_columns(self) -> None:
        """Once a model is set: widths from the font (never from the rows), Action stretches."""
        header = self.table.horizontalHeader()
        header.setSectionsMovable(False)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COLUMN_ACTION, QHeaderView.ResizeMode.Stretch)
        metrics = self.table.fontMetrics()
        padding = 16  # cell margins
        model = self.table.model()
        for column in range(COLUMN_COUNT):
            if column == COLUMN_ACTION:
                continue
            heading = str(model.headerData(column, Qt.Orientation.Horizontal)) if model else ""
            if column == COLUMN_HOLDER:
                width = metrics.averageCharWidth() * _HOLDER_CHARACTERS
            elif column == COLUMN_REFERENCE:
                # Room for the marker of a dossier that calls for attention.
                width = metrics.horizontalAdvance(_SAMPLES[column]) + 16
            else:
                sample = _AMOUNT_SAMPLE if column in AMOUNT_COLUMNS else _SAMPLES[column]
                width = metrics.horizontalAdvance(sample)
            # The heading too, with the sort arrow.
            width = max(width, header.fontMetrics().horizontalAdvance(heading) + 12)
            self.table.setColumnWidth(column, width + padding)
        header.setMinimumSectionSize(metrics.horizontalAdvance("0000") + 8)

    def share_text_columns(self) -> None:
        """Give the holder's column its share of the room left by the fixed columns.

        The action's title stretches with the window; the holder's name gets 45 % of
        what the other columns leave (at least its default width): called once the table
        has its real width, unless she sized the columns herself.
        """
        table = self.table
        fixed = sum(table.columnWidth(column) for column in range(COLUMN_COUNT)
                    if column not in (COLUMN_HOLDER, COLUMN_ACTION))
        room = table.viewport().width() - fixed
        holder = max(self.table.fontMetrics().averageCharWidth() * _HOLDER_CHARACTERS,
                     int(room * 0.45))
        table.setColumnWidth(COLUMN_HOLDER, holder)
