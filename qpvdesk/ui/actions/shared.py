"""Small pieces shared by the Actions, Évaluation and Observation screens.

A French decimal field, page headings, table set-up and the one way these screens
write: a labelled (undoable) unit of work whose refusal is shown in French. They
would belong in ``ui/widgets/`` once other screens use them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QTableView,
    QWidget,
)
from sqlalchemy.orm import Session

from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.services.calls import FieldError, FormError
from qpvdesk.core.services.indicators import format_decimal, parse_decimal
from qpvdesk.ui.context import AppContext, Focus

T = TypeVar("T")

#: Background of what must stand out (an objective without any action).
ALERT_BACKGROUND = QColor(253, 224, 220)
#: Background of what deserves a look (actions that all failed this year).
WARNING_BACKGROUND = QColor(255, 241, 214)


def page_title(text: str) -> QLabel:
    """The big bold title at the top of a page."""
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.4)
    font.setBold(True)
    label.setFont(font)
    return label


def caption(text: str, scale: float = 1.0) -> QLabel:
    """A bold caption over a block of the page."""
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    if scale != 1.0:
        font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


def configure_table(table: QTableView, *, sortable: bool = True) -> None:
    """Rows selected whole, one at a time, read-only, alternate colours."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setSortingEnabled(sortable)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    table.horizontalHeader().setHighlightSections(False)


def decimal_text(value: Decimal | None, empty: str = "") -> str:
    """French display of an exact decimal (``1 234,5``), *empty* for none."""
    return empty if value is None else format_decimal(value)


def with_unit(value: Decimal | None, unit: str | None, empty: str = "") -> str:
    if value is None:
        return empty
    text = format_decimal(value)
    return f"{text}\u00a0{unit}" if unit else text


def percent_text(value: Decimal | None) -> str:
    return "" if value is None else f"{format_decimal(value)}\u00a0%"


class DecimalEdit(QLineEdit):
    """A number typed the French way (« 12,5 », « 1 234 »); blank is None."""

    def __init__(self, label: str, parent: QWidget | None = None, *,
                 allow_negative: bool = True) -> None:
        super().__init__(parent)
        self.label = label
        self._allow_negative = allow_negative
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setAccessibleName(label)
        self.editingFinished.connect(self._tidy)

    def value(self) -> Decimal | None:
        """The number, None when blank; raises `ValidationError` (French) otherwise."""
        return parse_decimal(self.text(), self.label, allow_negative=self._allow_negative)

    def set_value(self, value: Decimal | None) -> None:
        self.setText(decimal_text(value))

    def _tidy(self) -> None:
        try:
            value = self.value()
        except UserFacingError:
            return
        if value is not None and self.text() != format_decimal(value):
            self.setText(format_decimal(value))


def form_errors(errors: Iterable[FieldError]) -> dict[str, str]:
    """`FieldError`s as a `FormDialog` shows them: one text per field (several lines)."""
    grouped: dict[str, list[str]] = {}
    for error in errors:
        texts = grouped.setdefault(error.field, [])
        if error.message not in texts:
            texts.append(error.message)
    return {field: "\n".join(texts) for field, texts in grouped.items()}


def error_dict(error: UserFacingError) -> dict[str, str]:
    """A refusal as field messages (a `FormError`'s fields, else the general message)."""
    if isinstance(error, FormError):
        return form_errors(error.errors)
    field = getattr(error, "field", None)
    return {field or "": error.message}


def write(context: AppContext, parent: QWidget, title: str, work: Callable[[Session], T],
          topics: Iterable[str], label: str, focus: Focus | Callable[[T], Focus] | None = None,
          ) -> tuple[bool, T | None]:
    """One undoable unit of work; a refusal is shown in a French message box.

    Returns (done, result).
    """
    try:
        result = context.write(work, topics, label=label, focus=focus)
    except UserFacingError as error:
        context.messenger.warn(parent, title, error.message)
        return False, None
    return True, result


def write_in_form(context: AppContext, work: Callable[[Session], T], topics: Iterable[str],
                  label: str, focus: Focus | Callable[[T], Focus] | None = None,
                  ) -> dict[str, str] | None:
    """One undoable unit of work from a `FormDialog`'s OK: None when done, else the messages."""
    try:
        context.write(work, topics, label=label, focus=focus)
    except UserFacingError as error:
        return error_dict(error)
    return None


def count_text(count: int, one: str, many: str, none: str | None = None,
               **values: object) -> str:
    """« 1 action », « 3 actions », or *none* for zero (*values* fill other fields)."""
    if count == 0 and none is not None:
        return none
    return (one if count == 1 else many).format(n=count, **values)


__all__ = [
    "ALERT_BACKGROUND",
    "WARNING_BACKGROUND",
    "DecimalEdit",
    "caption",
    "configure_table",
    "count_text",
    "decimal_text",
    "error_dict",
    "form_errors",
    "page_title",
    "percent_text",
    "with_unit",
    "write",
    "write_in_form",
]
