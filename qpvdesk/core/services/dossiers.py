"""Dossiers: the editor's form, registration and numbering, states, history and detail.

A dossier is one year's request for an `Action` (a renewal is a new dossier on the
same action; a multi-year agreement is one dossier from `year` to `last_year`).
The editor fills a `DossierInput`; `validate_dossier_input` returns every field
error at once so that the form shows each beside its field and saves nothing
until it is valid. States follow `domain.workflow`; each change is a
`DossierEvent` (date, author, comment). The history merges those events with the
audit log the SQLite triggers write for amounts and states.

Write functions take a Session and never commit: the caller's unit of work does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.cerfa import ORDER, BudgetTotals, budget_totals, heading
from qpvdesk.core.domain.enums import (
    ActionKind,
    ActionState,
    BudgetSide,
    DossierState,
    ObjectiveLevel,
    Opinion,
    PaymentKind,
    StateThemeLevel,
)
from qpvdesk.core.domain.models import (
    Action,
    AuditEntry,
    BudgetEntry,
    BudgetLine,
    CallForProjects,
    Contract,
    CrossCuttingTheme,
    Decision,
    Dossier,
    DossierEvent,
    Funding,
    Objective,
    Organisation,
    Payment,
    StateTheme,
    action_theme,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.domain.workflow import allowed_next, check_transition
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services.calls import FieldError, FormError, contract_years, is_late
from qpvdesk.core.services.funding import (
    FundingRow,
    FundingWarning,
    funding_rows,
    funding_warnings,
)
from qpvdesk.core.storage.audit import REASON_ACTION
from qpvdesk.core.storage.engine import current_user

MAX_TITLE = 500
ZERO = Money(0)
MAX_PLACE = 300
MAX_BUDGET_LABEL = 300

FIELD_LABELS = {
    "holder_id": "Porteur de projet",
    "action_id": "Action",
    "action_title": "Intitulé de l'action",
    "renew_from_dossier_id": "Renouvellement",
    "objective_id": "Objectif opérationnel",
    "theme_ids": "Axes transversaux",
    "state_theme_id": "Thématique de l'État",
    "beneficiaries_expected": "Bénéficiaires attendus",
    "beneficiaries_qpv": "Bénéficiaires résidant en QPV",
    "women_share_percent": "Part de femmes",
    "starts_on": "Date de début",
    "ends_on": "Date de fin",
    "place": "Lieu",
    "total_cost": "Coût total",
    "year": "Exercice",
    "last_year": "Dernière année",
    "call_id": "Appel à projets",
    "received_on": "Date de réception",
    "budget": "Budget prévisionnel",
}


@dataclass(frozen=True, slots=True)
class BudgetEntryInput:
    """A line of the forecast budget as the form holds it (account from `domain.cerfa`)."""

    account: str
    planned: Money
    label: str | None = None
    achieved: Money | None = None


@dataclass(frozen=True, slots=True)
class DossierInput:
    """Everything the dossier editor holds.

    The action is either an existing one (`action_id`), a new one (`action_title`),
    or last year's (`renew_from_dossier_id`: the new year's dossier goes on the same
    action, and every field left blank is copied from that dossier). With an
    existing action, a non-blank `action_title` renames it. `year` is the
    exercice: when None, the call's year, else the renewed dossier's next year,
    else the year of `received_on`, else this year. For a multi-year agreement
    (CPO) `total_cost` and `budget` cover the whole period.
    """

    holder_id: int | None = None
    action_id: int | None = None
    action_title: str | None = None
    renew_from_dossier_id: int | None = None
    objective_id: int | None = None
    theme_ids: tuple[int, ...] = ()
    state_theme_id: int | None = None
    description: str | None = None
    target_public: str | None = None
    beneficiaries_expected: int | None = None
    beneficiaries_qpv: int | None = None
    women_share_percent: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    place: str | None = None
    total_cost: Money = ZERO
    year: int | None = None
    is_multi_year: bool = False
    last_year: int | None = None
    call_id: int | None = None
    received_on: date | None = None
    budget: tuple[BudgetEntryInput, ...] = ()
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class BudgetEntryRow:
    """A line of a dossier's budget, for the editor's grid."""

    id: int
    account: str
    heading_label: str
    label: str
    side_label: str
    is_charge: bool
    planned: Money
    achieved: Money | None
    position: int


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One line of a dossier's history: when, who, what (French), and the comment."""

    at: datetime
    user: str | None
    kind: str  # "creation", "state", "amount", "payment", "decision", "change"
    description: str
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class SiblingDossier:
    """Another year's dossier of the same action."""

    id: int
    reference: str
    year: int
    state_label: str


