"""Committees and their members: rows, editing in French, and who gets the mail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from meeting_worker import Scenario, build_scenario
from sqlalchemy import text

from qpvdesk.core.domain.enums import CommitteeKind, MemberRole
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services import committees as cm
from qpvdesk.core.services import partners
from qpvdesk.core.storage.database import Database, open_database


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


@pytest.fixture
def scenario(db: Database) -> Scenario:
    with db.unit_of_work() as session:
        return build_scenario(session)


def test_the_built_in_governance_comes_with_its_members(db: Database) -> None:
    with db.read() as session:
        rows = cm.committee_rows(session)
    kinds = [row.kind for row in rows]
    assert kinds[:2] == [CommitteeKind.COPIL, CommitteeKind.COTECH]
    assert kinds.count(CommitteeKind.THEMATIC_COMMISSION) == 4
    copil = rows[0]
    assert copil.is_deciding and not rows[1].is_deciding
    assert [m.role for m in copil.members[:2]] == [MemberRole.CO_CHAIR] * 2
    assert {m.name for m in copil.members[:2]} == {
        "État – Préfecture de l'Hérault",
        "Ville de Clermont l'Hérault",
    }
    commissions = [row for row in rows if row.kind is CommitteeKind.THEMATIC_COMMISSION]
    assert sorted(row.priority_code or "" for row in commissions) == ["P1", "P2", "P3", "P4"]
    assert all(row.meeting_count == 0 and row.next_meeting_at is None for row in rows)


def test_committees_are_created_edited_and_deleted_with_french_checks(db: Database) -> None:
    with db.read() as session:
        priority = next(r for r in cm.committee_rows(session) if r.priority_code == "P3")
        strategic = session.execute(
            text("SELECT id FROM objective WHERE level = 'strategic'")
        ).scalar()
    cases = [
        (cm.CommitteeInput(CommitteeKind.OTHER, "   "), "Nom : indiquez"),
        (cm.CommitteeInput(CommitteeKind.OTHER, "x" * 201), "200 caractères"),
        (cm.CommitteeInput(CommitteeKind.OTHER, "Groupe", priority_id=strategic), "Priorité"),
        (cm.CommitteeInput("nope", "Groupe"), "Type d'instance"),  # type: ignore[arg-type]
    ]
    for data, message in cases:
        with pytest.raises(ValidationError, match=message), db.unit_of_work() as session:
            cm.create_committee(session, data)
    with db.unit_of_work() as session:
        created = cm.create_committee(
            session,
            cm.CommitteeInput(
                CommitteeKind.FUNDERS, "  Comité   des financeurs ", description=" Annuel "
            ),
        )
    with db.unit_of_work() as session:
        cm.update_committee(
            session,
            created,
            cm.CommitteeInput(
                CommitteeKind.OTHER,
                "Groupe de travail",
                priority_id=priority.priority_id,
                description="Annuel",
            ),
        )
    with db.read() as session:
        row = cm.committee_row(session, created)
    assert (row.kind, row.name, row.priority_code, row.description) == (
        CommitteeKind.OTHER,
        "Groupe de travail",
        "P3",
        "Annuel",
    )
    with db.unit_of_work() as session:
        cm.delete_committee(session, created)
    with pytest.raises(ValidationError, match="n'existe plus"), db.read() as session:
        cm.committee_row(session, created)


def test_seats_are_checked_and_never_doubled_over_a_period(
    db: Database, scenario: Scenario
) -> None:
    anne = scenario.contact_ids["anne"]
    committee = scenario.cotech_id
    with db.unit_of_work() as session:
        seat = cm.add_membership(
            session,
            committee,
            cm.MembershipInput(
                contact_id=anne,
                role=MemberRole.GUEST,
                since=date(2025, 1, 1),
                until=date(2025, 12, 31),
            ),
        )
        # Another period: a second seat is fine.
        later = cm.add_membership(
            session, committee, cm.MembershipInput(contact_id=anne, since=date(2026, 1, 1))
        )
    cases = [
        (cm.MembershipInput(), "choisissez une personne"),
        (cm.MembershipInput(contact_id=anne, since=date(2026, 6, 1)), "siège déjà"),
        (
            cm.MembershipInput(
                contact_id=scenario.contact_ids["paul"],
                since=date(2026, 2, 1),
                until=date(2026, 1, 1),
            ),
            "la fin \\(01/01/2026\\) précède le début \\(01/02/2026\\)",
        ),
        (cm.MembershipInput(contact_id=99999), "ce contact n'existe plus"),
        (
            cm.MembershipInput(contact_id=anne, organisation_id=scenario.holder_ids[0]),
            "autre structure",
        ),
    ]
    for data, message in cases:
        with pytest.raises(ValidationError, match=message), db.unit_of_work() as session:
            cm.add_membership(session, committee, data)
    with db.read() as session:
        members = {m.id: m for m in cm.member_rows(session, [committee])}
    assert members[seat].role_label == "Invité·e"
    assert members[seat].organisation_name == "État – Préfecture de l'Hérault"
    assert members[seat].label == "Anne Durand (État – Préfecture de l'Hérault)"
    assert not members[seat].active_on(date(2026, 3, 1)) and members[later].active_on(
        date(2026, 3, 1)
    )
    with db.unit_of_work() as session:
        cm.update_membership(
            session,
            later,
            cm.MembershipInput(contact_id=anne, role=MemberRole.CO_CHAIR, since=date(2026, 1, 1)),
        )
    with pytest.raises(ValidationError, match="siège déjà"), db.unit_of_work() as session:
        cm.update_membership(session, seat, cm.MembershipInput(contact_id=anne))
    with db.unit_of_work() as session:
        cm.remove_membership(session, seat)
    with db.read() as session:
        roles = {m.id: m.role for m in cm.member_rows(session, [committee])}
    assert seat not in roles and roles[later] is MemberRole.CO_CHAIR


def test_members_with_email_gives_each_address_once_and_names_the_others(
    db: Database, scenario: Scenario
) -> None:
    with db.read() as session:
        ids = cm.committee_ids_of_kind(session, cm.RECORD_RECIPIENT_KINDS)
        recipients = cm.members_with_email(session, ids)
    assert ids == [scenario.copil_id, scenario.cotech_id]
    emails = [r.email.casefold() for r in recipients.addresses]
    # Anne (COPIL) and « ANNE.DURAND@… » (COTECH): one address.
    assert sorted(emails) == ["anne.durand@prefecture.example.org", "paul@ville.example"]
    anne = next(r for r in recipients.addresses if r.email.startswith("anne"))
    assert len(anne.member_ids) == 2
    missing = {m.label for m in recipients.without_email}
    assert "Jean Sansmail" in missing
    # The State's seat is covered by Anne, who has an address; the Region's is not.
    assert "État – Préfecture de l'Hérault" not in missing
    assert "Région Occitanie" in missing
    assert recipients.warning is not None and recipients.warning.startswith(
        f"{len(missing)} membres sans adresse électronique"
    )
    # A seat that ended is not asked.
    with db.unit_of_work() as session:
        seat = next(
            m.id
            for m in cm.member_rows(session, [scenario.cotech_id])
            if m.contact_id == scenario.contact_ids["paul"]
        )
        cm.update_membership(
            session,
            seat,
            cm.MembershipInput(contact_id=scenario.contact_ids["paul"], until=date(2026, 1, 31)),
        )
        partners.update_contact(
            session,
            scenario.contact_ids["noaddress"],
            partners.ContactInput(last_name="Sansmail", first_name="Jean", email="jean@ex.org"),
        )
    with db.read() as session:
        later = cm.members_with_email(session, ids, on=date(2026, 6, 1))
    assert sorted(r.email for r in later.addresses) == [
        "anne.durand@prefecture.example.org",
        "jean@ex.org",
    ]
