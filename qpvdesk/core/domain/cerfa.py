"""The budget grid of the CERFA 12156 request and 15059 report, as data.

The forecast budget of a subsidy request (CERFA 12156) and the financial report
(CERFA 15059*02) share one grid: direct charges by account 60–68, direct income
70–78 (74, operating subsidies, split by funder), indirect charges and own
resources allocated to the action, and the voluntary contributions in kind
(86 their use, 87 their origin) kept out of the totals. A `BudgetEntry` stores a
heading's ``account`` code from here; several entries may share a code (one per
ministry asked, one per commune…), each with its own label.

A group heading (``60``, ``74``…) may hold an amount itself or be detailed by its
sub-lines: when sub-lines carry amounts, they make the group's total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from qpvdesk.core.domain.enums import BudgetSide
from qpvdesk.core.domain.money import Money


class CerfaSection(StrEnum):
    """Where a heading sits in the grid."""

    DIRECT = "direct"
    INDIRECT = "indirect"
    CONTRIBUTION = "contribution"


SECTION_LABELS: dict[tuple[CerfaSection, BudgetSide], str] = {
    (CerfaSection.DIRECT, BudgetSide.CHARGE): "Charges directes affectées à l'action",
    (CerfaSection.DIRECT, BudgetSide.PRODUCT): "Ressources directes affectées à l'action",
    (CerfaSection.INDIRECT, BudgetSide.CHARGE): "Charges indirectes affectées à l'action",
    (CerfaSection.INDIRECT, BudgetSide.PRODUCT): "Ressources propres affectées à l'action",
    (CerfaSection.CONTRIBUTION, BudgetSide.CHARGE): "Emplois des contributions volontaires",
    (CerfaSection.CONTRIBUTION, BudgetSide.PRODUCT): "Contributions volontaires en nature",
}


class SubsidyFunder(StrEnum):
    """The funder lines of account 74 (subventions d'exploitation)."""

    STATE = "state"
    REGION = "region"
    DEPARTMENT = "department"
    INTERCOMMUNALITY = "intercommunality"
    TOWN = "town"
    SOCIAL_BODIES = "social_bodies"
    EUROPEAN_FUNDS = "european_funds"
    ASP = "asp"
    OTHER_PUBLIC_BODIES = "other_public_bodies"
    PRIVATE = "private"


@dataclass(frozen=True, slots=True)
class CerfaHeading:
    """One line of the grid: its account code, French label, side and place."""

    account: str
    label: str
    side: BudgetSide
    section: CerfaSection
    parent: str | None = None
    funder: SubsidyFunder | None = None
    hint: str | None = None

    @property
    def is_group(self) -> bool:
        return self.account in _GROUPS

    @property
    def display(self) -> str:
        """``60 – Achats`` for accounts, the bare label for lines without a number."""
        if self.account[:2].isdigit() and "-" not in self.account:
            return f"{self.account} – {self.label}"
        return self.label


def _h(
    account: str,
    label: str,
    side: BudgetSide,
    section: CerfaSection = CerfaSection.DIRECT,
    parent: str | None = None,
    funder: SubsidyFunder | None = None,
    hint: str | None = None,
) -> CerfaHeading:
    return CerfaHeading(account, label, side, section, parent, funder, hint)


_C, _P = BudgetSide.CHARGE, BudgetSide.PRODUCT
_IND, _VOL = CerfaSection.INDIRECT, CerfaSection.CONTRIBUTION
_F = SubsidyFunder

CHARGES: tuple[CerfaHeading, ...] = (
    _h("60", "Achats", _C),
    _h("601", "Achats matières et fournitures", _C, parent="60"),
    _h("606", "Autres fournitures", _C, parent="60"),
    _h("61", "Services extérieurs", _C),
    _h("613", "Locations", _C, parent="61"),
    _h("615", "Entretien et réparation", _C, parent="61"),
    _h("616", "Assurance", _C, parent="61"),
    _h("618", "Documentation", _C, parent="61"),
    _h("62", "Autres services extérieurs", _C),
    _h("622", "Rémunérations intermédiaires et honoraires", _C, parent="62"),
    _h("623", "Publicité, publication", _C, parent="62"),
    _h("625", "Déplacements, missions", _C, parent="62"),
    _h("627", "Services bancaires, autres", _C, parent="62"),
    _h("63", "Impôts et taxes", _C),
    _h("631", "Impôts et taxes sur rémunération", _C, parent="63"),
    _h("635", "Autres impôts et taxes", _C, parent="63"),
    _h("64", "Charges de personnel", _C),
    _h("641", "Rémunération des personnels", _C, parent="64"),
    _h("645", "Charges sociales", _C, parent="64"),
    _h("647", "Autres charges de personnel", _C, parent="64"),
    _h("65", "Autres charges de gestion courante", _C),
    _h("66", "Charges financières", _C),
    _h("67", "Charges exceptionnelles", _C),
    _h("68", "Dotation aux amortissements", _C),
    _h("CI-FIXES", "Charges fixes de fonctionnement", _C, _IND),
    _h("CI-FIN", "Frais financiers", _C, _IND),
    _h("CI-AUTRES", "Autres charges indirectes", _C, _IND),
    _h("86", "Emplois des contributions volontaires en nature", _C, _VOL),
    _h("860", "Secours en nature", _C, _VOL, parent="86"),
    _h("861", "Mise à disposition gratuite de biens et services", _C, _VOL, parent="86"),
    _h("862", "Prestations", _C, _VOL, parent="86"),
    _h("864", "Personnel bénévole", _C, _VOL, parent="86"),
)

PRODUCTS: tuple[CerfaHeading, ...] = (
    _h("70", "Vente de marchandises, produits finis, prestations de services", _P),
    _h("73", "Dotations et produits de tarification", _P),
    _h("74", "Subventions d'exploitation", _P),
    _h("74-ETAT", "État", _P, parent="74", funder=_F.STATE, hint="préciser le(s) ministère(s)"),
    _h("74-REGION", "Région(s)", _P, parent="74", funder=_F.REGION),
    _h("74-DEPT", "Département(s)", _P, parent="74", funder=_F.DEPARTMENT),
    _h("74-EPCI", "Intercommunalité(s) : EPCI", _P, parent="74", funder=_F.INTERCOMMUNALITY),
    _h("74-COMMUNE", "Commune(s)", _P, parent="74", funder=_F.TOWN),
    _h(
        "74-SOCIAL",
        "Organismes sociaux",
        _P,
        parent="74",
        funder=_F.SOCIAL_BODIES,
        hint="détailler (CAF, etc.)",
    ),
    _h("74-EUROPE", "Fonds européens", _P, parent="74", funder=_F.EUROPEAN_FUNDS),
    _h(
        "74-ASP",
        "L'agence de services et de paiement (emplois aidés)",
        _P,
        parent="74",
        funder=_F.ASP,
    ),
    _h("74-EP", "Autres établissements publics", _P, parent="74", funder=_F.OTHER_PUBLIC_BODIES),
    _h("74-PRIVE", "Aides privées", _P, parent="74", funder=_F.PRIVATE),
    _h("75", "Autres produits de gestion courante", _P),
    _h("756", "Dont cotisations, dons manuels ou legs", _P, parent="75"),
    _h("76", "Produits financiers", _P),
    _h("77", "Produits exceptionnels", _P),
    _h("78", "Reports ressources non utilisées d'opérations antérieures", _P),
    _h("RP", "Ressources propres affectées à l'action", _P, _IND),
    _h("87", "Contributions volontaires en nature", _P, _VOL),
    _h("870", "Bénévolat", _P, _VOL, parent="87"),
    _h("871", "Prestations en nature", _P, _VOL, parent="87"),
    _h("875", "Dons en nature", _P, _VOL, parent="87"),
)

HEADINGS: tuple[CerfaHeading, ...] = CHARGES + PRODUCTS
_BY_ACCOUNT: dict[str, CerfaHeading] = {h.account: h for h in HEADINGS}
_GROUPS: frozenset[str] = frozenset(h.parent for h in HEADINGS if h.parent is not None)
# The order of the grid, for sorting entries as the form shows them.
ORDER: dict[str, int] = {h.account: index for index, h in enumerate(HEADINGS)}

SUBSIDY_LINES: tuple[CerfaHeading, ...] = tuple(h for h in PRODUCTS if h.funder is not None)


def heading(account: str) -> CerfaHeading | None:
    """The heading of *account* (``"74-ETAT"``), or None when the grid has no such line."""
    return _BY_ACCOUNT.get(account.strip().upper())


def section_label(section: CerfaSection, side: BudgetSide) -> str:
    """French title of a part of the grid (« Charges indirectes affectées à l'action »)."""
    return SECTION_LABELS[(section, side)]


def sub_lines(account: str) -> tuple[CerfaHeading, ...]:
    """The detail lines of a group heading (empty for a line without detail)."""
    return tuple(h for h in HEADINGS if h.parent == account)


@dataclass(frozen=True, slots=True)
class BudgetTotals:
    """Totals of a budget: what the CERFA's « Total » lines say."""

    charges: Money
    products: Money
    contributions_used: Money
    contributions_received: Money
    # Group accounts whose own amount differs from the sum of their sub-lines.
    inconsistent_groups: tuple[str, ...] = ()

    @property
    def balance(self) -> Money:
        """Products minus charges (negative when the income does not cover the costs)."""
        return self.products - self.charges


def budget_totals(entries: Iterable[tuple[str, Money]]) -> BudgetTotals:
    """Totals of (account, amount) pairs; unknown accounts are ignored.

    A group's total is the sum of its sub-lines when any is given, its own amount
    otherwise: an association that details 60 into 601/606 and also writes the 60
    total is not counted twice.
    """
    own: dict[str, int] = {}
    detail: dict[str, int] = {}
    for account, amount in entries:
        item = heading(account)
        if item is None:
            continue
        own[item.account] = own.get(item.account, 0) + amount.cents
        if item.parent is not None:
            detail[item.parent] = detail.get(item.parent, 0) + amount.cents
    sums = {
        (side, section): 0
        for side in BudgetSide
        for section in (CerfaSection.DIRECT, CerfaSection.INDIRECT, CerfaSection.CONTRIBUTION)
    }
    inconsistent: list[str] = []
    for account, cents in own.items():
        item = _BY_ACCOUNT[account]
        if item.parent is not None:
            continue  # counted through its group
        if account in detail:
            if cents and cents != detail[account]:
                inconsistent.append(account)
            cents = detail[account]
        sums[(item.side, item.section)] += cents
    for group, cents in detail.items():
        if group not in own:
            item = _BY_ACCOUNT[group]
            sums[(item.side, item.section)] += cents
    return BudgetTotals(
        charges=Money(
            sums[(BudgetSide.CHARGE, CerfaSection.DIRECT)]
            + sums[(BudgetSide.CHARGE, CerfaSection.INDIRECT)]
        ),
        products=Money(
            sums[(BudgetSide.PRODUCT, CerfaSection.DIRECT)]
            + sums[(BudgetSide.PRODUCT, CerfaSection.INDIRECT)]
        ),
        contributions_used=Money(sums[(BudgetSide.CHARGE, CerfaSection.CONTRIBUTION)]),
        contributions_received=Money(sums[(BudgetSide.PRODUCT, CerfaSection.CONTRIBUTION)]),
        inconsistent_groups=tuple(sorted(inconsistent, key=ORDER.__getitem__)),
    )


__all__ = [
    "CHARGES",
    "HEADINGS",
    "ORDER",
    "PRODUCTS",
    "SECTION_LABELS",
    "SUBSIDY_LINES",
    "BudgetTotals",
    "CerfaHeading",
    "CerfaSection",
    "SubsidyFunder",
    "budget_totals",
    "heading",
    "section_label",
    "sub_lines",
]
