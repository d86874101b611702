"""The grants of a year in the national open-data format: SCDL « Subventions », version 2.

Décret n° 2017-779 obliges the attribuants of subsidies to publish the essential data
of their grant agreements; the « socle commun des données locales » (SCDL) gives the
file's form. Rules followed here, as published (read 2026):

- schema.data.gouv.fr, « scdl/subventions » 2.0.2 (documentation.md) and the schema's
  own description (git.opendatafrance.net/scdl/subventions, v2.0.0, mirrored in
  github.com/betagouv/SCDL-Subvention-DataSubvention ``schema.md``): the 14 columns in
  this order; ``idAttribuant`` and ``idBeneficiaire`` are SIRETs matching ``^\\d{14}$``;
  ``dateConvention`` an ISO date; ``montant`` a number with a dot; ``nature`` one of
  « aide en numéraire », « aide en nature » (or both, joined by « ; »);
  ``conditionsVersement`` « unique », « échelonné » or a free text (256 characters at
  most); ``datesPeriodeVersement`` a date or ``AAAA-MM-JJ/AAAA-MM-JJ`` (pattern
  ``^[0-9]{4}-[0-9]{2}-[0-9]{2}(/[0-9]{4}-[0-9]{2}-[0-9]{2})?$``); ``idRAE`` 5
  characters at most; ``notificationUE`` « oui » or « non » (the schema's true and
  false values, in lower case); ``pourcentageSubvention`` between 0.01 and 1 (1.00 for
  a single beneficiary); ``objet`` 256 characters at most; a missing value is empty;
- github.com/etalab/format-subventions (README, « Recommandations de formatage »):
  UTF-8, the comma as column separator, fields holding a comma, a quote or a line break
  in double quotes (quotes doubled), one row per beneficiary.

A grant is a funding row of the year with a granted amount above zero. The attribuant
is its funder; a row whose funder or holder has no SIRET, or that has no date of
agreement, cannot be valid: it is left out and listed (`ScdlExport.left_out`) with
what to complete — the file itself always passes the schema. The date of the
agreement is the dossier's « Convention signée » step if it has one, else the
funder's decision date.

Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe, so that a spreadsheet opening the CSV never runs it as a formula
(OWASP, « CSV injection »).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Integer, String, func, select, type_coerce
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import DossierState
from qpvdesk.core.domain.models import (
    Action,
    BudgetLine,
    Dossier,
    DossierEvent,
    Funding,
    Organisation,
    Payment,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.exchange.xlsx import FORMULA_STARTS, write_bytes_atomically

COLUMNS = (
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
)
"""The schema's columns, in its order."""

NATURE_CASH = "aide en numéraire"
NATURE_IN_KIND = "aide en nature"
SINGLE_PAYMENT = "unique"
STAGED_PAYMENT = "échelonné"
NOTIFIED_NO = "non"
WHOLE = "1.00"
MAX_OBJECT = 256


@dataclass(frozen=True, slots=True)
class ScdlRow:
    """One grant as the file gives it (every value already in the schema's text form)."""

    values: tuple[str, ...]
    reference: str

    def as_dict(self) -> dict[str, str]:
        return dict(zip(COLUMNS, self.values, strict=True))


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A grant that cannot be published as is, and what to complete."""

    reference: str
    funder: str
    holder: str
    reason: str

    def describe(self) -> str:
        return f"{self.reference} ({self.holder}, {self.funder}) : {self.reason}"


@dataclass(frozen=True, slots=True)
class ScdlExport:
    """The rows of the file and the grants left out, with why."""

    year: int
    rows: tuple[ScdlRow, ...]
    left_out: tuple[LeftOut, ...]


def defuse(text: str) -> str:
    """*text* as a spreadsheet will not run it: a leading ``'`` before ``= + - @``, tab, CR."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def amount_text(money: Money) -> str:
    """``47800.20``: euros with a dot and two decimals."""
    euros, cents = divmod(money.cents, 100)
    return f"{euros}.{cents:02d}"