@dataclass(frozen=True, slots=True)
class DossierDetail:
    """A dossier with everything its editor shows."""

    id: int
    reference: str
    year: int
    last_year: int | None
    state: DossierState
    state_label: str
    next_states: tuple[DossierState, ...]
    opinion: Opinion | None
    holder_id: int
    holder_name: str
    action_id: int
    action_title: str
    is_renewal: bool
    objective_id: int | None
    objective_code: str | None
    objective_title: str | None
    theme_ids: tuple[int, ...]
    state_theme_id: int | None
    state_theme_label: str | None
    description: str | None
    target_public: str | None
    beneficiaries_expected: int | None
    beneficiaries_qpv: int | None
    women_share_percent: int | None
    starts_on: date | None
    ends_on: date | None
    place: str | None
    total_cost: Money
    call_id: int | None
    call_title: str | None
    call_closes_on: date | None
    received_on: date | None
    is_late: bool
    missing_documents: tuple[str, ...]
    notes: str | None
    updated_at: datetime
    budget: tuple[BudgetEntryRow, ...]
    budget_totals: BudgetTotals
    funding: tuple[FundingRow, ...]
    requested: Money
    proposed: Money
    granted: Money
    paid: Money
    history: tuple[HistoryRow, ...]
    warnings: tuple[FundingWarning, ...]
    other_years: tuple[SiblingDossier, ...]

    @property
    def is_multi_year(self) -> bool:
        return self.last_year is not None and self.last_year > self.year

    def as_input(self) -> DossierInput:
        """The editor's starting values (pass the edited copy to `update_dossier`)."""
        return DossierInput(
            holder_id=self.holder_id,
            action_id=self.action_id,
            action_title=self.action_title,
            objective_id=self.objective_id,
            theme_ids=self.theme_ids,
            state_theme_id=self.state_theme_id,
            description=self.description,
            target_public=self.target_public,
            beneficiaries_expected=self.beneficiaries_expected,
            beneficiaries_qpv=self.beneficiaries_qpv,
            women_share_percent=self.women_share_percent,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            place=self.place,
            total_cost=self.total_cost,
            year=self.year,
            is_multi_year=self.is_multi_year,
            last_year=self.last_year,
            call_id=self.call_id,
            received_on=self.received_on,
            budget=tuple(
                BudgetEntryInput(e.account, e.planned, e.label, e.achieved) for e in self.budget
            ),
            notes=self.notes,
        )


# --- helpers -------------------------------------------------------------------------------


def read_amount(text: str, field: str, *, required: bool = False) -> Money | FieldError | None:
    """Parse what the user typed in an amount field: Money, None when blank, or its error."""
    label = FIELD_LABELS.get(field, "Montant")
    if not (text or "").strip():
        return FieldError(field, f"{label} : indiquez un montant.") if required else None
    try:
        return Money.parse(text, label)
    except ValidationError as error:
        return FieldError(field, error.message)


def _clean(text: str | None) -> str | None:
    value = (text or "").strip()
    return value or None


def _title(text: str | None) -> str:
    return " ".join((text or "").split())


def _search_text(reference: str, holder: str, title: str) -> str:
    return fold(f"{reference} {holder} {title}")


def _get(session: Session, dossier_id: int) -> Dossier:
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise ValidationError("Ce dossier n'existe plus (il a peut-être été supprimé).")
    return dossier


def _moment(today: date) -> datetime:
    """Now, on the business date *today* (the real time of day keeps events in order)."""
    local = datetime.now().astimezone()
    if local.date() == today:
        return local.astimezone(UTC)
    return local.replace(year=today.year, month=today.month, day=today.day).astimezone(UTC)


def _plus_one_year(day: date | None) -> date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def write_action_themes(session: Session, action_id: int, theme_ids: Iterable[int]) -> None:
    """The only writer of `action_theme` (no ORM relationship maps it yet)."""
    wanted = set(theme_ids)
    current = set(
        session.scalars(
            select(action_theme.c.theme_id).where(action_theme.c.action_id == action_id)
        )
    )
    if current - wanted:
        session.execute(
            action_theme.delete().where(
                and_(
                    action_theme.c.action_id == action_id,
                    action_theme.c.theme_id.in_(current - wanted),
                )
            )
        )
    for theme_id in sorted(wanted - current):
        session.execute(action_theme.insert().values(action_id=action_id, theme_id=theme_id))


def _action_theme_ids(session: Session, action_id: int) -> tuple[int, ...]:
    return tuple(
        sorted(
            session.scalars(
                select(action_theme.c.theme_id).where(action_theme.c.action_id == action_id)
            )
        )
    )


def _assign(target: object, values: dict[str, object]) -> None:
    # Only real changes reach the ORM: the audit log and the undo record what changed.
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)


def refresh_search_text(
    session: Session,
    *,
    dossier_ids: Iterable[int] | None = None,
    action_id: int | None = None,
    holder_id: int | None = None,
) -> int:
    """Recompute `Dossier.search_text` of the dossiers named, of an action or of a holder.

    Call it after renaming an organisation or an action elsewhere; returns how many
    dossiers changed.
    """
    conditions: list[ColumnElement[bool]] = []
    if dossier_ids is not None:
        conditions.append(Dossier.id.in_(list(dossier_ids)))
    if action_id is not None:
        conditions.append(Dossier.action_id == action_id)
    if holder_id is not None:
        conditions.append(Dossier.holder_id == holder_id)
    if not conditions:
        return 0
    session.flush()
    rows = session.execute(
        select(Dossier, Organisation.name, Action.title)
        .join(Organisation, Organisation.id == Dossier.holder_id)
        .join(Action, Action.id == Dossier.action_id)
        .where(or_(*conditions))
    ).all()
    changed = 0
    for dossier, holder, title in rows:
        text = _search_text(dossier.reference, holder, title)
        if dossier.search_text != text:
            dossier.search_text = text
            changed += 1
    return changed


# --- the form ------------------------------------------------------------------------------


