"""Indicators and bilans: what actions and objectives count, year by year, and the CERFA 15059.

An `Indicator` hangs on an action or on an objective (name, unit, baseline, target);
its `Measurement` rows give, per year, a planned and an achieved value with their
source. Four indicators are offered ready-made (`PRESETS`: beneficiaries, of whom
QPV residents, women, under 26), filled with the planned figures the dossiers
already hold. Values are exact `Decimal`; users type them the French way
(« 12,5 », « 1 234 »): `parse_decimal` reads them, `format_decimal` writes them.

The association's end-of-action report (CERFA 15059*02 compte rendu financier) is
entered against its dossier: achieved amount of every budget line, the qualitative
bilan, the achieved indicators; the dossier then moves to « Bilan reçu » when its
workflow allows it. `financial_report_data` gives back the CERFA's table: planned
and achieved per heading, totals and percentages.

The contract's evaluative questions are linked to the indicators and actions that
answer them (one writer per association table).

Write functions take a Session and never commit: the caller's unit of work does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Integer, Table, and_, func, select, type_coerce
from sqlalchemy.orm import Session

from qpvdesk.core.domain.cerfa import (
    ORDER,
    BudgetTotals,
    CerfaSection,
    budget_totals,
    heading,
)
from qpvdesk.core.domain.enums import BudgetSide, DossierState, MeasurementKind
from qpvdesk.core.domain.models import (
    Action,
    BudgetEntry,
    Contract,
    Dossier,
    EvaluativeQuestion,
    Funding,
    Indicator,
    Measurement,
    Objective,
    Organisation,
    Payment,
    evaluative_question_action,
    evaluative_question_indicator,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.domain.workflow import allowed_next
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services.calls import FieldError, FormError
from qpvdesk.core.services.dossiers import change_state

MAX_NAME = 300
MAX_UNIT = 50
MAX_SOURCE = 300
MAX_QUESTION = 2000
MAX_INTEGER_DIGITS = 15
MAX_DECIMALS = 6
PERCENT_STEP = Decimal("0.1")
NBSP = "\u00a0"

FIELD_LABELS = {
    "name": "Intitulé",
    "unit": "Unité",
    "baseline": "Valeur de référence",
    "target": "Cible",
    "action_id": "Action",
    "objective_id": "Objectif",
    "year": "Année",
    "value": "Valeur",
    "source": "Source",
}


# --- decimals ------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_GROUPED = re.compile(r"^\d{1,3}( \d{3})+$")


def parse_decimal(
    text: str | None,
    field: str = "Valeur",
    *,
    required: bool = False,
    allow_negative: bool = True,
) -> Decimal | None:
    """Read a number typed the French way (« 12,5 », « 1 234,75 », « -3 ») or the plain way.

    Blank gives None (or an error when *required*). Raises `ValidationError` naming
    *field* for anything that is not a number, or negative when not allowed.
    """
    raw = _SPACES.sub(" ", (text or "").strip()).strip()
    if raw.endswith("%"):
        raw = raw[:-1].strip()
    if not raw:
        if required:
            raise ValidationError(f"{field} : indiquez une valeur.", field)
        return None
    negative = raw[0] in "-−"
    if raw[0] in "-−+":
        raw = raw[1:].strip()
    commas, dots = raw.count(","), raw.count(".")
    integer, decimals = raw, ""
    if commas and dots:
        mark = "," if raw.rfind(",") > raw.rfind(".") else "."
        if raw.count(mark) != 1:
            integer = ""  # ambiguous: refused below
        else:
            integer, decimals = raw.split(mark)
            integer = integer.replace("." if mark == "," else ",", " ")
    elif commas == 1:
        integer, decimals = raw.split(",")
    elif dots == 1:
        integer, decimals = raw.split(".")
    elif commas > 1 or dots > 1:
        integer = ""
    integer = integer.strip()
    if " " in integer and _GROUPED.match(integer):
        integer = integer.replace(" ", "")
    if not integer.isdigit() or (decimals and not decimals.isdigit()):
        raise ValidationError(f"{field} : « {text} » n'est pas un nombre (exemple : 12,5).", field)
    value = Decimal(f"{integer}.{decimals}" if decimals else integer)
    if negative and value:
        if not allow_negative:
            raise ValidationError(f"{field} : la valeur ne peut pas être négative.", field)
        value = -value
    return check_decimal(value, field, allow_negative=allow_negative)


def check_decimal(value: Decimal, field: str, *, allow_negative: bool = True) -> Decimal:
    """A finite decimal of sensible size (15 digits, 6 decimals), normalised; else an error."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationError(f"{field} : valeur invalide.", field)
    if value < 0 and not allow_negative:
        raise ValidationError(f"{field} : la valeur ne peut pas être négative.", field)
    sign, digits, exponent = value.normalize().as_tuple()
    assert isinstance(exponent, int)  # finite
    decimals = max(0, -exponent)
    if decimals > MAX_DECIMALS:
        raise ValidationError(f"{field} : {MAX_DECIMALS} chiffres après la virgule au plus.", field)
    if len(digits) + max(0, exponent) - decimals > MAX_INTEGER_DIGITS:
        raise ValidationError(f"{field} : valeur trop grande.", field)
    del sign
    # Normalise without scientific notation (Decimal("1E+3") → 1000).
    return Decimal(format(value.normalize(), "f"))


