"""Every euro from request to payment: funding rows, payments, envelopes and warnings.

A funding row is action × budget line × year: what the line is asked (requested),
what the instruction proposes, what the funder grants, and the funder's own
decision (one funder may refuse while another grants). Payments hang under it.
A multi-year agreement (CPO) has one row per year and per line. Droit commun
actions of partners have no dossier: their rows say what a partner mobilises.

Anything odd (more granted than asked, more paid than granted, an envelope
exceeded…) is never refused silently nor accepted silently: `funding_warnings`
lists it for the screen.

A granted amount that a COPIL (or a comité des financeurs) approved — the row is in
the programmation its closed meeting froze — is changed or deleted only with a
reason (`ApprovalReasonRequired` otherwise), kept in the audit log with the change.

Write functions take a Session and never commit: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.cerfa import budget_totals
from qpvdesk.core.domain.enums import (
    ActionKind,
    ActionState,
    FundingNature,
    MeetingState,
    PaymentKind,
)
from qpvdesk.core.domain.models import (
    Action,
    BudgetEntry,
    BudgetLine,
    Committee,
    Contract,
    Dossier,
    Envelope,
    Funding,
    Meeting,
    Objective,
    Organisation,
    Payment,
    ProgrammeSnapshot,
    SnapshotLine,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.storage import audit

MAX_DECISION = 300
MAX_REFERENCE = 100
MAX_REASON = 500
AMOUNT_LABELS = {
    "requested": "Montant demandé",
    "proposed": "Montant proposé",
    "granted": "Montant accordé",
    "amount": "Montant",
}


class Severity(StrEnum):
    """How loudly a warning speaks."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def label(self) -> str:
        return {"info": "Information", "warning": "Attention", "error": "Anomalie"}[self.value]


@dataclass(frozen=True, slots=True)
class FundingWarning:
    """A visible warning about a dossier's money, with a stable code for tests and filters."""

    code: str
    severity: Severity
    message: str
    funding_id: int | None = None
    budget_line_id: int | None = None
    year: int | None = None


# Stable codes of `FundingWarning`.
GRANTED_ABOVE_REQUESTED = "granted_above_requested"
PAYMENTS_ABOVE_GRANTED = "payments_above_granted"
ENVELOPE_EXCEEDED = "envelope_exceeded"
REQUESTED_ABOVE_COST = "requested_above_cost"
COST_NOT_COVERED = "cost_not_covered"


@dataclass(frozen=True, slots=True)
class PaymentRow:
    """A payment as the funding table shows it under its row."""

    id: int
    funding_id: int
    kind: PaymentKind
    kind_label: str
    amount: Money
    paid_on: date | None
    due_on: date | None
    reference: str | None

    @property
    def is_paid(self) -> bool:
        return self.paid_on is not None


@dataclass(frozen=True, slots=True)
class FundingRow:
    """One funding row with its line, funder and payments."""

    id: int
    action_id: int
    dossier_id: int | None
    budget_line_id: int
    line_name: str
    line_code: str | None
    funder_id: int
    funder_name: str
    nature: FundingNature
    nature_label: str
    year: int
    requested: Money | None
    proposed: Money | None
    granted: Money | None
    funder_decision: str | None
    decided_on: date | None
    payments: tuple[PaymentRow, ...]

    @property
    def paid(self) -> Money:
        """What has been paid (payments with a payment date)."""
        return _total(p.amount for p in self.payments if p.paid_on is not None)

    @property
    def scheduled(self) -> Money:
        """Every payment recorded, paid or only due."""
        return _total(p.amount for p in self.payments)

    @property
    def committed(self) -> Money:
        """What the row takes from its envelope: granted, or proposed while not granted."""
        return _committed(self.proposed, self.granted)


@dataclass(frozen=True, slots=True)
class EnvelopeConsumption:
    """Where a budget line stands for a year; `envelope` and `remaining` are None without one."""

    budget_line_id: int
    year: int
    envelope: Money | None
    requested: Money
    proposed: Money
    granted: Money
    committed: Money
    paid: Money
    remaining: Money | None

    @property
    def exceeded(self) -> bool:
        return self.remaining is not None and self.remaining.cents < 0


def _total(amounts: Iterable[Money]) -> Money:
    return Money(sum(amount.cents for amount in amounts))


