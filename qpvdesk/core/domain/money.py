"""Money: integer cents inside, French text outside.

Amounts are never floats. `Money.parse` reads what a French user types
(``12 345,50 €``, ``12345.5``, ``12 345 €``) and refuses, with a French
message, anything ambiguous or negative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from qpvdesk.core.errors import ValidationError

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"
# Largest amount accepted: a thousand billion euros leaves room and keeps within 64-bit cents.
MAX_CENTS = 10**14

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_GROUPED = re.compile(r"^\d{1,3}( \d{3})+$")
_PLAIN = re.compile(r"^\d+$")


@dataclass(frozen=True, order=True, slots=True)
class Money:
    """An amount of euros held as integer cents (never negative in stored data)."""

    cents: int

    def __post_init__(self) -> None:
        if not isinstance(self.cents, int) or isinstance(self.cents, bool):
            raise TypeError("Money holds integer cents")

    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    @classmethod
    def from_euros(cls, euros: int | str | Decimal) -> Money:
        """Exact conversion from euros (``Decimal("12.5")`` → 1 250 cents)."""
        value = Decimal(euros) * 100
        if value != value.to_integral_value():
            raise ValueError(f"{euros} has more than two decimals")
        return cls(int(value))

    @classmethod
    def parse(cls, text: str, field: str = "Montant") -> Money:
        """Parse a French or plain amount; raise `ValidationError` naming *field* otherwise."""
        raw = (text or "").strip()
        if raw.endswith("€"):
            raw = raw[:-1].strip()
        if raw.upper().endswith("EUR"):
            raw = raw[:-3].strip()
        if not raw:
            raise ValidationError(f"{field} : indiquez un montant.", field)
        if raw.startswith(("-", "−")):
            raise ValidationError(f"{field} : un montant ne peut pas être négatif ({text}).", field)
        if raw.startswith("+"):
            raw = raw[1:]
        number = _normalise(raw)
        if number is None:
            raise ValidationError(
                f"{field} : « {text} » n'est pas un montant (exemple : 12 345,50 €).", field
            )
        try:
            value = Decimal(number)
        except InvalidOperation:  # pragma: no cover - _normalise only yields digits and a dot
            raise ValidationError(f"{field} : « {text} » n'est pas un montant.", field) from None
        cents = value * 100
        if cents != cents.to_integral_value():
            raise ValidationError(
                f"{field} : au plus deux chiffres après la virgule (« {text} »).", field
            )
        if cents >= MAX_CENTS:
            raise ValidationError(f"{field} : montant trop élevé (« {text} »).", field)
        return cls(int(cents))

    def to_decimal(self) -> Decimal:
        return (Decimal(self.cents) / 100).quantize(Decimal("0.01"))

    def format(self, *, symbol: bool = True, space: str = NBSP, cents: bool | None = None) -> str:
        """French display: ``12 345,50 €``; whole euros print without ``,00`` unless *cents*."""
        sign = "-" if self.cents < 0 else ""
        euros, rest = divmod(abs(self.cents), 100)
        grouped = f"{euros:,}".replace(",", space)
        show_cents = rest != 0 if cents is None else cents
        text = f"{sign}{grouped},{rest:02d}" if show_cents else f"{sign}{grouped}"
        return f"{text}{space}€" if symbol else text

    def __str__(self) -> str:
        return self.format(cents=True)

    def __add__(self, other: Money) -> Money:
        return Money(self.cents + other.cents)

    def __sub__(self, other: Money) -> Money:
        return Money(self.cents - other.cents)

    def __bool__(self) -> bool:
        return self.cents != 0


def _normalise(raw: str) -> str | None:
    """Return ``"12345.50"`` from any accepted spelling, or None when ambiguous."""
    text = _SPACES.sub(" ", raw)
    commas, dots = text.count(","), text.count(".")
    if commas > 1 and dots == 0:
        return None
    integer, decimals = text, ""
    if commas and dots:
        # Both present: the last one is the decimal mark (used once), the other groups thousands.
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        if text.count(decimal_mark) != 1:
            return None
        integer, decimals = text.split(decimal_mark)
        integer = integer.replace(thousands, " ")
    elif commas == 1:
        integer, decimals = text.split(",")
    elif dots == 1:
        integer, decimals = text.split(".")
    elif dots > 1:
        # "1.234.567" written with dots as thousands separators.
        integer = text.replace(".", " ")
    integer = integer.strip()
    if decimals and not decimals.isdigit():
        return None
    if " " in integer:
        if not _GROUPED.match(integer):
            return None
        integer = integer.replace(" ", "")
    elif not _PLAIN.match(integer):
        return None
    return f"{integer}.{decimals}" if decimals else integer
