"""Committees (instances) and their members: rows for the screen, editing, and recipients.

A committee is any instance of the contract's governance (COPIL, COTECH, a
commission thématique following one priority, the comité des financeurs, the
annual seminar, anything else). A seat is held by a contact (a person, staff of
a partner or a resident of the conseil citoyen) or by an organisation as a
whole, with a role (co-chair, member, guest) and optionally a period.

`members_with_email` answers « who gets the mail »: every member of a set of
committees with an address, each address once, and apart the members without
one (the screen warns about them).

Write functions take a Session and never commit: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import CommitteeKind, MeetingState, MemberRole, ObjectiveLevel
from qpvdesk.core.domain.models import (
    Committee,
    CommitteeMembership,
    Contact,
    Contract,
    Meeting,
    Objective,
    Organisation,
)
from qpvdesk.core.errors import ValidationError

MAX_NAME = 200

# Kinds whose closing meeting approves the programmation (granted amounts, snapshot).
DECIDING_KINDS = frozenset({CommitteeKind.COPIL, CommitteeKind.FUNDERS})
# The relevé de décision goes to every member of these committees (contract, GOUVERNANCE).
RECORD_RECIPIENT_KINDS = (CommitteeKind.COPIL, CommitteeKind.COTECH)


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A seat in a committee, with who holds it."""

    id: int
    committee_id: int
    contact_id: int | None
    contact_name: str | None
    function: str | None
    organisation_id: int | None
    organisation_name: str | None
    role: MemberRole
    role_label: str
    since: date | None
    until: date | None
    email: str | None
    is_resident: bool

    @property
    def name(self) -> str:
        """The person's name, or the organisation's for a seat held by an organisation."""
        return self.contact_name or self.organisation_name or "—"

    @property
    def label(self) -> str:
        """``Nadia Benali (Ville de …)`` or the organisation alone."""
        if self.contact_name and self.organisation_name:
            return f"{self.contact_name} ({self.organisation_name})"
        return self.name

    def active_on(self, day: date) -> bool:
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )


@dataclass(frozen=True, slots=True)
class CommitteeRow:
    """A committee with its members and its meetings' summary."""

    id: int
    kind: CommitteeKind
    kind_label: str
    name: str
    priority_id: int | None
    priority_code: str | None
    priority_title: str | None
    description: str | None
    members: tuple[MemberRow, ...]
    meeting_count: int
    next_meeting_at: datetime | None

    @property
    def is_deciding(self) -> bool:
        """A COPIL or comité des financeurs: its decisions grant, and its closing freezes."""
        return self.kind in DECIDING_KINDS


@dataclass(frozen=True, slots=True)
class CommitteeInput:
    """The committee form."""

    kind: CommitteeKind
    name: str
    priority_id: int | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class MembershipInput:
    """The seat form: a contact or an organisation (or a contact of that organisation)."""

    contact_id: int | None = None
    organisation_id: int | None = None
    role: MemberRole = MemberRole.MEMBER
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    """One address of a mailing: the name shown, the address, who it stands for."""

    name: str
    email: str
    organisation: str | None
    member_ids: tuple[int, ...]

    @property
    def formatted(self) -> str:
        """``Nadia Benali <nadia.benali@…>`` (quoted by the e-mail package when needed)."""
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True, slots=True)
class Recipients:
    """Every address once, and apart the members without an address."""

    addresses: tuple[Recipient, ...]
    without_email: tuple[MemberRow, ...]

    @property
    def warning(self) -> str | None:
        """The French warning listing who will not receive the mail, or None."""
        if not self.without_email:
            return None
        names = ", ".join(m.label for m in self.without_email)
        count = len(self.without_email)
        return (
            f"{count} membre{'s' if count > 1 else ''} sans adresse électronique "
            f"(ne recevr{'ont' if count > 1 else 'a'} pas le courriel) : {names}."
        )


# --- reading -------------------------------------------------------------------------------


