"""The Financements page: every euro of a year per funder and budget line, nature and objective.

For each budget line active in a year (an envelope, or funding rows) the page
shows the envelope and what its funding rows of that year add up to:

- requested, proposed, granted: sums of the funding rows (NULL counts as nothing);
- committed: what the rows take from the envelope — each row's granted amount,
  or its proposed amount while nothing is granted on that row yet (the rule of
  `qpvdesk.core.services.funding.envelope_consumption`, so that the meeting
  mode, the dossier editor and this page always agree);
- paid: payments with a payment date (a payment only scheduled is not paid);
- remaining = envelope − committed, that is envelope − granted, or − proposed
  where nothing is granted yet; None when the line has no envelope that year.
  Negative when the envelope is exceeded.

Every funding row of the year counts, with or without a dossier: droit commun
rows of partners' actions (no dossier) are what a partner mobilises. A row
belongs to the year of the funding row (``Funding.year``): a multi-year
agreement counts each yearly tranche in its own year.

Aggregations run in SQL (GROUP BY); Python only merges a few dozen rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, func, select, type_coerce
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import FundingNature, ObjectiveLevel
from qpvdesk.core.domain.models import (
    Action,
    BudgetLine,
    Dossier,
    Envelope,
    Funding,
    Objective,
    Organisation,
    Payment,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.dossier_list import text_sort_key


@dataclass(frozen=True, slots=True)
class Amounts:
    """The money columns shared by every figure of the page."""

    requested: Money
    proposed: Money
    granted: Money
    committed: Money
    paid: Money

    @classmethod
    def zero(cls) -> Amounts:
        nothing = Money.zero()
        return cls(nothing, nothing, nothing, nothing, nothing)

    @classmethod
    def of_cents(
        cls, requested: int, proposed: int, granted: int, committed: int, paid: int
    ) -> Amounts:
        return cls(Money(requested), Money(proposed), Money(granted), Money(committed), Money(paid))

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(
            self.requested + other.requested,
            self.proposed + other.proposed,
            self.granted + other.granted,
            self.committed + other.committed,
            self.paid + other.paid,
        )

    @property
    def to_pay(self) -> Money:
        """Granted but not paid yet."""
        return self.granted - self.paid


class _AmountsView:
    """`row.requested` … `row.paid` read through to the row's `amounts`."""

    __slots__ = ()
    amounts: Amounts

    @property
    def requested(self) -> Money:
        return self.amounts.requested

    @property
    def proposed(self) -> Money:
        return self.amounts.proposed

    @property
    def granted(self) -> Money:
        return self.amounts.granted

    @property
    def committed(self) -> Money:
        return self.amounts.committed

    @property
    def paid(self) -> Money:
        return self.amounts.paid


@dataclass(frozen=True, slots=True)
class FinanceRow(_AmountsView):
    """One budget line in one year: its envelope and what its funding rows add up to."""

    year: int
    funder_id: int
    funder_name: str
    budget_line_id: int
    budget_line_name: str
    budget_line_code: str | None
    nature: FundingNature
    envelope: Money | None
    amounts: Amounts
    # envelope − committed (granted, or proposed where nothing is granted yet); None without one.
    remaining: Money | None

    @property
    def nature_label(self) -> str:
        return self.nature.label

    @property
    def exceeded(self) -> bool:
        return self.remaining is not None and self.remaining.cents < 0


@dataclass(frozen=True, slots=True)
class FinanceTotal(_AmountsView):
    """A subtotal (per nature, per funder, or the whole year).

    `envelope` sums the envelopes of the lines that have one, `remaining` their
    remainders: lines without an envelope add to the amounts but not to the
    remaining (so ``remaining`` may differ from ``envelope − committed``).
    """

    label: str
    nature: FundingNature | None
    funder_id: int | None
    envelope: Money | None
    amounts: Amounts
    remaining: Money | None
    lines: int


