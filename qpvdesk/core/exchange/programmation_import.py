"""Importing a programmation workbook: ours, or anyone's, all or nothing, explained row by row.

Three steps, each usable alone (the window shows the second before the third):

1. `workbook_reading.read_workbook` opens the file safely; the sheet is chosen (ours:
   « Lignes de financement », the exact exchange format; otherwise the sheet whose
   header names the most fields) and `column_mapping` finds its header.
2. `preview_import` reads every row, checks everything against the database and
   returns an `ImportPreview`: what would be created, updated or left aside and why,
   row by row, and every error (sheet, Excel row, column, value, French reason).
   Nothing is written.
3. `apply_import` does it again inside the caller's unit of work and writes it all, or
   raises `ImportRefused` with the errors and writes nothing. `import_programmation`
   is the whole sequence on an open `Database`: a backup first, then one transaction.

Matching, so that importing the same workbook twice changes nothing the second time:
organisations by SIRET, then RNA, then normalised name (`partners.duplicate_key`);
dossiers by reference, then by the State portal's number (kept in the dossier's notes,
« N° Dauphin : … »), then by year, holder and action title. Funders by name or
acronym, budget lines by name or code (a sheet without a funder column takes
``default_lines``). An amount left empty never erases one in the database; payments
are never deleted (a different « Versé » is reported, not forced). A granted amount
a COPIL approved is never changed by an import (the row is refused with a message):
it changes in the dossier, which asks for the reason.

Writes go through SQLAlchemy Core, set-based (``performance.md``: the ORM's bulk path
is ~15x slower), after the same checks the services make — in bulk, from lookups
loaded once. The audit triggers record every row written.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, func, insert, select, type_coerce, update
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import (
    ActionKind,
    ActionState,
    DossierState,
    FundingNature,
    ObjectiveLevel,
    Opinion,
    OrganisationKind,
    OrganisationRoleKind,
    PaymentKind,
    StateThemeLevel,
)
from qpvdesk.core.domain.identifiers import validate_rna, validate_siret
from qpvdesk.core.domain.models import (
    Action,
    BudgetLine,
    CallForProjects,
    Contract,
    CrossCuttingTheme,
    Dossier,
    DossierEvent,
    Funding,
    Objective,
    Organisation,
    OrganisationRole,
    Payment,
    StateTheme,
    action_theme,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold as _fold_uncached
from qpvdesk.core.domain.workflow import TRANSITIONS
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.exchange.column_mapping import (
    AMOUNT_FIELDS,
    Field,
    HeaderMapping,
    Kind,
    MappedColumn,
    MappingOverrides,
    find_header,
)
from qpvdesk.core.exchange.programmation_export import (
    LINES_SHEET,
    portal_number_of,
    with_portal_number,
)
from qpvdesk.core.exchange.workbook_reading import (
    AmountReading,
    CellError,
    SheetRows,
    WorkbookContent,
    WorkbookError,
    cell_text,
    display_value,
    read_amount,
    read_date,
    read_workbook,
    read_year,
)
from qpvdesk.core.exchange.xlsx import Column, write_table
from qpvdesk.core.services.funding import approval_of
from qpvdesk.core.services.partners import duplicate_key as _duplicate_key
from qpvdesk.core.storage.engine import current_user

if TYPE_CHECKING:
    from qpvdesk.core.storage.database import Database

REFERENCE_PATTERN = re.compile(r"^(\d{4})-(\d{1,6})$")
MAX_TEXT = {Field.HOLDER: 300, Field.ACTION: 500, Field.DECISION: 300, Field.PORTAL_NUMBER: 60}
_TOTAL_WORDS = re.compile(r"^(?:sous[\s-]?)?totaux?\b|^total\b", re.IGNORECASE)
ID_CHUNK = 500

#: Folding is called for every text of every row: the same few thousand strings.
fold = functools.lru_cache(maxsize=200_000)(_fold_uncached)


@functools.lru_cache(maxsize=200_000)
def duplicate_key(name: str) -> str:
    """The name as organisations are matched (`partners.duplicate_key`); a name made only of
    filler words (« Asso ») keeps its folded self rather than matching every other such."""
    return _duplicate_key(name) or _fold_uncached(name)


Progress = Callable[[str], None]
"""Told what the import is doing (« Lecture du classeur… »), for a status line."""


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem found in the workbook, where it is and why (French)."""

    sheet: str
    row: int
    column: str
    value: str
    reason: str

    def describe(self) -> str:
        """« Feuille « Prog », ligne 12, colonne F (Montant) : « -1 » — un montant ne peut… »"""
        where = f"Feuille « {self.sheet} », ligne {self.row}" if self.row else f"« {self.sheet} »"
        if self.column:
            where += f", colonne {self.column}"
        value = f"« {self.value} » — " if self.value else ""
        return f"{where} : {value}{self.reason}"


class Outcome(StrEnum):
    """What the import does with something it found."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"

    @property
    def label(self) -> str:
        return {
            "created": "à créer",
            "updated": "à mettre à jour",
            "unchanged": "inchangé",
            "skipped": "laissé de côté",
        }[self.value]


@dataclass(frozen=True, slots=True)
class PreviewLine:
    """One thing the import would do: created, updated, unchanged or left aside, and why."""

    rows: tuple[int, ...]
    subject: str
    outcome: Outcome
    detail: str = ""

    def describe(self) -> str:
        rows = ", ".join(str(row) for row in self.rows[:5]) + ("…" if len(self.rows) > 5 else "")
        where = f"ligne{'s' if len(self.rows) > 1 else ''} {rows}" if self.rows else ""
        detail = f" — {self.detail}" if self.detail else ""
        return f"{where} : {self.subject} : {self.outcome.label}{detail}".lstrip(" :")


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """How many of each thing the import creates or updates."""

    rows: int = 0
    dossiers_created: int = 0
    dossiers_updated: int = 0
    dossiers_unchanged: int = 0
    fundings_created: int = 0
    fundings_updated: int = 0
    payments_created: int = 0
    organisations_created: int = 0
    budget_lines_created: int = 0


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """What an import would do, before anything is written."""

    file: Path
    sheet: str
    header: HeaderMapping | None
    lines: tuple[PreviewLine, ...]
    errors: tuple[RowError, ...]
    notes: tuple[str, ...]
    counts: ImportCounts

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes_anything(self) -> bool:
        c = self.counts
        return bool(
            c.dossiers_created
            or c.dossiers_updated
            or c.fundings_created
            or c.fundings_updated
            or c.payments_created
            or c.organisations_created
            or c.budget_lines_created
        )

    def summary(self) -> str:
        """A French paragraph: what would be created, updated, and the errors' count."""
        c = self.counts
        parts = [
            f"{c.rows} ligne{'s' if c.rows > 1 else ''} lue{'s' if c.rows > 1 else ''} "
            f"(feuille « {self.sheet} »)",
            f"dossiers : {c.dossiers_created} à créer, {c.dossiers_updated} à mettre à jour, "
            f"{c.dossiers_unchanged} inchangé{'s' if c.dossiers_unchanged > 1 else ''}",
            f"financements : {c.fundings_created} à créer, {c.fundings_updated} à mettre à jour",
            f"versements à créer : {c.payments_created}",
            f"structures à créer : {c.organisations_created}",
        ]
        if c.budget_lines_created:
            parts.append(f"lignes budgétaires à créer : {c.budget_lines_created}")
        if self.errors:
            count = len(self.errors)
            parts.append(
                f"{count} erreur{'s' if count > 1 else ''} : rien ne sera enregistré tant "
                + (
                    "qu'elles ne seront pas corrigées"
                    if count > 1
                    else "qu'elle ne sera pas corrigée"
                )
            )
        return "\n".join(parts)


class ImportRefused(ValidationError):
    """The workbook has errors: nothing was written. ``preview`` lists them."""

    def __init__(self, preview: ImportPreview) -> None:
        count = len(preview.errors)
        first = preview.errors[0].describe() if preview.errors else ""
        super().__init__(
            f"Import refusé : {count} erreur{'s' if count > 1 else ''} dans « "
            f"{preview.file.name} », rien n'a été enregistré. Première erreur : {first}"
        )
        self.preview = preview


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What `import_programmation` did: its preview, the backup taken, whether it wrote."""

    preview: ImportPreview
    written: bool
    backup: Path | None = None


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How to read the workbook: the user's column mapping, the sheet, defaults."""

    mapping: MappingOverrides = field(default_factory=MappingOverrides)
    sheet: str | None = None
    #: The year of rows that give none (a workbook titled « Programmation 2025 »).
    default_year: int | None = None
    #: Budget lines (code or name) for rows that do not say which: the one of the row's
    #: funder, or, for rows naming no funder, the only one given.
    default_lines: tuple[str, ...] = ()
    today: date | None = None


# --- parsing rows --------------------------------------------------------------------------


@dataclass(slots=True)
class _Funding:
    column: str
    funder: str | None = None
    line: str | None = None
    line_code: str | None = None
    nature: FundingNature | None = None
    year: int | None = None
    requested: Money | None = None
    proposed: Money | None = None
    granted: Money | None = None
    paid: Money | None = None
    paid_on: date | None = None
    decision: str | None = None
    decided_on: date | None = None
    # Filled by the resolution: the budget line's id (or a planned new line's key).
    line_key: Any = None

    @property
    def has_amount(self) -> bool:
        return any(
            value is not None for value in (self.requested, self.proposed, self.granted, self.paid)
        )


@dataclass(slots=True)
class _Row:
    number: int
    values: dict[Field, Any] = field(default_factory=dict)
    where: dict[Field, str] = field(default_factory=dict)
    fundings: list[_Funding] = field(default_factory=list)


_STATES = {fold(state.label): state for state in DossierState} | {
    fold(state.value.replace("_", " ")): state for state in DossierState
}
_STATES.update(
    {
        "recevable": DossierState.COMPLETE,
        "complet": DossierState.COMPLETE,
        "instruction": DossierState.UNDER_REVIEW,
        "en cours d'instruction": DossierState.UNDER_REVIEW,
        "valide": DossierState.APPROVED,
        "accepte": DossierState.APPROVED,
        "attribue": DossierState.APPROVED,
        "solde": DossierState.CLOSED,
        "cloture": DossierState.CLOSED,
        "depose": DossierState.RECEIVED,
        "abandonne": DossierState.WITHDRAWN,
        "rejete": DossierState.REFUSED,
    }
)
_OPINIONS = {fold(opinion.label): opinion for opinion in Opinion} | {
    fold(opinion.value): opinion for opinion in Opinion
}
_OPINIONS.update({"favorable sous reserve": Opinion.RESERVED, "reserve": Opinion.RESERVED})
_NATURES = {fold(nature.label): nature for nature in FundingNature} | {
    fold(nature.value.replace("_", " ")): nature for nature in FundingNature
}
_NATURES.update(
    {"specifique": FundingNature.SPECIFIC, "credits specifiques": FundingNature.SPECIFIC}
)


