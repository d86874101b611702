"""Opening other people's files safely, and reading their cells the French way.

Before openpyxl sees a file it is looked at here (``reliability.md``, Excel section):

- the first bytes say what it really is, whatever its extension: an ``.xlsx`` (a zip),
  an old ``.xls`` or a password-protected workbook (both OLE2 compound files), an
  OpenDocument ``.ods``, a CSV text, or anything else — each gets a French message
  saying what to do (« enregistrez-le au format .xlsx »), and a CSV is really read;
- the zip is inspected first (zip bombs): number of members, declared sizes and
  compression ratios are capped. Python's zipfile stops reading a member at its
  declared size, so the declared sizes bound what decompression can produce;
- macro-enabled (``.xlsm``) and binary (``.xlsb``) workbooks are refused;
- openpyxl reads with ``read_only=True, data_only=True`` (cached values, never a
  formula), through defusedxml (no entity expansion), and is closed afterwards;
- a sheet of more than `MAX_ROWS` rows is refused with a message rather than read
  for minutes, and so is a row past Excel's last one (a row numbered two billion would
  have openpyxl yield every empty row before it) or more than `MAX_CELLS` cells kept (a
  few thousand short rows with one cell in column XFD, or one merged range over the
  whole sheet, would each become rows of 16 384 values: gigabytes from a tiny file);
- merged cells are filled (every cell of a merged range reads as its first cell), so
  that a holder's name merged over three rows is on each of them; a sheet damaged
  past what openpyxl checks on opening is refused when its rows are read.

The second half reads cells: amounts written as numbers or as French or English text
(« 12 345,50 € », « 1,000.50 », « 1 000 € »), dates as dates or text, years, texts.
A value that cannot be read raises `CellError` with a French reason; the importer
adds the sheet, row and column.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.utils import column_index_from_string, get_column_letter

from qpvdesk.core.domain.money import MAX_CENTS, Money
from qpvdesk.core.errors import ValidationError

if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
    raise ImportError("openpyxl runs without defusedxml: install defusedxml (a dependency).")

#: Rows of data read from one sheet at most (a programmation holds a few thousand).
MAX_ROWS = 100_000
#: A file larger than this on disk is not a programmation.
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 5_000
#: Declared uncompressed size of all the members together.
MAX_UNCOMPRESSED = 3 * 1024 * 1024 * 1024
#: A member inflating more than this many times, beyond `RATIO_FLOOR` bytes, is a bomb.
MAX_RATIO = 200
RATIO_FLOOR = 20 * 1024 * 1024
#: Bytes of sheet XML a row takes at the very least (to trust a sheet's declared size).
MIN_BYTES_PER_ROW = 20
#: Excel's last row: a row beyond it comes from a forged file.
EXCEL_MAX_ROWS = 1_048_576
#: Cells kept from one sheet at most (trailing blanks not counted): 100 000 rows of 50.
MAX_CELLS = 5_000_000
#: Merged ranges of one sheet at most.
MAX_MERGES = 100_000
#: Characters of a CSV file looked at to find its separator.
DELIMITER_SAMPLE = 64 * 1024

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
MACRO_CONTENT_TYPE = "macroEnabled"
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
#: Separators tried on a CSV file, the French one first.
CSV_DELIMITERS = (";", ",", "\t")


class WorkbookError(ValidationError):
    """A file that cannot be imported: its French message says why and what to do."""


class CellError(ValueError):
    """A cell value that cannot be read; ``reason`` is French."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SheetRows:
    """A sheet's non-empty rows as (Excel row number, values), merged cells filled."""

    name: str
    rows: tuple[tuple[int, tuple[Any, ...]], ...]

    @property
    def is_empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True, slots=True)
class WorkbookContent:
    """What a file holds, sheet by sheet, in the workbook's order."""

    path: Path
    kind: str  # "xlsx" or "csv"
    sheets: tuple[SheetRows, ...]

    def sheet(self, name: str) -> SheetRows | None:
        wanted = name.casefold().strip()
        return next((s for s in self.sheets if s.name.casefold().strip() == wanted), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sheet.name for sheet in self.sheets)