def member_rows(session: Session, committee_ids: Collection[int] | None = None) -> list[MemberRow]:
    """Seats of *committee_ids* (all committees when None), by committee, role, name."""
    statement = (
        select(
            CommitteeMembership,
            Contact.first_name,
            Contact.last_name,
            Contact.function,
            Contact.email,
            Contact.is_resident,
            Organisation.name,
            Organisation.email,
        )
        .outerjoin(Contact, Contact.id == CommitteeMembership.contact_id)
        .outerjoin(
            Organisation,
            Organisation.id
            == func.coalesce(CommitteeMembership.organisation_id, Contact.organisation_id),
        )
    )
    if committee_ids is not None:
        statement = statement.where(CommitteeMembership.committee_id.in_(list(committee_ids)))
    rows = []
    role_order = list(MemberRole)
    for (
        seat,
        first,
        last,
        function,
        contact_email,
        resident,
        org_name,
        org_email,
    ) in session.execute(statement).all():
        contact_name = None
        if last is not None:
            contact_name = f"{first} {last}" if first else last
        rows.append(
            MemberRow(
                id=seat.id,
                committee_id=seat.committee_id,
                contact_id=seat.contact_id,
                contact_name=contact_name,
                function=function,
                organisation_id=seat.organisation_id,
                organisation_name=org_name,
                role=seat.role,
                role_label=seat.role.label,
                since=seat.since,
                until=seat.until,
                email=contact_email if seat.contact_id is not None else org_email,
                is_resident=bool(resident),
            )
        )
    rows.sort(
        key=lambda m: (
            m.committee_id,
            role_order.index(m.role),
            (m.organisation_name or m.contact_name or "").casefold(),
            (m.contact_name or "").casefold(),
            m.id,
        )
    )
    return rows


def committee_rows(session: Session, now: datetime | None = None) -> list[CommitteeRow]:
    """Every committee (by kind, then name) with its members and next planned meeting."""
    committees = list(session.scalars(select(Committee)))
    members: dict[int, list[MemberRow]] = {}
    for member in member_rows(session):
        members.setdefault(member.committee_id, []).append(member)
    priorities = {
        oid: (code, title)
        for oid, code, title in session.execute(
            select(Objective.id, Objective.code, Objective.title).where(
                Objective.level == ObjectiveLevel.PRIORITY
            )
        )
    }
    counts = dict(
        session.execute(
            select(Meeting.committee_id, func.count()).group_by(Meeting.committee_id)
        ).all()
    )
    upcoming = select(Meeting.committee_id, func.min(Meeting.starts_at)).where(
        Meeting.state == MeetingState.PLANNED
    )
    if now is not None:
        upcoming = upcoming.where(Meeting.starts_at >= now)
    next_at = dict(session.execute(upcoming.group_by(Meeting.committee_id)).all())
    kind_order = list(CommitteeKind)
    committees.sort(key=lambda c: (kind_order.index(c.kind), c.name.casefold(), c.id))
    rows = []
    for committee in committees:
        code, title = priorities.get(committee.priority_id or -1, (None, None))
        rows.append(
            CommitteeRow(
                id=committee.id,
                kind=committee.kind,
                kind_label=committee.kind.label,
                name=committee.name,
                priority_id=committee.priority_id,
                priority_code=code,
                priority_title=title,
                description=committee.description,
                members=tuple(members.get(committee.id, ())),
                meeting_count=int(counts.get(committee.id, 0)),
                next_meeting_at=next_at.get(committee.id),
            )
        )
    return rows


def committee_row(session: Session, committee_id: int) -> CommitteeRow:
    """One committee's row (raises a French `ValidationError` when it is gone)."""
    _get(session, committee_id)
    return next(row for row in committee_rows(session) if row.id == committee_id)


def committee_ids_of_kind(session: Session, kinds: Iterable[CommitteeKind]) -> list[int]:
    """Ids of the committees of *kinds* (the COPIL and the COTECH for the relevé)."""
    wanted = [CommitteeKind(kind) for kind in kinds]
    return list(
        session.scalars(
            select(Committee.id).where(Committee.kind.in_(wanted)).order_by(Committee.id)
        )
    )


