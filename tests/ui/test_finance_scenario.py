"""A year's programmation built through the services, shared by the Financements and dashboard
page tests, and the independent sums (raw SQL) their figures must equal.

Three dossiers of two project holders for 2026, funded from three budget lines
(BOP 147 and Ville Vie Vacances, crédits spécifiques of the State; the Région's
PRF, droit commun), granted and paid in part; « today » is 30 June 2026.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import DossierState, OrganisationKind, OrganisationRoleKind
from qpvdesk.core.domain.enums import PaymentKind as Pay
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.budget_lines import budget_line_rows, set_envelope
from qpvdesk.core.services.calls import CallInput, create_call
from qpvdesk.core.services.dossiers import DossierInput, change_state, register_dossier
from qpvdesk.core.services.framework import objective_rows
from qpvdesk.core.services.funding import add_payment, upsert_funding
from qpvdesk.core.services.partners import OrganisationInput, create_organisation
from qpvdesk.core.storage.database import open_database

YEAR = 2026
TODAY = date(2026, 6, 30)
S = DossierState


def euros(amount: int) -> Money:
    return Money.from_euros(amount)


@dataclass(frozen=True)
class Scenario:
    """Ids of what `build` made."""

    lines: dict[str, int]  # "BOP147", "VVV", "PRF"
    funders: dict[str, int]  # "Etat", "Region"
    dossiers: dict[str, int]  # "D1", "D2", "D3"
    holders: dict[str, int]
    objectives: dict[str, int]  # codes → ids
    call_id: int


def _walk(session: Session, dossier_id: int, *steps: tuple[S, date]) -> None:
    for target, day in steps:
        change_state(session, dossier_id, target, today=day)


def build(session: Session) -> Scenario:
    """Create the call, the holders, three dossiers, their funding, grants and payments."""
    lines = {row.code: row for row in budget_line_rows(session)
             if row.code in ("BOP147", "VVV", "PRF")}
    assert set(lines) == {"BOP147", "VVV", "PRF"}
    objectives = {row.code: row.id for row in objective_rows(session)
                  if row.code in ("P1", "P2", "P1.1.1", "P2.1.1")}
    call_id = create_call(session, CallInput(title="Appel à projets 2026", year=YEAR,
                                             opens_on=date(2026, 1, 5),
                                             closes_on=date(2026, 2, 28)))
    holders = {
        key: create_organisation(session, OrganisationInput(
            name=name, kind=OrganisationKind.ASSOCIATION,
            roles=frozenset({OrganisationRoleKind.PROJECT_HOLDER})))
        for key, name in (("H1", "Association Les Tilleuls (fictif)"),
                          ("H2", "Compagnie du Pont (fictif)"))
    }
    for code, amount in (("BOP147", 20_000), ("VVV", 3_000), ("PRF", 10_000)):
        set_envelope(session, lines[code].id, YEAR, euros(amount))

    def dossier(holder: str, title: str, objective: str, received: date) -> int:
        return register_dossier(session, DossierInput(
            holder_id=holders[holder], action_title=title, objective_id=objectives[objective],
            call_id=call_id, received_on=received, total_cost=euros(30_000)), today=received)

    d1 = dossier("H1", "Ateliers parents-enfants", "P1.1.1", date(2026, 2, 1))
    d2 = dossier("H1", "Sorties d'été des adolescents", "P2.1.1", date(2026, 2, 10))
    d3 = dossier("H2", "Théâtre-forum", "P1.1.1", date(2026, 2, 20))

    def fund(dossier_id: int, code: str, requested: int, proposed: int | None = None,
             granted: int | None = None) -> int:
        return upsert_funding(session, dossier_id, lines[code].id, YEAR, euros(requested),
                              None if proposed is None else euros(proposed),
                              None if granted is None else euros(granted))

    d1_bop = fund(d1, "BOP147", 8_000, 6_000, 6_000)
    d1_prf = fund(d1, "PRF", 3_000, 2_500, 2_500)
    fund(d2, "VVV", 4_000, 3_500, 3_500)  # above the 3 000 € envelope
    fund(d2, "BOP147", 2_000, 1_500)
    fund(d3, "BOP147", 5_000)

    review = ((S.COMPLETE, date(2026, 3, 1)), (S.UNDER_REVIEW, date(2026, 3, 2)),
              (S.OPINION_GIVEN, date(2026, 4, 10)), (S.APPROVED, date(2026, 4, 20)))
    _walk(session, d1, *review, (S.AGREEMENT_SIGNED, date(2026, 4, 30)))
    add_payment(session, d1_bop, Pay.ADVANCE, euros(3_000), paid_on=date(2026, 5, 2))
    add_payment(session, d1_bop, Pay.BALANCE, euros(3_000), due_on=date(2026, 12, 1))
    add_payment(session, d1_prf, Pay.ADVANCE, euros(2_500), paid_on=date(2026, 5, 10))
    _walk(session, d1, (S.PAID, date(2026, 5, 10)))
    _walk(session, d2, *review)
    change_state(session, d3, S.INCOMPLETE, today=date(2026, 3, 1),
                 missing_documents=["RIB", "Statuts"])
    return Scenario(
        lines={code: row.id for code, row in lines.items()},
        funders={"Etat": lines["BOP147"].funder_id, "Region": lines["PRF"].funder_id},
        dossiers={"D1": d1, "D2": d2, "D3": d3},
        holders=holders,
        objectives=objectives,
        call_id=call_id,
    )


def build_in(path: Path) -> Scenario:
    """Build the scenario in the file (closed again before the window opens it)."""
    database = open_database(path, backup_on_open=False)
    try:
        with database.unit_of_work() as session:
            return build(session)
    finally:
        database.close()


# --- independent sums ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sums:
    """Cents, as raw SQL adds them up."""

    envelope: int | None
    requested: int
    proposed: int
    granted: int
    committed: int
    paid: int

    @property
    def remaining(self) -> int | None:
        return None if self.envelope is None else self.envelope - self.committed


def sql_sums(path: Path, year: int, where: str = "1 = 1",
             params: tuple[object, ...] = ()) -> Sums:
    """Sums of the funding rows of *year* matching *where* (on ``f`` funding, ``bl`` line);
    the envelopes of the lines matching *where* when it names no funding column."""
    connection = sqlite3.connect(path)
    try:
        requested, proposed, granted, committed = connection.execute(
            "SELECT COALESCE(SUM(f.requested), 0), COALESCE(SUM(f.proposed), 0), "
            "COALESCE(SUM(f.granted), 0), COALESCE(SUM(COALESCE(f.granted, f.proposed)), 0) "
            "FROM funding f JOIN budget_line bl ON bl.id = f.budget_line_id "
            f"WHERE f.year = ? AND {where}", (year, *params)).fetchone()
        (paid,) = connection.execute(
            "SELECT COALESCE(SUM(p.amount), 0) FROM payment p "
            "JOIN funding f ON f.id = p.funding_id "
            "JOIN budget_line bl ON bl.id = f.budget_line_id "
            f"WHERE f.year = ? AND p.paid_on IS NOT NULL AND {where}", (year, *params)).fetchone()
        count, envelope = 0, None
        if "f." not in where:  # a criterion on the line: its envelopes too
            (count, envelope) = connection.execute(
                "SELECT COUNT(*), SUM(e.amount) FROM envelope e "
                "JOIN budget_line bl ON bl.id = e.budget_line_id "
                f"WHERE e.year = ? AND {where}", (year, *params)).fetchone()
    finally:
        connection.close()
    return Sums(envelope if count else None, requested, proposed, granted, committed, paid)


def sql_dossier_ids(path: Path, year: int, where: str = "1 = 1",
                    params: tuple[object, ...] = ()) -> list[int]:
    """Dossiers having funding rows of *year* matching *where*, by reference."""
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute(
            "SELECT DISTINCT d.id, d.reference FROM dossier d "
            "JOIN funding f ON f.dossier_id = d.id "
            "JOIN budget_line bl ON bl.id = f.budget_line_id "
            f"WHERE f.year = ? AND {where} ORDER BY d.reference", (year, *params))]
    finally:
        connection.close()


def money(cents: int | None) -> str:
    """How the pages write an amount."""
    return "—" if cents is None else Money(cents).format()


def test_the_scenario_holds_what_it_says(db_path: Path) -> None:
    scenario = build_in(db_path)
    total = sql_sums(db_path, YEAR)
    assert (total.requested, total.proposed, total.granted, total.paid) == (
        2_200_000, 1_350_000, 1_200_000, 550_000)
    assert total.committed == 1_350_000  # D2's BOP 147 row counts for its proposed amount
    vvv = sql_sums(db_path, YEAR, "bl.id = ?", (scenario.lines["VVV"],))
    assert vvv.remaining == -50_000
    assert len(sql_dossier_ids(db_path, YEAR)) == 3
    connection = sqlite3.connect(db_path)
    try:
        holders = connection.execute(
            "SELECT COUNT(DISTINCT holder_id) FROM dossier WHERE year = ?", (YEAR,)).fetchone()
    finally:
        connection.close()
    assert holders == (2,)
