"""Actions of the contract: rows and detail for the Actions page, editing, notes, coverage.

An `Action` lasts; its `Dossier` rows are one year's request each (call-for-projects
actions), and droit commun actions of partners have `Funding` rows without dossier.
This module keeps the action itself (holder, operational objective, cross-cutting
themes, period, state, place, public), its dated progress notes, and answers the
coverage question of the contract: for a year, which operational objectives have
actions, with which money, and which have none.

Money follows the Financements page (`qpvdesk.core.services.finance`): a funding row
belongs to ``Funding.year`` and to its dossier's objective, else its action's;
``committed`` is granted, or proposed while nothing is granted; ``paid`` counts
payments with a payment date. Sums run in SQL (GROUP BY); Python merges a few rows.

Write functions take a Session and never commit: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, func, or_, select, type_coerce, union
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import (
    ActionKind,
    ActionState,
    DossierState,
    FundingNature,
    ObjectiveLevel,
)
from qpvdesk.core.domain.models import (
    Action,
    ActionNote,
    BudgetLine,
    Contract,
    CrossCuttingTheme,
    Dossier,
    EvaluativeQuestion,
    Funding,
    Indicator,
    Objective,
    Organisation,
    Payment,
    StateTheme,
    action_theme,
    evaluative_question_action,
)
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services.calls import FieldError, FormError

# `write_action_themes` is the one writer of the `action_theme` association table.
from qpvdesk.core.services.dossier_list import collector_paused
from qpvdesk.core.services.dossiers import (
    _action_theme_ids,
    refresh_search_text,
    write_action_themes,
)
from qpvdesk.core.services.finance import Amounts
from qpvdesk.core.services.framework import objective_rows
from qpvdesk.core.services.funding import FundingRow, common_law_rows, funding_rows

MAX_TITLE = 500
MAX_PLACE = 300
MAX_NOTE = 20_000
# A dossier in one of these states did not happen: its action does not cover the year.
FAILED_STATES = frozenset({DossierState.REFUSED, DossierState.WITHDRAWN})

FIELD_LABELS = {
    "title": "Intitulé",
    "holder_id": "Porteur",
    "objective_id": "Objectif opérationnel",
    "kind": "Nature de l'action",
    "state": "État",
    "start_year": "Première année",
    "end_year": "Dernière année",
    "place": "Lieu",
    "public": "Public",
    "theme_ids": "Axes transversaux",
    "state_theme_id": "Thématique de l'État",
    "written_on": "Date",
    "text": "Note",
}


# --- rows ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionInput:
    """What the action editor holds (an action funded by the call, or droit commun)."""

    title: str
    objective_id: int | None
    start_year: int | None
    end_year: int | None = None
    holder_id: int | None = None
    kind: ActionKind = ActionKind.CALL_FOR_PROJECTS
    state: ActionState = ActionState.PLANNED
    place: str | None = None
    public: str | None = None
    description: str | None = None
    theme_ids: tuple[int, ...] = ()
    state_theme_id: int | None = None


@dataclass(frozen=True, slots=True)
class ActionDossier:
    """One year's dossier of an action, with its state and what its funding rows add up to."""

    id: int
    reference: str
    year: int
    last_year: int | None
    state: DossierState
    state_label: str
    amounts: Amounts

    @property
    def years_label(self) -> str:
        return _period_label(self.year, self.last_year or self.year)


@dataclass(frozen=True, slots=True)
class ActionYear:
    """An action's money in one year, droit commun and crédits spécifiques apart."""

    year: int
    common_law: Amounts
    specific: Amounts

    @property
    def total(self) -> Amounts:
        return self.common_law + self.specific


@dataclass(frozen=True, slots=True)
class ActionRow:
    """One action as the Actions page lists it."""

    id: int
    title: str
    kind: ActionKind
    kind_label: str
    state: ActionState
    state_label: str
    holder_id: int | None
    holder_name: str | None
    objective_id: int | None
    objective_code: str | None
    objective_title: str | None
    theme_ids: tuple[int, ...]
    theme_titles: tuple[str, ...]
    start_year: int | None
    end_year: int | None
    place: str | None
    public: str | None
    dossiers: tuple[ActionDossier, ...]
    years: tuple[ActionYear, ...]
    indicator_count: int
    last_note_on: date | None

    @property
    def period_label(self) -> str:
        return _period_label(self.start_year, self.end_year)

    @property
    def is_common_law(self) -> bool:
        return self.kind is ActionKind.COMMON_LAW

    @property
    def common_law(self) -> Amounts:
        """Droit commun over every year."""
        return _sum(year.common_law for year in self.years)

    @property
    def specific(self) -> Amounts:
        """Crédits spécifiques over every year."""
        return _sum(year.specific for year in self.years)

    @property
    def total(self) -> Amounts:
        return self.common_law + self.specific

    def year(self, year: int) -> ActionYear:
        """The money of *year* (zero when nothing is recorded that year)."""
        for item in self.years:
            if item.year == year:
                return item
        return ActionYear(year, Amounts.zero(), Amounts.zero())