class _Reader:
    """Reads one sheet's rows into `_Row`s, collecting every cell error."""

    def __init__(self, sheet: SheetRows, header: HeaderMapping, errors: list[RowError]) -> None:
        self.sheet = sheet
        self.header = header
        self.errors = errors
        # Ignored columns (totals, modification dates…) are never read.
        self.single = [
            c
            for c in header.columns
            if c.field is not None and c.field is not Field.IGNORED and c.funder is None
        ]
        self.wide: dict[str, list[MappedColumn]] = defaultdict(list)
        for column in header.columns:
            if column.funder is not None and column.field is not None:
                self.wide[column.funder].append(column)
        # Amount spellings per column, for the ambiguity check (« 1,000 » beside « 2,50 »).
        self.amounts: dict[int, list[tuple[int, Any, AmountReading]]] = defaultdict(list)
        self.skipped_totals: list[int] = []
        # Worked out once per column, not once per cell: where a value comes from
        # (« F (Demandé) ») and how it is read.
        self.where_of = {c.index: f"{c.letter} ({c.heading})" for c in header.columns}
        self.kind_of = {c.index: c.field.kind for c in header.columns if c.field is not None}
        #: Texts of the state, opinion and nature columns already folded (a few distinct).
        self.folded: dict[str, str] = {}

    def error(self, row: int, column: MappedColumn | None, value: Any, reason: str) -> None:
        where = self.where_of[column.index] if column is not None else ""
        self.errors.append(RowError(self.sheet.name, row, where, display_value(value), reason))

    def fold(self, text: str) -> str:
        folded = self.folded.get(text)
        if folded is None:
            folded = self.folded[text] = fold(text)
        return folded

    def rows(self) -> list[_Row]:
        parsed: list[_Row] = []
        for number, values in self.sheet.rows:
            if number <= self.header.row:
                continue
            if self._is_totals(values):
                self.skipped_totals.append(number)
                continue
            if self._repeats_header(values):
                continue  # a header printed again on each page of the source
            row = self._row(number, values)
            if parsed and row.fundings and not row.values.keys() & _IDENTIFYING:
                # Only a funder and its amounts: the dossier of the row above goes on (the
                # holder's cells left blank rather than merged).
                above = parsed[-1]
                row.values = {**above.values, **row.values}
                row.where = {**above.where, **row.where}
            parsed.append(row)
        self._check_ambiguous_amounts()
        return parsed

    def _repeats_header(self, values: tuple[Any, ...]) -> bool:
        headings = [c for c in self.header.columns if c.field is not None]
        return bool(headings) and all(
            c.index < len(values)
            and " ".join((cell_text(values[c.index]) or "").split()) == c.heading
            for c in headings
        )

    def _is_totals(self, values: tuple[Any, ...]) -> bool:
        first = next((cell_text(v) for v in values if cell_text(v) is not None), None)
        if first is None or not _TOTAL_WORDS.match(fold(first)):
            return False
        holder = self.header.column(Field.HOLDER)
        return holder is None or holder.index >= len(values) or values[holder.index] is None

    def _value(self, number: int, column: MappedColumn, raw: Any) -> Any:
        assert column.field is not None
        kind = self.kind_of[column.index]
        try:
            if kind is Kind.AMOUNT:
                reading = read_amount(raw)
                if reading is None:
                    return None
                self.amounts[column.index].append((number, raw, reading))
                return reading.money
            if kind is Kind.DATE:
                return read_date(raw)
            if kind is Kind.YEAR:
                return read_year(raw)
        except CellError as problem:
            self.error(number, column, raw, problem.reason)
            return None
        text = cell_text(raw)
        if text is None:
            return None
        if column.field is Field.SIRET and isinstance(raw, (int, float)):
            text = str(int(raw)).zfill(14)
        limit = MAX_TEXT.get(column.field)
        if limit is not None and len(text) > limit:
            self.error(number, column, raw, f"{limit} caractères au plus.")
            return None
        return text

    def _row(self, number: int, values: tuple[Any, ...]) -> _Row:
        row = _Row(number)
        plain = _Funding(column="")
        width = len(values)
        for column in self.single:
            raw = values[column.index] if column.index < width else None
            if raw is None:
                continue
            value = self._value(number, column, raw)
            if value is None:
                continue
            self._store(row, plain, column, value, raw)
        if any(
            getattr(plain, name) is not None
            for name in ("funder", "line", "line_code", "requested", "proposed", "granted", "paid")
        ):
            row.fundings.append(plain)
        for funder, columns in self.wide.items():
            funding = _Funding(column=columns[0].letter, funder=funder)
            for column in columns:
                raw = values[column.index] if column.index < len(values) else None
                if raw is None:
                    continue
                value = self._value(number, column, raw)
                if value is not None:
                    self._store(row, funding, column, value, raw)
            if funding.has_amount:
                # The row's own line, year and decision apply to each funder's amounts.
                funding.year = funding.year or plain.year
                row.fundings.append(funding)
        return row

    def _store(
        self, row: _Row, funding: _Funding, column: MappedColumn, value: Any, raw: Any
    ) -> None:
        target = column.field
        assert target is not None
        where = self.where_of[column.index]
        if target is Field.STATE:
            state = _STATES.get(self.fold(value))
            if state is None:
                known = ", ".join(f"« {s.label} »" for s in DossierState)
                self.error(row.number, column, raw, f"état inconnu (états possibles : {known}).")
                return
            value = state
        elif target is Field.OPINION:
            opinion = _OPINIONS.get(self.fold(value))
            if opinion is None:
                known = ", ".join(f"« {o.label} »" for o in Opinion)
                self.error(row.number, column, raw, f"avis inconnu (avis possibles : {known}).")
                return
            value = opinion
        elif target is Field.NATURE:
            nature = _NATURES.get(self.fold(value))
            if nature is None:
                self.error(
                    row.number,
                    column,
                    raw,
                    "nature inconnue (« Droit commun » ou « Crédits spécifiques »).",
                )
                return
            value = nature
        attribute = _FUNDING_ATTRIBUTES.get(target)
        if attribute is not None:
            setattr(funding, attribute, value)
            if not funding.column:
                funding.column = column.letter
        else:
            row.values[target] = value
        row.where[target] = where

    def _check_ambiguous_amounts(self) -> None:
        for index, readings in self.amounts.items():
            decimal_marks = {r.decimal_mark for _, _, r in readings if r.decimal_mark}
            for number, raw, reading in readings:
                if reading.thousands_guess and reading.thousands_guess in decimal_marks:
                    column = next(c for c in self.header.columns if c.index == index)
                    mark = "virgule" if reading.thousands_guess == "," else "point"
                    self.error(
                        number,
                        column,
                        raw,
                        f"montant ambigu : la colonne utilise aussi la {mark} comme séparateur "
                        "décimal ; écrivez le montant sans ambiguïté (par exemple 1 000 ou "
                        "1,00).",
                    )


#: Fields that say which dossier a row is about.
_IDENTIFYING = frozenset(
    {Field.REFERENCE, Field.PORTAL_NUMBER, Field.HOLDER, Field.SIRET, Field.RNA, Field.ACTION}
)

_FUNDING_ATTRIBUTES = {
    Field.FUNDER: "funder",
    Field.LINE: "line",
    Field.LINE_CODE: "line_code",
    Field.NATURE: "nature",
    Field.FUNDING_YEAR: "year",
    Field.REQUESTED: "requested",
    Field.PROPOSED: "proposed",
    Field.GRANTED: "granted",
    Field.PAID: "paid",
    Field.PAID_ON: "paid_on",
    Field.DECISION: "decision",
    Field.DECIDED_ON: "decided_on",
}


# --- what the database holds ---------------------------------------------------------------


@dataclass(slots=True)
class _ExistingDossier:
    id: int
    reference: str
    year: int
    last_year: int | None
    holder_id: int
    action_id: int
    action_title: str
    objective_id: int | None
    state: DossierState
    opinion: Opinion | None
    total_cost: Money
    received_on: date | None
    notes: str | None
    state_theme_id: int | None


@dataclass(slots=True)
class _Lookups:
    """Everything the checks need, loaded once per import (never a query per row)."""

    contract_id: int
    first_year: int
    last_year: int
    organisations: dict[int, tuple[str, str | None, str | None]]
    by_siret: dict[str, int]
    by_rna: dict[str, int]
    by_name: dict[str, list[int]]
    holder_role: set[int]
    funder_role: set[int]
    funders_by_name: dict[str, list[int]]
    lines: dict[int, tuple[int, str, str | None, FundingNature, bool]]
    lines_of_funder: dict[int, list[int]]
    objectives: dict[str, tuple[int, ObjectiveLevel]]
    objectives_by_title: dict[str, list[int]]
    themes: dict[str, int]
    state_themes: dict[str, tuple[int, StateThemeLevel]]
    dossiers_by_reference: dict[str, _ExistingDossier]
    dossiers_by_portal: dict[str, _ExistingDossier]
    dossiers_by_natural: dict[tuple[int, int, str], _ExistingDossier]
    used_sequences: dict[int, set[int]]
    actions: dict[tuple[int, str], list[int]]
    action_spans: dict[int, list[tuple[int, int]]]
    action_info: dict[int, tuple[str, ActionKind, int | None, int | None]]
    calls_by_year: dict[int, list[int]]


