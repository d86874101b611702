"""The funders' budget-line catalogue (droit commun / crédits spécifiques) and yearly envelopes.

Write functions take a Session and never commit. A line or an envelope that
something uses cannot be deleted: the message says what uses it, and a line
can be deactivated instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import FundingNature, OrganisationRoleKind
from qpvdesk.core.domain.models import (
    BudgetLine,
    CallForProjects,
    Envelope,
    Funding,
    Organisation,
    OrganisationRole,
    call_envelope,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import ValidationError

MAX_NAME = 300
MAX_CODE = 50
MIN_YEAR = 2000
MAX_YEAR = 2100


@dataclass(frozen=True, slots=True)
class EnvelopeRow:
    """The amount a line puts on the table for one year, and the calls that draw on it."""

    id: int
    budget_line_id: int
    year: int
    amount: Money
    notes: str | None
    calls: tuple[str, ...]

    @property
    def in_use(self) -> bool:
        return bool(self.calls)


@dataclass(frozen=True, slots=True)
class BudgetLineRow:
    """A line of a funder's catalogue, its envelopes per year and whether anything uses it."""

    id: int
    funder_id: int
    funder_name: str
    name: str
    code: str | None
    nature: FundingNature
    active: bool
    envelopes: tuple[EnvelopeRow, ...]
    funding_count: int

    @property
    def nature_label(self) -> str:
        return self.nature.label

    @property
    def in_use(self) -> bool:
        """Funding rows or envelopes refer to it: it cannot be deleted."""
        return bool(self.funding_count or self.envelopes)

    def envelope(self, year: int) -> EnvelopeRow | None:
        return next((e for e in self.envelopes if e.year == year), None)

    def envelope_amount(self, year: int) -> Money | None:
        envelope = self.envelope(year)
        return None if envelope is None else envelope.amount


@dataclass(frozen=True, slots=True)
class FunderCatalogue:
    """One funder and its lines, for the catalogue page."""

    funder_id: int
    funder_name: str
    acronym: str | None
    lines: tuple[BudgetLineRow, ...]


@dataclass(frozen=True, slots=True)
class BudgetLineInput:
    """The budget-line form as typed."""

    funder_id: int
    name: str
    nature: FundingNature
    code: str = ""
    active: bool = True


@dataclass(frozen=True, slots=True)
class BudgetLineUsage:
    """What refers to a budget line: funding rows (with their years) and envelopes."""

    funding_count: int
    funding_years: tuple[int, ...]
    envelope_years: tuple[int, ...]

    @property
    def in_use(self) -> bool:
        return bool(self.funding_count or self.envelope_years)

    def describe(self) -> str:
        parts = []
        if self.funding_count:
            noun = "financement" if self.funding_count == 1 else "financements"
            years = ", ".join(str(y) for y in self.funding_years)
            parts.append(f"{self.funding_count} {noun} ({years})")
        if self.envelope_years:
            count = len(self.envelope_years)
            noun = "enveloppe" if count == 1 else "enveloppes"
            years = ", ".join(str(y) for y in self.envelope_years)
            parts.append(f"{count} {noun} ({years})")
        return " et ".join(parts)


# --------------------------------------------------------------------------- queries


def budget_line_rows(
    session: Session, funder_id: int | None = None, *, include_inactive: bool = True
) -> list[BudgetLineRow]:
    """Lines (of one funder, or all), by funder then nature then name, with their envelopes."""
    statement = select(
        BudgetLine.id,
        BudgetLine.funder_id,
        Organisation.name.label("funder_name"),
        BudgetLine.name,
        BudgetLine.code,
        BudgetLine.nature,
        BudgetLine.active,
    ).join(Organisation, BudgetLine.funder_id == Organisation.id)
    if funder_id is not None:
        statement = statement.where(BudgetLine.funder_id == funder_id)
    if not include_inactive:
        statement = statement.where(BudgetLine.active.is_(True))
    records = session.execute(
        statement.order_by(
            Organisation.search_name, BudgetLine.nature.desc(), BudgetLine.name, BudgetLine.id
        )
    ).all()
    ids = [r.id for r in records]
    if not ids:
        return []
    calls: dict[int, list[str]] = defaultdict(list)
    for envelope_id, title in session.execute(
        select(call_envelope.c.envelope_id, CallForProjects.title)
        .join(CallForProjects, call_envelope.c.call_id == CallForProjects.id)
        .join(Envelope, call_envelope.c.envelope_id == Envelope.id)
        .where(Envelope.budget_line_id.in_(ids))
        .order_by(CallForProjects.year, CallForProjects.id)
    ).all():
        calls[envelope_id].append(title)
    envelopes: dict[int, list[EnvelopeRow]] = defaultdict(list)
    for envelope in session.execute(
        select(Envelope.id, Envelope.budget_line_id, Envelope.year, Envelope.amount, Envelope.notes)
        .where(Envelope.budget_line_id.in_(ids))
        .order_by(Envelope.year)
    ).all():
        envelopes[envelope.budget_line_id].append(
            EnvelopeRow(
                id=envelope.id,
                budget_line_id=envelope.budget_line_id,
                year=envelope.year,
                amount=envelope.amount,
                notes=envelope.notes,
                calls=tuple(calls.get(envelope.id, ())),
            )
        )
    fundings = {
        line: int(count)
        for line, count in session.execute(
            select(Funding.budget_line_id, func.count())
            .where(Funding.budget_line_id.in_(ids))
            .group_by(Funding.budget_line_id)
        ).all()
    }
    return [
        BudgetLineRow(
            id=r.id,
            funder_id=r.funder_id,
            funder_name=r.funder_name,
            name=r.name,
            code=r.code,
            nature=r.nature,
            active=r.active,
            envelopes=tuple(envelopes.get(r.id, ())),
            funding_count=int(fundings.get(r.id, 0)),
        )
        for r in records
    ]


