"""Small widgets of the dossier editor: a field with its message beneath, French amount, date
and number entries, a searchable picker, a panel of warnings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFrame,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import ValidationError

ERROR_COLOUR = "#b3261e"
WARNING_COLOUR = "#8a5300"
INFO_COLOUR = "#3d4f66"
OK_COLOUR = "#2e6b30"
ERROR_STYLE = f"color: {ERROR_COLOUR};"

_DATE_FORMATS = (
    re.compile(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{2}|\d{4})$"),  # jj/mm/aaaa
)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _tr(text: str) -> str:
    return QCoreApplication.translate("DossierEditor", text)


def date_text(day: date | None) -> str:
    """``dd/mm/yyyy`` or nothing."""
    return "" if day is None else day.strftime("%d/%m/%Y")


def money_text(amount: Money | None, empty: str = "") -> str:
    """French amount (``12 345,50 €``) or *empty*."""
    return empty if amount is None else amount.format()


def parse_date(text: str, label: str) -> date | None:
    """A date typed ``jj/mm/aaaa`` (``1/2/25``, ``01.02.2025``, ``2025-02-01``); None when blank.

    Raises `ValidationError` with a French message naming *label*.
    """
    raw = (text or "").strip()
    if not raw:
        return None
    day = month = year = None
    match = _ISO_DATE.match(raw)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        for pattern in _DATE_FORMATS:
            match = pattern.match(raw)
            if match:
                day, month, year = (int(part) for part in match.groups())
                if year < 100:
                    year += 2000
                break
    if day is None or month is None or year is None:
        raise ValidationError(
            _tr("{label} : « {text} » n'est pas une date (jj/mm/aaaa).").format(
                label=label, text=raw), label)
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationError(
            _tr("{label} : le {text} n'existe pas dans le calendrier.").format(
                label=label, text=raw), label) from None


def parse_count(text: str, label: str, *, percent: bool = False) -> int | None:
    """A whole number typed with spaces (``1 200``) or a ``%``; None when blank."""
    raw = (text or "").strip()
    if percent and raw.endswith("%"):
        raw = raw[:-1].strip()
    compact = re.sub(r"[\s\u00a0\u202f]", "", raw)
    if not compact:
        return None
    if re.fullmatch(r"[-−]?\d+", compact):
        return int(compact.replace("−", "-"))
    raise ValidationError(
        _tr("{label} : « {text} » n'est pas un nombre entier.").format(
            label=label, text=text.strip()), label)


class FieldBox(QWidget):
    """A caption, the input widget, and a red message under it when the input is refused."""

    def __init__(self, caption: str, field: QWidget, parent: QWidget | None = None,
                 hint: str = "") -> None:
        super().__init__(parent)
        self.field = field
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.caption = QLabel(caption)
        self.caption.setBuddy(field)
        layout.addWidget(self.caption)
        layout.addWidget(field)
        self.hint = QLabel(hint)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {INFO_COLOUR};")
        self.hint.setVisible(bool(hint))
        layout.addWidget(self.hint)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.error.hide()
        layout.addWidget(self.error)

    def set_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))

    def error_text(self) -> str:
        return self.error.text() if not self.error.isHidden() else ""


class MoneyEdit(QLineEdit):
    """An amount typed in French; shown back as ``12 345,50 €`` once it parses."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setPlaceholderText(_tr("0 €"))
        self.editingFinished.connect(self._tidy)

    def set_amount(self, amount: Money | None) -> None:
        self.setText(money_text(amount))

    def amount(self, label: str) -> Money | None:
        """The amount, None when blank; raises `ValidationError` naming *label*."""
        if not self.text().strip():
            return None
        return Money.parse(self.text(), label)

    def _tidy(self) -> None:
        try:
            amount = self.amount("Montant")
        except ValidationError:
            return
        if amount is not None and self.text() != amount.format():
            self.setText(amount.format())