def _load(session: Session) -> _Lookups:
    contract = session.execute(
        select(Contract.id, Contract.start_year, Contract.end_year).order_by(Contract.id)
    ).first()
    if contract is None:
        raise WorkbookError(
            "La base ne contient pas de contrat de ville : chargez d'abord un cadre stratégique "
            "(« qpvdesk import framework FICHIER » ou « qpvdesk init »)."
        )
    organisations: dict[int, tuple[str, str | None, str | None]] = {}
    by_siret: dict[str, int] = {}
    by_rna: dict[str, int] = {}
    by_name: dict[str, list[int]] = defaultdict(list)
    funders_by_name: dict[str, list[int]] = defaultdict(list)
    for organisation_id, name, acronym, siret, rna in session.execute(
        select(
            Organisation.id,
            Organisation.name,
            Organisation.acronym,
            Organisation.siret,
            Organisation.rna,
        )
    ):
        organisations[organisation_id] = (name, siret, rna)
        if siret:
            by_siret[siret] = organisation_id
        if rna:
            by_rna[rna] = organisation_id
        by_name[duplicate_key(name)].append(organisation_id)
        funders_by_name[fold(name)].append(organisation_id)
        if acronym:
            funders_by_name[fold(acronym)].append(organisation_id)
    roles = session.execute(select(OrganisationRole.organisation_id, OrganisationRole.role)).all()
    lines: dict[int, tuple[int, str, str | None, FundingNature, bool]] = {}
    lines_of_funder: dict[int, list[int]] = defaultdict(list)
    for line_id, funder_id, name, code, nature, active in session.execute(
        select(
            BudgetLine.id,
            BudgetLine.funder_id,
            BudgetLine.name,
            BudgetLine.code,
            BudgetLine.nature,
            BudgetLine.active,
        ).order_by(BudgetLine.id)
    ):
        lines[line_id] = (funder_id, name, code, nature, bool(active))
        lines_of_funder[funder_id].append(line_id)
    objectives: dict[str, tuple[int, ObjectiveLevel]] = {}
    objectives_by_title: dict[str, list[int]] = defaultdict(list)
    for objective_id, code, title, level in session.execute(
        select(Objective.id, Objective.code, Objective.title, Objective.level).where(
            Objective.contract_id == contract[0]
        )
    ):
        objectives[code.upper()] = (objective_id, level)
        if level is ObjectiveLevel.OPERATIONAL:
            objectives_by_title[fold(title)].append(objective_id)
    themes = {
        fold(title): theme_id
        for theme_id, title in session.execute(
            select(CrossCuttingTheme.id, CrossCuttingTheme.title).where(
                CrossCuttingTheme.contract_id == contract[0]
            )
        )
    }
    state_themes = {
        code: (theme_id, level)
        for theme_id, code, level in session.execute(
            select(StateTheme.id, StateTheme.code, StateTheme.level)
        )
    }
    lookups = _Lookups(
        contract_id=contract[0],
        first_year=contract[1],
        last_year=contract[2],
        organisations=organisations,
        by_siret=by_siret,
        by_rna=by_rna,
        by_name=dict(by_name),
        holder_role={o for o, r in roles if r is OrganisationRoleKind.PROJECT_HOLDER},
        funder_role={o for o, r in roles if r is OrganisationRoleKind.FUNDER},
        funders_by_name=dict(funders_by_name),
        lines=lines,
        lines_of_funder=dict(lines_of_funder),
        objectives=objectives,
        objectives_by_title=dict(objectives_by_title),
        themes=themes,
        state_themes=state_themes,
        dossiers_by_reference={},
        dossiers_by_portal={},
        dossiers_by_natural={},
        used_sequences=defaultdict(set),
        actions=defaultdict(list),
        action_spans=defaultdict(list),
        action_info={},
        calls_by_year=defaultdict(list),
    )
    for action_id, title, holder_id, kind, start, end in session.execute(
        select(
            Action.id,
            Action.title,
            Action.holder_id,
            Action.kind,
            Action.start_year,
            Action.end_year,
        )
    ):
        lookups.action_info[action_id] = (title, kind, start, end)
        if holder_id is not None and kind is ActionKind.CALL_FOR_PROJECTS:
            lookups.actions[(holder_id, fold(title))].append(action_id)
    for record in session.execute(
        select(
            Dossier.id,
            Dossier.reference,
            Dossier.year,
            Dossier.sequence,
            Dossier.last_year,
            Dossier.holder_id,
            Dossier.action_id,
            Action.title,
            Dossier.objective_id,
            Dossier.state,
            Dossier.opinion,
            type_coerce(Dossier.total_cost, Integer),
            Dossier.received_on,
            Dossier.notes,
            Action.state_theme_id,
        ).join(Action, Action.id == Dossier.action_id)
    ):
        dossier = _ExistingDossier(
            id=record[0],
            reference=record[1],
            year=record[2],
            last_year=record[4],
            holder_id=record[5],
            action_id=record[6],
            action_title=record[7],
            objective_id=record[8],
            state=record[9],
            opinion=record[10],
            total_cost=Money(record[11] or 0),
            received_on=record[12],
            notes=record[13],
            state_theme_id=record[14],
        )
        lookups.dossiers_by_reference[dossier.reference] = dossier
        portal = portal_number_of(dossier.notes)
        if portal:
            lookups.dossiers_by_portal[fold(portal)] = dossier
        lookups.dossiers_by_natural.setdefault(
            (dossier.year, dossier.holder_id, fold(dossier.action_title)), dossier
        )
        lookups.used_sequences[dossier.year].add(record[3])
        lookups.action_spans[dossier.action_id].append(
            (dossier.year, dossier.last_year or dossier.year)
        )
    for call_id, year in session.execute(select(CallForProjects.id, CallForProjects.year)):
        lookups.calls_by_year[year].append(call_id)
    return lookups


# --- the plan ------------------------------------------------------------------------------


@dataclass(slots=True)
class _NewOrganisation:
    key: str
    name: str
    siret: str | None
    rna: str | None
    kind: OrganisationKind
    roles: set[OrganisationRoleKind]
    rows: list[int]
    id: int | None = None


@dataclass(slots=True)
class _NewLine:
    key: str
    funder: Any  # existing id or _NewOrganisation
    name: str
    code: str | None
    nature: FundingNature
    id: int | None = None


@dataclass(slots=True)
class _NewAction:
    title: str
    holder: Any
    years: list[tuple[int, int]]
    objective_id: int | None
    state_theme_id: int | None
    theme_ids: tuple[int, ...]
    latest_year: int
    id: int | None = None


@dataclass(slots=True)
class _PlannedFunding:
    line: Any  # existing id or _NewLine
    year: int
    requested: Money | None
    proposed: Money | None
    granted: Money | None
    paid: Money | None
    paid_on: date | None
    decision: str | None
    decided_on: date | None
    existing_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    new_payment: bool = False
    source: _Row | None = None


@dataclass(slots=True)
class _PlannedDossier:
    rows: list[int]
    reference: str | None
    sequence: int | None
    year: int
    last_year: int | None
    holder: Any  # existing id or _NewOrganisation
    action: Any  # existing id or _NewAction
    objective_id: int | None
    theme_ids: tuple[int, ...] | None
    state_theme_id: int | None
    total_cost: Money | None
    received_on: date | None
    state: DossierState | None
    opinion: Opinion | None
    portal: str | None
    fundings: list[_PlannedFunding]
    existing: _ExistingDossier | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    state_path: list[DossierState] = field(default_factory=list)
    new_title: str | None = None
    themes_changed: bool = False
    action_changes: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(slots=True)
class _Plan:
    file: Path
    sheet: str
    header: HeaderMapping | None
    errors: list[RowError]
    notes: list[str]
    lines: list[PreviewLine]
    organisations: list[_NewOrganisation]
    organisation_updates: dict[int, dict[str, Any]]
    roles_to_add: set[tuple[int, OrganisationRoleKind]]
    budget_lines: list[_NewLine]
    actions: list[_NewAction]
    dossiers: list[_PlannedDossier]
    rows: int
    lookups: _Lookups | None

    def preview(self) -> ImportPreview:
        created = [d for d in self.dossiers if d.existing is None]
        updated = [d for d in self.dossiers if d.existing is not None and _dossier_changes(d)]
        fundings = [f for d in self.dossiers for f in d.fundings]
        counts = ImportCounts(
            rows=self.rows,
            dossiers_created=len(created),
            dossiers_updated=len(updated),
            dossiers_unchanged=len(self.dossiers) - len(created) - len(updated),
            fundings_created=sum(1 for f in fundings if f.existing_id is None),
            fundings_updated=sum(1 for f in fundings if f.existing_id is not None and f.changes),
            payments_created=sum(1 for f in fundings if f.new_payment),
            organisations_created=len(self.organisations),
            budget_lines_created=len(self.budget_lines),
        )
        return ImportPreview(
            file=self.file,
            sheet=self.sheet,
            header=self.header,
            lines=tuple(self.lines),
            errors=tuple(self.errors),
            notes=tuple(self.notes),
            counts=counts,
        )


def _dossier_changes(dossier: _PlannedDossier) -> bool:
    return bool(
        dossier.changes
        or dossier.state_path
        or dossier.new_title
        or dossier.themes_changed
        or dossier.action_changes
        or any(f.existing_id is None or f.changes or f.new_payment for f in dossier.fundings)
    )


def _choose_sheet(
    content: WorkbookContent, options: ImportOptions
) -> tuple[SheetRows, HeaderMapping | None]:
    name = f"« {content.path.name} »"
    if options.sheet is not None:
        sheet = content.sheet(options.sheet)
        if sheet is None:
            names = ", ".join(f"« {n} »" for n in content.names)
            raise WorkbookError(
                f"{name} n'a pas de feuille « {options.sheet} » (feuilles : {names})."
            )
        if sheet.is_empty:
            raise WorkbookError(f"La feuille « {sheet.name} » de {name} est vide.")
        return sheet, find_header(sheet.rows, options.mapping)
    ours = content.sheet(LINES_SHEET)
    if ours is not None and not ours.is_empty:
        return ours, find_header(ours.rows, options.mapping)
    candidates = [sheet for sheet in content.sheets if not sheet.is_empty]
    if not candidates:
        raise WorkbookError(f"{name} est vide : aucune feuille ne contient de données.")
    best: tuple[int, SheetRows, HeaderMapping | None] | None = None
    for sheet in candidates:
        header = find_header(sheet.rows, options.mapping)
        score = len(header.recognised) if header is not None else 0
        if best is None or score > best[0]:
            best = (score, sheet, header)
    assert best is not None
    return best[1], best[2]


