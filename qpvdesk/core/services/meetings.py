"""Meetings (séances): preparing them, holding them in meeting mode, closing them.

Before: a meeting of a committee (date and time, place), its agenda in order
(points tied to dossiers or not), the dossiers to examine picked from
`proposed_dossiers` (by default the year's dossiers of the commission's priority
awaiting an opinion).

During, in meeting mode, every confirmed entry is its own unit of work: the
attendance of each member (`record_attendance`), the opinion and amounts on a
dossier (`record_opinion`), a free decision, a follow-up, the resume point
(`set_current_position`). Nothing waits for a save button: a killed process loses
nothing confirmed. `meeting_mode_data` gives the screen everything as frozen rows,
with what remains in each envelope once this meeting's proposals count, and
`MeetingModeData.remaining_after` previews an amount being typed without a query.

After: `close_meeting` applies the decisions in one transaction (dossier states
through `dossiers.change_state`, so the history and the audit log are written;
proposed or granted amounts) and, for a COPIL or a comité des financeurs, freezes
the approved programmation (`ProgrammeSnapshot`); `snapshot_differences` tells
what changed since, and who changed it.

Times are stored in UTC and shown in Europe/Paris (`local_time`).

Write functions take a Session and never commit: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import (
    AttendanceStatus,
    CommitteeKind,
    DossierState,
    FollowUpState,
    MeetingState,
    MemberRole,
    Opinion,
)
from qpvdesk.core.domain.models import (
    Action,
    AgendaItem,
    Attendance,
    AuditEntry,
    BudgetLine,
    Committee,
    Contact,
    Decision,
    DecisionAmount,
    Dossier,
    FollowUp,
    Funding,
    MailDraft,
    Meeting,
    Objective,
    Organisation,
    ProgrammeSnapshot,
    SnapshotLine,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.workflow import allowed_next
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.log_redaction import EMAIL_IN_TEXT
from qpvdesk.core.services import dossiers as dossier_service
from qpvdesk.core.services.committees import DECIDING_KINDS, MemberRow, member_rows
from qpvdesk.core.services.funding import envelope_consumptions
from qpvdesk.core.storage.engine import current_user

MAX_PLACE = 300
MAX_TITLE = 500
MAX_NAME = 200
MAX_TEXT = 5000
DEFAULT_DURATION = timedelta(hours=2)

# Dossiers a commission can give an opinion on.
AWAITING_OPINION = (DossierState.COMPLETE, DossierState.UNDER_REVIEW)
# States of a dossier in the approved programmation (what a COPIL snapshot keeps).
APPROVED_FAMILY = frozenset(
    {
        DossierState.APPROVED,
        DossierState.AGREEMENT_SIGNED,
        DossierState.PAID,
        DossierState.REPORT_RECEIVED,
        DossierState.CLOSED,
    }
)
AMOUNT_FIELDS = {"requested": "demandé", "proposed": "proposé", "granted": "accordé"}


# --- Europe/Paris --------------------------------------------------------------------------


class _EuropeParisRules(tzinfo):
    """Europe/Paris by the EU rule (since 1996), for systems without a tz database.

    Summer time from the last Sunday of March to the last Sunday of October, 01:00 UTC.
    """

    _STD = timedelta(hours=1)
    _DST = timedelta(hours=2)

    @staticmethod
    def _last_sunday(year: int, month: int) -> date:
        day = date(year, month, 31)
        return day - timedelta(days=(day.weekday() + 1) % 7)

    def _bounds(self, year: int) -> tuple[datetime, datetime]:
        start = datetime.combine(self._last_sunday(year, 3), datetime.min.time()) + timedelta(
            hours=1
        )
        end = datetime.combine(self._last_sunday(year, 10), datetime.min.time()) + timedelta(
            hours=1
        )
        return start, end  # naive UTC

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is None:
            return self._STD
        local = dt.replace(tzinfo=None)
        start, end = self._bounds(local.year)
        # Local wall clock: summer time from 02:00 (March) to 03:00 (October), the
        # repeated hour of October being summer time on its first pass (fold=0).
        if start + self._STD <= local < end + self._STD:
            return self._DST
        if end + self._STD <= local < end + self._DST and dt.fold == 0:
            return self._DST
        return self._STD

    def dst(self, dt: datetime | None) -> timedelta:
        return self.utcoffset(dt) - self._STD

    def tzname(self, dt: datetime | None) -> str:
        return "CEST" if self.dst(dt) else "CET"

    def fromutc(self, dt: datetime) -> datetime:
        utc = dt.replace(tzinfo=None)
        start, end = self._bounds(utc.year)
        offset = self._DST if start <= utc < end else self._STD
        local = (utc + offset).replace(tzinfo=self)
        # The second pass of the repeated October hour.
        if offset == self._STD and end <= utc < end + self._STD:
            local = local.replace(fold=1)
        return local


@cache
def paris_tz() -> tzinfo:
    """Europe/Paris: the system's tz database when present (tzdata), else the EU rule."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Paris")
    except Exception:  # ZoneInfoNotFoundError on Windows without tzdata
        return _EuropeParisRules()


def local_time(moment: datetime) -> datetime:
    """*moment* (aware) on the clocks of Clermont-l'Hérault."""
    return moment.astimezone(paris_tz())


