"""Calls for projects (appels à projets): editing, states and the rows of their list.

Also home of `FieldError` / `FormError`, the field-level validation results shared
by the editors' services (calls, dossiers): a form gets every error at once, each
naming the input field it belongs to, and nothing is saved until the form is valid.

Write functions take a Session and never commit: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import CallState
from qpvdesk.core.domain.models import (
    BudgetLine,
    CallForProjects,
    Contract,
    Dossier,
    Envelope,
    Objective,
    call_envelope,
    call_objective,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import ValidationError

MAX_TITLE = 300

# The life of a call, one step at a time; each step may be undone one step back.
CALL_ORDER: tuple[CallState, ...] = (
    CallState.DRAFT,
    CallState.OPEN,
    CallState.CLOSED,
    CallState.PROGRAMMED,
)

@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem of a form: the input field it belongs to and a French message."""

    field: str
    message: str


class FormError(ValidationError):
    """A form refused as a whole: carries every `FieldError`, the first one as the message."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        first = errors[0] if errors else FieldError("", "Saisie invalide.")
        super().__init__(first.message, first.field)
        self.errors: tuple[FieldError, ...] = tuple(errors)

    def messages(self) -> str:
        """Every message, one a line (for a dialog or the command line)."""
        return "\n".join(error.message for error in self.errors)


@dataclass(frozen=True, slots=True)
class CallInput:
    """What the call editor holds."""

    title: str
    year: int
    opens_on: date | None = None
    closes_on: date | None = None
    description: str | None = None
    objective_ids: tuple[int, ...] = ()
    envelope_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class CallRow:
    """One call in the list of calls."""

    id: int
    year: int
    title: str
    opens_on: date | None
    closes_on: date | None
    state: CallState
    state_label: str
    dossiers: int
    envelopes_total: Money
    late_dossiers: int


@dataclass(frozen=True, slots=True)
class CallDetail:
    """A call as its editor shows it."""

    id: int
    year: int
    title: str
    opens_on: date | None
    closes_on: date | None
    description: str | None
    state: CallState
    state_label: str
    objective_ids: tuple[int, ...]
    envelope_ids: tuple[int, ...]
    dossiers: int
    next_states: tuple[CallState, ...] = field(default=())

    def as_input(self) -> CallInput:
        return CallInput(
            title=self.title,
            year=self.year,
            opens_on=self.opens_on,
            closes_on=self.closes_on,
            description=self.description,
            objective_ids=self.objective_ids,
            envelope_ids=self.envelope_ids,
        )


@dataclass(frozen=True, slots=True)
class EnvelopeChoice:
    """An envelope a call may draw on (for the editor's pick list)."""

    id: int
    year: int
    budget_line_id: int
    line_name: str
    amount: Money


def is_late(received_on: date | None, closes_on: date | None) -> bool:
    """A dossier received after the call closed is flagged (never refused)."""
    return received_on is not None and closes_on is not None and received_on > closes_on


def contract_years(session: Session) -> tuple[int, int]:
    """First and last year of the contract (2024–2030 for the built-in one)."""
    row = session.execute(select(Contract.start_year, Contract.end_year)).first()
    if row is None:
        raise ValidationError("La base ne contient pas de contrat de ville.")
    return int(row[0]), int(row[1])


def validate_call_input(session: Session, data: CallInput) -> list[FieldError]:
    """Every problem of the form at once (empty list when it can be saved)."""
    errors: list[FieldError] = []
    title = " ".join((data.title or "").split())
    if not title:
        errors.append(FieldError("title", "Intitulé : indiquez l'intitulé de l'appel à projets."))
    elif len(title) > MAX_TITLE:
        errors.append(FieldError("title", f"Intitulé : {MAX_TITLE} caractères au plus."))
    first, last = contract_years(session)
    if not first <= data.year <= last:
        errors.append(
            FieldError(
                "year",
                f"Année : le contrat de ville couvre {first} à {last} ({data.year} est en dehors).",
            )
        )
    if data.opens_on and data.closes_on and data.closes_on < data.opens_on:
        errors.append(
            FieldError(
                "closes_on",
                "Date de clôture : elle précède la date d'ouverture "
                f"({data.closes_on:%d/%m/%Y} < {data.opens_on:%d/%m/%Y}).",
            )
        )
    objective_ids = set(data.objective_ids)
    if objective_ids:
        found = set(session.scalars(select(Objective.id).where(Objective.id.in_(objective_ids))))
        if objective_ids - found:
            errors.append(
                FieldError("objective_ids", "Objectifs visés : un objectif choisi n'existe plus.")
            )
    envelope_ids = set(data.envelope_ids)
    if envelope_ids:
        rows = session.execute(
            select(Envelope.id, Envelope.year, BudgetLine.name)
            .join(BudgetLine, BudgetLine.id == Envelope.budget_line_id)
            .where(Envelope.id.in_(envelope_ids))
        ).all()
        if len(rows) != len(envelope_ids):
            errors.append(
                FieldError("envelope_ids", "Enveloppes : une enveloppe choisie n'existe plus.")
            )
        for _id, year, name in rows:
            if year != data.year:
                errors.append(
                    FieldError(
                        "envelope_ids",
                        f"Enveloppes : l'enveloppe « {name} » est celle de {year}, "
                        f"l'appel porte sur {data.year}.",
                    )
                )
    return errors


def _get(session: Session, call_id: int) -> CallForProjects:
    call = session.get(CallForProjects, call_id)
    if call is None:
        raise ValidationError("Cet appel à projets n'existe plus (il a peut-être été supprimé).")
    return call


def _clean(text: str | None) -> str | None:
    value = (text or "").strip()
    return value or None


def _set_call_objectives(session: Session, call_id: int, objective_ids: Iterable[int]) -> None:
    """The only writer of `call_objective` (no ORM relationship maps it yet)."""
    wanted = set(objective_ids)
    current = set(
        session.scalars(
            select(call_objective.c.objective_id).where(call_objective.c.call_id == call_id)
        )
    )
    if current - wanted:
        session.execute(
            call_objective.delete().where(
                and_(
                    call_objective.c.call_id == call_id,
                    call_objective.c.objective_id.in_(current - wanted),
                )
            )
        )
    for objective_id in sorted(wanted - current):
        session.execute(call_objective.insert().values(call_id=call_id, objective_id=objective_id))


def _set_call_envelopes(session: Session, call_id: int, envelope_ids: Iterable[int]) -> None:
    """The only writer of `call_envelope` (no ORM relationship maps it yet)."""
    wanted = set(envelope_ids)
    current = set(
        session.scalars(
            select(call_envelope.c.envelope_id).where(call_envelope.c.call_id == call_id)
        )
    )
    if current - wanted:
        session.execute(
            call_envelope.delete().where(
                and_(
                    call_envelope.c.call_id == call_id,
                    call_envelope.c.envelope_id.in_(current - wanted),
                )
            )
        )
    for envelope_id in sorted(wanted - current):
        session.execute(call_envelope.insert().values(call_id=call_id, envelope_id=envelope_id))


def create_call(session: Session, data: CallInput) -> int:
    """Create a call (state « En préparation »); returns its id."""
    errors = validate_call_input(session, data)
    if errors:
        raise FormError(errors)
    contract_id = session.scalars(select(Contract.id)).first()
    assert contract_id is not None  # validate_call_input checked the contract
    call = CallForProjects(
        contract_id=contract_id,
        year=data.year,
        title=" ".join(data.title.split()),
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        description=_clean(data.description),
        state=CallState.DRAFT,
    )
    session.add(call)
    session.flush()
    _set_call_objectives(session, call.id, data.objective_ids)
    _set_call_envelopes(session, call.id, data.envelope_ids)
    return call.id


def update_call(session: Session, call_id: int, data: CallInput) -> None:
    """Save the editor's fields on an existing call."""
    call = _get(session, call_id)
    errors = validate_call_input(session, data)
    if data.year != call.year:
        other_year = session.scalar(
            select(func.count()).where(Dossier.call_id == call_id, Dossier.year != data.year)
        )
        if other_year:
            errors.append(
                FieldError(
                    "year",
                    f"Année : {other_year} dossier(s) de {call.year} sont rattachés à cet appel ; "
                    "son année ne peut plus changer.",
                )
            )
    if errors:
        raise FormError(errors)
    title = " ".join(data.title.split())
    if call.title != title:
        call.title = title
    for name, value in (
        ("year", data.year),
        ("opens_on", data.opens_on),
        ("closes_on", data.closes_on),
        ("description", _clean(data.description)),
    ):
        if getattr(call, name) != value:
            setattr(call, name, value)
    _set_call_objectives(session, call.id, data.objective_ids)
    _set_call_envelopes(session, call.id, data.envelope_ids)
    session.flush()


def delete_call(session: Session, call_id: int) -> None:
    """Delete a call no dossier refers to; otherwise say how many do."""
    call = _get(session, call_id)
    count = int(session.scalar(select(func.count()).where(Dossier.call_id == call_id)) or 0)
    if count:
        raise ValidationError(
            f"L'appel à projets « {call.title} » ne peut pas être supprimé : "
            f"{count} dossier{'s' if count > 1 else ''} y {'sont' if count > 1 else 'est'} "
            "rattaché" + ("s." if count > 1 else ".")
        )
    _set_call_objectives(session, call.id, ())
    _set_call_envelopes(session, call.id, ())
    session.delete(call)
    session.flush()


def next_call_states(state: CallState) -> tuple[CallState, ...]:
    """The states a call in *state* may move to: the next step, or one step back."""
    index = CALL_ORDER.index(state)
    neighbours = [index + 1, index - 1]
    return tuple(CALL_ORDER[i] for i in neighbours if 0 <= i < len(CALL_ORDER))


def set_call_state(session: Session, call_id: int, target: CallState) -> None:
    """Move a call one step (draft → open → closed → programmed) or one step back."""
    call = _get(session, call_id)
    if target == call.state:
        raise ValidationError(
            f"L'appel « {call.title} » est déjà à l'état « {call.state.label} ».",
            "state",
        )
    allowed = next_call_states(call.state)
    if target not in allowed:
        possible = " ou ".join(f"« {s.label} »" for s in allowed)
        raise ValidationError(
            f"L'appel « {call.title} » ne peut pas passer de « {call.state.label} » "
            f"à « {target.label} » : un appel avance d'une étape à la fois "
            f"(En préparation → Ouvert → Clos → Programmé) ou revient d'une étape. "
            f"États possibles : {possible}.",
            "state",
        )
    call.state = target
    session.flush()


def call_rows(session: Session, year: int | None = None) -> list[CallRow]:
    """Every call (of *year* when given), most recent year first."""
    dossiers = (
        select(
            Dossier.call_id.label("call_id"),
            func.count().label("dossiers"),
            func.sum(case((Dossier.received_on > CallForProjects.closes_on, 1), else_=0)).label(
                "late"
            ),
        )
        .join(CallForProjects, CallForProjects.id == Dossier.call_id)
        .group_by(Dossier.call_id)
        .subquery()
    )
    envelopes = (
        select(
            call_envelope.c.call_id.label("call_id"),
            func.sum(Envelope.amount).label("total"),
        )
        .join(Envelope, Envelope.id == call_envelope.c.envelope_id)
        .group_by(call_envelope.c.call_id)
        .subquery()
    )
    statement = (
        select(
            CallForProjects.id,
            CallForProjects.year,
            CallForProjects.title,
            CallForProjects.opens_on,
            CallForProjects.closes_on,
            CallForProjects.state,
            dossiers.c.dossiers,
            envelopes.c.total,
            dossiers.c.late,
        )
        .outerjoin(dossiers, dossiers.c.call_id == CallForProjects.id)
        .outerjoin(envelopes, envelopes.c.call_id == CallForProjects.id)
        .order_by(CallForProjects.year.desc(), CallForProjects.title, CallForProjects.id)
    )
    if year is not None:
        statement = statement.where(CallForProjects.year == year)
    return [
        CallRow(
            id=row[0],
            year=row[1],
            title=row[2],
            opens_on=row[3],
            closes_on=row[4],
            state=row[5],
            state_label=CallState(row[5]).label,
            dossiers=int(row[6] or 0),
            envelopes_total=row[7] if row[7] is not None else Money.zero(),
            late_dossiers=int(row[8] or 0),
        )
        for row in session.execute(statement)
    ]


def call_detail(session: Session, call_id: int) -> CallDetail:
    """A call with its targeted objectives and envelopes, for its editor."""
    call = _get(session, call_id)
    objective_ids = tuple(
        sorted(
            session.scalars(
                select(call_objective.c.objective_id).where(call_objective.c.call_id == call_id)
            )
        )
    )
    envelope_ids = tuple(
        sorted(
            session.scalars(
                select(call_envelope.c.envelope_id).where(call_envelope.c.call_id == call_id)
            )
        )
    )
    count = int(session.scalar(select(func.count()).where(Dossier.call_id == call_id)) or 0)
    return CallDetail(
        id=call.id,
        year=call.year,
        title=call.title,
        opens_on=call.opens_on,
        closes_on=call.closes_on,
        description=call.description,
        state=call.state,
        state_label=call.state.label,
        objective_ids=objective_ids,
        envelope_ids=envelope_ids,
        dossiers=count,
        next_states=next_call_states(call.state),
    )


def envelope_choices(session: Session, year: int) -> list[EnvelopeChoice]:
    """The envelopes of *year*, for the call editor's pick list."""
    rows = session.execute(
        select(
            Envelope.id, Envelope.year, Envelope.budget_line_id, BudgetLine.name, Envelope.amount
        )
        .join(BudgetLine, BudgetLine.id == Envelope.budget_line_id)
        .where(Envelope.year == year)
        .order_by(BudgetLine.name, Envelope.id)
    ).all()
    return [EnvelopeChoice(*row) for row in rows]