def plan_import(
    session: Session, content: WorkbookContent, options: ImportOptions | None = None
) -> _Plan:
    """Check every row of *content* against the database; nothing is written."""
    options = options or ImportOptions()
    sheet, header = _choose_sheet(content, options)
    errors: list[RowError] = []
    plan = _Plan(
        file=content.path,
        sheet=sheet.name,
        header=header,
        errors=errors,
        notes=[],
        lines=[],
        organisations=[],
        organisation_updates={},
        roles_to_add=set(),
        budget_lines=[],
        actions=[],
        dossiers=[],
        rows=0,
        lookups=None,
    )
    if header is None:
        errors.append(
            RowError(
                sheet.name,
                0,
                "",
                "",
                "aucune ligne d'intitulés reconnue parmi les premières lignes (il faut au moins "
                "la structure ou l'action, et un autre champ). Indiquez les colonnes avec "
                '--map, par exemple --map "Nom de l\'asso=porteur".',
            )
        )
        return plan
    missing = _missing_fields(header, options)
    if missing:
        errors.append(RowError(sheet.name, header.row, "", "", missing))
        return plan
    reader = _Reader(sheet, header, errors)
    rows = reader.rows()
    plan.rows = len(rows)
    if not rows:
        errors.append(
            RowError(sheet.name, header.row, "", "", "aucune ligne de données sous les intitulés.")
        )
        return plan
    if reader.skipped_totals:
        listed = ", ".join(str(n) for n in reader.skipped_totals[:5])
        plan.notes.append(f"Ligne(s) de total ignorée(s) : {listed}.")
        plan.lines += [
            PreviewLine((number,), "Ligne de total", Outcome.SKIPPED, "ses montants se calculent")
            for number in reader.skipped_totals
        ]
    if header.unrecognised:
        plan.notes.append(
            "Colonnes non reconnues, ignorées : "
            + ", ".join(f"{c.letter} « {c.heading} »" for c in header.unrecognised)
            + " (--map pour les prendre en compte)."
        )
    lookups = _load(session)
    plan.lookups = lookups
    _Planner(plan, lookups, options, sheet.name, _FundingIndex(session)).run(rows)
    return plan


def _missing_fields(header: HeaderMapping, options: ImportOptions) -> str | None:
    fields = header.fields
    has_amounts = any(f in fields for f in AMOUNT_FIELDS) or bool(header.wide_funders)
    if not fields & {Field.HOLDER, Field.SIRET, Field.RNA, Field.REFERENCE, Field.PORTAL_NUMBER}:
        return "aucune colonne ne désigne la structure porteuse (« Porteur », « Structure »…)."
    if not has_amounts and Field.FUNDER not in fields and Field.TOTAL_COST not in fields:
        return (
            "aucune colonne de montant reconnue (« Montant demandé », « Accordé »…) : "
            "indiquez-la avec --map."
        )
    del options
    return None


def _state_path(start: DossierState, target: DossierState) -> list[DossierState] | None:
    """The shortest way through the workflow from *start* to *target* (excluded start)."""
    if start is target:
        return []
    frontier: list[tuple[DossierState, list[DossierState]]] = [(start, [])]
    seen = {start}
    while frontier:
        following: list[tuple[DossierState, list[DossierState]]] = []
        for state, path in frontier:
            for nxt in sorted(TRANSITIONS[state], key=list(DossierState).index):
                if nxt in seen:
                    continue
                if nxt is target:
                    return [*path, nxt]
                seen.add(nxt)
                following.append((nxt, [*path, nxt]))
        frontier = following
    return None


