"""Layout of the "Observation" page: context figures (indicators on the left, the chosen one's
table and chart on the right) and residents' participation."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.ui.actions.shared import caption, configure_table, page_title
from qpvdesk.ui.observation.line_chart import LineChart

TAB_FIGURES, TAB_PARTICIPATION = range(2)


class FiguresPanel(QWidget):
    """Indicators on the left; values by year and territory, and their chart, on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Rechercher une donnée…"))
        self.search_edit.setClearButtonEnabled(True)
        self.indicator_table = QTableView()
        self.indicator_table.setObjectName("observedIndicators")
        configure_table(self.indicator_table)
        self.count_label = QLabel()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search_edit)
        left_layout.addWidget(self.indicator_table, 1)
        left_layout.addWidget(self.count_label)

        self.heading_label = caption("", 1.15)
        self.heading_label.setWordWrap(True)
        self.heading_label.setTextFormat(Qt.TextFormat.PlainText)
        self.add_button = QPushButton(self.tr("Ajouter une valeur…"))
        self.add_button.setObjectName("addFigure")
        self.edit_button = QPushButton(self.tr("Modifier…"))
        self.delete_button = QPushButton(self.tr("Supprimer"))
        self.figure_table = QTableView()
        self.figure_table.setObjectName("figureTable")
        configure_table(self.figure_table, sortable=False)
        self.figure_table.setSelectionBehavior(QTableView.SelectionBehavior.SelectItems)
        self.figure_table.setToolTip(self.tr("Double-cliquez sur une case pour saisir ou "
                                             "corriger sa valeur."))
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.source_label.setTextFormat(Qt.TextFormat.PlainText)
        self.chart = LineChart()
        self.empty_label = QLabel(self.tr("Aucune donnée de contexte : ajoutez une valeur (taux "
                                          "de pauvreté, chômage…) pour commencer."))
        self.empty_label.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.heading_label, 1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.delete_button)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addLayout(buttons)
        table_layout.addWidget(self.empty_label)
        table_layout.addWidget(self.figure_table, 1)
        table_layout.addWidget(self.source_label)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(table_box)
        right.addWidget(self.chart)
        right.setStretchFactor(0, 2)
        right.setStretchFactor(1, 3)
        right.setChildrenCollapsible(False)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.splitter, 1)

    def configure_columns(self) -> None:
        header = self.indicator_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        figures = self.figure_table.horizontalHeader()
        figures.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        figures.setMinimumSectionSize(90)
        # The model resets when another indicator is shown: the year column fits again.
        self.figure_table.model().modelReset.connect(
            lambda: figures.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
            if self.figure_table.model().columnCount() else None)

    def fit(self) -> None:
        total = sum(self.splitter.sizes()) or self.splitter.width()
        left = min(480, max(320, int(total * 0.36)))
        if total > left * 2:
            self.splitter.setSizes([left, total - left])


class ParticipationPanel(QWidget):
    """Participation events, the selected one's themes and outcome in full."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.year_combo = QComboBox()
        self.year_combo.setObjectName("participationYear")
        self.count_label = QLabel()
        self.add_button = QPushButton(self.tr("Ajouter…"))
        self.add_button.setObjectName("addParticipation")
        self.edit_button = QPushButton(self.tr("Modifier…"))
        self.delete_button = QPushButton(self.tr("Supprimer"))
        self.table = QTableView()
        self.table.setObjectName("participationTable")
        configure_table(self.table)
        self.detail_view = QPlainTextEdit()
        self.detail_view.setReadOnly(True)
        self.detail_view.setPlaceholderText(self.tr("Sélectionnez un temps de participation "
                                                    "pour lire ce qui en est ressorti."))
        self.empty_label = QLabel(self.tr("Aucun temps de participation : réunions publiques, "
                                          "ateliers, diagnostics en marchant… se notent ici, "
                                          "les habitants comptés, jamais nommés."))
        self.empty_label.setWordWrap(True)
        head = QHBoxLayout()
        year_label = QLabel(self.tr("Année"))
        year_label.setBuddy(self.year_combo)
        head.addWidget(year_label)
        head.addWidget(self.year_combo)
        head.addSpacing(12)
        head.addWidget(self.count_label)
        head.addStretch(1)
        head.addWidget(self.add_button)
        head.addWidget(self.edit_button)
        head.addWidget(self.delete_button)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail_view)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.empty_label)
        layout.addWidget(splitter, 1)

    def configure_columns(self) -> None:
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((100, 190, 190, 100, 220)):
            self.table.setColumnWidth(column, width)


class ObservationView(QWidget):
    """Widgets of the page; `ObservationScreen` gives them their behaviour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = page_title(self.tr("Observation"))
        self.subtitle_label = QLabel()
        self.subtitle_label.setWordWrap(True)
        self.figures = FiguresPanel()
        self.participation = ParticipationPanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.figures, self.tr("Données de contexte"))
        self.tabs.addTab(self.participation, self.tr("Participation des habitants"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.tabs, 1)


__all__ = ["TAB_FIGURES", "TAB_PARTICIPATION", "FiguresPanel", "ObservationView",
           "ParticipationPanel"]