def format_decimal(value: Decimal | None, *, decimals: int | None = None) -> str:
    """French display: ``1 234,5``; « — » for None. *decimals* fixes the number of decimals."""
    if value is None:
        return "—"
    if decimals is not None:
        value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        text = f"{value:,.{decimals}f}"
    else:
        text = f"{value.normalize():,f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return text.replace(",", NBSP).replace(".", ",")


def percent(part: Decimal | Money | None, whole: Decimal | Money | None) -> Decimal | None:
    """*part* as a percentage of *whole*, one decimal; None when either is missing or zero."""
    if part is None or whole is None:
        return None
    a = part.to_decimal() if isinstance(part, Money) else part
    b = whole.to_decimal() if isinstance(whole, Money) else whole
    if not b:
        return None
    return (a * 100 / b).quantize(PERCENT_STEP, rounding=ROUND_HALF_UP)


# --- rows ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndicatorPreset:
    """A ready-made indicator."""

    name: str
    unit: str


PRESETS: tuple[IndicatorPreset, ...] = (
    IndicatorPreset("Bénéficiaires", "personnes"),
    IndicatorPreset("dont habitants du QPV", "personnes"),
    IndicatorPreset("dont femmes", "personnes"),
    IndicatorPreset("dont moins de 26 ans", "personnes"),
)
_PRESET_NAMES = {fold(p.name): p for p in PRESETS}


@dataclass(frozen=True, slots=True)
class IndicatorInput:
    """What the indicator editor holds: on an action or on an objective (exactly one)."""

    name: str
    unit: str | None = None
    baseline: Decimal | None = None
    target: Decimal | None = None
    action_id: int | None = None
    objective_id: int | None = None


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    """An indicator's planned and achieved values for one year."""

    year: int
    planned: Decimal | None
    achieved: Decimal | None
    planned_source: str | None = None
    achieved_source: str | None = None

    @property
    def rate(self) -> Decimal | None:
        """Achieved as a percentage of planned (one decimal), None when either is missing."""
        return percent(self.achieved, self.planned)


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """An indicator with its values year by year."""

    id: int
    name: str
    unit: str | None
    baseline: Decimal | None
    target: Decimal | None
    action_id: int | None
    action_title: str | None
    objective_id: int | None
    objective_code: str | None
    objective_title: str | None
    values: tuple[IndicatorValue, ...]
    question_ids: tuple[int, ...]

    @property
    def is_preset(self) -> bool:
        return fold(self.name) in _PRESET_NAMES

    @property
    def owner_label(self) -> str:
        """What the indicator is about: the action's title, or « P1.2.3 – objective »."""
        if self.action_title is not None:
            return self.action_title
        if self.objective_code is not None:
            return f"{self.objective_code} – {self.objective_title}"
        return ""

    def value(self, year: int) -> IndicatorValue:
        for item in self.values:
            if item.year == year:
                return item
        return IndicatorValue(year, None, None)

    @property
    def latest_achieved(self) -> IndicatorValue | None:
        """The last year with an achieved value."""
        found = [v for v in self.values if v.achieved is not None]
        return found[-1] if found else None

    @property
    def target_rate(self) -> Decimal | None:
        """The latest achieved value as a percentage of the target."""
        latest = self.latest_achieved
        return None if latest is None else percent(latest.achieved, self.target)


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """An evaluative question with the indicators and actions linked to it."""

    id: int
    position: int
    text: str
    indicator_ids: tuple[int, ...]
    action_ids: tuple[int, ...]

    @property
    def number(self) -> int:
        return self.position + 1


# --- helpers -------------------------------------------------------------------------------


def _clean(text: str | None) -> str | None:
    value = " ".join((text or "").split())
    return value or None


def _assign(target: object, values: dict[str, object]) -> None:
    # Only real changes reach the ORM: the audit log and the undo record what changed.
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)


def _contract_years(session: Session) -> tuple[int, int]:
    row = session.execute(select(Contract.start_year, Contract.end_year)).first()
    if row is None:
        raise ValidationError("La base ne contient pas de contrat de ville.")
    return int(row[0]), int(row[1])


def _get(session: Session, indicator_id: int) -> Indicator:
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        raise ValidationError("Cet indicateur n'existe plus (il a peut-être été supprimé).")
    return indicator


def _dossier(session: Session, dossier_id: int) -> Dossier:
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise ValidationError("Ce dossier n'existe plus (il a peut-être été supprimé).")
    return dossier


def _question(session: Session, question_id: int) -> EvaluativeQuestion:
    question = session.get(EvaluativeQuestion, question_id)
    if question is None:
        raise ValidationError("Cette question évaluative n'existe plus.")
    return question


def _date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# --- indicators ----------------------------------------------------------------------------


