"""The tableau de programmation: the workbook partners expect, and our exchange format.

Three kinds of sheet, built from one set of data (`programmation_data`, tested as data,
then `write_programmation` renders it):

- « Programmation »: one row per dossier (reference, year, holder, SIRET, action,
  priority, operational objective, cross-cutting themes, cost, dates, state, opinion),
  the dossier's totals, then for every funder a group of four columns requested /
  proposed / granted / paid under a band naming the funder; a totals row of real
  ``SUM`` formulas;
- one sheet per funder: its funding rows, with their totals;
- « Lignes de financement »: one row per funding row (a dossier without any has one
  row with the funder columns empty), every dossier field repeated. This sheet is the
  exact exchange format: `programmation_import` reads it back, and exporting the
  imported data gives the same workbook, cell for cell.

A dossier belongs to the programmation of its year (`Dossier.year`); its amounts
cover all its funding rows, every year of a multi-year agreement included, like the
Dossiers page. Droit commun actions without dossier are not in the programmation.

Queries are set-based (one select per table, no ORM entity, no query per row) and run
on the session's connection: Core rows fetched as they are read, where the ORM's
`Session.execute` would first buffer all 200 000 funding rows.
50 000 dossiers are read in about a second (`benchmarks/bench_exchange.py`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, overload

from sqlalchemy import Integer, String, func, select, type_coerce
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import DossierState, FundingNature, Opinion
from qpvdesk.core.domain.models import (
    Action,
    BudgetLine,
    CrossCuttingTheme,
    Dossier,
    Funding,
    Objective,
    Organisation,
    Payment,
    StateTheme,
    action_theme,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.exchange.xlsx import (
    Column,
    ColumnGroup,
    ColumnKind,
    Progress,
    SheetSpec,
    write_workbook,
)

MAIN_SHEET = "Programmation"
LINES_SHEET = "Lignes de financement"
TOTAL_LABEL = "Total"
THEME_SEPARATOR = " ; "
#: How a dossier's number on the State's portal (Dauphin) is kept in its notes.
PORTAL_LABEL = "N° Dauphin"
_PORTAL_NOTE = re.compile(rf"^{PORTAL_LABEL}\s*:\s*(.+?)\s*$", re.MULTILINE)
AMOUNT_HEADINGS = ("Demandé", "Proposé", "Accordé", "Versé")
ID_CHUNK = 500


def portal_number_of(notes: str | None) -> str | None:
    """The portal (Dauphin) number written in a dossier's notes, if any."""
    if not notes:
        return None
    found = _PORTAL_NOTE.search(notes)
    return found.group(1) if found else None


def with_portal_number(notes: str | None, number: str) -> str:
    """*notes* carrying the line ``N° Dauphin : number`` (replacing an older one)."""
    line = f"{PORTAL_LABEL} : {number}"
    if not notes:
        return line
    if _PORTAL_NOTE.search(notes):
        return _PORTAL_NOTE.sub(line, notes, count=1)
    return f"{line}\n{notes}"


# --- the data ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Amounts:
    """Requested, proposed, granted and paid; None where nothing was given."""

    requested: Money | None = None
    proposed: Money | None = None
    granted: Money | None = None
    paid: Money | None = None

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(
            _plus(self.requested, other.requested),
            _plus(self.proposed, other.proposed),
            _plus(self.granted, other.granted),
            _plus(self.paid, other.paid),
        )

    def values(self) -> tuple[Money | None, Money | None, Money | None, Money | None]:
        return (self.requested, self.proposed, self.granted, self.paid)


def _plus(left: Money | None, right: Money | None) -> Money | None:
    if left is None:
        return right
    if right is None:
        return left
    return left + right


@dataclass(frozen=True, slots=True)
class ProgrammationDossier:
    """One dossier as the programmation shows it."""

    id: int
    reference: str
    portal_number: str | None
    year: int
    last_year: int | None
    holder: str
    siret: str | None
    rna: str | None
    action: str
    priority: str | None
    objective_code: str | None
    objective_title: str | None
    themes: str | None
    state_theme: str | None
    total_cost: Money
    received_on: date | None
    state: DossierState
    opinion: Opinion | None
    totals: Amounts
    #: Amounts per funder id (all lines and years of that funder).
    by_funder: dict[int, Amounts]