@dataclass(frozen=True, slots=True)
class FinanceTable:
    """The Financements page for one year: rows, subtotals per nature and funder, total."""

    year: int
    rows: tuple[FinanceRow, ...]
    by_nature: tuple[FinanceTotal, ...]
    by_funder: tuple[FinanceTotal, ...]
    total: FinanceTotal


@dataclass(frozen=True, slots=True)
class ObjectiveFinanceRow(_AmountsView):
    """What the funding rows of a year add up to for a priority or an operational objective.

    Rows whose objective is deeper (an action-plan item) count for its operational
    objective; rows with no objective at all are gathered in a row whose
    `objective_id` is None ("Sans objectif").
    """

    objective_id: int | None
    code: str
    title: str
    level: ObjectiveLevel | None
    priority_code: str | None
    amounts: Amounts


# --- SQL helpers -----------------------------------------------------------------------------


def _cents(expression: Any) -> ColumnElement[int]:
    """SUM(expression) as integer cents, 0 when there is nothing to add."""
    return type_coerce(func.coalesce(func.sum(expression), 0), Integer)


_SUMS = (
    _cents(Funding.requested),
    _cents(Funding.proposed),
    _cents(Funding.granted),
    # Row by row: granted if set, else proposed (see the module docstring).
    _cents(func.coalesce(Funding.granted, Funding.proposed)),
)


def _paid_cents() -> ColumnElement[int]:
    return _cents(Payment.amount)


def _objective_of_row() -> ColumnElement[int | None]:
    """The objective a funding row counts for: its dossier's, else its action's."""
    return func.coalesce(Dossier.objective_id, Action.objective_id)


# --- per budget line -------------------------------------------------------------------------


def finance_rows(session: Session, year: int) -> list[FinanceRow]:
    """One row per budget line having an envelope or funding rows in *year*.

    Ordered by funder name (« État » among the E's), then nature (droit commun first),
    then line name.
    Four statements, each a GROUP BY or a small lookup: funding sums per line,
    payments per line, the year's envelopes, and the line catalogue.
    """
    sums = {
        line_id: values
        for line_id, *values in session.execute(
            select(Funding.budget_line_id, *_SUMS)
            .where(Funding.year == year)
            .group_by(Funding.budget_line_id)
        )
    }
    paid = dict(
        session.execute(
            select(Funding.budget_line_id, _paid_cents())
            .join(Payment, Payment.funding_id == Funding.id)
            .where(Funding.year == year, Payment.paid_on.is_not(None))
            .group_by(Funding.budget_line_id)
        ).all()
    )
    envelopes = dict(
        session.execute(
            select(Envelope.budget_line_id, Envelope.amount).where(Envelope.year == year)
        ).all()
    )
    wanted = set(sums) | set(envelopes)
    lines = session.execute(
        select(
            BudgetLine.id,
            BudgetLine.name,
            BudgetLine.code,
            BudgetLine.nature,
            Organisation.id,
            Organisation.name,
        ).join(Organisation, Organisation.id == BudgetLine.funder_id)
    ).all()
    rows = []
    for line_id, line_name, code, nature, funder_id, funder_name in lines:
        if line_id not in wanted:
            continue
        requested, proposed, granted, committed = sums.get(line_id, (0, 0, 0, 0))
        amounts = Amounts.of_cents(requested, proposed, granted, committed, paid.get(line_id, 0))
        envelope = envelopes.get(line_id)
        rows.append(
            FinanceRow(
                year=year,
                funder_id=funder_id,
                funder_name=funder_name,
                budget_line_id=line_id,
                budget_line_name=line_name,
                budget_line_code=code,
                nature=nature,
                envelope=envelope,
                amounts=amounts,
                remaining=None if envelope is None else envelope - amounts.committed,
            )
        )
    nature_order = {nature: position for position, nature in enumerate(FundingNature)}
    rows.sort(
        key=lambda row: (
            text_sort_key(row.funder_name),
            row.funder_id,
            nature_order[row.nature],
            text_sort_key(row.budget_line_name),
        )
    )
    return rows


