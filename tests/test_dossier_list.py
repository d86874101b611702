"""The Dossiers list: rows equal to independent SQL sums, every filter kind, every sort key."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from qpvdesk.core.domain.enums import DossierState, FundingNature, ObjectiveLevel
from qpvdesk.core.domain.models import (
    Action,
    BudgetLine,
    CallForProjects,
    Dossier,
    Funding,
    Objective,
    Organisation,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.services import dossier_list as dl
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.database import Database, open_database

TEMPLATE: dict[str, bytes] = {}


def _add_extras(session: object) -> None:
    """Dossiers the demo lacks: accented title, late, multi-year, unfunded, no objective."""
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    contract_id = session.scalar(select(Objective.contract_id).limit(1))
    operational = session.scalars(
        select(Objective).where(Objective.level == ObjectiveLevel.OPERATIONAL)
    ).first()
    assert operational is not None and contract_id is not None
    holder = Organisation(name="Élan des Écoles (fictif)", search_name=fold("Élan des Écoles"))
    session.add(holder)
    call = session.scalars(select(CallForProjects).where(CallForProjects.year == 2026)).one()
    lines = session.scalars(select(BudgetLine).order_by(BudgetLine.id)).all()
    session.flush()

    def dossier(sequence: int, title: str, objective_id: int | None, **fields: object) -> Dossier:
        action = Action(contract_id=contract_id, title=title, holder_id=holder.id)
        session.add(action)
        session.flush()
        reference = f"2026-{sequence:03d}"
        item = Dossier(
            reference=reference,
            year=2026,
            sequence=sequence,
            call_id=call.id,
            action_id=action.id,
            holder_id=holder.id,
            objective_id=objective_id,
            search_text=fold(f"{reference} {holder.name} {title}"),
            **fields,
        )
        session.add(item)
        session.flush()
        return item

    accented = dossier(
        100,
        "Soutien scolaire des ÉLÈVES de l'école Jean-Moulin",
        operational.id,
        state=DossierState.UNDER_REVIEW,
        received_on=date(2026, 2, 10),  # after the call closed on 31/01
        total_cost=Money.from_euros(9000),
    )
    cpo = dossier(
        101,
        "Cœur de quartier : convention pluriannuelle",
        operational.id,
        state=DossierState.AGREEMENT_SIGNED,
        received_on=date(2026, 1, 5),
        last_year=2028,
        total_cost=Money.from_euros(90000),
    )
    dossier(102, "Projet sans financement", None, received_on=None)
    for year in (2026, 2027, 2028):
        session.add(
            Funding(
                action_id=cpo.action_id,
                dossier_id=cpo.id,
                budget_line_id=lines[4].id,
                year=year,
                requested=Money.from_euros(10000),
                proposed=Money.from_euros(9000),
                granted=Money.from_euros(8000) if year == 2026 else None,
            )
        )
    session.add(
        Funding(
            action_id=accented.action_id,
            dossier_id=accented.id,
            budget_line_id=lines[-1].id,
            year=2026,
            requested=Money(123_45),
        )
    )


@pytest.fixture
def db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The demo programmation plus a few edge cases (built once, copied per test)."""
    if "demo" not in TEMPLATE:
        path = tmp_path_factory.mktemp("list") / "demo.sqlite"
        create_new_database(path, "demo")
        database = open_database(path, backup_on_open=False)
        with database.unit_of_work() as session:
            _add_extras(session)
        database.close()
        TEMPLATE["demo"] = path.read_bytes()
    target = tmp_path / "qpvdesk.sqlite"
    target.write_bytes(TEMPLATE["demo"])
    database = open_database(target, backup_on_open=False)
    yield database
    database.close()


def raw(database: Database) -> sqlite3.Connection:
    return sqlite3.connect(f"{database.path.resolve().as_uri()}?mode=ro", uri=True)


def load(database: Database, years: set[int] | None = None) -> list[dl.DossierRow]:
    with database.read() as session:
        return dl.dossier_rows(session, years)


def ids(rows: list[dl.DossierRow]) -> set[int]:
    return {row.id for row in rows}