@dataclass(frozen=True, slots=True)
class ProgrammationLine:
    """One funding row (or the single row of a dossier without funding)."""

    dossier: ProgrammationDossier
    funder_id: int | None
    funder: str | None
    line: str | None
    line_code: str | None
    nature: FundingNature | None
    funding_year: int | None
    amounts: Amounts
    last_paid_on: date | None
    decision: str | None
    decided_on: date | None


@dataclass(frozen=True, slots=True)
class Funder:
    """A funder with at least one funding row in the programmation."""

    id: int
    name: str
    acronym: str | None


@dataclass(frozen=True, slots=True)
class Programmation:
    """Everything the workbook shows, in order: dossiers, funders, funding rows."""

    years: tuple[int, ...]
    dossiers: tuple[ProgrammationDossier, ...]
    funders: tuple[Funder, ...]
    lines: tuple[ProgrammationLine, ...]


def _name_key(name: str) -> tuple[str, str]:
    return (fold(name), name)


def programmation_data(session: Session, years: Collection[int] | None = None) -> Programmation:
    """The dossiers of *years* (every year when None), by year and number, with their money."""
    year_list = None if years is None else sorted(set(years))
    statement = (
        select(
            Dossier.id,
            Dossier.reference,
            Dossier.notes,
            Dossier.year,
            Dossier.last_year,
            Dossier.holder_id,
            Action.title,
            Action.id,
            Action.state_theme_id,
            Dossier.objective_id,
            type_coerce(Dossier.total_cost, Integer),
            Dossier.received_on,
            type_coerce(Dossier.state, String),
            type_coerce(Dossier.opinion, String),
        )
        .join(Action, Action.id == Dossier.action_id)
        .order_by(Dossier.year, Dossier.sequence)
    )
    if year_list is not None:
        statement = statement.where(Dossier.year.in_(year_list))
    records = session.connection().execute(statement).all()
    holder_ids = {record[5] for record in records}
    organisations = _organisations(session, holder_ids)
    objectives = _objectives(session)
    themes = _themes(session, {record[7] for record in records})
    state_themes = {
        theme_id: f"{code} {label}"
        for theme_id, code, label in session.execute(
            select(StateTheme.id, StateTheme.code, StateTheme.label)
        )
    }
    funder_names: dict[int, tuple[str, str | None]] = {}
    by_dossier: dict[int, list[_FundingRecord]] = defaultdict(list)
    for funding in _fundings(session, year_list):
        by_dossier[funding.dossier_id].append(funding)
        funder_names[funding.funder_id] = (funding.funder, funding.funder_acronym)
    shared = _Shared()
    dossiers: list[ProgrammationDossier] = []
    lines: list[ProgrammationLine] = []
    for (
        dossier_id,
        reference,
        notes,
        year,
        last_year,
        holder_id,
        title,
        action_id,
        state_theme_id,
        objective_id,
        total_cost,
        received_on,
        state,
        opinion,
    ) in records:
        # Popped: each funding record is let go once its line is built.
        rows = sorted(by_dossier.pop(dossier_id, ()), key=_FundingRecord.sort_key)
        by_funder: dict[int, Amounts] = {}
        totals = Amounts()
        for row in rows:
            by_funder[row.funder_id] = by_funder.get(row.funder_id, Amounts()) + row.amounts
            totals = totals + row.amounts
        holder_name, siret, rna = organisations[holder_id]
        objective = objectives.get(objective_id) if objective_id is not None else None
        dossier = ProgrammationDossier(
            id=dossier_id,
            reference=reference,
            portal_number=portal_number_of(notes),
            year=year,
            last_year=last_year,
            holder=holder_name,
            siret=siret,
            rna=rna,
            action=shared.text(title),
            priority=objective.priority if objective else None,
            objective_code=objective.code if objective else None,
            objective_title=objective.title if objective else None,
            themes=themes.get(action_id),
            state_theme=None if state_theme_id is None else state_themes.get(state_theme_id),
            total_cost=shared.money(total_cost or 0),
            received_on=received_on,
            state=DossierState(state),
            opinion=None if opinion is None else Opinion(opinion),
            totals=totals,
            by_funder=by_funder,
        )
        dossiers.append(dossier)
        if not rows:
            lines.append(
                ProgrammationLine(
                    dossier, None, None, None, None, None, None, Amounts(), None, None, None
                )
            )
        for row in rows:
            lines.append(
                ProgrammationLine(
                    dossier=dossier,
                    funder_id=row.funder_id,
                    funder=row.funder,
                    line=row.line,
                    line_code=row.line_code,
                    nature=row.nature,
                    funding_year=row.year,
                    amounts=row.amounts,
                    last_paid_on=row.last_paid_on,
                    decision=row.decision,
                    decided_on=row.decided_on,
                )
            )
    funders = sorted(
        (Funder(funder_id, name, acronym) for funder_id, (name, acronym) in funder_names.items()),
        key=lambda funder: _name_key(funder.name),
    )
    found_years = sorted({dossier.year for dossier in dossiers})
    return Programmation(
        years=tuple(year_list if year_list is not None else found_years),
        dossiers=tuple(dossiers),
        funders=tuple(funders),
        lines=tuple(lines),
    )