def budget_catalogue(session: Session, *, include_inactive: bool = True) -> list[FunderCatalogue]:
    """Every funder (role Financeur, or carrying lines) with its lines, funders by name."""
    funder_ids = set(
        session.scalars(
            select(OrganisationRole.organisation_id).where(
                OrganisationRole.role == OrganisationRoleKind.FUNDER
            )
        )
    ) | set(session.scalars(select(BudgetLine.funder_id).distinct()))
    if not funder_ids:
        return []
    lines: dict[int, list[BudgetLineRow]] = defaultdict(list)
    for row in budget_line_rows(session, include_inactive=include_inactive):
        lines[row.funder_id].append(row)
    funders = session.execute(
        select(Organisation.id, Organisation.name, Organisation.acronym)
        .where(Organisation.id.in_(funder_ids))
        .order_by(Organisation.search_name, Organisation.id)
    ).all()
    return [
        FunderCatalogue(
            funder_id=f.id, funder_name=f.name, acronym=f.acronym, lines=tuple(lines.get(f.id, ()))
        )
        for f in funders
    ]


def budget_line_usage(session: Session, line_id: int) -> BudgetLineUsage:
    """Funding rows and envelopes that refer to the line."""
    funding_years = session.execute(
        select(Funding.year, func.count())
        .where(Funding.budget_line_id == line_id)
        .group_by(Funding.year)
        .order_by(Funding.year)
    ).all()
    envelope_years = session.scalars(
        select(Envelope.year).where(Envelope.budget_line_id == line_id).order_by(Envelope.year)
    ).all()
    return BudgetLineUsage(
        funding_count=sum(int(count) for _, count in funding_years),
        funding_years=tuple(year for year, _ in funding_years),
        envelope_years=tuple(envelope_years),
    )


# --------------------------------------------------------------------------- writes


def _get(session: Session, line_id: int) -> BudgetLine:
    line = session.get(BudgetLine, line_id)
    if line is None:
        raise ValidationError(
            "Cette ligne budgétaire n'existe plus (elle a peut-être été supprimée)."
        )
    return line


@dataclass(frozen=True, slots=True)
class _CleanLine:
    funder: Organisation
    name: str
    code: str | None
    nature: FundingNature
    active: bool
    needs_funder_role: bool


def _clean_line(
    session: Session, data: BudgetLineInput, line_id: int | None, add_funder_role: bool
) -> _CleanLine:
    funder = session.get(Organisation, data.funder_id)
    if funder is None:
        raise ValidationError(
            "Financeur : cette structure n'existe plus (elle a peut-être été supprimée).",
            "Financeur",
        )
    name = " ".join((data.name or "").split())
    if not name:
        raise ValidationError("Intitulé : indiquez le nom de la ligne budgétaire.", "Intitulé")
    if len(name) > MAX_NAME:
        raise ValidationError(f"Intitulé : {MAX_NAME} caractères au plus.", "Intitulé")
    code = " ".join((data.code or "").split()) or None
    if code is not None and len(code) > MAX_CODE:
        raise ValidationError(f"Code : {MAX_CODE} caractères au plus.", "Code")
    try:
        nature = FundingNature(data.nature)
    except ValueError:
        raise ValidationError(
            "Nature : choisissez droit commun ou crédits spécifiques.", "Nature"
        ) from None
    folded = fold(name)
    for other_id, other_name in session.execute(
        select(BudgetLine.id, BudgetLine.name).where(BudgetLine.funder_id == funder.id)
    ).all():
        if other_id != line_id and fold(other_name) == folded:
            raise ValidationError(
                f"Intitulé : « {funder.name} » a déjà une ligne « {other_name} ».", "Intitulé"
            )
    has_role = any(role.role is OrganisationRoleKind.FUNDER for role in funder.roles)
    if not has_role and not add_funder_role:
        raise ValidationError(
            f"Financeur : « {funder.name} » n'a pas le rôle Financeur. Ajoutez-le à sa fiche "
            "(ou acceptez qu'il soit ajouté) avant de lui créer des lignes budgétaires.",
            "Financeur",
        )
    return _CleanLine(
        funder=funder,
        name=name,
        code=code,
        nature=nature,
        active=bool(data.active),
        needs_funder_role=not has_role,
    )


