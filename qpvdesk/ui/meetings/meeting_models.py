"""Table models of the "Instances et séances" page and of the meeting mode.

Every list is a `ColumnTableModel` over frozen service rows (one template, see
``ui/partners/column_model.py``); the dossier picker adds a check column of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import QCoreApplication, QModelIndex, QObject, QPersistentModelIndex, Qt

from qpvdesk.core.domain.enums import AttendanceStatus, MemberRole, Opinion
from qpvdesk.core.domain.money import Money
from qpvdesk.core.reports.mail import MailDraftRow
from qpvdesk.core.services.committees import CommitteeRow, MemberRow
from qpvdesk.core.services.meetings import (
    AgendaRow,
    AttendanceRow,
    FollowUpRow,
    FreeDecisionRow,
    MeetingRow,
    ProposedDossier,
    SnapshotDifference,
    SnapshotRow,
    french_date,
    french_time,
    local_time,
)
from qpvdesk.ui.formatting import number
from qpvdesk.ui.partners.column_model import CENTER, RIGHT, Column, ColumnTableModel
from qpvdesk.ui.partners.fields import format_date

AnyIndex = QModelIndex | QPersistentModelIndex
_CHECK = Qt.ItemDataRole.CheckStateRole
_ROOT = QModelIndex()

#: The one key of each opinion in the meeting mode, shown on its button.
OPINION_KEYS: dict[Opinion, str] = {
    Opinion.FAVOURABLE: "F",
    Opinion.RESERVED: "R",
    Opinion.UNFAVOURABLE: "D",
    Opinion.POSTPONED: "A",
}
#: The one key of each attendance status in the meeting mode.
ATTENDANCE_KEYS: dict[AttendanceStatus, str] = {
    AttendanceStatus.PRESENT: "P",
    AttendanceStatus.EXCUSED: "E",
    AttendanceStatus.ABSENT: "A",
    AttendanceStatus.REPRESENTED: "R",
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("MeetingModels", text)


def _moment(value: datetime | None) -> str:
    return "" if value is None else local_time(value).strftime("%d/%m/%Y %H:%M")


def _period(since: date | None, until: date | None) -> str:
    start, end = format_date(since), format_date(until)
    if start and end:
        return _tr("du {start} au {end}").format(start=start, end=end)
    if start:
        return _tr("depuis le {start}").format(start=start)
    if end:
        return _tr("jusqu'au {end}").format(end=end)
    return ""


# --- committees and their members ----------------------------------------------------------


def _committee_tip(row: CommitteeRow) -> str:
    parts = [row.name, row.kind_label]
    if row.priority_code:
        parts.append(_tr("Priorité {code} — {title}").format(code=row.priority_code,
                                                             title=row.priority_title))
    if row.description:
        parts.append(row.description)
    return "\n".join(parts)


def committee_columns() -> list[Column[CommitteeRow]]:
    return [
        Column(_tr("Instance"), lambda r: r.name, tooltip=_committee_tip),
        Column(_tr("Membres"), lambda r: number(len(r.members)), sort_key=lambda r: len(r.members),
               align=RIGHT),
        Column(_tr("Prochaine"),
               lambda r: "" if r.next_meeting_at is None else french_date(r.next_meeting_at),
               sort_key=lambda r: r.next_meeting_at, align=CENTER),
    ]


def _member_text(row: MemberRow) -> str:
    text = row.label
    if row.is_resident:
        text += _tr(" — habitant·e (conseil citoyen)")
    return text


def _role_text(row: MemberRow) -> str:
    period = _period(row.since, row.until)
    return f"{row.role_label}, {period}" if period else row.role_label


def member_columns() -> list[Column[MemberRow]]:
    roles = list(MemberRole)
    return [
        Column(_tr("Membre"), _member_text,
               tooltip=lambda r: "\n".join(filter(None, (r.label, r.function, r.email)))),
        Column(_tr("Rôle"), _role_text, sort_key=lambda r: (roles.index(r.role), r.since)),
        Column(_tr("Courriel"), lambda r: r.email or _tr("(aucune adresse)"),
               tooltip=lambda r: r.email or _tr(
                   "Sans adresse : ne recevra pas les courriels (convocation, relevé).")),
    ]


class CommitteeTableModel(ColumnTableModel[CommitteeRow]):
    """The committees (COPIL, COTECH, commissions…)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(committee_columns(), parent)


