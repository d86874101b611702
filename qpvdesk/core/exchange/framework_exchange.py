"""Any town's framework: the strategic framework as a workbook, out and back in.

The template follows the contracts' strategic tables (« ORIENTATIONS STRATÉGIQUES »):
one row per piste d'action, the priority, strategic and operational objectives to its
left, merged over the rows they cover, and the code of the row's element (``P1.2.3.4``:
its parents' codes are its prefixes). A fifth column holds the few sub-items some
pistes have. Beside it: « Contrat » (name, town, years, intercommunality),
« Quartiers prioritaires », « Axes transversaux », and « Intitulés courts » (short titles
and descriptions by code).

Read back, the same tree comes out: same codes, titles, levels and order. A template
filled by hand may leave the codes out (they are given in order, ``P1``, ``P1.1``…)
and leave a cell blank to mean « same as above », as the contracts' tables do.

`export_framework` writes it from a database; `read_framework` checks a file (every
problem with its sheet, row, column and French reason) without touching any database;
`load_framework` puts it into a database holding no framework yet; `import_framework`
and `create_database_with_framework` (``qpvdesk init --framework``) wrap them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import ObjectiveLevel, ThemeKind
from qpvdesk.core.domain.models import (
    Contract,
    CrossCuttingTheme,
    Neighbourhood,
    Objective,
    StateTheme,
)
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.exchange.column_mapping import normalise
from qpvdesk.core.exchange.programmation_import import RowError
from qpvdesk.core.exchange.workbook_reading import (
    CellError,
    SheetRows,
    cell_text,
    column_letter,
    display_value,
    read_workbook,
    read_year,
)
from qpvdesk.core.exchange.xlsx import Column, ColumnKind, Progress, SheetSpec, write_workbook

if TYPE_CHECKING:
    from qpvdesk.core.storage.database import Database

TREE_SHEET = "Cadre stratégique"
CONTRACT_SHEET = "Contrat"
NEIGHBOURHOODS_SHEET = "Quartiers prioritaires"
THEMES_SHEET = "Axes transversaux"
DETAILS_SHEET = "Intitulés courts"
LEVEL_HEADINGS = (
    "Priorité",
    "Objectif stratégique",
    "Objectif opérationnel",
    "Piste d'action",
    "Sous-piste d'action",
)
CODE_HEADING = "Code"
MAX_DEPTH = len(LEVEL_HEADINGS)
LEVELS = (ObjectiveLevel.PRIORITY, ObjectiveLevel.STRATEGIC, ObjectiveLevel.OPERATIONAL)
CODE_PATTERN = re.compile(r"^P\d+(?:\.\d+)*$")
MAX_TITLE = 2000

# Headings of the tree sheet as read back (several spellings of the contracts' tables).
_LEVEL_SYNONYMS = (
    ("priorite", "priorites", "pilier", "axe"),
    ("objectif strategique", "objectifs strategiques"),
    ("objectif operationnel", "objectifs operationnels"),
    ("piste action", "pistes action", "plan action", "piste", "pistes", "actions"),
    ("sous piste action", "sous pistes action", "sous piste", "precision"),
)
_CONTRACT_FIELDS = {
    "name": ("Nom du contrat", "nom du contrat", "contrat", "nom"),
    "code": ("Code du contrat", "code du contrat", "code"),
    "town": ("Commune", "commune", "ville"),
    "insee_code": ("Code INSEE", "code insee", "insee"),
    "intercommunality": ("Intercommunalité", "intercommunalite", "epci"),
    "intercommunality_siren": ("SIREN de l'intercommunalité", "siren intercommunalite", "siren"),
    "start_year": ("Première année", "premiere annee", "debut", "annee debut"),
    "end_year": ("Dernière année", "derniere annee", "fin", "annee fin"),
}
_THEME_KINDS = {fold(kind.label): kind for kind in ThemeKind} | {
    "thematique": ThemeKind.THEMATIC,
    "methodologique": ThemeKind.METHODOLOGICAL,
    fold(ThemeKind.THEMATIC.value): ThemeKind.THEMATIC,
    fold(ThemeKind.METHODOLOGICAL.value): ThemeKind.METHODOLOGICAL,
}


# --- the data ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContractInfo:
    """The contract's identity, as the « Contrat » sheet gives it."""

    name: str
    town: str
    start_year: int
    end_year: int
    code: str | None = None
    insee_code: str | None = None
    intercommunality: str | None = None
    intercommunality_siren: str | None = None


