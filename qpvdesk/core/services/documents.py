"""Documents kept inside the data file: an organisation's standing documents, dossier attachments.

Standing documents (statuts, RIB, attestation d'assurance…) have dates of
validity. A document is *expired* once its end of validity is past; it needs
attention only while no later document of the same kind replaces it, so that
last year's attestation d'assurance does not stay flagged once this year's is
filed, and only the latest one stands out when both are past. Bytes live in
the database (backups hold them too), with their size and SHA-256;
`export_document` writes them back to a file for the system viewer.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.models import Attachment, Dossier, Organisation
from qpvdesk.core.errors import UserFacingError, ValidationError

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_FILENAME = 300
DEFAULT_MEDIA_TYPE = "application/octet-stream"


class DocumentKind(StrEnum):
    """What a document is; the value is stored in ``attachment.kind``."""

    STATUTES = "statutes"
    BANK_DETAILS = "bank_details"
    INSURANCE_CERTIFICATE = "insurance_certificate"
    BOARD_LIST = "board_list"
    ACTIVITY_REPORT = "activity_report"
    APPROVED_ACCOUNTS = "approved_accounts"
    GRANT_REQUEST = "grant_request"
    AGREEMENT = "agreement"
    FINANCIAL_REPORT = "financial_report"
    OTHER = "other"

    @property
    def label(self) -> str:
        return DOCUMENT_KIND_LABELS[self]


DOCUMENT_KIND_LABELS: dict[DocumentKind, str] = {
    DocumentKind.STATUTES: "Statuts",
    DocumentKind.BANK_DETAILS: "RIB",
    DocumentKind.INSURANCE_CERTIFICATE: "Attestation d'assurance",
    DocumentKind.BOARD_LIST: "Liste des dirigeants",
    DocumentKind.ACTIVITY_REPORT: "Rapport d'activité",
    DocumentKind.APPROVED_ACCOUNTS: "Comptes approuvés",
    DocumentKind.GRANT_REQUEST: "Demande de subvention (CERFA 12156)",
    DocumentKind.AGREEMENT: "Convention",
    DocumentKind.FINANCIAL_REPORT: "Compte rendu financier (CERFA 15059)",
    DocumentKind.OTHER: "Autre",
}

# The kinds an organisation files once and renews: the Partenaires page offers these.
STANDING_KINDS: tuple[DocumentKind, ...] = (
    DocumentKind.STATUTES,
    DocumentKind.BANK_DETAILS,
    DocumentKind.INSURANCE_CERTIFICATE,
    DocumentKind.BOARD_LIST,
    DocumentKind.ACTIVITY_REPORT,
    DocumentKind.APPROVED_ACCOUNTS,
    DocumentKind.OTHER,
)
# The kinds a dossier carries: the request, its agreement, its report, anything else.
DOSSIER_KINDS: tuple[DocumentKind, ...] = (
    DocumentKind.GRANT_REQUEST,
    DocumentKind.AGREEMENT,
    DocumentKind.FINANCIAL_REPORT,
    DocumentKind.OTHER,
)

_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f<>:"/\\|?*]')


def kind_label(kind: str) -> str:
    """French label of a stored kind; unknown kinds (written by another screen) show as is."""
    try:
        return DocumentKind(kind).label
    except ValueError:
        return kind


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """A document as a screen lists it (never its bytes)."""

    id: int
    organisation_id: int | None
    dossier_id: int | None
    meeting_id: int | None
    kind: str
    kind_label: str
    filename: str
    media_type: str | None
    size: int
    sha256: str
    valid_from: date | None
    valid_until: date | None
    added_at: datetime
    # Its end of validity is past.
    expired: bool
    # Expired, but a later document of the same kind replaces it.
    superseded: bool

    @property
    def needs_attention(self) -> bool:
        """Expired and not replaced: shown in red on the organisation and its dossiers."""
        return self.expired and not self.superseded

    @property
    def size_label(self) -> str:
        return format_size(self.size)


def format_size(size: int) -> str:
    """French size: ``820 o``, ``12,4 Ko``, ``3,2 Mo``."""
    if size < 1024:
        return f"{size} o"
    value = size / 1024
    for unit in ("Ko", "Mo"):
        if value < 1024:
            return f"{value:.1f} {unit}".replace(".", ",")
        value /= 1024
    return f"{value:.1f} Go".replace(".", ",")


def _is_expired(valid_until: date | None, today: date) -> bool:
    return valid_until is not None and valid_until < today


def _superseded_flags(
    items: list[tuple[int, int | None, str, date | None]], today: date
) -> dict[int, bool]:
    """Per attachment id: expired, but a later document of the same kind and owner replaces it.

    *items* are (id, organisation_id, kind, valid_until); a document without an end of
    validity is the latest of all. "Other" documents never replace one another: nothing
    says two of them are the same paper.
    """
    latest: dict[tuple[int, str], date] = {}
    for _, organisation_id, kind, valid_until in items:
        if organisation_id is None or kind == DocumentKind.OTHER:
            continue
        key = (organisation_id, kind)
        until = valid_until or date.max
        if key not in latest or until > latest[key]:
            latest[key] = until
    return {
        item_id: valid_until is not None
        and valid_until < today
        and organisation_id is not None
        and latest.get((organisation_id, kind), valid_until) > valid_until
        for item_id, organisation_id, kind, valid_until in items
    }


_COLUMNS = (
    Attachment.id,
    Attachment.organisation_id,
    Attachment.dossier_id,
    Attachment.meeting_id,
    Attachment.kind,
    Attachment.filename,
    Attachment.media_type,
    Attachment.size,
    Attachment.sha256,
    Attachment.valid_from,
    Attachment.valid_until,
    Attachment.added_at,
)


def document_rows(
    session: Session,
    *,
    organisation_id: int | None = None,
    dossier_id: int | None = None,
    today: date | None = None,
) -> list[DocumentRow]:
    """Documents of an organisation and/or a dossier (all when neither is given), newest first."""
    today = today or date.today()
    statement = select(*_COLUMNS)
    if organisation_id is not None:
        statement = statement.where(Attachment.organisation_id == organisation_id)
    if dossier_id is not None:
        statement = statement.where(Attachment.dossier_id == dossier_id)
    records = session.execute(
        statement.order_by(Attachment.kind, Attachment.valid_until.desc(), Attachment.id.desc())
    ).all()
    # Superseding looks at every document of the same owners, not only the listed ones.
    owners = {r.organisation_id for r in records if r.organisation_id is not None}
    superseded = _superseded_flags(_validity_items(session, owners), today) if owners else {}
    return [
        DocumentRow(
            id=r.id,
            organisation_id=r.organisation_id,
            dossier_id=r.dossier_id,
            meeting_id=r.meeting_id,
            kind=r.kind,
            kind_label=kind_label(r.kind),
            filename=r.filename,
            media_type=r.media_type,
            size=r.size,
            sha256=r.sha256,
            valid_from=r.valid_from,
            valid_until=r.valid_until,
            added_at=r.added_at,
            expired=_is_expired(r.valid_until, today),
            superseded=superseded.get(r.id, False),
        )
        for r in records
    ]


def _validity_items(
    session: Session, organisation_ids: Iterable[int] | None
) -> list[tuple[int, int | None, str, date | None]]:
    statement = select(
        Attachment.id, Attachment.organisation_id, Attachment.kind, Attachment.valid_until
    ).where(Attachment.organisation_id.is_not(None))
    if organisation_ids is not None:
        statement = statement.where(Attachment.organisation_id.in_(list(organisation_ids)))
    return [(r[0], r[1], r[2], r[3]) for r in session.execute(statement).all()]


def organisations_with_expired_documents(
    session: Session, today: date | None = None, organisation_ids: Iterable[int] | None = None
) -> set[int]:
    """Ids of organisations holding an expired document that nothing replaces."""
    today = today or date.today()
    items = _validity_items(session, organisation_ids)
    superseded = _superseded_flags(items, today)
    return {
        organisation_id
        for item_id, organisation_id, _kind, valid_until in items
        if organisation_id is not None
        and _is_expired(valid_until, today)
        and not superseded[item_id]
    }


def expired_documents_for_dossier(
    session: Session, dossier_id: int, today: date | None = None
) -> list[DocumentRow]:
    """The holder's standing documents that expired and were not replaced, for the dossier view."""
    holder_id = session.scalar(select(Dossier.holder_id).where(Dossier.id == dossier_id))
    if holder_id is None:
        raise ValidationError("Ce dossier n'existe plus (il a peut-être été supprimé).")
    return [
        row
        for row in document_rows(session, organisation_id=holder_id, today=today)
        if row.needs_attention
    ]


