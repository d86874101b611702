"""What the money screens share: French amounts, cues, and the dossiers behind a figure.

A `Figure` is what a double-click on an amount asks for: the criteria of
`dossiers_behind` and a French caption for the Dossiers page. Models hand it out
through `FIGURE_ROLE`; `show_dossiers_behind` reads the ids and emits the context's
``show_dossiers_requested``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import FundingNature
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.finance import Amounts, dossiers_behind
from qpvdesk.ui.context import AppContext

#: The frozen row (or total) behind any cell.
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
#: The `Figure` behind an amount cell (None elsewhere).
FIGURE_ROLE = Qt.ItemDataRole.UserRole + 2
#: Native value of a cell (cents for amounts) for tests and sorting.
SORT_ROLE = Qt.ItemDataRole.UserRole + 3

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

#: Dark red that reads on light and dark palettes alike: an envelope exceeded.
ALERT_COLOR = QColor(198, 40, 40)


def _tr(text: str) -> str:
    return QCoreApplication.translate("Finance", text)


def money_text(value: Money | None, empty: str = "") -> str:
    """``12 345 €`` (cents only when there are some), *empty* for no amount."""
    return empty if value is None else value.format()


def bold_font() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def muted_color() -> QColor:
    return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)


def tint(alpha: int) -> QColor:
    """The palette's highlight, faint: a background for subtotal rows on any palette."""
    color = QColor(QApplication.palette().color(QPalette.ColorRole.Highlight))
    color.setAlpha(alpha)
    return color


@dataclass(frozen=True, slots=True)
class AmountColumn:
    """A money column shared by the tables: its French title and how it reads `Amounts`."""

    key: str
    title: str
    get: Callable[[Amounts], Money]


def amount_columns() -> dict[str, AmountColumn]:
    """The figures every money table may show (translated now: a QApplication exists)."""
    return {
        "requested": AmountColumn("requested", _tr("Demandé"), lambda a: a.requested),
        "proposed": AmountColumn("proposed", _tr("Proposé"), lambda a: a.proposed),
        "granted": AmountColumn("granted", _tr("Accordé"), lambda a: a.granted),
        "committed": AmountColumn("committed", _tr("Engagé"), lambda a: a.committed),
        "paid": AmountColumn("paid", _tr("Versé"), lambda a: a.paid),
    }


def committed_tooltip() -> str:
    return _tr("Engagé : ce que les financements prennent sur l'enveloppe, c'est-à-dire "
               "l'accordé, ou le proposé tant que rien n'est accordé.")


def remaining_tooltip() -> str:
    return _tr("Reste : enveloppe − engagé (accordé, ou proposé tant que rien n'est "
               "accordé). En rouge quand l'enveloppe est dépassée.")


@dataclass(frozen=True, slots=True)
class Figure:
    """An amount on screen and what makes it up: the criteria of `dossiers_behind`."""

    caption: str
    year: int
    budget_line_id: int | None = None
    funder_id: int | None = None
    objective_id: int | None = None
    nature: FundingNature | None = None

    def dossier_ids(self, session: Session) -> list[int]:
        return dossiers_behind(session, self.year, budget_line_id=self.budget_line_id,
                               funder_id=self.funder_id, objective_id=self.objective_id,
                               nature=self.nature)


def caption(subject: str, year: int, what: str, amount: Money | None = None) -> str:
    """« BOP 147 – 2026, accordé : 24 920 € » (what the Dossiers page shows above the list)."""
    text = f"{subject} – {year}, {what.lower()}"
    return text if amount is None else f"{text} : {amount.format()}"


def show_dossiers_behind(context: AppContext, figure: Figure) -> list[int]:
    """Ask the Dossiers page to show the dossiers behind *figure*; returns their ids.

    Nothing is asked when no dossier makes up the figure (droit commun of partners
    has funding rows without a dossier): the caller says so where the user looks.
    """
    ids = context.read(figure.dossier_ids)
    if ids:
        context.show_dossiers_requested.emit(ids, figure.caption)
    return ids


def no_dossier_text(figure: Figure) -> str:
    return _tr("Aucun dossier derrière « {caption} » : ce montant vient de financements de "
               "droit commun sans dossier, ou il est nul.").format(caption=figure.caption)
