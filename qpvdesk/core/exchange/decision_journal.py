"""The journal des décisions: the public-money record as a plain workbook in the backup folder.

A second line of defence beside the backups: after changes to decisions or amounts,
``backups/<file>-journal-des-decisions.xlsx`` is written again (`Database` decides when, see
`storage.database`), so that even if the data file is lost, every dossier's figures
per funder and every meeting's decisions stay readable in any spreadsheet.

Three sheets: « Financements » (per dossier and funder: requested, proposed, granted,
paid, the funder's decision, the last meeting that decided on the dossier), « Décisions
des séances » (each decision of each meeting, one row per amount) and « À propos »
(when, from which file, the audit log's latest hash). Written whole under a temporary
name in the same folder, then renamed (`xlsx.write_workbook`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, func, select, type_coerce
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import DossierState, MeetingState, Opinion
from qpvdesk.core.domain.models import (
    Action,
    AuditEntry,
    BudgetLine,
    Committee,
    Contract,
    Decision,
    DecisionAmount,
    Dossier,
    Funding,
    Meeting,
    Organisation,
    Payment,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.meetings import french_date, local_time
from qpvdesk.core.storage.audit_chain import latest_hash
from qpvdesk.core.storage.backups import JOURNAL_NAME, journal_path

FUNDING_COLUMNS = (
    "Exercice", "Dossier", "Porteur", "Action", "État du dossier", "Avis", "Financeur",
    "Ligne budgétaire", "Demandé", "Proposé", "Accordé", "Versé", "Décision du financeur",
    "Décidée le", "Dernière séance", "Date de la séance",
)  # fmt: skip
DECISION_COLUMNS = (
    "Date de la séance", "Instance", "État de la séance", "N°", "Dossier", "Porteur", "Avis",
    "Décision", "Financeur", "Ligne budgétaire", "Montant",
)  # fmt: skip
#: Column widths (characters) of the sheets, in order; the rest keep Excel's default.
WIDTHS = {
    "Financements": (9, 11, 36, 44, 18, 14, 32, 44, 12, 12, 12, 12, 28, 11, 36, 16),
    "Décisions des séances": (16, 36, 14, 5, 11, 36, 14, 60, 32, 44, 12),
    "À propos": (30, 90),
}


__all__ = ["JOURNAL_NAME", "journal_path", "journal_sheets", "write_decision_journal"]


@dataclass(frozen=True, slots=True)
class JournalSheet:
    """One sheet: its headings and rows of plain values (text, integers, euros).

    The rows may be a generator reading the caller's unit of work as the sheet is written:
    a 200 000-row journal then never sits whole in memory.
    """

    title: str
    columns: tuple[str, ...]
    rows: Iterable[tuple[Any, ...]]


def _label(enum: type[Any], value: Any) -> str | None:
    return None if value is None else str(enum(value).label)


def _euros(value: Money | None) -> Decimal | None:
    return None if value is None else Decimal(value.cents) / 100


def _day(value: date | None) -> str | None:
    return None if value is None else french_date(value)


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%d/%m/%Y %H:%M")


def _held_decisions(session: Session) -> dict[int, tuple[str, str | None]]:
    """Per dossier, the last held meeting that decided on it: (instance, when)."""
    latest: dict[int, tuple[str, str | None]] = {}
    for dossier_id, name, starts_at in session.execute(
        select(Decision.dossier_id, Committee.name, Meeting.starts_at)
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .join(Committee, Committee.id == Meeting.committee_id)
        .where(Decision.dossier_id.is_not(None), Meeting.state != MeetingState.PLANNED)
        .order_by(Meeting.starts_at, Meeting.id)
    ):
        if dossier_id is not None:
            latest[dossier_id] = (name, _moment(local_time(starts_at)))
    return latest


#: Rows fetched at a time from the large queries (the ORM otherwise fetches every row first).
FETCH_ROWS = 1000


def _funding_rows(session: Session) -> Iterator[tuple[Any, ...]]:
    paid: dict[int, int] = {
        funding_id: int(total or 0)
        for funding_id, total in session.execute(
            select(Payment.funding_id, type_coerce(func.sum(Payment.amount), Integer))
            .where(Payment.paid_on.is_not(None))
            .group_by(Payment.funding_id)
        )
    }
    decided = _held_decisions(session)
    holder = Organisation.__table__.alias("holder")
    funder = Organisation.__table__.alias("funder")
    for record in session.execute(
        select(
            Funding.id,
            Funding.year,
            Dossier.id,
            Dossier.reference,
            holder.c.name,
            Action.title,
            Dossier.state,
            Dossier.opinion,
            funder.c.name,
            BudgetLine.name,
            Funding.requested,
            Funding.proposed,
            Funding.granted,
            Funding.funder_decision,
            Funding.decided_on,
        )
        .join(Action, Action.id == Funding.action_id)
        .outerjoin(Dossier, Dossier.id == Funding.dossier_id)
        .join(holder, holder.c.id == func.coalesce(Dossier.holder_id, Action.holder_id))
        .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
        .join(funder, funder.c.id == BudgetLine.funder_id)
        .order_by(Funding.year, Dossier.reference, funder.c.name, BudgetLine.name, Funding.id)
        .execution_options(yield_per=FETCH_ROWS)
    ):
        (funding_id, year, dossier_id, reference, holder_name, title, state, opinion) = record[:8]
        meeting = decided.get(dossier_id) if dossier_id is not None else None
        cents = paid.get(funding_id)
        yield (
            year,
            reference or "(droit commun, sans dossier)",
            holder_name,
            title,
            _label(DossierState, state),
            _label(Opinion, opinion),
            record[8],
            record[9],
            _euros(record[10]),
            _euros(record[11]),
            _euros(record[12]),
            Decimal(cents) / 100 if cents else None,
            record[13],
            _day(record[14]),
            meeting[0] if meeting else None,
            meeting[1] if meeting else None,
        )


def _decision_rows(session: Session) -> Iterator[tuple[Any, ...]]:
    amounts: dict[int, list[tuple[str | None, str | None, Money | None]]] = {}
    for decision_id, funder_name, line_name, amount in session.execute(
        select(
            DecisionAmount.decision_id, Organisation.name, BudgetLine.name, DecisionAmount.amount
        )
        .join(Funding, Funding.id == DecisionAmount.funding_id)
        .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
        .join(Organisation, Organisation.id == BudgetLine.funder_id)
        .order_by(DecisionAmount.decision_id, Organisation.name, BudgetLine.name)
    ):
        amounts.setdefault(decision_id, []).append((funder_name, line_name, amount))
    for record in session.execute(
        select(
            Decision.id,
            Meeting.starts_at,
            Committee.name,
            Meeting.state,
            Decision.position,
            Dossier.reference,
            Organisation.name,
            Decision.opinion,
            Decision.text,
        )
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .join(Committee, Committee.id == Meeting.committee_id)
        .outerjoin(Dossier, Dossier.id == Decision.dossier_id)
        .outerjoin(Organisation, Organisation.id == Dossier.holder_id)
        .order_by(Meeting.starts_at, Meeting.id, Decision.position, Decision.id)
        .execution_options(yield_per=FETCH_ROWS)
    ):
        decision_id, starts_at, committee, state, position, reference, holder, opinion, text = (
            record
        )
        head = (
            _moment(local_time(starts_at)),
            committee,
            _label(MeetingState, state),
            position,
            reference,
            holder,
            _label(Opinion, opinion),
            text,
        )
        for funded in amounts.get(decision_id) or [(None, None, None)]:
            yield (*head, funded[0], funded[1], _euros(funded[2]))


def journal_sheets(session: Session, db_path: Path, now: datetime) -> list[JournalSheet]:
    """The journal's sheets, read in the caller's (read-only) unit of work."""
    contract = session.scalar(select(Contract.name).order_by(Contract.id))
    entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    about: list[tuple[Any, ...]] = [
        ("Contrat de ville", contract or ""),
        ("Fichier de données", str(db_path)),
        ("Journal écrit le", now.strftime("%d/%m/%Y à %H:%M:%S")),
        ("Entrées du journal d'audit", entries),
        ("Empreinte du journal d'audit", latest_hash(session) or ""),
        (
            "À quoi sert ce classeur",
            "Copie de secours lisible sans qpvdesk : montants de chaque dossier par financeur "
            "(en euros) et décisions de chaque séance, réécrite après les changements. La "
            "base de données et ses sauvegardes restent la référence.",
        ),
    ]
    return [
        JournalSheet("Financements", FUNDING_COLUMNS, _funding_rows(session)),
        JournalSheet("Décisions des séances", DECISION_COLUMNS, _decision_rows(session)),
        JournalSheet("À propos", ("Quoi", "Valeur"), about),
    ]


def _write_workbook(path: Path, sheets: Sequence[JournalSheet]) -> None:
    """Plain values, streamed (openpyxl write-only): a style only where text looks like a
    formula (quotePrefix), so that a large journal stays quick to write."""
    # openpyxl (through xlsx, which checks it reads safely) only when a journal is written.
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from qpvdesk.core.exchange.xlsx import text_value

    workbook = openpyxl.Workbook(write_only=True)
    workbook.properties.creator = "qpvdesk"
    workbook.properties.title = "Journal des décisions"
    bold = Font(bold=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title)
        for position, width in enumerate(WIDTHS.get(spec.title, ()), 1):
            sheet.column_dimensions[get_column_letter(position)].width = width
        sheet.freeze_panes = "A2"
        headings = []
        for title in spec.columns:
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = bold
            headings.append(cell)
        sheet.append(headings)
        for row in spec.rows:
            sheet.append([text_value(sheet, value) if isinstance(value, str) else value
                          for value in row])
    workbook.save(path)


def write_decision_journal(session: Session, db_path: Path, now: datetime | None = None) -> Path:
    """Write the journal of *db_path* into its backup folder (replaced whole); its path.

    Written under a temporary name in the same folder, then renamed over the previous
    one: a failure (disk full, folder read-only) leaves the previous journal whole and
    raises `OSError`.
    """
    target = journal_path(db_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sheets = journal_sheets(session, db_path, now or datetime.now())
    handle, name = tempfile.mkstemp(prefix=".journal-", suffix=".xlsx.tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        _write_workbook(temporary, sheets)
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target
