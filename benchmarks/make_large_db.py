"""Generate a large, realistic, fictitious programmation: ``make_large_db.py OUT --dossiers N``.

The file is created like any other (built-in contract, migrations, audit
triggers), then filled through SQLAlchemy Core ``insert()`` executemany in one
transaction (performance.md: the ORM's bulk path is ~15x slower). Every
generated organisation name ends with « (fictif) ». Deterministic for a given
seed and current year.

Run from the project root::

    .venv/bin/python benchmarks/make_large_db.py /tmp/large.sqlite --dossiers 50000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select

from qpvdesk.core.domain.enums import (
    ActionKind,
    ActionState,
    AttendanceStatus,
    CallState,
    CommitteeKind,
    DossierState,
    FollowUpState,
    FundingNature,
    MeetingState,
    ObjectiveLevel,
    Opinion,
    OrganisationKind,
    OrganisationRoleKind,
    PaymentKind,
    StateThemeLevel,
)
from qpvdesk.core.domain.models import (
    Action,
    AgendaItem,
    Attendance,
    AuditEntry,
    BudgetLine,
    CallForProjects,
    Committee,
    Contract,
    CrossCuttingTheme,
    Decision,
    DecisionAmount,
    Dossier,
    DossierEvent,
    Envelope,
    FollowUp,
    Funding,
    Meeting,
    Objective,
    Organisation,
    OrganisationRole,
    Payment,
    StateTheme,
    action_theme,
    call_envelope,
    call_objective,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.engine import make_engine

YEARS = tuple(range(2024, 2031))
ORGANISATIONS = 5000
MEETINGS = 500  # held, with decisions, over the years up to the current one
PROGRAMMING_DECISIONS = 300  # the yearly COPIL de programmation (the relevé benchmark)
OPEN_AGENDA = 30  # dossiers on the agenda of the one meeting still open (meeting mode)
ATTENDEES = 12
FICTITIOUS = " (fictif)"
CHUNK = 5000
USER = "generateur"
S = DossierState

PREFIXES = [
    "Association", "Collectif", "Amicale", "Comité", "Union", "Maison", "Centre social",
    "Club", "Compagnie", "Atelier", "Cercle", "Fédération", "Foyer", "Entraide", "Réseau",
    "Ludothèque", "École", "Coopérative",
]  # fmt: skip
SUBJECTS = [
    "sportive", "culturelle", "des parents d'élèves", "d'éducation populaire", "de prévention",
    "d'insertion", "des habitants", "solidaire", "numérique", "théâtrale", "musicale",
    "des jeunes", "des femmes", "de médiation", "pour l'emploi", "du livre", "des aînés",
    "écologique", "de santé", "de l'économie sociale", "des familles", "d'alphabétisation",
    "du vivre-ensemble", "des arts de la rue",
]  # fmt: skip
PLACES = [
    "du Centre-ville", "des Tilleuls", "de la Lergue", "du Pont-Neuf", "de l'Hérault",
    "du Clermontais", "Cœur de Ville", "du Salagou", "des Remparts", "de la Gare", "du Lac",
    "de Rougas", "Saint-Paul", "du Puech", "des Écoles", "de la Halle", "du Château",
    "des Oliviers", "de la Croix", "du Marché", "Sainte-Thérèse", "des Jardins",
]  # fmt: skip
ACTIVITIES = [
    "Accompagnement à la scolarité", "Ateliers parents-enfants", "Aide aux démarches en ligne",
    "Ateliers de conversation en français", "Animations de rue", "Chantier jeunes",
    "Sport au féminin", "Théâtre-forum", "Jardin partagé", "Boutique test",
    "Café des familles", "Découverte des métiers", "Sorties culturelles", "Médiation santé",
    "Fête de quartier", "Repair café", "Permanence emploi", "Code de la route",
    "Création numérique", "Accueil des nouveaux habitants", "Mentorat", "Ateliers bien vieillir",
    "Éveil musical", "Orchestre à l'école", "Prévention des addictions", "Soutien aux élèves",
    "Coup de pouce lecture", "Chantier d'insertion", "Auto-école sociale", "Micro-crèche",
]  # fmt: skip
PUBLICS = [
    "pour les élèves du primaire", "pour les collégiens", "pour les lycéens",
    "pour les 16-25 ans", "pour les femmes isolées", "pour les seniors", "pour les familles",
    "pour les demandeurs d'emploi", "pour les nouveaux arrivants", "pour tous les habitants",
    "en soirée l'été", "le mercredi", "pendant les vacances", "hors les murs",
]  # fmt: skip
EDITIONS = [
    "nouvelle formule", "édition renforcée", "avec les écoles", "en partenariat avec la CAF",
    "avec le centre social", "hors temps scolaire", "cycle d'automne", "cycle de printemps",
]  # fmt: skip
FOLLOW_UPS = [
    "Relancer l'association pour les pièces manquantes",
    "Transmettre le relevé de décision aux financeurs",
    "Organiser une visite de l'action",
    "Préparer la convention pluriannuelle",
    "Vérifier l'attestation d'assurance",
    "Compléter les indicateurs de réalisation",
]

# State mix by position of the dossier's year against the current year.
PAST_STATES = {
    S.CLOSED: 34, S.REPORT_RECEIVED: 18, S.PAID: 16, S.AGREEMENT_SIGNED: 3, S.REFUSED: 14,
    S.WITHDRAWN: 5, S.POSTPONED: 3, S.APPROVED: 2,
}  # fmt: skip
CURRENT_STATES = {
    S.RECEIVED: 7, S.INCOMPLETE: 6, S.COMPLETE: 7, S.UNDER_REVIEW: 11, S.OPINION_GIVEN: 9,
    S.APPROVED: 13, S.REFUSED: 8, S.POSTPONED: 3, S.WITHDRAWN: 3, S.AGREEMENT_SIGNED: 15,
    S.PAID: 15, S.REPORT_RECEIVED: 3,
}  # fmt: skip
FUTURE_STATES = {S.RECEIVED: 40, S.INCOMPLETE: 15, S.COMPLETE: 25, S.UNDER_REVIEW: 20}

# The usual path from reception to each state (an incomplete detour is added at random).
PATH_TO: dict[DossierState, list[DossierState]] = {
    S.RECEIVED: [S.RECEIVED],
    S.INCOMPLETE: [S.RECEIVED, S.INCOMPLETE],
    S.COMPLETE: [S.RECEIVED, S.COMPLETE],
    S.WITHDRAWN: [S.RECEIVED, S.COMPLETE, S.WITHDRAWN],
}
PATH_TO[S.UNDER_REVIEW] = [*PATH_TO[S.COMPLETE], S.UNDER_REVIEW]
PATH_TO[S.OPINION_GIVEN] = [*PATH_TO[S.UNDER_REVIEW], S.OPINION_GIVEN]
for _final in (S.APPROVED, S.REFUSED, S.POSTPONED):
    PATH_TO[_final] = [*PATH_TO[S.OPINION_GIVEN], _final]
PATH_TO[S.AGREEMENT_SIGNED] = [*PATH_TO[S.APPROVED], S.AGREEMENT_SIGNED]
PATH_TO[S.PAID] = [*PATH_TO[S.AGREEMENT_SIGNED], S.PAID]
PATH_TO[S.REPORT_RECEIVED] = [*PATH_TO[S.PAID], S.REPORT_RECEIVED]
PATH_TO[S.CLOSED] = [*PATH_TO[S.REPORT_RECEIVED], S.CLOSED]

OPINION_GIVEN_OR_LATER = {
    S.OPINION_GIVEN, S.APPROVED, S.REFUSED, S.POSTPONED, S.AGREEMENT_SIGNED, S.PAID,
    S.REPORT_RECEIVED, S.CLOSED,
}  # fmt: skip
GRANTED_STATES = {S.APPROVED, S.AGREEMENT_SIGNED, S.PAID, S.REPORT_RECEIVED, S.CLOSED}
OPINION_FOR = {
    S.REFUSED: "unfavourable",
    S.POSTPONED: "postponed",
    **{state: "favourable" for state in GRANTED_STATES},
}
DECISION_TEXTS = [
    None, None, "Avis motivé de la commission.", "Sous réserve des pièces manquantes.",
    "Montant ajusté au budget prévisionnel.", "À revoir l'an prochain avec le porteur.",
]  # fmt: skip


@dataclass
class Examined:
    """A dossier a meeting decides on: its funding rows of the year and what was proposed."""

    dossier_id: int
    title: str
    opinion: Opinion | None
    amounts: list[tuple[int, int]]  # (funding id, proposed cents)


@dataclass
class Catalogue:
    """What the built-in contract already holds and the generator draws on."""

    contract_id: int
    operational: list[int]
    priorities: list[int]
    themes: list[int]
    subthemes: list[int]
    lines: list[tuple[int, FundingNature, str | None]]
    committees: list[tuple[int, CommitteeKind]]


@dataclass
class PlannedAction:
    id: int
    holder: int
    title: str
    objective: int
    subtheme: int
    start_year: int
    end_year: int


@dataclass
class Report:
    """Counts and timings of a generation, printed at the end."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def time(self, name: str, started: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def luhn_complete(digits: str) -> str:
    """*digits* followed by the check digit that makes the whole Luhn-valid."""
    return next(digits + str(d) for d in range(10) if luhn_valid(digits + str(d)))


