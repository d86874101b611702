"""Other people's workbooks: their headings, title blocks, merged cells, text amounts, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from qpvdesk.core.domain.enums import DossierState
from qpvdesk.core.domain.models import (
    Action,
    BudgetLine,
    Dossier,
    DossierEvent,
    Funding,
    Organisation,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.exchange.column_mapping import (
    Field,
    find_header,
    match_heading,
    parse_mapping_options,
)
from qpvdesk.core.exchange.programmation_export import portal_number_of
from qpvdesk.core.exchange.programmation_import import (
    ImportOptions,
    ImportResult,
    Outcome,
    import_programmation,
    write_error_report,
)
from qpvdesk.core.storage.database import open_database

SIRET = "79000001200019"  # Luhn-valid (the demo's first association)


def save(path: Path, rows: list[list[Any]], *, merges: tuple[str, ...] = (),
         text_cells: tuple[str, ...] = (), title: str = "Prog 2025") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for reference in merges:
        sheet.merge_cells(reference)
    for reference in text_cells:
        sheet[reference].data_type = "s"  # typed text, not a formula
    book.save(path)
    return path


def run(db: Path, path: Path, **options: Any) -> ImportResult:
    dry_run = options.pop("dry_run", False)
    mapping = parse_mapping_options(options.pop("map", ()))
    database = open_database(db, backup_on_open=False)
    try:
        return import_programmation(
            database, path, ImportOptions(mapping=mapping, **options), dry_run=dry_run
        )
    finally:
        database.close()


def query(db: Path, statement: Any) -> list[Any]:
    database = open_database(db, backup_on_open=False, read_only=True)
    try:
        with database.read() as session:
            return list(session.execute(statement).all())
    finally:
        database.close()


def count(db: Path, model: Any) -> int:
    return int(query(db, select(func.count()).select_from(model))[0][0])


PARTNER_ROWS: list[list[Any]] = [
    ["Contrat de ville de Clermont l'Hérault — Programmation 2025"],
    ["Document de travail du comité des financeurs"],
    [],
    ["N° Dauphin", "Nom de la\nstructure", "SIRET", "Intitulé du projet", "Financeur",
     "Montant sollicité", "Subvention attribuée", "Exercice"],
    ["DA-0001", "Association Les Petits Pas", SIRET, "Soutien scolaire renforcé", "CAF",
     "12 345,50 €", "10 000 €", 2025],
    [None, None, None, None, "Ville de Clermont l'Hérault", "1,000.50", "1,000 €", None],
    ["DA-0002", "=cmd|' /C calc'!A0", None, "@SUM(A1:A2)", "CAF", "+1", None, 2025],
    [None] * 8,
    ["DA-0003", "+33 Collectif", None, "-1", "CAF", 500, 400.5, "2025"],
    ["Total", None, None, None, None, "=SUM(F5:F9)", None, None],
]  # fmt: skip
PARTNER_MERGES = ("A1:H1", "A5:A6", "B5:B6", "C5:C6", "D5:D6", "H5:H6")
PARTNER_TEXT = ("B7", "D7", "F7", "B9", "D9")
LINES = ("CLAS", "Droit commun communal")


def test_a_partners_workbook_comes_in(builtin_db: Path, tmp_path: Path) -> None:
    path = save(tmp_path / "partenaire.xlsx", PARTNER_ROWS, merges=PARTNER_MERGES,
                text_cells=PARTNER_TEXT)
    preview = run(builtin_db, path, default_lines=LINES, dry_run=True).preview
    assert preview.ok, [e.describe() for e in preview.errors]
    assert preview.header is not None and preview.header.row == 4  # below the title block
    fields = {c.heading: c.field for c in preview.header.columns}
    assert fields == {
        "N° Dauphin": Field.PORTAL_NUMBER,
        "Nom de la structure": Field.HOLDER,  # split over two lines inside the cell
        "SIRET": Field.SIRET,
        "Intitulé du projet": Field.ACTION,
        "Financeur": Field.FUNDER,
        "Montant sollicité": Field.REQUESTED,
        "Subvention attribuée": Field.GRANTED,
        "Exercice": Field.YEAR,
    }
    assert preview.counts.dossiers_created == 3 and preview.counts.fundings_created == 4
    assert any("total" in note for note in preview.notes)
    assert count(builtin_db, Dossier) == 0  # a preview writes nothing

    result = run(builtin_db, path, default_lines=LINES)
    assert result.written and result.backup is not None
    dossiers = query(
        builtin_db,
        select(Dossier.reference, Organisation.name, Action.title, Dossier.notes, Dossier.state)
        .join(Organisation, Organisation.id == Dossier.holder_id)
        .join(Action, Action.id == Dossier.action_id)
        .order_by(Dossier.reference),
    )
    assert [(r[0], r[1], r[2]) for r in dossiers] == [
        ("2025-001", "Association Les Petits Pas", "Soutien scolaire renforcé"),
        ("2025-002", "=cmd|' /C calc'!A0", "@SUM(A1:A2)"),  # hostile text stays text
        ("2025-003", "+33 Collectif", "-1"),
    ]
    assert [portal_number_of(r[3]) for r in dossiers] == ["DA-0001", "DA-0002", "DA-0003"]
    assert {r[4] for r in dossiers} == {DossierState.RECEIVED}
    amounts = query(
        builtin_db,
        select(Dossier.reference, BudgetLine.code, BudgetLine.name, Funding.requested,
               Funding.granted)
        .join(Dossier, Dossier.id == Funding.dossier_id)
        .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
        .order_by(Dossier.reference, Funding.id),
    )  # fmt: skip
    assert [(r[0], r[1] or r[2], r[3], r[4]) for r in amounts] == [
        ("2025-001", "CLAS", Money(1_234_550), Money(1_000_000)),  # « 12 345,50 € »
        ("2025-001", "Droit commun communal", Money(100_050), Money(100_000)),  # merged rows
        ("2025-002", "CLAS", Money(100), None),  # « +1 » as text: one euro
        ("2025-003", "CLAS", Money(50_000), Money(40_050)),
    ]
    holder = query(builtin_db, select(Organisation.siret).where(Organisation.name.like("%Pas")))
    assert holder == [(SIRET,)]
    # The same workbook again: nothing changes (matched by the Dauphin numbers).
    again = run(builtin_db, path, default_lines=LINES)
    assert again.preview.ok and not again.written
    outcomes = {line.subject: line.outcome for line in again.preview.lines}
    assert set(outcomes.values()) == {Outcome.UNCHANGED, Outcome.SKIPPED}
    assert outcomes["Ligne de total"] is Outcome.SKIPPED  # left aside, and why


def test_a_workbook_without_reference_matches_on_year_holder_and_action(
    builtin_db: Path, tmp_path: Path
) -> None:
    rows = [
        ["Porteur de projet", "Action", "Année", "Montant demandé", "Financeur", "Dispositif"],
        ["Ludothèque La Toupie", "Jeux en famille", 2025, 1500, "CAF de l'Hérault", "REAAP"],
        ["Ludothèque La Toupie", "Jeux en famille", 2025, 700, "Ville", "Droit commun communal"],
    ]
    path = save(tmp_path / "sans référence.xlsx", rows)
    first = run(builtin_db, path)
    assert first.written, [e.describe() for e in first.preview.errors]
    assert first.preview.counts.dossiers_created == 1
    rows[1][3] = "1 800"
    save(path, rows)
    second = run(builtin_db, path)
    assert second.written and second.preview.counts.dossiers_updated == 1
    assert second.preview.counts.fundings_updated == 1
    assert count(builtin_db, Dossier) == 1
    requested = query(builtin_db, select(func.sum(Funding.requested)))
    assert requested == [(Money(250_000),)]


def test_one_bad_row_among_1000_writes_nothing_and_names_it(
    builtin_db: Path, tmp_path: Path
) -> None:
    rows: list[list[Any]] = [["Structure", "Intitulé", "Exercice", "Montant sollicité", "Ligne"]]
    for number in range(1000):
        amount: Any = f"{1000 + number},50"
        if number == 636:
            amount = "-1 250,00"
        rows.append([f"Association n° {number}", f"Action {number}", 2025, amount, "BOP147"])
    path = save(tmp_path / "mille lignes.xlsx", rows)
    result = run(builtin_db, path)
    assert not result.written
    errors = result.preview.errors
    assert len(errors) == 1
    error = errors[0]
    assert (error.sheet, error.row, error.value) == ("Prog 2025", 638, "-1 250,00")
    assert error.column == "D (Montant sollicité)"
    assert "négatif" in error.reason
    assert "ligne 638" in error.describe() and "colonne D (Montant sollicité)" in error.describe()
    assert count(builtin_db, Dossier) == 0 and count(builtin_db, Funding) == 0
    assert count(builtin_db, Organisation) < 100  # none of the thousand was created
    assert not (builtin_db.parent / "backups").exists()  # refused before any backup
    report = write_error_report(errors, tmp_path / "erreurs")
    sheet = openpyxl.load_workbook(report).active
    assert [c.value for c in sheet[1]] == ["Feuille", "Ligne", "Colonne", "Valeur", "Motif"]
    assert [c.value for c in sheet[2]][:4] == ["Prog 2025", "638", "D (Montant sollicité)",
                                                "-1 250,00"]  # fmt: skip
    # Corrected, the same thousand rows go in at once.
    rows[637][3] = "1 250,00"
    save(path, rows)
    assert run(builtin_db, path).written
    assert count(builtin_db, Dossier) == 1000


def test_an_ambiguous_amount_is_reported_not_guessed(builtin_db: Path, tmp_path: Path) -> None:
    rows = [
        ["Structure", "Action", "Année", "Demandé", "Ligne budgétaire"],
        ["Asso A", "Action A", 2025, "2,50", "BOP147"],
        ["Asso B", "Action B", 2025, "1,000", "BOP147"],
        ["Asso C", "Action C", 2025, "1.000", "BOP147"],
    ]
    result = run(builtin_db, save(tmp_path / "ambigu.xlsx", rows))
    assert [(e.row, e.value) for e in result.preview.errors] == [(3, "1,000")]
    assert "ambigu" in result.preview.errors[0].reason


def test_csv_from_the_portal_with_semicolons(builtin_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "export dauphin.csv"
    text = (
        "N° dossier;Structure;Intitulé de l'action;Montant sollicité;Date de dépôt\r\n"
        "00012345;Maison des Langues;Ateliers de français;4 500,00;15/01/2025\r\n"
        "00012346;Femmes Solidaires;Sport au féminin;2 300,5;20/01/2025\r\n"
    )
    path.write_bytes(text.encode("cp1252"))
    result = run(builtin_db, path, default_year=2025, default_lines=("BOP147",))
    assert result.written, [e.describe() for e in result.preview.errors]
    rows = query(builtin_db, select(Dossier.notes, Dossier.received_on).order_by(Dossier.id))
    assert [portal_number_of(notes) for notes, _ in rows] == ["00012345", "00012346"]
    assert str(rows[1][1]) == "2025-01-20"
    assert query(builtin_db, select(func.sum(Funding.requested))) == [(Money(680_050),)]


def test_a_wide_sheet_with_a_funder_over_its_amounts(builtin_db: Path, tmp_path: Path) -> None:
    rows = [
        [None, None, None, "CAF de l'Hérault", None, "Ville de Clermont l'Hérault", None],
        ["Structure", "Action", "Année", "Demandé", "Accordé", "Demandé", "Accordé"],
        ["Asso Wide", "Action large", 2025, 1000, 800, 500, None],
    ]
    path = save(tmp_path / "large.xlsx", rows, merges=("D1:E1", "F1:G1"))
    result = run(builtin_db, path, default_lines=("REAAP", "Droit commun communal"))
    assert result.written, [e.describe() for e in result.preview.errors]
    amounts = query(
        builtin_db,
        select(BudgetLine.name, Funding.requested, Funding.granted)
        .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
        .order_by(BudgetLine.name),
    )
    assert [(name[:10], r, g) for name, r, g in amounts] == [
        ("Droit comm", Money(50_000), None),
        ("Soutien à ", Money(100_000), Money(80_000)),
    ]


def test_the_user_corrects_the_mapping(builtin_db: Path, tmp_path: Path) -> None:
    rows = [
        ["Nom de l'asso", "Quoi", "An", "Combien"],
        ["Asso Mapping", "Action mappée", 2025, "3 000"],
    ]
    path = save(tmp_path / "libre.xlsx", rows)
    refused = run(builtin_db, path, default_lines=("BOP147",))
    assert not refused.written and "structure" in refused.preview.errors[0].reason
    result = run(
        builtin_db,
        path,
        default_lines=("BOP147",),
        map=("Nom de l'asso=porteur, Quoi=action", "annee=An", "Combien=Montant demandé"),
    )
    assert result.written, [e.describe() for e in result.preview.errors]
    assert result.preview.header is not None
    assert {c.how for c in result.preview.header.columns} == {"choisi"}


def test_mapping_options_either_way_round() -> None:
    overrides = parse_mapping_options(["Montant sollicité=demande", "porteur=Nom, Prénom"])
    assert overrides.by_heading == (("Montant sollicité", Field.REQUESTED),
                                    ("Nom, Prénom", Field.HOLDER))  # fmt: skip
    with pytest.raises(ValidationError, match="n'est un champ connu"):
        parse_mapping_options(["Truc=Machin"])
    with pytest.raises(ValidationError, match="de la forme"):
        parse_mapping_options(["porteur"])


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("Structure", Field.HOLDER),
        ("Porteur", Field.HOLDER),
        ("ORGANISME", Field.HOLDER),
        ("Association", Field.HOLDER),
        ("Intitulé", Field.ACTION),
        ("Action", Field.ACTION),
        ("Projet", Field.ACTION),
        ("Montant demandé", Field.REQUESTED),
        ("Montant sollicité (€)", Field.REQUESTED),
        ("Montant demande 2025", Field.REQUESTED),
        ("Montant accordé", Field.GRANTED),
        ("Montant attribué", Field.GRANTED),
        ("Subvention", Field.GRANTED),
        ("Subvention demandée", Field.REQUESTED),
        ("Financeur", Field.FUNDER),
        ("Année", Field.YEAR),
        ("Exercice", Field.YEAR),
        ("N° Dauphin", Field.PORTAL_NUMBER),
        ("N° dossier", Field.REFERENCE),
        ("Numéro de dossier", Field.REFERENCE),
        ("N° de dossier Dauphin", Field.PORTAL_NUMBER),
        ("SIRET du porteur", Field.SIRET),
        ("Coût total de l'action", Field.TOTAL_COST),
        ("Date de dépôt", Field.RECEIVED_ON),
        ("Total demandé", Field.IGNORED),
    ],
)
def test_headings_whatever_their_wording(heading: str, field: Field) -> None:
    found = match_heading(heading)
    assert found is not None and found.field is field


def test_unclear_headings_are_left_unrecognised() -> None:
    assert match_heading("Montant") is None
    assert match_heading("Observations") is None


def test_header_found_under_a_title_block() -> None:
    rows = [
        (1, ("Programmation 2025",)),
        (2, ("Source : service politique de la ville", None)),
        (4, ("Structure", "Action", "Montant demandé")),
        (5, ("Asso", "Action", 10)),
    ]
    header = find_header(rows)
    assert header is not None and header.row == 4


def test_mistakes_are_explained_row_by_row(builtin_db: Path, tmp_path: Path) -> None:
    rows = [
        ["Structure", "SIRET", "Action", "Année", "Financeur", "Montant demandé", "État",
         "Code objectif"],
        ["Asso 1", "123", "A1", 2025, "CAF de l'Hérault", 10, None, None],
        ["Asso 2", None, "A2", 2019, "CAF de l'Hérault", 10, None, None],
        ["Asso 3", None, "A3", 2025, "Financeur inconnu", 10, None, None],
        ["Asso 4", None, "A4", 2025, "Ville de Clermont l'Hérault", 10, "Bientôt", None],
        ["Asso 5", None, "A5", 2025, "Ville de Clermont l'Hérault", 10, None, "P9.9.9"],
        ["Asso 6", None, "A6", 2025, "CAF de l'Hérault", 10, None, None],
    ]  # fmt: skip
    errors = run(builtin_db, save(tmp_path / "erreurs.xlsx", rows)).preview.errors
    reasons = {error.row: (error.column, error.reason) for error in errors}
    assert reasons[2][0] == "B (SIRET)" and "14 chiffres" in reasons[2][1]
    assert "2024 à 2030" in reasons[3][1]
    assert reasons[4][0] == "E (Financeur)" and "inconnu" in reasons[4][1]
    assert reasons[5][0] == "G (État)" and "état inconnu" in reasons[5][1]
    assert reasons[6][0] == "H (Code objectif)" and "aucun objectif" in reasons[6][1]
    assert "lignes budgétaires" in reasons[7][1] and "--ligne" in reasons[7][1]
    assert count(builtin_db, Dossier) == 0


def test_existing_dossier_moves_forward_never_back(builtin_db: Path, tmp_path: Path) -> None:
    header = ["Référence", "Structure", "Action", "Année", "Ligne", "Demandé", "État"]
    path = save(tmp_path / "suivi.xlsx", [header, ["2025-007", "Asso Suivie", "Suivi", 2025,
                                                   "BOP147", 100, "Reçu"]])  # fmt: skip
    assert run(builtin_db, path).written
    save(path, [header, ["2025-007", "Asso Suivie", "Suivi", 2025, "BOP147", 100, "Accordé"]])
    moved = run(builtin_db, path)
    assert moved.written and moved.preview.counts.dossiers_updated == 1
    states = query(builtin_db, select(DossierEvent.to_state).order_by(DossierEvent.id))
    assert [s for (s,) in states] == [
        DossierState.RECEIVED, DossierState.COMPLETE, DossierState.UNDER_REVIEW,
        DossierState.OPINION_GIVEN, DossierState.APPROVED,
    ]  # fmt: skip
    save(path, [header, ["2025-007", "Asso Suivie", "Suivi", 2025, "BOP147", 100, "Reçu"]])
    back = run(builtin_db, path)
    assert not back.written
    assert "ne peut pas passer" in back.preview.errors[0].reason


def test_empty_sheet_and_unreadable_files_get_a_message(builtin_db: Path, tmp_path: Path) -> None:
    from qpvdesk.core.exchange.workbook_reading import WorkbookError

    empty = save(tmp_path / "vide.xlsx", [])
    with pytest.raises(WorkbookError, match="vide"):
        run(builtin_db, empty)
    only_title = save(tmp_path / "titre.xlsx", [["Programmation 2025"], ["rien d'autre"]])
    result = run(builtin_db, only_title)
    assert not result.written and "intitulés" in result.preview.errors[0].reason


def test_the_best_sheet_is_read_and_a_repeated_header_is_skipped(
    builtin_db: Path, tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["Ce classeur récapitule la programmation."])
    data = book.create_sheet("Dossiers")
    header = ["Structure", "Action", "Année", "Montant demandé", "Ligne budgétaire"]
    data.append(header)
    data.append(["Asso Page 1", "Action 1", 2025, 100, "BOP147"])
    data.append(header)  # printed again at the top of page 2
    data.append(["Asso Page 2", "Action 2", 2025, 200, "BOP147"])
    book.save(tmp_path / "deux feuilles.xlsx")
    result = run(builtin_db, tmp_path / "deux feuilles.xlsx")
    assert result.written, [e.describe() for e in result.preview.errors]
    assert result.preview.sheet == "Dossiers" and result.preview.counts.dossiers_created == 2


def test_a_row_with_only_a_funder_continues_the_dossier_above(
    builtin_db: Path, tmp_path: Path
) -> None:
    rows = [
        ["Structure", "Action", "Année", "Financeur", "Ligne", "Montant sollicité"],
        ["Asso Suite", "Action suivie", 2025, "CAF de l'Hérault", "REAAP", "1 000"],
        [None, None, None, "Ville de Clermont l'Hérault", "Droit commun communal", "500"],
    ]
    result = run(builtin_db, save(tmp_path / "suite.xlsx", rows))
    assert result.written, [e.describe() for e in result.preview.errors]
    assert result.preview.counts.dossiers_created == 1
    assert result.preview.counts.fundings_created == 2
