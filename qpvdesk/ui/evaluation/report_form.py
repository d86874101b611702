"""The compte rendu financier (CERFA 15059) of one dossier: planned vs achieved per heading,
the indicators of the action, the bilan qualitatif and the date of receipt.

Achieved amounts and values are typed in French in the « Réalisé » column; the totals
follow as they are typed (CERFA rules: a group detailed by sub-lines counts them,
contributions in kind stay apart). Recording it is the screen's business:
this widget only shows, reads back and checks what was typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.cerfa import SECTION_LABELS, CerfaSection, budget_totals
from qpvdesk.core.domain.enums import BudgetSide
from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.services.indicators import (
    FinancialReport,
    ReportLine,
    parse_decimal,
    percent,
)
from qpvdesk.ui.actions.shared import caption, decimal_text, percent_text
from qpvdesk.ui.partners.fields import DateError, DateField, FieldMessage

(COLUMN_ACCOUNT, COLUMN_LABEL, COLUMN_PLANNED, COLUMN_ACHIEVED, COLUMN_PERCENT) = range(5)
(IND_NAME, IND_UNIT, IND_PLANNED, IND_ACHIEVED, IND_PERCENT) = range(5)
_ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
_TOTAL_ROLE = Qt.ItemDataRole.UserRole + 2
_SECTION_BACKGROUND = QColor(232, 236, 242)
_EDITABLE_BACKGROUND = QColor(255, 253, 231)
_BAD = QColor(198, 40, 40)


@dataclass(frozen=True, slots=True)
class ReportValues:
    """What the form asks to record (only what changed since it was loaded)."""

    achieved: dict[int, Money | None]
    indicator_values: dict[int, Decimal | None]
    report_text: str
    received_on: date | None
    year: int


def _item(text: str, *, align_right: bool = False, bold: bool = False,
          editable: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
    if editable:
        flags |= Qt.ItemFlag.ItemIsEditable
        item.setBackground(QBrush(_EDITABLE_BACKGROUND))
    item.setFlags(flags)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if bold:
        font = QFont()
        font.setBold(True)
        item.setFont(font)
    return item


def _set_text(table: QTableWidget, row: int, column: int, text: str) -> None:
    item = table.item(row, column)
    if item is not None:
        item.setText(text)


def _text(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return "" if item is None else item.text()


def _money(amount: Money | None) -> str:
    return "" if amount is None else amount.format(cents=True)


def _table(name: str, headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                          | QAbstractItemView.EditTrigger.EditKeyPressed
                          | QAbstractItemView.EditTrigger.AnyKeyPressed)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1 if name == "reportBudget" else 0,
                                QHeaderView.ResizeMode.Stretch)
    header.setHighlightSections(False)
    return table


class FinancialReportForm(QWidget):
    """One dossier's compte rendu financier, ready to be typed and recorded."""

    dirty_changed = Signal(bool)
    #: The report year changed (multi-year agreements report one year at a time).
    year_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._report: FinancialReport | None = None
        self._lines: dict[int, ReportLine] = {}
        self._loaded: tuple[object, ...] | None = None
        self._dirty = False
        self._filling = False
        self._editable = True

        self.heading_label = caption("", 1.15)
        self.heading_label.setWordWrap(True)
        self.heading_label.setTextFormat(Qt.TextFormat.PlainText)
        self.facts_label = QLabel()
        self.facts_label.setWordWrap(True)
        self.facts_label.setTextFormat(Qt.TextFormat.PlainText)
        self.year_spin = QSpinBox()
        self.year_spin.setObjectName("reportYear")
        self.year_spin.setMaximumWidth(110)
        self.year_label = QLabel(self.tr("Année rapportée"))
        self.received_field = DateField("Date de réception")
        self.received_message = FieldMessage()

        self.budget_table = _table("reportBudget", [
            self.tr("Compte"), self.tr("Intitulé"), self.tr("Prévu"), self.tr("Réalisé"),
            self.tr("%")])
        self.budget_table.setToolTip(self.tr("Tapez les montants réalisés dans la colonne "
                                             "« Réalisé » (ex. : 12 345,50)."))
        self.balance_label = QLabel()
        self.indicator_table = _table("reportIndicators", [
            self.tr("Indicateur"), self.tr("Unité"), self.tr("Prévu"), self.tr("Réalisé"),
            self.tr("%")])
        self.no_indicator_label = QLabel(self.tr(
            "L'action n'a pas d'indicateur : ajoutez-en dans la page Actions (indicateurs "
            "courants ou propres à l'action)."))
        self.no_indicator_label.setWordWrap(True)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setObjectName("reportText")
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setPlaceholderText(self.tr("Bilan qualitatif : ce qui a été réalisé, "
                                                  "le public touché, les écarts au prévu et "
                                                  "leurs raisons…"))
        self.message = FieldMessage()
        self.outcome_label = QLabel()
        self.outcome_label.setObjectName("reportOutcome")
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setTextFormat(Qt.TextFormat.PlainText)
        self.revert_button = QPushButton(self.tr("Annuler les modifications"))
        self.save_button = QPushButton(self.tr("Enregistrer le compte rendu"))
        self.save_button.setObjectName("saveReport")
        self.save_button.setDefault(True)

        head = QFormLayout()
        head.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        received = QVBoxLayout()
        received.setContentsMargins(0, 0, 0, 0)
        received.addWidget(self.received_field)
        received.addWidget(self.received_message)
        received_box = QWidget()
        received_box.setLayout(received)
        head.addRow(self.tr("Reçu le *"), received_box)
        head.addRow(self.year_label, self.year_spin)

        budget_box = QWidget()
        budget_layout = QVBoxLayout(budget_box)
        budget_layout.setContentsMargins(0, 0, 0, 0)
        budget_layout.addWidget(caption(self.tr("Budget de l'action : prévu et réalisé")))
        budget_layout.addWidget(self.budget_table, 1)
        budget_layout.addWidget(self.balance_label)
        right_box = QWidget()
        right_layout = QVBoxLayout(right_box)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(caption(self.tr("Indicateurs de l'action")))
        right_layout.addWidget(self.no_indicator_label)
        right_layout.addWidget(self.indicator_table, 2)
        right_layout.addWidget(caption(self.tr("Bilan qualitatif")))
        right_layout.addWidget(self.text_edit, 3)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(budget_box)
        splitter.addWidget(right_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.outcome_label, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.heading_label)
        layout.addWidget(self.facts_label)
        layout.addLayout(head)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.budget_table.itemChanged.connect(self._on_budget_changed)
        self.indicator_table.itemChanged.connect(self._on_indicator_changed)
        self.text_edit.textChanged.connect(self.update_dirty)
        self.received_field.changed.connect(self.update_dirty)
        self.received_field.changed.connect(self.received_message.clear_message)
        self.year_spin.valueChanged.connect(self._on_year_changed)
        self.update_dirty()

    # ------------------------------------------------------------------ loading

    def report(self) -> FinancialReport | None:
        return self._report

    def year(self) -> int:
        return self.year_spin.value()

    def load(self, report: FinancialReport, year: int, today: date) -> None:
        """Show *report* (its indicators for *year*) as the stored state."""
        self._loaded = None
        self._report = report
        self._filling = True
        try:
            self.heading_label.setText(f"{report.reference} — {report.action_title}")
            facts = [report.holder_name, report.state_label,
                     self.tr("accordé {amount}").format(amount=report.granted.format()),
                     self.tr("versé {amount}").format(amount=report.paid.format())]
            share = report.subsidy_share
            if share is not None:
                facts.append(self.tr("la subvention représente {p} des produits").format(
                    p=percent_text(share)))
            self.facts_label.setText(" · ".join(f for f in facts if f))
            last = report.last_year or report.year
            self.year_spin.setRange(report.year, last)
            self.year_spin.setValue(year)
            multi = last != report.year
            self.year_spin.setVisible(multi)
            self.year_label.setVisible(multi)
            self.received_field.set_value(report.report_received_on or today)
            self._fill_budget(report)
            self._fill_indicators(report)
            self.text_edit.setPlainText(report.report_text or "")
        finally:
            self._filling = False
        self.message.clear_message()
        self.received_message.clear_message()
        self._update_totals()
        self._loaded = self._snapshot()
        self.update_dirty()

    def _fill_budget(self, report: FinancialReport) -> None:
        table = self.budget_table
        table.setRowCount(0)
        self._lines = {}

        def section(text: str) -> None:
            row = table.rowCount()
            table.insertRow(row)
            item = _item(text, bold=True)
            item.setBackground(QBrush(_SECTION_BACKGROUND))
            table.setItem(row, 0, item)
            table.setSpan(row, 0, 1, 5)

        def line(entry: ReportLine) -> None:
            row = table.rowCount()
            table.insertRow(row)
            account = entry.account if not entry.account.startswith("74-") else "74"
            table.setItem(row, COLUMN_ACCOUNT, _item(account))
            indent = "    " if entry.is_detail else ""
            label_item = _item(indent + entry.label)
            label_item.setToolTip(entry.heading_label)
            table.setItem(row, COLUMN_LABEL, label_item)
            table.setItem(row, COLUMN_PLANNED, _item(_money(entry.planned), align_right=True))
            achieved = _item(_money(entry.achieved), align_right=True,
                             editable=self._editable)
            achieved.setData(_ENTRY_ROLE, entry.entry_id)
            table.setItem(row, COLUMN_ACHIEVED, achieved)
            table.setItem(row, COLUMN_PERCENT, _item(percent_text(entry.percent),
                                                      align_right=True))
            self._lines[entry.entry_id] = entry

        def total(key: str, label: str, planned: Money) -> None:
            row = table.rowCount()
            table.insertRow(row)
            table.setItem(row, COLUMN_ACCOUNT, _item(""))
            table.setItem(row, COLUMN_LABEL, _item(label, bold=True))
            table.setItem(row, COLUMN_PLANNED, _item(_money(planned), align_right=True,
                                                     bold=True))
            achieved = _item("", align_right=True, bold=True)
            achieved.setData(_TOTAL_ROLE, key)
            table.setItem(row, COLUMN_ACHIEVED, achieved)
            table.setItem(row, COLUMN_PERCENT, _item("", align_right=True, bold=True))

        groups = (
            (BudgetSide.CHARGE, report.charges, "charges", report.total_charges),
            (BudgetSide.PRODUCT, report.products, "products", report.total_products),
            (BudgetSide.CHARGE, report.contributions_used, "contributions_used",
             report.total_contributions_used),
            (BudgetSide.PRODUCT, report.contributions_received, "contributions_received",
             report.total_contributions_received),
        )
        for side, lines, key, line_total in groups:
            if not lines and key.startswith("contributions"):
                continue
            current: CerfaSection | None = None
            for entry in lines:
                if entry.section is not current:
                    current = entry.section
                    section(SECTION_LABELS.get((current, side), side.label))
                line(entry)
            if not lines:
                section(side.label)
            total(key, line_total.label, line_total.planned)

    def _fill_indicators(self, report: FinancialReport) -> None:
        table = self.indicator_table
        table.setRowCount(0)
        for indicator in report.indicators:
            row = table.rowCount()
            table.insertRow(row)
            name = _item(indicator.name)
            name.setToolTip(indicator.name)
            table.setItem(row, IND_NAME, name)
            table.setItem(row, IND_UNIT, _item(indicator.unit or ""))
            table.setItem(row, IND_PLANNED, _item(decimal_text(indicator.planned),
                                                  align_right=True))
            achieved = _item(decimal_text(indicator.achieved), align_right=True,
                             editable=self._editable)
            achieved.setData(_ENTRY_ROLE, indicator.indicator_id)
            table.setItem(row, IND_ACHIEVED, achieved)
            table.setItem(row, IND_PERCENT, _item(percent_text(indicator.percent),
                                                  align_right=True))
        table.setVisible(bool(report.indicators))
        self.no_indicator_label.setVisible(not report.indicators)

    # ------------------------------------------------------------------ typing

    def _achieved_rows(self) -> list[tuple[int, QTableWidgetItem]]:
        found = []
        for row in range(self.budget_table.rowCount()):
            item = self.budget_table.item(row, COLUMN_ACHIEVED)
            if item is not None and item.data(_ENTRY_ROLE) is not None:
                found.append((row, item))
        return found

    def _parse_amount(self, item: QTableWidgetItem) -> Money | None:
        text = item.text().strip()
        entry = self._lines.get(int(item.data(_ENTRY_ROLE)))
        label = entry.label if entry is not None else "Montant"
        return None if not text else Money.parse(text, f"Réalisé « {label} »")

    def _on_budget_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != COLUMN_ACHIEVED or item.data(_ENTRY_ROLE) is None:
            return
        self._filling = True
        try:
            try:
                amount = self._parse_amount(item)
            except UserFacingError as error:
                item.setForeground(QBrush(_BAD))
                item.setToolTip(error.message)
            else:
                item.setData(Qt.ItemDataRole.ForegroundRole, None)
                item.setToolTip("")
                item.setText(_money(amount))
                entry = self._lines[int(item.data(_ENTRY_ROLE))]
                _set_text(self.budget_table, item.row(), COLUMN_PERCENT,
                          percent_text(percent(amount, entry.planned)))
        finally:
            self._filling = False
        self._update_totals()
        self.update_dirty()

    def _on_indicator_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != IND_ACHIEVED or self._report is None:
            return
        self._filling = True
        try:
            try:
                value = parse_decimal(item.text(), "Réalisé", allow_negative=False)
            except UserFacingError as error:
                item.setForeground(QBrush(_BAD))
                item.setToolTip(error.message)
            else:
                item.setData(Qt.ItemDataRole.ForegroundRole, None)
                item.setToolTip("")
                item.setText(decimal_text(value))
                indicator = self._report.indicators[item.row()]
                _set_text(self.indicator_table, item.row(), IND_PERCENT,
                          percent_text(percent(value, indicator.planned)))
        finally:
            self._filling = False
        self.update_dirty()

    def _update_totals(self) -> None:
        """The achieved totals and balance as typed (lines that do not parse count as 0)."""
        amounts: list[tuple[str, Money]] = []
        typed = False
        for _row, item in self._achieved_rows():
            entry = self._lines[int(item.data(_ENTRY_ROLE))]
            try:
                amount = self._parse_amount(item)
            except UserFacingError:
                amount = None
            if amount is not None:
                typed = True
            amounts.append((entry.account, amount or Money.zero()))
        totals = budget_totals(amounts) if typed else None
        planned = self._report.planned_totals if self._report is not None else None
        self._filling = True
        try:
            for row in range(self.budget_table.rowCount()):
                cell = self.budget_table.item(row, COLUMN_ACHIEVED)
                key = None if cell is None else cell.data(_TOTAL_ROLE)
                if cell is None or key is None:
                    continue
                value = None if totals is None else getattr(totals, key)
                cell.setText(_money(value))
                planned_value = None if planned is None else getattr(planned, key)
                _set_text(self.budget_table, row, COLUMN_PERCENT,
                          percent_text(percent(value, planned_value)))
        finally:
            self._filling = False
        if totals is None:
            self.balance_label.setText(self.tr("Aucun montant réalisé saisi pour l'instant."))
        else:
            balance = totals.balance
            word = self.tr("excédent") if balance.cents >= 0 else self.tr("déficit")
            self.balance_label.setText(self.tr("Réalisé : charges {charges}, produits {products} "
                                               "— {word} de {amount}.").format(
                charges=totals.charges.format(), products=totals.products.format(),
                word=word, amount=Money(abs(balance.cents)).format()))

    def set_achieved(self, entry_id: int, text: str) -> None:
        """Type an achieved amount as the user would (tests)."""
        for _row, item in self._achieved_rows():
            if int(item.data(_ENTRY_ROLE)) == entry_id:
                item.setText(text)
                return
        raise KeyError(entry_id)

    def set_indicator_achieved(self, indicator_id: int, text: str) -> None:
        for row in range(self.indicator_table.rowCount()):
            item = self.indicator_table.item(row, IND_ACHIEVED)
            if item is not None and int(item.data(_ENTRY_ROLE)) == indicator_id:
                item.setText(text)
                return
        raise KeyError(indicator_id)

    def achieved_text(self, entry_id: int) -> str:
        for _row, item in self._achieved_rows():
            if int(item.data(_ENTRY_ROLE)) == entry_id:
                return item.text()
        raise KeyError(entry_id)

    def total_text(self, key: str) -> str:
        for row in range(self.budget_table.rowCount()):
            item = self.budget_table.item(row, COLUMN_ACHIEVED)
            if item is not None and item.data(_TOTAL_ROLE) == key:
                return item.text()
        raise KeyError(key)

    def _on_year_changed(self, year: int) -> None:
        if not self._filling:
            self.year_changed.emit(year)

    # ------------------------------------------------------------------ values

    def values(self) -> ReportValues:
        """What changed since loading; raises `ValidationError` / `DateError` (French)."""
        report = self._report
        if report is None:
            raise ValidationError("Choisissez un dossier.")
        achieved: dict[int, Money | None] = {}
        for _row, item in self._achieved_rows():
            entry = self._lines[int(item.data(_ENTRY_ROLE))]
            amount = self._parse_amount(item)
            if amount != entry.achieved:
                achieved[entry.entry_id] = amount
        values: dict[int, Decimal | None] = {}
        for row, indicator in enumerate(report.indicators):
            value = parse_decimal(_text(self.indicator_table, row, IND_ACHIEVED),
                                  f"Réalisé « {indicator.name} »",
                                  allow_negative=False)
            if value != indicator.achieved:
                values[indicator.indicator_id] = value
        return ReportValues(
            achieved=achieved,
            indicator_values=values,
            report_text=self.text_edit.toPlainText(),
            received_on=self.received_field.value(),
            year=self.year_spin.value(),
        )

    def check(self) -> str | None:
        """The first problem of what was typed, in French; None when it can be recorded."""
        try:
            values = self.values()
        except DateError as error:
            self.received_message.show_message(str(error))
            return str(error)
        except UserFacingError as error:
            self.message.show_message(error.message)
            return error.message
        if values.received_on is None:
            text = self.tr("Indiquez quand le compte rendu est arrivé.")
            self.received_message.show_message(text)
            return text
        return None

    def _snapshot(self) -> tuple[object, ...]:
        budget = tuple(item.text() for _row, item in self._achieved_rows())
        indicators = tuple(_text(self.indicator_table, row, IND_ACHIEVED)
                           for row in range(self.indicator_table.rowCount()))
        return (budget, indicators, self.text_edit.toPlainText().strip(),
                self.received_field.text())

    def is_dirty(self) -> bool:
        return self._dirty

    def update_dirty(self, *_args: object) -> None:
        dirty = self._loaded is not None and self._snapshot() != self._loaded
        report = self._report
        # A report never recorded can be saved as it stands (its date of receipt at least).
        first_time = report is not None and report.report_received_on is None
        self.save_button.setEnabled(self._editable and report is not None
                                    and (dirty or first_time))
        self.revert_button.setEnabled(self._editable and dirty)
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        self.text_edit.setReadOnly(not editable)
        self.received_field.setReadOnly(not editable)
        self.save_button.setVisible(editable)
        self.revert_button.setVisible(editable)
        self.update_dirty()

    def show_outcome(self, text: str, ok: bool = True) -> None:
        self.outcome_label.setText(text)
        colour = "#2e7d32" if ok else _BAD.name()
        self.outcome_label.setStyleSheet(f"color: {colour};")


__all__ = ["FinancialReportForm", "ReportValues"]
