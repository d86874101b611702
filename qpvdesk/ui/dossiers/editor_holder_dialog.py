""""Nouvelle structure…" from the dossier editor: create the project holder in the directory,
warned while typing when it looks like one already there."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.enums import OrganisationKind, OrganisationRoleKind
from qpvdesk.core.services.partners import OrganisationInput, OrganisationRow
from qpvdesk.ui.dossiers.editor_widgets import (
    ERROR_COLOUR,
    WARNING_COLOUR,
    FieldBox,
    escape_html,
)

#: Finds organisations that look like the one typed (name, SIRET, RNA).
DuplicateFinder = Callable[[str, str, str], Sequence[OrganisationRow]]
#: Creates the organisation; returns its id, or (field label, message) when refused.
HolderSubmit = Callable[[OrganisationInput], "int | tuple[str, str]"]


class NewHolderDialog(QDialog):
    """Name, acronym, kind, identifiers and contact details of a new project holder."""

    #: The user picked an existing organisation from the duplicate warning (its id).
    existing_chosen = Signal(int)

    def __init__(self, find_duplicates: DuplicateFinder, submit: HolderSubmit,
                 parent: QWidget | None = None, name: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Nouvelle structure"))
        self._find = find_duplicates
        self._submit = submit
        self.created_id: int | None = None
        self.duplicates: list[OrganisationRow] = []

        self.name_edit = QLineEdit(name)
        self.name_edit.setObjectName("holderName")
        self.name_edit.setPlaceholderText(self.tr("Nom complet, tel qu'aux statuts"))
        self.acronym_edit = QLineEdit()
        self.acronym_edit.setObjectName("holderAcronym")
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("holderKind")
        for kind in OrganisationKind:
            self.kind_combo.addItem(kind.label, kind.value)
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(OrganisationKind.ASSOCIATION))
        self.siret_edit = QLineEdit()
        self.siret_edit.setObjectName("holderSiret")
        self.siret_edit.setPlaceholderText(self.tr("14 chiffres"))
        self.rna_edit = QLineEdit()
        self.rna_edit.setObjectName("holderRna")
        self.rna_edit.setPlaceholderText(self.tr("W suivi de 9 caractères"))
        self.email_edit = QLineEdit()
        self.email_edit.setObjectName("holderEmail")
        self.phone_edit = QLineEdit()
        self.phone_edit.setObjectName("holderPhone")
        self.address_edit = QLineEdit()
        self.address_edit.setObjectName("holderAddress")
        # Field labels as the service names them in its messages.
        self.boxes: dict[str, FieldBox] = {
            "Nom": FieldBox(self.tr("&Nom"), self.name_edit),
            "Sigle": FieldBox(self.tr("&Sigle"), self.acronym_edit),
            "Type": FieldBox(self.tr("&Type"), self.kind_combo),
            "SIRET": FieldBox(self.tr("S&IRET"), self.siret_edit),
            "RNA": FieldBox(self.tr("&RNA"), self.rna_edit),
            "Courriel": FieldBox(self.tr("&Courriel"), self.email_edit),
            "Téléphone": FieldBox(self.tr("Télé&phone"), self.phone_edit),
            "Adresse": FieldBox(self.tr("&Adresse"), self.address_edit),
        }
        self.duplicate_label = QLabel()
        self.duplicate_label.setObjectName("duplicateWarning")
        self.duplicate_label.setWordWrap(True)
        self.duplicate_label.setTextFormat(Qt.TextFormat.RichText)
        self.duplicate_label.linkActivated.connect(self._on_link)
        self.duplicate_label.hide()
        self.general_error = QLabel()
        self.general_error.setWordWrap(True)
        self.general_error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.general_error.hide()
        note = QLabel(self.tr("Elle est enregistrée comme porteur de projet ; le reste de sa "
                              "fiche se complète dans Partenaires."))
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Créer la structure"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)

        grid = QGridLayout()
        grid.addWidget(self.boxes["Nom"], 0, 0, 1, 2)
        grid.addWidget(self.boxes["Sigle"], 1, 0)
        grid.addWidget(self.boxes["Type"], 1, 1)
        grid.addWidget(self.boxes["SIRET"], 2, 0)
        grid.addWidget(self.boxes["RNA"], 2, 1)
        grid.addWidget(self.boxes["Courriel"], 3, 0)
        grid.addWidget(self.boxes["Téléphone"], 3, 1)
        grid.addWidget(self.boxes["Adresse"], 4, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.duplicate_label)
        layout.addWidget(note)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.check_duplicates)
        for edit in (self.name_edit, self.siret_edit, self.rna_edit):
            edit.textChanged.connect(self._timer.start)
        self.resize(max(self.sizeHint().width(), 560), self.sizeHint().height())
        self.name_edit.setFocus()
        if name:
            self.check_duplicates()

    def data(self) -> OrganisationInput:
        return OrganisationInput(
            name=self.name_edit.text(),
            acronym=self.acronym_edit.text(),
            kind=OrganisationKind(self.kind_combo.currentData()),
            roles=frozenset({OrganisationRoleKind.PROJECT_HOLDER}),
            siret=self.siret_edit.text(),
            rna=self.rna_edit.text(),
            address=self.address_edit.text(),
            email=self.email_edit.text(),
            phone=self.phone_edit.text(),
        )

    def check_duplicates(self) -> None:
        """Warn (never refuse) when the directory holds a look-alike."""
        self._timer.stop()
        name = self.name_edit.text().strip()
        if not (name or self.siret_edit.text().strip() or self.rna_edit.text().strip()):
            self.duplicates = []
        else:
            self.duplicates = list(self._find(name, self.siret_edit.text(),
                                              self.rna_edit.text()))
        if not self.duplicates:
            self.duplicate_label.hide()
            return
        self._show_warning()

    def _show_warning(self) -> None:
        items = "<br>".join(
            f"• {escape_html(row.display_name)}"
            + (f" — SIRET {escape_html(row.siret)}" if row.siret else "")
            + (f" — RNA {escape_html(row.rna)}" if row.rna else "")
            + f" — <a href='org:{row.id}'>{escape_html(self.tr('utiliser celle-ci'))}</a>"
            for row in self.duplicates
        )
        self.duplicate_label.setText(
            f"<span style='color:{WARNING_COLOUR}'><b>"
            + escape_html(self.tr("Attention : l'annuaire contient déjà une structure "
                                  "ressemblante. Vérifiez qu'il ne s'agit pas de la même."))
            + f"</b></span><br>{items}")
        self.duplicate_label.show()
        # Grow to show the warning rather than squeezing the fields.
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def _on_link(self, link: str) -> None:
        if link.startswith("org:"):
            self.existing_chosen.emit(int(link.split(":", 1)[1]))
            self.reject()

    def show_errors(self, errors: dict[str, str]) -> None:
        leftover = [message for field, message in errors.items() if field not in self.boxes]
        for field, box in self.boxes.items():
            box.set_error(errors.get(field))
        self.general_error.setText("\n".join(leftover))
        self.general_error.setVisible(bool(leftover))

    def error_text(self, field: str) -> str:
        return self.boxes[field].error_text()

    def _on_ok(self) -> None:
        if not self.name_edit.text().strip():
            self.show_errors({"Nom": self.tr("Nom : indiquez le nom de la structure.")})
            return
        result = self._submit(self.data())
        if isinstance(result, tuple):
            field, message = result
            self.show_errors({field: message})
            return
        self.created_id = result
        self.accept()
