"""Form pieces of the Partenaires and Appels à projets editors: field messages and date fields.

A form shows each problem beside its field, in French, and saves nothing until
every field is valid; these widgets carry that convention.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from qpvdesk.ui.partners.column_model import ALERT_COLOR

_DATE_PARTS = re.compile(r"^(\d{1,2})[/.\-\s](\d{1,2})[/.\-\s](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{4})$")


def strip_field_prefix(message: str, *labels: str) -> str:
    """« SIRET : la clé… » beside the SIRET field reads « La clé… »."""
    for label in labels:
        prefix = f"{label} : "
        if label and message.startswith(prefix):
            rest = message[len(prefix):]
            return rest[:1].upper() + rest[1:]
    return message


def format_date(value: date | None, empty: str = "") -> str:
    """``dd/mm/yyyy``, or *empty*."""
    return empty if value is None else value.strftime("%d/%m/%Y")


class FieldMessage(QLabel):
    """A French message under a field, in red; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.WindowText, ALERT_COLOR)
        self.setPalette(palette)
        self.setVisible(False)

    def show_message(self, text: str | None) -> None:
        self.setText(text or "")
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.show_message(None)


def with_message(field: QWidget) -> tuple[QWidget, FieldMessage]:
    """The field with its message label under it, as one cell of a form layout."""
    cell = QWidget()
    layout = QVBoxLayout(cell)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    message = FieldMessage()
    layout.addWidget(message)
    return cell, message


class DateError(ValueError):
    """A date typed in a form that is not one (the message is French)."""


def parse_french_date(text: str, label: str) -> date | None:
    """``15/03/2025`` (or ``15.03.25``, ``15032025``, ``2025-03-15``) → date; empty → None."""
    value = text.strip()
    if not value:
        return None
    match = _DATE_PARTS.match(value)
    if match:
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) == 2:
            year += 2000
    elif (iso := _ISO.match(value)) is not None:
        year, month, day = (int(part) for part in iso.groups())
    elif (compact := _COMPACT.match(value)) is not None:
        day, month, year = (int(part) for part in compact.groups())
    else:
        raise DateError(f"{label} : « {value} » n'est pas une date (attendu : jj/mm/aaaa).")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"{label} : le {value} n'existe pas au calendrier.") from None


class DateField(QWidget):
    """A date typed as ``jj/mm/aaaa`` or picked in a calendar; may stay empty."""

    #: The text changed (typed or picked).
    changed = Signal()

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(self.tr("jj/mm/aaaa"))
        self.edit.setClearButtonEnabled(True)
        width = self.edit.fontMetrics().horizontalAdvance("00/00/00000") + 48
        self.edit.setMinimumWidth(width)
        self.edit.setMaximumWidth(width + 40)
        self.edit.setAccessibleName(label)
        self.calendar = QCalendarWidget()
        self.calendar.setLocale(QLocale(QLocale.Language.French, QLocale.Country.France))
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.calendar.setGridVisible(True)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        menu = QMenu(self)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.calendar)
        menu.addAction(holder)
        menu.aboutToShow.connect(self._prepare_calendar)
        self._menu = menu
        self.button = QToolButton()
        self.button.setText("…")
        self.button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")
        self.button.setToolTip(self.tr("Choisir dans le calendrier"))
        self.button.setMenu(menu)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.button)
        layout.addStretch(1)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(lambda _text: self.changed.emit())

    def text(self) -> str:
        return self.edit.text().strip()

    def value(self) -> date | None:
        """The date typed, None when empty; raises `DateError` (French) when it is not one."""
        return parse_french_date(self.edit.text(), self.label)

    def set_value(self, value: date | None) -> None:
        self.edit.setText(format_date(value))

    def setReadOnly(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)
        self.button.setEnabled(not read_only)

    def _prepare_calendar(self) -> None:
        try:
            current = self.value()
        except DateError:
            current = None
        shown = current or date.today()
        self.calendar.setSelectedDate(QDate(shown.year, shown.month, shown.day))

    def _picked(self, picked: QDate) -> None:
        self.set_value(date(picked.year(), picked.month(), picked.day()))
        self._menu.close()
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)
