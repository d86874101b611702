"""Evaluation and observation: indicators, measurements, context figures, participation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qpvdesk.core.domain.base import Base, DecimalText, enum_column
from qpvdesk.core.domain.enums import MeasurementKind, Territory


class Indicator(Base):
    """Something counted on an action or an objective (beneficiaries, …)."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("action.id", ondelete="CASCADE"), index=True
    )
    objective_id: Mapped[int | None] = mapped_column(
        ForeignKey("objective.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str | None] = mapped_column(String(50))
    baseline: Mapped[Decimal | None] = mapped_column(DecimalText)
    target: Mapped[Decimal | None] = mapped_column(DecimalText)

    __table_args__ = (
        CheckConstraint("action_id IS NOT NULL OR objective_id IS NOT NULL", name="attached"),
    )


class Measurement(Base):
    """A planned or achieved value of an indicator for a year."""

    __tablename__ = "measurement"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[MeasurementKind] = mapped_column(
        enum_column(MeasurementKind, "measurement_kind"), default=MeasurementKind.ACHIEVED
    )
    value: Mapped[Decimal] = mapped_column(DecimalText)
    source: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("indicator_id", "year", "kind"),)


class ContextFigure(Base):
    """A figure observed on a territory for a year (poverty rate, unemployment, …)."""

    __tablename__ = "context_figure"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(300))
    territory: Mapped[Territory] = mapped_column(enum_column(Territory, "territory"))
    territory_name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(DecimalText)
    unit: Mapped[str] = mapped_column(String(50))
    source: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("contract_id", "indicator", "territory", "territory_name", "year"),
    )


class ParticipationEvent(Base):
    """A moment of residents' participation: counted, never named."""

    __tablename__ = "participation_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(String(300))
    participants: Mapped[int | None] = mapped_column(Integer)
    themes: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("participants IS NULL OR participants >= 0", name="participants"),
    )


class EvaluativeQuestion(Base):
    """A question the mid-term and final evaluations answer (the contract lists three)."""

    __tablename__ = "evaluative_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (CheckConstraint("position >= 0", name="position"),)


evaluative_question_indicator = Table(
    "evaluative_question_indicator",
    Base.metadata,
    Column(
        "question_id", ForeignKey("evaluative_question.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("indicator_id", ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True),
)

evaluative_question_action = Table(
    "evaluative_question_action",
    Base.metadata,
    Column(
        "question_id", ForeignKey("evaluative_question.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("action_id", ForeignKey("action.id", ondelete="CASCADE"), primary_key=True),
)
