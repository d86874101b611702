"""Money flows: budget lines, envelopes, calls, actions, dossiers, funding, payments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qpvdesk.core.domain.base import Base, MoneyType, UTCDateTime, enum_column, utcnow
from qpvdesk.core.domain.enums import (
    ActionKind,
    ActionState,
    BudgetSide,
    CallState,
    DossierState,
    FundingNature,
    Opinion,
    PaymentKind,
)
from qpvdesk.core.domain.money import Money


class BudgetLine(Base):
    """A funder's budget line, droit commun or crédits spécifiques (BOP 147, VVV…)."""

    __tablename__ = "budget_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    funder_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    code: Mapped[str | None] = mapped_column(String(50))
    nature: Mapped[FundingNature] = mapped_column(enum_column(FundingNature, "funding_nature"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (UniqueConstraint("funder_id", "name"),)


class Envelope(Base):
    """The amount a budget line puts on the table for one year."""

    __tablename__ = "envelope"

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_line.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Money] = mapped_column(MoneyType)
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("budget_line_id", "year"),
        CheckConstraint("amount >= 0", name="amount"),
    )


call_objective = Table(
    "call_objective",
    Base.metadata,
    Column("call_id", ForeignKey("call_for_projects.id", ondelete="CASCADE"), primary_key=True),
    Column("objective_id", ForeignKey("objective.id", ondelete="RESTRICT"), primary_key=True),
)

call_envelope = Table(
    "call_envelope",
    Base.metadata,
    Column("call_id", ForeignKey("call_for_projects.id", ondelete="CASCADE"), primary_key=True),
    Column("envelope_id", ForeignKey("envelope.id", ondelete="RESTRICT"), primary_key=True),
)

action_theme = Table(
    "action_theme",
    Base.metadata,
    Column("action_id", ForeignKey("action.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("cross_cutting_theme.id", ondelete="RESTRICT"), primary_key=True),
)


class CallForProjects(Base):
    """An appel à projets: yearly or thematic."""

    __tablename__ = "call_for_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(300))
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[CallState] = mapped_column(
        enum_column(CallState, "call_state"), default=CallState.DRAFT
    )
    description: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            "opens_on IS NULL OR closes_on IS NULL OR closes_on >= opens_on", name="dates"
        ),
    )


class Action(Base):
    """An action of the contract: funded through the call, or carried on a partner's budget."""

    __tablename__ = "action"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    holder_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    objective_id: Mapped[int | None] = mapped_column(
        ForeignKey("objective.id", ondelete="RESTRICT"), index=True
    )
    state_theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("state_theme.id", ondelete="RESTRICT")
    )
    kind: Mapped[ActionKind] = mapped_column(
        enum_column(ActionKind, "action_kind"), default=ActionKind.CALL_FOR_PROJECTS
    )
    state: Mapped[ActionState] = mapped_column(
        enum_column(ActionState, "action_state"), default=ActionState.PLANNED
    )
    start_year: Mapped[int | None] = mapped_column(Integer)
    end_year: Mapped[int | None] = mapped_column(Integer)
    place: Mapped[str | None] = mapped_column(String(300))
    public: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            "start_year IS NULL OR end_year IS NULL OR end_year >= start_year", name="years"
        ),
    )