class MemberTableModel(ColumnTableModel[MemberRow]):
    """The seats of one committee; a seat whose period is over shows greyed."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(member_columns(), parent,
                         row_muted=lambda r: r.until is not None and r.until < date.today())


# --- meetings ------------------------------------------------------------------------------


def meeting_columns() -> list[Column[MeetingRow]]:
    return [
        Column(_tr("Date"), lambda r: french_date(r.starts_at), sort_key=lambda r: r.starts_at,
               align=CENTER),
        Column(_tr("Heure"), lambda r: french_time(r.starts_at),
               sort_key=lambda r: (local_time(r.starts_at).hour, local_time(r.starts_at).minute),
               align=CENTER),
        Column(_tr("Lieu"), lambda r: r.place or "", tooltip=lambda r: r.place),
        Column(_tr("État"), lambda r: r.state_label,
               sort_key=lambda r: ("planned", "held", "record_sent").index(r.state.value)),
        Column(_tr("Points"), lambda r: number(r.agenda_count), sort_key=lambda r: r.agenda_count,
               align=RIGHT),
        Column(_tr("Décisions"), lambda r: number(r.decision_count),
               sort_key=lambda r: r.decision_count, align=RIGHT),
    ]


class MeetingTableModel(ColumnTableModel[MeetingRow]):
    """The meetings of a committee."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(meeting_columns(), parent)


def _opinion_text(row: AgendaRow) -> str:
    if row.dossier_id is None:
        return ""
    if row.opinion is None:
        return _tr("à examiner")
    return row.opinion.label


def agenda_columns() -> list[Column[AgendaRow]]:
    return [
        Column(_tr("N°"), lambda r: str(r.number), sort_key=lambda r: r.position, align=RIGHT),
        Column(_tr("Point de l'ordre du jour"), lambda r: r.title,
               tooltip=lambda r: "\n\n".join(filter(None, (r.title, r.notes)))),
        Column(_tr("Avis"), _opinion_text,
               sort_key=lambda r: "" if r.opinion is None else r.opinion.label),
    ]


