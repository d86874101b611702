"""The "Financements" tab of the dossier editor: one row per budget line and year, the payments
under each granted row, the money's warnings on top and what each envelope has left.

Every change is its own recorded unit of work (Ctrl+Z takes it back); the dialogs show a
refused amount beside its field and stay open.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.enums import PaymentKind
from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services.funding import (
    EnvelopeConsumption,
    FundingRow,
    FundingWarning,
    PaymentRow,
    Severity,
)
from qpvdesk.ui.dossiers.editor_widgets import (
    ERROR_COLOUR,
    INFO_COLOUR,
    OK_COLOUR,
    WARNING_COLOUR,
    DateEdit,
    FieldBox,
    MessagePanel,
    MoneyEdit,
    SearchCombo,
    date_text,
    money_text,
)

if TYPE_CHECKING:
    from qpvdesk.ui.dossiers.editor_data import EditorSnapshot, LineChoice

NAME, YEAR, REQUESTED, PROPOSED, GRANTED, DECISION, PAID, ENVELOPE = range(8)
_KIND_ROLE = Qt.ItemDataRole.UserRole
_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_WARNED = QColor("#fff1d6")
_FAULTY = QColor("#fde0dc")
#: What a funder usually answers (the field takes any text).
DECISIONS = ("Accord", "Accord partiel", "Refus", "Ajourné", "En attente de décision")
#: The year combo's entry standing for every year of a multi-year agreement.
EVERY_YEAR = -1


def severity_colour(severity: Severity) -> str:
    return {Severity.ERROR: ERROR_COLOUR, Severity.WARNING: WARNING_COLOUR,
            Severity.INFO: INFO_COLOUR}[severity]


def _with_code(name: str, code: str | None) -> str:
    return f"{name} ({code})" if code and code not in name else name


def line_text(line: LineChoice) -> str:
    return f"{line.funder_name} — {_with_code(line.name, line.code)}"


@dataclass(frozen=True, slots=True)
class FundingRequest:
    """What the funding dialog asks to save; *year* None means every year of the agreement."""

    funding_id: int | None
    budget_line_id: int
    year: int | None
    requested: Money | None
    proposed: Money | None
    granted: Money | None
    decision: str | None
    decided_on: date | None


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What the payment dialog asks to save."""

    payment_id: int | None
    funding_id: int
    kind: PaymentKind
    amount: Money
    paid_on: date | None
    due_on: date | None
    reference: str | None


#: Saves a request; returns None when done, else (field, message) to show in the dialog.
Submit = Callable[[object], tuple[str, str] | None]