def test_rows_equal_independent_sums(db: Database) -> None:
    rows = load(db)
    with raw(db) as connection:
        count = connection.execute("SELECT count(*) FROM dossier").fetchone()[0]
        sums = {
            d: (r or 0, p or 0, g or 0)
            for d, r, p, g in connection.execute(
                "SELECT dossier_id, sum(requested), sum(proposed), sum(granted) "
                "FROM funding WHERE dossier_id IS NOT NULL GROUP BY dossier_id"
            )
        }
        funders: dict[int, set[int]] = {}
        natures: dict[int, set[str]] = {}
        for dossier_id, funder_id, nature in connection.execute(
            "SELECT f.dossier_id, b.funder_id, b.nature FROM funding f "
            "JOIN budget_line b ON b.id = f.budget_line_id WHERE f.dossier_id IS NOT NULL"
        ):
            funders.setdefault(dossier_id, set()).add(funder_id)
            natures.setdefault(dossier_id, set()).add(nature)
        details = {
            d: rest
            for d, *rest in connection.execute(
                "SELECT d.id, d.reference, o.name, a.title, d.total_cost, d.state, ob.code, "
                "d.search_text, d.holder_id FROM dossier d "
                "JOIN organisation o ON o.id = d.holder_id JOIN action a ON a.id = d.action_id "
                "LEFT JOIN objective ob ON ob.id = d.objective_id"
            )
        }
    assert len(rows) == count == len(details) > 40
    assert len(ids(rows)) == count
    for row in rows:
        requested, proposed, granted = sums.get(row.id, (0, 0, 0))
        assert (row.requested, row.proposed, row.granted) == (
            Money(requested),
            Money(proposed),
            Money(granted),
        )
        assert row.funder_ids == tuple(sorted(funders.get(row.id, set())))
        assert {n.value for n in row.natures} == natures.get(row.id, set())
        reference, holder, title, cost, state, code, search, holder_id = details[row.id]
        assert (row.reference, row.holder_name, row.action_title) == (reference, holder, title)
        assert (row.holder_id, row.search_text) == (holder_id, search)
        assert row.total_cost == Money(cost)
        assert row.state is DossierState(state)
        assert row.state_label == DossierState(state).label
        assert row.objective_code == code
        assert row.priority_code == (None if code is None else code.split(".")[0])
        assert row.updated_at.tzinfo is not None
    # In year, then number order.
    assert [(r.year, r.sequence) for r in rows] == sorted((r.year, r.sequence) for r in rows)


def test_the_edge_cases_come_back_right(db: Database) -> None:
    rows = {row.reference: row for row in load(db)}
    late, cpo, bare = rows["2026-100"], rows["2026-101"], rows["2026-102"]
    assert late.late and not cpo.late and not bare.late
    with raw(db) as connection:
        received_late = {
            reference
            for (reference,) in connection.execute(
                "SELECT d.reference FROM dossier d JOIN call_for_projects c ON c.id = d.call_id "
                "WHERE d.received_on > c.closes_on"
            )
        }
    assert "2026-100" in received_late
    assert {ref for ref, row in rows.items() if row.late} == received_late
    # A multi-year agreement adds up every yearly tranche.
    assert (cpo.requested, cpo.proposed, cpo.granted) == (
        Money.from_euros(30000),
        Money.from_euros(27000),
        Money.from_euros(8000),
    )
    assert (bare.requested, bare.granted, bare.funder_ids, bare.natures) == (
        Money.zero(),
        Money.zero(),
        (),
        (),
    )
    assert bare.objective_code is None and bare.priority_code is None
    with pytest.raises(AttributeError):
        late.state = DossierState.CLOSED  # type: ignore[misc]


def test_years_restrict_the_rows(db: Database) -> None:
    every = load(db)
    only = load(db, {2025})
    assert only and {row.year for row in only} == {2025}
    assert only == [row for row in every if row.year == 2025]
    assert load(db, set()) == []


