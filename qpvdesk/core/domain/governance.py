"""Governance: committees and their members, meetings, attendance, agenda, decisions, follow-ups."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qpvdesk.core.domain.base import Base, MoneyType, UTCDateTime, enum_column, utcnow
from qpvdesk.core.domain.enums import (
    AttendanceStatus,
    CommitteeKind,
    FollowUpState,
    MeetingState,
    MemberRole,
    Opinion,
)
from qpvdesk.core.domain.money import Money


class Committee(Base):
    """An instance: COPIL, COTECH, a commission thématique, comité des financeurs…"""

    __tablename__ = "committee"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    kind: Mapped[CommitteeKind] = mapped_column(enum_column(CommitteeKind, "committee_kind"))
    name: Mapped[str] = mapped_column(String(200))
    # A commission thématique follows one priority of the framework.
    priority_id: Mapped[int | None] = mapped_column(ForeignKey("objective.id", ondelete="SET NULL"))
    description: Mapped[str | None] = mapped_column(Text)


class CommitteeMembership(Base):
    """A seat in a committee, held by a contact or an organisation, over a period."""

    __tablename__ = "committee_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committee.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE")
    )
    role: Mapped[MemberRole] = mapped_column(
        enum_column(MemberRole, "member_role"), default=MemberRole.MEMBER
    )
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint(
            "contact_id IS NOT NULL OR organisation_id IS NOT NULL", name="member_present"
        ),
        CheckConstraint("since IS NULL OR until IS NULL OR until >= since", name="period"),
    )


class Meeting(Base):
    """A séance of a committee."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committee.id", ondelete="RESTRICT"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[MeetingState] = mapped_column(
        enum_column(MeetingState, "meeting_state"), default=MeetingState.PLANNED
    )
    notes: Mapped[str | None] = mapped_column(Text)
    # Where the meeting mode stood (agenda position) so that reopening resumes there.
    current_position: Mapped[int | None] = mapped_column(Integer)


class Attendance(Base):
    """Who was there: a member, a contact, or a named guest, and how."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    guest_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[AttendanceStatus] = mapped_column(
        enum_column(AttendanceStatus, "attendance_status")
    )
    represented_by: Mapped[str | None] = mapped_column(String(200))
    remarks: Mapped[str | None] = mapped_column(Text)


class AgendaItem(Base):
    """A point of the ordre du jour, possibly about a dossier."""

    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id", ondelete="RESTRICT"))
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint("position >= 0", name="position"),)


class Decision(Base):
    """An avis or a decision taken in a meeting, about a dossier or free."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="RESTRICT"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL")
    )
    dossier_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossier.id", ondelete="RESTRICT"), index=True
    )
    opinion: Mapped[Opinion | None] = mapped_column(enum_column(Opinion, "decision_opinion"))
    text: Mapped[str | None] = mapped_column(Text)
    # Decisions are numbered in the record in this order.
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("meeting_id", "dossier_id"),)


class DecisionAmount(Base):
    """The amount a decision proposes on one funding row."""

    __tablename__ = "decision_amount"

    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decision.id", ondelete="CASCADE"), primary_key=True
    )
    funding_id: Mapped[int] = mapped_column(
        ForeignKey("funding.id", ondelete="RESTRICT"), primary_key=True
    )
    amount: Mapped[Money] = mapped_column(MoneyType)

    __table_args__ = (CheckConstraint("amount >= 0", name="amount"),)


class FollowUp(Base):
    """A suite à donner: what, who, by when."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id", ondelete="SET NULL"))
    what: Mapped[str] = mapped_column(Text)
    who: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[FollowUpState] = mapped_column(
        enum_column(FollowUpState, "follow_up_state"), default=FollowUpState.OPEN
    )
    done_on: Mapped[date | None] = mapped_column(Date)


class ProgrammeSnapshot(Base):
    """The programmation a COPIL (or comité des financeurs) approved, frozen at closing."""

    __tablename__ = "programme_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="RESTRICT"), unique=True
    )
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_by: Mapped[str | None] = mapped_column(String(100))


class SnapshotLine(Base):
    """One funding row as approved: values copied, so later edits never change it."""

    __tablename__ = "snapshot_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("programme_snapshot.id", ondelete="CASCADE"), index=True
    )
    # Kept as plain numbers: the dossier or row may be edited or even deleted later.
    dossier_id: Mapped[int | None] = mapped_column(Integer)
    funding_id: Mapped[int | None] = mapped_column(Integer)
    budget_line_id: Mapped[int | None] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(20))
    holder: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(500))
    budget_line: Mapped[str] = mapped_column(String(300))
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(32))
    requested: Mapped[Money | None] = mapped_column(MoneyType)
    proposed: Mapped[Money | None] = mapped_column(MoneyType)
    granted: Mapped[Money | None] = mapped_column(MoneyType)


class MailDraft(Base):
    """An e-mail draft (.eml, X-Unsent) waiting for the network: the « À envoyer » list."""

    __tablename__ = "mail_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(300))
    recipients: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(300))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
