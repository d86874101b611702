"""The year picker of the money screens, and which year they open on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget
from sqlalchemy.orm import Session

from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services.calls import contract_years
from qpvdesk.core.services.info import database_info


@dataclass(frozen=True, slots=True)
class YearChoice:
    """The years a screen offers, the years holding dossiers, and the one to open on."""

    years: tuple[int, ...]
    with_dossiers: tuple[int, ...]
    default: int
    has_contract: bool


def default_year(years: Iterable[int], with_dossiers: Iterable[int], today: date) -> int:
    """This calendar year if offered, else the last offered year holding dossiers, else the
    offered year nearest to today."""
    offered = sorted(set(years))
    if not offered:
        return today.year
    if today.year in offered:
        return today.year
    busy = [year for year in with_dossiers if year in offered]
    if busy:
        return max(busy)
    return min(offered, key=lambda year: (abs(year - today.year), -year))


def choice_of(contract: tuple[int, int] | None, with_dossiers: Iterable[int],
              today: date) -> YearChoice:
    """The contract's years (*contract*: first and last, None without a contract), with any
    year holding dossiers outside them."""
    busy = tuple(sorted(set(with_dossiers)))
    years = set(busy) | ({today.year} if contract is None
                         else set(range(contract[0], contract[1] + 1)))
    ordered = tuple(sorted(years))
    return YearChoice(ordered, busy, default_year(ordered, busy, today), contract is not None)


def year_choice(session: Session, today: date | None = None) -> YearChoice:
    """The years a money screen offers (one short read)."""
    with_dossiers = [int(year) for year in database_info(session, "", None).dossiers]
    try:
        contract: tuple[int, int] | None = contract_years(session)
    except ValidationError:  # an empty file: no contract yet
        contract = None
    return choice_of(contract, with_dossiers, today or date.today())


class YearCombo(QComboBox):
    """The budget year (exercice) a screen shows; `year_changed` only when the user picks."""

    year_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip(self.tr("Exercice budgétaire affiché"))
        self._filling = False
        self.currentIndexChanged.connect(self._on_index_changed)

    def set_years(self, years: Iterable[int], current: int) -> None:
        """Offer *years* and select *current* (without emitting `year_changed`)."""
        self._filling = True
        try:
            self.clear()
            for year in years:
                self.addItem(str(year), year)
            position = self.findData(current)
            self.setCurrentIndex(position if position >= 0 else self.count() - 1)
        finally:
            self._filling = False

    def year(self) -> int | None:
        data = self.currentData()
        return None if data is None else int(data)

    def set_year(self, year: int) -> None:
        position = self.findData(year)
        if position >= 0:
            self.setCurrentIndex(position)

    def _on_index_changed(self, _index: int) -> None:
        year = self.year()
        if not self._filling and year is not None:
            self.year_changed.emit(year)
