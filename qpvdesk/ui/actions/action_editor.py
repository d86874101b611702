"""The action's form: holder, operational objective, cross-cutting themes, period, state, place,
public, description.

Layout, values, messages beside the fields and the dirty state; `ActionsScreen`
loads it and saves it (one unit of work, undoable).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.enums import ActionKind, ActionState
from qpvdesk.core.services.actions import FIELD_LABELS, ActionInput
from qpvdesk.ui.actions.action_data import ActionChoices
from qpvdesk.ui.actions.dialogs import search_items, spin_year, year_spin
from qpvdesk.ui.actions.shared import caption
from qpvdesk.ui.dossiers.editor_widgets import SearchCombo
from qpvdesk.ui.partners.fields import FieldMessage, strip_field_prefix, with_message

_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_CHECKED = Qt.CheckState.Checked
_UNCHECKED = Qt.CheckState.Unchecked

Snapshot = tuple[object, ...]


class ActionEditor(QWidget):
    """One action's own fields (its money, notes and indicators have their own tabs)."""

    dirty_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loaded: Snapshot | None = None
        self._dirty = False
        self._editable = True
        self._state_theme_id: int | None = None
        self._choices: ActionChoices | None = None

        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("actionTitle")
        self.holder_combo = SearchCombo(self.tr("Tapez une partie du nom de la structure"))
        self.objective_combo = SearchCombo(self.tr("Tapez un code ou un mot (P1.2…)"))
        self.kind_combo = QComboBox()
        # Enum values, not members: a QVariant would turn a StrEnum member into a plain str.
        for kind in ActionKind:
            self.kind_combo.addItem(kind.label, kind.value)
        self.state_combo = QComboBox()
        for state in ActionState:
            self.state_combo.addItem(state.label, state.value)
        self.start_spin = year_spin(2024, 2030, None, optional=True)
        self.end_spin = year_spin(2024, 2030, None, optional=True)
        self.place_edit = QLineEdit()
        self.place_edit.setPlaceholderText(self.tr("Ex. : centre social, place des Tilleuls"))
        self.public_edit = QLineEdit()
        self.public_edit.setPlaceholderText(self.tr("Ex. : collégiens du quartier, familles"))
        self.description_edit = QPlainTextEdit()
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setMinimumHeight(
            self.description_edit.fontMetrics().lineSpacing() * 3 + 12)
        self.themes_list = QListWidget()
        self.themes_list.setObjectName("actionThemes")
        self.themes_list.setWordWrap(True)
        self.themes_list.setMinimumHeight(self.themes_list.fontMetrics().height() * 6)
        self.questions_label = QLabel()
        self.questions_label.setWordWrap(True)
        self.questions_label.setTextFormat(Qt.TextFormat.PlainText)

        self.messages: dict[str, FieldMessage] = {}
        self._focus: dict[str, QWidget] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        years = QHBoxLayout()
        years.setContentsMargins(0, 0, 0, 0)
        years.addWidget(self.start_spin)
        years.addWidget(QLabel(self.tr("à")))
        years.addWidget(self.end_spin)
        years.addStretch(1)
        years_box = QWidget()
        years_box.setLayout(years)
        kind_state = QHBoxLayout()
        kind_state.setContentsMargins(0, 0, 0, 0)
        kind_state.addWidget(self.kind_combo)
        kind_state.addSpacing(12)
        kind_state.addWidget(QLabel(self.tr("État")))
        kind_state.addWidget(self.state_combo)
        kind_state.addStretch(1)
        kind_box = QWidget()
        kind_box.setLayout(kind_state)
        for key, label, field, focus in (
            ("title", self.tr("Intitulé *"), self.title_edit, None),
            ("holder_id", self.tr("Porteur"), self.holder_combo, None),
            ("objective_id", self.tr("Objectif opérationnel *"), self.objective_combo, None),
            ("kind", self.tr("Nature"), kind_box, self.kind_combo),
            ("start_year", self.tr("Période"), years_box, self.start_spin),
            ("place", self.tr("Lieu"), self.place_edit, None),
            ("public", self.tr("Public"), self.public_edit, None),
            ("description", self.tr("Description"), self.description_edit, None),
        ):
            cell, message = with_message(field)
            self.messages[key] = message
            self._focus[key] = focus or field
            caption_label = QLabel(label)
            caption_label.setBuddy(focus or field)
            form.addRow(caption_label, cell)
        # The state and the last year share a row: their messages go under it too.
        self.messages["state"] = self.messages["kind"]
        self.messages["end_year"] = self.messages["start_year"]
        self._focus["state"] = self.state_combo
        self._focus["end_year"] = self.end_spin

        themes_cell, self.messages["theme_ids"] = with_message(self.themes_list)
        self._focus["theme_ids"] = self.themes_list
        right = QVBoxLayout()
        right.addWidget(caption(self.tr("Axes transversaux")))
        right.addWidget(themes_cell, 1)
        right.addWidget(caption(self.tr("Questions évaluatives")))
        right.addWidget(self.questions_label)

        self.general_message = FieldMessage()
        self.revert_button = QPushButton(self.tr("Annuler les modifications"))
        self.save_button = QPushButton(self.tr("Enregistrer"))
        self.save_button.setObjectName("saveAction")
        self.save_button.setDefault(True)
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.setToolTip(self.tr("Enregistrer l'action (Ctrl+S)"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        columns = QGridLayout()
        columns.addLayout(form, 0, 0)
        columns.addLayout(right, 0, 1)
        columns.setColumnStretch(0, 3)
        columns.setColumnStretch(1, 2)
        columns.setHorizontalSpacing(18)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(columns, 1)
        layout.addWidget(self.general_message)
        layout.addLayout(buttons)

        self.title_edit.textChanged.connect(self.update_dirty)
        self.holder_combo.editTextChanged.connect(self.update_dirty)
        self.holder_combo.id_changed.connect(self.update_dirty)
        self.objective_combo.editTextChanged.connect(self.update_dirty)
        self.objective_combo.id_changed.connect(self.update_dirty)
        self.kind_combo.currentIndexChanged.connect(self.update_dirty)
        self.state_combo.currentIndexChanged.connect(self.update_dirty)
        self.start_spin.valueChanged.connect(self.update_dirty)
        self.end_spin.valueChanged.connect(self.update_dirty)
        self.place_edit.textChanged.connect(self.update_dirty)
        self.public_edit.textChanged.connect(self.update_dirty)
        self.description_edit.textChanged.connect(self.update_dirty)
        self.themes_list.itemChanged.connect(self.update_dirty)
        self.update_dirty()

    # ------------------------------------------------------------------ choices and values

    def set_choices(self, choices: ActionChoices) -> None:
        """The pickers' lists (kept picks survive when still offered)."""
        self._choices = choices
        self.holder_combo.set_items(search_items(choices.holders))
        self.objective_combo.set_items(search_items(choices.objectives))
        for spin in (self.start_spin, self.end_spin):
            value = spin_year(spin)
            spin.blockSignals(True)
            spin.setRange(choices.first_year - 1, choices.last_year)
            spin.setValue(value if value is not None else spin.minimum())
            spin.blockSignals(False)
        checked = set(self.theme_ids())
        self.themes_list.blockSignals(True)
        self.themes_list.clear()
        for theme in choices.themes:
            item = QListWidgetItem(theme.text)
            item.setData(_ID_ROLE, theme.id)
            item.setToolTip(f"{theme.tooltip} : {theme.text}" if theme.tooltip else theme.text)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(_CHECKED if theme.id in checked else _UNCHECKED)
            self.themes_list.addItem(item)
        self.themes_list.blockSignals(False)
        self.set_editable(self._editable)

    def theme_ids(self) -> tuple[int, ...]:
        return tuple(sorted(
            int(self.themes_list.item(i).data(_ID_ROLE))
            for i in range(self.themes_list.count())
            if self.themes_list.item(i).checkState() == _CHECKED))

    def set_theme_checked(self, theme_id: int, checked: bool) -> None:
        """Tick or untick a theme as the user would."""
        for i in range(self.themes_list.count()):
            item = self.themes_list.item(i)
            if int(item.data(_ID_ROLE)) == theme_id:
                item.setCheckState(_CHECKED if checked else _UNCHECKED)

    def load(self, data: ActionInput, questions: str = "") -> None:
        """Show *data* as the stored state."""
        self._loaded = None
        self._state_theme_id = data.state_theme_id
        self.title_edit.setText(data.title)
        self.holder_combo.set_current_id(data.holder_id)
        self.objective_combo.set_current_id(data.objective_id)
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(ActionKind(data.kind).value))
        self.state_combo.setCurrentIndex(self.state_combo.findData(ActionState(data.state).value))
        self.start_spin.setValue(data.start_year or self.start_spin.minimum())
        self.end_spin.setValue(data.end_year or self.end_spin.minimum())
        self.place_edit.setText(data.place or "")
        self.public_edit.setText(data.public or "")
        self.description_edit.setPlainText(data.description or "")
        wanted = set(data.theme_ids)
        self.themes_list.blockSignals(True)
        for i in range(self.themes_list.count()):
            item = self.themes_list.item(i)
            item.setCheckState(_CHECKED if int(item.data(_ID_ROLE)) in wanted else _UNCHECKED)
        self.themes_list.blockSignals(False)
        self.questions_label.setText(questions or self.tr("Liée à aucune question évaluative "
                                                          "(page Évaluation)."))
        self.clear_errors()
        self._loaded = self._snapshot()
        self.update_dirty()

    def values(self) -> ActionInput:
        return ActionInput(
            title=self.title_edit.text(),
            objective_id=self.objective_combo.current_id(),
            start_year=spin_year(self.start_spin),
            end_year=spin_year(self.end_spin),
            holder_id=self.holder_combo.current_id(),
            kind=ActionKind(self.kind_combo.currentData()),
            state=ActionState(self.state_combo.currentData()),
            place=self.place_edit.text(),
            public=self.public_edit.text(),
            description=self.description_edit.toPlainText(),
            theme_ids=self.theme_ids(),
            state_theme_id=self._state_theme_id,
        )

    def unknown_picks(self) -> dict[str, list[str]]:
        """Texts typed in a picker that match no entry (the service would see « none »)."""
        errors: dict[str, list[str]] = {}
        if self.holder_combo.has_unknown_text():
            errors["holder_id"] = [self.tr("Porteur : « {text} » n'est pas dans l'annuaire ; "
                                           "choisissez une structure de la liste.").format(
                text=self.holder_combo.currentText().strip())]
        if self.objective_combo.has_unknown_text():
            errors["objective_id"] = [self.tr("Objectif opérationnel : choisissez un objectif "
                                              "de la liste.")]
        return errors

    def _snapshot(self) -> Snapshot:
        return (
            " ".join(self.title_edit.text().split()), self.holder_combo.currentText().strip(),
            self.objective_combo.currentText().strip(), self.kind_combo.currentIndex(),
            self.state_combo.currentIndex(), self.start_spin.value(), self.end_spin.value(),
            self.place_edit.text().strip(), self.public_edit.text().strip(),
            self.description_edit.toPlainText().strip(), self.theme_ids(),
        )

    def is_dirty(self) -> bool:
        return self._dirty

    def update_dirty(self, *_args: object) -> None:
        dirty = self._loaded is not None and self._snapshot() != self._loaded
        self.save_button.setEnabled(self._editable and dirty)
        self.revert_button.setEnabled(self._editable and dirty)
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        for edit in (self.title_edit, self.place_edit, self.public_edit):
            edit.setReadOnly(not editable)
        self.description_edit.setReadOnly(not editable)
        for widget in (self.holder_combo, self.objective_combo, self.kind_combo,
                       self.state_combo):
            widget.setEnabled(editable)
        for spin in (self.start_spin, self.end_spin):
            spin.setReadOnly(not editable)
        for i in range(self.themes_list.count()):
            item = self.themes_list.item(i)
            flags = Qt.ItemFlag.ItemIsEnabled
            if editable:
                flags |= Qt.ItemFlag.ItemIsUserCheckable
            item.setFlags(flags)
        self.save_button.setVisible(editable)
        self.revert_button.setVisible(editable)
        self.update_dirty()

    # ------------------------------------------------------------------ messages

    def clear_errors(self) -> None:
        for message in self.messages.values():
            message.clear_message()
        self.general_message.clear_message()

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        """Messages beside their fields; the first field focused."""
        self.clear_errors()
        shown: dict[int, list[str]] = {}
        first = None
        for key, texts in errors.items():
            message = self.messages.get(key)
            if message is None:
                self.general_message.show_message("\n".join(texts))
                continue
            label = FIELD_LABELS.get(key, "")
            lines = shown.setdefault(id(message), [])
            lines.extend(strip_field_prefix(text, label) if key not in ("state", "end_year")
                         else text for text in texts)
            message.show_message("\n".join(lines))
            first = first or self._focus.get(key)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def message_for(self, key: str) -> str:
        return self.messages[key].text()


__all__ = ["ActionEditor"]
