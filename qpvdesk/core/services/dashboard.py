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
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Integer, Select, func, select, type_coerce
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
from qpvdesk.core.services.dossier_list import collector_paused
from qpvdesk.core.services.finance import (
    FinanceRow,
    FinanceTotal,
    ObjectiveFinanceRow,
    finance_by_objective,
    finance_table,
)

INCOMPLETE_AFTER_DAYS = 15
PAYABLE_STATES = (DossierState.AGREEMENT_SIGNED, DossierState.PAID)
# The states of the dossiers something may be due on (`due_items`).
_DUE_STATES = (DossierState.INCOMPLETE, DossierState.APPROVED, *PAYABLE_STATES)


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
_KIND_ORDER = {kind: position for position, kind in enumerate(DueKind)}


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
    due: tuple[DueItem, ...]

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


def dashboard(session: Session, year: int, today: date | None = None) -> Dashboard:
    """Everything the dashboard shows for *year*, what is due being judged on *today*."""
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
        due=tuple(due_items(session, day)),
    )


# --- what is due -----------------------------------------------------------------------------


def _dossier_label(reference: str, holder: str, title: str) -> str:
    return f"{reference} — {holder} — {title}"


def _in_states(*states: DossierState) -> Select[int]:
    return select(Dossier.id).where(Dossier.state.in_(states))


def _since(session: Session, event: DossierState, *states: DossierState) -> dict[int, date]:
    """For dossiers now in *states*, the date they last entered *event* (their history)."""
    rows = session.execute(
        select(DossierEvent.dossier_id, func.max(DossierEvent.at))
        .where(DossierEvent.to_state == event, DossierEvent.dossier_id.in_(_in_states(*states)))
        .group_by(DossierEvent.dossier_id)
    )
    return {dossier_id: _as_date(at) for dossier_id, at in rows if at is not None}


