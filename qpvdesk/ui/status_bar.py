"""The status bar: which file is open, whether it is read-only, when it was last backed up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFrame, QLabel, QStatusBar, QWidget

if TYPE_CHECKING:
    from qpvdesk.core.storage.database import Database


def _separator() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.VLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


class DatabaseStatusBar(QStatusBar):
    """Permanent labels on the right; transient messages on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.file_label = QLabel()
        self.read_only_label = QLabel(self.tr("lecture seule"))
        self.read_only_label.setStyleSheet(
            "QLabel { color: #8a4b00; font-weight: bold; padding: 0 6px; }"
        )
        self.backup_label = QLabel()
        self.separator = _separator()
        self.addPermanentWidget(self.file_label)
        self.addPermanentWidget(self.read_only_label)
        self.addPermanentWidget(self.separator)
        self.addPermanentWidget(self.backup_label)
        # Nothing to say until a file is given (the frame shows « Ouverture de … » meanwhile).
        self.read_only_label.setVisible(False)
        self.separator.setVisible(False)

    def show_database(self, database: Database) -> None:
        origin = database.origin
        text = self.tr("Base : {path}").format(path=origin)
        if database.path != origin:
            text += self.tr(" (copie de travail locale)")
        self.file_label.setText(text)
        self.file_label.setToolTip(
            self.tr("Fichier de données : {path}").format(path=origin)
            if database.path == origin else
            self.tr("Fichier de données : {path}\nCopie de travail : {local}")
            .format(path=origin, local=database.path)
        )
        self.read_only_label.setVisible(database.read_only)
        self.separator.setVisible(True)
        self.show_last_backup(database)

    def show_last_backup(self, database: Database) -> None:
        # Not imported with the frame, which is shown before any file (nor datetime) is needed.
        from qpvdesk.ui.formatting import date_time

        self.backup_label.setText(
            self.tr("Dernière sauvegarde : {when}")
            .format(when=date_time(database.last_backup(), self.tr("aucune")))
        )
