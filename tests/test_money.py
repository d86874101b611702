"""Money: French parsing and display, integer cents, refusals that name the field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qpvdesk.core.domain.money import MAX_CENTS, NBSP, Money
from qpvdesk.core.errors import ValidationError


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12 345,50 €", 1_234_550),
        ("12345.5", 1_234_550),
        ("12 345 €", 1_234_500),
        ("12\u202f345,50\u00a0€", 1_234_550),
        ("1.234.567,89", 123_456_789),
        ("0", 0),
        ("0,05", 5),
        ("+15", 1_500),
        ("1 000 000 EUR", 100_000_000),
    ],
)
def test_accepts_what_a_french_user_types(text: str, cents: int) -> None:
    assert Money.parse(text).cents == cents


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-3", "négatif"),
        ("12,345,67", "n'est pas un montant"),
        ("abc", "n'est pas un montant"),
        ("", "indiquez un montant"),
        ("12,345", "deux chiffres"),
        ("1 2345", "n'est pas un montant"),
        ("12.34.56", "n'est pas un montant"),
    ],
)
def test_refuses_with_a_french_message_naming_the_field(text: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Money.parse(text, field="Montant demandé")
    assert reason in caught.value.message
    assert caught.value.message.startswith("Montant demandé")
    assert caught.value.field == "Montant demandé"


def test_display_is_french() -> None:
    assert Money(1_234_550).format() == f"12{NBSP}345,50{NBSP}€"
    assert Money(1_234_500).format() == f"12{NBSP}345{NBSP}€"
    assert Money(1_234_500).format(cents=True, symbol=False) == f"12{NBSP}345,00"
    assert str(Money(5)) == f"0,05{NBSP}€"


def test_money_is_never_a_float() -> None:
    with pytest.raises(TypeError):
        Money(12.5)  # type: ignore[arg-type]
    assert Money.from_euros(Decimal("0.1")) + Money.from_euros(Decimal("0.2")) == Money(30)


@given(st.integers(min_value=0, max_value=MAX_CENTS - 1))
def test_display_parses_back_to_the_same_cents(cents: int) -> None:
    money = Money(cents)
    assert Money.parse(money.format()) == money
    assert Money.parse(money.format(cents=True, symbol=False)) == money
    assert Money.parse(str(money.to_decimal())) == money
