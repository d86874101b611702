"""Layout of the "Appels à projets" page: toolbar, the list of calls, the editor under it."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.services.calls import CallRow
from qpvdesk.ui.calls.call_editor import CallEditor
from qpvdesk.ui.formatting import number
from qpvdesk.ui.partners.column_model import CENTER, RIGHT, Column
from qpvdesk.ui.partners.fields import format_date

COLUMN_YEAR, COLUMN_TITLE, COLUMN_OPENS, COLUMN_CLOSES, COLUMN_STATE = range(5)
COLUMN_DOSSIERS, COLUMN_ENVELOPES, COLUMN_LATE = 5, 6, 7


def _tr(text: str) -> str:
    return QCoreApplication.translate("CallsView", text)


def _late_tip(row: CallRow) -> str | None:
    if not row.late_dossiers:
        return None
    return _tr("{n} dossier(s) reçu(s) après la clôture du {date} : signalés, pas refusés.") \
        .format(n=row.late_dossiers, date=format_date(row.closes_on))


def call_columns() -> list[Column[CallRow]]:
    """The list's columns (translated now: call once a QApplication exists)."""
    return [
        Column(_tr("Année"), lambda r: str(r.year), sort_key=lambda r: r.year),
        Column(_tr("Intitulé"), lambda r: r.title, tooltip=lambda r: r.title),
        Column(_tr("Ouverture"), lambda r: format_date(r.opens_on), sort_key=lambda r: r.opens_on,
               align=CENTER),
        Column(_tr("Clôture"), lambda r: format_date(r.closes_on), sort_key=lambda r: r.closes_on,
               align=CENTER),
        Column(_tr("État"), lambda r: r.state_label,
               sort_key=lambda r: ("draft", "open", "closed", "programmed").index(r.state.value)),
        Column(_tr("Dossiers"), lambda r: number(r.dossiers), sort_key=lambda r: r.dossiers,
               align=RIGHT),
        Column(_tr("Enveloppes"), lambda r: r.envelopes_total.format(),
               sort_key=lambda r: r.envelopes_total.cents, align=RIGHT,
               header_tooltip=_tr("Total des enveloppes sur lesquelles l'appel s'appuie")),
        Column(_tr("En retard"), lambda r: number(r.late_dossiers) if r.late_dossiers else "",
               sort_key=lambda r: r.late_dossiers, align=RIGHT,
               alert=lambda r: r.late_dossiers > 0, tooltip=_late_tip,
               header_tooltip=_tr("Dossiers reçus après la date de clôture (signalés, pas "
                                  "refusés)")),
    ]


class CallsView(QWidget):
    """Widgets and actions of the page; `CallsScreen` gives them their behaviour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        icon = self.style().standardIcon
        pixmap = QStyle.StandardPixmap

        self.title_label = QLabel(self.tr("Appels à projets"))
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title_label.setFont(font)
        self.subtitle_label = QLabel()
        self.subtitle_label.setWordWrap(True)

        self.new_action = QAction(icon(pixmap.SP_FileIcon), self.tr("Nouvel appel"), self)
        self.new_action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        self.new_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.new_action.setToolTip(self.tr("Nouvel appel à projets (Ctrl+N)"))
        self.addAction(self.new_action)
        self.delete_action = QAction(icon(pixmap.SP_TrashIcon), self.tr("Supprimer"), self)
        self.delete_action.setToolTip(self.tr("Supprimer cet appel (si aucun dossier n'y est "
                                              "rattaché)"))
        self.show_dossiers_action = QAction(icon(pixmap.SP_FileDialogDetailedView),
                                            self.tr("Voir les dossiers"), self)
        self.show_dossiers_action.setToolTip(self.tr("Ouvrir la liste des dossiers de cet "
                                                     "appel"))
        self.toolbar = QToolBar(self.tr("Appels à projets"))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.addAction(self.new_action)
        self.toolbar.addAction(self.delete_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.show_dossiers_action)

        self.table = QTableView()
        self.table.setObjectName("callTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        self.table.horizontalHeader().setHighlightSections(False)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.empty_label = QLabel(self.tr("Aucun appel à projets pour l'instant : créez celui "
                                          "de l'année avec « Nouvel appel »."))
        self.empty_label.setWordWrap(True)

        self.editor = CallEditor()
        self.no_selection_label = QLabel(self.tr("Sélectionnez un appel à projets dans la liste "
                                                 "pour le modifier."))
        self.no_selection_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.empty_label)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.editor, 1)
        bottom_layout.addWidget(self.no_selection_label, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)

    def fit_list_height(self, rows: int) -> None:
        """The list as tall as its calls (three to eight lines), the editor gets the rest."""
        table = self.table
        lines = max(3, min(8, rows))
        wanted = (table.horizontalHeader().sizeHint().height()
                  + lines * table.verticalHeader().defaultSectionSize()
                  + 2 * table.frameWidth() + 4)
        total = sum(self.splitter.sizes()) or self.splitter.height()
        if total > wanted:
            self.splitter.setSizes([wanted, total - wanted])

    def configure_columns(self) -> None:
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMN_TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicatorShown(True)
