"""The organisation form: every field with its French message beside it, and the duplicate warning.

The form checks each field with the core's own validators (SIRET key, RNA shape,
e-mail, phone…) so that every problem shows at once; what only the database can
tell (a SIRET already taken) comes back from the service and lands beside its field.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.enums import OrganisationKind, OrganisationRoleKind
from qpvdesk.core.domain.identifiers import format_siret, validate_rna, validate_siret
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services.partners import (
    MAX_ACRONYM,
    MAX_NAME,
    OrganisationInput,
    OrganisationRow,
    clean_email,
    clean_phone,
)
from qpvdesk.ui.partners.fields import FieldMessage, strip_field_prefix, with_message

# Field keys: the labels the service names in `ValidationError.field`.
NAME, ACRONYM, KIND, ROLES, SIRET, RNA, ADDRESS, EMAIL, PHONE, NOTES = (
    "Nom", "Sigle", "Type", "Rôles", "SIRET", "RNA", "Adresse", "Courriel", "Téléphone", "Notes",
)

#: Key → comparable value of an `OrganisationInput`, for the dirty state.
Snapshot = tuple[str, str, str, tuple[str, ...], str, str, str, str, str, str]


def _snapshot(data: OrganisationInput) -> Snapshot:
    return (
        " ".join(data.name.split()), " ".join(data.acronym.split()), str(data.kind),
        tuple(sorted(str(role) for role in data.roles)),
        "".join(data.siret.split()), "".join(data.rna.split()).upper(),
        data.address.strip(), data.email.strip(), " ".join(data.phone.split()),
        data.notes.strip(),
    )


def check_organisation(data: OrganisationInput) -> dict[str, str]:
    """Every problem of the typed form, by field (what the service would refuse first)."""
    errors: dict[str, str] = {}
    name = " ".join(data.name.split())
    if not name:
        errors[NAME] = "Nom : indiquez le nom de la structure."
    elif len(name) > MAX_NAME:
        errors[NAME] = f"Nom : {MAX_NAME} caractères au plus ({len(name)} saisis)."
    acronym = " ".join(data.acronym.split())
    if len(acronym) > MAX_ACRONYM:
        errors[ACRONYM] = f"Sigle : {MAX_ACRONYM} caractères au plus ({len(acronym)} saisis)."
    for key, value, check in (
        (SIRET, data.siret, validate_siret),
        (RNA, data.rna, validate_rna),
        (EMAIL, data.email, clean_email),
        (PHONE, data.phone, clean_phone),
    ):
        if value.strip():
            try:
                check(value)
            except ValidationError as error:
                errors[key] = error.message
    return errors


class OrganisationForm(QWidget):
    """The editable fields of one organisation (layout, values, messages, dirty state)."""

    #: Whether the fields differ from what was loaded.
    dirty_changed = Signal(bool)
    #: Name, SIRET or RNA edited (the screen looks for duplicates).
    identity_edited = Signal()
    #: A duplicate's link was clicked (its organisation id).
    duplicate_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loaded: Snapshot | None = None
        self._dirty = False
        self._editable = True

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("organisationName")
        self.name_edit.setPlaceholderText(self.tr("Nom complet, tel qu'il figure aux statuts"))
        self.acronym_edit = QLineEdit()
        self.acronym_edit.setMaximumWidth(220)
        self.kind_combo = QComboBox()
        for kind in OrganisationKind:
            self.kind_combo.addItem(kind.label, kind)
        self.role_boxes: dict[OrganisationRoleKind, QCheckBox] = {}
        roles_row = QWidget()
        roles_layout = QHBoxLayout(roles_row)
        roles_layout.setContentsMargins(0, 0, 0, 0)
        for role in OrganisationRoleKind:
            box = QCheckBox(role.label)
            self.role_boxes[role] = box
            roles_layout.addWidget(box)
        roles_layout.addStretch(1)
        self.siret_edit = QLineEdit()
        self.siret_edit.setPlaceholderText(self.tr("14 chiffres"))
        self.siret_edit.setMaximumWidth(260)
        self.rna_edit = QLineEdit()
        self.rna_edit.setPlaceholderText(self.tr("W suivi de 9 caractères"))
        self.rna_edit.setMaximumWidth(260)
        self.address_edit = QPlainTextEdit()
        self.address_edit.setTabChangesFocus(True)
        lines = self.address_edit.fontMetrics().lineSpacing()
        self.address_edit.setFixedHeight(lines * 3 + 14)
        self.email_edit = QLineEdit()
        self.email_edit.setPlaceholderText(self.tr("contact@structure.fr"))
        self.phone_edit = QLineEdit()
        self.phone_edit.setPlaceholderText(self.tr("04 67 00 00 00"))
        self.phone_edit.setMaximumWidth(260)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(lines * 4 + 14)

        self.duplicate_frame = QFrame()
        self.duplicate_frame.setObjectName("duplicateWarning")
        self.duplicate_frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.duplicate_frame.setStyleSheet(
            "QFrame#duplicateWarning { background: #fff4e0; border: 1px solid #e0a040; "
            "border-radius: 3px; } QFrame#duplicateWarning QLabel { color: #5a3a00; }"
        )
        self.duplicate_label = QLabel()
        self.duplicate_label.setWordWrap(True)
        self.duplicate_label.setTextFormat(Qt.TextFormat.RichText)
        self.duplicate_label.linkActivated.connect(self._on_link)
        self.open_duplicate_button = QPushButton(self.tr("Ouvrir la fiche existante"))
        self.open_duplicate_button.clicked.connect(self._open_first_duplicate)
        duplicate_layout = QHBoxLayout(self.duplicate_frame)
        duplicate_layout.setContentsMargins(8, 6, 8, 6)
        duplicate_layout.addWidget(self.duplicate_label, 1)
        duplicate_layout.addWidget(self.open_duplicate_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.duplicate_frame.setSizePolicy(QSizePolicy.Policy.Preferred,
                                           QSizePolicy.Policy.Maximum)
        self.duplicate_frame.setVisible(False)
        self._duplicates: list[OrganisationRow] = []

        self.messages: dict[str, FieldMessage] = {}
        # Two columns: identity on the left, how to reach them on the right (the page is wide
        # and not tall: the list sits above).
        identity, reach = QFormLayout(), QFormLayout()
        for form in (identity, reach):
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        fields: Sequence[tuple[str, str, QWidget]] = (
            (NAME, self.tr("Nom *"), self.name_edit),
            (ACRONYM, self.tr("Sigle"), self.acronym_edit),
            (KIND, self.tr("Type"), self.kind_combo),
            (ROLES, self.tr("Rôles"), roles_row),
            (SIRET, self.tr("SIRET"), self.siret_edit),
            (RNA, self.tr("RNA"), self.rna_edit),
            (ADDRESS, self.tr("Adresse"), self.address_edit),
            (EMAIL, self.tr("Courriel"), self.email_edit),
            (PHONE, self.tr("Téléphone"), self.phone_edit),
            (NOTES, self.tr("Notes"), self.notes_edit),
        )
        for key, caption, field in fields:
            cell, message = with_message(field)
            self.messages[key] = message
            label = QLabel(caption)
            label.setBuddy(self.field_widget(key))
            form = reach if key in (ADDRESS, EMAIL, PHONE, NOTES) else identity
            form.addRow(label, cell)
            if key == NAME:
                form.addRow("", self.duplicate_frame)
        self.general_message = FieldMessage()

        self.revert_button = QPushButton(self.tr("Annuler les modifications"))
        self.save_button = QPushButton(self.tr("Enregistrer"))
        self.save_button.setObjectName("saveOrganisation")
        self.save_button.setDefault(True)
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.setToolTip(self.tr("Enregistrer la fiche (Ctrl+S)"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        columns = QHBoxLayout()
        for position, form in enumerate((identity, reach)):
            column = QVBoxLayout()  # each column keeps its rows at the top
            column.addLayout(form)
            column.addStretch(1)
            if position:
                columns.addSpacing(16)
            columns.addLayout(column, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.general_message)
        layout.addLayout(buttons)
        layout.addStretch(1)

        for edit in (self.name_edit, self.acronym_edit, self.siret_edit, self.rna_edit,
                     self.email_edit, self.phone_edit):
            edit.textChanged.connect(self._update_dirty)
        for text_edit in (self.address_edit, self.notes_edit):
            text_edit.textChanged.connect(self._update_dirty)
        self.kind_combo.currentIndexChanged.connect(self._update_dirty)
        for box in self.role_boxes.values():
            box.toggled.connect(self._update_dirty)
        for edit in (self.name_edit, self.siret_edit, self.rna_edit):
            edit.textEdited.connect(lambda _text: self.identity_edited.emit())
        # A message goes away as soon as its field is edited again, and comes back (or not)
        # when the field is left: the user sees at once whether the correction is right.
        for key, edit in ((NAME, self.name_edit), (ACRONYM, self.acronym_edit),
                          (SIRET, self.siret_edit), (RNA, self.rna_edit),
                          (EMAIL, self.email_edit), (PHONE, self.phone_edit)):
            edit.editingFinished.connect(lambda key=key: self._recheck(key))
            edit.textEdited.connect(lambda _text, key=key: self.messages[key].clear_message())

    # ------------------------------------------------------------------ values

    def load(self, data: OrganisationInput) -> None:
        """Show *data* as the stored state (any unsaved edit is dropped)."""
        self._loaded = None
        self.name_edit.setText(data.name)
        self.acronym_edit.setText(data.acronym)
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(data.kind)))
        for role, box in self.role_boxes.items():
            box.setChecked(role in data.roles)
        self.siret_edit.setText(format_siret(data.siret) if data.siret else "")
        self.rna_edit.setText(data.rna)
        self.address_edit.setPlainText(data.address)
        self.email_edit.setText(data.email)
        self.phone_edit.setText(data.phone)
        self.notes_edit.setPlainText(data.notes)
        self.clear_errors()
        self.show_duplicates([])
        self._loaded = _snapshot(self.values())
        self._update_dirty()

    def values(self) -> OrganisationInput:
        """The form as typed."""
        return OrganisationInput(
            name=self.name_edit.text(),
            acronym=self.acronym_edit.text(),
            kind=self.kind_combo.currentData() or OrganisationKind.OTHER,
            roles=frozenset(role for role, box in self.role_boxes.items() if box.isChecked()),
            siret=self.siret_edit.text(),
            rna=self.rna_edit.text(),
            address=self.address_edit.toPlainText(),
            email=self.email_edit.text(),
            phone=self.phone_edit.text(),
            notes=self.notes_edit.toPlainText(),
        )

    def is_dirty(self) -> bool:
        return self._dirty

    def _update_dirty(self) -> None:
        dirty = self._loaded is not None and _snapshot(self.values()) != self._loaded
        self.save_button.setEnabled(self._editable and dirty)
        self.revert_button.setEnabled(self._editable and dirty)
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        for edit in (self.name_edit, self.acronym_edit, self.siret_edit, self.rna_edit,
                     self.email_edit, self.phone_edit):
            edit.setReadOnly(not editable)
        for text_edit in (self.address_edit, self.notes_edit):
            text_edit.setReadOnly(not editable)
        self.kind_combo.setEnabled(editable)
        for box in self.role_boxes.values():
            box.setEnabled(editable)
        self.save_button.setVisible(editable)
        self.revert_button.setVisible(editable)
        self._update_dirty()

    # ------------------------------------------------------------------ messages

    def field_widget(self, key: str) -> QWidget:
        return {
            NAME: self.name_edit, ACRONYM: self.acronym_edit, KIND: self.kind_combo,
            ROLES: self.role_boxes[OrganisationRoleKind.FUNDER], SIRET: self.siret_edit,
            RNA: self.rna_edit, ADDRESS: self.address_edit, EMAIL: self.email_edit,
            PHONE: self.phone_edit, NOTES: self.notes_edit,
        }[key]

    def clear_errors(self) -> None:
        for message in self.messages.values():
            message.clear_message()
        self.general_message.clear_message()

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message beside its field (the field's name dropped); the first field focused."""
        self.clear_errors()
        first: QWidget | None = None
        for key, text in errors.items():
            message = self.messages.get(key)
            if message is None:
                self.general_message.show_message(text)
                continue
            message.show_message(strip_field_prefix(text, key))
            if first is None:
                first = self.field_widget(key)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def message_for(self, key: str) -> str:
        message = self.messages[key]
        return message.text() if message.isVisible() or message.text() else ""

    def _recheck(self, key: str) -> None:
        if self._loaded is None or not self._dirty:
            return
        errors = check_organisation(self.values())
        text = errors.get(key)
        self.messages[key].show_message(None if text is None else strip_field_prefix(text, key))

    # ------------------------------------------------------------------ duplicates

    def show_duplicates(self, rows: Sequence[OrganisationRow]) -> None:
        """The warning under the name: the organisations that look like the one typed."""
        self._duplicates = list(rows)
        if not rows:
            self.duplicate_frame.setVisible(False)
            self.duplicate_label.clear()
            return
        links = []
        for row in rows[:5]:
            details = [detail for detail in (
                row.roles_label,
                f"SIRET {format_siret(row.siret)}" if row.siret else "",
                f"RNA {row.rna}" if row.rna else "",
            ) if detail]
            suffix = f" ({escape(', '.join(details))})" if details else ""
            links.append(f"<a href='{row.id}'>{escape(row.display_name)}</a>{suffix}")
        if len(rows) > 5:
            links.append(self.tr("et {n} autres").format(n=len(rows) - 5))
        intro = (self.tr("Cette structure existe peut-être déjà :") if len(rows) == 1
                 else self.tr("Ces structures ressemblent à celle-ci :"))
        self.duplicate_label.setText(f"<b>{escape(intro)}</b> " + " ; ".join(links))
        self.open_duplicate_button.setText(
            self.tr("Ouvrir la fiche existante") if len(rows) == 1
            else self.tr("Ouvrir la première")
        )
        self.duplicate_frame.setVisible(True)

    def duplicates(self) -> list[OrganisationRow]:
        return list(self._duplicates)

    def _on_link(self, link: str) -> None:
        if link.isdigit():
            self.duplicate_activated.emit(int(link))

    def _open_first_duplicate(self) -> None:
        if self._duplicates:
            self.duplicate_activated.emit(self._duplicates[0].id)
