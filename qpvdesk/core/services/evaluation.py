"""The data of the evaluation reports: bilan annuel, évaluation over years, fiche action.

Reports are built in two steps (data, then rendering): this module builds the data
as frozen dataclasses holding `Money`, `Amounts` and `Decimal`, tested as data; the
ReportLab renderers only lay it out.

- `annual_report_data(session, year)`: the bilan annuel for the COPIL —
  programmation summary (dossiers per state, money per priority, per funder, droit
  commun vs crédits spécifiques), coverage of the operational objectives,
  indicators planned vs achieved, participation, follow-ups, context figures
  compared with the previous years.
- `evaluation_data(session, first_year, last_year)`: the mid-term or final
  evaluation — each evaluative question with its indicators and actions and their
  trajectories year by year, the money per priority per year.
- `action_sheet_data(session, action_id)`: the fiche action.

Money follows the Financements page: a funding row counts in ``Funding.year``, for
its dossier's objective (else its action's), committed = granted, else proposed;
paid = payments with a payment date. Sums of money run in SQL (GROUP BY); sums of
indicator values are computed in Python over exact decimals (SQLite has no exact
decimal arithmetic).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import (
    ActionKind,
    DossierState,
    FollowUpState,
    FundingNature,
    ObjectiveLevel,
    Territory,
)
from qpvdesk.core.domain.models import (
    Action,
    BudgetEntry,
    BudgetLine,
    Contract,
    Dossier,
    FollowUp,
    Funding,
    Neighbourhood,
    Organisation,
)
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services import actions as act
from qpvdesk.core.services import indicators as ind
from qpvdesk.core.services import observation as obs
from qpvdesk.core.services.dossier_list import text_sort_key
from qpvdesk.core.services.finance import Amounts

# States of a dossier whose grant is decided: a compte rendu financier is expected.
GRANTED_STATES = frozenset(
    {
        DossierState.APPROVED,
        DossierState.AGREEMENT_SIGNED,
        DossierState.PAID,
        DossierState.REPORT_RECEIVED,
        DossierState.CLOSED,
    }
)
# How many years back a context figure counts as recent for the bilan annuel.
RECENT_CONTEXT_YEARS = 3
MAX_SPAN = 20


# --- shared rows ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MoneyGroup:
    """Money of a group (a priority, a funder…), droit commun and crédits spécifiques apart."""

    id: int | None
    code: str
    label: str
    common_law: Amounts
    specific: Amounts

    @property
    def total(self) -> Amounts:
        return self.common_law + self.specific


@dataclass(frozen=True, slots=True)
class YearMoney:
    """Money of one year, droit commun and crédits spécifiques apart."""

    year: int
    common_law: Amounts
    specific: Amounts

    @property
    def total(self) -> Amounts:
        return self.common_law + self.specific


@dataclass(frozen=True, slots=True)
class StateCount:
    """How many dossiers are in a state."""

    state: DossierState
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class ContractHeader:
    """Who the report is about."""

    contract_name: str
    contract_code: str | None
    town: str
    neighbourhood: str | None
    neighbourhood_code: str | None
    start_year: int
    end_year: int


def _zero() -> Amounts:
    return Amounts.zero()


def _sum(items: Iterable[Amounts]) -> Amounts:
    total = Amounts.zero()
    for item in items:
        total = total + item
    return total


def _header(session: Session) -> ContractHeader:
    contract = session.scalars(select(Contract)).first()
    if contract is None:
        raise ValidationError("La base ne contient pas de contrat de ville.")
    hood = session.execute(
        select(Neighbourhood.name, Neighbourhood.code).order_by(Neighbourhood.id)
    ).first()
    return ContractHeader(
        contract_name=contract.name,
        contract_code=contract.code,
        town=contract.town,
        neighbourhood=None if hood is None else hood[0],
        neighbourhood_code=None if hood is None else hood[1],
        start_year=contract.start_year,
        end_year=contract.end_year,
    )


def _split(by_nature: dict[FundingNature, Amounts]) -> tuple[Amounts, Amounts]:
    return (
        by_nature.get(FundingNature.COMMON_LAW, _zero()),
        by_nature.get(FundingNature.SPECIFIC, _zero()),
    )


def money_by_priority(session: Session, years: Sequence[int]) -> dict[int, list[MoneyGroup]]:
    """Per year, the money of each priority (and « Sans objectif »), in the framework's order.

    A funding row counts for its dossier's objective, else its action's, rolled up to
    its priority; rows with no objective make a last group whose `id` is None.
    """
    nodes = act.objective_nodes(session)
    sums = act.grouped_amounts(
        session,
        [Funding.year, act.objective_of_funding(), BudgetLine.nature],
        Funding.year.in_(list(years)),
    )
    buckets: dict[tuple[int, int | None], dict[FundingNature, Amounts]] = {}
    for (year, objective_id, nature), amounts in sums.items():
        priority = act.ancestor_at(nodes, objective_id, ObjectiveLevel.PRIORITY)
        bucket = buckets.setdefault((year, priority), {})
        bucket[nature] = bucket.get(nature, _zero()) + amounts
    priorities = sorted(
        (n for n in nodes.values() if n.level is ObjectiveLevel.PRIORITY),
        key=lambda n: _code_key(n.code),
    )
    result: dict[int, list[MoneyGroup]] = {}
    for year in years:
        groups = [
            MoneyGroup(p.id, p.code, p.display_title, *_split(buckets.get((year, p.id), {})))
            for p in priorities
        ]
        if (year, None) in buckets:
            groups.append(MoneyGroup(None, "", "Sans objectif", *_split(buckets[(year, None)])))
        result[year] = groups
    return result


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in code.lstrip("P").split("."))


def money_by_funder(session: Session, year: int) -> list[MoneyGroup]:
    """The money of *year* per funder (the budget line's organisation), French order."""
    sums = act.grouped_amounts(
        session, [BudgetLine.funder_id, BudgetLine.nature], Funding.year == year
    )
    buckets: dict[int, dict[FundingNature, Amounts]] = {}
    for (funder_id, nature), amounts in sums.items():
        buckets.setdefault(funder_id, {})[nature] = amounts
    names = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(list(buckets)))
        ).all()
    )
    groups = [
        MoneyGroup(funder_id, "", names.get(funder_id, ""), *_split(natures))
        for funder_id, natures in buckets.items()
    ]
    groups.sort(key=lambda g: (text_sort_key(g.label), g.id or 0))
    return groups