@dataclass(frozen=True, slots=True)
class NoteRow:
    """A dated progress note."""

    id: int
    action_id: int
    written_on: date
    text: str


@dataclass(frozen=True, slots=True)
class LinkedQuestion:
    """An evaluative question an action (or an indicator) helps answer."""

    id: int
    position: int
    text: str

    @property
    def number(self) -> int:
        return self.position + 1


@dataclass(frozen=True, slots=True)
class ActionDetail:
    """An action with everything its page and its fiche show."""

    row: ActionRow
    description: str | None
    state_theme_id: int | None
    state_theme_label: str | None
    priority_code: str | None
    priority_title: str | None
    strategic_code: str | None
    strategic_title: str | None
    notes: tuple[NoteRow, ...]
    funding: tuple[FundingRow, ...]
    questions: tuple[LinkedQuestion, ...]

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def title(self) -> str:
        return self.row.title

    def as_input(self) -> ActionInput:
        """The editor's starting values (pass the edited copy to `update_action`)."""
        row = self.row
        return ActionInput(
            title=row.title,
            objective_id=row.objective_id,
            start_year=row.start_year,
            end_year=row.end_year,
            holder_id=row.holder_id,
            kind=row.kind,
            state=row.state,
            place=row.place,
            public=row.public,
            description=self.description,
            theme_ids=row.theme_ids,
            state_theme_id=self.state_theme_id,
        )


# --- helpers -------------------------------------------------------------------------------


def _period_label(first: int | None, last: int | None) -> str:
    if first is None and last is None:
        return "—"
    if first is None:
        return f"jusqu'en {last}"
    if last is None:
        return f"depuis {first}"
    return str(first) if first == last else f"{first}–{last}"


def _sum(items: Iterable[Amounts]) -> Amounts:
    total = Amounts.zero()
    for item in items:
        total = total + item
    return total


def _clean(text: str | None) -> str | None:
    value = (text or "").strip()
    return value or None


def _title(text: str | None) -> str:
    return " ".join((text or "").split())


def _cents(expression: Any) -> ColumnElement[int]:
    """SUM(expression) as integer cents, 0 when there is nothing to add."""
    return type_coerce(func.coalesce(func.sum(expression), 0), Integer)


# Requested, proposed, granted and committed (granted, else proposed) of funding rows.
FUNDING_SUMS = (
    _cents(Funding.requested),
    _cents(Funding.proposed),
    _cents(Funding.granted),
    _cents(func.coalesce(Funding.granted, Funding.proposed)),
)
PAID_SUM = _cents(Payment.amount)
# Amounts are immutable: one zero serves every row with nothing recorded.
NO_AMOUNTS = Amounts.zero()


def objective_of_funding() -> ColumnElement[int | None]:
    """The objective a funding row counts for: its dossier's, else its action's.

    The query must join `Action` and outer-join `Dossier` on the funding row.
    """
    return func.coalesce(Dossier.objective_id, Action.objective_id)


def grouped_amounts(
    session: Session,
    keys: Sequence[Any],
    *conditions: ColumnElement[bool],
) -> dict[tuple[Any, ...], Amounts]:
    """Funding sums (and paid payments) grouped by *keys*, as `Amounts`.

    Both queries select from `Funding` joined to `Action` and `BudgetLine` and
    outer-joined to `Dossier`, so keys and conditions may use any of them.
    """

    def base(*columns: Any) -> Any:
        return (
            select(*keys, *columns)
            .select_from(Funding)
            .join(Action, Action.id == Funding.action_id)
            .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
            .outerjoin(Dossier, Dossier.id == Funding.dossier_id)
        )

    width = len(keys)
    sums = {
        tuple(row[:width]): tuple(row[width:])
        for row in session.execute(base(*FUNDING_SUMS).where(*conditions).group_by(*keys))
    }
    paid = {
        tuple(row[:width]): row[width]
        for row in session.execute(
            base(PAID_SUM)
            .join(Payment, Payment.funding_id == Funding.id)
            .where(*conditions, Payment.paid_on.is_not(None))
            .group_by(*keys)
        )
    }
    result: dict[tuple[Any, ...], Amounts] = {}
    for key in set(sums) | set(paid):
        requested, proposed, granted, committed = sums.get(key, (0, 0, 0, 0))
        result[key] = Amounts.of_cents(requested, proposed, granted, committed, paid.get(key, 0))
    return result