@dataclass(frozen=True, slots=True)
class NeighbourhoodInfo:
    code: str
    name: str
    population: int | None = None
    decree: str | None = None


@dataclass(frozen=True, slots=True)
class FrameworkNode:
    """One element of the tree, in the template's order."""

    code: str
    level: ObjectiveLevel
    title: str
    parent_code: str | None
    position: int
    short_title: str | None = None
    description: str | None = None

    @property
    def depth(self) -> int:
        return self.code.count(".")


@dataclass(frozen=True, slots=True)
class FrameworkTemplate:
    """A framework read from a template, or about to be written to one."""

    nodes: tuple[FrameworkNode, ...]
    themes: tuple[tuple[ThemeKind, str], ...] = ()
    contract: ContractInfo | None = None
    neighbourhoods: tuple[NeighbourhoodInfo, ...] = ()

    def count(self, level: ObjectiveLevel) -> int:
        return sum(1 for node in self.nodes if node.level is level)


class FrameworkRefused(ValidationError):
    """A template with errors: nothing was read into the database. ``errors`` lists them."""

    def __init__(self, path: Path, errors: Sequence[RowError]) -> None:
        count = len(errors)
        first = errors[0].describe() if errors else ""
        super().__init__(
            f"Cadre refusé : {count} erreur{'s' if count > 1 else ''} dans « {path.name} », "
            f"rien n'a été enregistré. Première erreur : {first}"
        )
        self.errors = tuple(errors)


def _level(depth: int) -> ObjectiveLevel:
    return LEVELS[depth] if depth < len(LEVELS) else ObjectiveLevel.ITEM


def framework_template(session: Session) -> FrameworkTemplate:
    """The database's framework (the first contract's), ready to be written."""
    contract = session.scalars(select(Contract).order_by(Contract.id)).first()
    if contract is None:
        return FrameworkTemplate(nodes=())
    rows = session.execute(
        select(
            Objective.id,
            Objective.parent_id,
            Objective.level,
            Objective.position,
            Objective.code,
            Objective.title,
            Objective.short_title,
            Objective.description,
        )
        .where(Objective.contract_id == contract.id)
        .order_by(Objective.parent_id, Objective.position, Objective.id)
    ).all()
    by_parent: dict[int | None, list[Any]] = {}
    codes = {row[0]: row[4] for row in rows}
    for row in rows:
        by_parent.setdefault(row[1], []).append(row)
    nodes: list[FrameworkNode] = []

    def walk(parent_id: int | None) -> None:
        for position, row in enumerate(by_parent.get(parent_id, [])):
            nodes.append(
                FrameworkNode(
                    code=row[4],
                    level=row[2],
                    title=row[5],
                    parent_code=codes.get(row[1]) if row[1] is not None else None,
                    position=position,
                    short_title=row[6],
                    description=row[7],
                )
            )
            walk(row[0])

    walk(None)
    themes = tuple(
        (kind, title)
        for kind, title in session.execute(
            select(CrossCuttingTheme.kind, CrossCuttingTheme.title)
            .where(CrossCuttingTheme.contract_id == contract.id)
            .order_by(CrossCuttingTheme.position, CrossCuttingTheme.id)
        )
    )
    hoods = tuple(
        NeighbourhoodInfo(code, name, population, decree)
        for code, name, population, decree in session.execute(
            select(
                Neighbourhood.code,
                Neighbourhood.name,
                Neighbourhood.population,
                Neighbourhood.decree,
            )
            .where(Neighbourhood.contract_id == contract.id)
            .order_by(Neighbourhood.id)
        )
    )
    info = ContractInfo(
        name=contract.name,
        town=contract.town,
        start_year=contract.start_year,
        end_year=contract.end_year,
        code=contract.code,
        insee_code=contract.insee_code,
        intercommunality=contract.intercommunality,
        intercommunality_siren=contract.intercommunality_siren,
    )
    return FrameworkTemplate(tuple(nodes), themes, info, hoods)


