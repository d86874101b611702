"""`ObjectiveFinanceModel`: a year's money per priority and operational objective.

Priorities are the top-level rows (bold), their operational objectives beneath;
« Sans objectif » and the total come last. One nature, or both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt

from qpvdesk.core.domain.enums import FundingNature, ObjectiveLevel
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.finance import Amounts, ObjectiveFinanceRow
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
    committed_tooltip,
    muted_color,
    tint,
)
from qpvdesk.ui.finance.grouped_tree_model import GroupedTreeModel

(COLUMN_CODE, COLUMN_TITLE, COLUMN_REQUESTED, COLUMN_PROPOSED, COLUMN_GRANTED,
 COLUMN_COMMITTED, COLUMN_PAID) = range(7)
AMOUNT_KEYS = {
    COLUMN_REQUESTED: "requested",
    COLUMN_PROPOSED: "proposed",
    COLUMN_GRANTED: "granted",
    COLUMN_COMMITTED: "committed",
    COLUMN_PAID: "paid",
}

_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_FONT = Qt.ItemDataRole.FontRole


@dataclass(frozen=True, slots=True)
class ObjectiveTotal:
    """The last row: everything the year's funding rows (of the nature shown) add up to."""

    amounts: Amounts


Node = ObjectiveFinanceRow | ObjectiveTotal


class ObjectiveFinanceModel(GroupedTreeModel):
    """The « Par objectif » table of the Financements page."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([""] * 7, parent)
        self._amounts = amount_columns()
        self._headers = [self.tr("Code"), self.tr("Priorité / objectif opérationnel"),
                         *(self._amounts[key].title for key in AMOUNT_KEYS.values())]
        self._header_tips[COLUMN_COMMITTED] = committed_tooltip()
        self._year = 0
        self._nature: FundingNature | None = None
        self._bold = bold_font()
        self._group_tint = tint(28)
        self._total_tint = tint(60)

    @property
    def year(self) -> int:
        return self._year

    @property
    def nature(self) -> FundingNature | None:
        return self._nature

    def set_rows(self, year: int, nature: FundingNature | None,
                 rows: Sequence[ObjectiveFinanceRow]) -> None:
        """Rows as `finance_by_objective` orders them: each priority, then its objectives."""
        self._year = year
        self._nature = nature
        groups: list[tuple[Node, list[Node]]] = []
        total = Amounts.zero()
        for row in rows:
            if row.level is ObjectiveLevel.PRIORITY or row.objective_id is None or not groups:
                groups.append((row, []))
                total = total + row.amounts
            else:
                groups[-1][1].append(row)
        groups.append((ObjectiveTotal(total), []))
        self.set_groups(groups)

    def _subject(self, node: Node) -> str:
        if isinstance(node, ObjectiveTotal):
            subject = self.tr("Tous objectifs")
        elif node.code:
            subject = f"{node.code} {node.title}"
        else:
            subject = node.title
        if self._nature is not None:
            subject += f" ({self._nature.label.lower()})"
        return subject

    def _money(self, node: Node, column: int) -> Money:
        return self._amounts[AMOUNT_KEYS[column]].get(node.amounts)

    def figure(self, node: Node, column: int) -> Figure | None:
        if column not in AMOUNT_KEYS:
            return None
        if isinstance(node, ObjectiveFinanceRow) and node.objective_id is None:
            return None  # « Sans objectif »: no criterion of dossiers_behind says it
        title = str(self.headerData(column, Qt.Orientation.Horizontal))
        text = caption(self._subject(node), self._year, title, self._money(node, column))
        objective_id = None if isinstance(node, ObjectiveTotal) else node.objective_id
        return Figure(text, self._year, objective_id=objective_id, nature=self._nature)

    def cell(self, node: Node, column: int, role: int, is_group: bool) -> object:
        if role == _DISPLAY:
            if column == COLUMN_CODE:
                return "" if isinstance(node, ObjectiveTotal) else node.code
            if column == COLUMN_TITLE:
                if isinstance(node, ObjectiveTotal):
                    return self.tr("Total {year}").format(year=self._year)
                return " ".join(node.title.split())
            return self._money(node, column).format()
        if role == _ALIGN:
            return RIGHT if column in AMOUNT_KEYS else LEFT
        if role == _FONT:
            return self._bold if is_group else None
        if role == _BACKGROUND:
            if isinstance(node, ObjectiveTotal):
                return self._total_tint
            return self._group_tint if is_group else None
        if role == _FOREGROUND:
            if (isinstance(node, ObjectiveFinanceRow) and node.objective_id is None
                    and column in (COLUMN_CODE, COLUMN_TITLE)):
                return muted_color()
            return None
        if role == _TOOLTIP:
            if column == COLUMN_TITLE and isinstance(node, ObjectiveFinanceRow):
                if node.objective_id is None:
                    return self.tr("Financements dont ni le dossier ni l'action ne sont "
                                   "rattachés à un objectif.")
                return node.title
            if column in AMOUNT_KEYS and self.figure(node, column) is not None:
                return self.tr("Double-cliquez pour voir les dossiers derrière ce montant.")
            return None
        if role == FIGURE_ROLE:
            return self.figure(node, column)
        if role == SORT_ROLE:
            if column in AMOUNT_KEYS:
                return self._money(node, column).cents
            return self.cell(node, column, _DISPLAY, is_group)
        if role == ROW_ROLE:
            return node
        return None
