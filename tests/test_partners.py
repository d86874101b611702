"""Organisations and contacts through the services: validation, duplicates, history, merging."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import (
    AttendanceStatus,
    DossierState,
    FundingNature,
    MemberRole,
    OrganisationKind,
    OrganisationRoleKind,
    PaymentKind,
)
from qpvdesk.core.domain.models import (
    Action,
    Attachment,
    Attendance,
    BudgetLine,
    Committee,
    CommitteeMembership,
    Contact,
    Contract,
    Dossier,
    Funding,
    Meeting,
    Organisation,
    Payment,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services import documents as docs
from qpvdesk.core.services import partners as p
from qpvdesk.core.storage.database import Database, open_database

HOLDER = OrganisationRoleKind.PROJECT_HOLDER
FUNDER = OrganisationRoleKind.FUNDER
PARTNER = OrganisationRoleKind.PARTNER


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


def create(db: Database, name: str, **fields: object) -> int:
    fields.setdefault("roles", {HOLDER})
    fields.setdefault("kind", OrganisationKind.ASSOCIATION)
    with db.unit_of_work() as session:
        return p.create_organisation(session, p.OrganisationInput(name=name, **fields))  # type: ignore[arg-type]


def line_id(session: Session, code: str) -> int:
    return session.scalars(select(BudgetLine.id).where(BudgetLine.code == code)).one()


def organisation_id(session: Session, name: str) -> int:
    return session.scalars(select(Organisation.id).where(Organisation.name == name)).one()


def add_dossier(
    session: Session,
    holder_id: int,
    year: int,
    sequence: int,
    title: str,
    fundings: list[tuple[int, Money | None, Money | None, Money | None]],
) -> tuple[int, list[int]]:
    """A dossier with its action and funding rows, written as the dossier service will."""
    contract_id = session.scalars(select(Contract.id)).one()
    holder = session.get(Organisation, holder_id)
    assert holder is not None
    action = Action(contract_id=contract_id, title=title, holder_id=holder_id)
    session.add(action)
    session.flush()
    reference = f"{year}-{sequence:03d}"
    dossier = Dossier(
        reference=reference,
        year=year,
        sequence=sequence,
        action_id=action.id,
        holder_id=holder_id,
        state=DossierState.APPROVED,
        search_text=fold(f"{reference} {holder.name} {title}"),
    )
    session.add(dossier)
    session.flush()
    funding_ids = []
    for budget_line, requested, proposed, granted in fundings:
        funding = Funding(
            action_id=action.id,
            dossier_id=dossier.id,
            budget_line_id=budget_line,
            year=year,
            requested=requested,
            proposed=proposed,
            granted=granted,
        )
        session.add(funding)
        session.flush()
        funding_ids.append(funding.id)
    return dossier.id, funding_ids


def counts(session: Session) -> dict[str, int]:
    models = (Organisation, Contact, Dossier, Action, Funding, CommitteeMembership, Attachment)
    return {
        model.__name__: int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in models
    }


def euros(amount: int) -> Money:
    return Money.from_euros(amount)


# --------------------------------------------------------------------------- organisations


def test_creating_an_organisation_cleans_the_form_and_folds_the_name(db: Database) -> None:
    new_id = create(
        db,
        "  Élan   Solidaire  ",
        acronym=" ES ",
        siret="243 400 355 00018",
        rna="w343001234",
        email=" contact@elan-solidaire.fr ",
        phone="0467889550",
        roles={HOLDER, PARTNER},
    )
    with db.read() as session:
        organisation = session.get(Organisation, new_id)
        assert organisation is not None
        assert organisation.name == "Élan Solidaire"
        assert organisation.search_name == "elan solidaire"
        assert organisation.acronym == "ES"
        assert organisation.siret == "24340035500018"
        assert organisation.rna == "W343001234"
        assert organisation.email == "contact@elan-solidaire.fr"
        assert organisation.phone == "04 67 88 95 50"
        row = p.organisation_row(session, new_id)
    assert row.roles == (HOLDER, PARTNER)
    assert row.roles_label == "Porteur de projet, Partenaire"
    assert row.kind_label == "Association"
    assert row.display_name == "Élan Solidaire (ES)"


def test_the_list_searches_without_accents_or_case_and_filters_by_role(db: Database) -> None:
    create(db, "Élan Solidaire", siret="24340035500018", rna="W343001234")
    with db.read() as session:
        names = [r.name for r in p.organisation_rows(session, search="ECOLE parents")]
        assert names == ["École des Parents et des Éducateurs de l'Hérault"]
        assert [r.name for r in p.organisation_rows(session, search="élan")] == ["Élan Solidaire"]
        assert [r.acronym for r in p.organisation_rows(session, search="cd34")] == ["CD34"]
        assert [r.name for r in p.organisation_rows(session, search="400 355")] == [
            "Élan Solidaire"
        ]
        assert [r.name for r in p.organisation_rows(session, search="w343")] == ["Élan Solidaire"]
        assert p.organisation_rows(session, search="100%") == []
        funders = p.organisation_rows(session, role=FUNDER)
        holders = p.organisation_rows(session, role=HOLDER)
        everyone = p.organisation_rows(session)
    assert "Mission Locale des Jeunes" not in {r.name for r in funders}
    assert "CAF de l'Hérault" in {r.name for r in funders}
    assert [r.name for r in holders] == ["Élan Solidaire"]
    assert [r.name for r in everyone] == sorted((r.name for r in everyone), key=fold)
    assert len(everyone) == 23


@pytest.mark.parametrize(
    ("fields", "field", "expected"),
    [
        ({"name": "   "}, "Nom", "Nom : ce champ est obligatoire."),
        ({"name": "x" * 301}, "Nom", "Nom : 300 caractères au plus (301 saisis)."),
        ({"acronym": "A" * 51}, "Sigle", "Sigle : 50 caractères au plus (51 saisis)."),
        (
            {"email": "contact.asso.fr"},
            "Courriel",
            "Courriel : « contact.asso.fr » n'est pas une adresse valide (il manque le @ ; "
            "exemple : prenom.nom@structure.fr).",
        ),
        (
            {"email": "a@b@c.fr"},
            "Courriel",
            "Courriel : « a@b@c.fr » n'est pas une adresse valide (un seul @ est permis ; "
            "exemple : prenom.nom@structure.fr).",
        ),
        (
            {"email": "contact@asso"},
            "Courriel",
            "Courriel : « contact@asso » n'est pas une adresse valide (vérifiez le nom de "
            "domaine après le @ ; exemple : prenom.nom@structure.fr).",
        ),
        (
            {"email": "jean dupont@asso.fr"},
            "Courriel",
            "Courriel : une adresse ne contient pas d'espace (« jean dupont@asso.fr »).",
        ),
        (
            {"phone": "04 67 AB 95 50"},
            "Téléphone",
            "Téléphone : « 04 67 AB 95 50 » contient des caractères inattendus (chiffres, "
            "espaces, points, tirets, parenthèses et un + initial seulement).",
        ),
        ({"phone": "12"}, "Téléphone", "Téléphone : « 12 » est trop court."),
        (
            {"phone": "+33 4 67 88 95 50 12 34 56 78"},
            "Téléphone",
            "Téléphone : « +33 4 67 88 95 50 12 34 56 78 » est trop long (15 chiffres au plus).",
        ),
        ({"siret": "243 400 355 000"}, "SIRET", "SIRET : 14 chiffres attendus (12 saisis)."),
        (
            {"siret": "24340035500019"},
            "SIRET",
            "SIRET : la clé de contrôle est fausse (vérifiez la saisie).",
        ),
        (
            {"rna": "W34300123"},
            "RNA",
            "RNA : W suivi de 9 caractères attendu (8 saisis après le W).",
        ),
    ],
)
def test_bad_input_is_refused_with_a_french_message_and_changes_nothing(
    db: Database, fields: dict[str, str], field: str, expected: str
) -> None:
    with db.read() as session:
        before = counts(session)
    data = {"name": "Association Test", **fields}
    with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
        p.create_organisation(session, p.OrganisationInput(**data))  # type: ignore[arg-type]
    assert caught.value.message == expected
    assert caught.value.field == field
    with db.read() as session:
        assert counts(session) == before


def test_loose_phone_numbers_are_kept_as_typed(db: Database) -> None:
    new_id = create(db, "Asso Téléphones", phone="+33 (0)4 67 88 95 50")
    other = create(db, "France Travail Info", phone="3949")
    with db.read() as session:
        assert p.organisation_row(session, new_id).phone == "+33 (0)4 67 88 95 50"
        assert p.organisation_row(session, other).phone == "3949"


def test_siret_and_rna_must_be_unique_and_the_message_names_the_other(db: Database) -> None:
    first = create(db, "Les Petits Pas", siret="24340035500018", rna="W343001234")
    with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
        p.create_organisation(session, p.OrganisationInput(name="Autre", siret="243 400 355 00018"))
    assert caught.value.field == "SIRET"
    assert caught.value.message == (
        "SIRET : le numéro 24340035500018 est déjà celui de « Les Petits Pas ». S'il s'agit "
        "de la même structure, fusionnez les deux fiches."
    )
    with (
        pytest.raises(ValidationError, match="« Les Petits Pas »") as caught,
        db.unit_of_work() as session,
    ):
        p.create_organisation(session, p.OrganisationInput(name="Autre", rna="w343001234"))
    assert caught.value.field == "RNA"
    # Saving the same organisation with its own numbers is not a conflict.
    with db.unit_of_work() as session:
        data = p.organisation_input(session, first)
        p.update_organisation(session, first, data)


def test_renaming_updates_the_folded_name_and_the_dossiers_search_text(db: Database) -> None:
    holder = create(db, "Les Petits Pas")
    with db.unit_of_work() as session:
        dossier_id, _ = add_dossier(session, holder, 2025, 1, "Aide aux devoirs", [])
    with db.unit_of_work() as session:
        data = p.organisation_input(session, holder)
        p.update_organisation(
            session,
            holder,
            p.OrganisationInput(
                name="Les Grands Pas Élancés",
                kind=data.kind,
                roles=data.roles,
                email="bureau@grandspas.fr",
            ),
        )
    with db.read() as session:
        organisation = session.get(Organisation, holder)
        dossier = session.get(Dossier, dossier_id)
        assert organisation is not None and dossier is not None
        assert organisation.search_name == "les grands pas elances"
        assert dossier.search_text == "2025-001 les grands pas elances aide aux devoirs"
        assert organisation.email == "bureau@grandspas.fr"


def test_a_funder_with_budget_lines_keeps_its_funder_role(db: Database) -> None:
    with db.read() as session:
        caf = organisation_id(session, "CAF de l'Hérault")
    with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
        data = p.organisation_input(session, caf)
        p.update_organisation(
            session,
            caf,
            p.OrganisationInput(name=data.name, kind=data.kind, roles={PARTNER}),
        )
    assert caught.value.field == "Rôles"
    assert "3 lignes budgétaires" in caught.value.message
    with db.read() as session:
        assert FUNDER in p.organisation_row(session, caf).roles


# --------------------------------------------------------------------------- duplicates


def test_duplicates_are_found_whatever_the_accents_case_punctuation_or_association_words(
    db: Database,
) -> None:
    original = create(db, "Association Les Petits Pas du Ronel", siret="24340035500018")
    atelier = create(db, "L'Atelier Mosaïque", rna="W343001234")
    create(db, "Petits Pas de Lodève")
    with db.read() as session:
        for typed in (
            "les petits pas du ronel",
            "LES PETITS-PAS DU RONEL",
            "Asso. Les Petits Pas du Ronel",
            "Association « Petits pas » (Ronel)",
            "ASSOCIATION LES PETITS PAS DU RONEL ",
        ):
            assert [r.id for r in p.find_duplicates(session, typed)] == [original], typed
        assert [r.id for r in p.find_duplicates(session, "Atelier mosaique")] == [atelier]
        assert [r.id for r in p.find_duplicates(session, "Atelier Mosaïque (L’)")] == [atelier]
        assert p.find_duplicates(session, "Petits Pas de Clermont") == []
        assert p.find_duplicates(session, "Association") == []
        # Same identifiers under another name.
        assert [
            r.id for r in p.find_duplicates(session, "Tout autre nom", siret="243 400 355 00018")
        ] == [original]
        assert [r.id for r in p.find_duplicates(session, "Autre", rna="w 343 001 234")] == [atelier]
        # The organisation being edited is not its own duplicate.
        assert p.find_duplicates(session, "Les Petits Pas du Ronel", exclude_id=original) == []


def test_the_duplicate_key_drops_only_filler_words() -> None:
    assert p.duplicate_key("Association L'Élan des Quartiers") == "elan quartiers"
    assert p.duplicate_key("  ASSO  élan-quartiers!! ") == "elan quartiers"
    assert p.duplicate_key("Les Amis du Lac et de la Forêt") == "amis lac et foret"


# --------------------------------------------------------------------------- history


def test_the_organisation_page_shows_its_whole_history(db: Database) -> None:
    holder = create(db, "Les Petits Pas", email="contact@petitspas.fr")
    with db.unit_of_work() as session:
        bop, clas = line_id(session, "BOP147"), line_id(session, "CLAS")
        first, (f1, f2) = add_dossier(
            session,
            holder,
            2025,
            1,
            "Aide aux devoirs",
            [
                (bop, euros(5000), euros(4000), euros(4000)),
                (clas, euros(3000), None, None),
            ],
        )
        second, (f3,) = add_dossier(
            session, holder, 2026, 2, "Aide aux devoirs", [(bop, euros(6000), euros(5500), None)]
        )
        session.add_all(
            [
                Payment(
                    funding_id=f1,
                    kind=PaymentKind.ADVANCE,
                    amount=euros(2000),
                    paid_on=date(2025, 4, 1),
                ),
                # Planned, not yet paid: it does not count.
                Payment(
                    funding_id=f1,
                    kind=PaymentKind.BALANCE,
                    amount=euros(2000),
                    due_on=date(2026, 6, 30),
                ),
            ]
        )
        # A droit commun action of the organisation: a funding row with no dossier.
        contract_id = session.scalars(select(Contract.id)).one()
        action = Action(contract_id=contract_id, title="Permanence numérique", holder_id=holder)
        session.add(action)
        session.flush()
        commune = line_id_by_name(session, "Droit commun communal")
        session.add(
            Funding(action_id=action.id, budget_line_id=commune, year=2025, granted=euros(1500))
        )
    with db.read() as session:
        detail = p.organisation_detail(session, holder)
    assert detail.row.dossier_count == 2
    assert [(d.reference, d.year, d.action_title) for d in detail.dossiers] == [
        ("2026-002", 2026, "Aide aux devoirs"),
        ("2025-001", 2025, "Aide aux devoirs"),
    ]
    by_id = {d.id: d for d in detail.dossiers}
    assert by_id[first].requested == euros(8000)
    assert by_id[first].proposed == euros(4000)
    assert by_id[first].granted == euros(4000)
    assert by_id[first].state_label == "Accordé"
    assert by_id[second].granted is None
    assert len(detail.fundings) == 4
    rows = {f.id: f for f in detail.fundings}
    assert rows[f1].paid == euros(2000)
    assert rows[f1].funder_name == "État – Préfecture de l'Hérault"
    assert rows[f1].nature is FundingNature.SPECIFIC
    assert rows[f2].funder_name == "CAF de l'Hérault" and rows[f2].nature_label == "Droit commun"
    assert rows[f3].dossier_reference == "2026-002"
    droit_commun = [f for f in detail.fundings if f.dossier_id is None]
    assert [(f.action_title, f.granted) for f in droit_commun] == [
        ("Permanence numérique", euros(1500))
    ]
    years = {y.year: y for y in detail.years}
    assert years[2025].requested == euros(8000)
    assert years[2025].granted == euros(5500)
    assert years[2025].paid == euros(2000)
    assert years[2026].proposed == euros(5500)
    assert detail.address is None and detail.row.email == "contact@petitspas.fr"


def line_id_by_name(session: Session, name: str) -> int:
    return session.scalars(select(BudgetLine.id).where(BudgetLine.name == name)).one()


def test_committee_seats_of_an_organisation_are_listed(db: Database) -> None:
    with db.read() as session:
        caf = organisation_id(session, "CAF de l'Hérault")
        detail = p.organisation_detail(session, caf)
    names = [seat.committee_name for seat in detail.seats]
    assert "Comité de pilotage (COPIL)" in names
    assert detail.budget_line_count == 3
    assert all(seat.contact_name is None for seat in detail.seats)


# --------------------------------------------------------------------------- delete and merge


def test_deleting_a_used_organisation_is_refused_with_the_reason(db: Database) -> None:
    holder = create(db, "Les Petits Pas")
    with db.unit_of_work() as session:
        add_dossier(session, holder, 2025, 1, "Aide aux devoirs", [])
        p.create_contact(session, p.ContactInput(last_name="Martin", organisation_id=holder))
    with db.read() as session:
        before = counts(session)
    with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
        p.delete_organisation(session, holder)
    assert caught.value.message == (
        "« Les Petits Pas » ne peut pas être supprimée : elle est liée à 1 dossier, 1 action, "
        "1 contact. Rattachez ou supprimez d'abord ces éléments, ou fusionnez cette fiche avec "
        "une autre."
    )
    with db.read() as session:
        assert counts(session) == before
        caf = organisation_id(session, "CAF de l'Hérault")
    with (
        pytest.raises(ValidationError, match="3 lignes budgétaires, 6 sièges en instance"),
        db.unit_of_work() as session,
    ):
        p.delete_organisation(session, caf)


def test_an_unused_organisation_is_deleted_with_its_roles(db: Database) -> None:
    unused = create(db, "Créée par erreur", roles={HOLDER, PARTNER})
    with db.unit_of_work() as session:
        p.delete_organisation(session, unused)
    with db.read() as session:
        assert session.get(Organisation, unused) is None
        assert p.find_duplicates(session, "Créée par erreur") == []


def test_merging_moves_every_reference_and_removes_the_duplicate(
    db: Database, tmp_path: Path
) -> None:
    keep = create(db, "Les Petits Pas", kind=OrganisationKind.OTHER, roles={HOLDER})
    remove = create(
        db,
        "Association les petits pas",
        siret="24340035500018",
        rna="W343001234",
        email="bureau@petitspas.fr",
        address="1 place de la Mairie",
        roles={HOLDER, FUNDER},
    )
    document = tmp_path / "statuts.pdf"
    document.write_bytes(b"%PDF-1.4 statuts")
    with db.unit_of_work() as session:
        bop = line_id(session, "BOP147")
        kept_dossier, _ = add_dossier(session, keep, 2025, 1, "Aide aux devoirs", [])
        moved_dossier, (moved_funding,) = add_dossier(
            session, remove, 2026, 1, "Ludothèque", [(bop, euros(3000), None, euros(2500))]
        )
        contact = p.create_contact(
            session, p.ContactInput(last_name="Durand", first_name="Léa", organisation_id=remove)
        )
        committees = session.scalars(select(Committee).order_by(Committee.id)).all()
        copil, cotech = committees[0], committees[1]
        p.set_contact_committees(session, contact, [cotech.id])
        # Both organisations hold a seat in the COPIL: the duplicate seat goes.
        session.add_all(
            [
                CommitteeMembership(committee_id=copil.id, organisation_id=keep),
                CommitteeMembership(committee_id=copil.id, organisation_id=remove),
                CommitteeMembership(
                    committee_id=cotech.id, organisation_id=remove, role=MemberRole.GUEST
                ),
            ]
        )
        meeting = Meeting(committee_id=copil.id, starts_at=datetime(2025, 3, 1, 9, tzinfo=UTC))
        session.add(meeting)
        session.flush()
        session.add(
            Attendance(
                meeting_id=meeting.id, organisation_id=remove, status=AttendanceStatus.PRESENT
            )
        )
        session.add(
            BudgetLine(funder_id=remove, name="Fonds associatif", nature=FundingNature.SPECIFIC)
        )
        document_id = docs.add_document(
            session, organisation_id=remove, kind=docs.DocumentKind.STATUTES, path=document
        )
    with db.read() as session:
        before = counts(session)

    with db.unit_of_work() as session:
        summary = p.merge_organisations(session, keep, remove)

    assert summary.dossiers == 1 and summary.actions == 1 and summary.contacts == 1
    assert summary.budget_lines == 1 and summary.attendances == 1 and summary.documents == 1
    assert summary.seats == 2 and summary.duplicate_seats_dropped == 1
    assert summary.roles_added == (FUNDER,)
    assert summary.fields_filled == ("SIRET", "RNA", "Adresse", "Courriel", "Type")
    with db.read() as session:
        after = counts(session)
        assert session.get(Organisation, remove) is None
        assert after["Organisation"] == before["Organisation"] - 1
        assert after["CommitteeMembership"] == before["CommitteeMembership"] - 1
        for name in ("Dossier", "Action", "Funding", "Contact", "Attachment"):
            assert after[name] == before[name], name
        kept = session.get(Organisation, keep)
        assert kept is not None
        assert kept.siret == "24340035500018" and kept.rna == "W343001234"
        assert kept.email == "bureau@petitspas.fr" and kept.kind is OrganisationKind.ASSOCIATION
        assert kept.name == "Les Petits Pas"
        assert {role.role for role in kept.roles} == {HOLDER, FUNDER}
        moved = session.get(Dossier, moved_dossier)
        assert moved is not None and moved.holder_id == keep
        assert moved.search_text == "2026-001 les petits pas ludotheque"
        assert session.get(Dossier, kept_dossier) is not None
        funding = session.get(Funding, moved_funding)
        assert funding is not None and funding.granted == euros(2500)
        assert (
            session.scalars(select(Contact.organisation_id).where(Contact.id == contact)).one()
            == keep
        )
        assert (
            session.scalars(
                select(Attachment.organisation_id).where(Attachment.id == document_id)
            ).one()
            == keep
        )
        assert session.scalars(select(Attendance.organisation_id)).all() == [keep]
        assert (
            session.scalars(
                select(BudgetLine.funder_id).where(BudgetLine.name == "Fonds associatif")
            ).one()
            == keep
        )
        seats = session.execute(
            select(
                CommitteeMembership.committee_id,
                CommitteeMembership.contact_id,
                CommitteeMembership.role,
            )
            .where(CommitteeMembership.organisation_id == keep)
            .order_by(CommitteeMembership.id)
        ).all()
        assert {tuple(seat) for seat in seats} == {
            (copil.id, None, MemberRole.MEMBER),
            (cotech.id, contact, MemberRole.MEMBER),
            (cotech.id, None, MemberRole.GUEST),
        }
        detail = p.organisation_detail(session, keep)
    assert [d.reference for d in detail.dossiers] == ["2026-001", "2025-001"]
    assert [c.full_name for c in detail.contacts] == ["Léa Durand"]
    assert [d.filename for d in detail.documents] == ["statuts.pdf"]
    assert detail.row.has_expired_documents is False


def test_merging_is_refused_when_both_funders_have_a_line_of_the_same_name(db: Database) -> None:
    with db.read() as session:
        state = organisation_id(session, "État – Préfecture de l'Hérault")
    twin = create(db, "Préfecture de l'Hérault", roles={FUNDER})
    with db.unit_of_work() as session:
        session.add(
            BudgetLine(funder_id=twin, name="VILLE VIE VACANCES", nature=FundingNature.SPECIFIC)
        )
    with db.read() as session:
        before = counts(session)
    with (
        pytest.raises(ValidationError, match="« VILLE VIE VACANCES »"),
        db.unit_of_work() as session,
    ):
        p.merge_organisations(session, state, twin)
    with (
        pytest.raises(ValidationError, match="deux structures différentes"),
        db.unit_of_work() as session,
    ):
        p.merge_organisations(session, state, state)
    with db.read() as session:
        assert counts(session) == before


# --------------------------------------------------------------------------- contacts


def test_contacts_are_validated_listed_with_their_committees_and_searchable(db: Database) -> None:
    with db.read() as session:
        caf = organisation_id(session, "CAF de l'Hérault")
        committees = session.execute(
            select(Committee.id, Committee.name).order_by(Committee.id)
        ).all()
    with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
        p.create_contact(session, p.ContactInput(last_name=" ", first_name="Léa"))
    assert caught.value.message == "Nom : ce champ est obligatoire." and caught.value.field == "Nom"
    with (
        pytest.raises(ValidationError, match="Courriel : « lea@caf » n'est pas"),
        db.unit_of_work() as session,
    ):
        p.create_contact(session, p.ContactInput(last_name="Durand", email="lea@caf"))
    with (
        pytest.raises(ValidationError, match="Structure : cette structure n'existe plus"),
        db.unit_of_work() as session,
    ):
        p.create_contact(session, p.ContactInput(last_name="Durand", organisation_id=99999))
    with db.unit_of_work() as session:
        lea = p.create_contact(
            session,
            p.ContactInput(
                last_name="Durand",
                first_name="Léa",
                function="Conseillère territoriale",
                email="lea.durand@caf.fr",
                phone="04 67 00 00 01",
                organisation_id=caf,
            ),
        )
        emile = p.create_contact(session, p.ContactInput(last_name="Écoute", first_name="Émile"))
        p.set_contact_committees(session, lea, [committees[0].id, committees[2].id])
    with db.read() as session:
        rows = p.contact_rows(session)
        assert [r.full_name for r in rows] == ["Léa Durand", "Émile Écoute"]
        lea_row = rows[0]
        assert lea_row.organisation_name == "CAF de l'Hérault"
        assert lea_row.committees == (committees[0].name, committees[2].name)
        assert [r.id for r in p.contact_rows(session, search="conseillere caf")] == [lea]
        assert [r.id for r in p.contact_rows(session, search="EMILE")] == [emile]
        assert [r.id for r in p.contact_rows(session, organisation_id=caf)] == [lea]
        assert p.organisation_row(session, caf).contact_count == 1
    # Exactly the committees asked: one kept, one removed, one added.
    with db.unit_of_work() as session:
        p.set_contact_committees(session, lea, [committees[2].id, committees[3].id])
    with db.read() as session:
        assert p.contact_rows(session, search="durand")[0].committee_ids == (
            committees[2].id,
            committees[3].id,
        )
    with pytest.raises(ValidationError, match="Instances"), db.unit_of_work() as session:
        p.set_contact_committees(session, lea, [99999])


def test_a_contact_who_changes_organisation_takes_their_seats_along(db: Database) -> None:
    with db.read() as session:
        caf = organisation_id(session, "CAF de l'Hérault")
        ccas = organisation_id(session, "CCAS de Clermont l'Hérault")
        copil = session.scalars(select(Committee.id).order_by(Committee.id)).first()
    assert copil is not None
    with db.unit_of_work() as session:
        lea = p.create_contact(session, p.ContactInput(last_name="Durand", organisation_id=caf))
        p.set_contact_committees(session, lea, [copil])
    with db.unit_of_work() as session:
        data = p.contact_input(session, lea)
        p.update_contact(
            session,
            lea,
            p.ContactInput(last_name=data.last_name, function="Directrice", organisation_id=ccas),
        )
    with db.read() as session:
        seat_org = session.scalars(
            select(CommitteeMembership.organisation_id).where(CommitteeMembership.contact_id == lea)
        ).one()
        row = p.contact_rows(session, organisation_id=ccas)[0]
    assert seat_org == ccas
    assert row.function == "Directrice" and row.organisation_name == "CCAS de Clermont l'Hérault"


def test_deleting_a_contact_removes_their_seats_but_keeps_the_meeting_record(db: Database) -> None:
    with db.read() as session:
        copil = session.scalars(select(Committee.id).order_by(Committee.id)).first()
        caf = organisation_id(session, "CAF de l'Hérault")
    assert copil is not None
    with db.unit_of_work() as session:
        lea = p.create_contact(
            session, p.ContactInput(last_name="Durand", first_name="Léa", organisation_id=caf)
        )
        p.set_contact_committees(session, lea, [copil])
        meeting = Meeting(committee_id=copil, starts_at=datetime(2025, 3, 1, 9, tzinfo=UTC))
        session.add(meeting)
        session.flush()
        session.add(
            Attendance(meeting_id=meeting.id, contact_id=lea, status=AttendanceStatus.PRESENT)
        )
    with db.unit_of_work() as session:
        p.delete_contact(session, lea)
    with db.read() as session:
        assert session.get(Contact, lea) is None
        assert (
            session.scalar(
                select(func.count())
                .select_from(CommitteeMembership)
                .where(CommitteeMembership.contact_id == lea)
            )
            == 0
        )
        attendance = session.scalars(select(Attendance)).one()
        assert (attendance.contact_id, attendance.guest_name, attendance.organisation_id) == (
            None,
            "Léa Durand",
            caf,
        )


def test_expired_documents_flag_the_organisation_in_the_list(db: Database, tmp_path: Path) -> None:
    holder = create(db, "Les Petits Pas")
    paper = tmp_path / "attestation.pdf"
    paper.write_bytes(b"%PDF attestation")
    with db.unit_of_work() as session:
        docs.add_document(
            session,
            organisation_id=holder,
            kind=docs.DocumentKind.INSURANCE_CERTIFICATE,
            path=paper,
            valid_from=date(2024, 1, 1),
            valid_until=date(2024, 12, 31),
        )
    with db.read() as session:
        assert not p.organisation_row(
            session, holder, today=date(2024, 12, 31)
        ).has_expired_documents
        assert p.organisation_row(session, holder, today=date(2025, 1, 1)).has_expired_documents
        flagged = [
            r.name
            for r in p.organisation_rows(session, today=date(2025, 1, 1))
            if r.has_expired_documents
        ]
    assert flagged == ["Les Petits Pas"]