def validate_indicator_input(
    session: Session, data: IndicatorInput, *, indicator_id: int | None = None
) -> list[FieldError]:
    """Every problem of the form at once, each naming its `IndicatorInput` field."""
    errors: list[FieldError] = []

    def error(field: str, message: str) -> None:
        errors.append(FieldError(field, f"{FIELD_LABELS[field]} : {message}"))

    name = _clean(data.name)
    if not name:
        error("name", "indiquez ce que l'indicateur compte ou mesure.")
    elif len(name) > MAX_NAME:
        error("name", f"{MAX_NAME} caractères au plus.")
    unit = _clean(data.unit)
    if unit is not None and len(unit) > MAX_UNIT:
        error("unit", f"{MAX_UNIT} caractères au plus.")
    for field in ("baseline", "target"):
        value = getattr(data, field)
        if value is not None:
            try:
                check_decimal(value, FIELD_LABELS[field], allow_negative=False)
            except ValidationError as problem:
                errors.append(FieldError(field, problem.message))
    if (data.action_id is None) == (data.objective_id is None):
        error("action_id", "un indicateur porte soit sur une action, soit sur un objectif.")
    elif data.action_id is not None:
        if session.get(Action, data.action_id) is None:
            error("action_id", "cette action n'existe plus.")
    elif data.objective_id is not None and session.get(Objective, data.objective_id) is None:
        error("objective_id", "cet objectif n'existe plus.")
    if name and not errors:
        owner = (
            Indicator.action_id == data.action_id
            if data.action_id is not None
            else Indicator.objective_id == data.objective_id
        )
        others = session.scalars(
            select(Indicator.name).where(owner, Indicator.id != (indicator_id or -1))
        ).all()
        if fold(name) in {fold(other) for other in others}:
            where = "cette action" if data.action_id is not None else "cet objectif"
            error("name", f"« {name} » existe déjà pour {where}.")
    return errors


def _values(data: IndicatorInput) -> dict[str, object]:
    def exact(value: Decimal | None) -> Decimal | None:
        return None if value is None else Decimal(format(value.normalize(), "f"))

    return {
        "name": _clean(data.name),
        "unit": _clean(data.unit),
        "baseline": exact(data.baseline),
        "target": exact(data.target),
        "action_id": data.action_id,
        "objective_id": data.objective_id,
    }


def create_indicator(session: Session, data: IndicatorInput) -> int:
    """Create an indicator on an action or an objective; returns its id."""
    errors = validate_indicator_input(session, data)
    if errors:
        raise FormError(errors)
    indicator = Indicator(**_values(data))
    session.add(indicator)
    session.flush()
    return indicator.id


def update_indicator(session: Session, indicator_id: int, data: IndicatorInput) -> None:
    """Save the editor's fields on an indicator (its measurements stay)."""
    indicator = _get(session, indicator_id)
    errors = validate_indicator_input(session, data, indicator_id=indicator_id)
    if errors:
        raise FormError(errors)
    _assign(indicator, _values(data))
    session.flush()


def delete_indicator(session: Session, indicator_id: int) -> None:
    """Delete an indicator, its measurements and its links to evaluative questions."""
    indicator = _get(session, indicator_id)
    for measurement in session.scalars(
        select(Measurement).where(Measurement.indicator_id == indicator_id)
    ):
        session.delete(measurement)
    linked = session.scalars(
        select(evaluative_question_indicator.c.question_id).where(
            evaluative_question_indicator.c.indicator_id == indicator_id
        )
    ).all()
    for question_id in linked:
        _write_question_indicators(session, question_id, remove={indicator_id})
    session.delete(indicator)
    session.flush()


def set_measurement(
    session: Session,
    indicator_id: int,
    year: int,
    kind: MeasurementKind,
    value: Decimal | None,
    source: str | None = None,
) -> int | None:
    """Set the planned or achieved value of *year* (None removes it); returns the row id."""
    _get(session, indicator_id)
    kind = MeasurementKind(kind)
    first, last = _contract_years(session)
    if not first <= year <= last:
        raise ValidationError(
            f"Année : le contrat de ville couvre {first} à {last} ({year} est en dehors).",
            "year",
        )
    label = f"Valeur {kind.label.lower()}e {year}"
    if value is not None:
        value = check_decimal(value, label, allow_negative=False)
    clean_source = _clean(source)
    if clean_source is not None and len(clean_source) > MAX_SOURCE:
        raise ValidationError(f"Source : {MAX_SOURCE} caractères au plus.", "source")
    measurement = session.scalars(
        select(Measurement).where(
            Measurement.indicator_id == indicator_id,
            Measurement.year == year,
            Measurement.kind == kind,
        )
    ).first()
    if value is None:
        if measurement is not None:
            session.delete(measurement)
            session.flush()
        return None
    if measurement is None:
        measurement = Measurement(
            indicator_id=indicator_id, year=year, kind=kind, value=value, source=clean_source
        )
        session.add(measurement)
    else:
        _assign(measurement, {"value": value, "source": clean_source})
    session.flush()
    return measurement.id