def renewal_input(session: Session, dossier_id: int, *, year: int | None = None) -> DossierInput:
    """The editor's values for renewing *dossier_id* next year (or in *year*): a copy.

    Same holder, action, objective, themes, description, public, beneficiaries,
    place, cost and forecast budget; the period moves by one year; the call and the
    date of receipt are left for the new dossier.
    """
    source = _get(session, dossier_id)
    action = source.action
    entries = session.scalars(
        select(BudgetEntry)
        .where(BudgetEntry.dossier_id == dossier_id)
        .order_by(BudgetEntry.position, BudgetEntry.id)
    ).all()
    return DossierInput(
        holder_id=source.holder_id,
        action_title=action.title,
        renew_from_dossier_id=source.id,
        objective_id=source.objective_id or action.objective_id,
        theme_ids=_action_theme_ids(session, action.id),
        state_theme_id=action.state_theme_id,
        description=source.description or action.description,
        target_public=source.target_public or action.public,
        beneficiaries_expected=source.beneficiaries_expected,
        beneficiaries_qpv=source.beneficiaries_qpv,
        women_share_percent=source.women_share_percent,
        starts_on=_plus_one_year(source.starts_on),
        ends_on=_plus_one_year(source.ends_on),
        place=source.place or action.place,
        total_cost=source.total_cost,
        year=year if year is not None else (source.last_year or source.year) + 1,
        budget=tuple(BudgetEntryInput(e.account, e.planned, e.label) for e in entries),
    )


def _blank(value: object) -> bool:
    return value is None or value == "" or value == () or value == Money(0)


def _with_renewal(session: Session, data: DossierInput) -> DossierInput:
    """Fill the blank fields of a renewal from the renewed dossier."""
    if data.renew_from_dossier_id is None:
        return data
    if session.get(Dossier, data.renew_from_dossier_id) is None:
        return data  # validation says so
    copy = renewal_input(session, data.renew_from_dossier_id, year=data.year)
    changes = {
        f.name: getattr(copy, f.name)
        for f in dataclasses.fields(data)
        if f.name not in ("is_multi_year", "last_year", "call_id", "received_on", "notes")
        and _blank(getattr(data, f.name))
    }
    return dataclasses.replace(data, **changes)


def _resolve_year(session: Session, data: DossierInput, today: date) -> int:
    if data.year is not None:
        return data.year
    if data.call_id is not None:
        call_year = session.scalar(
            select(CallForProjects.year).where(CallForProjects.id == data.call_id)
        )
        if call_year is not None:
            return int(call_year)
    if data.renew_from_dossier_id is not None:
        source = session.get(Dossier, data.renew_from_dossier_id)
        if source is not None:
            return (source.last_year or source.year) + 1
    return (data.received_on or today).year