def members_with_email(
    session: Session, committee_ids: Collection[int], on: date | None = None
) -> Recipients:
    """Every member of *committee_ids* with an address, each address once (case-insensitive).

    With *on*, only seats held that day. An organisation's seat without an address is
    not reported missing when one of its contacts sits in one of these committees with
    an address: that person receives the mail for it.
    """
    members = [m for m in member_rows(session, committee_ids) if on is None or m.active_on(on)]
    covered = {
        m.organisation_id
        for m in members
        if m.contact_id is not None and m.email and m.organisation_id is not None
    }
    by_address: dict[str, Recipient] = {}
    missing: list[MemberRow] = []
    missing_keys: set[tuple[int | None, int | None]] = set()
    for member in members:
        email = (member.email or "").strip()
        if not email:
            if member.contact_id is None and member.organisation_id in covered:
                continue
            key = (member.contact_id, member.organisation_id if member.contact_id is None else None)
            if key not in missing_keys:
                missing_keys.add(key)
                missing.append(member)
            continue
        key_address = email.casefold()
        known = by_address.get(key_address)
        if known is None:
            by_address[key_address] = Recipient(
                name=member.name,
                email=email,
                organisation=member.organisation_name if member.contact_id else None,
                member_ids=(member.id,),
            )
        else:
            by_address[key_address] = Recipient(
                known.name, known.email, known.organisation, (*known.member_ids, member.id)
            )
    addresses = sorted(by_address.values(), key=lambda r: (r.name.casefold(), r.email.casefold()))
    missing.sort(key=lambda m: m.label.casefold())
    return Recipients(addresses=tuple(addresses), without_email=tuple(missing))


# --- writing -------------------------------------------------------------------------------


def _get(session: Session, committee_id: int) -> Committee:
    committee = session.get(Committee, committee_id)
    if committee is None:
        raise ValidationError("Cette instance n'existe plus (elle a peut-être été supprimée).")
    return committee


def _clean_committee(session: Session, data: CommitteeInput) -> CommitteeInput:
    try:
        kind = CommitteeKind(data.kind)
    except ValueError:
        raise ValidationError(
            "Type d'instance : choisissez un type dans la liste.", "kind"
        ) from None
    name = " ".join((data.name or "").split())
    if not name:
        raise ValidationError("Nom : indiquez le nom de l'instance.", "name")
    if len(name) > MAX_NAME:
        raise ValidationError(f"Nom : {MAX_NAME} caractères au plus.", "name")
    if data.priority_id is not None:
        priority = session.get(Objective, data.priority_id)
        if priority is None:
            raise ValidationError("Priorité : cette priorité n'existe plus.", "priority_id")
        if priority.level is not ObjectiveLevel.PRIORITY:
            raise ValidationError(
                f"Priorité : « {priority.code} » est un objectif de niveau "
                f"« {priority.level.label} » ; choisissez une priorité du contrat.",
                "priority_id",
            )
    description = (data.description or "").strip() or None
    return CommitteeInput(kind, name, data.priority_id, description)


def create_committee(session: Session, data: CommitteeInput) -> int:
    """Create a committee of any kind; returns its id."""
    clean = _clean_committee(session, data)
    contract_id = session.scalars(select(Contract.id)).first()
    if contract_id is None:
        raise ValidationError("La base ne contient pas de contrat de ville.")
    committee = Committee(
        contract_id=contract_id,
        kind=clean.kind,
        name=clean.name,
        priority_id=clean.priority_id,
        description=clean.description,
    )
    session.add(committee)
    session.flush()
    return committee.id


def update_committee(session: Session, committee_id: int, data: CommitteeInput) -> None:
    """Save the committee form."""
    committee = _get(session, committee_id)
    clean = _clean_committee(session, data)
    for name, value in (
        ("kind", clean.kind),
        ("name", clean.name),
        ("priority_id", clean.priority_id),
        ("description", clean.description),
    ):
        if getattr(committee, name) != value:
            setattr(committee, name, value)
    session.flush()


def delete_committee(session: Session, committee_id: int) -> None:
    """Delete a committee and its seats; refused while it has meetings (their records stay)."""
    committee = _get(session, committee_id)
    count = int(
        session.scalar(select(func.count()).where(Meeting.committee_id == committee_id)) or 0
    )
    if count:
        raise ValidationError(
            f"L'instance « {committee.name} » ne peut pas être supprimée : "
            f"{count} séance{'s' if count > 1 else ''} y {'sont' if count > 1 else 'est'} "
            "enregistrée" + ("s" if count > 1 else "") + "."
        )
    for seat in session.scalars(
        select(CommitteeMembership).where(CommitteeMembership.committee_id == committee_id)
    ):
        session.delete(seat)
    session.flush()
    session.delete(committee)
    session.flush()


