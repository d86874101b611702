"""Opening other people's files safely, and reading their cells the French way."""

from __future__ import annotations

import codecs
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from qpvdesk.core.domain.money import Money
from qpvdesk.core.exchange import workbook_reading as reading
from qpvdesk.core.exchange.workbook_reading import (
    CellError,
    WorkbookError,
    read_amount,
    read_date,
    read_workbook,
    read_year,
)

OLE = reading.OLE_MAGIC


def minimal_xlsx(path: Path, rows: int, *, dimension: bool = True) -> Path:
    """An .xlsx of *rows* rows written by hand (fast, whatever the size)."""
    sheet_rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>ligne {n}</t></is></c></row>'
        for n in range(1, rows + 1)
    )
    dim = f'<dimension ref="A1:A{rows}"/>' if dimension else ""
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
        '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd'
        '.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
        'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.'
        'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        "openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target="
        '"xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets><sheet name="Feuil1" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://'
        'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.'
        f'openxmlformats.org/spreadsheetml/2006/main">{dim}<sheetData>{sheet_rows}</sheetData>'
        "</worksheet>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def refusal(path: Path) -> str:
    with pytest.raises(WorkbookError) as caught:
        read_workbook(path)
    return caught.value.message


# --- what the file really is -------------------------------------------------------------


def test_defusedxml_is_used() -> None:
    assert openpyxl.DEFUSEDXML is True


def test_old_xls_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "programmation.xls"
    path.write_bytes(OLE + b"\x00" * 600 + "Workbook".encode("utf-16-le") + b"\x00" * 600)
    message = refusal(path)
    assert "Excel 97-2003 (.xls)" in message and "enregistrez-le au format .xlsx" in message
    assert "« programmation.xls »" in message


def test_password_protected_workbook_is_refused(tmp_path: Path) -> None:
    # Excel stores an encrypted .xlsx inside an OLE2 file with an « EncryptedPackage » stream.
    path = tmp_path / "protégé.xlsx"
    path.write_bytes(OLE + b"\x00" * 500 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 99)
    assert "protégé par un mot de passe" in refusal(path)


def test_macro_workbook_is_refused(tmp_path: Path) -> None:
    source = workbook(tmp_path / "src.xlsx", [["Porteur", "Montant demandé"]])
    path = tmp_path / "avec macros.xlsm"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"sheet.main+xml", b"sheet.macroEnabled.main+xml"
                )
            copy.writestr(item, data)
        copy.writestr("xl/vbaProject.bin", b"\x00" * 32)
    message = refusal(path)
    assert "macros (.xlsm)" in message and "sans macros" in message


def test_binary_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "classeur.xlsb"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.bin", b"\x00")
    assert "(.xlsb)" in refusal(path)


def test_opendocument_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "programmation.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    message = refusal(path)
    assert "OpenDocument (.ods)" in message and "LibreOffice" in message


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("vide.xlsx", b"", "est vide (0 octet)"),
        ("note.pdf", b"%PDF-1.4\n%%EOF\n", "document PDF"),
        ("image.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "n'est pas un classeur Excel"),
        ("page.xls", b"<html><table><tr><td>1</td></tr></table></html>", "page web"),
    ],
)
def test_files_that_are_not_workbooks_get_a_french_message(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert expected in refusal(path)


def test_word_document_and_plain_zip_are_refused(tmp_path: Path) -> None:
    word = tmp_path / "courrier.xlsx"
    with zipfile.ZipFile(word, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert "document Word" in refusal(word)
    plain = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("notes.txt", "bonjour")
    assert "archive zip" in refusal(plain)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert "n'existe pas" in refusal(tmp_path / "absent.xlsx")
    assert "est un dossier" in refusal(tmp_path)


def test_damaged_workbook_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "ok.xlsx", [["a"]])
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 200] = b"\xff" * 200
    broken = tmp_path / "abîmé.xlsx"
    broken.write_bytes(bytes(data))
    message = refusal(broken)
    assert "abîmé.xlsx" in message
    assert "endommagé" in message or "n'a pas pu être lu" in message


def test_xml_entity_bomb_is_refused_not_expanded(tmp_path: Path) -> None:
    path = minimal_xlsx(tmp_path / "laughs.xlsx", 2)
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
        '"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><worksheet xmlns="http://'
        'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" '
        't="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    rebuilt = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rebuilt, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = bomb.encode()
            target.writestr(item.filename, data)
    assert "définitions XML (entités, DTD)" in refusal(rebuilt)


def test_zip_bomb_is_refused_before_decompression(tmp_path: Path) -> None:
    path = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (reading.RATIO_FLOOR + 1024))
    assert path.stat().st_size < 200_000
    assert "bombe de décompression" in refusal(path)


def test_too_many_members_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_MEMBERS", 50)
    path = tmp_path / "éclaté.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(60):
            archive.writestr(f"xl/part{number}.xml", "<x/>")
    assert "60 éléments" in refusal(path)