def validate_dossier_input(
    session: Session,
    data: DossierInput,
    *,
    today: date | None = None,
    dossier_id: int | None = None,
) -> list[FieldError]:
    """Every problem of the form at once, each naming its `DossierInput` field.

    With *dossier_id*, the form edits that dossier (its year cannot change). A
    renewal is checked with the copied fields filled in.
    """
    today = today or date.today()
    data = _with_renewal(session, data) if dossier_id is None else data
    errors: list[FieldError] = []

    def error(field: str, message: str) -> None:
        errors.append(FieldError(field, f"{FIELD_LABELS.get(field, field)} : {message}"))

    current = None if dossier_id is None else session.get(Dossier, dossier_id)
    if dossier_id is not None and current is None:
        errors.append(FieldError("", "Ce dossier n'existe plus (il a peut-être été supprimé)."))
        return errors
    first_year, end_year = contract_years(session)
    year = current.year if current is not None else _resolve_year(session, data, today)

    # Holder
    if data.holder_id is None:
        error("holder_id", "choisissez la structure qui porte l'action.")
    elif session.get(Organisation, data.holder_id) is None:
        error("holder_id", "cette structure n'existe plus.")

    # Action: existing, new, or renewal
    action: Action | None = None
    title = _title(data.action_title)
    if data.renew_from_dossier_id is not None and current is None:
        source = session.get(Dossier, data.renew_from_dossier_id)
        if source is None:
            error("renew_from_dossier_id", "le dossier à renouveler n'existe plus.")
        else:
            action = source.action
            if data.action_id is not None and data.action_id != source.action_id:
                error(
                    "action_id",
                    "choisissez soit une action existante, soit le renouvellement d'un "
                    "dossier, pas les deux.",
                )
    elif data.action_id is not None:
        action = session.get(Action, data.action_id)
        if action is None:
            error("action_id", "cette action n'existe plus.")
        elif action.kind is ActionKind.COMMON_LAW:
            error(
                "action_id",
                f"« {action.title} » est une action de droit commun (sans dossier) ; "
                "choisissez une autre action ou créez-en une.",
            )
    elif current is not None:
        action = current.action
    elif not title:
        error(
            "action_title",
            "indiquez l'intitulé de la nouvelle action (ou choisissez une action existante).",
        )
    if len(title) > MAX_TITLE:
        error("action_title", f"{MAX_TITLE} caractères au plus.")

    # Framework
    if data.objective_id is None:
        error("objective_id", "choisissez l'objectif opérationnel que sert l'action.")
    else:
        objective = session.get(Objective, data.objective_id)
        if objective is None:
            error("objective_id", "cet objectif n'existe plus.")
        elif objective.level is not ObjectiveLevel.OPERATIONAL:
            error(
                "objective_id",
                f"« {objective.code} » est de niveau « {objective.level.label} » ; "
                "choisissez un objectif opérationnel.",
            )
    theme_ids = set(data.theme_ids)
    if theme_ids:
        found = set(
            session.scalars(select(CrossCuttingTheme.id).where(CrossCuttingTheme.id.in_(theme_ids)))
        )
        if theme_ids - found:
            error("theme_ids", "un axe choisi n'existe plus.")
    if data.state_theme_id is not None:
        state_theme = session.get(StateTheme, data.state_theme_id)
        if state_theme is None:
            error("state_theme_id", "cette thématique n'existe plus.")
        elif state_theme.level is not StateThemeLevel.SUBTHEME:
            error(
                "state_theme_id",
                f"« {state_theme.label} » est un thème ; choisissez l'un de ses sous-thèmes.",
            )

    # Public and beneficiaries
    for name in ("beneficiaries_expected", "beneficiaries_qpv"):
        value = getattr(data, name)
        if value is not None and value < 0:
            error(name, "un nombre de personnes ne peut pas être négatif.")
    if (
        data.beneficiaries_expected is not None
        and data.beneficiaries_qpv is not None
        and 0 <= data.beneficiaries_expected < data.beneficiaries_qpv
    ):
        error(
            "beneficiaries_qpv",
            f"{data.beneficiaries_qpv} résidents du quartier pour "
            f"{data.beneficiaries_expected} bénéficiaires attendus en tout : "
            "ils ne peuvent pas être plus nombreux que le total.",
        )
    if data.women_share_percent is not None and not 0 <= data.women_share_percent <= 100:
        error("women_share_percent", "un pourcentage entre 0 et 100.")

    # Period, place, cost
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        error(
            "ends_on",
            f"la fin ({data.ends_on:%d/%m/%Y}) précède le début ({data.starts_on:%d/%m/%Y}).",
        )
    if data.place and len(data.place.strip()) > MAX_PLACE:
        error("place", f"{MAX_PLACE} caractères au plus.")
    if data.total_cost.cents < 0:
        error("total_cost", "un montant ne peut pas être négatif.")

    # Year, multi-year agreement, call, receipt
    if current is not None and data.year is not None and data.year != current.year:
        error(
            "year",
            f"le dossier {current.reference} est de {current.year} ; son exercice ne change "
            "pas (retirez-le et enregistrez-en un nouveau).",
        )
    elif not first_year <= year <= end_year:
        error("year", f"le contrat de ville couvre {first_year} à {end_year} ({year} en dehors).")
    last_year: int | None = None
    if data.is_multi_year:
        if data.last_year is None:
            error("last_year", "indiquez la dernière année de la convention pluriannuelle.")
        elif data.last_year <= year:
            error(
                "last_year",
                f"une convention pluriannuelle va au-delà de sa première année ({year}).",
            )
        elif data.last_year > end_year:
            error(
                "last_year",
                f"la convention ne peut pas aller au-delà de la fin du contrat de ville "
                f"({end_year}).",
            )
        else:
            last_year = data.last_year
    if current is not None:
        span_end = last_year or year
        outside = session.scalars(
            select(Funding.year)
            .where(Funding.dossier_id == current.id, Funding.year > span_end)
            .order_by(Funding.year)
        ).first()
        if outside is not None:
            error(
                "last_year",
                f"le dossier a des financements pour {outside} : supprimez-les avant de "
                f"raccourcir la convention à {span_end}.",
            )
    if data.call_id is not None:
        call = session.get(CallForProjects, data.call_id)
        if call is None:
            error("call_id", "cet appel à projets n'existe plus.")
        elif call.year != year:
            error(
                "call_id", f"l'appel « {call.title} » porte sur {call.year}, le dossier sur {year}."
            )
    if data.received_on is not None and data.received_on > today:
        error("received_on", f"le {data.received_on:%d/%m/%Y} est dans le futur.")

    # One dossier a year per action (a multi-year one covers each of its years).
    if action is not None:
        span = (year, last_year or year)
        overlapping = select(Dossier.reference, Dossier.year, Dossier.last_year).where(
            Dossier.action_id == action.id,
            Dossier.year <= span[1],
            func.coalesce(Dossier.last_year, Dossier.year) >= span[0],
        )
        if current is not None:
            overlapping = overlapping.where(Dossier.id != current.id)
        others = session.execute(overlapping).first()
        if others is not None:
            field = (
                "renew_from_dossier_id"
                if data.renew_from_dossier_id is not None and current is None
                else "action_id"
            )
            error(
                field,
                f"l'action « {action.title} » a déjà le dossier {others[0]} pour "
                f"{others[1] if not others[2] else f'{others[1]} à {others[2]}'}.",
            )

    # Forecast budget by CERFA heading
    pairs: list[tuple[str, Money]] = []
    for index, entry in enumerate(data.budget):
        name = f"budget[{index}]"
        where = f"Budget, ligne {index + 1}"
        item = heading(entry.account or "")
        if item is None:
            errors.append(
                FieldError(
                    name,
                    f"{where} : « {entry.account} » n'est pas une rubrique du budget CERFA.",
                )
            )
            continue
        if entry.planned.cents < 0 or (entry.achieved is not None and entry.achieved.cents < 0):
            errors.append(
                FieldError(name, f"{where} ({item.label}) : un montant ne peut pas être négatif.")
            )
        if entry.label and len(entry.label.strip()) > MAX_BUDGET_LABEL:
            errors.append(FieldError(name, f"{where} : {MAX_BUDGET_LABEL} caractères au plus."))
        pairs.append((item.account, entry.planned))
    totals = budget_totals(pairs)
    for account in totals.inconsistent_groups:
        group = heading(account)
        assert group is not None
        own = Money(sum(amount.cents for acc, amount in pairs if acc == account))
        detail = Money(
            sum(
                amount.cents
                for acc, amount in pairs
                if (h := heading(acc)) is not None and h.parent == account
            )
        )
        error(
            "budget",
            f"le total du compte {group.display} ({own.format()}) ne correspond pas à la somme "
            f"de ses sous-lignes ({detail.format()}).",
        )
    return errors