def _organisations(
    session: Session, ids: Collection[int]
) -> dict[int, tuple[str, str | None, str | None]]:
    found: dict[int, tuple[str, str | None, str | None]] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), ID_CHUNK):
        chunk = wanted[start : start + ID_CHUNK]
        for organisation_id, name, siret, rna in session.execute(
            select(Organisation.id, Organisation.name, Organisation.siret, Organisation.rna).where(
                Organisation.id.in_(chunk)
            )
        ):
            found[organisation_id] = (name, siret, rna)
    return found


@dataclass(frozen=True, slots=True)
class _Objective:
    code: str
    title: str
    priority: str | None


def _objectives(session: Session) -> dict[int, _Objective]:
    rows = session.execute(
        select(
            Objective.id,
            Objective.parent_id,
            Objective.code,
            Objective.title,
            Objective.short_title,
        )
    ).all()
    by_id = {row[0]: row for row in rows}

    def priority_of(objective_id: int) -> str | None:
        node = by_id.get(objective_id)
        seen = 0
        while node is not None and node[1] is not None and seen < 50:
            node = by_id.get(node[1])
            seen += 1
        if node is None:
            return None
        return f"{node[2]} – {node[4] or node[3]}"

    return {
        objective_id: _Objective(code, title, priority_of(objective_id))
        for objective_id, _parent, code, title, _short in rows
    }


def _themes(session: Session, action_ids: Collection[int]) -> dict[int, str]:
    titles = {
        theme_id: (position, title)
        for theme_id, position, title in session.execute(
            select(CrossCuttingTheme.id, CrossCuttingTheme.position, CrossCuttingTheme.title)
        )
    }
    by_action: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for action_id, theme_id in session.execute(
        select(action_theme.c.action_id, action_theme.c.theme_id)
    ):
        if action_id in action_ids and theme_id in titles:
            position, title = titles[theme_id]
            by_action[action_id].append((position, theme_id, title))
    return {
        action_id: THEME_SEPARATOR.join(title for _, _, title in sorted(items))
        for action_id, items in by_action.items()
    }


@dataclass(frozen=True, slots=True)
class _FundingRecord:
    dossier_id: int
    funder_id: int
    funder: str
    funder_acronym: str | None
    line: str
    line_code: str | None
    nature: FundingNature
    year: int
    amounts: Amounts
    last_paid_on: date | None
    decision: str | None
    decided_on: date | None

    def sort_key(self) -> tuple[Any, ...]:
        return (self.year, fold(self.funder), self.funder, fold(self.line), self.line)