# --- writing -------------------------------------------------------------------------------

TREE_COLUMNS = (
    *(Column(heading, max_width=40) for heading in LEVEL_HEADINGS[:4]),
    Column(LEVEL_HEADINGS[4], max_width=30),
    Column(CODE_HEADING, max_width=12),
)


def _tree_rows(template: FrameworkTemplate) -> tuple[list[tuple[Any, ...]], list[str]]:
    """One row per leaf, its ancestors to its left; the merges of the ancestors' cells."""
    children: dict[str | None, list[FrameworkNode]] = {}
    for node in template.nodes:
        children.setdefault(node.parent_code, []).append(node)
    rows: list[tuple[Any, ...]] = []
    spans: dict[tuple[int, str], list[int]] = {}

    def walk(node: FrameworkNode, path: list[FrameworkNode]) -> None:
        here = [*path, node]
        kids = children.get(node.code, [])
        if not kids or len(here) >= MAX_DEPTH:
            number = len(rows) + 2  # Excel row: after the header
            cells: list[Any] = [None] * MAX_DEPTH
            for depth, element in enumerate(here[:MAX_DEPTH]):
                cells[depth] = element.title
                spans.setdefault((depth, element.code), []).append(number)
            rows.append((*cells, node.code))
            return
        for kid in kids:
            walk(kid, here)

    for root in children.get(None, []):
        walk(root, [])
    merges = []
    for (depth, _code), numbers in spans.items():
        if len(numbers) > 1:
            letter = column_letter(depth)
            merges.append(f"{letter}{numbers[0]}:{letter}{numbers[-1]}")
    # Only the first cell of a merged range keeps its text.
    merged_rows = {
        (depth, number)
        for (depth, _code), numbers in spans.items()
        if len(numbers) > 1
        for number in numbers[1:]
    }
    cleaned = [
        tuple(
            None if (depth, index + 2) in merged_rows else value for depth, value in enumerate(row)
        )
        for index, row in enumerate(rows)
    ]
    return cleaned, merges


def framework_sheets(template: FrameworkTemplate) -> list[SheetSpec]:
    """The template's sheets: the tree, the contract, neighbourhoods, themes, short titles."""
    rows, merges = _tree_rows(template)
    # One page wide, like the contracts' tables.
    sheets = [
        SheetSpec(TREE_SHEET, TREE_COLUMNS, rows, wrap=True, merged=merges, pages_across=1)
    ]
    info = template.contract
    contract_rows: list[tuple[Any, ...]] = []
    if info is not None:
        for key, (label, *_rest) in _CONTRACT_FIELDS.items():
            value = getattr(info, key)
            contract_rows.append((label, None if value is None else str(value)))
    sheets.append(
        SheetSpec(CONTRACT_SHEET, (Column("Champ", max_width=32), Column("Valeur")), contract_rows)
    )
    sheets.append(
        SheetSpec(
            NEIGHBOURHOODS_SHEET,
            (
                Column("Code"),
                Column("Nom", max_width=40),
                Column("Population", ColumnKind.INTEGER),
                Column("Décret"),
            ),
            [(h.code, h.name, h.population, h.decree) for h in template.neighbourhoods],
        )
    )
    sheets.append(
        SheetSpec(
            THEMES_SHEET,
            (Column("Nature"), Column("Intitulé", max_width=80)),
            [(kind.label, title) for kind, title in template.themes],
            wrap=True,
        )
    )
    details = [
        (node.code, node.short_title, node.description)
        for node in template.nodes
        if node.short_title or node.description
    ]
    sheets.append(
        SheetSpec(
            DETAILS_SHEET,
            (Column("Code"), Column("Intitulé court", max_width=40), Column("Description")),
            details,
            wrap=True,
        )
    )
    return sheets


