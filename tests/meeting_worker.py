"""A meeting scenario for the tests, and the worker test_meeting_crash.py kills with SIGKILL.

`build_scenario` adds, through the real services, holders (one with a hostile
name), dossiers awaiting an opinion with two funding rows each, an envelope,
contacts seated in the COPIL, the COTECH and the commission of priority P2 (one
address twice, one member without address, a resident of the conseil citoyen).

Run as a script (``meeting_worker.py DB MEETING START``), it holds the meeting the
way the meeting mode does: every confirmed entry is its own unit of work (an
opinion with its amount, the resume point, every fifth a follow-up), and it prints
``opinion <n>`` or ``follow <n>`` only once committed (and ``ready`` before the first).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import (
    AttendanceStatus,
    CommitteeKind,
    DossierState,
    ObjectiveLevel,
    Opinion,
    OrganisationKind,
)
from qpvdesk.core.domain.models import BudgetLine, Committee, Objective, Organisation
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services import committees, dossiers, funding, meetings, partners
from qpvdesk.core.services.budget_lines import set_envelope
from qpvdesk.core.services.meetings import AttendanceInput, MeetingInput, paris_datetime
from qpvdesk.core.storage.database import Database

YEAR = 2026
HOSTILE_HOLDER = '<b>Les "Amis" & Co</b>'
HOSTILE_ACTION = "Atelier <font size=80>géant</font> & co"
REGISTERED = date(YEAR, 2, 1)
HOSTILE_COMMENT = "R&D <img src='/etc/passwd'/> et <b>gras non fermé"
REMARK = "Les habitants demandent des permanences le samedi & le soir."


@dataclass(frozen=True)
class Scenario:
    """What `build_scenario` made."""

    dossier_ids: tuple[int, ...]
    commission_id: int
    copil_id: int
    cotech_id: int
    bop_line_id: int
    town_line_id: int
    contact_ids: dict[str, int]
    holder_ids: tuple[int, ...]


def _committee(session: Session, kind: CommitteeKind, priority_code: str | None = None) -> int:
    statement = select(Committee.id).where(Committee.kind == kind)
    if priority_code is not None:
        statement = statement.join(Objective, Objective.id == Committee.priority_id).where(
            Objective.code == priority_code
        )
    found = session.scalars(statement.order_by(Committee.id)).first()
    assert found is not None
    return found


def build_scenario(
    session: Session,
    count: int = 6,
    *,
    other_priority: int = 1,
    long_texts: bool = False,
) -> Scenario:
    """*count* dossiers of priority P2 awaiting an opinion (and *other_priority* of P1)."""
    operational = {
        prefix: session.scalars(
            select(Objective.id)
            .where(
                Objective.level == ObjectiveLevel.OPERATIONAL, Objective.code.like(f"{prefix}.%")
            )
            .order_by(Objective.code)
        ).first()
        for prefix in ("P1", "P2")
    }
    bop = session.scalars(select(BudgetLine).where(BudgetLine.code == "BOP147")).one()
    town = session.scalars(
        select(BudgetLine).where(BudgetLine.name == "Droit commun communal")
    ).one()
    set_envelope(session, bop.id, YEAR, Money.from_euros(100_000))
    set_envelope(session, town.id, YEAR, Money.from_euros(30_000))
    holders = [
        partners.create_organisation(
            session,
            partners.OrganisationInput(name=name, kind=OrganisationKind.ASSOCIATION),
        )
        for name in (HOSTILE_HOLDER, "Association Les Voisins Solidaires", "Amicale du Lac")
    ]
    ids = []
    total = count + other_priority
    for index in range(total):
        priority = "P2" if index < count else "P1"
        title = HOSTILE_ACTION if index == 0 else f"Action de quartier n° {index + 1}"
        if long_texts and index % 3 == 1:
            title = "Action au très long intitulé " + "sur plusieurs lignes " * 12 + str(index)
        dossier_id = dossiers.register_dossier(
            session,
            dossiers.DossierInput(
                holder_id=holders[index % len(holders)],
                action_title=title,
                objective_id=operational[priority],
                total_cost=Money.from_euros(10_000 + 1_000 * index),
                year=YEAR,
                received_on=date(YEAR, 1, 10),
            ),
            today=REGISTERED,
        )
        funding.upsert_funding(
            session, dossier_id, bop.id, YEAR, Money.from_euros(4_000 + 100 * index), None, None
        )
        funding.upsert_funding(
            session, dossier_id, town.id, YEAR, Money.from_euros(2_000), None, None
        )
        dossiers.change_state(session, dossier_id, DossierState.COMPLETE, today=REGISTERED)
        if index % 2 == 0:
            dossiers.change_state(session, dossier_id, DossierState.UNDER_REVIEW, today=REGISTERED)
        ids.append(dossier_id)
    copil = _committee(session, CommitteeKind.COPIL)
    cotech = _committee(session, CommitteeKind.COTECH)
    commission = _committee(session, CommitteeKind.THEMATIC_COMMISSION, "P2")
    state = session.scalars(select(Organisation.id).where(Organisation.name.like("État%"))).first()
    contacts = {
        "anne": partners.create_contact(
            session,
            partners.ContactInput(
                last_name="Durand",
                first_name="Anne",
                email="anne.durand@prefecture.example.org",
                organisation_id=state,
                function="Déléguée du préfet",
            ),
        ),
        "anne_again": partners.create_contact(
            session,
            partners.ContactInput(
                last_name="Durand",
                first_name="Anne-Marie",
                email="ANNE.DURAND@prefecture.example.org",
            ),
        ),
        "paul": partners.create_contact(
            session,
            partners.ContactInput(last_name="Petit", first_name="Paul", email="paul@ville.example"),
        ),
        "noaddress": partners.create_contact(
            session, partners.ContactInput(last_name="Sansmail", first_name="Jean")
        ),
        "resident": partners.create_contact(
            session,
            partners.ContactInput(
                last_name="Habitante",
                first_name="Inès",
                function="Conseil citoyen",
                email="ines@conseil.example",
                is_resident=True,
            ),
        ),
    }
    for committee_id, who in (
        (copil, "anne"),
        (cotech, "anne_again"),
        (cotech, "paul"),
        (copil, "noaddress"),
        (commission, "anne"),
        (commission, "resident"),
        (commission, "paul"),
    ):
        committees.add_membership(
            session, committee_id, committees.MembershipInput(contact_id=contacts[who])
        )
    session.flush()
    return Scenario(
        dossier_ids=tuple(ids),
        commission_id=commission,
        copil_id=copil,
        cotech_id=cotech,
        bop_line_id=bop.id,
        town_line_id=town.id,
        contact_ids=contacts,
        holder_ids=tuple(holders),
    )


@dataclass(frozen=True)
class Held:
    scenario: Scenario
    meeting_id: int
    next_id: int


def hold(db: Database, count: int = 6, *, long_texts: bool = False) -> Held:
    """A commission held: attendance, an opinion on every P2 dossier, a free decision,
    two follow-ups; the next meeting planned."""
    with db.unit_of_work() as session:
        scenario = build_scenario(session, count, long_texts=long_texts)
        meeting = meetings.create_meeting(
            session,
            MeetingInput(
                scenario.commission_id,
                paris_datetime(date(YEAR, 5, 12), 14),
                paris_datetime(date(YEAR, 5, 12), 16, 30),
                place="Salle du conseil & des fêtes",
            ),
        )
        following = meetings.create_meeting(
            session,
            MeetingInput(scenario.commission_id, paris_datetime(date(YEAR, 10, 6), 9, 30)),
        )
        meetings.add_agenda_item(session, meeting, "Accueil")
        meetings.add_dossiers_to_agenda(session, meeting, scenario.dossier_ids[:count])
        for row in meetings.attendance_sheet(session, meeting):
            status = AttendanceStatus.ABSENT
            remarks = None
            represented_by = None
            if row.contact_id == scenario.contact_ids["resident"]:
                status, remarks = AttendanceStatus.PRESENT, REMARK
            elif row.contact_id is not None:
                status = AttendanceStatus.PRESENT
            elif row.name.startswith("Région"):
                status = AttendanceStatus.EXCUSED
            elif row.name.startswith("CAF"):
                status, represented_by = AttendanceStatus.REPRESENTED, "Agnès Perrin"
            meetings.record_attendance(
                session,
                meeting,
                AttendanceInput(
                    status,
                    contact_id=row.contact_id,
                    organisation_id=row.organisation_id,
                    represented_by=represented_by,
                    remarks=remarks,
                ),
            )
    opinions = [Opinion.FAVOURABLE, Opinion.RESERVED, Opinion.UNFAVOURABLE, Opinion.POSTPONED]
    for index, dossier_id in enumerate(scenario.dossier_ids[:count]):
        with db.unit_of_work() as session:
            rows = funding.funding_rows(session, dossier_id)
            opinion = opinions[index % 4]
            meetings.record_opinion(
                session,
                meeting,
                dossier_id,
                opinion,
                {
                    r.id: Money((r.requested or Money(0)).cents - 10_000 * (index % 10))
                    for r in rows
                },
                HOSTILE_COMMENT if index == 0 else f"Commentaire {index}",
            )
    with db.unit_of_work() as session:
        decision = meetings.record_free_decision(
            session, meeting, "La commission organisera une réunion publique."
        )
        meetings.add_follow_up(
            session, meeting, "Écrire aux porteurs", "Cheffe de projet", date(YEAR, 5, 29)
        )
        meetings.add_follow_up(session, meeting, "Préparer la réunion", "Équipe", None, decision)
    return Held(scenario, meeting, following)


def main(path: Path, meeting_id: int, start: int) -> None:
    from qpvdesk.core.storage.database import open_database

    database = open_database(path, backup_on_open=False)
    with database.read() as session:
        data = meetings.meeting_mode_data(session, meeting_id)
    targets = [(d.dossier_id, d.fundings[0].funding_id) for d in data.dossiers]
    print("ready", flush=True)  # the parent times its kill from here
    number = start
    while True:
        dossier_id, funding_id = targets[number % len(targets)]
        with database.unit_of_work() as session:
            meetings.record_opinion(
                session,
                meeting_id,
                dossier_id,
                Opinion.FAVOURABLE if number % 2 else Opinion.RESERVED,
                {funding_id: Money(100 * number + 100)},
                f"entrée {number}",
            )
        print(f"opinion {number}", flush=True)
        with database.unit_of_work() as session:
            meetings.set_current_position(session, meeting_id, number % len(targets))
        if number % 5 == 4:
            with database.unit_of_work() as session:
                meetings.add_follow_up(session, meeting_id, f"suite {number}", "Équipe")
            print(f"follow {number}", flush=True)
        number += 1


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
