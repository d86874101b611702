"""L'annuaire des partenaires: organisations and their contacts, for the partners' own files.

Two sheets: « Structures » (name, acronym, kind, roles, SIRET, RNA, address, e-mail,
phone, dossiers carried) and « Contacts » (organisation, first and last name, function,
e-mail, phone, committees). Contacts flagged as residents are left out: the directory
is about partners' staff, and residents are never named in what leaves the application
(GDPR; ``design.md``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import OrganisationKind, OrganisationRoleKind
from qpvdesk.core.domain.models import (
    Committee,
    CommitteeMembership,
    Contact,
    Dossier,
    Organisation,
    OrganisationRole,
)
from qpvdesk.core.domain.text import fold
from qpvdesk.core.exchange.xlsx import Column, ColumnKind, Progress, SheetSpec, write_workbook

ORGANISATION_COLUMNS = (
    Column("Nom", max_width=50),
    Column("Sigle"),
    Column("Type"),
    Column("Rôles", max_width=50),
    Column("SIRET"),
    Column("RNA"),
    Column("Adresse", max_width=50),
    Column("Courriel", max_width=40),
    Column("Téléphone"),
    Column("Dossiers", ColumnKind.INTEGER),
)
CONTACT_COLUMNS = (
    Column("Structure", max_width=50),
    Column("Prénom"),
    Column("Nom"),
    Column("Fonction", max_width=40),
    Column("Courriel", max_width=40),
    Column("Téléphone"),
    Column("Instances", max_width=60),
)


@dataclass(frozen=True, slots=True)
class Directory:
    """The two sheets' rows, sorted by name."""

    organisations: tuple[tuple[object, ...], ...]
    contacts: tuple[tuple[object, ...], ...]


def directory_data(session: Session) -> Directory:
    """Every organisation and every contact (residents excepted), sorted by name."""
    roles: dict[int, list[OrganisationRoleKind]] = defaultdict(list)
    for organisation_id, role in session.execute(
        select(OrganisationRole.organisation_id, OrganisationRole.role)
    ):
        roles[organisation_id].append(role)
    order = list(OrganisationRoleKind)
    dossiers = dict(
        session.execute(select(Dossier.holder_id, func.count()).group_by(Dossier.holder_id)).all()
    )
    names: dict[int, str] = {}
    organisations = []
    for record in session.execute(
        select(
            Organisation.id,
            Organisation.name,
            Organisation.acronym,
            Organisation.kind,
            Organisation.siret,
            Organisation.rna,
            Organisation.address,
            Organisation.email,
            Organisation.phone,
        )
    ):
        organisation_id, name, acronym, kind, siret, rna, address, email, phone = record
        names[organisation_id] = name
        organisations.append(
            (
                name,
                acronym,
                OrganisationKind(kind).label,
                ", ".join(r.label for r in sorted(roles[organisation_id], key=order.index)) or None,
                siret,
                rna,
                address,
                email,
                phone,
                int(dossiers.get(organisation_id, 0)),
            )
        )
    organisations.sort(key=lambda row: (fold(str(row[0])), str(row[0])))
    committees: dict[int, list[str]] = defaultdict(list)
    for member_id, committee in session.execute(
        select(CommitteeMembership.contact_id, Committee.name)
        .join(Committee, Committee.id == CommitteeMembership.committee_id)
        .where(CommitteeMembership.contact_id.is_not(None))
        .order_by(Committee.id)
    ):
        if member_id is not None and committee not in committees[member_id]:
            committees[member_id].append(committee)
    contacts = []
    for contact_id, employer_id, first, last, function, email, phone in session.execute(
        select(
            Contact.id,
            Contact.organisation_id,
            Contact.first_name,
            Contact.last_name,
            Contact.function,
            Contact.email,
            Contact.phone,
        ).where(Contact.is_resident.is_(False))
    ):
        contacts.append(
            (
                names.get(employer_id) if employer_id is not None else None,
                first,
                last,
                function,
                email,
                phone,
                " ; ".join(committees.get(contact_id, [])) or None,
            )
        )
    contacts.sort(key=lambda row: (fold(str(row[0] or "")), fold(str(row[2])), fold(str(row[1]))))
    return Directory(tuple(organisations), tuple(contacts))


def export_directory(session: Session, path: Path, *, progress: Progress | None = None) -> Path:
    """Write the annuaire des partenaires to *path* (``.xlsx`` added if missing)."""
    data = directory_data(session)
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    sheets = [
        SheetSpec("Structures", ORGANISATION_COLUMNS, data.organisations, frozen_columns=1),
        SheetSpec("Contacts", CONTACT_COLUMNS, data.contacts, frozen_columns=1),
    ]
    return write_workbook(path, sheets, title="Annuaire des partenaires", progress=progress)


__all__ = [
    "CONTACT_COLUMNS",
    "ORGANISATION_COLUMNS",
    "Directory",
    "directory_data",
    "export_directory",
]