# --- writing -------------------------------------------------------------------------------


def _write_budget(session: Session, dossier: Dossier, entries: Sequence[BudgetEntryInput]) -> None:
    """Replace the dossier's budget lines, reusing rows in place (fewer, truer changes)."""
    existing = list(
        session.scalars(
            select(BudgetEntry)
            .where(BudgetEntry.dossier_id == dossier.id)
            .order_by(BudgetEntry.position, BudgetEntry.id)
        )
    )
    for position, entry in enumerate(entries):
        item = heading(entry.account)
        assert item is not None  # validated
        values: dict[str, object] = {
            "side": item.side,
            "account": item.account,
            "label": _clean(entry.label) or item.label,
            "planned": entry.planned,
            "achieved": entry.achieved,
            "position": position,
        }
        if position < len(existing):
            _assign(existing[position], values)
        else:
            session.add(BudgetEntry(dossier_id=dossier.id, **values))
    for leftover in existing[len(entries) :]:
        session.delete(leftover)


def _latest_year_of(session: Session, action_id: int, exclude: int | None = None) -> int | None:
    statement = select(func.max(Dossier.year)).where(Dossier.action_id == action_id)
    if exclude is not None:
        statement = statement.where(Dossier.id != exclude)
    value = session.scalar(statement)
    return None if value is None else int(value)


def _sync_action(
    session: Session, action: Action, data: DossierInput, year: int, last_year: int | None
) -> None:
    """The action carries the fields of its latest dossier, and its themes."""
    title = _title(data.action_title)
    if title and action.title != title:
        action.title = title
    latest = _latest_year_of(session, action.id)
    if latest is None or year >= latest:
        _assign(
            action,
            {
                "holder_id": data.holder_id,
                "objective_id": data.objective_id,
                "place": _clean(data.place),
                "public": _clean(data.target_public),
                "description": _clean(data.description),
            },
        )
    _assign(action, {"state_theme_id": data.state_theme_id})
    start = year if action.start_year is None else min(action.start_year, year)
    end = max(action.end_year or year, last_year or year)
    _assign(action, {"start_year": start, "end_year": end})
    write_action_themes(session, action.id, data.theme_ids)


def _dossier_values(data: DossierInput, last_year: int | None) -> dict[str, object]:
    return {
        "holder_id": data.holder_id,
        "objective_id": data.objective_id,
        "call_id": data.call_id,
        "received_on": data.received_on,
        "total_cost": data.total_cost,
        "last_year": last_year,
        "description": _clean(data.description),
        "target_public": _clean(data.target_public),
        "beneficiaries_expected": data.beneficiaries_expected,
        "beneficiaries_qpv": data.beneficiaries_qpv,
        "women_share_percent": data.women_share_percent,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "place": _clean(data.place),
        "notes": _clean(data.notes),
    }


def next_reference(session: Session, year: int) -> tuple[str, int]:
    """The next reference of *year* (``2025-014``) and its sequence number."""
    current = session.scalar(select(func.max(Dossier.sequence)).where(Dossier.year == year))
    sequence = int(current or 0) + 1
    return f"{year}-{sequence:03d}", sequence


def register_dossier(
    session: Session,
    data: DossierInput,
    today: date | None = None,
    comment: str | None = None,
) -> int:
    """Register a received dossier: numbered in its year, state « Reçu »; returns its id.

    Raises `FormError` (every field error) and changes nothing when the form is invalid.
    """
    today = today or date.today()
    data = _with_renewal(session, data)
    errors = validate_dossier_input(session, data, today=today)
    if errors:
        raise FormError(errors)
    year = _resolve_year(session, data, today)
    last_year = data.last_year if data.is_multi_year else None
    holder = session.get(Organisation, data.holder_id)
    assert holder is not None and data.holder_id is not None  # validated
    contract_id = session.scalars(select(Contract.id)).first()
    assert contract_id is not None  # validated through contract_years
    renewal = False
    if data.renew_from_dossier_id is not None:
        source = _get(session, data.renew_from_dossier_id)
        action = source.action
        renewal = True
    elif data.action_id is not None:
        found = session.get(Action, data.action_id)
        assert found is not None  # validated
        action = found
        renewal = _latest_year_of(session, action.id) is not None
    else:
        action = Action(
            contract_id=contract_id,
            title=_title(data.action_title),
            holder_id=data.holder_id,
            objective_id=data.objective_id,
            kind=ActionKind.CALL_FOR_PROJECTS,
            state=ActionState.PLANNED,
            start_year=year,
            end_year=last_year or year,
        )
        session.add(action)
        session.flush()
    reference, sequence = next_reference(session, year)
    values = _dossier_values(data, last_year)
    if values["received_on"] is None:
        values["received_on"] = today
    dossier = Dossier(
        reference=reference,
        year=year,
        sequence=sequence,
        action_id=action.id,
        state=DossierState.RECEIVED,
        is_renewal=renewal,
        search_text="",
        **values,
    )
    session.add(dossier)
    session.flush()
    _sync_action(session, action, data, year, last_year)
    dossier.search_text = _search_text(reference, holder.name, action.title)
    _write_budget(session, dossier, data.budget)
    session.add(
        DossierEvent(
            dossier_id=dossier.id,
            at=_moment(today),
            user=current_user(),
            from_state=None,
            to_state=DossierState.RECEIVED,
            comment=_clean(comment),
        )
    )
    session.flush()
    return dossier.id