@dataclass(frozen=True, slots=True)
class ObjectiveNode:
    """An objective of the tree, for rolling figures up to a level."""

    id: int
    parent_id: int | None
    level: ObjectiveLevel
    code: str
    title: str
    short_title: str | None

    @property
    def display_title(self) -> str:
        return self.short_title or self.title


def objective_nodes(session: Session) -> dict[int, ObjectiveNode]:
    """Every objective by id (one query)."""
    return {
        row[0]: ObjectiveNode(*row)
        for row in session.execute(
            select(
                Objective.id,
                Objective.parent_id,
                Objective.level,
                Objective.code,
                Objective.title,
                Objective.short_title,
            )
        )
    }


def ancestor_at(
    nodes: dict[int, ObjectiveNode], objective_id: int | None, level: ObjectiveLevel
) -> int | None:
    """The objective itself or its ancestor at *level*; None if it sits above that level."""
    node = None if objective_id is None else nodes.get(objective_id)
    for _ in range(len(nodes) + 1):  # bounded: a damaged tree must not hang a screen
        if node is None or node.level is level:
            break
        node = None if node.parent_id is None else nodes.get(node.parent_id)
    return None if node is None or node.level is not level else node.id


def _get(session: Session, action_id: int) -> Action:
    action = session.get(Action, action_id)
    if action is None:
        raise ValidationError("Cette action n'existe plus (elle a peut-être été supprimée).")
    return action


def _contract(session: Session) -> Contract:
    contract = session.scalars(select(Contract)).first()
    if contract is None:
        raise ValidationError("La base ne contient pas de contrat de ville.")
    return contract


def _assign(target: object, values: dict[str, object]) -> None:
    # Only real changes reach the ORM: the audit log and the undo record what changed.
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)


def _used_years(session: Session, action_id: int) -> tuple[int, int] | None:
    """First and last year the action's dossiers and funding rows use (None: none)."""
    dossier = session.execute(
        select(
            func.min(Dossier.year), func.max(func.coalesce(Dossier.last_year, Dossier.year))
        ).where(Dossier.action_id == action_id)
    ).one()
    funding = session.execute(
        select(func.min(Funding.year), func.max(Funding.year)).where(Funding.action_id == action_id)
    ).one()
    firsts = [int(v) for v in (dossier[0], funding[0]) if v is not None]
    lasts = [int(v) for v in (dossier[1], funding[1]) if v is not None]
    if not firsts:
        return None
    return min(firsts), max(lasts)


# --- the editor ----------------------------------------------------------------------------


def validate_action_input(
    session: Session, data: ActionInput, *, action_id: int | None = None
) -> list[FieldError]:
    """Every problem of the form at once, each naming its `ActionInput` field."""
    errors: list[FieldError] = []

    def error(field: str, message: str) -> None:
        errors.append(FieldError(field, f"{FIELD_LABELS[field]} : {message}"))

    title = _title(data.title)
    if not title:
        error("title", "indiquez l'intitulé de l'action.")
    elif len(title) > MAX_TITLE:
        error("title", f"{MAX_TITLE} caractères au plus.")

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

    if data.holder_id is not None and session.get(Organisation, data.holder_id) is None:
        error("holder_id", "cette structure n'existe plus.")

    try:
        kind = ActionKind(data.kind)
    except ValueError:
        error("kind", "choisissez « Appel à projets » ou « Droit commun ».")
        kind = None
    try:
        ActionState(data.state)
    except ValueError:
        error("state", "état inconnu.")

    contract = session.execute(select(Contract.start_year, Contract.end_year)).first()
    if contract is None:
        raise ValidationError("La base ne contient pas de contrat de ville.")
    first, last = int(contract[0]), int(contract[1])
    if data.start_year is None:
        error("start_year", "indiquez la première année de l'action.")
    elif not first <= data.start_year <= last:
        error(
            "start_year",
            f"le contrat de ville couvre {first} à {last} ({data.start_year} est en dehors).",
        )
    if data.end_year is not None:
        if not first <= data.end_year <= last:
            error(
                "end_year",
                f"le contrat de ville couvre {first} à {last} ({data.end_year} est en dehors).",
            )
        elif data.start_year is not None and data.end_year < data.start_year:
            error(
                "end_year",
                f"la dernière année ({data.end_year}) précède la première ({data.start_year}).",
            )

    if action_id is not None:
        used = _used_years(session, action_id)
        if used is not None:
            used_first, used_last = used
            if data.start_year is not None and data.start_year > used_first:
                error(
                    "start_year",
                    f"l'action a un dossier ou un financement en {used_first} : "
                    f"la première année ne peut pas être après {used_first}.",
                )
            if data.end_year is not None and data.end_year < used_last:
                error(
                    "end_year",
                    f"l'action a un dossier ou un financement en {used_last} : "
                    f"la dernière année ne peut pas être avant {used_last}.",
                )
        if kind is ActionKind.COMMON_LAW:
            count = session.scalar(select(func.count()).where(Dossier.action_id == action_id))
            if count:
                error(
                    "kind",
                    f"l'action a {count} dossier{'s' if count > 1 else ''} de demande de "
                    "subvention : elle relève de l'appel à projets, pas du droit commun.",
                )

    place = _clean(data.place)
    if place is not None and len(place) > MAX_PLACE:
        error("place", f"{MAX_PLACE} caractères au plus.")

    theme_ids = set(data.theme_ids)
    if theme_ids:
        found = set(
            session.scalars(select(CrossCuttingTheme.id).where(CrossCuttingTheme.id.in_(theme_ids)))
        )
        if theme_ids - found:
            error("theme_ids", "un des axes choisis n'existe plus.")
    if data.state_theme_id is not None and session.get(StateTheme, data.state_theme_id) is None:
        error("state_theme_id", "cette thématique n'existe plus.")
    return errors


