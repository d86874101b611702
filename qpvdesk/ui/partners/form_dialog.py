"""`FormDialog`: a small form whose OK saves through a callback and stays open on refusal.

Each problem is shown beside its field; the dialog closes only once the save went
through, so that nothing half-valid is ever written. Screens run dialogs through
`run_dialog`, which tests replace to fill and accept them without a modal loop.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.ui.partners.fields import FieldMessage, strip_field_prefix, with_message

#: Called by OK: saves, or returns the problems by field key (nothing saved then).
Errors = dict[str, str]


def run_dialog(dialog: QDialog) -> bool:
    """Show *dialog* modally; True when it was accepted (the default runner)."""
    return dialog.exec() == QDialog.DialogCode.Accepted


class FormDialog(QDialog):
    """A titled form with a message per field, a general message and OK / Annuler."""

    def __init__(self, title: str, accept_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.messages: dict[str, FieldMessage] = {}
        self._focus: dict[str, QWidget] = {}
        self.general_message = FieldMessage()
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(accept_text,
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(self.tr("Annuler"),
                                                    QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        self._layout = QVBoxLayout(self)
        self._layout.addLayout(self.form)
        self._layout.addWidget(self.general_message)
        self._layout.addWidget(self.buttons)
        self.validate: Callable[[], Errors] = dict
        self.save: Callable[[], Errors | None] = lambda: None

    def add_field(self, key: str, caption: str, field: QWidget,
                  focus: QWidget | None = None) -> None:
        """A labelled row with its message under the field."""
        cell, message = with_message(field)
        self.messages[key] = message
        self._focus[key] = focus or field
        label = QLabel(caption)
        label.setBuddy(focus or field)
        self.form.addRow(label, cell)

    def insert_widget(self, widget: QWidget) -> None:
        """A full-width widget between the form and the general message."""
        self._layout.insertWidget(self._layout.count() - 2, widget)

    def show_errors(self, errors: Errors) -> None:
        for message in self.messages.values():
            message.clear_message()
        self.general_message.clear_message()
        first = None
        for key, text in errors.items():
            field_message = self.messages.get(key)
            if field_message is None:
                self.general_message.show_message(text)
            else:
                field_message.show_message(strip_field_prefix(text, key))
                first = first or self._focus[key]
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def message_for(self, key: str) -> str:
        return self.messages[key].text()

    def try_accept(self) -> None:
        """OK: check the fields, then save; the dialog closes only when the save succeeded."""
        errors = self.validate()
        if not errors:
            errors = self.save() or {}
        if errors:
            self.show_errors(errors)
            return
        self.accept()
