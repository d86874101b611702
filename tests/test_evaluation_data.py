"""The data of the bilan annuel, the evaluation and the fiche action, against independent sums.

Every total is recomputed here from the database file with plain SQL (sqlite3), never
through the services, on the demo programmation plus the evaluation demo.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from qpvdesk.core.domain.enums import DossierState, FundingNature
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services import evaluation as ev
from qpvdesk.core.services import finance
from qpvdesk.core.services.demo import add_demo_programmation
from qpvdesk.core.services.demo_evaluation import add_demo_evaluation
from qpvdesk.core.services.finance import Amounts
from qpvdesk.core.storage.database import Database, open_database

TEMPLATE: dict[str, Path] = {}
TODAY = date(2026, 6, 15)

ROOTS = (
    "WITH RECURSIVE up(id, root) AS ("
    " SELECT id, id FROM objective WHERE parent_id IS NULL"
    " UNION ALL SELECT o.id, up.root FROM objective o JOIN up ON o.parent_id = up.id) "
)
FUNDING = (
    "FROM funding f JOIN action a ON a.id = f.action_id "
    "JOIN budget_line l ON l.id = f.budget_line_id "
    "LEFT JOIN dossier d ON d.id = f.dossier_id "
)
SUMS = "sum(f.requested), sum(f.proposed), sum(f.granted), sum(coalesce(f.granted, f.proposed))"


@pytest.fixture
def path(builtin_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo programmation and the evaluation demo, in a fresh copy."""
    if "full" not in TEMPLATE:
        template = tmp_path_factory.mktemp("evaluation") / "demo.sqlite"
        template.write_bytes(builtin_db.read_bytes())
        database = open_database(template, backup_on_open=False)
        try:
            with database.unit_of_work() as session:
                add_demo_programmation(session)
                add_demo_evaluation(session)
        finally:
            database.close()
        TEMPLATE["full"] = template
    builtin_db.write_bytes(TEMPLATE["full"].read_bytes())
    return builtin_db


@pytest.fixture
def db(path: Path) -> Iterator[Database]:
    database = open_database(path, backup_on_open=False)
    yield database
    database.close()


def cents(amounts: Amounts) -> tuple[int, int, int, int]:
    return (
        amounts.requested.cents,
        amounts.proposed.cents,
        amounts.granted.cents,
        amounts.committed.cents,
    )


def zero4(row: tuple[int | None, ...] | None) -> tuple[int, ...]:
    return (0, 0, 0, 0) if row is None else tuple(v or 0 for v in row)


