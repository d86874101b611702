"""The standing-document dialog: its kind, the file to copy in, its dates of validity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from qpvdesk.core.services.documents import STANDING_KINDS, DocumentKind
from qpvdesk.ui.partners.fields import DateError, DateField
from qpvdesk.ui.partners.form_dialog import Errors, FormDialog

KIND, FILE, VALID_FROM, VALID_UNTIL = (
    "Type de document", "Fichier", "Début de validité", "Fin de validité",
)

#: Asks for a file to add (None when cancelled); tests replace it.
FileChooser = Callable[[QWidget], Path | None]


def choose_document_file(parent: QWidget) -> Path | None:
    """The system's "open file" dialog, for PDF and scanned documents."""
    path, _filter = QFileDialog.getOpenFileName(
        parent, parent.tr("Choisir le document"), "",
        parent.tr("Documents (*.pdf *.jpg *.jpeg *.png *.odt *.doc *.docx);;Tous les fichiers (*)"),
    )
    return Path(path) if path else None


class DocumentDialog(FormDialog):
    """Add a document (with its file) or change an existing one's kind and dates."""

    def __init__(self, organisation_name: str, parent: QWidget | None = None, *,
                 kind: str = DocumentKind.STATUTES, filename: str | None = None,
                 valid_from: date | None = None, valid_until: date | None = None,
                 choose_file: FileChooser = choose_document_file) -> None:
        new = filename is None
        super().__init__(
            self.tr("Ajouter un document — {name}").format(name=organisation_name) if new
            else self.tr("Document « {file} »").format(file=filename),
            self.tr("Ajouter") if new else self.tr("Enregistrer"),
            parent,
        )
        self._choose_file = choose_file
        self.kind_combo = QComboBox()
        for document_kind in STANDING_KINDS:
            self.kind_combo.addItem(document_kind.label, document_kind.value)
        index = self.kind_combo.findData(str(kind))
        if index < 0:  # a kind filed elsewhere (a dossier's): kept as it is
            self.kind_combo.addItem(str(kind), str(kind))
            index = self.kind_combo.count() - 1
        self.kind_combo.setCurrentIndex(index)
        self.add_field(KIND, self.tr("Type"), self.kind_combo)

        self.file_edit = QLineEdit()
        self.file_edit.setObjectName("documentFile")
        self.browse_button = QPushButton(self.tr("Parcourir…"))
        self.browse_button.clicked.connect(self._browse)
        if new:
            file_row = QWidget()
            row_layout = QHBoxLayout(file_row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            row_layout.addWidget(self.file_edit, 1)
            row_layout.addWidget(self.browse_button)
            self.file_edit.setPlaceholderText(self.tr("Chemin du fichier (PDF, image…)"))
            self.add_field(FILE, self.tr("Fichier *"), file_row, focus=self.file_edit)

        self.valid_from_field = DateField(VALID_FROM)
        self.valid_from_field.set_value(valid_from)
        self.valid_until_field = DateField(VALID_UNTIL)
        self.valid_until_field.set_value(valid_until)
        self.add_field(VALID_FROM, self.tr("Valide à partir du"), self.valid_from_field,
                       focus=self.valid_from_field.edit)
        self.add_field(VALID_UNTIL, self.tr("Valide jusqu'au"), self.valid_until_field,
                       focus=self.valid_until_field.edit)
        hint = QLabel(self.tr("Laissez la fin de validité vide pour un document sans échéance "
                              "(statuts). Un document échu apparaît en rouge tant qu'aucun "
                              "document plus récent du même type ne le remplace."))
        hint.setWordWrap(True)
        self.insert_widget(hint)
        self.validate = self._check

    def _browse(self) -> None:
        path = self._choose_file(self)
        if path is not None:
            self.file_edit.setText(str(path))

    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def path(self) -> Path | None:
        text = self.file_edit.text().strip()
        return Path(text) if text else None

    def dates(self) -> tuple[date | None, date | None]:
        """The dates typed (call after a successful `validate`)."""
        return self.valid_from_field.value(), self.valid_until_field.value()

    def _check(self) -> Errors:
        errors: Errors = {}
        if self.messages.get(FILE) is not None and self.path() is None:
            errors[FILE] = self.tr("Fichier : choisissez le fichier à ajouter.")
        dates: list[date | None] = []
        for key, field in ((VALID_FROM, self.valid_from_field),
                           (VALID_UNTIL, self.valid_until_field)):
            try:
                dates.append(field.value())
            except DateError as error:
                errors[key] = str(error)
                dates.append(None)
        start, end = dates
        if start is not None and end is not None and end < start:
            errors[VALID_UNTIL] = self.tr(
                "Fin de validité : le {end} précède le début de validité ({start})."
            ).format(end=end.strftime("%d/%m/%Y"), start=start.strftime("%d/%m/%Y"))
        return errors