def _clean_filename(name: str) -> str:
    cleaned = _UNSAFE_FILENAME.sub("_", name).strip().strip(".") or "document"
    if len(cleaned) > MAX_FILENAME:
        suffix = Path(cleaned).suffix[:20]
        cleaned = cleaned[: MAX_FILENAME - len(suffix)] + suffix
    return cleaned


def _read_file(path: Path) -> bytes:
    field = "Fichier"
    name = f"« {path.name} »"
    try:
        if not path.exists():
            raise ValidationError(f"{field} : {name} n'existe pas ({path.parent}).", field)
        if not path.is_file():
            raise ValidationError(f"{field} : {name} n'est pas un fichier.", field)
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise ValidationError(
                f"{field} : {name} pèse {format_size(size)}, au-delà de la limite de 50 Mo "
                "(compressez-le ou enregistrez-le en PDF allégé).",
                field,
            )
        with path.open("rb") as handle:
            # One byte more than the cap: a file that grew since stat() is caught too.
            content = handle.read(MAX_DOCUMENT_BYTES + 1)
    except PermissionError:
        raise ValidationError(f"{field} : accès refusé à {name}.", field) from None
    except OSError as exc:
        raise ValidationError(
            f"{field} : impossible de lire {name} ({exc.strerror or exc}).", field
        ) from None
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ValidationError(f"{field} : {name} dépasse 50 Mo.", field)
    if not content:
        raise ValidationError(f"{field} : {name} est vide.", field)
    return content