def test_sheet_of_200_000_rows_gets_a_clear_message(tmp_path: Path) -> None:
    path = minimal_xlsx(tmp_path / "énorme.xlsx", 200_000)
    message = refusal(path)
    assert "200\u00a0000 lignes" in message
    assert "au plus 100\u00a0000" in message and "Découpez" in message


def test_rows_are_counted_when_the_size_is_not_declared(tmp_path: Path) -> None:
    path = minimal_xlsx(tmp_path / "sans dimension.xlsx", 1_500, dimension=False)
    with pytest.raises(WorkbookError, match="au plus 1\u00a0000"):
        read_workbook(path, max_rows=1_000)
    assert len(read_workbook(path, max_rows=2_000).sheets[0].rows) == 1_500


def test_merged_cells_read_as_their_first_cell_and_blank_rows_are_dropped(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Structure", "Financeur", "Montant"])
    sheet.append(["Les Petits Pas", "CAF", 100])
    sheet.append([None, "Ville", 200])
    sheet.append([])
    sheet.append(["Autre", "CAF", 5])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B5:C5")
    book.save(tmp_path / "fusion.xlsx")
    rows = read_workbook(tmp_path / "fusion.xlsx").sheets[0].rows
    assert [number for number, _ in rows] == [1, 2, 3, 5]
    assert rows[2][1][:3] == ("Les Petits Pas", "Ville", 200)
    assert rows[3][1][:3] == ("Autre", "CAF", "CAF")


def test_csv_with_semicolons_windows_encoding_and_french_decimals(tmp_path: Path) -> None:
    path = tmp_path / "export portail.csv"
    text = "Structure;Montant sollicité;Exercice\r\nAssociation Été;1 234,50;2025\r\n"
    path.write_bytes(text.encode("cp1252"))
    content = read_workbook(path)
    assert content.kind == "csv"
    rows = content.sheets[0].rows
    assert rows[1][1] == ("Association Été", "1 234,50", "2025")
    bom = tmp_path / "bom.csv"
    bom.write_bytes(codecs.BOM_UTF8 + "a,b\nÉ,2\n".encode())
    assert read_workbook(bom).sheets[0].rows[1][1] == ("É", "2")


# --- cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        ("12 345,50 €", 1_234_550),
        ("1 000,50 €", 100_050),
        ("1,000.50", 100_050),
        ("1,000 €", 100_000),
        ("1.234.567,89", 123_456_789),
        ("1\u202f000,00\u00a0€", 100_000),
        (" 7 500 EUR", 750_000),
        ("12,5", 1_250),
        ("+1", 100),
        (12345.5, 1_234_550),
        (0.1 + 0.2, 30),
        (3, 300),
        (Decimal("4.10"), 410),
    ],
)
def test_amounts_written_every_way(value: object, cents: int) -> None:
    reading_ = read_amount(value)
    assert reading_ is not None and reading_.money == Money(cents)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("-1", "négatif"),
        ("(12)", "négatif"),
        ("=cmd|' /C calc'!A0", "n'est pas un montant"),
        ("@SUM(A1:A2)", "n'est pas un montant"),
        ("12,345,67", "n'est pas un montant"),
        ("0,500", "n'est pas un montant"),
        (12.345, "deux chiffres"),
        (datetime(2025, 1, 1), "date"),
    ],
)
def test_amounts_refused_with_a_reason(value: object, reason: str) -> None:
    with pytest.raises(CellError, match=reason):
        read_amount(value)


@pytest.mark.parametrize("value", [None, "", "  ", "-", "—", "néant"])
def test_blank_amounts(value: object) -> None:
    assert read_amount(value) is None


def test_thousands_guess_is_remembered_for_the_column_check() -> None:
    found = read_amount("1,000")
    assert found is not None and found.thousands_guess == ","
    decimal = read_amount("2,50")
    assert decimal is not None and decimal.decimal_mark == ","


def test_dates_and_years() -> None:
    assert read_date("31/12/2025") == date(2025, 12, 31)
    assert read_date("2025-01-03") == date(2025, 1, 3)
    assert read_date(datetime(2025, 5, 6, 0, 0)) == date(2025, 5, 6)
    assert read_date(45_000) == date(2023, 3, 15)
    with pytest.raises(CellError, match="n'existe pas"):
        read_date("31/02/2025")
    assert read_year("2025") == 2025 and read_year(2025.0) == 2025
    with pytest.raises(CellError, match="année"):
        read_year("2025/2026")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (1e300, "trop élevé"),
        (1e308, "trop élevé"),
        (-1e300, "négatif"),
        (float("nan"), "pas un montant"),
        (Decimal("NaN"), "pas un montant"),
        (Decimal("Infinity"), "pas un montant"),
        (10**400, "trop élevé"),
    ],
)
def test_absurd_numbers_in_amount_cells_are_refused_not_crashed_on(
    value: object, reason: str
) -> None:
    with pytest.raises(CellError, match=reason):
        read_amount(value)