def indicator_rows(
    session: Session,
    *,
    action_id: int | None = None,
    objective_id: int | None = None,
    indicator_ids: Iterable[int] | None = None,
) -> list[IndicatorRow]:
    """Indicators (of an action, of an objective, those named, or all) with their values.

    Three statements: the indicators with their action and objective, their
    measurements, their question links. Sorted by objective code, action, then name
    (presets first, in their order).
    """
    conditions = []
    if action_id is not None:
        conditions.append(Indicator.action_id == action_id)
    if objective_id is not None:
        conditions.append(Indicator.objective_id == objective_id)
    if indicator_ids is not None:
        conditions.append(Indicator.id.in_(list(indicator_ids)))
    base = session.execute(
        select(
            Indicator.id,
            Indicator.name,
            Indicator.unit,
            Indicator.baseline,
            Indicator.target,
            Indicator.action_id,
            Action.title,
            Indicator.objective_id,
            Objective.code,
            Objective.title,
        )
        .outerjoin(Action, Action.id == Indicator.action_id)
        .outerjoin(Objective, Objective.id == Indicator.objective_id)
        .where(*conditions)
    ).all()
    if not base:
        return []
    ids = [row[0] for row in base]
    values: dict[int, dict[int, dict[MeasurementKind, tuple[Decimal, str | None]]]] = {}
    for indicator_id, year, kind, value, source in session.execute(
        select(
            Measurement.indicator_id,
            Measurement.year,
            Measurement.kind,
            Measurement.value,
            Measurement.source,
        ).where(Measurement.indicator_id.in_(ids))
    ):
        values.setdefault(indicator_id, {}).setdefault(year, {})[kind] = (value, source)
    questions: dict[int, list[int]] = {}
    for question_id, indicator_id in session.execute(
        select(
            evaluative_question_indicator.c.question_id,
            evaluative_question_indicator.c.indicator_id,
        )
        .join(
            EvaluativeQuestion,
            EvaluativeQuestion.id == evaluative_question_indicator.c.question_id,
        )
        .where(evaluative_question_indicator.c.indicator_id.in_(ids))
        .order_by(EvaluativeQuestion.position, EvaluativeQuestion.id)
    ):
        questions.setdefault(indicator_id, []).append(question_id)
    rows = []
    for (
        indicator_id,
        name,
        unit,
        baseline,
        target,
        owner_action,
        action_title,
        owner_objective,
        objective_code,
        objective_title,
    ) in base:
        by_year = values.get(indicator_id, {})
        items = []
        for year in sorted(by_year):
            planned = by_year[year].get(MeasurementKind.PLANNED)
            achieved = by_year[year].get(MeasurementKind.ACHIEVED)
            items.append(
                IndicatorValue(
                    year=year,
                    planned=None if planned is None else planned[0],
                    achieved=None if achieved is None else achieved[0],
                    planned_source=None if planned is None else planned[1],
                    achieved_source=None if achieved is None else achieved[1],
                )
            )
        rows.append(
            IndicatorRow(
                id=indicator_id,
                name=name,
                unit=unit,
                baseline=baseline,
                target=target,
                action_id=owner_action,
                action_title=action_title,
                objective_id=owner_objective,
                objective_code=objective_code,
                objective_title=objective_title,
                values=tuple(items),
                question_ids=tuple(questions.get(indicator_id, ())),
            )
        )
    rows.sort(key=_row_key)
    return rows


def _row_key(row: IndicatorRow) -> tuple[object, ...]:
    code = row.objective_code or ""
    preset_order = list(_PRESET_NAMES)
    folded = fold(row.name)
    rank = preset_order.index(folded) if folded in _PRESET_NAMES else len(preset_order)
    return (
        row.action_id is None,  # action indicators first, then objectives'
        (row.action_title or "").casefold(),
        tuple(int(p) if p.isdigit() else 0 for p in code.lstrip("P").split(".")),
        rank,
        folded,
        row.id,
    )


def add_preset_indicators(
    session: Session, action_id: int, *, fill_planned: bool = True
) -> list[int]:
    """Add the ready-made indicators an action lacks; returns the ids created.

    With *fill_planned*, each preset indicator of the action without a planned
    value for a dossier's year gets the figure that dossier announced: expected
    beneficiaries, of whom QPV residents, and women (expected × share of women).
    Refused or withdrawn dossiers announce nothing.
    """
    if session.get(Action, action_id) is None:
        raise ValidationError("Cette action n'existe plus (elle a peut-être été supprimée).")
    existing = {
        fold(name): indicator_id
        for indicator_id, name in session.execute(
            select(Indicator.id, Indicator.name).where(Indicator.action_id == action_id)
        )
    }
    created = []
    for preset in PRESETS:
        key = fold(preset.name)
        if key in existing:
            continue
        indicator = Indicator(action_id=action_id, name=preset.name, unit=preset.unit)
        session.add(indicator)
        session.flush()
        existing[key] = indicator.id
        created.append(indicator.id)
    if fill_planned:
        _fill_planned(session, action_id, existing)
    session.flush()
    return created