def _values(data: ActionInput) -> dict[str, object]:
    return {
        "title": _title(data.title),
        "holder_id": data.holder_id,
        "objective_id": data.objective_id,
        "kind": ActionKind(data.kind),
        "state": ActionState(data.state),
        "start_year": data.start_year,
        "end_year": data.end_year,
        "place": _clean(data.place),
        "public": _clean(data.public),
        "description": _clean(data.description),
        "state_theme_id": data.state_theme_id,
    }


def create_action(session: Session, data: ActionInput) -> int:
    """Create an action (call for projects or droit commun); returns its id.

    Raises `FormError` (every field error) and changes nothing when the form is invalid.
    """
    errors = validate_action_input(session, data)
    if errors:
        raise FormError(errors)
    action = Action(contract_id=_contract(session).id, **_values(data))
    session.add(action)
    session.flush()
    write_action_themes(session, action.id, data.theme_ids)
    session.flush()
    return action.id


def update_action(session: Session, action_id: int, data: ActionInput) -> None:
    """Save the editor's fields on an action (its dossiers keep theirs).

    Renaming the action refreshes the search text of its dossiers.
    """
    action = _get(session, action_id)
    errors = validate_action_input(session, data, action_id=action_id)
    if errors:
        raise FormError(errors)
    renamed = _title(data.title) != action.title
    _assign(action, _values(data))
    write_action_themes(session, action.id, data.theme_ids)
    session.flush()
    if renamed:
        refresh_search_text(session, action_id=action_id)
    session.flush()


def set_action_state(session: Session, action_id: int, state: ActionState) -> None:
    """Mark an action planned, running, done or dropped."""
    action = _get(session, action_id)
    try:
        target = ActionState(state)
    except ValueError:
        raise ValidationError("État : état inconnu.", "state") from None
    if action.state is not target:
        action.state = target
        session.flush()


def set_action_themes(session: Session, action_id: int, theme_ids: Iterable[int]) -> None:
    """The cross-cutting themes (axes transversaux) an action serves."""
    _get(session, action_id)
    wanted = set(theme_ids)
    if wanted:
        found = set(
            session.scalars(select(CrossCuttingTheme.id).where(CrossCuttingTheme.id.in_(wanted)))
        )
        if wanted - found:
            raise ValidationError(
                "Axes transversaux : un des axes choisis n'existe plus.", "theme_ids"
            )
    write_action_themes(session, action_id, wanted)
    session.flush()


def delete_action(session: Session, action_id: int) -> None:
    """Delete an action that has no dossier and no funding (its notes and indicators go too)."""
    action = _get(session, action_id)
    dossiers = int(session.scalar(select(func.count()).where(Dossier.action_id == action_id)) or 0)
    funding = int(session.scalar(select(func.count()).where(Funding.action_id == action_id)) or 0)
    if dossiers or funding:
        parts = []
        if dossiers:
            parts.append(f"{dossiers} dossier{'s' if dossiers > 1 else ''}")
        if funding:
            parts.append(f"{funding} ligne{'s' if funding > 1 else ''} de financement")
        raise ValidationError(
            f"L'action « {action.title} » ne peut pas être supprimée : elle a "
            f"{' et '.join(parts)}. Marquez-la plutôt « {ActionState.DROPPED.label} »."
        )
    write_action_themes(session, action_id, ())
    session.delete(action)
    session.flush()


# --- progress notes ------------------------------------------------------------------------


