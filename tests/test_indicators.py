"""Indicators, measurements, presets, the CERFA 15059 compte rendu financier, question links."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qpvdesk.core.domain.enums import DossierState, MeasurementKind, ObjectiveLevel
from qpvdesk.core.domain.models import (
    BudgetEntry,
    Dossier,
    DossierEvent,
    EvaluativeQuestion,
    Indicator,
    Measurement,
    Objective,
    evaluative_question_indicator,
)
from qpvdesk.core.domain.money import NBSP, Money
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services import actions as act
from qpvdesk.core.services import indicators as ind
from qpvdesk.core.services.calls import FormError
from qpvdesk.core.services.demo import add_demo_programmation
from qpvdesk.core.storage.database import Database, open_database

DEMO_TEMPLATE: dict[str, Path] = {}
TODAY = date(2026, 3, 1)


@pytest.fixture
def demo_path(builtin_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the built-in contract with the demo programmation."""
    if "demo" not in DEMO_TEMPLATE:
        template = tmp_path_factory.mktemp("demo") / "demo.sqlite"
        template.write_bytes(builtin_db.read_bytes())
        database = open_database(template, backup_on_open=False)
        try:
            with database.unit_of_work() as session:
                add_demo_programmation(session)
        finally:
            database.close()
        DEMO_TEMPLATE["demo"] = template
    builtin_db.write_bytes(DEMO_TEMPLATE["demo"].read_bytes())
    return builtin_db


@pytest.fixture
def db(demo_path: Path) -> Iterator[Database]:
    database = open_database(demo_path, backup_on_open=False)
    yield database
    database.close()


@dataclass(frozen=True)
class Found:
    id: int
    action_id: int
    reference: str


def dossier_in(db: Database, state: DossierState, year: int = 2025) -> Found:
    """The first dossier of *year* in *state* (not a multi-year one)."""
    with db.read() as session:
        row = session.execute(
            select(Dossier.id, Dossier.action_id, Dossier.reference)
            .where(Dossier.state == state, Dossier.year == year, Dossier.last_year.is_(None))
            .order_by(Dossier.sequence)
        ).first()
    assert row is not None
    return Found(*row)


# --- decimals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,5", "12.5"),
        ("12.5", "12.5"),
        (" 1 234,75 ", "1234.75"),
        (f"1{NBSP}234", "1234"),
        ("1\u202f234,5", "1234.5"),
        ("1.234,5", "1234.5"),
        ("1,234.5", "1234.5"),
        ("-3,2", "-3.2"),
        ("−10", "-10"),
        ("+4", "4"),
        ("22,5 %", "22.5"),
        ("0,000001", "0.000001"),
        ("1000", "1000"),
    ],
)
def test_parse_decimal_reads_french_numbers(text: str, expected: str) -> None:
    assert ind.parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["abc", "1,2,3", "12,5,0", "1 23", "1e3", ",5x", "--3", "0,0000001"]
)
def test_parse_decimal_refuses_what_is_not_a_number(text: str) -> None:
    with pytest.raises(ValidationError, match="Cible"):
        ind.parse_decimal(text, "Cible")


def test_parse_decimal_blank_negative_and_format() -> None:
    assert ind.parse_decimal("  ") is None
    with pytest.raises(ValidationError, match="Valeur : indiquez une valeur"):
        ind.parse_decimal("", required=True)
    with pytest.raises(ValidationError, match="ne peut pas être négative"):
        ind.parse_decimal("-1", "Bénéficiaires", allow_negative=False)
    assert ind.format_decimal(Decimal("1234.50")) == f"1{NBSP}234,5"
    assert ind.format_decimal(Decimal("1000")) == f"1{NBSP}000"
    assert ind.format_decimal(Decimal("12.345"), decimals=1) == "12,3"
    assert ind.format_decimal(None) == "—"
    assert ind.percent(Decimal(3), Decimal(8)) == Decimal("37.5")
    assert ind.percent(Money(200), Money(300)) == Decimal("66.7")
    assert ind.percent(Decimal(1), Decimal(0)) is None


# --- indicators and measurements -----------------------------------------------------------


