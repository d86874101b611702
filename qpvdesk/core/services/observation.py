"""Observation of the neighbourhood: context figures over time, and residents' participation.

A `ContextFigure` is one value of an indicator (poverty rate, unemployment…) on a
territory (the QPV, the town, the intercommunality, the department, the region,
France) for a year, with its unit and source. The diagnostic's figures come built
in; the user adds new years. Each indicator keeps one unit, and one spelling: a
new figure typed « taux de pauvreté » joins « Taux de pauvreté ». Values are exact
decimals typed the French way (`indicators.parse_decimal`); negative values are
allowed (an « écart » may be).

A `ParticipationEvent` is a moment of residents' participation (date, kind, place,
number of participants, themes, what came out of it): residents are counted,
never named.

Write functions take a Session and never commit: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import Territory
from qpvdesk.core.domain.models import ContextFigure, Contract, Neighbourhood, ParticipationEvent
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services.calls import FieldError, FormError
from qpvdesk.core.services.indicators import check_decimal

MAX_INDICATOR = 300
MAX_TERRITORY_NAME = 200
MAX_UNIT = 50
MAX_KIND = 200
MAX_PLACE = 300
FIRST_YEAR = 1950
LAST_YEAR = 2100
TERRITORY_ORDER = {territory: index for index, territory in enumerate(Territory)}

# Kinds of participation offered in the editor (any other text is accepted).
PARTICIPATION_KINDS = (
    "Réunion publique",
    "Atelier participatif",
    "Diagnostic en marchant",
    "Conseil citoyen",
    "Recueil de parole",
    "Questionnaire",
    "Fête de quartier",
    "Séminaire d'analyse partagée",
)

FIELD_LABELS = {
    "indicator": "Indicateur",
    "territory": "Territoire",
    "territory_name": "Nom du territoire",
    "year": "Année",
    "value": "Valeur",
    "unit": "Unité",
    "source": "Source",
    "held_on": "Date",
    "kind": "Type de temps",
    "place": "Lieu",
    "participants": "Participants",
    "themes": "Thèmes",
    "outcome": "Ce qui en est ressorti",
}


# --- context figures -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContextFigureInput:
    """What the figure editor holds."""

    indicator: str
    territory: Territory
    territory_name: str | None
    year: int
    value: Decimal | None
    unit: str | None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class FigureRow:
    """One context figure as the Observation table lists it."""

    id: int
    indicator: str
    territory: Territory
    territory_label: str
    territory_name: str
    year: int
    value: Decimal
    unit: str
    source: str | None


@dataclass(frozen=True, slots=True)
class ObservedIndicator:
    """An indicator of the observation, with what is known of it."""

    name: str
    unit: str
    figures: int
    territories: int
    first_year: int
    last_year: int


@dataclass(frozen=True, slots=True)
class TerritoryColumn:
    """A territory compared in a figure table."""

    territory: Territory
    territory_label: str
    territory_name: str


@dataclass(frozen=True, slots=True)
class FigureTable:
    """An indicator's values, one row per year, one column per territory (None: unknown)."""

    indicator: str
    unit: str
    years: tuple[int, ...]
    territories: tuple[TerritoryColumn, ...]
    values: tuple[tuple[Decimal | None, ...], ...]

    def value(self, year: int, territory_name: str) -> Decimal | None:
        row = self.years.index(year)
        column = [t.territory_name for t in self.territories].index(territory_name)
        return self.values[row][column]


def _clean(text: str | None) -> str | None:
    value = " ".join((text or "").split())
    return value or None


def _clean_block(text: str | None) -> str | None:
    value = (text or "").strip()
    return value or None


def _assign(target: object, values: dict[str, object]) -> None:
    # Only real changes reach the ORM: the audit log and the undo record what changed.
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)


def _contract(session: Session) -> Contract:
    contract = session.scalars(select(Contract)).first()
    if contract is None:
        raise ValidationError("La base ne contient pas de contrat de ville.")
    return contract


