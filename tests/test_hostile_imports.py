"""Every importer against hostile files: a clean import or a French refusal, nothing else.

Each file of `hostile_files.MAKERS` goes through the programmation import (the command
line's and the window's), its preview (the window's first step), the framework import
into an empty database, and ``init --framework``. Each must either import cleanly or
refuse with a French message naming the file (or the sheet, row and column); never an
exception of another kind, never a partial write (the database's full dump is compared
before and after a refusal), and, for the files built to inflate, never more than a
bounded amount of memory (measured in a child process).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import hostile_files
import pytest

from qpvdesk import cli
from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.exchange.framework_exchange import (
    FrameworkRefused,
    create_database_with_framework,
    import_framework,
)
from qpvdesk.core.exchange.programmation_import import (
    ImportResult,
    import_programmation,
    read_and_preview,
)
from qpvdesk.core.exchange.workbook_reading import WorkbookError, read_workbook
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.database import open_database

#: Growth of the child process's peak memory allowed while importing every bomb.
MEMORY_BOUND = 200 * 1024 * 1024
FRENCH = ("«", "é", "è", "à", " : ")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {name: make(folder) for name, make in hostile_files.MAKERS.items()}


@pytest.fixture(scope="module")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_new_database(tmp_path_factory.mktemp("empty") / "vide.sqlite", "empty")


def dump(db: Path) -> str:
    """A digest of every row of every table (the audit log included)."""
    connection = sqlite3.connect(db)
    try:
        digest = hashlib.sha256()
        for line in connection.iterdump():
            digest.update(line.encode())
        return digest.hexdigest()
    finally:
        connection.close()


def assert_sound(db: Path) -> None:
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()


def assert_french_refusal(error: UserFacingError, path: Path) -> None:
    message = error.message
    assert message and "Traceback" not in message
    assert any(mark in message for mark in FRENCH), message
    if isinstance(error, WorkbookError):
        assert path.name in message, message


def programmation(db: Path, path: Path) -> str:
    database = open_database(db, backup_on_open=False)
    try:
        result: ImportResult = import_programmation(database, path)
    finally:
        database.close()
    if result.preview.errors:
        assert not result.written
        for row_error in result.preview.errors:
            assert row_error.sheet and row_error.reason
            assert any(mark in row_error.describe() for mark in FRENCH)
        return "refusé ligne à ligne"
    return "importé" if result.written else "rien à changer"


def preview(db: Path, path: Path) -> str:
    database = open_database(db, backup_on_open=False, read_only=True)
    try:
        with database.read() as session:
            found = read_and_preview(session, path)
    finally:
        database.close()
    return "aperçu avec erreurs" if found.errors else "aperçu"


def framework(db: Path, path: Path) -> str:
    database = open_database(db, backup_on_open=False)
    try:
        import_framework(database, path)
    except FrameworkRefused as refused:
        assert refused.errors and all(e.reason for e in refused.errors)
        raise
    finally:
        database.close()
    return "importé"


IMPORTERS: dict[str, Callable[[Path, Path], str]] = {
    "programmation": programmation,
    "aperçu": preview,
    "cadre": framework,
}


@pytest.mark.parametrize("name", sorted(hostile_files.MAKERS))
def test_every_importer_imports_cleanly_or_refuses_in_french_and_writes_nothing(
    name: str, files: dict[str, Path], builtin_db: Path, empty_template: Path, tmp_path: Path
) -> None:
    path = files[name]
    empty_db = tmp_path / "vide.sqlite"
    empty_db.write_bytes(empty_template.read_bytes())
    outcomes = {}
    for importer, run in IMPORTERS.items():
        db = empty_db if importer == "cadre" else builtin_db
        before = dump(db)
        try:
            outcomes[importer] = run(db, path)
        except UserFacingError as error:
            assert_french_refusal(error, path)
            outcomes[importer] = "refusé"
        if outcomes[importer] != "importé":
            assert dump(db) == before, (importer, outcomes[importer])
        else:
            assert_sound(db)
    # init --framework: a refused template leaves no file behind.
    created = tmp_path / "nouvelle.sqlite"
    try:
        create_database_with_framework(created, path)
    except UserFacingError as error:
        assert_french_refusal(error, path)
        assert not created.exists()
        assert not list(tmp_path.glob("nouvelle.sqlite*"))
    else:
        assert_sound(created)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("truncated_zip", "endommagé"),
        ("zip_bomb", "bombe de décompression"),
        ("lying_zip_bomb", "endommagé"),
        ("laughs_in_sheet", "définitions XML"),
        ("laughs_in_shared_strings", "définitions XML"),
        ("laughs_in_workbook", "définitions XML"),
        ("external_entity", "définitions XML"),
        ("broken_sheet_xml", "endommagé"),
        ("row_past_excel_end", "dernière ligne qu'Excel connaît"),
        ("column_past_excel_end", "endommagé"),
        ("far_cells", "cellules remplies"),
        ("merge_over_everything", "cellules remplies"),
        ("html_named_xlsx", "page web"),
        ("binary_noise", "n'est pas un classeur"),
        ("csv_nul_bytes", "pas un fichier texte"),
        ("csv_huge_field", "dépasse 131\u00a0072 caractères"),
    ],
)
def test_what_each_refusal_says(name: str, words: str, files: dict[str, Path]) -> None:
    path = files[name]
    with pytest.raises(WorkbookError) as caught:
        read_workbook(path)
    assert words in caught.value.message, caught.value.message
    assert path.name in caught.value.message


@pytest.mark.parametrize("name", ["csv_latin1", "csv_utf16", "csv_commas", "csv_semicolons"])
def test_csv_files_of_every_encoding_and_separator_read_the_same(
    name: str, files: dict[str, Path]
) -> None:
    sheet = read_workbook(files[name]).sheets[0]
    assert [values[:2] for _, values in sheet.rows[1:]] == [
        (None, "Association Les Petits Pas"),
        (None, "Café des « Tilleuls »\nsur deux lignes"),
    ]
    assert sheet.rows[2][1][3] == "Ateliers; « parents »"


def test_the_command_line_refuses_hostile_files_with_one_french_line(
    files: dict[str, Path], builtin_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("lying_zip_bomb", "laughs_in_shared_strings", "far_cells", "wrong_types"):
        for kind in ("programmation", "framework"):
            before = dump(builtin_db)
            code = cli.main(["--db", str(builtin_db), "import", kind, str(files[name])])
            out, err = capsys.readouterr()
            assert code == 1, (name, kind, out, err)
            assert "Traceback" not in err
            assert "qpvdesk : " in err
            assert dump(builtin_db) == before


MEMORY_CHILD = """
import json, resource, sys
from pathlib import Path
from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.exchange.programmation_import import import_programmation
from qpvdesk.core.storage.database import open_database