def money_by_year(session: Session, years: Sequence[int]) -> list[YearMoney]:
    """Each year's money, droit commun and crédits spécifiques apart."""
    sums = act.grouped_amounts(
        session, [Funding.year, BudgetLine.nature], Funding.year.in_(list(years))
    )
    return [
        YearMoney(
            year,
            sums.get((year, FundingNature.COMMON_LAW), _zero()),
            sums.get((year, FundingNature.SPECIFIC), _zero()),
        )
        for year in years
    ]


# --- bilan annuel --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProgrammationSummary:
    """The programmation of a year in figures."""

    year: int
    dossier_count: int
    by_state: tuple[StateCount, ...]
    by_priority: tuple[MoneyGroup, ...]
    by_funder: tuple[MoneyGroup, ...]
    common_law: Amounts
    specific: Amounts
    action_count: int
    common_law_action_count: int
    reports_expected: int
    reports_received: int

    @property
    def total(self) -> Amounts:
        return self.common_law + self.specific

    @property
    def granted_dossiers(self) -> int:
        return sum(s.count for s in self.by_state if s.state in GRANTED_STATES)


@dataclass(frozen=True, slots=True)
class IndicatorLine:
    """An indicator's planned and achieved values in the bilan's year."""

    indicator_id: int
    name: str
    unit: str | None
    owner_label: str
    action_id: int | None
    objective_code: str | None
    planned: Decimal | None
    achieved: Decimal | None
    target: Decimal | None

    @property
    def rate(self) -> Decimal | None:
        return ind.percent(self.achieved, self.planned)


