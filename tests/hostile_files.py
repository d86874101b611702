"""Hostile workbooks and CSV files, written fast, for the importers to refuse or read cleanly.

Each maker writes one file into a folder and returns its path. Workbooks are either
saved by openpyxl (ordinary but nasty content) or assembled member by member
(`raw_xlsx`), for what openpyxl would never write: entity bombs, lying zip headers,
row numbers past Excel's last row.
"""

from __future__ import annotations

import codecs
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

#: A programmation header qpvdesk recognises without help.
HEADER = ["Référence", "Structure", "SIRET", "Intitulé de l'action", "Financeur",
          "Montant sollicité", "Montant attribué", "Exercice", "Ligne budgétaire"]  # fmt: skip
GOOD_ROW = ["", "Association Les Petits Pas", "", "Soutien scolaire", "CAF", "1 000 €", "",
            2025, "CLAS"]  # fmt: skip
#: The framework template's tree header.
TREE_HEADER = ["Code", "Priorité", "Objectif stratégique", "Objectif opérationnel",
               "Piste d'action"]  # fmt: skip

LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    + "]>"
)
EXTERNAL_ENTITY = '<!DOCTYPE r [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'


def _cell(reference: str, value: Any) -> str:
    if isinstance(value, (int, float)):
        return f'<c r="{reference}"><v>{value}</v></c>'
    return f'<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>'


def sheet_xml(rows: list[tuple[int, list[Any]]], *, doctype: str = "", extra: str = "") -> str:
    """A worksheet's XML: (row number, values) pairs, values as inline strings or numbers."""
    from openpyxl.utils import get_column_letter

    body = "".join(
        f'<row r="{number}">'
        + "".join(
            _cell(f"{get_column_letter(index + 1)}{number}", value)
            for index, value in enumerate(values)
            if value is not None
        )
        + "</row>"
        for number, values in rows
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="{MAIN_NS}">'
        f"<sheetData>{body}</sheetData>{extra}</worksheet>"
    )