def default_territory_name(session: Session, territory: Territory) -> str | None:
    """The usual name of a territory of this contract (« Centre-ville », the town…)."""
    territory = Territory(territory)
    contract = session.scalars(select(Contract)).first()
    if territory is Territory.QPV:
        name = session.scalars(select(Neighbourhood.name).order_by(Neighbourhood.id)).first()
        if name:
            return name
    elif territory is Territory.TOWN and contract is not None:
        return contract.town
    elif territory is Territory.INTERCOMMUNALITY and contract is not None:
        if contract.intercommunality:
            return contract.intercommunality
    elif territory is Territory.COUNTRY:
        return "France"
    # Else the name the figures already use most for that territory.
    found = session.execute(
        select(ContextFigure.territory_name, func.count())
        .where(ContextFigure.territory == territory)
        .group_by(ContextFigure.territory_name)
        .order_by(func.count().desc(), ContextFigure.territory_name)
    ).first()
    return None if found is None else str(found[0])


def validate_figure_input(
    session: Session, data: ContextFigureInput, *, figure_id: int | None = None
) -> list[FieldError]:
    """Every problem of the form at once, each naming its `ContextFigureInput` field."""
    errors: list[FieldError] = []

    def error(field: str, message: str) -> None:
        errors.append(FieldError(field, f"{FIELD_LABELS[field]} : {message}"))

    indicator = _clean(data.indicator)
    if not indicator:
        error("indicator", "indiquez ce que la donnée mesure (exemple : Taux de pauvreté).")
    elif len(indicator) > MAX_INDICATOR:
        error("indicator", f"{MAX_INDICATOR} caractères au plus.")
    try:
        territory: Territory | None = Territory(data.territory)
    except ValueError:
        error("territory", "choisissez le territoire.")
        territory = None
    name = _clean(data.territory_name)
    if territory is not None and not name:
        name = default_territory_name(session, territory)
    if not name:
        error("territory_name", "indiquez le nom du territoire (exemple : Hérault).")
    elif len(name) > MAX_TERRITORY_NAME:
        error("territory_name", f"{MAX_TERRITORY_NAME} caractères au plus.")
    if not isinstance(data.year, int) or not FIRST_YEAR <= data.year <= LAST_YEAR:
        error("year", f"indiquez une année entre {FIRST_YEAR} et {LAST_YEAR}.")
    if data.value is None:
        error("value", "indiquez la valeur.")
    else:
        try:
            check_decimal(data.value, FIELD_LABELS["value"])
        except ValidationError as problem:
            errors.append(FieldError("value", problem.message))
    unit = _clean(data.unit)
    if not unit:
        error("unit", "indiquez l'unité (%, habitants, €…).")
    elif len(unit) > MAX_UNIT:
        error("unit", f"{MAX_UNIT} caractères au plus.")
    if indicator and unit and not errors:
        spelling, known_unit = _known_spelling_excluding(session, indicator, figure_id)
        if known_unit is not None and known_unit != unit:
            error(
                "unit",
                f"les autres valeurs de « {spelling} » sont en « {known_unit} » : "
                "une même donnée garde une seule unité pour être comparée.",
            )
        assert territory is not None and name is not None
        clash = session.scalar(
            select(ContextFigure.id).where(
                ContextFigure.indicator == spelling,
                ContextFigure.territory == territory,
                ContextFigure.territory_name == name,
                ContextFigure.year == data.year,
                ContextFigure.id != (figure_id or -1),
            )
        )
        if clash is not None:
            error(
                "year",
                f"« {spelling} » a déjà une valeur pour {name} en {data.year} : "
                "modifiez-la plutôt.",
            )
    return errors