def paris_datetime(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """An aware datetime for a wall-clock time in Europe/Paris (for forms and tests)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=paris_tz())


def french_date(moment: datetime | date) -> str:
    """``12/05/2026`` (a datetime is read in Europe/Paris)."""
    if isinstance(moment, datetime):
        moment = local_time(moment).date()
    return moment.strftime("%d/%m/%Y")


WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_long_date(moment: datetime | date) -> str:
    """``mardi 12 mai 2026`` (no locale needed; a datetime is read in Europe/Paris)."""
    if isinstance(moment, datetime):
        moment = local_time(moment).date()
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{WEEKDAYS[moment.weekday()]} {day} {MONTHS[moment.month - 1]} {moment.year}"


def french_time(moment: datetime) -> str:
    """``14 h 30`` in Europe/Paris."""
    local = local_time(moment)
    return f"{local.hour} h {local.minute:02d}"


def french_time_span(starts_at: datetime, ends_at: datetime | None) -> str:
    """``14 h 00 – 16 h 30`` in Europe/Paris; the start alone when the end is not known."""
    start = french_time(starts_at)
    return f"{start} – {french_time(ends_at)}" if ends_at is not None else start


# --- rows ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeetingRow:
    """A meeting as lists show it."""

    id: int
    committee_id: int
    committee_name: str
    committee_kind: CommitteeKind
    committee_kind_label: str
    priority_id: int | None
    starts_at: datetime
    ends_at: datetime | None
    place: str | None
    state: MeetingState
    state_label: str
    notes: str | None
    current_position: int | None
    agenda_count: int
    decision_count: int

    @property
    def local_start(self) -> datetime:
        return local_time(self.starts_at)

    @property
    def year(self) -> int:
        return self.local_start.year

    @property
    def title(self) -> str:
        """``Comité de pilotage (COPIL) du 23/06/2026``."""
        return f"{self.committee_name} du {french_date(self.starts_at)}"

    @property
    def is_open(self) -> bool:
        """Decisions may still be recorded (the meeting is not closed)."""
        return self.state is MeetingState.PLANNED

    @property
    def is_deciding(self) -> bool:
        return self.committee_kind in DECIDING_KINDS


@dataclass(frozen=True, slots=True)
class MeetingInput:
    """The meeting form: *starts_at* and *ends_at* are aware datetimes."""

    committee_id: int
    starts_at: datetime
    ends_at: datetime | None = None
    place: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class AgendaRow:
    """A point of the agenda (position from 0; shown from 1)."""

    id: int
    position: int
    title: str
    notes: str | None
    dossier_id: int | None
    dossier_reference: str | None
    decision_id: int | None
    opinion: Opinion | None

    @property
    def number(self) -> int:
        return self.position + 1


@dataclass(frozen=True, slots=True)
class ProposedDossier:
    """A dossier one may put on the agenda."""

    id: int
    reference: str
    year: int
    holder_name: str
    action_title: str
    objective_code: str | None
    state: DossierState
    state_label: str
    total_cost: Money
    requested: Money
    in_priority: bool
    on_agenda: bool


@dataclass(frozen=True, slots=True)
class AttendanceInput:
    """One line of the attendance: a contact, an organisation or a named guest, and how."""

    status: AttendanceStatus
    contact_id: int | None = None
    organisation_id: int | None = None
    guest_name: str | None = None
    represented_by: str | None = None
    remarks: str | None = None


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    """A member (or guest) and their attendance; `id` is None while not recorded."""

    id: int | None
    member_id: int | None
    contact_id: int | None
    organisation_id: int | None
    name: str
    organisation_name: str | None
    function: str | None
    role: MemberRole | None
    role_label: str
    status: AttendanceStatus | None
    status_label: str
    represented_by: str | None
    remarks: str | None
    is_resident: bool
    is_guest: bool

    @property
    def recorded(self) -> bool:
        return self.id is not None

    def as_input(self, status: AttendanceStatus | None = None) -> AttendanceInput:
        """The input recording this line (with another *status* if given)."""
        return AttendanceInput(
            status=status or self.status or AttendanceStatus.PRESENT,
            contact_id=self.contact_id,
            organisation_id=self.organisation_id,
            guest_name=self.name if self.contact_id is None and self.is_guest else None,
            represented_by=self.represented_by,
            remarks=self.remarks,
        )


@dataclass(frozen=True, slots=True)
class DecisionBrief:
    """This meeting's decision on a dossier (not applied to the dossier until closing)."""

    id: int
    number: int
    opinion: Opinion
    opinion_label: str
    comment: str | None
    amounts: tuple[tuple[int, Money], ...]

    def amount_for(self, funding_id: int) -> Money | None:
        return next((amount for fid, amount in self.amounts if fid == funding_id), None)

    @property
    def total(self) -> Money:
        return Money(sum(amount.cents for _, amount in self.amounts))


@dataclass(frozen=True, slots=True)
class FundingBrief:
    """What one funder is asked, and where this meeting stands on it."""

    funding_id: int
    budget_line_id: int
    line_name: str
    line_code: str | None
    funder_name: str
    year: int
    requested: Money | None
    proposed: Money | None
    granted: Money | None
    last_year_granted: Money | None
    proposal: Money | None
    counted: Money

    @property
    def label(self) -> str:
        """``État – Préfecture… — BOP147`` (funder and line, short)."""
        return f"{self.funder_name} — {self.line_code or self.line_name}"


@dataclass(frozen=True, slots=True)
class DossierBrief:
    """A dossier's essentials for the meeting."""

    dossier_id: int
    agenda_item_id: int | None
    agenda_position: int | None
    reference: str
    year: int
    examined_year: int
    state: DossierState
    state_label: str
    holder_name: str
    action_title: str
    objective_code: str | None
    objective_title: str | None
    total_cost: Money
    is_renewal: bool
    last_year_granted: Money | None
    fundings: tuple[FundingBrief, ...]
    decision: DecisionBrief | None

    @property
    def requested(self) -> Money:
        return Money(sum(f.requested.cents for f in self.fundings if f.requested is not None))


@dataclass(frozen=True, slots=True)
class EnvelopeLine:
    """An envelope concerned by the meeting: before, decided in it, and what remains."""

    budget_line_id: int
    year: int
    line_name: str
    line_code: str | None
    funder_name: str
    envelope: Money | None
    committed: Money
    decided: Money
    remaining: Money | None

    @property
    def committed_before(self) -> Money:
        """Committed by every other row (and by these rows before the meeting's amounts)."""
        return self.committed - self.decided

    @property
    def label(self) -> str:
        return f"{self.line_name} ({self.funder_name}) {self.year}"


@dataclass(frozen=True, slots=True)
class FreeDecisionRow:
    """A decision not tied to a dossier."""

    id: int
    number: int
    text: str
    agenda_item_id: int | None


@dataclass(frozen=True, slots=True)
class FollowUpRow:
    """A suite à donner: what, who, by when."""

    id: int
    what: str
    who: str | None
    due_on: date | None
    state: FollowUpState
    state_label: str
    decision_id: int | None


@dataclass(frozen=True, slots=True)
class MeetingModeData:
    """Everything the meeting-mode screen shows, as frozen data."""

    meeting: MeetingRow
    attendance: tuple[AttendanceRow, ...]
    agenda: tuple[AgendaRow, ...]
    dossiers: tuple[DossierBrief, ...]
    free_decisions: tuple[FreeDecisionRow, ...]
    follow_ups: tuple[FollowUpRow, ...]
    envelopes: tuple[EnvelopeLine, ...]
    current_position: int

    def dossier(self, dossier_id: int) -> DossierBrief:
        return next(d for d in self.dossiers if d.dossier_id == dossier_id)

    def envelope_for(self, row: FundingBrief) -> EnvelopeLine | None:
        """The envelope a funding row draws on (its budget line's, for its year)."""
        return next(
            (
                e
                for e in self.envelopes
                if e.budget_line_id == row.budget_line_id and e.year == row.year
            ),
            None,
        )

    def remaining_after(self, pending: Mapping[int, Money]) -> dict[tuple[int, int], Money | None]:
        """What would remain in each envelope, by (budget line, year), with *pending* counted.

        *pending* maps funding rows of this meeting's dossiers to an amount being typed;
        it replaces what the row counts now (its recorded proposal, or its own amounts).
        """
        rows = {f.funding_id: f for d in self.dossiers for f in d.fundings}
        delta: dict[tuple[int, int], int] = {}
        for funding_id, amount in pending.items():
            row = rows.get(funding_id)
            if row is None:
                continue
            key = (row.budget_line_id, row.year)
            delta[key] = delta.get(key, 0) + amount.cents - row.counted.cents
        return {
            (line.budget_line_id, line.year): None
            if line.envelope is None
            else line.envelope
            - line.committed
            - Money(delta.get((line.budget_line_id, line.year), 0))
            for line in self.envelopes
        }


@dataclass(frozen=True, slots=True)
class AppliedDecision:
    """What closing did to one dossier."""

    dossier_id: int
    reference: str
    opinion: Opinion
    from_state: DossierState
    to_state: DossierState


@dataclass(frozen=True, slots=True)
class CloseSummary:
    """The result of `close_meeting`."""

    meeting_id: int
    applied: tuple[AppliedDecision, ...]
    snapshot_id: int | None


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    """One frozen line of an approved programmation."""

    dossier_id: int | None
    funding_id: int | None
    reference: str
    holder: str
    action: str
    budget_line: str
    year: int
    state: str
    requested: Money | None
    proposed: Money | None
    granted: Money | None


@dataclass(frozen=True, slots=True)
class SnapshotDifference:
    """A difference between what the COPIL approved and the live figures, and who made it."""

    dossier_id: int | None
    funding_id: int | None
    reference: str
    holder: str
    budget_line: str
    year: int
    kind: str  # "requested", "proposed", "granted", "removed", "added", "state"
    frozen: Money | None
    current: Money | None
    description: str
    changed_by: str | None
    changed_at: datetime | None


# --- helpers -------------------------------------------------------------------------------


def _clean(text: str | None) -> str | None:
    value = (text or "").strip()
    return value or None


def _one_line(text: str | None) -> str | None:
    value = " ".join((text or "").split())
    return value or None


def _meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise ValidationError("Cette séance n'existe plus (elle a peut-être été supprimée).")
    return meeting


def _committee(session: Session, committee_id: int) -> Committee:
    committee = session.get(Committee, committee_id)
    if committee is None:
        raise ValidationError("Instance : cette instance n'existe plus.", "committee_id")
    return committee


def _title_of(session: Session, meeting: Meeting) -> str:
    committee = session.get(Committee, meeting.committee_id)
    name = committee.name if committee is not None else "Séance"
    return f"{name} du {french_date(meeting.starts_at)}"


def _require_open(session: Session, meeting: Meeting) -> None:
    if meeting.state is not MeetingState.PLANNED:
        raise ValidationError(
            f"La séance « {_title_of(session, meeting)} » est close "
            f"(« {meeting.state.label} ») : ses décisions ne peuvent plus changer."
        )


def _dossier(session: Session, dossier_id: int) -> Dossier:
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise ValidationError("Ce dossier n'existe plus (il a peut-être été supprimé).")
    return dossier


def _examined_year(dossier_year: int, last_year: int | None, meeting_year: int) -> int:
    """The year of a dossier a meeting examines: the meeting's, if the dossier covers it."""
    if dossier_year <= meeting_year <= (last_year or dossier_year):
        return meeting_year
    return dossier_year


def _priority_objectives(session: Session, priority_id: int) -> set[int]:
    """The priority and every objective under it (walked by parent, not by code)."""
    children: dict[int | None, list[int]] = {}
    for oid, parent in session.execute(select(Objective.id, Objective.parent_id)):
        children.setdefault(parent, []).append(oid)
    found = {priority_id}
    stack = [priority_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def _audit_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- meetings ------------------------------------------------------------------------------


def _check_input(session: Session, data: MeetingInput) -> tuple[str | None, str | None]:
    _committee(session, data.committee_id)
    if not isinstance(data.starts_at, datetime) or data.starts_at.tzinfo is None:
        raise ValidationError(
            "Date et heure : indiquez le jour et l'heure de la séance.", "starts_at"
        )
    if data.ends_at is not None:
        if data.ends_at.tzinfo is None:
            raise ValidationError("Fin : indiquez l'heure de fin.", "ends_at")
        if data.ends_at <= data.starts_at:
            raise ValidationError(
                f"Fin : la séance finit ({french_time(data.ends_at)}) avant d'avoir commencé "
                f"({french_time(data.starts_at)}).",
                "ends_at",
            )
    place = _one_line(data.place)
    if place is not None and len(place) > MAX_PLACE:
        raise ValidationError(f"Lieu : {MAX_PLACE} caractères au plus.", "place")
    return place, _clean(data.notes)


def create_meeting(session: Session, data: MeetingInput) -> int:
    """Plan a meeting of a committee; returns its id."""
    place, notes = _check_input(session, data)
    meeting = Meeting(
        committee_id=data.committee_id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        place=place,
        notes=notes,
        state=MeetingState.PLANNED,
    )
    session.add(meeting)
    session.flush()
    return meeting.id


def update_meeting(session: Session, meeting_id: int, data: MeetingInput) -> None:
    """Save the meeting form (the committee changes only while nothing is decided)."""
    meeting = _meeting(session, meeting_id)
    place, notes = _check_input(session, data)
    if data.committee_id != meeting.committee_id:
        decided = session.scalar(select(func.count()).where(Decision.meeting_id == meeting_id))
        if decided or meeting.state is not MeetingState.PLANNED:
            raise ValidationError(
                "Instance : la séance a déjà des décisions ; elle ne peut plus changer d'instance.",
                "committee_id",
            )
    for name, value in (
        ("committee_id", data.committee_id),
        ("starts_at", data.starts_at),
        ("ends_at", data.ends_at),
        ("place", place),
        ("notes", notes),
    ):
        if getattr(meeting, name) != value:
            setattr(meeting, name, value)
    session.flush()


def delete_meeting(session: Session, meeting_id: int) -> None:
    """Delete a planned meeting without decisions (its agenda and attendance go with it)."""
    meeting = _meeting(session, meeting_id)
    if meeting.state is not MeetingState.PLANNED:
        raise ValidationError(
            f"La séance « {_title_of(session, meeting)} » a été tenue : elle ne peut pas être "
            "supprimée."
        )
    decided = int(
        session.scalar(select(func.count()).where(Decision.meeting_id == meeting_id)) or 0
    )
    if decided:
        raise ValidationError(
            f"La séance « {_title_of(session, meeting)} » a {decided} décision"
            f"{'s' if decided > 1 else ''} : retirez-les avant de supprimer la séance."
        )
    for model in (AgendaItem, Attendance):
        for row in session.scalars(select(model).where(model.meeting_id == meeting_id)):
            session.delete(row)
    for follow_up in session.scalars(select(FollowUp).where(FollowUp.meeting_id == meeting_id)):
        follow_up.meeting_id = None
    for draft in session.scalars(select(MailDraft).where(MailDraft.meeting_id == meeting_id)):
        draft.meeting_id = None
    session.flush()
    session.delete(meeting)
    session.flush()


def meeting_rows(
    session: Session,
    committee_id: int | None = None,
    states: Iterable[MeetingState] | None = None,
) -> list[MeetingRow]:
    """Meetings in date order (of one committee, in some states, when asked)."""
    conditions = []
    if committee_id is not None:
        conditions.append(Meeting.committee_id == committee_id)
    if states is not None:
        conditions.append(Meeting.state.in_([MeetingState(s) for s in states]))
    return _meeting_rows(session, *conditions)


def _meeting_rows(session: Session, *conditions: Any) -> list[MeetingRow]:
    # Counted per meeting through the meeting_id indexes: a file holds thousands of
    # decisions, and a list (or one meeting's row) needs the counts of a few meetings.
    agenda = (
        select(func.count()).where(AgendaItem.meeting_id == Meeting.id).scalar_subquery()
    )
    decisions = (
        select(func.count()).where(Decision.meeting_id == Meeting.id).scalar_subquery()
    )
    statement = (
        select(
            Meeting,
            Committee.name,
            Committee.kind,
            Committee.priority_id,
            agenda,
            decisions,
        )
        .join(Committee, Committee.id == Meeting.committee_id)
        .where(*conditions)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [
        MeetingRow(
            id=meeting.id,
            committee_id=meeting.committee_id,
            committee_name=name,
            committee_kind=kind,
            committee_kind_label=kind.label,
            priority_id=priority_id,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            place=meeting.place,
            state=meeting.state,
            state_label=meeting.state.label,
            notes=meeting.notes,
            current_position=meeting.current_position,
            agenda_count=int(agenda_count),
            decision_count=int(decision_count),
        )
        for meeting, name, kind, priority_id, agenda_count, decision_count in session.execute(
            statement
        )
    ]


def meeting_row(session: Session, meeting_id: int) -> MeetingRow:
    """One meeting's row (a French `ValidationError` when it is gone)."""
    _meeting(session, meeting_id)
    return _meeting_rows(session, Meeting.id == meeting_id)[0]


def next_meeting(session: Session, meeting_id: int) -> MeetingRow | None:
    """The committee's next planned meeting after this one, if any."""
    meeting = _meeting(session, meeting_id)
    later = [
        row
        for row in meeting_rows(session, meeting.committee_id, [MeetingState.PLANNED])
        if row.id != meeting_id and row.starts_at > meeting.starts_at
    ]
    return later[0] if later else None


# --- agenda --------------------------------------------------------------------------------


def _agenda(session: Session, meeting_id: int) -> list[AgendaItem]:
    return list(
        session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def _renumber(items: Sequence[AgendaItem]) -> None:
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position


def _dossier_title(session: Session, dossier: Dossier) -> str:
    holder = session.get(Organisation, dossier.holder_id)
    title = (
        f"Dossier {dossier.reference} — {holder.name if holder else ''} — {dossier.action.title}"
    )
    return title[:MAX_TITLE]


def add_agenda_item(
    session: Session,
    meeting_id: int,
    title: str | None = None,
    dossier_id: int | None = None,
    notes: str | None = None,
) -> int:
    """Append a point to the agenda (about a dossier, titled after it by default); its id."""
    meeting = _meeting(session, meeting_id)
    _require_open(session, meeting)
    text = _one_line(title)
    if dossier_id is not None:
        dossier = _dossier(session, dossier_id)
        already = session.scalar(
            select(AgendaItem.id).where(
                AgendaItem.meeting_id == meeting_id, AgendaItem.dossier_id == dossier_id
            )
        )
        if already is not None:
            raise ValidationError(
                f"Le dossier {dossier.reference} est déjà à l'ordre du jour de cette séance."
            )
        text = text or _dossier_title(session, dossier)
    if not text:
        raise ValidationError("Intitulé : indiquez l'objet du point à l'ordre du jour.", "title")
    if len(text) > MAX_TITLE:
        raise ValidationError(f"Intitulé : {MAX_TITLE} caractères au plus.", "title")
    items = _agenda(session, meeting_id)
    item = AgendaItem(
        meeting_id=meeting_id,
        position=len(items),
        title=text,
        dossier_id=dossier_id,
        notes=_clean(notes),
    )
    session.add(item)
    session.flush()
    return item.id


def add_dossiers_to_agenda(
    session: Session, meeting_id: int, dossier_ids: Iterable[int]
) -> list[int]:
    """Append the dossiers not yet on the agenda, in the order given; the new items' ids."""
    on_agenda = set(
        session.scalars(
            select(AgendaItem.dossier_id).where(
                AgendaItem.meeting_id == meeting_id, AgendaItem.dossier_id.is_not(None)
            )
        )
    )
    created = []
    for dossier_id in dossier_ids:
        if dossier_id in on_agenda:
            continue
        created.append(add_agenda_item(session, meeting_id, dossier_id=dossier_id))
        on_agenda.add(dossier_id)
    return created


def _item(session: Session, item_id: int) -> AgendaItem:
    item = session.get(AgendaItem, item_id)
    if item is None:
        raise ValidationError("Ce point de l'ordre du jour n'existe plus.")
    return item


def update_agenda_item(session: Session, item_id: int, title: str, notes: str | None) -> None:
    """Retitle a point or change its notes."""
    item = _item(session, item_id)
    text = _one_line(title)
    if not text:
        raise ValidationError("Intitulé : indiquez l'objet du point à l'ordre du jour.", "title")
    if len(text) > MAX_TITLE:
        raise ValidationError(f"Intitulé : {MAX_TITLE} caractères au plus.", "title")
    if item.title != text:
        item.title = text
    if item.notes != _clean(notes):
        item.notes = _clean(notes)
    session.flush()


def move_agenda_item(session: Session, item_id: int, position: int) -> None:
    """Move a point to *position* (from 0; clamped to the agenda), the others follow."""
    item = _item(session, item_id)
    meeting = _meeting(session, item.meeting_id)
    _require_open(session, meeting)
    items = [i for i in _agenda(session, item.meeting_id) if i.id != item.id]
    items.insert(max(0, min(position, len(items))), item)
    # Two passes: positions stay unique-free anyway, but keep each UPDATE meaningful.
    _renumber(items)
    session.flush()


def remove_agenda_item(session: Session, item_id: int) -> None:
    """Remove a point; refused while the meeting has an opinion on its dossier."""
    item = _item(session, item_id)
    meeting = _meeting(session, item.meeting_id)
    _require_open(session, meeting)
    if item.dossier_id is not None:
        decided = session.scalar(
            select(Decision.id).where(
                Decision.meeting_id == item.meeting_id, Decision.dossier_id == item.dossier_id
            )
        )
        if decided is not None:
            raise ValidationError(
                "Ce point a déjà reçu un avis en séance : retirez d'abord l'avis pour "
                "l'enlever de l'ordre du jour."
            )
    for decision in session.scalars(select(Decision).where(Decision.agenda_item_id == item.id)):
        decision.agenda_item_id = None
    meeting_id = item.meeting_id
    session.delete(item)
    session.flush()
    _renumber(_agenda(session, meeting_id))
    session.flush()


def agenda_rows(session: Session, meeting_id: int) -> list[AgendaRow]:
    """The agenda in order, with the meeting's opinion on each dossier point."""
    _meeting(session, meeting_id)
    decisions = {
        dossier_id: (decision_id, opinion)
        for decision_id, dossier_id, opinion in session.execute(
            select(Decision.id, Decision.dossier_id, Decision.opinion).where(
                Decision.meeting_id == meeting_id, Decision.dossier_id.is_not(None)
            )
        )
    }
    items = session.execute(
        select(AgendaItem, Dossier.reference)
        .outerjoin(Dossier, Dossier.id == AgendaItem.dossier_id)
        .where(AgendaItem.meeting_id == meeting_id)
        .order_by(AgendaItem.position, AgendaItem.id)
    ).all()
    rows = []
    for item, reference in items:
        decision_id, opinion = decisions.get(item.dossier_id or -1, (None, None))
        rows.append(
            AgendaRow(
                id=item.id,
                position=item.position,
                title=item.title,
                notes=item.notes,
                dossier_id=item.dossier_id,
                dossier_reference=reference,
                decision_id=decision_id,
                opinion=opinion,
            )
        )
    return rows


def proposed_dossiers(
    session: Session,
    meeting_id: int,
    *,
    year: int | None = None,
    all_priorities: bool = False,
    states: Iterable[DossierState] = AWAITING_OPINION,
) -> list[ProposedDossier]:
    """Dossiers to pick for the agenda: by default the meeting year's dossiers awaiting an
    opinion (« Recevable », « En instruction ») that serve the commission's priority.

    A committee without a priority (COPIL, COTECH…) is offered every priority;
    *all_priorities* does the same for a commission.
    """
    meeting = _meeting(session, meeting_id)
    committee = _committee(session, meeting.committee_id)
    wanted_year = year if year is not None else local_time(meeting.starts_at).year
    in_priority: set[int] | None = None
    if committee.priority_id is not None:
        in_priority = _priority_objectives(session, committee.priority_id)
    on_agenda = set(
        session.scalars(
            select(AgendaItem.dossier_id).where(
                AgendaItem.meeting_id == meeting_id, AgendaItem.dossier_id.is_not(None)
            )
        )
    )
    requested = (
        select(Funding.dossier_id, func.sum(Funding.requested).label("requested"))
        .where(Funding.dossier_id.is_not(None))
        .group_by(Funding.dossier_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Dossier.id,
            Dossier.reference,
            Dossier.year,
            Organisation.name,
            Action.title,
            Objective.code,
            Dossier.objective_id,
            Dossier.state,
            Dossier.total_cost,
            requested.c.requested,
        )
        .join(Organisation, Organisation.id == Dossier.holder_id)
        .join(Action, Action.id == Dossier.action_id)
        .outerjoin(Objective, Objective.id == Dossier.objective_id)
        .outerjoin(requested, requested.c.dossier_id == Dossier.id)
        .where(
            Dossier.year <= wanted_year,
            func.coalesce(Dossier.last_year, Dossier.year) >= wanted_year,
            Dossier.state.in_([DossierState(s) for s in states]),
        )
        .order_by(Dossier.year, Dossier.sequence)
    ).all()
    result = []
    for (
        dossier_id,
        reference,
        dossier_year,
        holder,
        title,
        code,
        objective_id,
        state,
        cost,
        asked,
    ) in rows:
        matches = in_priority is None or objective_id in in_priority
        if not matches and not all_priorities:
            continue
        result.append(
            ProposedDossier(
                id=dossier_id,
                reference=reference,
                year=dossier_year,
                holder_name=holder,
                action_title=title,
                objective_code=code,
                state=state,
                state_label=state.label,
                total_cost=cost,
                requested=asked if asked is not None else Money(0),
                in_priority=matches,
                on_agenda=dossier_id in on_agenda,
            )
        )
    return result


# --- attendance ----------------------------------------------------------------------------


def _clean_attendance(session: Session, data: AttendanceInput) -> AttendanceInput:
    try:
        status = AttendanceStatus(data.status)
    except ValueError:
        raise ValidationError("Présence : choisissez un statut dans la liste.", "status") from None
    organisation_id = data.organisation_id
    guest = _one_line(data.guest_name)
    if data.contact_id is not None:
        contact = session.get(Contact, data.contact_id)
        if contact is None:
            raise ValidationError("Présence : ce contact n'existe plus.", "contact_id")
        if organisation_id is None:
            organisation_id = contact.organisation_id
        guest = None
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise ValidationError("Présence : cette structure n'existe plus.", "organisation_id")
    if data.contact_id is None and organisation_id is None and guest is None:
        raise ValidationError(
            "Présence : choisissez un membre, une structure, ou indiquez le nom de la "
            "personne invitée.",
            "guest_name",
        )
    if guest is not None and len(guest) > MAX_NAME:
        raise ValidationError(f"Nom : {MAX_NAME} caractères au plus.", "guest_name")
    represented_by = _one_line(data.represented_by)
    if status is AttendanceStatus.REPRESENTED:
        if represented_by is None:
            raise ValidationError(
                "Représenté·e par : indiquez qui représente ce membre.", "represented_by"
            )
        if len(represented_by) > MAX_NAME:
            raise ValidationError(
                f"Représenté·e par : {MAX_NAME} caractères au plus.", "represented_by"
            )
    else:
        represented_by = None
    remarks = _clean(data.remarks)
    if remarks is not None and len(remarks) > MAX_TEXT:
        raise ValidationError(f"Remarques : {MAX_TEXT} caractères au plus.", "remarks")
    return AttendanceInput(status, data.contact_id, organisation_id, guest, represented_by, remarks)


def _find_attendance(session: Session, meeting_id: int, data: AttendanceInput) -> Attendance | None:
    statement = select(Attendance).where(Attendance.meeting_id == meeting_id)
    if data.contact_id is not None:
        statement = statement.where(Attendance.contact_id == data.contact_id)
    elif data.guest_name is not None:
        statement = statement.where(
            Attendance.contact_id.is_(None), Attendance.guest_name.is_not(None)
        )
        return next(
            (
                a
                for a in session.scalars(statement)
                if (a.guest_name or "").casefold() == data.guest_name.casefold()
                and a.organisation_id == data.organisation_id
            ),
            None,
        )
    else:
        statement = statement.where(
            Attendance.contact_id.is_(None),
            Attendance.guest_name.is_(None),
            Attendance.organisation_id == data.organisation_id,
        )
    return session.scalars(statement.order_by(Attendance.id)).first()


def record_attendance(session: Session, meeting_id: int, data: AttendanceInput) -> int:
    """Record (or correct) one person's attendance; returns the attendance id.

    One line per contact, per organisation seat and per named guest: recording again
    replaces the status, the representative and the remarks.
    """
    _meeting(session, meeting_id)
    clean = _clean_attendance(session, data)
    row = _find_attendance(session, meeting_id, clean)
    values: dict[str, object] = {
        "contact_id": clean.contact_id,
        "organisation_id": clean.organisation_id,
        "guest_name": clean.guest_name,
        "status": clean.status,
        "represented_by": clean.represented_by,
        "remarks": clean.remarks,
    }
    if row is None:
        row = Attendance(meeting_id=meeting_id, **values)
        session.add(row)
    else:
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    session.flush()
    return row.id


def remove_attendance(session: Session, attendance_id: int) -> None:
    """Forget one attendance line (the member goes back to « not recorded »)."""
    row = session.get(Attendance, attendance_id)
    if row is None:
        raise ValidationError("Cette présence n'existe plus.")
    session.delete(row)
    session.flush()


def attendance_sheet(session: Session, meeting_id: int) -> list[AttendanceRow]:
    """Every member seated on the meeting's day, with their attendance if recorded,
    then the other people recorded (guests, stand-ins), by organisation and name.
    """
    meeting = _meeting(session, meeting_id)
    day = local_time(meeting.starts_at).date()
    seated = [m for m in member_rows(session, [meeting.committee_id]) if m.active_on(day)]
    # An organisation's seat is held by its contact when one sits too: one line, not two.
    represented = {m.organisation_id for m in seated if m.contact_id is not None}
    members = [
        m for m in seated if m.contact_id is not None or m.organisation_id not in represented
    ]
    recorded = list(
        session.scalars(
            select(Attendance).where(Attendance.meeting_id == meeting_id).order_by(Attendance.id)
        )
    )
    contacts = {
        c.id: c
        for c in session.scalars(
            select(Contact).where(
                Contact.id.in_([a.contact_id for a in recorded if a.contact_id is not None])
            )
        )
    }
    organisations = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_(
                    [a.organisation_id for a in recorded if a.organisation_id is not None]
                )
            )
        ).all()
    )
    used: set[int] = set()
    rows: list[AttendanceRow] = []

    def match(member: MemberRow) -> Attendance | None:
        for attendance in recorded:
            if attendance.id in used:
                continue
            if member.contact_id is not None and attendance.contact_id == member.contact_id:
                return attendance
            if (
                member.contact_id is None
                and attendance.contact_id is None
                and attendance.guest_name is None
                and attendance.organisation_id == member.organisation_id
            ):
                return attendance
        return None

    for member in members:
        attendance = match(member)
        if attendance is not None:
            used.add(attendance.id)
        status = attendance.status if attendance is not None else None
        rows.append(
            AttendanceRow(
                id=attendance.id if attendance is not None else None,
                member_id=member.id,
                contact_id=member.contact_id,
                organisation_id=member.organisation_id,
                name=member.name,
                organisation_name=member.organisation_name if member.contact_id else None,
                function=member.function,
                role=member.role,
                role_label=member.role_label,
                status=status,
                status_label=status.label if status is not None else "Non renseigné",
                represented_by=attendance.represented_by if attendance is not None else None,
                remarks=attendance.remarks if attendance is not None else None,
                is_resident=member.is_resident,
                is_guest=member.role is MemberRole.GUEST,
            )
        )
    for attendance in recorded:
        if attendance.id in used:
            continue
        contact = contacts.get(attendance.contact_id or -1)
        if contact is not None:
            name = (
                f"{contact.first_name} {contact.last_name}"
                if contact.first_name
                else (contact.last_name)
            )
        else:
            name = attendance.guest_name or organisations.get(attendance.organisation_id or -1, "")
        org_name = organisations.get(attendance.organisation_id or -1)
        rows.append(
            AttendanceRow(
                id=attendance.id,
                member_id=None,
                contact_id=attendance.contact_id,
                organisation_id=attendance.organisation_id,
                name=name,
                organisation_name=org_name if org_name != name else None,
                function=contact.function if contact is not None else None,
                role=None,
                role_label="Invité·e",
                status=attendance.status,
                status_label=attendance.status.label,
                represented_by=attendance.represented_by,
                remarks=attendance.remarks,
                is_resident=bool(contact.is_resident) if contact is not None else False,
                is_guest=True,
            )
        )
    return rows


# --- decisions -----------------------------------------------------------------------------


def _decisions(session: Session, meeting_id: int) -> list[Decision]:
    return list(
        session.scalars(
            select(Decision)
            .where(Decision.meeting_id == meeting_id)
            .order_by(Decision.position, Decision.id)
        )
    )


def _renumber_decisions(session: Session, meeting_id: int) -> None:
    for number, decision in enumerate(_decisions(session, meeting_id), 1):
        if decision.position != number:
            decision.position = number


def _next_number(session: Session, meeting_id: int) -> int:
    current = session.scalar(
        select(func.max(Decision.position)).where(Decision.meeting_id == meeting_id)
    )
    return int(current or 0) + 1


def _check_text(text: str | None, label: str) -> str | None:
    value = _clean(text)
    if value is not None and len(value) > MAX_TEXT:
        raise ValidationError(f"{label} : {MAX_TEXT} caractères au plus.", "text")
    return value


def _decision_text(text: str | None, label: str) -> str | None:
    """A decision's text or comment: kept in the append-only audit log, so no address
    (a person's address there could never be erased)."""
    value = _check_text(text, label)
    if value is not None and EMAIL_IN_TEXT.search(value):
        raise ValidationError(
            f"{label} : pas d'adresse électronique dans une décision. Le texte des décisions "
            "est gardé dans le journal des modifications, qui ne peut pas être effacé ; "
            "nommez la structure plutôt que la personne.",
            "text",
        )
    return value


def record_opinion(
    session: Session,
    meeting_id: int,
    dossier_id: int,
    opinion: Opinion,
    amounts: Mapping[int, Money] | None = None,
    comment: str | None = None,
) -> int:
    """Record (or correct) the meeting's opinion on a dossier; returns the decision id.

    *amounts* maps the dossier's funding rows to the amount proposed (or, in a COPIL
    or comité des financeurs, granted) for each funder. An adjourned dossier gets no
    amount (any given is dropped); an unfavourable one gets 0 € on each row of the
    examined year (an amount typed anyway counts for nothing). Nothing touches the
    dossier until `close_meeting`. The dossier is put on the agenda if it was not.
    """
    meeting = _meeting(session, meeting_id)
    _require_open(session, meeting)
    dossier = _dossier(session, dossier_id)
    try:
        opinion = Opinion(opinion)
    except ValueError:
        raise ValidationError("Avis : choisissez un avis dans la liste.", "opinion") from None
    text = _decision_text(comment, "Commentaire")
    rows = {
        fid: year
        for fid, year in session.execute(
            select(Funding.id, Funding.year).where(Funding.dossier_id == dossier_id)
        )
    }
    wanted: dict[int, Money] = {}
    for funding_id, amount in (amounts or {}).items():
        if funding_id not in rows:
            raise ValidationError(
                f"Montant : ce financement n'appartient pas au dossier {dossier.reference}.",
                "amounts",
            )
        if not isinstance(amount, Money):
            raise ValidationError("Montant : montant invalide.", "amounts")
        if amount.cents < 0:
            raise ValidationError("Montant : un montant ne peut pas être négatif.", "amounts")
        wanted[funding_id] = amount
    if opinion is Opinion.POSTPONED:
        wanted = {}
    elif opinion is Opinion.UNFAVOURABLE:
        year = _examined_year(dossier.year, dossier.last_year, local_time(meeting.starts_at).year)
        wanted = {fid: Money(0) for fid in wanted}
        for funding_id, row_year in rows.items():
            if row_year == year:
                wanted[funding_id] = Money(0)
    decision = session.scalars(
        select(Decision).where(Decision.meeting_id == meeting_id, Decision.dossier_id == dossier_id)
    ).first()
    item_id = session.scalar(
        select(AgendaItem.id).where(
            AgendaItem.meeting_id == meeting_id, AgendaItem.dossier_id == dossier_id
        )
    )
    if item_id is None:
        item_id = add_agenda_item(session, meeting_id, dossier_id=dossier_id)
    if decision is None:
        decision = Decision(
            meeting_id=meeting_id,
            dossier_id=dossier_id,
            agenda_item_id=item_id,
            opinion=opinion,
            text=text,
            position=_next_number(session, meeting_id),
        )
        session.add(decision)
        session.flush()
        existing: dict[int, DecisionAmount] = {}
    else:
        for name, value in (("opinion", opinion), ("text", text), ("agenda_item_id", item_id)):
            if getattr(decision, name) != value:
                setattr(decision, name, value)
        existing = {
            row.funding_id: row
            for row in session.scalars(
                select(DecisionAmount).where(DecisionAmount.decision_id == decision.id)
            )
        }
    for funding_id, row in existing.items():
        if funding_id not in wanted:
            session.delete(row)
        elif row.amount != wanted[funding_id]:
            row.amount = wanted[funding_id]
    for funding_id, amount in wanted.items():
        if funding_id not in existing:
            session.add(
                DecisionAmount(decision_id=decision.id, funding_id=funding_id, amount=amount)
            )
    session.flush()
    return decision.id


def clear_opinion(session: Session, meeting_id: int, dossier_id: int) -> None:
    """Withdraw the meeting's opinion on a dossier (the dossier stays on the agenda)."""
    meeting = _meeting(session, meeting_id)
    _require_open(session, meeting)
    decision = session.scalars(
        select(Decision).where(Decision.meeting_id == meeting_id, Decision.dossier_id == dossier_id)
    ).first()
    if decision is None:
        return
    delete_decision(session, decision.id)


def record_free_decision(
    session: Session, meeting_id: int, text: str, agenda_item_id: int | None = None
) -> int:
    """Record a decision not tied to a dossier; returns its id (numbered after the others)."""
    meeting = _meeting(session, meeting_id)
    _require_open(session, meeting)
    value = _decision_text(text, "Décision")
    if value is None:
        raise ValidationError("Décision : indiquez ce qui a été décidé.", "text")
    if agenda_item_id is not None:
        item = _item(session, agenda_item_id)
        if item.meeting_id != meeting_id:
            raise ValidationError("Ce point appartient à une autre séance.", "agenda_item_id")
    decision = Decision(
        meeting_id=meeting_id,
        dossier_id=None,
        agenda_item_id=agenda_item_id,
        opinion=None,
        text=value,
        position=_next_number(session, meeting_id),
    )
    session.add(decision)
    session.flush()
    return decision.id


def update_free_decision(session: Session, decision_id: int, text: str) -> None:
    """Correct the text of a free decision."""
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise ValidationError("Cette décision n'existe plus.")
    _require_open(session, _meeting(session, decision.meeting_id))
    value = _decision_text(text, "Décision")
    if value is None:
        raise ValidationError("Décision : indiquez ce qui a été décidé.", "text")
    if decision.text != value:
        decision.text = value
    session.flush()


def delete_decision(session: Session, decision_id: int) -> None:
    """Remove a decision of an open meeting; the following ones are renumbered."""
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise ValidationError("Cette décision n'existe plus.")
    meeting_id = decision.meeting_id
    _require_open(session, _meeting(session, meeting_id))
    for row in session.scalars(
        select(DecisionAmount).where(DecisionAmount.decision_id == decision_id)
    ):
        session.delete(row)
    for follow_up in session.scalars(select(FollowUp).where(FollowUp.decision_id == decision_id)):
        follow_up.decision_id = None
    session.flush()
    session.delete(decision)
    session.flush()
    _renumber_decisions(session, meeting_id)
    session.flush()


# --- follow-ups and resume point -----------------------------------------------------------


def _check_follow_up(what: str, who: str | None) -> tuple[str, str | None]:
    text = _check_text(what, "Suite à donner")
    if text is None:
        raise ValidationError("Suite à donner : indiquez ce qu'il faut faire.", "what")
    person = _one_line(who)
    if person is not None and len(person) > MAX_NAME:
        raise ValidationError(f"Qui : {MAX_NAME} caractères au plus.", "who")
    return text, person


def add_follow_up(
    session: Session,
    meeting_id: int,
    what: str,
    who: str | None = None,
    due_on: date | None = None,
    decision_id: int | None = None,
) -> int:
    """Record a follow-up decided in the meeting (what, who, by when); returns its id."""
    meeting = _meeting(session, meeting_id)
    text, person = _check_follow_up(what, who)
    if decision_id is not None:
        decision = session.get(Decision, decision_id)
        if decision is None or decision.meeting_id != meeting_id:
            raise ValidationError("Cette décision n'appartient pas à la séance.", "decision_id")
    committee = _committee(session, meeting.committee_id)
    follow_up = FollowUp(
        contract_id=committee.contract_id,
        meeting_id=meeting_id,
        decision_id=decision_id,
        what=text,
        who=person,
        due_on=due_on,
        state=FollowUpState.OPEN,
    )
    session.add(follow_up)
    session.flush()
    return follow_up.id


def update_follow_up(
    session: Session, follow_up_id: int, what: str, who: str | None, due_on: date | None
) -> None:
    """Correct a follow-up."""
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise ValidationError("Cette suite à donner n'existe plus.")
    text, person = _check_follow_up(what, who)
    for name, value in (("what", text), ("who", person), ("due_on", due_on)):
        if getattr(follow_up, name) != value:
            setattr(follow_up, name, value)
    session.flush()


def remove_follow_up(session: Session, follow_up_id: int) -> None:
    """Delete a follow-up."""
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise ValidationError("Cette suite à donner n'existe plus.")
    session.delete(follow_up)
    session.flush()


def set_current_position(session: Session, meeting_id: int, position: int) -> None:
    """Remember where the meeting mode stands (agenda index; its length means « after »)."""
    meeting = _meeting(session, meeting_id)
    count = int(
        session.scalar(select(func.count()).where(AgendaItem.meeting_id == meeting_id)) or 0
    )
    value = max(0, min(int(position), count))
    if meeting.current_position != value:
        meeting.current_position = value
    session.flush()


def follow_up_rows(session: Session, meeting_id: int) -> list[FollowUpRow]:
    """The meeting's follow-ups, by due date then order of entry."""
    rows = session.scalars(
        select(FollowUp).where(FollowUp.meeting_id == meeting_id).order_by(FollowUp.id)
    )
    return sorted(
        (
            FollowUpRow(
                id=f.id,
                what=f.what,
                who=f.who,
                due_on=f.due_on,
                state=f.state,
                state_label=f.state.label,
                decision_id=f.decision_id,
            )
            for f in rows
        ),
        key=lambda r: (r.due_on is None, r.due_on or date.max, r.id),
    )


# --- meeting mode --------------------------------------------------------------------------


def _decision_briefs(
    session: Session, meeting_id: int
) -> tuple[dict[int, DecisionBrief], list[FreeDecisionRow]]:
    amounts: dict[int, list[tuple[int, Money]]] = {}
    for decision_id, funding_id, amount in session.execute(
        select(DecisionAmount.decision_id, DecisionAmount.funding_id, DecisionAmount.amount)
        .join(Decision, Decision.id == DecisionAmount.decision_id)
        .where(Decision.meeting_id == meeting_id)
        .order_by(DecisionAmount.decision_id, DecisionAmount.funding_id)
    ):
        amounts.setdefault(decision_id, []).append((funding_id, amount))
    by_dossier: dict[int, DecisionBrief] = {}
    free: list[FreeDecisionRow] = []
    for decision in _decisions(session, meeting_id):
        if decision.dossier_id is None:
            free.append(
                FreeDecisionRow(
                    id=decision.id,
                    number=decision.position,
                    text=decision.text or "",
                    agenda_item_id=decision.agenda_item_id,
                )
            )
            continue
        opinion = decision.opinion or Opinion.RESERVED
        by_dossier[decision.dossier_id] = DecisionBrief(
            id=decision.id,
            number=decision.position,
            opinion=opinion,
            opinion_label=opinion.label,
            comment=decision.text,
            amounts=tuple(amounts.get(decision.id, ())),
        )
    return by_dossier, free


def _committed(proposed: Money | None, granted: Money | None) -> Money:
    if granted is not None:
        return granted
    return proposed if proposed is not None else Money(0)


def _dossier_briefs(
    session: Session,
    meeting: Meeting,
    dossier_ids: Sequence[int],
    items: Mapping[int, tuple[int, int]],
    decisions: Mapping[int, DecisionBrief],
    examined_together: Iterable[int] = (),
) -> list[DossierBrief]:
    """Essentials of *dossier_ids* in a handful of set-based queries (300 dossiers: fast).

    Last year's grants leave out the dossiers examined (*dossier_ids*, and
    *examined_together* when only some of the meeting's dossiers are read again).
    """
    if not dossier_ids:
        return []
    meeting_year = local_time(meeting.starts_at).year
    found = session.execute(
        select(
            Dossier.id,
            Dossier.reference,
            Dossier.year,
            Dossier.last_year,
            Dossier.state,
            Dossier.action_id,
            Dossier.total_cost,
            Dossier.is_renewal,
            Organisation.name,
            Action.title,
            Objective.code,
            Objective.title,
        )
        .join(Organisation, Organisation.id == Dossier.holder_id)
        .join(Action, Action.id == Dossier.action_id)
        .outerjoin(Objective, Objective.id == Dossier.objective_id)
        .where(Dossier.id.in_(list(dossier_ids)))
    ).all()
    by_id = {row[0]: row for row in found}
    examined_now = {*by_id, *examined_together}
    examined = {row[0]: _examined_year(row[2], row[3], meeting_year) for row in found}
    fundings: dict[int, list[tuple[Funding, str, str | None, str]]] = {}
    for funding, line_name, line_code, funder in session.execute(
        select(Funding, BudgetLine.name, BudgetLine.code, Organisation.name)
        .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
        .join(Organisation, Organisation.id == BudgetLine.funder_id)
        .where(Funding.dossier_id.in_(list(dossier_ids)))
        .order_by(Organisation.name, BudgetLine.name, Funding.id)
    ):
        assert funding.dossier_id is not None
        if funding.year == examined[funding.dossier_id]:
            fundings.setdefault(funding.dossier_id, []).append(
                (funding, line_name, line_code, funder)
            )
    # Last year's grants on the same action, per budget line.
    action_years = {(by_id[d][5], examined[d] - 1) for d in by_id}
    previous: dict[tuple[int, int, int], int] = {}
    if action_years:
        actions = {a for a, _ in action_years}
        for action_id, year, line_id, granted, dossier_id in session.execute(
            select(
                Funding.action_id,
                Funding.year,
                Funding.budget_line_id,
                Funding.granted,
                Funding.dossier_id,
            ).where(Funding.action_id.in_(list(actions)), Funding.granted.is_not(None))
        ):
            if (
                granted is not None
                and (action_id, year) in action_years
                and dossier_id not in examined_now
            ):
                key = (action_id, year, line_id)
                previous[key] = previous.get(key, 0) + granted.cents
    briefs = []
    for dossier_id in dossier_ids:
        row = by_id.get(dossier_id)
        if row is None:
            continue
        (_, reference, year, _last, state, action_id, cost, renewal, holder, title, code,
         objective_title) = row  # fmt: skip
        decision = decisions.get(dossier_id)
        last_year = examined[dossier_id] - 1
        lines = []
        for funding, line_name, line_code, funder in fundings.get(dossier_id, []):
            proposal = decision.amount_for(funding.id) if decision is not None else None
            before = previous.get((action_id, last_year, funding.budget_line_id))
            lines.append(
                FundingBrief(
                    funding_id=funding.id,
                    budget_line_id=funding.budget_line_id,
                    line_name=line_name,
                    line_code=line_code,
                    funder_name=funder,
                    year=funding.year,
                    requested=funding.requested,
                    proposed=funding.proposed,
                    granted=funding.granted,
                    last_year_granted=None if before is None else Money(before),
                    proposal=proposal,
                    counted=proposal
                    if proposal is not None
                    else _committed(funding.proposed, funding.granted),
                )
            )
        last_total = [
            cents for (a, y, _line), cents in previous.items() if a == action_id and y == last_year
        ]
        position = items.get(dossier_id)
        briefs.append(
            DossierBrief(
                dossier_id=dossier_id,
                agenda_item_id=position[0] if position else None,
                agenda_position=position[1] if position else None,
                reference=reference,
                year=year,
                examined_year=examined[dossier_id],
                state=state,
                state_label=state.label,
                holder_name=holder,
                action_title=title,
                objective_code=code,
                objective_title=objective_title,
                total_cost=cost,
                is_renewal=bool(renewal),
                last_year_granted=Money(sum(last_total)) if last_total else None,
                fundings=tuple(lines),
                decision=decision,
            )
        )
    return briefs


def _envelope_lines(
    session: Session,
    briefs: Sequence[DossierBrief],
    only: Iterable[tuple[int, int]] | None = None,
) -> list[EnvelopeLine]:
    """Each (budget line, year) of the examined rows, with this meeting's amounts counted
    (only the (line, year) pairs *only*, when given)."""
    extra: dict[tuple[int, int], dict[int, Money]] = {}
    keys: list[tuple[int, int]] = []
    for brief in briefs:
        for row in brief.fundings:
            key = (row.budget_line_id, row.year)
            if key not in extra:
                extra[key] = {}
                keys.append(key)
            if row.proposal is not None:
                extra[key][row.funding_id] = row.proposal
    if only is not None:
        wanted = set(only)
        keys = [key for key in keys if key in wanted]
    if not keys:
        return []
    names = {
        line_id: (name, code, funder)
        for line_id, name, code, funder in session.execute(
            select(BudgetLine.id, BudgetLine.name, BudgetLine.code, Organisation.name)
            .join(Organisation, Organisation.id == BudgetLine.funder_id)
            .where(BudgetLine.id.in_([k[0] for k in keys]))
        )
    }
    consumptions = envelope_consumptions(session, {key: extra[key] for key in keys})
    lines = []
    for line_id, year in keys:
        consumption = consumptions[(line_id, year)]
        name, code, funder = names[line_id]
        lines.append(
            EnvelopeLine(
                budget_line_id=line_id,
                year=year,
                line_name=name,
                line_code=code,
                funder_name=funder,
                envelope=consumption.envelope,
                committed=consumption.committed,
                decided=Money(sum(a.cents for a in extra[(line_id, year)].values())),
                remaining=consumption.remaining,
            )
        )
    lines.sort(key=lambda e: (e.year, e.funder_name.casefold(), e.line_name.casefold()))
    return lines


def meeting_mode_data(session: Session, meeting_id: int) -> MeetingModeData:
    """Everything the meeting-mode screen needs: attendance, agenda, each dossier's
    essentials and decision, free decisions, follow-ups, the envelopes concerned with
    this meeting's proposals counted, and where to resume.
    """
    meeting = _meeting(session, meeting_id)
    row = meeting_row(session, meeting_id)
    agenda = agenda_rows(session, meeting_id)
    decisions, free = _decision_briefs(session, meeting_id)
    items = {a.dossier_id: (a.id, a.position) for a in agenda if a.dossier_id is not None}
    order = [a.dossier_id for a in agenda if a.dossier_id is not None]
    # A decision on a dossier no longer on the agenda still shows (after the agenda).
    order += [d for d in decisions if d not in items]
    briefs = _dossier_briefs(session, meeting, order, items, decisions)
    return MeetingModeData(
        meeting=row,
        attendance=tuple(attendance_sheet(session, meeting_id)),
        agenda=tuple(agenda),
        dossiers=tuple(briefs),
        free_decisions=tuple(free),
        follow_ups=tuple(follow_up_rows(session, meeting_id)),
        envelopes=tuple(_envelope_lines(session, briefs)),
        current_position=min(meeting.current_position or 0, len(agenda)),
    )


def meeting_mode_refresh(
    session: Session, data: MeetingModeData, dossier_id: int
) -> MeetingModeData:
    """*data* after an opinion on *dossier_id* was recorded: the meeting's row, its agenda,
    that dossier and the envelopes its rows draw on are read again, the rest is kept.

    Equal to `meeting_mode_data` when only that dossier's decision changed (a test checks
    it), at the cost of one dossier instead of the whole agenda.
    """
    meeting_id = data.meeting.id
    old = next((brief for brief in data.dossiers if brief.dossier_id == dossier_id), None)
    if old is None:
        return meeting_mode_data(session, meeting_id)
    meeting = _meeting(session, meeting_id)
    agenda = agenda_rows(session, meeting_id)
    decisions, free = _decision_briefs(session, meeting_id)
    items = {a.dossier_id: (a.id, a.position) for a in agenda if a.dossier_id is not None}
    others = [brief.dossier_id for brief in data.dossiers if brief.dossier_id != dossier_id]
    fresh = _dossier_briefs(session, meeting, [dossier_id], items, decisions, others)
    briefs = [
        new
        for brief in data.dossiers
        for new in (fresh if brief.dossier_id == dossier_id else [brief])
    ]
    touched = {
        (row.budget_line_id, row.year) for brief in (old, *fresh) for row in brief.fundings
    }
    kept = [line for line in data.envelopes if (line.budget_line_id, line.year) not in touched]
    envelopes = [*kept, *_envelope_lines(session, briefs, touched)]
    envelopes.sort(key=lambda e: (e.year, e.funder_name.casefold(), e.line_name.casefold()))
    return replace(
        data,
        meeting=meeting_row(session, meeting_id),
        agenda=tuple(agenda),
        dossiers=tuple(briefs),
        free_decisions=tuple(free),
        envelopes=tuple(envelopes),
        current_position=min(meeting.current_position or 0, len(agenda)),
    )


# --- closing -------------------------------------------------------------------------------

_FORWARD = {
    DossierState.COMPLETE: DossierState.UNDER_REVIEW,
    DossierState.UNDER_REVIEW: DossierState.OPINION_GIVEN,
    DossierState.POSTPONED: DossierState.UNDER_REVIEW,
}


def _target(opinion: Opinion, deciding: bool) -> DossierState:
    if opinion is Opinion.POSTPONED:
        return DossierState.POSTPONED
    if opinion is Opinion.FAVOURABLE and deciding:
        return DossierState.APPROVED
    if opinion is Opinion.UNFAVOURABLE and deciding:
        return DossierState.REFUSED
    return DossierState.OPINION_GIVEN


def _route(current: DossierState, target: DossierState, opinion: Opinion) -> list[DossierState]:
    """The states a dossier goes through from *current* to *target*; raises if none."""
    if current is target:
        return []
    if (
        target is DossierState.APPROVED
        and current in APPROVED_FAMILY
        and opinion is Opinion.FAVOURABLE
    ):
        return []  # already approved further on: the decision confirms the amounts
    steps: list[DossierState] = []
    state = current
    while state is not target and len(steps) < 5:
        following = target if state is DossierState.OPINION_GIVEN else _FORWARD.get(state)
        if following is None or following not in allowed_next(state):
            raise ValueError(state)
        steps.append(following)
        state = following
    if state is not target:  # pragma: no cover - the routes above always end
        raise ValueError(state)
    return steps


def close_meeting(session: Session, meeting_id: int, today: date | None = None) -> CloseSummary:
    """Close the meeting and apply its decisions, in the caller's one transaction.

    Favourable: « Avis rendu » with the proposed amounts, or « Accordé » with the
    granted amounts in a COPIL or a comité des financeurs. Reserved: « Avis rendu »
    with the proposed amounts. Unfavourable: « Avis rendu » (0 € proposed), then
    « Refusé » in a deciding committee. Adjourned: « Ajourné ». Every state change
    goes through `dossiers.change_state` (dated, signed event; audit log). Closing a
    deciding committee's meeting freezes the approved programmation of the years it
    examined. Refused, changing nothing, when already closed or when a dossier's state
    no longer allows its decision.
    """
    today = today or date.today()
    meeting = _meeting(session, meeting_id)
    title = _title_of(session, meeting)
    if meeting.state is not MeetingState.PLANNED:
        raise ValidationError(
            f"La séance « {title} » est déjà close (« {meeting.state.label} ») : "
            "ses décisions ont été appliquées."
        )
    committee = _committee(session, meeting.committee_id)
    deciding = committee.kind in DECIDING_KINDS
    meeting_day = local_time(meeting.starts_at).date()
    meeting_year = meeting_day.year
    decisions = [d for d in _decisions(session, meeting_id) if d.dossier_id is not None]

    plans: list[tuple[Decision, Dossier, Opinion, list[DossierState]]] = []
    problems = []
    for decision in decisions:
        assert decision.dossier_id is not None
        dossier = _dossier(session, decision.dossier_id)
        opinion = decision.opinion or Opinion.RESERVED
        target = _target(opinion, deciding)
        try:
            steps = _route(dossier.state, target, opinion)
        except ValueError:
            problems.append(
                f"le dossier {dossier.reference} est « {dossier.state.label} » : l'avis "
                f"« {opinion.label} » ne peut pas le mener à « {target.label} »"
            )
            continue
        plans.append((decision, dossier, opinion, steps))
    if problems:
        raise ValidationError(
            f"La séance « {title} » ne peut pas être close : "
            + " ; ".join(problems)
            + ". Retirez ces avis ou remettez les dossiers à l'instruction, puis recommencez."
        )

    amounts: dict[int, list[DecisionAmount]] = {}
    for row in session.scalars(
        select(DecisionAmount).where(DecisionAmount.decision_id.in_([d.id for d, _, _, _ in plans]))
    ):
        amounts.setdefault(row.decision_id, []).append(row)
    date_text = french_date(meeting.starts_at)
    applied = []
    examined_years: set[int] = set()
    for decision, dossier, opinion, steps in plans:
        examined_years.add(_examined_year(dossier.year, dossier.last_year, meeting_year))
        verdict = f"{committee.name} du {date_text} : avis « {opinion.label} »"
        comment = f"{verdict}. {decision.text}" if decision.text else verdict
        for row in amounts.get(decision.id, []):
            funding = session.get(Funding, row.funding_id)
            if funding is None:  # pragma: no cover - RESTRICT keeps the row
                continue
            if opinion is not Opinion.POSTPONED and funding.proposed != row.amount:
                funding.proposed = row.amount
            if deciding and opinion is Opinion.FAVOURABLE:
                if funding.granted != row.amount:
                    funding.granted = row.amount
                if funding.decided_on != meeting_day:
                    funding.decided_on = meeting_day
                decision_text = f"Accordé en séance : {committee.name} du {date_text}"[:300]
                if funding.funder_decision != decision_text:
                    funding.funder_decision = decision_text
        session.flush()
        start = dossier.state
        for step in steps:
            dossier_service.change_state(
                session,
                dossier.id,
                step,
                comment,
                today=today,
                opinion=opinion if step is DossierState.OPINION_GIVEN else None,
            )
        if DossierState.OPINION_GIVEN not in steps and dossier.opinion != opinion:
            dossier.opinion = opinion
        applied.append(
            AppliedDecision(dossier.id, dossier.reference, opinion, start, dossier.state)
        )
    meeting.state = MeetingState.HELD
    session.flush()
    snapshot_id = None
    if deciding:
        snapshot_id = _take_snapshot(session, meeting_id, examined_years or {meeting_year})
    return CloseSummary(meeting_id=meeting_id, applied=tuple(applied), snapshot_id=snapshot_id)


# --- frozen programmation ------------------------------------------------------------------


def _take_snapshot(session: Session, meeting_id: int, years: Iterable[int]) -> int:
    snapshot = ProgrammeSnapshot(meeting_id=meeting_id, taken_by=current_user())
    session.add(snapshot)
    session.flush()
    rows = session.execute(
        select(
            Funding,
            Dossier.reference,
            Dossier.state,
            Organisation.name,
            Action.title,
            BudgetLine.name,
        )
        .join(Dossier, Dossier.id == Funding.dossier_id)
        .join(Organisation, Organisation.id == Dossier.holder_id)
        .join(Action, Action.id == Dossier.action_id)
        .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
        .where(Funding.year.in_(sorted(set(years))), Dossier.state.in_(list(APPROVED_FAMILY)))
        .order_by(Funding.year, Dossier.reference, BudgetLine.name, Funding.id)
    ).all()
    for funding, reference, state, holder, title, line_name in rows:
        session.add(
            SnapshotLine(
                snapshot_id=snapshot.id,
                dossier_id=funding.dossier_id,
                funding_id=funding.id,
                budget_line_id=funding.budget_line_id,
                reference=reference,
                holder=holder[:300],
                action=title[:500],
                budget_line=line_name[:300],
                year=funding.year,
                state=state.value,
                requested=funding.requested,
                proposed=funding.proposed,
                granted=funding.granted,
            )
        )
    session.flush()
    return snapshot.id


def snapshot_rows(session: Session, meeting_id: int) -> list[SnapshotRow]:
    """The programmation frozen when the meeting closed (empty when none was)."""
    snapshot_id = session.scalar(
        select(ProgrammeSnapshot.id).where(ProgrammeSnapshot.meeting_id == meeting_id)
    )
    if snapshot_id is None:
        return []
    return [
        SnapshotRow(
            dossier_id=line.dossier_id,
            funding_id=line.funding_id,
            reference=line.reference,
            holder=line.holder,
            action=line.action,
            budget_line=line.budget_line,
            year=line.year,
            state=line.state,
            requested=line.requested,
            proposed=line.proposed,
            granted=line.granted,
        )
        for line in session.scalars(
            select(SnapshotLine)
            .where(SnapshotLine.snapshot_id == snapshot_id)
            .order_by(SnapshotLine.id)
        )
    ]


def _money_text(value: Money | None) -> str:
    return "—" if value is None else value.format()


def snapshot_differences(session: Session, meeting_id: int) -> list[SnapshotDifference]:
    """What differs now from the programmation the meeting approved, and who changed it.

    Amounts changed (requested, proposed, granted), funding rows removed, dossiers no
    longer in the approved programmation, and rows approved since for the same years;
    the author and time come from the audit log (its latest entry on that value).
    """
    snapshot = session.scalars(
        select(ProgrammeSnapshot).where(ProgrammeSnapshot.meeting_id == meeting_id)
    ).first()
    if snapshot is None:
        return []
    lines = list(
        session.scalars(
            select(SnapshotLine)
            .where(SnapshotLine.snapshot_id == snapshot.id)
            .order_by(SnapshotLine.id)
        )
    )
    years = sorted({line.year for line in lines}) or [
        local_time(_meeting(session, meeting_id).starts_at).year
    ]
    live = {
        funding.id: (funding, reference, state, holder, line_name)
        for funding, reference, state, holder, line_name in session.execute(
            select(Funding, Dossier.reference, Dossier.state, Organisation.name, BudgetLine.name)
            .join(Dossier, Dossier.id == Funding.dossier_id)
            .join(Organisation, Organisation.id == Dossier.holder_id)
            .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
            .where(Funding.year.in_(years))
        )
    }

    def last_audit(
        table: str, row_id: int | None, column: str | None, action: str
    ) -> tuple[str | None, datetime | None]:
        if row_id is None:
            return None, None
        statement = select(AuditEntry.user, AuditEntry.at).where(
            AuditEntry.table_name == table,
            AuditEntry.row_id == row_id,
            AuditEntry.action == action,
        )
        if column is not None:
            statement = statement.where(AuditEntry.column_name == column)
        found = session.execute(statement.order_by(AuditEntry.id.desc())).first()
        if found is None:
            return None, None
        return found[0], _audit_time(found[1])

    differences: list[SnapshotDifference] = []
    seen: set[int] = set()
    left: set[int | None] = set()
    for line in lines:
        current = live.get(line.funding_id or -1)
        if current is None:
            user, at = last_audit("funding", line.funding_id, None, "delete")
            differences.append(
                SnapshotDifference(
                    line.dossier_id,
                    line.funding_id,
                    line.reference,
                    line.holder,
                    line.budget_line,
                    line.year,
                    "removed",
                    line.granted if line.granted is not None else line.proposed,
                    None,
                    f"Financement « {line.budget_line} » {line.year} supprimé depuis la séance.",
                    user,
                    at,
                )
            )
            continue
        funding, reference, state, holder, line_name = current
        seen.add(funding.id)
        if state not in APPROVED_FAMILY and funding.dossier_id not in left:
            left.add(funding.dossier_id)
            user, at = last_audit("dossier", funding.dossier_id, "state", "update")
            differences.append(
                SnapshotDifference(
                    line.dossier_id,
                    line.funding_id,
                    reference,
                    holder,
                    line_name,
                    line.year,
                    "state",
                    None,
                    None,
                    f"Le dossier est maintenant « {state.label} » (il était "
                    f"« {DossierState(line.state).label} » à la séance).",
                    user,
                    at,
                )
            )
        for name, label in AMOUNT_FIELDS.items():
            frozen = getattr(line, name)
            now = getattr(funding, name)
            if frozen == now:
                continue
            user, at = last_audit("funding", funding.id, name, "update")
            differences.append(
                SnapshotDifference(
                    line.dossier_id,
                    line.funding_id,
                    reference,
                    holder,
                    line_name,
                    line.year,
                    name,
                    frozen,
                    now,
                    f"Montant {label} « {line_name} » {line.year} : "
                    f"{_money_text(frozen)} à la séance, {_money_text(now)} aujourd'hui.",
                    user,
                    at,
                )
            )
    for funding_id, (funding, reference, state, holder, line_name) in live.items():
        if funding_id in seen or state not in APPROVED_FAMILY:
            continue
        user, at = last_audit("funding", funding_id, None, "insert")
        later_user, later_at = last_audit("dossier", funding.dossier_id, "state", "update")
        if later_at is not None and (at is None or later_at > at):
            user, at = later_user, later_at
        differences.append(
            SnapshotDifference(
                funding.dossier_id,
                funding_id,
                reference,
                holder,
                line_name,
                funding.year,
                "added",
                None,
                _committed(funding.proposed, funding.granted),
                f"Financement « {line_name} » {funding.year} entré dans la programmation "
                "accordée après la séance.",
                user,
                at,
            )
        )
    differences.sort(key=lambda d: (d.year, d.reference, d.budget_line, d.kind))
    return differences


__all__ = [
    "APPROVED_FAMILY",
    "AWAITING_OPINION",
    "AgendaRow",
    "AppliedDecision",
    "AttendanceInput",
    "AttendanceRow",
    "CloseSummary",
    "DecisionBrief",
    "DossierBrief",
    "EnvelopeLine",
    "FollowUpRow",
    "FreeDecisionRow",
    "FundingBrief",
    "MeetingInput",
    "MeetingModeData",
    "MeetingRow",
    "ProposedDossier",
    "SnapshotDifference",
    "SnapshotRow",
    "add_agenda_item",
    "add_dossiers_to_agenda",
    "add_follow_up",
    "agenda_rows",
    "attendance_sheet",
    "clear_opinion",
    "close_meeting",
    "create_meeting",
    "delete_decision",
    "delete_meeting",
    "follow_up_rows",
    "french_date",
    "french_long_date",
    "french_time",
    "local_time",
    "meeting_mode_data",
    "meeting_mode_refresh",
    "meeting_row",
    "meeting_rows",
    "move_agenda_item",
    "next_meeting",
    "paris_datetime",
    "paris_tz",
    "proposed_dossiers",
    "record_attendance",
    "record_free_decision",
    "record_opinion",
    "remove_agenda_item",
    "remove_attendance",
    "remove_follow_up",
    "set_current_position",
    "snapshot_differences",
    "snapshot_rows",
    "update_agenda_item",
    "update_follow_up",
    "update_free_decision",
    "update_meeting",
]