database = open_database(Path(sys.argv[1]), backup_on_open=False)
outcomes = {}
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for path in sys.argv[2:]:
    try:
        import_programmation(database, Path(path))
        outcomes[path] = "lu"
    except UserFacingError:
        outcomes[path] = "refusé"
database.close()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"baseline_kb": baseline, "peak_kb": peak, "outcomes": outcomes}))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="resource is POSIX-only")
def test_files_built_to_inflate_keep_memory_bounded(
    files: dict[str, Path], builtin_db: Path
) -> None:
    bombs = [str(files[name]) for name in sorted(hostile_files.BOMBS)]
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, str(builtin_db), *bombs],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert len(report["outcomes"]) == len(bombs)
    grown = (report["peak_kb"] - report["baseline_kb"]) * 1024
    assert grown < MEMORY_BOUND, f"{grown / 1e6:.0f} MB"


def test_the_error_list_of_a_hostile_file_holds_its_values_as_text(
    files: dict[str, Path], builtin_db: Path, tmp_path: Path
) -> None:
    import openpyxl

    from qpvdesk.core.exchange.programmation_import import write_error_report

    errors = []
    for name in ("wrong_types", "huge_strings", "cached_formula_text", "framework_nasty_cells"):
        database = open_database(builtin_db, backup_on_open=False, read_only=True)
        try:
            with database.read() as session:
                errors += read_and_preview(session, files[name]).errors
        finally:
            database.close()
    values = [error.value for error in errors if error.value]
    assert any(value[:1] in "=+-@" for value in values)
    report = write_error_report(errors, tmp_path / "erreurs.xlsx")
    sheet = openpyxl.load_workbook(report).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
    assert len(cells) >= len(errors)
    assert all(cell.data_type in "sn" for cell in cells)
    written = {cell.value for cell in cells}
    assert all(value[:32_767] in written for value in values)