def _known_spelling_excluding(
    session: Session, indicator: str, figure_id: int | None
) -> tuple[str, str | None]:
    folded = fold(indicator)
    statement = select(ContextFigure.indicator, ContextFigure.unit).distinct()
    if figure_id is not None:
        statement = statement.where(ContextFigure.id != figure_id)
    for name, unit in session.execute(statement):
        if fold(name) == folded:
            return name, unit
    return indicator, None


def _figure_values(
    session: Session, data: ContextFigureInput, figure_id: int | None
) -> dict[str, object]:
    indicator = _clean(data.indicator) or ""
    spelling, _unit = _known_spelling_excluding(session, indicator, figure_id)
    territory = Territory(data.territory)
    assert data.value is not None  # validated
    return {
        "indicator": spelling,
        "territory": territory,
        "territory_name": _clean(data.territory_name) or default_territory_name(session, territory),
        "year": data.year,
        "value": check_decimal(data.value, FIELD_LABELS["value"]),
        "unit": _clean(data.unit),
        "source": _clean_block(data.source),
    }


def create_figure(session: Session, data: ContextFigureInput) -> int:
    """Add a context figure; returns its id. Raises `FormError` when the form is invalid."""
    errors = validate_figure_input(session, data)
    if errors:
        raise FormError(errors)
    figure = ContextFigure(contract_id=_contract(session).id, **_figure_values(session, data, None))
    session.add(figure)
    session.flush()
    return figure.id


def update_figure(session: Session, figure_id: int, data: ContextFigureInput) -> None:
    """Correct a context figure."""
    figure = session.get(ContextFigure, figure_id)
    if figure is None:
        raise ValidationError("Cette donnée n'existe plus (elle a peut-être été supprimée).")
    errors = validate_figure_input(session, data, figure_id=figure_id)
    if errors:
        raise FormError(errors)
    _assign(figure, _figure_values(session, data, figure_id))
    session.flush()


def delete_figure(session: Session, figure_id: int) -> None:
    """Delete a context figure."""
    figure = session.get(ContextFigure, figure_id)
    if figure is None:
        raise ValidationError("Cette donnée n'existe plus (elle a peut-être été supprimée).")
    session.delete(figure)
    session.flush()


def rename_indicator(
    session: Session, indicator: str, new_name: str, unit: str | None = None
) -> int:
    """Rename an indicator in all its figures (and change their unit); returns how many."""
    name = _clean(new_name)
    if not name:
        raise ValidationError("Indicateur : le nouveau nom ne peut pas être vide.", "indicator")
    if len(name) > MAX_INDICATOR:
        raise ValidationError(f"Indicateur : {MAX_INDICATOR} caractères au plus.", "indicator")
    new_unit = _clean(unit)
    if new_unit is not None and len(new_unit) > MAX_UNIT:
        raise ValidationError(f"Unité : {MAX_UNIT} caractères au plus.", "unit")
    figures = list(
        session.scalars(select(ContextFigure).where(ContextFigure.indicator == indicator))
    )
    if not figures:
        raise ValidationError(f"Indicateur : « {indicator} » n'a aucune valeur.", "indicator")
    if fold(name) != fold(indicator):
        other = {
            n for n in session.scalars(select(ContextFigure.indicator).distinct()) if n != indicator
        }
        if fold(name) in {fold(n) for n in other}:
            raise ValidationError(
                f"Indicateur : « {name} » existe déjà ; choisissez un autre nom.", "indicator"
            )
    for figure in figures:
        _assign(figure, {"indicator": name, "unit": new_unit or figure.unit})
    session.flush()
    return len(figures)