class DateEdit(QLineEdit):
    """A date typed ``jj/mm/aaaa``, blank allowed; shown back in full once it parses."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(_tr("jj/mm/aaaa"))
        self.setMaxLength(10)
        self.setFixedWidth(self.fontMetrics().horizontalAdvance("00/00/00000") + 24)
        self.editingFinished.connect(self._tidy)

    def set_date(self, day: date | None) -> None:
        self.setText(date_text(day))

    def date(self, label: str) -> date | None:
        return parse_date(self.text(), label)

    def _tidy(self) -> None:
        try:
            day = self.date("Date")
        except ValidationError:
            return
        if day is not None and self.text() != date_text(day):
            self.setText(date_text(day))


class CountEdit(QLineEdit):
    """A whole number (people, a percentage)."""

    def __init__(self, parent: QWidget | None = None, *, percent: bool = False) -> None:
        super().__init__(parent)
        self._percent = percent
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setMaxLength(12)

    def set_count(self, value: int | None) -> None:
        self.setText("" if value is None else str(value))

    def count(self, label: str) -> int | None:
        return parse_count(self.text(), label, percent=self._percent)


class SearchCombo(QComboBox):
    """A picker the user may type into: any word of the entry finds it (case ignored)."""

    #: The id picked changed (None when nothing, or a text matching no entry, is typed).
    id_changed = Signal(object)

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(24)
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(15)
        self.setCompleter(completer)
        line = self.lineEdit()
        assert line is not None
        line.setPlaceholderText(placeholder)
        line.setClearButtonEnabled(True)
        self._last: int | None = None
        self.editTextChanged.connect(self._check)
        self.currentIndexChanged.connect(self._check)

    def set_items(self, items: Sequence[tuple[int, str, str]]) -> None:
        """(id, text, tooltip) entries; the current pick is kept when still offered."""
        keep, text = self.current_id(), self.currentText()
        self.blockSignals(True)
        try:
            self.clear()
            for item_id, item_text, tooltip in items:
                self.addItem(item_text, item_id)
                if tooltip:
                    self.setItemData(self.count() - 1, tooltip, Qt.ItemDataRole.ToolTipRole)
            index = self.findData(keep) if keep is not None else -1
            self.setCurrentIndex(index)
            if index < 0:
                self.setEditText(text if keep is None else "")
        finally:
            self.blockSignals(False)
        self._check()

    def current_id(self) -> int | None:
        """The id of the entry whose text is in the box; None for blank or unknown text."""
        text = self.currentText().strip()
        if not text:
            return None
        index = self.currentIndex()
        if index >= 0 and self.itemText(index).strip() == text:
            value = self.itemData(index)
            return int(value) if value is not None else None
        index = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if index >= 0:
            value = self.itemData(index)
            return int(value) if value is not None else None
        return None

    def has_unknown_text(self) -> bool:
        """Something is typed that matches no entry."""
        return bool(self.currentText().strip()) and self.current_id() is None

    def set_current_id(self, item_id: int | None) -> None:
        index = -1 if item_id is None else self.findData(item_id)
        self.setCurrentIndex(index)
        if index < 0:
            self.setEditText("")
        self._check()

    def pick_text(self, text: str) -> None:
        """Type *text* as the user would (tests, and the holder dialog's "Utiliser …")."""
        self.setEditText(text)
        index = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if index >= 0:
            self.setCurrentIndex(index)
        self._check()

    def _show_start(self) -> None:
        # A long name shows from its beginning, not scrolled to its end.
        line = self.lineEdit()
        if line is not None and not line.hasFocus():
            line.setCursorPosition(0)

    def _check(self, *_args: object) -> None:
        self._show_start()
        current = self.current_id()
        if current != self._last:
            self._last = current
            self.id_changed.emit(current)
        tooltip = self.itemData(self.currentIndex(), Qt.ItemDataRole.ToolTipRole) \
            if self.currentIndex() >= 0 and current is not None else None
        self.setToolTip(str(tooltip) if tooltip else self.currentText())


class MessagePanel(QFrame):
    """A coloured box listing messages (warnings of the money, errors of the form)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.label)
        self.lines: list[str] = []
        self.hide()

    def show_messages(self, lines: Sequence[tuple[str, str]], *, tone: str = "warning") -> None:
        """(colour, text) lines; the panel hides when there are none."""
        self.lines = [text for _colour, text in lines]
        if not lines:
            self.label.clear()
            self.hide()
            return
        background, border = {
            "error": ("#fdecea", ERROR_COLOUR),
            "warning": ("#fff4e0", WARNING_COLOUR),
            "info": ("#eef3f9", INFO_COLOUR),
        }[tone]
        # By class, not object name: each panel is named after what it shows.
        self.setStyleSheet(
            f"MessagePanel {{ background: {background}; border: 1px solid {border};"
            " border-radius: 4px; }"
        )
        html = "<br>".join(
            f"<span style='color:{colour}'>{_escape(text)}</span>" for colour, text in lines
        )
        self.label.setText(html)
        self.show()


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", "<br>"))


def escape_html(text: str) -> str:
    """Text made safe for a rich-text label."""
    return _escape(text)
