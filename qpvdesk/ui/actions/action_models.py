"""The tables of the Actions page: actions, notes, dossiers, funding rows, indicators, values.

All follow the one table-model template (`ColumnTableModel`): frozen rows from the
services, sorted in the model. The actions list shows the money of one year (or of
every year), which its header says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QCoreApplication, QModelIndex, QObject, QPersistentModelIndex, Qt

from qpvdesk.core.domain.enums import ActionState, DossierState
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.actions import ActionDossier, ActionRow, ActionYear, NoteRow
from qpvdesk.core.services.finance import Amounts
from qpvdesk.core.services.funding import FundingRow
from qpvdesk.core.services.indicators import IndicatorRow, IndicatorValue
from qpvdesk.ui.actions.shared import decimal_text, percent_text, with_unit
from qpvdesk.ui.partners.column_model import CENTER, RIGHT, Column, ColumnTableModel
from qpvdesk.ui.partners.fields import format_date

_DISPLAY = Qt.ItemDataRole.DisplayRole
AnyIndex = QModelIndex | QPersistentModelIndex

# Columns of the actions list.
(COLUMN_TITLE, COLUMN_HOLDER, COLUMN_OBJECTIVE, COLUMN_THEMES, COLUMN_PERIOD, COLUMN_STATE,
 COLUMN_KIND, COLUMN_COMMON_LAW, COLUMN_SPECIFIC, COLUMN_TOTAL) = range(10)
STATE_ORDER = {state: position for position, state in enumerate(ActionState)}
DOSSIER_ORDER = {state: position for position, state in enumerate(DossierState)}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ActionModels", text)


def short_theme(title: str) -> str:
    """« La lutte contre les discriminations » → « Lutte contre les discriminations »."""
    text = " ".join(title.split())
    for article in ("La ", "Le ", "Les ", "L'", "L’"):
        if text.startswith(article):
            text = text[len(article):]
            break
    text = text.split(",")[0]
    if len(text) > 38:
        text = text[:37].rstrip() + "…"
    return text[:1].upper() + text[1:]


def money_text(amount: Money, empty: str = "") -> str:
    return empty if not amount else amount.format()


def _code_key(code: str | None) -> tuple[int, ...]:
    if not code:
        return (1 << 30,)
    return tuple(int(part) if part.isdigit() else 0 for part in code.lstrip("P").split("."))


@dataclass
class YearRef:
    """The year whose money the list shows (None: every year)."""

    year: int | None = None

    def of(self, row: ActionRow) -> Amounts:
        if self.year is None:
            return row.total
        return row.year(self.year).total

    def common_law(self, row: ActionRow) -> Money:
        amounts = row.common_law if self.year is None else row.year(self.year).common_law
        return amounts.committed

    def specific(self, row: ActionRow) -> Money:
        amounts = row.specific if self.year is None else row.year(self.year).specific
        return amounts.committed


def _themes_tip(row: ActionRow) -> str | None:
    return "\n".join(row.theme_titles) or None


def _objective_tip(row: ActionRow) -> str | None:
    if row.objective_code is None:
        return _tr("Aucun objectif opérationnel n'est indiqué.")
    return f"{row.objective_code} – {row.objective_title}"


def action_columns(ref: YearRef) -> list[Column[ActionRow]]:
    """The list's columns; the money ones read the year of *ref*."""
    money_tip = _tr("Montant mobilisé : accordé, ou proposé tant que rien n'est accordé")
    return [
        Column(_tr("Intitulé"), lambda r: r.title, tooltip=lambda r: r.title),
        Column(_tr("Porteur"), lambda r: r.holder_name or "",
               tooltip=lambda r: r.holder_name),
        Column(_tr("Objectif"), lambda r: r.objective_code or "—",
               sort_key=lambda r: _code_key(r.objective_code), tooltip=_objective_tip),
        Column(_tr("Axes transversaux"),
               lambda r: ", ".join(short_theme(t) for t in r.theme_titles),
               tooltip=_themes_tip),
        Column(_tr("Période"), lambda r: r.period_label,
               sort_key=lambda r: (r.start_year or 0, r.end_year or 9999), align=CENTER),
        Column(_tr("État"), lambda r: r.state_label, sort_key=lambda r: STATE_ORDER[r.state]),
        Column(_tr("Nature"), lambda r: r.kind_label),
        Column(_tr("Droit commun"), lambda r: money_text(ref.common_law(r)),
               sort_key=lambda r: ref.common_law(r).cents, align=RIGHT,
               header_tooltip=money_tip),
        Column(_tr("Spécifiques"), lambda r: money_text(ref.specific(r)),
               sort_key=lambda r: ref.specific(r).cents, align=RIGHT,
               header_tooltip=_tr("Crédits spécifiques de la politique de la ville. ")
               + money_tip),
        Column(_tr("Total"), lambda r: money_text(ref.of(r).committed),
               sort_key=lambda r: ref.of(r).committed.cents, align=RIGHT,
               header_tooltip=money_tip),
    ]