def figure_rows(session: Session, indicator: str | None = None) -> list[FigureRow]:
    """Context figures (all, or one indicator's): by indicator, territory, name, year."""
    statement = select(
        ContextFigure.id,
        ContextFigure.indicator,
        ContextFigure.territory,
        ContextFigure.territory_name,
        ContextFigure.year,
        ContextFigure.value,
        ContextFigure.unit,
        ContextFigure.source,
    )
    if indicator is not None:
        statement = statement.where(ContextFigure.indicator == indicator)
    rows = [
        FigureRow(
            id=figure_id,
            indicator=name,
            territory=territory,
            territory_label=territory.label,
            territory_name=territory_name,
            year=year,
            value=value,
            unit=unit,
            source=source,
        )
        for figure_id, name, territory, territory_name, year, value, unit, source in (
            session.execute(statement)
        )
    ]
    rows.sort(
        key=lambda r: (
            fold(r.indicator),
            TERRITORY_ORDER[r.territory],
            fold(r.territory_name),
            r.year,
        )
    )
    return rows


def indicators_list(session: Session) -> list[ObservedIndicator]:
    """Every indicator observed, in French alphabetical order, with its span of years."""
    rows = session.execute(
        select(
            ContextFigure.indicator,
            func.min(ContextFigure.unit),
            func.count(),
            func.count(func.distinct(ContextFigure.territory_name)),
            func.min(ContextFigure.year),
            func.max(ContextFigure.year),
        ).group_by(ContextFigure.indicator)
    ).all()
    items = [
        ObservedIndicator(str(n), str(u), int(c), int(t), int(a), int(b))
        for n, u, c, t, a, b in rows
    ]
    items.sort(key=lambda item: (fold(item.name), item.name))
    return items


def _series_key(territory: Territory, name: str) -> tuple[int, str]:
    return TERRITORY_ORDER[territory], fold(name)


def figure_series(session: Session, indicator: str) -> dict[str, list[tuple[int, Decimal]]]:
    """An indicator's values per territory, for a line chart: ``{name: [(year, value)…]}``.

    Territories come in their natural order (QPV, town, intercommunality, department,
    region, France), years ascending.
    """
    found = session.execute(
        select(
            ContextFigure.territory,
            ContextFigure.territory_name,
            ContextFigure.year,
            ContextFigure.value,
        ).where(ContextFigure.indicator == indicator)
    ).all()
    kinds: dict[str, Territory] = {}
    series: dict[str, list[tuple[int, Decimal]]] = {}
    for territory, name, year, value in found:
        kinds.setdefault(name, territory)
        series.setdefault(name, []).append((year, value))
    return {
        name: sorted(series[name])
        for name in sorted(series, key=lambda n: _series_key(kinds[n], n))
    }


def figure_table(session: Session, indicator: str) -> FigureTable:
    """An indicator's values as a table: a row per year, a column per territory."""
    rows = figure_rows(session, indicator)
    if not rows:
        raise ValidationError(f"Indicateur : « {indicator} » n'a aucune valeur.", "indicator")
    columns: dict[str, TerritoryColumn] = {}
    for row in rows:
        columns.setdefault(
            row.territory_name,
            TerritoryColumn(row.territory, row.territory.label, row.territory_name),
        )
    ordered = sorted(columns.values(), key=lambda c: _series_key(c.territory, c.territory_name))
    years = sorted({row.year for row in rows})
    cells = {(row.year, row.territory_name): row.value for row in rows}
    return FigureTable(
        indicator=indicator,
        unit=rows[0].unit,
        years=tuple(years),
        territories=tuple(ordered),
        values=tuple(
            tuple(cells.get((year, column.territory_name)) for column in ordered) for year in years
        ),
    )


# --- participation -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParticipationInput:
    """What the participation editor holds: no resident is named, only counted."""

    held_on: date | None
    kind: str
    place: str | None = None
    participants: int | None = None
    themes: str | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class ParticipationRow:
    """A participation event as the Observation page lists it."""

    id: int
    held_on: date
    kind: str
    place: str | None
    participants: int | None
    themes: str | None
    outcome: str | None

    @property
    def year(self) -> int:
        return self.held_on.year


