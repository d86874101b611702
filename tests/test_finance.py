"""The Financements page: figures equal to sums computed independently, and the remaining rule."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import ActionKind, FundingNature, PaymentKind
from qpvdesk.core.domain.models import (
    Action,
    BudgetLine,
    Contract,
    Dossier,
    Envelope,
    Funding,
    Objective,
    Organisation,
    Payment,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services import finance
from qpvdesk.core.services.demo import add_demo_programmation
from qpvdesk.core.storage.database import Database, open_database


def euros(amount: int) -> Money:
    return Money.from_euros(amount)


@dataclass
class Scenario:
    """Ids of what `build` created."""

    lines: dict[str, int]
    funders: dict[str, int]
    objectives: dict[str, int]
    dossiers: dict[str, int]


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


def build(session: Session) -> Scenario:
    """Four lines in 2026, three dossiers, a droit commun action, an unclassified dossier.

    Line A (BOP 147, crédits spécifiques, envelope 10 000): D1 5 000 / 4 000 / 3 000
    (1 000 paid, 500 only scheduled), D2 2 000 / 1 500 / –, D3 1 000 / – / –.
    Line B (Région PRF, droit commun, no envelope): D1 3 000 / 3 000 / 3 000 (paid),
    D4 100 / – / –. Line C (Ville, droit commun, envelope 2 000): a partner's action
    without dossier, 2 500 granted. Line D (VVV, spécifiques, envelope 7 000): nothing.
    And a 2027 tranche of D1 on line A, which 2026 must ignore.
    """
    contract_id = session.scalars(select(Contract.id)).one()
    lines = {
        key: session.scalars(select(BudgetLine).where(BudgetLine.code == code)).one()
        for key, code in (("A", "BOP147"), ("B", "PRF"), ("D", "VVV"))
    }
    lines["C"] = session.scalars(
        select(BudgetLine).where(BudgetLine.name == "Droit commun communal")
    ).one()
    objectives = {
        code: session.scalars(select(Objective.id).where(Objective.code == code)).one()
        for code in ("P1", "P1.1.1", "P1.1.1.1", "P2", "P2.1.1")
    }
    holder = Organisation(name="Association Témoin (fictif)", search_name="association temoin")
    session.add(holder)
    session.flush()
    for key, line in lines.items():
        if key != "B":
            amount = {"A": 10_000, "C": 2_000, "D": 7_000}[key]
            session.add(Envelope(budget_line_id=line.id, year=2026, amount=euros(amount)))
    session.add(Envelope(budget_line_id=lines["A"].id, year=2027, amount=euros(99_999)))

    dossiers: dict[str, Dossier] = {}

    def dossier(key: str, sequence: int, objective: int | None) -> Dossier:
        action = Action(
            contract_id=contract_id, title=f"Action {key}", holder_id=holder.id, objective_id=None
        )
        session.add(action)
        session.flush()
        item = Dossier(
            reference=f"2026-{sequence:03d}",
            year=2026,
            sequence=sequence,
            action_id=action.id,
            holder_id=holder.id,
            objective_id=objective,
        )
        session.add(item)
        session.flush()
        dossiers[key] = item
        return item

    def fund(
        item: Dossier | Action,
        line: str,
        requested: int | None,
        proposed: int | None = None,
        granted: int | None = None,
        year: int = 2026,
    ) -> Funding:
        row = Funding(
            action_id=item.action_id if isinstance(item, Dossier) else item.id,
            dossier_id=item.id if isinstance(item, Dossier) else None,
            budget_line_id=lines[line].id,
            year=year,
            requested=None if requested is None else euros(requested),
            proposed=None if proposed is None else euros(proposed),
            granted=None if granted is None else euros(granted),
        )
        session.add(row)
        session.flush()
        return row

    d1 = dossier("D1", 1, objectives["P1.1.1"])
    d2 = dossier("D2", 2, objectives["P2.1.1"])
    d3 = dossier("D3", 3, objectives["P1.1.1.1"])  # an action-plan item: counts for P1.1.1
    d4 = dossier("D4", 4, None)
    a1 = fund(d1, "A", 5000, 4000, 3000)
    session.add(Payment(funding_id=a1.id, kind=PaymentKind.ADVANCE, amount=euros(1000),
                        paid_on=date(2026, 5, 2)))  # fmt: skip
    session.add(Payment(funding_id=a1.id, kind=PaymentKind.BALANCE, amount=euros(500),
                        due_on=date(2026, 12, 1)))  # fmt: skip
    fund(d2, "A", 2000, 1500)
    fund(d3, "A", 1000)
    b1 = fund(d1, "B", 3000, 3000, 3000)
    session.add(Payment(funding_id=b1.id, kind=PaymentKind.ADVANCE, amount=euros(3000),
                        paid_on=date(2026, 6, 1)))  # fmt: skip
    fund(d4, "B", 100)
    partner = Action(
        contract_id=contract_id,
        title="Médiation de la Ville",
        kind=ActionKind.COMMON_LAW,
        objective_id=objectives["P2.1.1"],
    )
    session.add(partner)
    session.flush()
    fund(partner, "C", None, None, 2500)
    fund(d1, "A", 9999, 9999, 9999, year=2027)
    session.flush()
    return Scenario(
        lines={key: line.id for key, line in lines.items()},
        funders={key: line.funder_id for key, line in lines.items()},
        objectives=objectives,
        dossiers={key: item.id for key, item in dossiers.items()},
    )


@pytest.fixture
def scenario(db: Database) -> Scenario:
    with db.unit_of_work() as session:
        return build(session)


def figures(amounts: finance.Amounts) -> tuple[int, ...]:
    return tuple(
        money.cents // 100
        for money in (
            amounts.requested,
            amounts.proposed,
            amounts.granted,
            amounts.committed,
            amounts.paid,
        )
    )


def test_each_line_follows_the_remaining_rule(db: Database, scenario: Scenario) -> None:
    with db.read() as session:
        table = finance.finance_table(session, 2026)
    rows = {row.budget_line_id: row for row in table.rows}
    a, b, c, d = (rows[scenario.lines[key]] for key in "ABCD")
    assert len(rows) == 4
    # Committed: granted where granted (3 000), proposed where not (1 500), nothing else.
    assert figures(a.amounts) == (8000, 5500, 3000, 4500, 1000)
    assert a.envelope == euros(10_000) and a.remaining == euros(5500) and not a.exceeded
    assert figures(b.amounts) == (3100, 3000, 3000, 3000, 3000)
    assert b.envelope is None and b.remaining is None
    assert figures(c.amounts) == (0, 0, 2500, 2500, 0)
    assert c.remaining == Money(-50_000) and c.exceeded
    assert figures(d.amounts) == (0, 0, 0, 0, 0) and d.remaining == euros(7000)
    assert a.nature is FundingNature.SPECIFIC and a.nature_label == "Crédits spécifiques"
    assert a.amounts.to_pay == euros(2000)
    assert (a.requested, a.proposed, a.granted, a.committed, a.paid) == (
        a.amounts.requested,
        a.amounts.proposed,
        a.amounts.granted,
        a.amounts.committed,
        a.amounts.paid,
    )
    # Per nature: envelopes and remainders only of the lines that have one.
    common, specific = table.by_nature
    assert specific.nature is FundingNature.SPECIFIC and common.nature is FundingNature.COMMON_LAW
    assert figures(specific.amounts) == (8000, 5500, 3000, 4500, 1000)
    assert (specific.envelope, specific.remaining, specific.lines) == (
        euros(17_000),
        euros(12_500),
        2,
    )
    assert figures(common.amounts) == (3100, 3000, 5500, 5500, 3000)
    assert (common.envelope, common.remaining) == (euros(2000), Money(-50_000))
    assert figures(table.total.amounts) == (11_100, 8500, 8500, 10_000, 4000)
    assert table.total.envelope == euros(19_000) and table.total.remaining == euros(12_000)
    # Per funder: the State holds lines A and D.
    state = next(t for t in table.by_funder if t.funder_id == scenario.funders["A"])
    assert state.lines == 2 and figures(state.amounts) == figures(specific.amounts)
    assert sum(t.lines for t in table.by_funder) == 4
    # 2027 holds only the CPO tranche.
    with db.read() as session:
        later = finance.finance_table(session, 2027)
    assert [figures(row.amounts) for row in later.rows] == [(9999, 9999, 9999, 9999, 0)]
    assert later.rows[0].remaining == euros(90_000)


def test_per_objective_rolls_up_to_operational_and_priority(
    db: Database, scenario: Scenario
) -> None:
    with db.read() as session:
        rows = finance.finance_by_objective(session, 2026)
        specific = finance.finance_by_objective(session, 2026, FundingNature.SPECIFIC)
    by_code = {row.code: row for row in rows}
    assert [row.code for row in rows] == ["P1", "P1.1.1", "P2", "P2.1.1", ""]
    assert figures(by_code["P1"].amounts) == (9000, 7000, 6000, 6000, 4000)
    assert figures(by_code["P1.1.1"].amounts) == (9000, 7000, 6000, 6000, 4000)
    # D2, and the partner's droit commun action (no dossier) through its action's objective.
    assert figures(by_code["P2"].amounts) == (2000, 1500, 2500, 4000, 0)
    assert figures(by_code["P2.1.1"].amounts) == (2000, 1500, 2500, 4000, 0)
    assert by_code[""].title == "Sans objectif" and by_code[""].objective_id is None
    assert figures(by_code[""].amounts) == (100, 0, 0, 0, 0)
    assert by_code["P1.1.1"].priority_code == "P1"
    assert [row.code for row in specific] == ["P1", "P1.1.1", "P2", "P2.1.1"]
    assert figures(specific[0].amounts) == (6000, 4000, 3000, 3000, 1000)


def test_dossiers_behind_each_figure(db: Database, scenario: Scenario) -> None:
    d = scenario.dossiers
    with db.read() as session:

        def behind(**criteria: object) -> list[int]:
            return finance.dossiers_behind(session, 2026, **criteria)  # type: ignore[arg-type]

        assert behind() == [d["D1"], d["D2"], d["D3"], d["D4"]]
        assert behind(budget_line_id=scenario.lines["A"]) == [d["D1"], d["D2"], d["D3"]]
        assert behind(budget_line_id=scenario.lines["C"]) == []  # no dossier behind it
        assert behind(budget_line_id=scenario.lines["D"]) == []
        assert behind(funder_id=scenario.funders["B"]) == [d["D1"], d["D4"]]
        assert behind(nature=FundingNature.COMMON_LAW) == [d["D1"], d["D4"]]
        assert behind(objective_id=scenario.objectives["P1"]) == [d["D1"], d["D3"]]
        assert behind(objective_id=scenario.objectives["P1.1.1.1"]) == [d["D3"]]
        assert behind(
            objective_id=scenario.objectives["P1"], budget_line_id=scenario.lines["B"]
        ) == [d["D1"]]
        assert finance.dossiers_behind(session, 2027) == [d["D1"]]


@pytest.mark.parametrize("year", [2025, 2026])
def test_demo_figures_equal_independent_sums(builtin_db: Path, year: int) -> None:
    database = open_database(builtin_db, backup_on_open=False)
    try:
        with database.unit_of_work() as session:
            add_demo_programmation(session)
        with database.read() as session:
            table = finance.finance_table(session, year)
            objectives = finance.finance_by_objective(session, year)
    finally:
        database.close()
    with sqlite3.connect(builtin_db) as c:
        expected = {
            line: (r or 0, p or 0, g or 0, k or 0)
            for line, r, p, g, k in c.execute(
                "SELECT budget_line_id, sum(requested), sum(proposed), sum(granted), "
                "sum(CASE WHEN granted IS NOT NULL THEN granted ELSE proposed END) "
                "FROM funding WHERE year = ? GROUP BY budget_line_id",
                (year,),
            )
        }
        paid = dict(
            c.execute(
                "SELECT f.budget_line_id, sum(p.amount) FROM payment p "
                "JOIN funding f ON f.id = p.funding_id "
                "WHERE f.year = ? AND p.paid_on IS NOT NULL GROUP BY f.budget_line_id",
                (year,),
            ).fetchall()
        )
        envelopes = dict(
            c.execute(
                "SELECT budget_line_id, amount FROM envelope WHERE year = ?", (year,)
            ).fetchall()
        )
        natures = dict(c.execute("SELECT id, nature FROM budget_line").fetchall())
        total = c.execute(
            "SELECT sum(requested), sum(granted) FROM funding WHERE year = ?", (year,)
        ).fetchone()
    assert {row.budget_line_id for row in table.rows} == set(expected) | set(envelopes)
    assert paid or year == 2026, "the demo pays the grants of 2025"
    for row in table.rows:
        requested, proposed, granted, committed = expected.get(row.budget_line_id, (0, 0, 0, 0))
        assert (row.requested.cents, row.proposed.cents, row.granted.cents) == (
            requested,
            proposed,
            granted,
        )
        assert row.committed.cents == committed
        assert row.paid.cents == paid.get(row.budget_line_id, 0)
        envelope = envelopes.get(row.budget_line_id)
        assert row.envelope == (None if envelope is None else Money(envelope))
        assert row.remaining == (None if envelope is None else Money(envelope - committed))
        assert row.nature.value == natures[row.budget_line_id]
    assert (table.total.requested.cents, table.total.granted.cents) == (total[0], total[1] or 0)
    for nature_total in table.by_nature:
        lines = [row for row in table.rows if row.nature is nature_total.nature]
        assert nature_total.requested.cents == sum(row.requested.cents for row in lines)
        assert nature_total.paid.cents == sum(row.paid.cents for row in lines)
    assert sum(t.granted.cents for t in table.by_funder) == table.total.granted.cents
    priorities = [row for row in objectives if row.code.count(".") == 0 and row.code]
    assert sum(row.requested.cents for row in priorities) == total[0]
    assert sum(row.granted.cents for row in priorities) == (total[1] or 0)