class _Planner:
    """Turns parsed rows into planned dossiers, checking each against the lookups."""

    def __init__(
        self,
        plan: _Plan,
        lookups: _Lookups,
        options: ImportOptions,
        sheet: str,
        fundings: _FundingIndex,
    ) -> None:
        self.plan = plan
        self.fundings = fundings
        self.lookups = lookups
        self.options = options
        self.sheet = sheet
        self.new_organisations: dict[str, _NewOrganisation] = {}
        self.new_lines: dict[str, _NewLine] = {}
        self.new_actions: dict[tuple[Any, str], list[_NewAction]] = defaultdict(list)
        self.claimed_sequences: dict[int, set[int]] = defaultdict(set)
        self.default_lines = self._default_lines()
        self.line_memo: dict[tuple[Any, ...], Any] = {}

    # -- helpers --

    def error(self, row: _Row, target: Field | None, reason: str, value: Any = None) -> None:
        column = row.where.get(target, "") if target is not None else ""
        shown = value if value is not None else row.values.get(target) if target else None
        self.plan.errors.append(
            RowError(self.sheet, row.number, column, display_value(_shown(shown)), reason)
        )

    def _default_lines(self) -> list[int]:
        found_lines: list[int] = []
        for wanted in self.options.default_lines:
            key = fold(wanted)
            found = [
                line_id
                for line_id, (_, name, code, _, _) in self.lookups.lines.items()
                if fold(name) == key or (code and fold(code) == key)
            ]
            if len(found) != 1:
                raise WorkbookError(
                    f"--ligne : « {wanted} » ne désigne "
                    + ("aucune" if not found else "pas une seule")
                    + " ligne budgétaire (indiquez son code, par exemple BOP147, ou son nom exact)."
                )
            found_lines.append(found[0])
        return found_lines

    # -- the run --

    def run(self, rows: list[_Row]) -> None:
        groups: dict[tuple[Any, ...], list[_Row]] = {}
        for row in rows:
            key = self._dossier_key(row)
            if key is None:
                continue
            groups.setdefault(key, []).append(row)
        for group in groups.values():
            self._dossier(group)
        self.plan.organisations = list(self.new_organisations.values())
        self.plan.budget_lines = list(self.new_lines.values())
        self.plan.actions = [a for actions in self.new_actions.values() for a in actions]

    def _dossier_key(self, row: _Row) -> tuple[Any, ...] | None:
        reference = row.values.get(Field.REFERENCE)
        portal = row.values.get(Field.PORTAL_NUMBER)
        if reference is not None and not REFERENCE_PATTERN.match(reference):
            # « N° dossier » holding another system's number: that is a portal number.
            if portal is None:
                row.values[Field.PORTAL_NUMBER] = portal = reference
                row.where[Field.PORTAL_NUMBER] = row.where[Field.REFERENCE]
            del row.values[Field.REFERENCE]
            reference = None
        if reference is not None:
            return ("reference", reference)
        if portal is not None:
            return ("portal", fold(portal))
        year = row.values.get(Field.YEAR) or self.options.default_year
        holder = row.values.get(Field.SIRET) or row.values.get(Field.RNA)
        name = row.values.get(Field.HOLDER) or ""
        # « Asso » alone is all filler words: its folded name stands in for the key then.
        holder = holder or duplicate_key(name) or fold(name)
        title = fold(row.values.get(Field.ACTION) or "")
        if not holder:
            self.error(row, Field.HOLDER, "indiquez la structure qui porte l'action.")
            return None
        if not title:
            self.error(row, Field.ACTION, "indiquez l'intitulé de l'action.")
            return None
        return ("natural", year, holder, title)

    def _consistent(self, group: list[_Row]) -> dict[Field, Any]:
        values: dict[Field, Any] = {}
        first_row: dict[Field, int] = {}
        for row in group:
            for target, value in row.values.items():
                if target not in values:
                    values[target] = value
                    first_row[target] = row.number
                elif _differs(values[target], value):
                    self.error(
                        row,
                        target,
                        f"différent de la ligne {first_row[target]} du même dossier "
                        f"(« {display_value(_shown(values[target]))} »).",
                    )
        return values

    def _dossier(self, group: list[_Row]) -> None:
        errors_before = len(self.plan.errors)
        values = self._consistent(group)
        first = group[0]
        lookups = self.lookups
        reference = values.get(Field.REFERENCE)
        portal = values.get(Field.PORTAL_NUMBER)
        existing: _ExistingDossier | None = None
        if reference is not None:
            existing = lookups.dossiers_by_reference.get(reference)
        if existing is None and portal is not None:
            existing = lookups.dossiers_by_portal.get(fold(portal))
        year = values.get(Field.YEAR)
        if year is None and reference is not None:
            matched = REFERENCE_PATTERN.match(reference)
            assert matched is not None
            year = int(matched.group(1))
        if year is None and existing is not None:
            year = existing.year
        if year is None:
            year = self.options.default_year
        if year is None:
            self.error(
                first,
                Field.YEAR,
                "indiquez l'année du dossier (colonne « Année » ou option --annee).",
            )
            return
        if existing is None and not lookups.first_year <= year <= lookups.last_year:
            self.error(
                first,
                Field.YEAR,
                f"le contrat de ville couvre {lookups.first_year} à {lookups.last_year} "
                f"({year} en dehors).",
                year,
            )
            return
        if existing is not None and year != existing.year:
            self.error(
                first,
                Field.YEAR,
                f"le dossier {existing.reference} est de {existing.year}, pas de {year}.",
                year,
            )
            return
        holder = self._holder(first, values)
        if holder is None:
            return
        title = values.get(Field.ACTION)
        if existing is None and isinstance(holder, int):
            natural = (year, holder, fold(title or ""))
            existing = lookups.dossiers_by_natural.get(natural)
            if existing is not None and reference is not None and existing.reference != reference:
                existing = None
        if existing is not None and isinstance(holder, int) and holder != existing.holder_id:
            name = lookups.organisations[existing.holder_id][0]
            self.error(
                first,
                Field.HOLDER,
                f"le dossier {existing.reference} est porté par « {name} » dans la base : "
                "corrigez la structure ou la référence.",
            )
            return
        if existing is None and not title:
            self.error(first, Field.ACTION, "indiquez l'intitulé de l'action.")
            return
        last_year = values.get(Field.LAST_YEAR)
        if last_year is not None and (last_year <= year or last_year > lookups.last_year):
            self.error(
                first,
                Field.LAST_YEAR,
                f"la dernière année d'une convention pluriannuelle va de {year + 1} à "
                f"{lookups.last_year}.",
            )
            return
        objective_id = self._objective(first, values)
        theme_ids = self._themes(first, values)
        state_theme_id = self._state_theme(first, values)
        sequence = None
        if existing is None and reference is not None:
            sequence = self._sequence(first, reference, year)
        dossier = _PlannedDossier(
            rows=[row.number for row in group],
            reference=existing.reference if existing else reference,
            sequence=sequence,
            year=year,
            last_year=last_year,
            holder=holder,
            action=None,
            objective_id=objective_id,
            theme_ids=theme_ids,
            state_theme_id=state_theme_id,
            total_cost=values.get(Field.TOTAL_COST),
            received_on=values.get(Field.RECEIVED_ON),
            state=values.get(Field.STATE),
            opinion=values.get(Field.OPINION),
            portal=portal,
            fundings=[],
            existing=existing,
        )
        span_end = (last_year or (existing.last_year if existing else None)) or year
        seen: dict[tuple[Any, int], int] = {}
        for row in group:
            for funding in row.fundings:
                planned = self._funding(row, funding, year, span_end)
                if planned is None:
                    continue
                key = (_line_identity(planned.line), planned.year)
                if key in seen:
                    self.error(
                        row,
                        Field.FUNDER,
                        f"ce financement (même ligne, même année) figure déjà ligne {seen[key]}.",
                        funding.funder or funding.line,
                    )
                    continue
                seen[key] = row.number
                dossier.fundings.append(planned)
        if len(self.plan.errors) > errors_before:
            return
        if existing is None:
            dossier.action = self._action(dossier, title or "")
            self._describe_new(dossier, title or "")
        else:
            self._diff(dossier, first, values)
        self.plan.dossiers.append(dossier)

    # -- organisations --

    def _holder(self, row: _Row, values: dict[Field, Any]) -> Any:
        lookups = self.lookups
        name = values.get(Field.HOLDER)
        siret = rna = None
        if values.get(Field.SIRET) is not None:
            try:
                siret = validate_siret(values[Field.SIRET])
            except ValidationError as problem:
                self.error(row, Field.SIRET, _reason(problem.message))
                return None
        if values.get(Field.RNA) is not None:
            try:
                rna = validate_rna(values[Field.RNA])
            except ValidationError as problem:
                self.error(row, Field.RNA, _reason(problem.message))
                return None
        found: int | None = None
        if siret is not None:
            found = lookups.by_siret.get(siret)
        if found is None and rna is not None:
            found = lookups.by_rna.get(rna)
            if found is not None and siret is not None and lookups.organisations[found][1]:
                other = lookups.organisations[found]
                self.error(
                    row,
                    Field.SIRET,
                    f"le RNA {rna} est celui de « {other[0]} », dont le SIRET est {other[1]}.",
                )
                return None
        if found is None and name:
            candidates = lookups.by_name.get(duplicate_key(name), [])
            if len(candidates) > 1:
                self.error(
                    row,
                    Field.HOLDER,
                    f"{len(candidates)} structures de la base portent ce nom : indiquez le "
                    "SIRET pour choisir.",
                )
                return None
            if candidates:
                found = candidates[0]
                known_siret = lookups.organisations[found][1]
                if siret is not None and known_siret and known_siret != siret:
                    self.error(
                        row,
                        Field.SIRET,
                        f"« {lookups.organisations[found][0]} » a le SIRET {known_siret} dans "
                        "la base : vérifiez le numéro (ou la structure).",
                        siret,
                    )
                    return None
        if found is not None:
            updates: dict[str, Any] = {}
            known_name, known_siret, known_rna = lookups.organisations[found]
            if siret is not None and not known_siret and siret not in lookups.by_siret:
                updates["siret"] = siret
            if rna is not None and not known_rna and rna not in lookups.by_rna:
                updates["rna"] = rna
            if updates:
                self.plan.organisation_updates.setdefault(found, {}).update(updates)
                self.plan.lines.append(
                    PreviewLine(
                        (row.number,),
                        f"Structure « {known_name} »",
                        Outcome.UPDATED,
                        "ajout " + " et ".join(f"du {k.upper()} {v}" for k, v in updates.items()),
                    )
                )
            if found not in lookups.holder_role:
                self.plan.roles_to_add.add((found, OrganisationRoleKind.PROJECT_HOLDER))
            return found
        if not name:
            self.error(
                row,
                Field.HOLDER,
                "structure inconnue : indiquez son nom pour la créer.",
                siret or rna,
            )
            return None
        key = siret or rna or duplicate_key(name)
        planned = self.new_organisations.get(key)
        if planned is None and siret is None and rna is None:
            planned = next(
                (
                    o
                    for o in self.new_organisations.values()
                    if duplicate_key(o.name) == duplicate_key(name)
                ),
                None,
            )
        if planned is None:
            kind = (
                OrganisationKind.ASSOCIATION
                if rna is not None or "asso" in fold(name)
                else OrganisationKind.OTHER
            )
            planned = _NewOrganisation(
                key, name, siret, rna, kind, {OrganisationRoleKind.PROJECT_HOLDER}, [row.number]
            )
            self.new_organisations[key] = planned
            detail = ", ".join(f"{k} {v}" for k, v in (("SIRET", siret), ("RNA", rna)) if v)
            self.plan.lines.append(
                PreviewLine(
                    (row.number,),
                    f"Structure « {name} »",
                    Outcome.CREATED,
                    detail or "inconnue de la base (ni SIRET ni RNA dans le classeur)",
                )
            )
        else:
            planned.rows.append(row.number)
            planned.roles.add(OrganisationRoleKind.PROJECT_HOLDER)
        return planned

    # -- framework --

    def _objective(self, row: _Row, values: dict[Field, Any]) -> int | None:
        code = values.get(Field.OBJECTIVE_CODE)
        title = values.get(Field.OBJECTIVE)
        if code is not None:
            found = self.lookups.objectives.get(str(code).strip().upper())
            if found is None:
                self.error(row, Field.OBJECTIVE_CODE, "aucun objectif de ce code dans le cadre.")
                return None
            if found[1] is not ObjectiveLevel.OPERATIONAL:
                self.error(
                    row,
                    Field.OBJECTIVE_CODE,
                    f"ce code est celui d'un élément de niveau « {found[1].label} » : un dossier "
                    "sert un objectif opérationnel.",
                )
                return None
            return found[0]
        if title is not None:
            candidates = self.lookups.objectives_by_title.get(fold(title), [])
            if len(candidates) == 1:
                return candidates[0]
            self.error(
                row,
                Field.OBJECTIVE,
                "aucun objectif opérationnel de ce titre dans le cadre"
                if not candidates
                else "plusieurs objectifs opérationnels portent ce titre : indiquez le code",
            )
        return None

    def _themes(self, row: _Row, values: dict[Field, Any]) -> tuple[int, ...] | None:
        text = values.get(Field.THEMES)
        if text is None:
            return None
        ids: list[int] = []
        for part in re.split(r"\s*[;\n]\s*", text):
            if not part.strip():
                continue
            theme_id = self.lookups.themes.get(fold(part))
            if theme_id is None:
                self.error(row, Field.THEMES, f"axe transversal inconnu : « {part.strip()} ».")
                continue
            ids.append(theme_id)
        return tuple(sorted(set(ids)))

    def _state_theme(self, row: _Row, values: dict[Field, Any]) -> int | None:
        text = values.get(Field.STATE_THEME)
        if text is None:
            return None
        code = re.match(r"^\s*(\d+(?:\.\d+)?)", str(text))
        found = self.lookups.state_themes.get(code.group(1)) if code else None
        if found is None:
            self.error(
                row,
                Field.STATE_THEME,
                "thématique de l'État inconnue (attendu : son code, par exemple « 1.2 »).",
            )
            return None
        if found[1] is not StateThemeLevel.SUBTHEME:
            self.error(row, Field.STATE_THEME, "c'est un thème : indiquez l'un de ses sous-thèmes.")
            return None
        return found[0]

    def _sequence(self, row: _Row, reference: str, year: int) -> int | None:
        matched = REFERENCE_PATTERN.match(reference)
        assert matched is not None
        if int(matched.group(1)) != year:
            self.error(row, Field.REFERENCE, f"la référence ne correspond pas à l'année {year}.")
            return None
        sequence = int(matched.group(2))
        if sequence == 0:
            self.error(row, Field.REFERENCE, "le numéro d'une référence commence à 1.")
            return None
        if (
            sequence in self.lookups.used_sequences.get(year, set())
            or sequence in self.claimed_sequences[year]
        ):
            self.error(row, Field.REFERENCE, f"le numéro {sequence} de {year} est déjà pris.")
            return None
        self.claimed_sequences[year].add(sequence)
        return sequence

    # -- money --

    def _line(self, row: _Row, funding: _Funding) -> Any:
        key = (funding.funder, funding.line_code, funding.line, funding.nature)
        found = self.line_memo.get(key)
        if found is None:
            found = self._find_line(row, funding)
            if found is not None:
                self.line_memo[key] = found
        return found

    def _find_line(self, row: _Row, funding: _Funding) -> Any:
        lookups = self.lookups
        funder_ids: list[int] = []
        if funding.funder:
            funder_ids = self._funders_named(funding.funder)
            if len(funder_ids) > 1:
                self.error(
                    row,
                    Field.FUNDER,
                    "plusieurs structures de la base portent ce nom.",
                    funding.funder,
                )
                return None
        wanted = [fold(x) for x in (funding.line_code, funding.line) if x]
        candidates = [
            line_id
            for line_id, (funder_id, name, code, _, _) in lookups.lines.items()
            if (not funder_ids or funder_id in funder_ids)
            and (not wanted or any(w in (fold(name), fold(code or "")) for w in wanted))
        ]
        if funding.line_code and funding.line and len(candidates) > 1:
            code_key = fold(funding.line_code)
            candidates = [c for c in candidates if fold(lookups.lines[c][2] or "") == code_key]
        if not funding.funder and not wanted:
            if len(self.default_lines) == 1:
                return self.default_lines[0]
            self.error(
                row,
                Field.FUNDER,
                "indiquez le financeur (colonne « Financeur » ou « Ligne budgétaire ») ou une "
                "ligne par défaut (option --ligne).",
                "",
            )
            return None
        if funding.funder and not funder_ids:
            return self._new_line(row, funding, None)
        if len(candidates) == 1:
            return candidates[0]
        if not wanted and funder_ids:
            chosen = [line for line in self.default_lines if line in candidates]
            if len(chosen) == 1:
                return chosen[0]
            active = [c for c in candidates if lookups.lines[c][4]]
            if len(active) == 1:
                return active[0]
            names = " ; ".join(lookups.lines[c][1] for c in active[:8])
            self.error(
                row,
                Field.FUNDER,
                f"ce financeur a {len(active)} lignes budgétaires : indiquez laquelle "
                f"(colonne « Ligne budgétaire » ou option --ligne). Lignes : {names}.",
                funding.funder,
            )
            return None
        if not candidates:
            return self._new_line(row, funding, funder_ids[0] if funder_ids else None)
        self.error(
            row,
            Field.LINE,
            "plusieurs lignes budgétaires répondent à ce nom : indiquez le financeur ou le code.",
            funding.line or funding.line_code,
        )
        return None

    def _funders_named(self, text: str) -> list[int]:
        """Funders a workbook names: by name or acronym, normalised name, then by words
        (« Ville » is the only funder whose name holds « ville »); never a guess among several.
        """
        lookups = self.lookups
        found = list(dict.fromkeys(lookups.funders_by_name.get(fold(text), [])))
        if not found:
            found = list(dict.fromkeys(lookups.by_name.get(duplicate_key(text), [])))
        if found:
            return found
        words = set(duplicate_key(text).split())
        if not words:
            return []
        funders = {funder_id for funder_id, *_ in lookups.lines.values()} | lookups.funder_role
        matches = [
            funder_id
            for funder_id in sorted(funders)
            if words <= set(duplicate_key(lookups.organisations[funder_id][0]).split())
        ]
        return matches if len(matches) == 1 else []

    def _new_line(self, row: _Row, funding: _Funding, funder_id: int | None) -> Any:
        """A line the workbook describes fully (our format: funder, line, nature) is created."""
        if not (funding.funder and funding.line and funding.nature):
            what = "financeur" if funder_id is None and funding.funder else "ligne budgétaire"
            target = Field.FUNDER if what == "financeur" else Field.LINE
            value = funding.funder if what == "financeur" else funding.line or funding.line_code
            self.error(
                row,
                target,
                f"{what} inconnu{'e' if what != 'financeur' else ''} de la base : créez-"
                f"{'le' if what == 'financeur' else 'la'} dans qpvdesk (ou corrigez le nom), "
                "puis relancez l'import.",
                value,
            )
            return None
        key = f"{fold(funding.funder)}|{fold(funding.line)}"
        planned = self.new_lines.get(key)
        if planned is not None:
            return planned
        funder: Any = funder_id
        if funder is None:
            funder_key = f"funder:{fold(funding.funder)}"
            funder = self.new_organisations.get(funder_key)
            if funder is None:
                funder = _NewOrganisation(
                    funder_key,
                    funding.funder,
                    None,
                    None,
                    OrganisationKind.OTHER,
                    {OrganisationRoleKind.FUNDER},
                    [row.number],
                )
                self.new_organisations[funder_key] = funder
                self.plan.lines.append(
                    PreviewLine(
                        (row.number,), f"Financeur « {funding.funder} »", Outcome.CREATED, ""
                    )
                )
        elif funder not in self.lookups.funder_role:
            self.plan.roles_to_add.add((funder, OrganisationRoleKind.FUNDER))
        planned = _NewLine(key, funder, funding.line, funding.line_code, funding.nature)
        self.new_lines[key] = planned
        self.plan.lines.append(
            PreviewLine(
                (row.number,),
                f"Ligne budgétaire « {funding.line} » ({funding.funder})",
                Outcome.CREATED,
                funding.nature.label,
            )
        )
        return planned

    def _funding(
        self, row: _Row, funding: _Funding, year: int, span_end: int
    ) -> _PlannedFunding | None:
        line = self._line(row, funding)
        if line is None:
            return None
        funding_year = funding.year or year
        if not year <= funding_year <= span_end:
            span = str(year) if span_end == year else f"{year} à {span_end}"
            self.error(
                row,
                Field.FUNDING_YEAR,
                f"le dossier porte sur {span} : pas de financement pour {funding_year}.",
                funding_year,
            )
            return None
        if funding.paid and not funding.granted:
            self.error(
                row,
                Field.PAID,
                "un versement suppose un montant accordé (colonne « Accordé » vide ou nulle).",
                funding.paid.format(),
            )
            return None
        return _PlannedFunding(
            line=line,
            year=funding_year,
            requested=funding.requested,
            proposed=funding.proposed,
            granted=funding.granted,
            paid=funding.paid,
            paid_on=funding.paid_on,
            decision=funding.decision,
            decided_on=funding.decided_on,
            source=row,
        )

    # -- actions --

    def _action(self, dossier: _PlannedDossier, title: str) -> Any:
        """An existing action of the holder with that title free that year, or a new one."""
        span = (dossier.year, dossier.last_year or dossier.year)
        lookups = self.lookups
        if isinstance(dossier.holder, int):
            for action_id in lookups.actions.get((dossier.holder, fold(title)), []):
                spans = lookups.action_spans.get(action_id, [])
                if not any(_overlap(span, other) for other in spans):
                    spans.append(span)
                    lookups.action_spans[action_id] = spans
                    return action_id
        holder_key = dossier.holder if isinstance(dossier.holder, int) else id(dossier.holder)
        for action in self.new_actions[(holder_key, fold(title))]:
            # The State's theme and the cross-cutting themes belong to the action: dossiers
            # that differ on them are two actions of the same name, not one renewed.
            compatible = action.state_theme_id == dossier.state_theme_id and action.theme_ids == (
                dossier.theme_ids or ()
            )
            if compatible and not any(_overlap(span, other) for other in action.years):
                action.years.append(span)
                if dossier.year >= action.latest_year:
                    action.latest_year = dossier.year
                    action.objective_id = dossier.objective_id
                    action.state_theme_id = dossier.state_theme_id
                    action.holder = dossier.holder
                    if dossier.theme_ids is not None:
                        action.theme_ids = dossier.theme_ids
                return action
        action = _NewAction(
            title=" ".join(title.split()),
            holder=dossier.holder,
            years=[span],
            objective_id=dossier.objective_id,
            state_theme_id=dossier.state_theme_id,
            theme_ids=dossier.theme_ids or (),
            latest_year=dossier.year,
        )
        self.new_actions[(holder_key, fold(title))].append(action)
        return action

    # -- describing --

    def _describe_new(self, dossier: _PlannedDossier, title: str) -> None:
        state = dossier.state or DossierState.RECEIVED
        path = _state_path(DossierState.RECEIVED, state)
        assert path is not None  # every state can be reached from « Reçu »
        dossier.state_path = path
        amounts = [f for f in dossier.fundings]
        requested = sum((f.requested.cents for f in amounts if f.requested), 0)
        detail = (
            f"« {state.label} », {len(amounts)} financement{'s' if len(amounts) > 1 else ''}"
            + (f", {Money(requested).format()} demandés" if requested else "")
        )
        if dossier.objective_id is None:
            detail += " ; sans objectif opérationnel (à compléter)"
        reference = dossier.reference or "nouveau"
        self.plan.lines.append(
            PreviewLine(
                tuple(dossier.rows),
                f"Dossier {reference} {dossier.year} « {title} »",
                Outcome.CREATED,
                detail,
            )
        )
        for funding in dossier.fundings:
            funding.new_payment = bool(funding.paid)

    def _diff(self, dossier: _PlannedDossier, row: _Row, values: dict[Field, Any]) -> None:
        existing = dossier.existing
        assert existing is not None
        changes: dict[str, Any] = {}
        said: list[str] = []

        def compare(name: str, new: Any, old: Any, label: str) -> None:
            if new is not None and new != old:
                changes[name] = new
                said.append(label)

        compare("total_cost", dossier.total_cost, existing.total_cost, "coût total")
        compare("received_on", dossier.received_on, existing.received_on, "date de réception")
        compare("objective_id", dossier.objective_id, existing.objective_id, "objectif")
        compare("opinion", dossier.opinion, existing.opinion, "avis")
        compare("last_year", dossier.last_year, existing.last_year, "dernière année")
        if dossier.portal is not None and portal_number_of(existing.notes) != dossier.portal:
            changes["notes"] = with_portal_number(existing.notes, dossier.portal)
            said.append("n° Dauphin")
        if dossier.state is not None and dossier.state is not existing.state:
            path = _state_path(existing.state, dossier.state)
            if path is None:
                self.error(
                    row,
                    Field.STATE,
                    f"le dossier {existing.reference} est « {existing.state.label} » : il ne "
                    f"peut pas passer à « {dossier.state.label} ».",
                    dossier.state.label,
                )
                return
            dossier.state_path = path
            said.append(f"état « {existing.state.label} » → « {dossier.state.label} »")
        title = values.get(Field.ACTION)
        if title is not None and " ".join(title.split()) != existing.action_title:
            dossier.new_title = " ".join(title.split())
            said.append("intitulé de l'action")
        dossier.action = existing.action_id
        dossier.changes = changes
        fundings = self.fundings.of(existing.id)
        for funding in dossier.fundings:
            self._funding_diff(funding, fundings, said)
            self._approved_granted(funding, existing.reference, row)
        if dossier.theme_ids is not None and set(dossier.theme_ids) != self.fundings.themes_of(
            existing.action_id
        ):
            dossier.themes_changed = True
            said.append("axes transversaux")
        if dossier.state_theme_id is not None and dossier.state_theme_id != existing.state_theme_id:
            dossier.action_changes["state_theme_id"] = dossier.state_theme_id
            said.append("thématique de l'État")
        outcome = Outcome.UPDATED if _dossier_changes(dossier) else Outcome.UNCHANGED
        self.plan.lines.append(
            PreviewLine(
                tuple(dossier.rows),
                f"Dossier {existing.reference} « {existing.action_title} »",
                outcome,
                ", ".join(said) if said else "rien de nouveau",
            )
        )

    def _funding_diff(
        self,
        funding: _PlannedFunding,
        existing: dict[tuple[int, int], dict[str, Any]],
        said: list[str],
    ) -> None:
        if not isinstance(funding.line, int):
            funding.new_payment = bool(funding.paid)
            said.append("nouveau financement")
            return
        current = existing.get((funding.line, funding.year))
        if current is None:
            funding.new_payment = bool(funding.paid)
            said.append(f"financement {self.lookups.lines[funding.line][1]} {funding.year}")
            return
        funding.existing_id = current["id"]
        for name in ("requested", "proposed", "granted", "decision", "decided_on"):
            new = getattr(funding, name)
            column = "funder_decision" if name == "decision" else name
            if new is not None and new != current[column]:
                funding.changes[column] = new
        if funding.changes:
            said.append(f"montants {self.lookups.lines[funding.line][1]} {funding.year}")
        paid = current["paid"]
        if funding.paid is not None and funding.paid != paid:
            if current["payments"] == 0 and funding.paid:
                funding.new_payment = True
                said.append("versement")
            else:
                self.plan.notes.append(
                    f"Dossier : versé {funding.paid.format()} dans le classeur, "
                    f"{paid.format()} dans la base ({self.lookups.lines[funding.line][1]} "
                    f"{funding.year}) : les versements se corrigent dans le dossier."
                )

    def _approved_granted(self, funding: _PlannedFunding, reference: str, first: _Row) -> None:
        """A granted amount a COPIL approved changes in the dossier, with a reason: refused."""
        if "granted" not in funding.changes or funding.existing_id is None:
            return
        approval = approval_of(self.fundings.session, funding.existing_id)
        if approval is None:
            return
        funder_id, line_name = self.lookups.lines[funding.line][:2]
        funder = self.lookups.organisations.get(funder_id, ("le financeur",))[0]
        self.error(
            funding.source or first,
            Field.GRANTED,
            f"le montant accordé par {funder} au dossier {reference} (ligne « {line_name} » "
            f"{funding.year}, {approval.granted.format()}) a été approuvé par le "
            f"{approval.title} : un montant approuvé ne se modifie pas par import. "
            "Modifiez-le dans le dossier, qui en demande le motif, ou remettez dans le "
            "classeur le montant de la base.",
            funding.granted,
        )


