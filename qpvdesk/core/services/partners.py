"""Organisations and their contacts: rows for the Partenaires page, editing, duplicates, merging.

Write functions take a Session and never commit: the caller's unit of work
does. Every change goes through the ORM (attribute changes, ``session.add``,
``session.delete``) so that undo can record it. Bad input raises a French
`ValidationError` naming the field, before anything is changed.
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Integer, and_, func, or_, select, type_coerce
from sqlalchemy.orm import InstrumentedAttribute, Session, defer, joinedload
from sqlalchemy.sql import ColumnElement

from qpvdesk.core.domain.enums import (
    DossierState,
    FundingNature,
    MemberRole,
    OrganisationKind,
    OrganisationRoleKind,
)
from qpvdesk.core.domain.identifiers import validate_rna, validate_siret
from qpvdesk.core.domain.models import (
    Action,
    Attachment,
    Attendance,
    BudgetLine,
    Committee,
    CommitteeMembership,
    Contact,
    Dossier,
    Funding,
    Organisation,
    OrganisationRole,
    Payment,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services.documents import (
    DocumentRow,
    document_rows,
    organisations_with_expired_documents,
)

MAX_NAME = 300
MAX_ACRONYM = 50
MAX_EMAIL = 200
MAX_PHONE = 40
MAX_PERSON_NAME = 100
MAX_FUNCTION = 200

# Words that do not tell two organisations apart: « Association Les Petits Pas » is
# « Les petits pas » and « Asso. Petits Pas ».
DUPLICATE_STOP_WORDS = frozenset(
    {"association", "associations", "asso", "assoc", "l", "la", "le", "les", "de", "des", "du", "d"}
)
_PUNCTUATION = re.compile(r"[^\w]+")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+$")
_ROLE_ORDER = {role: index for index, role in enumerate(OrganisationRoleKind)}


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class OrganisationRow:
    """An organisation as the Partenaires list shows it."""

    id: int
    name: str
    acronym: str | None
    kind: OrganisationKind
    roles: tuple[OrganisationRoleKind, ...]
    siret: str | None
    rna: str | None
    email: str | None
    phone: str | None
    dossier_count: int
    contact_count: int
    has_expired_documents: bool

    @property
    def kind_label(self) -> str:
        return self.kind.label

    @property
    def roles_label(self) -> str:
        return ", ".join(role.label for role in self.roles)

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


@dataclass(frozen=True, slots=True)
class ContactRow:
    """A contact (staff of a partner organisation) with the committees they sit on."""

    id: int
    first_name: str | None
    last_name: str
    function: str | None
    email: str | None
    phone: str | None
    organisation_id: int | None
    organisation_name: str | None
    is_resident: bool
    committee_ids: tuple[int, ...]
    committees: tuple[str, ...]

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.first_name else self.last_name


@dataclass(frozen=True, slots=True)
class OrganisationDossierRow:
    """One dossier the organisation carried, with its totals over its funding rows."""

    id: int
    year: int
    reference: str
    action_title: str
    state: DossierState
    requested: Money | None
    proposed: Money | None
    granted: Money | None

    @property
    def state_label(self) -> str:
        return self.state.label


@dataclass(frozen=True, slots=True)
class OrganisationFundingRow:
    """One funding row the organisation received (or asked for), any year, any funder."""

    id: int
    year: int
    action_id: int
    action_title: str
    dossier_id: int | None
    dossier_reference: str | None
    funder_id: int
    funder_name: str
    budget_line_id: int
    budget_line_name: str
    nature: FundingNature
    requested: Money | None
    proposed: Money | None
    granted: Money | None
    paid: Money
    funder_decision: str | None

    @property
    def nature_label(self) -> str:
        return self.nature.label


@dataclass(frozen=True, slots=True)
class YearTotals:
    """What the organisation asked, was proposed, granted and paid in one year."""

    year: int
    requested: Money
    proposed: Money
    granted: Money
    paid: Money


@dataclass(frozen=True, slots=True)
class CommitteeSeat:
    """A seat the organisation (or one of its contacts) holds in a committee."""

    committee_id: int
    committee_name: str
    role: MemberRole
    contact_name: str | None

    @property
    def role_label(self) -> str:
        return self.role.label


@dataclass(frozen=True, slots=True)
class OrganisationDetail:
    """Everything the organisation page shows, its whole history included."""

    row: OrganisationRow
    address: str | None
    notes: str | None
    dossiers: tuple[OrganisationDossierRow, ...]
    fundings: tuple[OrganisationFundingRow, ...]
    years: tuple[YearTotals, ...]
    contacts: tuple[ContactRow, ...]
    documents: tuple[DocumentRow, ...]
    seats: tuple[CommitteeSeat, ...]
    budget_line_count: int


@dataclass(frozen=True, slots=True)
class OrganisationInput:
    """The organisation form as typed: raw strings, checked by create/update."""

    name: str
    acronym: str = ""
    kind: OrganisationKind = OrganisationKind.OTHER
    roles: Collection[OrganisationRoleKind] = field(default_factory=frozenset)
    siret: str = ""
    rna: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""
    notes: str = ""


@dataclass(frozen=True, slots=True)
class ContactInput:
    """The contact form as typed."""

    last_name: str
    first_name: str = ""
    function: str = ""
    email: str = ""
    phone: str = ""
    organisation_id: int | None = None
    notes: str = ""
    is_resident: bool = False


@dataclass(frozen=True, slots=True)
class OrganisationUsage:
    """What refers to an organisation (and so forbids deleting it)."""

    dossiers: int
    actions: int
    budget_lines: int
    contacts: int
    seats: int
    attendances: int
    documents: int

    @property
    def in_use(self) -> bool:
        return any(
            (
                self.dossiers,
                self.actions,
                self.budget_lines,
                self.contacts,
                self.seats,
                self.attendances,
                self.documents,
            )
        )

    def describe(self) -> str:
        parts = [
            (self.dossiers, "dossier", "dossiers"),
            (self.actions, "action", "actions"),
            (self.budget_lines, "ligne budgétaire", "lignes budgétaires"),
            (self.contacts, "contact", "contacts"),
            (self.seats, "siège en instance", "sièges en instance"),
            (self.attendances, "présence en séance", "présences en séance"),
            (self.documents, "document", "documents"),
        ]
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts if n)


@dataclass(frozen=True, slots=True)
class MergeSummary:
    """What a merge moved onto the kept organisation."""

    dossiers: int
    actions: int
    budget_lines: int
    contacts: int
    seats: int
    attendances: int
    documents: int
    # Seats of both organisations in the same committee: the removed one's was dropped.
    duplicate_seats_dropped: int
    roles_added: tuple[OrganisationRoleKind, ...]
    fields_filled: tuple[str, ...]


# --------------------------------------------------------------------------- cleaning


def _text(value: str | None, label: str, max_length: int, *, required: bool = False) -> str | None:
    text = " ".join((value or "").split())
    if not text:
        if required:
            raise ValidationError(f"{label} : ce champ est obligatoire.", label)
        return None
    if len(text) > max_length:
        raise ValidationError(
            f"{label} : {max_length} caractères au plus ({len(text)} saisis).", label
        )
    return text


def _multiline(value: str | None) -> str | None:
    text = "\n".join(line.rstrip() for line in (value or "").strip().splitlines())
    return text or None


def clean_email(value: str | None, label: str = "Courriel") -> str | None:
    """A trimmed e-mail address, or None when empty; a French message when malformed."""
    text = (value or "").strip()
    if not text:
        return None
    if any(c.isspace() for c in text):
        raise ValidationError(
            f"{label} : une adresse ne contient pas d'espace (« {text} »).", label
        )
    if text.count("@") != 1:
        problem = "il manque le @" if "@" not in text else "un seul @ est permis"
        raise ValidationError(
            f"{label} : « {text} » n'est pas une adresse valide ({problem} ; "
            "exemple : prenom.nom@structure.fr).",
            label,
        )
    if len(text) > MAX_EMAIL:
        raise ValidationError(f"{label} : {MAX_EMAIL} caractères au plus.", label)
    local, domain = text.split("@")
    if not _EMAIL.match(text) or ".." in local or local.startswith(".") or local.endswith("."):
        where = "le nom de domaine après le @" if "." not in domain else "l'adresse"
        raise ValidationError(
            f"{label} : « {text} » n'est pas une adresse valide (vérifiez {where} ; "
            "exemple : prenom.nom@structure.fr).",
            label,
        )
    return text


def clean_phone(value: str | None, label: str = "Téléphone") -> str | None:
    """A phone number checked loosely; French 10-digit numbers grouped by two (``04 67 …``)."""
    text = " ".join((value or "").split())
    if not text:
        return None
    if not _PHONE_CHARS.match(text):
        raise ValidationError(
            f"{label} : « {text} » contient des caractères inattendus (chiffres, espaces, "
            "points, tirets, parenthèses et un + initial seulement).",
            label,
        )
    digits = re.sub(r"\D", "", text)
    if len(digits) < 4:
        raise ValidationError(f"{label} : « {text} » est trop court.", label)
    if len(digits) > 15:
        raise ValidationError(f"{label} : « {text} » est trop long (15 chiffres au plus).", label)
    if len(digits) == 10 and digits[0] == "0" and not text.startswith("+") and "(" not in text:
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    if len(text) > MAX_PHONE:
        raise ValidationError(f"{label} : {MAX_PHONE} caractères au plus.", label)
    return text


def duplicate_key(name: str) -> str:
    """The name as duplicate detection compares it: folded, no punctuation, no filler words."""
    words = _PUNCTUATION.sub(" ", fold(name).replace("_", " ")).split()
    return " ".join(word for word in words if word not in DUPLICATE_STOP_WORDS)


def _compact_identifier(value: str | None) -> str:
    return "".join(c for c in (value or "") if c not in string.whitespace + ".-_\u00a0").upper()


@dataclass(frozen=True, slots=True)
class _CleanOrganisation:
    name: str
    acronym: str | None
    kind: OrganisationKind
    roles: frozenset[OrganisationRoleKind]
    siret: str | None
    rna: str | None
    address: str | None
    email: str | None
    phone: str | None
    notes: str | None


def _clean_organisation(
    session: Session, data: OrganisationInput, organisation_id: int | None
) -> _CleanOrganisation:
    name = _text(data.name, "Nom", MAX_NAME, required=True)
    assert name is not None
    try:
        kind = OrganisationKind(data.kind)
    except ValueError:
        raise ValidationError(f"Type : « {data.kind} » n'est pas un type connu.", "Type") from None
    try:
        roles = frozenset(OrganisationRoleKind(role) for role in data.roles)
    except ValueError as exc:
        raise ValidationError(f"Rôles : rôle inconnu ({exc}).", "Rôles") from None
    siret = validate_siret(data.siret) if (data.siret or "").strip() else None
    rna = validate_rna(data.rna) if (data.rna or "").strip() else None
    clean = _CleanOrganisation(
        name=name,
        acronym=_text(data.acronym, "Sigle", MAX_ACRONYM),
        kind=kind,
        roles=roles,
        siret=siret,
        rna=rna,
        address=_multiline(data.address),
        email=clean_email(data.email),
        phone=clean_phone(data.phone),
        notes=_multiline(data.notes),
    )
    for label, column, value in (
        ("SIRET", Organisation.siret, siret),
        ("RNA", Organisation.rna, rna),
    ):
        if value is None:
            continue
        statement = select(Organisation.name).where(column == value)
        if organisation_id is not None:
            statement = statement.where(Organisation.id != organisation_id)
        other = session.scalar(statement)
        if other is not None:
            raise ValidationError(
                f"{label} : le numéro {value} est déjà celui de « {other} ». S'il s'agit de la "
                "même structure, fusionnez les deux fiches.",
                label,
            )
    return clean


# --------------------------------------------------------------------------- queries


def _count_by(
    session: Session, column: InstrumentedAttribute[Any], ids: Collection[int] | None
) -> dict[int, int]:
    statement = select(column, func.count()).group_by(column)
    if ids is not None:
        statement = statement.where(column.in_(list(ids)))
    return {key: int(count) for key, count in session.execute(statement).all() if key is not None}


def _roles_by_organisation(
    session: Session, ids: Collection[int] | None
) -> dict[int, tuple[OrganisationRoleKind, ...]]:
    statement = select(OrganisationRole.organisation_id, OrganisationRole.role)
    if ids is not None:
        statement = statement.where(OrganisationRole.organisation_id.in_(list(ids)))
    roles: dict[int, list[OrganisationRoleKind]] = defaultdict(list)
    for organisation_id, role in session.execute(statement).all():
        roles[organisation_id].append(role)
    return {key: tuple(sorted(value, key=_ROLE_ORDER.__getitem__)) for key, value in roles.items()}


def _build_rows(
    session: Session, records: Sequence[Any], ids: Collection[int] | None, today: date | None
) -> list[OrganisationRow]:
    if ids is None and len(records) < 500:
        ids = [r[0] for r in records]
    roles = _roles_by_organisation(session, ids)
    dossiers = _count_by(session, Dossier.holder_id, ids)
    contacts = _count_by(session, Contact.organisation_id, ids)
    expired = organisations_with_expired_documents(session, today, ids)
    # Positional unpacking: attribute access on rows costs ~20 µs each over thousands of rows.
    return [
        OrganisationRow(
            id,
            name,
            acronym,
            kind,
            roles.get(id, ()),
            siret,
            rna,
            email,
            phone,
            dossiers.get(id, 0),
            contacts.get(id, 0),
            id in expired,
        )
        for id, name, acronym, kind, siret, rna, email, phone in records
    ]


_ROW_COLUMNS = (
    Organisation.id,
    Organisation.name,
    Organisation.acronym,
    Organisation.kind,
    Organisation.siret,
    Organisation.rna,
    Organisation.email,
    Organisation.phone,
)


def organisation_rows(
    session: Session,
    search: str | None = None,
    role: OrganisationRoleKind | None = None,
    *,
    today: date | None = None,
) -> list[OrganisationRow]:
    """Organisations sorted by name; *search* matches every word in name, acronym, SIRET, RNA."""
    statement = select(*_ROW_COLUMNS)
    for word in fold(search or "").split():
        statement = statement.where(
            or_(
                Organisation.search_name.contains(word, autoescape=True),
                func.lower(Organisation.acronym).contains(word, autoescape=True),
                Organisation.siret.contains(word, autoescape=True),
                Organisation.rna.contains(word.upper(), autoescape=True),
            )
        )
    if role is not None:
        statement = statement.where(
            select(OrganisationRole.organisation_id)
            .where(
                OrganisationRole.organisation_id == Organisation.id,
                OrganisationRole.role == role,
            )
            .exists()
        )
    statement = statement.order_by(Organisation.search_name, Organisation.id)
    return _build_rows(session, session.execute(statement).all(), None, today)


def _rows_for(session: Session, ids: Collection[int], today: date | None) -> list[OrganisationRow]:
    if not ids:
        return []
    statement = (
        select(*_ROW_COLUMNS)
        .where(Organisation.id.in_(list(ids)))
        .order_by(Organisation.search_name, Organisation.id)
    )
    return _build_rows(session, session.execute(statement).all(), ids, today)


def organisation_row(
    session: Session, organisation_id: int, today: date | None = None
) -> OrganisationRow:
    """One organisation's list row."""
    rows = _rows_for(session, [organisation_id], today)
    if not rows:
        raise ValidationError("Cette structure n'existe plus (elle a peut-être été supprimée).")
    return rows[0]


