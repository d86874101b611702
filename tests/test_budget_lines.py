"""The budget-line catalogue and the envelopes per year, through the services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import FundingNature, OrganisationKind, OrganisationRoleKind
from qpvdesk.core.domain.models import (
    Action,
    BudgetLine,
    CallForProjects,
    Contract,
    Envelope,
    Funding,
    Organisation,
    OrganisationRole,
    call_envelope,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services import budget_lines as bl
from qpvdesk.core.services import partners as p
from qpvdesk.core.storage.database import Database, open_database

SPECIFIC = FundingNature.SPECIFIC
COMMON = FundingNature.COMMON_LAW


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


def organisation_id(session: Session, name: str) -> int:
    return session.scalars(select(Organisation.id).where(Organisation.name == name)).one()


def line_id(session: Session, code: str) -> int:
    return session.scalars(select(BudgetLine.id).where(BudgetLine.code == code)).one()


def snapshot(session: Session) -> dict[str, int]:
    return {
        model.__name__: int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (BudgetLine, Envelope, Funding, OrganisationRole)
    }


def euros(amount: int) -> Money:
    return Money.from_euros(amount)


def test_the_catalogue_lists_every_funder_with_its_lines_and_natures(db: Database) -> None:
    with db.unit_of_work() as session:
        newcomer = p.create_organisation(
            session,
            p.OrganisationInput(
                name="Fondation de France",
                kind=OrganisationKind.OTHER,
                roles={OrganisationRoleKind.FUNDER},
            ),
        )
    with db.read() as session:
        catalogue = {c.funder_name: c for c in bl.budget_catalogue(session)}
        state_lines = bl.budget_line_rows(
            session, organisation_id(session, "État – Préfecture de l'Hérault")
        )
    assert "Mission Locale des Jeunes" not in catalogue  # not a funder
    assert catalogue["Fondation de France"].lines == ()
    assert catalogue["Fondation de France"].funder_id == newcomer
    caf = catalogue["CAF de l'Hérault"]
    assert caf.acronym == "CAF"
    assert {line.code for line in caf.lines} == {None, "CLAS", "REAAP"}
    assert {line.nature_label for line in caf.lines} == {"Droit commun"}
    assert [line.code for line in state_lines] == ["ADR", "CPO", "BOP147", "QETE", "VVV"]
    assert {line.nature_label for line in state_lines} == {"Crédits spécifiques"}
    assert not any(line.in_use for line in state_lines)
    total_lines = sum(len(c.lines) for c in catalogue.values())
    with db.read() as session:
        assert total_lines == session.scalar(select(func.count()).select_from(BudgetLine))


def test_envelopes_are_set_per_year_and_updated_in_place(db: Database) -> None:
    with db.unit_of_work() as session:
        bop = line_id(session, "BOP147")
        first = bl.set_envelope(session, bop, 2025, euros(120_000), notes="Notification du 3 mars")
        second = bl.set_envelope(session, bop, 2026, Money.parse("95 500,50 €"))
    with db.unit_of_work() as session:
        again = bl.set_envelope(session, bop, 2025, euros(130_000))
    assert again == first != second
    with db.read() as session:
        (row,) = [r for r in bl.budget_line_rows(session) if r.id == bop]
    assert [(e.year, e.amount) for e in row.envelopes] == [
        (2025, euros(130_000)),
        (2026, Money(9_550_050)),
    ]
    assert row.envelope(2025) is not None and row.envelope(2025).notes == "Notification du 3 mars"  # type: ignore[union-attr]
    assert row.envelope_amount(2026) == Money(9_550_050)
    assert row.envelope_amount(2027) is None
    assert row.in_use and row.funding_count == 0
    # A zero envelope is a real answer ("nothing this year"), kept apart from none at all.
    with db.unit_of_work() as session:
        bl.set_envelope(session, bop, 2027, Money.zero(), notes="")
    with db.read() as session:
        (row,) = [r for r in bl.budget_line_rows(session) if r.id == bop]
    assert row.envelope_amount(2027) == Money.zero()


@pytest.mark.parametrize(
    ("year", "amount", "expected"),
    [
        (1999, Money(100), "Année : indiquez une année entre 2000 et 2100 (« 1999 »)."),
        (2101, Money(100), "Année : indiquez une année entre 2000 et 2100 (« 2101 »)."),
        (2025, Money(-500), "Montant : une enveloppe ne peut pas être négative (-5,00\u00a0€)."),
    ],
)
def test_bad_envelopes_are_refused_and_change_nothing(
    db: Database, year: int, amount: Money, expected: str
) -> None:
    with db.read() as session:
        before = snapshot(session)
        bop = line_id(session, "BOP147")
    with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
        bl.set_envelope(session, bop, year, amount)
    assert caught.value.message == expected
    with db.read() as session:
        assert snapshot(session) == before


def test_creating_a_line_checks_its_fields_and_the_funder_role(db: Database) -> None:
    with db.read() as session:
        caf = organisation_id(session, "CAF de l'Hérault")
        mission_locale = organisation_id(session, "Mission Locale des Jeunes")
        before = snapshot(session)
    cases = [
        (
            bl.BudgetLineInput(caf, "  ", COMMON),
            "Intitulé : indiquez le nom de la ligne budgétaire.",
        ),
        (bl.BudgetLineInput(caf, "x" * 301, COMMON), "Intitulé : 300 caractères au plus."),
        (bl.BudgetLineInput(caf, "Fonds", COMMON, code="C" * 51), "Code : 50 caractères au plus."),
        (
            bl.BudgetLineInput(caf, "soutien à la PARENTALITÉ (reaap)", COMMON),
            "Intitulé : « CAF de l'Hérault » a déjà une ligne "
            "« Soutien à la parentalité (REAAP) ».",
        ),
        (
            bl.BudgetLineInput(mission_locale, "Garantie jeunes", COMMON),
            "Financeur : « Mission Locale des Jeunes » n'a pas le rôle Financeur. Ajoutez-le à "
            "sa fiche (ou acceptez qu'il soit ajouté) avant de lui créer des lignes budgétaires.",
        ),
        (
            bl.BudgetLineInput(99999, "Fonds", COMMON),
            "Financeur : cette structure n'existe plus (elle a peut-être été supprimée).",
        ),
        (
            bl.BudgetLineInput(caf, "Fonds", "other"),  # type: ignore[arg-type]
            "Nature : choisissez droit commun ou crédits spécifiques.",
        ),
    ]
    for data, expected in cases:
        with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
            bl.create_budget_line(session, data)
        assert caught.value.message == expected
    with db.read() as session:
        assert snapshot(session) == before

    with db.unit_of_work() as session:
        new_line = bl.create_budget_line(
            session,
            bl.BudgetLineInput(mission_locale, " Garantie  jeunes ", SPECIFIC, code=" GJ "),
            add_funder_role=True,
        )
    with db.read() as session:
        (row,) = bl.budget_line_rows(session, mission_locale)
        assert OrganisationRoleKind.FUNDER in p.organisation_row(session, mission_locale).roles
    assert (row.id, row.name, row.code, row.nature, row.active) == (
        new_line,
        "Garantie jeunes",
        "GJ",
        SPECIFIC,
        True,
    )
    assert not row.in_use


def add_funding(session: Session, line: int, year: int) -> int:
    contract_id = session.scalars(select(Contract.id)).one()
    action = Action(contract_id=contract_id, title="Aide aux devoirs")
    session.add(action)
    session.flush()
    funding = Funding(action_id=action.id, budget_line_id=line, year=year, requested=euros(1000))
    session.add(funding)
    session.flush()
    return funding.id


def test_a_used_line_cannot_be_deleted_nor_change_funder(db: Database) -> None:
    with db.unit_of_work() as session:
        vvv = line_id(session, "VVV")
        caf = organisation_id(session, "CAF de l'Hérault")
        add_funding(session, vvv, 2025)
        add_funding(session, vvv, 2026)
        bl.set_envelope(session, vvv, 2025, euros(20_000))
    with db.read() as session:
        before = snapshot(session)
        (row,) = [r for r in bl.budget_line_rows(session) if r.id == vvv]
    assert row.in_use and row.funding_count == 2
    with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
        bl.delete_budget_line(session, vvv)
    assert caught.value.message == (
        "La ligne « Ville Vie Vacances » ne peut pas être supprimée : elle est utilisée par "
        "2 financements (2025, 2026) et 1 enveloppe (2025). Désactivez-la plutôt : elle ne "
        "sera plus proposée."
    )
    with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
        bl.update_budget_line(session, vvv, bl.BudgetLineInput(caf, "Ville Vie Vacances", SPECIFIC))
    assert caught.value.field == "Financeur"
    assert "ne peut plus changer de financeur" in caught.value.message
    with db.read() as session:
        assert snapshot(session) == before
    # Deactivating and renaming is the way out.
    with db.unit_of_work() as session:
        state = organisation_id(session, "État – Préfecture de l'Hérault")
        bl.update_budget_line(
            session,
            vvv,
            bl.BudgetLineInput(
                state, "Ville Vie Vacances (VVV)", SPECIFIC, code="VVV", active=False
            ),
        )
    with db.read() as session:
        active = {r.id for r in bl.budget_line_rows(session, state, include_inactive=False)}
        name, is_active = session.execute(
            select(BudgetLine.name, BudgetLine.active).where(BudgetLine.id == vvv)
        ).one()
    assert vvv not in active
    assert name == "Ville Vie Vacances (VVV)" and not is_active


def test_an_unused_line_is_deleted_and_can_move_to_another_funder(db: Database) -> None:
    with db.unit_of_work() as session:
        qete = line_id(session, "QETE")
        caf = organisation_id(session, "CAF de l'Hérault")
        bl.update_budget_line(session, qete, bl.BudgetLineInput(caf, "Quartiers d'été", SPECIFIC))
    with db.read() as session:
        assert [r.name for r in bl.budget_line_rows(session, caf) if r.id == qete] == [
            "Quartiers d'été"
        ]
    with db.unit_of_work() as session:
        bl.delete_budget_line(session, qete)
    with db.read() as session:
        assert session.get(BudgetLine, qete) is None
    with pytest.raises(ValidationError, match="n'existe plus"), db.unit_of_work() as session:
        bl.delete_budget_line(session, qete)


def test_an_envelope_a_call_draws_on_cannot_be_deleted(db: Database) -> None:
    with db.unit_of_work() as session:
        bop = line_id(session, "BOP147")
        envelope = bl.set_envelope(session, bop, 2025, euros(80_000))
        bl.set_envelope(session, bop, 2026, euros(85_000))
        contract_id = session.scalars(select(Contract.id)).one()
        call = CallForProjects(contract_id=contract_id, year=2025, title="Appel à projets 2025")
        session.add(call)
        session.flush()
        session.execute(call_envelope.insert().values(call_id=call.id, envelope_id=envelope))
    with db.read() as session:
        (row,) = [r for r in bl.budget_line_rows(session) if r.id == bop]
        before = snapshot(session)
    assert row.envelope(2025).calls == ("Appel à projets 2025",)  # type: ignore[union-attr]
    assert row.envelope(2025).in_use and not row.envelope(2026).in_use  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
        bl.delete_envelope(session, bop, 2025)
    assert caught.value.message == (
        "L'enveloppe 2025 de « Crédits spécifiques politique de la ville – appel à projets "
        "(BOP 147) » ne peut pas être supprimée : l'appel à projets « Appel à projets 2025 » y "
        "puise. Retirez-la d'abord de l'appel."
    )
    with db.read() as session:
        assert snapshot(session) == before
    with db.unit_of_work() as session:
        bl.delete_envelope(session, bop, 2026)
    with db.read() as session:
        (row,) = [r for r in bl.budget_line_rows(session) if r.id == bop]
    assert [e.year for e in row.envelopes] == [2025]
    with (
        pytest.raises(ValidationError, match="n'a pas d'enveloppe 2030"),
        db.unit_of_work() as session,
    ):
        bl.delete_envelope(session, bop, 2030)
