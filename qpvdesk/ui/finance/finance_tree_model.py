"""`FinanceTreeModel`: a year's money per funder (subtotal rows) and budget line, then totals.

Top-level rows are the funders, in bold, with their subtotal; their children are
the budget lines; after them come the totals droit commun, crédits spécifiques and
the year's grand total. Every amount cell hands out the `Figure` behind it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt

from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.finance import FinanceRow, FinanceTable, FinanceTotal
from qpvdesk.ui.finance.figures import (
    ALERT_COLOR,
    FIGURE_ROLE,
    LEFT,
    RIGHT,
    ROW_ROLE,
    SORT_ROLE,
    Figure,
    amount_columns,
    bold_font,
    caption,
    committed_tooltip,
    muted_color,
    remaining_tooltip,
    tint,
)
from qpvdesk.ui.finance.grouped_tree_model import GroupedTreeModel

(COLUMN_NAME, COLUMN_NATURE, COLUMN_ENVELOPE, COLUMN_REQUESTED, COLUMN_PROPOSED,
 COLUMN_GRANTED, COLUMN_COMMITTED, COLUMN_PAID, COLUMN_REMAINING) = range(9)
AMOUNT_KEYS = {
    COLUMN_REQUESTED: "requested",
    COLUMN_PROPOSED: "proposed",
    COLUMN_GRANTED: "granted",
    COLUMN_COMMITTED: "committed",
    COLUMN_PAID: "paid",
}
MONEY_COLUMNS = frozenset({COLUMN_ENVELOPE, COLUMN_REMAINING, *AMOUNT_KEYS})
#: Shown where a line has no envelope (and so no remaining) that year.
NO_AMOUNT = "—"

_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_FONT = Qt.ItemDataRole.FontRole

Node = FinanceRow | FinanceTotal


class FinanceTreeModel(GroupedTreeModel):
    """The « Par financeur et ligne » table of the Financements page."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([""] * 9, parent)
        self._amounts = amount_columns()
        self._headers = [self.tr("Financeur / ligne budgétaire"), self.tr("Nature"),
                         self.tr("Enveloppe"),
                         *(self._amounts[key].title for key in AMOUNT_KEYS.values()),
                         self.tr("Reste")]
        self._header_tips[COLUMN_COMMITTED] = committed_tooltip()
        self._header_tips[COLUMN_REMAINING] = remaining_tooltip()
        self._year = 0
        self._funder_natures: dict[int, str] = {}
        self._bold = bold_font()
        self._funder_tint = tint(28)
        self._total_tint = tint(60)

    @property
    def year(self) -> int:
        return self._year

    def set_table(self, table: FinanceTable) -> None:
        """Show one year: funders with their lines, then the totals per nature and the total."""
        self._year = table.year
        lines: dict[int, list[FinanceRow]] = {}
        for row in table.rows:
            lines.setdefault(row.funder_id, []).append(row)
        self._funder_natures = {
            funder_id: rows[0].nature_label if len({r.nature for r in rows}) == 1
            else self.tr("Les deux")
            for funder_id, rows in lines.items()
        }
        groups: list[tuple[Node, list[Node]]] = [
            (total, list(lines.get(total.funder_id or 0, ()))) for total in table.by_funder
        ]
        groups += [(total, []) for total in (*table.by_nature, table.total)]
        self.set_groups(groups)

    # ---------------------------------------------------------------- cells

    def _subject(self, node: Node) -> str:
        if isinstance(node, FinanceRow):
            return node.budget_line_name
        if node.funder_id is not None:
            return node.label
        if node.nature is not None:
            return node.nature.label
        return self.tr("Tous financements")

    def _name(self, node: Node) -> str:
        if isinstance(node, FinanceRow):
            return node.budget_line_name
        if node.nature is not None:
            return self.tr("Total {nature}").format(nature=node.nature.label.lower())
        return node.label

    def _money(self, node: Node, column: int) -> Money | None:
        if column == COLUMN_ENVELOPE:
            return node.envelope
        if column == COLUMN_REMAINING:
            return node.remaining
        return self._amounts[AMOUNT_KEYS[column]].get(node.amounts)

    def figure(self, node: Node, column: int) -> Figure | None:
        if column not in MONEY_COLUMNS:
            return None
        title = str(self.headerData(column, Qt.Orientation.Horizontal))
        text = caption(self._subject(node), self._year, title, self._money(node, column))
        if isinstance(node, FinanceRow):
            return Figure(text, self._year, budget_line_id=node.budget_line_id)
        return Figure(text, self._year, funder_id=node.funder_id, nature=node.nature)

    def cell(self, node: Node, column: int, role: int, is_group: bool) -> object:
        if role == _DISPLAY:
            if column == COLUMN_NAME:
                return self._name(node)
            if column == COLUMN_NATURE:
                if isinstance(node, FinanceRow):
                    return node.nature_label
                return self._funder_natures.get(node.funder_id or 0, "")
            money = self._money(node, column)
            return NO_AMOUNT if money is None else money.format()
        if role == _ALIGN:
            return RIGHT if column in MONEY_COLUMNS else LEFT
        if role == _FONT:
            return self._bold if is_group else None
        if role == _BACKGROUND:
            if not is_group:
                return None
            funder = isinstance(node, FinanceTotal) and node.funder_id is not None
            return self._funder_tint if funder else self._total_tint
        if role == _FOREGROUND:
            if column in (COLUMN_ENVELOPE, COLUMN_REMAINING):
                money = self._money(node, column)
                if money is None:
                    return muted_color()
                if money.cents < 0:
                    return ALERT_COLOR
            return None
        if role == _TOOLTIP:
            return self._tooltip(node, column)
        if role == FIGURE_ROLE:
            return self.figure(node, column)
        if role == SORT_ROLE:
            if column in MONEY_COLUMNS:
                money = self._money(node, column)
                return None if money is None else money.cents
            return self.cell(node, column, _DISPLAY, is_group)
        if role == ROW_ROLE:
            return node
        return None

    def _tooltip(self, node: Node, column: int) -> str | None:
        if column == COLUMN_NAME and isinstance(node, FinanceRow):
            parts = [node.budget_line_name, node.funder_name]
            if node.budget_line_code:
                parts.insert(1, self.tr("Code : {code}").format(code=node.budget_line_code))
            return "\n".join(parts)
        if column == COLUMN_NAME and isinstance(node, FinanceTotal) and node.funder_id is None:
            return self.tr("{n} lignes budgétaires").format(n=node.lines)
        if column == COLUMN_REMAINING:
            remaining = node.remaining
            if remaining is None:
                return self.tr("Pas d'enveloppe {year} : rien à comparer.").format(
                    year=self._year)
            text = remaining_tooltip()
            if remaining.cents < 0:
                text = self.tr("Enveloppe dépassée de {amount}.").format(
                    amount=Money(-remaining.cents).format()) + "\n" + text
            if isinstance(node, FinanceTotal):
                text += "\n" + self.tr("Les lignes sans enveloppe ne comptent pas dans ce reste.")
            return text
        if column == COLUMN_ENVELOPE and node.envelope is None:
            return self.tr("Pas d'enveloppe {year}.").format(year=self._year)
        if column in MONEY_COLUMNS:
            return self.tr("Double-cliquez pour voir les dossiers derrière ce montant.")
        return None
