"""Attachments (documents kept inside the file) and the append-only audit log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qpvdesk.core.domain.base import Base, UTCDateTime, utcnow


class Attachment(Base):
    """A document (statuts, RIB, bilan…) stored in the database so that backups hold it too."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    dossier_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str | None] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(
            "organisation_id IS NOT NULL OR dossier_id IS NOT NULL OR meeting_id IS NOT NULL",
            name="owner",
        ),
        CheckConstraint("size >= 0", name="size"),
        CheckConstraint(
            "valid_from IS NULL OR valid_until IS NULL OR valid_until >= valid_from",
            name="validity",
        ),
    )


class AuditEntry(Base):
    """One change to money, a state or a decision: who, when, old → new (append-only, chained).

    Action ``reason`` entries keep why an approved amount was changed (in ``new_value``).
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[str] = mapped_column(String(32))
    user: Mapped[str | None] = mapped_column(String(100))
    table_name: Mapped[str] = mapped_column(String(50))
    row_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))
    column_name: Mapped[str | None] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    #: sha256 (hex) of the previous entry's hash and this entry (`storage.audit.entry_hash`).
    hash: Mapped[str | None] = mapped_column(String(64))
