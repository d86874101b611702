"""Layout of the selected action: its form, progress notes, dossiers and money, indicators.

Widgets only; `ActionsScreen` fills them and gives them their behaviour.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.services.actions import ActionDossier, NoteRow
from qpvdesk.core.services.funding import FundingRow
from qpvdesk.core.services.indicators import IndicatorRow
from qpvdesk.ui.actions.action_editor import ActionEditor
from qpvdesk.ui.actions.action_models import (
    ValueLine,
    YearLine,
    dossier_columns,
    funding_columns,
    indicator_columns,
    note_columns,
    value_columns,
    year_columns,
)
from qpvdesk.ui.actions.shared import caption, configure_table
from qpvdesk.ui.partners.column_model import ColumnTableModel

TAB_FORM, TAB_NOTES, TAB_MONEY, TAB_INDICATORS = range(4)


def _table(name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    configure_table(table)
    return table


def _stretch(table: QTableView, column: int) -> None:
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


def _buttons(*buttons: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row


class NotesPanel(QWidget):
    """Dated progress notes, the latest first, with the selected one in full."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: ColumnTableModel[NoteRow] = ColumnTableModel(note_columns(), self)
        self.table = _table("actionNotes")
        self.table.setModel(self.model)
        _stretch(self.table, 1)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setPlaceholderText(self.tr("Sélectionnez une note pour la lire en "
                                                  "entier."))
        self.add_button = QPushButton(self.tr("Ajouter une note…"))
        self.edit_button = QPushButton(self.tr("Modifier…"))
        self.delete_button = QPushButton(self.tr("Supprimer"))
        self.empty_label = QLabel(self.tr("Aucune note de suivi : notez ici, date à l'appui, où "
                                          "en est l'action."))
        self.empty_label.setWordWrap(True)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.text_view)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(_buttons(self.add_button, self.edit_button, self.delete_button))
        layout.addWidget(self.empty_label)
        layout.addWidget(splitter, 1)


