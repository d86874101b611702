"""`DueTreeModel`: what is due, grouped by kind (incomplete dossiers, agreements to sign…).

A group's row says how many items it holds; each item gives its label, date and
amount, and the dossier it opens (`DOSSIER_ROLE`). A group lists its first items
only (`DUE_SHOWN`): a last row « et 1 234 autres… » (`MoreRow`) stands for the rest,
which the Dossiers page shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt

from qpvdesk.core.services.dashboard import DueGroup, DueItem, DueKind
from qpvdesk.ui.finance.figures import LEFT, RIGHT, ROW_ROLE, SORT_ROLE, bold_font, tint
from qpvdesk.ui.finance.grouped_tree_model import GroupedTreeModel
from qpvdesk.ui.formatting import number

COLUMN_WHAT, COLUMN_DATE, COLUMN_AMOUNT = range(3)
#: The dossier an item opens (None for a follow-up decided outside any dossier).
DOSSIER_ROLE = Qt.ItemDataRole.UserRole + 20

_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_FONT = Qt.ItemDataRole.FontRole


@dataclass(frozen=True, slots=True)
class MoreRow:
    """The items of a group not listed: *count* of them."""

    kind: DueKind
    count: int


class DueTreeModel(GroupedTreeModel):
    """« À faire »: one group per kind that has items, in the order of `DueKind`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([""] * 3, parent)
        self._headers = [self.tr("À faire"), self.tr("Depuis le"), self.tr("Montant")]
        self._header_tips[COLUMN_DATE] = self.tr(
            "Le jour où c'est devenu à faire : dossier devenu incomplet, accordé, convention "
            "signée ou échéance du versement, date limite du bilan, date prévue de la suite.")
        self._bold = bold_font()
        self._group_tint = tint(28)

    def set_due(self, groups: Sequence[DueGroup]) -> None:
        """Show *groups*: their items, then a `MoreRow` when some are not listed."""
        self.set_groups([
            (group, [*group.items, *([MoreRow(group.kind, group.more)] if group.more else [])])
            for group in groups
        ])

    def item_count(self) -> int:
        """How many items are due in all, listed or not."""
        return sum(group.count for group in self.groups())

    def cell(self, node: DueGroup | DueItem | MoreRow, column: int, role: int,
             is_group: bool) -> object:
        if isinstance(node, DueGroup):
            if role == _DISPLAY and column == COLUMN_WHAT:
                return f"{node.kind.label} ({number(node.count)})"
            if role == _FONT:
                return self._bold
            if role == _BACKGROUND:
                return self._group_tint
            if role == ROW_ROLE:
                return node
            if role == SORT_ROLE and column == COLUMN_WHAT:
                return node.count
            return None
        if isinstance(node, MoreRow):
            if role == _DISPLAY and column == COLUMN_WHAT:
                return (self.tr("et 1 autre…") if node.count == 1 else
                        self.tr("et {n} autres…").format(n=number(node.count)))
            if role == _TOOLTIP:
                return self.tr("Double-cliquez (ou Entrée) pour voir tous ces dossiers dans "
                               "la page Dossiers.")
            if role == ROW_ROLE:
                return node
            return None
        if role == _DISPLAY:
            if column == COLUMN_WHAT:
                return node.label
            if column == COLUMN_DATE:
                return node.date.strftime("%d/%m/%Y")
            return "" if node.amount is None else node.amount.format()
        if role == _ALIGN:
            return RIGHT if column == COLUMN_AMOUNT else LEFT
        if role == _TOOLTIP:
            if node.dossier_id is None:
                return node.label + "\n" + self.tr("Suite à donner sans dossier.")
            return node.label + "\n" + self.tr("Double-cliquez (ou Entrée) pour ouvrir le "
                                               "dossier.")
        if role == DOSSIER_ROLE:
            return node.dossier_id
        if role == SORT_ROLE:
            if column == COLUMN_DATE:
                return node.date.toordinal()
            if column == COLUMN_AMOUNT:
                return None if node.amount is None else node.amount.cents
            return node.label
        if role == ROW_ROLE:
            return node
        return None