def _fill_planned(session: Session, action_id: int, by_name: dict[str, int]) -> None:
    first, last = _contract_years(session)
    planned = {
        (indicator_id, year)
        for indicator_id, year in session.execute(
            select(Measurement.indicator_id, Measurement.year).where(
                Measurement.indicator_id.in_(list(by_name.values())),
                Measurement.kind == MeasurementKind.PLANNED,
            )
        )
    }
    for dossier in session.scalars(
        select(Dossier)
        .where(
            Dossier.action_id == action_id,
            Dossier.state.not_in([DossierState.REFUSED, DossierState.WITHDRAWN]),
        )
        .order_by(Dossier.year, Dossier.sequence)
    ):
        if not first <= dossier.year <= last:
            continue
        expected = dossier.beneficiaries_expected
        women = (
            None
            if expected is None or dossier.women_share_percent is None
            else (Decimal(expected) * dossier.women_share_percent / 100).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
        )
        figures = {
            fold(PRESETS[0].name): None if expected is None else Decimal(expected),
            fold(PRESETS[1].name): None
            if dossier.beneficiaries_qpv is None
            else Decimal(dossier.beneficiaries_qpv),
            fold(PRESETS[2].name): women,
        }
        for key, value in figures.items():
            indicator_id = by_name.get(key)
            if value is None or indicator_id is None or (indicator_id, dossier.year) in planned:
                continue
            session.add(
                Measurement(
                    indicator_id=indicator_id,
                    year=dossier.year,
                    kind=MeasurementKind.PLANNED,
                    value=value,
                    source=f"Dossier {dossier.reference} (prévisionnel)",
                )
            )
            planned.add((indicator_id, dossier.year))


# --- the compte rendu financier (CERFA 15059) ----------------------------------------------

# Where a report may be entered: the grant is decided. It moves the dossier to
# « Bilan reçu » only where the workflow allows it (from « Versé »).
REPORTABLE_STATES = frozenset(
    {
        DossierState.APPROVED,
        DossierState.AGREEMENT_SIGNED,
        DossierState.PAID,
        DossierState.REPORT_RECEIVED,
        DossierState.CLOSED,
    }
)


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    """What recording a compte rendu financier did to its dossier."""

    dossier_id: int
    reference: str
    state: DossierState
    state_label: str
    moved: bool
    notice: str | None = None


def record_financial_report(
    session: Session,
    dossier_id: int,
    achieved: Mapping[int, Money | None],
    report_text: str | None,
    received_on: date | None,
    indicator_values: Mapping[int, Decimal | None] | None = None,
    today: date | None = None,
    *,
    year: int | None = None,
) -> ReportOutcome:
    """Enter the association's compte rendu financier (CERFA 15059) against its dossier.

    *achieved* maps budget entry ids of the dossier to the achieved amount (None
    clears it; entries not named keep theirs). *indicator_values* maps indicators
    of the dossier's action to their achieved value for *year* (the dossier's year
    by default; a multi-year agreement reports one of its years). The bilan
    qualitatif goes to the dossier with its date of receipt. A dossier « Versé »
    then moves to « Bilan reçu » (a dated event); one already reported keeps its
    state; one granted but not paid yet keeps its state and the outcome says why.
    Anything wrong raises a French `ValidationError` before anything is written.
    """
    today = today or date.today()
    dossier = _dossier(session, dossier_id)
    if dossier.state not in REPORTABLE_STATES:
        raise ValidationError(
            f"Le dossier {dossier.reference} est « {dossier.state.label} » : un compte rendu "
            "financier se saisit une fois la subvention accordée "
            f"(« {DossierState.APPROVED.label} » et après).",
            "état",
        )
    if received_on is None:
        raise ValidationError(
            "Date de réception : indiquez quand le compte rendu est arrivé.", "received_on"
        )
    if received_on > today:
        raise ValidationError(
            f"Date de réception : le {_date(received_on)} est dans le futur.", "received_on"
        )
    report_year = dossier.year if year is None else year
    if not dossier.year <= report_year <= (dossier.last_year or dossier.year):
        raise ValidationError(
            f"Année : le dossier {dossier.reference} couvre "
            f"{dossier.year}{'' if not dossier.last_year else f' à {dossier.last_year}'} "
            f"({report_year} est en dehors).",
            "year",
        )
    entries = {
        entry.id: entry
        for entry in session.scalars(
            select(BudgetEntry).where(BudgetEntry.dossier_id == dossier_id)
        )
    }
    for entry_id, amount in achieved.items():
        entry = entries.get(entry_id)
        if entry is None:
            raise ValidationError(
                f"Budget réalisé : cette ligne n'appartient pas au dossier {dossier.reference}.",
                "achieved",
            )
        if amount is not None and (not isinstance(amount, Money) or amount.cents < 0):
            raise ValidationError(
                f"Budget réalisé : montant invalide pour « {entry.label} ».", "achieved"
            )
    values = dict(indicator_values or {})
    if values:
        owners = dict(
            session.execute(
                select(Indicator.id, Indicator.action_id).where(Indicator.id.in_(list(values)))
            ).all()
        )
        for indicator_id, value in values.items():
            if owners.get(indicator_id, -1) != dossier.action_id:
                raise ValidationError(
                    "Indicateurs : un des indicateurs n'est pas celui de l'action du dossier "
                    f"{dossier.reference}.",
                    "indicator_values",
                )
            if value is not None:
                values[indicator_id] = check_decimal(
                    value, "Indicateurs : valeur réalisée", allow_negative=False
                )
    text = (report_text or "").strip() or None

    for entry_id, amount in achieved.items():
        entry = entries[entry_id]
        if entry.achieved != amount:
            entry.achieved = amount
    _assign(dossier, {"report_text": text, "report_received_on": received_on})
    source = f"Compte rendu financier {dossier.reference}"
    for indicator_id, value in values.items():
        set_measurement(session, indicator_id, report_year, MeasurementKind.ACHIEVED, value, source)
    session.flush()
    if DossierState.REPORT_RECEIVED in allowed_next(dossier.state):
        change_state(
            session,
            dossier_id,
            DossierState.REPORT_RECEIVED,
            f"Compte rendu financier (CERFA 15059) reçu le {_date(received_on)}.",
            today=received_on,
        )
        return ReportOutcome(
            dossier.id, dossier.reference, dossier.state, dossier.state.label, moved=True
        )
    notice = None
    if dossier.state in (DossierState.APPROVED, DossierState.AGREEMENT_SIGNED):
        notice = (
            f"Compte rendu enregistré. Le dossier {dossier.reference} reste "
            f"« {dossier.state.label} » : il passera à « {DossierState.REPORT_RECEIVED.label} » "
            f"une fois « {DossierState.PAID.label} »."
        )
    return ReportOutcome(
        dossier.id, dossier.reference, dossier.state, dossier.state.label, False, notice
    )


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One budget line of the CERFA table: planned, achieved, and achieved as a % of planned."""

    entry_id: int
    account: str
    label: str
    heading_label: str
    side: BudgetSide
    section: CerfaSection
    is_detail: bool  # a sub-line of a group heading (601 under 60…)
    planned: Money
    achieved: Money | None

    @property
    def percent(self) -> Decimal | None:
        return percent(self.achieved, self.planned)


@dataclass(frozen=True, slots=True)
class ReportTotal:
    """A « Total » line of the CERFA table."""

    label: str
    planned: Money
    achieved: Money | None

    @property
    def percent(self) -> Decimal | None:
        return percent(self.achieved, self.planned)


@dataclass(frozen=True, slots=True)
class ReportIndicator:
    """An indicator of the action in the report's year: planned, achieved, rate."""

    indicator_id: int
    name: str
    unit: str | None
    planned: Decimal | None
    achieved: Decimal | None

    @property
    def percent(self) -> Decimal | None:
        return percent(self.achieved, self.planned)


