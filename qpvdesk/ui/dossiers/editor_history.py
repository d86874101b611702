"""The "Historique" tab of the dossier editor: state changes with their author and comment,
and every audited change of the dossier's amounts, funding rows and payments."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.services.dossiers import HistoryRow
from qpvdesk.ui.formatting import date_time
from qpvdesk.ui.widgets.wrapping_delegate import WrappingDelegate

WHEN, WHO, WHAT, COMMENT = range(4)


class HistoryTab(QWidget):
    """The dossier's life, most recent first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: tuple[HistoryRow, ...] = ()
        self.empty_label = QLabel(self.tr("L'historique commence à l'enregistrement du "
                                          "dossier."))
        self.tree = QTreeWidget()
        self.tree.setObjectName("historyTree")
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels([self.tr("Date"), self.tr("Par"), self.tr("Évènement"),
                                   self.tr("Commentaire")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(True)
        metrics = self.fontMetrics()
        self.tree.setColumnWidth(WHEN, metrics.horizontalAdvance("00/00/0000 00:00") + 24)
        self.tree.setColumnWidth(WHO, metrics.horizontalAdvance("prenom.nom.long") + 24)
        self.tree.setColumnWidth(WHAT, metrics.horizontalAdvance("x" * 70))
        header.setSectionResizeMode(WHAT, QHeaderView.ResizeMode.Interactive)
        self.tree.setItemDelegate(WrappingDelegate(self.tree, (WHAT, COMMENT)))
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.tree, 1)

    def show_rows(self, rows: Sequence[HistoryRow]) -> None:
        self.rows = tuple(rows)
        self.tree.clear()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for row in reversed(rows):
            item = QTreeWidgetItem([
                date_time(row.at.astimezone()),
                row.user or "",
                row.description,
                row.comment or "",
            ])
            item.setData(WHEN, Qt.ItemDataRole.UserRole, row.kind)
            item.setToolTip(WHAT, row.description)
            if row.comment:
                item.setToolTip(COMMENT, row.comment)
            if row.kind in ("state", "creation"):
                item.setFont(WHAT, bold)
            self.tree.addTopLevelItem(item)
        self.empty_label.setVisible(not rows)

    def texts(self) -> list[tuple[str, str, str, str]]:
        """What the table shows, row by row (for tests and copy)."""
        result = []
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            result.append(tuple(item.text(column) for column in range(4)))
        return result  # type: ignore[return-value]
