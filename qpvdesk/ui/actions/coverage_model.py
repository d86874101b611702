"""`CoverageTreeModel`: the coverage of the operational objectives for one year, as a tree.

Priority → strategic objective → operational objective → the actions serving it,
each line with its droit commun, crédits spécifiques and total (committed money:
granted, or proposed while nothing is granted). An operational objective that no
action serves stands out three ways: red text on a pale red line, a warning icon,
and `UNCOVERED_ROLE` (true) for whoever asks — tests, filters, the count on top.
Priorities and strategic objectives say how many of their objectives are uncovered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QFont, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from qpvdesk.core.services.actions import CoverageAction, CoverageRow
from qpvdesk.core.services.finance import Amounts
from qpvdesk.ui.actions.shared import ALERT_BACKGROUND, WARNING_BACKGROUND
from qpvdesk.ui.partners.column_model import ALERT_COLOR, LEFT, RIGHT

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_FONT = Qt.ItemDataRole.FontRole
_DECORATION = Qt.ItemDataRole.DecorationRole
#: True on an operational objective that no action serves in the year.
UNCOVERED_ROLE = Qt.ItemDataRole.UserRole + 10
#: The node's kind (`NodeKind`).
KIND_ROLE = Qt.ItemDataRole.UserRole + 11
#: The action id of an action line, the objective id of an objective line.
ID_ROLE = Qt.ItemDataRole.UserRole + 12

(COLUMN_NAME, COLUMN_HOLDER, COLUMN_KIND, COLUMN_STATE, COLUMN_COMMON_LAW, COLUMN_SPECIFIC,
 COLUMN_TOTAL) = range(7)


def _tr(text: str) -> str:
    return QCoreApplication.translate("CoverageTreeModel", text)


class NodeKind(Enum):
    PRIORITY = "priority"
    STRATEGIC = "strategic"
    OBJECTIVE = "objective"
    ACTION = "action"


@dataclass(eq=False)
class CoverageNode:
    """One line of the tree."""

    kind: NodeKind
    code: str
    title: str
    parent: CoverageNode | None = None
    children: list[CoverageNode] = field(default_factory=list)
    objective: CoverageRow | None = None
    action: CoverageAction | None = None
    common_law: Amounts = field(default_factory=Amounts.zero)
    specific: Amounts = field(default_factory=Amounts.zero)
    objectives: int = 0  # operational objectives under it (itself for one)
    uncovered: int = 0  # of which without any action
    failed: int = 0  # of which every action was refused or withdrawn
    actions: int = 0

    @property
    def row(self) -> int:
        siblings = self.parent.children if self.parent is not None else []
        return siblings.index(self)

    @property
    def label(self) -> str:
        return f"{self.code} – {self.title}" if self.code else self.title

    @property
    def item_id(self) -> int | None:
        if self.action is not None:
            return self.action.action_id
        if self.objective is not None:
            return self.objective.objective_id
        return None


@dataclass(frozen=True, slots=True)
class CoverageCounts:
    """What the banner over the tree says."""

    objectives: int
    uncovered: int
    failed: int
    actions: int
    common_law: Amounts
    specific: Amounts


def build_tree(rows: Sequence[CoverageRow], only_uncovered: bool = False) -> CoverageNode:
    """The root of the tree (its children are the priorities)."""
    root = CoverageNode(NodeKind.PRIORITY, "", "")
    by_key: dict[tuple[NodeKind, object], CoverageNode] = {}

    def group(kind: NodeKind, key: object, code: str | None, title: str | None,
              parent: CoverageNode) -> CoverageNode:
        node = by_key.get((kind, key))
        if node is None:
            node = CoverageNode(kind, code or "", title or _tr("Hors priorité"), parent)
            parent.children.append(node)
            by_key[(kind, key)] = node
        return node

    for row in rows:
        if only_uncovered and not row.without_action:
            continue
        if row.objective_id is None:
            # Actions serving no operational objective: a group of their own, at the end.
            parent = group(NodeKind.PRIORITY, None, "", _tr("Sans objectif opérationnel"), root)
        else:
            priority = group(NodeKind.PRIORITY, row.priority_id, row.priority_code,
                             row.priority_title, root)
            parent = group(NodeKind.STRATEGIC, row.strategic_id, row.strategic_code,
                           row.strategic_title, priority)
        if row.objective_id is None:
            objective = parent
            objective.objective = row
        else:
            objective = CoverageNode(NodeKind.OBJECTIVE, row.objective_code, row.objective_title,
                                     parent, objective=row)
            parent.children.append(objective)
            objective.objectives = 1
            objective.uncovered = int(row.without_action)
            objective.failed = int(row.without_effective_action)
        for action in row.actions:
            objective.children.append(CoverageNode(
                NodeKind.ACTION, "", action.title, objective, action=action,
                common_law=action.common_law, specific=action.specific))
        objective.actions += len(row.actions)
        objective.common_law = objective.common_law + row.common_law
        objective.specific = objective.specific + row.specific
        # Roll the figures up to the strategic objective and the priority.
        if objective is not parent:
            node: CoverageNode | None = parent
            while node is not None and node is not root:
                node.objectives += 1
                node.uncovered += objective.uncovered
                node.failed += objective.failed
                node.actions += objective.actions
                node.common_law = node.common_law + row.common_law
                node.specific = node.specific + row.specific
                node = node.parent
    return root


def counts(rows: Sequence[CoverageRow]) -> CoverageCounts:
    """Objectives, uncovered ones, distinct actions and money of the year (the banner)."""
    objectives = [row for row in rows if row.objective_id is not None]
    common_law = Amounts.zero()
    specific = Amounts.zero()
    for row in rows:
        common_law = common_law + row.common_law
        specific = specific + row.specific
    return CoverageCounts(
        objectives=len(objectives),
        uncovered=sum(1 for row in objectives if row.without_action),
        failed=sum(1 for row in objectives if row.without_effective_action),
        actions=len({action.action_id for row in rows for action in row.actions}),
        common_law=common_law,
        specific=specific,
    )


def _money(amounts: Amounts) -> str:
    return amounts.committed.format() if amounts.committed else ""


class CoverageTreeModel(QAbstractItemModel):
    """Priorities, strategic and operational objectives and their actions for a year."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = CoverageNode(NodeKind.PRIORITY, "", "")
        self._rows: list[CoverageRow] = []
        self._headers = [
            _tr("Objectif / action"), _tr("Porteur"), _tr("Nature"), _tr("État"),
            _tr("Droit commun"), _tr("Crédits spécifiques"), _tr("Total"),
        ]
        self._bold = QFont()
        self._bold.setBold(True)
        self._alert = QBrush(ALERT_COLOR)
        self._alert_background = QBrush(ALERT_BACKGROUND)
        self._warning_background = QBrush(WARNING_BACKGROUND)
        self._icon: QIcon | None = None

    def _warning_icon(self) -> QIcon:
        # Asked for once painting starts (the style exists with the application).
        if self._icon is None:
            self._icon = QApplication.style().standardIcon(
                QStyle.StandardPixmap.SP_MessageBoxWarning)
        return self._icon

    # ---------------------------------------------------------------- rows

    def set_rows(self, rows: Sequence[CoverageRow], only_uncovered: bool = False) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._root = build_tree(self._rows, only_uncovered)
        self.endResetModel()

    def rows(self) -> list[CoverageRow]:
        return list(self._rows)

    def node(self, index: AnyIndex) -> CoverageNode | None:
        if not index.isValid():
            return None
        node = index.internalPointer()
        return node if isinstance(node, CoverageNode) else None

    def index_of(self, node: CoverageNode, column: int = 0) -> QModelIndex:
        if node.parent is None:
            return QModelIndex()
        return self.createIndex(node.row, column, node)

    def objective_index(self, objective_id: int) -> QModelIndex:
        for node in self._walk(self._root):
            if node.kind is NodeKind.OBJECTIVE and node.item_id == objective_id:
                return self.index_of(node)
        return QModelIndex()

    def uncovered_indexes(self) -> list[QModelIndex]:
        """The objective lines that stand out (in tree order)."""
        return [self.index_of(node) for node in self._walk(self._root)
                if node.kind is NodeKind.OBJECTIVE and node.uncovered]

    def _walk(self, node: CoverageNode) -> list[CoverageNode]:
        found = []
        for child in node.children:
            found.append(child)
            found.extend(self._walk(child))
        return found

    # ---------------------------------------------------------------- QAbstractItemModel

    def index(self, row: int, column: int, parent: AnyIndex = _ROOT) -> QModelIndex:
        if column < 0 or column >= len(self._headers) or row < 0:
            return QModelIndex()
        parent_node = self.node(parent) if parent.isValid() else self._root
        if parent_node is None or row >= len(parent_node.children):
            return QModelIndex()
        return self.createIndex(row, column, parent_node.children[row])

    def parent(self, index: AnyIndex = _ROOT) -> QModelIndex:  # type: ignore[override]
        node = self.node(index)
        if node is None or node.parent is None or node.parent is self._root:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent)

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        if parent.isValid():
            if parent.column() != 0:
                return 0
            node = self.node(parent)
            return 0 if node is None else len(node.children)
        return len(self._root.children)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        return len(self._headers)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _DISPLAY) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._headers):
            return None
        if role == _DISPLAY:
            return self._headers[section]
        if role == _ALIGN:
            return RIGHT if section >= COLUMN_COMMON_LAW else LEFT
        if role == _TOOLTIP and section >= COLUMN_COMMON_LAW:
            return _tr("Montants de l'année : accordés, ou proposés tant que rien n'est "
                       "accordé")
        return None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> object:
        node = self.node(index)
        if node is None:
            return None
        column = index.column()
        if role == _DISPLAY:
            return self._text(node, column)
        if role == UNCOVERED_ROLE:
            return node.kind is NodeKind.OBJECTIVE and bool(node.uncovered)
        if role == KIND_ROLE:
            return node.kind
        if role == ID_ROLE:
            return node.item_id
        if role == _ALIGN:
            return RIGHT if column >= COLUMN_COMMON_LAW else LEFT
        if role == _FONT:
            return self._bold if node.kind in (NodeKind.PRIORITY, NodeKind.STRATEGIC) else None
        if role == _FOREGROUND:
            if node.kind is NodeKind.OBJECTIVE and node.uncovered:
                return self._alert
            if node.kind is not NodeKind.ACTION and node.uncovered and column == COLUMN_HOLDER:
                return self._alert
            return None
        if role == _BACKGROUND:
            if node.kind is NodeKind.OBJECTIVE and node.uncovered:
                return self._alert_background
            if node.kind is NodeKind.OBJECTIVE and node.failed:
                return self._warning_background
            return None
        if role == _DECORATION and column == COLUMN_NAME:
            if node.uncovered or (node.kind is NodeKind.OBJECTIVE and node.failed):
                return self._warning_icon()
            return None
        if role == _TOOLTIP:
            return self._tooltip(node, column)
        return None

    def _text(self, node: CoverageNode, column: int) -> str:
        if column == COLUMN_NAME:
            return node.label
        if column == COLUMN_COMMON_LAW:
            return _money(node.common_law)
        if column == COLUMN_SPECIFIC:
            return _money(node.specific)
        if column == COLUMN_TOTAL:
            return _money(node.common_law + node.specific)
        action = node.action
        if action is not None:
            if column == COLUMN_HOLDER:
                return action.holder_name or ""
            if column == COLUMN_KIND:
                return action.kind_label
            if column == COLUMN_STATE:
                return action.dossier_states_label or action.state_label
            return ""
        if column == COLUMN_HOLDER:
            if node.kind is NodeKind.OBJECTIVE:
                if node.uncovered:
                    return _tr("Aucune action")
                return _tr("1 action") if node.actions == 1 else \
                    _tr("{n} actions").format(n=node.actions)
            if node.uncovered:
                return _tr("{n} sans action sur {m}").format(n=node.uncovered,
                                                              m=node.objectives)
            if node.objectives:
                return _tr("{m} objectifs couverts").format(m=node.objectives) \
                    if node.objectives > 1 else _tr("1 objectif couvert")
            return _tr("1 action") if node.actions == 1 else \
                _tr("{n} actions").format(n=node.actions)
        return ""

    def _tooltip(self, node: CoverageNode, column: int) -> str | None:
        if node.kind is NodeKind.OBJECTIVE and node.uncovered:
            return _tr("Aucune action ne sert cet objectif opérationnel cette année.")
        if node.kind is NodeKind.OBJECTIVE and node.failed:
            return _tr("Toutes les actions de l'année ont été refusées ou retirées.")
        if node.action is not None:
            action = node.action
            lines = [action.title]
            if action.holder_name:
                lines.append(_tr("Porteur : {name}").format(name=action.holder_name))
            if action.dossier_states_label:
                lines.append(_tr("Dossiers : {states}").format(states=action.dossier_states_label))
            lines.append(_tr("Double-cliquez pour ouvrir l'action."))
            return "\n".join(lines)
        if column == COLUMN_NAME:
            return node.label
        return None


__all__ = [
    "COLUMN_HOLDER",
    "COLUMN_NAME",
    "ID_ROLE",
    "KIND_ROLE",
    "UNCOVERED_ROLE",
    "CoverageCounts",
    "CoverageNode",
    "CoverageTreeModel",
    "NodeKind",
    "build_tree",
    "counts",
]
