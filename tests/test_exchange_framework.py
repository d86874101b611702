"""Any town's framework: the template workbook out of the built-in contract, and back in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from qpvdesk.core.domain.enums import ObjectiveLevel, ThemeKind
from qpvdesk.core.domain.models import Contract, CrossCuttingTheme, Neighbourhood, StateTheme
from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.exchange.framework_exchange import (
    CONTRACT_SHEET,
    TREE_SHEET,
    FrameworkRefused,
    create_database_with_framework,
    export_framework,
    import_framework,
    read_framework,
)
from qpvdesk.core.services.framework import objective_rows
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.database import open_database


def tree(db: Path) -> list[tuple[Any, ...]]:
    database = open_database(db, backup_on_open=False, read_only=True)
    try:
        with database.read() as session:
            rows = objective_rows(session)
            codes = {row.id: row.code for row in rows}
            return [
                (row.code, row.level, row.title, row.position, row.short_title,
                 codes.get(row.parent_id) if row.parent_id else None)
                for row in rows
            ]  # fmt: skip
    finally:
        database.close()


def contract_of(db: Path) -> tuple[Any, ...]:
    database = open_database(db, backup_on_open=False, read_only=True)
    try:
        with database.read() as session:
            contract = session.scalars(select(Contract)).one()
            themes = session.execute(
                select(CrossCuttingTheme.kind, CrossCuttingTheme.title).order_by(
                    CrossCuttingTheme.position
                )
            ).all()
            hoods = session.execute(
                select(Neighbourhood.code, Neighbourhood.name, Neighbourhood.population)
            ).all()
            state_themes = len(session.scalars(select(StateTheme.id)).all())
            return (
                contract.name, contract.code, contract.town, contract.insee_code,
                contract.intercommunality, contract.intercommunality_siren,
                contract.start_year, contract.end_year, list(themes), list(hoods), state_themes,
            )  # fmt: skip
    finally:
        database.close()


def exported(db: Path, target: Path) -> Path:
    database = open_database(db, backup_on_open=False, read_only=True)
    try:
        with database.read() as session:
            return export_framework(session, target)
    finally:
        database.close()


def test_builtin_framework_round_trips_into_an_empty_database(
    builtin_db: Path, tmp_path: Path
) -> None:
    path = exported(builtin_db, tmp_path / "cadre")
    assert path.name == "cadre.xlsx"
    empty = tmp_path / "autre-ville.sqlite"
    create_new_database(empty, "empty")
    database = open_database(empty, backup_on_open=False)
    try:
        loaded = import_framework(database, path)
    finally:
        database.close()
    assert loaded.contract_created
    assert loaded.objectives[ObjectiveLevel.PRIORITY] == 4
    assert loaded.objectives[ObjectiveLevel.OPERATIONAL] == 37
    assert loaded.objectives[ObjectiveLevel.ITEM] == 159
    before, after = tree(builtin_db), tree(empty)
    assert len(after) == 212
    assert after == before  # same codes, levels, titles, order, short titles, parents
    assert contract_of(empty) == contract_of(builtin_db)
    assert list((tmp_path / "backups").glob("autre-ville-*-import.sqlite"))


def test_init_with_a_framework_builds_the_same_tree(builtin_db: Path, tmp_path: Path) -> None:
    path = exported(builtin_db, tmp_path / "cadre.xlsx")
    target = tmp_path / "nouvelle.sqlite"
    loaded = create_database_with_framework(target, path)
    assert loaded.themes == 6 and loaded.neighbourhoods == 1
    assert tree(target) == tree(builtin_db)
    with pytest.raises(UserFacingError, match="existe déjà"):
        create_database_with_framework(target, path)


def test_the_template_looks_like_the_contracts_tables(builtin_db: Path, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(exported(builtin_db, tmp_path / "cadre.xlsx"))
    assert book.sheetnames[0] == TREE_SHEET
    sheet = book[TREE_SHEET]
    assert [c.value for c in sheet[1]] == [
        "Priorité", "Objectif stratégique", "Objectif opérationnel", "Piste d'action",
        "Sous-piste d'action", "Code",
    ]  # fmt: skip
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "A2:A60" in merged  # priority 1 spans its pistes
    assert sheet["A2"].value.startswith("Contribuer à la réussite éducative")
    assert sheet["A3"].value is None and sheet["F3"].value == "P1.1.1.2"
    assert sheet["A2"].alignment.wrap_text
    contract = {row[0]: row[1] for row in book[CONTRACT_SHEET].iter_rows(values_only=True)}
    assert contract["Commune"] == "Clermont-l'Hérault" and contract["Première année"] == "2024"


def write_template(path: Path, rows: list[list[Any]], contract: bool = True) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Orientations"
    sheet.append(["ORIENTATIONS STRATÉGIQUES"])
    sheet.append(["Priorité", "Objectifs stratégiques", "Objectifs opérationnels",
                  "Plan d'action"])  # fmt: skip
    for row in rows:
        sheet.append(row)
    if contract:
        info = book.create_sheet("Contrat")
        for label, value in (("Nom du contrat", "Contrat de ville de Lodève"),
                             ("Commune", "Lodève"), ("Première année", 2024),
                             ("Dernière année", "2030")):  # fmt: skip
            info.append([label, value])
        themes = book.create_sheet("Axes transversaux")
        themes.append(["Nature", "Intitulé"])
        themes.append(["Enjeu thématique", "La santé"])
        themes.append(["méthodologique", "Aller vers"])
    book.save(path)
    return path


def test_a_hand_filled_template_without_codes(tmp_path: Path) -> None:
    # Blank cells mean « same as above », as in the contracts' tables.
    rows = [
        ["Emploi", "Lever les freins", "Mobilité", "Auto-école sociale"],
        [None, None, None, "Prêt de vélos"],
        [None, None, "Garde d'enfants", "Crèche à horaires décalés"],
        [None, "Créer son activité", "Accompagner", None],
        ["Cadre de vie", "Espaces publics", "Jardins", "Jardin partagé"],
    ]
    template = read_framework(write_template(tmp_path / "lodeve.xlsx", rows))
    nodes = [(n.code, n.level, n.title, n.parent_code) for n in template.nodes]
    assert nodes == [
        ("P1", ObjectiveLevel.PRIORITY, "Emploi", None),
        ("P1.1", ObjectiveLevel.STRATEGIC, "Lever les freins", "P1"),
        ("P1.1.1", ObjectiveLevel.OPERATIONAL, "Mobilité", "P1.1"),
        ("P1.1.1.1", ObjectiveLevel.ITEM, "Auto-école sociale", "P1.1.1"),
        ("P1.1.1.2", ObjectiveLevel.ITEM, "Prêt de vélos", "P1.1.1"),
        ("P1.1.2", ObjectiveLevel.OPERATIONAL, "Garde d'enfants", "P1.1"),
        ("P1.1.2.1", ObjectiveLevel.ITEM, "Crèche à horaires décalés", "P1.1.2"),
        ("P1.2", ObjectiveLevel.STRATEGIC, "Créer son activité", "P1"),
        ("P1.2.1", ObjectiveLevel.OPERATIONAL, "Accompagner", "P1.2"),
        ("P2", ObjectiveLevel.PRIORITY, "Cadre de vie", None),
        ("P2.1", ObjectiveLevel.STRATEGIC, "Espaces publics", "P2"),
        ("P2.1.1", ObjectiveLevel.OPERATIONAL, "Jardins", "P2.1"),
        ("P2.1.1.1", ObjectiveLevel.ITEM, "Jardin partagé", "P2.1.1"),
    ]
    assert template.contract is not None and template.contract.town == "Lodève"
    assert template.themes == ((ThemeKind.THEMATIC, "La santé"),
                               (ThemeKind.METHODOLOGICAL, "Aller vers"))  # fmt: skip
    target = tmp_path / "lodeve.sqlite"
    create_database_with_framework(target, tmp_path / "lodeve.xlsx")
    assert [row[0] for row in tree(target)] == [n[0] for n in nodes]


def test_template_errors_name_their_row(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Priorité", "Objectif stratégique", "Objectif opérationnel", "Piste d'action",
                  "Code"])  # fmt: skip
    sheet.append(["Emploi", "Freins", "Mobilité", "Vélos", "P1.1.1.1"])
    sheet.append(["Emploi", "Freins", "Mobilité", None, "P1.1.1.1.4"])
    sheet.append([None, None, None, "Permis", "P1.1.1.2"])
    sheet.append(["Autre", "Freins", "Mobilité", "Bus", "P1.1.1.3"])
    path = tmp_path / "faux.xlsx"
    book.save(path)
    with pytest.raises(FrameworkRefused) as caught:
        read_framework(path)
    errors = {(e.row, e.column.split(" ")[0]): e.reason for e in caught.value.errors}
    assert "niveau 5" in errors[(3, "E")]
    assert "désigne « Emploi »" in errors[(5, "A")]
    message = caught.value.message
    assert "Cadre refusé" in message and "rien n'a été enregistré" in message


def test_init_refuses_a_template_without_contract_and_leaves_no_file(tmp_path: Path) -> None:
    path = write_template(tmp_path / "sans contrat.xlsx", [["A", "B", "C", "D"]], contract=False)
    target = tmp_path / "base.sqlite"
    with pytest.raises(ValidationError, match="Contrat"):
        create_database_with_framework(target, path)
    assert not target.exists()


def test_a_database_with_a_framework_refuses_another(builtin_db: Path, tmp_path: Path) -> None:
    path = exported(builtin_db, tmp_path / "cadre.xlsx")
    database = open_database(builtin_db, backup_on_open=False)
    try:
        with pytest.raises(ValidationError, match="déjà un cadre stratégique"):
            import_framework(database, path)
    finally:
        database.close()
    assert not list((tmp_path / "backups").glob("*-import.sqlite"))