@dataclass(frozen=True, slots=True)
class FinancialReport:
    """The CERFA 15059 compte rendu financier of a dossier, as its tableau de synthèse."""

    dossier_id: int
    reference: str
    year: int
    last_year: int | None
    holder_name: str
    holder_siret: str | None
    holder_rna: str | None
    action_id: int
    action_title: str
    state: DossierState
    state_label: str
    report_text: str | None
    report_received_on: date | None
    charges: tuple[ReportLine, ...]
    products: tuple[ReportLine, ...]
    contributions_used: tuple[ReportLine, ...]
    contributions_received: tuple[ReportLine, ...]
    total_charges: ReportTotal
    total_products: ReportTotal
    total_contributions_used: ReportTotal
    total_contributions_received: ReportTotal
    planned_totals: BudgetTotals
    achieved_totals: BudgetTotals | None
    granted: Money
    paid: Money
    indicators: tuple[ReportIndicator, ...]

    @property
    def has_achieved(self) -> bool:
        return self.achieved_totals is not None

    @property
    def is_complete(self) -> bool:
        """Every line of the budget has its achieved amount."""
        lines = self.charges + self.products + self.contributions_used
        return all(line.achieved is not None for line in lines + self.contributions_received)

    @property
    def subsidy_share(self) -> Decimal | None:
        """« La subvention de … € représente …% du total des produits » (achieved, else planned)."""
        products = self.total_products.achieved or self.total_products.planned
        return percent(self.granted, products)

    @property
    def achieved_balance(self) -> Money | None:
        """Achieved products minus achieved charges."""
        if self.achieved_totals is None:
            return None
        return self.achieved_totals.balance


