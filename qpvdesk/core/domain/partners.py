"""Organisations (funders, project holders, partners, signatories) and their contacts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qpvdesk.core.domain.base import Base, UTCDateTime, enum_column, utcnow
from qpvdesk.core.domain.enums import OrganisationKind, OrganisationRoleKind


class Organisation(Base):
    """A structure: State service, local authority, association, company…"""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    # Case- and accent-folded name: SQLite's LIKE only folds ASCII.
    search_name: Mapped[str] = mapped_column(String(300), index=True)
    acronym: Mapped[str | None] = mapped_column(String(50))
    kind: Mapped[OrganisationKind] = mapped_column(
        enum_column(OrganisationKind, "organisation_kind"), default=OrganisationKind.OTHER
    )
    siret: Mapped[str | None] = mapped_column(String(14), unique=True)
    rna: Mapped[str | None] = mapped_column(String(10), unique=True)
    address: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    roles: Mapped[list[OrganisationRole]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    contacts: Mapped[list[Contact]] = relationship(back_populates="organisation")

    __table_args__ = (
        CheckConstraint("siret IS NULL OR length(siret) = 14", name="siret_length"),
        CheckConstraint("rna IS NULL OR length(rna) = 10", name="rna_length"),
    )


class OrganisationRole(Base):
    """One role an organisation plays in the contract."""

    __tablename__ = "organisation_role"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[OrganisationRoleKind] = mapped_column(
        enum_column(OrganisationRoleKind, "organisation_role_kind"), primary_key=True
    )

    organisation: Mapped[Organisation] = relationship(back_populates="roles")


class Contact(Base):
    """A member of staff of a partner organisation (professional data only, GDPR)."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    function: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    is_resident: Mapped[bool] = mapped_column(default=False)

    organisation: Mapped[Organisation | None] = relationship(back_populates="contacts")
