"""Le suivi des versements: what each funder granted, paid and still owes, payment by payment.

Two sheets for the years asked (the funding rows' years):

- « Versements »: one row per payment, made or due (dossier, holder, action, funder,
  line, year, kind, amount, paid on, due on, reference), with totals;
- « Reste à verser »: one row per granted funding row: granted, paid, scheduled but not
  paid, and what remains to pay, with totals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Integer, String, select, type_coerce
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import DossierState, PaymentKind
from qpvdesk.core.domain.models import (
    Action,
    BudgetLine,
    Dossier,
    Funding,
    Organisation,
    Payment,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.exchange.xlsx import Column, ColumnKind, Progress, SheetSpec, write_workbook

PAYMENT_COLUMNS = (
    Column("Référence"),
    Column("Porteur", max_width=45),
    Column("Action", max_width=50),
    Column("Financeur", max_width=40),
    Column("Ligne budgétaire", max_width=45),
    Column("Année", ColumnKind.INTEGER),
    Column("Type"),
    Column("Montant", ColumnKind.MONEY),
    Column("Versé le", ColumnKind.DATE),
    Column("Échéance", ColumnKind.DATE),
    Column("Situation"),
    Column("Référence du mandat"),
)
BALANCE_COLUMNS = (
    Column("Référence"),
    Column("Porteur", max_width=45),
    Column("Action", max_width=50),
    Column("État du dossier"),
    Column("Financeur", max_width=40),
    Column("Ligne budgétaire", max_width=45),
    Column("Année", ColumnKind.INTEGER),
    Column("Accordé", ColumnKind.MONEY),
    Column("Versé", ColumnKind.MONEY),
    Column("Échu, non versé", ColumnKind.MONEY),
    Column("Reste à verser", ColumnKind.MONEY),
)


@dataclass(frozen=True, slots=True)
class PaymentFollowUp:
    """Both sheets' rows."""

    years: tuple[int, ...]
    payments: tuple[tuple[object, ...], ...]
    balances: tuple[tuple[object, ...], ...]


def payments_data(session: Session, years: Collection[int] | None = None) -> PaymentFollowUp:
    """Payments and balances of the funding rows of *years* (all when None)."""
    rows = (
        select(
            Funding.id,
            Dossier.reference,
            Organisation.name,
            Action.title,
            BudgetLine.funder_id,
            BudgetLine.name,
            Funding.year,
            type_coerce(Funding.granted, Integer),
            type_coerce(Dossier.state, String),
        )
        .join(Dossier, Dossier.id == Funding.dossier_id)
        .join(Organisation, Organisation.id == Dossier.holder_id)
        .join(Action, Action.id == Dossier.action_id)
        .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
        .order_by(Funding.year, Dossier.year, Dossier.sequence, BudgetLine.name, Funding.id)
    )
    if years is not None:
        rows = rows.where(Funding.year.in_(sorted(years)))
    fundings = session.execute(rows).all()
    funders = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    payments: dict[int, list[tuple[PaymentKind, int, date | None, date | None, str | None]]] = (
        defaultdict(list)
    )
    ids = [f[0] for f in fundings]
    for start in range(0, len(ids), 500):
        for record in session.execute(
            select(
                Payment.funding_id,
                Payment.kind,
                type_coerce(Payment.amount, Integer),
                Payment.paid_on,
                Payment.due_on,
                Payment.reference,
            )
            .where(Payment.funding_id.in_(ids[start : start + 500]))
            .order_by(Payment.funding_id, Payment.paid_on, Payment.due_on, Payment.id)
        ):
            payments[record[0]].append((record[1], int(record[2]), record[3], record[4], record[5]))
    payment_rows = []
    balance_rows = []
    for funding_id, reference, holder, title, funder_id, line, year, granted, state in fundings:
        funder = funders.get(funder_id)
        paid = due = 0
        for kind, amount, paid_on, due_on, mandate in payments.get(funding_id, []):
            if paid_on is not None:
                paid += amount
            else:
                due += amount
            payment_rows.append(
                (
                    reference,
                    holder,
                    title,
                    funder,
                    line,
                    year,
                    PaymentKind(kind).label,
                    Money(amount),
                    paid_on,
                    due_on,
                    "Versé" if paid_on is not None else "À verser",
                    mandate,
                )
            )
        if granted:
            balance_rows.append(
                (
                    reference,
                    holder,
                    title,
                    DossierState(state).label,
                    funder,
                    line,
                    year,
                    Money(granted),
                    Money(paid),
                    Money(due),
                    Money(max(granted - paid, 0)),
                )
            )
    found = sorted({f[6] for f in fundings})
    return PaymentFollowUp(
        tuple(sorted(years) if years is not None else found),
        tuple(payment_rows),
        tuple(balance_rows),
    )


def export_payments(
    session: Session,
    path: Path,
    years: Collection[int] | None = None,
    *,
    progress: Progress | None = None,
) -> Path:
    """Write the suivi des versements of *years* to *path* (``.xlsx`` added if missing)."""
    data = payments_data(session, years)
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    sheets = [
        SheetSpec(
            "Versements", PAYMENT_COLUMNS, data.payments, totals_label="Total", frozen_columns=1
        ),
        SheetSpec(
            "Reste à verser", BALANCE_COLUMNS, data.balances, totals_label="Total", frozen_columns=1
        ),
    ]
    title = "Suivi des versements" + (f" {data.years[0]}" if len(data.years) == 1 else "")
    return write_workbook(path, sheets, title=title, progress=progress)


__all__ = [
    "BALANCE_COLUMNS",
    "PAYMENT_COLUMNS",
    "PaymentFollowUp",
    "export_payments",
    "payments_data",
]