def _line_identity(line: Any) -> Any:
    return line if isinstance(line, int) else id(line)


def _overlap(one: tuple[int, int], other: tuple[int, int]) -> bool:
    return one[0] <= other[1] and other[0] <= one[1]


def _differs(one: Any, other: Any) -> bool:
    if one == other:
        return False  # the usual case: every row of a dossier repeats the same values
    if isinstance(one, str) and isinstance(other, str):
        return fold(one) != fold(other)
    return bool(one != other)


def _shown(value: Any) -> Any:
    if isinstance(value, Money):
        return value.format()
    if isinstance(value, (DossierState, Opinion, FundingNature)):
        return value.label
    return value


def _reason(message: str) -> str:
    """« SIRET : 14 chiffres attendus… » → « 14 chiffres attendus… » (the column says SIRET)."""
    _, sep, rest = message.partition(" : ")
    return rest if sep else message


def preview_import(
    session: Session, content: WorkbookContent, options: ImportOptions | None = None
) -> ImportPreview:
    """What importing *content* would do: created, updated, unchanged, errors. Writes nothing."""
    return plan_import(session, content, options).preview()


class _FundingIndex:
    """The funding rows of a dossier, loaded the first time the dossier is asked for."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.loaded: dict[int, dict[tuple[int, int], dict[str, Any]]] = {}

    def themes_of(self, action_id: int) -> set[int]:
        return set(
            self.session.scalars(
                select(action_theme.c.theme_id).where(action_theme.c.action_id == action_id)
            )
        )

    def of(self, dossier_id: int) -> dict[tuple[int, int], dict[str, Any]]:
        if dossier_id not in self.loaded:
            rows: dict[tuple[int, int], dict[str, Any]] = {}
            paid = (
                select(
                    Payment.funding_id,
                    func.count().label("payments"),
                    type_coerce(
                        func.coalesce(
                            func.sum(Payment.amount).filter(Payment.paid_on.is_not(None)), 0
                        ),
                        Integer,
                    ).label("paid"),
                )
                .group_by(Payment.funding_id)
                .subquery()
            )
            for record in self.session.execute(
                select(
                    Funding.id,
                    Funding.budget_line_id,
                    Funding.year,
                    Funding.requested,
                    Funding.proposed,
                    Funding.granted,
                    Funding.funder_decision,
                    Funding.decided_on,
                    paid.c.payments,
                    paid.c.paid,
                )
                .outerjoin(paid, paid.c.funding_id == Funding.id)
                .where(Funding.dossier_id == dossier_id)
            ):
                rows[(record[1], record[2])] = {
                    "id": record[0],
                    "requested": record[3],
                    "proposed": record[4],
                    "granted": record[5],
                    "funder_decision": record[6],
                    "decided_on": record[7],
                    "payments": int(record[8] or 0),
                    "paid": Money(int(record[9] or 0)),
                }
            self.loaded[dossier_id] = rows
        return self.loaded[dossier_id]


# --- writing -------------------------------------------------------------------------------


def _insert_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert *rows* (Core executemany on the table, not the ORM's bulk path: faster) and
    return their new ids, in order.

    The ids are given, following the table's highest: the ids SQLite would pick itself
    (no table is AUTOINCREMENT), in one executemany, where asking them back through
    ``RETURNING`` makes SQLAlchemy send one INSERT per row on SQLite. Another writer
    cannot take them meanwhile: SQLite refuses a transaction's write after another
    connection's, and the unit of work then rolls back whole.
    """
    table = model.__table__
    first = int(session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1
    ids = list(range(first, first + len(rows)))
    _insert(session, table, [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)])
    return ids


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    table = getattr(table, "__table__", table)
    for start in range(0, len(rows), 5_000):
        session.execute(insert(table), rows[start : start + 5_000])