def test_indicators_on_actions_and_objectives(db: Database) -> None:
    with db.read() as session:
        action_id = act.action_rows(session)[0].id
        objective_id = session.scalars(
            select(Objective.id).where(Objective.level == ObjectiveLevel.STRATEGIC)
        ).first()
    with db.unit_of_work() as session:
        on_action = ind.create_indicator(
            session,
            ind.IndicatorInput(
                name=" Séances  tenues ",
                unit="séances",
                baseline=Decimal("0"),
                target=ind.parse_decimal("40"),
                action_id=action_id,
            ),
        )
        on_objective = ind.create_indicator(
            session,
            ind.IndicatorInput(
                name="Taux de réussite au brevet",
                unit="%",
                baseline=ind.parse_decimal("71,5"),
                target=ind.parse_decimal("80"),
                objective_id=objective_id,
            ),
        )
        ind.set_measurement(
            session, on_action, 2025, MeasurementKind.PLANNED, Decimal(36), "Dossier"
        )
        ind.set_measurement(
            session, on_action, 2025, MeasurementKind.ACHIEVED, Decimal(33), "Bilan"
        )
        ind.set_measurement(session, on_objective, 2026, MeasurementKind.ACHIEVED, Decimal("74.2"))
    with db.read() as session:
        rows = {r.id: r for r in ind.indicator_rows(session)}
    assert rows[on_action].name == "Séances tenues"
    value = rows[on_action].value(2025)
    assert (value.planned, value.achieved, value.rate) == (
        Decimal(36),
        Decimal(33),
        Decimal("91.7"),
    )
    assert value.achieved_source == "Bilan"
    assert rows[on_action].target_rate == Decimal("82.5")
    assert rows[on_objective].owner_label.startswith(rows[on_objective].objective_code or "?")
    assert rows[on_objective].baseline == Decimal("71.5")
    assert rows[on_objective].latest_achieved is not None
    # Changing a value, then removing it.
    with db.unit_of_work() as session:
        ind.set_measurement(
            session, on_action, 2025, MeasurementKind.ACHIEVED, Decimal(34), "Bilan"
        )
        assert ind.set_measurement(session, on_action, 2025, MeasurementKind.PLANNED, None) is None
    with db.read() as session:
        row = ind.indicator_rows(session, indicator_ids=[on_action])[0]
        count = session.scalar(select(func.count()).where(Measurement.indicator_id == on_action))
    assert (row.value(2025).planned, row.value(2025).achieved) == (None, Decimal(34))
    assert count == 1


def test_indicator_form_and_measurement_checks(db: Database) -> None:
    with db.read() as session:
        action_id = act.action_rows(session)[0].id
        objective_id = session.scalars(select(Objective.id)).first()
    with pytest.raises(FormError) as caught, db.unit_of_work() as session:
        ind.create_indicator(
            session,
            ind.IndicatorInput(
                name="", target=Decimal(-1), action_id=action_id, objective_id=objective_id
            ),
        )
    errors = {e.field: e.message for e in caught.value.errors}
    assert errors["name"].startswith("Intitulé : indiquez")
    assert errors["target"] == "Cible : la valeur ne peut pas être négative."
    assert "soit sur une action, soit sur un objectif" in errors["action_id"]
    with db.unit_of_work() as session:
        indicator_id = ind.create_indicator(
            session, ind.IndicatorInput(name="Bénéficiaires", action_id=action_id)
        )
    with (
        pytest.raises(FormError, match="existe déjà pour cette action"),
        db.unit_of_work() as session,
    ):
        ind.create_indicator(session, ind.IndicatorInput(name="bénéficiaires", action_id=action_id))
    with (
        pytest.raises(ValidationError, match="Année : le contrat de ville couvre 2024 à 2030"),
        db.unit_of_work() as session,
    ):
        ind.set_measurement(session, indicator_id, 2031, MeasurementKind.ACHIEVED, Decimal(1))
    with (
        pytest.raises(ValidationError, match="Valeur réalisée 2025 : la valeur ne peut pas"),
        db.unit_of_work() as session,
    ):
        ind.set_measurement(session, indicator_id, 2025, MeasurementKind.ACHIEVED, Decimal(-2))
    with db.unit_of_work() as session:
        ind.update_indicator(
            session,
            indicator_id,
            ind.IndicatorInput(name="Bénéficiaires", unit="personnes", action_id=action_id),
        )
    with db.read() as session:
        assert ind.indicator_rows(session, action_id=action_id)[0].unit == "personnes"