class _FormDialog(QDialog):
    """A small dialog whose OK asks `submit` and keeps the dialog open on a refusal."""

    def __init__(self, title: str, submit: Submit, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._submit = submit
        self.boxes: dict[str, FieldBox] = {}
        self.general_error = QLabel()
        self.general_error.setWordWrap(True)
        self.general_error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.general_error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Enregistrer"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def request(self) -> tuple[object | None, dict[str, str]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def show_errors(self, errors: dict[str, str]) -> None:
        leftover = []
        for field, box in self.boxes.items():
            box.set_error(errors.get(field))
        for field, message in errors.items():
            if field not in self.boxes:
                leftover.append(message)
        self.general_error.setText("\n".join(leftover))
        self.general_error.setVisible(bool(leftover))

    def error_text(self, field: str) -> str:
        box = self.boxes.get(field)
        return box.error_text() if box is not None else ""

    def _on_ok(self) -> None:
        request, errors = self.request()
        if errors or request is None:
            self.show_errors(errors)
            return
        refused = self._submit(request)
        if refused is not None:
            field, message = refused
            self.show_errors({field: message})
            return
        self.accept()


class FundingDialog(_FormDialog):
    """Ask a budget line for an amount, or record what it proposes, grants and decides."""

    def __init__(self, *, lines: Sequence[LineChoice], years: Sequence[int],
                 row: FundingRow | None, envelope: Callable[[int, int], EnvelopeConsumption],
                 submit: Submit, reference: str, parent: QWidget | None = None) -> None:
        title = (self.tr("Financement du dossier {reference}").format(reference=reference)
                 if row is None else self.tr("Financement « {line} » {year}").format(
                     line=row.line_name, year=row.year))
        super().__init__(title, submit, parent)
        self._row = row
        self._envelope = envelope
        self.line_combo = SearchCombo(self.tr("Financeur, ligne ou code (BOP147, CAF…)"))
        self.line_combo.setObjectName("fundingLine")
        self.line_combo.setMinimumContentsLength(48)
        offered = [line for line in lines if line.active or (row is not None and
                                                             line.id == row.budget_line_id)]
        self.line_combo.set_items([
            (line.id, line_text(line), line.nature_label) for line in offered])
        self.year_combo = QComboBox()
        self.year_combo.setObjectName("fundingYear")
        for year in years:
            self.year_combo.addItem(str(year), year)
        if len(years) > 1 and row is None:
            self.year_combo.addItem(self.tr("Chaque année ({first} à {last}) : même montant "
                                            "demandé").format(first=years[0], last=years[-1]),
                                    EVERY_YEAR)
        self.requested_edit = MoneyEdit()
        self.requested_edit.setObjectName("requested")
        self.proposed_edit = MoneyEdit()
        self.proposed_edit.setObjectName("proposed")
        self.granted_edit = MoneyEdit()
        self.granted_edit.setObjectName("granted")
        self.decision_combo = QComboBox()
        self.decision_combo.setObjectName("funderDecision")
        self.decision_combo.setEditable(True)
        self.decision_combo.addItem("")
        self.decision_combo.addItems(list(DECISIONS))
        self.decided_edit = DateEdit()
        self.decided_edit.setObjectName("decidedOn")
        self.envelope_label = QLabel()
        self.envelope_label.setWordWrap(True)
        self.envelope_label.setTextFormat(Qt.TextFormat.RichText)
        self.envelope_label.setMinimumHeight(self.fontMetrics().lineSpacing() * 2 + 4)

        self.boxes = {
            "budget_line_id": FieldBox(self.tr("&Ligne budgétaire"), self.line_combo),
            "year": FieldBox(self.tr("E&xercice"), self.year_combo),
            "requested": FieldBox(self.tr("&Demandé"), self.requested_edit),
            "proposed": FieldBox(self.tr("&Proposé"), self.proposed_edit),
            "granted": FieldBox(self.tr("&Accordé"), self.granted_edit),
            "funder_decision": FieldBox(self.tr("Décision du &financeur"), self.decision_combo),
            "decided_on": FieldBox(self.tr("Décidée le"), self.decided_edit),
        }
        grid = QGridLayout()
        grid.addWidget(self.boxes["budget_line_id"], 0, 0, 1, 3)
        grid.addWidget(self.boxes["year"], 1, 0, 1, 3)
        grid.addWidget(self.boxes["requested"], 2, 0)
        grid.addWidget(self.boxes["proposed"], 2, 1)
        grid.addWidget(self.boxes["granted"], 2, 2)
        grid.addWidget(self.boxes["funder_decision"], 3, 0, 1, 2)
        grid.addWidget(self.boxes["decided_on"], 3, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.envelope_label)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

        if row is not None:
            self.line_combo.set_current_id(row.budget_line_id)
            self.year_combo.setCurrentIndex(max(0, self.year_combo.findData(row.year)))
            self.line_combo.setEnabled(False)
            self.year_combo.setEnabled(False)
            self.requested_edit.set_amount(row.requested)
            self.proposed_edit.set_amount(row.proposed)
            self.granted_edit.set_amount(row.granted)
            self.decision_combo.setEditText(row.funder_decision or "")
            self.decided_edit.set_date(row.decided_on)
        self.line_combo.id_changed.connect(self._update_envelope)
        self.year_combo.currentIndexChanged.connect(self._on_year)
        for edit in (self.proposed_edit, self.granted_edit):
            edit.textChanged.connect(self._update_envelope)
        self._on_year()
        self.resize(max(self.sizeHint().width(), 640), self.sizeHint().height())
        (self.requested_edit if row is not None else self.line_combo).setFocus()

    def _on_year(self, *_args: object) -> None:
        every = self.year_combo.currentData() == EVERY_YEAR
        for edit in (self.proposed_edit, self.granted_edit, self.decided_edit):
            edit.setEnabled(not every)
        self.decision_combo.setEnabled(not every)
        self._update_envelope()

    def _update_envelope(self, *_args: object) -> None:
        line_id = self.line_combo.current_id()
        year = self.year_combo.currentData()
        if line_id is None or year is None or year == EVERY_YEAR:
            self.envelope_label.setText(self.tr("<i>L'enveloppe de la ligne s'affiche une fois "
                                                "la ligne et l'exercice choisis.</i>"))
            return
        consumption = self._envelope(line_id, int(year))
        if consumption.envelope is None:
            self.envelope_label.setText(self.tr(
                "Pas d'enveloppe {year} pour cette ligne : rien ne limite ce qui y est "
                "engagé ({committed}).").format(year=year,
                                                 committed=consumption.committed.format()))
            return
        before = self._row.committed if self._row is not None and self._row.year == year and \
            self._row.budget_line_id == line_id else Money(0)
        after = before
        try:
            granted = self.granted_edit.amount("Accordé")
            proposed = self.proposed_edit.amount("Proposé")
        except ValidationError:
            granted = proposed = None
        else:
            after = granted if granted is not None else (proposed or Money(0))
        remaining = consumption.envelope - consumption.committed
        text = self.tr("Enveloppe {year} : <b>{envelope}</b> — engagé {committed} — "
                       "reste <b>{remaining}</b>").format(
            year=year, envelope=consumption.envelope.format(),
            committed=consumption.committed.format(), remaining=remaining.format())
        if after != before:
            left = remaining - after + before
            colour = ERROR_COLOUR if left.cents < 0 else OK_COLOUR
            text += "<br>" + self.tr("Après cette saisie : <span style='color:{colour}'>reste "
                                     "{left}</span>").format(colour=colour, left=left.format())
        elif remaining.cents < 0:
            text = f"<span style='color:{ERROR_COLOUR}'>{text}</span>"
        self.envelope_label.setText(text)

    def request(self) -> tuple[FundingRequest | None, dict[str, str]]:
        errors: dict[str, str] = {}
        line_id = self.line_combo.current_id()
        if line_id is None:
            errors["budget_line_id"] = self.tr("Ligne budgétaire : choisissez la ligne du "
                                               "financeur dans la liste.")
        amounts: dict[str, Money | None] = {}
        for field, edit, label in (("requested", self.requested_edit, self.tr("Montant demandé")),
                                   ("proposed", self.proposed_edit, self.tr("Montant proposé")),
                                   ("granted", self.granted_edit, self.tr("Montant accordé"))):
            try:
                amounts[field] = edit.amount(label) if edit.isEnabled() else None
            except ValidationError as error:
                errors[field] = error.message
                amounts[field] = None
        try:
            decided_on = self.decided_edit.date(self.tr("Décidée le")) \
                if self.decided_edit.isEnabled() else None
        except ValidationError as error:
            errors["decided_on"] = error.message
            decided_on = None
        year = self.year_combo.currentData()
        every = year == EVERY_YEAR
        if every and amounts["requested"] is None and "requested" not in errors:
            errors["requested"] = self.tr("Montant demandé : indiquez ce qui est demandé "
                                          "chaque année.")
        if errors or line_id is None:
            return None, errors
        decision = self.decision_combo.currentText().strip() or None
        return FundingRequest(
            funding_id=None if self._row is None else self._row.id,
            budget_line_id=line_id,
            year=None if every else int(year),
            requested=amounts["requested"],
            proposed=amounts["proposed"],
            granted=amounts["granted"],
            decision=None if every else decision,
            decided_on=decided_on,
        ), {}


class PaymentDialog(_FormDialog):
    """Record an advance, an instalment or the balance of a granted row (made or due)."""

    def __init__(self, *, row: FundingRow, payment: PaymentRow | None, submit: Submit,
                 parent: QWidget | None = None) -> None:
        title = (self.tr("Versement sur « {line} » {year}") if payment is None
                 else self.tr("Versement ({kind}) sur « {line} » {year}")).format(
                     line=row.line_name, year=row.year,
                     kind=payment.kind_label if payment else "")
        super().__init__(title, submit, parent)
        self._row = row
        self._payment = payment
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("paymentKind")
        for kind in PaymentKind:
            self.kind_combo.addItem(kind.label, kind.value)
        self.amount_edit = MoneyEdit()
        self.amount_edit.setObjectName("paymentAmount")
        self.paid_edit = DateEdit()
        self.paid_edit.setObjectName("paidOn")
        self.due_edit = DateEdit()
        self.due_edit.setObjectName("dueOn")
        self.reference_edit = QLineEdit()
        self.reference_edit.setObjectName("paymentReference")
        self.reference_edit.setPlaceholderText(self.tr("N° de mandat, d'engagement…"))
        granted = row.granted or Money(0)
        left = granted - row.scheduled
        summary = QLabel(self.tr("Accordé : {granted} — déjà prévu ou versé : {scheduled} — "
                                 "reste à verser : {left}").format(
            granted=granted.format(), scheduled=row.scheduled.format(), left=left.format()))
        summary.setWordWrap(True)
        self.boxes = {
            "kind": FieldBox(self.tr("&Type"), self.kind_combo),
            "amount": FieldBox(self.tr("&Montant"), self.amount_edit),
            "paid_on": FieldBox(self.tr("&Versé le"), self.paid_edit),
            "due_on": FieldBox(self.tr("ou à verser le"), self.due_edit),
            "reference": FieldBox(self.tr("&Référence"), self.reference_edit),
        }
        grid = QGridLayout()
        grid.addWidget(self.boxes["kind"], 0, 0)
        grid.addWidget(self.boxes["amount"], 0, 1)
        grid.addWidget(self.boxes["paid_on"], 1, 0)
        grid.addWidget(self.boxes["due_on"], 1, 1)
        grid.addWidget(self.boxes["reference"], 2, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addLayout(grid)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        if payment is not None:
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(payment.kind.value))
            self.amount_edit.set_amount(payment.amount)
            self.paid_edit.set_date(payment.paid_on)
            self.due_edit.set_date(payment.due_on)
            self.reference_edit.setText(payment.reference or "")
        else:
            kind = PaymentKind.BALANCE if row.payments else PaymentKind.ADVANCE
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind.value))
            if kind is PaymentKind.BALANCE and left.cents > 0:
                self.amount_edit.set_amount(left)
        self.resize(max(self.sizeHint().width(), 520), self.sizeHint().height())
        self.amount_edit.setFocus()

    def request(self) -> tuple[PaymentRequest | None, dict[str, str]]:
        errors: dict[str, str] = {}
        amount: Money | None = None
        try:
            amount = self.amount_edit.amount(self.tr("Montant"))
        except ValidationError as error:
            errors["amount"] = error.message
        else:
            if amount is None:
                errors["amount"] = self.tr("Montant : indiquez le montant du versement.")
        dates: dict[str, date | None] = {}
        for field, edit, label in (("paid_on", self.paid_edit, self.tr("Versé le")),
                                   ("due_on", self.due_edit, self.tr("À verser le"))):
            try:
                dates[field] = edit.date(label)
            except ValidationError as error:
                errors[field] = error.message
                dates[field] = None
        if errors or amount is None:
            return None, errors
        return PaymentRequest(
            payment_id=None if self._payment is None else self._payment.id,
            funding_id=self._row.id,
            kind=PaymentKind(self.kind_combo.currentData()),
            amount=amount,
            paid_on=dates["paid_on"],
            due_on=dates["due_on"],
            reference=self.reference_edit.text().strip() or None,
        ), {}


