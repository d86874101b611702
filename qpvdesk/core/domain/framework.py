"""The contract and its framework: neighbourhoods, objective tree, cross-cutting themes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qpvdesk.core.domain.base import Base, UTCDateTime, enum_column, utcnow
from qpvdesk.core.domain.enums import ObjectiveLevel, StateThemeLevel, ThemeKind


class Contract(Base):
    """A contrat de ville: one per database file."""

    __tablename__ = "contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    code: Mapped[str | None] = mapped_column(String(20))
    town: Mapped[str] = mapped_column(String(200))
    insee_code: Mapped[str | None] = mapped_column(String(5))
    intercommunality: Mapped[str | None] = mapped_column(String(200))
    intercommunality_siren: Mapped[str | None] = mapped_column(String(9))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    neighbourhoods: Mapped[list[Neighbourhood]] = relationship(back_populates="contract")

    __table_args__ = (CheckConstraint("end_year >= start_year", name="years"),)


class Neighbourhood(Base):
    """A quartier prioritaire (QPV) of the contract."""

    __tablename__ = "neighbourhood"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    population: Mapped[int | None] = mapped_column(Integer)
    population_source: Mapped[str | None] = mapped_column(Text)
    decree: Mapped[str | None] = mapped_column(String(100))

    contract: Mapped[Contract] = relationship(back_populates="neighbourhoods")

    __table_args__ = (CheckConstraint("population IS NULL OR population >= 0", name="population"),)


class Objective(Base):
    """A node of the framework: priority → strategic → operational → action-plan item.

    `code` (``P1.2.3``) is given once, at creation, and survives reordering so that
    exports and other people's workbooks keep pointing at the same objective.
    """

    __tablename__ = "objective"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    # RESTRICT: a parent with children cannot vanish and orphan its subtree.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("objective.id", ondelete="RESTRICT"), index=True
    )
    level: Mapped[ObjectiveLevel] = mapped_column(enum_column(ObjectiveLevel, "objective_level"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    short_title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)

    parent: Mapped[Objective | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Objective]] = relationship(
        back_populates="parent", order_by="Objective.position"
    )

    __table_args__ = (
        UniqueConstraint("contract_id", "code"),
        CheckConstraint("position >= 0", name="position"),
        CheckConstraint(
            "(level = 'priority' AND parent_id IS NULL) OR "
            "(level <> 'priority' AND parent_id IS NOT NULL)",
            name="root_is_priority",
        ),
        Index("ix_objective_parent_position", "parent_id", "position"),
    )


class CrossCuttingTheme(Base):
    """An axe transversal: thematic (santé, …) or methodological (« aller vers », …)."""

    __tablename__ = "cross_cutting_theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    kind: Mapped[ThemeKind] = mapped_column(enum_column(ThemeKind, "theme_kind"))
    title: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)


class StateTheme(Base):
    """The State's thematic nomenclature (6 themes, 25 sub-themes since 2024)."""

    __tablename__ = "state_theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    level: Mapped[StateThemeLevel] = mapped_column(
        enum_column(StateThemeLevel, "state_theme_level")
    )
    label: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("state_theme.id", ondelete="RESTRICT"))
