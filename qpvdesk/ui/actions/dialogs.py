"""The small dialogs of the Actions page: a note, an indicator, a year's values, droit commun.

Each is a `FormDialog`: OK saves through the screen's callback and the dialog stays
open, with the problem beside its field, when the save is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.services.actions import NoteRow
from qpvdesk.core.services.indicators import IndicatorInput, IndicatorRow, IndicatorValue
from qpvdesk.ui.actions.action_data import ActionChoices, Choice
from qpvdesk.ui.actions.shared import DecimalEdit
from qpvdesk.ui.dossiers.editor_widgets import SearchCombo
from qpvdesk.ui.partners.fields import DateError, DateField
from qpvdesk.ui.partners.form_dialog import Errors, FormDialog


def year_spin(first: int, last: int, value: int | None = None, *,
              optional: bool = False) -> QSpinBox:
    """A year between *first* and *last*; with *optional*, « — » (below *first*) is None."""
    spin = QSpinBox()
    spin.setRange(first - 1 if optional else first, last)
    if optional:
        spin.setSpecialValueText("—")
    spin.setValue(value if value is not None else (first - 1 if optional else first))
    spin.setMaximumWidth(110)
    return spin


def spin_year(spin: QSpinBox) -> int | None:
    """The year of a `year_spin`, None on its « — »."""
    if spin.specialValueText() and spin.value() == spin.minimum():
        return None
    return spin.value()


def fill_combo(combo: QComboBox, choices: Sequence[Choice], current: int | None = None) -> None:
    combo.clear()
    for choice in choices:
        combo.addItem(choice.text, choice.id)
        if choice.tooltip:
            combo.setItemData(combo.count() - 1, choice.tooltip, Qt.ItemDataRole.ToolTipRole)
    index = combo.findData(current) if current is not None else -1
    combo.setCurrentIndex(index if index >= 0 else (0 if combo.count() else -1))


def search_items(choices: Sequence[Choice]) -> list[tuple[int, str, str]]:
    return [(choice.id, choice.text, choice.tooltip) for choice in choices]


class MoneyLine(QLineEdit):
    """An amount typed in French (« 12 000 », « 1 500,50 € »); blank is None."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.setPlaceholderText("0 €")
        self.setAccessibleName(label)
        self.editingFinished.connect(self._tidy)

    def amount(self) -> Money | None:
        if not self.text().strip():
            return None
        return Money.parse(self.text(), self.label)

    def set_amount(self, amount: Money | None) -> None:
        self.setText("" if amount is None else amount.format())

    def _tidy(self) -> None:
        try:
            amount = self.amount()
        except UserFacingError:
            return
        if amount is not None:
            self.setText(amount.format())


# ------------------------------------------------------------------ notes


class NoteDialog(FormDialog):
    """A dated progress note."""

    def __init__(self, note: NoteRow | None, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Note de suivi") if note else self.tr("Nouvelle note de suivi"),
                         self.tr("Enregistrer") if note else self.tr("Ajouter"), parent)
        self.date_field = DateField("Date")
        self.date_field.set_value(note.written_on if note else date.today())
        self.text_edit = QPlainTextEdit()
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setPlaceholderText(self.tr("Où en est l'action : ce qui a été fait, "
                                                  "les difficultés, la suite…"))
        self.text_edit.setMinimumHeight(self.text_edit.fontMetrics().lineSpacing() * 8)
        self.text_edit.setPlainText(note.text if note else "")
        self.add_field("written_on", self.tr("Date"), self.date_field, self.date_field.edit)
        self.add_field("text", self.tr("Note"), self.text_edit)
        self.validate = self._check

    def _check(self) -> Errors:
        try:
            self.date_field.value()
        except DateError as error:
            return {"written_on": str(error)}
        if self.date_field.text() == "":
            return {"written_on": "Date : indiquez la date de la note."}
        return {}

    def values(self) -> tuple[date | None, str]:
        return self.date_field.value(), self.text_edit.toPlainText()


# ------------------------------------------------------------------ indicators