def update_dossier(
    session: Session, dossier_id: int, data: DossierInput, today: date | None = None
) -> None:
    """Save the editor's fields on a registered dossier (its reference and year stay).

    A different `action_id` moves the dossier, and its funding rows, to that action;
    a non-blank `action_title` renames the action (for all its years).
    """
    today = today or date.today()
    dossier = _get(session, dossier_id)
    errors = validate_dossier_input(session, data, today=today, dossier_id=dossier_id)
    if errors:
        raise FormError(errors)
    last_year = data.last_year if data.is_multi_year else None
    old_action_id = dossier.action_id
    if data.action_id is not None and data.action_id != dossier.action_id:
        action = session.get(Action, data.action_id)
        assert action is not None  # validated
        dossier.action_id = action.id
        dossier.action = action
        for funding in session.scalars(select(Funding).where(Funding.dossier_id == dossier.id)):
            funding.action_id = action.id
    else:
        action = dossier.action
    renamed = bool(_title(data.action_title)) and _title(data.action_title) != action.title
    _assign(dossier, _dossier_values(data, last_year))
    session.flush()
    _sync_action(session, action, data, dossier.year, last_year)
    _write_budget(session, dossier, data.budget)
    if renamed:
        refresh_search_text(session, action_id=action.id)
    refresh_search_text(session, dossier_ids=[dossier.id])
    if old_action_id != action.id:
        refresh_search_text(session, action_id=old_action_id)
    session.flush()


def _documents(missing_documents: str | Sequence[str] | None) -> list[str]:
    if missing_documents is None:
        return []
    items = (
        missing_documents.splitlines()
        if isinstance(missing_documents, str)
        else list(missing_documents)
    )
    return [" ".join(item.split()) for item in items if item and item.strip()]


def change_state(
    session: Session,
    dossier_id: int,
    target: DossierState,
    comment: str | None = None,
    today: date | None = None,
    missing_documents: str | Sequence[str] | None = None,
    *,
    opinion: Opinion | None = None,
) -> None:
    """Move a dossier to *target* if the workflow allows it, with a dated, signed event.

    Going « Incomplet » requires the missing documents (kept on the dossier and in the
    event's comment); « Recevable » clears them. *opinion* is kept with « Avis rendu ».
    A refused change raises a French `ValidationError` and changes nothing.
    """
    today = today or date.today()
    dossier = _get(session, dossier_id)
    target = DossierState(target)
    check_transition(dossier.state, target, dossier.reference)
    documents = _documents(missing_documents)
    if target is DossierState.INCOMPLETE and not documents:
        raise ValidationError(
            f"Pièces manquantes : indiquez ce qui manque au dossier {dossier.reference} "
            "pour le déclarer incomplet.",
            "missing_documents",
        )
    text = _clean(comment)
    if target is DossierState.INCOMPLETE:
        dossier.missing_documents = "\n".join(documents)
        listed = "Pièces manquantes : " + ", ".join(documents)
        text = f"{text}\n{listed}" if text else listed
    elif target is DossierState.COMPLETE and dossier.missing_documents is not None:
        dossier.missing_documents = None
    if opinion is not None and dossier.opinion != opinion:
        dossier.opinion = Opinion(opinion)
    previous = dossier.state
    dossier.state = target
    session.add(
        DossierEvent(
            dossier_id=dossier.id,
            at=_moment(today),
            user=current_user(),
            from_state=previous,
            to_state=target,
            comment=text,
        )
    )
    session.flush()


# --- history -------------------------------------------------------------------------------

AMOUNT_COLUMNS = {
    ("dossier", "total_cost"): "coût total",
    ("funding", "requested"): "montant demandé",
    ("funding", "proposed"): "montant proposé",
    ("funding", "granted"): "montant accordé",
    ("payment", "amount"): "montant",
    ("decision_amount", "amount"): "montant proposé en séance",
}


def _audit_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _money_text(value: str | None) -> str:
    if value is None or value == "":
        return "—"
    try:
        return Money(int(value)).format()
    except ValueError:
        return value


def _date_text(value: str | None) -> str:
    if not value:
        return "—"
    try:
        return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return value


def _enum_text(enum_class: type[DossierState] | type[Opinion], value: str | None) -> str:
    if not value:
        return "—"
    try:
        return f"« {enum_class(value).label} »"
    except ValueError:
        return value


def _value_text(table: str, column: str, value: str | None) -> str:
    if (table, column) in AMOUNT_COLUMNS:
        return _money_text(value)
    if column in ("paid_on", "due_on"):
        return _date_text(value)
    if column == "state":
        return _enum_text(DossierState, value)
    if column == "opinion":
        return _enum_text(Opinion, value)
    return value if value not in (None, "") else "—"