class _Shared:
    """One object for each distinct text, amount and date read.

    SQLite hands back a new object for every value of every row: 200 000 funding rows
    repeat the same funders, lines, decisions, amounts and dates, and sharing them keeps
    the whole programmation in far less memory (`benchmarks/bench_exchange.py`).
    """

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.amounts: dict[int, Money] = {}
        self.days: dict[date, date] = {}

    @overload
    def text(self, value: str) -> str: ...

    @overload
    def text(self, value: None) -> None: ...

    @overload
    def text(self, value: str | None) -> str | None: ...

    def text(self, value: str | None) -> str | None:
        return None if value is None else self.texts.setdefault(value, value)

    def money(self, cents: int) -> Money:
        found = self.amounts.get(cents)
        if found is None:
            found = self.amounts[cents] = Money(int(cents))
        return found

    def optional_money(self, cents: int | None) -> Money | None:
        return None if cents is None else self.money(cents)

    def day(self, value: date | None) -> date | None:
        return None if value is None else self.days.setdefault(value, value)


def _fundings(session: Session, years: list[int] | None) -> list[_FundingRecord]:
    paid = (
        select(
            Payment.funding_id.label("funding_id"),
            type_coerce(func.sum(Payment.amount), Integer).label("paid"),
            func.max(Payment.paid_on).label("last_paid_on"),
        )
        .where(Payment.paid_on.is_not(None))
        .group_by(Payment.funding_id)
        .subquery()
    )
    statement = (
        select(
            Funding.dossier_id,
            BudgetLine.funder_id,
            Organisation.name,
            Organisation.acronym,
            BudgetLine.name,
            BudgetLine.code,
            type_coerce(BudgetLine.nature, String),
            Funding.year,
            type_coerce(Funding.requested, Integer),
            type_coerce(Funding.proposed, Integer),
            type_coerce(Funding.granted, Integer),
            paid.c.paid,
            paid.c.last_paid_on,
            Funding.funder_decision,
            Funding.decided_on,
        )
        .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
        .join(Organisation, Organisation.id == BudgetLine.funder_id)
        .join(Dossier, Dossier.id == Funding.dossier_id)
        .outerjoin(paid, paid.c.funding_id == Funding.id)
    )
    if years is not None:
        statement = statement.where(Dossier.year.in_(years))
    records: list[_FundingRecord] = []
    shared = _Shared()
    text, money = shared.text, shared.optional_money
    for (
        dossier_id,
        funder_id,
        funder,
        acronym,
        line,
        code,
        nature,
        year,
        requested,
        proposed,
        granted,
        paid_cents,
        last_paid_on,
        decision,
        decided_on,
    ) in session.connection().execute(statement):
        assert dossier_id is not None  # joined on the dossier
        records.append(
            _FundingRecord(
                dossier_id=dossier_id,
                funder_id=funder_id,
                funder=text(funder),
                funder_acronym=text(acronym),
                line=text(line),
                line_code=text(code),
                nature=FundingNature(nature),
                year=year,
                amounts=Amounts(
                    money(requested), money(proposed), money(granted), money(paid_cents)
                ),
                last_paid_on=shared.day(_as_date(last_paid_on)),
                decision=text(decision),
                decided_on=shared.day(decided_on),
            )
        )
    return records