def _id_of(thing: Any) -> int:
    if isinstance(thing, int):
        return thing
    assert thing.id is not None, "planned before written"
    return int(thing.id)


def _write(session: Session, plan: _Plan, today: date) -> None:
    lookups = plan.lookups
    assert lookups is not None
    user = current_user()
    label = f"Importé de « {plan.file.name} »"
    # Organisations, their roles, then the lines of the new funders.
    ids = _insert_ids(
        session,
        Organisation,
        [
            {
                "name": o.name,
                "search_name": fold(o.name),
                "kind": o.kind,
                "siret": o.siret,
                "rna": o.rna,
                "notes": label,
            }
            for o in plan.organisations
        ],
    )
    for organisation, new_id in zip(plan.organisations, ids, strict=True):
        organisation.id = new_id
    roles = [
        {"organisation_id": o.id, "role": role}
        for o in plan.organisations
        for role in sorted(o.roles, key=list(OrganisationRoleKind).index)
    ]
    roles += [{"organisation_id": o, "role": role} for o, role in sorted(plan.roles_to_add)]
    _insert(session, OrganisationRole, roles)
    for organisation_id, values in plan.organisation_updates.items():
        session.execute(
            update(Organisation).where(Organisation.id == organisation_id).values(**values)
        )
    ids = _insert_ids(
        session,
        BudgetLine,
        [
            {
                "funder_id": _id_of(line.funder),
                "name": line.name,
                "code": line.code,
                "nature": line.nature,
                "active": True,
            }
            for line in plan.budget_lines
        ],
    )
    for line, new_id in zip(plan.budget_lines, ids, strict=True):
        line.id = new_id
    # Actions, with their cross-cutting themes.
    ids = _insert_ids(
        session,
        Action,
        [
            {
                "contract_id": lookups.contract_id,
                "title": action.title,
                "holder_id": _id_of(action.holder),
                "objective_id": action.objective_id,
                "state_theme_id": action.state_theme_id,
                "kind": ActionKind.CALL_FOR_PROJECTS,
                "state": ActionState.PLANNED,
                "start_year": min(start for start, _ in action.years),
                "end_year": max(end for _, end in action.years),
            }
            for action in plan.actions
        ],
    )
    for action, new_id in zip(plan.actions, ids, strict=True):
        action.id = new_id
    _insert(
        session,
        action_theme,
        [
            {"action_id": action.id, "theme_id": theme_id}
            for action in plan.actions
            for theme_id in action.theme_ids
        ],
    )
    _write_new_dossiers(session, plan, lookups, user, label, today)
    _write_updates(session, plan, user, label, today)


def _write_new_dossiers(
    session: Session, plan: _Plan, lookups: _Lookups, user: str, label: str, today: date
) -> None:
    new = [d for d in plan.dossiers if d.existing is None]
    # References: the workbook's, or the next free numbers of the year.
    next_sequence: dict[int, int] = {}
    taken: dict[int, set[int]] = defaultdict(set)
    for dossier in new:
        if dossier.sequence is not None:
            taken[dossier.year].add(dossier.sequence)
    for dossier in new:
        if dossier.sequence is None:
            year = dossier.year
            used = lookups.used_sequences.get(year, set()) | taken[year]
            candidate = next_sequence.get(year, max(used, default=0) + 1)
            while candidate in used:
                candidate += 1
            dossier.sequence = candidate
            taken[year].add(candidate)
            next_sequence[year] = candidate + 1
            dossier.reference = f"{year}-{candidate:03d}"
    renewals = _renewal_flags(new, lookups)
    holders = {o.id: o.name for o in plan.organisations if o.id is not None}
    rows = []
    for dossier in new:
        holder_id = _id_of(dossier.holder)
        holder = holders.get(holder_id) or lookups.organisations[holder_id][0]
        action_id = _id_of(dossier.action)
        title = (
            dossier.action.title
            if isinstance(dossier.action, _NewAction)
            else lookups.action_info[action_id][0]
        )
        calls = lookups.calls_by_year.get(dossier.year, [])
        assert dossier.reference is not None
        rows.append(
            {
                "reference": dossier.reference,
                "year": dossier.year,
                "sequence": dossier.sequence,
                "call_id": calls[0] if len(calls) == 1 else None,
                "action_id": action_id,
                "holder_id": holder_id,
                "objective_id": dossier.objective_id,
                "state": dossier.state or DossierState.RECEIVED,
                "opinion": dossier.opinion,
                "received_on": dossier.received_on,
                "total_cost": dossier.total_cost or Money(0),
                "is_renewal": renewals[id(dossier)],
                "last_year": dossier.last_year,
                "search_text": fold(f"{dossier.reference} {holder} {title}"),
                "notes": with_portal_number(None, dossier.portal) if dossier.portal else None,
            }
        )
    ids = _insert_ids(session, Dossier, rows)
    for dossier, new_id in zip(new, ids, strict=True):
        dossier.id = new_id
    # Existing actions taking a new year: their span grows.
    for dossier in new:
        if isinstance(dossier.action, int):
            _, _, start, end = lookups.action_info[dossier.action]
            first = min(x for x in (start, dossier.year) if x is not None)
            last = max(x for x in (end, dossier.last_year or dossier.year) if x is not None)
            if (first, last) != (start, end):
                session.execute(
                    update(Action)
                    .where(Action.id == dossier.action)
                    .values(start_year=first, end_year=last)
                )
                lookups.action_info[dossier.action] = (
                    lookups.action_info[dossier.action][0],
                    lookups.action_info[dossier.action][1],
                    first,
                    last,
                )
    moment = _Clock(today)
    events = []
    for dossier, row in zip(new, rows, strict=True):
        where = f"{label}, feuille « {plan.sheet} », ligne {dossier.rows[0]}."
        events.append(_event(dossier.id, None, DossierState.RECEIVED, user, moment(), where))
        previous = DossierState.RECEIVED
        for state in dossier.state_path:
            events.append(_event(dossier.id, previous, state, user, moment(), None))
            previous = state
        del row
    _insert(session, DossierEvent, events)
    _write_fundings(session, plan, [(d, _id_of(d.action)) for d in new])


