"""Enumerations of the domain, with their French labels for display."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry a French label."""

    @property
    def label(self) -> str:
        # Keyed by (enum, value): members of different enums may share a value.
        return LABELS.get((type(self), self.value), self.value)


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


LABELS: dict[tuple[type[StrEnum], str], str] = {
    (ObjectiveLevel, ObjectiveLevel.PRIORITY.value): "Priorité",
    (ObjectiveLevel, ObjectiveLevel.STRATEGIC.value): "Objectif stratégique",
    (ObjectiveLevel, ObjectiveLevel.OPERATIONAL.value): "Objectif opérationnel",
    (ObjectiveLevel, ObjectiveLevel.ITEM.value): "Piste d'action",
    (ThemeKind, ThemeKind.THEMATIC.value): "Enjeu thématique",
    (ThemeKind, ThemeKind.METHODOLOGICAL.value): "Enjeu méthodologique",
    (OrganisationKind, OrganisationKind.STATE.value): "État",
    (OrganisationKind, OrganisationKind.LOCAL_AUTHORITY.value): "Collectivité",
    (OrganisationKind, OrganisationKind.PUBLIC_BODY.value): "Organisme public",
    (OrganisationKind, OrganisationKind.ASSOCIATION.value): "Association",
    (OrganisationKind, OrganisationKind.COMPANY.value): "Entreprise",
    (OrganisationKind, OrganisationKind.OTHER.value): "Autre",
    (OrganisationRoleKind, OrganisationRoleKind.FUNDER.value): "Financeur",
    (OrganisationRoleKind, OrganisationRoleKind.PROJECT_HOLDER.value): "Porteur de projet",
    (OrganisationRoleKind, OrganisationRoleKind.PARTNER.value): "Partenaire",
    (OrganisationRoleKind, OrganisationRoleKind.SIGNATORY.value): "Signataire",
    (FundingNature, FundingNature.COMMON_LAW.value): "Droit commun",
    (FundingNature, FundingNature.SPECIFIC.value): "Crédits spécifiques",
    (CallState, CallState.DRAFT.value): "En préparation",
    (CallState, CallState.OPEN.value): "Ouvert",
    (CallState, CallState.CLOSED.value): "Clos",
    (CallState, CallState.PROGRAMMED.value): "Programmé",
    (ActionKind, ActionKind.CALL_FOR_PROJECTS.value): "Appel à projets",
    (ActionKind, ActionKind.COMMON_LAW.value): "Droit commun",
    (ActionState, ActionState.PLANNED.value): "Prévue",
    (ActionState, ActionState.RUNNING.value): "En cours",
    (ActionState, ActionState.DONE.value): "Réalisée",
    (ActionState, ActionState.DROPPED.value): "Abandonnée",
    (DossierState, DossierState.RECEIVED.value): "Reçu",
    (DossierState, DossierState.COMPLETE.value): "Recevable",
    (DossierState, DossierState.INCOMPLETE.value): "Incomplet",
    (DossierState, DossierState.UNDER_REVIEW.value): "En instruction",
    (DossierState, DossierState.OPINION_GIVEN.value): "Avis rendu",
    (DossierState, DossierState.APPROVED.value): "Accordé",
    (DossierState, DossierState.REFUSED.value): "Refusé",
    (DossierState, DossierState.POSTPONED.value): "Ajourné",
    (DossierState, DossierState.WITHDRAWN.value): "Retiré",
    (DossierState, DossierState.AGREEMENT_SIGNED.value): "Convention signée",
    (DossierState, DossierState.PAID.value): "Versé",
    (DossierState, DossierState.REPORT_RECEIVED.value): "Bilan reçu",
    (DossierState, DossierState.CLOSED.value): "Clôturé",
    (Opinion, Opinion.FAVOURABLE.value): "Favorable",
    (Opinion, Opinion.RESERVED.value): "Réservé",
    (Opinion, Opinion.UNFAVOURABLE.value): "Défavorable",
    (Opinion, Opinion.POSTPONED.value): "Ajourné",
    (PaymentKind, PaymentKind.ADVANCE.value): "Avance",
    (PaymentKind, PaymentKind.INSTALMENT.value): "Acompte",
    (PaymentKind, PaymentKind.BALANCE.value): "Solde",
    (CommitteeKind, CommitteeKind.COPIL.value): "Comité de pilotage",
    (CommitteeKind, CommitteeKind.COTECH.value): "Comité technique",
    (CommitteeKind, CommitteeKind.THEMATIC_COMMISSION.value): "Commission thématique",
    (CommitteeKind, CommitteeKind.FUNDERS.value): "Comité des financeurs",
    (CommitteeKind, CommitteeKind.SEMINAR.value): "Séminaire",
    (CommitteeKind, CommitteeKind.OTHER.value): "Autre instance",
    (MemberRole, MemberRole.CO_CHAIR.value): "Coprésident·e",
    (MemberRole, MemberRole.MEMBER.value): "Membre",
    (MemberRole, MemberRole.GUEST.value): "Invité·e",
    (MeetingState, MeetingState.PLANNED.value): "Prévue",
    (MeetingState, MeetingState.HELD.value): "Tenue",
    (MeetingState, MeetingState.RECORD_SENT.value): "Relevé envoyé",
    (AttendanceStatus, AttendanceStatus.PRESENT.value): "Présent·e",
    (AttendanceStatus, AttendanceStatus.EXCUSED.value): "Excusé·e",
    (AttendanceStatus, AttendanceStatus.ABSENT.value): "Absent·e",
    (AttendanceStatus, AttendanceStatus.REPRESENTED.value): "Représenté·e",
    (FollowUpState, FollowUpState.OPEN.value): "À faire",
    (FollowUpState, FollowUpState.DONE.value): "Fait",
    (FollowUpState, FollowUpState.DROPPED.value): "Abandonné",
    (MeasurementKind, MeasurementKind.PLANNED.value): "Prévu",
    (MeasurementKind, MeasurementKind.ACHIEVED.value): "Réalisé",
    (Territory, Territory.QPV.value): "Quartier prioritaire",
    (Territory, Territory.TOWN.value): "Commune",
    (Territory, Territory.INTERCOMMUNALITY.value): "Intercommunalité",
    (Territory, Territory.DEPARTMENT.value): "Département",
    (Territory, Territory.REGION.value): "Région",
    (Territory, Territory.COUNTRY.value): "France",
    (BudgetSide, BudgetSide.CHARGE.value): "Charges",
    (BudgetSide, BudgetSide.PRODUCT.value): "Produits",
    (StateThemeLevel, StateThemeLevel.THEME.value): "Thème",
    (StateThemeLevel, StateThemeLevel.SUBTHEME.value): "Sous-thème",
}
