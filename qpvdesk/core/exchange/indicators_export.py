"""The indicators workbook: what actions and objectives count, year by year, and the context.

« Indicateurs »: one row per indicator and year (attached to an objective or an action,
its unit, baseline and target, the planned and achieved values of the year and their
source); an indicator without any value has one row with the year empty.
« Données de contexte »: the neighbourhood's observed figures (poverty rate,
unemployment…), one row per figure. Values are exact decimals, written the French way
(« 12,5 ») as text: a float would round them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import MeasurementKind, Territory
from qpvdesk.core.domain.models import (
    Action,
    ContextFigure,
    Indicator,
    Measurement,
    Objective,
)
from qpvdesk.core.domain.text import fold
from qpvdesk.core.exchange.xlsx import Column, ColumnKind, Progress, SheetSpec, write_workbook

INDICATOR_COLUMNS = (
    Column("Rattaché à"),
    Column("Code objectif"),
    Column("Objectif ou action", max_width=60),
    Column("Indicateur", max_width=50),
    Column("Unité"),
    Column("Valeur de référence"),
    Column("Cible"),
    Column("Année", ColumnKind.INTEGER),
    Column("Prévu"),
    Column("Réalisé"),
    Column("Source", max_width=40),
)
FIGURE_COLUMNS = (
    Column("Indicateur", max_width=50),
    Column("Territoire"),
    Column("Nom du territoire", max_width=40),
    Column("Année", ColumnKind.INTEGER),
    Column("Valeur"),
    Column("Unité"),
    Column("Source", max_width=60),
)


def _number(value: Decimal | None) -> str | None:
    """An exact decimal the French way (« 12,5 »): written as text, never rounded by a float."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


@dataclass(frozen=True, slots=True)
class IndicatorSheets:
    indicators: tuple[tuple[object, ...], ...]
    figures: tuple[tuple[object, ...], ...]


def indicators_data(session: Session, years: Collection[int] | None = None) -> IndicatorSheets:
    """Indicator values of *years* (all when None) and every context figure."""
    objectives = {
        objective_id: (code, title)
        for objective_id, code, title in session.execute(
            select(Objective.id, Objective.code, Objective.title)
        )
    }
    actions = dict(session.execute(select(Action.id, Action.title)).all())
    values: dict[int, dict[int, dict[MeasurementKind, tuple[Decimal, str | None]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    statement = select(
        Measurement.indicator_id,
        Measurement.year,
        Measurement.kind,
        Measurement.value,
        Measurement.source,
    )
    if years is not None:
        statement = statement.where(Measurement.year.in_(sorted(years)))
    for indicator_id, year, kind, value, source in session.execute(statement):
        values[indicator_id][year][kind] = (value, source)
    rows: list[tuple[object, ...]] = []
    indicators = session.execute(
        select(
            Indicator.id,
            Indicator.action_id,
            Indicator.objective_id,
            Indicator.name,
            Indicator.unit,
            Indicator.baseline,
            Indicator.target,
        )
    ).all()

    def key(record: Any) -> tuple[str, str]:
        objective = objectives.get(record[2]) if record[2] is not None else None
        return (objective[0] if objective else "~", fold(str(record[3])))

    for indicator_id, action_id, objective_id, name, unit, baseline, target in sorted(
        indicators, key=key
    ):
        if action_id is not None:
            attached, code, subject = "Action", None, actions.get(action_id)
        else:
            found = objectives.get(objective_id) if objective_id is not None else None
            code, subject = found if found is not None else (None, None)
            attached = "Objectif"
        base = (attached, code, subject, name, unit, _number(baseline), _number(target))
        by_year = values.get(indicator_id)
        if not by_year:
            if years is None:
                rows.append((*base, None, None, None, None))
            continue
        for year in sorted(by_year):
            planned = by_year[year].get(MeasurementKind.PLANNED)
            achieved = by_year[year].get(MeasurementKind.ACHIEVED)
            sources = [s for s in (achieved and achieved[1], planned and planned[1]) if s]
            rows.append(
                (
                    *base,
                    year,
                    _number(planned[0]) if planned else None,
                    _number(achieved[0]) if achieved else None,
                    sources[0] if sources else None,
                )
            )
    figures = [
        (indicator, Territory(territory).label, territory_name, year, _number(value), unit, source)
        for indicator, territory, territory_name, year, value, unit, source in session.execute(
            select(
                ContextFigure.indicator,
                ContextFigure.territory,
                ContextFigure.territory_name,
                ContextFigure.year,
                ContextFigure.value,
                ContextFigure.unit,
                ContextFigure.source,
            ).order_by(ContextFigure.indicator, ContextFigure.territory, ContextFigure.year)
        )
    ]
    return IndicatorSheets(tuple(rows), tuple(figures))


def export_indicators(
    session: Session,
    path: Path,
    years: Collection[int] | None = None,
    *,
    progress: Progress | None = None,
) -> Path:
    """Write the indicators (and the context figures) to *path* (``.xlsx`` added if missing)."""
    data = indicators_data(session, years)
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    sheets = [
        SheetSpec("Indicateurs", INDICATOR_COLUMNS, data.indicators, frozen_columns=1),
        SheetSpec("Données de contexte", FIGURE_COLUMNS, data.figures, frozen_columns=1),
    ]
    return write_workbook(path, sheets, title="Indicateurs", progress=progress)


__all__ = [
    "FIGURE_COLUMNS",
    "INDICATOR_COLUMNS",
    "IndicatorSheets",
    "export_indicators",
    "indicators_data",
]