def raw_xlsx(
    path: Path,
    sheet: str | bytes,
    *,
    shared_strings: str | None = None,
    workbook_doctype: str = "",
    title: str = "Feuil1",
) -> Path:
    """An .xlsx assembled member by member, whatever its members say."""
    overrides = (
        f'<Override PartName="/xl/workbook.xml" ContentType="{WORKBOOK_TYPE}"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}"/>'
    )
    relations = (
        f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    )
    if shared_strings is not None:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'
        relations += (
            f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
        )
    members: dict[str, str | bytes] = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
            '-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?>{workbook_doctype}<workbook xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}"><sheets><sheet name="{title}" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL_NS}">{relations}</Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared_strings is not None:
        members["xl/sharedStrings.xml"] = shared_strings
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def saved(path: Path, sheets: dict[str, list[list[Any]]], *, merges: tuple[str, ...] = ()) -> Path:
    """A workbook saved by openpyxl: one sheet per entry, merged ranges on the first."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    first = book.worksheets[0] if book.worksheets else book.create_sheet("Feuil1")
    for reference in merges:
        first.merge_cells(reference)
    book.save(path)
    return path


# --- the makers ----------------------------------------------------------------------------


def wrong_types(folder: Path) -> Path:
    from datetime import date, datetime

    return saved(
        folder / "types.xlsx",
        {"Prog": [HEADER,
                  ["", "Asso A", "", "Action A", "CAF", date(2025, 1, 1), True, "deux mille"],
                  ["", "Asso B", "", "Action B", "CAF", "beaucoup", datetime(2025, 1, 1), 2025],
                  ["", 12345, 3.14, 1e308, 42, float("1e300"), -5, 1899],
                  ["", "Asso C", "", "Action C", "CAF", "1,2,3", "12,345", 99999]]},
    )  # fmt: skip


def huge_strings(folder: Path) -> Path:
    big = "é" * 100_000
    return saved(
        folder / "géant.xlsx",
        {"Prog": [HEADER, ["", big, "", big, big, "1 000 €", "", 2025],
                  [big[:30_000], "Asso", "", "Action", "CAF", big[:30_000], "", 2025]]},
    )  # fmt: skip


def huge_header(folder: Path) -> Path:
    return saved(folder / "intitulés.xlsx", {"Prog": [["Structure " * 3_000] * 8, GOOD_ROW]})


def formulas(folder: Path) -> Path:
    return saved(
        folder / "formules.xlsx",
        {"Prog": [HEADER,
                  ["=1+1", "=HYPERLINK(\"http://example.com\",\"clic\")", "", "=cmd|' /C calc'!A0",
                   "CAF", "=SUM(F3:F9)", "=1/0", "=YEAR(NOW())"]]},
    )  # fmt: skip


def cached_formula_text(folder: Path) -> Path:
    """Formulas whose cached results are texts that look like formulas themselves."""
    rows = [(1, HEADER)]
    body = sheet_xml(rows)
    cells = (
        '<row r="2"><c r="B2" t="str"><f>A1</f><v>=cmd|\' /C calc\'!A0</v></c>'
        '<c r="D2" t="str"><f>A1</f><v>@SUM(A1)</v></c><c r="E2" t="inlineStr"><is><t>CAF</t>'
        '</is></c><c r="F2"><f>1+1</f><v>2</v></c><c r="H2"><v>2025</v></c></row>'
    )
    body = body.replace("</sheetData>", cells + "</sheetData>")
    return raw_xlsx(folder / "formules en cache.xlsx", body)


def merged_headers(folder: Path) -> Path:
    return saved(
        folder / "fusions.xlsx",
        {"Prog": [HEADER, GOOD_ROW, GOOD_ROW]},
        merges=("A1:H1", "B2:B3", "C1:C3", "A3:H3"),
    )


def wide(folder: Path) -> Path:
    return saved(folder / "large.xlsx", {"Prog": [HEADER + [f"Col {n}" for n in range(10_000)],
                                                  GOOD_ROW + ["x"] * 10_000]})  # fmt: skip


def empty_workbook(folder: Path) -> Path:
    book = openpyxl.Workbook()
    path = folder / "vide.xlsx"
    book.save(path)
    return path


def empty_sheets(folder: Path) -> Path:
    return saved(folder / "feuilles vides.xlsx", {"Feuil1": [], "Feuil2": [], "Feuil3": [[None]]})


def only_headers(folder: Path) -> Path:
    return saved(folder / "intitulés seuls.xlsx", {"Prog": [HEADER], "Cadre": [TREE_HEADER]})


def truncated_zip(folder: Path) -> Path:
    source = saved(folder / "source.xlsx", {"Prog": [HEADER, GOOD_ROW]})
    path = folder / "tronqué.xlsx"
    path.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    source.unlink()
    return path


def zip_bomb(folder: Path, name: str = "bombe.xlsx") -> Path:
    """A sheet that inflates from ~25 KB to 24 MB, honestly declared."""
    filler = b"<row/>" * (24 * 1024 * 1024 // 6)
    return raw_xlsx(folder / name, sheet_xml([(1, HEADER)]).encode().replace(
        b"</sheetData>", filler + b"</sheetData>"))  # fmt: skip


def lying_zip_bomb(folder: Path) -> Path:
    """A sheet inflating to 24 MB whose zip headers declare 4 KB (so ratios look innocent)."""
    path = zip_bomb(folder, "source de la bombe menteuse.xlsx")
    data = bytearray(path.read_bytes())
    member = b"xl/worksheets/sheet1.xml"
    declared = 4096
    # Local header: uncompressed size at offset 22; central directory entry: offset 24.
    for start, size_offset, length_offset, name_offset in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        position = 0
        while (position := data.find(start, position)) != -1:
            name_length = struct.unpack_from("<H", data, position + length_offset)[0]
            name = bytes(data[position + name_offset : position + name_offset + name_length])
            if name == member:
                struct.pack_into("<I", data, position + size_offset, declared)
            position += 4
    lying = folder / "bombe menteuse.xlsx"
    lying.write_bytes(bytes(data))
    path.unlink()
    return lying


def laughs_in_sheet(folder: Path) -> Path:
    rows = [(1, HEADER), (2, ["", "&lol9;", "", "Action", "CAF", "1 000", "", 2025])]
    return raw_xlsx(folder / "rires feuille.xlsx", sheet_xml(rows, doctype=LAUGHS))


def laughs_in_shared_strings(folder: Path) -> Path:
    strings = (
        f'<?xml version="1.0"?>{LAUGHS}<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1">'
        "<si><t>&lol9;</t></si></sst>"
    )
    sheet = sheet_xml([(1, HEADER)]).replace(
        "</sheetData>", '<row r="2"><c r="B2" t="s"><v>0</v></c></row></sheetData>'
    )
    return raw_xlsx(folder / "rires chaînes.xlsx", sheet, shared_strings=strings)


def laughs_in_workbook(folder: Path) -> Path:
    return raw_xlsx(
        folder / "rires classeur.xlsx", sheet_xml([(1, HEADER)]), workbook_doctype=LAUGHS
    )


def external_entity(folder: Path) -> Path:
    rows = [(1, HEADER), (2, ["", "&ext;", "", "Action", "CAF", "1 000", "", 2025])]
    return raw_xlsx(folder / "entité externe.xlsx", sheet_xml(rows, doctype=EXTERNAL_ENTITY))


def broken_sheet_xml(folder: Path) -> Path:
    return raw_xlsx(folder / "xml cassé.xlsx", sheet_xml([(1, HEADER)])[:-40])


def row_past_excel_end(folder: Path) -> Path:
    """A row numbered two billion: a reader filling the gap row by row would never end."""
    rows = [(1, HEADER), (2, GOOD_ROW), (2_000_000_000, GOOD_ROW)]
    return raw_xlsx(folder / "ligne lointaine.xlsx", sheet_xml(rows))


def column_past_excel_end(folder: Path) -> Path:
    body = sheet_xml([(1, HEADER)]).replace(
        "</sheetData>", '<row r="2"><c r="ZZZZ2"><v>1</v></c></row></sheetData>'
    )
    return raw_xlsx(folder / "colonne lointaine.xlsx", body)


def far_cells(folder: Path) -> Path:
    """5 000 short rows with one cell in Excel's last column: 200 KB of XML, 650 MB as rows."""
    rows = "".join(f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(2, 5_002))
    body = sheet_xml([(1, HEADER)]).replace("</sheetData>", rows + "</sheetData>")
    return raw_xlsx(folder / "cellules lointaines.xlsx", body)