def _check_note(written_on: date | None, text: str | None) -> tuple[date, str]:
    if written_on is None:
        raise ValidationError("Date : indiquez la date de la note.", "written_on")
    body = (text or "").strip()
    if not body:
        raise ValidationError("Note : le texte de la note ne peut pas être vide.", "text")
    if len(body) > MAX_NOTE:
        raise ValidationError(f"Note : {MAX_NOTE} caractères au plus.", "text")
    return written_on, body


def add_note(session: Session, action_id: int, written_on: date | None, text: str) -> int:
    """Add a dated progress note to an action; returns its id."""
    _get(session, action_id)
    day, body = _check_note(written_on, text)
    note = ActionNote(action_id=action_id, written_on=day, text=body)
    session.add(note)
    session.flush()
    return note.id


def update_note(session: Session, note_id: int, written_on: date | None, text: str) -> None:
    """Change a progress note's date or text."""
    note = session.get(ActionNote, note_id)
    if note is None:
        raise ValidationError("Cette note n'existe plus.")
    day, body = _check_note(written_on, text)
    _assign(note, {"written_on": day, "text": body})
    session.flush()


def delete_note(session: Session, note_id: int) -> None:
    """Delete a progress note."""
    note = session.get(ActionNote, note_id)
    if note is None:
        raise ValidationError("Cette note n'existe plus.")
    session.delete(note)
    session.flush()


def note_rows(session: Session, action_id: int) -> list[NoteRow]:
    """An action's notes, the latest first."""
    return [
        NoteRow(*row)
        for row in session.execute(
            select(ActionNote.id, ActionNote.action_id, ActionNote.written_on, ActionNote.text)
            .where(ActionNote.action_id == action_id)
            .order_by(ActionNote.written_on.desc(), ActionNote.id.desc())
        )
    ]


# --- queries -------------------------------------------------------------------------------


def active_in(year: int) -> ColumnElement[bool]:
    """SQL: the action's own period covers *year* (an open end counts as covering)."""
    first = func.coalesce(Action.start_year, Action.end_year)
    last = func.coalesce(Action.end_year, Action.start_year)
    return and_(
        first.is_not(None),
        first <= year,
        or_(Action.end_year.is_(None), last >= year),
    )


def _year_statements(year: int) -> tuple[Select[int], ...]:
    by_dossier = select(Dossier.action_id).where(
        Dossier.year <= year, func.coalesce(Dossier.last_year, Dossier.year) >= year
    )
    by_funding = select(Funding.action_id).where(Funding.year == year)
    by_period = select(Action.id).where(active_in(year), Action.state != ActionState.DROPPED)
    return by_dossier, by_funding, by_period


def action_ids_in_year(session: Session, year: int) -> set[int]:
    """Actions of *year*: a dossier or a funding row that year, or a period covering it.

    An action marked « Abandonnée » counts only through a dossier or funding of the year.
    """
    found: set[int] = set()
    for statement in _year_statements(year):
        found.update(session.scalars(statement))
    return found


def _wanted_actions(
    year: int | None, action_ids: set[int] | None
) -> Callable[[Any], list[ColumnElement[bool]]]:
    """The conditions keeping an action id column to the wanted actions, for each query.

    A year is a subquery (`action_ids_in_year` in SQL), never a list of bound ids: a year of
    a large programmation holds thousands of actions, and binding that many parameters in
    each statement costs more than the statement itself.
    """
    in_year = None if year is None else union(*_year_statements(year)).scalar_subquery()

    def conditions(column: Any) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if in_year is not None:
            found.append(column.in_(in_year))
        if action_ids is not None:
            found.append(column.in_(sorted(action_ids)))
        return found

    return conditions


def action_rows(
    session: Session, *, year: int | None = None, action_ids: Iterable[int] | None = None
) -> list[ActionRow]:
    """Every action (or those of *year*, or those named), by objective code then title.

    A handful of statements whatever the number of actions: the actions with holder and
    objective, their themes, their dossiers with funding sums, their money per year and
    nature, indicator counts and last notes.
    """
    with collector_paused():
        return _read_action_rows(session, year, action_ids)


