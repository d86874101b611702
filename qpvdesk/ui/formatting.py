"""French display of numbers, dates and paths shared by the screens."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QLocale

_FRENCH = QLocale(QLocale.Language.French, QLocale.Country.France)


def number(value: int) -> str:
    """``3100`` → ``3 100`` (French grouping)."""
    return _FRENCH.toString(value)


def date_time(moment: datetime | None, empty: str = "") -> str:
    """``dd/mm/yyyy HH:MM``, or *empty* for no date."""
    return empty if moment is None else moment.strftime("%d/%m/%Y %H:%M")


def file_size(size: int) -> str:
    """``1 234 567`` bytes → ``1,2 Mo``."""
    if size < 1024 * 1024:
        return f"{_FRENCH.toString(max(1, round(size / 1024)))} Ko"
    return f"{_FRENCH.toString(size / (1024 * 1024), 'f', 1)} Mo"
