"""Standing documents and dossier attachments: stored bytes, checksums, validity, export."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import OrganisationKind, OrganisationRoleKind
from qpvdesk.core.domain.models import Action, Attachment, Contract, Dossier, Organisation
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.services import documents as d
from qpvdesk.core.services import partners as p
from qpvdesk.core.storage.database import Database, open_database

K = d.DocumentKind


@pytest.fixture
def db(builtin_db: Path) -> Iterator[Database]:
    database = open_database(builtin_db, backup_on_open=False)
    yield database
    database.close()


@pytest.fixture
def holder(db: Database) -> int:
    with db.unit_of_work() as session:
        return p.create_organisation(
            session,
            p.OrganisationInput(
                name="Les Petits Pas",
                kind=OrganisationKind.ASSOCIATION,
                roles={OrganisationRoleKind.PROJECT_HOLDER},
            ),
        )


def make_file(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def add_dossier(session: Session, holder_id: int) -> int:
    contract_id = session.scalars(select(Contract.id)).one()
    action = Action(contract_id=contract_id, title="Aide aux devoirs", holder_id=holder_id)
    session.add(action)
    session.flush()
    dossier = Dossier(
        reference="2025-001",
        year=2025,
        sequence=1,
        action_id=action.id,
        holder_id=holder_id,
        search_text=fold("2025-001 Les Petits Pas Aide aux devoirs"),
    )
    session.add(dossier)
    session.flush()
    return dossier.id


def attachment_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Attachment)) or 0)


def test_a_document_round_trips_byte_for_byte_with_its_checksum(
    db: Database, holder: int, tmp_path: Path
) -> None:
    content = bytes(range(256)) * 400 + "Statuts adoptés le 3 mars — œuvre".encode()
    source = make_file(tmp_path, "Statuts 2024.pdf", content)
    with db.unit_of_work() as session:
        document_id = d.add_document(
            session,
            organisation_id=holder,
            kind=K.STATUTES,
            path=source,
            valid_from=date(2024, 3, 3),
        )
    with db.read() as session:
        (row,) = d.document_rows(session, organisation_id=holder)
        exported = d.export_document(session, document_id, tmp_path / "export")
        again = d.export_document(session, document_id, tmp_path / "export")
    assert row.filename == "Statuts 2024.pdf"
    assert row.kind == "statutes" and row.kind_label == "Statuts"
    assert row.media_type == "application/pdf"
    assert row.size == len(content)
    assert row.size_label == "100,0 Ko"
    assert row.sha256 == hashlib.sha256(content).hexdigest()
    assert row.valid_from == date(2024, 3, 3) and row.valid_until is None
    assert not row.expired and not row.needs_attention
    assert exported == tmp_path / "export" / "Statuts 2024.pdf"
    assert exported.read_bytes() == content
    assert hashlib.sha256(exported.read_bytes()).hexdigest() == row.sha256
    # The same bytes already there: no second copy.
    assert again == exported
    assert sorted(x.name for x in (tmp_path / "export").iterdir()) == ["Statuts 2024.pdf"]


def test_export_never_overwrites_another_file_of_the_same_name(
    db: Database, holder: int, tmp_path: Path
) -> None:
    source = make_file(tmp_path, "rib.pdf", b"%PDF RIB 2025")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "rib.pdf").write_bytes(b"someone else's file")
    with db.unit_of_work() as session:
        document_id = d.add_document(
            session, organisation_id=holder, kind=K.BANK_DETAILS, path=source
        )
    with db.read() as session:
        exported = d.export_document(session, document_id, folder)
    assert exported.name == "rib (2).pdf" and exported.read_bytes() == b"%PDF RIB 2025"
    assert (folder / "rib.pdf").read_bytes() == b"someone else's file"


def test_media_types_are_guessed_from_the_name(db: Database, holder: int, tmp_path: Path) -> None:
    with db.unit_of_work() as session:
        for name in ("liste.odt", "rib.png", "notes.qpvunknown"):
            d.add_document(
                session,
                organisation_id=holder,
                kind=K.OTHER,
                path=make_file(tmp_path, name, b"x"),
            )
    with db.read() as session:
        types = {r.filename: r.media_type for r in d.document_rows(session, organisation_id=holder)}
    assert types == {
        "liste.odt": "application/vnd.oasis.opendocument.text",
        "rib.png": "image/png",
        "notes.qpvunknown": "application/octet-stream",
    }


def test_bad_documents_are_refused_with_a_french_message_and_change_nothing(
    db: Database, holder: int, tmp_path: Path
) -> None:
    big = tmp_path / "scan énorme.pdf"
    with big.open("wb") as handle:
        handle.truncate(63 * 1024 * 1024)  # sparse: costs no disk
    limit = tmp_path / "juste trop.pdf"
    with limit.open("wb") as handle:
        handle.truncate(d.MAX_DOCUMENT_BYTES + 1)
    at_limit = tmp_path / "pile 50 Mo.pdf"
    with at_limit.open("wb") as handle:
        handle.truncate(d.MAX_DOCUMENT_BYTES)
    empty = make_file(tmp_path, "vide.pdf", b"")
    good = make_file(tmp_path, "ok.pdf", b"%PDF")
    with db.unit_of_work() as session:
        dossier_id = add_dossier(session, holder)
    cases: list[tuple[dict[str, object], str]] = [
        (
            {"path": big},
            "Fichier : « scan énorme.pdf » pèse 63,0 Mo, au-delà de la limite de 50 Mo "
            "(compressez-le ou enregistrez-le en PDF allégé).",
        ),
        ({"path": limit}, "Fichier : « juste trop.pdf » pèse 50,0 Mo, au-delà de la limite"),
        ({"path": empty}, "Fichier : « vide.pdf » est vide."),
        ({"path": tmp_path / "absent.pdf"}, "Fichier : « absent.pdf » n'existe pas"),
        ({"path": tmp_path}, f"Fichier : « {tmp_path.name} » n'est pas un fichier."),
        (
            {"path": good, "valid_from": date(2025, 1, 1), "valid_until": date(2024, 12, 31)},
            "Fin de validité : le 31/12/2024 précède le début de validité (01/01/2025).",
        ),
        ({"path": good, "kind": "passport"}, "Type de document : « passport » n'est pas un type"),
        (
            {"path": good, "dossier_id": dossier_id},
            "Un document se rattache soit à une structure, soit à un dossier (un seul des deux).",
        ),
        (
            {"path": good, "organisation_id": None},
            "Un document se rattache soit à une structure, soit à un dossier (un seul des deux).",
        ),
        (
            {"path": good, "organisation_id": 99999},
            "Cette structure n'existe plus (elle a peut-être été supprimée).",
        ),
    ]
    with db.read() as session:
        before = attachment_count(session)
    for overrides, expected in cases:
        arguments: dict[str, object] = {"organisation_id": holder, "kind": K.OTHER, **overrides}
        with pytest.raises(ValidationError) as caught, db.unit_of_work() as session:
            d.add_document(session, **arguments)  # type: ignore[arg-type]
        assert caught.value.message.startswith(expected), caught.value.message
    with db.read() as session:
        assert attachment_count(session) == before
    # Exactly 50 Mo is accepted.
    with db.unit_of_work() as session:
        document_id = d.add_document(session, organisation_id=holder, kind=K.OTHER, path=at_limit)
    with db.read() as session:
        (row,) = [
            r for r in d.document_rows(session, organisation_id=holder) if r.id == document_id
        ]
    assert row.size == d.MAX_DOCUMENT_BYTES and row.size_label == "50,0 Mo"


def test_expired_flags_follow_the_injected_today_and_a_renewal_supersedes(
    db: Database, holder: int, tmp_path: Path
) -> None:
    paper = make_file(tmp_path, "attestation.pdf", b"%PDF assurance")
    with db.unit_of_work() as session:
        old = d.add_document(
            session,
            organisation_id=holder,
            kind=K.INSURANCE_CERTIFICATE,
            path=paper,
            valid_from=date(2024, 1, 1),
            valid_until=date(2024, 12, 31),
        )
        other = d.add_document(
            session,
            organisation_id=holder,
            kind=K.OTHER,
            path=paper,
            valid_until=date(2024, 6, 30),
        )
        statutes = d.add_document(session, organisation_id=holder, kind=K.STATUTES, path=paper)
        dossier_id = add_dossier(session, holder)

    def flags(today: date) -> dict[int, tuple[bool, bool]]:
        with db.read() as session:
            return {
                r.id: (r.expired, r.needs_attention)
                for r in d.document_rows(session, organisation_id=holder, today=today)
            }

    assert flags(date(2024, 6, 30)) == {
        old: (False, False),
        other: (False, False),
        statutes: (False, False),
    }
    assert flags(date(2024, 12, 31)) == {
        old: (False, False),
        other: (True, True),
        statutes: (False, False),
    }
    assert flags(date(2025, 1, 1))[old] == (True, True)
    with db.read() as session:
        expired = d.expired_documents_for_dossier(session, dossier_id, date(2025, 1, 2))
        assert {r.id for r in expired} == {old, other}
        assert d.organisations_with_expired_documents(session, date(2025, 1, 2)) == {holder}
        assert d.expired_documents_for_dossier(session, dossier_id, date(2024, 1, 1)) == []

    # This year's attestation is filed: last year's stays expired but no longer stands out.
    with db.unit_of_work() as session:
        new = d.add_document(
            session,
            organisation_id=holder,
            kind=K.INSURANCE_CERTIFICATE,
            path=paper,
            valid_from=date(2025, 1, 1),
            valid_until=date(2025, 12, 31),
        )
        d.delete_document(session, other)
    with db.read() as session:
        rows = {
            r.id: r
            for r in d.document_rows(session, organisation_id=holder, today=date(2025, 2, 1))
        }
        assert d.expired_documents_for_dossier(session, dossier_id, date(2025, 2, 1)) == []
        assert not p.organisation_row(session, holder, today=date(2025, 2, 1)).has_expired_documents
    assert rows[old].expired and rows[old].superseded and not rows[old].needs_attention
    assert not rows[new].expired
    assert other not in rows
    with db.read() as session:
        assert [
            r.id for r in d.expired_documents_for_dossier(session, dossier_id, date(2026, 1, 1))
        ] == [new]


def test_dossier_attachments_are_listed_apart_and_can_be_edited_and_deleted(
    db: Database, holder: int, tmp_path: Path
) -> None:
    with db.unit_of_work() as session:
        dossier_id = add_dossier(session, holder)
        request = d.add_document(
            session,
            dossier_id=dossier_id,
            kind=K.GRANT_REQUEST,
            path=make_file(tmp_path, "cerfa_12156.pdf", b"%PDF cerfa"),
        )
        d.add_document(
            session,
            organisation_id=holder,
            kind=K.BANK_DETAILS,
            path=make_file(tmp_path, "rib.pdf", b"%PDF rib"),
        )
    with db.read() as session:
        (row,) = d.document_rows(session, dossier_id=dossier_id)
        assert len(d.document_rows(session, organisation_id=holder)) == 1
    assert (row.id, row.dossier_id, row.organisation_id) == (request, dossier_id, None)
    assert row.kind_label == "Demande de subvention (CERFA 12156)"
    with db.unit_of_work() as session:
        d.update_document(
            session,
            request,
            kind=K.AGREEMENT,
            valid_from=date(2025, 3, 1),
            valid_until=date(2025, 12, 31),
        )
    with db.read() as session:
        (row,) = d.document_rows(session, dossier_id=dossier_id, today=date(2026, 1, 1))
    assert row.kind_label == "Convention" and row.expired
    with pytest.raises(ValidationError, match="Fin de validité"), db.unit_of_work() as session:
        d.update_document(
            session,
            request,
            kind=K.AGREEMENT,
            valid_from=date(2025, 3, 1),
            valid_until=date(2025, 1, 1),
        )
    with db.unit_of_work() as session:
        d.delete_document(session, request)
    with db.read() as session:
        assert d.document_rows(session, dossier_id=dossier_id) == []
    with pytest.raises(ValidationError, match="n'existe plus"), db.read() as session:
        d.export_document(session, request, tmp_path)


def test_altered_bytes_are_detected_before_export(
    db: Database, holder: int, tmp_path: Path
) -> None:
    with db.unit_of_work() as session:
        document_id = d.add_document(
            session,
            organisation_id=holder,
            kind=K.STATUTES,
            path=make_file(tmp_path, "statuts.pdf", b"%PDF original"),
        )
    with db.unit_of_work() as session:
        attachment = session.get(Attachment, document_id)
        assert attachment is not None
        attachment.content = b"%PDF altered"
    with pytest.raises(UserFacingError, match="altéré"), db.read() as session:
        d.export_document(session, document_id, tmp_path / "out")
    assert not (tmp_path / "out" / "statuts.pdf").exists()


def test_labels_and_sizes_read_in_french() -> None:
    assert [kind.label for kind in d.STANDING_KINDS] == [
        "Statuts",
        "RIB",
        "Attestation d'assurance",
        "Liste des dirigeants",
        "Rapport d'activité",
        "Comptes approuvés",
        "Autre",
    ]
    assert d.kind_label("decision_record") == "decision_record"
    assert d.format_size(820) == "820 o"
    assert d.format_size(12_700) == "12,4 Ko"
    assert d.format_size(3_355_443) == "3,2 Mo"
    assert d.format_size(5 * 1024**3) == "5,0 Go"


def test_documents_go_when_their_organisation_is_merged_away_but_not_lost(
    db: Database, holder: int, tmp_path: Path
) -> None:
    with db.unit_of_work() as session:
        twin = p.create_organisation(session, p.OrganisationInput(name="Asso Les Petits Pas"))
        d.add_document(
            session,
            organisation_id=twin,
            kind=K.STATUTES,
            path=make_file(tmp_path, "statuts.pdf", b"%PDF statuts"),
        )
    with db.unit_of_work() as session:
        p.merge_organisations(session, holder, twin)
    with db.read() as session:
        assert [r.filename for r in d.document_rows(session, organisation_id=holder)] == [
            "statuts.pdf"
        ]
        assert session.get(Organisation, twin) is None