# --- opening -------------------------------------------------------------------------------


def read_workbook(
    path: Path,
    *,
    sheets: set[str] | None = None,
    max_rows: int = MAX_ROWS,
) -> WorkbookContent:
    """Read every sheet (or the sheets named in *sheets*) of *path*, checked first.

    Raises `WorkbookError` (French) for anything that is not a workbook qpvdesk reads:
    missing or empty file, ``.xls``, ``.xlsm``, ``.xlsb``, ``.ods``, password-protected,
    damaged, a zip bomb, a sheet of more than *max_rows* rows.
    """
    path = Path(path)
    name = f"« {path.name} »"
    head = _head(path, name)
    if head.startswith(OLE_MAGIC):
        raise WorkbookError(_ole_message(path, name))
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        return _read_xlsx(path, name, sheets, max_rows)
    if path.suffix.lower() in CSV_SUFFIXES or _looks_like_text(path):
        return _read_csv(path, name, max_rows)
    if head.lstrip().lower().startswith((b"<html", b"<!doctype html", b"<table")):
        raise WorkbookError(
            f"{name} est une page web enregistrée avec l'extension d'un classeur, pas un vrai "
            "classeur : ouvrez-le dans Excel ou LibreOffice et enregistrez-le au format .xlsx."
        )
    if head.startswith(b"%PDF"):
        raise WorkbookError(
            f"{name} est un document PDF, pas un classeur : demandez le fichier Excel (.xlsx) "
            "d'origine."
        )
    raise WorkbookError(
        f"{name} n'est pas un classeur Excel (.xlsx) ni un fichier CSV : qpvdesk ne sait pas "
        "le lire. Enregistrez-le au format .xlsx depuis Excel ou LibreOffice."
    )


def _head(path: Path, name: str) -> bytes:
    if not path.exists():
        raise WorkbookError(f"Le fichier {name} n'existe pas ({path.parent}).")
    if path.is_dir():
        raise WorkbookError(f"{name} est un dossier, pas un classeur.")
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(512)
    except PermissionError:
        raise WorkbookError(
            f"Accès refusé au fichier {name} : il est peut-être ouvert dans un autre programme."
        ) from None
    except OSError as error:
        raise WorkbookError(f"Impossible de lire {name} : {error.strerror}.") from None
    if size == 0:
        raise WorkbookError(f"Le fichier {name} est vide (0 octet).")
    if size > MAX_FILE_BYTES:
        raise WorkbookError(
            f"{name} pèse {size // (1024 * 1024)} Mo : c'est bien plus qu'un tableau de "
            f"programmation (au plus {MAX_FILE_BYTES // (1024 * 1024)} Mo). Découpez-le."
        )
    return head


def _ole_message(path: Path, name: str) -> str:
    """An OLE2 compound file: a password-protected workbook, or the old .xls format."""
    try:
        with path.open("rb") as handle:
            content = handle.read(4 * 1024 * 1024)
    except OSError:  # pragma: no cover - the head was just read
        content = b""
    if ENCRYPTED_PACKAGE in content:
        return (
            f"{name} est protégé par un mot de passe : qpvdesk ne lit pas les classeurs "
            "chiffrés. Ouvrez-le dans Excel, retirez le mot de passe (Fichier > Informations "
            "> Protéger le classeur), enregistrez-le, puis importez-le."
        )
    return (
        f"{name} est au format Excel 97-2003 (.xls), que qpvdesk ne lit pas : ouvrez-le dans "
        "Excel ou LibreOffice et enregistrez-le au format .xlsx (Classeur Excel)."
    )