@dataclass(frozen=True, slots=True)
class IndicatorTotal:
    """A ready-made indicator summed over every action that has it (beneficiaries…)."""

    name: str
    unit: str | None
    actions: int
    planned: Decimal
    achieved: Decimal
    # How many of those actions have an achieved value (the others have not reported yet).
    reported: int

    @property
    def rate(self) -> Decimal | None:
        return ind.percent(self.achieved, self.planned)


@dataclass(frozen=True, slots=True)
class FollowUpLine:
    """A follow-up decided in a meeting, and where it stands."""

    id: int
    what: str
    who: str | None
    due_on: date | None
    state: FollowUpState
    state_label: str
    done_on: date | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class ContextLine:
    """A territory's values of a context indicator, aligned on the group's years."""

    territory: Territory
    territory_label: str
    territory_name: str
    values: tuple[Decimal | None, ...]
    latest_year: int
    latest: Decimal
    previous_year: int | None
    previous: Decimal | None

    @property
    def change(self) -> Decimal | None:
        """Latest minus previous value (in the indicator's unit; points for a rate)."""
        return None if self.previous is None else self.latest - self.previous


@dataclass(frozen=True, slots=True)
class ContextGroup:
    """A context indicator compared across territories and years."""

    indicator: str
    unit: str
    years: tuple[int, ...]
    lines: tuple[ContextLine, ...]


@dataclass(frozen=True, slots=True)
class AnnualReport:
    """Everything the bilan annuel of *year* shows."""

    header: ContractHeader
    year: int
    generated_on: date
    programmation: ProgrammationSummary
    coverage: tuple[act.CoverageRow, ...]
    indicators: tuple[IndicatorLine, ...]
    indicator_totals: tuple[IndicatorTotal, ...]
    participation: tuple[obs.ParticipationRow, ...]
    follow_ups: tuple[FollowUpLine, ...]
    context: tuple[ContextGroup, ...]

    @property
    def objectives(self) -> int:
        return sum(1 for row in self.coverage if row.objective_id is not None)

    @property
    def objectives_covered(self) -> int:
        return sum(1 for row in self.coverage if row.objective_id is not None and row.actions)

    @property
    def objectives_without_action(self) -> tuple[act.CoverageRow, ...]:
        return tuple(row for row in self.coverage if row.without_action)

    @property
    def participants(self) -> int:
        return sum(event.participants or 0 for event in self.participation)


def dossier_states(session: Session, year: int) -> list[StateCount]:
    """Dossiers of *year* per state (a multi-year agreement counts in each of its years)."""
    counts = dict(
        session.execute(
            select(Dossier.state, func.count())
            .where(Dossier.year <= year, func.coalesce(Dossier.last_year, Dossier.year) >= year)
            .group_by(Dossier.state)
        ).all()
    )
    return [
        StateCount(state, state.label, int(counts[state]))
        for state in DossierState
        if counts.get(state)
    ]


def programmation_summary(session: Session, year: int) -> ProgrammationSummary:
    """Dossiers per state, money per priority, per funder and per nature, for *year*."""
    by_state = dossier_states(session, year)
    by_priority = money_by_priority(session, [year])[year]
    totals = money_by_year(session, [year])[0]
    action_ids = act.action_ids_in_year(session, year)
    common_law_actions = (
        int(
            session.scalar(
                select(func.count()).where(
                    Action.id.in_(action_ids), Action.kind == ActionKind.COMMON_LAW
                )
            )
            or 0
        )
        if action_ids
        else 0
    )
    # Reports are expected of the year's own dossiers once granted.
    expected, received = session.execute(
        select(
            func.count(),
            func.count(Dossier.report_received_on),
        ).where(Dossier.year == year, Dossier.state.in_(list(GRANTED_STATES)))
    ).one()
    return ProgrammationSummary(
        year=year,
        dossier_count=sum(s.count for s in by_state),
        by_state=tuple(by_state),
        by_priority=tuple(by_priority),
        by_funder=tuple(money_by_funder(session, year)),
        common_law=totals.common_law,
        specific=totals.specific,
        action_count=len(action_ids),
        common_law_action_count=common_law_actions,
        reports_expected=int(expected),
        reports_received=int(received),
    )


