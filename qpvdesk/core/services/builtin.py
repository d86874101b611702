"""The built-in contract (Clermont l'Hérault) and the State's nomenclature, from resources."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import (
    CommitteeKind,
    FundingNature,
    MemberRole,
    ObjectiveLevel,
    OrganisationKind,
    OrganisationRoleKind,
    StateThemeLevel,
    Territory,
    ThemeKind,
)
from qpvdesk.core.domain.models import (
    BudgetLine,
    Committee,
    CommitteeMembership,
    ContextFigure,
    Contract,
    CrossCuttingTheme,
    EvaluativeQuestion,
    Neighbourhood,
    Objective,
    Organisation,
    OrganisationRole,
    StateTheme,
)
from qpvdesk.core.domain.text import fold
from qpvdesk.paths import resource

BUILTIN_CONTRACT = ("contract", "clermont.json")
STATE_THEMES = ("contract", "anct-thematiques-2024.csv")
LEVELS = (ObjectiveLevel.PRIORITY, ObjectiveLevel.STRATEGIC, ObjectiveLevel.OPERATIONAL)


def builtin_contract_data() -> dict[str, Any]:
    """The bundled contract as parsed JSON."""
    data: dict[str, Any] = json.loads(resource(*BUILTIN_CONTRACT).read_text(encoding="utf-8"))
    return data


def load_state_themes(session: Session) -> int:
    """Insert the State's thematic nomenclature; returns the number of rows."""
    text = resource(*STATE_THEMES).read_text(encoding="utf-8")
    by_code: dict[str, StateTheme] = {}
    for row in csv.DictReader(io.StringIO(text)):
        level = StateThemeLevel(row["level"])
        parent = (
            by_code.get(row["code"].split(".")[0]) if level is StateThemeLevel.SUBTHEME else None
        )
        theme = StateTheme(code=row["code"], level=level, label=row["label"], parent_id=None)
        if parent is not None:
            session.flush()
            theme.parent_id = parent.id
        session.add(theme)
        by_code[row["code"]] = theme
    session.flush()
    return len(by_code)


def load_builtin_contract(session: Session, data: dict[str, Any] | None = None) -> Contract:
    """Fill an empty database with the built-in contract (framework, partners, committees…)."""
    data = data if data is not None else builtin_contract_data()
    info = data["contract"]
    contract = Contract(
        name=info["name"],
        code=info.get("code"),
        town=info["town"],
        insee_code=info.get("insee"),
        intercommunality=info.get("intercommunality"),
        intercommunality_siren=info.get("intercommunality_siren"),
        start_year=info["start_year"],
        end_year=info["end_year"],
    )
    session.add(contract)
    session.flush()
    for hood in data.get("neighbourhoods", []):
        session.add(
            Neighbourhood(
                contract_id=contract.id,
                code=hood["code"],
                name=hood["name"],
                population=hood.get("population"),
                population_source=hood.get("population_source"),
                decree=hood.get("decree"),
            )
        )
    priorities = _load_objectives(session, contract.id, data["priorities"])
    for position, theme in enumerate(data.get("cross_cutting_themes", [])):
        session.add(
            CrossCuttingTheme(
                contract_id=contract.id,
                kind=ThemeKind(theme["kind"]),
                title=theme["title"],
                position=position,
            )
        )
    organisations = _load_organisations(session, data.get("organisations", []))
    for line in data.get("budget_lines", []):
        session.add(
            BudgetLine(
                funder_id=organisations[line["funder"]].id,
                name=line["name"],
                code=line.get("code"),
                nature=FundingNature(line["nature"]),
            )
        )
    for committee_data in data.get("committees", []):
        index = committee_data.get("priority_index")
        committee = Committee(
            contract_id=contract.id,
            kind=CommitteeKind(committee_data["kind"]),
            name=committee_data["name"],
            priority_id=priorities[index - 1].id if index else None,
            description=committee_data.get("description"),
        )
        session.add(committee)
        session.flush()
        for member in committee_data.get("members", []):
            session.add(
                CommitteeMembership(
                    committee_id=committee.id,
                    organisation_id=organisations[member["organisation"]].id,
                    role=MemberRole(member["role"]),
                )
            )
    for figure in data.get("context_figures", []):
        session.add(
            ContextFigure(
                contract_id=contract.id,
                indicator=figure["indicator"],
                territory=Territory(figure["territory"]),
                territory_name=figure["territory_name"],
                year=figure["year"],
                value=Decimal(figure["value"]),
                unit=figure["unit"],
                source=figure.get("source"),
            )
        )
    for position, question in enumerate(data.get("evaluative_questions", [])):
        session.add(EvaluativeQuestion(contract_id=contract.id, position=position, text=question))
    load_state_themes(session)
    session.flush()
    return contract


def _load_objectives(
    session: Session, contract_id: int, priorities: list[dict[str, Any]]
) -> list[Objective]:
    roots: list[Objective] = []

    def add(node: dict[str, Any], parent: Objective | None, depth: int, position: int) -> None:
        code = f"P{position + 1}" if parent is None else f"{parent.code}.{position + 1}"
        objective = Objective(
            contract_id=contract_id,
            parent_id=None if parent is None else parent.id,
            level=LEVELS[depth] if depth < len(LEVELS) else ObjectiveLevel.ITEM,
            position=position,
            code=code,
            title=node["title"],
            short_title=node.get("short_title"),
        )
        session.add(objective)
        session.flush()
        if parent is None:
            roots.append(objective)
        for child_position, child in enumerate(node.get("children", [])):
            add(child, objective, depth + 1, child_position)

    for position, priority in enumerate(priorities):
        add(priority, None, 0, position)
    return roots


def _load_organisations(
    session: Session, organisations: list[dict[str, Any]]
) -> dict[str, Organisation]:
    by_name: dict[str, Organisation] = {}
    for data in organisations:
        organisation = Organisation(
            name=data["name"],
            search_name=fold(data["name"]),
            acronym=data.get("acronym"),
            kind=OrganisationKind(data.get("kind", "other")),
        )
        organisation.roles = [OrganisationRole(role=OrganisationRoleKind(r)) for r in data["roles"]]
        session.add(organisation)
        by_name[data["name"]] = organisation
    session.flush()
    return by_name