def fake_siret(rng: random.Random) -> str:
    siren = luhn_complete(f"{rng.randrange(10**7, 10**8):08d}")
    return luhn_complete(f"{siren}{rng.randrange(1, 100):04d}")


def weighted(rng: random.Random, weights: dict[DossierState, int]) -> DossierState:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def read_catalogue(connection: Connection) -> Catalogue:
    contract_id = connection.execute(select(Contract.id)).scalar_one()
    objectives = connection.execute(
        select(Objective.id, Objective.level).order_by(Objective.code)
    ).all()
    return Catalogue(
        contract_id=contract_id,
        operational=[i for i, level in objectives if level is ObjectiveLevel.OPERATIONAL],
        priorities=[i for i, level in objectives if level is ObjectiveLevel.PRIORITY],
        themes=list(connection.execute(select(CrossCuttingTheme.id)).scalars()),
        subthemes=list(
            connection.execute(
                select(StateTheme.id).where(StateTheme.level == StateThemeLevel.SUBTHEME)
            ).scalars()
        ),
        lines=[
            (line_id, nature, code)
            for line_id, nature, code in connection.execute(
                select(BudgetLine.id, BudgetLine.nature, BudgetLine.code).order_by(BudgetLine.id)
            )
        ],
        committees=[
            (committee_id, kind)
            for committee_id, kind in connection.execute(
                select(Committee.id, Committee.kind).order_by(Committee.id)
            )
        ],
    )


