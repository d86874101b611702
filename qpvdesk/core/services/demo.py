"""A realistic but clearly fictitious programmation, for exploring the application.

Two years of calls for projects, about forty dossiers from invented associations
(every name ends with « (fictif) »), several funders each. Deterministic.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import (
    ActionKind,
    ActionState,
    CallState,
    DossierState,
    FundingNature,
    ObjectiveLevel,
    OrganisationKind,
    OrganisationRoleKind,
    PaymentKind,
)
from qpvdesk.core.domain.models import (
    Action,
    BudgetLine,
    CallForProjects,
    Contract,
    Dossier,
    Envelope,
    Funding,
    Objective,
    Organisation,
    OrganisationRole,
    Payment,
    call_envelope,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold

DEMO_YEARS = (2025, 2026)
FICTITIOUS = " (fictif)"

ASSOCIATIONS = [
    "Association Les Petits Pas du Ronel",
    "Collectif Place des Tilleuls",
    "Atelier Mosaïque et Quartier",
    "Ludothèque La Toupie Clermontaise",
    "Club Sportif Cœur de Ville",
    "Compagnie Théâtre du Pont-Neuf",
    "Entraide Numérique du Centre",
    "Femmes Solidaires du Lac",
    "Jardins Partagés de la Lergue",
    "Maison des Langues Voisines",
    "Boutique Éphémère Coopérative",
    "Parents Ensemble Clermont",
]

ACTION_TITLES = [
    "Accompagnement à la scolarité en petits groupes",
    "Ateliers parents-enfants du mercredi",
    "Permanences d'aide aux démarches en ligne",
    "Ateliers de conversation en français",
    "Animations de rue en soirée l'été",
    "Chantier jeunes de rénovation du mobilier urbain",
    "Sport au féminin dans les espaces publics",
    "Théâtre-forum sur les discriminations",
    "Jardin partagé et cuisine collective",
    "Boutique test pour créateurs du quartier",
    "Café des familles",
    "Parcours découverte des métiers",
    "Sorties culturelles pour les adolescents",
    "Médiation santé et prévention des addictions",
    "Fête de quartier co-construite",
    "Repair café et réemploi",
    "Permanence emploi itinérante",
    "Stage de code de la route accéléré",
    "Ateliers de création numérique",
    "Accueil des nouveaux habitants",
    "Mentorat collégiens-lycéens",
    "Ateliers bien vieillir",
]


def add_demo_programmation(session: Session, seed: int = 2030) -> int:
    """Add the fictitious programmation on top of the built-in contract; returns dossier count."""
    rng = random.Random(seed)
    contract = session.scalars(select(Contract)).one()
    operational = list(
        session.scalars(
            select(Objective)
            .where(Objective.level == ObjectiveLevel.OPERATIONAL)
            .order_by(Objective.code)
        )
    )
    lines = list(session.scalars(select(BudgetLine).order_by(BudgetLine.id)))
    specific = [line for line in lines if line.nature is FundingNature.SPECIFIC][:3]
    common = [line for line in lines if line.nature is FundingNature.COMMON_LAW][:5]
    holders = []
    for index, name in enumerate(ASSOCIATIONS):
        full = name + FICTITIOUS
        organisation = Organisation(
            name=full,
            search_name=fold(full),
            kind=OrganisationKind.ASSOCIATION,
            rna=f"W34{index + 1:07d}",
            address=f"{rng.randint(1, 40)} rue imaginaire, 34800 Clermont-l'Hérault",
            email=f"contact@asso{index + 1}.invalid",
        )
        organisation.roles = [OrganisationRole(role=OrganisationRoleKind.PROJECT_HOLDER)]
        session.add(organisation)
        holders.append(organisation)
    session.flush()

    envelopes: dict[tuple[int, int], Envelope] = {}
    for year in DEMO_YEARS:
        call = CallForProjects(
            contract_id=contract.id,
            year=year,
            title=f"Appel à projets contrat de ville {year}",
            opens_on=date(year - 1, 11, 15),
            closes_on=date(year, 1, 31),
            state=CallState.PROGRAMMED if year == DEMO_YEARS[0] else CallState.CLOSED,
        )
        session.add(call)
        session.flush()
        for line in specific + common:
            amount = Money.from_euros(rng.choice([30_000, 45_000, 60_000, 80_000, 120_000]))
            envelope = Envelope(budget_line_id=line.id, year=year, amount=amount)
            session.add(envelope)
            session.flush()
            envelopes[(line.id, year)] = envelope
            session.execute(call_envelope.insert().values(call_id=call.id, envelope_id=envelope.id))

        titles = ACTION_TITLES[: 20 if year == DEMO_YEARS[0] else 22]
        for count, (index, title) in enumerate(enumerate(titles), start=1):
            holder = holders[index % len(holders)]
            objective = operational[(index * 7) % len(operational)]
            action = _action_for(session, contract.id, title, holder, objective, year)
            cost = Money.from_euros(rng.randrange(4_000, 60_000, 500))
            state = _state_for(year, index)
            dossier = Dossier(
                reference=f"{year}-{count:03d}",
                year=year,
                sequence=count,
                call_id=call.id,
                action_id=action.id,
                holder_id=holder.id,
                objective_id=objective.id,
                state=state,
                received_on=date(year, 1, rng.randint(5, 31)),
                total_cost=cost,
                is_renewal=year != DEMO_YEARS[0] and index < 20,
                search_text=fold(f"{year}-{count:03d} {holder.name} {title}"),
            )
            session.add(dossier)
            session.flush()
            funders = [rng.choice(specific), *rng.sample(common, k=rng.randint(1, 2))]
            for line in funders:
                share = rng.choice([10, 15, 20, 25, 30])
                requested = Money(cost.cents * share // 100 // 10_000 * 10_000)
                proposed = granted = None
                if state not in (
                    DossierState.RECEIVED,
                    DossierState.COMPLETE,
                    DossierState.UNDER_REVIEW,
                    DossierState.INCOMPLETE,
                ):
                    proposed = Money(requested.cents * rng.choice([80, 100]) // 100)
                if state in (
                    DossierState.APPROVED,
                    DossierState.AGREEMENT_SIGNED,
                    DossierState.PAID,
                    DossierState.REPORT_RECEIVED,
                    DossierState.CLOSED,
                ):
                    granted = proposed
                funding = Funding(
                    action_id=action.id,
                    dossier_id=dossier.id,
                    budget_line_id=line.id,
                    year=year,
                    requested=requested,
                    proposed=proposed,
                    granted=granted,
                )
                session.add(funding)
                session.flush()
                if granted and state in (
                    DossierState.PAID,
                    DossierState.REPORT_RECEIVED,
                    DossierState.CLOSED,
                ):
                    advance = Money(granted.cents * 70 // 100)
                    session.add(
                        Payment(
                            funding_id=funding.id,
                            kind=PaymentKind.ADVANCE,
                            amount=advance,
                            paid_on=date(year, 5, 15),
                        )
                    )
                    if state is not DossierState.PAID:
                        session.add(
                            Payment(
                                funding_id=funding.id,
                                kind=PaymentKind.BALANCE,
                                amount=granted - advance,
                                paid_on=date(year, 12, 10),
                            )
                        )
    session.flush()
    return int(sum(1 for _ in session.scalars(select(Dossier.id))))


def _action_for(
    session: Session,
    contract_id: int,
    title: str,
    holder: Organisation,
    objective: Objective,
    year: int,
) -> Action:
    existing = session.scalars(
        select(Action).where(Action.title == title, Action.holder_id == holder.id)
    ).first()
    if existing is not None:
        existing.end_year = year
        existing.state = ActionState.RUNNING
        return existing
    action = Action(
        contract_id=contract_id,
        title=title,
        holder_id=holder.id,
        objective_id=objective.id,
        kind=ActionKind.CALL_FOR_PROJECTS,
        state=ActionState.RUNNING if year == DEMO_YEARS[0] else ActionState.PLANNED,
        start_year=year,
        end_year=year,
        place="Centre-ville",
    )
    session.add(action)
    session.flush()
    return action


def _state_for(year: int, index: int) -> DossierState:
    if year == DEMO_YEARS[0]:
        cycle = [
            DossierState.CLOSED,
            DossierState.REPORT_RECEIVED,
            DossierState.PAID,
            DossierState.PAID,
            DossierState.REFUSED,
        ]
        return cycle[index % len(cycle)]
    cycle = [
        DossierState.RECEIVED,
        DossierState.COMPLETE,
        DossierState.UNDER_REVIEW,
        DossierState.OPINION_GIVEN,
        DossierState.APPROVED,
        DossierState.INCOMPLETE,
    ]
    return cycle[index % len(cycle)]
