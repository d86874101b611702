"""Enumerations of the domain, with their French labels for display."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry a French label."""

    @property
    def label(self) -> str:
        return LABELS.get(self, self.value)


class ObjectiveLevel(LabelledEnum):
    PRIORITY = "priority"
    STRATEGIC = "strategic"
    OPERATIONAL = "operational"
    ITEM = "item"


class ThemeKind(LabelledEnum):
    THEMATIC = "thematic"
    METHODOLOGICAL = "methodological"


class OrganisationKind(LabelledEnum):
    STATE = "state"
    LOCAL_AUTHORITY = "local_authority"
    PUBLIC_BODY = "public_body"
    ASSOCIATION = "association"
    COMPANY = "company"
    OTHER = "other"


class OrganisationRoleKind(LabelledEnum):
    FUNDER = "funder"
    PROJECT_HOLDER = "project_holder"
    PARTNER = "partner"
    SIGNATORY = "signatory"


class FundingNature(LabelledEnum):
    COMMON_LAW = "common_law"
    SPECIFIC = "specific"


class CallState(LabelledEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PROGRAMMED = "programmed"


class ActionKind(LabelledEnum):
    CALL_FOR_PROJECTS = "call_for_projects"
    COMMON_LAW = "common_law"


class ActionState(LabelledEnum):
    PLANNED = "planned"
    RUNNING = "running"
    DONE = "done"
    DROPPED = "dropped"


class DossierState(LabelledEnum):
    RECEIVED = "received"
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    UNDER_REVIEW = "under_review"
    OPINION_GIVEN = "opinion_given"
    APPROVED = "approved"
    REFUSED = "refused"
    POSTPONED = "postponed"
    WITHDRAWN = "withdrawn"
    AGREEMENT_SIGNED = "agreement_signed"
    PAID = "paid"
    REPORT_RECEIVED = "report_received"
    CLOSED = "closed"


class Opinion(LabelledEnum):
    FAVOURABLE = "favourable"
    RESERVED = "reserved"
    UNFAVOURABLE = "unfavourable"
    POSTPONED = "postponed"


class PaymentKind(LabelledEnum):
    ADVANCE = "advance"
    INSTALMENT = "instalment"
    BALANCE = "balance"


class CommitteeKind(LabelledEnum):
    COPIL = "copil"
    COTECH = "cotech"
    THEMATIC_COMMISSION = "thematic_commission"
    FUNDERS = "funders"
    SEMINAR = "seminar"
    OTHER = "other"


class MemberRole(LabelledEnum):
    CO_CHAIR = "co_chair"
    MEMBER = "member"
    GUEST = "guest"


class MeetingState(LabelledEnum):
    PLANNED = "planned"
    HELD = "held"
    RECORD_SENT = "record_sent"


class AttendanceStatus(LabelledEnum):
    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"
    REPRESENTED = "represented"


class FollowUpState(LabelledEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class MeasurementKind(LabelledEnum):
    PLANNED = "planned"
    ACHIEVED = "achieved"


class Territory(LabelledEnum):
    QPV = "qpv"
    TOWN = "town"
    INTERCOMMUNALITY = "intercommunality"
    DEPARTMENT = "department"
    REGION = "region"
    COUNTRY = "country"


class BudgetSide(LabelledEnum):
    CHARGE = "charge"
    PRODUCT = "product"


class StateThemeLevel(LabelledEnum):
    THEME = "theme"
    SUBTHEME = "subtheme"


LABELS: dict[StrEnum, str] = {
    ObjectiveLevel.PRIORITY: "Priorité",
    ObjectiveLevel.STRATEGIC: "Objectif stratégique",
    ObjectiveLevel.OPERATIONAL: "Objectif opérationnel",
    ObjectiveLevel.ITEM: "Piste d'action",
    ThemeKind.THEMATIC: "Enjeu thématique",
    ThemeKind.METHODOLOGICAL: "Enjeu méthodologique",
    OrganisationKind.STATE: "État",
    OrganisationKind.LOCAL_AUTHORITY: "Collectivité",
    OrganisationKind.PUBLIC_BODY: "Organisme public",
    OrganisationKind.ASSOCIATION: "Association",
    OrganisationKind.COMPANY: "Entreprise",
    OrganisationKind.OTHER: "Autre",
    OrganisationRoleKind.FUNDER: "Financeur",
    OrganisationRoleKind.PROJECT_HOLDER: "Porteur de projet",
    OrganisationRoleKind.PARTNER: "Partenaire",
    OrganisationRoleKind.SIGNATORY: "Signataire",
    FundingNature.COMMON_LAW: "Droit commun",
    FundingNature.SPECIFIC: "Crédits spécifiques",
    CallState.DRAFT: "En préparation",
    CallState.OPEN: "Ouvert",
    CallState.CLOSED: "Clos",
    CallState.PROGRAMMED: "Programmé",
    ActionKind.CALL_FOR_PROJECTS: "Appel à projets",
    ActionKind.COMMON_LAW: "Droit commun",
    ActionState.PLANNED: "Prévue",
    ActionState.RUNNING: "En cours",
    ActionState.DONE: "Réalisée",
    ActionState.DROPPED: "Abandonnée",
    DossierState.RECEIVED: "Reçu",
    DossierState.COMPLETE: "Recevable",
    DossierState.INCOMPLETE: "Incomplet",
    DossierState.UNDER_REVIEW: "En instruction",
    DossierState.OPINION_GIVEN: "Avis rendu",
    DossierState.APPROVED: "Accordé",
    DossierState.REFUSED: "Refusé",
    DossierState.POSTPONED: "Ajourné",
    DossierState.WITHDRAWN: "Retiré",
    DossierState.AGREEMENT_SIGNED: "Convention signée",
    DossierState.PAID: "Versé",
    DossierState.REPORT_RECEIVED: "Bilan reçu",
    DossierState.CLOSED: "Clôturé",
    Opinion.FAVOURABLE: "Favorable",
    Opinion.RESERVED: "Réservé",
    Opinion.UNFAVOURABLE: "Défavorable",
    Opinion.POSTPONED: "Ajourné",
    PaymentKind.ADVANCE: "Avance",
    PaymentKind.INSTALMENT: "Acompte",
    PaymentKind.BALANCE: "Solde",
    CommitteeKind.COPIL: "Comité de pilotage",
    CommitteeKind.COTECH: "Comité technique",
    CommitteeKind.THEMATIC_COMMISSION: "Commission thématique",
    CommitteeKind.FUNDERS: "Comité des financeurs",
    CommitteeKind.SEMINAR: "Séminaire",
    CommitteeKind.OTHER: "Autre instance",
    MemberRole.CO_CHAIR: "Coprésident·e",
    MemberRole.MEMBER: "Membre",
    MemberRole.GUEST: "Invité·e",
    MeetingState.PLANNED: "Prévue",
    MeetingState.HELD: "Tenue",
    MeetingState.RECORD_SENT: "Relevé envoyé",
    AttendanceStatus.PRESENT: "Présent·e",
    AttendanceStatus.EXCUSED: "Excusé·e",
    AttendanceStatus.ABSENT: "Absent·e",
    AttendanceStatus.REPRESENTED: "Représenté·e",
    FollowUpState.OPEN: "À faire",
    FollowUpState.DONE: "Fait",
    FollowUpState.DROPPED: "Abandonné",
    MeasurementKind.PLANNED: "Prévu",
    MeasurementKind.ACHIEVED: "Réalisé",
    Territory.QPV: "Quartier prioritaire",
    Territory.TOWN: "Commune",
    Territory.INTERCOMMUNALITY: "Intercommunalité",
    Territory.DEPARTMENT: "Département",
    Territory.REGION: "Région",
    Territory.COUNTRY: "France",
    BudgetSide.CHARGE: "Charges",
    BudgetSide.PRODUCT: "Produits",
    StateThemeLevel.THEME: "Thème",
    StateThemeLevel.SUBTHEME: "Sous-thème",
}