def _total(
    label: str,
    rows: Iterable[FinanceRow],
    *,
    nature: FundingNature | None = None,
    funder_id: int | None = None,
) -> FinanceTotal:
    amounts = Amounts.zero()
    envelope: Money | None = None
    remaining: Money | None = None
    count = 0
    for row in rows:
        count += 1
        amounts = amounts + row.amounts
        if row.envelope is not None:
            envelope = row.envelope if envelope is None else envelope + row.envelope
        if row.remaining is not None:
            remaining = row.remaining if remaining is None else remaining + row.remaining
    return FinanceTotal(
        label=label,
        nature=nature,
        funder_id=funder_id,
        envelope=envelope,
        amounts=amounts,
        remaining=remaining,
        lines=count,
    )


def finance_table(session: Session, year: int) -> FinanceTable:
    """The Financements page of *year*: lines, totals per nature and per funder, grand total."""
    rows = finance_rows(session, year)
    by_nature = tuple(
        _total(nature.label, [row for row in rows if row.nature is nature], nature=nature)
        for nature in FundingNature
    )
    funders: dict[int, list[FinanceRow]] = {}
    for row in rows:
        funders.setdefault(row.funder_id, []).append(row)
    by_funder = tuple(
        _total(group[0].funder_name, group, funder_id=funder_id)
        for funder_id, group in funders.items()
    )
    return FinanceTable(
        year=year,
        rows=tuple(rows),
        by_nature=by_nature,
        by_funder=by_funder,
        total=_total(f"Total {year}", rows),
    )


# --- per objective ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Node:
    id: int
    parent_id: int | None
    level: ObjectiveLevel
    code: str
    title: str
    short_title: str | None


def _objective_nodes(session: Session) -> dict[int, _Node]:
    return {
        row[0]: _Node(*row)
        for row in session.execute(
            select(
                Objective.id,
                Objective.parent_id,
                Objective.level,
                Objective.code,
                Objective.title,
                Objective.short_title,
            )
        )
    }


def _ancestor(nodes: dict[int, _Node], objective_id: int, level: ObjectiveLevel) -> int | None:
    """The objective itself or its ancestor at *level* (None if it sits above that level)."""
    node = nodes.get(objective_id)
    for _ in range(len(nodes)):  # bounded: a damaged tree must not hang the page
        if node is None or node.level is level:
            break
        node = None if node.parent_id is None else nodes.get(node.parent_id)
    return None if node is None or node.level is not level else node.id


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in code.lstrip("P").split("."))


