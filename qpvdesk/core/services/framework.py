"""The strategic framework: the objective tree as rows for screens, and its editing.

Write functions take a Session and never commit: the caller's unit of work does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import ObjectiveLevel
from qpvdesk.core.domain.models import (
    Action,
    Committee,
    Contract,
    Dossier,
    Indicator,
    Objective,
    call_objective,
)
from qpvdesk.core.errors import ValidationError

CHILD_LEVEL = {
    ObjectiveLevel.PRIORITY: ObjectiveLevel.STRATEGIC,
    ObjectiveLevel.STRATEGIC: ObjectiveLevel.OPERATIONAL,
    ObjectiveLevel.OPERATIONAL: ObjectiveLevel.ITEM,
    ObjectiveLevel.ITEM: ObjectiveLevel.ITEM,
}
MAX_TITLE = 2000


@dataclass(frozen=True, slots=True)
class ObjectiveRow:
    """One node of the tree, as a screen shows it."""

    id: int
    parent_id: int | None
    level: ObjectiveLevel
    position: int
    code: str
    title: str
    short_title: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class ObjectiveUsage:
    """What refers to an objective (and so forbids deleting it)."""

    children: int
    child_level: ObjectiveLevel
    dossiers: int
    actions: int
    indicators: int
    calls: int
    committees: int

    @property
    def in_use(self) -> bool:
        return any(
            (
                self.children,
                self.dossiers,
                self.actions,
                self.indicators,
                self.calls,
                self.committees,
            )
        )

    def describe(self) -> str:
        one, many = CHILD_NAMES[self.child_level]
        parts = [
            (self.children, one, many),
            (self.dossiers, "dossier", "dossiers"),
            (self.actions, "action", "actions"),
            (self.indicators, "indicateur", "indicateurs"),
            (self.calls, "appel à projets", "appels à projets"),
            (self.committees, "instance", "instances"),
        ]
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts if n)


CHILD_NAMES = {
    ObjectiveLevel.PRIORITY: ("priorité", "priorités"),
    ObjectiveLevel.STRATEGIC: ("objectif stratégique", "objectifs stratégiques"),
    ObjectiveLevel.OPERATIONAL: ("objectif opérationnel", "objectifs opérationnels"),
    ObjectiveLevel.ITEM: ("piste d'action", "pistes d'action"),
}


def objective_rows(session: Session) -> list[ObjectiveRow]:
    """Every objective, depth-first in the order the user set."""
    rows = session.execute(
        select(
            Objective.id,
            Objective.parent_id,
            Objective.level,
            Objective.position,
            Objective.code,
            Objective.title,
            Objective.short_title,
            Objective.description,
        ).order_by(Objective.parent_id, Objective.position, Objective.id)
    ).all()
    by_parent: dict[int | None, list[ObjectiveRow]] = {}
    for row in rows:
        item = ObjectiveRow(*row)
        by_parent.setdefault(item.parent_id, []).append(item)
    ordered: list[ObjectiveRow] = []

    def walk(parent_id: int | None) -> None:
        for child in by_parent.get(parent_id, []):
            ordered.append(child)
            walk(child.id)

    walk(None)
    return ordered


def level_counts(session: Session) -> dict[str, int]:
    """How many objectives of each level (``{"priority": 4, …}``)."""
    counts = dict(
        session.execute(select(Objective.level, func.count()).group_by(Objective.level)).all()
    )
    return {level.value: int(counts.get(level, 0)) for level in ObjectiveLevel}


def objective_usage(session: Session, objective_id: int) -> ObjectiveUsage:
    def count(statement: object) -> int:
        return int(session.scalar(statement) or 0)  # type: ignore[call-overload]

    level = session.scalar(select(Objective.level).where(Objective.id == objective_id))
    return ObjectiveUsage(
        children=count(select(func.count()).where(Objective.parent_id == objective_id)),
        child_level=CHILD_LEVEL[level] if level is not None else ObjectiveLevel.ITEM,
        dossiers=count(select(func.count()).where(Dossier.objective_id == objective_id)),
        actions=count(select(func.count()).where(Action.objective_id == objective_id)),
        indicators=count(select(func.count()).where(Indicator.objective_id == objective_id)),
        calls=count(
            select(func.count())
            .select_from(call_objective)
            .where(call_objective.c.objective_id == objective_id)
        ),
        committees=count(select(func.count()).where(Committee.priority_id == objective_id)),
    )


def _get(session: Session, objective_id: int) -> Objective:
    objective = session.get(Objective, objective_id)
    if objective is None:
        raise ValidationError("Cet objectif n'existe plus (il a peut-être été supprimé).")
    return objective


def _clean_title(title: str, field: str = "Intitulé") -> str:
    text = " ".join((title or "").split())
    if not text:
        raise ValidationError(f"{field} : l'intitulé ne peut pas être vide.", field)
    if len(text) > MAX_TITLE:
        raise ValidationError(f"{field} : {MAX_TITLE} caractères au plus.", field)
    return text


def _siblings(session: Session, contract_id: int, parent_id: int | None) -> list[Objective]:
    return list(
        session.scalars(
            select(Objective)
            .where(
                Objective.contract_id == contract_id,
                Objective.parent_id.is_(None)
                if parent_id is None
                else Objective.parent_id == parent_id,
            )
            .order_by(Objective.position, Objective.id)
        )
    )


def _next_code(session: Session, contract_id: int, parent: Objective | None) -> str:
    """A code never used under this parent: ``P5`` or ``P1.2.4``."""
    prefix = "P" if parent is None else f"{parent.code}."
    taken = session.scalars(
        select(Objective.code).where(
            Objective.contract_id == contract_id, Objective.code.like(f"{prefix}%")
        )
    ).all()
    numbers = [int(code[len(prefix) :]) for code in taken if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1}"


def _renumber(siblings: list[Objective]) -> None:
    for position, objective in enumerate(siblings):
        if objective.position != position:
            objective.position = position


def add_objective(
    session: Session,
    parent_id: int | None,
    title: str,
    *,
    short_title: str | None = None,
    position: int | None = None,
) -> int:
    """Add an objective under *parent_id* (a priority when None); returns its id."""
    contract = session.scalars(select(Contract)).first()
    if contract is None:
        raise ValidationError("La base ne contient pas de contrat de ville.")
    parent = None if parent_id is None else _get(session, parent_id)
    level = ObjectiveLevel.PRIORITY if parent is None else CHILD_LEVEL[parent.level]
    siblings = _siblings(session, contract.id, parent_id)
    index = len(siblings) if position is None else max(0, min(position, len(siblings)))
    objective = Objective(
        contract_id=contract.id,
        parent_id=parent_id,
        level=level,
        position=index,
        code=_next_code(session, contract.id, parent),
        title=_clean_title(title),
        short_title=(short_title or "").strip() or None,
    )
    siblings.insert(index, objective)
    session.add(objective)
    _renumber(siblings)
    session.flush()
    return objective.id


def update_objective(
    session: Session,
    objective_id: int,
    *,
    title: str,
    short_title: str | None = None,
    description: str | None = None,
) -> None:
    """Rename an objective and set its short title and description."""
    objective = _get(session, objective_id)
    objective.title = _clean_title(title)
    objective.short_title = (short_title or "").strip() or None
    objective.description = (description or "").strip() or None


def shift_objective(session: Session, objective_id: int, offset: int) -> bool:
    """Move an objective up (-1) or down (+1) among its siblings; False at either end."""
    objective = _get(session, objective_id)
    siblings = _siblings(session, objective.contract_id, objective.parent_id)
    index = siblings.index(objective)
    target = index + offset
    if not 0 <= target < len(siblings):
        return False
    siblings.insert(target, siblings.pop(index))
    _renumber(siblings)
    return True


def move_objective(
    session: Session, objective_id: int, new_parent_id: int | None, position: int | None = None
) -> None:
    """Put an objective (and its subtree) under another parent of the right level.

    The moved subtree takes codes under its new parent: its meaning changed with it.
    """
    objective = _get(session, objective_id)
    new_parent = None if new_parent_id is None else _get(session, new_parent_id)
    expected_parent_level = {
        ObjectiveLevel.PRIORITY: None,
        ObjectiveLevel.STRATEGIC: {ObjectiveLevel.PRIORITY},
        ObjectiveLevel.OPERATIONAL: {ObjectiveLevel.STRATEGIC},
        ObjectiveLevel.ITEM: {ObjectiveLevel.OPERATIONAL, ObjectiveLevel.ITEM},
    }[objective.level]
    if expected_parent_level is None:
        if new_parent is not None:
            raise ValidationError("Une priorité ne peut pas être rangée sous un autre objectif.")
    elif new_parent is None or new_parent.level not in expected_parent_level:
        wanted = " ou ".join(sorted(level.label.lower() for level in expected_parent_level))
        raise ValidationError(
            f"Un élément de niveau « {objective.level.label} » se range sous un {wanted}."
        )
    ancestor = new_parent
    while ancestor is not None:
        if ancestor.id == objective.id:
            raise ValidationError(
                "Un objectif ne peut pas être rangé sous l'un de ses descendants."
            )
        ancestor = ancestor.parent
    old_siblings = _siblings(session, objective.contract_id, objective.parent_id)
    old_siblings.remove(objective)
    _renumber(old_siblings)
    same_parent = objective.parent_id == new_parent_id
    objective.parent_id = new_parent_id
    objective.parent = new_parent
    new_siblings = [
        o for o in _siblings(session, objective.contract_id, new_parent_id) if o.id != objective.id
    ]
    index = len(new_siblings) if position is None else max(0, min(position, len(new_siblings)))
    new_siblings.insert(index, objective)
    _renumber(new_siblings)
    if not same_parent:
        _recode(session, objective, new_parent)
    session.flush()


def _recode(session: Session, objective: Objective, parent: Objective | None) -> None:
    # Park the subtree on temporary codes first so the UNIQUE(contract, code) never collides.
    subtree: list[Objective] = []

    def collect(node: Objective) -> None:
        subtree.append(node)
        for child in node.children:
            collect(child)

    collect(objective)
    for node in subtree:
        node.code = f"~{node.id}"
    session.flush()
    objective.code = _next_code(session, objective.contract_id, parent)
    session.flush()

    def assign(node: Objective) -> None:
        for number, child in enumerate(sorted(node.children, key=lambda c: c.position), 1):
            child.code = f"{node.code}.{number}"
            assign(child)

    assign(objective)


def delete_objective(session: Session, objective_id: int) -> None:
    """Delete an objective nothing refers to; otherwise say what uses it."""
    objective = _get(session, objective_id)
    usage = objective_usage(session, objective_id)
    if usage.in_use:
        raise ValidationError(
            f"« {objective.code} » ne peut pas être supprimé : il est utilisé par "
            f"{usage.describe()}. Déplacez ou supprimez d'abord ces éléments."
        )
    siblings = _siblings(session, objective.contract_id, objective.parent_id)
    siblings.remove(objective)
    session.delete(objective)
    session.flush()
    _renumber(siblings)