# --- bilan annuel --------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2025, 2026])
def test_programmation_summary_equals_independent_sums(db: Database, path: Path, year: int) -> None:
    with db.read() as session:
        report = ev.annual_report_data(session, year, today=TODAY)
        table = finance.finance_table(session, year)
    summary = report.programmation
    with sqlite3.connect(path) as c:
        states = dict(
            c.execute(
                "SELECT state, count(*) FROM dossier WHERE year <= ? "
                "AND coalesce(last_year, year) >= ? GROUP BY state",
                (year, year),
            ).fetchall()
        )
        by_priority = {
            (root, nature): (r, p, g, k)
            for root, nature, r, p, g, k in c.execute(
                ROOTS
                + f"SELECT up.root, l.nature, {SUMS} "
                + FUNDING
                + "LEFT JOIN up ON up.id = coalesce(d.objective_id, a.objective_id) "
                "WHERE f.year = ? GROUP BY 1, 2",
                (year,),
            )
        }
        by_funder = {
            (funder, nature): (r, p, g, k)
            for funder, nature, r, p, g, k in c.execute(
                f"SELECT l.funder_id, l.nature, {SUMS} "
                + FUNDING
                + "WHERE f.year = ? GROUP BY 1, 2",
                (year,),
            )
        }
        paid_by_funder = dict(
            c.execute(
                "SELECT l.funder_id, sum(p.amount) FROM payment p "
                "JOIN funding f ON f.id = p.funding_id "
                "JOIN budget_line l ON l.id = f.budget_line_id "
                "WHERE f.year = ? AND p.paid_on IS NOT NULL GROUP BY 1",
                (year,),
            ).fetchall()
        )
        by_nature = {
            nature: (r, p, g, k)
            for nature, r, p, g, k in c.execute(
                f"SELECT l.nature, {SUMS} " + FUNDING + "WHERE f.year = ? GROUP BY 1", (year,)
            )
        }
        reports = c.execute(
            "SELECT count(*), count(report_received_on) FROM dossier WHERE year = ? "
            "AND state IN ('approved', 'agreement_signed', 'paid', 'report_received', 'closed')",
            (year,),
        ).fetchone()
        common_law_actions = c.execute(
            "SELECT count(*) FROM action WHERE kind = 'common_law' AND id IN "
            "(SELECT action_id FROM funding WHERE year = ?)",
            (year,),
        ).fetchone()[0]
    assert {s.state.value: s.count for s in summary.by_state} == states
    assert summary.dossier_count == sum(states.values())
    assert [s.state for s in summary.by_state] == [s for s in DossierState if s.value in states]
    for group in summary.by_priority:
        for nature, amounts in (("common_law", group.common_law), ("specific", group.specific)):
            assert cents(amounts) == zero4(by_priority.get((group.id, nature)))
    assert {g.id for g in summary.by_priority if g.total != Amounts.zero()} == {
        root for root, _ in by_priority
    }
    assert [g.code for g in summary.by_priority] == ["P1", "P2", "P3", "P4"]
    for group in summary.by_funder:
        for nature, amounts in (("common_law", group.common_law), ("specific", group.specific)):
            assert cents(amounts) == zero4(by_funder.get((group.id, nature)))
        assert group.total.paid.cents == (paid_by_funder.get(group.id) or 0)
    assert {g.id for g in summary.by_funder} == {funder for funder, _ in by_funder}
    assert cents(summary.common_law) == zero4(by_nature.get("common_law"))
    assert cents(summary.specific) == zero4(by_nature.get("specific"))
    # The same totals as the Financements page.
    assert summary.total.requested == table.total.requested
    assert summary.total.granted == table.total.granted
    assert summary.total.paid == table.total.paid
    nature_totals = {t.nature: t for t in table.by_nature}
    assert summary.common_law.granted == nature_totals[FundingNature.COMMON_LAW].granted
    assert (summary.reports_expected, summary.reports_received) == tuple(reports)
    assert summary.common_law_action_count == common_law_actions == 3


def test_bilan_coverage_indicators_participation_follow_ups(db: Database, path: Path) -> None:
    with db.read() as session:
        report = ev.annual_report_data(session, 2025, today=TODAY)
    with sqlite3.connect(path) as c:
        operational = {
            row[0] for row in c.execute("SELECT id FROM objective WHERE level = 'operational'")
        }
        served = {
            objective
            for (objective,) in c.execute(
                "SELECT coalesce(d.objective_id, a.objective_id) FROM dossier d "
                "JOIN action a ON a.id = d.action_id "
                "WHERE d.year <= 2025 AND coalesce(d.last_year, d.year) >= 2025 "
                "UNION SELECT coalesce(d.objective_id, a.objective_id) "
                + FUNDING
                + "WHERE f.year = 2025 "
                "UNION SELECT objective_id FROM action WHERE state <> 'dropped' "
                "AND coalesce(start_year, end_year) <= 2025 "
                "AND (end_year IS NULL OR end_year >= 2025)"
            )
        }
        measures: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for name, kind, value in c.execute(
            "SELECT i.name, m.kind, m.value FROM measurement m "
            "JOIN indicator i ON i.id = m.indicator_id "
            "WHERE m.year = 2025 AND i.action_id IS NOT NULL AND i.unit = 'personnes'"
        ):
            measures[(name, kind)] += Decimal(value)
        measured = c.execute(
            "SELECT count(DISTINCT indicator_id) FROM measurement WHERE year = 2025"
        ).fetchone()[0]
        events, participants = c.execute(
            "SELECT count(*), sum(participants) FROM participation_event "
            "WHERE held_on BETWEEN '2025-01-01' AND '2025-12-31'"
        ).fetchone()
        follow_ups = {
            row[0]
            for row in c.execute(
                "SELECT id FROM follow_up WHERE due_on BETWEEN '2025-01-01' AND '2025-12-31' "
                "OR done_on BETWEEN '2025-01-01' AND '2025-12-31' "
                "OR (state = 'open' AND (due_on IS NULL OR due_on <= '2025-12-31'))"
            )
        }
        poverty = {
            (name, year): Decimal(value)
            for name, year, value in c.execute(
                "SELECT territory_name, year, value FROM context_figure "
                "WHERE indicator = 'Taux de pauvreté' AND year <= 2025"
            )
        }
    uncovered = {row.objective_id for row in report.objectives_without_action}
    assert uncovered == operational - served
    assert uncovered, "the demo leaves objectives without action: they must stand out"
    assert report.objectives == len(operational)
    assert report.objectives_covered == len(operational & served)
    assert len(report.indicators) == measured
    totals = {t.name: t for t in report.indicator_totals}
    assert set(totals) == {
        "Bénéficiaires",
        "dont habitants du QPV",
        "dont femmes",
        "dont moins de 26 ans",
    }
    for name, total in totals.items():
        assert total.planned == measures[(name, "planned")]
        assert total.achieved == measures[(name, "achieved")]
        assert total.rate == (total.achieved * 100 / total.planned).quantize(Decimal("0.1"))
    assert len(report.participation) == events == 2
    assert report.participants == participants == 60
    assert {f.id for f in report.follow_ups} == follow_ups
    groups = {g.indicator: g for g in report.context}
    assert {"Taux de pauvreté", "Taux de chômage"} <= set(groups)
    poverty_group = groups["Taux de pauvreté"]
    assert poverty_group.years == (2017, 2020, 2025)
    for line in poverty_group.lines:
        for year, value in zip(poverty_group.years, line.values, strict=True):
            assert value == poverty.get((line.territory_name, year))
    town = next(line for line in poverty_group.lines if line.territory_name == "Clermont-l'Hérault")
    assert (town.previous_year, town.latest_year) == (2020, 2025)
    assert town.change == Decimal("22.6") - Decimal("23")
    assert poverty_group.lines[0].territory_label == "Quartier prioritaire"
    assert report.header.neighbourhood == "Centre-ville"