class IndicatorDialog(FormDialog):
    """An indicator of the action: name, unit, baseline, target."""

    def __init__(self, indicator: IndicatorRow | None, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Indicateur") if indicator else self.tr("Nouvel indicateur"),
                         self.tr("Enregistrer") if indicator else self.tr("Ajouter"), parent)
        self.name_edit = QLineEdit(indicator.name if indicator else "")
        self.name_edit.setPlaceholderText(self.tr("Ex. : Familles accompagnées"))
        self.unit_edit = QLineEdit((indicator.unit or "") if indicator else "")
        self.unit_edit.setPlaceholderText(self.tr("personnes, séances, %…"))
        self.baseline_edit = DecimalEdit("Valeur de référence", allow_negative=False)
        self.target_edit = DecimalEdit("Cible", allow_negative=False)
        if indicator:
            self.baseline_edit.set_value(indicator.baseline)
            self.target_edit.set_value(indicator.target)
        self.add_field("name", self.tr("Intitulé *"), self.name_edit)
        self.add_field("unit", self.tr("Unité"), self.unit_edit)
        self.add_field("baseline", self.tr("Valeur de référence"), self.baseline_edit)
        self.add_field("target", self.tr("Cible"), self.target_edit)
        self.validate = self._check

    def _check(self) -> Errors:
        errors: Errors = {}
        for key, edit in (("baseline", self.baseline_edit), ("target", self.target_edit)):
            try:
                edit.value()
            except UserFacingError as error:
                errors[key] = error.message
        return errors

    def values(self, action_id: int) -> IndicatorInput:
        return IndicatorInput(
            name=self.name_edit.text(),
            unit=self.unit_edit.text(),
            baseline=self.baseline_edit.value(),
            target=self.target_edit.value(),
            action_id=action_id,
        )


class ValuesDialog(FormDialog):
    """An indicator's planned and achieved values of one year, each with its source."""

    def __init__(self, indicator: IndicatorRow, value: IndicatorValue, first: int, last: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Valeurs de « {name} »").format(name=indicator.name),
                         self.tr("Enregistrer"), parent)
        self.indicator = indicator
        self.year_spin = year_spin(first, last, value.year)
        self.planned_edit = DecimalEdit("Prévu", allow_negative=False)
        self.planned_edit.set_value(value.planned)
        self.planned_source_edit = QLineEdit(value.planned_source or "")
        self.planned_source_edit.setPlaceholderText(self.tr("Ex. : dossier, convention…"))
        self.achieved_edit = DecimalEdit("Réalisé", allow_negative=False)
        self.achieved_edit.set_value(value.achieved)
        self.achieved_source_edit = QLineEdit(value.achieved_source or "")
        self.achieved_source_edit.setPlaceholderText(self.tr("Ex. : bilan de l'association, "
                                                             "feuilles d'émargement…"))
        unit = QLabel(self.tr("Unité : {unit}").format(unit=indicator.unit or "—"))
        self.insert_widget(unit)
        self.add_field("year", self.tr("Année"), self.year_spin)
        self.add_field("planned", self.tr("Prévu"), self.planned_edit)
        self.add_field("planned_source", self.tr("Source du prévu"), self.planned_source_edit)
        self.add_field("achieved", self.tr("Réalisé"), self.achieved_edit)
        self.add_field("achieved_source", self.tr("Source du réalisé"),
                       self.achieved_source_edit)
        self.validate = self._check

    def _check(self) -> Errors:
        errors: Errors = {}
        for key, edit in (("planned", self.planned_edit), ("achieved", self.achieved_edit)):
            try:
                edit.value()
            except UserFacingError as error:
                errors[key] = error.message
        return errors

    def values(self) -> tuple[int, Decimal | None, str, Decimal | None, str]:
        return (self.year_spin.value(), self.planned_edit.value(),
                self.planned_source_edit.text(), self.achieved_edit.value(),
                self.achieved_source_edit.text())


# ------------------------------------------------------------------ droit commun


