"""Checks of the bundled reference contract (Clermont l'Hérault, 2024-2030).

The data file is transcribed from the contract text; these tests pin its shape
and the counts taken from the strategic tables, so that an accidental edit of
the file (or a re-extraction that goes wrong) is caught.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

DATA = json.loads(
    Path(__file__).parent.parent.joinpath("resources/contract/clermont.json").read_text("utf-8")
)

PRIORITIES = DATA["priorities"]
ORG_NAMES = [o["name"] for o in DATA["organisations"]]

# (strategic, operational, items, sub-items) per priority, counted in the
# "ORIENTATIONS STRATÉGIQUES" tables of the contract.
EXPECTED_COUNTS = [
    (4, 10, 57, 3),  # Éducation et jeunesse
    (3, 10, 37, 0),  # Accès aux droits et lien social
    (3, 7, 18, 0),  # Cadre de vie et sécurité publique
    (2, 10, 44, 0),  # Emploi et développement économique
]


def strategic(p):
    return p["children"]


def operational(p):
    return [o for s in p["children"] for o in s["children"]]


def items(p):
    return [i for o in operational(p) for i in o["children"]]


def all_nodes():
    """Every node below the priorities, with its depth (1 = strategic ... 4 = sub-item)."""

    def walk(nodes, depth):
        for n in nodes:
            yield depth, n
            yield from walk(n["children"], depth + 1)

    for p in PRIORITIES:
        yield from walk(p["children"], 1)


def find_titles(depth):
    return [n["title"] for d, n in all_nodes() if d == depth]


def test_top_level_keys():
    assert set(DATA) == {
        "contract",
        "neighbourhoods",
        "priorities",
        "cross_cutting_themes",
        "organisations",
        "committees",
        "context_figures",
        "budget_lines",
        "evaluative_questions",
        "signatories",
    }


def test_contract_identifiers():
    c = DATA["contract"]
    assert c["code"] == "CN03404N"
    assert c["insee"] == "34079"
    assert c["intercommunality_siren"] == "243400355"
    assert (c["start_year"], c["end_year"]) == (2024, 2030)
    assert c["intercommunality"] in ORG_NAMES
    (qpv,) = DATA["neighbourhoods"]
    assert qpv["code"] == "QN03421N"
    assert qpv["population"] == 3100
    assert qpv["decree"] == "décret 2023-1314"


def test_level_totals():
    assert len(PRIORITIES) == 4
    assert sum(len(strategic(p)) for p in PRIORITIES) == 12
    assert sum(len(operational(p)) for p in PRIORITIES) == 37
    assert sum(len(items(p)) for p in PRIORITIES) == 156
    assert sum(len(i["children"]) for p in PRIORITIES for i in items(p)) == 3


@pytest.mark.parametrize("index", range(4))
def test_counts_per_priority(index):
    p = PRIORITIES[index]
    subs = sum(len(i["children"]) for i in items(p))
    assert (len(strategic(p)), len(operational(p)), len(items(p)), subs) == EXPECTED_COUNTS[index]


def test_tree_depth_and_shape():
    for p in PRIORITIES:
        assert set(p) == {"title", "short_title", "children"}
    for depth, node in all_nodes():
        assert set(node) == {"title", "children"}
        assert depth <= 4
        if depth == 4:
            assert node["children"] == []


def test_no_html_artefacts_in_titles():
    titles = [p["title"] for p in PRIORITIES] + [n["title"] for _, n in all_nodes()]
    for t in titles:
        assert t and t == t.strip()
        assert not re.search(r"[<>•○]|\s{2}|^o ", t), t


def test_priority_titles():
    assert [p["title"] for p in PRIORITIES] == [
        "Contribuer à la réussite éducative et au soutien de la jeunesse",
        "Assurer un accès aux droits et favoriser le lien social",
        "Améliorer le cadre de vie et la sécurité publique",
        "Soutenir l'emploi et le développement économique",
    ]
    assert [p["short_title"] for p in PRIORITIES] == [
        "Éducation et jeunesse",
        "Accès aux droits et lien social",
        "Cadre de vie et sécurité publique",
        "Emploi et développement économique",
    ]


def test_strategic_title_joined_across_page_break():
    titles = find_titles(1)
    assert (
        "Renforcement de l'offre culturelle, sportive et de loisirs, accessible aux jeunes "
        "comme levier de l'émancipation et l'épanouissement"
    ) in titles
    assert not any(t[0].islower() for t in titles)
    assert len(set(titles)) == len(titles)


def test_spot_check_titles():
    strat = find_titles(1)
    ops = find_titles(2)
    its = find_titles(3)
    subs = find_titles(4)
    assert "Assurer un accès aux soins" in strat
    assert "Favoriser la sécurité publique et la lutte contre la délinquance." in strat
    assert "Lutter contre la barrière de la langue" in ops
    assert "Améliorer l'orientation des publics" in ops
    assert (
        "Remettre en place des permanences d'accompagnements des personnes en difficultés pour "
        "leurs démarches administratives et sociales notamment à travers le dispositif "
        "France service"
    ) in its
    assert "Développer les actions de type « Formation tour »" in its
    assert subs == [
        "L'accueil petite enfance,",
        "L'accueil des adolescents (dans les collèges et sur les city stades),",
        "L'espace jeunesse à côté de la gare routière et en itinérance",
    ]


def test_operational_objective_without_items():
    empty = [n for d, n in all_nodes() if d == 2 and not n["children"]]
    assert [n["title"] for n in empty] == [
        "Animer les espaces publics en concertation avec les habitants"
    ]


def test_page_continuations_attached_to_previous_objective():
    ops = {n["title"]: n for d, n in all_nodes() if d == 2}
    soutenir = ops[
        "Soutenir et encourager les jeunes dans la construction de leur parcours de vie et "
        "prévenir les ruptures de parcours"
    ]
    assert len(soutenir["children"]) == 9
    assert soutenir["children"][-1]["title"].startswith(
        "Développer des projets de prévention du décrochage"
    )
    culture = ops["Accompagnement des jeunes vers l'offre culturelle"]
    assert len(culture["children"]) == 7
    sante = ops[
        "Faciliter l'accès à l'offre de santé pour tous et lutter contre les ruptures de parcours "
        "(santé mentale, addictions, maison familiale...)"
    ]
    assert len(sante["children"]) == 9


def test_cross_cutting_themes():
    kinds = [t["kind"] for t in DATA["cross_cutting_themes"]]
    assert kinds.count("thematic") == 4
    assert kinds.count("methodological") == 2
    assert len(kinds) == 6
    titles = [t["title"] for t in DATA["cross_cutting_themes"]]
    assert "L'égalité entre les femmes et les hommes" in titles
    assert "Multiplier le « aller vers » les publics concernés" in titles


def test_organisations_well_formed():
    assert len(set(ORG_NAMES)) == len(ORG_NAMES)
    kinds = {"state", "local_authority", "public_body", "association", "company", "other"}
    for o in DATA["organisations"]:
        assert set(o) == {"name", "acronym", "roles", "kind"}
        assert o["kind"] in kinds
        assert o["roles"] and set(o["roles"]) <= {"funder", "partner", "signatory"}
        assert len(set(o["roles"])) == len(o["roles"])
    town = next(o for o in DATA["organisations"] if o["name"] == "Ville de Clermont l'Hérault")
    assert "funder" in town["roles"]


def test_every_referenced_organisation_exists():
    referenced = set(DATA["signatories"])
    referenced |= {b["funder"] for b in DATA["budget_lines"]}
    referenced |= {m["organisation"] for c in DATA["committees"] for m in c["members"]}
    assert referenced <= set(ORG_NAMES), referenced - set(ORG_NAMES)


def test_roles_consistent_with_references():
    by_name = {o["name"]: o for o in DATA["organisations"]}
    funders = {b["funder"] for b in DATA["budget_lines"]}
    for name, org in by_name.items():
        assert ("funder" in org["roles"]) == (name in funders), name
        assert ("signatory" in org["roles"]) == (name in DATA["signatories"]), name


def test_signatories():
    sig = DATA["signatories"]
    assert len(sig) == 12
    assert len(set(sig)) == len(sig)
    assert {"Ville de Clermont l'Hérault", "Hérault Logement", "Bpifrance"} <= set(sig)


def test_committees():
    kinds = [c["kind"] for c in DATA["committees"]]
    assert kinds.count("copil") == 1
    assert kinds.count("cotech") == 1
    commissions = [c for c in DATA["committees"] if c["kind"] == "thematic_commission"]
    assert len(commissions) == 4
    assert sorted(c["priority_index"] for c in commissions) == [1, 2, 3, 4]
    for c in DATA["committees"]:
        assert set(c) == {"kind", "name", "priority_index", "description", "members"}
        assert c["description"]
        members = [m["organisation"] for m in c["members"]]
        assert len(set(members)) == len(members), c["name"]
        assert {m["role"] for m in c["members"]} <= {"co_chair", "member"}
        if c["kind"] != "thematic_commission":
            assert c["priority_index"] is None
    copil = next(c for c in DATA["committees"] if c["kind"] == "copil")
    chairs = sorted(m["organisation"] for m in copil["members"] if m["role"] == "co_chair")
    assert chairs == sorted(["État – Préfecture de l'Hérault", "Ville de Clermont l'Hérault"])


def test_context_figures():
    territories = {"qpv", "town", "intercommunality", "department", "region", "country"}
    figures = DATA["context_figures"]
    assert len(figures) >= 30
    for f in figures:
        assert set(f) == {
            "indicator",
            "territory",
            "territory_name",
            "year",
            "value",
            "unit",
            "source",
        }
        assert f["territory"] in territories
        assert isinstance(f["year"], int) and 2010 <= f["year"] <= 2030
        assert "," not in f["value"]
        try:
            Decimal(f["value"])
        except InvalidOperation:  # pragma: no cover - message only
            pytest.fail(f"not a decimal: {f}")
        assert f["source"]

    def value(indicator, territory, year):
        (f,) = [
            f
            for f in figures
            if f["indicator"] == indicator and f["territory"] == territory and f["year"] == year
        ]
        return Decimal(f["value"])

    assert value("Taux de pauvreté", "town", 2020) == Decimal("23")
    assert value("Taux de pauvreté", "region", 2020) == Decimal("16.8")
    assert value("Taux de pauvreté", "department", 2020) == Decimal("18.7")
    assert value("Taux de chômage", "town", 2020) == Decimal("22.5")
    assert value("Taux de chômage des jeunes de 15 à 24 ans", "town", 2020) == Decimal("37.7")
    assert value("Médiane du revenu disponible", "town", 2020) == Decimal("18850")
    assert value("Premier décile du revenu disponible", "town", 2020) == Decimal("10620")


def test_budget_lines():
    lines = DATA["budget_lines"]
    for b in lines:
        assert set(b) == {"funder", "name", "code", "nature"}
        assert b["nature"] in {"specific", "common_law"}
    state_specific = {
        b["code"]
        for b in lines
        if b["funder"] == "État – Préfecture de l'Hérault" and b["nature"] == "specific"
    }
    assert state_specific == {"BOP147", "VVV", "QETE", "ADR", "CPO"}
    assert any(b["nature"] == "common_law" for b in lines)
    codes = [b["code"] for b in lines if b["code"]]
    assert len(set(codes)) == len(codes)


def test_evaluative_questions():
    qs = DATA["evaluative_questions"]
    assert len(qs) == 3
    assert all(q.startswith("En quoi le contrat de ville") and q.endswith("?") for q in qs)