def test_follow_ups_are_overdue_when_open_past_their_date(db: Database) -> None:
    with db.read() as session:
        lines = ev.follow_up_lines(session, 2026, date(2026, 10, 1))
    by_what = {line.what: line for line in lines}
    assert by_what["Relancer les associations pour les comptes rendus financiers"].overdue
    assert not by_what["Préparer l'appel à projets 2027"].overdue
    done = by_what["Transmettre le bilan 2025 de la programmation au COPIL"]
    assert done.state_label == "Fait" and not done.overdue


# --- évaluation ----------------------------------------------------------------------------


def test_evaluation_equals_independent_sums(db: Database, path: Path) -> None:
    with db.read() as session:
        report = ev.evaluation_data(session, 2024, 2026, today=TODAY)
    years = (2024, 2025, 2026)
    with sqlite3.connect(path) as c:
        links_i = defaultdict(set)
        for question, indicator in c.execute("SELECT * FROM evaluative_question_indicator"):
            links_i[question].add(indicator)
        links_a = defaultdict(set)
        for question, action in c.execute("SELECT * FROM evaluative_question_action"):
            links_a[question].add(action)
        granted = {
            (action, year, nature): g or 0
            for action, year, nature, g in c.execute(
                "SELECT f.action_id, f.year, l.nature, sum(f.granted) "
                + FUNDING
                + "GROUP BY 1, 2, 3"
            )
        }
        values = {
            (indicator, year, kind): Decimal(value)
            for indicator, year, kind, value in c.execute(
                "SELECT indicator_id, year, kind, value FROM measurement"
            )
        }
        per_year = {
            (year, nature): (r, p, g, k)
            for year, nature, r, p, g, k in c.execute(
                f"SELECT f.year, l.nature, {SUMS} " + FUNDING + "GROUP BY 1, 2"
            )
        }
        per_priority = {
            (root, year): g or 0
            for root, year, g in c.execute(
                ROOTS
                + "SELECT up.root, f.year, sum(f.granted) "
                + FUNDING
                + "LEFT JOIN up ON up.id = coalesce(d.objective_id, a.objective_id) "
                "GROUP BY 1, 2"
            )
        }
        events = dict(
            c.execute(
                "SELECT CAST(strftime('%Y', held_on) AS INTEGER), count(*) "
                "FROM participation_event GROUP BY 1"
            ).fetchall()
        )
        questions = c.execute("SELECT count(*) FROM evaluative_question").fetchone()[0]
    assert report.years == years
    assert len(report.questions) == questions == 3
    for section in report.questions:
        assert {i.indicator_id for i in section.indicators} == links_i[section.id]
        assert {a.action_id for a in section.actions} == links_a[section.id]
        assert section.indicators and section.actions
        for trajectory in section.indicators:
            for point in trajectory.points:
                assert point.planned == values.get((trajectory.indicator_id, point.year, "planned"))
                assert point.achieved == values.get(
                    (trajectory.indicator_id, point.year, "achieved")
                )
        for money in section.money:
            for nature, amounts in (
                ("common_law", money.common_law),
                ("specific", money.specific),
            ):
                expected = sum(
                    granted.get((action, money.year, nature), 0) for action in links_a[section.id]
                )
                assert amounts.granted.cents == expected
        for action in section.actions:
            assert [p.year for p in action.points] == list(years)
    for year_money in report.money_by_year:
        for nature, amounts in (
            ("common_law", year_money.common_law),
            ("specific", year_money.specific),
        ):
            assert cents(amounts) == zero4(per_year.get((year_money.year, nature)))
    for priority in report.money_by_priority:
        for year_point in priority.years:
            assert year_point.total.granted.cents == per_priority.get(
                (priority.id, year_point.year), 0
            )
    assert (
        sum(p.total.granted.cents for p in report.money_by_priority) == report.total.granted.cents
    )
    assert [(p.year, p.events) for p in report.participation] == [
        (year, events.get(year, 0)) for year in years
    ]
    for summary in report.coverage:
        assert summary.covered + len(summary.uncovered_codes) == summary.objectives
    assert report.coverage[0].covered == 0  # nothing programmed in 2024
    assert {g.indicator for g in report.context} >= {"Taux de pauvreté", "Taux de chômage"}