def indicator_lines(session: Session, year: int) -> list[IndicatorLine]:
    """Every indicator with a planned or achieved value in *year*."""
    lines = []
    for row in ind.indicator_rows(session):
        value = row.value(year)
        if value.planned is None and value.achieved is None:
            continue
        lines.append(
            IndicatorLine(
                indicator_id=row.id,
                name=row.name,
                unit=row.unit,
                owner_label=row.owner_label,
                action_id=row.action_id,
                objective_code=row.objective_code,
                planned=value.planned,
                achieved=value.achieved,
                target=row.target,
            )
        )
    return lines


def indicator_totals(lines: Sequence[IndicatorLine]) -> list[IndicatorTotal]:
    """The ready-made indicators summed over the actions (only same name and unit add up)."""
    totals: list[IndicatorTotal] = []
    for preset in ind.PRESETS:
        group = [
            line
            for line in lines
            if line.action_id is not None
            and fold(line.name) == fold(preset.name)
            and (line.unit or "") == preset.unit
        ]
        if not group:
            continue
        totals.append(
            IndicatorTotal(
                name=preset.name,
                unit=preset.unit,
                actions=len(group),
                planned=sum((line.planned or Decimal(0) for line in group), Decimal(0)),
                achieved=sum((line.achieved or Decimal(0) for line in group), Decimal(0)),
                reported=sum(1 for line in group if line.achieved is not None),
            )
        )
    return totals


