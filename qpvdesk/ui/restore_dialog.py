"""The "Restaurer une sauvegarde…" dialog: pick one of the file's backups, newest first."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.storage.backups import BackupInfo
from qpvdesk.ui.formatting import file_size

REASONS = {
    "ouverture": "à l'ouverture",
    "fermeture": "à la fermeture",
    "periodique": "périodique",
    "manuelle": "manuelle",
    "migration": "avant mise à jour du schéma",
    "import": "avant import",
    "restauration": "avant restauration",
    "effacement": "avant effacement de données (RGPD)",
    "avant_restauration": "état remplacé par une restauration",
}


class RestoreDialog(QDialog):
    """A list of backups (date, reason, size)."""

    def __init__(self, backups: Sequence[BackupInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Restaurer une sauvegarde"))
        self.resize(640, 420)
        self._backups = list(backups)
        intro = QLabel(self.tr("Choisissez la sauvegarde à remettre en place. Le fichier actuel "
                               "n'est pas supprimé : il est conservé à côté, sous un autre nom."))
        intro.setWordWrap(True)
        self.list = QTreeWidget()
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setHeaderLabels([self.tr("Date"), self.tr("Motif"), self.tr("Taille")])
        for backup in self._backups:
            item = QTreeWidgetItem([
                backup.taken_at.strftime("%d/%m/%Y %H:%M:%S"),
                self.tr(REASONS.get(backup.reason, backup.reason)),
                file_size(backup.size),
            ])
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(0, str(backup.path))
            self.list.addTopLevelItem(item)
        header = self.list.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        first = self.list.topLevelItem(0)
        if first is not None:
            self.list.setCurrentItem(first)
        buttons = QDialogButtonBox()
        buttons.addButton(self.tr("Restaurer…"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("Annuler"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda *_: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)

    def chosen(self) -> BackupInfo | None:
        item = self.list.currentItem()
        if item is None:
            return None
        return self._backups[self.list.indexOfTopLevelItem(item)]


def choose_backup(parent: QWidget | None, backups: Sequence[BackupInfo]) -> BackupInfo | None:
    """Show the dialog; the chosen backup, or None."""
    dialog = RestoreDialog(backups, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.chosen()