def test_a_few_rows_refresh_without_reloading_the_list(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = load(db)
    wanted = {every[3].id, every[-1].id, every[10].id}
    with db.read() as session:
        assert dl.dossier_rows(session, dossier_ids=wanted) == [r for r in every if r.id in wanted]
        assert dl.dossier_rows(session, {2025}, dossier_ids=wanted) == [
            r for r in every if r.id in wanted and r.year == 2025
        ]
        assert dl.dossier_rows(session, dossier_ids=[]) == []
        monkeypatch.setattr(dl, "ID_CHUNK", 7)
        assert dl.dossier_rows(session, dossier_ids=[r.id for r in every]) == every


def test_more_pairs_than_a_mask_column_holds(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = load(db)
    monkeypatch.setattr(dl, "BITS_PER_COLUMN", 2)
    assert load(db) == expected


def test_typed_words_ignore_case_and_accents(db: Database) -> None:
    rows = load(db)
    for typed in ("eleve", "ÉLÈVE", "élèves", "  Eleves  jean-moulin ", "L'ÉCOLE jean"):
        found = dl.DossierFilter(text=typed).apply(rows)
        assert [row.reference for row in found] == ["2026-100"], typed
    assert dl.DossierFilter(text="eleve zzz").apply(rows) == []
    assert [r.reference for r in dl.DossierFilter(text="cœur de QUARTIER").apply(rows)] == [
        "2026-101"
    ]
    # The reference and the holder are searched too.
    assert [r.reference for r in dl.DossierFilter(text="2026-102").apply(rows)] == ["2026-102"]
    assert len(dl.DossierFilter(text="elan des").apply(rows)) == 3
    assert dl.DossierFilter(text="   ").apply(rows) == rows
    assert dl.DossierFilter().is_empty and not dl.DossierFilter(text="x").is_empty


def test_every_filter_kind_matches_independent_sql(db: Database) -> None:
    rows = load(db)
    with raw(db) as c:

        def sql_ids(query: str, *params: object) -> set[int]:
            return {row[0] for row in c.execute(query, params)}

        holder = c.execute("SELECT holder_id FROM dossier ORDER BY id LIMIT 1").fetchone()[0]
        objective = c.execute(
            "SELECT objective_id FROM dossier WHERE objective_id IS NOT NULL LIMIT 1"
        ).fetchone()[0]
        funder = c.execute(
            "SELECT b.funder_id FROM funding f JOIN budget_line b ON b.id = f.budget_line_id "
            "WHERE b.nature = 'common_law' LIMIT 1"
        ).fetchone()[0]
        cases = [
            (
                dl.DossierFilter(years=frozenset({2025})),
                sql_ids("SELECT id FROM dossier WHERE year = 2025"),
            ),
            (
                dl.DossierFilter(states=frozenset({DossierState.PAID, DossierState.REFUSED})),
                sql_ids("SELECT id FROM dossier WHERE state IN ('paid', 'refused')"),
            ),
            (
                dl.DossierFilter(holder_ids=frozenset({holder})),
                sql_ids("SELECT id FROM dossier WHERE holder_id = ?", holder),
            ),
            (
                dl.DossierFilter(objective_ids=frozenset({objective})),
                sql_ids("SELECT id FROM dossier WHERE objective_id = ?", objective),
            ),
            (
                dl.DossierFilter(priority_codes=frozenset({"P2", "P4"})),
                sql_ids(
                    "SELECT d.id FROM dossier d JOIN objective o ON o.id = d.objective_id "
                    "WHERE o.code LIKE 'P2.%' OR o.code LIKE 'P4.%'"
                ),
            ),
            (
                dl.DossierFilter(funder_ids=frozenset({funder})),
                sql_ids(
                    "SELECT f.dossier_id FROM funding f JOIN budget_line b "
                    "ON b.id = f.budget_line_id WHERE b.funder_id = ? "
                    "AND f.dossier_id IS NOT NULL",
                    funder,
                ),
            ),
            (
                dl.DossierFilter(natures=frozenset({FundingNature.SPECIFIC})),
                sql_ids(
                    "SELECT f.dossier_id FROM funding f JOIN budget_line b "
                    "ON b.id = f.budget_line_id WHERE b.nature = 'specific' "
                    "AND f.dossier_id IS NOT NULL"
                ),
            ),
        ]
    for criteria, expected in cases:
        assert expected, criteria
        found = criteria.apply(rows)
        assert ids(found) == expected, criteria
        assert all(criteria.matches(row) for row in found)
    # Criteria combine with "and"; the order of the rows is kept.
    both = dl.DossierFilter(years=frozenset({2025}), natures=frozenset({FundingNature.SPECIFIC}))
    assert ids(both.apply(rows)) == cases[0][1] & cases[-1][1]
    assert both.apply(rows) == [row for row in rows if row.id in cases[0][1] & cases[-1][1]]


def test_sort_keys_cover_every_column_and_sort_the_french_way(db: Database) -> None:
    rows = load(db)
    for column, key in dl.SORT_KEYS.items():
        ordered = dl.sort_rows(rows, column)
        assert len(ordered) == len(rows), column
        assert [key(r) for r in ordered] == sorted(key(r) for r in rows), column
        assert dl.sort_rows(rows, column, descending=True)[0] in rows
    by_holder = [row.holder_name for row in dl.sort_rows(rows, "holder")]
    # « Élan » sorts among the E's, not after the Z's.
    first_e = next(i for i, name in enumerate(by_holder) if name.startswith("Élan"))
    assert by_holder[first_e - 1][0] in "CDE" and by_holder[first_e + 3][0] in "EFGJ"
    by_reference = dl.sort_rows(rows, "reference")
    assert [r.reference for r in by_reference if r.year == 2026][-3:] == [
        "2026-100",
        "2026-101",
        "2026-102",
    ]
    states = [row.state for row in dl.sort_rows(rows, "state")]
    order = list(DossierState)
    assert states == sorted(states, key=order.index)
    amounts = [row.requested.cents for row in dl.sort_rows(rows, "requested", descending=True)]
    assert amounts == sorted(amounts, reverse=True)
    assert dl.text_sort_key("Œuvre Élan") == "oeuvre elan"


def test_filter_options_offer_what_the_dossiers_use(db: Database) -> None:
    with db.read() as session:
        options = dl.filter_options(session)
        dossier_objectives = set(session.scalars(select(Dossier.objective_id)).all()) - {None}
        holders = set(session.scalars(select(Dossier.holder_id)).all())
        funders = set(
            session.scalars(
                select(BudgetLine.funder_id)
                .join(Funding, Funding.budget_line_id == BudgetLine.id)
                .where(Funding.dossier_id.is_not(None))
            ).all()
        )
    rows = load(db)
    assert options.years == (2026, 2025)
    assert [c.value for c in options.states] == [
        s for s in DossierState if s in {row.state for row in rows}
    ]
    assert {c.value for c in options.objectives} == dossier_objectives
    assert {c.value for c in options.priorities} == {
        row.priority_code for row in rows if row.priority_code
    }
    assert {c.value for c in options.holders} == holders
    assert {c.value for c in options.funders} == funders
    assert [c.value for c in options.natures] == list(FundingNature)
    assert options.priorities[0].label.startswith("P1 – ")
    labels = [c.label for c in options.holders]
    assert labels == sorted(labels, key=dl.text_sort_key)


def test_the_filter_is_remembered_as_plain_data() -> None:
    criteria = dl.DossierFilter(
        text="Élève",
        years=frozenset({2025, 2026}),
        states=frozenset({DossierState.PAID}),
        priority_codes=frozenset({"P2"}),
        objective_ids=frozenset({7}),
        funder_ids=frozenset({3}),
        natures=frozenset({FundingNature.SPECIFIC}),
        holder_ids=frozenset({12}),
    )
    saved = json.loads(json.dumps(criteria.to_dict()))
    assert dl.DossierFilter.from_dict(saved) == criteria
    damaged = {"text": 3, "years": ["2025", "x"], "states": ["paid", "lost"], "natures": "?"}
    assert dl.DossierFilter.from_dict(damaged) == dl.DossierFilter(
        years=frozenset({2025}), states=frozenset({DossierState.PAID})
    )


def test_the_text_sort_key_drops_accents_and_case_and_spells_out_ligatures() -> None:
    dl.text_sort_key.cache_clear()
    assert dl.text_sort_key("Élan des Écoles") == "elan des ecoles"
    assert dl.text_sort_key("Cœur de ville, ŒUVRE, Æsope") == "coeur de ville, oeuvre, aesope"
    assert dl.text_sort_key("Ça déménage à Noël") == "ca demenage a noel"
    assert dl.text_sort_key("Jardin partagé") < dl.text_sort_key("jardin Potager")
    # Letters outside Latin keep their place (only case is folded).
    assert dl.text_sort_key("Ελπίδα") == "Ελπίδα".casefold()
