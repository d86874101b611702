"""Editing the framework through the services, as the window and the CLI do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from qpvdesk.core.domain.enums import ObjectiveLevel
from qpvdesk.core.domain.models import Objective
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services import framework as fw
from qpvdesk.core.storage.database import Database, open_database


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


def by_code(db: Database) -> dict[str, fw.ObjectiveRow]:
    with db.read() as session:
        return {row.code: row for row in fw.objective_rows(session)}


def test_the_built_in_tree_is_in_the_contracts_order(db: Database) -> None:
    rows = by_code(db)
    assert rows["P1"].title == "Contribuer à la réussite éducative et au soutien de la jeunesse"
    assert rows["P1"].short_title == "Éducation et jeunesse"
    assert rows["P1.4"].title.startswith(
        "Renforcement de l'offre culturelle, sportive et de loisirs"
    )
    assert rows["P2.1.3"].title == "Lutter contre la fracture numérique"
    assert rows["P2.1.3"].level is ObjectiveLevel.OPERATIONAL
    with db.read() as session:
        ordered = fw.objective_rows(session)
    # Depth-first: each row follows its parent.
    seen: set[int] = set()
    for row in ordered:
        assert row.parent_id is None or row.parent_id in seen
        seen.add(row.id)


def test_added_objectives_get_the_next_code_and_the_right_level(db: Database) -> None:
    rows = by_code(db)
    with db.unit_of_work() as session:
        new_id = fw.add_objective(session, rows["P2.1"].id, "  Former les  aidants numériques ")
        priority_id = fw.add_objective(session, None, "Transition écologique", short_title="TE")
    rows = by_code(db)
    added = next(r for r in rows.values() if r.id == new_id)
    assert added.code == "P2.1.6"
    assert added.title == "Former les aidants numériques"
    assert added.level is ObjectiveLevel.OPERATIONAL
    assert rows["P5"].id == priority_id and rows["P5"].level is ObjectiveLevel.PRIORITY


def test_an_empty_title_is_refused(db: Database) -> None:
    with pytest.raises(ValidationError, match="Intitulé"), db.unit_of_work() as session:
        fw.add_objective(session, None, "   ")


def test_reordering_keeps_codes_and_moves_positions(db: Database) -> None:
    rows = by_code(db)
    with db.unit_of_work() as session:
        assert fw.shift_objective(session, rows["P1.2"].id, -1)
        assert not fw.shift_objective(session, rows["P1.1"].id, -5)
    with db.read() as session:
        p1_children = [r.code for r in fw.objective_rows(session) if r.parent_id == rows["P1"].id]
    assert p1_children == ["P1.2", "P1.1", "P1.3", "P1.4"]


def test_moving_recodes_the_subtree_under_its_new_parent(db: Database) -> None:
    rows = by_code(db)
    with db.unit_of_work() as session:
        fw.move_objective(session, rows["P1.1.1"].id, rows["P4.1"].id)
    moved = {r.id: r for r in by_code(db).values()}[rows["P1.1.1"].id]
    assert moved.code.startswith("P4.1.")
    with db.read() as session:
        items = session.scalars(select(Objective.code).where(Objective.parent_id == moved.id)).all()
    assert items and all(code.startswith(moved.code + ".") for code in items)


def test_moving_to_the_wrong_level_or_under_itself_is_refused(db: Database) -> None:
    rows = by_code(db)
    with pytest.raises(ValidationError, match="se range sous"), db.unit_of_work() as session:
        fw.move_objective(session, rows["P1.1.1"].id, rows["P2"].id)
    with pytest.raises(ValidationError, match="descendants"), db.unit_of_work() as session:
        fw.move_objective(session, rows["P1.1.1.1"].id, rows["P1.1.1.1"].id)


def test_deleting_is_refused_while_something_uses_the_objective(db: Database) -> None:
    rows = by_code(db)
    with (
        pytest.raises(ValidationError, match="4 objectifs stratégiques") as caught,
        db.unit_of_work() as session,
    ):
        fw.delete_objective(session, rows["P1"].id)
    assert "P1" in caught.value.message
    assert "instance" in caught.value.message  # the commission thématique follows P1
    leaf = rows["P2.1.3.1"]
    with db.unit_of_work() as session:
        fw.delete_objective(session, leaf.id)
    remaining = by_code(db)
    assert leaf.id not in {r.id for r in remaining.values()}
    siblings = sorted(
        (r for r in remaining.values() if r.parent_id == leaf.parent_id), key=lambda r: r.position
    )
    assert [r.position for r in siblings] == list(range(len(siblings)))