class AgendaTableModel(ColumnTableModel[AgendaRow]):
    """The agenda in its order (never sorted otherwise: the order is the meeting's)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(agenda_columns(), parent,
                         row_alert=lambda r: r.opinion is Opinion.UNFAVOURABLE)


# --- the dossier picker --------------------------------------------------------------------

PICK_COLUMN = 0


def proposed_columns() -> list[Column[ProposedDossier]]:
    return [
        Column(_tr("Examiner"), lambda r: "", sort_key=lambda r: r.on_agenda),
        Column(_tr("Dossier"), lambda r: r.reference),
        Column(_tr("Porteur"), lambda r: r.holder_name, tooltip=lambda r: r.holder_name),
        Column(_tr("Action"), lambda r: r.action_title, tooltip=lambda r: r.action_title),
        Column(_tr("Objectif"), lambda r: r.objective_code or ""),
        Column(_tr("État"), lambda r: r.state_label),
        Column(_tr("Demandé"), lambda r: r.requested.format(), sort_key=lambda r: r.requested.cents,
               align=RIGHT),
    ]


class ProposedDossierTableModel(ColumnTableModel[ProposedDossier]):
    """Dossiers one may put on the agenda, each with a check box (those already there are
    shown checked and cannot be unchecked: the agenda removes them)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(proposed_columns(), parent,
                         row_muted=lambda r: r.on_agenda or not r.in_priority)
        self._checked: set[int] = set()

    def set_rows(self, rows: Sequence[ProposedDossier]) -> None:
        known = {row.id for row in rows}
        self._checked &= known
        super().set_rows(rows)

    def check(self, dossier_ids: Iterable[int]) -> None:
        self._checked |= set(dossier_ids)
        if self.rowCount():
            self.dataChanged.emit(self.index(0, PICK_COLUMN),
                                  self.index(self.rowCount() - 1, PICK_COLUMN), [_CHECK])

    def checked_ids(self) -> list[int]:
        """The dossiers to add, in the list's order (those on the agenda left out)."""
        return [row.id for row in self.rows() if row.id in self._checked and not row.on_agenda]

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == PICK_COLUMN:
            row = self.row_at(index)
            if row is not None and not row.on_agenda:
                flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == _CHECK and index.isValid() and index.column() == PICK_COLUMN:
            row = self.row_at(index)
            if row is None:
                return None
            checked = row.on_agenda or row.id in self._checked
            return Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        return super().data(index, role)

    def setData(self, index: AnyIndex, value: object,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != _CHECK or not index.isValid() or index.column() != PICK_COLUMN:
            return False
        row = self.row_at(index)
        if row is None or row.on_agenda:
            return False
        state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(int(value))  # type: ignore[call-overload]
        if state == Qt.CheckState.Checked:
            self._checked.add(row.id)
        else:
            self._checked.discard(row.id)
        self.dataChanged.emit(index, index, [_CHECK])
        return True


# --- the « À envoyer » list, the frozen programmation --------------------------------------


def draft_columns() -> list[Column[MailDraftRow]]:
    return [
        Column(_tr("Préparé le"), lambda r: _moment(r.created_at), sort_key=lambda r: r.created_at,
               align=CENTER),
        Column(_tr("Séance"), lambda r: r.meeting_title or ""),
        Column(_tr("Objet"), lambda r: r.subject, tooltip=lambda r: r.subject),
        Column(_tr("Destinataires"), lambda r: number(len(r.recipients)),
               sort_key=lambda r: len(r.recipients), align=RIGHT,
               tooltip=lambda r: "\n".join(r.recipients) or None),
        Column(_tr("Envoyé le"), lambda r: _moment(r.sent_at), sort_key=lambda r: r.sent_at,
               align=CENTER),
    ]


class DraftTableModel(ColumnTableModel[MailDraftRow]):
    """E-mail drafts waiting for the network."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(draft_columns(), parent, row_muted=lambda r: r.is_sent)


def _money(value: Money | None) -> str:
    return "—" if value is None else value.format()


def _cents(value: Money | None) -> int | None:
    return None if value is None else value.cents


def snapshot_columns() -> list[Column[SnapshotRow]]:
    return [
        Column(_tr("Dossier"), lambda r: r.reference),
        Column(_tr("Porteur et action"), lambda r: f"{r.holder} — {r.action}",
               tooltip=lambda r: f"{r.holder}\n{r.action}"),
        Column(_tr("Ligne"), lambda r: r.budget_line, tooltip=lambda r: r.budget_line),
        Column(_tr("Année"), lambda r: str(r.year), sort_key=lambda r: r.year, align=CENTER),
        Column(_tr("Demandé"), lambda r: _money(r.requested),
               sort_key=lambda r: _cents(r.requested), align=RIGHT),
        Column(_tr("Proposé"), lambda r: _money(r.proposed), sort_key=lambda r: _cents(r.proposed),
               align=RIGHT),
        Column(_tr("Accordé"), lambda r: _money(r.granted), sort_key=lambda r: _cents(r.granted),
               align=RIGHT),
    ]


class SnapshotTableModel(ColumnTableModel[SnapshotRow]):
    """The programmation a COPIL approved, frozen (rows have no id: the model never asks)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(snapshot_columns(), parent)


def difference_columns() -> list[Column[SnapshotDifference]]:
    return [
        Column(_tr("Dossier"), lambda r: r.reference),
        Column(_tr("Porteur"), lambda r: r.holder, tooltip=lambda r: r.holder),
        Column(_tr("Écart"), lambda r: r.description, tooltip=lambda r: r.description),
        Column(_tr("Modifié par"), lambda r: r.changed_by or ""),
        Column(_tr("Le"), lambda r: _moment(r.changed_at), sort_key=lambda r: r.changed_at,
               align=CENTER),
    ]


class DifferenceTableModel(ColumnTableModel[SnapshotDifference]):
    """What changed since the COPIL, and who changed it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(difference_columns(), parent)


# --- the meeting mode ----------------------------------------------------------------------


def _attendance_status(row: AttendanceRow) -> str:
    if row.status is None:
        return _tr("à renseigner")
    return f"{row.status_label} ({ATTENDANCE_KEYS[row.status]})"


def _person(row: AttendanceRow) -> str:
    text = row.name
    if row.organisation_name:
        text += f" — {row.organisation_name}"
    extras = []
    if row.is_resident:
        extras.append(_tr("habitant·e"))
    if row.role is not MemberRole.MEMBER:
        extras.append(row.role_label)
    return text + (f" ({', '.join(extras)})" if extras else "")


def attendance_columns() -> list[Column[AttendanceRow]]:
    return [
        Column(_tr("Personne"), _person,
               tooltip=lambda r: "\n".join(filter(None, (_person(r), r.function)))),
        Column(_tr("Présence"), _attendance_status,
               sort_key=lambda r: "" if r.status is None else r.status.value,
               alert=lambda r: r.status is None),
        Column(_tr("Représenté·e par"), lambda r: r.represented_by or ""),
        Column(_tr("Remarques"), lambda r: r.remarks or "", tooltip=lambda r: r.remarks),
    ]


class AttendanceTableModel(ColumnTableModel[AttendanceRow]):
    """The attendance sheet, a line not recorded yet saying so in the alert colour.

    Rows not recorded have no id: the screen finds them by position.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(attendance_columns(), parent)


def _point_title(row: AgendaRow) -> str:
    prefix = "Dossier "
    return row.title[len(prefix):] if row.title.startswith(prefix) else row.title


def mode_agenda_columns() -> list[Column[AgendaRow]]:
    return [
        Column(_tr("N°"), lambda r: str(r.number), sort_key=lambda r: r.position, align=RIGHT),
        Column(_tr("Point"), _point_title, tooltip=lambda r: r.title),
        Column(_tr("Avis"), lambda r: "" if r.opinion is None else r.opinion.label,
               alert=lambda r: r.opinion is Opinion.UNFAVOURABLE),
    ]


class ModeAgendaTableModel(ColumnTableModel[AgendaRow]):
    """The agenda as the meeting mode lists it (short titles, the opinion when given)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(mode_agenda_columns(), parent)


@dataclass(frozen=True, slots=True)
class EnvelopeSummaryRow:
    """An envelope of the meeting, at the end: amount, decided in the meeting, remaining."""

    id: int
    name: str
    envelope: Money | None
    decided: Money
    remaining: Money | None

    @property
    def exceeded(self) -> bool:
        return self.remaining is not None and self.remaining.cents < 0


def envelope_columns() -> list[Column[EnvelopeSummaryRow]]:
    return [
        Column(_tr("Enveloppe"), lambda r: r.name, tooltip=lambda r: r.name),
        Column(_tr("Montant"), lambda r: _money(r.envelope), sort_key=lambda r: _cents(r.envelope),
               align=RIGHT),
        Column(_tr("Décidé en séance"), lambda r: r.decided.format(),
               sort_key=lambda r: r.decided.cents, align=RIGHT),
        Column(_tr("Reste"), lambda r: _money(r.remaining), sort_key=lambda r: _cents(r.remaining),
               align=RIGHT, alert=lambda r: r.exceeded),
    ]


class EnvelopeTableModel(ColumnTableModel[EnvelopeSummaryRow]):
    """Every envelope of the meeting, on its last page."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(envelope_columns(), parent)


def free_decision_columns() -> list[Column[FreeDecisionRow]]:
    return [
        Column(_tr("N°"), lambda r: str(r.number), sort_key=lambda r: r.number, align=RIGHT),
        Column(_tr("Décision"), lambda r: r.text, tooltip=lambda r: r.text),
    ]


class FreeDecisionTableModel(ColumnTableModel[FreeDecisionRow]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(free_decision_columns(), parent)


def follow_up_columns() -> list[Column[FollowUpRow]]:
    return [
        Column(_tr("Suite à donner"), lambda r: r.what, tooltip=lambda r: r.what),
        Column(_tr("Qui"), lambda r: r.who or ""),
        Column(_tr("Pour le"), lambda r: format_date(r.due_on), sort_key=lambda r: r.due_on,
               align=CENTER),
    ]


class FollowUpTableModel(ColumnTableModel[FollowUpRow]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(follow_up_columns(), parent)


__all__ = [
    "ATTENDANCE_KEYS",
    "OPINION_KEYS",
    "PICK_COLUMN",
    "AgendaTableModel",
    "AttendanceTableModel",
    "CommitteeTableModel",
    "DifferenceTableModel",
    "DraftTableModel",
    "EnvelopeSummaryRow",
    "EnvelopeTableModel",
    "FollowUpTableModel",
    "FreeDecisionTableModel",
    "MeetingTableModel",
    "MemberTableModel",
    "ModeAgendaTableModel",
    "ProposedDossierTableModel",
    "SnapshotTableModel",
]