def test_presets_are_added_once_with_the_dossiers_planned_figures(db: Database) -> None:
    dossier = dossier_in(db, DossierState.CLOSED)
    with db.unit_of_work() as session:
        created = ind.add_preset_indicators(session, dossier.action_id)
        again = ind.add_preset_indicators(session, dossier.action_id)
    assert len(created) == 4 and again == []
    with db.read() as session:
        rows = ind.indicator_rows(session, action_id=dossier.action_id)
        others = session.execute(
            select(
                Dossier.year,
                Dossier.beneficiaries_expected,
                Dossier.beneficiaries_qpv,
                Dossier.women_share_percent,
                Dossier.state,
            ).where(Dossier.action_id == dossier.action_id)
        ).all()
    assert [r.name for r in rows] == [p.name for p in ind.PRESETS]
    assert all(r.unit == "personnes" and r.is_preset for r in rows)
    for year, expected, qpv, women, state in others:
        if state in (DossierState.REFUSED, DossierState.WITHDRAWN):
            assert rows[0].value(year).planned is None
            continue
        assert expected is not None and qpv is not None and women is not None
        assert rows[0].value(year).planned == Decimal(expected)
        assert rows[1].value(year).planned == Decimal(qpv)
        share = Decimal(expected) * women / 100
        women_planned = rows[2].value(year).planned
        assert women_planned is not None and abs(women_planned - share) <= Decimal("0.5")
        assert rows[3].value(year).planned is None
        source = rows[0].value(year).planned_source or ""
        assert source.startswith(f"Dossier {year}-") and source.endswith("(prévisionnel)")


# --- the compte rendu financier ------------------------------------------------------------


