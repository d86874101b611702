"""A small, safe Excel writer: one sheet of typed columns, streamed by openpyxl (write-only).

Safety rules (``reliability.md``, Excel section):

- text is always written as text: a value starting with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return gets the ``quotePrefix`` style, so that neither openpyxl (which
  stores any string starting with ``=`` as a formula) nor Excel, when the cell is edited,
  ever turns what a user typed into a formula;
- control characters Excel refuses (openpyxl's ``ILLEGAL_CHARACTERS_RE``) are removed;
- amounts are numbers in euros (format ``#,##0.00 "€"``), dates real dates (``dd/mm/yyyy``);
- the file is written beside its target under a temporary name, then renamed: a failed or
  cancelled export never leaves half a workbook, and an existing file is only replaced
  whole. A target open in Excel (Windows refuses the rename) becomes a French
  `StorageError` naming the file.

openpyxl is imported with this module: import it when an export is asked for, not at
start-up (``performance.md``).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import math
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as _ILLEGAL
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import StorageError

# Workbooks we read back must never expand XML entities (billion laughs, external entities).
if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
    raise ImportError("openpyxl runs without defusedxml: install defusedxml (a dependency).")

#: openpyxl's own pattern of what a cell cannot hold (typed here: openpyxl has no hints).
_CONTROL_CHARACTERS: re.Pattern[str] = _ILLEGAL

MONEY_FORMAT = '#,##0.00\\ "€"'
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
#: Text starting with one of these is what spreadsheets read as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Excel's limit for the text of one cell.
MAX_CELL_TEXT = 32_767
PROGRESS_EVERY = 500

Progress = Callable[[int, int], None]
"""Called with (rows written, rows in all) now and then; it may raise to stop the export."""


class ColumnKind(Enum):
    """How the values of a column are written."""

    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the sheet: its French heading and the kind of its values."""

    heading: str
    kind: ColumnKind = ColumnKind.TEXT
    #: Widest the column grows to fit its texts (in characters); longer texts wrap in Excel.
    max_width: int = 60


class ExportCancelled(Exception):
    """Raised by a progress callback to stop an export; nothing is left on disk."""


def clean_text(value: str) -> str:
    """*value* without the control characters a workbook cannot hold, cut to Excel's limit."""
    return _CONTROL_CHARACTERS.sub("", value)[:MAX_CELL_TEXT]


def write_table(
    path: Path,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    *,
    sheet_title: str = "Feuille 1",
    progress: Progress | None = None,
) -> Path:
    """Write *rows* under a header of *columns* to *path* (replaced whole); returns *path*.

    Values per column kind: TEXT any value (``str()`` of non-strings), INTEGER ``int``,
    MONEY `Money`, DATE ``date``, DATETIME ``datetime`` (an aware one is shown in local
    time: Excel has no time zones); ``None`` leaves the cell empty.

    Raises `StorageError` (French, naming the file) when the file cannot be written,
    and lets `ExportCancelled` (from *progress*) through; either way the target is untouched.
    """
    path = Path(path)
    # The temporary file first: a folder that cannot be written fails before any work.
    temporary = _temporary_beside(path)
    try:
        _write(temporary, columns, rows, sheet_title, progress)
        os.replace(temporary, path)
    except OSError as error:
        raise _storage_error(error, path, creating=False) from error
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
    return path


def _write(path: Path, columns: Sequence[Column], rows: Sequence[Sequence[Any]],
           sheet_title: str, progress: Progress | None) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    workbook.properties.creator = "qpvdesk"
    workbook.properties.title = sheet_title
    sheet = workbook.create_sheet(_sheet_title(sheet_title))
    measures = [_MEASURES[column.kind] for column in columns]
    # The widths go before the first row in a streamed sheet: a first pass measures the
    # values, the second converts and writes them (no cell object is kept for the whole).
    widths = [len(column.heading) + 3 for column in columns]  # room for the filter button
    for row in rows:
        for position, (measure, value) in enumerate(zip(measures, row, strict=True)):
            if value is not None:
                width = measure(value)
                if width > widths[position]:
                    widths[position] = width
    for position, column in enumerate(columns):
        dimension = sheet.column_dimensions[get_column_letter(position + 1)]
        dimension.width = min(widths[position], column.max_width) + 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(1, len(columns)))}{len(rows) + 1}"
    writers = _cell_writers(sheet, columns)
    total = len(rows)
    try:
        sheet.append([_heading(sheet, column.heading) for column in columns])
        for done, row in enumerate(rows):
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, total)
            sheet.append(
                [
                    None if value is None else write(value)
                    for write, value in zip(writers, row, strict=True)
                ]
            )
        if progress is not None:
            progress(total, total)
        workbook.save(path)
    except BaseException:
        _discard(sheet)
        raise


