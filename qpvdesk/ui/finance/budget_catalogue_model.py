"""`BudgetCatalogueModel`: every funder's budget lines, with the envelope of one year editable.

Top-level rows are the funders (bold, the sum of their envelopes for the year);
their lines beneath, deactivated ones in grey italics (or hidden). Typing in the
envelope cell of a line calls the writer the screen gives (`set_envelope_writer`),
which saves it as one undoable action.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QFont

from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.budget_lines import BudgetLineRow, FunderCatalogue
from qpvdesk.ui.finance.figures import (
    LEFT,
    RIGHT,
    ROW_ROLE,
    SORT_ROLE,
    bold_font,
    muted_color,
    tint,
)
from qpvdesk.ui.finance.grouped_tree_model import AnyIndex, GroupedTreeModel

(COLUMN_NAME, COLUMN_CODE, COLUMN_NATURE, COLUMN_ENVELOPE, COLUMN_USE,
 COLUMN_STATUS) = range(6)
NO_AMOUNT = "—"

_DISPLAY = Qt.ItemDataRole.DisplayRole
_EDIT = Qt.ItemDataRole.EditRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_FONT = Qt.ItemDataRole.FontRole
_EDITABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

EnvelopeWriter = Callable[[int, str], bool]
Node = FunderCatalogue | BudgetLineRow


def _years(years: Sequence[int]) -> str:
    return ", ".join(str(year) for year in years)


class BudgetCatalogueModel(GroupedTreeModel):
    """The « Lignes budgétaires et enveloppes » tree of the Financements page."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([""] * 6, parent)
        self._headers = [self.tr("Financeur / ligne budgétaire"), self.tr("Code"),
                         self.tr("Nature"), self.tr("Enveloppe"), self.tr("Utilisation"),
                         self.tr("État")]
        self._header_tips[COLUMN_ENVELOPE] = self.tr(
            "L'enveloppe de l'année choisie : double-cliquez ou appuyez sur F2 pour la saisir "
            "(montant en euros, par exemple 12 500 ou 12 500,50 €) ; videz la case pour la "
            "supprimer.")
        self._year = 0
        self._writer: EnvelopeWriter | None = None
        self._bold = bold_font()
        self._italic = QFont()
        self._italic.setItalic(True)
        self._group_tint = tint(28)

    @property
    def year(self) -> int:
        return self._year

    def set_catalogue(self, catalogue: Sequence[FunderCatalogue], year: int,
                      show_inactive: bool = True) -> None:
        self._year = year
        self._headers[COLUMN_ENVELOPE] = self.tr("Enveloppe {year}").format(year=year)
        self.set_groups([
            (funder, [line for line in funder.lines if show_inactive or line.active])
            for funder in catalogue
        ])

    def set_envelope_writer(self, writer: EnvelopeWriter | None) -> None:
        """Who saves a typed envelope (None: the envelope cells are read-only)."""
        self._writer = writer

    def line_index(self, line_id: int, column: int = COLUMN_NAME) -> QModelIndex:
        return self.find(lambda node: isinstance(node, BudgetLineRow) and node.id == line_id,
                         column)

    def funder_index(self, funder_id: int, column: int = COLUMN_NAME) -> QModelIndex:
        return self.find(
            lambda node: isinstance(node, FunderCatalogue) and node.funder_id == funder_id,
            column)

    # ---------------------------------------------------------------- cells

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if (self._writer is not None and index.isValid() and index.column() == COLUMN_ENVELOPE
                and not self.is_group(index)):
            return _EDITABLE
        return flags

    def setData(self, index: AnyIndex, value: object, role: int = _EDIT) -> bool:
        if role != _EDIT or self._writer is None or not (self.flags(index)
                                                         & Qt.ItemFlag.ItemIsEditable):
            return False
        line = self.node(index)
        if not isinstance(line, BudgetLineRow):
            return False
        text = "" if value is None else str(value)
        current = line.envelope_amount(self._year)
        if text.strip() == ("" if current is None else self._edit_text(current)):
            return False  # nothing changed: no write, no undo entry
        return self._writer(line.id, text)

    @staticmethod
    def _edit_text(amount: Money) -> str:
        return amount.format(symbol=False, space=" ")

    def _funder_envelopes(self, funder: FunderCatalogue) -> Money | None:
        amounts = [line.envelope_amount(self._year) for line in funder.lines]
        present = [amount for amount in amounts if amount is not None]
        if not present:
            return None
        total = Money.zero()
        for amount in present:
            total = total + amount
        return total

    def _use_text(self, line: BudgetLineRow) -> str:
        parts = []
        if line.funding_count:
            parts.append(self.tr("{n} financements").format(n=line.funding_count)
                         if line.funding_count > 1 else self.tr("1 financement"))
        if line.envelopes:
            years = [envelope.year for envelope in line.envelopes]
            label = self.tr("enveloppes") if len(years) > 1 else self.tr("enveloppe")
            parts.append(f"{label} {_years(years)}")
        return " · ".join(parts) if parts else self.tr("inutilisée")

    def cell(self, node: Node, column: int, role: int, is_group: bool) -> object:
        if isinstance(node, FunderCatalogue):
            return self._funder_cell(node, column, role)
        return self._line_cell(node, column, role)

    def _funder_cell(self, funder: FunderCatalogue, column: int, role: int) -> object:
        if role == _DISPLAY:
            if column == COLUMN_NAME:
                return funder.funder_name
            if column == COLUMN_CODE:
                return funder.acronym or ""
            if column == COLUMN_ENVELOPE:
                total = self._funder_envelopes(funder)
                return "" if total is None else total.format()
            if column == COLUMN_USE:
                count = len(funder.lines)
                if count == 0:
                    return self.tr("aucune ligne")
                return self.tr("{n} lignes").format(n=count) if count > 1 else self.tr(
                    "1 ligne")
            return ""
        if role == _FONT:
            return self._bold
        if role == _BACKGROUND:
            return self._group_tint
        if role == _ALIGN:
            return RIGHT if column == COLUMN_ENVELOPE else LEFT
        if role == _TOOLTIP and column == COLUMN_ENVELOPE:
            return self.tr("Total des enveloppes {year} de ce financeur.").format(year=self._year)
        if role == ROW_ROLE:
            return funder
        if role == SORT_ROLE:
            return self._funder_cell(funder, column, _DISPLAY)
        return None

    def _line_cell(self, line: BudgetLineRow, column: int, role: int) -> object:
        envelope = line.envelope(self._year)
        if role == _DISPLAY:
            if column == COLUMN_NAME:
                return line.name
            if column == COLUMN_CODE:
                return line.code or ""
            if column == COLUMN_NATURE:
                return line.nature_label
            if column == COLUMN_ENVELOPE:
                return NO_AMOUNT if envelope is None else envelope.amount.format()
            if column == COLUMN_USE:
                return self._use_text(line)
            if column == COLUMN_STATUS:
                return self.tr("Active") if line.active else self.tr("Désactivée")
            return None
        if role == _EDIT:
            if column == COLUMN_ENVELOPE:
                return "" if envelope is None else self._edit_text(envelope.amount)
            return self._line_cell(line, column, _DISPLAY)
        if role == _ALIGN:
            return RIGHT if column == COLUMN_ENVELOPE else LEFT
        if role == _FONT:
            return None if line.active else self._italic
        if role == _FOREGROUND:
            if not line.active or (column == COLUMN_ENVELOPE and envelope is None):
                return muted_color()
            return None
        if role == _TOOLTIP:
            return self._line_tooltip(line, column)
        if role == ROW_ROLE:
            return line
        if role == SORT_ROLE:
            if column == COLUMN_ENVELOPE:
                return None if envelope is None else envelope.amount.cents
            return self._line_cell(line, column, _DISPLAY)
        return None

    def _line_tooltip(self, line: BudgetLineRow, column: int) -> str | None:
        if column == COLUMN_ENVELOPE:
            envelope = line.envelope(self._year)
            text = self.tr("Double-cliquez ou appuyez sur F2 pour saisir l'enveloppe {year}.") \
                .format(year=self._year) if self._writer is not None else ""
            if envelope is not None and envelope.calls:
                calls = ", ".join(f"« {title} »" for title in envelope.calls)
                text = self.tr("Appels à projets qui y puisent : {calls}").format(
                    calls=calls) + ("\n" + text if text else "")
            return text or None
        if column == COLUMN_NAME:
            text = line.name
            if not line.active:
                text += "\n" + self.tr("Ligne désactivée : elle n'est plus proposée pour de "
                                       "nouveaux financements.")
            return text
        if column == COLUMN_USE and line.in_use:
            return self.tr("Une ligne utilisée ne peut pas être supprimée ; elle peut être "
                           "désactivée.")
        return None
