"""Change topics: what the `changed` signal says, and which tables each topic covers."""

from __future__ import annotations

from collections.abc import Iterable

#: "Everything may have changed" (a restore, another file, a table no topic claims).
EVERYTHING = "*"
FRAMEWORK = "framework"
PROGRAMMATION = "programmation"
PARTNERS = "partners"
COMMITTEES = "committees"
EVALUATION = "evaluation"
OBSERVATION = "observation"

#: The screens a row change of each table concerns. A table missing here maps to EVERYTHING.
TABLE_TOPICS: dict[str, str] = {
    # Contract, neighbourhoods and the objective tree.
    "contract": FRAMEWORK,
    "neighbourhood": FRAMEWORK,
    "objective": FRAMEWORK,
    "cross_cutting_theme": FRAMEWORK,
    "state_theme": FRAMEWORK,
    # Calls for projects, dossiers, actions and their money.
    "call_for_projects": PROGRAMMATION,
    "call_objective": PROGRAMMATION,
    "call_envelope": PROGRAMMATION,
    "envelope": PROGRAMMATION,
    "budget_line": PROGRAMMATION,
    "action": PROGRAMMATION,
    "action_theme": PROGRAMMATION,
    "dossier": PROGRAMMATION,
    "dossier_event": PROGRAMMATION,
    "budget_entry": PROGRAMMATION,
    "funding": PROGRAMMATION,
    "payment": PROGRAMMATION,
    "action_note": PROGRAMMATION,
    # The directory.
    "organisation": PARTNERS,
    "organisation_role": PARTNERS,
    "contact": PARTNERS,
    # Committees, meetings and their decisions.
    "committee": COMMITTEES,
    "committee_membership": COMMITTEES,
    "meeting": COMMITTEES,
    "attendance": COMMITTEES,
    "agenda_item": COMMITTEES,
    "decision": COMMITTEES,
    "decision_amount": COMMITTEES,
    "follow_up": COMMITTEES,
    "programme_snapshot": COMMITTEES,
    "snapshot_line": COMMITTEES,
    "mail_draft": COMMITTEES,
    # Indicators and evaluation; context figures and participation.
    "indicator": EVALUATION,
    "measurement": EVALUATION,
    "evaluative_question": EVALUATION,
    "evaluative_question_indicator": EVALUATION,
    "evaluative_question_action": EVALUATION,
    "context_figure": OBSERVATION,
    "participation_event": OBSERVATION,
    # "attachment" belongs to organisations, dossiers, meetings…: left to EVERYTHING.
}


def touches(changes: frozenset[str], *topics: str) -> bool:
    """Whether a change set concerns any of *topics*."""
    return EVERYTHING in changes or any(topic in changes for topic in topics)


def topics_for_tables(tables: Iterable[str]) -> frozenset[str]:
    """The topics to announce after rows of *tables* changed (EVERYTHING when unsure)."""
    return frozenset(TABLE_TOPICS.get(table, EVERYTHING) for table in tables)
