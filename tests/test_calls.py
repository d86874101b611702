"""Calls for projects through the services: editing, states, list rows, late dossiers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qpvdesk.core.domain.enums import CallState, ObjectiveLevel
from qpvdesk.core.domain.models import (
    BudgetLine,
    CallForProjects,
    Envelope,
    Objective,
    Organisation,
    call_envelope,
    call_objective,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services import calls
from qpvdesk.core.services import dossiers as ds
from qpvdesk.core.storage.database import Database, open_database


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


def eur(euros: int) -> Money:
    return Money.from_euros(euros)


@pytest.fixture
def envelopes(db: Database) -> dict[tuple[str, int], int]:
    """Envelopes of three lines for 2025 and 2026: (code, year) → id."""
    amounts = {"BOP147": 80_000, "VVV": 12_000, "PDI": 30_000}
    found: dict[tuple[str, int], int] = {}
    with db.unit_of_work() as session:
        for code, euros in amounts.items():
            line_id = session.scalars(select(BudgetLine.id).where(BudgetLine.code == code)).one()
            for year in (2025, 2026):
                envelope = Envelope(budget_line_id=line_id, year=year, amount=eur(euros + year))
                session.add(envelope)
                session.flush()
                found[(code, year)] = envelope.id
    return found


def priorities(db: Database) -> list[int]:
    with db.read() as session:
        return list(
            session.scalars(
                select(Objective.id)
                .where(Objective.level == ObjectiveLevel.PRIORITY)
                .order_by(Objective.code)
            )
        )


def new_call(db: Database, data: calls.CallInput) -> int:
    with db.unit_of_work() as session:
        return calls.create_call(session, data)


def detail(db: Database, call_id: int) -> calls.CallDetail:
    with db.read() as session:
        return calls.call_detail(session, call_id)


def test_a_call_keeps_its_dates_objectives_and_envelopes(
    db: Database, envelopes: dict[tuple[str, int], int]
) -> None:
    targets = priorities(db)[:2]
    call_id = new_call(
        db,
        calls.CallInput(
            title="  Appel à projets   2025 ",
            year=2025,
            opens_on=date(2024, 11, 15),
            closes_on=date(2025, 1, 31),
            description="Priorités : éducation et emploi",
            objective_ids=tuple(targets),
            envelope_ids=(envelopes[("BOP147", 2025)], envelopes[("VVV", 2025)]),
        ),
    )
    call = detail(db, call_id)
    assert call.title == "Appel à projets 2025"
    assert call.state is CallState.DRAFT and call.state_label == "En préparation"
    assert call.objective_ids == tuple(sorted(targets))
    assert call.envelope_ids == tuple(
        sorted((envelopes[("BOP147", 2025)], envelopes[("VVV", 2025)]))
    )
    edited = call.as_input()
    edited = calls.CallInput(
        title=edited.title,
        year=2025,
        opens_on=edited.opens_on,
        closes_on=date(2025, 2, 15),
        objective_ids=(targets[1],),
        envelope_ids=(envelopes[("VVV", 2025)], envelopes[("PDI", 2025)]),
    )
    with db.unit_of_work() as session:
        calls.update_call(session, call_id, edited)
    call = detail(db, call_id)
    assert call.closes_on == date(2025, 2, 15) and call.description is None
    assert call.objective_ids == (targets[1],)
    assert set(call.envelope_ids) == {envelopes[("VVV", 2025)], envelopes[("PDI", 2025)]}


def test_every_error_of_the_call_form_at_once(
    db: Database, envelopes: dict[tuple[str, int], int]
) -> None:
    bad = calls.CallInput(
        title=" ",
        year=2025,
        opens_on=date(2025, 2, 1),
        closes_on=date(2025, 1, 1),
        objective_ids=(999_999,),
        envelope_ids=(envelopes[("BOP147", 2026)],),
    )
    with pytest.raises(calls.FormError) as caught, db.unit_of_work() as session:
        calls.create_call(session, bad)
    fields = [e.field for e in caught.value.errors]
    assert fields == ["title", "closes_on", "objective_ids", "envelope_ids"]
    assert "2026" in caught.value.errors[-1].message
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(CallForProjects)) == 0
        errors = calls.validate_call_input(session, calls.CallInput(title="AAP", year=2035))
    assert [(e.field, "2024 à 2030" in e.message) for e in errors] == [("year", True)]


def test_a_call_moves_one_step_at_a_time(db: Database) -> None:
    call_id = new_call(db, calls.CallInput(title="AAP 2025", year=2025))
    path = [CallState.OPEN, CallState.CLOSED, CallState.OPEN, CallState.CLOSED]
    path += [CallState.PROGRAMMED]
    for state in path:
        with db.unit_of_work() as session:
            calls.set_call_state(session, call_id, state)
        assert detail(db, call_id).state is state
    assert detail(db, call_id).next_states == (CallState.CLOSED,)
    for target in (CallState.DRAFT, CallState.OPEN, CallState.PROGRAMMED):
        with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
            calls.set_call_state(session, call_id, target)
        assert "AAP 2025" in caught.value.message
        assert detail(db, call_id).state is CallState.PROGRAMMED
    assert "« Programmé » à « En préparation »" in _refusal(db, call_id, CallState.DRAFT)
    assert "États possibles : « Clos »" in _refusal(db, call_id, CallState.DRAFT)


def _refusal(db: Database, call_id: int, target: CallState) -> str:
    with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
        calls.set_call_state(session, call_id, target)
    return caught.value.message


def test_a_draft_cannot_jump_to_closed(db: Database) -> None:
    call_id = new_call(db, calls.CallInput(title="AAP 2026", year=2026))
    message = _refusal(db, call_id, CallState.CLOSED)
    assert "« En préparation » à « Clos »" in message and "« Ouvert »" in message
    assert detail(db, call_id).state is CallState.DRAFT


def _holder_and_objective(db: Database) -> tuple[int, int]:
    with db.unit_of_work() as session:
        holder = Organisation(name="Atelier Mosaïque", search_name=fold("Atelier Mosaïque"))
        session.add(holder)
        session.flush()
        objective = session.scalars(
            select(Objective.id).where(Objective.level == ObjectiveLevel.OPERATIONAL)
        ).first()
        assert objective is not None
        return holder.id, objective


def test_rows_count_dossiers_envelopes_and_late_ones(
    db: Database, envelopes: dict[tuple[str, int], int]
) -> None:
    chosen = (envelopes[("BOP147", 2025)], envelopes[("PDI", 2025)])
    call_id = new_call(
        db,
        calls.CallInput(
            title="AAP 2025", year=2025, closes_on=date(2025, 1, 31), envelope_ids=chosen
        ),
    )
    other = new_call(db, calls.CallInput(title="AAP 2026", year=2026))
    holder, objective = _holder_and_objective(db)
    received = [date(2025, 1, 10), date(2025, 1, 31), date(2025, 2, 3)]
    with db.unit_of_work() as session:
        for index, day in enumerate(received):
            ds.register_dossier(
                session,
                ds.DossierInput(
                    holder_id=holder,
                    action_title=f"Action {index}",
                    objective_id=objective,
                    call_id=call_id,
                    received_on=day,
                ),
                date(2025, 3, 1),
            )
    with db.read() as session:
        rows = {row.id: row for row in calls.call_rows(session)}
        only_2026 = calls.call_rows(session, 2026)
        expected_total = sum(
            session.get(Envelope, envelope_id).amount.cents  # type: ignore[union-attr]
            for envelope_id in chosen
        )
    assert rows[call_id].dossiers == 3
    assert rows[call_id].late_dossiers == 1  # received on the closing day is on time
    assert rows[call_id].envelopes_total == Money(expected_total)
    assert rows[call_id].state_label == "En préparation"
    assert rows[other].dossiers == 0 and rows[other].envelopes_total == Money(0)
    assert [row.id for row in only_2026] == [other]
    assert list(rows) == [other, call_id]  # most recent year first


def test_is_late_flags_only_after_closing() -> None:
    closes = date(2025, 1, 31)
    assert calls.is_late(date(2025, 2, 1), closes)
    assert not calls.is_late(date(2025, 1, 31), closes)
    assert not calls.is_late(None, closes)
    assert not calls.is_late(date(2025, 2, 1), None)


def test_a_call_with_dossiers_cannot_be_deleted(
    db: Database, envelopes: dict[tuple[str, int], int]
) -> None:
    call_id = new_call(
        db,
        calls.CallInput(
            title="AAP 2025",
            year=2025,
            objective_ids=(priorities(db)[0],),
            envelope_ids=(envelopes[("VVV", 2025)],),
        ),
    )
    holder, objective = _holder_and_objective(db)
    with db.unit_of_work() as session:
        dossier_id = ds.register_dossier(
            session,
            ds.DossierInput(
                holder_id=holder, action_title="Sport", objective_id=objective, call_id=call_id
            ),
            date(2025, 1, 10),
        )
    with (
        pytest.raises(ValidationError, match="1 dossier y est rattaché"),
        db.unit_of_work() as session,
    ):
        calls.delete_call(session, call_id)
    assert detail(db, call_id).dossiers == 1
    # Once the dossier is on another call, the call goes, with its links.
    other = new_call(db, calls.CallInput(title="AAP bis", year=2025))
    with db.read() as session:
        data = ds.dossier_detail(session, dossier_id).as_input()
    with db.unit_of_work() as session:
        ds.update_dossier(
            session,
            dossier_id,
            ds.DossierInput(**{**_fields(data), "call_id": other}),
            date(2025, 1, 10),
        )
    with db.unit_of_work() as session:
        calls.delete_call(session, call_id)
    with db.read() as session:
        assert session.get(CallForProjects, call_id) is None
        for table in (call_objective, call_envelope):
            assert (
                session.scalar(
                    select(func.count()).select_from(table).where(table.c.call_id == call_id)
                )
                == 0
            )


def _fields(data: ds.DossierInput) -> dict[str, object]:
    return {name: getattr(data, name) for name in data.__dataclass_fields__}


def test_a_calls_year_cannot_move_away_from_its_dossiers(db: Database) -> None:
    call_id = new_call(db, calls.CallInput(title="AAP 2025", year=2025))
    holder, objective = _holder_and_objective(db)
    with db.unit_of_work() as session:
        ds.register_dossier(
            session,
            ds.DossierInput(
                holder_id=holder, action_title="Sport", objective_id=objective, call_id=call_id
            ),
            date(2025, 1, 10),
        )
    with pytest.raises(calls.FormError) as caught, db.unit_of_work() as session:
        calls.update_call(session, call_id, calls.CallInput(title="AAP 2025", year=2026))
    assert [e.field for e in caught.value.errors] == ["year"]
    assert detail(db, call_id).year == 2025


def test_envelope_choices_list_the_years_envelopes(
    db: Database, envelopes: dict[tuple[str, int], int]
) -> None:
    with db.read() as session:
        choices = calls.envelope_choices(session, 2026)
    assert {c.id for c in choices} == {i for (_code, year), i in envelopes.items() if year == 2026}