def test_trajectories_say_where_an_indicator_went(db: Database) -> None:
    with db.read() as session:
        report = ev.evaluation_data(session, 2025, 2026, today=TODAY)
    economic = report.questions[1]
    jobs = next(t for t in economic.indicators if t.name.startswith("Jeunes du QPV"))
    assert jobs.owner_label.startswith("P")  # an objective's indicator
    assert jobs.baseline == Decimal(40) and jobs.target == Decimal(80)
    assert jobs.change == Decimal(7)  # 47 achieved in 2025 against a baseline of 40
    assert jobs.target_rate == Decimal("58.8")
    days = next(t for t in economic.indicators if t.name == "Demi-journées de permanence")
    assert [p.achieved for p in days.points] == [Decimal(84), Decimal(46)]
    assert days.change == Decimal(-38)


def test_an_inverted_span_is_refused(db: Database) -> None:
    with pytest.raises(ValidationError, match="précède la première"), db.read() as session:
        ev.evaluation_data(session, 2027, 2024)


# --- fiche action --------------------------------------------------------------------------


def test_action_sheet_of_a_reported_action(db: Database, path: Path) -> None:
    with sqlite3.connect(path) as c:
        dossier_id, action_id = c.execute(
            "SELECT id, action_id FROM dossier WHERE report_received_on IS NOT NULL "
            "ORDER BY sequence LIMIT 1"
        ).fetchone()
        granted = c.execute(
            "SELECT sum(granted) FROM funding WHERE action_id = ?", (action_id,)
        ).fetchone()[0]
        achieved = c.execute(
            "SELECT sum(achieved) FROM budget_entry WHERE dossier_id = ? AND side = 'charge'",
            (dossier_id,),
        ).fetchone()[0]
        indicators = c.execute(
            "SELECT count(*) FROM indicator WHERE action_id = ?", (action_id,)
        ).fetchone()[0]
        questions = [
            q
            for (q,) in c.execute(
                "SELECT l.question_id FROM evaluative_question_action l "
                "JOIN evaluative_question q ON q.id = l.question_id "
                "WHERE l.action_id = ? ORDER BY q.position",
                (action_id,),
            )
        ]
    with db.read() as session:
        sheet = ev.action_sheet_data(session, action_id, today=TODAY)
    assert sheet.action.id == action_id
    assert sheet.total.granted.cents == granted
    assert [r.dossier_id for r in sheet.reports] == [dossier_id]
    report = sheet.reports[0]
    assert report.state is DossierState.REPORT_RECEIVED
    assert report.total_charges.achieved is not None
    assert report.total_charges.achieved.cents == achieved
    assert report.report_text
    assert len(sheet.indicators) == indicators >= 4
    assert sheet.header.contract_name
    assert sheet.generated_on == TODAY
    assert [q.id for q in sheet.action.questions] == questions
