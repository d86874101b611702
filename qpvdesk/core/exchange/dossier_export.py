"""The Dossiers page's export: the rows she sees, in her order, as an Excel workbook."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from qpvdesk.core.exchange.xlsx import Column, ColumnKind, Progress, write_table
from qpvdesk.core.services.dossier_list import DossierRow

SHEET_TITLE = "Dossiers"

COLUMNS = (
    Column("Référence"),
    Column("Année", ColumnKind.INTEGER),
    Column("Porteur de projet", max_width=45),
    Column("Action", max_width=60),
    Column("Objectif opérationnel"),
    Column("Coût total", ColumnKind.MONEY),
    Column("Demandé", ColumnKind.MONEY),
    Column("Proposé", ColumnKind.MONEY),
    Column("Accordé", ColumnKind.MONEY),
    Column("État"),
    Column("Reçu après clôture"),
    Column("Dernière modification", ColumnKind.DATETIME),
)
"""The headings, in French, as the list shows them (plus the late flag)."""


def dossier_values(row: DossierRow) -> tuple[object, ...]:
    """One row of the sheet, in the order of `COLUMNS`."""
    return (
        row.reference,
        row.year,
        row.holder_name,
        row.action_title,
        row.objective_code,
        row.total_cost,
        row.requested,
        row.proposed,
        row.granted,
        row.state.label,
        "Oui" if row.late else None,
        row.updated_at,
    )


def export_dossier_rows(
    rows: Sequence[DossierRow], path: Path, *, progress: Progress | None = None
) -> Path:
    """Write *rows*, in their order, to the workbook *path* (``.xlsx`` added if missing).

    Returns the path written. Raises `StorageError` when the file cannot be written;
    *progress* is called now and then with (rows written, rows in all) and may raise
    `ExportCancelled` to stop (nothing is left on disk).
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    return write_table(
        path,
        COLUMNS,
        [dossier_values(row) for row in rows],
        sheet_title=SHEET_TITLE,
        progress=progress,
    )


__all__ = ["COLUMNS", "SHEET_TITLE", "dossier_values", "export_dossier_rows"]