def write_framework(
    template: FrameworkTemplate, path: Path, *, progress: Progress | None = None
) -> Path:
    """Write *template* to the workbook *path* (``.xlsx`` added if missing)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    title = "Cadre stratégique"
    if template.contract is not None:
        title += f" – {template.contract.town}"
    return write_workbook(path, framework_sheets(template), title=title, progress=progress)


def export_framework(session: Session, path: Path, *, progress: Progress | None = None) -> Path:
    """Export the database's framework as a template workbook; returns the path."""
    return write_framework(framework_template(session), path, progress=progress)


# --- reading -------------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.items: list[RowError] = []

    def add(self, sheet: str, row: int, column: str, value: Any, reason: str) -> None:
        self.items.append(RowError(sheet, row, column, display_value(value), reason))


def _tree_header(sheet: SheetRows) -> tuple[int, dict[int, int], int | None] | None:
    """(header row, {level: column index}, code column index) of the tree sheet."""
    for number, values in sheet.rows[:30]:
        levels: dict[int, int] = {}
        code: int | None = None
        for index, value in enumerate(values):
            text = cell_text(value)
            if text is None:
                continue
            key = normalise(text)
            if key in ("code", "code element", "codes"):
                code = index
                continue
            for depth, synonyms in enumerate(_LEVEL_SYNONYMS):
                if key in synonyms and depth not in levels:
                    levels[depth] = index
                    break
        if {0, 1, 2} <= set(levels) or ({1, 2} <= set(levels) and 3 in levels):
            return number, levels, code
    return None


def _find_sheet(sheets: Sequence[SheetRows], name: str) -> SheetRows | None:
    wanted = fold(name)
    return next((s for s in sheets if fold(s.name) == wanted), None)


def read_framework(path: Path) -> FrameworkTemplate:
    """Read and check a template; raises `FrameworkRefused` listing every problem.

    Raises `WorkbookError` for a file that cannot be opened at all.
    """
    path = Path(path)
    content = read_workbook(path)
    errors = _Errors()
    tree = _find_sheet(content.sheets, TREE_SHEET)
    found = _tree_header(tree) if tree is not None else None
    if tree is None or found is None:
        for sheet in content.sheets:
            found = _tree_header(sheet)
            if found is not None:
                tree = sheet
                break
    if tree is None or found is None:
        errors.add(
            path.name,
            0,
            "",
            "",
            "aucune feuille n'a les colonnes « Priorité », « Objectif stratégique », « Objectif "
            "opérationnel », « Piste d'action ».",
        )
        raise FrameworkRefused(path, errors.items)
    nodes = _read_tree(tree, found, errors)
    details = _find_sheet(content.sheets, DETAILS_SHEET)
    if details is not None:
        nodes = _read_details(details, nodes, errors)
    themes = _read_themes(_find_sheet(content.sheets, THEMES_SHEET), errors)
    contract = _read_contract(_find_sheet(content.sheets, CONTRACT_SHEET), errors)
    hoods = _read_neighbourhoods(_find_sheet(content.sheets, NEIGHBOURHOODS_SHEET), errors)
    if errors.items:
        raise FrameworkRefused(path, errors.items)
    return FrameworkTemplate(tuple(nodes), themes, contract, hoods)


@dataclass(slots=True)
class _Node:
    key: Any
    title: str
    depth: int
    parent: _Node | None
    code: str | None = None
    children: list[_Node] = field(default_factory=list)
    row: int = 0