def _sum_cents(column: InstrumentedAttribute[Any]) -> ColumnElement[int]:
    return func.sum(type_coerce(column, Integer))


def _money(cents: int | None) -> Money | None:
    return None if cents is None else Money(int(cents))


def organisation_detail(
    session: Session, organisation_id: int, today: date | None = None
) -> OrganisationDetail:
    """The organisation page: its data and whole history (dossiers, grants, contacts, documents)."""
    row = organisation_row(session, organisation_id, today)
    organisation = _get(session, organisation_id)

    dossier_records = session.execute(
        select(Dossier.id, Dossier.year, Dossier.reference, Action.title, Dossier.state)
        .join(Action, Dossier.action_id == Action.id)
        .where(Dossier.holder_id == organisation_id)
        .order_by(Dossier.year.desc(), Dossier.sequence.desc())
    ).all()
    totals = {
        r[0]: r[1:]
        for r in session.execute(
            select(
                Funding.dossier_id,
                _sum_cents(Funding.requested),
                _sum_cents(Funding.proposed),
                _sum_cents(Funding.granted),
            )
            .where(Funding.dossier_id.in_([r.id for r in dossier_records]))
            .group_by(Funding.dossier_id)
        ).all()
    }
    dossiers = tuple(
        OrganisationDossierRow(
            id=r.id,
            year=r.year,
            reference=r.reference,
            action_title=r.title,
            state=r.state,
            requested=_money(totals.get(r.id, (None, None, None))[0]),
            proposed=_money(totals.get(r.id, (None, None, None))[1]),
            granted=_money(totals.get(r.id, (None, None, None))[2]),
        )
        for r in dossier_records
    )

    funding_records = session.execute(
        select(
            Funding.id,
            Funding.year,
            Action.id.label("action_id"),
            Action.title,
            Dossier.id.label("dossier_id"),
            Dossier.reference,
            Organisation.id.label("funder_id"),
            Organisation.name.label("funder_name"),
            BudgetLine.id.label("line_id"),
            BudgetLine.name.label("line_name"),
            BudgetLine.nature,
            Funding.requested,
            Funding.proposed,
            Funding.granted,
            Funding.funder_decision,
        )
        .join(Action, Funding.action_id == Action.id)
        .outerjoin(Dossier, Funding.dossier_id == Dossier.id)
        .join(BudgetLine, Funding.budget_line_id == BudgetLine.id)
        .join(Organisation, BudgetLine.funder_id == Organisation.id)
        .where(
            or_(
                Dossier.holder_id == organisation_id,
                and_(Funding.dossier_id.is_(None), Action.holder_id == organisation_id),
            )
        )
        .order_by(Funding.year.desc(), Organisation.search_name, BudgetLine.name, Funding.id)
    ).all()
    # A payment counts as paid once it has a payment date; planned ones only have a due date.
    paid = {
        funding_id: int(cents or 0)
        for funding_id, cents in session.execute(
            select(Payment.funding_id, _sum_cents(Payment.amount))
            .where(
                Payment.funding_id.in_([r.id for r in funding_records]),
                Payment.paid_on.is_not(None),
            )
            .group_by(Payment.funding_id)
        ).all()
    }
    fundings = tuple(
        OrganisationFundingRow(
            id=r.id,
            year=r.year,
            action_id=r.action_id,
            action_title=r.title,
            dossier_id=r.dossier_id,
            dossier_reference=r.reference,
            funder_id=r.funder_id,
            funder_name=r.funder_name,
            budget_line_id=r.line_id,
            budget_line_name=r.line_name,
            nature=r.nature,
            requested=r.requested,
            proposed=r.proposed,
            granted=r.granted,
            paid=Money(paid.get(r.id, 0)),
            funder_decision=r.funder_decision,
        )
        for r in funding_records
    )
    by_year: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for funding in fundings:
        sums = by_year[funding.year]
        for index, amount in enumerate(
            (funding.requested, funding.proposed, funding.granted, funding.paid)
        ):
            sums[index] += amount.cents if amount is not None else 0
    years = tuple(YearTotals(year, *(Money(c) for c in by_year[year])) for year in sorted(by_year))

    seats = tuple(
        CommitteeSeat(
            committee_id=r.committee_id,
            committee_name=r.name,
            role=r.role,
            contact_name=(
                None
                if r.last_name is None
                else f"{r.first_name} {r.last_name}"
                if r.first_name
                else r.last_name
            ),
        )
        for r in session.execute(
            select(
                CommitteeMembership.committee_id,
                Committee.name,
                CommitteeMembership.role,
                Contact.first_name,
                Contact.last_name,
            )
            .join(Committee, CommitteeMembership.committee_id == Committee.id)
            .outerjoin(Contact, CommitteeMembership.contact_id == Contact.id)
            .where(CommitteeMembership.organisation_id == organisation_id)
            .order_by(Committee.id, CommitteeMembership.id)
        ).all()
    )
    budget_line_count = int(
        session.scalar(
            select(func.count())
            .select_from(BudgetLine)
            .where(BudgetLine.funder_id == organisation_id)
        )
        or 0
    )
    return OrganisationDetail(
        row=row,
        address=organisation.address,
        notes=organisation.notes,
        dossiers=dossiers,
        fundings=fundings,
        years=years,
        contacts=tuple(contact_rows(session, organisation_id=organisation_id)),
        documents=tuple(document_rows(session, organisation_id=organisation_id, today=today)),
        seats=seats,
        budget_line_count=budget_line_count,
    )


