"""What a database holds, in numbers: for `qpvdesk info`, the status bar and scripts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.models import Contract, Dossier, Meeting, Neighbourhood, Organisation
from qpvdesk.core.services.framework import level_counts


@dataclass(frozen=True)
class DatabaseInfo:
    """The summary `qpvdesk info --json` prints."""

    schema_version: str
    contract: str
    objectives: dict[str, int]
    organisations: int
    dossiers: dict[str, int]
    meetings: int
    last_backup: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "contract": self.contract,
            "objectives": self.objectives,
            "organisations": self.organisations,
            "dossiers": self.dossiers,
            "meetings": self.meetings,
            "last_backup": None if self.last_backup is None else self.last_backup.isoformat(),
        }


def database_info(
    session: Session, schema_version: str, last_backup: datetime | None
) -> DatabaseInfo:
    contract = session.scalars(select(Contract.name)).first() or ""
    dossiers = session.execute(
        select(Dossier.year, func.count()).group_by(Dossier.year).order_by(Dossier.year)
    ).all()
    return DatabaseInfo(
        schema_version=schema_version,
        contract=contract,
        objectives=level_counts(session),
        organisations=int(session.scalar(select(func.count()).select_from(Organisation)) or 0),
        dossiers={str(year): int(count) for year, count in dossiers},
        meetings=int(session.scalar(select(func.count()).select_from(Meeting)) or 0),
        last_backup=last_backup,
    )


@dataclass(frozen=True)
class ContractSummary:
    """The contract's identity, for headings: name, town, years and neighbourhoods."""

    name: str
    town: str
    start_year: int
    end_year: int
    neighbourhoods: tuple[tuple[str, str, int | None], ...]


def contract_summary(session: Session) -> ContractSummary | None:
    """The contract of this file, or None for an empty database."""
    contract = session.execute(
        select(
            Contract.id, Contract.name, Contract.town, Contract.start_year, Contract.end_year
        ).order_by(Contract.id)
    ).first()
    if contract is None:
        return None
    hoods = session.execute(
        select(Neighbourhood.name, Neighbourhood.code, Neighbourhood.population)
        .where(Neighbourhood.contract_id == contract.id)
        .order_by(Neighbourhood.name)
    ).all()
    return ContractSummary(
        contract.name,
        contract.town,
        contract.start_year,
        contract.end_year,
        tuple((h[0], h[1], h[2]) for h in hoods),
    )