def next_id(connection: Connection, column: Any) -> int:
    return int(connection.execute(select(func.coalesce(func.max(column), 0))).scalar_one()) + 1


def chunked(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Generator:
    """Builds the rows, chunk by chunk, and inserts them on one connection."""

    def __init__(self, connection: Connection, dossiers: int, seed: int, current_year: int) -> None:
        self.connection = connection
        self.total = dossiers
        self.rng = random.Random(seed)
        self.current_year = current_year
        self.catalogue = read_catalogue(connection)
        self.report = Report()
        self.holder_names: dict[int, str] = {}
        self.call_ids: dict[int, int] = {}
        self.calls_close: dict[int, date] = {}
        # (budget line, year) → (requested, proposed, granted) cents, to size the envelopes.
        self.line_year: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
        # Per year: the dossiers decided in a meeting, and those waiting for one.
        self.decided: dict[int, list[Examined]] = defaultdict(list)
        self.waiting: dict[int, list[Examined]] = defaultdict(list)
        self.specific = [line for line in self.catalogue.lines if line[1] is FundingNature.SPECIFIC]
        self.common = [line for line in self.catalogue.lines if line[1] is FundingNature.COMMON_LAW]
        self.bop = next(
            (line for line in self.specific if line[2] == "BOP147"), self.catalogue.lines[0]
        )
        self.cpo = next((line for line in self.specific if line[2] == "CPO"), self.bop)

    def insert(self, table: Any, rows: list[dict[str, Any]], name: str) -> None:
        if not rows:
            return
        started = time.perf_counter()
        self.connection.execute(insert(table), rows)
        self.report.time(f"insert {name}", started)
        self.report.counts[name] = self.report.counts.get(name, 0) + len(rows)

    def run(self) -> Report:
        self.organisations()
        self.calls()
        actions, plan = self.plan()
        self.actions(actions)
        for chunk in chunked(plan, CHUNK):
            self.dossiers(chunk, actions)
        self.envelopes()
        self.meetings()
        self.follow_ups()
        return self.report

    def organisations(self) -> None:
        started = time.perf_counter()
        rng = self.rng
        first = next_id(self.connection, Organisation.id)
        names = rng.sample(
            [f"{p} {s} {pl}" for p in PREFIXES for s in SUBJECTS for pl in PLACES], ORGANISATIONS
        )
        sirets: set[str] = set()
        rows, roles = [], []
        for offset, base in enumerate(names):
            org_id = first + offset
            name = base + FICTITIOUS
            siret = None
            if rng.random() < 0.7:
                siret = fake_siret(rng)
                while siret in sirets:
                    siret = fake_siret(rng)
                sirets.add(siret)
            is_company = base.startswith("Coopérative") and rng.random() < 0.5
            rows.append(
                {
                    "id": org_id,
                    "name": name,
                    "search_name": fold(name),
                    "acronym": None,
                    "kind": OrganisationKind.COMPANY
                    if is_company
                    else OrganisationKind.ASSOCIATION,
                    "siret": siret,
                    "rna": None if is_company or rng.random() < 0.15 else f"W34{org_id:07d}",
                    "address": f"{rng.randint(1, 120)} rue imaginaire, 34800 Clermont-l'Hérault",
                    "email": f"contact@structure{org_id}.invalid",
                    "phone": None,
                    "notes": None,
                    "created_at": datetime(2023, 12, 1, tzinfo=UTC),
                    "updated_at": datetime(2023, 12, 1, tzinfo=UTC),
                }
            )
            roles.append({"organisation_id": org_id, "role": OrganisationRoleKind.PROJECT_HOLDER})
            self.holder_names[org_id] = name
        self.report.time("generate", started)
        self.insert(Organisation, rows, "organisation")
        self.insert(OrganisationRole, roles, "organisation_role")

    def calls(self) -> None:
        first = next_id(self.connection, CallForProjects.id)
        rows, links = [], []
        for offset, year in enumerate(YEARS):
            call_id = first + offset
            if year < self.current_year:
                state = CallState.PROGRAMMED
            elif year == self.current_year:
                state = CallState.CLOSED
            else:
                state = CallState.DRAFT
            rows.append(
                {
                    "id": call_id,
                    "contract_id": self.catalogue.contract_id,
                    "year": year,
                    "title": f"Appel à projets contrat de ville {year}",
                    "opens_on": date(year - 1, 11, 1),
                    "closes_on": date(year, 1, 31),
                    "state": state,
                    "description": None,
                }
            )
            self.call_ids[year] = call_id
            self.calls_close[year] = date(year, 1, 31)
            links += [{"call_id": call_id, "objective_id": p} for p in self.catalogue.priorities]
        self.insert(CallForProjects, rows, "call_for_projects")
        self.insert(call_objective, links, "call_objective")

    def plan(self) -> tuple[dict[int, PlannedAction], list[tuple[int, int, int, bool]]]:
        """Who asks what each year: (year, sequence, action id, renewal) per dossier."""
        started = time.perf_counter()
        rng = self.rng
        first_action = next_id(self.connection, Action.id)
        holders = list(self.holder_names)
        actions: dict[int, PlannedAction] = {}
        plan: list[tuple[int, int, int, bool]] = []
        previous: list[int] = []
        per_year = [self.total // len(YEARS)] * len(YEARS)
        for index in range(self.total % len(YEARS)):
            per_year[index] += 1
        for year, count in zip(YEARS, per_year, strict=True):
            renewable = list(previous)
            rng.shuffle(renewable)
            this_year: list[int] = []
            for sequence in range(1, count + 1):
                if renewable and rng.random() < 0.45:
                    action = actions[renewable.pop()]
                    action.end_year = year
                    renewal = True
                else:
                    action = PlannedAction(
                        id=first_action + len(actions),
                        holder=rng.choice(holders),
                        title=self.action_title(),
                        objective=rng.choice(self.catalogue.operational),
                        subtheme=rng.choice(self.catalogue.subthemes),
                        start_year=year,
                        end_year=year,
                    )
                    actions[action.id] = action
                    renewal = False
                this_year.append(action.id)
                plan.append((year, sequence, action.id, renewal))
            previous = this_year
        self.report.time("generate", started)
        return actions, plan

    def action_title(self) -> str:
        """Mostly distinct titles, as in real programmations (sorting them costs more)."""
        rng = self.rng
        title = f"{rng.choice(ACTIVITIES)} {rng.choice(PUBLICS)}"
        if rng.random() < 0.6:
            title += f" – secteur {rng.choice(PLACES)}"
        if rng.random() < 0.3:
            title += f" ({rng.choice(EDITIONS)})"
        return title

    def actions(self, actions: dict[int, PlannedAction]) -> None:
        started = time.perf_counter()
        rng = self.rng
        rows, themes = [], []
        for action in actions.values():
            if action.end_year < self.current_year:
                state = ActionState.DONE
            elif action.start_year > self.current_year:
                state = ActionState.PLANNED
            else:
                state = ActionState.RUNNING
            rows.append(
                {
                    "id": action.id,
                    "contract_id": self.catalogue.contract_id,
                    "title": action.title,
                    "holder_id": action.holder,
                    "objective_id": action.objective,
                    "state_theme_id": action.subtheme,
                    "kind": ActionKind.CALL_FOR_PROJECTS,
                    "state": state,
                    "start_year": action.start_year,
                    "end_year": action.end_year,
                    "place": "Centre-ville",
                    "public": None,
                    "description": None,
                }
            )
            if self.catalogue.themes and rng.random() < 0.5:
                for theme in rng.sample(self.catalogue.themes, k=rng.randint(1, 2)):
                    themes.append({"action_id": action.id, "theme_id": theme})
        self.report.time("generate", started)
        self.insert(Action, rows, "action")
        self.insert(action_theme, themes, "action_theme")

    def dossiers(
        self, chunk: Sequence[tuple[int, int, int, bool]], actions: dict[int, PlannedAction]
    ) -> None:
        started = time.perf_counter()
        rng = self.rng
        dossier_id = next_id(self.connection, Dossier.id)
        funding_id = next_id(self.connection, Funding.id)
        dossiers, fundings, payments, events = [], [], [], []
        for year, sequence, action_id, renewal in chunk:
            action = actions[action_id]
            if year < self.current_year:
                state = weighted(rng, PAST_STATES)
            elif year == self.current_year:
                state = weighted(rng, CURRENT_STATES)
            else:
                state = weighted(rng, FUTURE_STATES)
            reference = f"{year}-{sequence:03d}"
            close = self.calls_close[year]
            received = close - timedelta(days=rng.randint(0, 80))
            if rng.random() < 0.03:
                received = close + timedelta(days=rng.randint(1, 20))  # late: flagged
            cost = rng.randrange(2_000, 40_000, 100) * (3 if rng.random() < 0.1 else 1) * 100
            last_year = None
            if rng.random() < 0.02 and year <= YEARS[-1] - 2 and state in GRANTED_STATES:
                last_year = year + 2  # a CPO: one funding row a year on the CPO line
            path = list(PATH_TO[state])
            if state is not S.INCOMPLETE and len(path) > 2 and rng.random() < 0.25:
                path.insert(1, S.INCOMPLETE)
            moment = datetime(received.year, received.month, received.day, 9, tzinfo=UTC)
            previous: DossierState | None = None
            for step in path:
                events.append(
                    {
                        "dossier_id": dossier_id,
                        "at": moment,
                        "user": USER,
                        "from_state": previous,
                        "to_state": step,
                        "comment": None,
                    }
                )
                previous = step
                moment += timedelta(days=rng.randint(3, 40), minutes=rng.randint(0, 600))
            updated = moment
            dossiers.append(
                {
                    "id": dossier_id,
                    "reference": reference,
                    "year": year,
                    "sequence": sequence,
                    "call_id": self.call_ids[year],
                    "action_id": action.id,
                    "holder_id": action.holder,
                    "objective_id": action.objective,
                    "state": state,
                    "opinion": OPINION_FOR.get(state),
                    "received_on": received,
                    "total_cost": Money(cost),
                    "is_renewal": renewal,
                    "last_year": last_year,
                    "description": None,
                    "target_public": None,
                    "beneficiaries_expected": rng.randint(8, 200),
                    "beneficiaries_qpv": None,
                    "women_share_percent": rng.randint(20, 80),
                    "starts_on": date(year, 1, 1),
                    "ends_on": date(year, 12, 31),
                    "place": None,
                    "missing_documents": "RIB à jour" if state is S.INCOMPLETE else None,
                    "search_text": fold(
                        f"{reference} {self.holder_names[action.holder]} {action.title}"
                    ),
                    "notes": None,
                    "updated_at": updated,
                }
            )
            examined = Examined(
                dossier_id,
                f"Dossier {reference} — {self.holder_names[action.holder]} — {action.title}"[:500],
                Opinion(OPINION_FOR.get(state, "favourable")),
                [],
            )
            if state in OPINION_GIVEN_OR_LATER and year <= self.current_year:
                self.decided[year].append(examined)
            elif state is S.UNDER_REVIEW and year == self.current_year:
                self.waiting[year].append(examined)
            for line_id, line_year in self.pick_lines(year, last_year):
                requested = cost * rng.choice((8, 10, 12, 15, 20, 25, 30)) // 100 // 10_000 * 10_000
                requested = max(requested, 50_000)
                proposed = granted = None
                decision = None
                if state in OPINION_GIVEN_OR_LATER:
                    proposed = requested * rng.choice((60, 80, 100, 100)) // 100
                    if state is S.REFUSED:
                        proposed = 0
                if state in GRANTED_STATES:
                    granted = proposed
                    if rng.random() < 0.05:
                        granted, decision = 0, "Refus du financeur"
                fundings.append(
                    {
                        "id": funding_id,
                        "action_id": action.id,
                        "dossier_id": dossier_id,
                        "budget_line_id": line_id,
                        "year": line_year,
                        "requested": Money(requested),
                        "proposed": None if proposed is None else Money(proposed),
                        "granted": None if granted is None else Money(granted),
                        "funder_decision": decision,
                        "decided_on": None if granted is None else date(year, 4, 15),
                    }
                )
                if line_year == year:
                    examined.amounts.append((funding_id, proposed or requested))
                totals = self.line_year[(line_id, line_year)]
                totals[0] += requested
                totals[1] += proposed or 0
                totals[2] += granted or 0
                payments += self.payments_for(funding_id, state, granted, line_year)
                funding_id += 1
            dossier_id += 1
        self.report.time("generate", started)
        self.insert(Dossier, dossiers, "dossier")
        self.insert(DossierEvent, events, "dossier_event")
        self.insert(Funding, fundings, "funding")
        self.insert(Payment, payments, "payment")

    def pick_lines(self, year: int, last_year: int | None) -> list[tuple[int, int]]:
        """(budget line id, year) of each funding row: ~4 lines, and a CPO's yearly tranches."""
        rng = self.rng
        count = rng.choice((2, 3, 4, 4, 4, 5, 6))
        yearly = [line for line in self.specific if line != self.cpo] or [self.bop]
        first = self.bop if rng.random() < 0.85 else rng.choice(yearly)
        others = [line for line in self.catalogue.lines if line not in (first, self.cpo)]
        chosen = [first, *rng.sample(others, k=min(count - 1, len(others)))]
        rows = [(line[0], year) for line in chosen]
        if last_year is not None:
            rows += [(self.cpo[0], tranche) for tranche in range(year, last_year + 1)]
        return rows

    def payments_for(
        self, funding_id: int, state: DossierState, granted: int | None, year: int
    ) -> list[dict[str, Any]]:
        if not granted or granted < 200:
            return []
        rng = self.rng
        with_balance = state in (S.REPORT_RECEIVED, S.CLOSED)
        with_advance = (
            with_balance or state is S.PAID or (state is S.AGREEMENT_SIGNED and rng.random() < 0.3)
        )
        if not with_advance:
            return []
        advance = granted * rng.choice((50, 60, 70, 80)) // 100
        rows = [
            {
                "funding_id": funding_id,
                "kind": PaymentKind.ADVANCE,
                "amount": Money(advance),
                "paid_on": date(year, rng.randint(4, 7), rng.randint(1, 28)),
                "due_on": None,
                "reference": None,
            }
        ]
        if with_balance:
            rows.append(
                {
                    "funding_id": funding_id,
                    "kind": PaymentKind.BALANCE,
                    "amount": Money(granted - advance),
                    "paid_on": date(year + 1, rng.randint(1, 6), rng.randint(1, 28)),
                    "due_on": None,
                    "reference": None,
                }
            )
        return rows

    def envelopes(self) -> None:
        rng = self.rng
        first = next_id(self.connection, Envelope.id)
        rows, links = [], []
        for offset, ((line_id, year), (requested, proposed, granted)) in enumerate(
            sorted(self.line_year.items())
        ):
            base = max(granted, proposed, requested * 7 // 10)
            amount = base * rng.choice((90, 100, 105, 110, 120)) // 100 // 100_000 * 100_000
            rows.append(
                {
                    "id": first + offset,
                    "budget_line_id": line_id,
                    "year": year,
                    "amount": Money(max(amount, 100_000)),
                    "notes": None,
                }
            )
            if year in self.call_ids:
                links.append({"call_id": self.call_ids[year], "envelope_id": first + offset})
        self.insert(Envelope, rows, "envelope")
        self.insert(call_envelope, links, "call_envelope")

    def meetings(self) -> None:
        """MEETINGS held meetings over the years up to the current one, each with decisions.

        Each year opens with a COPIL de programmation deciding on PROGRAMMING_DECISIONS
        dossiers; the year's other decided dossiers are shared among the other meetings
        (commissions, COTECH, comité des financeurs). One meeting of the current year is
        still open, with OPEN_AGENDA dossiers under review on its agenda and no decision.
        """
        started = time.perf_counter()
        rng = self.rng
        years = [year for year in YEARS if year <= self.current_year and self.decided[year]]
        copils = [c for c, kind in self.catalogue.committees if kind is CommitteeKind.COPIL]
        others = [c for c, kind in self.catalogue.committees if kind is not CommitteeKind.COPIL]
        if not years or not self.catalogue.committees:
            return
        copil = (copils or others)[0]
        others = others or [copil]
        meeting_id = next_id(self.connection, Meeting.id)
        item_id = next_id(self.connection, AgendaItem.id)
        decision_id = next_id(self.connection, Decision.id)
        holders = list(self.holder_names)
        meetings, items, decisions, amounts, attendance = [], [], [], [], []

        def add_meeting(committee: int, day: date, state: MeetingState) -> int:
            nonlocal meeting_id
            starts = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
            meetings.append(
                {
                    "id": meeting_id,
                    "committee_id": committee,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=3),
                    "place": "Salle du conseil municipal",
                    "state": state,
                    "notes": None,
                    "current_position": None,
                }
            )
            for organisation in rng.sample(holders, k=min(ATTENDEES, len(holders))):
                attendance.append(
                    {
                        "meeting_id": meeting_id,
                        "contact_id": None,
                        "organisation_id": organisation,
                        "guest_name": None,
                        "status": rng.choice(list(AttendanceStatus)),
                        "represented_by": None,
                        "remarks": None,
                    }
                )
            meeting_id += 1
            return meeting_id - 1

        def add_point(meeting: int, position: int, dossier: Examined, decided_at: datetime) -> None:
            nonlocal item_id, decision_id
            items.append(
                {
                    "id": item_id,
                    "meeting_id": meeting,
                    "position": position,
                    "title": dossier.title,
                    "dossier_id": dossier.dossier_id,
                    "notes": None,
                }
            )
            if dossier.opinion is not None:
                decisions.append(
                    {
                        "id": decision_id,
                        "meeting_id": meeting,
                        "agenda_item_id": item_id,
                        "dossier_id": dossier.dossier_id,
                        "opinion": dossier.opinion,
                        "text": rng.choice(DECISION_TEXTS),
                        "position": position + 1,
                        "recorded_at": decided_at,
                    }
                )
                if dossier.opinion is not Opinion.POSTPONED:
                    for funding_id, cents in dossier.amounts:
                        amounts.append(
                            {
                                "decision_id": decision_id,
                                "funding_id": funding_id,
                                "amount": Money(0)
                                if dossier.opinion is Opinion.UNFAVOURABLE
                                else Money(cents),
                            }
                        )
                decision_id += 1
            item_id += 1

        per_year = [MEETINGS // len(years)] * len(years)
        for index in range(MEETINGS % len(years)):
            per_year[index] += 1
        for year, count in zip(years, per_year, strict=True):
            state = MeetingState.RECORD_SENT if year < self.current_year else MeetingState.HELD
            dossiers = self.decided[year]
            programming, rest = dossiers[:PROGRAMMING_DECISIONS], dossiers[PROGRAMMING_DECISIONS:]
            count = min(count, 1 + len(rest))  # a small file: no meeting without a decision
            groups = [programming] + [rest[i :: count - 1] for i in range(count - 1)]
            for number, group in enumerate(groups):
                committee = copil if number == 0 else others[number % len(others)]
                day = date(year, 3, 1) + timedelta(days=number * 270 // count)
                meeting = add_meeting(committee, day, state)
                decided_at = datetime(day.year, day.month, day.day, 14, tzinfo=UTC)
                for position, dossier in enumerate(group):
                    add_point(meeting, position, dossier, decided_at)
        waiting = self.waiting[self.current_year][:OPEN_AGENDA]
        if waiting:
            day = date(self.current_year, 12, 1)
            meeting = add_meeting(others[0], day, MeetingState.PLANNED)
            for position, dossier in enumerate(waiting):
                pending = Examined(dossier.dossier_id, dossier.title, None, [])
                add_point(meeting, position, pending, datetime(day.year, 12, 1, tzinfo=UTC))
        self.report.time("generate", started)
        self.insert(Meeting, meetings, "meeting")
        self.insert(Attendance, attendance, "attendance")
        self.insert(AgendaItem, items, "agenda_item")
        self.insert(Decision, decisions, "decision")
        self.insert(DecisionAmount, amounts, "decision_amount")

    def follow_ups(self) -> None:
        rng = self.rng
        count = max(10, self.total // 100)
        rows = []
        for _ in range(count):
            due = date(self.current_year, 1, 1) + timedelta(days=rng.randint(-200, 365))
            state = FollowUpState.OPEN if rng.random() < 0.6 else FollowUpState.DONE
            rows.append(
                {
                    "contract_id": self.catalogue.contract_id,
                    "meeting_id": None,
                    "decision_id": None,
                    "what": rng.choice(FOLLOW_UPS),
                    "who": "Cheffe de projet",
                    "due_on": due,
                    "state": state,
                    "done_on": due if state is FollowUpState.DONE else None,
                }
            )
        self.insert(FollowUp, rows, "follow_up")


def generate(out: Path, dossiers: int, seed: int = 2030, current_year: int | None = None) -> Report:
    """Create *out* with the built-in contract, then *dossiers* fictitious dossiers on top."""
    year = current_year or min(max(date.today().year, YEARS[0]), YEARS[-1])
    started = time.perf_counter()
    create_new_database(out, "builtin")
    created = time.perf_counter()
    engine = make_engine(out)
    try:
        with engine.begin() as connection:
            report = Generator(connection, dossiers, seed, year).run()
            report.counts["audit_entry"] = int(
                connection.execute(select(func.count(AuditEntry.id))).scalar_one()
            )
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    report.seconds["create_new_database"] = created - started
    report.seconds["total"] = time.perf_counter() - started
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the database file to create (must not exist)")
    parser.add_argument("--dossiers", type=int, default=50_000, help="number of dossiers")
    parser.add_argument("--seed", type=int, default=2030, help="random seed (deterministic)")
    parser.add_argument(
        "--current-year",
        type=int,
        default=None,
        help="the year taken as « now » for the states (default: this year, within 2024–2030)",
    )
    args = parser.parse_args(argv)
    if args.dossiers < 1:
        parser.error("--dossiers must be positive")
    report = generate(args.out, args.dossiers, args.seed, args.current_year)
    print(f"{args.out}: {args.dossiers} dossiers in {report.seconds['total']:.1f} s")
    for name, count in report.counts.items():
        print(f"  {name:<20} {count:>9}")
    for name, seconds in sorted(report.seconds.items(), key=lambda item: -item[1]):
        print(f"  {name:<28} {seconds:7.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