class Dossier(Base):
    """One year's funding request for an action (CERFA 12156)."""

    __tablename__ = "dossier"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("call_for_projects.id", ondelete="RESTRICT"), index=True
    )
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id", ondelete="RESTRICT"), index=True)
    holder_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    objective_id: Mapped[int | None] = mapped_column(
        ForeignKey("objective.id", ondelete="RESTRICT"), index=True
    )
    state: Mapped[DossierState] = mapped_column(
        enum_column(DossierState, "dossier_state"), default=DossierState.RECEIVED
    )
    opinion: Mapped[Opinion | None] = mapped_column(enum_column(Opinion, "opinion"))
    received_on: Mapped[date | None] = mapped_column(Date)
    total_cost: Mapped[Money] = mapped_column(MoneyType, default=Money.zero)
    is_renewal: Mapped[bool] = mapped_column(Boolean, default=False)
    # A multi-year agreement (CPO) runs from `year` to `last_year`, one funding row a year.
    last_year: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    target_public: Mapped[str | None] = mapped_column(Text)
    beneficiaries_expected: Mapped[int | None] = mapped_column(Integer)
    beneficiaries_qpv: Mapped[int | None] = mapped_column(Integer)
    women_share_percent: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(300))
    missing_documents: Mapped[str | None] = mapped_column(Text)
    # The association's end-of-action report (CERFA 15059, bilan qualitatif).
    report_text: Mapped[str | None] = mapped_column(Text)
    report_received_on: Mapped[date | None] = mapped_column(Date)
    # Folded reference, holder and title: SQLite's LIKE only folds ASCII.
    search_text: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    action: Mapped[Action] = relationship()

    __table_args__ = (
        UniqueConstraint("year", "sequence"),
        CheckConstraint("total_cost >= 0", name="total_cost"),
        CheckConstraint("sequence > 0", name="sequence"),
        CheckConstraint("last_year IS NULL OR last_year >= year", name="last_year"),
        CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on", name="period"
        ),
        CheckConstraint(
            "women_share_percent IS NULL OR women_share_percent BETWEEN 0 AND 100",
            name="women_share",
        ),
        CheckConstraint(
            "(beneficiaries_expected IS NULL OR beneficiaries_expected >= 0) AND "
            "(beneficiaries_qpv IS NULL OR beneficiaries_qpv >= 0)",
            name="beneficiaries",
        ),
        Index("ix_dossier_year_state", "year", "state"),
    )


class DossierEvent(Base):
    """One step of a dossier's history: a change of state, dated, with its author and comment."""

    __tablename__ = "dossier_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user: Mapped[str | None] = mapped_column(String(100))
    from_state: Mapped[DossierState | None] = mapped_column(
        enum_column(DossierState, "event_from_state")
    )
    to_state: Mapped[DossierState] = mapped_column(enum_column(DossierState, "event_to_state"))
    comment: Mapped[str | None] = mapped_column(Text)


class BudgetEntry(Base):
    """A line of the action's budget by CERFA heading (60–68 charges, 70–78 produits, 86/87)."""

    __tablename__ = "budget_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[BudgetSide] = mapped_column(enum_column(BudgetSide, "budget_side"))
    account: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(300))
    planned: Mapped[Money] = mapped_column(MoneyType, default=Money.zero)
    achieved: Mapped[Money | None] = mapped_column(MoneyType)
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        CheckConstraint("planned >= 0", name="planned"),
        CheckConstraint("achieved IS NULL OR achieved >= 0", name="achieved"),
    )


class Funding(Base):
    """What one budget line is asked, proposes, grants for an action in a year."""

    __tablename__ = "funding"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id", ondelete="RESTRICT"))
    dossier_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossier.id", ondelete="RESTRICT"), index=True
    )
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_line.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer)
    requested: Mapped[Money | None] = mapped_column(MoneyType)
    proposed: Mapped[Money | None] = mapped_column(MoneyType)
    granted: Mapped[Money | None] = mapped_column(MoneyType)
    funder_decision: Mapped[str | None] = mapped_column(String(300))
    decided_on: Mapped[date | None] = mapped_column(Date)

    payments: Mapped[list[Payment]] = relationship(back_populates="funding")

    __table_args__ = (
        CheckConstraint("requested IS NULL OR requested >= 0", name="requested"),
        CheckConstraint("proposed IS NULL OR proposed >= 0", name="proposed"),
        CheckConstraint("granted IS NULL OR granted >= 0", name="granted"),
        UniqueConstraint("action_id", "budget_line_id", "year", "dossier_id"),
        # Covering index for the totals per line and year (envelope consumption).
        Index("ix_funding_line_year", "budget_line_id", "year", "requested", "proposed", "granted"),
    )


class Payment(Base):
    """A payment (advance, instalment, balance) made under a funding row."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    funding_id: Mapped[int] = mapped_column(
        ForeignKey("funding.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[PaymentKind] = mapped_column(enum_column(PaymentKind, "payment_kind"))
    amount: Mapped[Money] = mapped_column(MoneyType)
    paid_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(100))

    funding: Mapped[Funding] = relationship(back_populates="payments")

    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)


class ActionNote(Base):
    """A dated progress note on an action."""

    __tablename__ = "action_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id", ondelete="CASCADE"), index=True)
    written_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
