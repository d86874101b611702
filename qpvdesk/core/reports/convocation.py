"""The convocation of a meeting: date, time and place, the agenda, the dossiers, the members.

Data first (`convocation_data`, frozen, tested as data), then the PDF
(`render_convocation`), as for the relevé de décision. Sent before the meeting with
an `.ics` invitation (`reports.ics`) in an e-mail draft (`reports.mail`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.models import Committee, Contract, Neighbourhood
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services import meetings as meeting_service
from qpvdesk.core.services.meetings import (
    french_date,
    french_long_date,
    french_time_span,
    local_time,
)


@dataclass(frozen=True, slots=True)
class ConvocationPoint:
    """A point of the agenda."""

    number: int
    title: str
    notes: str | None


@dataclass(frozen=True, slots=True)
class ConvocationDossier:
    """A dossier the meeting will examine."""

    reference: str
    holder: str
    action: str
    objective_code: str | None
    total_cost: Money
    requested: Money


@dataclass(frozen=True, slots=True)
class InvitedMember:
    """A member convened."""

    name: str
    organisation: str | None
    function: str | None
    role_label: str
    is_resident: bool


@dataclass(frozen=True, slots=True)
class ConvocationData:
    """Everything the convocation says."""

    meeting_id: int
    contract_name: str
    contract_code: str | None
    town: str
    neighbourhoods: tuple[str, ...]
    committee_name: str
    committee_kind_label: str
    starts_at: datetime
    ends_at: datetime | None
    place: str | None
    notes: str | None
    agenda: tuple[ConvocationPoint, ...]
    dossiers: tuple[ConvocationDossier, ...]
    members: tuple[InvitedMember, ...]
    generated_on: date
    author: str

    @property
    def date_text(self) -> str:
        return french_date(self.starts_at)

    @property
    def title(self) -> str:
        """« Convocation – <committee> du <dd/mm/yyyy> »."""
        return f"Convocation – {self.committee_name} du {self.date_text}"

    @property
    def subject(self) -> str:
        return f"{self.contract_name} – convocation à la séance du {self.date_text}"

    @property
    def time_text(self) -> str:
        return french_time_span(self.starts_at, self.ends_at)


def convocation_data(
    session: Session, meeting_id: int, generated_on: date | None = None
) -> ConvocationData:
    """Read what the convocation of *meeting_id* says."""
    mode = meeting_service.meeting_mode_data(session, meeting_id)
    meeting = mode.meeting
    committee = session.get(Committee, meeting.committee_id)
    assert committee is not None
    contract = session.get(Contract, committee.contract_id)
    neighbourhoods = tuple(
        f"{name} ({code})"
        for name, code in session.execute(
            select(Neighbourhood.name, Neighbourhood.code)
            .where(Neighbourhood.contract_id == committee.contract_id)
            .order_by(Neighbourhood.name)
        )
    )
    members = tuple(
        InvitedMember(
            name=row.name,
            organisation=row.organisation_name,
            function=row.function,
            role_label=row.role_label,
            is_resident=row.is_resident,
        )
        for row in mode.attendance
        if row.member_id is not None
    )
    town = contract.town if contract is not None else ""
    return ConvocationData(
        meeting_id=meeting.id,
        contract_name=contract.name if contract is not None else "Contrat de ville",
        contract_code=contract.code if contract is not None else None,
        town=town,
        neighbourhoods=neighbourhoods,
        committee_name=meeting.committee_name,
        committee_kind_label=meeting.committee_kind_label,
        starts_at=local_time(meeting.starts_at),
        ends_at=local_time(meeting.ends_at) if meeting.ends_at else None,
        place=meeting.place,
        notes=meeting.notes,
        agenda=tuple(ConvocationPoint(a.number, a.title, a.notes) for a in mode.agenda),
        dossiers=tuple(
            ConvocationDossier(
                reference=d.reference,
                holder=d.holder_name,
                action=d.action_title,
                objective_code=d.objective_code,
                total_cost=d.total_cost,
                requested=d.requested,
            )
            for d in mode.dossiers
        ),
        members=tuple(
            sorted(members, key=lambda m: ((m.organisation or m.name).casefold(), m.name))
        ),
        generated_on=generated_on or date.today(),
        author=f"Équipe d'ingénierie du contrat de ville – {town}" if town else "qpvdesk",
    )


def render_convocation(data: ConvocationData, *, invariant: bool = False) -> bytes:
    """The convocation as PDF bytes (A4 portrait)."""
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, Spacer

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import escape_text, money, para

    s = pdf.styles()
    width = pdf.frame_width(pdf.PORTRAIT)
    story: list[Any] = [
        para(data.contract_name, s.muted),
        para("Convocation", s.title),
        para(data.committee_name, s.subtitle, markup="<b>{}</b>"),
        Spacer(1, 4),
        pdf.key_values(
            [
                ("Date", french_long_date(data.starts_at).capitalize()),
                ("Horaire", data.time_text),
                ("Lieu", data.place or "à préciser"),
                ("Commune", data.town or "—"),
                ("Quartier prioritaire", ", ".join(data.neighbourhoods) or "—"),
            ],
            width,
            s,
        ),
        Spacer(1, 8),
        para(
            f"Madame, Monsieur, vous êtes invité·e à participer à la séance de l'instance "
            f"« {data.committee_name} » du contrat de ville. Si vous ne pouvez pas y assister, "
            "merci de le faire savoir et, si possible, de vous faire représenter.",
            s.body,
        ),
    ]
    if data.notes:
        story.append(para(data.notes, s.muted))
    story.append(para("Ordre du jour", s.heading))
    if data.agenda:
        for point in data.agenda:
            story.append(
                Paragraph(f"<b>{point.number}.</b>&nbsp;{escape_text(point.title)}", s.numbered)
            )
            if point.notes:
                story.append(para(point.notes, s.note))
    else:
        story.append(para("L'ordre du jour sera communiqué ultérieurement.", s.muted))
    if data.dossiers:
        story.append(para("Dossiers examinés", s.heading))
        rows: list[list[Any]] = [
            [
                para("Référence", s.cell_head),
                para("Porteur", s.cell_head),
                para("Action", s.cell_head),
                para("Objectif", s.cell_head),
                para("Coût total", s.cell_head_right),
                para("Demandé", s.cell_head_right),
            ]
        ]
        for dossier in data.dossiers:
            rows.append(
                [
                    para(dossier.reference, s.cell_bold),
                    para(dossier.holder, s.cell),
                    para(dossier.action, s.cell),
                    para(dossier.objective_code or "—", s.cell),
                    para(money(dossier.total_cost), s.cell_right),
                    para(money(dossier.requested), s.cell_right),
                ]
            )
        widths = [1.9 * cm, 4.2 * cm, 0.0, 1.6 * cm, 2.1 * cm, 2.1 * cm]
        widths[2] = width - sum(widths)
        story.append(pdf.data_table(rows, widths))
    story.append(para("Membres convoqués", s.heading))
    if data.members:
        rows = [
            [
                para("Structure", s.cell_head),
                para("Personne", s.cell_head),
                para("Rôle", s.cell_head),
            ]
        ]
        for member in data.members:
            person = member.name if member.organisation else "—"
            if member.function:
                person += f"\n{member.function}"
            rows.append(
                [
                    para(member.organisation or member.name, s.cell_bold),
                    para(person, s.cell),
                    para(member.role_label, s.cell),
                ]
            )
        story.append(pdf.data_table(rows, [7.0 * cm, width - 10.0 * cm, 3.0 * cm]))
    else:
        story.append(para("Aucun membre n'est enregistré pour cette instance.", s.muted))
    info = pdf.PdfInfo(
        title=data.title,
        author=data.author,
        subject=data.subject,
        footer=data.contract_name,
        generated_on=data.generated_on,
        running_title=data.title,
        keywords=("convocation", data.committee_name, data.date_text),
    )
    return pdf.build_pdf(story, info, invariant=invariant)


__all__ = [
    "ConvocationData",
    "ConvocationDossier",
    "ConvocationPoint",
    "InvitedMember",
    "convocation_data",
    "render_convocation",
]
