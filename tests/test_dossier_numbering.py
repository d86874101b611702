"""Dossier references under any run of registrations, renewals, undos and redos.

Whatever the order, every dossier's reference is ``YYYY-NNN`` (its year, then its
sequence on at least three digits), no two dossiers share one, and a new dossier is
numbered after every dossier of its year still present. An undone registration frees its
number (the next dossier of that year takes it); redoing it once another dossier holds
that number is refused with a French message and changes nothing.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from qpvdesk.core.domain.enums import ObjectiveLevel
from qpvdesk.core.domain.models import Dossier, Objective, Organisation
from qpvdesk.core.domain.text import fold
from qpvdesk.core.services import dossiers as ds
from qpvdesk.core.storage import changes
from qpvdesk.core.storage.database import Database, Recorder, open_database

REFERENCE = re.compile(r"^(\d{4})-(\d{3,})$")
YEARS = st.integers(min_value=2024, max_value=2030)


def dossiers(database: Database) -> list[tuple[int, str, int, int]]:
    with database.read() as session:
        return [
            (row.id, row.reference, row.year, row.sequence)
            for row in session.execute(
                select(Dossier.id, Dossier.reference, Dossier.year, Dossier.sequence)
            )
        ]


class Numbering(RuleBasedStateMachine):
    template: Path
    registered = 0

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="numbering-"))
        path = self.folder / "qpvdesk.sqlite"
        shutil.copyfile(self.template, path)
        self.database = open_database(path, backup_on_open=False)
        self.undoable: list[tuple[int, Recorder]] = []
        self.undone: list[Recorder] = []

    @initialize()
    def holder(self) -> None:
        with self.database.unit_of_work() as session:
            holder = Organisation(name="Association Les Petits Pas", search_name="x")
            session.add(holder)
            session.flush()
            self.holder_id = holder.id
            self.objective_id = session.scalars(
                select(Objective.id).where(Objective.level == ObjectiveLevel.OPERATIONAL)
            ).first()

    def _register(self, data: ds.DossierInput, today: date) -> None:
        before = {(year, sequence) for _, _, year, sequence in dossiers(self.database)}
        recorder = Recorder()
        try:
            with self.database.unit_of_work(recorder) as session:
                dossier_id = ds.register_dossier(session, data, today)
        except ds.FormError as refused:
            assert all(error.message for error in refused.errors)
            assert {(y, s) for _, _, y, s in dossiers(self.database)} == before
            return
        new = {row[0]: row for row in dossiers(self.database)}[dossier_id]
        _, reference, year, sequence = new
        assert all(sequence > s for y, s in before if y == year), (reference, before)
        self.undoable.append((dossier_id, recorder))
        self.undone.clear()
        Numbering.registered += 1

    @rule(year=YEARS)
    def register_new(self, year: int) -> None:
        data = ds.DossierInput(
            holder_id=self.holder_id,
            action_title=f"Action {len(dossiers(self.database)) + 1}",
            objective_id=self.objective_id,
            year=year,
            received_on=date(year, 1, 15),
        )
        self._register(data, date(year, 2, 1))

    @precondition(lambda self: bool(self.undoable))
    @rule(pick=st.integers(min_value=0))
    def renew(self, pick: int) -> None:
        existing = {row[0]: row for row in dossiers(self.database)}
        candidates = [dossier_id for dossier_id, _ in self.undoable if dossier_id in existing]
        if not candidates:
            return
        source = candidates[pick % len(candidates)]
        year = existing[source][2] + 1
        self._register(ds.DossierInput(renew_from_dossier_id=source), date(year, 2, 1))

    @precondition(lambda self: bool(self.undoable))
    @rule()
    def undo_last(self) -> None:
        _dossier_id, recorder = self.undoable.pop()
        with self.database.unit_of_work() as session:
            changes.undo(session, recorder.changes)
        self.undone.append(recorder)

    @precondition(lambda self: bool(self.undone))
    @rule()
    def redo_last(self) -> None:
        recorder = self.undone.pop()
        before = dossiers(self.database)
        try:
            with self.database.unit_of_work() as session:
                changes.redo(session, recorder.changes)
        except changes.StaleChangeError as refused:
            assert "Rien n'a été changé" in refused.message
            assert dossiers(self.database) == before
            self.undone.clear()
            return
        created = {row[0] for row in dossiers(self.database)} - {row[0] for row in before}
        self.undoable.append((created.pop(), recorder))

    @invariant()
    def references_are_well_formed_and_unique(self) -> None:
        rows = dossiers(self.database)
        references = [reference for _, reference, _, _ in rows]
        assert len(references) == len(set(references))
        assert len({(year, sequence) for _, _, year, sequence in rows}) == len(rows)
        for _, reference, year, sequence in rows:
            found = REFERENCE.match(reference)
            assert found is not None, reference
            assert int(found.group(1)) == year and int(found.group(2)) == sequence >= 1

    def teardown(self) -> None:
        self.database.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def test_references_stay_unique_well_formed_and_increasing(builtin_db: Path) -> None:
    Numbering.template = builtin_db
    Numbering.registered = 0
    run_state_machine_as_test(
        Numbering,
        settings=settings(
            max_examples=6,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    # The runs did register dossiers (a form refused every time would prove nothing).
    assert Numbering.registered >= 12


def test_the_thousandth_dossier_of_a_year_keeps_a_well_formed_reference(
    builtin_db: Path,
) -> None:
    database = open_database(builtin_db, backup_on_open=False)
    try:
        with database.unit_of_work() as session:
            holder = Organisation(name="Collectif", search_name=fold("Collectif"))
            session.add(holder)
            session.flush()
            objective = session.scalars(
                select(Objective.id).where(Objective.level == ObjectiveLevel.OPERATIONAL)
            ).first()
            first = ds.register_dossier(
                session,
                ds.DossierInput(
                    holder_id=holder.id, action_title="Un", objective_id=objective, year=2026
                ),
                date(2026, 1, 10),
            )
            session.get_one(Dossier, first).sequence = 999
            session.get_one(Dossier, first).reference = "2026-999"
            session.flush()
            assert ds.next_reference(session, 2026) == ("2026-1000", 1000)
            assert ds.next_reference(session, 2027) == ("2027-001", 1)
    finally:
        database.close()
