"""Undo and redo of any recorded unit of work, cascades and stale data included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qpvdesk.core.domain.models import (
    Attachment,
    BudgetLine,
    CommitteeMembership,
    Objective,
    Organisation,
    OrganisationRole,
)
from qpvdesk.core.services import framework as fw
from qpvdesk.core.storage import changes
from qpvdesk.core.storage.database import Database, Recorder, open_database


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


def codes(db: Database) -> dict[int, tuple[str, int, int | None, str]]:
    with db.read() as session:
        return {
            r.id: (r.code, r.position, r.parent_id, r.title) for r in fw.objective_rows(session)
        }


def p(db: Database, code: str) -> int:
    with db.read() as session:
        return session.scalars(select(Objective.id).where(Objective.code == code)).one()


def test_undo_then_redo_an_added_objective(db: Database) -> None:
    before = codes(db)
    recorder = Recorder()
    with db.unit_of_work(recorder) as session:
        new_id = fw.add_objective(session, p(db, "P2.1"), "Nouvel objectif", position=0)
    after = codes(db)
    assert new_id in after and recorder.changes
    assert "objective" in recorder.changes.tables
    with db.unit_of_work() as session:
        changes.undo(session, recorder.changes)
    assert codes(db) == before
    with db.unit_of_work() as session:
        changes.redo(session, recorder.changes)
    assert codes(db) == after


def test_undo_a_move_restores_every_code_and_position(db: Database) -> None:
    before = codes(db)
    recorder = Recorder()
    with db.unit_of_work(recorder) as session:
        fw.move_objective(session, p(db, "P1.1.1"), p(db, "P4.1"), position=0)
    assert codes(db) != before
    with db.unit_of_work() as session:
        changes.undo(session, recorder.changes)
    assert codes(db) == before


def test_undo_a_delete_with_cascades_brings_everything_back(db: Database) -> None:
    with db.read() as session:
        # A partner with roles and committee seats (both cascade), but no budget line.
        organisation_id = session.scalars(
            select(Organisation.id)
            .where(~Organisation.id.in_(select(BudgetLine.funder_id)))
            .where(Organisation.id.in_(select(CommitteeMembership.organisation_id)))
        ).first()
        assert organisation_id is not None
        roles_before = session.scalar(
            select(func.count()).where(OrganisationRole.organisation_id == organisation_id)
        )
        seats_before = session.scalar(
            select(func.count()).where(CommitteeMembership.organisation_id == organisation_id)
        )
        assert roles_before and seats_before
    with db.unit_of_work() as session:
        session.add(
            Attachment(
                organisation_id=organisation_id,
                kind="statuts",
                filename="statuts.pdf",
                content=b"\x00\x01%PDF\xff",
                size=6,
                sha256="x",
            )
        )
    recorder = Recorder()
    with db.unit_of_work(recorder) as session:
        session.execute(Organisation.__table__.delete().where(Organisation.id == organisation_id))
    with db.unit_of_work() as session:
        changes.undo(session, recorder.changes)
    with db.read() as session:
        assert session.get(Organisation, organisation_id) is not None
        assert (
            session.scalar(
                select(func.count()).where(OrganisationRole.organisation_id == organisation_id)
            )
            == roles_before
        )
        assert (
            session.scalar(
                select(func.count()).where(CommitteeMembership.organisation_id == organisation_id)
            )
            == seats_before
        )
        content = session.scalars(
            select(Attachment.content).where(Attachment.organisation_id == organisation_id)
        ).one()
    assert content == b"\x00\x01%PDF\xff"


def test_undo_refuses_when_the_data_changed_since(db: Database) -> None:
    recorder = Recorder()
    with db.unit_of_work(recorder) as session:
        new_id = fw.add_objective(session, p(db, "P2.1"), "Premier titre")
    with db.unit_of_work() as session:
        fw.update_objective(session, new_id, title="Titre retouché ailleurs")
    with (
        pytest.raises(changes.StaleChangeError, match="modifiées depuis"),
        db.unit_of_work() as session,
    ):
        changes.undo(session, recorder.changes)
    assert codes(db)[new_id][3] == "Titre retouché ailleurs"


def test_undone_changes_are_audited_too(db: Database) -> None:
    from sqlalchemy import text

    from qpvdesk.core.services.demo import add_demo_programmation

    with db.unit_of_work() as session:
        add_demo_programmation(session)
    recorder = Recorder()
    with db.unit_of_work(recorder) as session:
        session.execute(text("UPDATE dossier SET state = 'withdrawn' WHERE reference = '2026-001'"))
    with db.unit_of_work() as session:
        changes.undo(session, recorder.changes)
    with db.read() as session:
        trail = session.execute(
            text(
                "SELECT old_value, new_value FROM audit_entry WHERE table_name = 'dossier' "
                "AND column_name = 'state' ORDER BY id"
            )
        ).all()
        state = session.execute(
            text("SELECT state FROM dossier WHERE reference = '2026-001'")
        ).scalar()
    assert trail[-2:] == [("received", "withdrawn"), ("withdrawn", "received")]
    assert state == "received"


def test_redo_refuses_when_a_new_row_took_the_place_it_needs(db: Database) -> None:
    recorder = Recorder()
    with db.unit_of_work(recorder) as session:
        first = fw.add_objective(session, p(db, "P1.1"), "Premier ajout")
    code = codes(db)[first][0]
    with db.unit_of_work() as session:
        changes.undo(session, recorder.changes)
    with db.unit_of_work() as session:
        taken = fw.add_objective(session, p(db, "P1.1"), "Pris entre-temps")
    assert codes(db)[taken][0] == code
    with (
        pytest.raises(changes.StaleChangeError, match="modifiées depuis"),
        db.unit_of_work() as session,
    ):
        changes.redo(session, recorder.changes)
    titles = [row[3] for row in codes(db).values()]
    assert "Premier ajout" not in titles and "Pris entre-temps" in titles