def _committed(proposed: Money | None, granted: Money | None) -> Money:
    if granted is not None:
        return granted
    return proposed if proposed is not None else Money.zero()


def _or_zero(value: Money | None) -> Money:
    return value if value is not None else Money.zero()


def _check_amount(value: Money | None, name: str, *, positive: bool = False) -> None:
    label = AMOUNT_LABELS.get(name, "Montant")
    if value is None:
        if positive:
            raise ValidationError(f"{label} : indiquez un montant.", name)
        return
    if not isinstance(value, Money):
        raise ValidationError(f"{label} : montant invalide.", name)
    if value.cents < 0:
        raise ValidationError(f"{label} : un montant ne peut pas être négatif.", name)
    if positive and value.cents == 0:
        raise ValidationError(f"{label} : le montant doit être supérieur à zéro.", name)


def _years(first: int, last: int | None) -> str:
    return str(first) if last is None or last == first else f"{first} à {last}"


def _line(session: Session, budget_line_id: int) -> BudgetLine:
    line = session.get(BudgetLine, budget_line_id)
    if line is None:
        raise ValidationError("Cette ligne budgétaire n'existe plus.", "budget_line_id")
    return line


def _dossier(session: Session, dossier_id: int) -> Dossier:
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise ValidationError("Ce dossier n'existe plus (il a peut-être été supprimé).")
    return dossier


def _funding(session: Session, funding_id: int) -> Funding:
    funding = session.get(Funding, funding_id)
    if funding is None:
        raise ValidationError("Cette ligne de financement n'existe plus.")
    return funding


def _label_of(session: Session, funding: Funding) -> str:
    line = session.get(BudgetLine, funding.budget_line_id)
    name = line.name if line is not None else "ligne supprimée"
    return f"« {name} » {funding.year}"


# --- amounts approved by a COPIL -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Approval:
    """The closed meeting whose frozen programmation holds a row's granted amount."""

    meeting_id: int
    committee_name: str
    starts_at: datetime
    granted: Money

    @property
    def title(self) -> str:
        """« Comité de pilotage (COPIL) du 23/06/2026 »."""
        from qpvdesk.core.services.meetings import french_date

        return f"{self.committee_name} du {french_date(self.starts_at)}"


class ApprovalReasonRequired(ValidationError):
    """Changing an approved amount needs a reason; the message names dossier and funder."""

    def __init__(self, message: str, approval: Approval) -> None:
        super().__init__(message, "reason")
        self.approval = approval