def _as_date(value: Any) -> date | None:
    """MAX() over a date column comes back as text on SQLite."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- the sheets ----------------------------------------------------------------------------

DOSSIER_COLUMNS = (
    Column("Référence"),
    Column("Année", ColumnKind.INTEGER),
    Column("Dernière année", ColumnKind.INTEGER),
    Column("Porteur", max_width=45),
    Column("SIRET"),
    Column("Action", max_width=60),
    Column("Priorité", max_width=40),
    Column("Code objectif"),
    Column("Objectif opérationnel", max_width=50),
    Column("Axes transversaux", max_width=40),
    Column("Coût total", ColumnKind.MONEY),
    Column("Reçu le", ColumnKind.DATE),
    Column("État"),
    Column("Avis"),
    Column("Total demandé", ColumnKind.MONEY),
    Column("Total proposé", ColumnKind.MONEY),
    Column("Total accordé", ColumnKind.MONEY),
    Column("Total versé", ColumnKind.MONEY),
)
"""The « Programmation » sheet's dossier columns; the funders' groups follow."""

LINE_COLUMNS = (
    Column("Référence"),
    Column(PORTAL_LABEL),
    Column("Année", ColumnKind.INTEGER),
    Column("Dernière année", ColumnKind.INTEGER),
    Column("Porteur", max_width=45),
    Column("SIRET"),
    Column("RNA"),
    Column("Action", max_width=60),
    Column("Priorité", max_width=40),
    Column("Code objectif"),
    Column("Objectif opérationnel", max_width=50),
    Column("Axes transversaux", max_width=40),
    Column("Thématique de l'État", max_width=40),
    Column("Coût total", ColumnKind.MONEY),
    Column("Reçu le", ColumnKind.DATE),
    Column("État"),
    Column("Avis"),
    Column("Financeur", max_width=40),
    Column("Ligne budgétaire", max_width=50),
    Column("Code ligne"),
    Column("Nature"),
    Column("Année du financement", ColumnKind.INTEGER),
    Column("Demandé", ColumnKind.MONEY),
    Column("Proposé", ColumnKind.MONEY),
    Column("Accordé", ColumnKind.MONEY),
    Column("Versé", ColumnKind.MONEY),
    Column("Dernier versement le", ColumnKind.DATE),
    Column("Décision du financeur", max_width=40),
    Column("Décidé le", ColumnKind.DATE),
)
"""The exchange format: « Lignes de financement », read back by `programmation_import`."""

FUNDER_COLUMNS = (
    Column("Référence"),
    Column("Année", ColumnKind.INTEGER),
    Column("Porteur", max_width=45),
    Column("SIRET"),
    Column("Action", max_width=60),
    Column("Code objectif"),
    Column("État"),
    Column("Ligne budgétaire", max_width=50),
    Column("Année du financement", ColumnKind.INTEGER),
    Column("Demandé", ColumnKind.MONEY),
    Column("Proposé", ColumnKind.MONEY),
    Column("Accordé", ColumnKind.MONEY),
    Column("Versé", ColumnKind.MONEY),
    Column("Décision du financeur", max_width=40),
)
"""A funder's own sheet: its funding rows."""


class _Rows(Sequence[tuple[object, ...]]):
    """A sheet's rows built as they are read, never all held at once.

    The writer reads a sheet twice (widths, then cells): building a row twice costs far
    less than keeping 200 000 of them in memory beside the data they come from.
    """

    def __init__(self, items: Sequence[Any], build: Callable[[Any], tuple[object, ...]]) -> None:
        self.items = items
        self.build = build

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[tuple[object, ...]]:
        build = self.build
        for item in self.items:
            yield build(item)

    @overload
    def __getitem__(self, index: int) -> tuple[object, ...]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[object, ...]]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self.build(item) for item in self.items[index]]
        return self.build(self.items[index])


def _label(value: DossierState | Opinion | FundingNature | None) -> str | None:
    return None if value is None else value.label


def main_sheet(data: Programmation) -> SheetSpec:
    """« Programmation »: a row per dossier, a group of four amounts per funder, totals."""
    columns = list(DOSSIER_COLUMNS)
    groups = []
    for funder in data.funders:
        groups.append(ColumnGroup(funder.name, len(columns), len(AMOUNT_HEADINGS)))
        columns += [Column(heading, ColumnKind.MONEY) for heading in AMOUNT_HEADINGS]
    empty = Amounts()

    def row(d: ProgrammationDossier) -> tuple[object, ...]:
        return (
            d.reference,
            d.year,
            d.last_year,
            d.holder,
            d.siret,
            d.action,
            d.priority,
            d.objective_code,
            d.objective_title,
            d.themes,
            d.total_cost,
            d.received_on,
            d.state.label,
            _label(d.opinion),
            *d.totals.values(),
            *(
                value
                for funder in data.funders
                for value in d.by_funder.get(funder.id, empty).values()
            ),
        )

    return SheetSpec(
        MAIN_SHEET,
        columns,
        _Rows(data.dossiers, row),
        groups=groups,
        totals_label=TOTAL_LABEL,
        frozen_columns=1,
    )