def merge_over_everything(folder: Path) -> Path:
    """One merged range over the whole sheet, copied into every cell of 5 000 rows."""
    rows = [(1, HEADER)] + [(n, ["x"]) for n in range(2, 5_002)]
    merge = '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    return raw_xlsx(folder / "fusion totale.xlsx", sheet_xml(rows, extra=merge))


def framework_nasty_cells(folder: Path) -> Path:
    """A framework template whose tree and contract cells are every wrong kind of thing."""
    from datetime import date

    big = "Objectif " * 12_000
    return saved(
        folder / "cadre piégé.xlsx",
        {"Cadre stratégique": [TREE_HEADER,
                               ["P1", "=1+1", None, None, None],
                               ["P1.1", None, big, None, None],
                               ["P1.1.1", None, None, 42, None],
                               ["P9.9.9.9", None, None, None, date(2025, 1, 1)],
                               ["P1.1.1.1", None, None, None, "@SUM(A1)"],
                               ["=cmd|' /C calc'!A0", None, None, None, "+CMD"]],
         "Contrat": [["Nom du contrat", big], ["Commune", 12], ["Première année", "deux mille"],
                     ["Dernière année", date(2030, 1, 1)]]},
        merges=("B2:E2",),
    )  # fmt: skip


def framework_merged_header(folder: Path) -> Path:
    return saved(
        folder / "cadre fusionné.xlsx",
        {"Cadre stratégique": [TREE_HEADER, ["P1", "Priorité", None, None, None],
                               ["P1.1", None, "Objectif", None, None]]},
        merges=("A1:E1", "B2:B3"),
    )  # fmt: skip


def csv_named_xlsx(folder: Path) -> Path:
    path = folder / "en fait csv.xlsx"
    path.write_text(";".join(HEADER) + "\n" + ";".join(str(v) for v in GOOD_ROW) + "\n")
    return path


def html_named_xlsx(folder: Path) -> Path:
    path = folder / "page web.xlsx"
    path.write_text("<html><body><table><tr><td>Structure</td></tr></table></body></html>")
    return path


def binary_noise(folder: Path) -> Path:
    path = folder / "bruit.xlsx"
    path.write_bytes(bytes(range(256)) * 64)
    return path


