"""The preview of a programmation import: what would be created, updated or left aside, and
the row errors; « Importer » is offered only when no row is wrong."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

ERROR_HEADINGS = ("Feuille", "Ligne", "Colonne", "Valeur", "Motif")
#: More lines than this are summarised (the counts say the rest).
SHOWN_LINES = 2000


class ImportDialog(QDialog):
    """Shows an `ImportPreview`; accepted means « import it »."""

    save_errors_requested = Signal()

    def __init__(self, preview: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self.setWindowTitle(self.tr("Importer « {name} »").format(name=preview.file.name))
        self.resize(900, 600)
        layout = QVBoxLayout(self)

        c = preview.counts
        self.counts_label = QLabel(self.tr(
            "Feuille « {sheet} », {rows} lignes lues.\n"
            "Dossiers : {created} à créer, {updated} à mettre à jour, {unchanged} inchangés, "
            "{skipped} laissés de côté.\n"
            "Financements : {f_created} à créer, {f_updated} à mettre à jour ; versements à "
            "créer : {payments} ; structures à créer : {organisations}.").format(
                sheet=preview.sheet, rows=c.rows, created=c.dossiers_created,
                updated=c.dossiers_updated, unchanged=c.dossiers_unchanged,
                skipped=self.skipped_count(), f_created=c.fundings_created,
                f_updated=c.fundings_updated, payments=c.payments_created,
                organisations=c.organisations_created))
        self.counts_label.setWordWrap(True)
        layout.addWidget(self.counts_label)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

        self.errors_table = QTableWidget(len(preview.errors), len(ERROR_HEADINGS))
        self.errors_table.setHorizontalHeaderLabels([self.tr(h) for h in ERROR_HEADINGS])
        self.errors_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.errors_table.verticalHeader().hide()
        for row, error in enumerate(preview.errors):
            values = (error.sheet, str(error.row) if error.row else "", error.column,
                      error.value, error.reason)
            for column, value in enumerate(values):
                self.errors_table.setItem(row, column, QTableWidgetItem(value))
        header = self.errors_table.horizontalHeader()
        header.setSectionResizeMode(len(ERROR_HEADINGS) - 1, QHeaderView.ResizeMode.Stretch)

        self.lines_list = QListWidget()
        for line in preview.lines[:SHOWN_LINES]:
            self.lines_list.addItem(line.describe())
        if len(preview.lines) > SHOWN_LINES:
            self.lines_list.addItem(self.tr("… et {count} autres.")
                                    .format(count=len(preview.lines) - SHOWN_LINES))
        for note in preview.notes:
            self.lines_list.addItem(self.tr("Note : {note}").format(note=note))

        if preview.errors:
            layout.addWidget(self.errors_table, 1)
            self.lines_list.hide()
        else:
            layout.addWidget(self.lines_list, 1)
            self.errors_table.hide()

        buttons = QDialogButtonBox()
        self.import_button = QPushButton(self.tr("Importer"))
        self.save_errors_button = QPushButton(self.tr("Enregistrer la liste des erreurs…"))
        self.cancel_button = QPushButton(self.tr("Annuler"))
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.save_errors_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.import_button.clicked.connect(self.accept)
        self.cancel_button.clicked.connect(self.reject)
        self.save_errors_button.clicked.connect(self.save_errors_requested)
        layout.addWidget(buttons)

        count = len(preview.errors)
        if count:
            self.status_label.setText(self.tr(
                "{count} erreur(s) : rien ne sera importé tant que le classeur n'est pas "
                "corrigé. Enregistrez la liste des erreurs pour la transmettre ou la corriger."
            ).format(count=count))
        elif not preview.changes_anything:
            self.status_label.setText(self.tr(
                "Rien à changer : la base contient déjà tout ce que dit le classeur."))
        else:
            self.status_label.setText(self.tr(
                "Aucune erreur. L'import enregistre tout d'un coup, après une sauvegarde de la "
                "base ; il ne s'annule pas avec Ctrl+Z."))
        self.import_button.setEnabled(not count and preview.changes_anything)
        self.save_errors_button.setEnabled(bool(count))
        self.save_errors_button.setVisible(bool(count))
        (self.cancel_button if count else self.import_button).setDefault(True)

    def skipped_count(self) -> int:
        from qpvdesk.core.exchange.programmation_import import Outcome

        return sum(1 for line in self.preview.lines if line.outcome is Outcome.SKIPPED)
