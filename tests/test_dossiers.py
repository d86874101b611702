"""Dossiers through the services: the editor's form, numbering, renewal, states, history."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qpvdesk.core.domain.enums import DossierState, ObjectiveLevel, StateThemeLevel
from qpvdesk.core.domain.models import (
    Action,
    BudgetEntry,
    BudgetLine,
    CallForProjects,
    CrossCuttingTheme,
    Dossier,
    DossierEvent,
    Objective,
    Organisation,
    StateTheme,
)
from qpvdesk.core.domain.money import NBSP, Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services import calls
from qpvdesk.core.services import dossiers as ds
from qpvdesk.core.services import funding as fu
from qpvdesk.core.storage.database import Database, open_database
from qpvdesk.core.storage.engine import current_user

TODAY = date(2025, 3, 1)


def eur(euros: int) -> Money:
    return Money.from_euros(euros)


def fr(euros: int) -> str:
    """French display of whole euros, as the history prints them."""
    return f"{euros:,}".replace(",", NBSP) + f"{NBSP}€"


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


@dataclasses.dataclass
class Ids:
    holders: list[int]
    operational: list[int]
    strategic: int
    themes: list[int]
    subtheme: int
    theme: int
    bop147: int
    call_2025: int


@pytest.fixture
def ids(db: Database) -> Ids:
    with db.unit_of_work() as session:
        holders = []
        for name in ("Association Les Petits Pas", "Collectif Place des Tilleuls"):
            organisation = Organisation(name=name, search_name=fold(name))
            session.add(organisation)
            session.flush()
            holders.append(organisation.id)
        operational = list(
            session.scalars(
                select(Objective.id)
                .where(Objective.level == ObjectiveLevel.OPERATIONAL)
                .order_by(Objective.code)
            )
        )
        strategic = session.scalars(
            select(Objective.id).where(Objective.level == ObjectiveLevel.STRATEGIC)
        ).first()
        themes = list(session.scalars(select(CrossCuttingTheme.id).order_by(CrossCuttingTheme.id)))
        subtheme = session.scalars(
            select(StateTheme.id).where(StateTheme.level == StateThemeLevel.SUBTHEME)
        ).first()
        theme = session.scalars(
            select(StateTheme.id).where(StateTheme.level == StateThemeLevel.THEME)
        ).first()
        bop147 = session.scalars(select(BudgetLine.id).where(BudgetLine.code == "BOP147")).one()
        call_2025 = calls.create_call(
            session,
            calls.CallInput(
                title="Appel à projets 2025",
                year=2025,
                opens_on=date(2024, 11, 15),
                closes_on=date(2025, 1, 31),
            ),
        )
    assert strategic is not None and subtheme is not None and theme is not None
    return Ids(holders, operational, strategic, themes, subtheme, theme, bop147, call_2025)


def form(ids: Ids, **changes: object) -> ds.DossierInput:
    base = ds.DossierInput(
        holder_id=ids.holders[0],
        action_title="Accompagnement à la scolarité",
        objective_id=ids.operational[0],
        theme_ids=(ids.themes[0], ids.themes[3]),
        state_theme_id=ids.subtheme,
        description="Aide aux devoirs en petits groupes",
        target_public="Collégiens du quartier",
        beneficiaries_expected=40,
        beneficiaries_qpv=30,
        women_share_percent=50,
        starts_on=date(2025, 1, 6),
        ends_on=date(2025, 6, 30),
        place="Centre social",
        total_cost=eur(12_000),
        call_id=ids.call_2025,
        received_on=date(2025, 1, 20),
        budget=(
            ds.BudgetEntryInput("64", eur(9_000)),
            ds.BudgetEntryInput("60", eur(3_000)),
            ds.BudgetEntryInput("74-ETAT", eur(6_000), "État : BOP 147"),
            ds.BudgetEntryInput("74-COMMUNE", eur(4_000)),
            ds.BudgetEntryInput("75", eur(2_000)),
        ),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def register(db: Database, data: ds.DossierInput, today: date = TODAY) -> int:
    with db.unit_of_work() as session:
        return ds.register_dossier(session, data, today, "Reçu par courriel")


def reference(db: Database, dossier_id: int) -> str:
    with db.read() as session:
        dossier = session.get(Dossier, dossier_id)
        assert dossier is not None
        return dossier.reference


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- numbering and registration -----------------------------------------------------------


def test_references_are_numbered_per_year(db: Database, ids: Ids) -> None:
    first = register(db, form(ids))
    second = register(db, form(ids, action_title="Café des familles", holder_id=ids.holders[1]))
    third = register(
        db,
        form(ids, action_title="Ateliers parents-enfants", call_id=None, year=2026),
        today=date(2026, 2, 1),
    )
    assert [reference(db, i) for i in (first, second, third)] == [
        "2025-001",
        "2025-002",
        "2026-001",
    ]
    fourth = register(db, form(ids, action_title="Sorties culturelles"))
    assert reference(db, fourth) == "2025-003"


def test_registration_stores_the_form_and_its_first_event(db: Database, ids: Ids) -> None:
    dossier_id = register(db, form(ids))
    with db.read() as session:
        dossier = session.get(Dossier, dossier_id)
        assert dossier is not None
        assert dossier.year == 2025 and dossier.sequence == 1
        assert dossier.state is DossierState.RECEIVED
        assert dossier.total_cost == eur(12_000)
        assert dossier.women_share_percent == 50
        assert dossier.search_text == fold("2025-001 Association Les Petits Pas") + " " + fold(
            "Accompagnement à la scolarité"
        )
        action = session.get(Action, dossier.action_id)
        assert action is not None
        assert action.title == "Accompagnement à la scolarité"
        assert action.holder_id == ids.holders[0]
        assert action.state_theme_id == ids.subtheme
        assert (action.start_year, action.end_year) == (2025, 2025)
        events = list(session.scalars(select(DossierEvent)))
        assert len(events) == 1
        assert events[0].from_state is None and events[0].to_state is DossierState.RECEIVED
        assert events[0].user == current_user()
        assert events[0].comment == "Reçu par courriel"
        accounts = [
            e.account for e in session.scalars(select(BudgetEntry).order_by(BudgetEntry.position))
        ]
        assert accounts == ["64", "60", "74-ETAT", "74-COMMUNE", "75"]
    with db.read() as session:
        detail = ds.dossier_detail(session, dossier_id)
    assert detail.theme_ids == tuple(sorted((ids.themes[0], ids.themes[3])))
    assert detail.budget_totals.charges == eur(12_000)
    assert detail.budget_totals.products == eur(12_000)
    assert [b.account for b in detail.budget][:2] == ["60", "64"]  # in the CERFA's order
    assert detail.next_states == (
        DossierState.COMPLETE,
        DossierState.INCOMPLETE,
        DossierState.WITHDRAWN,
    )
    assert detail.as_input().total_cost == eur(12_000)
    assert not detail.is_late


def test_received_on_defaults_to_today_and_a_late_dossier_is_flagged(
    db: Database, ids: Ids
) -> None:
    dossier_id = register(db, form(ids, received_on=None), today=date(2025, 2, 10))
    with db.read() as session:
        detail = ds.dossier_detail(session, dossier_id)
    assert detail.received_on == date(2025, 2, 10)
    assert detail.is_late  # the call closed on 31/01/2025: flagged, not refused
    assert detail.state is DossierState.RECEIVED


# --- renewal ------------------------------------------------------------------------------


def test_renewal_copies_last_years_fields_onto_the_same_action(db: Database, ids: Ids) -> None:
    first = register(db, form(ids))
    with db.read() as session:
        prefill = ds.renewal_input(session, first)
    assert prefill.year == 2026
    assert prefill.action_title == "Accompagnement à la scolarité"
    assert prefill.starts_on == date(2026, 1, 6) and prefill.ends_on == date(2026, 6, 30)
    assert prefill.total_cost == eur(12_000)
    assert len(prefill.budget) == 5
    # The bare renewal: every blank field comes from last year's dossier.
    renewed = register(
        db,
        ds.DossierInput(renew_from_dossier_id=first, received_on=date(2026, 1, 15)),
        today=date(2026, 2, 1),
    )
    with db.read() as session:
        old = ds.dossier_detail(session, first)
        new = ds.dossier_detail(session, renewed)
    assert new.reference == "2026-001"
    assert new.action_id == old.action_id
    assert new.is_renewal and not old.is_renewal
    for name in (
        "holder_id",
        "objective_id",
        "theme_ids",
        "state_theme_id",
        "description",
        "target_public",
        "beneficiaries_expected",
        "beneficiaries_qpv",
        "women_share_percent",
        "place",
        "total_cost",
        "action_title",
    ):
        assert getattr(new, name) == getattr(old, name), name
    assert [(b.account, b.planned) for b in new.budget] == [
        (b.account, b.planned) for b in old.budget
    ]
    assert new.starts_on == date(2026, 1, 6)
    assert [s.reference for s in new.other_years] == ["2025-001"]
    with db.read() as session:
        action = session.get(Action, new.action_id)
        assert action is not None and (action.start_year, action.end_year) == (2025, 2026)
        assert session.scalar(select(func.count()).select_from(Action)) == 1


def test_renewing_twice_for_the_same_year_is_refused(db: Database, ids: Ids) -> None:
    first = register(db, form(ids))
    register(db, ds.DossierInput(renew_from_dossier_id=first), today=date(2026, 2, 1))
    with pytest.raises(ds.FormError) as caught, db.unit_of_work() as session:
        ds.register_dossier(session, ds.DossierInput(renew_from_dossier_id=first), date(2026, 3, 1))
    assert [e.field for e in caught.value.errors] == ["renew_from_dossier_id"]
    assert "2026-001" in caught.value.errors[0].message
    assert count(db, Dossier) == 2


# --- the form's field errors --------------------------------------------------------------


def field_errors(db: Database, data: ds.DossierInput) -> dict[str, str]:
    with db.read() as session:
        return {e.field: e.message for e in ds.validate_dossier_input(session, data, today=TODAY)}


def test_a_valid_form_has_no_error(db: Database, ids: Ids) -> None:
    assert field_errors(db, form(ids)) == {}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"holder_id": None}, "holder_id", "Porteur de projet"),
        ({"holder_id": 999_999}, "holder_id", "n'existe plus"),
        ({"action_title": "  "}, "action_title", "intitulé"),
        ({"action_title": "x" * 501}, "action_title", "500 caractères"),
        ({"action_id": 999_999}, "action_id", "n'existe plus"),
        ({"renew_from_dossier_id": 999_999}, "renew_from_dossier_id", "n'existe plus"),
        ({"objective_id": None}, "objective_id", "objectif opérationnel"),
        ({"theme_ids": (999_999,)}, "theme_ids", "n'existe plus"),
        ({"state_theme_id": 999_999}, "state_theme_id", "n'existe plus"),
        ({"beneficiaries_expected": -1}, "beneficiaries_expected", "négatif"),
        ({"beneficiaries_qpv": 41}, "beneficiaries_qpv", "plus nombreux que le total"),
        ({"women_share_percent": 101}, "women_share_percent", "entre 0 et 100"),
        ({"women_share_percent": -5}, "women_share_percent", "entre 0 et 100"),
        ({"ends_on": date(2025, 1, 5)}, "ends_on", "précède le début"),
        ({"place": "x" * 301}, "place", "300 caractères"),
        ({"total_cost": Money(-500)}, "total_cost", "négatif"),
        ({"year": 2031, "call_id": None}, "year", "2024 à 2030"),
        ({"is_multi_year": True}, "last_year", "dernière année"),
        ({"is_multi_year": True, "last_year": 2025}, "last_year", "au-delà de sa première"),
        ({"is_multi_year": True, "last_year": 2031}, "last_year", "fin du contrat de ville (2030)"),
        ({"call_id": 999_999}, "call_id", "n'existe plus"),
        ({"year": 2026}, "call_id", "porte sur 2025"),
        ({"received_on": date(2025, 3, 2)}, "received_on", "futur"),
        ({"budget": (ds.BudgetEntryInput("99", eur(1)),)}, "budget[0]", "rubrique"),
        ({"budget": (ds.BudgetEntryInput("60", Money(-1)),)}, "budget[0]", "négatif"),
        (
            {
                "budget": (
                    ds.BudgetEntryInput("60", eur(3_000)),
                    ds.BudgetEntryInput("601", eur(1_000)),
                    ds.BudgetEntryInput("606", eur(1_500)),
                )
            },
            "budget",
            "sous-lignes",
        ),
    ],
)
def test_each_field_error(
    db: Database, ids: Ids, changes: dict[str, object], field: str, words: str
) -> None:
    errors = field_errors(db, form(ids, **changes))
    assert field in errors, errors
    assert words.lower() in errors[field].lower()
    assert len(errors) == 1, errors


def test_an_objective_must_be_operational(db: Database, ids: Ids) -> None:
    errors = field_errors(db, form(ids, objective_id=ids.strategic))
    assert list(errors) == ["objective_id"]
    assert "Objectif stratégique" in errors["objective_id"]
    errors = field_errors(db, form(ids, state_theme_id=ids.theme))
    assert list(errors) == ["state_theme_id"] and "sous-thèmes" in errors["state_theme_id"]


def test_all_errors_come_at_once_and_nothing_is_saved(db: Database, ids: Ids) -> None:
    bad = form(
        ids,
        holder_id=None,
        action_title="",
        objective_id=None,
        women_share_percent=150,
        beneficiaries_qpv=90,
        ends_on=date(2024, 12, 1),
        is_multi_year=True,
        last_year=2032,
    )
    before = (count(db, Dossier), count(db, Action), count(db, DossierEvent))
    with pytest.raises(ds.FormError) as caught, db.unit_of_work() as session:
        ds.register_dossier(session, bad, TODAY)
    fields = {e.field for e in caught.value.errors}
    assert fields == {
        "holder_id",
        "action_title",
        "objective_id",
        "women_share_percent",
        "beneficiaries_qpv",
        "ends_on",
        "last_year",
    }
    assert isinstance(caught.value, ValidationError)
    assert caught.value.field == "holder_id"
    assert all(e.message[0].isupper() for e in caught.value.errors)
    assert (count(db, Dossier), count(db, Action), count(db, DossierEvent)) == before


def test_amount_fields_are_read_in_french(db: Database) -> None:
    assert ds.read_amount("12 345,50 €", "total_cost") == Money(1_234_550)
    assert ds.read_amount("", "total_cost") is None
    negative = ds.read_amount("-5", "total_cost")
    assert isinstance(negative, ds.FieldError) and negative.field == "total_cost"
    assert "négatif" in negative.message and negative.message.startswith("Coût total")
    ambiguous = ds.read_amount("12,345,67", "total_cost")
    assert isinstance(ambiguous, ds.FieldError) and "n'est pas un montant" in ambiguous.message
    required = ds.read_amount(" ", "total_cost", required=True)
    assert isinstance(required, ds.FieldError)


# --- update --------------------------------------------------------------------------------


def test_update_saves_fields_and_renaming_the_action_refreshes_search(
    db: Database, ids: Ids
) -> None:
    first = register(db, form(ids))
    renewed = register(db, ds.DossierInput(renew_from_dossier_id=first), today=date(2026, 2, 1))
    with db.read() as session:
        data = ds.dossier_detail(session, first).as_input()
    edited = dataclasses.replace(
        data,
        action_title="Réussite éducative au collège",
        total_cost=eur(15_000),
        place="Maison de quartier",
        budget=(
            ds.BudgetEntryInput("64", eur(15_000)),
            ds.BudgetEntryInput("74-ETAT", eur(15_000)),
        ),
    )
    with db.unit_of_work() as session:
        ds.update_dossier(session, first, edited, TODAY)
    with db.read() as session:
        detail = ds.dossier_detail(session, first)
        searches = dict(session.execute(select(Dossier.id, Dossier.search_text)).all())
        entries = session.scalar(select(func.count()).where(BudgetEntry.dossier_id == first))
    assert detail.total_cost == eur(15_000) and detail.place == "Maison de quartier"
    assert detail.reference == "2025-001"
    assert entries == 2
    assert "reussite educative au college" in searches[first]
    assert "reussite educative au college" in searches[renewed]  # same action, other year


def test_update_cannot_change_the_year_or_shrink_below_funded_years(db: Database, ids: Ids) -> None:
    cpo = register(db, form(ids, is_multi_year=True, last_year=2027))
    with db.unit_of_work() as session:
        fu.upsert_funding(session, cpo, ids.bop147, 2027, eur(1_000), None, None)
    with db.read() as session:
        data = ds.dossier_detail(session, cpo).as_input()
    with pytest.raises(ds.FormError) as caught, db.unit_of_work() as session:
        ds.update_dossier(session, cpo, dataclasses.replace(data, year=2026), TODAY)
    assert [e.field for e in caught.value.errors] == ["year"]
    with pytest.raises(ds.FormError) as caught, db.unit_of_work() as session:
        ds.update_dossier(session, cpo, dataclasses.replace(data, last_year=2026), TODAY)
    assert [e.field for e in caught.value.errors] == ["last_year"]
    assert "2027" in caught.value.message


# --- states -------------------------------------------------------------------------------


def events_of(db: Database, dossier_id: int) -> list[tuple[DossierState | None, DossierState]]:
    with db.read() as session:
        return [
            (e.from_state, e.to_state)
            for e in session.scalars(
                select(DossierEvent)
                .where(DossierEvent.dossier_id == dossier_id)
                .order_by(DossierEvent.id)
            )
        ]


def test_a_refused_transition_explains_and_changes_nothing(db: Database, ids: Ids) -> None:
    dossier_id = register(db, form(ids))
    with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
        ds.change_state(session, dossier_id, DossierState.APPROVED, "Trop tôt", TODAY)
    message = caught.value.message
    assert "2025-001" in message and "« Reçu » à « Accordé »" in message
    assert "« Recevable »" in message
    with db.read() as session:
        dossier = session.get(Dossier, dossier_id)
        assert dossier is not None and dossier.state is DossierState.RECEIVED
    assert events_of(db, dossier_id) == [(None, DossierState.RECEIVED)]


def test_incomplete_needs_its_missing_documents_and_complete_clears_them(
    db: Database, ids: Ids
) -> None:
    dossier_id = register(db, form(ids))
    with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
        ds.change_state(session, dossier_id, DossierState.INCOMPLETE, None, TODAY)
    assert caught.value.field == "missing_documents"
    assert events_of(db, dossier_id) == [(None, DossierState.RECEIVED)]
    with db.unit_of_work() as session:
        ds.change_state(
            session,
            dossier_id,
            DossierState.INCOMPLETE,
            "Relance envoyée",
            TODAY,
            missing_documents=["RIB", " Statuts signés "],
        )
    with db.read() as session:
        detail = ds.dossier_detail(session, dossier_id)
    assert detail.state is DossierState.INCOMPLETE
    assert detail.missing_documents == ("RIB", "Statuts signés")
    assert detail.history[-1].comment == "Relance envoyée\nPièces manquantes : RIB, Statuts signés"
    with db.unit_of_work() as session:
        ds.change_state(session, dossier_id, DossierState.COMPLETE, "Pièces reçues", TODAY)
    with db.read() as session:
        detail = ds.dossier_detail(session, dossier_id)
    assert detail.state is DossierState.COMPLETE and detail.missing_documents == ()


def test_history_shows_states_with_author_and_comment_and_amounts_in_french(
    db: Database, ids: Ids
) -> None:
    today = date.today()
    year = today.year
    dossier_id = register(
        db,
        form(ids, received_on=None, call_id=None, year=year, starts_on=None, ends_on=None),
        today=today,
    )
    with db.unit_of_work() as session:
        ds.change_state(session, dossier_id, DossierState.COMPLETE, "Dossier complet", today)
        ds.change_state(session, dossier_id, DossierState.UNDER_REVIEW, None, today)
    with db.read() as session:
        data = ds.dossier_detail(session, dossier_id).as_input()
    with db.unit_of_work() as session:
        ds.update_dossier(session, dossier_id, dataclasses.replace(data, total_cost=eur(12_500)))
        funding_id = fu.upsert_funding(
            session, dossier_id, ids.bop147, year, eur(10_000), None, None
        )
    with db.unit_of_work() as session:
        fu.upsert_funding(
            session, dossier_id, ids.bop147, year, eur(10_000), eur(8_000), eur(8_000)
        )
        fu.add_payment(session, funding_id, "advance", eur(5_600), paid_on=today)  # type: ignore[arg-type]
    with db.read() as session:
        history = ds.dossier_history(session, dossier_id)
    texts = [row.description for row in history]
    assert texts[0] == f"Dossier {year}-001 enregistré (« Reçu »)"
    states = [row for row in history if row.kind == "state"]
    assert [row.description for row in states] == [
        "État : « Reçu » → « Recevable »",
        "État : « Recevable » → « En instruction »",
    ]
    assert states[0].comment == "Dossier complet"
    assert all(row.user == current_user() for row in history)
    assert f"Coût total : {fr(12_000)} → {fr(12_500)}" in texts
    assert (
        f"Financement ajouté : « Crédits spécifiques politique de la ville – appel à projets "
        f"(BOP 147) » {year} (demandé {fr(10_000)})" in texts
    )
    granted = [t for t in texts if "montant accordé" in t]
    assert granted == [
        f"« Crédits spécifiques politique de la ville – appel à projets (BOP 147) » {year} — "
        f"montant accordé : — → {fr(8_000)}"
    ]
    assert any(t.startswith("Versement (Avance sur") and fr(5_600) in t for t in texts)
    # Oldest first, and a state change is told once (by its event, not again by the audit).
    assert [row.at for row in history] == sorted(row.at for row in history)
    assert sum("Recevable" in t for t in texts) == 2  # the change to it and the one from it


def test_a_state_changed_outside_the_service_still_shows_in_history(db: Database, ids: Ids) -> None:
    dossier_id = register(db, form(ids), today=date.today())
    with db.unit_of_work() as session:
        dossier = session.get(Dossier, dossier_id)
        assert dossier is not None
        dossier.state = DossierState.WITHDRAWN
    with db.read() as session:
        history = ds.dossier_history(session, dossier_id)
    assert history[-1].description == "État : « Reçu » → « Retiré »"
    assert history[-1].kind == "state"


def test_search_text_can_be_refreshed_after_a_holder_is_renamed(db: Database, ids: Ids) -> None:
    dossier_id = register(db, form(ids))
    with db.unit_of_work() as session:
        holder = session.get(Organisation, ids.holders[0])
        assert holder is not None
        holder.name = "Éveil Clermontais"
        assert ds.refresh_search_text(session, holder_id=holder.id) == 1
    with db.read() as session:
        dossier = session.get(Dossier, dossier_id)
        assert dossier is not None and "eveil clermontais" in dossier.search_text


def test_the_call_year_gives_the_dossier_its_year(db: Database, ids: Ids) -> None:
    with db.unit_of_work() as session:
        call_2026 = calls.create_call(session, calls.CallInput(title="AAP 2026", year=2026))
    dossier_id = register(db, form(ids, call_id=call_2026, received_on=None), date(2025, 12, 1))
    assert reference(db, dossier_id) == "2026-001"
    with db.read() as session:
        call = session.get(CallForProjects, call_2026)
        assert call is not None and call.year == 2026


def test_registration_and_a_state_change_can_be_undone(db: Database, ids: Ids) -> None:
    from qpvdesk.core.storage import changes
    from qpvdesk.core.storage.database import Recorder

    before = (count(db, Dossier), count(db, Action), count(db, BudgetEntry))
    recorder = Recorder()
    with db.unit_of_work(recorder) as session:
        dossier_id = ds.register_dossier(session, form(ids), TODAY)
        ds.change_state(session, dossier_id, DossierState.COMPLETE, None, TODAY)
    assert {"dossier", "action", "action_theme", "dossier_event"} <= recorder.changes.tables
    with db.unit_of_work() as session:
        changes.undo(session, recorder.changes)
    assert (count(db, Dossier), count(db, Action), count(db, BudgetEntry)) == before
    with db.unit_of_work() as session:
        changes.redo(session, recorder.changes)
    with db.read() as session:
        assert ds.dossier_detail(session, dossier_id).state is DossierState.COMPLETE