def finance_by_objective(
    session: Session, year: int, nature: FundingNature | None = None
) -> list[ObjectiveFinanceRow]:
    """Per priority, then its operational objectives, what the funding rows of *year* add up to.

    Each priority row comes first, followed by its operational objectives (only those
    with funding); a funding row attached to a strategic objective counts for its
    priority only. *nature* keeps one nature (droit commun or crédits spécifiques).
    A last row "Sans objectif" gathers rows with no objective, if any.
    """
    objective = _objective_of_row().label("objective_id")
    amounts_query = (
        select(objective, *_SUMS)
        .select_from(Funding)
        .join(Action, Action.id == Funding.action_id)
        .outerjoin(Dossier, Dossier.id == Funding.dossier_id)
        .where(Funding.year == year)
        .group_by(objective)
    )
    paid_query = (
        select(objective, _paid_cents())
        .select_from(Payment)
        .join(Funding, Funding.id == Payment.funding_id)
        .join(Action, Action.id == Funding.action_id)
        .outerjoin(Dossier, Dossier.id == Funding.dossier_id)
        .where(Funding.year == year, Payment.paid_on.is_not(None))
        .group_by(objective)
    )
    if nature is not None:
        amounts_query = amounts_query.join(
            BudgetLine, BudgetLine.id == Funding.budget_line_id
        ).where(BudgetLine.nature == nature)
        paid_query = paid_query.join(BudgetLine, BudgetLine.id == Funding.budget_line_id).where(
            BudgetLine.nature == nature
        )
    paid = dict(session.execute(paid_query).all())
    nodes = _objective_nodes(session)
    priorities: dict[int, Amounts] = {}
    operational: dict[int, Amounts] = {}
    unclassified = Amounts.zero()
    for objective_id, requested, proposed, granted, committed in session.execute(amounts_query):
        amounts = Amounts.of_cents(
            requested, proposed, granted, committed, paid.get(objective_id, 0)
        )
        priority_id = (
            None
            if objective_id is None
            else _ancestor(nodes, objective_id, ObjectiveLevel.PRIORITY)
        )
        if objective_id is None or priority_id is None:
            unclassified = unclassified + amounts
            continue
        priorities[priority_id] = priorities.get(priority_id, Amounts.zero()) + amounts
        operational_id = _ancestor(nodes, objective_id, ObjectiveLevel.OPERATIONAL)
        if operational_id is not None:
            operational[operational_id] = operational.get(operational_id, Amounts.zero()) + amounts
    result: list[ObjectiveFinanceRow] = []
    for priority_id in sorted(priorities, key=lambda i: _code_key(nodes[i].code)):
        priority = nodes[priority_id]
        result.append(_objective_row(priority, priority.code, priorities[priority_id]))
        children = [
            i for i in operational if _ancestor(nodes, i, ObjectiveLevel.PRIORITY) == priority_id
        ]
        for operational_id in sorted(children, key=lambda i: _code_key(nodes[i].code)):
            result.append(
                _objective_row(nodes[operational_id], priority.code, operational[operational_id])
            )
    if unclassified != Amounts.zero():
        result.append(
            ObjectiveFinanceRow(
                objective_id=None,
                code="",
                title="Sans objectif",
                level=None,
                priority_code=None,
                amounts=unclassified,
            )
        )
    return result


def _objective_row(node: _Node, priority_code: str, amounts: Amounts) -> ObjectiveFinanceRow:
    return ObjectiveFinanceRow(
        objective_id=node.id,
        code=node.code,
        title=node.short_title or node.title,
        level=node.level,
        priority_code=priority_code,
        amounts=amounts,
    )


def _descendants(nodes: dict[int, _Node], objective_id: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for node in nodes.values():
        if node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(node.id)
    found = {objective_id}
    stack = [objective_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


# --- behind a figure -------------------------------------------------------------------------


def dossiers_behind(
    session: Session,
    year: int,
    budget_line_id: int | None = None,
    funder_id: int | None = None,
    objective_id: int | None = None,
    nature: FundingNature | None = None,
) -> list[int]:
    """Ids of the dossiers whose funding rows of *year* make up a figure, by reference.

    Each criterion given narrows the figure: a line, a funder, a nature, or an
    objective with everything beneath it (a priority takes its whole subtree).
    Funding rows without a dossier (droit commun of partners) count in the
    figures but have no dossier to open.
    """
    query = (
        select(Dossier.id)
        .join(Funding, Funding.dossier_id == Dossier.id)
        .where(Funding.year == year)
        .distinct()
    )
    if budget_line_id is not None:
        query = query.where(Funding.budget_line_id == budget_line_id)
    if funder_id is not None or nature is not None:
        query = query.join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
        if funder_id is not None:
            query = query.where(BudgetLine.funder_id == funder_id)
        if nature is not None:
            query = query.where(BudgetLine.nature == nature)
    if objective_id is not None:
        wanted = sorted(_descendants(_objective_nodes(session), objective_id))
        query = query.join(Action, Action.id == Funding.action_id).where(
            func.coalesce(Dossier.objective_id, Action.objective_id).in_(wanted)
        )
    ids = session.execute(query.add_columns(Dossier.year, Dossier.sequence)).all()
    return [dossier_id for dossier_id, _, _ in sorted(ids, key=lambda row: (row[1], row[2]))]


__all__ = [
    "Amounts",
    "FinanceRow",
    "FinanceTable",
    "FinanceTotal",
    "ObjectiveFinanceRow",
    "dossiers_behind",
    "finance_by_objective",
    "finance_rows",
    "finance_table",
]