def approval_of(session: Session, funding_id: int) -> Approval | None:
    """The latest closed meeting that approved the row's granted amount (None: none did).

    Closing a COPIL or a comité des financeurs freezes the approved programmation
    (`meetings.close_meeting`): a row found there with a granted amount was approved.
    """
    found = session.execute(
        select(Meeting.id, Committee.name, Meeting.starts_at, SnapshotLine.granted)
        .join(ProgrammeSnapshot, ProgrammeSnapshot.id == SnapshotLine.snapshot_id)
        .join(Meeting, Meeting.id == ProgrammeSnapshot.meeting_id)
        .join(Committee, Committee.id == Meeting.committee_id)
        # The same row, not a later one that took the id of a deleted row.
        .join(
            Funding,
            and_(
                Funding.id == SnapshotLine.funding_id,
                Funding.dossier_id == SnapshotLine.dossier_id,
                Funding.budget_line_id == SnapshotLine.budget_line_id,
                Funding.year == SnapshotLine.year,
            ),
        )
        .where(
            SnapshotLine.funding_id == funding_id,
            SnapshotLine.granted.is_not(None),
            Meeting.state != MeetingState.PLANNED,
        )
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    meeting_id, name, starts_at, granted = found
    assert granted is not None  # filtered above
    return Approval(meeting_id, name, starts_at, granted)


def _clean_reason(reason: str | None) -> str | None:
    text = " ".join((reason or "").split()) or None
    if text is not None and len(text) > MAX_REASON:
        raise ValidationError(f"Motif : {MAX_REASON} caractères au plus.", "reason")
    return text


def _require_reason(
    session: Session, funding: Funding, reason: str | None, doing: str
) -> tuple[str, Approval] | None:
    """The reason to keep when *funding*'s approved amount is changed (refused without)."""
    approval = approval_of(session, funding.id) if funding.id is not None else None
    if approval is None:
        return None
    text = _clean_reason(reason)
    if text is None:
        line = session.get(BudgetLine, funding.budget_line_id)
        funder = session.get(Organisation, line.funder_id) if line is not None else None
        dossier = session.get(Dossier, funding.dossier_id) if funding.dossier_id else None
        raise ApprovalReasonRequired(
            f"Le montant accordé par {funder.name if funder else 'le financeur'} "
            f"au dossier {dossier.reference if dossier else ''} "
            f"(ligne « {line.name if line else '?'} » {funding.year}, "
            f"{approval.granted.format()}) a été approuvé par le {approval.title} : "
            f"indiquez le motif de {doing}.",
            approval,
        )
    return text, approval


# --- funding rows of a dossier -------------------------------------------------------------


def _set_amounts(funding: Funding, values: Mapping[str, object]) -> None:
    # Assign only what changed, so that the audit log and the undo record real changes.
    for name, value in values.items():
        if getattr(funding, name) != value:
            setattr(funding, name, value)


def _dossier_row(
    session: Session, dossier: Dossier, budget_line_id: int, year: int
) -> Funding | None:
    return session.scalars(
        select(Funding).where(
            Funding.dossier_id == dossier.id,
            Funding.budget_line_id == budget_line_id,
            Funding.year == year,
        )
    ).first()


def _new_dossier_row(session: Session, dossier: Dossier, budget_line_id: int, year: int) -> Funding:
    line = _line(session, budget_line_id)
    last = dossier.last_year or dossier.year
    if not dossier.year <= year <= last:
        raise ValidationError(
            f"Exercice : le dossier {dossier.reference} porte sur {_years(dossier.year, last)} ; "
            f"il ne peut pas recevoir de financement pour {year}.",
            "year",
        )
    if not line.active:
        raise ValidationError(
            f"La ligne « {line.name} » n'est plus active : elle ne reçoit plus de financement.",
            "budget_line_id",
        )
    funding = Funding(
        action_id=dossier.action_id,
        dossier_id=dossier.id,
        budget_line_id=budget_line_id,
        year=year,
    )
    session.add(funding)
    return funding


def upsert_funding(
    session: Session,
    dossier_id: int,
    budget_line_id: int,
    year: int,
    requested: Money | None,
    proposed: Money | None,
    granted: Money | None,
    funder_decision: str | None = None,
    *,
    decided_on: date | None = None,
    reason: str | None = None,
) -> int:
    """Set a dossier's funding row for *budget_line_id* and *year* (created if new); its id.

    One row per line and year: a multi-year dossier has one for each year of its
    agreement. None means « not given » (the amount is left empty). Changing a granted
    amount a COPIL approved needs *reason* (`ApprovalReasonRequired` without), which
    the audit log keeps beside the change.
    """
    dossier = _dossier(session, dossier_id)
    for name, value in (("requested", requested), ("proposed", proposed), ("granted", granted)):
        _check_amount(value, name)
    decision = (funder_decision or "").strip() or None
    if decision is not None and len(decision) > MAX_DECISION:
        raise ValidationError(
            f"Décision du financeur : {MAX_DECISION} caractères au plus.", "funder_decision"
        )
    funding = _dossier_row(session, dossier, budget_line_id, year)
    kept = None
    if funding is None:
        funding = _new_dossier_row(session, dossier, budget_line_id, year)
    elif funding.granted != granted:
        kept = _require_reason(session, funding, reason, "sa modification")
    _set_amounts(
        funding,
        {
            "requested": requested,
            "proposed": proposed,
            "granted": granted,
            "funder_decision": decision,
            "decided_on": decided_on,
        },
    )
    session.flush()
    if kept is not None:
        audit.record_reason(session, "funding", funding.id, "granted", kept[0])
    return funding.id


def spread_funding(
    session: Session, dossier_id: int, budget_line_id: int, requested_per_year: Money
) -> list[int]:
    """Ask *budget_line_id* the same amount every year of a (multi-year) dossier.

    Creates the missing yearly rows, sets their requested amount and leaves the
    proposed and granted amounts of existing rows alone; returns the ids in year order.
    """
    dossier = _dossier(session, dossier_id)
    _check_amount(requested_per_year, "requested")
    ids: list[int] = []
    for year in range(dossier.year, (dossier.last_year or dossier.year) + 1):
        funding = _dossier_row(session, dossier, budget_line_id, year)
        if funding is None:
            funding = _new_dossier_row(session, dossier, budget_line_id, year)
        _set_amounts(funding, {"requested": requested_per_year})
        session.flush()
        ids.append(funding.id)
    return ids


def delete_funding(session: Session, funding_id: int, *, reason: str | None = None) -> None:
    """Delete a funding row; refused while payments hang under it, and without *reason*
    when a COPIL approved its granted amount (`ApprovalReasonRequired`)."""
    funding = _funding(session, funding_id)
    count = int(session.scalar(select(func.count()).where(Payment.funding_id == funding_id)) or 0)
    if count:
        raise ValidationError(
            f"Le financement {_label_of(session, funding)} ne peut pas être supprimé : "
            f"{count} versement{'s' if count > 1 else ''} y {'sont' if count > 1 else 'est'} "
            f"enregistré{'s' if count > 1 else ''}. Supprimez d'abord les versements."
        )
    kept = _require_reason(session, funding, reason, "sa suppression")
    if kept is not None:
        audit.record_reason(session, "funding", funding.id, "granted", kept[0])
    session.delete(funding)
    session.flush()


# --- payments ------------------------------------------------------------------------------


def _check_payment(
    session: Session,
    funding: Funding,
    amount: Money,
    paid_on: date | None,
    due_on: date | None,
    reference: str | None,
) -> str | None:
    _check_amount(amount, "amount", positive=True)
    if paid_on is None and due_on is None:
        raise ValidationError(
            "Date : indiquez la date du versement, ou son échéance s'il reste à faire.", "paid_on"
        )
    if not funding.granted:
        raise ValidationError(
            f"Aucun montant accordé sur {_label_of(session, funding)} : "
            "enregistrez l'accord du financeur avant un versement.",
            "amount",
        )
    text = (reference or "").strip() or None
    if text is not None and len(text) > MAX_REFERENCE:
        raise ValidationError(f"Référence : {MAX_REFERENCE} caractères au plus.", "reference")
    return text


def add_payment(
    session: Session,
    funding_id: int,
    kind: PaymentKind,
    amount: Money,
    *,
    paid_on: date | None = None,
    due_on: date | None = None,
    reference: str | None = None,
) -> int:
    """Record a payment (made: *paid_on*; to make: *due_on*) under a granted row; its id."""
    funding = _funding(session, funding_id)
    text = _check_payment(session, funding, amount, paid_on, due_on, reference)
    payment = Payment(
        funding_id=funding.id,
        kind=PaymentKind(kind),
        amount=amount,
        paid_on=paid_on,
        due_on=due_on,
        reference=text,
    )
    session.add(payment)
    session.flush()
    return payment.id


def update_payment(
    session: Session,
    payment_id: int,
    kind: PaymentKind,
    amount: Money,
    *,
    paid_on: date | None = None,
    due_on: date | None = None,
    reference: str | None = None,
) -> None:
    """Correct a payment, or mark a due one as made by giving its *paid_on*."""
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise ValidationError("Ce versement n'existe plus.")
    text = _check_payment(session, payment.funding, amount, paid_on, due_on, reference)
    for name, value in (
        ("kind", PaymentKind(kind)),
        ("amount", amount),
        ("paid_on", paid_on),
        ("due_on", due_on),
        ("reference", text),
    ):
        if getattr(payment, name) != value:
            setattr(payment, name, value)
    session.flush()


def delete_payment(session: Session, payment_id: int) -> None:
    """Delete a payment."""
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise ValidationError("Ce versement n'existe plus.")
    session.delete(payment)
    session.flush()


# --- droit commun --------------------------------------------------------------------------


def create_common_law_action(
    session: Session,
    title: str,
    partner_id: int,
    start_year: int,
    *,
    end_year: int | None = None,
    objective_id: int | None = None,
    description: str | None = None,
) -> int:
    """An action a partner carries on its ordinary budget (no dossier); returns its id."""
    text = " ".join((title or "").split())
    if not text:
        raise ValidationError("Intitulé : indiquez l'intitulé de l'action.", "title")
    if len(text) > 500:
        raise ValidationError("Intitulé : 500 caractères au plus.", "title")
    if session.get(Organisation, partner_id) is None:
        raise ValidationError("Partenaire : ce partenaire n'existe plus.", "partner_id")
    if objective_id is not None and session.get(Objective, objective_id) is None:
        raise ValidationError("Objectif : cet objectif n'existe plus.", "objective_id")
    contract = session.scalars(select(Contract)).first()
    if contract is None:
        raise ValidationError("La base ne contient pas de contrat de ville.")
    last = end_year if end_year is not None else start_year
    for name, year in (("start_year", start_year), ("end_year", last)):
        if not contract.start_year <= year <= contract.end_year:
            raise ValidationError(
                f"Année : le contrat de ville couvre {contract.start_year} à "
                f"{contract.end_year} ({year} est en dehors).",
                name,
            )
    if last < start_year:
        raise ValidationError("Années : la dernière année précède la première.", "end_year")
    action = Action(
        contract_id=contract.id,
        title=text,
        holder_id=partner_id,
        objective_id=objective_id,
        kind=ActionKind.COMMON_LAW,
        state=ActionState.PLANNED,
        start_year=start_year,
        end_year=last,
        description=(description or "").strip() or None,
    )
    session.add(action)
    session.flush()
    return action.id


def set_common_law_funding(
    session: Session, action_id: int, budget_line_id: int, year: int, amount: Money | None
) -> int | None:
    """What a partner's droit commun line mobilises for an action without dossier in a year.

    Kept as the row's granted amount; None or zero removes the row. Returns the row id.
    """
    action = session.get(Action, action_id)
    if action is None:
        raise ValidationError("Cette action n'existe plus.", "action_id")
    has_dossier = session.scalar(select(func.count()).where(Dossier.action_id == action_id))
    if has_dossier:
        raise ValidationError(
            f"L'action « {action.title} » a des dossiers : ses financements se saisissent "
            "dans ses dossiers.",
            "action_id",
        )
    line = _line(session, budget_line_id)
    if line.nature is not FundingNature.COMMON_LAW:
        raise ValidationError(
            f"La ligne « {line.name} » relève des crédits spécifiques : le droit commun se "
            "saisit sur une ligne de droit commun.",
            "budget_line_id",
        )
    _check_amount(amount, "amount")
    contract = session.scalars(select(Contract)).first()
    if contract is not None and not contract.start_year <= year <= contract.end_year:
        raise ValidationError(
            f"Année : le contrat de ville couvre {contract.start_year} à {contract.end_year} "
            f"({year} est en dehors).",
            "year",
        )
    funding = session.scalars(
        select(Funding).where(
            Funding.action_id == action_id,
            Funding.dossier_id.is_(None),
            Funding.budget_line_id == budget_line_id,
            Funding.year == year,
        )
    ).first()
    if not amount:
        if funding is not None:
            delete_funding(session, funding.id)
        return None
    if funding is None:
        if not line.active:
            raise ValidationError(
                f"La ligne « {line.name} » n'est plus active : elle ne reçoit plus de financement.",
                "budget_line_id",
            )
        funding = Funding(
            action_id=action_id, dossier_id=None, budget_line_id=budget_line_id, year=year
        )
        session.add(funding)
    _set_amounts(funding, {"granted": amount})
    if action.start_year is None or year < action.start_year:
        action.start_year = year
    if action.end_year is None or year > action.end_year:
        action.end_year = year
    session.flush()
    return funding.id


# --- rows for screens ----------------------------------------------------------------------


def _rows(session: Session, *conditions: ColumnElement[bool]) -> list[FundingRow]:
    statement = (
        select(
            Funding,
            BudgetLine.name,
            BudgetLine.code,
            BudgetLine.funder_id,
            Organisation.name,
            BudgetLine.nature,
        )
        .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
        .join(Organisation, Organisation.id == BudgetLine.funder_id)
        .where(*conditions)
        .order_by(Funding.year, Organisation.name, BudgetLine.name, Funding.id)
    )
    found = session.execute(statement).all()
    ids = [row[0].id for row in found]
    payments: dict[int, list[PaymentRow]] = {}
    if ids:
        for payment in session.scalars(
            select(Payment)
            .where(Payment.funding_id.in_(ids))
            .order_by(
                Payment.funding_id,
                func.coalesce(Payment.paid_on, Payment.due_on),
                Payment.id,
            )
        ):
            payments.setdefault(payment.funding_id, []).append(
                PaymentRow(
                    id=payment.id,
                    funding_id=payment.funding_id,
                    kind=payment.kind,
                    kind_label=payment.kind.label,
                    amount=payment.amount,
                    paid_on=payment.paid_on,
                    due_on=payment.due_on,
                    reference=payment.reference,
                )
            )
    return [
        FundingRow(
            id=funding.id,
            action_id=funding.action_id,
            dossier_id=funding.dossier_id,
            budget_line_id=funding.budget_line_id,
            line_name=line_name,
            line_code=line_code,
            funder_id=funder_id,
            funder_name=funder_name,
            nature=nature,
            nature_label=nature.label,
            year=funding.year,
            requested=funding.requested,
            proposed=funding.proposed,
            granted=funding.granted,
            funder_decision=funding.funder_decision,
            decided_on=funding.decided_on,
            payments=tuple(payments.get(funding.id, ())),
        )
        for funding, line_name, line_code, funder_id, funder_name, nature in found
    ]


def funding_rows(session: Session, dossier_id: int) -> list[FundingRow]:
    """A dossier's funding rows (by year, funder, line) with their payments."""
    return _rows(session, Funding.dossier_id == dossier_id)


def common_law_rows(session: Session, action_id: int) -> list[FundingRow]:
    """The droit commun rows of an action without dossier."""
    return _rows(session, Funding.action_id == action_id, Funding.dossier_id.is_(None))


# --- envelopes -----------------------------------------------------------------------------


def envelope_consumption(
    session: Session,
    budget_line_id: int,
    year: int,
    extra: Mapping[int, Money] | None = None,
) -> EnvelopeConsumption:
    """Envelope, requested, proposed, granted, committed, paid and remaining of a line's year.

    *extra* previews amounts not saved yet (the meeting mode's proposal): for each
    funding row of this line and year it names, the amount replaces the row's
    proposed amount and what the row takes from the envelope. Rows of other lines
    or years are ignored.
    """
    key = (budget_line_id, year)
    return envelope_consumptions(session, {key: extra or {}})[key]


def envelope_consumptions(
    session: Session, extras: Mapping[tuple[int, int], Mapping[int, Money]]
) -> dict[tuple[int, int], EnvelopeConsumption]:
    """`envelope_consumption` of several (budget line, year) at once, in four statements.

    The meeting mode shows every envelope its agenda touches after each opinion: one
    query per envelope and figure made that a tenth of a second on a large file.
    """
    if not extras:
        return {}
    lines = sorted({line for line, _ in extras})
    years = sorted({year for _, year in extras})
    where = (Funding.budget_line_id.in_(lines), Funding.year.in_(years))
    envelopes = {
        (line, year): amount
        for line, year, amount in session.execute(
            select(Envelope.budget_line_id, Envelope.year, Envelope.amount).where(
                Envelope.budget_line_id.in_(lines), Envelope.year.in_(years)
            )
        )
    }
    sums = {
        (line, year): [_or_zero(value) for value in values]
        for line, year, *values in session.execute(
            select(
                Funding.budget_line_id,
                Funding.year,
                func.sum(Funding.requested),
                func.sum(Funding.proposed),
                func.sum(Funding.granted),
                func.sum(func.coalesce(Funding.granted, Funding.proposed)),
            )
            .where(*where)
            .group_by(Funding.budget_line_id, Funding.year)
        )
    }
    paid = {
        (line, year): _or_zero(amount)
        for line, year, amount in session.execute(
            select(Funding.budget_line_id, Funding.year, func.sum(Payment.amount))
            .join(Funding, Funding.id == Payment.funding_id)
            .where(*where, Payment.paid_on.is_not(None))
            .group_by(Funding.budget_line_id, Funding.year)
        )
    }
    previews: dict[int, tuple[int, int, Money | None, Money | None]] = {}
    named = sorted({funding_id for extra in extras.values() for funding_id in extra})
    if named:
        for funding_id, line, year, old_proposed, old_granted in session.execute(
            select(
                Funding.id, Funding.budget_line_id, Funding.year, Funding.proposed, Funding.granted
            ).where(Funding.id.in_(named))
        ):
            previews[funding_id] = (line, year, old_proposed, old_granted)
    result = {}
    nothing = [Money.zero()] * 4
    for key, extra in extras.items():
        requested, proposed, granted, committed = sums.get(key, nothing)
        for funding_id, amount in extra.items():
            preview = previews.get(funding_id)
            if preview is None or preview[:2] != key:
                continue
            _line, _year, old_proposed, old_granted = preview
            proposed = proposed - _or_zero(old_proposed) + amount
            committed = committed - _committed(old_proposed, old_granted) + amount
        envelope = envelopes.get(key)
        result[key] = EnvelopeConsumption(
            budget_line_id=key[0],
            year=key[1],
            envelope=envelope,
            requested=requested,
            proposed=proposed,
            granted=granted,
            committed=committed,
            paid=paid.get(key, Money.zero()),
            remaining=None if envelope is None else envelope - committed,
        )
    return result


# --- warnings ------------------------------------------------------------------------------


def funding_warnings(session: Session, dossier_id: int) -> list[FundingWarning]:
    """Everything odd about a dossier's money, in French, for the screen (never silent)."""
    dossier = _dossier(session, dossier_id)
    rows = funding_rows(session, dossier_id)
    warnings: list[FundingWarning] = []
    for row in rows:
        where = f"« {row.line_name} » {row.year}"
        if row.granted is not None and row.requested is not None and row.granted > row.requested:
            warnings.append(
                FundingWarning(
                    GRANTED_ABOVE_REQUESTED,
                    Severity.WARNING,
                    f"{where} : le montant accordé ({row.granted.format()}) dépasse le montant "
                    f"demandé ({row.requested.format()}).",
                    row.id,
                    row.budget_line_id,
                    row.year,
                )
            )
        scheduled = row.scheduled
        granted = _or_zero(row.granted)
        if scheduled > granted:
            warnings.append(
                FundingWarning(
                    PAYMENTS_ABOVE_GRANTED,
                    Severity.ERROR,
                    f"{where} : les versements ({scheduled.format()}) dépassent le montant "
                    f"accordé ({granted.format()}).",
                    row.id,
                    row.budget_line_id,
                    row.year,
                )
            )
    seen: set[tuple[int, int]] = set()
    for row in rows:
        key = (row.budget_line_id, row.year)
        if key in seen:
            continue
        seen.add(key)
        consumption = envelope_consumption(session, row.budget_line_id, row.year)
        if consumption.envelope is not None and consumption.exceeded:
            warnings.append(
                FundingWarning(
                    ENVELOPE_EXCEEDED,
                    Severity.ERROR,
                    f"Enveloppe « {row.line_name} » {row.year} dépassée : "
                    f"{consumption.committed.format()} engagés pour "
                    f"{consumption.envelope.format()} (dépassement de "
                    f"{(consumption.committed - consumption.envelope).format()}).",
                    None,
                    row.budget_line_id,
                    row.year,
                )
            )
    requested = _total(_or_zero(row.requested) for row in rows)
    if requested > dossier.total_cost:
        warnings.append(
            FundingWarning(
                REQUESTED_ABOVE_COST,
                Severity.WARNING,
                f"Le total demandé ({requested.format()}) dépasse le coût total de l'action "
                f"({dossier.total_cost.format()}).",
            )
        )
    entries = session.execute(
        select(BudgetEntry.account, BudgetEntry.planned).where(BudgetEntry.dossier_id == dossier_id)
    ).all()
    products = budget_totals((account, planned) for account, planned in entries).products
    if products < dossier.total_cost:
        missing = dossier.total_cost - products
        warnings.append(
            FundingWarning(
                COST_NOT_COVERED,
                Severity.WARNING,
                f"Le coût total ({dossier.total_cost.format()}) n'est pas couvert par les "
                f"produits prévus au budget ({products.format()}) : il manque "
                f"{missing.format()}.",
            )
        )
    return warnings


__all__ = [
    "COST_NOT_COVERED",
    "ENVELOPE_EXCEEDED",
    "GRANTED_ABOVE_REQUESTED",
    "PAYMENTS_ABOVE_GRANTED",
    "REQUESTED_ABOVE_COST",
    "Approval",
    "ApprovalReasonRequired",
    "EnvelopeConsumption",
    "FundingRow",
    "FundingWarning",
    "PaymentRow",
    "Severity",
    "add_payment",
    "approval_of",
    "common_law_rows",
    "create_common_law_action",
    "delete_funding",
    "delete_payment",
    "envelope_consumption",
    "envelope_consumptions",
    "funding_rows",
    "funding_warnings",
    "set_common_law_funding",
    "spread_funding",
    "update_payment",
    "upsert_funding",
]
