"""The journal des décisions: the public-money record as a plain workbook in the backup folder.

A second line of defence beside the backups: after changes to decisions or amounts,
``backups/journal-des-decisions.xlsx`` is written again (`Database` decides when, see
`storage.database`), so that even if the data file is lost, every dossier's figures
per funder and every meeting's decisions stay readable in any spreadsheet.

Three sheets: « Financements » (per dossier and funder: requested, proposed, granted,
paid, the funder's decision, the last meeting that decided on the dossier), « Décisions
des séances » (each decision of each meeting, one row per amount) and « À propos »
(when, from which file, the audit log's latest hash). Written whole under a temporary
name in the same folder, then renamed (`xlsx.write_workbook`).
"""

from __future__ import annotations

from datetime import datetime
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
from qpvdesk.core.exchange.xlsx import Column, ColumnKind, SheetSpec, write_workbook
from qpvdesk.core.services.meetings import local_time
from qpvdesk.core.storage.audit_chain import latest_hash
from qpvdesk.core.storage.backups import backups_dir

JOURNAL_NAME = "journal-des-decisions.xlsx"
TEXT, MONEY, DATE, INTEGER, DATETIME = (
    ColumnKind.TEXT, ColumnKind.MONEY, ColumnKind.DATE, ColumnKind.INTEGER, ColumnKind.DATETIME,
)  # fmt: skip

FUNDING_COLUMNS = (
    Column("Exercice", INTEGER),
    Column("Dossier"),
    Column("Porteur", max_width=40),
    Column("Action", max_width=50),
    Column("État du dossier"),
    Column("Avis"),
    Column("Financeur", max_width=40),
    Column("Ligne budgétaire", max_width=50),
    Column("Demandé", MONEY),
    Column("Proposé", MONEY),
    Column("Accordé", MONEY),
    Column("Versé", MONEY),
    Column("Décision du financeur", max_width=40),
    Column("Décidée le", DATE),
    Column("Dernière séance", max_width=50),
    Column("Date de la séance", DATETIME),
)
DECISION_COLUMNS = (
    Column("Date de la séance", DATETIME),
    Column("Instance", max_width=50),
    Column("État de la séance"),
    Column("N°", INTEGER),
    Column("Dossier"),
    Column("Porteur", max_width=40),
    Column("Avis"),
    Column("Décision", max_width=60),
    Column("Financeur", max_width=40),
    Column("Ligne budgétaire", max_width=50),
    Column("Montant", MONEY),
)


def journal_path(db_path: Path) -> Path:
    """Where the journal of the data file *db_path* is kept (its backup folder)."""
    return backups_dir(db_path) / JOURNAL_NAME


def _label(enum: type[Any], value: Any) -> str | None:
    return None if value is None else str(enum(value).label)


def _held_decisions(session: Session) -> dict[int, tuple[str, datetime, str | None]]:
    """Per dossier, the last held meeting that decided on it: (instance, when, opinion)."""
    latest: dict[int, tuple[str, datetime, str | None]] = {}
    for dossier_id, name, starts_at, opinion in session.execute(
        select(Decision.dossier_id, Committee.name, Meeting.starts_at, Decision.opinion)
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .join(Committee, Committee.id == Meeting.committee_id)
        .where(Decision.dossier_id.is_not(None), Meeting.state != MeetingState.PLANNED)
        .order_by(Meeting.starts_at, Meeting.id)
    ):
        if dossier_id is not None:
            latest[dossier_id] = (name, local_time(starts_at), _label(Opinion, opinion))
    return latest


def _funding_rows(session: Session) -> list[tuple[Any, ...]]:
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
    rows = []
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
    ):
        (funding_id, year, dossier_id, reference, holder_name, title, state, opinion) = record[:8]
        meeting = decided.get(dossier_id) if dossier_id is not None else None
        cents = paid.get(funding_id)
        rows.append(
            (
                year,
                reference or "(droit commun, sans dossier)",
                holder_name,
                title,
                _label(DossierState, state),
                _label(Opinion, opinion),
                *record[8:13],
                Money(int(cents)) if cents else None,
                record[13],
                record[14],
                meeting[0] if meeting else None,
                meeting[1] if meeting else None,
            )
        )
    return rows


def _decision_rows(session: Session) -> list[tuple[Any, ...]]:
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
    rows: list[tuple[Any, ...]] = []
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
    ):
        decision_id, starts_at, committee, state, position, reference, holder, opinion, text = (
            record
        )
        head = (
            local_time(starts_at),
            committee,
            _label(MeetingState, state),
            position,
            reference,
            holder,
            _label(Opinion, opinion),
            text,
        )
        for funded in amounts.get(decision_id) or [(None, None, None)]:
            rows.append((*head, *funded))
    return rows


def journal_sheets(session: Session, db_path: Path, now: datetime) -> list[SheetSpec]:
    """The journal's sheets, read in the caller's (read-only) unit of work."""
    contract = session.scalar(select(Contract.name).order_by(Contract.id))
    entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    about = [
        ("Contrat de ville", contract or ""),
        ("Fichier de données", str(db_path)),
        ("Journal écrit le", now.strftime("%d/%m/%Y à %H:%M:%S")),
        ("Entrées du journal d'audit", str(entries)),
        ("Empreinte du journal d'audit", latest_hash(session) or ""),
        (
            "À quoi sert ce classeur",
            "Copie de secours lisible sans qpvdesk : montants de chaque dossier par financeur "
            "et décisions de chaque séance, réécrite après chaque changement. La base de "
            "données et ses sauvegardes restent la référence.",
        ),
    ]
    return [
        SheetSpec("Financements", FUNDING_COLUMNS, _funding_rows(session), frozen_columns=2),
        SheetSpec("Décisions des séances", DECISION_COLUMNS, _decision_rows(session)),
        SheetSpec("À propos", (Column("Quoi"), Column("Valeur", max_width=90)), about, wrap=True),
    ]


def write_decision_journal(session: Session, db_path: Path, now: datetime | None = None) -> Path:
    """Write the journal of *db_path* into its backup folder (replaced whole); its path.

    Raises `StorageError` (French) when the folder cannot be written; nothing is left
    half-written.
    """
    target = journal_path(db_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sheets = journal_sheets(session, db_path, now or datetime.now())
    return write_workbook(target, sheets, title="Journal des décisions")