def _looks_like_text(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            sample = handle.read(4096)
    except OSError:  # pragma: no cover - the head was just read
        return False
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8", "cp1252"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        return any(delimiter in text for delimiter in CSV_DELIMITERS)
    return False  # pragma: no cover - cp1252 decodes nearly anything


def _inspect_zip(archive: zipfile.ZipFile, name: str) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise WorkbookError(
            f"{name} contient {len(members)} éléments : ce n'est pas un classeur ordinaire, "
            "il n'a pas été ouvert (protection contre les fichiers piégés)."
        )
    names = {member.filename for member in members}
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise WorkbookError(
                f"{name} contient un élément qui se décompresse {int(ratio)} fois : c'est la "
                "marque d'un fichier piégé (« bombe de décompression »), il n'a pas été ouvert."
            )
    if total > MAX_UNCOMPRESSED:
        raise WorkbookError(
            f"{name} occuperait {total // (1024 * 1024)} Mo une fois décompressé : c'est trop "
            "pour un classeur, il n'a pas été ouvert."
        )
    if "mimetype" in names:
        mimetype = archive.read("mimetype")[:200]
        if mimetype.startswith(ODS_MIMETYPE):
            raise WorkbookError(
                f"{name} est un classeur OpenDocument (.ods) : ouvrez-le dans LibreOffice et "
                "enregistrez-le au format .xlsx (Fichier > Enregistrer sous > Classeur Excel)."
            )
        raise WorkbookError(f"{name} est un document OpenDocument, pas un classeur Excel (.xlsx).")
    if "xl/workbook.bin" in names:
        raise WorkbookError(
            f"{name} est un classeur binaire Excel (.xlsb) : enregistrez-le au format .xlsx "
            "(Classeur Excel) depuis Excel."
        )
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
        if "word/document.xml" in names:
            raise WorkbookError(f"{name} est un document Word, pas un classeur Excel.")
        if any(n.startswith("ppt/") for n in names):
            raise WorkbookError(f"{name} est une présentation PowerPoint, pas un classeur.")
        raise WorkbookError(
            f"{name} est une archive zip, pas un classeur Excel (.xlsx) : qpvdesk ne sait pas "
            "la lire."
        )
    content_types = archive.read("[Content_Types].xml")[:200_000].decode("utf-8", "replace")
    if "xl/vbaProject.bin" in names or MACRO_CONTENT_TYPE in content_types:
        raise WorkbookError(
            f"{name} contient des macros (.xlsm) : par sécurité qpvdesk ne les ouvre pas. "
            "Enregistrez une copie au format .xlsx (Classeur Excel, sans macros), puis "
            "importez cette copie."
        )


_MERGE = re.compile(
    rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]{1,3}[0-9]+)(?::([A-Za-z]{1,3}[0-9]+))?"'
)
_CELL = re.compile(r"^([A-Za-z]{1,3})([0-9]+)$")
#: A row element numbered with seven digits or more (Excel stops at 1 048 576).
_LONG_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="0*([1-9][0-9]{6,})"')
_Range = tuple[int, int, int, int]
_SCAN_CHUNK = 1024 * 1024


def _scan_sheet(archive: zipfile.ZipFile, member: str) -> tuple[list[_Range], bool]:
    """Every merged range of a sheet, and whether a row is numbered past Excel's last.

    openpyxl's read-only mode ignores merged cells; they are listed after the cells in
    the sheet's XML, so the member is scanned in chunks (never parsed as XML here). The
    same pass finds a forged row number before openpyxl yields every empty row up to it.
    """
    ranges: list[_Range] = []
    beyond = False
    tail = b""
    try:
        with archive.open(member) as handle:
            while True:
                chunk = handle.read(_SCAN_CHUNK)
                if not chunk:
                    break
                data = tail + chunk
                last_end = 0
                for found in _MERGE.finditer(data):
                    ranges.append(_range(found.group(1), found.group(2)))
                    last_end = found.end()
                if len(ranges) > MAX_MERGES:
                    raise ValueError("too many merged ranges")
                beyond = beyond or any(
                    int(found.group(1)) > EXCEL_MAX_ROWS for found in _LONG_ROW.finditer(data)
                )
                # Keep the end of the chunk: a reference may straddle two chunks.
                tail = data[max(last_end, len(data) - 256) :]
    except KeyError:
        return [], False
    return ranges, beyond


def _range(first: bytes, last: bytes | None) -> tuple[int, int, int, int]:
    start = _CELL.match(first.decode("ascii"))
    end = _CELL.match((last or first).decode("ascii"))
    assert start is not None and end is not None
    columns = sorted(
        (
            column_index_from_string(start.group(1).upper()),
            column_index_from_string(end.group(1).upper()),
        )
    )
    rows = sorted((int(start.group(2)), int(end.group(2))))
    return (columns[0], rows[0], columns[1], rows[1])