def _read_action_rows(
    session: Session, year: int | None, action_ids: Iterable[int] | None
) -> list[ActionRow]:
    named: set[int] | None = None if action_ids is None else set(action_ids)
    if named is not None and not named:
        return []
    wanted = _wanted_actions(year, named)
    base = session.execute(
        select(
            Action.id,
            Action.title,
            Action.kind,
            Action.state,
            Action.holder_id,
            Organisation.name,
            Action.objective_id,
            Objective.code,
            Objective.title,
            Action.start_year,
            Action.end_year,
            Action.place,
            Action.public,
        )
        .outerjoin(Organisation, Organisation.id == Action.holder_id)
        .outerjoin(Objective, Objective.id == Action.objective_id)
        .where(*wanted(Action.id))
    ).all()
    if not base:
        return []
    themes: dict[int, list[tuple[int, str]]] = {}
    for action_id, theme_id, title in session.execute(
        select(action_theme.c.action_id, CrossCuttingTheme.id, CrossCuttingTheme.title)
        .join(CrossCuttingTheme, CrossCuttingTheme.id == action_theme.c.theme_id)
        .where(*wanted(action_theme.c.action_id))
        .order_by(CrossCuttingTheme.position, CrossCuttingTheme.id)
    ):
        themes.setdefault(action_id, []).append((theme_id, title))
    per_dossier = grouped_amounts(session, [Funding.dossier_id], *wanted(Funding.action_id))
    dossiers: dict[int, list[ActionDossier]] = {}
    for dossier_id, action_id, reference, first, last, dossier_state in session.execute(
        select(
            Dossier.id,
            Dossier.action_id,
            Dossier.reference,
            Dossier.year,
            Dossier.last_year,
            Dossier.state,
        )
        .where(*wanted(Dossier.action_id))
        .order_by(Dossier.year, Dossier.sequence)
    ):
        dossiers.setdefault(action_id, []).append(
            ActionDossier(
                id=dossier_id,
                reference=reference,
                year=first,
                last_year=last,
                state=dossier_state,
                state_label=dossier_state.label,
                amounts=per_dossier.get((dossier_id,), NO_AMOUNTS),
            )
        )
    money = grouped_amounts(
        session,
        [Funding.action_id, Funding.year, BudgetLine.nature],
        *wanted(Funding.action_id),
    )
    years: dict[int, dict[int, dict[FundingNature, Amounts]]] = {}
    for (action_id, each_year, nature), amounts in money.items():
        years.setdefault(action_id, {}).setdefault(each_year, {})[nature] = amounts
    indicators = dict(
        session.execute(
            select(Indicator.action_id, func.count())
            .where(*wanted(Indicator.action_id))
            .group_by(Indicator.action_id)
        ).all()
    )
    last_notes = dict(
        session.execute(
            select(ActionNote.action_id, func.max(ActionNote.written_on))
            .where(*wanted(ActionNote.action_id))
            .group_by(ActionNote.action_id)
        ).all()
    )
    rows = []
    for (
        action_id,
        title,
        kind,
        state,
        holder_id,
        holder_name,
        objective_id,
        objective_code,
        objective_title,
        start_year,
        end_year,
        place,
        public,
    ) in base:
        by_year = years.get(action_id, {})
        rows.append(
            ActionRow(
                id=action_id,
                title=title,
                kind=kind,
                kind_label=kind.label,
                state=state,
                state_label=state.label,
                holder_id=holder_id,
                holder_name=holder_name,
                objective_id=objective_id,
                objective_code=objective_code,
                objective_title=objective_title,
                theme_ids=tuple(t for t, _ in themes.get(action_id, ())),
                theme_titles=tuple(t for _, t in themes.get(action_id, ())),
                start_year=start_year,
                end_year=end_year,
                place=place,
                public=public,
                dossiers=tuple(dossiers.get(action_id, ())),
                years=tuple(
                    ActionYear(
                        each_year,
                        natures.get(FundingNature.COMMON_LAW, NO_AMOUNTS),
                        natures.get(FundingNature.SPECIFIC, NO_AMOUNTS),
                    )
                    for each_year, natures in sorted(by_year.items())
                ),
                indicator_count=int(indicators.get(action_id, 0)),
                last_note_on=last_notes.get(action_id),
            )
        )
    rows.sort(key=lambda r: (_code_key(r.objective_code), r.title.casefold(), r.id))
    return rows


def _code_key(code: str | None) -> tuple[int, ...]:
    if code is None:
        return (1 << 30,)
    return tuple(int(part) if part.isdigit() else 0 for part in code.lstrip("P").split("."))


def question_links(session: Session, action_id: int) -> list[LinkedQuestion]:
    """The evaluative questions an action is linked to, in the contract's order."""
    return [
        LinkedQuestion(*row)
        for row in session.execute(
            select(EvaluativeQuestion.id, EvaluativeQuestion.position, EvaluativeQuestion.text)
            .join(
                evaluative_question_action,
                evaluative_question_action.c.question_id == EvaluativeQuestion.id,
            )
            .where(evaluative_question_action.c.action_id == action_id)
            .order_by(EvaluativeQuestion.position, EvaluativeQuestion.id)
        )
    ]


