"""Observation: context figures per territory and year, series and tables, participation."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qpvdesk.core.domain.enums import Territory
from qpvdesk.core.domain.models import ContextFigure, ParticipationEvent
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services import indicators as ind
from qpvdesk.core.services import observation as obs
from qpvdesk.core.services.calls import FormError
from qpvdesk.core.storage.database import Database, open_database

POVERTY = "Taux de pauvreté"


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


def figure(**values: object) -> obs.ContextFigureInput:
    data: dict[str, object] = {
        "indicator": POVERTY,
        "territory": Territory.TOWN,
        "territory_name": None,
        "year": 2025,
        "value": ind.parse_decimal("22,4"),
        "unit": "%",
        "source": "INSEE, Filosofi 2025",
    }
    data.update(values)
    return obs.ContextFigureInput(**data)  # type: ignore[arg-type]


def test_the_diagnostic_figures_are_built_in(db: Database, builtin_db: Path) -> None:
    with db.read() as session:
        listed = {item.name: item for item in obs.indicators_list(session)}
        series = obs.figure_series(session, POVERTY)
    with sqlite3.connect(builtin_db) as c:
        counts = dict(
            c.execute(
                "SELECT indicator, count(*) FROM context_figure GROUP BY indicator"
            ).fetchall()
        )
        raw = c.execute(
            "SELECT territory_name, year, value FROM context_figure WHERE indicator = ?",
            (POVERTY,),
        ).fetchall()
    assert {name: item.figures for name, item in listed.items()} == counts
    assert listed[POVERTY].unit == "%"
    assert (listed[POVERTY].first_year, listed[POVERTY].last_year) == (2017, 2020)
    assert listed[POVERTY].territories == 4
    # Town first, then intercommunality, department, region; years ascending.
    assert list(series) == [
        "Clermont-l'Hérault",
        "Communauté de communes du Clermontais",
        "Hérault",
        "Occitanie",
    ]
    assert series["Clermont-l'Hérault"] == [(2017, Decimal("25")), (2020, Decimal("23"))]
    assert sorted((n, y, Decimal(v)) for n, y, v in raw) == sorted(
        (name, year, value) for name, points in series.items() for year, value in points
    )


def test_add_correct_and_delete_a_figure(db: Database) -> None:
    with db.read() as session:
        assert obs.default_territory_name(session, Territory.QPV) == "Centre-ville"
        assert obs.default_territory_name(session, Territory.TOWN) == "Clermont-l'Hérault"
        assert obs.default_territory_name(session, Territory.COUNTRY) == "France"
        assert obs.default_territory_name(session, Territory.DEPARTMENT) == "Hérault"
    with db.unit_of_work() as session:
        town = obs.create_figure(session, figure(indicator="  taux de  PAUVRETÉ "))
        hood = obs.create_figure(
            session,
            figure(territory=Territory.QPV, value=Decimal("41.5"), source=None),
        )
    with db.read() as session:
        table = obs.figure_table(session, POVERTY)
        saved = session.get(ContextFigure, town)
        assert saved is not None
        assert saved.indicator == POVERTY  # joined the known spelling
        assert saved.territory_name == "Clermont-l'Hérault"
    assert table.years == (2017, 2020, 2025)
    assert [c.territory_name for c in table.territories][:2] == [
        "Centre-ville",
        "Clermont-l'Hérault",
    ]
    assert table.territories[0].territory_label == "Quartier prioritaire"
    assert table.value(2025, "Centre-ville") == Decimal("41.5")
    assert table.value(2025, "Clermont-l'Hérault") == Decimal("22.4")
    assert table.value(2017, "Centre-ville") is None
    with db.unit_of_work() as session:
        obs.update_figure(session, hood, figure(territory=Territory.QPV, value=Decimal("40.9")))
        obs.delete_figure(session, town)
    with db.read() as session:
        rows = obs.figure_rows(session, POVERTY)
    assert [(r.territory_name, r.year, r.value) for r in rows if r.year == 2025] == [
        ("Centre-ville", 2025, Decimal("40.9"))
    ]
    assert rows[0].territory is Territory.QPV


def test_figure_form_checks(db: Database) -> None:
    with db.read() as session:
        errors = {
            e.field: e.message
            for e in obs.validate_figure_input(
                session,
                obs.ContextFigureInput(
                    indicator=" ",
                    territory=Territory.REGION,
                    territory_name="x" * 201,
                    year=1800,
                    value=None,
                    unit="",
                ),
            )
        }
    assert errors == {
        "indicator": "Indicateur : indiquez ce que la donnée mesure (exemple : Taux de pauvreté).",
        "territory_name": "Nom du territoire : 200 caractères au plus.",
        "year": "Année : indiquez une année entre 1950 et 2100.",
        "value": "Valeur : indiquez la valeur.",
        "unit": "Unité : indiquez l'unité (%, habitants, €…).",
    }
    with pytest.raises(FormError, match="sont en « % »"), db.unit_of_work() as session:
        obs.create_figure(session, figure(unit="points"))
    with (
        pytest.raises(FormError, match="a déjà une valeur pour Hérault en 2020"),
        db.unit_of_work() as session,
    ):
        obs.create_figure(
            session, figure(territory=Territory.DEPARTMENT, territory_name="Hérault", year=2020)
        )
    # A negative value is a context figure like any other (an « écart »).
    with db.unit_of_work() as session:
        obs.create_figure(
            session,
            figure(indicator="Écart de revenu au département", value=ind.parse_decimal("-10,5")),
        )


def test_rename_an_indicator_everywhere(db: Database) -> None:
    with db.unit_of_work() as session:
        count = obs.rename_indicator(session, POVERTY, "Taux de pauvreté (seuil à 60 %)")
    assert count == 7
    with pytest.raises(ValidationError, match="existe déjà"), db.unit_of_work() as session:
        obs.rename_indicator(session, "Taux de chômage", "taux de pauvreté (seuil à 60 %)")
    with db.read() as session:
        names = {item.name for item in obs.indicators_list(session)}
    assert "Taux de pauvreté (seuil à 60 %)" in names and POVERTY not in names


def test_participation_is_counted_never_named(db: Database) -> None:
    with db.unit_of_work() as session:
        first = obs.create_participation(
            session,
            obs.ParticipationInput(
                held_on=date(2025, 5, 20),
                kind=" Atelier  participatif ",
                place="Maison de quartier",
                participants=23,
                themes="Cadre de vie",
                outcome="Trois propositions d'aménagement de la place.",
            ),
        )
        obs.create_participation(
            session,
            obs.ParticipationInput(held_on=date(2026, 1, 10), kind="Réunion publique"),
        )
    with pytest.raises(FormError) as caught, db.unit_of_work() as session:
        obs.create_participation(
            session, obs.ParticipationInput(held_on=None, kind="", participants=-3)
        )
    assert {e.field for e in caught.value.errors} == {"held_on", "kind", "participants"}
    assert "ne peut pas être négatif" in caught.value.messages()
    with db.unit_of_work() as session:
        obs.update_participation(
            session,
            first,
            obs.ParticipationInput(
                held_on=date(2025, 5, 21), kind="Atelier participatif", participants=25
            ),
        )
    with db.read() as session:
        rows_2025 = obs.participation_rows(session, year=2025)
        everything = obs.participation_rows(session)
        both = obs.participation_rows(session, years=[2025, 2026])
    assert [(r.held_on, r.kind, r.participants) for r in rows_2025] == [
        (date(2025, 5, 21), "Atelier participatif", 25)
    ]
    assert rows_2025[0].place is None and rows_2025[0].year == 2025
    assert len(everything) == len(both) == 2
    with db.unit_of_work() as session:
        obs.delete_participation(session, first)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ParticipationEvent)) == 1
    assert "Réunion publique" in obs.PARTICIPATION_KINDS