def _read_xlsx(path: Path, name: str, wanted: set[str] | None, max_rows: int) -> WorkbookContent:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise WorkbookError(
            f"{name} est endommagé ou n'est pas un vrai classeur .xlsx (archive illisible)."
        ) from None
    # openpyxl reads from a handle we own: closed here even when it fails half-way.
    with archive, path.open("rb") as handle:
        _inspect_zip(archive, name)
        try:
            with warnings.catch_warnings():
                # Unsupported extensions (data validation, conditional formats…) only warn.
                warnings.simplefilter("ignore")
                workbook = openpyxl.load_workbook(
                    handle, read_only=True, data_only=True, keep_links=False
                )
        except Exception as error:  # openpyxl raises many kinds on a damaged file
            raise _unreadable(name, error) from None
        try:
            sheets = []
            for worksheet in workbook.worksheets:
                if wanted is not None and worksheet.title.casefold() not in {
                    w.casefold() for w in wanted
                }:
                    continue
                member = getattr(worksheet, "_worksheet_path", None)
                # Sheets are parsed while their rows are read: damage shows only now.
                try:
                    sheets.append(_read_sheet(archive, worksheet, member, name, max_rows))
                except WorkbookError:
                    raise
                except Exception as error:
                    raise _unreadable(name, error) from None
        finally:
            workbook.close()
    return WorkbookContent(path=path, kind="xlsx", sheets=tuple(sheets))