def _as_date(value: Any) -> date:
    """The local calendar day of a stored timestamp (aware UTC datetime, or SQLite text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone().date() if value.tzinfo else value.date()
    return value  # type: ignore[no-any-return]


def _dossiers_in(session: Session, *states: DossierState) -> list[tuple[Any, ...]]:
    return list(
        session.execute(
            select(
                Dossier.id,
                Dossier.reference,
                Dossier.year,
                Dossier.last_year,
                Dossier.state,
                Dossier.received_on,
                Organisation.name,
                Action.title,
            )
            .join(Organisation, Organisation.id == Dossier.holder_id)
            .join(Action, Action.id == Dossier.action_id)
            .where(Dossier.state.in_(states))
            .order_by(Dossier.year, Dossier.sequence)
        ).all()
    )


def _incomplete(session: Session, dossiers: list[tuple[Any, ...]], today: date) -> list[DueItem]:
    since = _since(session, DossierState.INCOMPLETE, DossierState.INCOMPLETE)
    items = []
    for dossier_id, reference, _year, _last, _state, received_on, holder, title in dossiers:
        start = since.get(dossier_id, received_on)
        if start is None or (today - start).days <= INCOMPLETE_AFTER_DAYS:
            continue
        days = (today - start).days
        items.append(
            DueItem(
                kind=DueKind.INCOMPLETE,
                dossier_id=dossier_id,
                follow_up_id=None,
                reference=reference,
                label=f"{_dossier_label(reference, holder, title)} : incomplet depuis "
                f"{days} jours (le {start:%d/%m/%Y})",
                date=start,
            )
        )
    return items


def _agreements(session: Session, dossiers: list[tuple[Any, ...]]) -> list[DueItem]:
    since = _since(session, DossierState.APPROVED, DossierState.APPROVED)
    items = []
    for dossier_id, reference, year, _last, _state, received_on, holder, title in dossiers:
        start = since.get(dossier_id) or received_on or date(year, 1, 1)
        items.append(
            DueItem(
                kind=DueKind.AGREEMENT_TO_SIGN,
                dossier_id=dossier_id,
                follow_up_id=None,
                reference=reference,
                label=f"{_dossier_label(reference, holder, title)} : convention à signer "
                f"(accordé le {start:%d/%m/%Y})",
                date=start,
            )
        )
    return items


def _payments(session: Session, dossiers: list[tuple[Any, ...]]) -> list[DueItem]:
    if not dossiers:
        return []
    ids = _in_states(*PAYABLE_STATES)
    granted = dict(
        session.execute(
            select(Funding.dossier_id, type_coerce(func.sum(Funding.granted), Integer))
            .where(Funding.dossier_id.in_(ids))
            .group_by(Funding.dossier_id)
        ).all()
    )
    paid = dict(
        session.execute(
            select(Funding.dossier_id, type_coerce(func.sum(Payment.amount), Integer))
            .join(Payment, Payment.funding_id == Funding.id)
            .where(Funding.dossier_id.in_(ids), Payment.paid_on.is_not(None))
            .group_by(Funding.dossier_id)
        ).all()
    )
    # The first payment scheduled and not yet made dates the item, when there is one.
    scheduled = dict(
        session.execute(
            select(Funding.dossier_id, func.min(Payment.due_on))
            .join(Payment, Payment.funding_id == Funding.id)
            .where(
                Funding.dossier_id.in_(ids),
                Payment.paid_on.is_(None),
                Payment.due_on.is_not(None),
            )
            .group_by(Funding.dossier_id)
        ).all()
    )
    signed = _since(session, DossierState.AGREEMENT_SIGNED, *PAYABLE_STATES)
    items = []
    for dossier_id, reference, year, _last, state, received_on, holder, title in dossiers:
        due = (granted.get(dossier_id) or 0) - (paid.get(dossier_id) or 0)
        if due <= 0:
            continue
        amount = Money(due)
        when = _as_date(scheduled[dossier_id]) if dossier_id in scheduled else None
        when = when or signed.get(dossier_id) or received_on or date(year, 1, 1)
        what = "solde à verser" if state is DossierState.PAID else "versement à effectuer"
        items.append(
            DueItem(
                kind=DueKind.PAYMENT_TO_MAKE,
                dossier_id=dossier_id,
                follow_up_id=None,
                reference=reference,
                label=f"{_dossier_label(reference, holder, title)} : {what}, "
                f"{amount.format()} restant à verser",
                date=when,
                amount=amount,
            )
        )
    return items


def report_deadline(year: int) -> date:
    """When the compte rendu financier of a grant of budget year *year* is due: 30 June next."""
    return date(year + 1, 6, 30)


def _reports(dossiers: list[tuple[Any, ...]], today: date) -> list[DueItem]:
    items = []
    for dossier_id, reference, year, last_year, _state, _received, holder, title in dossiers:
        deadline = report_deadline(last_year or year)
        if today <= deadline:
            continue
        items.append(
            DueItem(
                kind=DueKind.REPORT_OVERDUE,
                dossier_id=dossier_id,
                follow_up_id=None,
                reference=reference,
                label=f"{_dossier_label(reference, holder, title)} : bilan attendu "
                f"le {deadline:%d/%m/%Y}",
                date=deadline,
            )
        )
    return items


def _follow_ups(session: Session, today: date) -> list[DueItem]:
    rows = session.execute(
        select(
            FollowUp.id,
            FollowUp.what,
            FollowUp.who,
            FollowUp.due_on,
            Decision.dossier_id,
            Dossier.reference,
        )
        .outerjoin(Decision, Decision.id == FollowUp.decision_id)
        .outerjoin(Dossier, Dossier.id == Decision.dossier_id)
        .where(
            FollowUp.state == FollowUpState.OPEN,
            FollowUp.due_on.is_not(None),
            FollowUp.due_on < today,
        )
        .order_by(FollowUp.due_on, FollowUp.id)
    )
    items = []
    for follow_up_id, what, who, due_on, dossier_id, reference in rows:
        if due_on is None:  # pragma: no cover - excluded by the query
            continue
        parts = [what]
        if who:
            parts.append(f"({who})")
        if reference:
            parts.append(f"— dossier {reference}")
        items.append(
            DueItem(
                kind=DueKind.FOLLOW_UP_OVERDUE,
                dossier_id=dossier_id,
                follow_up_id=follow_up_id,
                reference=reference,
                label=f"{' '.join(parts)} : prévu pour le {due_on:%d/%m/%Y}",
                date=due_on,
            )
        )
    return items


def due_items(session: Session, today: date | None = None) -> list[DueItem]:
    """Everything due on *today* (default: the real today), every year, by kind then date."""
    day = today or date.today()
    with collector_paused():
        return _due_items(session, day)


def _due_items(session: Session, day: date) -> list[DueItem]:
    # One reading of the dossiers concerned, shared out by state (each kind used to scan them).
    dossiers = _dossiers_in(session, *_DUE_STATES)
    by_state: dict[DossierState, list[tuple[Any, ...]]] = {state: [] for state in _DUE_STATES}
    for row in dossiers:
        by_state[row[4]].append(row)
    payable = [row for row in dossiers if row[4] in PAYABLE_STATES]
    items = [
        *_incomplete(session, by_state[DossierState.INCOMPLETE], day),
        *_agreements(session, by_state[DossierState.APPROVED]),
        *_payments(session, payable),
        *_reports(by_state[DossierState.PAID], day),
        *_follow_ups(session, day),
    ]
    items.sort(key=lambda item: (_KIND_ORDER[item.kind], item.date, item.reference or ""))
    return items


__all__ = [
    "DUE_LABELS",
    "INCOMPLETE_AFTER_DAYS",
    "Dashboard",
    "DueItem",
    "DueKind",
    "StateCount",
    "dashboard",
    "dossiers_per_state",
    "due_items",
    "report_deadline",
]