def line_values(line: ProgrammationLine) -> tuple[object, ...]:
    """One row of « Lignes de financement », in the order of `LINE_COLUMNS`."""
    d = line.dossier
    return (
        d.reference,
        d.portal_number,
        d.year,
        d.last_year,
        d.holder,
        d.siret,
        d.rna,
        d.action,
        d.priority,
        d.objective_code,
        d.objective_title,
        d.themes,
        d.state_theme,
        d.total_cost,
        d.received_on,
        d.state.label,
        _label(d.opinion),
        line.funder,
        line.line,
        line.line_code,
        _label(line.nature),
        line.funding_year,
        *line.amounts.values(),
        line.last_paid_on,
        line.decision,
        line.decided_on,
    )


def lines_sheet(data: Programmation) -> SheetSpec:
    """« Lignes de financement »: the exchange format (no totals row: it is read back)."""
    return SheetSpec(LINES_SHEET, LINE_COLUMNS, _Rows(data.lines, line_values), frozen_columns=1)


def funder_sheets(data: Programmation) -> list[SheetSpec]:
    """One sheet per funder: its funding rows and their totals."""
    by_funder: dict[int, list[ProgrammationLine]] = defaultdict(list)
    for line in data.lines:
        if line.funder_id is not None:
            by_funder[line.funder_id].append(line)
    sheets = []
    for funder in data.funders:
        title = funder.name if len(funder.name) <= 31 or not funder.acronym else funder.acronym
        sheets.append(
            SheetSpec(
                title,
                FUNDER_COLUMNS,
                _Rows(by_funder[funder.id], _funder_row),
                totals_label=TOTAL_LABEL,
                frozen_columns=1,
            )
        )
    return sheets


def _funder_row(line: ProgrammationLine) -> tuple[object, ...]:
    return (
        line.dossier.reference,
        line.dossier.year,
        line.dossier.holder,
        line.dossier.siret,
        line.dossier.action,
        line.dossier.objective_code,
        line.dossier.state.label,
        line.line,
        line.funding_year,
        *line.amounts.values(),
        line.decision,
    )


def workbook_title(years: Sequence[int]) -> str:
    if not years:
        return "Programmation"
    if len(years) == 1:
        return f"Programmation {years[0]}"
    return f"Programmation {years[0]}–{years[-1]}"


def write_programmation(
    data: Programmation, path: Path, *, progress: Progress | None = None
) -> Path:
    """Render *data* to the workbook *path* (``.xlsx`` added if missing); returns the path."""
    path = _xlsx(path)
    sheets = [main_sheet(data), *funder_sheets(data), lines_sheet(data)]
    return write_workbook(path, sheets, title=workbook_title(data.years), progress=progress)


def export_programmation(
    session: Session,
    path: Path,
    years: Iterable[int] | None = None,
    *,
    progress: Progress | None = None,
) -> Path:
    """Export the programmation of *years* (all years when None) to *path*; returns the path.

    Raises `StorageError` when the file cannot be written; *progress* may raise
    `ExportCancelled` (nothing is left on disk).
    """
    data = programmation_data(session, None if years is None else set(years))
    return write_programmation(data, path, progress=progress)


def _xlsx(path: Path) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    return path


__all__ = [
    "DOSSIER_COLUMNS",
    "FUNDER_COLUMNS",
    "LINES_SHEET",
    "LINE_COLUMNS",
    "MAIN_SHEET",
    "PORTAL_LABEL",
    "THEME_SEPARATOR",
    "Amounts",
    "Funder",
    "Programmation",
    "ProgrammationDossier",
    "ProgrammationLine",
    "export_programmation",
    "funder_sheets",
    "line_values",
    "lines_sheet",
    "main_sheet",
    "portal_number_of",
    "programmation_data",
    "with_portal_number",
    "write_programmation",
]