def follow_up_lines(session: Session, year: int, today: date) -> list[FollowUpLine]:
    """Follow-ups of *year*: due or done that year, or still open from before."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    rows = session.execute(
        select(
            FollowUp.id,
            FollowUp.what,
            FollowUp.who,
            FollowUp.due_on,
            FollowUp.state,
            FollowUp.done_on,
        ).where(
            or_(
                FollowUp.due_on.between(first, last),
                FollowUp.done_on.between(first, last),
                (FollowUp.state == FollowUpState.OPEN)
                & (FollowUp.due_on.is_(None) | (FollowUp.due_on <= last)),
            )
        )
    ).all()
    lines = [
        FollowUpLine(
            id=follow_up_id,
            what=what,
            who=who,
            due_on=due_on,
            state=state,
            state_label=state.label,
            done_on=done_on,
            overdue=state is FollowUpState.OPEN and due_on is not None and due_on < today,
        )
        for follow_up_id, what, who, due_on, state, done_on in rows
    ]
    lines.sort(key=lambda f: (f.due_on is None, f.due_on or date.max, f.id))
    return lines


def context_groups(
    session: Session,
    up_to: int,
    *,
    since: int | None = None,
    indicators: Sequence[str] | None = None,
) -> list[ContextGroup]:
    """Context indicators compared across territories, with every year up to *up_to*.

    By default the indicators having a value between *since* (``up_to`` − 2 when None)
    and *up_to*, and values in at least two years to compare; *indicators* names
    them instead. Each territory's line holds its
    values on the group's years, its latest value and the one before.
    """
    since = up_to - (RECENT_CONTEXT_YEARS - 1) if since is None else since
    rows = [row for row in obs.figure_rows(session) if row.year <= up_to]
    if indicators is not None:
        wanted = set(indicators)
        names = [n for n in dict.fromkeys(row.indicator for row in rows) if n in wanted]
    else:
        recent = {row.indicator for row in rows if row.year >= since}
        spans: dict[str, set[int]] = {}
        for row in rows:
            spans.setdefault(row.indicator, set()).add(row.year)
        names = [
            n
            for n in dict.fromkeys(row.indicator for row in rows)
            if n in recent and len(spans[n]) > 1
        ]
    groups = []
    for name in names:
        own = [row for row in rows if row.indicator == name]
        years = tuple(sorted({row.year for row in own}))
        series: dict[tuple[Territory, str], dict[int, Decimal]] = {}
        for row in own:
            series.setdefault((row.territory, row.territory_name), {})[row.year] = row.value
        lines = []
        for (territory, territory_name), values in series.items():
            known = sorted(values)
            lines.append(
                ContextLine(
                    territory=territory,
                    territory_label=territory.label,
                    territory_name=territory_name,
                    values=tuple(values.get(y) for y in years),
                    latest_year=known[-1],
                    latest=values[known[-1]],
                    previous_year=known[-2] if len(known) > 1 else None,
                    previous=values[known[-2]] if len(known) > 1 else None,
                )
            )
        lines.sort(
            key=lambda line: (obs.TERRITORY_ORDER[line.territory], fold(line.territory_name))
        )
        groups.append(ContextGroup(name, own[0].unit, years, tuple(lines)))
    return groups


def annual_report_data(session: Session, year: int, *, today: date | None = None) -> AnnualReport:
    """The bilan annuel of *year* for the COPIL, as data."""
    today = today or date.today()
    header = _header(session)
    lines = indicator_lines(session, year)
    return AnnualReport(
        header=header,
        year=year,
        generated_on=today,
        programmation=programmation_summary(session, year),
        coverage=tuple(act.coverage(session, year)),
        indicators=tuple(lines),
        indicator_totals=tuple(indicator_totals(lines)),
        participation=tuple(obs.participation_rows(session, year=year)),
        follow_ups=tuple(follow_up_lines(session, year, today)),
        context=tuple(context_groups(session, year)),
    )


# --- évaluation ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndicatorTrajectory:
    """An indicator's values over the evaluated years (one point per year, maybe empty)."""

    indicator_id: int
    name: str
    unit: str | None
    owner_label: str
    baseline: Decimal | None
    target: Decimal | None
    points: tuple[ind.IndicatorValue, ...]

    @property
    def first_achieved(self) -> ind.IndicatorValue | None:
        return next((p for p in self.points if p.achieved is not None), None)

    @property
    def last_achieved(self) -> ind.IndicatorValue | None:
        found = [p for p in self.points if p.achieved is not None]
        return found[-1] if found else None

    @property
    def change(self) -> Decimal | None:
        """Last achieved minus the baseline (else the first achieved value)."""
        last = self.last_achieved
        if last is None or last.achieved is None:
            return None
        start = self.baseline
        if start is None:
            first = self.first_achieved
            if first is None or first is last:
                return None
            start = first.achieved
        return None if start is None else last.achieved - start

    @property
    def target_rate(self) -> Decimal | None:
        last = self.last_achieved
        return None if last is None else ind.percent(last.achieved, self.target)


@dataclass(frozen=True, slots=True)
class ActionPoint:
    """An action in one year: its dossier(s) of that year and its money."""

    year: int
    dossier_references: tuple[str, ...]
    dossier_state_labels: tuple[str, ...]
    common_law: Amounts
    specific: Amounts

    @property
    def total(self) -> Amounts:
        return self.common_law + self.specific


@dataclass(frozen=True, slots=True)
class ActionTrajectory:
    """An action over the evaluated years."""

    action_id: int
    title: str
    holder_name: str | None
    objective_code: str | None
    kind_label: str
    state_label: str
    period_label: str
    points: tuple[ActionPoint, ...]

    @property
    def total(self) -> Amounts:
        return _sum(p.total for p in self.points)


@dataclass(frozen=True, slots=True)
class QuestionSection:
    """An evaluative question with what answers it."""

    id: int
    number: int
    text: str
    indicators: tuple[IndicatorTrajectory, ...]
    actions: tuple[ActionTrajectory, ...]
    money: tuple[YearMoney, ...]  # the linked actions' money per year

    @property
    def total(self) -> Amounts:
        return _sum(m.total for m in self.money)


@dataclass(frozen=True, slots=True)
class PriorityYears:
    """A priority's money year by year."""

    id: int | None
    code: str
    label: str
    years: tuple[YearMoney, ...]

    @property
    def total(self) -> Amounts:
        return _sum(y.total for y in self.years)


