"""The life of a dossier: which state may follow which, and why not otherwise."""

from __future__ import annotations

from qpvdesk.core.domain.enums import DossierState as S
from qpvdesk.core.errors import ValidationError

TRANSITIONS: dict[S, frozenset[S]] = {
    S.RECEIVED: frozenset({S.COMPLETE, S.INCOMPLETE, S.WITHDRAWN}),
    S.INCOMPLETE: frozenset({S.COMPLETE, S.WITHDRAWN}),
    S.COMPLETE: frozenset({S.UNDER_REVIEW, S.INCOMPLETE, S.WITHDRAWN}),
    S.UNDER_REVIEW: frozenset({S.OPINION_GIVEN, S.WITHDRAWN}),
    S.OPINION_GIVEN: frozenset({S.APPROVED, S.REFUSED, S.POSTPONED, S.UNDER_REVIEW, S.WITHDRAWN}),
    S.POSTPONED: frozenset({S.UNDER_REVIEW, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.AGREEMENT_SIGNED, S.WITHDRAWN}),
    S.AGREEMENT_SIGNED: frozenset({S.PAID}),
    S.PAID: frozenset({S.REPORT_RECEIVED}),
    S.REPORT_RECEIVED: frozenset({S.CLOSED}),
    S.REFUSED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.CLOSED: frozenset(),
}

FINAL_STATES = frozenset(state for state, targets in TRANSITIONS.items() if not targets)


def allowed_next(state: S) -> frozenset[S]:
    """The states a dossier in *state* may move to."""
    return TRANSITIONS[state]


def check_transition(current: S, target: S, reference: str = "") -> None:
    """Raise a French `ValidationError` if *current* → *target* is not allowed."""
    if target in TRANSITIONS[current]:
        return
    who = f"Le dossier {reference}" if reference else "Le dossier"
    if current == target:
        raise ValidationError(f"{who} est déjà à l'état « {current.label} ».", "état")
    if current in FINAL_STATES:
        raise ValidationError(
            f"{who} est « {current.label} » : cet état est définitif, "
            f"il ne peut plus passer à « {target.label} ».",
            "état",
        )
    possible = ", ".join(f"« {s.label} »" for s in _ordered(TRANSITIONS[current]))
    raise ValidationError(
        f"{who} ne peut pas passer de « {current.label} » à « {target.label} ». "
        f"États possibles : {possible}.",
        "état",
    )


def _ordered(states: frozenset[S]) -> list[S]:
    order = list(S)
    return sorted(states, key=order.index)