# --- cells -----------------------------------------------------------------------------------

_HEADING_FONT = Font(bold=True)
_HEADING_FILL = PatternFill("solid", start_color="FFDDE4EE")
_HEADING_ALIGNMENT = Alignment(vertical="center")


def _heading(sheet: Any, text: str) -> WriteOnlyCell:
    cell = _text_cell(sheet, clean_text(text))
    cell.font = _HEADING_FONT
    cell.fill = _HEADING_FILL
    cell.alignment = _HEADING_ALIGNMENT
    return cell


def _text_cell(sheet: Any, text: str) -> WriteOnlyCell:
    """A cell that holds *text* as text, whatever it starts with."""
    cell = WriteOnlyCell(sheet, text)
    # openpyxl made a formula of "=…": the value is text, and Excel keeps it so when edited.
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def _measure_text(value: Any) -> int:
    text = clean_text(value if isinstance(value, str) else str(value))
    return max(map(len, text.splitlines()), default=0)


def text_value(sheet: Any, value: Any) -> Any:
    """What a streamed *sheet*'s ``append`` takes for a text: the cleaned string, or a text
    cell when it would otherwise be read as a formula (``=``, ``+``, ``-``, ``@``…)."""
    text = clean_text(value if isinstance(value, str) else str(value))
    if text.startswith(FORMULA_STARTS):
        return _text_cell(sheet, text)
    # A plain string: openpyxl writes it as text, with no cell object of its own.
    return text