def _unreadable(name: str, error: Exception) -> WorkbookError:
    """The refusal of a file openpyxl failed on; an entity bomb is named as such."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, DefusedXmlException):
        cause = cause.__cause__ or cause.__context__
    if cause is not None:
        return WorkbookError(
            f"{name} n'a pas été lu : il contient des définitions XML (entités, DTD) qu'un "
            "classeur Excel n'a jamais ; c'est la marque d'un fichier piégé. Enregistrez-le à "
            "nouveau depuis Excel ou LibreOffice si vous en êtes sûr."
        )
    return WorkbookError(
        f"{name} n'a pas pu être lu : le classeur est endommagé ou d'un format que "
        f"qpvdesk ne connaît pas ({type(error).__name__})."
    )


def _too_many_rows(name: str, sheet: str, count: int | None, max_rows: int) -> WorkbookError:
    counted = f"{count:,}".replace(",", "\u00a0") + " lignes" if count else "trop de lignes"
    limit = f"{max_rows:,}".replace(",", "\u00a0")
    return WorkbookError(
        f"La feuille « {sheet} » de {name} compte {counted} : qpvdesk en importe au plus "
        f"{limit} à la fois. Découpez le classeur (par exemple une année par fichier), "
        "puis importez chaque partie."
    )


def _read_sheet(
    archive: zipfile.ZipFile, worksheet: Any, member: str | None, name: str, max_rows: int
) -> SheetRows:
    declared = worksheet.max_row if isinstance(worksheet.max_row, int) else None
    if declared is not None and declared > max_rows + 50 and member is not None:
        size = archive.getinfo(member).file_size if member in archive.namelist() else 0
        # A big declared size over a big sheet is real; over a small one it is a bogus
        # dimension some tools write, and the rows are counted instead.
        if size >= declared * MIN_BYTES_PER_ROW:
            raise _too_many_rows(name, worksheet.title, declared, max_rows)
    merges, beyond = _scan_sheet(archive, member) if member else ([], False)
    if beyond:
        raise _beyond_excel(name, worksheet.title)
    fills = _MergeFiller(merges)
    worksheet.reset_dimensions()
    rows: list[tuple[int, tuple[Any, ...]]] = []
    number = 0
    cells = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if number > EXCEL_MAX_ROWS:
                raise _beyond_excel(name, worksheet.title)
            row = _trimmed(fills.apply(number, values))
            if row:
                rows.append((number, row))
                cells += len(row)
                if len(rows) > max_rows:
                    raise _too_many_rows(name, worksheet.title, None, max_rows)
                if cells > MAX_CELLS:
                    raise _too_many_cells(name, worksheet.title)
    return SheetRows(name=worksheet.title, rows=tuple(rows))


def _trimmed(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """*row* without its trailing blank cells (empty when the whole row is blank)."""
    end = len(row)
    while end and not _present(row[end - 1]):
        end -= 1
    return row[:end] if end < len(row) else row


def _beyond_excel(name: str, sheet: str) -> WorkbookError:
    return WorkbookError(
        f"La feuille « {sheet} » de {name} a des cellules au-delà de la dernière ligne "
        "qu'Excel connaît : le fichier est endommagé ou forgé, il n'a pas été importé."
    )


def _too_many_cells(name: str, sheet: str) -> WorkbookError:
    limit = f"{MAX_CELLS:,}".replace(",", "\u00a0")
    return WorkbookError(
        f"La feuille « {sheet} » de {name} compte plus de {limit} cellules remplies : "
        "qpvdesk n'en importe pas autant à la fois. Supprimez les colonnes inutiles ou "
        "découpez le classeur."
    )


class _MergeFiller:
    """Copies the first cell of each merged range into the other cells of the range."""

    def __init__(self, ranges: list[tuple[int, int, int, int]]) -> None:
        self.starting: dict[int, list[tuple[int, int, int, int]]] = {}
        for merge in ranges:
            self.starting.setdefault(merge[1], []).append(merge)
        self.active: list[tuple[tuple[int, int, int, int], Any]] = []

    def apply(self, number: int, values: tuple[Any, ...]) -> tuple[Any, ...]:
        if not self.starting and not self.active:
            return values
        row = list(values)
        for merge in self.starting.pop(number, ()):
            first_column = merge[0]
            value = row[first_column - 1] if first_column - 1 < len(row) else None
            self.active.append((merge, value))
        still = []
        for merge, value in self.active:
            min_col, _min_row, max_col, max_row = merge
            if number > max_row:
                continue
            still.append((merge, value))
            if len(row) < max_col:
                row.extend([None] * (max_col - len(row)))
            row[min_col - 1 : max_col] = [
                value if cell is None else cell for cell in row[min_col - 1 : max_col]
            ]
        self.active = still
        return tuple(row)


def _present(value: Any) -> bool:
    if value is None:
        return False
    return not (isinstance(value, str) and not value.strip())


# --- CSV -----------------------------------------------------------------------------------


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", "replace")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Excel's « CSV (séparateur : point-virgule) » on a French Windows is Windows-1252.
        return raw.decode("cp1252", "replace")


def _delimiter(text: str) -> str:
    """The separator of a CSV text: the one splitting its first lines most regularly."""
    lines = [line for line in text[:DELIMITER_SAMPLE].splitlines()[:30] if line.strip()]
    best, best_score = CSV_DELIMITERS[0], -1.0
    for delimiter in CSV_DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not widths or max(widths) < 2:
            continue
        common = max(set(widths), key=widths.count)
        score = widths.count(common) / len(widths) * 100 + common
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(path: Path, name: str, max_rows: int) -> WorkbookContent:
    try:
        raw = path.read_bytes()
    except OSError as error:  # pragma: no cover - the head was just read
        raise WorkbookError(f"Impossible de lire {name} : {error.strerror}.") from None
    if b"\x00" in raw[:4096] and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise WorkbookError(f"{name} n'est pas un fichier texte CSV lisible.")
    text = _decode(raw, name)
    delimiter = _delimiter(text)
    rows: list[tuple[int, tuple[Any, ...]]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, values in enumerate(reader, start=1):
            row = tuple(value if value.strip() else None for value in values)
            if any(value is not None for value in row):
                rows.append((number, row))
                if len(rows) > max_rows:
                    raise _too_many_rows(name, path.stem, None, max_rows)
    except csv.Error as error:
        line = f" (ligne {reader.line_num})" if reader.line_num else ""
        if "field limit" in str(error):
            limit = f"{csv.field_size_limit():,}".replace(",", "\u00a0")
            raise WorkbookError(
                f"{name} : une cellule du fichier CSV{line} dépasse {limit} caractères ; ce "
                "n'est pas un tableau de programmation (un guillemet est-il resté ouvert ?)."
            ) from None
        raise WorkbookError(f"{name} : fichier CSV mal formé{line}.") from None
    return WorkbookContent(path=path, kind="csv", sheets=(SheetRows(path.stem, tuple(rows)),))


# --- cells ---------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007']+")
_CURRENCY = re.compile(r"^(?:€|eur(?:os?)?)\s*|\s*(?:€|eur(?:os?)?)$", re.IGNORECASE)
_PLACEHOLDERS = frozenset({"-", "–", "—", "/", "néant", "neant", "n/a", "na", "sans objet"})
_DIGITS = re.compile(r"^\d+$")
_NOT_AMOUNT = re.compile(r"[^\d\s.,'\u00a0\u202f\u2009\u2007]")


@dataclass(frozen=True, slots=True)
class AmountReading:
    """An amount read from a cell, and how its text was written (for column checks)."""

    money: Money
    #: The decimal mark the text used ("," or "."), if any.
    decimal_mark: str | None = None
    #: The text had one "," or "." followed by exactly three digits, read as thousands.
    thousands_guess: str | None = None


def cell_text(value: Any) -> str | None:
    """A cell as text: stripped, None when blank; numbers without a useless ``.0``."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y") if not value.time() else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def read_amount(value: Any) -> AmountReading | None:
    """An amount in euros from a number or a text; None when blank. Raises `CellError`."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError("« Vrai »/« Faux » n'est pas un montant.")
    if isinstance(value, (datetime, date)):
        raise CellError("une date n'est pas un montant.")
    if isinstance(value, int):
        return AmountReading(_checked(Decimal(value)))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError("ce n'est pas un montant.")
        if value < 0:
            raise CellError("un montant ne peut pas être négatif.")
        if value * 100 >= MAX_CENTS:
            # Checked before rounding: quantizing 1e300 to cents overflows Decimal's context.
            raise CellError("montant trop élevé.")
        exact = Decimal(repr(value))
        rounded = exact.quantize(Decimal("0.01"))
        # Sums computed by a spreadsheet carry binary noise (0.1 + 0.2); real extra
        # decimals (12,345) are an error, not something to round away silently.
        if abs(exact - rounded) > Decimal("0.000001"):
            raise CellError("au plus deux chiffres après la virgule.")
        return AmountReading(_checked(rounded))
    if isinstance(value, Decimal):
        return AmountReading(_checked(value))
    return _amount_text(str(value))


def _checked(value: Decimal) -> Money:
    if not value.is_finite():
        raise CellError("ce n'est pas un montant.")
    if value < 0:
        raise CellError("un montant ne peut pas être négatif.")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise CellError("au plus deux chiffres après la virgule.")
    if cents >= MAX_CENTS:
        raise CellError("montant trop élevé.")
    return Money(int(cents))


def _amount_text(original: str) -> AmountReading | None:
    text = original.strip()
    if not text or text.casefold() in _PLACEHOLDERS:
        return None
    text = _CURRENCY.sub("", text).strip()
    if text.startswith(("-", "−", "(")) and any(c.isdigit() for c in text):
        raise CellError("un montant ne peut pas être négatif.")
    if text.startswith("+"):
        text = text[1:].strip()
    if not text or _NOT_AMOUNT.search(text):
        raise CellError("ce n'est pas un montant (exemple : 12 345,50 €).")
    spaced = _SPACES.sub(" ", text)
    commas, dots = spaced.count(","), spaced.count(".")
    decimal_mark: str | None = None
    guess: str | None = None
    integer, decimals = spaced, ""
    if commas and dots:
        decimal_mark = "," if spaced.rfind(",") > spaced.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        if spaced.count(decimal_mark) != 1:
            raise CellError("séparateurs incohérents (exemple : 12 345,50 ou 12,345.50).")
        integer, decimals = spaced.split(decimal_mark)
        if not _grouped(integer, thousands):
            raise CellError("séparateurs de milliers mal placés.")
        integer = integer.replace(thousands, "")
    elif commas or dots:
        mark = "," if commas else "."
        parts = spaced.split(mark)
        if len(parts) == 2 and len(parts[1]) in (1, 2):
            decimal_mark = mark
            integer, decimals = parts
        elif len(parts) == 2 and len(parts[1]) == 3 and _grouped(spaced, mark):
            # « 1,000 » or « 1.000 »: cents never have three digits, so thousands.
            guess = mark
            integer = spaced.replace(mark, "")
        elif len(parts) > 2 and _grouped(spaced, mark):
            integer = spaced.replace(mark, "")
        else:
            raise CellError("ce n'est pas un montant (exemple : 12 345,50 €).")
    integer = integer.strip()
    if " " in integer:
        if not re.fullmatch(r"\d{1,3}( \d{3})+", integer):
            raise CellError("espaces mal placées dans le montant (exemple : 12 345,50 €).")
        integer = integer.replace(" ", "")
    if not _DIGITS.match(integer) or (decimals and not _DIGITS.match(decimals)):
        raise CellError("ce n'est pas un montant (exemple : 12 345,50 €).")
    try:
        number = Decimal(f"{integer}.{decimals}" if decimals else integer)
    except InvalidOperation:  # pragma: no cover - digits only by now
        raise CellError("ce n'est pas un montant.") from None
    return AmountReading(_checked(number), decimal_mark, guess)


def _grouped(text: str, mark: str) -> bool:
    """*text* is digits grouped by three with *mark* (spaces allowed as groups too)."""
    groups = text.replace(" ", mark).split(mark)
    return (
        1 <= len(groups[0]) <= 3
        and groups[0].isdigit()
        and (groups[0][0] != "0" or len(groups) == 1)
        and all(len(g) == 3 and g.isdigit() for g in groups[1:])
    )


_DATE_PATTERNS = (
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2})$"), ("d", "m", "yy")),
)
EXCEL_EPOCH = date(1899, 12, 30)


def read_date(value: Any) -> date | None:
    """A date from a date cell, a text (31/12/2025, 2025-12-31) or a serial number."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError("ce n'est pas une date.")
    if isinstance(value, (int, float)):
        # A date column some tool left as Excel serial numbers (days since 1899-12-30).
        if 20_000 <= value <= 80_000 and float(value).is_integer():
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError("ce n'est pas une date (exemple : 31/12/2025).")
    text = str(value).strip()
    if not text:
        return None
    for pattern, order in _DATE_PATTERNS:
        found = pattern.match(text)
        if found is None:
            continue
        parts = dict(zip(order, (int(g) for g in found.groups()[:3]), strict=True))
        year = parts.get("y") or 2000 + parts["yy"]
        try:
            return date(year, parts["m"], parts["d"])
        except ValueError:
            raise CellError(f"le {text} n'existe pas.") from None
    raise CellError("ce n'est pas une date (exemple : 31/12/2025).")


def read_year(value: Any) -> int | None:
    """A year (2025) from a number or a text."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError("ce n'est pas une année.")
    if isinstance(value, datetime | date):
        return value.year
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError("ce n'est pas une année (exemple : 2025).")
        value = int(value)
    if isinstance(value, int):
        year = value
    else:
        text = str(value).strip()
        if not text:
            return None
        if not re.fullmatch(r"\d{4}", text):
            raise CellError("ce n'est pas une année (exemple : 2025).")
        year = int(text)
    if not 1900 <= year <= 2200:
        raise CellError("ce n'est pas une année (exemple : 2025).")
    return year


def column_letter(index: int) -> str:
    """The Excel letter of the column at *index* (from 0)."""
    return str(get_column_letter(index + 1))


def display_value(value: Any) -> str:
    """A cell's value as the error report shows it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y") if not value.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


__all__ = [
    "MAX_ROWS",
    "AmountReading",
    "CellError",
    "SheetRows",
    "WorkbookContent",
    "WorkbookError",
    "cell_text",
    "column_letter",
    "display_value",
    "read_amount",
    "read_date",
    "read_workbook",
    "read_year",
]
