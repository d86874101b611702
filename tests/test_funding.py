"""Funding rows, payments, droit commun, envelopes and the warnings a dossier shows."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qpvdesk.core.domain import cerfa
from qpvdesk.core.domain.enums import BudgetSide, FundingNature, ObjectiveLevel, PaymentKind
from qpvdesk.core.domain.models import (
    BudgetLine,
    Envelope,
    Funding,
    Objective,
    Organisation,
    Payment,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services import dossiers as ds
from qpvdesk.core.services import funding as fu
from qpvdesk.core.storage.database import Database, open_database

TODAY = date(2025, 3, 1)


def eur(euros: int) -> Money:
    return Money.from_euros(euros)


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


@dataclass
class World:
    holder: int
    objective: int
    lines: dict[str, int]  # code → budget line id
    partner: int


@pytest.fixture
def world(db: Database) -> World:
    with db.unit_of_work() as session:
        holder = Organisation(name="Femmes Solidaires", search_name=fold("Femmes Solidaires"))
        session.add(holder)
        session.flush()
        objective = session.scalars(
            select(Objective.id).where(Objective.level == ObjectiveLevel.OPERATIONAL)
        ).first()
        assert objective is not None
        lines = {
            code: line_id
            for line_id, code in session.execute(select(BudgetLine.id, BudgetLine.code)).all()
            if code is not None
        }
        partner = session.scalars(
            select(BudgetLine.funder_id).where(BudgetLine.code == "PDI")
        ).one()
        return World(holder.id, objective, lines, partner)


def new_dossier(
    db: Database,
    world: World,
    title: str,
    *,
    cost: int = 10_000,
    products: int | None = None,
    year: int = 2025,
    last_year: int | None = None,
) -> int:
    income = cost if products is None else products
    with db.unit_of_work() as session:
        return ds.register_dossier(
            session,
            ds.DossierInput(
                holder_id=world.holder,
                action_title=title,
                objective_id=world.objective,
                total_cost=eur(cost),
                year=year,
                is_multi_year=last_year is not None,
                last_year=last_year,
                received_on=date(year, 1, 15),
                budget=(
                    ds.BudgetEntryInput("64", eur(cost)),
                    ds.BudgetEntryInput("74-ETAT", eur(income)),
                    ds.BudgetEntryInput("870", eur(500)),  # in kind: outside the totals
                ),
            ),
            date(year, 3, 1),
        )


def set_envelope(db: Database, line_id: int, year: int, euros: int) -> None:
    with db.unit_of_work() as session:
        envelope = session.scalars(
            select(Envelope).where(Envelope.budget_line_id == line_id, Envelope.year == year)
        ).first()
        if envelope is None:
            session.add(Envelope(budget_line_id=line_id, year=year, amount=eur(euros)))
        else:
            envelope.amount = eur(euros)


def codes(db: Database, dossier_id: int) -> list[str]:
    with db.read() as session:
        return [w.code for w in fu.funding_warnings(session, dossier_id)]


# --- rows ---------------------------------------------------------------------------------


def test_one_row_per_line_and_year(db: Database, world: World) -> None:
    dossier_id = new_dossier(db, world, "Café des familles")
    with db.unit_of_work() as session:
        first = fu.upsert_funding(
            session, dossier_id, world.lines["BOP147"], 2025, eur(4_000), None, None
        )
        again = fu.upsert_funding(
            session,
            dossier_id,
            world.lines["BOP147"],
            2025,
            eur(4_000),
            eur(3_500),
            eur(3_500),
            "Accord du comité",
            decided_on=date(2025, 4, 2),
        )
        fu.upsert_funding(session, dossier_id, world.lines["PDI"], 2025, eur(2_000), None, None)
    assert first == again
    with db.read() as session:
        rows = fu.funding_rows(session, dossier_id)
    assert len(rows) == 2
    bop = next(r for r in rows if r.id == first)
    assert (bop.requested, bop.proposed, bop.granted) == (eur(4_000), eur(3_500), eur(3_500))
    assert bop.funder_decision == "Accord du comité" and bop.decided_on == date(2025, 4, 2)
    assert bop.funder_name == "État – Préfecture de l'Hérault"
    assert bop.nature is FundingNature.SPECIFIC


def test_a_cpo_over_three_years_has_three_rows_per_funder(db: Database, world: World) -> None:
    cpo = new_dossier(db, world, "Médiation sociale", cost=90_000, last_year=2027)
    with db.unit_of_work() as session:
        cpo_rows = fu.spread_funding(session, cpo, world.lines["CPO"], eur(15_000))
        for year in (2025, 2026, 2027):
            fu.upsert_funding(session, cpo, world.lines["PDI"], year, eur(5_000), None, None)
    assert len(cpo_rows) == 3
    with db.read() as session:
        rows = fu.funding_rows(session, cpo)
    per_line: dict[int, list[int]] = {}
    for row in rows:
        per_line.setdefault(row.budget_line_id, []).append(row.year)
    assert per_line == {
        world.lines["CPO"]: [2025, 2026, 2027],
        world.lines["PDI"]: [2025, 2026, 2027],
    }
    # Spreading again changes the yearly amount, keeps the rows and what was decided.
    with db.unit_of_work() as session:
        fu.upsert_funding(
            session, cpo, world.lines["CPO"], 2026, eur(15_000), eur(14_000), eur(14_000)
        )
        assert fu.spread_funding(session, cpo, world.lines["CPO"], eur(16_000)) == cpo_rows
    with db.read() as session:
        tranche = session.get(Funding, cpo_rows[1])
        assert tranche is not None
        assert (tranche.requested, tranche.granted) == (eur(16_000), eur(14_000))
    for year in (2024, 2028):
        with (
            pytest.raises(ValidationError, match="2025 à 2027") as caught,
            db.unit_of_work() as session,
        ):
            fu.upsert_funding(session, cpo, world.lines["PDI"], year, eur(1), None, None)
        assert caught.value.field == "year"


def test_negative_amounts_are_refused(db: Database, world: World) -> None:
    dossier_id = new_dossier(db, world, "Repair café")
    with pytest.raises(ValidationError, match="négatif") as caught, db.unit_of_work() as session:
        fu.upsert_funding(session, dossier_id, world.lines["VVV"], 2025, None, None, Money(-1))
    assert caught.value.field == "granted"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Funding)) == 0


def test_payments_need_a_grant_an_amount_and_a_date(db: Database, world: World) -> None:
    dossier_id = new_dossier(db, world, "Fête de quartier")
    with db.unit_of_work() as session:
        funding_id = fu.upsert_funding(
            session, dossier_id, world.lines["VVV"], 2025, eur(3_000), eur(3_000), None
        )
    with pytest.raises(ValidationError, match="accord") as caught, db.unit_of_work() as session:
        fu.add_payment(session, funding_id, PaymentKind.ADVANCE, eur(100), paid_on=TODAY)
    assert caught.value.field == "amount"
    with db.unit_of_work() as session:
        fu.upsert_funding(
            session, dossier_id, world.lines["VVV"], 2025, eur(3_000), eur(3_000), eur(3_000)
        )
    for amount, kwargs, field in (
        (Money(0), {"paid_on": TODAY}, "amount"),
        (eur(100), {}, "paid_on"),
    ):
        with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
            fu.add_payment(session, funding_id, PaymentKind.ADVANCE, amount, **kwargs)  # type: ignore[arg-type]
        assert caught.value.field == field
    with db.unit_of_work() as session:
        advance = fu.add_payment(
            session, funding_id, PaymentKind.ADVANCE, eur(2_100), paid_on=date(2025, 5, 2)
        )
        balance = fu.add_payment(
            session, funding_id, PaymentKind.BALANCE, eur(900), due_on=date(2026, 3, 1)
        )
    with db.read() as session:
        row = fu.funding_rows(session, dossier_id)[0]
    assert [p.kind_label for p in row.payments] == ["Avance", "Solde"]
    assert row.paid == eur(2_100) and row.scheduled == eur(3_000)
    with db.unit_of_work() as session:
        fu.update_payment(
            session,
            balance,
            PaymentKind.BALANCE,
            eur(900),
            paid_on=date(2026, 2, 20),
            due_on=date(2026, 3, 1),
        )
    with db.read() as session:
        assert fu.funding_rows(session, dossier_id)[0].paid == eur(3_000)
    with (
        pytest.raises(ValidationError, match="2 versements") as refusal,
        db.unit_of_work() as session,
    ):
        fu.delete_funding(session, funding_id)
    assert "Supprimez d'abord les versements" in refusal.value.message
    with db.unit_of_work() as session:
        fu.delete_payment(session, advance)
        fu.delete_payment(session, balance)
        fu.delete_funding(session, funding_id)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Payment)) == 0
        assert fu.funding_rows(session, dossier_id) == []


# --- droit commun -------------------------------------------------------------------------


def test_droit_commun_funding_for_an_action_without_dossier(db: Database, world: World) -> None:
    with db.unit_of_work() as session:
        action_id = fu.create_common_law_action(
            session, "Permanences RSA au centre social", world.partner, 2025, end_year=2026
        )
        row_id = fu.set_common_law_funding(
            session, action_id, world.lines["PDI"], 2025, eur(18_000)
        )
        same = fu.set_common_law_funding(session, action_id, world.lines["PDI"], 2025, eur(20_000))
        fu.set_common_law_funding(session, action_id, world.lines["PDI"], 2026, eur(20_000))
    assert row_id == same
    with db.read() as session:
        rows = fu.common_law_rows(session, action_id)
    assert [(r.year, r.granted, r.dossier_id) for r in rows] == [
        (2025, eur(20_000), None),
        (2026, eur(20_000), None),
    ]
    with db.unit_of_work() as session:
        assert fu.set_common_law_funding(session, action_id, world.lines["PDI"], 2026, None) is None
    with db.read() as session:
        assert len(fu.common_law_rows(session, action_id)) == 1
    with (
        pytest.raises(ValidationError, match="crédits spécifiques"),
        db.unit_of_work() as session,
    ):
        fu.set_common_law_funding(session, action_id, world.lines["BOP147"], 2025, eur(1))
    dossier_id = new_dossier(db, world, "Action avec dossier")
    with db.read() as session:
        from qpvdesk.core.domain.models import Dossier

        dossier = session.get(Dossier, dossier_id)
        assert dossier is not None
        with_dossier = dossier.action_id
    with pytest.raises(ValidationError, match="a des dossiers"), db.unit_of_work() as session:
        fu.set_common_law_funding(session, with_dossier, world.lines["PDI"], 2025, eur(1))


# --- warnings -----------------------------------------------------------------------------


def test_no_warning_for_a_sound_dossier(db: Database, world: World) -> None:
    dossier_id = new_dossier(db, world, "Jardin partagé", cost=10_000)
    set_envelope(db, world.lines["BOP147"], 2025, 50_000)
    with db.unit_of_work() as session:
        funding_id = fu.upsert_funding(
            session, dossier_id, world.lines["BOP147"], 2025, eur(6_000), eur(6_000), eur(6_000)
        )
        fu.add_payment(session, funding_id, PaymentKind.ADVANCE, eur(6_000), paid_on=TODAY)
    assert codes(db, dossier_id) == []


def test_granted_above_requested(db: Database, world: World) -> None:
    dossier_id = new_dossier(db, world, "Théâtre-forum")
    with db.unit_of_work() as session:
        fu.upsert_funding(
            session, dossier_id, world.lines["VVV"], 2025, eur(2_000), None, eur(2_000)
        )
    assert codes(db, dossier_id) == []
    with db.unit_of_work() as session:
        fu.upsert_funding(
            session, dossier_id, world.lines["VVV"], 2025, eur(2_000), None, eur(2_000) + Money(1)
        )
    assert codes(db, dossier_id) == [fu.GRANTED_ABOVE_REQUESTED]
    with db.read() as session:
        (warning,) = fu.funding_warnings(session, dossier_id)
    assert "2\u00a0000,01" in warning.message and "dépasse le montant demandé" in warning.message
    assert warning.severity is fu.Severity.WARNING and warning.severity.label == "Attention"


def test_payments_above_granted(db: Database, world: World) -> None:
    dossier_id = new_dossier(db, world, "Ateliers bien vieillir")
    with db.unit_of_work() as session:
        funding_id = fu.upsert_funding(
            session, dossier_id, world.lines["VVV"], 2025, eur(3_000), None, eur(3_000)
        )
        fu.add_payment(session, funding_id, PaymentKind.ADVANCE, eur(2_000), paid_on=TODAY)
        fu.add_payment(session, funding_id, PaymentKind.BALANCE, eur(1_000), due_on=TODAY)
    assert codes(db, dossier_id) == []
    with db.unit_of_work() as session:
        # The grant is cut after the payments were planned: said, not hidden.
        fu.upsert_funding(
            session, dossier_id, world.lines["VVV"], 2025, eur(3_000), None, eur(2_500)
        )
    assert codes(db, dossier_id) == [fu.PAYMENTS_ABOVE_GRANTED]
    with db.read() as session:
        (warning,) = fu.funding_warnings(session, dossier_id)
    assert warning.severity is fu.Severity.ERROR and warning.funding_id == funding_id


def test_envelope_exceeded_only_beyond_the_envelope(db: Database, world: World) -> None:
    line = world.lines["QETE"]
    first = new_dossier(db, world, "Animations de rue")
    second = new_dossier(db, world, "Sorties d'été")
    set_envelope(db, line, 2025, 10_000)
    with db.unit_of_work() as session:
        fu.upsert_funding(session, first, line, 2025, eur(6_000), eur(6_000), None)
        # Requested amounts do not consume the envelope; proposed ones do until granted.
        fu.upsert_funding(session, second, line, 2025, eur(9_000), eur(4_000), None)
    assert codes(db, first) == [] and codes(db, second) == []
    with db.unit_of_work() as session:
        fu.upsert_funding(session, second, line, 2025, eur(9_000), eur(4_000), eur(4_001))
    assert codes(db, first) == [fu.ENVELOPE_EXCEEDED]
    assert codes(db, second) == [fu.ENVELOPE_EXCEEDED]
    with db.read() as session:
        (warning,) = fu.funding_warnings(session, first)
    assert "dépassement de 1" in warning.message and "10\u00a0000\u00a0€" in warning.message
    set_envelope(db, line, 2025, 10_001)
    assert codes(db, first) == []


def test_requested_above_total_cost(db: Database, world: World) -> None:
    dossier_id = new_dossier(db, world, "Boutique test", cost=8_000)
    with db.unit_of_work() as session:
        fu.upsert_funding(session, dossier_id, world.lines["BOP147"], 2025, eur(5_000), None, None)
        fu.upsert_funding(session, dossier_id, world.lines["PDI"], 2025, eur(3_000), None, None)
    assert codes(db, dossier_id) == []
    with db.unit_of_work() as session:
        fu.upsert_funding(session, dossier_id, world.lines["PDI"], 2025, eur(3_001), None, None)
    assert codes(db, dossier_id) == [fu.REQUESTED_ABOVE_COST]


def test_total_cost_not_covered_by_planned_income(db: Database, world: World) -> None:
    covered = new_dossier(db, world, "Mentorat", cost=10_000, products=10_000)
    short = new_dossier(db, world, "Stage code de la route", cost=10_000, products=9_999)
    assert codes(db, covered) == []
    assert codes(db, short) == [fu.COST_NOT_COVERED]
    with db.read() as session:
        (warning,) = fu.funding_warnings(session, short)
    assert "il manque 1\u00a0€" in warning.message


def test_budget_totals_follow_the_cerfa_grid() -> None:
    totals = cerfa.budget_totals(
        [
            ("60", eur(300)),
            ("601", eur(100)),
            ("606", eur(200)),
            ("64", eur(1_000)),
            ("CI-FIXES", eur(50)),
            ("74-ETAT", eur(700)),
            ("74-COMMUNE", eur(400)),
            ("756", eur(100)),
            ("RP", eur(150)),
            ("864", eur(80)),
            ("870", eur(80)),
            ("ZZ", eur(999)),
        ]
    )
    assert totals.charges == eur(1_350)
    assert totals.products == eur(1_350)
    assert totals.contributions_used == totals.contributions_received == eur(80)
    assert totals.inconsistent_groups == ()
    assert cerfa.budget_totals([("60", eur(1)), ("601", eur(2))]).inconsistent_groups == ("60",)
    funders = [h.label for h in cerfa.SUBSIDY_LINES]
    assert funders[:5] == [
        "État",
        "Région(s)",
        "Département(s)",
        "Intercommunalité(s) : EPCI",
        "Commune(s)",
    ]
    assert len(funders) == 10
    assert cerfa.heading("74-etat") is cerfa.heading("74-ETAT")
    assert all(h.side is BudgetSide.CHARGE for h in cerfa.CHARGES)
    assert {h.account[:2] for h in cerfa.CHARGES if h.account[0].isdigit()} == {
        "60", "61", "62", "63", "64", "65", "66", "67", "68", "86",
    }  # fmt: skip
    assert cerfa.heading("64") is not None and cerfa.heading("64").display == (  # type: ignore[union-attr]
        "64 – Charges de personnel"
    )


# --- envelopes ----------------------------------------------------------------------------


def test_envelope_consumption_equals_independent_sums(db: Database, world: World) -> None:
    rng = random.Random(147)
    line, other_line = world.lines["BOP147"], world.lines["VVV"]
    set_envelope(db, line, 2025, 120_000)
    expected = {"requested": 0, "proposed": 0, "granted": 0, "committed": 0, "paid": 0}
    funding_ids: list[int] = []
    for index in range(8):
        dossier_id = new_dossier(db, world, f"Action {index}", cost=40_000)
        requested = rng.randrange(1_000, 20_000)
        proposed = rng.choice([None, requested, requested - 500])
        granted = rng.choice([None, proposed]) if proposed is not None else None
        with db.unit_of_work() as session:
            funding_id = fu.upsert_funding(
                session,
                dossier_id,
                line,
                2025,
                eur(requested),
                None if proposed is None else eur(proposed),
                None if granted is None else eur(granted),
            )
            # Noise that must not count: another line, another year of the same line.
            fu.upsert_funding(session, dossier_id, other_line, 2025, eur(999), eur(999), eur(999))
            if granted:
                fu.add_payment(
                    session, funding_id, PaymentKind.ADVANCE, eur(granted // 2), paid_on=TODAY
                )
                fu.add_payment(
                    session,
                    funding_id,
                    PaymentKind.BALANCE,
                    eur(granted - granted // 2),
                    due_on=TODAY,
                )
                expected["paid"] += granted // 2
        funding_ids.append(funding_id)
        expected["requested"] += requested
        expected["proposed"] += proposed or 0
        expected["granted"] += granted or 0
        expected["committed"] += granted if granted is not None else (proposed or 0)
    cpo = new_dossier(db, world, "Pluriannuelle", cost=60_000, last_year=2026)
    with db.unit_of_work() as session:
        fu.upsert_funding(session, cpo, line, 2026, eur(20_000), eur(20_000), eur(20_000))
    with db.read() as session:
        consumption = fu.envelope_consumption(session, line, 2025)
        none = fu.envelope_consumption(session, world.lines["ADR"], 2025)
    assert consumption.envelope == eur(120_000)
    assert consumption.requested == eur(expected["requested"])
    assert consumption.proposed == eur(expected["proposed"])
    assert consumption.granted == eur(expected["granted"])
    assert consumption.committed == eur(expected["committed"])
    assert consumption.paid == eur(expected["paid"])
    assert consumption.remaining == eur(120_000 - expected["committed"])
    assert none.envelope is None and none.remaining is None and none.requested == Money(0)

    # The meeting's preview: a proposal on one row, and a row of another line that is ignored.
    with db.read() as session:
        row = session.get(Funding, funding_ids[0])
        assert row is not None
        old = row.granted if row.granted is not None else row.proposed or Money(0)
        old_proposed = row.proposed or Money(0)
        preview = fu.envelope_consumption(
            session, line, 2025, extra={funding_ids[0]: eur(7_777), 10**9: eur(1)}
        )
    assert preview.committed == consumption.committed - old + eur(7_777)
    assert preview.proposed == consumption.proposed - old_proposed + eur(7_777)
    assert preview.granted == consumption.granted
    assert preview.remaining == eur(120_000) - preview.committed
