"""The Tableau de bord: a year at a glance, and what is due now.

The figures (dossiers per state, amounts per funder and per priority, envelopes)
are those of one year — the same rules as the Financements page, from which they
come. What is due looks at every year: a bilan is owed the year after the grant,
and a dossier left incomplete last December is still waiting. Due items:

- a dossier incomplete for more than 15 days, counted from the last time it
  became incomplete (its history), or from its reception date without history;
- an agreement to sign: a dossier approved (« Accordé »);
- a payment to make: a dossier whose agreement is signed, or already partly
  paid, with more granted than paid (payments with a payment date);
- a bilan overdue: a dossier paid (« Versé ») whose compte rendu financier has
  not come although the deadline passed — six months after the end of the
  budget year of the grant, i.e. 30 June of the next year (for a multi-year
  agreement, of its last year: the workflow records one bilan per dossier);
- a follow-up (suite à donner) still open after its due date.

`today` is a parameter everywhere, so that tests (and a "what will be late on…"
view) can choose it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Integer, Select, String, func, select, type_coerce
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import DossierState, FollowUpState, ObjectiveLevel
from qpvdesk.core.domain.models import (
    Action,
    Decision,
    Dossier,
    DossierEvent,
    FollowUp,
    Funding,
    Organisation,
    Payment,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.finance import (
    FinanceRow,
    FinanceTotal,
    ObjectiveFinanceRow,
    finance_by_objective,
    finance_table,
)

INCOMPLETE_AFTER_DAYS = 15
#: How many items of each kind the dashboard lists; the others are counted and reached
#: through the Dossiers page.
DUE_SHOWN = 30
PAYABLE_STATES = (DossierState.AGREEMENT_SIGNED, DossierState.PAID)


class DueKind(StrEnum):
    """The kinds of things due, in the order the dashboard lists them."""

    INCOMPLETE = "incomplete"
    AGREEMENT_TO_SIGN = "agreement_to_sign"
    PAYMENT_TO_MAKE = "payment_to_make"
    REPORT_OVERDUE = "report_overdue"
    FOLLOW_UP_OVERDUE = "follow_up_overdue"

    @property
    def label(self) -> str:
        return DUE_LABELS[self]


DUE_LABELS = {
    DueKind.INCOMPLETE: f"Dossiers incomplets depuis plus de {INCOMPLETE_AFTER_DAYS} jours",
    DueKind.AGREEMENT_TO_SIGN: "Conventions à signer",
    DueKind.PAYMENT_TO_MAKE: "Versements à effectuer",
    DueKind.REPORT_OVERDUE: "Bilans en retard",
    DueKind.FOLLOW_UP_OVERDUE: "Suites à donner en retard",
}


@dataclass(frozen=True, slots=True)
class DueItem:
    """One thing to do, with the dossier it opens (a follow-up opens its decision's dossier).

    `date` is when it became due: the day the dossier became incomplete, was approved
    or its agreement signed (or the first scheduled payment's due date), the bilan's
    deadline, the follow-up's due date.
    """

    kind: DueKind
    dossier_id: int | None
    follow_up_id: int | None
    reference: str | None
    label: str
    date: date
    amount: Money | None = None

    @property
    def kind_label(self) -> str:
        return self.kind.label


@dataclass(frozen=True, slots=True)
class StateCount:
    """How many dossiers of the year are in a state."""

    state: DossierState
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The dashboard of a year: figures from Financements, and what is due on `today`."""

    year: int
    today: date
    states: tuple[StateCount, ...]
    dossier_count: int
    funders: tuple[FinanceTotal, ...]
    priorities: tuple[ObjectiveFinanceRow, ...]
    envelopes: tuple[FinanceRow, ...]
    total: FinanceTotal
    groups: tuple[DueGroup, ...]

    @property
    def due(self) -> tuple[DueItem, ...]:
        """The items listed (the first `DUE_SHOWN` of each kind), by kind then date."""
        return tuple(item for group in self.groups for item in group.items)

    @property
    def due_count(self) -> int:
        """How many items are due in all, listed or not."""
        return sum(group.count for group in self.groups)

    def due_of(self, kind: DueKind) -> tuple[DueItem, ...]:
        return tuple(item for item in self.due if item.kind is kind)


def dossiers_per_state(session: Session, year: int) -> tuple[StateCount, ...]:
    """The year's dossiers counted per state, in the workflow's order (absent states left out)."""
    counts = dict(
        session.execute(
            select(Dossier.state, func.count()).where(Dossier.year == year).group_by(Dossier.state)
        ).all()
    )
    return tuple(
        StateCount(state, state.label, int(counts[state]))
        for state in DossierState
        if state in counts
    )


def dashboard(
    session: Session, year: int, today: date | None = None, shown: int = DUE_SHOWN
) -> Dashboard:
    """Everything the dashboard shows for *year*, what is due being judged on *today*
    (the first *shown* items of each kind listed, all counted)."""
    day = today or date.today()
    table = finance_table(session, year)
    states = dossiers_per_state(session, year)
    return Dashboard(
        year=year,
        today=day,
        states=states,
        dossier_count=sum(state.count for state in states),
        funders=table.by_funder,
        priorities=tuple(
            row
            for row in finance_by_objective(session, year)
            if row.level is ObjectiveLevel.PRIORITY or row.objective_id is None
        ),
        envelopes=tuple(row for row in table.rows if row.envelope is not None),
        total=table.total,
        groups=due_groups(session, day, shown),
    )


# --- what is due -----------------------------------------------------------------------------
#
# Each kind is one SQL statement over the dossiers in its states: the condition, the day it
# became due and the amounts are computed by SQLite (aggregates in correlated subqueries on
# indexed columns), which also counts the items and orders them; Python only builds the
# labels of the items shown. A condition on a computed column reads it from a materialised
# common table expression: SQLite would otherwise evaluate its subqueries once per mention.
# Timestamps are stored in UTC: ``date(…, 'localtime')`` gives the
# local calendar day, as the rest of the application shows it.



@dataclass(frozen=True, slots=True)
class DueGroup:
    """The items of one kind due: how many in all, and the first ones by date."""

    kind: DueKind
    count: int
    items: tuple[DueItem, ...]

    @property
    def more(self) -> int:
        """How many items are counted but not listed."""
        return self.count - len(self.items)


def _dossier_label(reference: str, holder: str, title: str) -> str:
    return f"{reference} — {holder} — {title}"


def _as_date(value: Any) -> date:
    """A calendar day read from SQL text (``YYYY-MM-DD``) or already a date."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value  # type: ignore[no-any-return]


def _text(expression: Any) -> Any:
    return type_coerce(expression, String)


def _last_entered(state: DossierState) -> Any:
    """The local day a dossier last entered *state* (its history), NULL without one."""
    last = (
        select(func.max(DossierEvent.at))
        .where(DossierEvent.dossier_id == Dossier.id, DossierEvent.to_state == state)
        .scalar_subquery()
    )
    return func.date(_text(last), "localtime")


def _start_of_year() -> Any:
    return func.printf("%04d-01-01", Dossier.year)


def _report_year() -> Any:
    return func.coalesce(Dossier.last_year, Dossier.year)


def _incomplete(today: date) -> Select[Any]:
    since = _text(func.coalesce(_last_entered(DossierState.INCOMPLETE), Dossier.received_on))
    inner = (
        select(Dossier.id.label("dossier_id"), since.label("day"))
        .where(Dossier.state == DossierState.INCOMPLETE)
        .cte("incomplete")
        .prefix_with("MATERIALIZED")
    )
    limit = (today - timedelta(days=INCOMPLETE_AFTER_DAYS)).isoformat()
    return select(inner.c.dossier_id, inner.c.day).where(
        inner.c.day.is_not(None), inner.c.day < limit
    )


def _agreements() -> Select[Any]:
    since = func.coalesce(
        _last_entered(DossierState.APPROVED), _text(Dossier.received_on), _start_of_year()
    )
    return select(Dossier.id.label("dossier_id"), _text(since).label("day")).where(
        Dossier.state == DossierState.APPROVED
    )


def _payments() -> Select[Any]:
    of_dossier = Funding.dossier_id == Dossier.id
    granted = (
        select(func.coalesce(func.sum(Funding.granted), 0)).where(of_dossier).scalar_subquery()
    )
    paid = (
        select(func.coalesce(func.sum(Payment.amount), 0))
        .join(Funding, Funding.id == Payment.funding_id)
        .where(of_dossier, Payment.paid_on.is_not(None))
        .scalar_subquery()
    )
    # The first payment scheduled and not yet made dates the item, when there is one.
    scheduled = (
        select(func.min(_text(Payment.due_on)))
        .join(Funding, Funding.id == Payment.funding_id)
        .where(of_dossier, Payment.paid_on.is_(None), Payment.due_on.is_not(None))
        .scalar_subquery()
    )
    since = func.coalesce(
        scheduled,
        _last_entered(DossierState.AGREEMENT_SIGNED),
        _text(Dossier.received_on),
        _start_of_year(),
    )
    inner = (
        select(
            Dossier.id.label("dossier_id"),
            _text(since).label("day"),
            type_coerce(granted - paid, Integer).label("due"),
            Dossier.state.label("state"),
        )
        .where(Dossier.state.in_(PAYABLE_STATES))
        .cte("payable")
        .prefix_with("MATERIALIZED")
    )
    return select(inner.c.dossier_id, inner.c.day, inner.c.due, inner.c.state).where(
        inner.c.due > 0
    )


def report_deadline(year: int) -> date:
    """When the compte rendu financier of a grant of budget year *year* is due: 30 June next."""
    return date(year + 1, 6, 30)


def _reports(today: date) -> Select[Any]:
    # The deadline of year Y (30 June of Y + 1) has passed on *today* for every Y up to:
    last_overdue = today.year - 1 if today > date(today.year, 6, 30) else today.year - 2
    return select(
        Dossier.id.label("dossier_id"),
        func.printf("%04d-06-30", _report_year() + 1).label("day"),
    ).where(Dossier.state == DossierState.PAID, _report_year() <= last_overdue)


def _follow_ups(today: date) -> Select[Any]:
    return (
        select(
            Decision.dossier_id.label("dossier_id"),
            _text(FollowUp.due_on).label("day"),
            FollowUp.id.label("follow_up_id"),
            FollowUp.what,
            FollowUp.who,
        )
        .select_from(FollowUp)
        .outerjoin(Decision, Decision.id == FollowUp.decision_id)
        .where(
            FollowUp.state == FollowUpState.OPEN,
            FollowUp.due_on.is_not(None),
            FollowUp.due_on < today,
        )
    )


def _statement(kind: DueKind, today: date) -> Select[Any]:
    """The items of *kind* due on *today*: one row each, with ``dossier_id`` and ``day``."""
    if kind is DueKind.INCOMPLETE:
        return _incomplete(today)
    if kind is DueKind.AGREEMENT_TO_SIGN:
        return _agreements()
    if kind is DueKind.PAYMENT_TO_MAKE:
        return _payments()
    if kind is DueKind.REPORT_OVERDUE:
        return _reports(today)
    return _follow_ups(today)


def _item(kind: DueKind, row: Any, today: date) -> DueItem:
    """The item of one row of `_group`'s statement, with its French label."""
    day = _as_date(row.day)
    reference = row.reference
    if kind is DueKind.FOLLOW_UP_OVERDUE:
        parts = [row.what]
        if row.who:
            parts.append(f"({row.who})")
        if reference:
            parts.append(f"— dossier {reference}")
        return DueItem(kind, row.dossier_id, row.follow_up_id, reference,
                       f"{' '.join(parts)} : prévu pour le {day:%d/%m/%Y}", day)
    name = _dossier_label(reference, row.holder, row.title)
    amount = None
    if kind is DueKind.INCOMPLETE:
        what = f"incomplet depuis {(today - day).days} jours (le {day:%d/%m/%Y})"
    elif kind is DueKind.AGREEMENT_TO_SIGN:
        what = f"convention à signer (accordé le {day:%d/%m/%Y})"
    elif kind is DueKind.PAYMENT_TO_MAKE:
        amount = Money(int(row.due))
        balance = DossierState(row.state) is DossierState.PAID
        what = ("solde à verser" if balance else "versement à effectuer") + \
            f", {amount.format()} restant à verser"
    else:
        what = f"bilan attendu le {day:%d/%m/%Y}"
    return DueItem(kind, row.dossier_id, None, reference, f"{name} : {what}", day, amount)


def _group(session: Session, kind: DueKind, today: date, limit: int | None) -> DueGroup:
    """How many items of *kind* are due, and the first *limit* of them (all without)."""
    due = _statement(kind, today).subquery()
    columns = [*due.c, func.count().over().label("total"), Dossier.reference]
    statement = select(*columns).select_from(due)
    if kind is DueKind.FOLLOW_UP_OVERDUE:
        statement = statement.outerjoin(Dossier, Dossier.id == due.c.dossier_id)
        order: tuple[Any, ...] = (
            due.c.day, func.coalesce(Dossier.reference, ""), due.c.follow_up_id
        )
    else:
        statement = (
            statement.add_columns(Organisation.name.label("holder"), Action.title.label("title"))
            .join(Dossier, Dossier.id == due.c.dossier_id)
            .join(Organisation, Organisation.id == Dossier.holder_id)
            .join(Action, Action.id == Dossier.action_id)
        )
        order = (due.c.day, Dossier.reference)
    rows = session.execute(statement.order_by(*order).limit(limit)).all()
    count = int(rows[0].total) if rows else 0
    return DueGroup(kind, count, tuple(_item(kind, row, today) for row in rows))


def due_groups(
    session: Session, today: date | None = None, limit: int | None = DUE_SHOWN
) -> tuple[DueGroup, ...]:
    """What is due on *today*, every year: one group per kind that has items, in the order
    of `DueKind`, each counted in full and listing its first *limit* items by date."""
    if limit is not None and limit < 1:
        raise ValueError("at least one item of each kind is listed")
    day = today or date.today()
    groups = (_group(session, kind, day, limit) for kind in DueKind)
    return tuple(group for group in groups if group.count)


def due_items(session: Session, today: date | None = None) -> list[DueItem]:
    """Everything due on *today* (default: the real today), every year, by kind then date."""
    return [item for group in due_groups(session, today, None) for item in group.items]


def due_dossier_ids(session: Session, kind: DueKind, today: date | None = None) -> list[int]:
    """The dossiers of every item of *kind* due on *today*, by date (each once)."""
    due = _statement(kind, today or date.today()).subquery()
    rows = session.scalars(
        select(due.c.dossier_id)
        .join(Dossier, Dossier.id == due.c.dossier_id)
        .order_by(due.c.day, Dossier.reference)
    )
    return list(dict.fromkeys(rows))


__all__ = [
    "DUE_LABELS",
    "DUE_SHOWN",
    "INCOMPLETE_AFTER_DAYS",
    "Dashboard",
    "DueGroup",
    "DueItem",
    "DueKind",
    "StateCount",
    "dashboard",
    "dossiers_per_state",
    "due_dossier_ids",
    "due_groups",
    "due_items",
    "report_deadline",
]
