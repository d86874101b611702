"""The contact dialog: a partner's staff member and the committees they sit on."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services.partners import (
    MAX_FUNCTION,
    MAX_PERSON_NAME,
    ContactInput,
    clean_email,
    clean_phone,
)
from qpvdesk.ui.partners.form_dialog import Errors, FormDialog

LAST_NAME, FIRST_NAME, FUNCTION, EMAIL, PHONE, NOTES, COMMITTEES = (
    "Nom", "Prénom", "Fonction", "Courriel", "Téléphone", "Notes", "Instances",
)


def check_contact(data: ContactInput) -> Errors:
    """Every problem of the typed contact, by field."""
    errors: Errors = {}
    last_name = " ".join(data.last_name.split())
    if not last_name:
        errors[LAST_NAME] = "Nom : indiquez le nom de la personne."
    elif len(last_name) > MAX_PERSON_NAME:
        errors[LAST_NAME] = f"Nom : {MAX_PERSON_NAME} caractères au plus."
    if len(" ".join(data.first_name.split())) > MAX_PERSON_NAME:
        errors[FIRST_NAME] = f"Prénom : {MAX_PERSON_NAME} caractères au plus."
    if len(" ".join(data.function.split())) > MAX_FUNCTION:
        errors[FUNCTION] = f"Fonction : {MAX_FUNCTION} caractères au plus."
    for key, value, check in ((EMAIL, data.email, clean_email), (PHONE, data.phone, clean_phone)):
        try:
            check(value)
        except ValidationError as error:
            errors[key] = error.message
    return errors


class ContactDialog(FormDialog):
    """Name, function, e-mail, phone, notes, and one checkbox per committee."""

    def __init__(self, organisation_name: str, committees: Sequence[tuple[int, str]],
                 initial: ContactInput, seats: Sequence[int] = (),
                 parent: QWidget | None = None, *, new: bool) -> None:
        super().__init__(
            self.tr("Nouveau contact — {name}").format(name=organisation_name) if new
            else self.tr("Contact — {name}").format(name=organisation_name),
            self.tr("Ajouter") if new else self.tr("Enregistrer"),
            parent,
        )
        self._initial = initial
        self.first_name_edit = QLineEdit(initial.first_name)
        self.last_name_edit = QLineEdit(initial.last_name)
        self.last_name_edit.setObjectName("contactLastName")
        self.function_edit = QLineEdit(initial.function)
        self.function_edit.setPlaceholderText(self.tr("Ex. : chargée de mission, directeur"))
        self.email_edit = QLineEdit(initial.email)
        self.email_edit.setPlaceholderText(self.tr("prenom.nom@structure.fr"))
        self.phone_edit = QLineEdit(initial.phone)
        self.notes_edit = QPlainTextEdit(initial.notes)
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(self.notes_edit.fontMetrics().lineSpacing() * 3 + 14)

        self.committee_boxes: dict[int, QCheckBox] = {}
        committee_grid = QWidget()
        grid = QGridLayout(committee_grid)
        grid.setContentsMargins(0, 0, 0, 0)
        for position, (committee_id, name) in enumerate(committees):
            box = QCheckBox(name)
            box.setChecked(committee_id in seats)
            self.committee_boxes[committee_id] = box
            grid.addWidget(box, position, 0)

        self.add_field(FIRST_NAME, self.tr("Prénom"), self.first_name_edit)
        self.add_field(LAST_NAME, self.tr("Nom *"), self.last_name_edit)
        self.add_field(FUNCTION, self.tr("Fonction"), self.function_edit)
        self.add_field(EMAIL, self.tr("Courriel"), self.email_edit)
        self.add_field(PHONE, self.tr("Téléphone"), self.phone_edit)
        self.add_field(NOTES, self.tr("Notes"), self.notes_edit)
        if committees:
            first = next(iter(self.committee_boxes.values()))
            self.add_field(COMMITTEES, self.tr("Siège dans"), committee_grid, focus=first)
        self.validate = lambda: check_contact(self.values())
        (self.last_name_edit if new else self.first_name_edit).setFocus()

    def values(self) -> ContactInput:
        return ContactInput(
            last_name=self.last_name_edit.text(),
            first_name=self.first_name_edit.text(),
            function=self.function_edit.text(),
            email=self.email_edit.text(),
            phone=self.phone_edit.text(),
            organisation_id=self._initial.organisation_id,
            notes=self.notes_edit.toPlainText(),
            is_resident=self._initial.is_resident,
        )

    def committee_ids(self) -> set[int]:
        return {committee_id for committee_id, box in self.committee_boxes.items()
                if box.isChecked()}