def financial_report_data(
    session: Session, dossier_id: int, *, year: int | None = None
) -> FinancialReport:
    """The CERFA 15059 table of a dossier: planned vs achieved per heading, totals, %.

    Lines follow the CERFA's order; totals follow its rules (`domain.cerfa.budget_totals`:
    a group detailed by sub-lines counts them, contributions in kind stay apart). An
    achieved total exists as soon as one line has an achieved amount (a line without
    one counts as nothing). Indicators are the action's, for *year* (the dossier's).
    """
    dossier = _dossier(session, dossier_id)
    report_year = dossier.year if year is None else year
    holder = session.get(Organisation, dossier.holder_id)
    action = session.get(Action, dossier.action_id)
    assert action is not None  # foreign key
    entries = sorted(
        session.scalars(select(BudgetEntry).where(BudgetEntry.dossier_id == dossier_id)),
        key=lambda e: (ORDER.get(e.account, 999), e.position, e.id),
    )
    lines: dict[tuple[BudgetSide, bool], list[ReportLine]] = {}
    for entry in entries:
        item = heading(entry.account)
        section = item.section if item is not None else CerfaSection.DIRECT
        line = ReportLine(
            entry_id=entry.id,
            account=entry.account,
            label=entry.label,
            heading_label=item.display if item is not None else entry.account,
            side=entry.side,
            section=section,
            is_detail=item is not None and item.parent is not None,
            planned=entry.planned,
            achieved=entry.achieved,
        )
        contribution = section is CerfaSection.CONTRIBUTION
        lines.setdefault((entry.side, contribution), []).append(line)
    planned = budget_totals((e.account, e.planned) for e in entries)
    has_achieved = any(e.achieved is not None for e in entries)
    achieved = (
        budget_totals((e.account, e.achieved or Money.zero()) for e in entries)
        if has_achieved
        else None
    )
    granted = session.execute(
        select(type_coerce(func.coalesce(func.sum(Funding.granted), 0), Integer)).where(
            Funding.dossier_id == dossier_id
        )
    ).scalar_one()
    paid = session.execute(
        select(type_coerce(func.coalesce(func.sum(Payment.amount), 0), Integer))
        .join(Funding, Funding.id == Payment.funding_id)
        .where(Funding.dossier_id == dossier_id, Payment.paid_on.is_not(None))
    ).scalar_one()
    indicators = tuple(
        ReportIndicator(
            indicator_id=row.id,
            name=row.name,
            unit=row.unit,
            planned=row.value(report_year).planned,
            achieved=row.value(report_year).achieved,
        )
        for row in indicator_rows(session, action_id=dossier.action_id)
    )

    def total(label: str, planned_total: Money, achieved_total: Money | None) -> ReportTotal:
        return ReportTotal(label, planned_total, achieved_total)

    return FinancialReport(
        dossier_id=dossier.id,
        reference=dossier.reference,
        year=dossier.year,
        last_year=dossier.last_year,
        holder_name=holder.name if holder is not None else "",
        holder_siret=holder.siret if holder is not None else None,
        holder_rna=holder.rna if holder is not None else None,
        action_id=action.id,
        action_title=action.title,
        state=dossier.state,
        state_label=dossier.state.label,
        report_text=dossier.report_text,
        report_received_on=dossier.report_received_on,
        charges=tuple(lines.get((BudgetSide.CHARGE, False), ())),
        products=tuple(lines.get((BudgetSide.PRODUCT, False), ())),
        contributions_used=tuple(lines.get((BudgetSide.CHARGE, True), ())),
        contributions_received=tuple(lines.get((BudgetSide.PRODUCT, True), ())),
        total_charges=total(
            "Total des charges", planned.charges, None if achieved is None else achieved.charges
        ),
        total_products=total(
            "Total des produits",
            planned.products,
            None if achieved is None else achieved.products,
        ),
        total_contributions_used=total(
            "Total des emplois des contributions volontaires",
            planned.contributions_used,
            None if achieved is None else achieved.contributions_used,
        ),
        total_contributions_received=total(
            "Total des contributions volontaires",
            planned.contributions_received,
            None if achieved is None else achieved.contributions_received,
        ),
        planned_totals=planned,
        achieved_totals=achieved,
        granted=Money(int(granted)),
        paid=Money(int(paid)),
        indicators=indicators,
    )


# --- evaluative questions ------------------------------------------------------------------


def question_rows(session: Session) -> list[QuestionRow]:
    """The evaluative questions in order, with their linked indicators and actions."""
    indicators: dict[int, list[int]] = {}
    for question_id, indicator_id in session.execute(
        select(
            evaluative_question_indicator.c.question_id,
            evaluative_question_indicator.c.indicator_id,
        ).order_by(evaluative_question_indicator.c.indicator_id)
    ):
        indicators.setdefault(question_id, []).append(indicator_id)
    actions: dict[int, list[int]] = {}
    for question_id, action_id in session.execute(
        select(
            evaluative_question_action.c.question_id, evaluative_question_action.c.action_id
        ).order_by(evaluative_question_action.c.action_id)
    ):
        actions.setdefault(question_id, []).append(action_id)
    return [
        QuestionRow(
            id=question_id,
            position=position,
            text=text,
            indicator_ids=tuple(indicators.get(question_id, ())),
            action_ids=tuple(actions.get(question_id, ())),
        )
        for question_id, position, text in session.execute(
            select(
                EvaluativeQuestion.id, EvaluativeQuestion.position, EvaluativeQuestion.text
            ).order_by(EvaluativeQuestion.position, EvaluativeQuestion.id)
        )
    ]


def _write_question_links(
    session: Session,
    table: Table,
    column: str,
    question_id: int,
    *,
    add: Iterable[int] = (),
    remove: Iterable[int] = (),
) -> None:
    """The only writer of a question's link table (no ORM relationship maps them)."""
    linked = table.c[column]
    current = set(session.scalars(select(linked).where(table.c.question_id == question_id)))
    gone = current & set(remove)
    if gone:
        session.execute(
            table.delete().where(and_(table.c.question_id == question_id, linked.in_(gone)))
        )
    for linked_id in sorted(set(add) - current):
        session.execute(table.insert().values(question_id=question_id, **{column: linked_id}))


def _write_question_indicators(
    session: Session, question_id: int, *, add: Iterable[int] = (), remove: Iterable[int] = ()
) -> None:
    _write_question_links(
        session, evaluative_question_indicator, "indicator_id", question_id, add=add, remove=remove
    )


def _write_question_actions(
    session: Session, question_id: int, *, add: Iterable[int] = (), remove: Iterable[int] = ()
) -> None:
    _write_question_links(
        session, evaluative_question_action, "action_id", question_id, add=add, remove=remove
    )