def scdl_data(session: Session, year: int, funder_ids: set[int] | None = None) -> ScdlExport:
    """The grants of *year* (funding rows of that year with a granted amount)."""
    statement = (
        select(
            Funding.id,
            Funding.dossier_id,
            type_coerce(Funding.granted, Integer),
            Funding.decided_on,
            Funding.year,
            BudgetLine.funder_id,
            Dossier.reference,
            Dossier.holder_id,
            type_coerce(Dossier.state, String),
            Action.title,
        )
        .join(BudgetLine, BudgetLine.id == Funding.budget_line_id)
        .join(Dossier, Dossier.id == Funding.dossier_id)
        .join(Action, Action.id == Dossier.action_id)
        .where(Funding.year == year, Funding.granted > Money(0))
        .order_by(Dossier.year, Dossier.sequence, Funding.id)
    )
    if funder_ids is not None:
        statement = statement.where(BudgetLine.funder_id.in_(sorted(funder_ids)))
    grants = session.execute(statement).all()
    organisation_ids = {g[5] for g in grants} | {g[7] for g in grants}
    organisations = {
        organisation_id: (name, siret)
        for organisation_id, name, siret in session.execute(
            select(Organisation.id, Organisation.name, Organisation.siret).where(
                Organisation.id.in_(sorted(organisation_ids))
            )
        )
    }
    dossier_ids = sorted({g[1] for g in grants if g[1] is not None})
    signed: dict[int, date] = {}
    for event_dossier, at in session.execute(
        select(DossierEvent.dossier_id, func.min(DossierEvent.at))
        .where(
            DossierEvent.dossier_id.in_(dossier_ids),
            DossierEvent.to_state == DossierState.AGREEMENT_SIGNED,
        )
        .group_by(DossierEvent.dossier_id)
    ):
        if at is not None:
            signed[event_dossier] = (
                at.date() if hasattr(at, "date") else date.fromisoformat(str(at)[:10])
            )
    payments: dict[int, list[date]] = defaultdict(list)
    for paid_funding, paid_on, due_on in session.execute(
        select(Payment.funding_id, Payment.paid_on, Payment.due_on).where(
            Payment.funding_id.in_([g[0] for g in grants])
        )
    ):
        moment = paid_on or due_on
        if moment is not None:
            payments[paid_funding].append(moment)
    rows: list[ScdlRow] = []
    left_out: list[LeftOut] = []
    for (
        grant_id,
        dossier_id,
        granted,
        decided_on,
        funding_year,
        funder_id,
        reference,
        holder_id,
        _state,
        title,
    ) in grants:
        funder, funder_siret = organisations[funder_id]
        holder, holder_siret = organisations[holder_id]
        agreement = signed.get(dossier_id) if dossier_id is not None else None
        agreement = agreement or decided_on
        missing = []
        if not funder_siret:
            missing.append(f"SIRET du financeur « {funder} »")
        if not holder_siret:
            missing.append(f"SIRET de « {holder} »")
        if agreement is None:
            missing.append("date de la convention (signature ou décision du financeur)")
        if missing:
            left_out.append(
                LeftOut(reference, funder, holder, "à compléter : " + ", ".join(missing) + ".")
            )
            continue
        assert funder_siret is not None and holder_siret is not None and agreement is not None
        dates = sorted(payments.get(grant_id, []))
        if len(dates) == 1:
            conditions, period = SINGLE_PAYMENT, dates[0].isoformat()
        elif dates:
            conditions, period = STAGED_PAYMENT, f"{dates[0].isoformat()}/{dates[-1].isoformat()}"
        else:
            # Nothing scheduled yet: a single payment whose date is not known, in the year.
            conditions = SINGLE_PAYMENT
            period = (
                f"{date(funding_year, 1, 1).isoformat()}/{date(funding_year, 12, 31).isoformat()}"
            )
        subject = " ".join(title.split())
        if len(subject) > MAX_OBJECT:
            subject = subject[: MAX_OBJECT - 1].rstrip() + "…"
        rows.append(
            ScdlRow(
                values=(
                    defuse(funder),
                    funder_siret,
                    agreement.isoformat(),
                    "",
                    defuse(holder),
                    holder_siret,
                    defuse(subject),
                    amount_text(Money(granted)),
                    NATURE_CASH,
                    conditions,
                    period,
                    "",
                    NOTIFIED_NO,
                    WHOLE,
                ),
                reference=reference,
            )
        )
    return ScdlExport(year, tuple(rows), tuple(left_out))


def write_scdl(data: ScdlExport, path: Path) -> Path:
    """Write *data* as the schema's CSV (UTF-8, comma, CRLF) to *path*, replaced whole."""
    path = Path(path)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=",", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in data.rows:
        writer.writerow(row.values)
    return write_bytes_atomically(path, buffer.getvalue().encode("utf-8"))


def export_scdl(
    session: Session, year: int, path: Path, funder_ids: set[int] | None = None
) -> ScdlExport:
    """Export the grants of *year* to the CSV *path*; returns what was written and left out."""
    data = scdl_data(session, year, funder_ids)
    write_scdl(data, path)
    return data


__all__ = [
    "COLUMNS",
    "LeftOut",
    "ScdlExport",
    "ScdlRow",
    "amount_text",
    "defuse",
    "export_scdl",
    "scdl_data",
    "write_scdl",
]
