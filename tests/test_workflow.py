"""Dossier states: the allowed path, and French refusals for the rest."""

from __future__ import annotations

import itertools

import pytest

from qpvdesk.core.domain.enums import DossierState as S
from qpvdesk.core.domain.workflow import FINAL_STATES, allowed_next, check_transition
from qpvdesk.core.errors import ValidationError


def test_the_whole_life_of_a_granted_dossier_is_allowed() -> None:
    path = [
        S.RECEIVED,
        S.COMPLETE,
        S.UNDER_REVIEW,
        S.OPINION_GIVEN,
        S.APPROVED,
        S.AGREEMENT_SIGNED,
        S.PAID,
        S.REPORT_RECEIVED,
        S.CLOSED,
    ]
    for current, target in itertools.pairwise(path):
        check_transition(current, target)


def test_an_incomplete_dossier_can_be_completed_then_instructed() -> None:
    for current, target in [
        (S.RECEIVED, S.INCOMPLETE),
        (S.INCOMPLETE, S.COMPLETE),
        (S.COMPLETE, S.UNDER_REVIEW),
    ]:
        check_transition(current, target)


def test_skipping_instruction_is_refused_with_the_possible_states() -> None:
    with pytest.raises(ValidationError) as caught:
        check_transition(S.RECEIVED, S.APPROVED, "2025-014")
    message = caught.value.message
    assert "2025-014" in message
    assert "« Reçu » à « Accordé »" in message
    assert "« Recevable »" in message


def test_final_states_are_final() -> None:
    assert {S.REFUSED, S.WITHDRAWN, S.CLOSED} == FINAL_STATES
    with pytest.raises(ValidationError, match="définitif"):
        check_transition(S.REFUSED, S.UNDER_REVIEW)


def test_every_state_is_reachable_from_received() -> None:
    seen, todo = {S.RECEIVED}, [S.RECEIVED]
    while todo:
        for nxt in allowed_next(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(S)