def _check_indicators(session: Session, ids: set[int]) -> None:
    if ids:
        found = set(session.scalars(select(Indicator.id).where(Indicator.id.in_(ids))))
        if ids - found:
            raise ValidationError("Indicateurs : un des indicateurs choisis n'existe plus.")


def _check_actions(session: Session, ids: set[int]) -> None:
    if ids:
        found = set(session.scalars(select(Action.id).where(Action.id.in_(ids))))
        if ids - found:
            raise ValidationError("Actions : une des actions choisies n'existe plus.")


def link_indicator(session: Session, question_id: int, indicator_id: int) -> None:
    """Say that an indicator helps answer an evaluative question."""
    _question(session, question_id)
    _check_indicators(session, {indicator_id})
    _write_question_indicators(session, question_id, add={indicator_id})
    session.flush()


def unlink_indicator(session: Session, question_id: int, indicator_id: int) -> None:
    """Remove the link between an indicator and an evaluative question."""
    _question(session, question_id)
    _write_question_indicators(session, question_id, remove={indicator_id})
    session.flush()


def link_action(session: Session, question_id: int, action_id: int) -> None:
    """Say that an action helps answer an evaluative question."""
    _question(session, question_id)
    _check_actions(session, {action_id})
    _write_question_actions(session, question_id, add={action_id})
    session.flush()


def unlink_action(session: Session, question_id: int, action_id: int) -> None:
    """Remove the link between an action and an evaluative question."""
    _question(session, question_id)
    _write_question_actions(session, question_id, remove={action_id})
    session.flush()


def set_question_links(
    session: Session,
    question_id: int,
    *,
    indicator_ids: Iterable[int] | None = None,
    action_ids: Iterable[int] | None = None,
) -> None:
    """Replace the indicators and/or actions linked to a question (a checklist's OK)."""
    _question(session, question_id)
    if indicator_ids is not None:
        wanted = set(indicator_ids)
        _check_indicators(session, wanted)
        current = set(
            session.scalars(
                select(evaluative_question_indicator.c.indicator_id).where(
                    evaluative_question_indicator.c.question_id == question_id
                )
            )
        )
        _write_question_indicators(session, question_id, add=wanted, remove=current - wanted)
    if action_ids is not None:
        wanted = set(action_ids)
        _check_actions(session, wanted)
        current = set(
            session.scalars(
                select(evaluative_question_action.c.action_id).where(
                    evaluative_question_action.c.question_id == question_id
                )
            )
        )
        _write_question_actions(session, question_id, add=wanted, remove=current - wanted)
    session.flush()


def _question_text(text: str | None) -> str:
    value = " ".join((text or "").split())
    if not value:
        raise ValidationError("Question : le texte de la question ne peut pas être vide.", "text")
    if len(value) > MAX_QUESTION:
        raise ValidationError(f"Question : {MAX_QUESTION} caractères au plus.", "text")
    return value


def add_question(session: Session, text: str) -> int:
    """Add an evaluative question after the others (the contract says they may evolve)."""
    contract = session.scalars(select(Contract)).first()
    if contract is None:
        raise ValidationError("La base ne contient pas de contrat de ville.")
    position = session.scalar(select(func.max(EvaluativeQuestion.position)))
    question = EvaluativeQuestion(
        contract_id=contract.id,
        position=0 if position is None else int(position) + 1,
        text=_question_text(text),
    )
    session.add(question)
    session.flush()
    return question.id


def update_question(session: Session, question_id: int, text: str) -> None:
    """Reword an evaluative question."""
    question = _question(session, question_id)
    value = _question_text(text)
    if question.text != value:
        question.text = value
        session.flush()


def delete_question(session: Session, question_id: int) -> None:
    """Delete an evaluative question and its links; the following ones move up."""
    question = _question(session, question_id)
    row = next(r for r in question_rows(session) if r.id == question_id)
    _write_question_indicators(session, question_id, remove=row.indicator_ids)
    _write_question_actions(session, question_id, remove=row.action_ids)
    session.delete(question)
    session.flush()
    for position, other in enumerate(
        session.scalars(
            select(EvaluativeQuestion).order_by(EvaluativeQuestion.position, EvaluativeQuestion.id)
        )
    ):
        if other.position != position:
            other.position = position
    session.flush()


__all__ = [
    "PRESETS",
    "REPORTABLE_STATES",
    "FinancialReport",
    "IndicatorInput",
    "IndicatorPreset",
    "IndicatorRow",
    "IndicatorValue",
    "QuestionRow",
    "ReportIndicator",
    "ReportLine",
    "ReportOutcome",
    "ReportTotal",
    "add_preset_indicators",
    "add_question",
    "check_decimal",
    "create_indicator",
    "delete_indicator",
    "delete_question",
    "financial_report_data",
    "format_decimal",
    "indicator_rows",
    "link_action",
    "link_indicator",
    "parse_decimal",
    "percent",
    "question_rows",
    "record_financial_report",
    "set_measurement",
    "set_question_links",
    "unlink_action",
    "unlink_indicator",
    "update_indicator",
    "update_question",
    "validate_indicator_input",
]