def action_detail(session: Session, action_id: int) -> ActionDetail:
    """Everything the Actions page and the fiche action show about one action."""
    action = _get(session, action_id)
    rows = action_rows(session, action_ids=[action_id])
    row = rows[0]
    nodes = objective_nodes(session)
    priority = nodes.get(ancestor_at(nodes, action.objective_id, ObjectiveLevel.PRIORITY) or -1)
    strategic = nodes.get(ancestor_at(nodes, action.objective_id, ObjectiveLevel.STRATEGIC) or -1)
    state_theme = (
        None if action.state_theme_id is None else session.get(StateTheme, action.state_theme_id)
    )
    return ActionDetail(
        row=row,
        description=action.description,
        state_theme_id=action.state_theme_id,
        state_theme_label=None
        if state_theme is None
        else f"{state_theme.code} – {state_theme.label}",
        priority_code=None if priority is None else priority.code,
        priority_title=None if priority is None else priority.display_title,
        strategic_code=None if strategic is None else strategic.code,
        strategic_title=None if strategic is None else strategic.display_title,
        notes=tuple(note_rows(session, action_id)),
        funding=tuple(_action_funding(session, action_id, row.dossiers)),
        questions=tuple(question_links(session, action_id)),
    )


def _action_funding(
    session: Session, action_id: int, dossiers: Sequence[ActionDossier]
) -> list[FundingRow]:
    """Every funding row of an action: its dossiers' and its own (droit commun), by year."""
    found: list[FundingRow] = []
    for dossier in dossiers:
        found.extend(funding_rows(session, dossier.id))
    found.extend(common_law_rows(session, action_id))
    return sorted(found, key=lambda f: (f.year, f.funder_name.casefold(), f.line_name, f.id))


def theme_ids_of(session: Session, action_id: int) -> tuple[int, ...]:
    """The cross-cutting themes of an action."""
    return _action_theme_ids(session, action_id)


# --- coverage ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoverageAction:
    """An action serving an objective in a year, with its money of that year there."""

    action_id: int
    title: str
    holder_name: str | None
    kind: ActionKind
    kind_label: str
    state: ActionState
    state_label: str
    objective_code: str | None
    # The states of its dossiers covering the year (« Accordé », « Refusé »…), if any.
    dossier_states: tuple[DossierState, ...]
    common_law: Amounts
    specific: Amounts

    @property
    def total(self) -> Amounts:
        return self.common_law + self.specific

    @property
    def failed(self) -> bool:
        """Every dossier of the year was refused or withdrawn (the action did not happen)."""
        return bool(self.dossier_states) and all(s in FAILED_STATES for s in self.dossier_states)

    @property
    def dossier_states_label(self) -> str:
        return ", ".join(state.label for state in self.dossier_states)


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """One operational objective in a year: its actions and their money.

    The last row, when some actions of the year serve no operational objective (none
    set, or one above that level), has ``objective_id`` None (« Sans objectif
    opérationnel »).
    """

    year: int
    priority_id: int | None
    priority_code: str | None
    priority_title: str | None
    strategic_id: int | None
    strategic_code: str | None
    strategic_title: str | None
    objective_id: int | None
    objective_code: str
    objective_title: str
    actions: tuple[CoverageAction, ...]
    common_law: Amounts
    specific: Amounts

    @property
    def total(self) -> Amounts:
        return self.common_law + self.specific

    @property
    def has_action(self) -> bool:
        return bool(self.actions)

    @property
    def without_action(self) -> bool:
        """No action at all serves this objective this year: it must stand out."""
        return self.objective_id is not None and not self.actions

    @property
    def without_effective_action(self) -> bool:
        """Actions exist, but every one of them was refused or withdrawn this year."""
        return bool(self.actions) and all(action.failed for action in self.actions)


