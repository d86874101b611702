"""Actions through the services: the editor, states, themes, notes, rows and the coverage view."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qpvdesk.core.domain.enums import (
    ActionKind,
    ActionState,
    FundingNature,
    ObjectiveLevel,
)
from qpvdesk.core.domain.models import (
    Action,
    ActionNote,
    BudgetLine,
    CrossCuttingTheme,
    Dossier,
    Objective,
    Organisation,
    action_theme,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services import actions as act
from qpvdesk.core.services import finance, funding
from qpvdesk.core.services.calls import FormError
from qpvdesk.core.services.demo import add_demo_programmation
from qpvdesk.core.storage import changes
from qpvdesk.core.storage.database import Database, Recorder, open_database

DEMO_TEMPLATE: dict[str, Path] = {}


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


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
def demo(demo_path: Path) -> Iterator[Database]:
    database = open_database(demo_path, backup_on_open=False)
    yield database
    database.close()


@dataclasses.dataclass
class Ids:
    partner: int
    association: int
    operational: list[int]
    priority: int
    themes: list[int]
    common_law_line: int


@pytest.fixture
def ids(db: Database) -> Ids:
    with db.unit_of_work() as session:
        association = Organisation(name="Association Les Petits Pas", search_name="")
        session.add(association)
        session.flush()
        line = session.scalars(
            select(BudgetLine).where(BudgetLine.nature == FundingNature.COMMON_LAW)
        ).first()
        assert line is not None
        return Ids(
            partner=line.funder_id,
            association=association.id,
            operational=list(
                session.scalars(
                    select(Objective.id)
                    .where(Objective.level == ObjectiveLevel.OPERATIONAL)
                    .order_by(Objective.code)
                )
            ),
            priority=session.scalars(
                select(Objective.id).where(Objective.level == ObjectiveLevel.PRIORITY)
            ).first()
            or 0,
            themes=list(
                session.scalars(select(CrossCuttingTheme.id).order_by(CrossCuttingTheme.id))
            ),
            common_law_line=line.id,
        )


def base_input(ids: Ids, **changes_: object) -> act.ActionInput:
    data = act.ActionInput(
        title="  Ateliers  de quartier ",
        objective_id=ids.operational[0],
        start_year=2025,
        end_year=2026,
        holder_id=ids.association,
        place="Maison de quartier",
        public="Familles",
        theme_ids=(ids.themes[0], ids.themes[3]),
    )
    return dataclasses.replace(data, **changes_)  # type: ignore[arg-type]


def fields(error: FormError) -> dict[str, str]:
    return {e.field: e.message for e in error.errors}


# --- the editor ----------------------------------------------------------------------------


def test_create_a_call_action_and_a_droit_commun_action(db: Database, ids: Ids) -> None:
    with db.unit_of_work() as session:
        call_id = act.create_action(session, base_input(ids))
        common_id = act.create_action(
            session,
            act.ActionInput(
                title="Médiation sociale du bailleur",
                objective_id=ids.operational[1],
                start_year=2025,
                holder_id=ids.partner,
                kind=ActionKind.COMMON_LAW,
                state=ActionState.RUNNING,
            ),
        )
        funding.set_common_law_funding(
            session, common_id, ids.common_law_line, 2025, Money.from_euros(12_000)
        )
    with db.read() as session:
        rows = {row.id: row for row in act.action_rows(session)}
        code = session.scalar(select(Objective.code).where(Objective.id == ids.operational[0]))
        theme_titles = [
            session.get(CrossCuttingTheme, t).title  # type: ignore[union-attr]
            for t in (ids.themes[0], ids.themes[3])
        ]
    call = rows[call_id]
    assert call.title == "Ateliers de quartier"
    assert call.holder_name == "Association Les Petits Pas"
    assert call.objective_code == code
    assert call.theme_titles == tuple(theme_titles)
    assert call.period_label == "2025–2026"
    assert (call.kind_label, call.state_label) == ("Appel à projets", "Prévue")
    assert (call.place, call.public) == ("Maison de quartier", "Familles")
    assert call.dossiers == () and call.years == ()
    common = rows[common_id]
    assert (common.kind_label, common.state_label) == ("Droit commun", "En cours")
    assert common.is_common_law
    # Funding a year closes an open period on that year (the funding service's rule).
    assert common.period_label == "2025"
    assert common.year(2025).common_law.granted == Money.from_euros(12_000)
    assert common.year(2025).specific.granted == Money(0)
    assert common.common_law.granted == Money.from_euros(12_000)


def test_the_form_names_every_field_in_french(db: Database, ids: Ids) -> None:
    with db.read() as session:
        errors = fields(
            FormError(
                act.validate_action_input(
                    session,
                    base_input(
                        ids,
                        title=" ",
                        objective_id=ids.priority,
                        start_year=2026,
                        end_year=2025,
                        theme_ids=(99_999,),
                        place="x" * 301,
                    ),
                )
            )
        )
    assert errors["title"].startswith("Intitulé : indiquez")
    assert "choisissez un objectif opérationnel" in errors["objective_id"]
    assert errors["end_year"] == (
        "Dernière année : la dernière année (2025) précède la première (2026)."
    )
    assert "Axes transversaux" in errors["theme_ids"]
    assert errors["place"] == "Lieu : 300 caractères au plus."
    with (
        pytest.raises(FormError, match="Première année : le contrat de ville couvre 2024 à 2030"),
        db.unit_of_work() as session,
    ):
        act.create_action(session, base_input(ids, start_year=2031, end_year=None))
    with (
        pytest.raises(FormError, match="Objectif opérationnel : choisissez"),
        db.unit_of_work() as session,
    ):
        act.create_action(session, base_input(ids, objective_id=None))
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0


def test_update_keeps_dossier_years_and_refuses_droit_commun_with_dossiers(
    demo: Database,
) -> None:
    with demo.read() as session:
        action_id = session.scalars(
            select(Dossier.action_id).where(Dossier.year == 2025).order_by(Dossier.sequence)
        ).first()
        assert action_id is not None
        data = act.action_detail(session, action_id).as_input()
    assert (data.start_year, data.end_year) == (2025, 2026)
    with pytest.raises(FormError) as caught, demo.unit_of_work() as session:
        act.update_action(
            session,
            action_id,
            dataclasses.replace(data, start_year=2026, kind=ActionKind.COMMON_LAW),
        )
    errors = fields(caught.value)
    assert "dossier ou un financement en 2025" in errors["start_year"]
    assert "2 dossiers de demande de subvention" in errors["kind"]
    with demo.unit_of_work() as session:
        act.update_action(
            session,
            action_id,
            dataclasses.replace(data, title="Accompagnement scolaire renforcé", end_year=2027),
        )
    with demo.read() as session:
        row = act.action_rows(session, action_ids=[action_id])[0]
        search = session.scalars(
            select(Dossier.search_text).where(Dossier.action_id == action_id)
        ).all()
    assert row.title == "Accompagnement scolaire renforcé" and row.end_year == 2027
    assert all(fold("scolaire renforcé") in text for text in search)


def test_states_themes_and_notes(db: Database, ids: Ids) -> None:
    with db.unit_of_work() as session:
        action_id = act.create_action(session, base_input(ids))
        act.set_action_state(session, action_id, ActionState.DONE)
        act.set_action_themes(session, action_id, [ids.themes[1]])
        first = act.add_note(session, action_id, date(2025, 3, 1), "  Lancement avec 12 familles. ")
        second = act.add_note(session, action_id, date(2025, 6, 1), "Point d'étape.")
    with pytest.raises(ValidationError, match="Note : le texte"), db.unit_of_work() as session:
        act.add_note(session, action_id, date(2025, 7, 1), "   ")
    with pytest.raises(ValidationError, match="Date : indiquez"), db.unit_of_work() as session:
        act.add_note(session, action_id, None, "Sans date")
    with pytest.raises(ValidationError, match="Axes"), db.unit_of_work() as session:
        act.set_action_themes(session, action_id, [123_456])
    with db.unit_of_work() as session:
        act.update_note(session, first, date(2025, 9, 1), "Lancement reporté en septembre.")
        act.delete_note(session, second)
    with db.read() as session:
        row = act.action_rows(session, action_ids=[action_id])[0]
        notes = act.note_rows(session, action_id)
    assert row.state_label == "Réalisée"
    assert row.theme_ids == (ids.themes[1],)
    assert [(n.written_on, n.text) for n in notes] == [
        (date(2025, 9, 1), "Lancement reporté en septembre.")
    ]
    assert row.last_note_on == date(2025, 9, 1)


def test_undo_brings_back_an_action_with_its_themes(db: Database, ids: Ids) -> None:
    recorder = Recorder()
    with db.unit_of_work(recorder) as session:
        action_id = act.create_action(session, base_input(ids))
    assert {"action", "action_theme"} <= recorder.changes.tables
    with db.unit_of_work() as session:
        changes.undo(session, recorder.changes)
    with db.read() as session:
        assert session.get(Action, action_id) is None
        assert session.scalar(select(func.count()).select_from(action_theme)) == 0
    with db.unit_of_work() as session:
        changes.redo(session, recorder.changes)
    with db.read() as session:
        assert act.theme_ids_of(session, action_id) == (ids.themes[0], ids.themes[3])


def test_delete_only_an_action_without_dossier_or_funding(demo: Database) -> None:
    with demo.read() as session:
        with_dossier = session.scalars(select(Dossier.action_id)).first()
        objective = session.scalars(
            select(Objective.id).where(Objective.level == ObjectiveLevel.OPERATIONAL)
        ).first()
    assert with_dossier is not None
    with (
        pytest.raises(ValidationError, match="ne peut pas être supprimée"),
        demo.unit_of_work() as session,
    ):
        act.delete_action(session, with_dossier)
    with demo.unit_of_work() as session:
        action_id = act.create_action(
            session, act.ActionInput(title="Idée d'action", objective_id=objective, start_year=2027)
        )
        act.add_note(session, action_id, date(2026, 1, 5), "À étudier.")
    with demo.unit_of_work() as session:
        act.delete_action(session, action_id)
    with demo.read() as session:
        assert session.get(Action, action_id) is None
        assert session.scalar(select(func.count()).where(ActionNote.action_id == action_id)) == 0


# --- rows on the demo ----------------------------------------------------------------------


def test_action_rows_equal_independent_sums(demo: Database, demo_path: Path) -> None:
    with demo.read() as session:
        rows = act.action_rows(session)
        rows_2026 = act.action_rows(session, year=2026)
    with sqlite3.connect(demo_path) as c:
        expected = {
            (action, year, nature): (r or 0, g or 0)
            for action, year, nature, r, g in c.execute(
                "SELECT f.action_id, f.year, l.nature, sum(f.requested), sum(f.granted) "
                "FROM funding f JOIN budget_line l ON l.id = f.budget_line_id "
                "GROUP BY f.action_id, f.year, l.nature"
            )
        }
        paid = {
            (action, year): cents
            for action, year, cents in c.execute(
                "SELECT f.action_id, f.year, sum(p.amount) FROM payment p "
                "JOIN funding f ON f.id = p.funding_id WHERE p.paid_on IS NOT NULL "
                "GROUP BY f.action_id, f.year"
            )
        }
        dossiers = {
            action: [
                ref
                for (ref,) in c.execute(
                    "SELECT reference FROM dossier WHERE action_id = ? ORDER BY year, sequence",
                    (action,),
                )
            ]
            for (action,) in c.execute("SELECT id FROM action")
        }
        count = c.execute("SELECT count(*) FROM action").fetchone()[0]
    assert len(rows) == count == 24
    seen = set()
    for row in rows:
        assert [d.reference for d in row.dossiers] == dossiers[row.id]
        for year in row.years:
            for nature, amounts in (
                (FundingNature.COMMON_LAW.value, year.common_law),
                (FundingNature.SPECIFIC.value, year.specific),
            ):
                key = (row.id, year.year, nature)
                assert (amounts.requested.cents, amounts.granted.cents) == expected.get(key, (0, 0))
                seen.add(key)
            assert year.total.paid.cents == paid.get((row.id, year.year), 0)
    assert seen >= set(expected)
    # 2026: the twenty renewed or new actions, the CPO and the three droit commun ones.
    assert {r.id for r in rows_2026} >= {r.id for r in rows if r.year(2026).total.requested}
    common = [r for r in rows if r.is_common_law]
    assert len(common) == 3 and all(r.dossiers == () for r in common)


def test_detail_gathers_funding_notes_and_framework(demo: Database) -> None:
    with demo.read() as session:
        cpo = session.scalars(select(Dossier).where(Dossier.last_year.is_not(None))).one()
        detail = act.action_detail(session, cpo.action_id)
    assert detail.priority_code is not None and detail.strategic_code is not None
    assert detail.row.objective_code is not None
    assert detail.row.objective_code.startswith(detail.strategic_code + ".")
    assert {f.year for f in detail.funding} == {2025, 2026, 2027}
    assert detail.row.dossiers[0].years_label == "2025–2027"
    granted = sum(f.granted.cents for f in detail.funding if f.granted is not None)
    assert detail.row.total.granted.cents == granted


# --- coverage ------------------------------------------------------------------------------


def test_coverage_flags_every_objective_without_action(db: Database, ids: Ids) -> None:
    with db.unit_of_work() as session:
        act.create_action(session, base_input(ids, objective_id=ids.operational[2]))
        common_id = act.create_action(
            session,
            act.ActionInput(
                title="Permanences du partenaire",
                objective_id=ids.operational[5],
                start_year=2024,
                holder_id=ids.partner,
                kind=ActionKind.COMMON_LAW,
            ),
        )
        funding.set_common_law_funding(
            session, common_id, ids.common_law_line, 2025, Money.from_euros(8_000)
        )
        dropped = act.create_action(
            session,
            base_input(ids, title="Action abandonnée", objective_id=ids.operational[7]),
        )
        act.set_action_state(session, dropped, ActionState.DROPPED)
    with db.read() as session:
        rows = act.coverage(session, 2025)
        rows_2024 = act.coverage(session, 2024)
        operational = session.scalar(
            select(func.count()).where(Objective.level == ObjectiveLevel.OPERATIONAL)
        )
    assert len(rows) == operational
    by_id = {row.objective_id: row for row in rows}
    covered = by_id[ids.operational[2]]
    assert not covered.without_action and covered.actions[0].title == "Ateliers de quartier"
    assert covered.priority_code and covered.strategic_code
    assert by_id[ids.operational[5]].common_law.granted == Money.from_euros(8_000)
    assert by_id[ids.operational[5]].specific.granted == Money(0)
    # The dropped action does not cover its objective: it stands out as without action.
    assert by_id[ids.operational[7]].without_action
    assert sum(1 for row in rows if row.without_action) == operational - 2
    # 2024: only the droit commun action whose period starts that year.
    assert [r.objective_id for r in rows_2024 if r.actions] == [ids.operational[5]]
    assert rows[-1].objective_id is not None  # no action without objective yet


def test_coverage_gathers_actions_without_operational_objective_last(
    db: Database, ids: Ids
) -> None:
    with db.unit_of_work() as session:
        orphan = funding.create_common_law_action(session, "Veille sociale", ids.partner, 2026)
    with db.read() as session:
        rows = act.coverage(session, 2026)
        row = act.action_rows(session, action_ids=[orphan])[0]
    last = rows[-1]
    assert last.objective_id is None and last.objective_title == "Sans objectif opérationnel"
    assert [a.action_id for a in last.actions] == [orphan]
    assert not last.without_action
    assert row.objective_code is None and row.period_label == "2026"


def test_coverage_money_equals_the_financements_page_and_sql(
    demo: Database, demo_path: Path
) -> None:
    with demo.read() as session:
        rows = act.coverage(session, 2025)
        by_objective = {
            r.objective_id: r
            for r in finance.finance_by_objective(session, 2025)
            if r.level is ObjectiveLevel.OPERATIONAL
        }
        refused = session.scalars(
            select(Dossier.action_id).where(Dossier.year == 2025, Dossier.state == "refused")
        ).all()
    with sqlite3.connect(demo_path) as c:
        sums = {
            (objective, nature): (r or 0, g or 0)
            for objective, nature, r, g in c.execute(
                "SELECT coalesce(d.objective_id, a.objective_id), l.nature, "
                "sum(f.requested), sum(f.granted) FROM funding f "
                "JOIN action a ON a.id = f.action_id "
                "JOIN budget_line l ON l.id = f.budget_line_id "
                "LEFT JOIN dossier d ON d.id = f.dossier_id WHERE f.year = 2025 "
                "GROUP BY 1, 2"
            )
        }
        served = {
            objective
            for (objective,) in c.execute(
                "SELECT coalesce(d.objective_id, a.objective_id) FROM dossier d "
                "JOIN action a ON a.id = d.action_id "
                "WHERE d.year <= 2025 AND coalesce(d.last_year, d.year) >= 2025 "
                "UNION SELECT coalesce(d.objective_id, a.objective_id) FROM funding f "
                "JOIN action a ON a.id = f.action_id LEFT JOIN dossier d ON d.id = f.dossier_id "
                "WHERE f.year = 2025 "
                "UNION SELECT objective_id FROM action WHERE state <> 'dropped' "
                "AND coalesce(start_year, end_year) <= 2025 "
                "AND (end_year IS NULL OR end_year >= 2025)"
            )
        }
    for row in rows:
        for nature, amounts in (("common_law", row.common_law), ("specific", row.specific)):
            expected = sums.get((row.objective_id, nature), (0, 0))
            assert (amounts.requested.cents, amounts.granted.cents) == expected
        if row.objective_id in by_objective:
            assert row.total == by_objective[row.objective_id].amounts
        assert row.without_action == (row.objective_id not in served)
    assert any(row.without_action for row in rows)
    flagged = [a for row in rows for a in row.actions if a.failed]
    assert {a.action_id for a in flagged} == set(refused)
    assert all(a.dossier_states_label == "Refusé" for a in flagged)
