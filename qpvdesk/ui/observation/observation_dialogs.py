"""The dialogs of the Observation page: a context figure, a participation event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QSpinBox, QWidget

from qpvdesk.core.domain.enums import Territory
from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.services.observation import (
    FIRST_YEAR,
    LAST_YEAR,
    PARTICIPATION_KINDS,
    ContextFigureInput,
    FigureRow,
    ParticipationInput,
    ParticipationRow,
)
from qpvdesk.ui.actions.shared import DecimalEdit
from qpvdesk.ui.partners.fields import DateError, DateField
from qpvdesk.ui.partners.form_dialog import Errors, FormDialog


class FigureDialog(FormDialog):
    """One value of an indicator on a territory for a year, with its unit and source."""

    def __init__(self, figure: FigureRow | None, *, indicator: str, unit: str, year: int,
                 territory: Territory, territory_name: str | None,
                 indicators: Mapping[str, str], default_names: Mapping[Territory, str | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Donnée de contexte") if figure
                         else self.tr("Nouvelle donnée de contexte"),
                         self.tr("Enregistrer") if figure else self.tr("Ajouter"), parent)
        self._units = dict(indicators)
        self._default_names = dict(default_names)
        self.indicator_combo = QComboBox()
        self.indicator_combo.setEditable(True)
        self.indicator_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.indicator_combo.addItems(sorted(indicators, key=str.casefold))
        self.indicator_combo.setEditText(figure.indicator if figure else indicator)
        self.territory_combo = QComboBox()
        # Enum values, not members: a QVariant would turn a StrEnum member into a plain str.
        for item in Territory:
            self.territory_combo.addItem(item.label, item.value)
        chosen = figure.territory if figure else territory
        self.territory_combo.setCurrentIndex(
            self.territory_combo.findData(Territory(chosen).value))
        self.name_edit = QLineEdit(figure.territory_name if figure else (territory_name or ""))
        self.year_spin = QSpinBox()
        self.year_spin.setRange(FIRST_YEAR, LAST_YEAR)
        self.year_spin.setValue(figure.year if figure else year)
        self.year_spin.setMaximumWidth(110)
        self.value_edit = DecimalEdit("Valeur")
        self.value_edit.set_value(figure.value if figure else None)
        self.unit_edit = QLineEdit(figure.unit if figure else unit)
        self.unit_edit.setPlaceholderText(self.tr("%, habitants, €…"))
        self.source_edit = QLineEdit((figure.source or "") if figure else "")
        self.source_edit.setPlaceholderText(self.tr("Ex. : INSEE, Filosofi 2021"))
        self.add_field("indicator", self.tr("Donnée *"), self.indicator_combo)
        self.add_field("territory", self.tr("Territoire"), self.territory_combo)
        self.add_field("territory_name", self.tr("Nom du territoire"), self.name_edit)
        self.add_field("year", self.tr("Année"), self.year_spin)
        self.add_field("value", self.tr("Valeur *"), self.value_edit)
        self.add_field("unit", self.tr("Unité *"), self.unit_edit)
        self.add_field("source", self.tr("Source"), self.source_edit)
        self._show_default_name()
        self.territory_combo.currentIndexChanged.connect(self._on_territory_changed)
        self.indicator_combo.editTextChanged.connect(self._on_indicator_changed)
        self.validate = self._check

    def _show_default_name(self) -> None:
        name = self._default_names.get(self.territory())
        self.name_edit.setPlaceholderText(name or self.tr("Ex. : Hérault"))

    def _on_territory_changed(self, _index: int) -> None:
        known = set(n for n in self._default_names.values() if n)
        if self.name_edit.text().strip() in known:
            self.name_edit.clear()  # the other territory's usual name makes no sense here
        self._show_default_name()

    def _on_indicator_changed(self, text: str) -> None:
        unit = self._units.get(text.strip())
        if unit and not self.unit_edit.text().strip():
            self.unit_edit.setText(unit)

    def territory(self) -> Territory:
        return Territory(self.territory_combo.currentData())

    def _check(self) -> Errors:
        try:
            self.value_edit.value()
        except UserFacingError as error:
            return {"value": error.message}
        return {}

    def values(self) -> ContextFigureInput:
        return ContextFigureInput(
            indicator=self.indicator_combo.currentText(),
            territory=self.territory(),
            territory_name=self.name_edit.text(),
            year=self.year_spin.value(),
            value=self.value_edit.value(),
            unit=self.unit_edit.text(),
            source=self.source_edit.text(),
        )


class ParticipationDialog(FormDialog):
    """A time of residents' participation: residents are counted, never named."""

    def __init__(self, event: ParticipationRow | None, kinds: Sequence[str] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Temps de participation") if event
                         else self.tr("Nouveau temps de participation"),
                         self.tr("Enregistrer") if event else self.tr("Ajouter"), parent)
        self.date_field = DateField("Date")
        self.date_field.set_value(event.held_on if event else date.today())
        self.kind_combo = QComboBox()
        self.kind_combo.setEditable(True)
        self.kind_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        offered = list(PARTICIPATION_KINDS) + [k for k in kinds if k not in PARTICIPATION_KINDS]
        self.kind_combo.addItems(offered)
        self.kind_combo.setEditText(event.kind if event else PARTICIPATION_KINDS[0])
        self.place_edit = QLineEdit((event.place or "") if event else "")
        self.participants_edit = QLineEdit(
            "" if event is None or event.participants is None else str(event.participants))
        self.participants_edit.setPlaceholderText(self.tr("nombre de personnes"))
        self.participants_edit.setMaximumWidth(160)
        self.themes_edit = QLineEdit((event.themes or "") if event else "")
        self.themes_edit.setPlaceholderText(self.tr("Ex. : cadre de vie, tranquillité"))
        self.outcome_edit = QPlainTextEdit((event.outcome or "") if event else "")
        self.outcome_edit.setTabChangesFocus(True)
        self.outcome_edit.setMinimumHeight(self.outcome_edit.fontMetrics().lineSpacing() * 5)
        self.add_field("held_on", self.tr("Date *"), self.date_field, self.date_field.edit)
        self.add_field("kind", self.tr("Type de temps *"), self.kind_combo)
        self.add_field("place", self.tr("Lieu"), self.place_edit)
        self.add_field("participants", self.tr("Participants"), self.participants_edit)
        self.add_field("themes", self.tr("Thèmes"), self.themes_edit)
        self.add_field("outcome", self.tr("Ce qui en est ressorti"), self.outcome_edit)
        self.validate = self._check

    def _participants(self) -> int | None:
        text = "".join(self.participants_edit.text().split())
        if not text:
            return None
        if not text.isdigit():
            raise ValueError(self.tr("Participants : indiquez un nombre de personnes "
                                     "(exemple : 35)."))
        return int(text)

    def _check(self) -> Errors:
        errors: Errors = {}
        try:
            if self.date_field.value() is None:
                errors["held_on"] = self.tr("Date : indiquez la date du temps de participation.")
        except DateError as error:
            errors["held_on"] = str(error)
        try:
            self._participants()
        except ValueError as error:
            errors["participants"] = str(error)
        return errors

    def values(self) -> ParticipationInput:
        return ParticipationInput(
            held_on=self.date_field.value(),
            kind=self.kind_combo.currentText(),
            place=self.place_edit.text(),
            participants=self._participants(),
            themes=self.themes_edit.text(),
            outcome=self.outcome_edit.toPlainText(),
        )


__all__ = ["FigureDialog", "ParticipationDialog"]
