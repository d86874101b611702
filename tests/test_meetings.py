"""Meetings: preparing, holding in meeting mode (one unit of work per entry), closing."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from meeting_worker import YEAR, Scenario, build_scenario
from sqlalchemy import select

from qpvdesk.core.domain.enums import AttendanceStatus, DossierState, MeetingState, Opinion
from qpvdesk.core.domain.models import (
    AuditEntry,
    Decision,
    DecisionAmount,
    Dossier,
    DossierEvent,
    Funding,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services import dossiers as ds
from qpvdesk.core.services import funding as fu
from qpvdesk.core.services import meetings as mt
from qpvdesk.core.services.meetings import AttendanceInput, MeetingInput, paris_datetime
from qpvdesk.core.storage.database import Database, open_database
from qpvdesk.core.storage.engine import current_user

DAY = date(YEAR, 5, 12)


def eur(euros: int) -> Money:
    return Money.from_euros(euros)


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


@pytest.fixture
def scenario(db: Database) -> Scenario:
    with db.unit_of_work() as session:
        return build_scenario(session)


def new_meeting(db: Database, committee_id: int, day: date = DAY, hour: int = 14) -> int:
    with db.unit_of_work() as session:
        return mt.create_meeting(
            session,
            MeetingInput(
                committee_id=committee_id,
                starts_at=paris_datetime(day, hour),
                ends_at=paris_datetime(day, hour + 2),
                place="Salle du conseil",
            ),
        )


def rows_of(db: Database, dossier_id: int) -> list[fu.FundingRow]:
    with db.read() as session:
        return fu.funding_rows(session, dossier_id)


def row_on(db: Database, dossier_id: int, line_id: int) -> fu.FundingRow:
    return next(r for r in rows_of(db, dossier_id) if r.budget_line_id == line_id)


def state_of(db: Database, dossier_id: int) -> DossierState:
    with db.read() as session:
        dossier = session.get(Dossier, dossier_id)
        assert dossier is not None
        return dossier.state


# --- time ----------------------------------------------------------------------------------


def test_the_eu_rule_agrees_with_the_tz_database_every_hour() -> None:
    rules = mt._EuropeParisRules()
    paris = ZoneInfo("Europe/Paris")
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    while moment < datetime(2028, 1, 1, tzinfo=UTC):
        ours, theirs = moment.astimezone(rules), moment.astimezone(paris)
        assert ours.replace(tzinfo=None) == theirs.replace(tzinfo=None), moment
        assert ours.utcoffset() == theirs.utcoffset(), moment
        # Back from the wall clock (fold kept): the same instant.
        assert ours.astimezone(UTC) == moment, moment
        moment += timedelta(minutes=30 if moment.month in (3, 10) else 180)


def test_times_show_in_paris_whatever_the_season() -> None:
    summer = datetime(2026, 5, 12, 12, 0, tzinfo=UTC)
    winter = datetime(2027, 1, 19, 13, 0, tzinfo=UTC)
    assert mt.french_time(summer) == "14 h 00" and mt.french_time(winter) == "14 h 00"
    assert mt.french_date(summer) == "12/05/2026"
    assert mt.french_long_date(summer) == "mardi 12 mai 2026"
    assert mt.french_long_date(date(2026, 6, 1)) == "lundi 1er juin 2026"


# --- meetings and agenda -------------------------------------------------------------------


def test_a_meeting_needs_a_time_zone_an_order_and_a_committee(
    db: Database, scenario: Scenario
) -> None:
    cases = [
        (MeetingInput(scenario.commission_id, datetime(2026, 5, 12, 14)), "Date et heure"),
        (
            MeetingInput(scenario.commission_id, paris_datetime(DAY, 14), paris_datetime(DAY, 13)),
            re.escape("finit (13 h 00) avant d'avoir commencé (14 h 00)"),
        ),
        (MeetingInput(9999, paris_datetime(DAY, 14)), "Instance"),
        (
            MeetingInput(scenario.commission_id, paris_datetime(DAY, 14), place="x" * 301),
            "Lieu : 300 caractères au plus",
        ),
    ]
    for data, message in cases:
        with pytest.raises(ValidationError, match=message), db.unit_of_work() as session:
            mt.create_meeting(session, data)
    meeting = new_meeting(db, scenario.commission_id)
    with db.read() as session:
        row = mt.meeting_row(session, meeting)
    assert row.state is MeetingState.PLANNED and row.is_open
    assert row.local_start.hour == 14 and row.starts_at.hour == 12  # stored in UTC
    assert row.title.endswith("du 12/05/2026")


def test_agenda_items_keep_their_order_through_moves_and_removals(
    db: Database, scenario: Scenario
) -> None:
    meeting = new_meeting(db, scenario.commission_id)
    with db.unit_of_work() as session:
        first = mt.add_agenda_item(session, meeting, "Accueil")
        dossier_items = mt.add_dossiers_to_agenda(session, meeting, scenario.dossier_ids[:3])
        last = mt.add_agenda_item(session, meeting, "  Questions   diverses ")
        # Already there: skipped, not doubled.
        assert mt.add_dossiers_to_agenda(session, meeting, scenario.dossier_ids[:2]) == []
    with pytest.raises(ValidationError, match="déjà à l'ordre du jour"), db.unit_of_work() as s:
        mt.add_agenda_item(s, meeting, dossier_id=scenario.dossier_ids[0])
    with pytest.raises(ValidationError, match="Intitulé"), db.unit_of_work() as s:
        mt.add_agenda_item(s, meeting, "   ")
    with db.unit_of_work() as session:
        mt.move_agenda_item(session, last, 0)
        mt.move_agenda_item(session, first, 99)
    with db.read() as session:
        rows = mt.agenda_rows(session, meeting)
    assert [r.id for r in rows] == [last, *dossier_items, first]
    assert [r.position for r in rows] == list(range(5))
    assert rows[0].title == "Questions diverses"
    assert rows[1].title.startswith("Dossier ") and rows[1].dossier_reference in rows[1].title
    with db.unit_of_work() as session:
        mt.record_opinion(session, meeting, scenario.dossier_ids[0], Opinion.FAVOURABLE, {})
    with pytest.raises(ValidationError, match="retirez d'abord l'avis"), db.unit_of_work() as s:
        mt.remove_agenda_item(s, dossier_items[0])
    with db.unit_of_work() as session:
        mt.remove_agenda_item(session, dossier_items[1])
    with db.read() as session:
        rows = mt.agenda_rows(session, meeting)
    assert [r.position for r in rows] == list(range(4))
    assert rows[1].opinion is Opinion.FAVOURABLE and rows[1].decision_id is not None


def test_proposed_dossiers_are_the_priority_s_dossiers_awaiting_an_opinion(
    db: Database, scenario: Scenario
) -> None:
    commission = new_meeting(db, scenario.commission_id)
    copil = new_meeting(db, scenario.copil_id, date(YEAR, 6, 23))
    with db.unit_of_work() as session:
        # One P2 dossier is already decided elsewhere: no longer awaiting.
        ds.change_state(session, scenario.dossier_ids[2], DossierState.OPINION_GIVEN)
        mt.add_agenda_item(session, commission, dossier_id=scenario.dossier_ids[1])
    with db.read() as session:
        proposed = mt.proposed_dossiers(session, commission)
        everything = mt.proposed_dossiers(session, commission, all_priorities=True)
        for_copil = mt.proposed_dossiers(session, copil)
        other_year = mt.proposed_dossiers(session, commission, year=YEAR + 1)
    p2 = [d for i, d in enumerate(scenario.dossier_ids[:6]) if i != 2]
    assert [d.id for d in proposed] == p2
    assert all(d.in_priority and d.state in mt.AWAITING_OPINION for d in proposed)
    assert [d.on_agenda for d in proposed] == [d == scenario.dossier_ids[1] for d in p2]
    assert proposed[0].requested == eur(4_000 + 2_000)
    assert [d.id for d in everything] == [*p2, scenario.dossier_ids[6]]
    assert not everything[-1].in_priority
    assert [d.id for d in for_copil] == [d.id for d in everything]
    assert other_year == []


# --- attendance ----------------------------------------------------------------------------


def test_attendance_records_each_member_once_with_status_representative_and_remarks(
    db: Database, scenario: Scenario
) -> None:
    meeting = new_meeting(db, scenario.commission_id)
    with db.read() as session:
        sheet = mt.attendance_sheet(session, meeting)
    assert sheet and all(not row.recorded for row in sheet)
    by_contact = {row.contact_id: row for row in sheet if row.contact_id}
    resident = by_contact[scenario.contact_ids["resident"]]
    assert resident.is_resident and resident.role_label == "Membre"
    # The State's seat is held by its contact: one line, not two.
    state_lines = [r for r in sheet if (r.organisation_name or r.name).startswith("État")]
    assert len(state_lines) == 1 and state_lines[0].contact_id == scenario.contact_ids["anne"]
    organisations = [row for row in sheet if row.contact_id is None]
    with pytest.raises(ValidationError, match="Représenté·e par"), db.unit_of_work() as session:
        mt.record_attendance(
            session, meeting, organisations[0].as_input(AttendanceStatus.REPRESENTED)
        )
    with db.unit_of_work() as session:
        mt.record_attendance(
            session,
            meeting,
            AttendanceInput(
                AttendanceStatus.REPRESENTED,
                organisation_id=organisations[0].organisation_id,
                represented_by="  Agnès   Perrin ",
            ),
        )
        mt.record_attendance(session, meeting, organisations[1].as_input(AttendanceStatus.EXCUSED))
        mt.record_attendance(session, meeting, organisations[2].as_input(AttendanceStatus.ABSENT))
        mt.record_attendance(
            session,
            meeting,
            AttendanceInput(
                AttendanceStatus.ABSENT,
                contact_id=resident.contact_id,
                remarks="Première remarque",
            ),
        )
        mt.record_attendance(
            session,
            meeting,
            AttendanceInput(AttendanceStatus.PRESENT, guest_name="Invitée Extérieure"),
        )
    with db.unit_of_work() as session:
        # Recorded again: corrected in place.
        mt.record_attendance(
            session,
            meeting,
            AttendanceInput(
                AttendanceStatus.PRESENT,
                contact_id=resident.contact_id,
                remarks="Les habitants demandent des permanences le samedi.",
            ),
        )
        mt.record_attendance(
            session,
            meeting,
            AttendanceInput(AttendanceStatus.PRESENT, guest_name="invitée extérieure"),
        )
    with db.read() as session:
        sheet = mt.attendance_sheet(session, meeting)
    recorded = {row.name: row for row in sheet if row.recorded}
    assert len(recorded) == 5
    assert recorded[organisations[0].name].represented_by == "Agnès Perrin"
    assert recorded[organisations[0].name].status_label == "Représenté·e"
    assert recorded[organisations[1].name].status is AttendanceStatus.EXCUSED
    assert recorded[organisations[2].name].status is AttendanceStatus.ABSENT
    assert recorded[resident.name].status is AttendanceStatus.PRESENT
    assert recorded[resident.name].remarks == "Les habitants demandent des permanences le samedi."
    guest = recorded["invitée extérieure"]  # the spelling corrected, not a second line
    assert guest.is_guest and guest.member_id is None and guest.role is None
    with pytest.raises(ValidationError, match="Présence"), db.unit_of_work() as session:
        mt.record_attendance(session, meeting, AttendanceInput(AttendanceStatus.PRESENT))


# --- decisions -----------------------------------------------------------------------------


def test_opinions_are_numbered_upserted_and_leave_the_dossier_alone_until_closing(
    db: Database, scenario: Scenario
) -> None:
    meeting = new_meeting(db, scenario.commission_id)
    d1, d2, d3, d4 = scenario.dossier_ids[:4]
    bop1, town1 = (r.id for r in rows_of(db, d1))
    bop2 = row_on(db, d2, scenario.bop_line_id).id
    with db.unit_of_work() as session:
        first = mt.record_opinion(
            session, meeting, d1, Opinion.FAVOURABLE, {bop1: eur(4_000), town1: eur(1_500)}
        )
    with db.unit_of_work() as session:
        free = mt.record_free_decision(session, meeting, "Une rencontre avec le conseil citoyen.")
    with db.unit_of_work() as session:
        # An amount typed with an unfavourable opinion counts for nothing.
        second = mt.record_opinion(
            session, meeting, d2, Opinion.UNFAVOURABLE, {bop2: eur(500)}, "Hors QPV"
        )
    with db.unit_of_work() as session:
        third = mt.record_opinion(
            session, meeting, d3, Opinion.POSTPONED, {rows_of(db, d3)[0].id: eur(9)}
        )
    with db.unit_of_work() as session:
        # Corrected: same decision, same number, one amount changed and one removed.
        again = mt.record_opinion(
            session, meeting, d1, Opinion.RESERVED, {bop1: eur(3_500)}, "Réserve"
        )
    assert again == first
    with (
        pytest.raises(ValidationError, match="n'appartient pas au dossier"),
        db.unit_of_work() as s,
    ):
        mt.record_opinion(s, meeting, d4, Opinion.FAVOURABLE, {bop2: eur(1)})
    with pytest.raises(ValidationError, match="négatif"), db.unit_of_work() as s:
        mt.record_opinion(s, meeting, d4, Opinion.FAVOURABLE, {rows_of(db, d4)[0].id: Money(-1)})
    with db.read() as session:
        decisions = {
            d.id: (d.position, d.opinion, d.text)
            for d in session.scalars(select(Decision).where(Decision.meeting_id == meeting))
        }
        amounts = {
            (a.decision_id, a.funding_id): a.amount for a in session.scalars(select(DecisionAmount))
        }
        agenda = mt.agenda_rows(session, meeting)
    assert decisions[first] == (1, Opinion.RESERVED, "Réserve")
    assert decisions[free] == (2, None, "Une rencontre avec le conseil citoyen.")
    assert decisions[second][:2] == (3, Opinion.UNFAVOURABLE)
    assert decisions[third][:2] == (4, Opinion.POSTPONED)
    assert amounts[(first, bop1)] == eur(3_500) and (first, town1) not in amounts
    # Unfavourable: 0 € on each row of the year; adjourned: no amount at all.
    assert {k: v for k, v in amounts.items() if k[0] == second} == {
        (second, r.id): Money(0) for r in rows_of(db, d2)
    }
    assert not [k for k in amounts if k[0] == third]
    # The dossiers came onto the agenda by themselves; nothing applied yet.
    assert [a.dossier_id for a in agenda] == [d1, d2, d3]
    assert state_of(db, d1) is DossierState.UNDER_REVIEW
    assert all(r.proposed is None for r in rows_of(db, d1))
    with db.unit_of_work() as session:
        mt.clear_opinion(session, meeting, d1)
    with db.read() as session:
        numbers = sorted(
            (d.position, d.id)
            for d in session.scalars(select(Decision).where(Decision.meeting_id == meeting))
        )
    assert numbers == [(1, free), (2, second), (3, third)]


def test_meeting_mode_shows_the_essentials_and_what_remains_in_each_envelope(
    db: Database, scenario: Scenario
) -> None:
    meeting = new_meeting(db, scenario.commission_id)
    d1, d2, d3 = scenario.dossier_ids[:3]
    with db.unit_of_work() as session:
        mt.add_dossiers_to_agenda(session, meeting, [d1, d2, d3])
        # Another dossier already holds part of the BOP 147 envelope.
        other = scenario.dossier_ids[5]
        fu.upsert_funding(
            session, other, scenario.bop_line_id, YEAR, eur(4_500), eur(4_000), eur(3_000)
        )
    bop1 = row_on(db, d1, scenario.bop_line_id).id
    town2 = row_on(db, d2, scenario.town_line_id).id
    with db.unit_of_work() as session:
        mt.record_opinion(session, meeting, d1, Opinion.FAVOURABLE, {bop1: eur(3_800)})
        mt.record_opinion(session, meeting, d2, Opinion.FAVOURABLE, {town2: eur(2_000)})
    with db.read() as session:
        data = mt.meeting_mode_data(session, meeting)
    brief = data.dossier(d1)
    assert brief.holder_name == '<b>Les "Amis" & Co</b>'
    assert brief.action_title.startswith("Atelier <font size=80>")
    assert brief.objective_code and brief.objective_code.startswith("P2.")
    assert brief.total_cost == eur(10_000) and brief.requested == eur(6_000)
    assert {f.budget_line_id: f.requested for f in brief.fundings} == {
        scenario.bop_line_id: eur(4_000),
        scenario.town_line_id: eur(2_000),
    }
    assert brief.decision is not None and brief.decision.amount_for(bop1) == eur(3_800)
    assert data.dossier(d3).decision is None

    def independent(pending: dict[int, Money]) -> dict[tuple[int, int], int]:
        proposals = {bop1: eur(3_800).cents, town2: eur(2_000).cents}
        proposals.update({k: v.cents for k, v in pending.items()})
        with sqlite3.connect(db.path) as c:
            envelopes = dict(
                c.execute("SELECT budget_line_id, amount FROM envelope WHERE year = ?", (YEAR,))
            )
            result = {}
            for line in (scenario.bop_line_id, scenario.town_line_id):
                rows = c.execute(
                    "SELECT id, coalesce(granted, proposed, 0) FROM funding "
                    "WHERE budget_line_id = ? AND year = ?",
                    (line, YEAR),
                ).fetchall()
                used = sum(proposals.get(fid, value) for fid, value in rows)
                result[(line, YEAR)] = envelopes[line] - used
        return result

    shown = {(e.budget_line_id, e.year): e.remaining.cents for e in data.envelopes if e.remaining}
    assert shown == independent({})
    bop = data.envelope_for(next(f for f in brief.fundings if f.funding_id == bop1))
    assert bop is not None and bop.budget_line_id == scenario.bop_line_id
    assert bop.decided == eur(3_800) and bop.committed_before == eur(3_000)
    # Live preview while an amount is typed (no query): equals the same computation.
    pending = {bop1: eur(1_000), row_on(db, d3, scenario.bop_line_id).id: eur(4_000)}
    preview = data.remaining_after(pending)
    assert {k: v.cents for k, v in preview.items() if v is not None} == independent(pending)


def test_meeting_mode_after_an_opinion_reads_one_dossier_and_equals_a_full_reading(
    db: Database, scenario: Scenario
) -> None:
    meeting = new_meeting(db, scenario.commission_id)
    d1, d2, d3 = scenario.dossier_ids[:3]
    with db.unit_of_work() as session:
        mt.add_dossiers_to_agenda(session, meeting, [d1, d2, d3])
        mt.record_opinion(session, meeting, d2, Opinion.RESERVED, {})
    bop1 = row_on(db, d1, scenario.bop_line_id).id
    with db.read() as session:
        before = mt.meeting_mode_data(session, meeting)
    with db.unit_of_work() as session:
        mt.record_opinion(session, meeting, d1, Opinion.FAVOURABLE, {bop1: eur(3_800)}, "vu")
    with db.read() as session:
        refreshed = mt.meeting_mode_refresh(session, before, d1)
        full = mt.meeting_mode_data(session, meeting)
    assert refreshed == full
    assert refreshed != before
    decision = refreshed.dossier(d1).decision
    assert decision is not None and decision.amount_for(bop1) == eur(3_800)
    assert refreshed.meeting.decision_count == before.meeting.decision_count + 1
    bop = refreshed.envelope_for(
        next(f for f in refreshed.dossier(d1).fundings if f.funding_id == bop1))
    assert bop is not None and bop.decided == eur(3_800)


def test_last_year_s_grant_shows_for_a_renewal(db: Database, scenario: Scenario) -> None:
    with db.unit_of_work() as session:
        previous = ds.register_dossier(
            session,
            ds.DossierInput(
                holder_id=scenario.holder_ids[1],
                action_title="Action renouvelée",
                objective_id=session.scalars(
                    select(Dossier.objective_id).where(Dossier.id == scenario.dossier_ids[0])
                ).one(),
                total_cost=eur(9_000),
                year=YEAR - 1,
                received_on=date(YEAR - 1, 1, 5),
            ),
            today=date(YEAR - 1, 2, 1),
        )
        fu.upsert_funding(
            session, previous, scenario.bop_line_id, YEAR - 1, eur(5_000), eur(4_200), eur(4_200)
        )
        renewal = ds.register_dossier(
            session,
            ds.DossierInput(
                renew_from_dossier_id=previous, year=YEAR, received_on=date(YEAR, 1, 7)
            ),
            today=date(YEAR, 2, 1),
        )
        fu.upsert_funding(session, renewal, scenario.bop_line_id, YEAR, eur(5_500), None, None)
    meeting = new_meeting(db, scenario.commission_id)
    with db.unit_of_work() as session:
        mt.add_agenda_item(session, meeting, dossier_id=renewal)
    with db.read() as session:
        brief = mt.meeting_mode_data(session, meeting).dossier(renewal)
    assert brief.is_renewal and brief.last_year_granted == eur(4_200)
    assert brief.fundings[0].last_year_granted == eur(4_200)
    assert brief.fundings[0].requested == eur(5_500)


def test_reopening_resumes_where_the_meeting_stood(builtin_db: Path) -> None:
    database = open_database(builtin_db, backup_on_open=False)
    try:
        with database.unit_of_work() as session:
            scenario = build_scenario(session)
        meeting = new_meeting(database, scenario.commission_id)
        with database.unit_of_work() as session:
            mt.add_dossiers_to_agenda(session, meeting, scenario.dossier_ids)
        with database.unit_of_work() as session:
            mt.set_current_position(session, meeting, 3)
    finally:
        database.close()
    database = open_database(builtin_db, backup_on_open=False)
    try:
        with database.read() as session:
            assert mt.meeting_mode_data(session, meeting).current_position == 3
        with database.unit_of_work() as session:
            mt.set_current_position(session, meeting, 99)
        with database.read() as session:
            assert mt.meeting_mode_data(session, meeting).current_position == 7
    finally:
        database.close()


# --- closing -------------------------------------------------------------------------------


def test_closing_a_commission_applies_opinions_states_and_amounts_with_history_and_audit(
    db: Database, scenario: Scenario
) -> None:
    meeting = new_meeting(db, scenario.commission_id)
    d = scenario.dossier_ids
    # d[0], d[2], d[4] are under review; d[1], d[3] only complete.
    plan = {
        d[0]: (Opinion.FAVOURABLE, (3_900, 1_800)),
        d[1]: (Opinion.FAVOURABLE, (4_100, 2_000)),
        d[2]: (Opinion.RESERVED, (2_000, 0)),
        d[3]: (Opinion.UNFAVOURABLE, None),
        d[4]: (Opinion.POSTPONED, None),
    }
    for dossier_id, (opinion, euros) in plan.items():
        amounts = {}
        if euros:
            amounts = {r.id: eur(e) for r, e in zip(rows_of(db, dossier_id), euros, strict=True)}
        with db.unit_of_work() as session:
            mt.record_opinion(
                session, meeting, dossier_id, opinion, amounts, f"Avis sur {dossier_id}"
            )
    with db.unit_of_work() as session:
        summary = mt.close_meeting(session, meeting, today=DAY)
    assert summary.snapshot_id is None  # a commission freezes nothing
    applied = {a.dossier_id: (a.from_state, a.to_state) for a in summary.applied}
    assert applied == {
        d[0]: (DossierState.UNDER_REVIEW, DossierState.OPINION_GIVEN),
        d[1]: (DossierState.COMPLETE, DossierState.OPINION_GIVEN),
        d[2]: (DossierState.UNDER_REVIEW, DossierState.OPINION_GIVEN),
        d[3]: (DossierState.COMPLETE, DossierState.OPINION_GIVEN),
        d[4]: (DossierState.UNDER_REVIEW, DossierState.POSTPONED),
    }
    with db.read() as session:
        opinions = {
            i: session.get(Dossier, i).opinion  # type: ignore[union-attr]
            for i in plan
        }
        meeting_state = mt.meeting_row(session, meeting).state
        events = session.execute(
            select(
                DossierEvent.dossier_id,
                DossierEvent.from_state,
                DossierEvent.to_state,
                DossierEvent.comment,
                DossierEvent.user,
            )
            .where(
                DossierEvent.dossier_id.in_(list(plan)),
                DossierEvent.at >= datetime(YEAR, 5, 1, tzinfo=UTC),
            )
            .order_by(DossierEvent.id)
        ).all()
        audit = session.execute(
            select(AuditEntry.row_id, AuditEntry.user).where(
                AuditEntry.table_name == "funding", AuditEntry.column_name == "proposed"
            )
        ).all()
        history = ds.dossier_history(session, d[1])
    assert meeting_state is MeetingState.HELD
    assert opinions == {i: opinion for i, (opinion, _) in plan.items()}
    assert [r.proposed for r in rows_of(db, d[0])] == [eur(3_900), eur(1_800)]
    assert [r.proposed for r in rows_of(db, d[2])] == [eur(2_000), Money(0)]
    assert [r.proposed for r in rows_of(db, d[3])] == [Money(0), Money(0)]
    assert [r.proposed for r in rows_of(db, d[4])] == [None, None]
    assert all(r.granted is None for i in plan for r in rows_of(db, i))
    # A complete dossier goes through « En instruction » first: two dated, signed events.
    steps = [(f, t) for i, f, t, _, _ in events if i == d[1]]
    assert steps == [
        (DossierState.COMPLETE, DossierState.UNDER_REVIEW),
        (DossierState.UNDER_REVIEW, DossierState.OPINION_GIVEN),
    ]
    assert all(user == current_user() for *_, user in events)
    comment = next(c for i, _, t, c, _ in events if i == d[0] and t is DossierState.OPINION_GIVEN)
    assert "du 12/05/2026 : avis « Favorable »" in comment and f"Avis sur {d[0]}" in comment
    assert {row_id for row_id, _ in audit} >= {r.id for r in rows_of(db, d[0])}
    assert all(user == current_user() for _, user in audit)
    assert any(
        row.kind == "state" and "Avis rendu" in row.description and row.comment for row in history
    )
    assert any(row.kind == "amount" and "4 100 €" in row.description.replace("\u00a0", " ")
               for row in history)  # fmt: skip
    # Closing twice is refused; so is changing a decision afterwards.
    with pytest.raises(ValidationError, match="déjà close"), db.unit_of_work() as session:
        mt.close_meeting(session, meeting, today=DAY)
    with pytest.raises(ValidationError, match="est close"), db.unit_of_work() as session:
        mt.record_opinion(session, meeting, d[0], Opinion.UNFAVOURABLE, {})
    with pytest.raises(ValidationError, match="est close"), db.unit_of_work() as session:
        mt.record_free_decision(session, meeting, "Trop tard")
    # A follow-up can still be added after the meeting.
    with db.unit_of_work() as session:
        mt.add_follow_up(session, meeting, "Relancer", "Cheffe de projet", date(YEAR, 6, 1))


def test_a_close_that_cannot_apply_changes_nothing_and_says_why(
    db: Database, scenario: Scenario
) -> None:
    meeting = new_meeting(db, scenario.commission_id)
    d0, d2 = scenario.dossier_ids[0], scenario.dossier_ids[2]
    with db.unit_of_work() as session:
        mt.record_opinion(
            session, meeting, d0, Opinion.FAVOURABLE, {rows_of(db, d0)[0].id: eur(1_000)}
        )
        mt.record_opinion(session, meeting, d2, Opinion.FAVOURABLE, {})
    with db.unit_of_work() as session:
        ds.change_state(session, d2, DossierState.WITHDRAWN, "Retiré par le porteur")
    with pytest.raises(ValidationError, match="« Retiré »") as error, db.unit_of_work() as s:
        mt.close_meeting(s, meeting, today=DAY)
    assert "ne peut pas être close" in error.value.message
    with db.read() as session:
        assert mt.meeting_row(session, meeting).state is MeetingState.PLANNED
    assert state_of(db, d0) is DossierState.UNDER_REVIEW
    assert rows_of(db, d0)[0].proposed is None


def test_closing_a_copil_grants_and_freezes_what_it_approved(
    db: Database, scenario: Scenario
) -> None:
    d0, d1, d2 = scenario.dossier_ids[:3]
    commission = new_meeting(db, scenario.commission_id)
    with db.unit_of_work() as session:
        for dossier_id in (d0, d1, d2):
            rows = fu.funding_rows(session, dossier_id)
            mt.record_opinion(
                session,
                commission,
                dossier_id,
                Opinion.FAVOURABLE,
                {r.id: r.requested for r in rows if r.requested is not None},
            )
        mt.close_meeting(session, commission, today=DAY)
    copil = new_meeting(db, scenario.copil_id, date(YEAR, 6, 23), 10)
    bop0 = row_on(db, d0, scenario.bop_line_id).id
    with db.unit_of_work() as session:
        mt.record_opinion(session, copil, d0, Opinion.FAVOURABLE, {bop0: eur(3_700)})
        mt.record_opinion(session, copil, d1, Opinion.UNFAVOURABLE, {})
    with db.unit_of_work() as session:
        summary = mt.close_meeting(session, copil, today=date(YEAR, 6, 23))
    assert summary.snapshot_id is not None
    assert state_of(db, d0) is DossierState.APPROVED
    assert state_of(db, d1) is DossierState.REFUSED
    assert state_of(db, d2) is DossierState.OPINION_GIVEN  # not on the COPIL's table
    approved = row_on(db, d0, scenario.bop_line_id)
    assert approved.granted == eur(3_700) and approved.proposed == eur(3_700)
    assert approved.decided_on == date(YEAR, 6, 23)
    assert approved.funder_decision and "Accordé en séance" in approved.funder_decision
    with db.read() as session:
        frozen = mt.snapshot_rows(session, copil)
        assert mt.snapshot_differences(session, copil) == []
    assert {line.dossier_id for line in frozen} == {d0}
    assert {(line.funding_id, line.granted) for line in frozen} == {
        (r.id, r.granted) for r in rows_of(db, d0)
    }
    # Later edits: the snapshot does not move, and the differences say who changed what
    # (an approved amount changes with its reason).
    with db.unit_of_work() as session:
        fu.upsert_funding(
            session,
            d0,
            scenario.bop_line_id,
            YEAR,
            approved.requested,
            eur(3_700),
            eur(3_200),
            reason="Notification du financeur",
        )
        ds.change_state(session, d2, DossierState.APPROVED, "Accordé hors séance")
        fu.upsert_funding(
            session, d2, scenario.bop_line_id, YEAR, eur(4_200), eur(4_200), eur(4_200)
        )
    with db.read() as session:
        assert mt.snapshot_rows(session, copil) == frozen
        differences = mt.snapshot_differences(session, copil)
    granted = next(x for x in differences if x.kind == "granted")
    assert (granted.dossier_id, granted.frozen, granted.current) == (d0, eur(3_700), eur(3_200))
    assert granted.changed_by == current_user() and granted.changed_at is not None
    assert "3 700 € à la séance, 3 200 € aujourd'hui" in granted.description.replace("\u00a0", " ")
    added = {x.funding_id for x in differences if x.kind == "added"}
    assert added == {r.id for r in rows_of(db, d2)}
    with db.unit_of_work() as session:
        ds.change_state(session, d0, DossierState.WITHDRAWN, "Action annulée")
    with db.read() as session:
        kinds = [x.kind for x in mt.snapshot_differences(session, copil) if x.dossier_id == d0]
    assert kinds.count("state") == 1


def test_deleting_meetings_and_committees_that_have_a_history_is_refused(
    db: Database, scenario: Scenario
) -> None:
    from qpvdesk.core.services import committees as cm

    meeting = new_meeting(db, scenario.commission_id)
    with db.unit_of_work() as session:
        mt.add_agenda_item(session, meeting, "Accueil")
        mt.record_free_decision(session, meeting, "Décision")
    with pytest.raises(ValidationError, match="retirez-les"), db.unit_of_work() as session:
        mt.delete_meeting(session, meeting)
    with pytest.raises(ValidationError, match="séance"), db.unit_of_work() as session:
        cm.delete_committee(session, scenario.commission_id)
    empty = new_meeting(db, scenario.commission_id, date(YEAR, 9, 1))
    with db.unit_of_work() as session:
        mt.add_agenda_item(session, empty, "Accueil")
        mt.add_follow_up(session, empty, "Préparer")
        mt.delete_meeting(session, empty)
    with db.read() as session:
        assert [r.id for r in mt.meeting_rows(session, scenario.commission_id)] == [meeting]
        assert session.scalars(select(Funding)).first() is not None
