"""`SummaryTableModel`: a short list of amounts (per funder, per priority) and its total.

Each row carries the `Figure` behind its amounts, so that a double-click shows the
dossiers that make them up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Qt

from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.finance import Amounts
from qpvdesk.ui.finance.figures import (
    FIGURE_ROLE,
    LEFT,
    RIGHT,
    ROW_ROLE,
    SORT_ROLE,
    Figure,
    amount_columns,
    bold_font,
    caption,
    tint,
)
from qpvdesk.ui.finance.grouped_tree_model import GroupedTreeModel

COLUMN_LABEL, COLUMN_REQUESTED, COLUMN_PROPOSED, COLUMN_GRANTED, COLUMN_PAID = range(5)
AMOUNT_KEYS = {
    COLUMN_REQUESTED: "requested",
    COLUMN_PROPOSED: "proposed",
    COLUMN_GRANTED: "granted",
    COLUMN_PAID: "paid",
}

_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_FONT = Qt.ItemDataRole.FontRole


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One line of a summary: what it is, its amounts, and the figure behind them."""

    label: str
    amounts: Amounts
    #: The criteria of the dossiers behind it, its caption being the subject only
    #: (« État – Préfecture de l'Hérault »); None: nothing to open.
    figure: Figure | None
    tooltip: str | None = None
    is_total: bool = False


class SummaryTableModel(GroupedTreeModel):
    """A flat table: label, requested, proposed, granted, paid; the last row may be a total."""

    def __init__(self, first_header: str, parent: QObject | None = None) -> None:
        super().__init__([""] * 5, parent)
        amounts = amount_columns()
        self._amounts = amounts
        self._headers = [first_header,
                         *(amounts[key].title for key in AMOUNT_KEYS.values())]
        self._bold = bold_font()
        self._total_tint = tint(60)

    def set_rows(self, rows: Sequence[SummaryRow]) -> None:
        self.set_groups([(row, []) for row in rows])

    def rows(self) -> list[SummaryRow]:
        return self.groups()

    def _money(self, row: SummaryRow, column: int) -> Money:
        return self._amounts[AMOUNT_KEYS[column]].get(row.amounts)

    def figure(self, row: SummaryRow, column: int) -> Figure | None:
        if row.figure is None:
            return None
        if column not in AMOUNT_KEYS:
            return replace(row.figure, caption=f"{row.figure.caption} – {row.figure.year}")
        title = str(self.headerData(column, Qt.Orientation.Horizontal))
        return replace(row.figure, caption=caption(row.figure.caption, row.figure.year, title,
                                                   self._money(row, column)))

    def cell(self, node: SummaryRow, column: int, role: int, is_group: bool) -> object:
        if role == _DISPLAY:
            if column == COLUMN_LABEL:
                return node.label
            return self._money(node, column).format()
        if role == _ALIGN:
            return RIGHT if column in AMOUNT_KEYS else LEFT
        if role == _FONT:
            return self._bold if node.is_total else None
        if role == _BACKGROUND:
            return self._total_tint if node.is_total else None
        if role == _TOOLTIP:
            if column == COLUMN_LABEL:
                return node.tooltip
            if node.figure is not None:
                return self.tr("Double-cliquez pour voir les dossiers derrière ce montant.")
            return None
        if role == FIGURE_ROLE:
            return self.figure(node, column)
        if role == SORT_ROLE:
            return node.label if column == COLUMN_LABEL else self._money(node, column).cents
        if role == ROW_ROLE:
            return node
        return None