def test_a_paid_dossier_reports_and_moves_to_report_received(db: Database, demo_path: Path) -> None:
    dossier = dossier_in(db, DossierState.PAID)
    with db.unit_of_work() as session:
        ind.add_preset_indicators(session, dossier.action_id)
        entries = list(
            session.execute(
                select(BudgetEntry.id, BudgetEntry.planned).where(
                    BudgetEntry.dossier_id == dossier.id
                )
            )
        )
        presets = ind.indicator_rows(session, action_id=dossier.action_id)
    achieved = {entry_id: Money(planned.cents * 9 // 10) for entry_id, planned in entries}
    with db.unit_of_work() as session:
        outcome = ind.record_financial_report(
            session,
            dossier.id,
            achieved,
            "  Bilan qualitatif : action menée comme prévu.  ",
            date(2026, 1, 20),
            {presets[0].id: Decimal(48), presets[2].id: Decimal(30)},
            today=TODAY,
        )
    assert outcome.moved and outcome.state is DossierState.REPORT_RECEIVED
    assert outcome.state_label == "Bilan reçu" and outcome.notice is None
    with db.read() as session:
        saved = session.get(Dossier, dossier.id)
        assert saved is not None
        assert saved.state is DossierState.REPORT_RECEIVED
        assert saved.report_text == "Bilan qualitatif : action menée comme prévu."
        assert saved.report_received_on == date(2026, 1, 20)
        event = session.scalars(
            select(DossierEvent)
            .where(DossierEvent.dossier_id == dossier.id)
            .order_by(DossierEvent.id.desc())
        ).first()
        assert event is not None and event.to_state is DossierState.REPORT_RECEIVED
        assert event.comment == "Compte rendu financier (CERFA 15059) reçu le 20/01/2026."
        rows = ind.indicator_rows(session, action_id=dossier.action_id)
        report = ind.financial_report_data(session, dossier.id)
    assert rows[0].value(2025).achieved == Decimal(48)
    assert rows[0].value(2025).achieved_source == f"Compte rendu financier {dossier.reference}"
    assert rows[2].value(2025).achieved == Decimal(30)
    # The CERFA table against independent sums.
    with sqlite3.connect(demo_path) as c:
        sums = dict(
            (side, (planned, done))
            for side, planned, done in c.execute(
                "SELECT side, sum(planned), sum(achieved) FROM budget_entry "
                "WHERE dossier_id = ? AND account NOT LIKE '86%' AND account NOT LIKE '87%' "
                "GROUP BY side",
                (dossier.id,),
            )
        )
        granted = c.execute(
            "SELECT sum(granted) FROM funding WHERE dossier_id = ?", (dossier.id,)
        ).fetchone()[0]
    assert report.total_charges.planned.cents == sums["charge"][0]
    assert report.total_charges.achieved is not None
    assert report.total_charges.achieved.cents == sums["charge"][1]
    assert report.total_products.planned.cents == sums["product"][0]
    assert report.total_products.achieved.cents == sums["product"][1]  # type: ignore[union-attr]
    assert report.total_charges.percent == ind.percent(
        Money(sums["charge"][1]), Money(sums["charge"][0])
    )
    assert report.granted.cents == granted
    assert report.is_complete and report.has_achieved
    assert report.subsidy_share == ind.percent(Money(granted), Money(sums["product"][1]))
    assert [line.account for line in report.charges] == ["60", "61", "62", "64"]
    assert all(line.percent is not None and line.percent <= Decimal(90) for line in report.charges)
    assert report.indicators[0].name == "Bénéficiaires"
    assert report.indicators[0].achieved == Decimal(48)
    assert report.report_received_on == date(2026, 1, 20)
    # Correcting the report later keeps the state.
    with db.unit_of_work() as session:
        again = ind.record_financial_report(
            session, dossier.id, {}, "Bilan corrigé.", date(2026, 1, 21), today=TODAY
        )
    assert not again.moved and again.state is DossierState.REPORT_RECEIVED


def test_report_before_payment_is_kept_without_moving(db: Database) -> None:
    dossier = dossier_in(db, DossierState.AGREEMENT_SIGNED, 2026)
    with db.unit_of_work() as session:
        outcome = ind.record_financial_report(
            session, dossier.id, {}, "Bilan transmis avant le solde.", date(2026, 2, 1), today=TODAY
        )
    assert not outcome.moved and outcome.state is DossierState.AGREEMENT_SIGNED
    assert outcome.notice is not None and "passera à « Bilan reçu »" in outcome.notice
    with db.read() as session:
        report = ind.financial_report_data(session, dossier.id)
    assert report.report_text == "Bilan transmis avant le solde."
    assert not report.has_achieved and report.total_charges.achieved is None
    assert report.total_charges.percent is None


def test_report_refusals_change_nothing(db: Database) -> None:
    refused = dossier_in(db, DossierState.REFUSED)
    paid = dossier_in(db, DossierState.PAID)
    with db.read() as session:
        other_entry = session.scalars(
            select(BudgetEntry.id).where(BudgetEntry.dossier_id == refused.id)
        ).first()
        own_entry = session.scalars(
            select(BudgetEntry.id).where(BudgetEntry.dossier_id == paid.id)
        ).first()
    assert other_entry is not None and own_entry is not None
    with db.unit_of_work() as session:
        foreign = ind.create_indicator(
            session, ind.IndicatorInput(name="Autre", action_id=refused.action_id)
        )
    cases = [
        (refused.id, {}, date(2026, 1, 5), None, "est « Refusé » : un compte rendu"),
        (
            paid.id,
            {},
            date(2026, 4, 1),
            None,
            "Date de réception : le 01/04/2026 est dans le futur",
        ),
        (paid.id, {}, None, None, "Date de réception : indiquez"),
        (paid.id, {other_entry: Money(100)}, date(2026, 1, 5), None, "n'appartient pas au dossier"),
        (
            paid.id,
            {own_entry: Money(100)},
            date(2026, 1, 5),
            {foreign: Decimal(3)},
            "n'est pas celui de l'action",
        ),
    ]
    for dossier_id, achieved, received, values, message in cases:
        with pytest.raises(ValidationError, match=message), db.unit_of_work() as session:
            ind.record_financial_report(
                session, dossier_id, achieved, "Bilan", received, values, today=TODAY
            )
    with db.read() as session:
        state, text = session.execute(
            select(Dossier.state, Dossier.report_text).where(Dossier.id == paid.id)
        ).one()
        achieved = session.scalar(select(BudgetEntry.achieved).where(BudgetEntry.id == own_entry))
    assert state is DossierState.PAID and text is None
    assert achieved is None


# --- evaluative questions ------------------------------------------------------------------


def test_questions_link_indicators_and_actions(db: Database) -> None:
    with db.read() as session:
        questions = ind.question_rows(session)
        actions = [r.id for r in act.action_rows(session)][:3]
    assert [q.number for q in questions] == [1, 2, 3]
    assert questions[0].text == "En quoi le contrat de ville permet-il de favoriser la mixité ?"
    with db.unit_of_work() as session:
        created = ind.add_preset_indicators(session, actions[0], fill_planned=False)
        ind.link_indicator(session, questions[0].id, created[0])
        ind.link_indicator(session, questions[0].id, created[0])  # twice: once
        ind.link_action(session, questions[0].id, actions[0])
        ind.set_question_links(
            session, questions[1].id, indicator_ids=created[1:3], action_ids=actions[1:3]
        )
    with db.read() as session:
        rows = {q.id: q for q in ind.question_rows(session)}
        detail = act.action_detail(session, actions[0])
        on_indicator = ind.indicator_rows(session, indicator_ids=[created[0]])[0]
    assert rows[questions[0].id].indicator_ids == (created[0],)
    assert rows[questions[0].id].action_ids == (actions[0],)
    assert rows[questions[1].id].indicator_ids == tuple(created[1:3])
    assert [q.number for q in detail.questions] == [1]
    assert on_indicator.question_ids == (questions[0].id,)
    with db.unit_of_work() as session:
        ind.unlink_action(session, questions[0].id, actions[0])
        ind.set_question_links(session, questions[1].id, indicator_ids=[created[2]])
        ind.delete_indicator(session, created[0])
    with db.read() as session:
        rows = {q.id: q for q in ind.question_rows(session)}
        links = session.scalar(select(func.count()).select_from(evaluative_question_indicator))
    assert rows[questions[0].id].indicator_ids == () and rows[questions[0].id].action_ids == ()
    assert rows[questions[1].id].indicator_ids == (created[2],)
    assert rows[questions[1].id].action_ids == tuple(actions[1:3])
    assert links == 1
    with pytest.raises(ValidationError, match="n'existe plus"), db.unit_of_work() as session:
        ind.link_indicator(session, questions[0].id, 999_999)


def test_questions_may_evolve(db: Database) -> None:
    with db.unit_of_work() as session:
        new_id = ind.add_question(session, "  En quoi le contrat a-t-il  renforcé l'aller vers ? ")
        first = ind.question_rows(session)[0].id
        ind.update_question(session, first, "En quoi le contrat favorise-t-il la mixité sociale ?")
        ind.delete_question(session, ind.question_rows(session)[1].id)
    with pytest.raises(ValidationError, match="Question : le texte"), db.unit_of_work() as session:
        ind.update_question(session, first, " ")
    with db.read() as session:
        rows = ind.question_rows(session)
        count = session.scalar(select(func.count()).select_from(EvaluativeQuestion))
    assert count == 3
    assert [q.position for q in rows] == [0, 1, 2]
    assert rows[0].text.endswith("mixité sociale ?")
    assert rows[-1].id == new_id and rows[-1].text.endswith("renforcé l'aller vers ?")


def test_deleting_an_indicator_takes_its_measurements(db: Database) -> None:
    with db.read() as session:
        action_id = act.action_rows(session)[0].id
    with db.unit_of_work() as session:
        indicator_id = ind.create_indicator(
            session, ind.IndicatorInput(name="Ateliers", action_id=action_id)
        )
        ind.set_measurement(session, indicator_id, 2025, MeasurementKind.ACHIEVED, Decimal(5))
    with db.unit_of_work() as session:
        ind.delete_indicator(session, indicator_id)
    with db.read() as session:
        assert session.get(Indicator, indicator_id) is None
        assert (
            session.scalar(select(func.count()).where(Measurement.indicator_id == indicator_id))
            == 0
        )
