"""The "Dossier" tab of the dossier editor: holder, action, framework, content, period, cost.

Layout and reading only: the editor (`editor.py`) loads it, asks it for a `DossierInput`
with the fields it could not read, and shows every error beside its field.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services.dossiers import (
    FIELD_LABELS,
    DossierDetail,
    DossierInput,
    FieldError,
    read_amount,
)
from qpvdesk.ui.dossiers.editor_data import EditorChoices, RenewalChoice
from qpvdesk.ui.dossiers.editor_widgets import (
    CountEdit,
    DateEdit,
    FieldBox,
    MoneyEdit,
    SearchCombo,
    escape_html,
)

#: Longest text of a cross-cutting theme's check box (the full title is its tooltip).
THEME_TEXT_LIMIT = 72


def _short(text: str, limit: int = THEME_TEXT_LIMIT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip(" ,;") + "…"


def _row(*widgets: QWidget, stretch_last: bool = False) -> QWidget:
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    for index, widget in enumerate(widgets):
        last = index == len(widgets) - 1
        layout.addWidget(widget, 1 if (stretch_last and last) else 0)
    if not stretch_last:
        layout.addStretch(1)
    return holder


def _text_edit(lines: int, placeholder: str) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    edit.setPlaceholderText(placeholder)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 14)
    return edit


class DossierForm(QWidget):
    """Every field of the dossier but its budget, each with its message beneath."""

    #: Anything typed or picked.
    edited = Signal()
    #: "Nouvelle structure…" was clicked.
    new_holder_requested = Signal()
    #: A dossier to renew was picked (its id).
    renewal_picked = Signal(int)
    #: The exercice of a new dossier changed (renewals and calls depend on it).
    year_changed = Signal(int)
    #: A link to another year's dossier of the action was clicked.
    open_dossier_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._choices: EditorChoices | None = None
        self._new = True
        self._loading = False
        self._year: int = date.today().year

        # --- holder and action
        self.holder_combo = SearchCombo(self.tr("Tapez un mot du nom, du sigle…"))
        self.holder_combo.setObjectName("holder")
        self.new_holder_button = QPushButton(self.tr("Nouvelle structure…"))
        self.new_holder_button.setToolTip(self.tr("Créer la structure si elle n'est pas encore "
                                                  "dans l'annuaire"))
        holder_line = QWidget()
        holder_layout = QHBoxLayout(holder_line)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addWidget(self.holder_combo, 1)
        holder_layout.addWidget(self.new_holder_button)
        self.holder_box = FieldBox(self.tr("Porteur de &projet"), holder_line)
        self.holder_box.caption.setBuddy(self.holder_combo)

        self.new_action_radio = QRadioButton(self.tr("Nouvelle action"))
        self.renewal_radio = QRadioButton(self.tr("Renouvellement d'un dossier de l'an dernier"))
        self.action_mode = QButtonGroup(self)
        self.action_mode.addButton(self.new_action_radio)
        self.action_mode.addButton(self.renewal_radio)
        self.new_action_radio.setChecked(True)
        self.mode_line = _row(self.new_action_radio, self.renewal_radio)
        self.renewal_combo = SearchCombo(self.tr("Référence, intitulé ou porteur du dossier "
                                                 "renouvelé"))
        self.renewal_combo.setObjectName("renewal")
        self.renewal_box = FieldBox(self.tr("Dossier &renouvelé"), self.renewal_combo)
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("actionTitle")
        self.title_edit.setPlaceholderText(self.tr("L'intitulé de l'action tel que le porteur "
                                                   "l'a donné"))
        self.title_box = FieldBox(self.tr("&Intitulé de l'action"), self.title_edit)
        self.other_years_label = QLabel()
        self.other_years_label.setWordWrap(True)
        self.other_years_label.setTextFormat(Qt.TextFormat.RichText)
        self.other_years_label.linkActivated.connect(self._on_link)
        self.other_years_label.hide()

        # --- framework
        self.objective_combo = SearchCombo(self.tr("Code ou mot de l'objectif (P1.2.1, "
                                                   "numérique…)"))
        self.objective_combo.setObjectName("objective")
        self.objective_box = FieldBox(self.tr("&Objectif opérationnel"), self.objective_combo)
        self.themes_widget = QWidget()
        self.themes_layout = QVBoxLayout(self.themes_widget)
        self.themes_layout.setContentsMargins(0, 0, 0, 0)
        self.themes_layout.setSpacing(2)
        self.theme_checks: dict[int, QCheckBox] = {}
        self.themes_box = FieldBox(self.tr("Axes transversaux"), self.themes_widget)
        self.state_theme_combo = QComboBox()
        self.state_theme_combo.setObjectName("stateTheme")
        self.state_subtheme_combo = QComboBox()
        self.state_subtheme_combo.setObjectName("stateSubtheme")
        for combo in (self.state_theme_combo, self.state_subtheme_combo):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(18)
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        state_line = _row(self.state_theme_combo, self.state_subtheme_combo, stretch_last=True)
        state_line.layout().setStretch(0, 1)  # type: ignore[union-attr]
        self.state_theme_box = FieldBox(self.tr("Thématique de l'État (thème, sous-thème)"),
                                        state_line)
        self.state_theme_box.caption.setBuddy(self.state_theme_combo)

        # --- call, year, multi-year
        self.year_combo = QComboBox()
        self.year_combo.setObjectName("year")
        self.year_box = FieldBox(self.tr("E&xercice"), self.year_combo)
        self.call_combo = QComboBox()
        self.call_combo.setObjectName("call")
        self.call_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.call_combo.setMinimumContentsLength(20)
        self.call_box = FieldBox(self.tr("Appel à projets"), self.call_combo)
        self.received_edit = DateEdit()
        self.received_edit.setObjectName("receivedOn")
        self.received_box = FieldBox(self.tr("Reçu le"), self.received_edit)
        self.multi_year_check = QCheckBox(self.tr("Convention pluriannuelle (CPO) jusqu'en"))
        self.last_year_combo = QComboBox()
        self.last_year_combo.setObjectName("lastYear")
        self.last_year_box = FieldBox(self.tr("Durée"),
                                      _row(self.multi_year_check, self.last_year_combo))
        self.last_year_box.caption.setBuddy(self.multi_year_check)

        # --- content
        self.description_edit = _text_edit(5, self.tr("Objectifs, contenu, déroulement de "
                                                      "l'action"))
        self.description_box = FieldBox(self.tr("&Description"), self.description_edit)
        self.public_edit = _text_edit(2, self.tr("Jeunes de 11 à 15 ans, familles "
                                                 "monoparentales…"))
        self.public_box = FieldBox(self.tr("Public &visé"), self.public_edit)
        self.expected_edit = CountEdit()
        self.expected_edit.setObjectName("beneficiariesExpected")
        self.qpv_edit = CountEdit()
        self.qpv_edit.setObjectName("beneficiariesQpv")
        self.women_edit = CountEdit(percent=True)
        self.women_edit.setObjectName("womenShare")
        for edit in (self.expected_edit, self.qpv_edit, self.women_edit):
            edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("0000000") + 28)
        self.expected_box = FieldBox(self.tr("&Bénéficiaires attendus"), self.expected_edit)
        self.qpv_box = FieldBox(self.tr("dont résidents du QPV"), self.qpv_edit)
        self.women_box = FieldBox(self.tr("Part de femmes (%)"), self.women_edit)
        self.place_edit = QLineEdit()
        self.place_edit.setObjectName("place")
        self.place_edit.setPlaceholderText(self.tr("Centre-ville, place du Radical…"))
        self.place_box = FieldBox(self.tr("&Lieu"), self.place_edit)
        self.starts_edit = DateEdit()
        self.starts_edit.setObjectName("startsOn")
        self.ends_edit = DateEdit()
        self.ends_edit.setObjectName("endsOn")
        self.starts_box = FieldBox(self.tr("Du"), self.starts_edit)
        self.ends_box = FieldBox(self.tr("Au"), self.ends_edit)
        self.total_cost_edit = MoneyEdit()
        self.total_cost_edit.setObjectName("totalCost")
        self.total_cost_edit.setFixedWidth(
            self.total_cost_edit.fontMetrics().horizontalAdvance("000 000 000,00 €") + 24)
        self.total_cost_box = FieldBox(self.tr("&Coût total de l'action"), self.total_cost_edit)
        self.notes_edit = _text_edit(3, self.tr("Pour vous seule : ce qui ne figure pas au "
                                                "dossier"))
        self.notes_box = FieldBox(self.tr("&Notes internes"), self.notes_edit)

        self.boxes: dict[str, FieldBox] = {
            "holder_id": self.holder_box,
            "action_id": self.title_box,
            "action_title": self.title_box,
            "renew_from_dossier_id": self.renewal_box,
            "objective_id": self.objective_box,
            "theme_ids": self.themes_box,
            "state_theme_id": self.state_theme_box,
            "description": self.description_box,
            "target_public": self.public_box,
            "beneficiaries_expected": self.expected_box,
            "beneficiaries_qpv": self.qpv_box,
            "women_share_percent": self.women_box,
            "starts_on": self.starts_box,
            "ends_on": self.ends_box,
            "place": self.place_box,
            "total_cost": self.total_cost_box,
            "year": self.year_box,
            "is_multi_year": self.last_year_box,
            "last_year": self.last_year_box,
            "call_id": self.call_box,
            "received_on": self.received_box,
            "notes": self.notes_box,
        }
        self._build_layout()
        self._connect()

    # ------------------------------------------------------------------ layout

    def _build_layout(self) -> None:
        holder_group = QGroupBox(self.tr("Porteur et action"))
        holder_layout = QVBoxLayout(holder_group)
        holder_layout.addWidget(self.holder_box)
        holder_layout.addWidget(self.mode_line)
        holder_layout.addWidget(self.renewal_box)
        holder_layout.addWidget(self.title_box)
        holder_layout.addWidget(self.other_years_label)

        framework_group = QGroupBox(self.tr("Cadre du contrat de ville"))
        framework_layout = QVBoxLayout(framework_group)
        framework_layout.addWidget(self.objective_box)
        framework_layout.addWidget(self.themes_box)
        framework_layout.addWidget(self.state_theme_box)

        call_group = QGroupBox(self.tr("Demande"))
        call_layout = QGridLayout(call_group)
        call_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        call_layout.addWidget(self.year_box, 0, 0)
        call_layout.addWidget(self.call_box, 0, 1)
        call_layout.addWidget(self.received_box, 0, 2)
        call_layout.addWidget(self.last_year_box, 1, 0, 1, 3)
        call_layout.setColumnStretch(1, 1)

        content_group = QGroupBox(self.tr("Contenu de l'action"))
        content_layout = QVBoxLayout(content_group)
        content_layout.addWidget(self.description_box)
        content_layout.addWidget(self.public_box)
        people = QHBoxLayout()
        for box in (self.expected_box, self.qpv_box, self.women_box):
            # Side by side, each message wraps under its own field without pushing the others.
            box.setFixedWidth(self.fontMetrics().horizontalAdvance("x" * 27))
            people.addWidget(box, 0, Qt.AlignmentFlag.AlignTop)
        people.addStretch(1)
        content_layout.addLayout(people)
        content_layout.addWidget(self.place_box)

        period_group = QGroupBox(self.tr("Période et coût"))
        period_layout = QHBoxLayout(period_group)
        for box in (self.starts_box, self.ends_box, self.total_cost_box):
            box.setFixedWidth(self.fontMetrics().horizontalAdvance("x" * 27))
            period_layout.addWidget(box, 0, Qt.AlignmentFlag.AlignTop)
        period_layout.addStretch(1)

        left = QVBoxLayout()
        left.addWidget(holder_group)
        left.addWidget(framework_group)
        left.addWidget(call_group)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(content_group)
        right.addWidget(period_group)
        right.addWidget(self.notes_box)
        right.addStretch(1)

        page = QWidget()
        grid = QGridLayout(page)
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.scroll = scroll

    def _connect(self) -> None:
        for edit in (self.title_edit, self.received_edit, self.expected_edit, self.qpv_edit,
                     self.women_edit, self.place_edit, self.starts_edit, self.ends_edit,
                     self.total_cost_edit):
            edit.textChanged.connect(self._on_edited)
        for text_edit in (self.description_edit, self.public_edit, self.notes_edit):
            text_edit.textChanged.connect(self._on_edited)
        for combo in (self.holder_combo, self.objective_combo):
            combo.editTextChanged.connect(self._on_edited)
        self.renewal_combo.id_changed.connect(self._on_renewal_picked)
        self.renewal_combo.editTextChanged.connect(self._on_edited)
        self.new_holder_button.clicked.connect(self.new_holder_requested)
        self.action_mode.buttonToggled.connect(self._on_mode)
        self.state_theme_combo.currentIndexChanged.connect(self._on_state_theme)
        self.state_subtheme_combo.currentIndexChanged.connect(self._on_edited)
        self.year_combo.currentIndexChanged.connect(self._on_year)
        self.call_combo.currentIndexChanged.connect(self._on_edited)
        self.multi_year_check.toggled.connect(self._on_multi_year)
        self.last_year_combo.currentIndexChanged.connect(self._on_edited)

    # ------------------------------------------------------------------ choices

    def set_choices(self, choices: EditorChoices) -> None:
        """Fill the pickers; what is picked stays picked when still offered."""
        was_loading = self._loading
        self._loading = True
        try:
            self._choices = choices
            self.holder_combo.set_items([(c.id, c.text, c.tooltip) for c in choices.holders])
            self.objective_combo.set_items(
                [(c.id, c.text, c.tooltip) for c in choices.objectives])
            self._fill_themes(choices)
            self._set_tab_order()
            theme = self.state_theme_combo.currentData()
            sub = self.state_subtheme_combo.currentData()
            self.state_theme_combo.clear()
            self.state_theme_combo.addItem(self.tr("— aucune —"), None)
            for item in choices.main_themes():
                self.state_theme_combo.addItem(item.text, item.id)
                self.state_theme_combo.setItemData(self.state_theme_combo.count() - 1,
                                                   item.label, Qt.ItemDataRole.ToolTipRole)
            self._select_data(self.state_theme_combo, theme)
            self._fill_subthemes(theme)
            self._select_data(self.state_subtheme_combo, sub)
            year = self.year()
            self.year_combo.clear()
            for value in range(choices.first_year, choices.last_year + 1):
                self.year_combo.addItem(str(value), value)
            self._select_data(self.year_combo, year)
            self._fill_calls()
            self._fill_last_years()
        finally:
            self._loading = was_loading

    def _fill_themes(self, choices: EditorChoices) -> None:
        checked = set(self.theme_ids())
        for check in self.theme_checks.values():
            self.themes_layout.removeWidget(check)
            check.deleteLater()
        self.theme_checks = {}
        for theme in choices.themes:
            check = QCheckBox(_short(theme.text))
            check.setToolTip(f"{theme.tooltip} : {theme.text}")
            check.setChecked(theme.id in checked)
            check.toggled.connect(self._on_edited)
            self.themes_layout.addWidget(check)
            check.show()
            self.theme_checks[theme.id] = check

    def _set_tab_order(self) -> None:
        """Tab goes down the left column, then down the right one, as the eye reads."""
        chain: list[QWidget] = [
            self.holder_combo, self.new_holder_button, self.new_action_radio,
            self.renewal_radio, self.renewal_combo, self.title_edit, self.objective_combo,
            *self.theme_checks.values(), self.state_theme_combo, self.state_subtheme_combo,
            self.year_combo, self.call_combo, self.received_edit, self.multi_year_check,
            self.last_year_combo, self.description_edit, self.public_edit, self.expected_edit,
            self.qpv_edit, self.women_edit, self.place_edit, self.starts_edit, self.ends_edit,
            self.total_cost_edit, self.notes_edit,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _fill_subthemes(self, theme_id: object) -> None:
        self.state_subtheme_combo.clear()
        if self._choices is None or theme_id is None:
            self.state_subtheme_combo.addItem(self.tr("— choisissez d'abord un thème —"), None)
            self.state_subtheme_combo.setEnabled(False)
            return
        self.state_subtheme_combo.setEnabled(True)
        self.state_subtheme_combo.addItem(self.tr("— choisissez un sous-thème —"), None)
        for item in self._choices.sub_themes(int(theme_id)):  # type: ignore[call-overload]
            self.state_subtheme_combo.addItem(item.text, item.id)
            self.state_subtheme_combo.setItemData(self.state_subtheme_combo.count() - 1,
                                                  item.label, Qt.ItemDataRole.ToolTipRole)

    def _fill_calls(self) -> None:
        current = self.call_combo.currentData()
        self.call_combo.clear()
        self.call_combo.addItem(self.tr("— hors appel à projets —"), None)
        if self._choices is None:
            return
        for call in self._choices.calls_of(self.year()):
            self.call_combo.addItem(call.title, call.id)
            if call.closes_on:
                self.call_combo.setItemData(
                    self.call_combo.count() - 1,
                    self.tr("Clôture le {date}").format(date=call.closes_on.strftime("%d/%m/%Y")),
                    Qt.ItemDataRole.ToolTipRole)
        self._select_data(self.call_combo, current)

    def _fill_last_years(self) -> None:
        current = self.last_year_combo.currentData()
        self.last_year_combo.clear()
        self.last_year_combo.addItem("", None)
        if self._choices is not None:
            for value in range(self.year() + 1, self._choices.last_year + 1):
                self.last_year_combo.addItem(str(value), value)
        self._select_data(self.last_year_combo, current)
        self.last_year_combo.setEnabled(self.multi_year_check.isChecked())

    @staticmethod
    def _select_data(combo: QComboBox, value: object) -> None:
        index = combo.findData(value) if value is not None else 0
        combo.setCurrentIndex(max(index, 0))

    def set_renewal_choices(self, items: Iterable[RenewalChoice]) -> None:
        self.renewal_combo.set_items([(item.id, item.text, "") for item in items])

    # ------------------------------------------------------------------ loading

    def load(self, data: DossierInput, detail: DossierDetail | None) -> None:
        """Show *data* (a registered dossier's values, or a new one's defaults)."""
        was_loading, self._loading = self._loading, True
        try:
            self._new = detail is None
            self.holder_combo.set_current_id(data.holder_id)
            self.mode_line.setVisible(self._new)
            self.renewal_radio.setChecked(self._new and data.renew_from_dossier_id is not None)
            self.new_action_radio.setChecked(not self.renewal_radio.isChecked())
            if data.renew_from_dossier_id is None:
                self.renewal_combo.set_current_id(None)
            self.title_edit.setText(data.action_title or "")
            self.objective_combo.set_current_id(data.objective_id)
            for theme_id, check in self.theme_checks.items():
                check.setChecked(theme_id in data.theme_ids)
            theme = (self._choices.state_theme(data.state_theme_id)
                     if self._choices is not None else None)
            main_id = None if theme is None else (theme.parent_id or theme.id)
            self._select_data(self.state_theme_combo, main_id)
            self._fill_subthemes(main_id)
            self._select_data(self.state_subtheme_combo,
                              data.state_theme_id if theme is not None and theme.parent_id
                              else None)
            self.description_edit.setPlainText(data.description or "")
            self.public_edit.setPlainText(data.target_public or "")
            self.expected_edit.set_count(data.beneficiaries_expected)
            self.qpv_edit.set_count(data.beneficiaries_qpv)
            self.women_edit.set_count(data.women_share_percent)
            self.starts_edit.set_date(data.starts_on)
            self.ends_edit.set_date(data.ends_on)
            self.place_edit.setText(data.place or "")
            self.total_cost_edit.set_amount(data.total_cost if data.total_cost or
                                            detail is not None else None)
            if data.year is not None:
                self._year = data.year
                self._select_data(self.year_combo, data.year)
            self.year_combo.setEnabled(self._new)
            self._fill_calls()
            self._select_data(self.call_combo, data.call_id)
            self.received_edit.set_date(data.received_on)
            self.multi_year_check.setChecked(data.is_multi_year)
            self._fill_last_years()
            self._select_data(self.last_year_combo, data.last_year)
            self.notes_edit.setPlainText(data.notes or "")
            self._show_other_years(detail)
            self._update_mode()
            self.show_errors({})
        finally:
            self._loading = was_loading

    def fill_from_renewal(self, data: DossierInput) -> None:
        """Copy last year's values (`renewal_input`) into the fields, keeping the call."""
        self._loading = True
        try:
            keep_call = self.call_combo.currentData()
            keep_received = self.received_edit.text()
            year = self.year()
            copy = dataclasses.replace(data, year=year)
            renewal_id = self.renewal_combo.current_id()
            self.load(copy, None)
            self.renewal_radio.setChecked(True)
            if renewal_id is not None:
                self.renewal_combo.set_current_id(renewal_id)
            self._select_data(self.call_combo, keep_call)
            self.received_edit.setText(keep_received)
            self._update_mode()
        finally:
            self._loading = False
        self.edited.emit()

    def _show_other_years(self, detail: DossierDetail | None) -> None:
        if detail is None or not detail.other_years:
            self.other_years_label.hide()
            return
        links = ", ".join(
            f"<a href='dossier:{other.id}'>{escape_html(other.reference)}</a> "
            f"({escape_html(other.state_label)})"
            for other in detail.other_years
        )
        prefix = (self.tr("Renouvellement. ") if detail.is_renewal else "")
        self.other_years_label.setText(
            prefix + self.tr("Autres années de l'action : {links}").format(links=links))
        self.other_years_label.show()

    def _on_link(self, link: str) -> None:
        if link.startswith("dossier:"):
            self.open_dossier_requested.emit(int(link.split(":", 1)[1]))

    # ------------------------------------------------------------------ reacting

    def _on_edited(self, *_args: object) -> None:
        if not self._loading:
            self.edited.emit()

    def _on_mode(self, *_args: object) -> None:
        self._update_mode()
        self._on_edited()

    def _update_mode(self) -> None:
        renewal = self._new and self.renewal_radio.isChecked()
        self.renewal_box.setVisible(renewal)

    def _on_renewal_picked(self, dossier_id: object) -> None:
        if not self._loading and isinstance(dossier_id, int):
            self.renewal_picked.emit(dossier_id)

    def _on_state_theme(self, *_args: object) -> None:
        if self._loading:
            return
        self._fill_subthemes(self.state_theme_combo.currentData())
        self._on_edited()

    def _on_year(self, *_args: object) -> None:
        value = self.year_combo.currentData()
        if value is None or self._loading:
            return
        self._year = int(value)
        self._fill_calls()
        self._fill_last_years()
        self.year_changed.emit(self._year)
        self._on_edited()

    def _on_multi_year(self, checked: bool) -> None:
        self.last_year_combo.setEnabled(checked)
        if checked and self.last_year_combo.currentData() is None and \
                self.last_year_combo.count() > 1 and not self._loading:
            self.last_year_combo.setCurrentIndex(self.last_year_combo.count() - 1)
        self._on_edited()

    # ------------------------------------------------------------------ reading

    def is_new(self) -> bool:
        return self._new

    def year(self) -> int:
        value = self.year_combo.currentData()
        return int(value) if value is not None else self._year

    def theme_ids(self) -> tuple[int, ...]:
        return tuple(sorted(i for i, check in self.theme_checks.items() if check.isChecked()))

    def state_theme_id(self) -> int | None:
        sub = self.state_subtheme_combo.currentData()
        if sub is not None:
            return int(sub)
        theme = self.state_theme_combo.currentData()
        # A theme without its sub-theme: the service says to pick one.
        return int(theme) if theme is not None else None

    def total_cost_preview(self) -> Money | None:
        """The total cost as typed, when it reads as an amount (for the budget's note)."""
        try:
            return self.total_cost_edit.amount(FIELD_LABELS["total_cost"])
        except ValidationError:
            return None

    def collect(self) -> tuple[DossierInput, list[FieldError]]:
        """The form as a `DossierInput` (budget left empty), and what could not be read."""
        errors: list[FieldError] = []

        def label(field: str) -> str:
            return FIELD_LABELS.get(field, field)

        def picked(combo: SearchCombo, field: str, what: str) -> int | None:
            if combo.has_unknown_text():
                errors.append(FieldError(field, self.tr(
                    "{label} : « {text} » ne correspond à aucun{what} de la liste ; "
                    "choisissez dans la liste proposée.").format(
                        label=label(field), text=combo.currentText().strip(), what=what)))
            return combo.current_id()

        def count(edit: CountEdit, field: str) -> int | None:
            try:
                return edit.count(label(field))
            except ValidationError as error:
                errors.append(FieldError(field, error.message))
                return None

        def day(edit: DateEdit, field: str) -> date | None:
            try:
                return edit.date(label(field))
            except ValidationError as error:
                errors.append(FieldError(field, error.message))
                return None

        holder_id = picked(self.holder_combo, "holder_id", "e structure")
        if self.holder_combo.has_unknown_text():
            errors[-1] = FieldError("holder_id", self.tr(
                "{label} : « {text} » n'est pas dans l'annuaire ; choisissez la structure "
                "dans la liste ou créez-la (« Nouvelle structure… »).").format(
                    label=label("holder_id"), text=self.holder_combo.currentText().strip()))
        renewal = self._new and self.renewal_radio.isChecked()
        renew_id = picked(self.renewal_combo, "renew_from_dossier_id", " dossier") \
            if renewal else None
        if renewal and renew_id is None and not self.renewal_combo.has_unknown_text():
            errors.append(FieldError("renew_from_dossier_id", self.tr(
                "{label} : choisissez le dossier de l'an dernier que celui-ci renouvelle.")
                .format(label=label("renew_from_dossier_id"))))
        objective_id = picked(self.objective_combo, "objective_id", " objectif")
        total = read_amount(self.total_cost_edit.text(), "total_cost")
        if isinstance(total, FieldError):
            errors.append(total)
            total_cost = Money(0)
        else:
            total_cost = total if total is not None else Money(0)
        multi = self.multi_year_check.isChecked()
        last_year = self.last_year_combo.currentData() if multi else None
        data = DossierInput(
            holder_id=holder_id,
            action_title=self.title_edit.text().strip() or None,
            renew_from_dossier_id=renew_id,
            objective_id=objective_id,
            theme_ids=self.theme_ids(),
            state_theme_id=self.state_theme_id(),
            description=self.description_edit.toPlainText().strip() or None,
            target_public=self.public_edit.toPlainText().strip() or None,
            beneficiaries_expected=count(self.expected_edit, "beneficiaries_expected"),
            beneficiaries_qpv=count(self.qpv_edit, "beneficiaries_qpv"),
            women_share_percent=count(self.women_edit, "women_share_percent"),
            starts_on=day(self.starts_edit, "starts_on"),
            ends_on=day(self.ends_edit, "ends_on"),
            place=self.place_edit.text().strip() or None,
            total_cost=total_cost,
            year=self.year(),
            is_multi_year=multi,
            last_year=int(last_year) if last_year is not None else None,
            call_id=self.call_combo.currentData(),
            received_on=day(self.received_edit, "received_on"),
            notes=self.notes_edit.toPlainText().strip() or None,
        )
        return data, errors

    def raw_state(self) -> tuple[object, ...]:
        """Everything as typed, to tell whether the form differs from what was loaded."""
        return (
            self.holder_combo.currentText(),
            self.renewal_radio.isChecked() and self._new,
            self.renewal_combo.currentText() if self._new and self.renewal_radio.isChecked()
            else "",
            self.title_edit.text(),
            self.objective_combo.currentText(),
            self.theme_ids(),
            self.state_theme_combo.currentData(),
            self.state_subtheme_combo.currentData(),
            self.description_edit.toPlainText(),
            self.public_edit.toPlainText(),
            self.expected_edit.text(),
            self.qpv_edit.text(),
            self.women_edit.text(),
            self.starts_edit.text(),
            self.ends_edit.text(),
            self.place_edit.text(),
            self.total_cost_edit.text(),
            self.year(),
            self.call_combo.currentData(),
            self.received_edit.text(),
            self.multi_year_check.isChecked(),
            self.last_year_combo.currentData() if self.multi_year_check.isChecked() else None,
            self.notes_edit.toPlainText(),
        )

    # ------------------------------------------------------------------ errors

    def show_errors(self, errors: dict[str, str]) -> list[str]:
        """Show each field's message under it; returns the messages that have no field."""
        by_box: dict[int, list[str]] = {}
        for field, message in errors.items():
            box = self.boxes.get(field)
            if box is not None:
                by_box.setdefault(id(box), []).append(message)
        for box in set(self.boxes.values()):
            messages = by_box.get(id(box))
            box.set_error("\n".join(messages) if messages else None)
        return [message for field, message in errors.items() if field not in self.boxes]

    def error_text(self, field: str) -> str:
        box = self.boxes.get(field)
        return "" if box is None else box.error_text()

    def first_error_widget(self) -> QWidget | None:
        for box in self.boxes.values():
            if box.error_text():
                return box
        return None

    def set_editable(self, editable: bool) -> None:
        for widget in (self.holder_combo, self.new_holder_button, self.title_edit,
                       self.objective_combo, self.themes_widget, self.state_theme_combo,
                       self.state_subtheme_combo, self.call_combo, self.multi_year_check,
                       self.last_year_combo, self.renewal_combo, self.mode_line):
            widget.setEnabled(editable)
        for edit in (self.received_edit, self.expected_edit, self.qpv_edit, self.women_edit,
                     self.place_edit, self.starts_edit, self.ends_edit, self.total_cost_edit):
            edit.setReadOnly(not editable)
        for text_edit in (self.description_edit, self.public_edit, self.notes_edit):
            text_edit.setReadOnly(not editable)
        self.year_combo.setEnabled(editable and self._new)
        if editable:
            self.last_year_combo.setEnabled(self.multi_year_check.isChecked())