def organisation_input(session: Session, organisation_id: int) -> OrganisationInput:
    """The form's initial values for editing an organisation."""
    organisation = _get(session, organisation_id)
    return OrganisationInput(
        name=organisation.name,
        acronym=organisation.acronym or "",
        kind=organisation.kind,
        roles=frozenset(role.role for role in organisation.roles),
        siret=organisation.siret or "",
        rna=organisation.rna or "",
        address=organisation.address or "",
        email=organisation.email or "",
        phone=organisation.phone or "",
        notes=organisation.notes or "",
    )


def organisation_usage(session: Session, organisation_id: int) -> OrganisationUsage:
    """How many rows of each kind refer to the organisation."""

    def count(model: type[Any], column: InstrumentedAttribute[Any]) -> int:
        statement = select(func.count()).select_from(model).where(column == organisation_id)
        return int(session.scalar(statement) or 0)

    return OrganisationUsage(
        dossiers=count(Dossier, Dossier.holder_id),
        actions=count(Action, Action.holder_id),
        budget_lines=count(BudgetLine, BudgetLine.funder_id),
        contacts=count(Contact, Contact.organisation_id),
        seats=count(CommitteeMembership, CommitteeMembership.organisation_id),
        attendances=count(Attendance, Attendance.organisation_id),
        documents=count(Attachment, Attachment.organisation_id),
    )