def _summary(text: str | None) -> dict[str, str]:
    """``requested=100 ; proposed= ; granted=`` (the triggers' insert/delete summary)."""
    values: dict[str, str] = {}
    for part in (text or "").split(" ; "):
        name, sep, value = part.partition("=")
        if sep and value != "":
            values[name.strip()] = value
    return values


def _describe_summary(table: str, values: dict[str, str]) -> str:
    labels = {
        "requested": "demandé",
        "proposed": "proposé",
        "granted": "accordé",
        "amount": "montant",
        "paid_on": "versé le",
        "total_cost": "coût total",
        "state": "état",
        "opinion": "avis",
        "text": "texte",
    }
    parts = [
        f"{labels.get(name, name)} {_value_text(table, name, value)}"
        for name, value in values.items()
    ]
    return ", ".join(parts)


def dossier_history(session: Session, dossier_id: int) -> list[HistoryRow]:
    """The dossier's life, oldest first: state changes (author, comment) and every audited
    change of its amounts, funding rows, payments and meeting decisions, in French.
    """
    dossier = _get(session, dossier_id)
    rows: list[tuple[datetime, int, HistoryRow]] = []
    events = list(
        session.scalars(
            select(DossierEvent)
            .where(DossierEvent.dossier_id == dossier_id)
            .order_by(DossierEvent.at, DossierEvent.id)
        )
    )
    for event in events:
        if event.from_state is None:
            kind = "creation"
            description = f"Dossier {dossier.reference} enregistré (« {event.to_state.label} »)"
        else:
            kind = "state"
            description = f"État : « {event.from_state.label} » → « {event.to_state.label} »"
        rows.append(
            (event.at, 0, HistoryRow(event.at, event.user, kind, description, event.comment))
        )

    fundings = session.execute(
        select(Funding.id, Funding.year, BudgetLine.name)
        .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
        .where(Funding.dossier_id == dossier_id)
    ).all()
    funding_label = {fid: f"« {name} » {year}" for fid, year, name in fundings}
    payments = session.execute(
        select(Payment.id, Payment.funding_id, Payment.kind).where(
            Payment.funding_id.in_(list(funding_label))
        )
    ).all()
    payment_label = {
        pid: f"{PaymentKind(kind).label} sur {funding_label[fid]}" for pid, fid, kind in payments
    }
    decisions = list(session.scalars(select(Decision.id).where(Decision.dossier_id == dossier_id)))
    owners = {
        "dossier": [dossier_id],
        "funding": list(funding_label),
        "payment": list(payment_label),
        "decision": decisions,
        "decision_amount": decisions,
    }
    conditions = [
        and_(AuditEntry.table_name == table, AuditEntry.row_id.in_(ids))
        for table, ids in owners.items()
        if ids
    ]
    entries = list(
        session.scalars(select(AuditEntry).where(or_(*conditions)).order_by(AuditEntry.id))
    )
    # SQLite may reuse the id of a deleted row: keep only what follows each row's last insert.
    born: dict[tuple[str, int], int] = {}
    for entry in entries:
        if entry.action == "insert" and entry.table_name != "decision_amount":
            born[(entry.table_name, entry.row_id)] = entry.id
    pending = [(e.from_state, e.to_state) for e in events if e.from_state is not None]
    created_by_event = any(e.from_state is None for e in events)
    for entry in entries:
        if entry.id < born.get((entry.table_name, entry.row_id), 0):
            continue
        table, column = entry.table_name, entry.column_name
        if table == "dossier":
            if entry.action == "insert" and created_by_event:
                continue
            if entry.action == "update" and column == "state":
                pair = (
                    DossierState(entry.old_value) if entry.old_value else None,
                    DossierState(entry.new_value) if entry.new_value else None,
                )
                if pair in pending:
                    pending.remove(pair)  # the event says it, with its comment
                    continue
        description, kind = _describe_entry(entry, funding_label, payment_label, dossier)
        moment = _audit_time(entry.at)
        rows.append((moment, 1, HistoryRow(moment, entry.user, kind, description)))
    rows.sort(key=lambda item: (item[0], item[1]))
    return [row for _, _, row in rows]


def _describe_entry(
    entry: AuditEntry,
    funding_label: dict[int, str],
    payment_label: dict[int, str],
    dossier: Dossier,
) -> tuple[str, str]:
    table, column = entry.table_name, entry.column_name or ""
    if table == "dossier":
        subject, kind = "Dossier", "change"
        names = {"state": "État", "opinion": "Avis", "total_cost": "Coût total"}
        if entry.action == "update":
            kind = "state" if column == "state" else "amount"
            old = _value_text(table, column, entry.old_value)
            new = _value_text(table, column, entry.new_value)
            return f"{names.get(column, column)} : {old} → {new}", kind
        if entry.action == "insert":
            return f"Dossier {dossier.reference} enregistré", "creation"
        return f"{subject} supprimé", kind
    if table == "funding":
        where = funding_label.get(entry.row_id, "Financement")
        kind = "amount"
    elif table == "payment":
        where = f"Versement ({payment_label.get(entry.row_id, 'versement')})"
        kind = "payment"
    else:
        where = "Décision de séance"
        kind = "decision"
    if entry.action == REASON_ACTION:
        return f"{where} — motif de la modification du montant approuvé : {entry.new_value}", kind
    if entry.action == "update":
        label = AMOUNT_COLUMNS.get((table, column)) or {
            "paid_on": "date de versement",
            "opinion": "avis",
            "text": "texte",
        }.get(column, column)
        old = _value_text(table, column, entry.old_value)
        new = _value_text(table, column, entry.new_value)
        return f"{where} — {label} : {old} → {new}", kind
    values = _summary(entry.new_value if entry.action == "insert" else entry.old_value)
    detail = _describe_summary(table, values)
    if table == "funding":
        verb = "Financement ajouté" if entry.action == "insert" else "Financement supprimé"
        return f"{verb} : {where}" + (f" ({detail})" if detail else ""), kind
    if table == "payment":
        verb = "enregistré" if entry.action == "insert" else "supprimé"
        return f"{where} {verb}" + (f" : {detail}" if detail else ""), kind
    if table == "decision_amount":
        amount = _money_text(values.get("amount"))
        verb = "proposé en séance" if entry.action == "insert" else "retiré de la séance"
        return f"Montant {verb} : {amount}", kind
    verb = "enregistrée" if entry.action == "insert" else "supprimée"
    return f"{where} {verb}" + (f" : {detail}" if detail else ""), kind