def _measure_money(value: Any) -> int:
    # "12 345,00 €": the euros with their group separators, the cents, the symbol.
    euros = len(str(abs(_cents(value)) // 100))
    return euros + (euros - 1) // 3 + 5


def _cents(value: Any) -> int:
    if not isinstance(value, Money):
        raise TypeError(f"a money column takes Money, not {type(value).__name__}")
    return value.cents


def _naive_datetime(value: Any) -> datetime:
    """*value* as a date-time Excel takes: an aware one in local time, with no zone."""
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            raise TypeError(f"a date-time column takes datetime, not {type(value).__name__}")
        return datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        return value.astimezone().replace(tzinfo=None)
    return value


def _styled_cell(sheet: Any, value: Any, number_format: str | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _cell_writers(sheet: Any, columns: Sequence[Column],
                  wrap: bool = False) -> list[Callable[[Any], Any]]:
    """Per column, what turns a value into what a streamed sheet's ``append`` takes.

    A styled value (an amount, a date) goes in a cell made once per column, its style set
    once: the sheet writes a row's cells as it is appended, so the same cell carries the
    column's next value on the next row. Plain values (texts, integers) go as they are,
    with no cell object at all; with *wrap*, each text is a cell of its own, wrapped.
    """
    writers: list[Callable[[Any], Any]] = []
    for column in columns:
        kind = column.kind
        if kind is ColumnKind.TEXT:
            writers.append(functools.partial(_wrapped_text if wrap else text_value, sheet))
        elif kind is ColumnKind.INTEGER:
            writers.append(int)
        elif kind is ColumnKind.MONEY:
            writers.append(_money_writer(sheet))
        elif kind is ColumnKind.DATE:
            writers.append(_date_writer(sheet))
        else:
            writers.append(_datetime_writer(sheet))
    return writers


def _wrapped_text(sheet: Any, value: Any) -> WriteOnlyCell:
    cell = _text_cell(sheet, clean_text(value if isinstance(value, str) else str(value)))
    cell.alignment = _WRAPPED
    return cell


def _money_writer(sheet: Any) -> Callable[[Any], Any]:
    cell = _styled_cell(sheet, 0, MONEY_FORMAT)

    def write(value: Any) -> Any:
        cell._value = Decimal(_cents(value)).scaleb(-2)
        return cell

    return write


def _date_writer(sheet: Any) -> Callable[[Any], Any]:
    cell = _styled_cell(sheet, date(2000, 1, 1), DATE_FORMAT)

    def write(value: Any) -> Any:
        if isinstance(value, datetime):
            value = value.date()
        elif not isinstance(value, date):
            raise TypeError(f"a date column takes date, not {type(value).__name__}")
        cell._value = value
        return cell

    return write


def _datetime_writer(sheet: Any) -> Callable[[Any], Any]:
    cell = _styled_cell(sheet, datetime(2000, 1, 1), DATETIME_FORMAT)

    def write(value: Any) -> Any:
        cell._value = _naive_datetime(value)
        return cell

    return write


#: Per kind of column, how many characters a value takes (the column's width).
_MEASURES: dict[ColumnKind, Callable[[Any], int]] = {
    ColumnKind.TEXT: _measure_text,
    ColumnKind.INTEGER: lambda value: len(str(int(value))),
    ColumnKind.MONEY: _measure_money,
    ColumnKind.DATE: lambda value: 10,
    ColumnKind.DATETIME: lambda value: 16,
}


def _discard(sheet: Any) -> None:
    """End a streamed sheet that will not be saved, and remove its temporary file."""
    # openpyxl streams the rows into a temporary file of its own: close the stream now
    # (left to the garbage collector, it fails noisily) and delete the file.
    with contextlib.suppress(Exception):
        sheet.close()
    with contextlib.suppress(Exception):
        os.remove(sheet._writer.out)


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = clean_text(title).translate({ord(c): " " for c in "[]:*?/\\"}).strip(" '")
    return cleaned[:31] or "Feuille 1"


# --- saving ----------------------------------------------------------------------------------


def _temporary_beside(path: Path) -> Path:
    """An empty temporary file in *path*'s folder (renamed over *path* once written)."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".~{path.stem[:40]}-", suffix=".tmp",
                                        dir=path.parent)
    except OSError as error:
        raise _storage_error(error, path, creating=True) from error
    os.close(handle)
    return Path(name)


def _storage_error(error: OSError, path: Path, *, creating: bool) -> StorageError:
    """The French message for a file that could not be written."""
    name = path.name
    if error.errno == errno.ENOSPC:
        return StorageError(f"Le disque est plein : « {name} » n'a pas pu être enregistré.")
    if isinstance(error, FileNotFoundError) and creating:
        return StorageError(
            f"Le dossier « {path.parent} » n'existe pas : « {name} » n'a pas été enregistré."
        )
    if isinstance(error, PermissionError) or error.errno in (errno.EACCES, errno.EPERM):
        if creating:
            return StorageError(
                f"Impossible d'écrire dans le dossier « {path.parent} » (accès refusé) : "
                f"« {name} » n'a pas été enregistré."
            )
        return StorageError(
            f"Impossible de remplacer « {name} » : le fichier est sans doute ouvert dans Excel "
            "ou un autre programme, ou protégé en écriture. Fermez-le, puis recommencez."
        )
    if error.errno == errno.EROFS:
        return StorageError(
            f"Le dossier « {path.parent} » est en lecture seule : « {name} » n'a pas été "
            "enregistré."
        )
    reason = error.strerror or str(error)
    return StorageError(f"« {name} » n'a pas pu être enregistré : {reason}.")


# --- workbooks of several sheets -------------------------------------------------------------
#
# The exports partners receive (tableau de programmation, annuaire, versements…) hold several
# sheets, a band of group headings (a funder above its amounts) and a totals row of real SUM
# formulas. Same rules as `write_table`: streamed (write-only), text always text, amounts in
# euros, dates as dates, written beside the target then renamed.


@dataclass(frozen=True, slots=True)
class ColumnGroup:
    """A heading band over consecutive columns (a funder above its four amounts)."""

    title: str
    #: Index (from 0) of the group's first column, and how many columns it spans.
    first: int
    span: int


@dataclass(frozen=True, slots=True)
class SheetSpec:
    """One sheet of `write_workbook`: typed columns, their rows, and how it looks."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    #: Bands over the headings (a second header row above them); none by default.
    groups: Sequence[ColumnGroup] = ()
    #: With a label, a totals row under the data: a SUM formula under every MONEY column.
    totals_label: str | None = None
    #: Columns kept in view when scrolling right (the header rows always are).
    frozen_columns: int = 0
    #: Wrap long texts on several lines (small sheets only: each text becomes a cell object).
    wrap: bool = False
    #: Ranges of cells to merge, in Excel notation (``"A3:A7"``): only the first cell holds
    #: a value (the layout of the contracts' strategic tables).
    merged: Sequence[str] = ()
    #: Pages across when printed; None: as many as keep the text readable.
    pages_across: int | None = None

    @property
    def header_rows(self) -> int:
        return 2 if self.groups else 1


def write_workbook(
    path: Path,
    sheets: Sequence[SheetSpec],
    *,
    title: str | None = None,
    progress: Progress | None = None,
) -> Path:
    """Write *sheets*, in order, to the workbook *path* (replaced whole); returns *path*.

    Each sheet has a frozen header, an autofilter over its data, column widths that fit,
    landscape pages fitted to the width with the header repeated on every page. Values
    follow `write_table`'s rules per column kind. Raises `StorageError` (French) when the
    file cannot be written; *progress* gets (rows written, rows in all) and may raise
    `ExportCancelled`: either way the target is untouched.
    """
    path = Path(path)
    # The temporary file first: a folder that cannot be written fails before any work.
    temporary = _temporary_beside(path)
    try:
        _write_sheets(temporary, sheets, title, progress)
        os.replace(temporary, path)
    except OSError as error:
        raise _storage_error(error, path, creating=False) from error
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
    return path


def _write_sheets(
    path: Path, sheets: Sequence[SheetSpec], title: str | None, progress: Progress | None
) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    workbook.properties.creator = "qpvdesk"
    workbook.properties.title = title or (sheets[0].title if sheets else "qpvdesk")
    total = sum(len(spec.rows) for spec in sheets)
    done = 0
    used: set[str] = set()
    try:
        if progress is not None:
            progress(0, total)
        for spec in sheets:
            title_of_sheet = _unique_title(spec.title, used)
            done = _write_sheet(workbook, spec, title_of_sheet, done, total, progress)
        if not sheets:
            workbook.create_sheet("Feuille 1")
        if progress is not None:
            progress(total, total)
        workbook.save(path)
    except BaseException:
        for sheet in workbook.worksheets:
            _discard(sheet)
        raise


#: Characters of column width an A4 landscape page shows at a readable scale.
PAGE_WIDTH_CHARACTERS = 170

_GROUP_FILLS = (
    PatternFill("solid", start_color="FFC9D6E8"),
    PatternFill("solid", start_color="FFE3E9F2"),
)
_GROUP_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAPPED = Alignment(wrap_text=True, vertical="top")
_TOTAL_FONT = Font(bold=True)
_TOTAL_FILL = PatternFill("solid", start_color="FFF2F2F2")


def _unique_title(title: str, used: set[str]) -> str:
    """A valid sheet name not used yet in the workbook (Excel compares them case-blind)."""
    base = _sheet_title(title)
    candidate, number = base, 2
    while candidate.casefold() in used:
        suffix = f" ({number})"
        candidate = base[: 31 - len(suffix)].rstrip() + suffix
        number += 1
    used.add(candidate.casefold())
    return candidate


def _write_sheet(
    workbook: Any,
    spec: SheetSpec,
    title: str,
    done: int,
    total: int,
    progress: Progress | None,
) -> int:
    sheet = workbook.create_sheet(title)
    columns = list(spec.columns)
    measures = [_MEASURES[column.kind] for column in columns]
    widths = [len(column.heading) + 3 for column in columns]
    for row in spec.rows:
        for position, (measure, value) in enumerate(zip(measures, row, strict=True)):
            if value is not None:
                width = measure(value)
                if width > widths[position]:
                    widths[position] = width
    if spec.totals_label is not None:
        widths[0] = max(widths[0], len(spec.totals_label) + 1)
    final = [min(widths[p], column.max_width) + 1 for p, column in enumerate(columns)]
    for position, width in enumerate(final):
        sheet.column_dimensions[get_column_letter(position + 1)].width = width
    header_rows = spec.header_rows
    last_letter = get_column_letter(max(1, len(columns)))
    last_row = header_rows + len(spec.rows) + (1 if spec.totals_label and spec.rows else 0)
    # A streamed sheet cannot measure itself; without this <dimension> a reader (openpyxl's
    # read-only mode among them) parses the whole sheet just to learn its size.
    sheet.calculate_dimension = lambda: f"A1:{last_letter}{last_row}"
    sheet.freeze_panes = f"{get_column_letter(spec.frozen_columns + 1)}{header_rows + 1}"
    sheet.auto_filter.ref = f"A{header_rows}:{last_letter}{header_rows + len(spec.rows)}"
    sheet.print_title_rows = f"1:{header_rows}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    # A narrow sheet prints one page wide; a wide one (the programmation: four columns per
    # funder) on as many pages across as keep it readable, its first columns on each.
    sheet.page_setup.fitToWidth = spec.pages_across or max(
        1, math.ceil(sum(final) / PAGE_WIDTH_CHARACTERS)
    )
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if spec.frozen_columns and sheet.page_setup.fitToWidth > 1:
        sheet.print_title_cols = f"A:{get_column_letter(spec.frozen_columns)}"
    sheet.oddHeader.center.text = clean_text(title).replace("&", "&&")
    sheet.oddFooter.center.text = "Page &P / &N"
    for reference in spec.merged:
        sheet.merged_cells.add(reference)
    if spec.groups:
        # Room for a long funder's name: its lines over the width of its columns.
        lines = max(
            math.ceil(len(group.title) / max(sum(final[group.first : group.first + group.span]), 1))
            for group in spec.groups
        )
        if lines > 1:
            sheet.row_dimensions[1].height = 15 * min(lines, 4)
        band: list[Any] = [None] * len(columns)
        for number, group in enumerate(spec.groups):
            fill = _GROUP_FILLS[number % len(_GROUP_FILLS)]
            for offset in range(group.span):
                cell = _text_cell(sheet, clean_text(group.title) if offset == 0 else "")
                cell.font = _HEADING_FONT
                cell.fill = fill
                cell.alignment = _GROUP_ALIGNMENT
                band[group.first + offset] = cell
            if group.span > 1:
                first = get_column_letter(group.first + 1)
                last = get_column_letter(group.first + group.span)
                sheet.merged_cells.add(f"{first}1:{last}1")
        sheet.append(band)
    sheet.append([_heading(sheet, column.heading) for column in columns])
    writers = _cell_writers(sheet, columns, wrap=spec.wrap)
    spans = _row_spans(spec.merged) if spec.wrap else {}
    for index, row in enumerate(spec.rows):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        if spec.wrap:
            # Readers do not grow a row for wrapped text on their own: give it its lines.
            number = header_rows + 1 + index
            lines = _wrapped_lines(row, final, number, spans)
            if lines > 1:
                sheet.row_dimensions[number].height = min(15 * lines, 409)
        sheet.append(
            [
                None if value is None else write(value)
                for write, value in zip(writers, row, strict=True)
            ]
        )
        done += 1
    if spec.totals_label is not None and spec.rows:
        first_row, last_row = header_rows + 1, header_rows + len(spec.rows)
        totals: list[Any] = []
        for position, column in enumerate(columns):
            if position == 0:
                cell = _text_cell(sheet, clean_text(spec.totals_label))
            elif column.kind is ColumnKind.MONEY:
                letter = get_column_letter(position + 1)
                cell = WriteOnlyCell(sheet, f"=SUM({letter}{first_row}:{letter}{last_row})")
                cell.number_format = MONEY_FORMAT
            else:
                cell = WriteOnlyCell(sheet, None)
            cell.font = _TOTAL_FONT
            cell.fill = _TOTAL_FILL
            totals.append(cell)
        sheet.append(totals)
    return done


def write_bytes_atomically(path: Path, data: bytes) -> Path:
    """Write *data* to *path* beside it then rename (a CSV export): all or nothing.

    Raises `StorageError` (French, naming the file) like the workbook writers.
    """
    path = Path(path)
    temporary = _temporary_beside(path)
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as error:
        raise _storage_error(error, path, creating=False) from error
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
    return path


def _row_spans(merged: Sequence[str]) -> dict[tuple[int, int], int]:
    """{(first row, column index): rows covered} of the merged ranges."""
    spans: dict[tuple[int, int], int] = {}
    for reference in merged:
        first, _, last = reference.partition(":")
        start = coordinate_from_string(first)
        end = coordinate_from_string(last or first)
        column = column_index_from_string(start[0]) - 1
        spans[(start[1], column)] = end[1] - start[1] + 1
    return spans


def _wrapped_lines(
    row: Sequence[Any], widths: Sequence[float], number: int, spans: dict[tuple[int, int], int]
) -> int:
    """Lines the tallest text of *row* needs at the columns' *widths* (a merged cell shares
    its lines among the rows it covers)."""
    most = 1
    for position, value in enumerate(row):
        if not isinstance(value, str) or not value:
            continue
        room = max(int(widths[position]) - 1, 1)
        lines = sum(max(1, math.ceil(len(part) / room)) for part in value.splitlines() or [""])
        lines = math.ceil(lines / spans.get((number, position), 1))
        most = max(most, lines)
    return most


__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "MONEY_FORMAT",
    "Column",
    "ColumnGroup",
    "ColumnKind",
    "ExportCancelled",
    "Progress",
    "SheetSpec",
    "clean_text",
    "text_value",
    "write_bytes_atomically",
    "write_table",
    "write_workbook",
]
