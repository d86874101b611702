"""The relevé de décision of a meeting: its data (tested as data), then its PDF.

The contract (chapter GOUVERNANCE) asks for « un relevé de décision de chaque
séance », sent by e-mail to every member of the COPIL and of the COTECH. It holds:
the header (contract, town and neighbourhood, committee, date, time and place),
who attended grouped by organisation (with the residents' remarks), the agenda,
the decisions numbered, the table of opinions on dossiers, a financial summary
per envelope concerned, the follow-ups and the next meeting if one is planned.

`decision_record_data` reads everything inside the caller's unit of work and
returns frozen data; `render_decision_record` turns it into PDF bytes without a
database; `save_pdf` (from `reports.pdf`) writes them atomically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import AttendanceStatus, Opinion
from qpvdesk.core.domain.models import Committee, Contract, Neighbourhood
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services import meetings as meeting_service
from qpvdesk.core.services.meetings import (
    AttendanceRow,
    french_date,
    french_long_date,
    french_time,
    french_time_span,
    local_time,
)
from qpvdesk.core.storage.audit_chain import SHORT_HASH, latest_hash

RESIDENTS_GROUP = "Habitants (conseil citoyen)"
# Beyond this many dossiers, the numbered decisions are short (the table has the rest).
SHORT_DECISIONS_FROM = 20
OTHERS_GROUP = "Autres participants"
STATUS_ORDER = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.REPRESENTED,
    AttendanceStatus.EXCUSED,
    AttendanceStatus.ABSENT,
)
STATUS_PLURAL = {
    AttendanceStatus.PRESENT: "présents",
    AttendanceStatus.REPRESENTED: "représentés",
    AttendanceStatus.EXCUSED: "excusés",
    AttendanceStatus.ABSENT: "absents",
}


@dataclass(frozen=True, slots=True)
class AttendeeLine:
    """One person (or an organisation's seat) and how they attended."""

    name: str
    function: str | None
    role_label: str
    status: AttendanceStatus
    status_label: str
    represented_by: str | None
    remarks: str | None
    is_resident: bool
    is_guest: bool

    @property
    def status_text(self) -> str:
        """``Représenté·e par Agnès Perrin`` or the status alone."""
        if self.status is AttendanceStatus.REPRESENTED and self.represented_by:
            return f"{self.status_label} par {self.represented_by}"
        return self.status_label


@dataclass(frozen=True, slots=True)
class AttendanceGroup:
    """The attendees of one organisation."""

    organisation: str
    attendees: tuple[AttendeeLine, ...]


@dataclass(frozen=True, slots=True)
class AgendaLine:
    """A point of the agenda."""

    number: int
    title: str
    notes: str | None
    dossier_reference: str | None


@dataclass(frozen=True, slots=True)
class FunderAmount:
    """What a funder (budget line) was asked, and what the meeting proposed or granted."""

    funder: str
    line: str
    requested: Money | None
    amount: Money | None


@dataclass(frozen=True, slots=True)
class DossierDecisionLine:
    """One row of the table of opinions on dossiers."""

    number: int
    dossier_id: int
    reference: str
    holder: str
    action: str
    objective_code: str | None
    total_cost: Money
    requested: Money
    opinion: Opinion
    opinion_label: str
    amounts: tuple[FunderAmount, ...]
    comment: str | None

    @property
    def amount_total(self) -> Money | None:
        values = [a.amount for a in self.amounts if a.amount is not None]
        return Money(sum(v.cents for v in values)) if values else None


@dataclass(frozen=True, slots=True)
class DecisionLine:
    """A numbered decision, as a sentence (and a short one for long meetings)."""

    number: int
    dossier_reference: str | None
    text: str
    short_text: str


@dataclass(frozen=True, slots=True)
class EnvelopeSummary:
    """An envelope the meeting touched: before, decided in the meeting, remaining."""

    label: str
    funder: str
    year: int
    envelope: Money | None
    before: Money
    decided: Money
    remaining: Money | None


@dataclass(frozen=True, slots=True)
class FollowUpLine:
    """A follow-up: what, who, by when."""

    what: str
    who: str | None
    due_on: date | None


@dataclass(frozen=True, slots=True)
class NextMeeting:
    """The committee's next planned meeting."""

    starts_at: datetime
    place: str | None


@dataclass(frozen=True, slots=True)
class DecisionRecordData:
    """Everything the relevé de décision says, as frozen data."""

    meeting_id: int
    contract_name: str
    contract_code: str | None
    town: str
    neighbourhoods: tuple[str, ...]
    committee_name: str
    committee_kind_label: str
    is_deciding: bool
    starts_at: datetime
    ends_at: datetime | None
    place: str | None
    state_label: str
    notes: str | None
    attendance: tuple[AttendanceGroup, ...]
    agenda: tuple[AgendaLine, ...]
    decisions: tuple[DecisionLine, ...]
    dossier_lines: tuple[DossierDecisionLine, ...]
    envelopes: tuple[EnvelopeSummary, ...]
    follow_ups: tuple[FollowUpLine, ...]
    next_meeting: NextMeeting | None
    generated_on: date
    author: str
    #: The start of the audit log's latest hash when the relevé was made (see `audit_chain`).
    journal_fingerprint: str | None = None

    @property
    def date_text(self) -> str:
        return french_date(self.starts_at)

    @property
    def title(self) -> str:
        """« Relevé de décision – <committee> du <dd/mm/yyyy> »."""
        return f"Relevé de décision – {self.committee_name} du {self.date_text}"

    @property
    def subject(self) -> str:
        return f"{self.contract_name} – relevé de décision de la séance du {self.date_text}"

    @property
    def time_text(self) -> str:
        """``14 h 00 – 16 h 30`` (Europe/Paris)."""
        return french_time_span(self.starts_at, self.ends_at)

    @property
    def amount_label(self) -> str:
        """« Accordé » in a COPIL or comité des financeurs, « Proposé » elsewhere."""
        return "Accordé" if self.is_deciding else "Proposé"

    @property
    def attendees(self) -> tuple[AttendeeLine, ...]:
        return tuple(a for group in self.attendance for a in group.attendees)

    def count(self, status: AttendanceStatus) -> int:
        return sum(1 for a in self.attendees if a.status is status)

    @property
    def resident_remarks(self) -> tuple[AttendeeLine, ...]:
        return tuple(a for a in self.attendees if a.is_resident and a.remarks)


# --- data ----------------------------------------------------------------------------------


def _group_name(row: AttendanceRow) -> str:
    if row.is_resident:
        return row.organisation_name or RESIDENTS_GROUP
    if row.organisation_name:
        return row.organisation_name
    if row.contact_id is None and row.organisation_id is not None:
        return row.name  # an organisation's seat: the organisation itself
    return OTHERS_GROUP


def _natural(text: str) -> list[tuple[int, str]]:
    """A sort key reading numbers as numbers: « n° 2 » before « n° 10 »."""
    parts = re.split(r"(\d+)", text.casefold())
    return [(1, f"{int(p):012d}") if p.isdigit() else (0, p) for p in parts]


def _attendance(rows: tuple[AttendanceRow, ...]) -> tuple[AttendanceGroup, ...]:
    groups: dict[str, list[AttendeeLine]] = {}
    for row in rows:
        if row.status is None:
            continue  # not recorded: the record says nothing about them
        seat_of_organisation = row.contact_id is None and row.organisation_id is not None
        groups.setdefault(_group_name(row), []).append(
            AttendeeLine(
                name="" if seat_of_organisation and not row.is_guest else row.name,
                function=row.function,
                role_label=row.role_label,
                status=row.status,
                status_label=row.status.label,
                represented_by=row.represented_by,
                remarks=row.remarks,
                is_resident=row.is_resident,
                is_guest=row.is_guest,
            )
        )
    order = {status: index for index, status in enumerate(STATUS_ORDER)}

    def group_key(item: tuple[str, list[AttendeeLine]]) -> tuple[int, list[tuple[int, str]]]:
        name, attendees = item
        last = 2 if name == OTHERS_GROUP else 1 if any(a.is_resident for a in attendees) else 0
        return (last, _natural(name))

    return tuple(
        AttendanceGroup(
            organisation=name,
            attendees=tuple(sorted(attendees, key=lambda a: (order[a.status], a.name.casefold()))),
        )
        for name, attendees in sorted(groups.items(), key=group_key)
    )


def _sentence(line: DossierDecisionLine, amount_label: str, *, short: bool = False) -> str:
    """``Dossier 2026-003 — holder — « action » : avis favorable ; proposé : 28 600 € (…).``

    The short form (for meetings with many dossiers: the table has the rest) leaves out
    the action and the amount per funder.
    """
    text = f"Dossier {line.reference} — {line.holder}"
    if not short:
        text += f" — « {line.action} »"
    text += f" : avis {line.opinion_label.lower()}"
    total = line.amount_total
    if line.opinion in (Opinion.FAVOURABLE, Opinion.RESERVED) and total is not None:
        text += f" ; {amount_label.lower()} : {total.format()}"
        funded = [a for a in line.amounts if a.amount]
        if len(funded) > 1 and not short:
            text += (
                " (" + ", ".join(f"{a.line} {a.amount.format()}" for a in funded if a.amount) + ")"
            )
    text += "."
    if line.comment:
        text += f" {line.comment}"
    return text


def decision_record_data(
    session: Session, meeting_id: int, generated_on: date | None = None
) -> DecisionRecordData:
    """Read everything the relevé of *meeting_id* says, as frozen data."""
    mode = meeting_service.meeting_mode_data(session, meeting_id)
    meeting = mode.meeting
    committee = session.get(Committee, meeting.committee_id)
    assert committee is not None  # the meeting row joined it
    contract = session.get(Contract, committee.contract_id)
    neighbourhoods = tuple(
        f"{name} ({code})"
        for name, code in session.execute(
            select(Neighbourhood.name, Neighbourhood.code)
            .where(Neighbourhood.contract_id == committee.contract_id)
            .order_by(Neighbourhood.name)
        )
    )
    lines: list[DossierDecisionLine] = []
    for brief in mode.dossiers:
        decision = brief.decision
        if decision is None:
            continue
        amounts = tuple(
            FunderAmount(
                funder=f.funder_name,
                line=f.line_code or f.line_name,
                requested=f.requested,
                amount=decision.amount_for(f.funding_id),
            )
            for f in brief.fundings
        )
        lines.append(
            DossierDecisionLine(
                number=decision.number,
                dossier_id=brief.dossier_id,
                reference=brief.reference,
                holder=brief.holder_name,
                action=brief.action_title,
                objective_code=brief.objective_code,
                total_cost=brief.total_cost,
                requested=brief.requested,
                opinion=decision.opinion,
                opinion_label=decision.opinion_label,
                amounts=amounts,
                comment=decision.comment,
            )
        )
    lines.sort(key=lambda line: line.number)
    amount_label = "Accordé" if meeting.is_deciding else "Proposé"
    decisions = [
        DecisionLine(
            line.number,
            line.reference,
            _sentence(line, amount_label),
            _sentence(line, amount_label, short=True),
        )
        for line in lines
    ]
    decisions += [
        DecisionLine(free.number, None, free.text, free.text) for free in mode.free_decisions
    ]
    decisions.sort(key=lambda d: d.number)
    decided = {line.dossier_id for line in lines}
    decided_lines = {
        (f.budget_line_id, f.year)
        for brief in mode.dossiers
        if brief.dossier_id in decided
        for f in brief.fundings
    }
    envelopes = tuple(
        EnvelopeSummary(
            label=e.line_name,
            funder=e.funder_name,
            year=e.year,
            envelope=e.envelope,
            before=e.committed_before,
            decided=e.decided,
            remaining=e.remaining,
        )
        for e in mode.envelopes
        if (e.budget_line_id, e.year) in decided_lines
    )
    following = meeting_service.next_meeting(session, meeting_id)
    town = contract.town if contract is not None else ""
    return DecisionRecordData(
        meeting_id=meeting.id,
        contract_name=contract.name if contract is not None else "Contrat de ville",
        contract_code=contract.code if contract is not None else None,
        town=town,
        neighbourhoods=neighbourhoods,
        committee_name=meeting.committee_name,
        committee_kind_label=meeting.committee_kind_label,
        is_deciding=meeting.is_deciding,
        starts_at=local_time(meeting.starts_at),
        ends_at=local_time(meeting.ends_at) if meeting.ends_at else None,
        place=meeting.place,
        state_label=meeting.state_label,
        notes=meeting.notes,
        attendance=_attendance(mode.attendance),
        agenda=tuple(
            AgendaLine(a.number, a.title, a.notes, a.dossier_reference) for a in mode.agenda
        ),
        decisions=tuple(decisions),
        dossier_lines=tuple(lines),
        envelopes=envelopes,
        follow_ups=tuple(FollowUpLine(f.what, f.who, f.due_on) for f in mode.follow_ups),
        next_meeting=None
        if following is None
        else NextMeeting(local_time(following.starts_at), following.place),
        generated_on=generated_on or date.today(),
        author=f"Équipe d'ingénierie du contrat de ville – {town}" if town else "qpvdesk",
        journal_fingerprint=_fingerprint(latest_hash(session)),
    )


def _fingerprint(digest: str | None) -> str | None:
    return None if digest is None else digest[:SHORT_HASH]


# --- rendering -----------------------------------------------------------------------------


def render_decision_record(data: DecisionRecordData, *, invariant: bool = False) -> bytes:
    """The relevé de décision as PDF bytes (portrait, the dossier table in landscape)."""
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, NextPageTemplate, PageBreak, Spacer

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import money, para

    s = pdf.styles()
    story: list[Any] = []
    width = pdf.frame_width(pdf.PORTRAIT)

    # Header
    story.append(para(data.contract_name, s.muted))
    story.append(para("Relevé de décision", s.title))
    story.append(para(data.committee_name, s.subtitle, markup="<b>{}</b>"))
    where = [
        ("Date", french_long_date(data.starts_at).capitalize()),
        ("Horaire", data.time_text),
        ("Lieu", data.place or "—"),
        ("Commune", data.town or "—"),
        ("Quartier prioritaire", ", ".join(data.neighbourhoods) or "—"),
        ("Instance", data.committee_kind_label),
    ]
    story.append(Spacer(1, 4))
    story.append(pdf.key_values(where, width, s))
    if data.notes:
        story.append(Spacer(1, 4))
        story.append(para(data.notes, s.muted))

    # Attendance
    counts = ", ".join(
        f"{data.count(status)} {STATUS_PLURAL[status]}"
        for status in STATUS_ORDER
        if data.count(status)
    )
    story.append(para("Participants", s.heading))
    if data.attendance:
        story.append(para(counts.capitalize() + ".", s.small))
        story.append(Spacer(1, 3))
        rows: list[list[Any]] = [
            [
                para("Structure", s.cell_head),
                para("Personne", s.cell_head),
                para("Présence", s.cell_head),
                para("Remarques", s.cell_head),
            ]
        ]
        spans: list[tuple[Any, ...]] = []
        for group in data.attendance:
            first = len(rows)
            for attendee in group.attendees:
                person = attendee.name or "—"
                details = [attendee.function] if attendee.function else []
                if attendee.is_resident:
                    details.append("habitant·e du quartier")
                if attendee.is_guest:
                    details.append("invité·e")
                cell = para(person, s.cell)
                if details:
                    cell = para(f"{person}\n{' · '.join(details)}", s.cell)
                rows.append(
                    [
                        para(group.organisation, s.cell_bold),
                        cell,
                        para(attendee.status_text, s.cell),
                        para(
                            "Voir « La parole des habitants »"
                            if attendee.is_resident and attendee.remarks
                            else attendee.remarks or "",
                            s.cell,
                        ),
                    ]
                )
            if len(group.attendees) > 1:
                spans.append(("SPAN", (0, first), (0, len(rows) - 1)))
        story.append(
            pdf.data_table(
                rows,
                [5.0 * cm, 4.6 * cm, 3.4 * cm, width - 13.0 * cm],
                banded=False,
                extra=spans,
            )
        )
        if data.resident_remarks:
            voices: list[Any] = [
                Spacer(1, 4),
                para("La parole des habitants", s.small, markup="<b>{}</b>"),
            ]
            voices += [
                para(f"{attendee.name} : « {attendee.remarks} »", s.note)
                for attendee in data.resident_remarks
            ]
            story.append(KeepTogether(voices))
    else:
        story.append(para("Les présences n'ont pas été relevées.", s.muted))

    # Agenda
    story.append(para("Ordre du jour", s.heading))
    if data.agenda:
        for point in data.agenda:
            story.append(_numbered(point.number, point.title, s.numbered))
            if point.notes:
                story.append(para(point.notes, s.note))
    else:
        story.append(para("Aucun point n'a été inscrit à l'ordre du jour.", s.muted))

    # Decisions
    story.append(para("Décisions", s.heading))
    if data.decisions:
        short = len(data.dossier_lines) > SHORT_DECISIONS_FROM
        if short:
            story.append(
                para(
                    "Le détail de chaque avis (action, montants par financeur) figure dans le "
                    "tableau « Avis sur les dossiers ».",
                    s.muted,
                )
            )
        for decision in data.decisions:
            text = decision.short_text if short else decision.text
            story.append(_numbered(decision.number, text, s.numbered))
    else:
        story.append(para("Aucune décision n'a été enregistrée pendant la séance.", s.muted))

    # Follow-ups
    story.append(para("Suites à donner", s.heading))
    if data.follow_ups:
        rows = [
            [para("Quoi", s.cell_head), para("Qui", s.cell_head), para("Échéance", s.cell_head)]
        ]
        for follow_up in data.follow_ups:
            rows.append(
                [
                    para(follow_up.what, s.cell),
                    para(follow_up.who or "—", s.cell),
                    para(french_date(follow_up.due_on) if follow_up.due_on else "—", s.cell),
                ]
            )
        story.append(pdf.data_table(rows, [width - 7.6 * cm, 5.0 * cm, 2.6 * cm]))
    else:
        story.append(para("Aucune suite à donner.", s.muted))

    # Next meeting
    story.append(para("Prochaine séance", s.heading))
    if data.next_meeting is not None:
        following = data.next_meeting
        day = french_long_date(following.starts_at).capitalize()
        text = f"{day} à {french_time(following.starts_at)}"
        if following.place:
            text += f", {following.place}"
        story.append(para(text + ".", s.body))
    else:
        story.append(para("Elle n'est pas encore fixée.", s.muted))

    # Annex, landscape: the dossier table and the financial summary
    if data.dossier_lines or data.envelopes:
        wide = pdf.frame_width(pdf.LANDSCAPE)
        story.append(NextPageTemplate(pdf.LANDSCAPE))
        story.append(PageBreak())
        # At the top of a fresh page, the heading cannot be left alone at the bottom of one;
        # kept with the table, it would make ReportLab lay the whole table out once more.
        heading = para("Avis sur les dossiers", s.heading)
        heading.keepWithNext = 0
        story.append(heading)
        head = [
            "N°",
            "Référence",
            "Porteur",
            "Action",
            "Objectif",
            "Coût total",
            "Demandé",
            "Avis",
            f"{data.amount_label} par financeur",
            "Commentaire",
        ]
        widths_cm = [0.8, 1.9, 3.2, 3.9, 1.6, 1.9, 1.9, 2.3, 5.2]
        widths = [w * cm for w in widths_cm]
        widths.append(wide - sum(widths))
        right = {0, 5, 6}
        rows = [
            [para(h, s.cell_head_right if i in right else s.cell_head) for i, h in enumerate(head)]
        ]
        for line in data.dossier_lines:
            per_funder = "\n".join(
                f"{a.line} : {money(a.amount)}"
                + (f" (demandé {money(a.requested)})" if a.requested is not None else "")
                for a in line.amounts
            )
            rows.append(
                [
                    para(line.number, s.cell_right),
                    para(line.reference, s.cell_bold),
                    para(line.holder, s.cell),
                    para(line.action, s.cell),
                    para(line.objective_code or "—", s.cell),
                    para(money(line.total_cost), s.cell_right),
                    para(money(line.requested), s.cell_right),
                    para(line.opinion_label, s.cell_bold),
                    para(per_funder or "—", s.cell),
                    para(line.comment or "", s.cell),
                ]
            )
        if len(rows) == 1:
            rows.append([para("", s.cell)] * 9 + [para("Aucun dossier examiné.", s.cell)])
        story.append(pdf.data_table(rows, widths))
        story.append(Spacer(1, 8))
        summary_rows = [
            [
                para("Enveloppe", s.cell_head),
                para("Exercice", s.cell_head),
                para("Montant de l'enveloppe", s.cell_head_right),
                para("Déjà engagé", s.cell_head_right),
                para("Décidé en séance", s.cell_head_right),
                para("Reste disponible", s.cell_head_right),
            ]
        ]
        for envelope in data.envelopes:
            remaining = money(envelope.remaining, empty="sans enveloppe")
            summary_rows.append(
                [
                    para(f"{envelope.label}\n{envelope.funder}", s.cell),
                    para(envelope.year, s.cell),
                    para(money(envelope.envelope, empty="—"), s.cell_right),
                    para(money(envelope.before), s.cell_right),
                    para(money(envelope.decided), s.cell_right),
                    para(
                        remaining,
                        s.cell_right,
                        markup="<font color='#b00020'><b>{}</b></font>"
                        if envelope.remaining is not None and envelope.remaining.cents < 0
                        else None,
                    ),
                ]
            )
        if len(summary_rows) > 1:
            story.append(para("Synthèse financière par enveloppe", s.heading))
            story.append(
                pdf.data_table(
                    summary_rows,
                    [wide - 14.0 * cm, 1.8 * cm, 3.1 * cm, 3.1 * cm, 3.0 * cm, 3.0 * cm],
                )
            )
            story.append(
                para(
                    "« Déjà engagé » : ce que les autres dossiers engagent sur l'enveloppe "
                    "(montants accordés, ou proposés tant qu'ils ne sont pas accordés). "
                    "Un reste négatif signale un dépassement.",
                    s.muted,
                )
            )
    info = pdf.PdfInfo(
        title=data.title,
        author=data.author,
        subject=data.subject,
        footer=data.contract_name,
        generated_on=data.generated_on,
        fingerprint=(
            None
            if data.journal_fingerprint is None
            else f"Empreinte du journal : {data.journal_fingerprint}"
        ),
        running_title=data.title,
        keywords=("relevé de décision", data.committee_name, data.date_text),
    )
    return pdf.build_pdf(story, info, invariant=invariant)


def _numbered(number: int, text: str, style: Any) -> Any:
    """« 3. Text » with a hanging indent (the number ours, the text escaped)."""
    from reportlab.platypus import Paragraph

    from qpvdesk.core.reports.pdf import escape_text

    return Paragraph(f"<b>{number}.</b>&nbsp;{escape_text(text)}", style)


def save_decision_record(data: DecisionRecordData, path: Path) -> Path:
    """Render and save the relevé at *path* atomically; returns the path written."""
    from qpvdesk.core.reports.pdf import save_pdf

    return save_pdf(render_decision_record(data), Path(path))


__all__ = [
    "AgendaLine",
    "AttendanceGroup",
    "AttendeeLine",
    "DecisionLine",
    "DecisionRecordData",
    "DossierDecisionLine",
    "EnvelopeSummary",
    "FollowUpLine",
    "FunderAmount",
    "NextMeeting",
    "decision_record_data",
    "render_decision_record",
    "save_decision_record",
]