def validate_participation_input(data: ParticipationInput) -> list[FieldError]:
    """Every problem of the form at once, each naming its `ParticipationInput` field."""
    errors: list[FieldError] = []

    def error(field: str, message: str) -> None:
        errors.append(FieldError(field, f"{FIELD_LABELS[field]} : {message}"))

    if data.held_on is None:
        error("held_on", "indiquez la date du temps de participation.")
    kind = _clean(data.kind)
    if not kind:
        error("kind", "indiquez de quel temps il s'agit (réunion publique, atelier…).")
    elif len(kind) > MAX_KIND:
        error("kind", f"{MAX_KIND} caractères au plus.")
    place = _clean(data.place)
    if place is not None and len(place) > MAX_PLACE:
        error("place", f"{MAX_PLACE} caractères au plus.")
    if data.participants is not None:
        if isinstance(data.participants, bool) or not isinstance(data.participants, int):
            error("participants", "indiquez un nombre de personnes.")
        elif data.participants < 0:
            error("participants", "le nombre de participants ne peut pas être négatif.")
    return errors


def _participation_values(data: ParticipationInput) -> dict[str, object]:
    return {
        "held_on": data.held_on,
        "kind": _clean(data.kind),
        "place": _clean(data.place),
        "participants": data.participants,
        "themes": _clean_block(data.themes),
        "outcome": _clean_block(data.outcome),
    }


def create_participation(session: Session, data: ParticipationInput) -> int:
    """Record a participation event; returns its id."""
    errors = validate_participation_input(data)
    if errors:
        raise FormError(errors)
    event = ParticipationEvent(contract_id=_contract(session).id, **_participation_values(data))
    session.add(event)
    session.flush()
    return event.id


def update_participation(session: Session, event_id: int, data: ParticipationInput) -> None:
    """Correct a participation event."""
    event = session.get(ParticipationEvent, event_id)
    if event is None:
        raise ValidationError("Ce temps de participation n'existe plus.")
    errors = validate_participation_input(data)
    if errors:
        raise FormError(errors)
    _assign(event, _participation_values(data))
    session.flush()


def delete_participation(session: Session, event_id: int) -> None:
    """Delete a participation event."""
    event = session.get(ParticipationEvent, event_id)
    if event is None:
        raise ValidationError("Ce temps de participation n'existe plus.")
    session.delete(event)
    session.flush()


def participation_rows(
    session: Session, *, year: int | None = None, years: Iterable[int] | None = None
) -> list[ParticipationRow]:
    """Participation events (of a year, of some years, or all), by date."""
    statement = select(
        ParticipationEvent.id,
        ParticipationEvent.held_on,
        ParticipationEvent.kind,
        ParticipationEvent.place,
        ParticipationEvent.participants,
        ParticipationEvent.themes,
        ParticipationEvent.outcome,
    ).order_by(ParticipationEvent.held_on, ParticipationEvent.id)
    wanted = set(years) if years is not None else None
    if year is not None:
        wanted = {year} if wanted is None else wanted & {year}
    if wanted is not None:
        if not wanted:
            return []
        statement = statement.where(
            ParticipationEvent.held_on >= date(min(wanted), 1, 1),
            ParticipationEvent.held_on <= date(max(wanted), 12, 31),
        )
    rows = [ParticipationRow(*row) for row in session.execute(statement)]
    return rows if wanted is None else [row for row in rows if row.year in wanted]


__all__ = [
    "PARTICIPATION_KINDS",
    "ContextFigureInput",
    "FigureRow",
    "FigureTable",
    "ObservedIndicator",
    "ParticipationInput",
    "ParticipationRow",
    "TerritoryColumn",
    "create_figure",
    "create_participation",
    "default_territory_name",
    "delete_figure",
    "delete_participation",
    "figure_rows",
    "figure_series",
    "figure_table",
    "indicators_list",
    "participation_rows",
    "rename_indicator",
    "update_figure",
    "update_participation",
    "validate_figure_input",
    "validate_participation_input",
]