def find_duplicates(
    session: Session,
    name: str,
    siret: str | None = None,
    rna: str | None = None,
    exclude_id: int | None = None,
) -> list[OrganisationRow]:
    """Organisations that look like the one typed: same SIRET, same RNA or same normalised name.

    SIRET and RNA are compared as typed, without validation, so that a form can
    warn while the user is still typing.
    """
    ids: set[int] = set()
    key = duplicate_key(name or "")
    if key:
        for organisation_id, search_name in session.execute(
            select(Organisation.id, Organisation.search_name)
        ).all():
            if duplicate_key(search_name) == key:
                ids.add(organisation_id)
    siret_value = _compact_identifier(siret)
    if siret_value:
        ids.update(
            session.scalars(select(Organisation.id).where(Organisation.siret == siret_value))
        )
    rna_value = _compact_identifier(rna)
    if rna_value:
        ids.update(session.scalars(select(Organisation.id).where(Organisation.rna == rna_value)))
    if exclude_id is not None:
        ids.discard(exclude_id)
    return _rows_for(session, ids, None)


# --------------------------------------------------------------------------- writes


def _get(session: Session, organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise ValidationError("Cette structure n'existe plus (elle a peut-être été supprimée).")
    return organisation


def _refresh_dossier_search_text(session: Session, organisation: Organisation) -> None:
    """Keep the dossiers' folded search text (reference, holder, title) in step with the name."""
    dossiers = session.scalars(
        select(Dossier)
        .options(joinedload(Dossier.action))
        .where(Dossier.holder_id == organisation.id)
    )
    for dossier in dossiers:
        text = fold(f"{dossier.reference} {organisation.name} {dossier.action.title}")
        if dossier.search_text != text:
            dossier.search_text = text


def create_organisation(session: Session, data: OrganisationInput) -> int:
    """Create an organisation from the form; returns its id."""
    clean = _clean_organisation(session, data, None)
    organisation = Organisation(
        name=clean.name,
        search_name=fold(clean.name),
        acronym=clean.acronym,
        kind=clean.kind,
        siret=clean.siret,
        rna=clean.rna,
        address=clean.address,
        email=clean.email,
        phone=clean.phone,
        notes=clean.notes,
    )
    organisation.roles = [
        OrganisationRole(role=role) for role in sorted(clean.roles, key=_ROLE_ORDER.__getitem__)
    ]
    session.add(organisation)
    session.flush()
    return organisation.id


def update_organisation(session: Session, organisation_id: int, data: OrganisationInput) -> None:
    """Save the organisation form over an existing organisation."""
    organisation = _get(session, organisation_id)
    clean = _clean_organisation(session, data, organisation_id)
    current = {role.role for role in organisation.roles}
    removed = current - clean.roles
    if OrganisationRoleKind.FUNDER in removed:
        lines = int(
            session.scalar(
                select(func.count())
                .select_from(BudgetLine)
                .where(BudgetLine.funder_id == organisation_id)
            )
            or 0
        )
        if lines:
            raise ValidationError(
                f"Rôles : « {organisation.name} » porte {lines} ligne"
                f"{'s budgétaires' if lines > 1 else ' budgétaire'} ; le rôle Financeur ne peut "
                "pas lui être retiré.",
                "Rôles",
            )
    if OrganisationRoleKind.PROJECT_HOLDER in removed:
        dossiers = int(
            session.scalar(
                select(func.count())
                .select_from(Dossier)
                .where(Dossier.holder_id == organisation_id)
            )
            or 0
        )
        if dossiers:
            raise ValidationError(
                f"Rôles : « {organisation.name} » porte {dossiers} dossier"
                f"{'s' if dossiers > 1 else ''} ; le rôle Porteur de projet ne peut pas lui "
                "être retiré.",
                "Rôles",
            )
    renamed = organisation.name != clean.name
    organisation.name = clean.name
    organisation.search_name = fold(clean.name)
    organisation.acronym = clean.acronym
    organisation.kind = clean.kind
    organisation.siret = clean.siret
    organisation.rna = clean.rna
    organisation.address = clean.address
    organisation.email = clean.email
    organisation.phone = clean.phone
    organisation.notes = clean.notes
    for role in list(organisation.roles):
        if role.role in removed:
            organisation.roles.remove(role)
    for role_kind in sorted(clean.roles - current, key=_ROLE_ORDER.__getitem__):
        organisation.roles.append(OrganisationRole(role=role_kind))
    session.flush()
    if renamed:
        _refresh_dossier_search_text(session, organisation)
        session.flush()


def delete_organisation(session: Session, organisation_id: int) -> None:
    """Delete an organisation nothing refers to; otherwise say what uses it."""
    organisation = _get(session, organisation_id)
    usage = organisation_usage(session, organisation_id)
    if usage.in_use:
        raise ValidationError(
            f"« {organisation.name} » ne peut pas être supprimée : elle est liée à "
            f"{usage.describe()}. Rattachez ou supprimez d'abord ces éléments, ou fusionnez "
            "cette fiche avec une autre."
        )
    session.delete(organisation)
    session.flush()


_FILLABLE = (
    ("acronym", "Sigle"),
    ("siret", "SIRET"),
    ("rna", "RNA"),
    ("address", "Adresse"),
    ("email", "Courriel"),
    ("phone", "Téléphone"),
    ("notes", "Notes"),
)


def merge_organisations(session: Session, keep_id: int, remove_id: int) -> MergeSummary:
    """Merge *remove_id* into *keep_id*: every reference moves, then the removed one is deleted.

    Roles are united, and the kept organisation's empty fields are filled from the
    removed one. All of it happens in the caller's transaction.
    """
    if keep_id == remove_id:
        raise ValidationError("Choisissez deux structures différentes à fusionner.")
    keep = _get(session, keep_id)
    remove = _get(session, remove_id)

    keep_lines = {
        fold(name): name
        for name in session.scalars(select(BudgetLine.name).where(BudgetLine.funder_id == keep_id))
    }
    for name in session.scalars(select(BudgetLine.name).where(BudgetLine.funder_id == remove_id)):
        if fold(name) in keep_lines:
            raise ValidationError(
                f"Les deux structures ont chacune une ligne budgétaire « {name} » : renommez "
                "l'une des deux (ou supprimez-la si elle ne sert pas) avant de fusionner."
            )

    dossiers = list(session.scalars(select(Dossier).where(Dossier.holder_id == remove_id)))
    for dossier in dossiers:
        dossier.holder_id = keep_id
    actions = list(session.scalars(select(Action).where(Action.holder_id == remove_id)))
    for action in actions:
        action.holder_id = keep_id
    lines = list(session.scalars(select(BudgetLine).where(BudgetLine.funder_id == remove_id)))
    for line in lines:
        line.funder_id = keep_id
    contacts = list(session.scalars(select(Contact).where(Contact.organisation_id == remove_id)))
    for contact in contacts:
        contact.organisation = keep

    kept_seats = {
        (seat.committee_id, seat.role)
        for seat in session.scalars(
            select(CommitteeMembership).where(
                CommitteeMembership.organisation_id == keep_id,
                CommitteeMembership.contact_id.is_(None),
            )
        )
    }
    seats = list(
        session.scalars(
            select(CommitteeMembership).where(CommitteeMembership.organisation_id == remove_id)
        )
    )
    dropped = 0
    for seat in seats:
        if seat.contact_id is None and (seat.committee_id, seat.role) in kept_seats:
            session.delete(seat)
            dropped += 1
        else:
            seat.organisation_id = keep_id
    attendances = list(
        session.scalars(select(Attendance).where(Attendance.organisation_id == remove_id))
    )
    for attendance in attendances:
        attendance.organisation_id = keep_id
    documents = list(
        session.scalars(
            select(Attachment)
            .options(defer(Attachment.content))
            .where(Attachment.organisation_id == remove_id)
        )
    )
    for document in documents:
        document.organisation_id = keep_id

    current_roles = {role.role for role in keep.roles}
    roles_added = tuple(
        sorted({role.role for role in remove.roles} - current_roles, key=_ROLE_ORDER.__getitem__)
    )
    for role_kind in roles_added:
        keep.roles.append(OrganisationRole(role=role_kind))

    # Captured before the delete: SIRET and RNA are unique, so they move only afterwards.
    values = {attribute: getattr(remove, attribute) for attribute, _label in _FILLABLE}
    removed_kind = remove.kind
    session.flush()
    session.delete(remove)
    session.flush()

    filled: list[str] = []
    for attribute, label in _FILLABLE:
        if getattr(keep, attribute) is None and values[attribute] is not None:
            setattr(keep, attribute, values[attribute])
            filled.append(label)
    if keep.kind is OrganisationKind.OTHER and removed_kind is not OrganisationKind.OTHER:
        keep.kind = removed_kind
        filled.append("Type")
    session.flush()
    _refresh_dossier_search_text(session, keep)
    session.flush()
    return MergeSummary(
        dossiers=len(dossiers),
        actions=len(actions),
        budget_lines=len(lines),
        contacts=len(contacts),
        seats=len(seats) - dropped,
        attendances=len(attendances),
        documents=len(documents),
        duplicate_seats_dropped=dropped,
        roles_added=roles_added,
        fields_filled=tuple(filled),
    )


# --------------------------------------------------------------------------- contacts


def contact_rows(
    session: Session, organisation_id: int | None = None, search: str | None = None
) -> list[ContactRow]:
    """Contacts sorted by name, with their committees; *search* matches every word."""
    statement = select(
        Contact.id,
        Contact.first_name,
        Contact.last_name,
        Contact.function,
        Contact.email,
        Contact.phone,
        Contact.organisation_id,
        Organisation.name.label("organisation_name"),
        Contact.is_resident,
    ).outerjoin(Organisation, Contact.organisation_id == Organisation.id)
    if organisation_id is not None:
        statement = statement.where(Contact.organisation_id == organisation_id)
    records = list(session.execute(statement).all())
    words = fold(search or "").split()
    if words:

        def haystack(r: Any) -> str:
            parts = (r.first_name, r.last_name, r.function, r.email, r.organisation_name)
            return fold(" ".join(part or "" for part in parts))

        records = [r for r in records if all(word in haystack(r) for word in words)]
    seats: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if records:
        for contact_id, committee_id, name in session.execute(
            select(CommitteeMembership.contact_id, Committee.id, Committee.name)
            .join(Committee, CommitteeMembership.committee_id == Committee.id)
            .where(CommitteeMembership.contact_id.in_([r.id for r in records]))
            .order_by(Committee.id)
        ).all():
            if contact_id is not None:
                seats[contact_id].append((committee_id, name))
    records.sort(key=lambda r: (fold(r.last_name), fold(r.first_name or ""), r.id))
    return [
        ContactRow(
            id=r.id,
            first_name=r.first_name,
            last_name=r.last_name,
            function=r.function,
            email=r.email,
            phone=r.phone,
            organisation_id=r.organisation_id,
            organisation_name=r.organisation_name,
            is_resident=r.is_resident,
            committee_ids=tuple(committee_id for committee_id, _ in seats.get(r.id, [])),
            committees=tuple(name for _, name in seats.get(r.id, [])),
        )
        for r in records
    ]


def _get_contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise ValidationError("Ce contact n'existe plus (il a peut-être été supprimé).")
    return contact


@dataclass(frozen=True, slots=True)
class _CleanContact:
    last_name: str
    first_name: str | None
    function: str | None
    email: str | None
    phone: str | None
    organisation_id: int | None
    notes: str | None
    is_resident: bool


def _clean_contact(session: Session, data: ContactInput) -> _CleanContact:
    last_name = _text(data.last_name, "Nom", MAX_PERSON_NAME, required=True)
    assert last_name is not None
    if data.organisation_id is not None and session.get(Organisation, data.organisation_id) is None:
        raise ValidationError(
            "Structure : cette structure n'existe plus (elle a peut-être été supprimée).",
            "Structure",
        )
    return _CleanContact(
        last_name=last_name,
        first_name=_text(data.first_name, "Prénom", MAX_PERSON_NAME),
        function=_text(data.function, "Fonction", MAX_FUNCTION),
        email=clean_email(data.email),
        phone=clean_phone(data.phone),
        organisation_id=data.organisation_id,
        notes=_multiline(data.notes),
        is_resident=bool(data.is_resident),
    )


def create_contact(session: Session, data: ContactInput) -> int:
    """Create a contact from the form; returns its id."""
    clean = _clean_contact(session, data)
    contact = Contact(
        last_name=clean.last_name,
        first_name=clean.first_name,
        function=clean.function,
        email=clean.email,
        phone=clean.phone,
        organisation_id=clean.organisation_id,
        notes=clean.notes,
        is_resident=clean.is_resident,
    )
    session.add(contact)
    session.flush()
    return contact.id


def contact_input(session: Session, contact_id: int) -> ContactInput:
    """The form's initial values for editing a contact."""
    contact = _get_contact(session, contact_id)
    return ContactInput(
        last_name=contact.last_name,
        first_name=contact.first_name or "",
        function=contact.function or "",
        email=contact.email or "",
        phone=contact.phone or "",
        organisation_id=contact.organisation_id,
        notes=contact.notes or "",
        is_resident=contact.is_resident,
    )


def update_contact(session: Session, contact_id: int, data: ContactInput) -> None:
    """Save the contact form; the contact's committee seats follow a change of organisation."""
    contact = _get_contact(session, contact_id)
    clean = _clean_contact(session, data)
    moved = contact.organisation_id != clean.organisation_id
    contact.last_name = clean.last_name
    contact.first_name = clean.first_name
    contact.function = clean.function
    contact.email = clean.email
    contact.phone = clean.phone
    contact.notes = clean.notes
    contact.is_resident = clean.is_resident
    if moved:
        contact.organisation = (
            None
            if clean.organisation_id is None
            else session.get(Organisation, clean.organisation_id)
        )
        for seat in session.scalars(
            select(CommitteeMembership).where(CommitteeMembership.contact_id == contact_id)
        ):
            seat.organisation_id = clean.organisation_id
    session.flush()


def delete_contact(session: Session, contact_id: int) -> None:
    """Delete a contact and their committee seats.

    Meetings they attended keep the attendance, under their name as typed text:
    the minutes already sent name them, and the record must still read.
    """
    contact = _get_contact(session, contact_id)
    full_name = (
        f"{contact.first_name} {contact.last_name}" if contact.first_name else contact.last_name
    )
    for seat in session.scalars(
        select(CommitteeMembership).where(CommitteeMembership.contact_id == contact_id)
    ):
        session.delete(seat)
    for attendance in session.scalars(
        select(Attendance).where(Attendance.contact_id == contact_id)
    ):
        attendance.guest_name = attendance.guest_name or full_name[:200]
        if attendance.organisation_id is None:
            attendance.organisation_id = contact.organisation_id
        attendance.contact_id = None
    session.flush()
    session.delete(contact)
    session.flush()


def set_contact_committees(
    session: Session,
    contact_id: int,
    committee_ids: Iterable[int],
    role: MemberRole = MemberRole.MEMBER,
) -> None:
    """Seat the contact on exactly *committee_ids*; existing seats keep their role and dates."""
    contact = _get_contact(session, contact_id)
    wanted = set(committee_ids)
    known = set(session.scalars(select(Committee.id).where(Committee.id.in_(list(wanted)))))
    if wanted - known:
        raise ValidationError(
            "Instances : une des instances choisies n'existe plus (elle a peut-être été "
            "supprimée).",
            "Instances",
        )
    seats = list(
        session.scalars(
            select(CommitteeMembership).where(CommitteeMembership.contact_id == contact_id)
        )
    )
    held = set()
    for seat in seats:
        if seat.committee_id not in wanted or seat.committee_id in held:
            session.delete(seat)
        else:
            held.add(seat.committee_id)
    for committee_id in sorted(wanted - held):
        session.add(
            CommitteeMembership(
                committee_id=committee_id,
                contact_id=contact.id,
                organisation_id=contact.organisation_id,
                role=role,
            )
        )
    session.flush()