def _renewal_flags(new: list[_PlannedDossier], lookups: _Lookups) -> dict[int, bool]:
    """A dossier renews its action when the action has a dossier of an earlier year."""
    first_year: dict[int, int] = {}
    for dossier in new:
        key = _line_identity(dossier.action)
        first_year[key] = min(first_year.get(key, dossier.year), dossier.year)
    flags = {}
    for dossier in new:
        key = _line_identity(dossier.action)
        earlier = dossier.year > first_year[key]
        if isinstance(dossier.action, int):
            earlier = earlier or any(
                start < dossier.year for start, _ in lookups.action_spans.get(dossier.action, [])
            )
        flags[id(dossier)] = earlier
    return flags


class _Clock:
    """Distinct, increasing event times on the import's day (the history keeps its order)."""

    def __init__(self, today: date) -> None:
        now = datetime.now(UTC)
        if now.date() != today:
            now = datetime(today.year, today.month, today.day, 12, tzinfo=UTC)
        self.now = now

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now


def _event(
    dossier_id: int | None,
    from_state: DossierState | None,
    to_state: DossierState,
    user: str,
    at: datetime,
    comment: str | None,
) -> dict[str, Any]:
    return {
        "dossier_id": dossier_id,
        "at": at,
        "user": user,
        "from_state": from_state,
        "to_state": to_state,
        "comment": comment,
    }


def _write_fundings(
    session: Session, plan: _Plan, dossiers: list[tuple[_PlannedDossier, int]]
) -> None:
    new_rows: list[dict[str, Any]] = []
    owners: list[_PlannedFunding] = []
    for dossier, action_id in dossiers:
        for funding in dossier.fundings:
            if funding.existing_id is not None:
                continue
            new_rows.append(
                {
                    "action_id": action_id,
                    "dossier_id": dossier.id,
                    "budget_line_id": _id_of(funding.line),
                    "year": funding.year,
                    "requested": funding.requested,
                    "proposed": funding.proposed,
                    "granted": funding.granted,
                    "funder_decision": funding.decision,
                    "decided_on": funding.decided_on,
                }
            )
            owners.append(funding)
    ids = _insert_ids(session, Funding, new_rows)
    for funding, new_id in zip(owners, ids, strict=True):
        funding.existing_id = new_id
    payments = []
    for dossier, _ in dossiers:
        for funding in dossier.fundings:
            if not funding.new_payment or not funding.paid:
                continue
            whole = funding.granted is not None and funding.paid >= funding.granted
            payments.append(
                {
                    "funding_id": funding.existing_id,
                    "kind": PaymentKind.BALANCE if whole else PaymentKind.ADVANCE,
                    "amount": funding.paid,
                    "paid_on": funding.paid_on or funding.decided_on or date(funding.year, 12, 31),
                    "due_on": None,
                    "reference": None,
                }
            )
    _insert(session, Payment, payments)
    del plan


def _write_updates(session: Session, plan: _Plan, user: str, label: str, today: date) -> None:
    moment = _Clock(today)
    events = []
    updated: list[tuple[_PlannedDossier, int]] = []
    for dossier in plan.dossiers:
        existing = dossier.existing
        if existing is None or not _dossier_changes(dossier):
            continue
        dossier.id = existing.id
        values = dict(dossier.changes)
        if dossier.state_path:
            values["state"] = dossier.state_path[-1]
        if values:
            session.execute(update(Dossier).where(Dossier.id == existing.id).values(**values))
        action_values = dict(dossier.action_changes)
        if dossier.new_title is not None:
            action_values["title"] = dossier.new_title
        if action_values:
            session.execute(
                update(Action).where(Action.id == existing.action_id).values(**action_values)
            )
        if dossier.themes_changed and dossier.theme_ids is not None:
            current = set(
                session.scalars(
                    select(action_theme.c.theme_id).where(
                        action_theme.c.action_id == existing.action_id
                    )
                )
            )
            wanted = set(dossier.theme_ids)
            if current != wanted:
                session.execute(
                    action_theme.delete().where(action_theme.c.action_id == existing.action_id)
                )
                _insert(
                    session,
                    action_theme,
                    [{"action_id": existing.action_id, "theme_id": t} for t in sorted(wanted)],
                )
        previous = existing.state
        for number, state in enumerate(dossier.state_path):
            comment = f"{label}, ligne {dossier.rows[0]}." if number == 0 else None
            events.append(_event(existing.id, previous, state, user, moment(), comment))
            previous = state
        for funding in dossier.fundings:
            if funding.existing_id is not None and funding.changes:
                session.execute(
                    update(Funding)
                    .where(Funding.id == funding.existing_id)
                    .values(**funding.changes)
                )
        updated.append((dossier, existing.action_id))
    _insert(session, DossierEvent, events)
    # New funding rows and payments of updated dossiers (existing rows' payments too).
    _write_fundings(session, plan, updated)
    if updated:
        # search_text follows the action's title.
        for dossier, _ in updated:
            if dossier.new_title is not None:
                _refresh_search_text(session, dossier.existing.action_id)  # type: ignore[union-attr]


def _refresh_search_text(session: Session, action_id: int) -> None:
    for dossier_id, reference, holder, title in session.execute(
        select(Dossier.id, Dossier.reference, Organisation.name, Action.title)
        .join(Organisation, Organisation.id == Dossier.holder_id)
        .join(Action, Action.id == Dossier.action_id)
        .where(Dossier.action_id == action_id)
    ):
        session.execute(
            update(Dossier)
            .where(Dossier.id == dossier_id)
            .values(search_text=fold(f"{reference} {holder} {title}"))
        )


def apply_import(
    session: Session, content: WorkbookContent, options: ImportOptions | None = None
) -> ImportPreview:
    """Check *content* again and write it in the caller's unit of work; returns the preview.

    Raises `ImportRefused` (its ``preview`` lists the errors) and writes nothing when a
    single row is wrong.
    """
    options = options or ImportOptions()
    plan = plan_import(session, content, options)
    preview = plan.preview()
    if not preview.ok:
        raise ImportRefused(preview)
    if preview.changes_anything:
        _write(session, plan, options.today or date.today())
        session.flush()
    return preview


def import_programmation(
    database: Database,
    path: Path,
    options: ImportOptions | None = None,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Read *path*, check it, and (unless *dry_run* or in error) back up and write it all.

    Everything is checked inside the write transaction; only when no row is wrong is a
    backup taken (of the very state being changed: nothing is written yet) and the rows
    written, committed together. Returns the preview, whether anything was written and
    the backup; raises `WorkbookError` for a file that cannot be read at all.
    """
    say = progress or (lambda _message: None)
    say("Lecture du classeur…")
    content = _read_for_import(path, options)
    say("Vérification des lignes…")
    if dry_run:
        with database.read() as session:
            return ImportResult(preview_import(session, content, options), written=False)
    options = options or ImportOptions()
    try:
        with database.unit_of_work() as session:
            plan = plan_import(session, content, options)
            preview = plan.preview()
            if not preview.ok or not preview.changes_anything:
                # Leave the unit of work by an exception: nothing written, nothing to back up.
                raise _NothingWritten(preview)
            say("Sauvegarde avant import…")
            backup = database.backup("import")
            say("Enregistrement…")
            _write(session, plan, options.today or date.today())
            session.flush()
    except _NothingWritten as nothing:
        return ImportResult(nothing.preview, written=False)
    return ImportResult(preview, written=True, backup=backup)


class _NothingWritten(Exception):
    def __init__(self, preview: ImportPreview) -> None:
        super().__init__("nothing written")
        self.preview = preview


def _read_for_import(path: Path, options: ImportOptions | None) -> WorkbookContent:
    """The sheets the import needs: the one asked for, ours if present, or all of them."""
    wanted = options.sheet if options is not None else None
    if wanted is not None:
        return read_workbook(path, sheets={wanted})
    ours = read_workbook(path, sheets={LINES_SHEET})
    if ours.sheets and not ours.sheets[0].is_empty:
        return ours
    return read_workbook(path)


# --- the error list as a workbook ----------------------------------------------------------

ERROR_COLUMNS = (
    Column("Feuille"),
    Column("Ligne"),
    Column("Colonne", max_width=40),
    Column("Valeur", max_width=40),
    Column("Motif", max_width=90),
)


def write_error_report(errors: Sequence[RowError], path: Path) -> Path:
    """Save the error list as a workbook (one row per error); returns the path."""
    rows = [
        (error.sheet, str(error.row) if error.row else "", error.column, error.value, error.reason)
        for error in errors
    ]
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    return write_table(path, ERROR_COLUMNS, rows, sheet_title="Erreurs d'import")


def describe_preview(preview: ImportPreview, *, limit: int | None = 60) -> list[str]:
    """The preview as lines of French text (the command line prints them)."""
    lines = [f"Classeur : {preview.file.name}, feuille « {preview.sheet} »"]
    if preview.header is not None:
        lines.append(f"Intitulés trouvés ligne {preview.header.row} :")
        lines += [f"  {column.describe()}" for column in preview.header.columns]
    lines.append("")
    lines += preview.summary().splitlines()
    if preview.notes:
        lines.append("")
        lines += [f"Note : {note}" for note in preview.notes]
    if preview.errors:
        lines.append("")
        lines.append("Erreurs :")
        shown = preview.errors if limit is None else preview.errors[:limit]
        lines += [f"  {error.describe()}" for error in shown]
        if limit is not None and len(preview.errors) > limit:
            lines.append(f"  … et {len(preview.errors) - limit} autres.")
    elif preview.lines:
        lines.append("")
        lines.append("Détail :")
        shown_lines = preview.lines if limit is None else preview.lines[:limit]
        lines += [f"  {line.describe()}" for line in shown_lines]
        if limit is not None and len(preview.lines) > limit:
            lines.append(f"  … et {len(preview.lines) - limit} autres.")
    return lines


def read_and_preview(
    session: Session, path: Path, options: ImportOptions | None = None
) -> ImportPreview:
    """Read *path* and preview its import (the window's first step)."""
    return preview_import(session, _read_for_import(path, options), options)


__all__ = [
    "ERROR_COLUMNS",
    "ImportCounts",
    "ImportOptions",
    "ImportPreview",
    "ImportRefused",
    "ImportResult",
    "Outcome",
    "PreviewLine",
    "RowError",
    "apply_import",
    "describe_preview",
    "import_programmation",
    "preview_import",
    "read_and_preview",
    "write_error_report",
]
