"""The "Budget" tab of the dossier editor: the CERFA 12156 forecast budget, heading by heading.

Charges (60–68, indirect charges, 86) on the left, products (70–78 with the funder lines of
74, own resources, 87) on the right, as on the association's form. Amounts are typed in
French; totals follow as they are typed, with a note when the products do not cover the
action's total cost.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.cerfa import (
    CHARGES,
    PRODUCTS,
    CerfaHeading,
    CerfaSection,
    budget_totals,
    heading,
    section_label,
)
from qpvdesk.core.domain.enums import BudgetSide
from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services.dossiers import BudgetEntryInput, FieldError
from qpvdesk.ui.dossiers.editor_widgets import (
    ERROR_COLOUR,
    INFO_COLOUR,
    OK_COLOUR,
    WARNING_COLOUR,
    MessagePanel,
)

RUBRIC, LABEL, PLANNED, ACHIEVED = range(4)
_ROLE = Qt.ItemDataRole.UserRole
_SECTIONS = (CerfaSection.DIRECT, CerfaSection.INDIRECT, CerfaSection.CONTRIBUTION)
_INVALID = QColor("#fde0dc")
_SECTION_BACKGROUND = QColor("#e8ecf2")
_LINE_NUMBER = re.compile(r"^Budget, ligne \d+")


class BudgetTable(QTableWidget):
    """One side of the grid: section rows, then one row per entry of each heading."""

    def __init__(self, side: BudgetSide, parent: QWidget | None = None) -> None:
        super().__init__(0, 4, parent)
        self.side = side
        self.headings: tuple[CerfaHeading, ...] = CHARGES if side is BudgetSide.CHARGE \
            else PRODUCTS
        self.setHorizontalHeaderLabels([
            self.tr("Charges") if side is BudgetSide.CHARGE else self.tr("Produits"),
            self.tr("Précision"), self.tr("Prévu"), self.tr("Réalisé (bilan)"),
        ])
        header = self.horizontalHeader()
        header.setSectionResizeMode(RUBRIC, QHeaderView.ResizeMode.Stretch)
        for column, sample in ((LABEL, "Précision (BOP…)"), (PLANNED, "000 000,00 €"),
                               (ACHIEVED, "Réalisé (bilan)")):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.setColumnWidth(column, self.fontMetrics().horizontalAdvance(sample) + 16)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.setAlternatingRowColors(False)

    # ------------------------------------------------------------------ rows

    def rebuild(self, entries: Sequence[BudgetEntryInput]) -> None:
        """One row per entry of this side (an empty row for each heading without one)."""
        by_account: dict[str, list[BudgetEntryInput]] = {}
        for entry in entries:
            item = heading(entry.account)
            if item is not None and item.side is self.side:
                by_account.setdefault(item.account, []).append(entry)
        self.blockSignals(True)
        try:
            self.setRowCount(0)
            for section in _SECTIONS:
                members = [h for h in self.headings if h.section is section]
                if not members:
                    continue
                self._add_section_row(section_label(section, self.side))
                for item in members:
                    found = by_account.get(item.account) or [None]
                    for index, entry in enumerate(found):
                        self._add_entry_row(self.rowCount(), item, entry, extra=index > 0)
        finally:
            self.blockSignals(False)

    def _add_section_row(self, title: str) -> None:
        row = self.rowCount()
        self.insertRow(row)
        item = QTableWidgetItem(title)
        font = QFont(self.font())
        font.setBold(True)
        item.setFont(font)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        item.setBackground(QBrush(_SECTION_BACKGROUND))
        item.setData(_ROLE, None)
        self.setItem(row, RUBRIC, item)
        self.setSpan(row, 0, 1, 4)

    def _add_entry_row(self, row: int, item: CerfaHeading, entry: BudgetEntryInput | None,
                       *, extra: bool) -> None:
        self.insertRow(row)
        indent = "      " if item.parent is not None else ""
        rubric = QTableWidgetItem(indent + item.display)
        rubric.setData(_ROLE, item.account)
        rubric.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        tooltip = item.display + (f" ({item.hint})" if item.hint else "")
        rubric.setToolTip(tooltip)
        font = QFont(self.font())
        if item.is_group:
            font.setBold(True)
        if extra:
            font.setItalic(True)
            rubric.setForeground(QBrush(QColor(INFO_COLOUR)))
            rubric.setText(indent + "   + " + item.display)
        rubric.setFont(font)
        self.setItem(row, RUBRIC, rubric)
        label = "" if entry is None or (entry.label or "") == item.label else (entry.label or "")
        label_item = QTableWidgetItem(label)
        label_item.setToolTip(item.hint or self.tr("Précision facultative (ministère, commune, "
                                                   "organisme…)"))
        self.setItem(row, LABEL, label_item)
        for column, amount in ((PLANNED, None if entry is None else entry.planned),
                               (ACHIEVED, None if entry is None else entry.achieved)):
            cell = QTableWidgetItem("" if amount is None else amount.format())
            cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(row, column, cell)

    def account_at(self, row: int) -> str | None:
        item = self.item(row, RUBRIC)
        value = None if item is None else item.data(_ROLE)
        return str(value) if value else None

    def add_line_below(self, row: int) -> int | None:
        """Another entry of the heading of *row* (a second ministry, another commune…)."""
        account = self.account_at(row)
        item = None if account is None else heading(account)
        if item is None:
            return None
        target = row + 1
        while target < self.rowCount() and self.account_at(target) == account:
            target += 1
        self.blockSignals(True)
        try:
            self._add_entry_row(target, item, None, extra=True)
        finally:
            self.blockSignals(False)
        return target

    def remove_line(self, row: int) -> bool:
        """Remove an added entry, or clear the only entry of a heading."""
        account = self.account_at(row)
        if account is None:
            return False
        same = [r for r in range(self.rowCount()) if self.account_at(r) == account]
        self.blockSignals(True)
        try:
            if len(same) > 1:
                self.removeRow(row)
                first = self.item(same[0], RUBRIC)
                item = heading(account)
                if first is not None and item is not None and row == same[0]:
                    # The first remaining row of the heading is shown as the heading again.
                    font = QFont(self.font())
                    font.setBold(item.is_group)
                    first.setFont(font)
                    first.setForeground(QBrush())
                    indent = "      " if item.parent is not None else ""
                    first.setText(indent + item.display)
            else:
                for column in (LABEL, PLANNED, ACHIEVED):
                    cell = self.item(row, column)
                    if cell is not None:
                        cell.setText("")
        finally:
            self.blockSignals(False)
        return True

    def text(self, row: int, column: int) -> str:
        cell = self.item(row, column)
        return "" if cell is None else cell.text().strip()

    def mark(self, row: int, message: str | None) -> None:
        """Colour a row whose amounts are refused (a look, not an edit: no itemChanged)."""
        blocked = self.blockSignals(True)
        try:
            for column in (LABEL, PLANNED, ACHIEVED):
                cell = self.item(row, column)
                if cell is None:
                    continue
                cell.setBackground(QBrush(_INVALID) if message else QBrush())
                cell.setToolTip(message or "")
        finally:
            self.blockSignals(blocked)
        self.viewport().update()


class BudgetEditor(QWidget):
    """Both sides of the forecast budget, their totals and what they say about the cost."""

    #: Something was typed in the grid.
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._total_cost: Money | None = None
        self._updating = False
        self.charges = BudgetTable(BudgetSide.CHARGE)
        self.charges.setObjectName("budgetCharges")
        self.products = BudgetTable(BudgetSide.PRODUCT)
        self.products.setObjectName("budgetProducts")
        intro = QLabel(self.tr(
            "Le budget prévisionnel de l'action tel que le porteur l'a présenté (CERFA 12156). "
            "Tapez les montants en euros (« 12 500 » ou « 12 500,50 ») ; les contributions "
            "volontaires en nature (86 / 87) restent hors des totaux."))
        intro.setWordWrap(True)
        self.add_line_button = QPushButton(self.tr("Ajouter une ligne à cette rubrique"))
        self.add_line_button.setToolTip(self.tr("Par exemple un second ministère sous « État » "
                                                "ou une autre commune"))
        self.remove_line_button = QPushButton(self.tr("Retirer la ligne"))
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.charges)
        splitter.addWidget(self.products)
        splitter.setChildrenCollapsible(False)
        self.charges_total = QLabel()
        self.products_total = QLabel()
        self.contributions_total = QLabel()
        for label in (self.charges_total, self.products_total, self.contributions_total):
            label.setTextFormat(Qt.TextFormat.RichText)
        self.note_panel = MessagePanel()
        self.note_panel.setObjectName("budgetNote")
        self.errors_panel = MessagePanel()
        self.errors_panel.setObjectName("budgetErrors")

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_line_button)
        buttons.addWidget(self.remove_line_button)
        buttons.addStretch(1)
        totals = QHBoxLayout()
        totals.addWidget(self.charges_total)
        totals.addSpacing(24)
        totals.addWidget(self.products_total)
        totals.addSpacing(24)
        totals.addWidget(self.contributions_total)
        totals.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.errors_panel)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        layout.addLayout(totals)
        layout.addWidget(self.note_panel)

        for table in (self.charges, self.products):
            table.itemChanged.connect(self._on_item_changed)
            table.currentCellChanged.connect(self._update_buttons)
        self.add_line_button.clicked.connect(self._add_line)
        self.remove_line_button.clicked.connect(self._remove_line)
        self.load(())

    # ------------------------------------------------------------------ loading

    def load(self, entries: Sequence[BudgetEntryInput]) -> None:
        for table in (self.charges, self.products):
            table.rebuild(entries)
        self.show_errors({})
        self.update_totals()
        self._update_buttons()

    def set_total_cost(self, total_cost: Money | None) -> None:
        self._total_cost = total_cost
        self.update_totals()

    # ------------------------------------------------------------------ editing

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._updating:
            return
        table = item.tableWidget()
        if item.column() in (PLANNED, ACHIEVED) and isinstance(table, BudgetTable):
            self._tidy(table, item)
        self.update_totals()
        self.edited.emit()

    def _tidy(self, table: BudgetTable, item: QTableWidgetItem) -> None:
        text = item.text().strip()
        message = None
        if text:
            try:
                amount = Money.parse(text, self._field_name(table, item.row(), item.column()))
            except ValidationError as error:
                message = error.message
            else:
                self._updating = True
                try:
                    item.setText(amount.format())
                finally:
                    self._updating = False
        self._updating = True
        try:
            table.mark(item.row(), message)
        finally:
            self._updating = False

    def _field_name(self, table: BudgetTable, row: int, column: int) -> str:
        account = table.account_at(row)
        item = None if account is None else heading(account)
        name = item.display if item is not None else self.tr("Budget")
        what = self.tr("prévu") if column == PLANNED else self.tr("réalisé")
        return f"{name} ({what})"

    def _current(self) -> tuple[BudgetTable, int] | None:
        for table in (self.charges, self.products):
            if table.hasFocus() or table.isAncestorOf(self.focusWidget() or table):
                row = table.currentRow()
                if row >= 0 and table.account_at(row) is not None:
                    return table, row
        for table in (self.charges, self.products):
            row = table.currentRow()
            if row >= 0 and table.account_at(row) is not None:
                return table, row
        return None

    def _update_buttons(self, *_args: object) -> None:
        current = self._current()
        self.add_line_button.setEnabled(current is not None)
        self.remove_line_button.setEnabled(current is not None)

    def _add_line(self) -> None:
        current = self._current()
        if current is None:
            return
        table, row = current
        added = table.add_line_below(row)
        if added is not None:
            table.setCurrentCell(added, LABEL)
            table.setFocus()
        self.edited.emit()

    def _remove_line(self) -> None:
        current = self._current()
        if current is None:
            return
        table, row = current
        table.remove_line(row)
        self.update_totals()
        self.edited.emit()

    # ------------------------------------------------------------------ reading

    def _rows(self) -> list[tuple[BudgetTable, int]]:
        return [(table, row) for table in (self.charges, self.products)
                for row in range(table.rowCount()) if table.account_at(row) is not None]

    def collect(self) -> tuple[tuple[BudgetEntryInput, ...], list[FieldError],
                               list[tuple[BudgetTable, int]]]:
        """The entries typed (blank rows left out), amounts that do not read, and where each
        entry sits in the grid (`budget[i]` is at the i-th place)."""
        entries: list[BudgetEntryInput] = []
        errors: list[FieldError] = []
        places: list[tuple[BudgetTable, int]] = []
        for table, row in self._rows():
            account = table.account_at(row)
            assert account is not None
            label = table.text(row, LABEL)
            planned_text = table.text(row, PLANNED)
            achieved_text = table.text(row, ACHIEVED)
            if not (label or planned_text or achieved_text):
                continue
            index = len(entries)
            amounts: list[Money | None] = []
            for column, text in ((PLANNED, planned_text), (ACHIEVED, achieved_text)):
                if not text:
                    amounts.append(None)
                    continue
                try:
                    amounts.append(Money.parse(text, self._field_name(table, row, column)))
                except ValidationError as error:
                    errors.append(FieldError(f"budget[{index}]", error.message))
                    amounts.append(None)
            planned, achieved = amounts
            entries.append(BudgetEntryInput(account, planned or Money(0), label or None,
                                            achieved))
            places.append((table, row))
        return tuple(entries), errors, places

    def raw_state(self) -> tuple[object, ...]:
        return tuple(
            (table.account_at(row), table.text(row, LABEL), table.text(row, PLANNED),
             table.text(row, ACHIEVED))
            for table, row in self._rows()
        )

    def update_totals(self) -> None:
        pairs: list[tuple[str, Money]] = []
        for table, row in self._rows():
            text = table.text(row, PLANNED)
            account = table.account_at(row)
            if not text or account is None:
                continue
            try:
                pairs.append((account, Money.parse(text)))
            except ValidationError:
                continue
        totals = budget_totals(pairs)
        self.charges_total.setText(self.tr("Total des charges : <b>{amount}</b>").format(
            amount=totals.charges.format()))
        self.products_total.setText(self.tr("Total des produits : <b>{amount}</b>").format(
            amount=totals.products.format()))
        self.contributions_total.setText(self.tr(
            "Contributions volontaires : {used} (emplois) / {received} (ressources)").format(
                used=totals.contributions_used.format(),
                received=totals.contributions_received.format()))
        notes: list[tuple[str, str]] = []
        cost = self._total_cost
        if cost is not None and cost and totals.products < cost:
            notes.append((WARNING_COLOUR, self.tr(
                "Les produits prévus ({products}) ne couvrent pas le coût total de l'action "
                "({cost}) : il manque {missing}.").format(
                    products=totals.products.format(), cost=cost.format(),
                    missing=(cost - totals.products).format())))
        if pairs and cost is not None and cost and totals.charges != cost:
            notes.append((INFO_COLOUR, self.tr(
                "Le total des charges ({charges}) diffère du coût total indiqué dans l'onglet "
                "« Dossier » ({cost}).").format(charges=totals.charges.format(),
                                                cost=cost.format())))
        if pairs and totals.charges != totals.products:
            notes.append((INFO_COLOUR, self.tr(
                "Le budget n'est pas équilibré : charges {charges}, produits {products}.")
                .format(charges=totals.charges.format(), products=totals.products.format())))
        for account in totals.inconsistent_groups:
            item = heading(account)
            notes.append((ERROR_COLOUR, self.tr(
                "Le montant du compte {account} diffère de la somme de ses sous-lignes.")
                .format(account=item.display if item else account)))
        if not notes and pairs and cost is not None and totals.products >= cost:
            notes.append((OK_COLOUR, self.tr("Les produits prévus couvrent le coût total de "
                                             "l'action.")))
        tone = "warning" if any(colour in (WARNING_COLOUR, ERROR_COLOUR)
                                for colour, _text in notes) else "info"
        self.note_panel.show_messages(notes, tone=tone)

    # ------------------------------------------------------------------ errors

    def show_errors(self, errors: dict[str, str],
                    places: Sequence[tuple[BudgetTable, int]] = ()) -> None:
        """Mark the rows of `budget[i]` errors in red and list every budget message."""
        for table, row in self._rows():
            table.mark(row, None)
        lines: list[tuple[str, str]] = []
        for field, message in errors.items():
            if field == "budget":
                lines.append((ERROR_COLOUR, message))
                continue
            match = re.fullmatch(r"budget\[(\d+)\]", field)
            if match is None:
                continue
            index = int(match.group(1))
            if index < len(places):
                table, row = places[index]
                account = table.account_at(row)
                item = None if account is None else heading(account)
                if item is not None:
                    message = _LINE_NUMBER.sub(f"Budget, « {item.display} »", message)
                table.mark(row, message)
            lines.append((ERROR_COLOUR, message))
        self.errors_panel.show_messages(lines, tone="error")

    def error_lines(self) -> list[str]:
        return list(self.errors_panel.lines) if not self.errors_panel.isHidden() else []

    def set_editable(self, editable: bool) -> None:
        for table in (self.charges, self.products):
            table.setEditTriggers(
                QAbstractItemView.EditTrigger.DoubleClicked
                | QAbstractItemView.EditTrigger.EditKeyPressed
                | QAbstractItemView.EditTrigger.AnyKeyPressed if editable
                else QAbstractItemView.EditTrigger.NoEditTriggers)
        self.add_line_button.setVisible(editable)
        self.remove_line_button.setVisible(editable)