class ActionTableModel(ColumnTableModel[ActionRow]):
    """The actions list; the money columns say their year in their header."""

    def __init__(self, parent: QObject | None = None) -> None:
        self.year_ref = YearRef()
        super().__init__(action_columns(self.year_ref), parent,
                         row_muted=lambda r: r.state is ActionState.DROPPED)

    def set_year(self, year: int | None) -> None:
        """Show the money of *year* (None: every year); the caller sets the rows after."""
        self.year_ref.year = year
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, COLUMN_COMMON_LAW, COLUMN_TOTAL)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _DISPLAY) -> object:
        value = super().headerData(section, orientation, role)
        if (role == _DISPLAY and orientation == Qt.Orientation.Horizontal
                and COLUMN_COMMON_LAW <= section <= COLUMN_TOTAL and value is not None):
            year = self.year_ref.year
            return f"{value} {year}" if year is not None else f"{value} ({_tr('toutes années')})"
        return value


# ------------------------------------------------------------------ detail tables


def note_columns() -> list[Column[NoteRow]]:
    return [
        Column(_tr("Date"), lambda r: format_date(r.written_on),
               sort_key=lambda r: (r.written_on, r.id), align=CENTER),
        Column(_tr("Note"), lambda r: " ".join(r.text.split()), tooltip=lambda r: r.text),
    ]


def dossier_columns() -> list[Column[ActionDossier]]:
    return [
        Column(_tr("Dossier"), lambda r: r.reference),
        Column(_tr("Année"), lambda r: r.years_label, sort_key=lambda r: (r.year, r.reference),
               align=CENTER),
        Column(_tr("État"), lambda r: r.state_label, sort_key=lambda r: DOSSIER_ORDER[r.state]),
        Column(_tr("Demandé"), lambda r: money_text(r.amounts.requested),
               sort_key=lambda r: r.amounts.requested.cents, align=RIGHT),
        Column(_tr("Accordé"), lambda r: money_text(r.amounts.granted),
               sort_key=lambda r: r.amounts.granted.cents, align=RIGHT),
        Column(_tr("Versé"), lambda r: money_text(r.amounts.paid),
               sort_key=lambda r: r.amounts.paid.cents, align=RIGHT),
    ]


@dataclass(frozen=True, slots=True)
class YearLine:
    """An action's money in one year (the row of the yearly summary)."""

    id: int  # the year: the template wants an id
    money: ActionYear


def year_columns() -> list[Column[YearLine]]:
    return [
        Column(_tr("Année"), lambda r: str(r.id), sort_key=lambda r: r.id, align=CENTER),
        Column(_tr("Droit commun"), lambda r: money_text(r.money.common_law.committed, "—"),
               sort_key=lambda r: r.money.common_law.committed.cents, align=RIGHT),
        Column(_tr("Crédits spécifiques"), lambda r: money_text(r.money.specific.committed, "—"),
               sort_key=lambda r: r.money.specific.committed.cents, align=RIGHT),
        Column(_tr("Total"), lambda r: money_text(r.money.total.committed, "—"),
               sort_key=lambda r: r.money.total.committed.cents, align=RIGHT),
        Column(_tr("Versé"), lambda r: money_text(r.money.total.paid, "—"),
               sort_key=lambda r: r.money.total.paid.cents, align=RIGHT),
    ]


def _optional_money(amount: Money | None) -> str:
    return "" if amount is None else amount.format()


def _cents(amount: Money | None) -> int:
    return -1 if amount is None else amount.cents


