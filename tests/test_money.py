"""Money: French parsing and display, integer cents, refusals that name the field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qpvdesk.core.domain.money import MAX_CENTS, NBSP, Money
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.exchange.workbook_reading import CellError, read_amount


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


# --- every amount up to 10^12 cents, in every way a French user writes it ------------------

AMOUNTS = st.integers(min_value=0, max_value=10**12)
GROUPING = st.sampled_from([" ", NBSP, "\u202f", ""])
SUFFIX = st.sampled_from(["", " €", "€", f"{NBSP}€", " EUR", " eur"])


def spelled(cents: int, group: str, decimal: str, always_cents: bool) -> str:
    euros, rest = divmod(cents, 100)
    text = f"{euros:,}".replace(",", group)
    if rest or always_cents:
        text += f"{decimal}{rest:02d}"
    return text


@settings(max_examples=300)
@given(AMOUNTS, GROUPING, st.booleans(), SUFFIX, st.booleans())
def test_every_amount_up_to_ten_billion_euros_reads_back_however_it_is_spelled(
    cents: int, group: str, always_cents: bool, suffix: str, padded: bool
) -> None:
    text = spelled(cents, group, ",", always_cents) + suffix
    if padded:
        text = f"  {text} "
    assert Money.parse(text).cents == cents
    # Dots as thousands separators with a decimal comma (« 1.234.567,89 »).
    assert Money.parse(spelled(cents, ".", ",", True)).cents == cents
    # The workbook reader agrees with the form on every one of these spellings.
    assert read_amount(text) is not None
    assert read_amount(text).money.cents == cents  # type: ignore[union-attr]


@settings(max_examples=200)
@given(AMOUNTS)
def test_display_and_spreadsheet_numbers_round_trip_up_to_ten_billion_euros(cents: int) -> None:
    money = Money(cents)
    for shown in (money.format(), money.format(cents=True), money.format(space=" ")):
        assert Money.parse(shown) == money
    assert Money.from_euros(money.to_decimal()) == money
    # A spreadsheet hands amounts over as floats: every two-decimal one up to 10^12 cents
    # comes back exact (doubles carry 15 significant digits).
    reading = read_amount(float(money.to_decimal()))
    assert reading is not None and reading.money == money


@settings(max_examples=100)
@given(st.integers(min_value=1, max_value=10**12), st.sampled_from(["-", "−"]))
def test_negative_amounts_are_always_refused_never_read_as_positive(cents: int, minus: str) -> None:
    shown = Money(-cents).format().replace("-", minus)
    with pytest.raises(ValidationError, match="négatif"):
        Money.parse(shown)
    with pytest.raises(CellError, match="négatif"):
        read_amount(shown)


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_any_text_is_an_amount_or_a_french_refusal_naming_the_field(text: str) -> None:
    try:
        money = Money.parse(text, field="Montant accordé")
    except ValidationError as error:
        assert error.field == "Montant accordé"
        assert error.message.startswith("Montant accordé : ")
    else:
        assert 0 <= money.cents < MAX_CENTS
    try:
        read_amount(text)
    except CellError as error:
        assert error.reason
