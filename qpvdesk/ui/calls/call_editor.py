"""The call editor: title, year, dates, description, targeted objectives, envelopes, state.

Layout, values, messages beside the fields and the dirty state; `CallsScreen`
loads it and saves it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.services.calls import CallInput
from qpvdesk.ui.calls.pickers import EnvelopePicker, ObjectivePicker
from qpvdesk.ui.partners.fields import (
    DateError,
    DateField,
    FieldMessage,
    strip_field_prefix,
    with_message,
)

# Field keys: the names `validate_call_input` gives in `FieldError.field`.
TITLE, YEAR, OPENS_ON, CLOSES_ON, DESCRIPTION = (
    "title", "year", "opens_on", "closes_on", "description")
OBJECTIVES, ENVELOPES = "objective_ids", "envelope_ids"
#: The label each message starts with, dropped when shown beside its field.
FIELD_LABELS = {
    TITLE: ("Intitulé",), YEAR: ("Année",), OPENS_ON: ("Date d'ouverture",),
    CLOSES_ON: ("Date de clôture",), DESCRIPTION: ("Description",),
    OBJECTIVES: ("Objectifs visés",), ENVELOPES: ("Enveloppes",),
}

Snapshot = tuple[str, int, str, str, str, tuple[int, ...], tuple[int, ...]]


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class CallEditor(QWidget):
    """One call's fields; `values()` raises `DateError` when a date is not one."""

    dirty_changed = Signal(bool)
    #: The year spin box changed (the screen lists that year's envelopes).
    year_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loaded: Snapshot | None = None
        self._dirty = False
        self._editable = True

        self.heading_label = QLabel()
        self.heading_label.setWordWrap(True)
        font = self.heading_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading_label.setFont(font)
        self.state_label = QLabel()
        self.state_label.setObjectName("callState")
        self.state_buttons_row = QHBoxLayout()
        self.state_buttons_row.setContentsMargins(0, 0, 0, 0)
        self.state_buttons: list[QPushButton] = []

        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("callTitle")
        self.title_edit.setPlaceholderText(self.tr("Ex. : Appel à projets contrat de ville 2027"))
        self.year_spin = QSpinBox()
        self.year_spin.setObjectName("callYear")
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setMaximumWidth(110)
        self.opens_field = DateField("Date d'ouverture")
        self.closes_field = DateField("Date de clôture")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setPlaceholderText(self.tr("Facultatif : priorités de l'année, "
                                                         "publics visés, modalités de dépôt…"))
        lines = self.description_edit.fontMetrics().lineSpacing()
        self.description_edit.setMinimumHeight(lines * 4 + 14)

        self.messages: dict[str, FieldMessage] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._focus: dict[str, QWidget] = {
            TITLE: self.title_edit, YEAR: self.year_spin, OPENS_ON: self.opens_field.edit,
            CLOSES_ON: self.closes_field.edit, DESCRIPTION: self.description_edit,
        }
        for key, caption, field in (
            (TITLE, self.tr("Intitulé *"), self.title_edit),
            (YEAR, self.tr("Année"), self.year_spin),
            (OPENS_ON, self.tr("Ouverture"), self.opens_field),
            (CLOSES_ON, self.tr("Clôture"), self.closes_field),
            (DESCRIPTION, self.tr("Description"), self.description_edit),
        ):
            cell, message = with_message(field)
            self.messages[key] = message
            label = QLabel(caption)
            label.setBuddy(self._focus[key])
            form.addRow(label, cell)

        self.dossiers_label = QLabel()
        self.dossiers_label.setWordWrap(True)
        self.late_label = FieldMessage()
        self.late_label.setObjectName("lateDossiers")
        self.show_dossiers_button = QPushButton(self.tr("Voir les dossiers"))
        self.show_late_button = QPushButton(self.tr("Voir les dossiers en retard"))
        dossier_buttons = QHBoxLayout()
        dossier_buttons.addWidget(self.show_dossiers_button)
        dossier_buttons.addWidget(self.show_late_button)
        dossier_buttons.addStretch(1)

        self.objective_picker = ObjectivePicker()
        self._focus[OBJECTIVES] = self.objective_picker
        self.objectives_count = QLabel()
        objectives_cell, self.messages[OBJECTIVES] = with_message(self.objective_picker)
        self.envelope_picker = EnvelopePicker()
        self._focus[ENVELOPES] = self.envelope_picker
        self.envelopes_total = QLabel()
        self.envelopes_total.setAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
        self.no_envelope_label = QLabel()
        self.no_envelope_label.setWordWrap(True)
        self.no_envelope_label.setVisible(False)
        envelopes_cell, self.messages[ENVELOPES] = with_message(self.envelope_picker)

        self.general_message = FieldMessage()
        self.revert_button = QPushButton(self.tr("Annuler les modifications"))
        self.save_button = QPushButton(self.tr("Enregistrer"))
        self.save_button.setObjectName("saveCall")
        self.save_button.setDefault(True)
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.setToolTip(self.tr("Enregistrer l'appel à projets (Ctrl+S)"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        state_row = QHBoxLayout()
        state_row.addWidget(self.state_label)
        state_row.addSpacing(12)
        state_row.addLayout(self.state_buttons_row)
        state_row.addStretch(1)

        left = QVBoxLayout()
        left.addLayout(form)
        left.addSpacing(6)
        left.addWidget(_caption(self.tr("Dossiers")))
        left.addWidget(self.dossiers_label)
        left.addWidget(self.late_label)
        left.addLayout(dossier_buttons)
        left.addStretch(1)

        right = QVBoxLayout()
        objectives_head = QHBoxLayout()
        objectives_head.addWidget(_caption(self.tr("Objectifs visés")))
        objectives_head.addStretch(1)
        objectives_head.addWidget(self.objectives_count)
        right.addLayout(objectives_head)
        right.addWidget(objectives_cell, 3)
        envelopes_head = QHBoxLayout()
        envelopes_head.addWidget(_caption(self.tr("Enveloppes mobilisées")))
        envelopes_head.addStretch(1)
        envelopes_head.addWidget(self.envelopes_total)
        right.addLayout(envelopes_head)
        right.addWidget(self.no_envelope_label)
        right.addWidget(envelopes_cell, 2)

        columns = QGridLayout()
        columns.addLayout(left, 0, 0)
        columns.addLayout(right, 0, 1)
        columns.setColumnStretch(0, 4)
        columns.setColumnStretch(1, 5)
        columns.setHorizontalSpacing(18)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.heading_label)
        layout.addLayout(state_row)
        layout.addLayout(columns, 1)
        layout.addWidget(self.general_message)
        layout.addLayout(buttons)

        self.title_edit.textChanged.connect(self.update_dirty)
        self.year_spin.valueChanged.connect(self.update_dirty)
        self.year_spin.valueChanged.connect(self.year_changed)
        self.opens_field.changed.connect(self.update_dirty)
        self.closes_field.changed.connect(self.update_dirty)
        self.description_edit.textChanged.connect(self.update_dirty)
        self.objective_picker.checked_changed.connect(self.update_dirty)
        self.envelope_picker.checked_changed.connect(self.update_dirty)
        for key, edit in ((TITLE, self.title_edit), (OPENS_ON, self.opens_field.edit),
                          (CLOSES_ON, self.closes_field.edit)):
            edit.textEdited.connect(lambda _text, key=key: self.messages[key].clear_message())

    # ------------------------------------------------------------------ state buttons

    def set_state_buttons(self, buttons: Sequence[tuple[str, str, Callable[..., None]]]) -> None:
        """(text, tooltip, action) per allowed next state."""
        for button in self.state_buttons:
            self.state_buttons_row.removeWidget(button)
            button.hide()  # deleteLater waits for the event loop: hidden at once
            button.deleteLater()
        self.state_buttons = []
        for text, tooltip, action in buttons:
            button = QPushButton(text)
            button.setToolTip(tooltip)
            button.clicked.connect(action)
            button.setEnabled(self._editable)
            self.state_buttons_row.addWidget(button)
            self.state_buttons.append(button)

    def show_envelope_year(self, year: int) -> None:
        """Says so when the year has no envelope yet (they are entered with the budget lines)."""
        empty = self.envelope_picker.topLevelItemCount() == 0
        self.no_envelope_label.setText(self.tr(
            "Aucune enveloppe n'est encore saisie pour {year} : elles se saisissent avec les "
            "lignes budgétaires des financeurs.").format(year=year))
        self.no_envelope_label.setVisible(empty)

    # ------------------------------------------------------------------ values

    def load(self, data: CallInput) -> None:
        """Show *data* as the stored state (envelope choices are set by the screen first)."""
        self._loaded = None
        self.title_edit.setText(data.title)
        self.year_spin.blockSignals(True)
        self.year_spin.setValue(data.year)
        self.year_spin.blockSignals(False)
        self.opens_field.set_value(data.opens_on)
        self.closes_field.set_value(data.closes_on)
        self.description_edit.setPlainText(data.description or "")
        self.objective_picker.set_checked_ids(data.objective_ids)
        self.envelope_picker.set_checked_ids(data.envelope_ids)
        self.clear_errors()
        self._loaded = self._snapshot()
        self.update_dirty()

    def _snapshot(self) -> Snapshot:
        return (
            " ".join(self.title_edit.text().split()), self.year_spin.value(),
            self.opens_field.text(), self.closes_field.text(),
            self.description_edit.toPlainText().strip(),
            self.objective_picker.checked_ids(), self.envelope_picker.checked_ids(),
        )

    def date_errors(self) -> dict[str, str]:
        errors = {}
        for key, field in ((OPENS_ON, self.opens_field), (CLOSES_ON, self.closes_field)):
            try:
                field.value()
            except DateError as error:
                errors[key] = str(error)
        return errors

    def values(self, lenient: bool = False) -> CallInput:
        """The form as typed; a date that is not one raises `DateError` (see `date_errors`),
        or counts as empty when *lenient* (to check the other fields all the same)."""

        def read(field: DateField) -> date | None:
            try:
                return field.value()
            except DateError:
                if lenient:
                    return None
                raise

        return CallInput(
            title=self.title_edit.text(),
            year=self.year_spin.value(),
            opens_on=read(self.opens_field),
            closes_on=read(self.closes_field),
            description=self.description_edit.toPlainText(),
            objective_ids=self.objective_picker.checked_ids(),
            envelope_ids=self.envelope_picker.checked_ids(),
        )

    def is_dirty(self) -> bool:
        return self._dirty

    def update_dirty(self) -> None:
        dirty = self._loaded is not None and self._snapshot() != self._loaded
        self.save_button.setEnabled(self._editable and dirty)
        self.revert_button.setEnabled(self._editable and dirty)
        count = len(self.objective_picker.checked_ids())
        self.objectives_count.setText(
            self.tr("aucun coché") if count == 0 else
            self.tr("1 coché") if count == 1 else self.tr("{n} cochés").format(n=count))
        self.envelopes_total.setText(self.tr("Total coché : {amount}").format(
            amount=self.envelope_picker.checked_total().format()))
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        self.title_edit.setReadOnly(not editable)
        self.year_spin.setReadOnly(not editable)
        self.opens_field.setReadOnly(not editable)
        self.closes_field.setReadOnly(not editable)
        self.description_edit.setReadOnly(not editable)
        self.objective_picker.set_editable(editable)
        self.envelope_picker.set_editable(editable)
        self.save_button.setVisible(editable)
        self.revert_button.setVisible(editable)
        for button in self.state_buttons:
            button.setEnabled(editable)
        self.update_dirty()

    # ------------------------------------------------------------------ messages

    def clear_errors(self) -> None:
        for message in self.messages.values():
            message.clear_message()
        self.general_message.clear_message()

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        """Messages beside their fields (several per field possible); the first focused."""
        self.clear_errors()
        first = None
        for key, texts in errors.items():
            message = self.messages.get(key)
            if message is None:
                self.general_message.show_message("\n".join(texts))
                continue
            labels = FIELD_LABELS.get(key, ())
            message.show_message("\n".join(strip_field_prefix(text, *labels) for text in texts))
            first = first or self._focus[key]
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def message_for(self, key: str) -> str:
        return self.messages[key].text()
