"""A realistic but clearly fictitious programmation, for exploring the application.

Built through the same services the window uses: twelve invented associations
(every name ends with « (fictif) ») with their contacts and standing documents,
the 2025 and 2026 calls for projects with their envelopes, about forty dossiers
with their CERFA budget, several funders each, a dated history of states and
payments, a renewal year, a three-year CPO, droit commun actions of partners
a few follow-ups, and the governance: a commission thématique held with its
attendance (a resident of the conseil citoyen among the members), opinions and
amounts on five dossiers, a free decision and follow-ups; the COPIL that
approved them (its programmation frozen); a commission planned. Deterministic.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import (
    AttendanceStatus,
    CallState,
    DossierState,
    FollowUpState,
    FundingNature,
    ObjectiveLevel,
    Opinion,
    OrganisationKind,
    OrganisationRoleKind,
    PaymentKind,
    StateThemeLevel,
)
from qpvdesk.core.domain.identifiers import luhn_complete
from qpvdesk.core.domain.models import (
    BudgetLine,
    Committee,
    Contact,
    Contract,
    CrossCuttingTheme,
    Dossier,
    FollowUp,
    Objective,
    Organisation,
    StateTheme,
)
from qpvdesk.core.domain.money import Money
from qpvdesk.core.domain.text import fold
from qpvdesk.core.services import calls, documents, dossiers, funding, partners
from qpvdesk.core.services.budget_lines import set_envelope

DEMO_YEARS = (2025, 2026)
FICTITIOUS = " (fictif)"

ASSOCIATIONS = [
    "Association Les Petits Pas du Ronel",
    "Collectif Place des Tilleuls",
    "Atelier Mosaïque et Quartier",
    "Ludothèque La Toupie Clermontaise",
    "Club Sportif Cœur de Ville",
    "Compagnie Théâtre du Pont-Neuf",
    "Entraide Numérique du Centre",
    "Femmes Solidaires du Lac",
    "Jardins Partagés de la Lergue",
    "Maison des Langues Voisines",
    "Boutique Éphémère Coopérative",
    "Parents Ensemble Clermont",
]

FIRST_NAMES = ["Camille", "Nadia", "Julien", "Sofia", "Karim", "Hélène", "Yanis", "Léa"]
LAST_NAMES = ["Martin", "Benali", "Roux", "Garcia", "Fabre", "Mercier", "Diallo", "Vidal"]


@dataclass(frozen=True)
class DemoAction:
    """An invented action: its title, public, State sub-theme and the kind of funders."""

    title: str
    public: str
    subtheme: str
    funders: tuple[str, ...]


ACTIONS = [
    DemoAction(
        "Accompagnement à la scolarité en petits groupes",
        "Collégiens du quartier",
        "1.2",
        ("BOP147", "CLAS"),
    ),
    DemoAction(
        "Ateliers parents-enfants du mercredi",
        "Familles avec enfants de 3 à 10 ans",
        "2.2",
        ("BOP147", "REAAP", "COMMUNE"),
    ),
    DemoAction(
        "Permanences d'aide aux démarches en ligne",
        "Adultes éloignés du numérique",
        "2.3",
        ("BOP147", "COMMUNE"),
    ),
    DemoAction(
        "Ateliers de conversation en français",
        "Adultes non francophones",
        "2.3",
        ("BOP147", "DEPT"),
    ),
    DemoAction(
        "Animations de rue en soirée l'été", "Jeunes de 11 à 17 ans", "4.4", ("VVV", "COMMUNE")
    ),
    DemoAction(
        "Chantier jeunes de rénovation du mobilier urbain",
        "Jeunes de 16 à 25 ans",
        "3.1",
        ("BOP147", "EPCI"),
    ),
    DemoAction(
        "Sport au féminin dans les espaces publics",
        "Femmes et jeunes filles",
        "4.3",
        ("BOP147", "COMMUNE"),
    ),
    DemoAction(
        "Théâtre-forum sur les discriminations",
        "Habitants et professionnels",
        "2.4",
        ("BOP147", "DRAC"),
    ),
    DemoAction(
        "Jardin partagé et cuisine collective", "Habitants du quartier", "3.4", ("BOP147", "EPCI")
    ),
    DemoAction(
        "Boutique test pour créateurs du quartier",
        "Porteurs de projet du QPV",
        "5.5",
        ("BOP147", "REGION"),
    ),
    DemoAction("Café des familles", "Parents isolés", "2.2", ("BOP147", "CAF")),
    DemoAction(
        "Parcours découverte des métiers",
        "Demandeurs d'emploi de moins de 26 ans",
        "5.1",
        ("BOP147", "DEPT"),
    ),
    DemoAction(
        "Sorties culturelles pour les adolescents",
        "Adolescents de 12 à 17 ans",
        "4.2",
        ("QETE", "COMMUNE"),
    ),
    DemoAction(
        "Médiation santé et prévention des addictions",
        "Jeunes et familles",
        "2.1",
        ("BOP147", "DEPT"),
    ),
    DemoAction(
        "Fête de quartier co-construite", "Tous les habitants", "6.2", ("BOP147", "COMMUNE")
    ),
    DemoAction("Repair café et réemploi", "Habitants du quartier", "3.4", ("BOP147", "EPCI")),
    DemoAction("Permanence emploi itinérante", "Demandeurs d'emploi", "5.1", ("BOP147", "DEPT")),
    DemoAction(
        "Stage de code de la route accéléré", "Jeunes de 16 à 25 ans", "5.1", ("BOP147", "REGION")
    ),
    DemoAction("Ateliers de création numérique", "Jeunes de 11 à 17 ans", "4.1", ("BOP147", "CAF")),
    DemoAction(
        "Mentorat collégiens-lycéens", "Collégiens et lycéens", "1.4", ("BOP147", "COMMUNE")
    ),
]

# Where each funder's subsidy appears in the association's CERFA budget (account 74).
FUNDER_ACCOUNT = {
    "État": "74-ETAT",
    "Ville": "74-COMMUNE",
    "Communauté": "74-EPCI",
    "Département": "74-DEPT",
    "Région": "74-REGION",
    "CAF": "74-SOCIAL",
    "Direction régionale": "74-ETAT",
}

# The path of a granted, paid and reported dossier, with the month of each step.
GRANTED_PATH = [
    (DossierState.COMPLETE, 2),
    (DossierState.UNDER_REVIEW, 2),
    (DossierState.OPINION_GIVEN, 3),
    (DossierState.APPROVED, 4),
    (DossierState.AGREEMENT_SIGNED, 5),
    (DossierState.PAID, 6),
    (DossierState.REPORT_RECEIVED, 12),
    (DossierState.CLOSED, 12),
]


def add_demo_programmation(session: Session, seed: int = 2030) -> int:
    """Add the fictitious programmation on top of the built-in contract; returns dossier count."""
    rng = random.Random(seed)
    lines = _demo_lines(session)
    operational = list(
        session.scalars(
            select(Objective.id)
            .where(Objective.level == ObjectiveLevel.OPERATIONAL)
            .order_by(Objective.code)
        )
    )
    themes = list(session.scalars(select(CrossCuttingTheme.id).order_by(CrossCuttingTheme.id)))
    subthemes = dict(
        session.execute(
            select(StateTheme.code, StateTheme.id).where(
                StateTheme.level == StateThemeLevel.SUBTHEME
            )
        ).all()
    )
    with tempfile.TemporaryDirectory() as scratch:
        holders = _associations(session, rng, Path(scratch))
    _institutional_contacts(session, rng)

    created: dict[int, int] = {}  # action index -> 2025 dossier id
    for year in DEMO_YEARS:
        call_id = _call(session, year, lines)
        count = len(ACTIONS) if year == DEMO_YEARS[1] else len(ACTIONS) - 2
        for index in range(count):
            action = ACTIONS[index]
            holder = holders[index % len(holders)]
            cost = Money.from_euros(rng.randrange(6_000, 48_000, 500))
            renewing = year == DEMO_YEARS[1] and index in created
            requests = _requests(action, lines, cost, rng)
            late = year == DEMO_YEARS[1] and index == count - 1
            data = dossiers.DossierInput(
                holder_id=holder,
                action_title=None if renewing else action.title,
                renew_from_dossier_id=created.get(index) if renewing else None,
                objective_id=operational[(index * 7) % len(operational)],
                theme_ids=tuple(rng.sample(themes, k=rng.randint(1, 2))),
                state_theme_id=subthemes.get(action.subtheme),
                description=f"{action.title} : action de proximité menée au cœur du quartier "
                "Centre-ville, en lien avec les partenaires du contrat de ville.",
                target_public=action.public,
                beneficiaries_expected=(expected := rng.randrange(20, 160, 5)),
                beneficiaries_qpv=expected * rng.choice([60, 70, 80]) // 100,
                women_share_percent=rng.choice([40, 50, 55, 60, 70]),
                starts_on=date(year, 1, 15),
                ends_on=date(year, 12, 15),
                place="Centre-ville de Clermont-l'Hérault",
                total_cost=cost,
                year=year,
                call_id=call_id,
                received_on=date(year, 2, 5) if late else date(year, 1, rng.randint(5, 28)),
                budget=_budget(cost, requests, session),
            )
            received = data.received_on or date(year, 1, 20)
            dossier_id = dossiers.register_dossier(
                session, data, today=received, comment="Dépôt sur le portail Dauphin."
            )
            if year == DEMO_YEARS[0]:
                created[index] = dossier_id
            _fund_and_follow(session, dossier_id, year, index, requests, rng)
    _multi_year_agreement(session, holders[2], operational, lines, rng)
    _common_law(session, operational)
    _follow_ups(session)
    _meetings(session)
    session.flush()
    return len(session.scalars(select(Dossier.id)).all())


def _demo_lines(session: Session) -> dict[str, BudgetLine]:
    """The budget lines the demo draws on, by a short key."""
    rows = list(session.scalars(select(BudgetLine).order_by(BudgetLine.id)))
    funders = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    by_code = {line.code: line for line in rows if line.code}

    def common(funder_start: str) -> BudgetLine:
        return next(
            line
            for line in rows
            if line.nature is FundingNature.COMMON_LAW
            and funders[line.funder_id].startswith(funder_start)
        )

    return {
        "BOP147": by_code["BOP147"],
        "VVV": by_code["VVV"],
        "QETE": by_code["QETE"],
        "CPO": by_code["CPO"],
        "CLAS": by_code["CLAS"],
        "REAAP": by_code["REAAP"],
        "CAF": common("CAF"),
        "COMMUNE": common("Ville"),
        "EPCI": common("Communauté"),
        "DEPT": by_code["PDI"],
        "REGION": common("Région"),
        "DRAC": common("Direction régionale"),
    }


def _associations(session: Session, rng: random.Random, scratch: Path) -> list[int]:
    ids = []
    for index, name in enumerate(ASSOCIATIONS):
        siren = luhn_complete(f"79{index + 1:06d}")
        organisation_id = partners.create_organisation(
            session,
            partners.OrganisationInput(
                name=name + FICTITIOUS,
                kind=OrganisationKind.ASSOCIATION,
                roles={OrganisationRoleKind.PROJECT_HOLDER},
                siret=luhn_complete(f"{siren}0001"),
                rna=f"W34{index + 1:07d}",
                address=f"{rng.randint(1, 40)} rue imaginaire, 34800 Clermont-l'Hérault",
                email=f"contact@asso{index + 1}.example.org",
                phone=f"04 67 00 {index + 10:02d} {rng.randint(10, 99)}",
            ),
        )
        ids.append(organisation_id)
        for number in range(2 if index % 3 == 0 else 1):
            first = FIRST_NAMES[(index + number) % len(FIRST_NAMES)]
            last = LAST_NAMES[(index * 3 + number) % len(LAST_NAMES)]
            partners.create_contact(
                session,
                partners.ContactInput(
                    last_name=last,
                    first_name=first,
                    function="Présidente" if number == 0 else "Coordinateur",
                    email=f"{fold(first)}.{fold(last)}@asso{index + 1}.example.org",
                    organisation_id=organisation_id,
                ),
            )
        _standing_documents(session, organisation_id, index, scratch)
    return ids


def _standing_documents(session: Session, organisation_id: int, index: int, scratch: Path) -> None:
    for kind, valid_until in (
        (documents.DocumentKind.STATUTES, None),
        (documents.DocumentKind.BANK_DETAILS, None),
        # Every third association's insurance certificate has lapsed: it must stand out.
        (
            documents.DocumentKind.INSURANCE_CERTIFICATE,
            date(2025, 12, 31) if index % 3 == 0 else date(2027, 12, 31),
        ),
    ):
        path = scratch / f"{kind.value}-{index}.pdf"
        path.write_bytes(_tiny_pdf(f"{kind.label} (document fictif)"))
        documents.add_document(
            session,
            organisation_id=organisation_id,
            kind=kind,
            path=path,
            valid_from=date(2025, 1, 1) if valid_until else None,
            valid_until=valid_until,
        )


def _tiny_pdf(title: str) -> bytes:
    """A one-page PDF saying what the document stands for (readable by any viewer)."""
    text = title.encode("latin-1", "replace")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _institutional_contacts(session: Session, rng: random.Random) -> None:
    copil = session.scalars(select(Committee.id).where(Committee.kind == "copil")).first()
    cotech = session.scalars(select(Committee.id).where(Committee.kind == "cotech")).first()
    funders = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind.in_([OrganisationKind.STATE, OrganisationKind.LOCAL_AUTHORITY]))
        .order_by(Organisation.id)
    ).all()
    for number, (organisation_id, _name) in enumerate(funders):
        first = FIRST_NAMES[(number + 3) % len(FIRST_NAMES)]
        last = LAST_NAMES[(number + 5) % len(LAST_NAMES)]
        contact_id = partners.create_contact(
            session,
            partners.ContactInput(
                last_name=last,
                first_name=first,
                function="Référent·e politique de la ville",
                email=f"{fold(first)}.{fold(last)}@partenaire{number + 1}.example.org",
                organisation_id=organisation_id,
            ),
        )
        committees = [c for c in (copil, cotech) if c is not None]
        partners.set_contact_committees(session, contact_id, committees[: rng.randint(1, 2)])


def _call(session: Session, year: int, lines: dict[str, BudgetLine]) -> int:
    envelope_ids = []
    for key, line in lines.items():
        amount = {"BOP147": 180_000, "VVV": 20_000, "QETE": 15_000, "CPO": 30_000}.get(key, 40_000)
        if key == "VVV" and year == DEMO_YEARS[1]:
            amount = 3_000  # cut this year: the demo shows an exceeded envelope
        envelope_ids.append(set_envelope(session, line.id, year, Money.from_euros(amount)))
    call_id = calls.create_call(
        session,
        calls.CallInput(
            title=f"Appel à projets contrat de ville {year}",
            year=year,
            opens_on=date(year - 1, 11, 15),
            closes_on=date(year, 1, 31),
            description="Appel à projets annuel du contrat de ville Engagements Quartiers 2030.",
            objective_ids=(),
            envelope_ids=tuple(envelope_ids),
        ),
    )
    steps = [CallState.OPEN, CallState.CLOSED]
    if year == DEMO_YEARS[0]:
        steps.append(CallState.PROGRAMMED)
    for state in steps:
        calls.set_call_state(session, call_id, state)
    return call_id


def _requests(
    action: DemoAction, lines: dict[str, BudgetLine], cost: Money, rng: random.Random
) -> list[tuple[BudgetLine, Money]]:
    shares = [
        rng.choice([30, 35, 40]) if i == 0 else rng.choice([15, 20, 25])
        for i in range(len(action.funders))
    ]
    return [
        (lines[key], Money(cost.cents * share // 100 // 10_000 * 10_000))
        for key, share in zip(action.funders, shares, strict=True)
    ]


def _budget(
    cost: Money, requests: list[tuple[BudgetLine, Money]], session: Session
) -> tuple[dossiers.BudgetEntryInput, ...]:
    charges = [("60", 15), ("61", 10), ("62", 10), ("64", 65)]
    entries = []
    allotted = 0
    for account, share in charges:
        amount = cost.cents * share // 100 if account != "64" else cost.cents - allotted
        allotted += amount
        entries.append(dossiers.BudgetEntryInput(account=account, planned=Money(amount)))
    by_account: dict[str, int] = {}
    funders = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    for line, requested in requests:
        name = funders[line.funder_id]
        account = next(acc for start, acc in FUNDER_ACCOUNT.items() if name.startswith(start))
        by_account[account] = by_account.get(account, 0) + requested.cents
    for account, cents in by_account.items():
        entries.append(dossiers.BudgetEntryInput(account=account, planned=Money(cents)))
    own = cost.cents - sum(by_account.values())
    if own > 0:
        entries.append(dossiers.BudgetEntryInput(account="75", planned=Money(own)))
    return tuple(entries)


def _fund_and_follow(
    session: Session,
    dossier_id: int,
    year: int,
    index: int,
    requests: list[tuple[BudgetLine, Money]],
    rng: random.Random,
) -> None:
    """Funding rows, then the states the dossier went through, with their dates."""
    if year == DEMO_YEARS[0]:
        target = [
            DossierState.CLOSED,
            DossierState.REPORT_RECEIVED,
            DossierState.PAID,
            DossierState.CLOSED,
            DossierState.REFUSED,
        ][index % 5]
    else:
        target = [
            DossierState.RECEIVED,
            DossierState.INCOMPLETE,
            DossierState.UNDER_REVIEW,
            DossierState.OPINION_GIVEN,
            DossierState.APPROVED,
            DossierState.AGREEMENT_SIGNED,
            DossierState.PAID,
        ][index % 7]
    ids = []
    for line, requested in requests:
        ids.append(
            funding.upsert_funding(session, dossier_id, line.id, year, requested, None, None)
        )
    if target is DossierState.RECEIVED:
        return
    if target is DossierState.INCOMPLETE:
        dossiers.change_state(
            session,
            dossier_id,
            DossierState.INCOMPLETE,
            "Pièces manquantes signalées.",
            today=date(year, 2, 20),
            missing_documents=["Budget prévisionnel signé", "RIB"],
        )
        return
    refused = target is DossierState.REFUSED
    path = (
        [
            (DossierState.COMPLETE, 2),
            (DossierState.UNDER_REVIEW, 2),
            (DossierState.OPINION_GIVEN, 3),
            (DossierState.REFUSED, 4),
        ]
        if refused
        else GRANTED_PATH
    )
    for state, month in path:
        if state is DossierState.OPINION_GIVEN:
            for (line, requested), funding_id in zip(requests, ids, strict=True):
                proposed = (
                    Money(0) if refused else Money(requested.cents * rng.choice([80, 100]) // 100)
                )
                funding.upsert_funding(
                    session, dossier_id, line.id, year, requested, proposed, None
                )
                del funding_id
        if state is DossierState.APPROVED:
            for line, requested in requests:
                row = _row(session, dossier_id, line.id, year)
                funding.upsert_funding(
                    session,
                    dossier_id,
                    line.id,
                    year,
                    requested,
                    row[1],
                    row[1],
                    "Accordé en comité des financeurs",
                    decided_on=date(year, month, 10),
                )
        dossiers.change_state(
            session,
            dossier_id,
            state,
            _comment(state),
            today=date(year, month, 12 + index % 10),
            opinion=(Opinion.UNFAVOURABLE if refused else Opinion.FAVOURABLE)
            if state is DossierState.OPINION_GIVEN
            else None,
        )
        if state is DossierState.PAID:
            for line, _requested in requests:
                funding_id, granted = _row(session, dossier_id, line.id, year)
                advance = Money(granted.cents * 70 // 100)
                funding.add_payment(
                    session, funding_id, PaymentKind.ADVANCE, advance, paid_on=date(year, month, 20)
                )
                if target is not DossierState.PAID:
                    funding.add_payment(
                        session,
                        funding_id,
                        PaymentKind.BALANCE,
                        granted - advance,
                        paid_on=date(year, 12, 5),
                    )
        if state is target:
            return


def _row(session: Session, dossier_id: int, line_id: int, year: int) -> tuple[int, Money]:
    rows = funding.funding_rows(session, dossier_id)
    row = next(r for r in rows if r.budget_line_id == line_id and r.year == year)
    return row.id, row.proposed or Money(0)


def _comment(state: DossierState) -> str:
    return {
        DossierState.COMPLETE: "Dossier complet.",
        DossierState.UNDER_REVIEW: "Instruction par l'équipe projet.",
        DossierState.OPINION_GIVEN: "Avis de la commission thématique.",
        DossierState.APPROVED: "Validé en comité des financeurs.",
        DossierState.REFUSED: "Hors des priorités de l'appel à projets.",
        DossierState.AGREEMENT_SIGNED: "Convention signée par les deux parties.",
        DossierState.PAID: "Avance de 70 % versée.",
        DossierState.REPORT_RECEIVED: "Compte rendu financier (CERFA 15059) reçu.",
        DossierState.CLOSED: "Solde versé, dossier clôturé.",
    }.get(state, "")


def _multi_year_agreement(
    session: Session,
    holder_id: int,
    operational: list[int],
    lines: dict[str, BudgetLine],
    rng: random.Random,
) -> None:
    """A three-year CPO (2025–2027), granted, with its first yearly tranche paid."""
    year, last = DEMO_YEARS[0], DEMO_YEARS[0] + 2
    cost = Money.from_euros(90_000)
    data = dossiers.DossierInput(
        holder_id=holder_id,
        action_title="Centre social de proximité : animation de la vie sociale",
        objective_id=operational[3],
        description="Convention pluriannuelle d'objectifs 2025–2027 pour l'animation de la "
        "vie sociale du quartier.",
        target_public="Tous les habitants du quartier",
        beneficiaries_expected=400,
        beneficiaries_qpv=320,
        women_share_percent=60,
        starts_on=date(year, 1, 1),
        ends_on=date(last, 12, 31),
        total_cost=cost,
        year=year,
        is_multi_year=True,
        last_year=last,
        received_on=date(year, 1, 10),
        budget=(
            dossiers.BudgetEntryInput(account="64", planned=Money.from_euros(70_000)),
            dossiers.BudgetEntryInput(account="61", planned=Money.from_euros(20_000)),
            dossiers.BudgetEntryInput(account="74-ETAT", planned=Money.from_euros(45_000)),
            dossiers.BudgetEntryInput(account="74-SOCIAL", planned=Money.from_euros(30_000)),
            dossiers.BudgetEntryInput(account="75", planned=Money.from_euros(15_000)),
        ),
    )
    dossier_id = dossiers.register_dossier(session, data, today=date(year, 1, 10))
    tranche = {lines["CPO"].id: Money.from_euros(15_000), lines["CAF"].id: Money.from_euros(10_000)}
    for line_id, amount in tranche.items():
        for funding_id in funding.spread_funding(session, dossier_id, line_id, amount):
            del funding_id
    for line_id, amount in tranche.items():
        for each_year in range(year, last + 1):
            funding.upsert_funding(
                session,
                dossier_id,
                line_id,
                each_year,
                amount,
                amount,
                amount,
                "CPO signée",
                decided_on=date(year, 3, 1),
            )
    for state, month in GRANTED_PATH[:6]:
        dossiers.change_state(
            session,
            dossier_id,
            state,
            _comment(state),
            today=date(year, month, 3),
            opinion=Opinion.FAVOURABLE if state is DossierState.OPINION_GIVEN else None,
        )
    for row in funding.funding_rows(session, dossier_id):
        if row.year == year and row.granted:
            funding.add_payment(
                session, row.id, PaymentKind.INSTALMENT, row.granted, paid_on=date(year, 6, 15)
            )
    del rng


def _common_law(session: Session, operational: list[int]) -> None:
    """Ordinary budgets partners mobilise for the neighbourhood (droit commun, no dossier)."""
    lines = {
        line.name: line
        for line in session.scalars(
            select(BudgetLine).where(BudgetLine.nature == FundingNature.COMMON_LAW)
        )
    }
    cases = [
        ("Médiation sociale de proximité du bailleur", "Hérault Logement", 2, 35_000),
        ("Permanences France Travail au cœur du quartier", "France Travail", 31, 28_000),
        ("Contrat local d'accompagnement à la scolarité", "CAF de l'Hérault", 5, 22_000),
    ]
    for title, partner_start, objective_index, euros in cases:
        partner = session.scalars(
            select(Organisation).where(Organisation.name.startswith(partner_start))
        ).first()
        if partner is None:
            continue
        line = next((ln for ln in lines.values() if ln.funder_id == partner.id), None)
        if line is None:
            continue
        action_id = funding.create_common_law_action(
            session,
            title,
            partner.id,
            DEMO_YEARS[0],
            end_year=DEMO_YEARS[1],
            objective_id=operational[objective_index % len(operational)],
            description="Moyens de droit commun mobilisés pour le quartier prioritaire.",
        )
        for year in DEMO_YEARS:
            funding.set_common_law_funding(
                session, action_id, line.id, year, Money.from_euros(euros)
            )


def _follow_ups(session: Session) -> None:
    contract_id = session.scalars(select(Contract.id)).one()
    for what, who, due, state in (
        (
            "Transmettre le bilan 2025 de la programmation au COPIL",
            "Cheffe de projet",
            date(DEMO_YEARS[1], 3, 31),
            FollowUpState.DONE,
        ),
        (
            "Relancer les associations pour les comptes rendus financiers",
            "Équipe projet",
            date(DEMO_YEARS[1], 9, 30),
            FollowUpState.OPEN,
        ),
        (
            "Préparer l'appel à projets 2027",
            "Cheffe de projet",
            date(DEMO_YEARS[1], 12, 15) + timedelta(days=0),
            FollowUpState.OPEN,
        ),
    ):
        session.add(
            FollowUp(
                contract_id=contract_id,
                what=what,
                who=who,
                due_on=due,
                state=state,
                done_on=due if state is FollowUpState.DONE else None,
            )
        )


# --- governance: meetings ------------------------------------------------------------------

COMMISSION_PLACE = "Salle du conseil, mairie de Clermont-l'Hérault"
COPIL_PLACE = "Salle des mariages, mairie de Clermont-l'Hérault"


def _meetings(session: Session) -> None:
    """A commission thématique held, the COPIL that approved its dossiers, one planned."""
    from qpvdesk.core.services import committees, meetings
    from qpvdesk.core.services.meetings import AttendanceInput, MeetingInput, paris_datetime

    by_kind = {
        (c.kind.value, c.priority_id is not None): c
        for c in session.scalars(select(Committee).order_by(Committee.id.desc()))
    }
    copil = by_kind[("copil", False)]
    commission = session.scalars(
        select(Committee)
        .join(Objective, Objective.id == Committee.priority_id)
        .where(Objective.code == "P2")
    ).one()
    references = {
        ref: dossier_id
        for ref, dossier_id in session.execute(
            select(Dossier.reference, Dossier.id).where(Dossier.year == DEMO_YEARS[1])
        )
    }
    year = DEMO_YEARS[1]

    # The conseil citoyen sits in the commission and in the COPIL, like any member.
    council = partners.create_organisation(
        session,
        partners.OrganisationInput(
            name="Conseil citoyen du Centre-ville" + FICTITIOUS,
            kind=OrganisationKind.OTHER,
            roles={OrganisationRoleKind.PARTNER},
        ),
    )
    resident = partners.create_contact(
        session,
        partners.ContactInput(
            last_name="Ouali",
            first_name="Fatima",
            function="Membre du conseil citoyen",
            email="fatima.ouali@conseil-citoyen.example.org",
            organisation_id=council,
            is_resident=True,
        ),
    )
    resident_no_mail = partners.create_contact(
        session,
        partners.ContactInput(
            last_name="Blanc",
            first_name="Gérard",
            function="Membre du conseil citoyen",
            organisation_id=council,
            is_resident=True,
        ),
    )
    for committee_id, contact_id in (
        (commission.id, resident),
        (commission.id, resident_no_mail),
        (copil.id, resident_no_mail),
    ):
        committees.add_membership(
            session,
            committee_id,
            committees.MembershipInput(contact_id=contact_id, since=date(year, 1, 1)),
        )
    contacts = {
        organisation: contact_id
        for contact_id, organisation in session.execute(
            select(Contact.id, Organisation.name)
            .join(Organisation, Organisation.id == Contact.organisation_id)
            .where(Contact.function == "Référent·e politique de la ville")
        )
    }
    state_contact = next(c for name, c in contacts.items() if name.startswith("État"))
    town_contact = next(c for name, c in contacts.items() if name.startswith("Ville"))
    for contact_id in (state_contact, town_contact):
        committees.add_membership(
            session, commission.id, committees.MembershipInput(contact_id=contact_id)
        )

    # Before the commission, two late dossiers were found complete and instructed.
    for reference, day in (("2026-008", 14), ("2026-015", 16)):
        dossier_id = references[reference]
        dossiers.change_state(
            session, dossier_id, DossierState.COMPLETE, "Pièces reçues.", today=date(year, 4, day)
        )
        dossiers.change_state(
            session,
            dossier_id,
            DossierState.UNDER_REVIEW,
            "Instruction par l'équipe projet.",
            today=date(year, 4, day + 1),
        )

    # The commission thématique « Accès aux droits et lien social ».
    held = meetings.create_meeting(
        session,
        MeetingInput(
            committee_id=commission.id,
            starts_at=paris_datetime(date(year, 5, 12), 14, 0),
            ends_at=paris_datetime(date(year, 5, 12), 16, 30),
            place=COMMISSION_PLACE,
            notes="Examen des dossiers déposés après la première commission.",
        ),
    )
    meetings.add_agenda_item(
        session, held, "Accueil et approbation du relevé de la séance précédente"
    )
    examined = ["2026-003", "2026-008", "2026-010", "2026-015", "2026-017"]
    meetings.add_dossiers_to_agenda(session, held, [references[r] for r in examined])
    meetings.add_agenda_item(
        session, held, "Rencontre avec le conseil citoyen", notes="Point proposé par le conseil."
    )
    meetings.add_agenda_item(session, held, "Questions diverses")

    statuses = {
        "Région": (AttendanceStatus.ABSENT, None),
        "Département": (AttendanceStatus.EXCUSED, None),
        "CAF": (AttendanceStatus.REPRESENTED, "Agnès Perrin, conseillère territoriale"),
        "Direction départementale": (AttendanceStatus.PRESENT, None),
        "Communauté": (AttendanceStatus.PRESENT, None),
    }
    for row in meetings.attendance_sheet(session, held):
        if row.contact_id is not None:
            status, by = AttendanceStatus.PRESENT, None
        else:
            status, by = next(
                (value for start, value in statuses.items() if row.name.startswith(start)),
                (AttendanceStatus.ABSENT, None),
            )
        if row.contact_id == resident_no_mail:
            status = AttendanceStatus.EXCUSED
        remarks = None
        if row.contact_id == resident:
            remarks = (
                "Les habitantes et habitants demandent que les permanences numériques "
                "ouvrent aussi le samedi matin, et que les ateliers soient annoncés à l'école."
            )
        meetings.record_attendance(
            session,
            held,
            AttendanceInput(
                status=status,
                contact_id=row.contact_id,
                organisation_id=row.organisation_id,
                represented_by=by,
                remarks=remarks,
            ),
        )
    guest = session.scalars(
        select(Contact.id)
        .join(Organisation, Organisation.id == Contact.organisation_id)
        .where(Organisation.name.startswith("Entraide Numérique"))
    ).first()
    if guest is not None:
        meetings.record_attendance(
            session, held, AttendanceInput(status=AttendanceStatus.PRESENT, contact_id=guest)
        )

    def rows_of(reference: str) -> list[tuple[int, Money]]:
        return [
            (row.id, row.requested or Money(0))
            for row in funding.funding_rows(session, references[reference])
            if row.year == year
        ]

    opinions: list[tuple[str, Opinion, int, str | None]] = [
        ("2026-003", Opinion.FAVOURABLE, 100, None),
        ("2026-008", Opinion.FAVOURABLE, 80, "Montant ajusté : l'action démarre en septembre."),
        (
            "2026-010",
            Opinion.RESERVED,
            60,
            "Réserve : préciser le partenariat avec le collège avant le COPIL.",
        ),
        ("2026-015", Opinion.UNFAVOURABLE, 0, "L'action se déroule hors du quartier prioritaire."),
        (
            "2026-017",
            Opinion.POSTPONED,
            0,
            "Budget prévisionnel à revoir ; réexamen à la prochaine commission.",
        ),
    ]
    for position, (reference, opinion, share, comment) in enumerate(opinions, start=1):
        meetings.set_current_position(session, held, position)
        meetings.record_opinion(
            session,
            held,
            references[reference],
            opinion,
            {
                fid: Money(asked.cents * share // 100 // 10_000 * 10_000)
                for fid, asked in rows_of(reference)
            }
            if share
            else {},
            comment,
        )
    free = meetings.record_free_decision(
        session,
        held,
        "La commission organisera avec le conseil citoyen un temps d'échange sur l'accès aux "
        "droits avant l'appel à projets 2027.",
    )
    meetings.add_follow_up(
        session,
        held,
        "Transmettre au porteur du dossier 2026-010 la réserve de la commission",
        "Cheffe de projet",
        date(year, 5, 29),
    )
    meetings.add_follow_up(
        session,
        held,
        "Organiser la rencontre avec le conseil citoyen sur l'accès aux droits",
        "Équipe projet et conseil citoyen",
        date(year, 9, 30),
        decision_id=free,
    )
    meetings.set_current_position(session, held, len(meetings.agenda_rows(session, held)))
    meetings.close_meeting(session, held, today=date(year, 5, 12))

    # The COPIL approves the programmation: the commission's dossiers among it.
    copil_meeting = meetings.create_meeting(
        session,
        MeetingInput(
            committee_id=copil.id,
            starts_at=paris_datetime(date(year, 6, 23), 10, 0),
            ends_at=paris_datetime(date(year, 6, 23), 12, 0),
            place=COPIL_PLACE,
        ),
    )
    meetings.add_agenda_item(session, copil_meeting, "Bilan de la programmation 2025")
    for row in meetings.attendance_sheet(session, copil_meeting):
        present = row.role is not None and (
            row.role.value == "co_chair" or row.contact_id is not None
        )
        meetings.record_attendance(
            session,
            copil_meeting,
            AttendanceInput(
                status=AttendanceStatus.PRESENT if present else AttendanceStatus.EXCUSED,
                contact_id=row.contact_id,
                organisation_id=row.organisation_id,
                remarks="Le conseil citoyen salue l'attention portée aux permanences du samedi."
                if row.contact_id == resident_no_mail
                else None,
            ),
        )
    approvals: list[tuple[str, Opinion, str | None]] = [
        ("2026-003", Opinion.FAVOURABLE, None),
        ("2026-008", Opinion.FAVOURABLE, None),
        ("2026-010", Opinion.FAVOURABLE, "Réserve levée : convention signée avec le collège."),
        ("2026-015", Opinion.UNFAVOURABLE, None),
    ]
    for reference, opinion, comment in approvals:
        proposed = {
            row.id: row.proposed
            for row in funding.funding_rows(session, references[reference])
            if row.year == year and row.proposed is not None
        }
        meetings.record_opinion(
            session, copil_meeting, references[reference], opinion, proposed, comment
        )
    meetings.record_free_decision(
        session,
        copil_meeting,
        f"Le comité de pilotage valide la programmation {year} du contrat de ville.",
    )
    meetings.close_meeting(session, copil_meeting, today=date(year, 6, 23))

    # Planned: the commission's next meeting, with the adjourned dossier.
    planned = meetings.create_meeting(
        session,
        MeetingInput(
            committee_id=commission.id,
            starts_at=paris_datetime(date(year + 1, 1, 19), 14, 0),
            ends_at=paris_datetime(date(year + 1, 1, 19), 16, 0),
            place=COMMISSION_PLACE,
        ),
    )
    meetings.add_agenda_item(session, planned, f"Bilan des actions {year}")
    meetings.add_agenda_item(session, planned, f"Préparation de l'appel à projets {year + 1}")
    meetings.add_agenda_item(session, planned, dossier_id=references["2026-017"])