@dataclass(frozen=True, slots=True)
class CoverageSummary:
    """How many operational objectives had actions in a year."""

    year: int
    objectives: int
    covered: int
    uncovered_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ParticipationYear:
    """Residents' participation in a year: events and participants counted."""

    year: int
    events: int
    participants: int


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """Everything the evaluation of *first_year*–*last_year* shows."""

    header: ContractHeader
    first_year: int
    last_year: int
    generated_on: date
    questions: tuple[QuestionSection, ...]
    money_by_priority: tuple[PriorityYears, ...]
    money_by_year: tuple[YearMoney, ...]
    coverage: tuple[CoverageSummary, ...]
    participation: tuple[ParticipationYear, ...]
    context: tuple[ContextGroup, ...]

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.first_year, self.last_year + 1))

    @property
    def total(self) -> Amounts:
        return _sum(y.total for y in self.money_by_year)


def _trajectory(row: ind.IndicatorRow, years: Sequence[int]) -> IndicatorTrajectory:
    return IndicatorTrajectory(
        indicator_id=row.id,
        name=row.name,
        unit=row.unit,
        owner_label=row.owner_label,
        baseline=row.baseline,
        target=row.target,
        points=tuple(row.value(year) for year in years),
    )


def _action_trajectories(
    session: Session, action_ids: Sequence[int], years: Sequence[int]
) -> dict[int, ActionTrajectory]:
    if not action_ids:
        return {}
    rows = act.action_rows(session, action_ids=action_ids)
    result = {}
    for row in rows:
        points = []
        for year in years:
            money = row.year(year)
            covering = [d for d in row.dossiers if d.year <= year <= (d.last_year or d.year)]
            points.append(
                ActionPoint(
                    year=year,
                    dossier_references=tuple(d.reference for d in covering),
                    dossier_state_labels=tuple(d.state_label for d in covering),
                    common_law=money.common_law,
                    specific=money.specific,
                )
            )
        result[row.id] = ActionTrajectory(
            action_id=row.id,
            title=row.title,
            holder_name=row.holder_name,
            objective_code=row.objective_code,
            kind_label=row.kind_label,
            state_label=row.state_label,
            period_label=row.period_label,
            points=tuple(points),
        )
    return result


def evaluation_data(
    session: Session, first_year: int, last_year: int, *, today: date | None = None
) -> EvaluationReport:
    """The evaluation of *first_year* to *last_year* (2024–2026 at mid-term), as data."""
    if last_year < first_year:
        raise ValidationError(
            f"Années : la dernière année ({last_year}) précède la première ({first_year}).",
            "last_year",
        )
    if last_year - first_year >= MAX_SPAN:
        raise ValidationError(f"Années : {MAX_SPAN} ans au plus.", "last_year")
    today = today or date.today()
    header = _header(session)
    years = list(range(first_year, last_year + 1))
    questions = ind.question_rows(session)
    indicator_ids = sorted({i for q in questions for i in q.indicator_ids})
    indicators = {row.id: row for row in ind.indicator_rows(session, indicator_ids=indicator_ids)}
    action_ids = sorted({a for q in questions for a in q.action_ids})
    trajectories = _action_trajectories(session, action_ids, years)
    sections = []
    for question in questions:
        linked = [trajectories[a] for a in question.action_ids if a in trajectories]
        linked.sort(key=lambda t: (_code_key(t.objective_code or "P999"), t.title.casefold()))
        money = tuple(
            YearMoney(
                year,
                _sum(t.points[i].common_law for t in linked),
                _sum(t.points[i].specific for t in linked),
            )
            for i, year in enumerate(years)
        )
        sections.append(
            QuestionSection(
                id=question.id,
                number=question.number,
                text=question.text,
                indicators=tuple(
                    _trajectory(indicators[i], years)
                    for i in sorted(
                        (i for i in question.indicator_ids if i in indicators),
                        key=lambda i: _indicator_order(indicators[i]),
                    )
                ),
                actions=tuple(linked),
                money=money,
            )
        )
    per_year = money_by_priority(session, years)
    priority_keys: dict[int | None, tuple[str, str]] = {}
    for year in years:
        for group in per_year[year]:
            priority_keys.setdefault(group.id, (group.code, group.label))
    by_priority = []
    for priority_id, (code, label) in priority_keys.items():
        points = []
        for year in years:
            found = next((g for g in per_year[year] if g.id == priority_id), None)
            points.append(
                YearMoney(
                    year,
                    _zero() if found is None else found.common_law,
                    _zero() if found is None else found.specific,
                )
            )
        by_priority.append(PriorityYears(priority_id, code, label, tuple(points)))
    coverage = []
    for year in years:
        rows = [row for row in act.coverage(session, year) if row.objective_id is not None]
        coverage.append(
            CoverageSummary(
                year=year,
                objectives=len(rows),
                covered=sum(1 for row in rows if row.actions),
                uncovered_codes=tuple(row.objective_code for row in rows if not row.actions),
            )
        )
    events = obs.participation_rows(session, years=years)
    participation = tuple(
        ParticipationYear(
            year,
            sum(1 for e in events if e.year == year),
            sum(e.participants or 0 for e in events if e.year == year),
        )
        for year in years
    )
    return EvaluationReport(
        header=header,
        first_year=first_year,
        last_year=last_year,
        generated_on=today,
        questions=tuple(sections),
        money_by_priority=tuple(by_priority),
        money_by_year=tuple(money_by_year(session, years)),
        coverage=tuple(coverage),
        participation=participation,
        context=tuple(context_groups(session, last_year, since=first_year)),
    )