class FundingTree(QTreeWidget):
    """Funding rows with their payments beneath; Enter edits, Delete removes."""

    delete_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete:
            self.delete_pressed.emit()
            return
        super().keyPressEvent(event)


class FundingTab(QWidget):
    """What each budget line is asked, proposes, grants and pays for the dossier."""

    add_requested = Signal()
    edit_requested = Signal(int)
    delete_requested = Signal(int)
    add_payment_requested = Signal(int)
    edit_payment_requested = Signal(int)
    delete_payment_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: tuple[FundingRow, ...] = ()
        self.warnings: tuple[FundingWarning, ...] = ()
        self.warning_panel = MessagePanel()
        self.warning_panel.setObjectName("fundingWarnings")
        self.unsaved_label = QLabel(self.tr("Enregistrez d'abord le dossier : ses financements "
                                            "se saisissent ensuite ici."))
        self.unsaved_label.setWordWrap(True)
        self.summary_label = QLabel()
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setWordWrap(True)
        self.tree = FundingTree()
        self.tree.setObjectName("fundingTree")
        self.tree.setColumnCount(8)
        self.tree.setHeaderLabels([
            self.tr("Financeur et ligne"), self.tr("Exercice"), self.tr("Demandé"),
            self.tr("Proposé"), self.tr("Accordé"), self.tr("Décision du financeur"),
            self.tr("Versé"), self.tr("Reste sur l'enveloppe"),
        ])
        self.tree.setRootIsDecorated(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setExpandsOnDoubleClick(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        metrics = self.fontMetrics()
        for column, sample in ((YEAR, "Exercice"), (REQUESTED, "000 000,00 €"),
                               (PROPOSED, "000 000,00 €"), (GRANTED, "000 000,00 €"),
                               (DECISION, "Décision du financeur"), (PAID, "000 000,00 €"),
                               (ENVELOPE, "reste 000 000 € sur 000 000 €")):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.tree.setColumnWidth(column, metrics.horizontalAdvance(sample) + 24)
        header.setMinimumSectionSize(60)
        for column in (REQUESTED, PROPOSED, GRANTED, PAID):
            self.tree.headerItem().setTextAlignment(
                column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.add_button = QPushButton(self.tr("&Ajouter un financement…"))
        self.edit_button = QPushButton(self.tr("&Modifier…"))
        self.delete_button = QPushButton(self.tr("&Supprimer"))
        self.payment_button = QPushButton(self.tr("Ajouter un &versement…"))
        self.payment_button.setToolTip(self.tr("Avance, acompte ou solde d'un financement "
                                               "accordé"))
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.delete_button,
                       self.payment_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.warning_panel)
        layout.addWidget(self.unsaved_label)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)

        self.add_button.clicked.connect(self.add_requested)
        self.edit_button.clicked.connect(self._edit_current)
        self.delete_button.clicked.connect(self._delete_current)
        self.payment_button.clicked.connect(self._add_payment_current)
        self.tree.itemActivated.connect(lambda *_: self._edit_current())
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.tree.delete_pressed.connect(self._delete_current)
        self._editable = True
        self._saved = False
        self.show_nothing()

    # ------------------------------------------------------------------ filling

    def show_nothing(self) -> None:
        """A dossier not registered yet has no funding."""
        self._saved = False
        self.rows = ()
        self.warnings = ()
        self.tree.clear()
        self.tree.setEnabled(False)
        self.unsaved_label.show()
        self.summary_label.hide()
        self.warning_panel.show_messages([])
        self._update_buttons()

    def show_snapshot(self, snapshot: EditorSnapshot) -> None:
        detail = snapshot.detail
        self._saved = True
        self.unsaved_label.hide()
        self.tree.setEnabled(True)
        keep = self.current()
        self.rows = detail.funding
        self.warnings = detail.warnings
        self.warning_panel.show_messages(
            [(severity_colour(w.severity), f"{w.severity.label} : {w.message}")
             for w in detail.warnings],
            tone="error" if any(w.severity is Severity.ERROR for w in detail.warnings)
            else "warning")
        by_row: dict[int, list[FundingWarning]] = {}
        for warning in detail.warnings:
            if warning.funding_id is not None:
                by_row.setdefault(warning.funding_id, []).append(warning)
            else:
                for row in detail.funding:
                    if (warning.budget_line_id, warning.year) == (row.budget_line_id, row.year):
                        by_row.setdefault(row.id, []).append(warning)
        self.tree.clear()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        restore: QTreeWidgetItem | None = None
        for row in detail.funding:
            item = QTreeWidgetItem([
                f"{row.funder_name} — {_with_code(row.line_name, row.line_code)}",
                str(row.year),
                money_text(row.requested, "—"),
                money_text(row.proposed, "—"),
                money_text(row.granted, "—"),
                (row.funder_decision or "") + (
                    f" ({date_text(row.decided_on)})" if row.decided_on else ""),
                money_text(row.paid) if row.payments else "",
                self._envelope_text(snapshot.envelopes.get((row.budget_line_id, row.year))),
            ])
            item.setData(NAME, _KIND_ROLE, "funding")
            item.setData(NAME, _ID_ROLE, row.id)
            item.setToolTip(NAME, f"{row.funder_name} — {row.line_name} · {row.nature_label}")
            if row.funder_decision:
                item.setToolTip(DECISION, row.funder_decision)
            consumption = snapshot.envelopes.get((row.budget_line_id, row.year))
            if consumption is not None and consumption.exceeded:
                item.setForeground(ENVELOPE, QBrush(QColor(ERROR_COLOUR)))
            for column in (REQUESTED, PROPOSED, GRANTED, PAID):
                item.setTextAlignment(column,
                                      Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setFont(GRANTED, bold)
            warned = by_row.get(row.id)
            if warned:
                faulty = any(w.severity is Severity.ERROR for w in warned)
                text = "\n".join(w.message for w in warned)
                for column in range(8):
                    item.setBackground(column, QBrush(_FAULTY if faulty else _WARNED))
                    item.setToolTip(column, text)
            for payment in row.payments:
                when = (self.tr("versé le {date}").format(date=date_text(payment.paid_on))
                        if payment.paid_on else
                        self.tr("à verser le {date}").format(date=date_text(payment.due_on)))
                reference = f" · {payment.reference}" if payment.reference else ""
                child = QTreeWidgetItem([f"{payment.kind_label} — {when}{reference}", "", "",
                                         "", "", "", payment.amount.format(), ""])
                child.setData(NAME, _KIND_ROLE, "payment")
                child.setData(NAME, _ID_ROLE, payment.id)
                child.setTextAlignment(PAID,
                                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if not payment.paid_on:
                    italic = QFont(self.tree.font())
                    italic.setItalic(True)
                    for column in (NAME, PAID):
                        child.setFont(column, italic)
                        child.setForeground(column, QBrush(QColor(INFO_COLOUR)))
                item.addChild(child)
                if keep == ("payment", payment.id):
                    restore = child
            self.tree.addTopLevelItem(item)
            item.setExpanded(True)
            if keep == ("funding", row.id):
                restore = item
        if restore is not None:
            self.tree.setCurrentItem(restore)
        elif self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        uncovered = detail.total_cost - detail.requested
        self.summary_label.setText(self.tr(
            "Coût total de l'action : <b>{cost}</b> · demandé <b>{requested}</b> · proposé "
            "<b>{proposed}</b> · accordé <b>{granted}</b> · versé <b>{paid}</b>{rest}").format(
                cost=detail.total_cost.format(), requested=detail.requested.format(),
                proposed=detail.proposed.format(), granted=detail.granted.format(),
                paid=detail.paid.format(),
                rest=(self.tr(" · reste à financer {amount}").format(amount=uncovered.format())
                      if uncovered.cents > 0 and detail.funding else "")))
        self.summary_label.show()
        if not detail.funding:
            self.summary_label.setText(self.summary_label.text() + "<br>" + self.tr(
                "Aucun financement pour l'instant : « Ajouter un financement… » pour chaque "
                "ligne budgétaire sollicitée."))
        self._update_buttons()

    def _envelope_text(self, consumption: EnvelopeConsumption | None) -> str:
        if consumption is None or consumption.envelope is None or consumption.remaining is None:
            return self.tr("pas d'enveloppe")
        if consumption.exceeded:
            return self.tr("dépassée de {amount}").format(
                amount=Money(-consumption.remaining.cents).format())
        return self.tr("reste {remaining} sur {envelope}").format(
            remaining=consumption.remaining.format(), envelope=consumption.envelope.format())

    # ------------------------------------------------------------------ selection

    def current(self) -> tuple[str, int] | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        return str(item.data(NAME, _KIND_ROLE)), int(item.data(NAME, _ID_ROLE))

    def row(self, funding_id: int) -> FundingRow | None:
        return next((row for row in self.rows if row.id == funding_id), None)

    def current_funding(self) -> FundingRow | None:
        current = self.current()
        if current is None:
            return None
        kind, item_id = current
        if kind == "funding":
            return self.row(item_id)
        return next((row for row in self.rows if any(p.id == item_id for p in row.payments)),
                    None)

    def select(self, kind: str, item_id: int) -> None:
        for index in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(index)
            candidates = [top] + [top.child(i) for i in range(top.childCount())]
            for item in candidates:
                if item.data(NAME, _KIND_ROLE) == kind and item.data(NAME, _ID_ROLE) == item_id:
                    self.tree.setCurrentItem(item)
                    return

    def _update_buttons(self) -> None:
        current = self.current()
        funding = self.current_funding()
        editable = self._editable and self._saved
        self.add_button.setEnabled(editable)
        self.edit_button.setEnabled(editable and current is not None)
        self.delete_button.setEnabled(editable and current is not None)
        self.payment_button.setEnabled(editable and funding is not None
                                       and bool(funding.granted))

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        self._update_buttons()

    def _edit_current(self) -> None:
        current = self.current()
        if current is None or not (self._editable and self._saved):
            return
        kind, item_id = current
        (self.edit_requested if kind == "funding" else self.edit_payment_requested).emit(item_id)

    def _delete_current(self) -> None:
        current = self.current()
        if current is None or not (self._editable and self._saved):
            return
        kind, item_id = current
        (self.delete_requested if kind == "funding" else self.delete_payment_requested).emit(
            item_id)

    def _add_payment_current(self) -> None:
        funding = self.current_funding()
        if funding is not None and funding.granted:
            self.add_payment_requested.emit(funding.id)