def coverage(session: Session, year: int) -> list[CoverageRow]:
    """Each operational objective of the framework, in its order, with its actions of *year*.

    An action serves an objective in *year* through its dossier covering that year
    (the dossier's objective), else through its own objective; it is « of the year »
    as `action_ids_in_year` says. Money is that of the funding rows of *year*,
    counted for their dossier's objective, else their action's (as on the
    Financements page), split droit commun / crédits spécifiques. An objective with
    no action has `without_action` set.
    """
    nodes = objective_nodes(session)
    in_year = action_ids_in_year(session, year)
    # action -> objectives it serves this year (by its dossiers covering the year).
    served: dict[int, set[int | None]] = {}
    dossier_states: dict[tuple[int, int | None], list[DossierState]] = {}
    for action_id, objective_id, dossier_state in session.execute(
        select(
            Dossier.action_id,
            func.coalesce(Dossier.objective_id, Action.objective_id),
            Dossier.state,
        )
        .join(Action, Action.id == Dossier.action_id)
        .where(Dossier.year <= year, func.coalesce(Dossier.last_year, Dossier.year) >= year)
        .order_by(Dossier.year, Dossier.sequence)
    ):
        operational = ancestor_at(nodes, objective_id, ObjectiveLevel.OPERATIONAL)
        served.setdefault(action_id, set()).add(operational)
        dossier_states.setdefault((action_id, operational), []).append(dossier_state)
    money: dict[tuple[int, int | None], dict[FundingNature, Amounts]] = {}
    for (action_id, objective_id, nature), amounts in grouped_amounts(
        session,
        [Funding.action_id, objective_of_funding(), BudgetLine.nature],
        Funding.year == year,
    ).items():
        operational = ancestor_at(nodes, objective_id, ObjectiveLevel.OPERATIONAL)
        served.setdefault(action_id, set()).add(operational)
        bucket = money.setdefault((action_id, operational), {})
        bucket[nature] = bucket.get(nature, Amounts.zero()) + amounts
    info = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                Action.id,
                Action.title,
                Organisation.name,
                Action.kind,
                Action.state,
                Action.objective_id,
            )
            .outerjoin(Organisation, Organisation.id == Action.holder_id)
            .where(Action.id.in_(in_year))
        )
    }
    for action_id in in_year:
        if action_id not in served:
            served[action_id] = {ancestor_at(nodes, info[action_id][4], ObjectiveLevel.OPERATIONAL)}
    by_objective: dict[int | None, list[CoverageAction]] = {}
    for action_id, objectives in served.items():
        if action_id not in info:
            continue  # pragma: no cover - in_year holds every action with a dossier/funding
        title, holder_name, kind, state, own_objective = info[action_id]
        for served_id in objectives:
            natures = money.get((action_id, served_id), {})
            exact = own_objective if served_id is None else served_id
            node = nodes.get(exact) if exact is not None else None
            by_objective.setdefault(served_id, []).append(
                CoverageAction(
                    action_id=action_id,
                    title=title,
                    holder_name=holder_name,
                    kind=kind,
                    kind_label=kind.label,
                    state=state,
                    state_label=state.label,
                    objective_code=None if node is None else node.code,
                    dossier_states=tuple(dossier_states.get((action_id, served_id), ())),
                    common_law=natures.get(FundingNature.COMMON_LAW, Amounts.zero()),
                    specific=natures.get(FundingNature.SPECIFIC, Amounts.zero()),
                )
            )
    for items in by_objective.values():
        items.sort(key=lambda a: (a.title.casefold(), a.action_id))
    rows = []
    for objective in objective_rows(session):
        if objective.level is not ObjectiveLevel.OPERATIONAL:
            continue
        rows.append(_coverage_row(year, nodes, objective.id, by_objective.get(objective.id, [])))
    if by_objective.get(None):
        rows.append(_coverage_row(year, nodes, None, by_objective[None]))
    return rows


def _coverage_row(
    year: int,
    nodes: dict[int, ObjectiveNode],
    objective_id: int | None,
    actions: list[CoverageAction],
) -> CoverageRow:
    node = None if objective_id is None else nodes[objective_id]
    priority = nodes.get(ancestor_at(nodes, objective_id, ObjectiveLevel.PRIORITY) or -1)
    strategic = nodes.get(ancestor_at(nodes, objective_id, ObjectiveLevel.STRATEGIC) or -1)
    return CoverageRow(
        year=year,
        priority_id=None if priority is None else priority.id,
        priority_code=None if priority is None else priority.code,
        priority_title=None if priority is None else priority.display_title,
        strategic_id=None if strategic is None else strategic.id,
        strategic_code=None if strategic is None else strategic.code,
        strategic_title=None if strategic is None else strategic.display_title,
        objective_id=objective_id,
        objective_code="" if node is None else node.code,
        objective_title="Sans objectif opérationnel" if node is None else node.title,
        actions=tuple(actions),
        common_law=_sum(a.common_law for a in actions),
        specific=_sum(a.specific for a in actions),
    )


__all__ = [
    "FAILED_STATES",
    "ActionDetail",
    "ActionDossier",
    "ActionInput",
    "ActionRow",
    "ActionYear",
    "CoverageAction",
    "CoverageRow",
    "LinkedQuestion",
    "NoteRow",
    "ObjectiveNode",
    "action_detail",
    "action_ids_in_year",
    "action_rows",
    "active_in",
    "add_note",
    "ancestor_at",
    "coverage",
    "create_action",
    "delete_action",
    "delete_note",
    "grouped_amounts",
    "note_rows",
    "objective_nodes",
    "objective_of_funding",
    "question_links",
    "set_action_state",
    "set_action_themes",
    "theme_ids_of",
    "update_action",
    "update_note",
    "validate_action_input",
]