def _read_tree(
    sheet: SheetRows, found: tuple[int, dict[int, int], int | None], errors: _Errors
) -> list[FrameworkNode]:
    header, levels, code_column = found
    roots: list[_Node] = []
    by_key: dict[Any, _Node] = {}
    by_code: dict[str, _Node] = {}
    previous: list[str | None] = [None] * MAX_DEPTH
    uses_codes: bool | None = None
    for number, values in sheet.rows:
        if number <= header:
            continue
        titles: list[str | None] = []
        for depth in range(MAX_DEPTH):
            index = levels.get(depth)
            raw = values[index] if index is not None and index < len(values) else None
            text = cell_text(raw)
            titles.append(" ".join(text.split()) if text else None)
        deepest = max((d for d, t in enumerate(titles) if t), default=-1)
        if deepest < 0:
            continue
        # A blank cell left of a filled one means « same as above » (the contracts' tables).
        for depth in range(deepest):
            if titles[depth] is None:
                titles[depth] = previous[depth]
                if titles[depth] is None:
                    errors.add(
                        sheet.name,
                        number,
                        _where(levels, depth),
                        "",
                        f"{LEVEL_HEADINGS[depth]} manquant(e) au-dessus de cet élément.",
                    )
        previous = [*titles[: deepest + 1], *([None] * (MAX_DEPTH - deepest - 1))]
        code_text = None
        if code_column is not None and code_column < len(values):
            code_text = cell_text(values[code_column])
        if uses_codes is None:
            uses_codes = code_text is not None
        if uses_codes and code_text is None:
            errors.add(
                sheet.name,
                number,
                column_letter(code_column or 0),
                "",
                "code manquant (les autres lignes en ont un : complétez-le, ou videz toute la "
                "colonne pour que les codes soient donnés dans l'ordre).",
            )
            continue
        for depth, title in enumerate(titles[: deepest + 1]):
            if title is not None and len(title) > MAX_TITLE:
                errors.add(
                    sheet.name,
                    number,
                    _where(levels, depth),
                    title[:40] + "…",
                    f"{MAX_TITLE} caractères au plus.",
                )
        if any(t is None for t in titles[: deepest + 1]):
            continue
        path_titles = [t for t in titles[: deepest + 1] if t is not None]
        if code_text is not None:
            _place_by_code(
                sheet, number, code_text, path_titles, levels, code_column, roots, by_code, errors
            )
        else:
            _place_by_title(number, path_titles, roots, by_key)
    return _flatten(roots, uses_codes is True)


def _where(levels: dict[int, int], depth: int) -> str:
    index = levels.get(depth)
    return f"{column_letter(index)} ({LEVEL_HEADINGS[depth]})" if index is not None else ""


def _place_by_code(
    sheet: SheetRows,
    number: int,
    code: str,
    titles: list[str],
    levels: dict[int, int],
    code_column: int | None,
    roots: list[_Node],
    by_code: dict[str, _Node],
    errors: _Errors,
) -> None:
    code = code.strip().upper()
    where = column_letter(code_column or 0) + f" ({CODE_HEADING})"
    if not CODE_PATTERN.match(code):
        errors.add(sheet.name, number, where, code, "code attendu de la forme P1.2.3.")
        return
    parts = code.split(".")
    if len(parts) != len(titles):
        errors.add(
            sheet.name,
            number,
            where,
            code,
            f"ce code est celui d'un élément de niveau {len(parts)}, mais la ligne en "
            f"décrit un de niveau {len(titles)} ({LEVEL_HEADINGS[len(titles) - 1]}).",
        )
        return
    parent: _Node | None = None
    for depth, title in enumerate(titles):
        prefix = ".".join(parts[: depth + 1])
        node = by_code.get(prefix)
        if node is None:
            node = _Node(prefix, title, depth, parent, code=prefix, row=number)
            by_code[prefix] = node
            (parent.children if parent is not None else roots).append(node)
        elif fold(node.title) != fold(title):
            errors.add(
                sheet.name,
                number,
                _where(levels, depth),
                title,
                f"le code {prefix} désigne « {node.title} » ligne {node.row}.",
            )
            return
        elif depth == len(titles) - 1:
            errors.add(sheet.name, number, where, code, f"code déjà employé ligne {node.row}.")
            return
        parent = node


