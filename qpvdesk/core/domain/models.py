"""Every model in one import, so that `Base.metadata` is complete wherever it is used."""

from qpvdesk.core.domain.base import Base
from qpvdesk.core.domain.evaluation import (
    ContextFigure,
    EvaluativeQuestion,
    Indicator,
    Measurement,
    ParticipationEvent,
)
from qpvdesk.core.domain.framework import (
    Contract,
    CrossCuttingTheme,
    Neighbourhood,
    Objective,
    StateTheme,
)
from qpvdesk.core.domain.governance import (
    AgendaItem,
    Attendance,
    Committee,
    CommitteeMembership,
    Decision,
    DecisionAmount,
    FollowUp,
    Meeting,
)
from qpvdesk.core.domain.partners import Contact, Organisation, OrganisationRole
from qpvdesk.core.domain.programming import (
    Action,
    BudgetEntry,
    BudgetLine,
    CallForProjects,
    Dossier,
    DossierEvent,
    Envelope,
    Funding,
    Payment,
    action_theme,
    call_envelope,
    call_objective,
)
from qpvdesk.core.domain.records import Attachment, AuditEntry

__all__ = [
    "Action",
    "AgendaItem",
    "Attachment",
    "Attendance",
    "AuditEntry",
    "Base",
    "BudgetEntry",
    "BudgetLine",
    "CallForProjects",
    "Committee",
    "CommitteeMembership",
    "Contact",
    "ContextFigure",
    "Contract",
    "CrossCuttingTheme",
    "Decision",
    "DecisionAmount",
    "Dossier",
    "DossierEvent",
    "Envelope",
    "EvaluativeQuestion",
    "FollowUp",
    "Funding",
    "Indicator",
    "Measurement",
    "Meeting",
    "Neighbourhood",
    "Objective",
    "Organisation",
    "OrganisationRole",
    "ParticipationEvent",
    "Payment",
    "StateTheme",
    "action_theme",
    "call_envelope",
    "call_objective",
]