# --- detail --------------------------------------------------------------------------------


def dossier_detail(session: Session, dossier_id: int) -> DossierDetail:
    """Everything the editor shows about a dossier, as frozen data."""
    dossier = _get(session, dossier_id)
    action = dossier.action
    holder = session.get(Organisation, dossier.holder_id)
    objective = (
        None if dossier.objective_id is None else session.get(Objective, dossier.objective_id)
    )
    state_theme = (
        None if action.state_theme_id is None else session.get(StateTheme, action.state_theme_id)
    )
    call = None if dossier.call_id is None else session.get(CallForProjects, dossier.call_id)
    entries = list(
        session.scalars(
            select(BudgetEntry)
            .where(BudgetEntry.dossier_id == dossier_id)
            .order_by(BudgetEntry.position, BudgetEntry.id)
        )
    )
    budget = tuple(
        BudgetEntryRow(
            id=e.id,
            account=e.account,
            heading_label=(h.display if (h := heading(e.account)) is not None else e.account),
            label=e.label,
            side_label=e.side.label,
            is_charge=e.side is BudgetSide.CHARGE,
            planned=e.planned,
            achieved=e.achieved,
            position=e.position,
        )
        for e in sorted(entries, key=lambda e: (ORDER.get(e.account, 999), e.position, e.id))
    )
    funding = tuple(funding_rows(session, dossier_id))
    siblings = session.execute(
        select(Dossier.id, Dossier.reference, Dossier.year, Dossier.state)
        .where(Dossier.action_id == action.id, Dossier.id != dossier_id)
        .order_by(Dossier.year, Dossier.id)
    ).all()

    def total(values: Iterable[Money | None]) -> Money:
        return Money(sum(v.cents for v in values if v is not None))

    return DossierDetail(
        id=dossier.id,
        reference=dossier.reference,
        year=dossier.year,
        last_year=dossier.last_year,
        state=dossier.state,
        state_label=dossier.state.label,
        next_states=tuple(s for s in DossierState if s in allowed_next(dossier.state)),
        opinion=dossier.opinion,
        holder_id=dossier.holder_id,
        holder_name=holder.name if holder is not None else "",
        action_id=action.id,
        action_title=action.title,
        is_renewal=dossier.is_renewal,
        objective_id=dossier.objective_id,
        objective_code=objective.code if objective is not None else None,
        objective_title=objective.title if objective is not None else None,
        theme_ids=_action_theme_ids(session, action.id),
        state_theme_id=action.state_theme_id,
        state_theme_label=state_theme.label if state_theme is not None else None,
        description=dossier.description,
        target_public=dossier.target_public,
        beneficiaries_expected=dossier.beneficiaries_expected,
        beneficiaries_qpv=dossier.beneficiaries_qpv,
        women_share_percent=dossier.women_share_percent,
        starts_on=dossier.starts_on,
        ends_on=dossier.ends_on,
        place=dossier.place,
        total_cost=dossier.total_cost,
        call_id=dossier.call_id,
        call_title=call.title if call is not None else None,
        call_closes_on=call.closes_on if call is not None else None,
        received_on=dossier.received_on,
        is_late=is_late(dossier.received_on, call.closes_on if call is not None else None),
        missing_documents=tuple(_documents(dossier.missing_documents)),
        notes=dossier.notes,
        updated_at=dossier.updated_at,
        budget=budget,
        budget_totals=budget_totals((e.account, e.planned) for e in entries),
        funding=funding,
        requested=total(f.requested for f in funding),
        proposed=total(f.proposed for f in funding),
        granted=total(f.granted for f in funding),
        paid=total(f.paid for f in funding),
        history=tuple(dossier_history(session, dossier_id)),
        warnings=tuple(funding_warnings(session, dossier_id)),
        other_years=tuple(
            SiblingDossier(id=i, reference=r, year=y, state_label=s.label)
            for i, r, y, s in siblings
        ),
    )


__all__ = [
    "BudgetEntryInput",
    "BudgetEntryRow",
    "DossierDetail",
    "DossierInput",
    "FieldError",
    "FormError",
    "HistoryRow",
    "SiblingDossier",
    "change_state",
    "dossier_detail",
    "dossier_history",
    "next_reference",
    "read_amount",
    "refresh_search_text",
    "register_dossier",
    "renewal_input",
    "update_dossier",
    "validate_dossier_input",
]