def funding_columns() -> list[Column[FundingRow]]:
    return [
        Column(_tr("Année"), lambda r: str(r.year), sort_key=lambda r: (r.year, r.id),
               align=CENTER),
        Column(_tr("Financeur"), lambda r: r.funder_name, tooltip=lambda r: r.funder_name),
        Column(_tr("Ligne"), lambda r: r.line_name, tooltip=lambda r: r.line_name),
        Column(_tr("Nature"), lambda r: r.nature_label),
        Column(_tr("Demandé"), lambda r: _optional_money(r.requested),
               sort_key=lambda r: _cents(r.requested), align=RIGHT),
        Column(_tr("Accordé"), lambda r: _optional_money(r.granted),
               sort_key=lambda r: _cents(r.granted), align=RIGHT,
               header_tooltip=_tr("Pour le droit commun : le montant mobilisé par le "
                                  "partenaire")),
        Column(_tr("Versé"), lambda r: money_text(r.paid), sort_key=lambda r: r.paid.cents,
               align=RIGHT),
    ]


def indicator_columns() -> list[Column[IndicatorRow]]:
    def latest(row: IndicatorRow) -> str:
        value = row.latest_achieved
        if value is None:
            return ""
        return f"{with_unit(value.achieved, row.unit)} ({value.year})"

    return [
        Column(_tr("Indicateur"), lambda r: r.name, tooltip=lambda r: r.name,
               sort_key=lambda r: (not r.is_preset, r.id)),
        Column(_tr("Unité"), lambda r: r.unit or ""),
        Column(_tr("Référence"), lambda r: decimal_text(r.baseline),
               sort_key=lambda r: r.baseline, align=RIGHT),
        Column(_tr("Cible"), lambda r: decimal_text(r.target), sort_key=lambda r: r.target,
               align=RIGHT),
        Column(_tr("Dernier réalisé"), latest,
               sort_key=lambda r: None if r.latest_achieved is None else r.latest_achieved.year,
               align=RIGHT),
        Column(_tr("Atteinte de la cible"), lambda r: percent_text(r.target_rate),
               sort_key=lambda r: r.target_rate, align=RIGHT),
    ]


@dataclass(frozen=True, slots=True)
class ValueLine:
    """One year of an indicator (maybe without any value yet)."""

    id: int  # the year
    value: IndicatorValue
    unit: str | None


def _rate_alert(line: ValueLine) -> bool:
    rate = line.value.rate
    return rate is not None and rate < Decimal(100)


def value_columns() -> list[Column[ValueLine]]:
    return [
        Column(_tr("Année"), lambda r: str(r.id), sort_key=lambda r: r.id, align=CENTER),
        Column(_tr("Prévu"), lambda r: decimal_text(r.value.planned),
               sort_key=lambda r: r.value.planned, align=RIGHT),
        Column(_tr("Source du prévu"), lambda r: r.value.planned_source or "",
               tooltip=lambda r: r.value.planned_source),
        Column(_tr("Réalisé"), lambda r: decimal_text(r.value.achieved),
               sort_key=lambda r: r.value.achieved, align=RIGHT),
        Column(_tr("Source du réalisé"), lambda r: r.value.achieved_source or "",
               tooltip=lambda r: r.value.achieved_source),
        Column(_tr("Réalisé / prévu"), lambda r: percent_text(r.value.rate),
               sort_key=lambda r: r.value.rate, align=RIGHT, alert=_rate_alert),
    ]


def value_lines(row: IndicatorRow, years: Sequence[int]) -> list[ValueLine]:
    """Every year of the contract, with or without values (and any year outside it)."""
    wanted = sorted(set(years) | {value.year for value in row.values})
    return [ValueLine(year, row.value(year), row.unit) for year in wanted]


__all__ = [
    "COLUMN_COMMON_LAW",
    "COLUMN_HOLDER",
    "COLUMN_OBJECTIVE",
    "COLUMN_TITLE",
    "ActionTableModel",
    "ValueLine",
    "YearLine",
    "YearRef",
    "dossier_columns",
    "funding_columns",
    "indicator_columns",
    "money_text",
    "note_columns",
    "short_theme",
    "value_columns",
    "value_lines",
    "year_columns",
]