class MoneyPanel(QWidget):
    """The action's money per year, its dossiers year after year, every funding row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.years_model: ColumnTableModel[YearLine] = ColumnTableModel(year_columns(), self)
        self.years_table = _table("actionYears")
        self.years_table.setModel(self.years_model)
        self.years_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.years_table.horizontalHeader().setMinimumSectionSize(80)
        self.dossiers_model: ColumnTableModel[ActionDossier] = ColumnTableModel(
            dossier_columns(), self)
        self.dossiers_table = _table("actionDossiers")
        self.dossiers_table.setModel(self.dossiers_model)
        self.dossiers_table.setToolTip(self.tr("Double-cliquez sur un dossier pour l'ouvrir."))
        _stretch(self.dossiers_table, 2)
        self.funding_model: ColumnTableModel[FundingRow] = ColumnTableModel(
            funding_columns(), self)
        self.funding_table = _table("actionFunding")
        self.funding_table.setModel(self.funding_model)
        _stretch(self.funding_table, 2)
        self.open_dossier_button = QPushButton(self.tr("Ouvrir le dossier"))
        self.show_dossiers_button = QPushButton(self.tr("Voir dans la page Dossiers"))
        self.common_law_button = QPushButton(self.tr("Montant de droit commun…"))
        self.common_law_button.setObjectName("commonLawAmount")
        self.remove_common_law_button = QPushButton(self.tr("Retirer ce montant"))
        self.funding_hint = QLabel()
        self.funding_hint.setWordWrap(True)

        top = QHBoxLayout()
        years_box = QVBoxLayout()
        years_box.addWidget(caption(self.tr("Année par année")))
        years_box.addWidget(self.years_table, 1)
        #: Hidden for an action without dossier (a partner's droit commun).
        self.dossiers_box = QWidget()
        dossiers_box = QVBoxLayout(self.dossiers_box)
        dossiers_box.setContentsMargins(0, 0, 0, 0)
        dossiers_box.addWidget(caption(self.tr("Dossiers (demandes de subvention)")))
        dossiers_box.addWidget(self.dossiers_table, 1)
        dossiers_box.addLayout(_buttons(self.open_dossier_button, self.show_dossiers_button))
        top.addLayout(years_box, 2)
        top.addWidget(self.dossiers_box, 3)
        funding_head = QHBoxLayout()
        funding_head.addWidget(caption(self.tr("Financements")))
        funding_head.addStretch(1)
        funding_head.addWidget(self.common_law_button)
        funding_head.addWidget(self.remove_common_law_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 2)
        layout.addLayout(funding_head)
        layout.addWidget(self.funding_hint)
        layout.addWidget(self.funding_table, 3)


class IndicatorsPanel(QWidget):
    """The action's indicators, and the selected one's values year by year."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: ColumnTableModel[IndicatorRow] = ColumnTableModel(indicator_columns(), self)
        self.table = _table("actionIndicators")
        self.table.setModel(self.model)
        _stretch(self.table, 0)
        self.values_model: ColumnTableModel[ValueLine] = ColumnTableModel(value_columns(), self)
        self.values_table = _table("indicatorValues")
        self.values_table.setModel(self.values_model)
        self.values_table.setToolTip(self.tr("Double-cliquez sur une année pour saisir ses "
                                             "valeurs."))
        header = self.values_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.presets_button = QPushButton(self.tr("Ajouter les indicateurs courants"))
        self.presets_button.setObjectName("addPresets")
        self.presets_button.setToolTip(self.tr(
            "Bénéficiaires, dont habitants du QPV, dont femmes, dont moins de 26 ans — "
            "avec les chiffres prévus que les dossiers annoncent déjà"))
        self.new_button = QPushButton(self.tr("Nouvel indicateur…"))
        self.edit_button = QPushButton(self.tr("Modifier…"))
        self.delete_button = QPushButton(self.tr("Supprimer"))
        self.values_caption = caption("")
        self.values_button = QPushButton(self.tr("Saisir les valeurs de l'année…"))
        self.empty_label = QLabel(self.tr("Aucun indicateur : ajoutez les indicateurs courants "
                                          "ou un indicateur propre à l'action."))
        self.empty_label.setWordWrap(True)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        values_head = QHBoxLayout()
        values_head.addWidget(self.values_caption, 1)
        values_head.addWidget(self.values_button)
        bottom_layout.addLayout(values_head)
        bottom_layout.addWidget(self.values_table, 1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(_buttons(self.presets_button, self.new_button, self.edit_button,
                                      self.delete_button))
        top_layout.addWidget(self.empty_label)
        top_layout.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)


class ActionDetailView(QWidget):
    """The selected action: heading, facts, and four tabs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading_label = caption("", 1.2)
        self.heading_label.setWordWrap(True)
        self.heading_label.setTextFormat(Qt.TextFormat.PlainText)
        self.facts_label = QLabel()
        self.facts_label.setWordWrap(True)
        self.facts_label.setTextFormat(Qt.TextFormat.PlainText)
        self.editor = ActionEditor()
        self.notes = NotesPanel()
        self.money = MoneyPanel()
        self.indicators = IndicatorsPanel()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        # Each tab scrolls when the window is short, rather than forcing the window taller.
        self.tabs.addTab(_scrolled(self.editor), self.tr("Fiche"))
        self.tabs.addTab(_scrolled(self.notes), self.tr("Suivi"))
        self.tabs.addTab(_scrolled(self.money), self.tr("Dossiers et financements"))
        self.tabs.addTab(_scrolled(self.indicators), self.tr("Indicateurs"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.heading_label)
        layout.addWidget(self.facts_label)
        layout.addWidget(self.tabs, 1)


__all__ = ["ActionDetailView", "IndicatorsPanel", "MoneyPanel", "NotesPanel"]