def _csv_text(delimiter: str) -> str:
    lines = [HEADER, GOOD_ROW, ["", "Café des « Tilleuls »\nsur deux lignes", "",
                                "Ateliers; « parents »", "CAF", "2 500,50 €", "", 2025,
                                "CLAS"]]  # fmt: skip
    out = []
    for line in lines:
        cells = []
        for value in line:
            text = str(value)
            if any(c in text for c in f'{delimiter}"\n'):
                text = '"' + text.replace('"', '""') + '"'
            cells.append(text)
        out.append(delimiter.join(cells))
    return "\r\n".join(out) + "\r\n"


def csv_latin1(folder: Path) -> Path:
    path = folder / "latin1.csv"
    path.write_bytes(_csv_text(";").replace("€", "EUR").encode("latin-1"))
    return path


def csv_utf16(folder: Path) -> Path:
    path = folder / "utf16.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + _csv_text("\t").encode("utf-16-le"))
    return path


def csv_commas(folder: Path) -> Path:
    path = folder / "virgules.csv"
    path.write_text(_csv_text(","), encoding="utf-8")
    return path


def csv_semicolons(folder: Path) -> Path:
    path = folder / "points-virgules.csv"
    path.write_bytes(codecs.BOM_UTF8 + _csv_text(";").encode())
    return path


def csv_unbalanced_quote(folder: Path) -> Path:
    path = folder / "guillemet.csv"
    path.write_text(";".join(HEADER) + '\n;"Asso jamais fermée;;Action;CAF;10;;2025\n' * 3)
    return path


def csv_nul_bytes(folder: Path) -> Path:
    path = folder / "nul.csv"
    path.write_bytes(b"Structure;Montant\n\x00\x00\x00;12\n")
    return path


def csv_huge_field(folder: Path) -> Path:
    path = folder / "champ énorme.csv"
    path.write_text(";".join(HEADER) + "\n;" + "x" * 200_000 + ";;Action;CAF;10;;2025\n")
    return path


def csv_wide(folder: Path) -> Path:
    path = folder / "large.csv"
    path.write_text(";".join(HEADER + ["c"] * 10_000) + "\n" + ";".join(map(str, GOOD_ROW)) + "\n")
    return path


def gzip_deflate_stream(folder: Path) -> Path:
    """A bare deflate stream named .xlsx (not a zip at all)."""
    path = folder / "flux.xlsx"
    path.write_bytes(zlib.compress(b"<row/>" * 100_000))
    return path


MAKERS: dict[str, Callable[[Path], Path]] = {
    "wrong_types": wrong_types,
    "huge_strings": huge_strings,
    "huge_header": huge_header,
    "formulas": formulas,
    "cached_formula_text": cached_formula_text,
    "merged_headers": merged_headers,
    "ten_thousand_columns": wide,
    "empty_workbook": empty_workbook,
    "empty_sheets": empty_sheets,
    "only_headers": only_headers,
    "truncated_zip": truncated_zip,
    "zip_bomb": zip_bomb,
    "lying_zip_bomb": lying_zip_bomb,
    "laughs_in_sheet": laughs_in_sheet,
    "laughs_in_shared_strings": laughs_in_shared_strings,
    "laughs_in_workbook": laughs_in_workbook,
    "external_entity": external_entity,
    "broken_sheet_xml": broken_sheet_xml,
    "row_past_excel_end": row_past_excel_end,
    "column_past_excel_end": column_past_excel_end,
    "far_cells": far_cells,
    "merge_over_everything": merge_over_everything,
    "framework_nasty_cells": framework_nasty_cells,
    "framework_merged_header": framework_merged_header,
    "csv_named_xlsx": csv_named_xlsx,
    "html_named_xlsx": html_named_xlsx,
    "binary_noise": binary_noise,
    "deflate_stream": gzip_deflate_stream,
    "csv_latin1": csv_latin1,
    "csv_utf16": csv_utf16,
    "csv_commas": csv_commas,
    "csv_semicolons": csv_semicolons,
    "csv_unbalanced_quote": csv_unbalanced_quote,
    "csv_nul_bytes": csv_nul_bytes,
    "csv_huge_field": csv_huge_field,
    "csv_wide": csv_wide,
}
#: Files whose reading must stay within a memory bound (they try to inflate).
BOMBS = frozenset(
    {"zip_bomb", "lying_zip_bomb", "laughs_in_sheet", "laughs_in_shared_strings",
     "laughs_in_workbook", "row_past_excel_end", "column_past_excel_end", "ten_thousand_columns",
     "far_cells", "merge_over_everything"}
)  # fmt: skip
