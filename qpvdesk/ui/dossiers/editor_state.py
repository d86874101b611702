"""The head of the dossier editor (reference, title, state in a coloured badge, the next states
as buttons) and the dialog that asks for the comment of a change of state."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.enums import DossierState, Opinion
from qpvdesk.core.errors import ValidationError
from qpvdesk.ui.dossiers.editor_widgets import ERROR_COLOUR, DateEdit, FieldBox, escape_html

#: Badge colours (background, text) by state: grey while received, blue while instructed,
#: green once granted, red when refused or withdrawn.
STATE_COLOURS: dict[DossierState, tuple[str, str]] = {
    DossierState.RECEIVED: ("#e6e8eb", "#30343a"),
    DossierState.COMPLETE: ("#dcebf7", "#143d62"),
    DossierState.INCOMPLETE: ("#ffe7c2", "#6b3d00"),
    DossierState.UNDER_REVIEW: ("#dcebf7", "#143d62"),
    DossierState.OPINION_GIVEN: ("#e4defa", "#3a2773"),
    DossierState.APPROVED: ("#d8f0da", "#1d5421"),
    DossierState.REFUSED: ("#fbdcd8", "#7a1c12"),
    DossierState.POSTPONED: ("#ffe7c2", "#6b3d00"),
    DossierState.WITHDRAWN: ("#fbdcd8", "#7a1c12"),
    DossierState.AGREEMENT_SIGNED: ("#d8f0da", "#1d5421"),
    DossierState.PAID: ("#d8f0da", "#1d5421"),
    DossierState.REPORT_RECEIVED: ("#d8f0da", "#1d5421"),
    DossierState.CLOSED: ("#e6e8eb", "#30343a"),
}


@dataclass(frozen=True, slots=True)
class StateRequest:
    """A change of state as the dialog asks it."""

    target: DossierState
    comment: str | None
    missing_documents: tuple[str, ...]
    opinion: Opinion | None
    on: date


class StateBar(QWidget):
    """Reference and title, the state badge and one button per state allowed next."""

    state_requested = Signal(object)  # DossierState

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel()
        font = QFont(self.title_label.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle_label = QLabel()
        self.subtitle_label.setWordWrap(True)
        self.subtitle_label.setTextFormat(Qt.TextFormat.RichText)
        self.state_label = QLabel()
        self.state_label.setObjectName("stateBadge")
        badge_font = QFont(self.state_label.font())
        badge_font.setBold(True)
        badge_font.setPointSizeF(badge_font.pointSizeF() * 1.15)
        self.state_label.setFont(badge_font)
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_label = QLabel(self.tr("Passer à :"))
        self.buttons_layout = QHBoxLayout()
        self.buttons_layout.setSpacing(4)
        self.buttons: dict[DossierState, QPushButton] = {}
        self.final_label = QLabel()
        self.final_label.setStyleSheet("color: #555;")

        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.title_label)
        text.addWidget(self.subtitle_label)
        state = QVBoxLayout()
        state.setSpacing(4)
        state.addWidget(self.state_label, 0, Qt.AlignmentFlag.AlignRight)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.next_label)
        row.addLayout(self.buttons_layout)
        row.addWidget(self.final_label)
        state.addLayout(row)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(text, 1)
        layout.addLayout(state)

    def show_new(self, year: int) -> None:
        self.title_label.setText(self.tr("Nouveau dossier {year}").format(year=year))
        self.subtitle_label.setText(self.tr("Il sera numéroté et passera à l'état « Reçu » à "
                                            "son enregistrement."))
        self._badge(DossierState.RECEIVED, self.tr("Non enregistré"))
        self._set_next(())

    def show_dossier(self, reference: str, title: str, holder: str, objective: str | None,
                     state: DossierState, next_states: Sequence[DossierState],
                     years: str, *, late: bool, missing: Sequence[str]) -> None:
        self.title_label.setText(f"{reference} · {title}")
        parts = [escape_html(holder), escape_html(years)]
        if objective:
            parts.append(escape_html(objective))
        subtitle = " · ".join(parts)
        if late:
            subtitle += f" · <span style='color:{ERROR_COLOUR}'>" + escape_html(
                self.tr("reçu après la clôture de l'appel")) + "</span>"
        if missing:
            subtitle += "<br><span style='color:#6b3d00'>" + escape_html(
                self.tr("Pièces manquantes : {items}").format(items=", ".join(missing))) + \
                "</span>"
        self.subtitle_label.setText(subtitle)
        self._badge(state, state.label)
        self._set_next(next_states)

    def _badge(self, state: DossierState, text: str) -> None:
        background, colour = STATE_COLOURS.get(state, ("#e6e8eb", "#30343a"))
        self.state_label.setText(text)
        self.state_label.setStyleSheet(
            f"QLabel#stateBadge {{ background: {background}; color: {colour}; "
            "border-radius: 10px; padding: 4px 14px; }")

    def _set_next(self, states: Sequence[DossierState]) -> None:
        for button in self.buttons.values():
            self.buttons_layout.removeWidget(button)
            button.deleteLater()
        self.buttons = {}
        for state in states:
            button = QPushButton(state.label)
            button.setObjectName(f"state_{state.value}")
            button.setToolTip(self.tr("Passer le dossier à l'état « {state} »").format(
                state=state.label))
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, s=state: self.state_requested.emit(s))
            self.buttons_layout.addWidget(button)
            button.show()  # at once, not when the event loop gets to it
            self.buttons[state] = button
        self.next_label.setVisible(bool(states))
        self.final_label.setVisible(False)

    def show_final(self, text: str) -> None:
        self.final_label.setText(text)
        self.final_label.setVisible(bool(text))

    def set_editable(self, editable: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(editable)


#: Saves a state change; returns None when done, else (field, message) to show.
StateSubmit = Callable[[StateRequest], tuple[str, str] | None]


class StateChangeDialog(QDialog):
    """Ask the comment (and the missing documents, or the opinion) of a change of state."""

    def __init__(self, reference: str, current: DossierState, target: DossierState,
                 submit: StateSubmit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = target
        self._submit = submit
        self.setWindowTitle(self.tr("Dossier {reference} : « {state} »").format(
            reference=reference, state=target.label))
        intro = QLabel(self.tr("Le dossier {reference} passe de « {current} » à « {target} ».")
                       .format(reference=reference, current=current.label, target=target.label))
        intro.setWordWrap(True)
        self.date_edit = DateEdit()
        self.date_edit.setObjectName("stateDate")
        self.date_edit.set_date(date.today())
        self.opinion_combo = QComboBox()
        self.opinion_combo.setObjectName("opinion")
        self.opinion_combo.addItem(self.tr("— non précisé —"), None)
        for opinion in Opinion:
            self.opinion_combo.addItem(opinion.label, opinion.value)
        self.missing_edit = QPlainTextEdit()
        self.missing_edit.setObjectName("missingDocuments")
        self.missing_edit.setTabChangesFocus(True)
        self.missing_edit.setPlaceholderText(self.tr("Une pièce par ligne : RIB, budget "
                                                     "prévisionnel signé…"))
        self.missing_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 14)
        self.comment_edit = QPlainTextEdit()
        self.comment_edit.setObjectName("stateComment")
        self.comment_edit.setTabChangesFocus(True)
        self.comment_edit.setPlaceholderText(self.tr("Ce qui motive ce changement (facultatif)"))
        self.comment_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 14)
        self.boxes = {
            "date": FieldBox(self.tr("&Date"), self.date_edit),
            "opinion": FieldBox(self.tr("&Avis"), self.opinion_combo),
            "missing_documents": FieldBox(self.tr("&Pièces manquantes"), self.missing_edit),
            "comment": FieldBox(self.tr("&Commentaire"), self.comment_edit),
        }
        self.boxes["opinion"].setVisible(target is DossierState.OPINION_GIVEN)
        self.boxes["missing_documents"].setVisible(target is DossierState.INCOMPLETE)
        self.general_error = QLabel()
        self.general_error.setWordWrap(True)
        self.general_error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.general_error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Passer à « {state} »").format(state=target.label))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        for box in self.boxes.values():
            layout.addWidget(box)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.resize(max(self.sizeHint().width(), 520), self.sizeHint().height())
        (self.missing_edit if target is DossierState.INCOMPLETE else self.comment_edit).setFocus()

    def request(self) -> tuple[StateRequest | None, dict[str, str]]:
        errors: dict[str, str] = {}
        try:
            on = self.date_edit.date(self.tr("Date"))
        except ValidationError as error:
            errors["date"] = error.message
            on = None
        if on is not None and on > date.today():
            errors["date"] = self.tr("Date : le {day} est dans le futur.").format(
                day=on.strftime("%d/%m/%Y"))
        missing = tuple(line.strip() for line in self.missing_edit.toPlainText().splitlines()
                        if line.strip()) if self.target is DossierState.INCOMPLETE else ()
        if self.target is DossierState.INCOMPLETE and not missing:
            errors["missing_documents"] = self.tr(
                "Pièces manquantes : indiquez au moins une pièce (une par ligne).")
        opinion = self.opinion_combo.currentData() \
            if self.target is DossierState.OPINION_GIVEN else None
        if errors:
            return None, errors
        return StateRequest(
            target=self.target,
            comment=self.comment_edit.toPlainText().strip() or None,
            missing_documents=missing,
            opinion=Opinion(opinion) if opinion else None,
            on=on or date.today(),
        ), {}

    def show_errors(self, errors: dict[str, str]) -> None:
        leftover = [message for field, message in errors.items() if field not in self.boxes]
        for field, box in self.boxes.items():
            box.set_error(errors.get(field))
        self.general_error.setText("\n".join(leftover))
        self.general_error.setVisible(bool(leftover))

    def _on_ok(self) -> None:
        request, errors = self.request()
        if request is None:
            self.show_errors(errors)
            return
        refused = self._submit(request)
        if refused is not None:
            field, message = refused
            self.show_errors({field: message})
            return
        self.accept()