def _grant_funder_role(clean: _CleanLine) -> None:
    if clean.needs_funder_role:
        clean.funder.roles.append(OrganisationRole(role=OrganisationRoleKind.FUNDER))


def create_budget_line(
    session: Session, data: BudgetLineInput, *, add_funder_role: bool = False
) -> int:
    """Add a line to a funder's catalogue; returns its id.

    The organisation must have the role Financeur, unless *add_funder_role* asks
    to give it that role in the same transaction.
    """
    clean = _clean_line(session, data, None, add_funder_role)
    _grant_funder_role(clean)
    line = BudgetLine(
        funder_id=clean.funder.id,
        name=clean.name,
        code=clean.code,
        nature=clean.nature,
        active=clean.active,
    )
    session.add(line)
    session.flush()
    return line.id


def update_budget_line(
    session: Session, line_id: int, data: BudgetLineInput, *, add_funder_role: bool = False
) -> None:
    """Save the line form; a line already used by funding rows keeps its funder."""
    line = _get(session, line_id)
    clean = _clean_line(session, data, line_id, add_funder_role)
    if clean.funder.id != line.funder_id:
        usage = budget_line_usage(session, line_id)
        if usage.funding_count:
            raise ValidationError(
                f"Financeur : « {line.name} » est déjà utilisée par {usage.describe()} ; "
                "elle ne peut plus changer de financeur. Créez une nouvelle ligne.",
                "Financeur",
            )
    _grant_funder_role(clean)
    line.funder_id = clean.funder.id
    line.name = clean.name
    line.code = clean.code
    line.nature = clean.nature
    line.active = clean.active
    session.flush()


def delete_budget_line(session: Session, line_id: int) -> None:
    """Delete a line nothing uses; otherwise say what uses it."""
    line = _get(session, line_id)
    usage = budget_line_usage(session, line_id)
    if usage.in_use:
        raise ValidationError(
            f"La ligne « {line.name} » ne peut pas être supprimée : elle est utilisée par "
            f"{usage.describe()}. Désactivez-la plutôt : elle ne sera plus proposée."
        )
    session.delete(line)
    session.flush()


def _check_year(year: Any) -> int:
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            f"Année : indiquez une année entre {MIN_YEAR} et {MAX_YEAR} (« {year} »).", "Année"
        )
    return year


def set_envelope(
    session: Session, line_id: int, year: int, amount: Money, notes: str | None = None
) -> int:
    """Create or update the line's envelope for *year*; returns its id.

    *notes* replaces the envelope's notes when given (None keeps them).
    """
    _get(session, line_id)
    _check_year(year)
    if not isinstance(amount, Money):
        raise TypeError("an envelope amount is Money")
    if amount.cents < 0:
        raise ValidationError(
            f"Montant : une enveloppe ne peut pas être négative ({amount}).", "Montant"
        )
    envelope = session.scalar(
        select(Envelope).where(Envelope.budget_line_id == line_id, Envelope.year == year)
    )
    cleaned_notes = None if notes is None else (notes.strip() or None)
    if envelope is None:
        envelope = Envelope(budget_line_id=line_id, year=year, amount=amount, notes=cleaned_notes)
        session.add(envelope)
    else:
        if envelope.amount != amount:
            envelope.amount = amount
        if notes is not None:
            envelope.notes = cleaned_notes
    session.flush()
    return envelope.id


def delete_envelope(session: Session, line_id: int, year: int) -> None:
    """Delete the line's envelope for *year*, unless a call for projects draws on it."""
    line = _get(session, line_id)
    envelope = session.scalar(
        select(Envelope).where(Envelope.budget_line_id == line_id, Envelope.year == year)
    )
    if envelope is None:
        raise ValidationError(f"La ligne « {line.name} » n'a pas d'enveloppe {year}.")
    calls = session.scalars(
        select(CallForProjects.title)
        .join(call_envelope, call_envelope.c.call_id == CallForProjects.id)
        .where(call_envelope.c.envelope_id == envelope.id)
        .order_by(CallForProjects.year, CallForProjects.id)
    ).all()
    if calls:
        names = ", ".join(f"« {title} »" for title in calls)
        noun = "l'appel à projets" if len(calls) == 1 else "les appels à projets"
        raise ValidationError(
            f"L'enveloppe {year} de « {line.name} » ne peut pas être supprimée : "
            f"{noun} {names} y puise. Retirez-la d'abord de l'appel."
        )
    session.delete(envelope)
    session.flush()