def _place_by_title(
    number: int, titles: list[str], roots: list[_Node], by_key: dict[Any, _Node]
) -> None:
    parent: _Node | None = None
    key: tuple[Any, ...] = ()
    for depth, title in enumerate(titles):
        key = (*key, fold(title))
        node = by_key.get(key)
        if node is None:
            node = _Node(key, title, depth, parent, row=number)
            by_key[key] = node
            (parent.children if parent is not None else roots).append(node)
        parent = node


def _flatten(roots: list[_Node], keep_codes: bool) -> list[FrameworkNode]:
    nodes: list[FrameworkNode] = []

    # Siblings keep the order of the rows (codes survive reordering: they say nothing of it).
    def walk(siblings: list[_Node], parent_code: str | None) -> None:
        for position, node in enumerate(siblings):
            code = (
                node.code
                if keep_codes and node.code
                else (
                    f"P{position + 1}" if parent_code is None else f"{parent_code}.{position + 1}"
                )
            )
            nodes.append(FrameworkNode(code, _level(node.depth), node.title, parent_code, position))
            walk(node.children, code)

    walk(roots, None)
    return nodes


def _read_details(
    sheet: SheetRows, nodes: list[FrameworkNode], errors: _Errors
) -> list[FrameworkNode]:
    by_code = {node.code: node for node in nodes}
    extra: dict[str, tuple[str | None, str | None]] = {}
    for number, values in sheet.rows[1:]:
        code = cell_text(values[0]) if values else None
        if code is None:
            continue
        code = code.upper()
        if code not in by_code:
            errors.add(sheet.name, number, "A (Code)", code, "aucun élément du cadre n'a ce code.")
            continue
        short = cell_text(values[1]) if len(values) > 1 else None
        description = cell_text(values[2]) if len(values) > 2 else None
        if short is not None and len(short) > 200:
            errors.add(
                sheet.name, number, "B (Intitulé court)", short[:40], "200 caractères au plus."
            )
            continue
        extra[code] = (short, description)
    return [
        FrameworkNode(
            n.code, n.level, n.title, n.parent_code, n.position, *extra.get(n.code, (None, None))
        )
        for n in nodes
    ]


def _read_themes(sheet: SheetRows | None, errors: _Errors) -> tuple[tuple[ThemeKind, str], ...]:
    if sheet is None:
        return ()
    themes: list[tuple[ThemeKind, str]] = []
    for number, values in sheet.rows[1:]:
        kind_text = cell_text(values[0]) if values else None
        title = cell_text(values[1]) if len(values) > 1 else None
        if title is None and kind_text is None:
            continue
        kind = _THEME_KINDS.get(fold(kind_text or ""))
        if kind is None:
            errors.add(
                sheet.name,
                number,
                "A (Nature)",
                kind_text,
                "nature attendue : « Enjeu thématique » ou « Enjeu méthodologique ».",
            )
            continue
        if title is None:
            errors.add(sheet.name, number, "B (Intitulé)", "", "intitulé manquant.")
            continue
        themes.append((kind, " ".join(title.split())))
    return tuple(themes)


