"""The documents of a meeting, for the page and the meeting mode alike: the convocation and
the relevé de décision as PDF, the invitation and the relevé as e-mail drafts, a draft
opened in the mail client.

The reports are built by the core (`core.reports`): data first, then bytes; this
module only asks where to save, runs the units of work and hands files to the system.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QStandardPaths, QUrl
from PySide6.QtWidgets import QFileDialog, QWidget
from sqlalchemy.orm import Session

from qpvdesk.core.atomic_write import write_atomically
from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.reports.convocation import convocation_data, render_convocation
from qpvdesk.core.reports.decision_record import decision_record_data, render_decision_record
from qpvdesk.core.reports.ics import meeting_invitation
from qpvdesk.core.reports.mail import (
    MailDraftRow,
    Recipients,
    create_mail_draft,
    draft_content,
    invitation_email,
    invitation_filename,
    invitation_recipients,
    mark_sent,
    prepare_decision_record_draft,
    record_filename,
)
from qpvdesk.core.reports.pdf import save_pdf
from qpvdesk.core.services.meetings import MeetingRow, meeting_row
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.opening import busy_cursor
from qpvdesk.ui.topics import COMMITTEES
from qpvdesk.ui.undo import quoted

#: Hands a file to the system (QDesktopServices.openUrl); tests replace it.
UrlOpener = Callable[[QUrl], object]


class SavePathAsker(Protocol):
    """Asks where to save; None when she cancels (tests give their own)."""

    def __call__(self, parent: QWidget, title: str, suggested: Path) -> Path | None: ...


def _tr(text: str) -> str:
    return QCoreApplication.translate("MeetingDocuments", text)


def ask_pdf_path(parent: QWidget, title: str, suggested: Path) -> Path | None:
    """The system's "Enregistrer sous" dialog, for a PDF."""
    name, _ = QFileDialog.getSaveFileName(parent, title, str(suggested),
                                          _tr("Document PDF (*.pdf)"))
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")


def documents_folder() -> Path:
    """Where save dialogs start: the user's documents."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(base) if base else Path.home()


def drafts_folder() -> Path:
    """Where a draft is written for the mail client (a folder of our own in the temp dir)."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.TempLocation)
    return Path(base) / "qpvdesk-courriels"


def suggested_convocation(meeting: MeetingRow) -> Path:
    return documents_folder() / invitation_filename(meeting.committee_name, meeting.starts_at,
                                                    "pdf")


def suggested_record(meeting: MeetingRow) -> Path:
    return documents_folder() / record_filename(meeting.committee_name, meeting.starts_at)


def save_convocation(context: AppContext, meeting_id: int, path: Path) -> Path:
    """Write the convocation (agenda, dossiers, members) as a PDF at *path*."""
    with busy_cursor():
        data = context.read(lambda session: convocation_data(session, meeting_id))
        return save_pdf(render_convocation(data), path)


def save_record(context: AppContext, meeting_id: int, path: Path,
                today: date | None = None) -> Path:
    """Write the relevé de décision as a PDF at *path*."""
    with busy_cursor():
        data = context.read(lambda session: decision_record_data(session, meeting_id,
                                                                 generated_on=today))
        return save_pdf(render_decision_record(data), path)


def prepare_invitation(context: AppContext, meeting: MeetingRow) -> Recipients:
    """Keep an invitation draft in « À envoyer »: the convocation PDF and the `.ics`
    attached, addressed to the committee's members. Returns who gets it."""

    def build(session: Session) -> Recipients:
        data = convocation_data(session, meeting.id)
        pdf_bytes = render_convocation(data)
        recipients = invitation_recipients(session, meeting.id)
        message = invitation_email(data, pdf_bytes, meeting_invitation(data), recipients)
        create_mail_draft(session, meeting.id, message,
                          invitation_filename(meeting.committee_name, meeting.starts_at, "eml"))
        return recipients

    with busy_cursor():
        return context.write(build, {COMMITTEES},
                             label=_tr("l'invitation à {title}").format(
                                 title=quoted(meeting.title)))


def prepare_record_mail(context: AppContext, meeting: MeetingRow,
                        today: date | None = None) -> Recipients:
    """Keep the relevé's e-mail draft (PDF attached, every COPIL and COTECH member)."""

    def build(session: Session) -> Recipients:
        _draft, recipients, _pdf = prepare_decision_record_draft(session, meeting.id,
                                                                 today=today)
        return recipients

    with busy_cursor():
        return context.write(build, {COMMITTEES},
                             label=_tr("le courriel du relevé de {title}").format(
                                 title=quoted(meeting.title)))


def recipients_summary(recipients: Recipients) -> str:
    """« 23 destinataires. 2 membres sans adresse électronique (…) : … »."""
    count = len(recipients.addresses)
    text = (_tr("1 destinataire.") if count == 1
            else _tr("{n} destinataires.").format(n=count))
    if recipients.warning:
        text += " " + recipients.warning
    return text


def open_draft(context: AppContext, draft: MailDraftRow, open_url: UrlOpener) -> Path:
    """Write the draft's .eml to a file of our own and hand it to the mail client."""
    content = context.read(lambda session: draft_content(session, draft.id))
    folder = drafts_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserFacingError(_tr("Le dossier des courriels {folder} n'a pas pu être créé : "
                                  "{reason}.").format(folder=folder,
                                                      reason=error.strerror or error)) from None
    path = write_atomically(content, folder / draft.filename, _tr("Le courriel"))
    if not open_url(QUrl.fromLocalFile(str(path))):
        raise UserFacingError(
            _tr("Aucune messagerie ne s'est ouverte. Le courriel est enregistré ici : {path} "
                "(ouvrez-le avec votre messagerie, ou joignez-le).").format(path=path))
    return path


def mark_draft_sent(context: AppContext, draft: MailDraftRow) -> None:
    context.write(lambda session: mark_sent(session, draft.id), {COMMITTEES},
                  label=_tr("l'envoi de {subject}").format(subject=quoted(draft.subject)))


def meeting_of(context: AppContext, meeting_id: int) -> MeetingRow:
    return context.read(lambda session: meeting_row(session, meeting_id))