class CommonLawAmountDialog(FormDialog):
    """What a partner's droit commun line mobilises for the action in a year."""

    def __init__(self, choices: ActionChoices, line_id: int | None, year: int,
                 amount: Money | None, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Montant de droit commun"), self.tr("Enregistrer"), parent)
        self.line_combo = QComboBox()
        fill_combo(self.line_combo, choices.common_law_lines, line_id)
        self.year_spin = year_spin(choices.first_year, choices.last_year, year)
        self.amount_edit = MoneyLine("Montant")
        self.amount_edit.set_amount(amount)
        hint = QLabel(self.tr("Un montant vide ou nul retire la ligne de cette année."))
        hint.setWordWrap(True)
        self.add_field("budget_line_id", self.tr("Ligne de droit commun"), self.line_combo)
        self.add_field("year", self.tr("Année"), self.year_spin)
        self.add_field("amount", self.tr("Montant mobilisé"), self.amount_edit)
        self.insert_widget(hint)
        self.validate = self._check

    def _check(self) -> Errors:
        if self.line_combo.currentIndex() < 0:
            return {"budget_line_id": self.tr(
                "Aucune ligne de droit commun : créez-la d'abord dans la page Financements.")}
        try:
            self.amount_edit.amount()
        except UserFacingError as error:
            return {"amount": error.message}
        return {}

    def values(self) -> tuple[int, int, Money | None]:
        return int(self.line_combo.currentData()), self.year_spin.value(), \
            self.amount_edit.amount()


class NewCommonLawDialog(FormDialog):
    """A partner's action on its ordinary budget, with what it mobilises its first year."""

    def __init__(self, choices: ActionChoices, year: int, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Nouvelle action de droit commun"), self.tr("Créer"), parent)
        self.setMinimumWidth(640)
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText(self.tr("Ex. : Permanences de la CAF au centre "
                                                   "social"))
        self.holder_combo = SearchCombo(self.tr("Tapez une partie du nom du partenaire"))
        self.holder_combo.set_items(search_items(choices.holders))
        self.holder_combo.set_current_id(None)
        self.objective_combo = SearchCombo(self.tr("Tapez un code ou un mot (P1.2…)"))
        self.objective_combo.set_items(search_items(choices.objectives))
        self.objective_combo.set_current_id(None)
        self.start_spin = year_spin(choices.first_year, choices.last_year, year)
        self.end_spin = year_spin(choices.first_year, choices.last_year, None, optional=True)
        self.line_combo = QComboBox()
        fill_combo(self.line_combo, choices.common_law_lines)
        self.amount_edit = MoneyLine("Montant")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setMinimumHeight(
            self.description_edit.fontMetrics().lineSpacing() * 4)
        self.add_field("title", self.tr("Intitulé *"), self.title_edit)
        self.add_field("holder_id", self.tr("Partenaire *"), self.holder_combo)
        self.add_field("objective_id", self.tr("Objectif opérationnel *"), self.objective_combo)
        self.add_field("start_year", self.tr("Première année"), self.start_spin)
        self.add_field("end_year", self.tr("Dernière année"), self.end_spin)
        self.add_field("budget_line_id", self.tr("Ligne de droit commun"), self.line_combo)
        self.add_field("amount", self.tr("Montant mobilisé la première année"),
                       self.amount_edit)
        self.add_field("description", self.tr("Description"), self.description_edit)
        self.validate = self._check

    def _check(self) -> Errors:
        errors: Errors = {}
        if self.holder_combo.current_id() is None:
            errors["holder_id"] = self.tr("Partenaire : choisissez la structure qui porte "
                                          "l'action sur son budget.")
        try:
            amount = self.amount_edit.amount()
        except UserFacingError as error:
            errors["amount"] = error.message
            amount = None
        if amount and self.line_combo.currentIndex() < 0:
            errors["budget_line_id"] = self.tr(
                "Aucune ligne de droit commun : créez-la d'abord dans la page Financements.")
        return errors

    def line_id(self) -> int | None:
        data = self.line_combo.currentData()
        return None if data is None else int(data)


__all__ = [
    "CommonLawAmountDialog",
    "IndicatorDialog",
    "MoneyLine",
    "NewCommonLawDialog",
    "NoteDialog",
    "ValuesDialog",
    "fill_combo",
    "search_items",
    "spin_year",
    "year_spin",
]
