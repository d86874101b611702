"""Benchmark of the relevé de décision (300 dossiers, 40 attendees by default).

Builds, through the real services, a commission meeting with N dossiers (each
with two funders, an opinion, amounts and a comment) and M recorded attendees,
then measures in the same run:

- ``decision_record_data()``: reading the record's data (one read-only unit of work);
- ``render_decision_record()``: our whole PDF (header, attendance, agenda, numbered
  decisions, follow-ups, the landscape dossier table, the financial summary,
  « Page X / Y » footer, metadata, DejaVu embedded);
- the floor: raw ReportLab laying out *the same dossier table* (same cells built
  from the same data, same Paragraph styles and DejaVu fonts, repeatRows, same
  widths, landscape A4) in a ``SimpleDocTemplate`` with the default canvas.

Median of 5 runs, wall clock. Prints both times, their ratio and the page counts.
Run from the project root::

    .venv/bin/python benchmarks/bench_decision_record.py
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from qpvdesk.core.domain.enums import (
    AttendanceStatus,
    CommitteeKind,
    DossierState,
    ObjectiveLevel,
    Opinion,
    OrganisationKind,
)
from qpvdesk.core.domain.models import BudgetLine, Committee, Objective
from qpvdesk.core.domain.money import Money
from qpvdesk.core.reports.decision_record import (
    DecisionRecordData,
    decision_record_data,
    render_decision_record,
)
from qpvdesk.core.services import committees, dossiers, funding, meetings, partners
from qpvdesk.core.services.budget_lines import set_envelope
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.database import Database, open_database

RUNS = 5
YEAR = 2026


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times = []
    result: Any = None
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def build(database: Database, count: int, attendees: int) -> int:
    """A commission meeting with *count* dossiers decided and *attendees* recorded."""
    with database.unit_of_work() as session:
        commission = session.scalars(
            select(Committee.id)
            .join(Objective, Objective.id == Committee.priority_id)
            .where(Committee.kind == CommitteeKind.THEMATIC_COMMISSION, Objective.code == "P2")
        ).one()
        objectives = list(
            session.scalars(
                select(Objective.id)
                .where(Objective.level == ObjectiveLevel.OPERATIONAL, Objective.code.like("P2.%"))
                .order_by(Objective.code)
            )
        )
        bop = session.scalars(select(BudgetLine).where(BudgetLine.code == "BOP147")).one()
        town = session.scalars(
            select(BudgetLine).where(BudgetLine.name == "Droit commun communal")
        ).one()
        set_envelope(session, bop.id, YEAR, Money.from_euros(2_000_000))
        set_envelope(session, town.id, YEAR, Money.from_euros(800_000))
        holders = [
            partners.create_organisation(
                session,
                partners.OrganisationInput(
                    name=f"Association de quartier n° {n} (fictif)",
                    kind=OrganisationKind.ASSOCIATION,
                ),
            )
            for n in range(40)
        ]
        ids = []
        for index in range(count):
            dossier_id = dossiers.register_dossier(
                session,
                dossiers.DossierInput(
                    holder_id=holders[index % len(holders)],
                    action_title=f"Action de proximité n° {index + 1} : ateliers, "
                    "permanences et sorties pour les habitants du quartier",
                    objective_id=objectives[index % len(objectives)],
                    total_cost=Money.from_euros(8_000 + 37 * index),
                    year=YEAR,
                    received_on=date(YEAR, 1, 10),
                ),
                today=date(YEAR, 2, 1),
            )
            funding.upsert_funding(
                session, dossier_id, bop.id, YEAR, Money.from_euros(3_000 + index), None, None
            )
            funding.upsert_funding(
                session, dossier_id, town.id, YEAR, Money.from_euros(1_500), None, None
            )
            dossiers.change_state(
                session, dossier_id, DossierState.COMPLETE, today=date(YEAR, 2, 1)
            )
            ids.append(dossier_id)
        members = max(0, attendees - 17)  # the commission has 17 organisation seats
        for n in range(members):
            contact = partners.create_contact(
                session,
                partners.ContactInput(
                    last_name=f"Membre{n:02d}",
                    first_name="Camille",
                    function="Chargée de mission",
                    email=f"membre{n}@partenaire.example.org",
                    organisation_id=holders[n % len(holders)],
                ),
            )
            committees.add_membership(
                session, commission, committees.MembershipInput(contact_id=contact)
            )
        meeting = meetings.create_meeting(
            session,
            meetings.MeetingInput(
                commission,
                meetings.paris_datetime(date(YEAR, 5, 12), 14),
                meetings.paris_datetime(date(YEAR, 5, 12), 18),
                place="Salle du conseil",
            ),
        )
        meetings.add_dossiers_to_agenda(session, meeting, ids)
        statuses = list(AttendanceStatus)
        for number, row in enumerate(meetings.attendance_sheet(session, meeting)[:attendees]):
            status = statuses[number % len(statuses)]
            meetings.record_attendance(
                session,
                meeting,
                meetings.AttendanceInput(
                    status,
                    contact_id=row.contact_id,
                    organisation_id=row.organisation_id,
                    represented_by="Suppléant·e"
                    if status is AttendanceStatus.REPRESENTED
                    else None,
                ),
            )
    opinions = list(Opinion)
    with database.unit_of_work() as session:
        for index, dossier_id in enumerate(ids):
            rows = funding.funding_rows(session, dossier_id)
            meetings.record_opinion(
                session,
                meeting,
                dossier_id,
                opinions[index % len(opinions)],
                {r.id: r.requested for r in rows if r.requested is not None},
                "Avis motivé de la commission." if index % 3 else None,
            )
        meetings.record_free_decision(session, meeting, "La commission se réunira en octobre.")
        meetings.add_follow_up(session, meeting, "Notifier les avis aux porteurs", "Équipe")
    return meeting


def raw_table(data: DecisionRecordData) -> tuple[bytes, int]:
    """The same dossier table laid out by ReportLab alone (the floor)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import cm
    from reportlab.platypus import SimpleDocTemplate

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import money, para

    s = pdf.styles()
    head = ["N°", "Référence", "Porteur", "Action", "Objectif", "Coût total", "Demandé", "Avis",
            "Proposé par financeur", "Commentaire"]  # fmt: skip
    widths = [w * cm for w in (0.8, 1.9, 3.2, 3.9, 1.6, 1.9, 1.9, 2.3, 5.2)]
    widths.append(pdf.frame_width(pdf.LANDSCAPE) - sum(widths))
    rows = [[para(h, s.cell_head) for h in head]]
    for line in data.dossier_lines:
        per_funder = "\n".join(
            f"{a.line} : {money(a.amount)} (demandé {money(a.requested)})" for a in line.amounts
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
                para(per_funder, s.cell),
                para(line.comment or "", s.cell),
            ]
        )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=pdf.MARGIN,
        rightMargin=pdf.MARGIN,
        topMargin=pdf.MARGIN,
        bottomMargin=pdf.FOOTER_SPACE,
    )
    document.build([pdf.data_table(rows, widths)])
    return buffer.getvalue(), document.page


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=300)
    parser.add_argument("--attendees", type=int, default=40)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--keep", type=Path, help="write our PDF here to look at it")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bench.sqlite"
        started = time.perf_counter()
        create_new_database(path, "builtin")
        database = open_database(path, backup_on_open=False)
        try:
            meeting = build(database, args.dossiers, args.attendees)
            setup_s = time.perf_counter() - started

            def read() -> DecisionRecordData:
                with database.read() as session:
                    return decision_record_data(session, meeting, generated_on=date.today())

            data_ms, data = median_ms(read, args.runs)
        finally:
            database.close()

    print(
        f"Meeting with {len(data.dossier_lines)} dossiers, {len(data.attendees)} attendees "
        f"(set-up {setup_s:.1f} s, {args.runs} runs each, median)"
    )
    record_ms, content = median_ms(lambda: render_decision_record(data), args.runs)
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(content)).pages)
    # Our renderer with only the table (and the summary) to lay out: the same work as the
    # floor plus our machinery (page templates, « Page X / Y » canvas, header page).
    table_only = dataclasses.replace(
        data, attendance=(), agenda=(), decisions=(), follow_ups=(), next_meeting=None
    )
    table_ms, table_content = median_ms(lambda: render_decision_record(table_only), args.runs)
    table_pages = len(PdfReader(io.BytesIO(table_content)).pages)
    raw_ms, (raw_content, raw_pages) = median_ms(lambda: raw_table(data), args.runs)
    print(f"  decision_record_data()                     {data_ms:8.1f} ms")
    print(f"  render_decision_record() (whole record)    {record_ms:8.1f} ms  {pages} pages")
    print(f"  render_decision_record(), table part only  {table_ms:8.1f} ms  {table_pages} pages")
    print(f"  raw ReportLab, same dossier table alone    {raw_ms:8.1f} ms  {raw_pages} pages")
    print(f"  ratio whole record / raw table             {record_ms / raw_ms:8.2f}")
    print(f"  ratio table part / raw table               {table_ms / raw_ms:8.2f}")
    print(f"  per page: record {record_ms / pages:.1f} ms, raw table {raw_ms / raw_pages:.1f} ms")
    print(
        f"  PDF sizes: record {len(content) // 1024} KiB, raw table {len(raw_content) // 1024} KiB"
    )
    if args.keep:
        args.keep.write_bytes(content)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "dossiers": len(data.dossier_lines),
                    "attendees": len(data.attendees),
                    "data_ms": round(data_ms, 1),
                    "record_ms": round(record_ms, 1),
                    "record_pages": pages,
                    "table_part_ms": round(table_ms, 1),
                    "table_part_pages": table_pages,
                    "raw_table_ms": round(raw_ms, 1),
                    "raw_table_pages": raw_pages,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