def _read_contract(sheet: SheetRows | None, errors: _Errors) -> ContractInfo | None:
    if sheet is None:
        return None
    values: dict[str, tuple[int, Any]] = {}
    lookup = {fold(s): key for key, spellings in _CONTRACT_FIELDS.items() for s in spellings}
    lookup |= {normalise(s): key for key, spellings in _CONTRACT_FIELDS.items() for s in spellings}
    for number, row in sheet.rows:
        label = cell_text(row[0]) if row else None
        if label is None:
            continue
        key = lookup.get(fold(label)) or lookup.get(normalise(label))
        if key is not None and len(row) > 1:
            values[key] = (number, row[1])
    if not values:
        return None
    result: dict[str, Any] = {}
    for key in ("start_year", "end_year"):
        number, raw = values.get(key, (0, None))
        try:
            result[key] = read_year(raw)
        except CellError as problem:
            errors.add(sheet.name, number, "B (Valeur)", raw, problem.reason)
            result[key] = None
    for key in ("name", "code", "town", "insee_code", "intercommunality", "intercommunality_siren"):
        result[key] = cell_text(values.get(key, (0, None))[1])
    missing = [
        _CONTRACT_FIELDS[key][0]
        for key in ("name", "town", "start_year", "end_year")
        if result.get(key) is None
    ]
    if missing:
        errors.add(
            sheet.name,
            0,
            "",
            "",
            "à compléter : " + ", ".join(f"« {label} »" for label in missing) + ".",
        )
        return None
    if result["end_year"] < result["start_year"]:
        errors.add(
            sheet.name,
            values["end_year"][0],
            "B (Valeur)",
            result["end_year"],
            "la dernière année précède la première.",
        )
        return None
    return ContractInfo(**result)


def _read_neighbourhoods(sheet: SheetRows | None, errors: _Errors) -> tuple[NeighbourhoodInfo, ...]:
    if sheet is None:
        return ()
    hoods: list[NeighbourhoodInfo] = []
    for number, values in sheet.rows[1:]:
        code = cell_text(values[0]) if values else None
        name = cell_text(values[1]) if len(values) > 1 else None
        if code is None and name is None:
            continue
        if code is None or name is None:
            errors.add(sheet.name, number, "A (Code)", code or name, "code et nom du quartier.")
            continue
        population = values[2] if len(values) > 2 else None
        if population is not None and not isinstance(population, int):
            text = cell_text(population) or ""
            digits = text.replace(" ", "").replace("\u00a0", "")
            if not digits.isdigit():
                errors.add(sheet.name, number, "C (Population)", population, "un nombre entier.")
                continue
            population = int(digits)
        decree = cell_text(values[3]) if len(values) > 3 else None
        hoods.append(NeighbourhoodInfo(code, name, population, decree))
    return tuple(hoods)


# --- loading -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FrameworkLoaded:
    """What `load_framework` added."""

    contract_created: bool
    objectives: dict[ObjectiveLevel, int]
    themes: int
    neighbourhoods: int

    def describe(self) -> str:
        counts = self.objectives
        return (
            f"{counts.get(ObjectiveLevel.PRIORITY, 0)} priorités, "
            f"{counts.get(ObjectiveLevel.STRATEGIC, 0)} objectifs stratégiques, "
            f"{counts.get(ObjectiveLevel.OPERATIONAL, 0)} objectifs opérationnels, "
            f"{counts.get(ObjectiveLevel.ITEM, 0)} pistes d'action, "
            f"{self.themes} axes transversaux" + (", contrat créé" if self.contract_created else "")
        )


