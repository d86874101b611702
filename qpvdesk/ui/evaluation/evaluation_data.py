"""What the Évaluation page reads, as frozen rows built inside one read transaction.

`load_questions` gives the evaluative questions with every indicator and action they
may be linked to; `report_dossier_rows` the dossiers whose compte rendu financier is
due or received (the grant is decided), with their money and deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import DossierState
from qpvdesk.core.domain.models import Action, Dossier, Funding, Organisation
from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services.actions import ActionRow, action_rows, grouped_amounts
from qpvdesk.core.services.calls import contract_years
from qpvdesk.core.services.dashboard import report_deadline
from qpvdesk.core.services.indicators import (
    REPORTABLE_STATES,
    IndicatorRow,
    QuestionRow,
    indicator_rows,
    question_rows,
)


@dataclass(frozen=True, slots=True)
class QuestionsData:
    """The questions, and what they may be linked to."""

    questions: tuple[QuestionRow, ...]
    indicators: tuple[IndicatorRow, ...]
    actions: tuple[ActionRow, ...]
    years: tuple[int, ...]

    def question(self, question_id: int | None) -> QuestionRow | None:
        return next((q for q in self.questions if q.id == question_id), None)


def load_questions(session: Session) -> QuestionsData:
    try:
        first, last = contract_years(session)
    except ValidationError:
        first = last = date.today().year
    return QuestionsData(
        questions=tuple(question_rows(session)),
        indicators=tuple(indicator_rows(session)),
        actions=tuple(action_rows(session)),
        years=tuple(range(first, last + 1)),
    )


#: States that say the report came in, whether or not its date was recorded here.
RECEIVED_STATES = frozenset({DossierState.REPORT_RECEIVED, DossierState.CLOSED})


@dataclass(frozen=True, slots=True)
class ReportDossierRow:
    """A dossier whose compte rendu financier is due or received."""

    id: int
    reference: str
    year: int
    last_year: int | None
    state: DossierState
    state_label: str
    holder_name: str
    action_title: str
    granted: Money
    paid: Money
    deadline: date
    received_on: date | None

    @property
    def years_label(self) -> str:
        if self.last_year is None or self.last_year == self.year:
            return str(self.year)
        return f"{self.year}–{self.last_year}"

    @property
    def received(self) -> bool:
        """Recorded with its date, or the dossier is past « Bilan reçu » all the same."""
        return self.received_on is not None or self.state in RECEIVED_STATES

    def overdue(self, today: date) -> bool:
        """Paid, not reported, and past the deadline (30 June after the last year)."""
        return not self.received and self.state is DossierState.PAID and today > self.deadline

    def status(self, today: date) -> str:
        if self.received_on is not None:
            return f"Reçu le {self.received_on:%d/%m/%Y}"
        if self.received:
            return f"Reçu ({self.state_label.lower()}, date non saisie)"
        if self.overdue(today):
            return f"En retard (attendu le {self.deadline:%d/%m/%Y})"
        if self.state is DossierState.PAID:
            return f"Attendu le {self.deadline:%d/%m/%Y}"
        return f"Attendu le {self.deadline:%d/%m/%Y} (pas encore versé)"


def report_dossier_rows(session: Session) -> list[ReportDossierRow]:
    """Dossiers granted and after (a report may be entered), latest year first."""
    records = session.execute(
        select(Dossier.id, Dossier.reference, Dossier.year, Dossier.last_year, Dossier.state,
               Organisation.name, Action.title, Dossier.report_received_on)
        .join(Action, Action.id == Dossier.action_id)
        .outerjoin(Organisation, Organisation.id == Dossier.holder_id)
        .where(Dossier.state.in_(list(REPORTABLE_STATES)))
        .order_by(Dossier.year.desc(), Dossier.sequence, Dossier.id)
    ).all()
    if not records:
        return []
    ids = [record[0] for record in records]
    money = grouped_amounts(session, [Funding.dossier_id], Funding.dossier_id.in_(ids))
    rows = []
    for dossier_id, reference, year, last_year, state, holder, title, received in records:
        amounts = money.get((dossier_id,))
        rows.append(ReportDossierRow(
            id=dossier_id, reference=reference, year=year, last_year=last_year, state=state,
            state_label=state.label, holder_name=holder or "", action_title=title,
            granted=amounts.granted if amounts else Money.zero(),
            paid=amounts.paid if amounts else Money.zero(),
            deadline=report_deadline(last_year or year), received_on=received,
        ))
    return rows


__all__ = [
    "RECEIVED_STATES",
    "QuestionsData",
    "ReportDossierRow",
    "load_questions",
    "report_dossier_rows",
]