def _clean_membership(session: Session, data: MembershipInput) -> MembershipInput:
    if data.contact_id is None and data.organisation_id is None:
        raise ValidationError(
            "Membre : choisissez une personne (contact) ou une structure.", "contact_id"
        )
    organisation_id = data.organisation_id
    if data.contact_id is not None:
        contact = session.get(Contact, data.contact_id)
        if contact is None:
            raise ValidationError("Membre : ce contact n'existe plus.", "contact_id")
        if organisation_id is None:
            organisation_id = contact.organisation_id
        elif contact.organisation_id is not None and contact.organisation_id != organisation_id:
            raise ValidationError(
                "Membre : ce contact appartient à une autre structure que celle choisie.",
                "organisation_id",
            )
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise ValidationError("Membre : cette structure n'existe plus.", "organisation_id")
    try:
        role = MemberRole(data.role)
    except ValueError:
        raise ValidationError("Rôle : choisissez un rôle dans la liste.", "role") from None
    if data.since and data.until and data.until < data.since:
        raise ValidationError(
            f"Période : la fin ({data.until:%d/%m/%Y}) précède le début ({data.since:%d/%m/%Y}).",
            "until",
        )
    return MembershipInput(data.contact_id, organisation_id, role, data.since, data.until)


def _check_duplicate_seat(
    session: Session, committee_id: int, data: MembershipInput, exclude: int | None = None
) -> None:
    statement = select(CommitteeMembership).where(CommitteeMembership.committee_id == committee_id)
    if data.contact_id is not None:
        statement = statement.where(CommitteeMembership.contact_id == data.contact_id)
    else:
        statement = statement.where(
            CommitteeMembership.contact_id.is_(None),
            CommitteeMembership.organisation_id == data.organisation_id,
        )
    if exclude is not None:
        statement = statement.where(CommitteeMembership.id != exclude)
    for other in session.scalars(statement):
        # Two seats for the same member are fine over periods that do not overlap.
        starts_before_other_ends = (
            other.until is None or data.since is None or (data.since <= other.until)
        )
        ends_after_other_starts = (
            other.since is None or data.until is None or (data.until >= other.since)
        )
        if starts_before_other_ends and ends_after_other_starts:
            raise ValidationError(
                "Membre : il siège déjà dans cette instance sur cette période.", "contact_id"
            )


def add_membership(session: Session, committee_id: int, data: MembershipInput) -> int:
    """Seat a contact or an organisation in a committee; returns the seat's id."""
    _get(session, committee_id)
    clean = _clean_membership(session, data)
    _check_duplicate_seat(session, committee_id, clean)
    seat = CommitteeMembership(
        committee_id=committee_id,
        contact_id=clean.contact_id,
        organisation_id=clean.organisation_id,
        role=clean.role,
        since=clean.since,
        until=clean.until,
    )
    session.add(seat)
    session.flush()
    return seat.id


def update_membership(session: Session, membership_id: int, data: MembershipInput) -> None:
    """Change a seat: who holds it, the role, the period."""
    seat = session.get(CommitteeMembership, membership_id)
    if seat is None:
        raise ValidationError("Ce siège n'existe plus.")
    clean = _clean_membership(session, data)
    _check_duplicate_seat(session, seat.committee_id, clean, exclude=membership_id)
    for name, value in (
        ("contact_id", clean.contact_id),
        ("organisation_id", clean.organisation_id),
        ("role", clean.role),
        ("since", clean.since),
        ("until", clean.until),
    ):
        if getattr(seat, name) != value:
            setattr(seat, name, value)
    session.flush()


def remove_membership(session: Session, membership_id: int) -> None:
    """Remove a seat (past attendance keeps the person's name)."""
    seat = session.get(CommitteeMembership, membership_id)
    if seat is None:
        raise ValidationError("Ce siège n'existe plus.")
    session.delete(seat)
    session.flush()


__all__ = [
    "DECIDING_KINDS",
    "RECORD_RECIPIENT_KINDS",
    "CommitteeInput",
    "CommitteeRow",
    "MemberRow",
    "MembershipInput",
    "Recipient",
    "Recipients",
    "add_membership",
    "committee_ids_of_kind",
    "committee_row",
    "committee_rows",
    "create_committee",
    "delete_committee",
    "member_rows",
    "members_with_email",
    "remove_membership",
    "update_committee",
    "update_membership",
]
