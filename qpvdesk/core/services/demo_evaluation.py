"""The evaluation side of the demo: indicators, two comptes rendus, links, context, participation.

Added on top of `demo.add_demo_programmation`, through the same services the window
uses: ready-made indicators on several actions (planned figures from their
dossiers, achieved ones for 2025 and part of 2026), an objective indicator and two
action-specific ones, the CERFA 15059 compte rendu financier of two 2025 dossiers
(which move to « Bilan reçu »), links from the contract's three evaluative
questions to indicators and actions, 2025 and 2026 values of a few context
figures (clearly marked as invented), three participation events, action states
and progress notes. Deterministic; parts whose demo actions are missing are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import (
    ActionKind,
    ActionState,
    DossierState,
    MeasurementKind,
    Territory,
)
from qpvdesk.core.domain.models import (
    Action,
    BudgetEntry,
    Dossier,
    EvaluativeQuestion,
    Indicator,
    Measurement,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.services import actions as act
from qpvdesk.core.services import indicators as ind
from qpvdesk.core.services import observation as obs

FICTITIOUS_SOURCE = "Démonstration : valeur fictive"
GRANTED = frozenset(
    {
        DossierState.APPROVED,
        DossierState.AGREEMENT_SIGNED,
        DossierState.PAID,
        DossierState.REPORT_RECEIVED,
        DossierState.CLOSED,
    }
)

# Actions of the demo given the ready-made indicators, by title.
WITH_PRESETS = (
    "Accompagnement à la scolarité en petits groupes",
    "Ateliers parents-enfants du mercredi",
    "Permanences d'aide aux démarches en ligne",
    "Sport au féminin dans les espaces publics",
    "Boutique test pour créateurs du quartier",
    "Parcours découverte des métiers",
    "Café des familles",
    "Permanence emploi itinérante",
)
# Achieved as a share of planned, in turn (deterministic, some above, most below).
ACHIEVED_SHARES = (Decimal("0.92"), Decimal("1.05"), Decimal("0.85"), Decimal("0.97"))
# Share of beneficiaries under 26, per action (from its public).
UNDER_26 = {
    "Accompagnement à la scolarité en petits groupes": Decimal("1"),
    "Ateliers parents-enfants du mercredi": Decimal("0.55"),
    "Sport au féminin dans les espaces publics": Decimal("0.45"),
    "Parcours découverte des métiers": Decimal("1"),
}

QUESTION_LINKS: dict[int, dict[str, tuple[str, ...]]] = {
    # 1. Mixité.
    0: {
        "actions": (
            "Café des familles",
            "Théâtre-forum sur les discriminations",
            "Sport au féminin dans les espaces publics",
            "Ateliers parents-enfants du mercredi",
        ),
        "indicators": ("dont femmes", "dont habitants du QPV"),
    },
    # 2. Situation économique.
    1: {
        "actions": (
            "Parcours découverte des métiers",
            "Permanence emploi itinérante",
            "Boutique test pour créateurs du quartier",
            "Permanences France Travail au cœur du quartier",
        ),
        "indicators": ("Bénéficiaires", "dont moins de 26 ans", "Demi-journées de permanence"),
    },
    # 3. Coopération des acteurs.
    2: {
        "actions": (
            "Centre social de proximité : animation de la vie sociale",
            "Médiation sociale de proximité du bailleur",
            "Contrat local d'accompagnement à la scolarité",
            "Permanences d'aide aux démarches en ligne",
        ),
        "indicators": ("Partenaires mobilisés", "Bénéficiaires"),
    },
}

CONTEXT_FIGURES = (
    # indicator, territory, name (None: the contract's), unit, {year: value}
    ("Taux de pauvreté", Territory.QPV, None, "%", {2025: "41.5", 2026: "40.2"}),
    ("Taux de pauvreté", Territory.TOWN, None, "%", {2025: "22.6", 2026: "22.1"}),
    ("Taux de pauvreté", Territory.DEPARTMENT, "Hérault", "%", {2025: "18.4", 2026: "18.3"}),
    ("Taux de chômage", Territory.QPV, None, "%", {2025: "28.3", 2026: "26.9"}),
    ("Taux de chômage", Territory.TOWN, None, "%", {2025: "21.4", 2026: "20.8"}),
    ("Taux de chômage", Territory.DEPARTMENT, "Hérault", "%", {2025: "15.7", 2026: "15.2"}),
    (
        "Jeunes en premier accueil à la Mission Locale",
        Territory.TOWN,
        None,
        "nombre",
        {2025: "141", 2026: "128"},
    ),
)

PARTICIPATION = (
    obs.ParticipationInput(
        held_on=date(2025, 3, 15),
        kind="Diagnostic en marchant",
        place="Centre-ville, départ place du marché",
        participants=18,
        themes="Cadre de vie ; tranquillité publique ; égalité femmes-hommes",
        outcome="Six points noirs d'éclairage et deux passages peu sûrs relevés, transmis aux "
        "services techniques ; une marche exploratoire de femmes proposée pour l'automne.",
    ),
    obs.ParticipationInput(
        held_on=date(2025, 10, 8),
        kind="Recueil de parole",
        place="Marché du mercredi et sortie des écoles",
        participants=42,
        themes="Offre de loisirs des jeunes ; accès aux droits",
        outcome="Demande d'horaires d'ouverture en soirée pour les adolescents ; méconnaissance "
        "des permanences d'accès aux droits : un dépliant commun sera diffusé.",
    ),
    obs.ParticipationInput(
        held_on=date(2026, 2, 12),
        kind="Réunion publique",
        place="Salle des fêtes",
        participants=35,
        themes="Bilan 2025 du contrat de ville ; appel à projets 2026",
        outcome="Présentation du bilan 2025 ; trois idées d'actions portées par des habitants "
        "orientées vers le fonds de participation des habitants.",
    ),
)

REPORT_TEXTS = (
    "L'action s'est déroulée comme prévu de janvier à décembre, au cœur du quartier. "
    "La fréquentation a été régulière ; les familles les plus éloignées ont été touchées "
    "grâce au travail d'« aller vers » avec le centre social. Les écarts au budget "
    "tiennent à un poste d'animation recruté en mars plutôt qu'en janvier.",
    "Les objectifs quantitatifs sont presque atteints. Le partenariat avec le collège et "
    "la médiathèque s'est renforcé ; un groupe de parents s'est constitué et prendra en "
    "charge une partie de l'organisation l'an prochain. Les frais de déplacement ont "
    "dépassé la prévision (sorties supplémentaires).",
)

NOTES = (
    (
        "Jardin partagé et cuisine collective",
        date(2025, 6, 30),
        "Plantations de printemps avec 25 habitants ; convention d'occupation du terrain "
        "signée avec la commune ; un repas partagé par mois depuis mai.",
    ),
    (
        "Parcours découverte des métiers",
        date(2025, 11, 18),
        "Point d'étape avec France Travail : 9 jeunes en formation qualifiante, 4 en emploi.",
    ),
    (
        "Médiation sociale de proximité du bailleur",
        date(2026, 1, 22),
        "Le bailleur confirme le maintien du poste de médiateur en 2026.",
    ),
)


@dataclass(frozen=True, slots=True)
class DemoEvaluation:
    """What `add_demo_evaluation` added."""

    indicators: int
    measurements: int
    reports: tuple[int, ...]  # dossier ids with a compte rendu financier
    question_links: int
    figures: int
    events: int


def _scaled(value: Decimal, share: Decimal) -> Decimal:
    return (value * share).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def add_demo_evaluation(session: Session) -> DemoEvaluation:
    """Add the evaluation demo on top of the demo programmation (see the module docstring)."""
    actions = {
        title: action_id for action_id, title in session.execute(select(Action.id, Action.title))
    }
    reports = _report_dossiers(session)
    report_actions = {action_id for _, action_id in reports}
    indicators_before = _count(session, Indicator)
    measurements_before = _count(session, Measurement)

    for position, title in enumerate(WITH_PRESETS):
        action_id = actions.get(title)
        if action_id is None:
            continue
        ind.add_preset_indicators(session, action_id)
        _under_26_planned(session, action_id, UNDER_26.get(title))
        if action_id not in report_actions:
            _achieved_from_bilan(session, action_id, position)
    for _, action_id in reports:
        ind.add_preset_indicators(session, action_id)
    specific = _specific_indicators(session, actions)

    reported = []
    for number, (dossier_id, action_id) in enumerate(reports):
        reported.append(_financial_report(session, dossier_id, action_id, number))

    links = _question_links(session, actions, specific)
    figures = _context_figures(session)
    for event in PARTICIPATION:
        obs.create_participation(session, event)
    _states_and_notes(session, actions)
    session.flush()
    return DemoEvaluation(
        indicators=_count(session, Indicator) - indicators_before,
        measurements=_count(session, Measurement) - measurements_before,
        reports=tuple(reported),
        question_links=links,
        figures=figures,
        events=len(PARTICIPATION),
    )


def _count(session: Session, model: type[Indicator] | type[Measurement]) -> int:
    return len(session.scalars(select(model.id)).all())


def _report_dossiers(session: Session) -> list[tuple[int, int]]:
    """Two 2025 dossiers paid and waiting for their compte rendu: (dossier id, action id)."""
    return [
        (dossier_id, action_id)
        for dossier_id, action_id in session.execute(
            select(Dossier.id, Dossier.action_id)
            .where(
                Dossier.year == 2025,
                Dossier.state == DossierState.PAID,
                Dossier.last_year.is_(None),
            )
            .order_by(Dossier.sequence)
            .limit(2)
        )
    ]


def _preset_ids(session: Session, action_id: int) -> dict[str, int]:
    return {
        fold(name): indicator_id
        for indicator_id, name in session.execute(
            select(Indicator.id, Indicator.name).where(Indicator.action_id == action_id)
        )
    }


def _under_26_planned(session: Session, action_id: int, share: Decimal | None) -> None:
    """« dont moins de 26 ans » has no field in the dossier: planned from the public."""
    if share is None:
        return
    presets = _preset_ids(session, action_id)
    under_26 = presets.get(fold(ind.PRESETS[3].name))
    total = presets.get(fold(ind.PRESETS[0].name))
    if under_26 is None or total is None:
        return
    row = ind.indicator_rows(session, indicator_ids=[total])[0]
    for value in row.values:
        if value.planned is not None:
            ind.set_measurement(
                session,
                under_26,
                value.year,
                MeasurementKind.PLANNED,
                _scaled(value.planned, share),
                "Public visé par le dossier (estimation)",
            )


def _achieved_from_bilan(session: Session, action_id: int, position: int) -> None:
    """Achieved 2025 values for dossiers already reported; a mid-year count for some in 2026."""
    states = dict(
        session.execute(
            select(Dossier.year, Dossier.state).where(
                Dossier.action_id == action_id, Dossier.last_year.is_(None)
            )
        ).all()
    )
    for row in ind.indicator_rows(session, action_id=action_id):
        for value in row.values:
            if value.planned is None:
                continue
            if value.year == 2025 and states.get(2025) in (
                DossierState.REPORT_RECEIVED,
                DossierState.CLOSED,
            ):
                share = ACHIEVED_SHARES[(position + row.id) % len(ACHIEVED_SHARES)]
                source = "Bilan d'action 2025"
            elif value.year == 2026 and states.get(2026) in GRANTED and position % 2 == 0:
                share = Decimal("0.5")
                source = "Point d'étape à mi-année 2026"
            else:
                continue
            ind.set_measurement(
                session,
                row.id,
                value.year,
                MeasurementKind.ACHIEVED,
                _scaled(value.planned, share),
                source,
            )


def _specific_indicators(session: Session, actions: dict[str, int]) -> dict[str, int]:
    """An objective indicator and two action-specific ones; returns their ids by name."""
    created: dict[str, int] = {}
    cases: tuple[
        tuple[str, str, str, Decimal | None, Decimal, dict[int, tuple[str, str | None]]], ...
    ] = (
        (
            "Permanences France Travail au cœur du quartier",
            "Demi-journées de permanence",
            "demi-journées",
            None,
            Decimal(90),
            {2025: ("90", "84"), 2026: ("90", "46")},
        ),
        (
            "Centre social de proximité : animation de la vie sociale",
            "Partenaires mobilisés",
            "structures",
            Decimal(8),
            Decimal(15),
            {2025: ("10", "12"), 2026: ("12", None)},
        ),
    )
    for title, name, unit, baseline, target, values in cases:
        action_id = actions.get(title)
        if action_id is None:
            continue
        indicator_id = ind.create_indicator(
            session,
            ind.IndicatorInput(
                name=name, unit=unit, baseline=baseline, target=target, action_id=action_id
            ),
        )
        created[name] = indicator_id
        _values(session, indicator_id, values, "Tableau de bord du partenaire")
    objective_id = session.scalar(
        select(Action.objective_id).where(
            Action.id == actions.get("Parcours découverte des métiers")
        )
    )
    if objective_id is not None:
        name = "Jeunes du QPV accédant à un emploi ou une formation"
        indicator_id = ind.create_indicator(
            session,
            ind.IndicatorInput(
                name=name,
                unit="jeunes",
                baseline=Decimal(40),
                target=Decimal(80),
                objective_id=objective_id,
            ),
        )
        created[name] = indicator_id
        _values(
            session,
            indicator_id,
            {2025: ("50", "47"), 2026: ("60", None)},
            "Mission locale et France Travail",
        )
    return created


def _values(
    session: Session,
    indicator_id: int,
    values: dict[int, tuple[str, str | None]],
    source: str,
) -> None:
    for year, (planned, achieved) in values.items():
        ind.set_measurement(
            session, indicator_id, year, MeasurementKind.PLANNED, Decimal(planned), source
        )
        if achieved is not None:
            ind.set_measurement(
                session, indicator_id, year, MeasurementKind.ACHIEVED, Decimal(achieved), source
            )


def _financial_report(session: Session, dossier_id: int, action_id: int, number: int) -> int:
    """The CERFA 15059 of a paid 2025 dossier: achieved budget, bilan, indicators."""
    shares = (98, 103, 91, 100, 96) if number == 0 else (95, 100, 108, 97, 100)
    achieved = {}
    for index, (entry_id, amount) in enumerate(
        session.execute(
            select(BudgetEntry.id, BudgetEntry.planned)
            .where(BudgetEntry.dossier_id == dossier_id)
            .order_by(BudgetEntry.position, BudgetEntry.id)
        )
    ):
        # Whole euros, as the CERFA asks (« ne pas indiquer les centimes »).
        achieved[entry_id] = Money(amount.cents * shares[index % len(shares)] // 100 // 100 * 100)
    values = {}
    for row in ind.indicator_rows(session, action_id=action_id):
        planned = row.value(2025).planned
        if planned is not None:
            share = ACHIEVED_SHARES[(number + row.id) % len(ACHIEVED_SHARES)]
            values[row.id] = _scaled(planned, share)
    received = date(2026, 1, 20) if number == 0 else date(2026, 2, 3)
    ind.record_financial_report(
        session,
        dossier_id,
        achieved,
        REPORT_TEXTS[number % len(REPORT_TEXTS)],
        received,
        values,
        today=received,
    )
    return dossier_id


def _question_links(session: Session, actions: dict[str, int], specific: dict[str, int]) -> int:
    questions = list(
        session.scalars(select(EvaluativeQuestion.id).order_by(EvaluativeQuestion.position))
    )
    measured = set(session.scalars(select(Measurement.indicator_id).distinct()))
    count = 0
    for position, wanted in QUESTION_LINKS.items():
        if position >= len(questions):
            continue
        action_ids = [actions[t] for t in wanted["actions"] if t in actions]
        names = {fold(n) for n in wanted["indicators"]}
        indicator_ids = [
            indicator_id
            for indicator_id, name in session.execute(
                select(Indicator.id, Indicator.name).where(
                    Indicator.action_id.in_(action_ids) | Indicator.id.in_(list(specific.values()))
                )
            )
            if fold(name) in names and indicator_id in measured
        ]
        if position == 1 and "Jeunes du QPV accédant à un emploi ou une formation" in specific:
            indicator_ids.append(specific["Jeunes du QPV accédant à un emploi ou une formation"])
        ind.set_question_links(
            session, questions[position], indicator_ids=indicator_ids, action_ids=action_ids
        )
        count += len(set(indicator_ids)) + len(action_ids)
    return count


def _context_figures(session: Session) -> int:
    count = 0
    for indicator, territory, name, unit, values in CONTEXT_FIGURES:
        for year, value in values.items():
            obs.create_figure(
                session,
                obs.ContextFigureInput(
                    indicator=indicator,
                    territory=territory,
                    territory_name=name,
                    year=year,
                    value=Decimal(value),
                    unit=unit,
                    source=FICTITIOUS_SOURCE,
                ),
            )
            count += 1
    return count


def _states_and_notes(session: Session, actions: dict[str, int]) -> None:
    """Actions with a grant in 2026 (or droit commun) run; a few dated progress notes."""
    running = set(
        session.scalars(
            select(Dossier.action_id).where(
                Dossier.year <= 2026,
                func.coalesce(Dossier.last_year, Dossier.year) >= 2026,
                Dossier.state.in_(list(GRANTED)),
            )
        )
    ) | set(session.scalars(select(Action.id).where(Action.kind == ActionKind.COMMON_LAW)))
    for action_id in sorted(running):
        act.set_action_state(session, action_id, ActionState.RUNNING)
    for title, day, text in NOTES:
        noted = actions.get(title)
        if noted is not None:
            act.add_note(session, noted, day, text)


__all__ = ["DemoEvaluation", "add_demo_evaluation"]
