"""The dashboard: each due item appears exactly when its condition holds, on the day chosen."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import DossierState, FollowUpState, PaymentKind
from qpvdesk.core.domain.models import (
    Action,
    BudgetLine,
    Committee,
    Contract,
    Decision,
    Dossier,
    DossierEvent,
    FollowUp,
    Funding,
    Meeting,
    Organisation,
    Payment,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services import dashboard as board
from qpvdesk.core.services import finance
from qpvdesk.core.services.demo import add_demo_programmation
from qpvdesk.core.storage.database import Database, open_database

S = DossierState
K = board.DueKind


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


def build(session: Session) -> dict[str, int]:
    """Dossiers in every situation the dashboard watches; returns their ids (and follow-ups)."""
    contract_id = session.scalars(select(Contract.id)).one()
    line = session.scalars(select(BudgetLine).where(BudgetLine.code == "BOP147")).one()
    holder = Organisation(name="Association Témoin (fictif)", search_name="association temoin")
    session.add(holder)
    session.flush()
    ids: dict[str, int] = {}
    sequences = {2024: 0, 2025: 0, 2026: 0}

    def dossier(
        key: str,
        year: int,
        state: DossierState,
        received_on: date | None = None,
        events: tuple[tuple[date, DossierState], ...] = (),
        granted: int | None = None,
        paid: int = 0,
        scheduled: date | None = None,
        last_year: int | None = None,
    ) -> None:
        action = Action(contract_id=contract_id, title=f"Action {key}", holder_id=holder.id)
        session.add(action)
        session.flush()
        sequences[year] += 1
        item = Dossier(
            reference=f"{year}-{sequences[year]:03d}",
            year=year,
            sequence=sequences[year],
            action_id=action.id,
            holder_id=holder.id,
            state=state,
            received_on=received_on,
            last_year=last_year,
        )
        session.add(item)
        session.flush()
        previous = None
        for day, target in events:
            session.add(
                DossierEvent(
                    dossier_id=item.id,
                    at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                    from_state=previous,
                    to_state=target,
                )
            )
            previous = target
        if granted is not None:
            funding = Funding(
                action_id=action.id,
                dossier_id=item.id,
                budget_line_id=line.id,
                year=year,
                requested=Money.from_euros(granted),
                proposed=Money.from_euros(granted),
                granted=Money.from_euros(granted),
            )
            session.add(funding)
            session.flush()
            if paid:
                session.add(
                    Payment(
                        funding_id=funding.id,
                        kind=PaymentKind.ADVANCE,
                        amount=Money.from_euros(paid),
                        paid_on=date(year, 5, 1),
                    )
                )
            if scheduled:
                session.add(
                    Payment(
                        funding_id=funding.id,
                        kind=PaymentKind.BALANCE,
                        amount=Money.from_euros(granted - paid),
                        due_on=scheduled,
                    )
                )
        ids[key] = item.id

    # Incomplete: twice, the last time on 1 March; by reception date only; no date at all.
    dossier(
        "I1",
        2026,
        S.INCOMPLETE,
        date(2026, 1, 20),
        (
            (date(2026, 1, 20), S.RECEIVED),
            (date(2026, 2, 1), S.INCOMPLETE),
            (date(2026, 2, 10), S.COMPLETE),
            (date(2026, 3, 1), S.INCOMPLETE),
        ),
    )
    dossier("I2", 2026, S.INCOMPLETE, date(2026, 3, 5))
    dossier("I3", 2026, S.INCOMPLETE)
    dossier("R1", 2026, S.RECEIVED, date(2025, 12, 1))
    dossier("AP", 2026, S.APPROVED, date(2026, 1, 10), ((date(2026, 4, 10), S.APPROVED),))
    dossier(
        "AS1", 2026, S.AGREEMENT_SIGNED, date(2026, 1, 10),
        ((date(2026, 5, 1), S.AGREEMENT_SIGNED),), granted=1000,
    )  # fmt: skip
    dossier(
        "AS2", 2026, S.AGREEMENT_SIGNED, date(2026, 1, 10),
        ((date(2026, 5, 1), S.AGREEMENT_SIGNED),), granted=1000, scheduled=date(2026, 7, 1),
    )  # fmt: skip
    dossier("PD1", 2025, S.PAID, date(2025, 1, 10), granted=1000, paid=1000)
    dossier("PD2", 2025, S.PAID, date(2025, 1, 10), granted=1000, paid=600)
    dossier("RR", 2024, S.REPORT_RECEIVED, date(2024, 1, 10), granted=500, paid=500)
    dossier("CL", 2024, S.CLOSED, date(2024, 1, 10), granted=500, paid=500)
    dossier("CPO", 2025, S.PAID, date(2025, 1, 10), granted=3000, paid=3000, last_year=2026)

    committee = session.scalars(select(Committee)).first()
    assert committee is not None
    meeting = Meeting(committee_id=committee.id, starts_at=datetime(2026, 2, 20, 9, tzinfo=UTC))
    session.add(meeting)
    session.flush()
    decision = Decision(meeting_id=meeting.id, dossier_id=ids["AP"])
    session.add(decision)
    session.flush()
    follow_ups = {
        "F1": FollowUp(contract_id=contract_id, decision_id=decision.id, what="Relancer",
                       who="Cheffe de projet", due_on=date(2026, 3, 10)),
        "F2": FollowUp(contract_id=contract_id, what="Fait", due_on=date(2026, 1, 1),
                       state=FollowUpState.DONE, done_on=date(2026, 1, 2)),
        "F3": FollowUp(contract_id=contract_id, what="Sans date"),
        "F4": FollowUp(contract_id=contract_id, what="Inviter la CAF", due_on=date(2026, 3, 10)),
    }  # fmt: skip
    session.add_all(follow_ups.values())
    session.flush()
    ids.update({key: item.id for key, item in follow_ups.items()})
    return ids


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    with db.unit_of_work() as session:
        return build(session)


def due(db: Database, today: date, kind: board.DueKind) -> list[board.DueItem]:
    with db.read() as session:
        return [item for item in board.due_items(session, today) if item.kind is kind]


def keys(items: list[board.DueItem], ids: dict[str, int], follow_up: bool = False) -> set[str]:
    by_id = {value: key for key, value in ids.items() if key.startswith("F") == follow_up}
    return {by_id[item.follow_up_id if follow_up else item.dossier_id] for item in items}  # type: ignore[index]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 3, 16), set()),  # 15 days after 1 March: not yet
        (date(2026, 3, 17), {"I1"}),
        (date(2026, 3, 20), {"I1"}),  # 15 days after reception (5 March)
        (date(2026, 3, 21), {"I1", "I2"}),
    ],
)
def test_incomplete_for_more_than_15_days(
    db: Database, ids: dict[str, int], today: date, expected: set[str]
) -> None:
    items = due(db, today, K.INCOMPLETE)
    assert keys(items, ids) == expected
    by_key = {key: next(i for i in items if i.dossier_id == ids[key]) for key in expected}
    if "I1" in by_key:
        # From the last time it became incomplete, not the first.
        assert by_key["I1"].date == date(2026, 3, 1)
        assert "incomplet depuis" in by_key["I1"].label and "01/03/2026" in by_key["I1"].label
    if "I2" in by_key:
        assert by_key["I2"].date == date(2026, 3, 5)  # no history: from its reception


def test_agreements_to_sign_are_the_approved_dossiers(db: Database, ids: dict[str, int]) -> None:
    for today in (date(2026, 1, 1), date(2027, 1, 1)):
        items = due(db, today, K.AGREEMENT_TO_SIGN)
        assert keys(items, ids) == {"AP"}
        assert items[0].date == date(2026, 4, 10)
        assert items[0].label.startswith("2026-005 — Association Témoin (fictif) — Action AP")


def test_payments_to_make_are_what_is_granted_and_not_paid(
    db: Database, ids: dict[str, int]
) -> None:
    items = due(db, date(2026, 6, 1), K.PAYMENT_TO_MAKE)
    by_key = {key: next(i for i in items if i.dossier_id == ids[key]) for key in keys(items, ids)}
    assert set(by_key) == {"AS1", "AS2", "PD2"}
    assert by_key["AS1"].amount == Money.from_euros(1000)
    assert by_key["AS1"].date == date(2026, 5, 1)  # the agreement's signature
    # A payment only scheduled is not paid; its due date dates the item.
    assert by_key["AS2"].amount == Money.from_euros(1000)
    assert by_key["AS2"].date == date(2026, 7, 1)
    assert by_key["PD2"].amount == Money.from_euros(400)
    assert "solde à verser" in by_key["PD2"].label and "400" in by_key["PD2"].label


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 6, 30), set()),  # the deadline itself: not late yet
        (date(2026, 7, 1), {"PD1", "PD2"}),
        (date(2027, 6, 30), {"PD1", "PD2"}),
        (date(2027, 7, 1), {"PD1", "PD2", "CPO"}),  # a CPO owes its bilan after its last year
    ],
)
def test_bilans_overdue_six_months_after_the_budget_year(
    db: Database, ids: dict[str, int], today: date, expected: set[str]
) -> None:
    items = due(db, today, K.REPORT_OVERDUE)
    assert keys(items, ids) == expected
    for item in items:
        assert item.date in (date(2026, 6, 30), date(2027, 6, 30))
        assert f"bilan attendu le {item.date:%d/%m/%Y}" in item.label
    assert board.report_deadline(2025) == date(2026, 6, 30)


@pytest.mark.parametrize(
    ("today", "expected"),
    [(date(2026, 3, 10), set()), (date(2026, 3, 11), {"F1", "F4"})],
)
def test_follow_ups_past_their_date(
    db: Database, ids: dict[str, int], today: date, expected: set[str]
) -> None:
    items = due(db, today, K.FOLLOW_UP_OVERDUE)
    assert keys(items, ids, follow_up=True) == expected
    for item in items:
        if item.follow_up_id == ids["F1"]:
            # A follow-up decided about a dossier opens that dossier.
            assert item.dossier_id == ids["AP"] and item.reference == "2026-005"
            assert item.label.startswith("Relancer (Cheffe de projet) — dossier 2026-005")
        else:
            assert item.dossier_id is None and item.reference is None


def test_due_items_come_by_kind_then_date(db: Database, ids: dict[str, int]) -> None:
    with db.read() as session:
        items = board.due_items(session, date(2027, 7, 1))
    order = list(board.DueKind)
    assert items == sorted(items, key=lambda i: (order.index(i.kind), i.date, i.reference or ""))
    assert {item.kind for item in items} == set(board.DueKind)
    assert items[0].kind_label == "Dossiers incomplets depuis plus de 15 jours"


def test_the_year_at_a_glance_equals_independent_figures(builtin_db: Path) -> None:
    database = open_database(builtin_db, backup_on_open=False)
    try:
        with database.unit_of_work() as session:
            add_demo_programmation(session)
        with database.read() as session:
            view = board.dashboard(session, 2026, date(2026, 9, 1))
            table = finance.finance_table(session, 2026)
            due_items = board.due_items(session, date(2026, 9, 1))
    finally:
        database.close()
    with sqlite3.connect(builtin_db) as c:
        states = dict(
            c.execute("SELECT state, count(*) FROM dossier WHERE year = 2026 GROUP BY state")
        )
        granted = c.execute("SELECT sum(granted) FROM funding WHERE year = 2026").fetchone()[0]
    assert {s.state.value: s.count for s in view.states} == states
    assert view.dossier_count == sum(states.values())
    assert [s.state for s in view.states] == [s for s in DossierState if s.value in states]
    assert view.funders == table.by_funder
    assert view.envelopes == tuple(row for row in table.rows if row.envelope is not None)
    assert view.envelopes and all(row.remaining is not None for row in view.envelopes)
    assert sum(p.granted.cents for p in view.priorities) == (granted or 0)
    assert view.total == table.total
    assert list(view.due) == due_items
    assert view.due_of(K.AGREEMENT_TO_SIGN) == tuple(
        item for item in due_items if item.kind is K.AGREEMENT_TO_SIGN
    )
    assert view.due_of(K.AGREEMENT_TO_SIGN), "the demo has approved dossiers in 2026"


def test_each_kind_is_counted_in_full_and_lists_its_first_items(builtin_db: Path) -> None:
    database = open_database(builtin_db, backup_on_open=False)
    try:
        with database.unit_of_work() as session:
            add_demo_programmation(session)
        with database.read() as session:
            day = date(2027, 7, 1)
            every = board.due_items(session, day)
            groups = board.due_groups(session, day, limit=2)
            ids = {kind: board.due_dossier_ids(session, kind, day) for kind in board.DueKind}
            view = board.dashboard(session, 2026, day, shown=2)
    finally:
        database.close()
    assert [group.kind for group in groups] == [
        kind for kind in board.DueKind if any(item.kind is kind for item in every)]
    for group in groups:
        of_kind = [item for item in every if item.kind is group.kind]
        assert group.count == len(of_kind)
        assert list(group.items) == of_kind[:2]  # the earliest ones
        assert group.more == max(len(of_kind) - 2, 0)
        assert ids[group.kind] == list(dict.fromkeys(
            item.dossier_id for item in of_kind if item.dossier_id is not None))
    assert any(group.more for group in groups), "the demo has more than 2 items of a kind"
    assert view.groups == groups
    assert view.due_count == len(every)
    assert view.due == tuple(item for group in groups for item in group.items)
