"""Layout of the "Évaluation" page: the evaluative questions with what answers them, and the
comptes rendus financiers of the dossiers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.ui.actions.shared import caption, configure_table, page_title
from qpvdesk.ui.evaluation.evaluation_models import COLUMN_INDICATOR, COLUMN_OWNER
from qpvdesk.ui.evaluation.link_pickers import ActionLinkList, IndicatorLinkTree
from qpvdesk.ui.evaluation.report_form import FinancialReportForm
from qpvdesk.ui.partners.form_dialog import FormDialog

TAB_QUESTIONS, TAB_REPORTS = range(2)


class QuestionDialog(FormDialog):
    """The text of an evaluative question."""

    def __init__(self, text: str, new: bool, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Nouvelle question évaluative") if new
                         else self.tr("Question évaluative"),
                         self.tr("Ajouter") if new else self.tr("Enregistrer"), parent)
        self.setMinimumWidth(640)
        self.text_edit = QPlainTextEdit(text)
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setMinimumHeight(self.text_edit.fontMetrics().lineSpacing() * 5)
        self.text_edit.setPlaceholderText(self.tr("En quoi le contrat de ville…"))
        self.add_field("text", self.tr("Question"), self.text_edit)


class QuestionsPanel(QWidget):
    """Questions on the left; the selected one's links and trajectories on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableView()
        self.table.setObjectName("questionTable")
        configure_table(self.table, sortable=False)
        self.table.setWordWrap(True)
        self.add_button = QPushButton(self.tr("Ajouter…"))
        self.edit_button = QPushButton(self.tr("Modifier…"))
        self.delete_button = QPushButton(self.tr("Supprimer"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(caption(self.tr("Questions évaluatives")))
        left_layout.addWidget(self.table, 1)
        left_layout.addLayout(buttons)

        self.question_label = caption("", 1.1)
        self.question_label.setWordWrap(True)
        self.question_label.setTextFormat(Qt.TextFormat.PlainText)
        self.only_linked_box = QCheckBox(self.tr("Montrer seulement ce qui est lié"))
        self.indicators_caption = caption(self.tr("Indicateurs liés"))
        self.indicator_tree = IndicatorLinkTree()
        self.actions_caption = caption(self.tr("Actions liées"))
        self.action_list = ActionLinkList()
        self.trajectory_caption = caption(self.tr("Trajectoires des indicateurs liés : prévu "
                                                  "et réalisé année par année"))
        self.trajectory_table = QTableView()
        self.trajectory_table.setObjectName("trajectoryTable")
        configure_table(self.trajectory_table, sortable=False)
        self.no_trajectory_label = QLabel(self.tr("Cochez les indicateurs qui répondent à la "
                                                  "question pour suivre ici leurs valeurs."))
        self.no_trajectory_label.setWordWrap(True)

        links = QSplitter(Qt.Orientation.Horizontal)
        for title, widget in ((self.indicators_caption, self.indicator_tree),
                              (self.actions_caption, self.action_list)):
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.addWidget(title)
            box_layout.addWidget(widget, 1)
            links.addWidget(box)
        links.setChildrenCollapsible(False)
        links_box = QWidget()
        links_layout = QVBoxLayout(links_box)
        links_layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.question_label, 1)
        head.addWidget(self.only_linked_box, 0, Qt.AlignmentFlag.AlignTop)
        links_layout.addLayout(head)
        links_layout.addWidget(links, 1)
        trajectory_box = QWidget()
        trajectory_layout = QVBoxLayout(trajectory_box)
        trajectory_layout.setContentsMargins(0, 0, 0, 0)
        trajectory_layout.addWidget(self.trajectory_caption)
        trajectory_layout.addWidget(self.no_trajectory_label)
        trajectory_layout.addWidget(self.trajectory_table, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(links_box)
        right.addWidget(trajectory_box)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        right.setChildrenCollapsible(False)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.splitter, 1)
        # Wrapped questions take the height their width gives them.
        self.table.horizontalHeader().sectionResized.connect(
            lambda *_args: self.table.resizeRowsToContents())

    def configure_columns(self) -> None:
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        trajectory = self.trajectory_table.horizontalHeader()
        trajectory.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        trajectory.setSectionResizeMode(COLUMN_INDICATOR, QHeaderView.ResizeMode.Interactive)
        trajectory.setSectionResizeMode(COLUMN_OWNER, QHeaderView.ResizeMode.Stretch)
        trajectory.setMinimumSectionSize(48)
        self.trajectory_table.setColumnWidth(COLUMN_INDICATOR, 230)

    def fit(self) -> None:
        total = sum(self.splitter.sizes()) or self.splitter.width()
        left = min(420, max(300, total // 3))
        if total > left * 2:
            self.splitter.setSizes([left, total - left])


class ReportsPanel(QWidget):
    """Dossiers whose compte rendu financier is due or received, and the form to record one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter_combo = QComboBox()
        self.filter_combo.setObjectName("reportFilter")
        self.count_label = QLabel()
        self.table = QTableView()
        self.table.setObjectName("reportDossiers")
        configure_table(self.table)
        self.open_button = QPushButton(self.tr("Ouvrir le dossier"))
        self.empty_label = QLabel(self.tr("Aucun dossier ici : un compte rendu financier se "
                                          "saisit une fois la subvention accordée."))
        self.empty_label.setWordWrap(True)
        self.form = FinancialReportForm()
        self.no_selection_label = QLabel(self.tr("Sélectionnez un dossier pour saisir son "
                                                 "compte rendu financier (CERFA 15059)."))
        self.no_selection_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        head = QHBoxLayout()
        show_label = QLabel(self.tr("Afficher"))
        show_label.setBuddy(self.filter_combo)
        head.addWidget(show_label)
        head.addWidget(self.filter_combo)
        head.addStretch(1)
        head.addWidget(self.count_label)
        head.addWidget(self.open_button)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(head)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.empty_label)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.form, 1)
        bottom_layout.addWidget(self.no_selection_label, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.splitter, 1)

    def configure_columns(self) -> None:
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

    def fit(self) -> None:
        """The list gets a third of the height, the form the rest."""
        total = sum(self.splitter.sizes()) or self.splitter.height()
        if total > 300:
            self.splitter.setSizes([total // 3, total - total // 3])


class EvaluationView(QWidget):
    """Widgets of the page; `EvaluationScreen` gives them their behaviour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = page_title(self.tr("Évaluation"))
        self.subtitle_label = QLabel()
        self.subtitle_label.setWordWrap(True)
        # The reports of the contract's chapter ÉVALUATION, as PDF.
        self.bilan_year_combo = QComboBox()
        self.bilan_year_combo.setObjectName("bilanYear")
        self.bilan_button = QPushButton(self.tr("Bilan annuel (PDF)…"))
        self.bilan_button.setObjectName("bilanPdf")
        self.bilan_button.setToolTip(self.tr("Le bilan annuel pour le COPIL : programmation, "
                                             "couverture des objectifs, indicateurs, "
                                             "participation, suites, données de contexte"))
        self.first_year_combo = QComboBox()
        self.last_year_combo = QComboBox()
        self.evaluation_button = QPushButton(self.tr("Évaluation (PDF)…"))
        self.evaluation_button.setObjectName("evaluationPdf")
        self.evaluation_button.setToolTip(self.tr("L'évaluation sur une période (2024–2026 à "
                                                  "mi-parcours, tout le contrat à la fin) : "
                                                  "questions évaluatives, trajectoires, argent"))
        reports_row = QHBoxLayout()
        reports_row.addWidget(QLabel(self.tr("Bilan de")))
        reports_row.addWidget(self.bilan_year_combo)
        reports_row.addWidget(self.bilan_button)
        reports_row.addSpacing(24)
        reports_row.addWidget(QLabel(self.tr("Évaluation de")))
        reports_row.addWidget(self.first_year_combo)
        reports_row.addWidget(QLabel(self.tr("à")))
        reports_row.addWidget(self.last_year_combo)
        reports_row.addWidget(self.evaluation_button)
        reports_row.addStretch(1)
        self.questions = QuestionsPanel()
        self.reports = ReportsPanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.questions, self.tr("Questions évaluatives"))
        self.tabs.addTab(self.reports, self.tr("Comptes rendus financiers"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addLayout(reports_row)
        layout.addWidget(self.tabs, 1)

    def fit_splitters(self) -> None:
        self.questions.fit()
        self.reports.fit()


__all__ = ["TAB_QUESTIONS", "TAB_REPORTS", "EvaluationView", "QuestionDialog"]
