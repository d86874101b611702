"""The budget-line form: funder, name, code, nature, active; errors shown beside their field.

The dialog does not write: it hands the typed `BudgetLineInput` to the *save*
function it was given (one undoable unit of work) and stays open, with the
service's French message beside the field concerned, until that succeeds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.enums import FundingNature
from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.services.budget_lines import MAX_CODE, MAX_NAME, BudgetLineInput

#: Saves the form (raises `UserFacingError`, nothing saved, when it cannot).
Saver = Callable[[BudgetLineInput], object]
#: Shows the form; True once saved. (parent, title, funders (id, name), initial, save)
LineEditor = Callable[
    [QWidget | None, str, Sequence[tuple[int, str]], BudgetLineInput, Saver], bool
]

ERROR_STYLE = "QLabel { color: #c62828; }"


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setVisible(False)
    return label


class BudgetLineDialog(QDialog):
    """Add or edit a budget line of a funder's catalogue."""

    def __init__(self, title: str, funders: Sequence[tuple[int, str]], initial: BudgetLineInput,
                 save: Saver, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self._save = save

        self.funder_combo = QComboBox()
        for funder_id, name in funders:
            self.funder_combo.addItem(name, funder_id)
        position = self.funder_combo.findData(initial.funder_id)
        self.funder_combo.setCurrentIndex(max(0, position))
        self.name_edit = QLineEdit(initial.name)
        self.name_edit.setMaxLength(MAX_NAME)
        self.name_edit.setPlaceholderText(self.tr("Par exemple : Ville Vie Vacances"))
        self.code_edit = QLineEdit(initial.code)
        self.code_edit.setMaxLength(MAX_CODE)
        self.code_edit.setPlaceholderText(self.tr("Facultatif : BOP147, VVV…"))
        self.nature_combo = QComboBox()
        for nature in (FundingNature.SPECIFIC, FundingNature.COMMON_LAW):
            self.nature_combo.addItem(nature.label, nature)
        self.nature_combo.setCurrentIndex(max(0, self.nature_combo.findData(initial.nature)))
        self.nature_combo.setToolTip(self.tr(
            "Crédits spécifiques : BOP 147, Ville Vie Vacances, Quartiers d'été, adultes-relais…"
            "\nDroit commun : les budgets ordinaires des partenaires."))
        self.active_check = QCheckBox(self.tr("Active : proposée pour les nouveaux financements"))
        self.active_check.setChecked(initial.active)

        self.errors = {
            "Financeur": _error_label(),
            "Intitulé": _error_label(),
            "Code": _error_label(),
            "Nature": _error_label(),
        }
        self.general_error = _error_label()

        form = QFormLayout()
        for label, widget, key in (
            (self.tr("Financeur"), self.funder_combo, "Financeur"),
            (self.tr("Intitulé"), self.name_edit, "Intitulé"),
            (self.tr("Code"), self.code_edit, "Code"),
            (self.tr("Nature"), self.nature_combo, "Nature"),
        ):
            form.addRow(label, widget)
            form.addRow("", self.errors[key])
        form.addRow("", self.active_check)

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(self.tr("Enregistrer"),
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("Annuler"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.try_save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

    def values(self) -> BudgetLineInput:
        return BudgetLineInput(
            funder_id=int(self.funder_combo.currentData() or 0),
            name=self.name_edit.text(),
            nature=FundingNature(self.nature_combo.currentData()),
            code=self.code_edit.text(),
            active=self.active_check.isChecked(),
        )

    def clear_errors(self) -> None:
        for label in (*self.errors.values(), self.general_error):
            label.clear()
            label.setVisible(False)

    def show_error(self, message: str, field: str | None) -> None:
        label = self.errors.get(field or "", self.general_error)
        label.setText(message)
        label.setVisible(True)
        # A wrapped message needs more height than the dialog had: grow to fit it.
        layout = self.layout()
        if layout is not None:
            layout.activate()
            wanted = layout.heightForWidth(self.width()) if layout.hasHeightForWidth() else -1
            self.resize(self.width(), max(self.height(), wanted, self.sizeHint().height()))
        widget = {
            "Financeur": self.funder_combo, "Intitulé": self.name_edit,
            "Code": self.code_edit, "Nature": self.nature_combo,
        }.get(field or "")
        if widget is not None:
            widget.setFocus()

    def try_save(self) -> None:
        """Save through the given function; on refusal, say why beside the field."""
        self.clear_errors()
        data = self.values()
        if not data.funder_id:
            self.show_error(self.tr("Financeur : choisissez le financeur de la ligne."),
                            "Financeur")
            return
        if not data.name.strip():
            self.show_error(self.tr("Intitulé : indiquez le nom de la ligne budgétaire."),
                            "Intitulé")
            return
        try:
            self._save(data)
        except ValidationError as error:
            self.show_error(error.message, error.field)
            return
        except UserFacingError as error:
            self.show_error(error.message, None)
            return
        self.accept()


def edit_budget_line(parent: QWidget | None, title: str, funders: Sequence[tuple[int, str]],
                     initial: BudgetLineInput, save: Saver) -> bool:
    """Show the form until it is saved (True) or cancelled (False)."""
    dialog = BudgetLineDialog(title, funders, initial, save, parent)
    return dialog.exec() == QDialog.DialogCode.Accepted