def _document_kind(kind: DocumentKind | str) -> DocumentKind:
    try:
        return DocumentKind(kind)
    except ValueError:
        raise ValidationError(
            f"Type de document : « {kind} » n'est pas un type connu.", "Type de document"
        ) from None


def _check_validity(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        raise ValidationError(
            f"Fin de validité : le {valid_until:%d/%m/%Y} précède le début de validité "
            f"({valid_from:%d/%m/%Y}).",
            "Fin de validité",
        )


def add_document(
    session: Session,
    *,
    organisation_id: int | None = None,
    dossier_id: int | None = None,
    kind: DocumentKind | str,
    path: Path,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> int:
    """Copy the file at *path* into the database for an organisation or a dossier; its id."""
    if (organisation_id is None) == (dossier_id is None):
        raise ValidationError(
            "Un document se rattache soit à une structure, soit à un dossier (un seul des deux)."
        )
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise ValidationError("Cette structure n'existe plus (elle a peut-être été supprimée).")
    if dossier_id is not None and session.get(Dossier, dossier_id) is None:
        raise ValidationError("Ce dossier n'existe plus (il a peut-être été supprimé).")
    document_kind = _document_kind(kind)
    _check_validity(valid_from, valid_until)
    path = Path(path)
    content = _read_file(path)
    filename = _clean_filename(path.name)
    media_type, _encoding = mimetypes.guess_type(filename)
    attachment = Attachment(
        organisation_id=organisation_id,
        dossier_id=dossier_id,
        kind=document_kind.value,
        filename=filename,
        media_type=media_type or DEFAULT_MEDIA_TYPE,
        content=content,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        valid_from=valid_from,
        valid_until=valid_until,
    )
    session.add(attachment)
    session.flush()
    return attachment.id


def _get(session: Session, document_id: int) -> Attachment:
    attachment = session.get(Attachment, document_id)
    if attachment is None:
        raise ValidationError("Ce document n'existe plus (il a peut-être été supprimé).")
    return attachment


def update_document(
    session: Session,
    document_id: int,
    *,
    kind: DocumentKind | str,
    valid_from: date | None,
    valid_until: date | None,
) -> None:
    """Change a document's kind and dates of validity (its bytes never change)."""
    attachment = _get(session, document_id)
    document_kind = _document_kind(kind)
    _check_validity(valid_from, valid_until)
    attachment.kind = document_kind.value
    attachment.valid_from = valid_from
    attachment.valid_until = valid_until


def document_content(session: Session, document_id: int) -> bytes:
    """The stored bytes, checked against their SHA-256."""
    attachment = _get(session, document_id)
    content = bytes(attachment.content)
    if hashlib.sha256(content).hexdigest() != attachment.sha256:
        raise UserFacingError(
            f"Le document « {attachment.filename} » est altéré dans le fichier de données "
            "(empreinte SHA-256 différente) : restaurez une sauvegarde."
        )
    return content


def export_document(session: Session, document_id: int, folder: Path) -> Path:
    """Write the document into *folder* under its name (never overwriting another file)."""
    attachment = _get(session, document_id)
    content = document_content(session, document_id)
    folder = Path(folder)
    name = _clean_filename(attachment.filename)
    stem, suffix = Path(name).stem, Path(name).suffix
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        number = 1
        while target.exists():
            if target.is_file() and target.read_bytes() == content:
                return target
            number += 1
            target = folder / f"{stem} ({number}){suffix}"
        temporary = target.with_name(f".{target.name}.partial")
        temporary.write_bytes(content)
        temporary.replace(target)
    except OSError as exc:
        raise UserFacingError(
            f"Impossible d'écrire « {name} » dans « {folder} » : {exc.strerror or exc}."
        ) from None
    return target


def delete_document(session: Session, document_id: int) -> None:
    """Remove a document from the database."""
    session.delete(_get(session, document_id))
    session.flush()