def _indicator_order(row: ind.IndicatorRow) -> tuple[object, ...]:
    return (row.action_id is None, (row.action_title or "").casefold(), fold(row.name), row.id)


# --- fiche action --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionSheet:
    """One page about an action, for a partner or a commission."""

    header: ContractHeader
    generated_on: date
    action: act.ActionDetail
    indicators: tuple[ind.IndicatorRow, ...]
    reports: tuple[ind.FinancialReport, ...]  # of the dossiers whose compte rendu arrived

    @property
    def years(self) -> tuple[act.ActionYear, ...]:
        return self.action.row.years

    @property
    def total(self) -> Amounts:
        return self.action.row.total


def action_sheet_data(
    session: Session, action_id: int, *, today: date | None = None
) -> ActionSheet:
    """The fiche action of *action_id*, as data."""
    detail = act.action_detail(session, action_id)
    # Dossiers whose compte rendu arrived: a date of receipt, or achieved amounts.
    reported = list(
        session.scalars(
            select(Dossier.id)
            .where(
                Dossier.action_id == action_id,
                or_(
                    Dossier.report_received_on.is_not(None),
                    Dossier.id.in_(
                        select(BudgetEntry.dossier_id).where(BudgetEntry.achieved.is_not(None))
                    ),
                ),
            )
            .order_by(Dossier.year, Dossier.sequence)
        )
    )
    return ActionSheet(
        header=_header(session),
        generated_on=today or date.today(),
        action=detail,
        indicators=tuple(ind.indicator_rows(session, action_id=action_id)),
        reports=tuple(ind.financial_report_data(session, dossier_id) for dossier_id in reported),
    )


__all__ = [
    "GRANTED_STATES",
    "ActionPoint",
    "ActionSheet",
    "ActionTrajectory",
    "AnnualReport",
    "ContextGroup",
    "ContextLine",
    "ContractHeader",
    "CoverageSummary",
    "EvaluationReport",
    "FollowUpLine",
    "IndicatorLine",
    "IndicatorTotal",
    "IndicatorTrajectory",
    "MoneyGroup",
    "ParticipationYear",
    "PriorityYears",
    "ProgrammationSummary",
    "QuestionSection",
    "StateCount",
    "YearMoney",
    "action_sheet_data",
    "annual_report_data",
    "context_groups",
    "dossier_states",
    "evaluation_data",
    "follow_up_lines",
    "indicator_lines",
    "indicator_totals",
    "money_by_funder",
    "money_by_priority",
    "money_by_year",
    "programmation_summary",
]