def load_framework(session: Session, template: FrameworkTemplate) -> FrameworkLoaded:
    """Put *template* into a database holding no framework yet (caller's unit of work).

    Creates the contract from the template when the database has none. Raises
    `ValidationError` (French) when the database already has a framework, or has no
    contract and the template says nothing of it.
    """
    contract = session.scalars(select(Contract).order_by(Contract.id)).first()
    created = False
    if contract is None:
        info = template.contract
        if info is None:
            raise ValidationError(
                "La base ne contient pas de contrat de ville et le classeur n'a pas de feuille "
                "« Contrat » remplie (nom, commune, première et dernière année) : complétez-la."
            )
        contract = Contract(
            name=info.name,
            code=info.code,
            town=info.town,
            insee_code=info.insee_code,
            intercommunality=info.intercommunality,
            intercommunality_siren=info.intercommunality_siren,
            start_year=info.start_year,
            end_year=info.end_year,
        )
        session.add(contract)
        session.flush()
        created = True
    existing = int(
        session.scalar(
            select(func.count()).select_from(Objective).where(Objective.contract_id == contract.id)
        )
        or 0
    )
    if existing:
        raise ValidationError(
            f"La base contient déjà un cadre stratégique ({existing} éléments) : un cadre "
            "s'importe dans une base vide (« qpvdesk init --empty », puis « qpvdesk import "
            "framework », ou directement « qpvdesk init --framework FICHIER »)."
        )
    if not template.nodes:
        raise ValidationError("Le classeur ne contient aucun élément de cadre stratégique.")
    ids: dict[str, int] = {}
    counts: dict[ObjectiveLevel, int] = {}
    for node in template.nodes:
        objective = Objective(
            contract_id=contract.id,
            parent_id=None if node.parent_code is None else ids[node.parent_code],
            level=node.level,
            position=node.position,
            code=node.code,
            title=node.title,
            short_title=node.short_title,
            description=node.description,
        )
        session.add(objective)
        session.flush()
        ids[node.code] = objective.id
        counts[node.level] = counts.get(node.level, 0) + 1
    themes = 0
    has_themes = session.scalar(
        select(func.count())
        .select_from(CrossCuttingTheme)
        .where(CrossCuttingTheme.contract_id == contract.id)
    )
    if not has_themes:
        for position, (kind, title) in enumerate(template.themes):
            session.add(
                CrossCuttingTheme(
                    contract_id=contract.id, kind=kind, title=title, position=position
                )
            )
            themes += 1
    hoods = 0
    known = set(session.scalars(select(Neighbourhood.code)))
    for hood in template.neighbourhoods:
        if hood.code in known:
            continue
        session.add(
            Neighbourhood(
                contract_id=contract.id,
                code=hood.code,
                name=hood.name,
                population=hood.population,
                decree=hood.decree,
            )
        )
        hoods += 1
    if not session.scalar(select(func.count()).select_from(StateTheme)):
        from qpvdesk.core.services.builtin import load_state_themes

        load_state_themes(session)
    session.flush()
    return FrameworkLoaded(created, counts, themes, hoods)


def import_framework(database: Database, path: Path) -> FrameworkLoaded:
    """Read *path* and load it into the open *database* (backup first, one transaction)."""
    template = read_framework(path)
    with database.unit_of_work() as session:
        # Checked before the backup: a database that already has a framework is refused.
        contract = session.scalars(select(Contract.id)).first()
        if contract is not None and session.scalar(select(func.count()).select_from(Objective)):
            return load_framework(session, template)  # raises the French refusal
        database.backup("import")
        return load_framework(session, template)


def create_database_with_framework(db_path: Path, template_path: Path) -> FrameworkLoaded:
    """Create a new database (never overwriting) holding the template's contract and framework.

    The template is read and checked first: a bad one leaves no file behind.
    """
    from qpvdesk.core.storage.database import create_database

    template = read_framework(template_path)
    if template.contract is None:
        raise ValidationError(
            f"« {Path(template_path).name} » n'a pas de feuille « Contrat » remplie (nom, "
            "commune, première et dernière année) : une nouvelle base en a besoin."
        )
    loaded: list[FrameworkLoaded] = []

    def populate(session: Session) -> None:
        loaded.append(load_framework(session, template))

    create_database(Path(db_path), populate)
    return loaded[0]


__all__ = [
    "CONTRACT_SHEET",
    "LEVEL_HEADINGS",
    "THEMES_SHEET",
    "TREE_SHEET",
    "ContractInfo",
    "FrameworkLoaded",
    "FrameworkNode",
    "FrameworkRefused",
    "FrameworkTemplate",
    "NeighbourhoodInfo",
    "create_database_with_framework",
    "export_framework",
    "framework_sheets",
    "framework_template",
    "import_framework",
    "load_framework",
    "read_framework",
    "write_framework",
]
