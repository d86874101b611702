"""SIREN, SIRET and RNA checks: real public numbers, every French message, round trips."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qpvdesk.core.domain.identifiers import (
    LA_POSTE_SIREN,
    format_siret,
    luhn_complete,
    luhn_is_valid,
    siret_is_valid,
    validate_rna,
    validate_siren,
    validate_siret,
)
from qpvdesk.core.errors import ValidationError

# Communauté de communes du Clermontais (from the State's open data); the NIC 00018 is the
# one the Luhn key allows after 0001, computed here rather than assumed.
CLERMONTAIS_SIREN = "243400355"
CLERMONTAIS_SIRET = luhn_complete(CLERMONTAIS_SIREN + "0001")
LA_POSTE_HEAD_OFFICE = "35600000000048"
# La Poste establishments: no Luhn key, the sum of their digits is a multiple of 5.
LA_POSTE_ESTABLISHMENTS = ("35600000049837", "35600000024221")

digits = st.text(alphabet="0123456789", min_size=13, max_size=13)


def message(call: object, *args: str) -> str:
    with pytest.raises(ValidationError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value.message


def test_the_intercommunalitys_siren_and_a_siret_built_on_it_are_valid() -> None:
    assert validate_siren("243 400 355") == CLERMONTAIS_SIREN
    assert CLERMONTAIS_SIRET == "24340035500018"
    assert validate_siret("243 400 355 00018") == CLERMONTAIS_SIRET
    assert validate_siret(" 243\u00a0400\u00a0355\u00a000018 ") == CLERMONTAIS_SIRET
    assert format_siret(CLERMONTAIS_SIRET) == "243 400 355 00018"


def test_la_poste_head_office_passes_luhn_and_its_establishments_pass_by_the_sum_of_digits() -> (
    None
):
    assert luhn_is_valid(LA_POSTE_HEAD_OFFICE)
    assert validate_siret("356 000 000 00048") == LA_POSTE_HEAD_OFFICE
    for siret in LA_POSTE_ESTABLISHMENTS:
        assert not luhn_is_valid(siret)
        assert sum(int(c) for c in siret) % 5 == 0
        assert validate_siret(siret) == siret
    # One digit off: the sum is no longer a multiple of 5.
    assert not siret_is_valid("35600000049838")
    assert "clé de contrôle" in message(validate_siret, "35600000049838")


def test_the_la_poste_rule_does_not_apply_to_other_companies() -> None:
    # Same digit sum as a valid La Poste number, but another SIREN: Luhn alone decides.
    candidate = "24340035500013"
    assert not luhn_is_valid(candidate)
    assert sum(int(c) for c in candidate) % 5 == 0
    assert not siret_is_valid(candidate)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("243 400 355 000", "SIRET : 14 chiffres attendus (12 saisis)."),
        ("2434003550001899", "SIRET : 14 chiffres attendus (16 saisis)."),
        ("24340035500019", "SIRET : la clé de contrôle est fausse (vérifiez la saisie)."),
        ("", "SIRET : indiquez les 14 chiffres du numéro."),
        (
            "2434OO35500018",
            "SIRET : seuls des chiffres sont attendus (« O » en 5e position).",
        ),
        (
            "243400355",
            "SIRET : 14 chiffres attendus (9 saisis : c'est un SIREN ; ajoutez les 5 chiffres "
            "du NIC de l'établissement).",
        ),
    ],
)
def test_siret_messages(typed: str, expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_siret(typed)
    assert caught.value.message == expected
    assert caught.value.field == "SIRET"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("24340035", "SIREN : 9 chiffres attendus (8 saisis)."),
        ("243400356", "SIREN : la clé de contrôle est fausse (vérifiez la saisie)."),
        ("", "SIREN : indiquez les 9 chiffres du numéro."),
        ("A43400355", "SIREN : seuls des chiffres sont attendus (« A » en 1er position)."),
    ],
)
def test_siren_messages(typed: str, expected: str) -> None:
    assert message(validate_siren, typed) == expected


def test_rna_numbers_are_upper_cased_and_may_carry_a_letter_in_the_prefecture_code() -> None:
    assert validate_rna("w343001234") == "W343001234"
    assert validate_rna("W 343 001 234") == "W343001234"
    assert validate_rna("W2A1000123") == "W2A1000123"
    assert validate_rna("W2B2004567") == "W2B2004567"
    assert validate_rna("W9T1000001") == "W9T1000001"
    assert validate_rna("W9M2001234") == "W9M2001234"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", "RNA : indiquez le numéro (W suivi de 9 caractères)."),
        (
            "343001234",
            "RNA : le numéro commence par la lettre W (saisi : « 3 »). "
            "Un numéro à 14 chiffres est un SIRET.",
        ),
        ("W34300123", "RNA : W suivi de 9 caractères attendu (8 saisis après le W)."),
        ("W3430012345", "RNA : W suivi de 9 caractères attendu (10 saisis après le W)."),
        ("W", "RNA : W suivi de 9 caractères attendu (0 saisi après le W)."),
        (
            "W34300123A",
            "RNA : le 10e caractère doit être un chiffre (« A » saisi) ; seuls les 3 "
            "caractères après le W peuvent contenir une lettre.",
        ),
        (
            "WA21000123",
            "RNA : le code de préfecture après le W commence par un chiffre (« A21 » saisi).",
        ),
        (
            "W9AB000123",
            "RNA : le code de préfecture « 9AB » contient plusieurs lettres (une seule est "
            "possible, comme dans W2A, W2B ou W9T).",
        ),
        ("W343#01234", "RNA : caractère « # » inattendu en 5e position."),
    ],
)
def test_rna_messages(typed: str, expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_rna(typed)
    assert caught.value.message == expected
    assert caught.value.field == "RNA"


@given(digits)
def test_any_luhn_completed_number_round_trips_through_format_and_validate(prefix: str) -> None:
    siret = luhn_complete(prefix)
    assert validate_siret(siret) == siret
    assert validate_siret(format_siret(siret)) == siret
    assert validate_siret(" ".join(siret)) == siret


@given(digits, st.integers(min_value=0, max_value=13), st.integers(min_value=1, max_value=9))
def test_a_single_mistyped_digit_is_always_caught(prefix: str, index: int, shift: int) -> None:
    siret = luhn_complete(prefix)
    wrong = siret[:index] + str((int(siret[index]) + shift) % 10) + siret[index + 1 :]
    if wrong.startswith("356000000"):
        return  # La Poste's own rule may accept it: that is INSEE's exception, not a miss
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_siret(wrong)


@given(
    st.sampled_from(["34", "75", "2A", "2B", "9T", "9M", "97"]),
    st.text(alphabet="0123456789", min_size=7, max_size=7),
)
def test_rna_round_trip(prefecture: str, serial: str) -> None:
    number = f"W{prefecture}{serial}"
    assert validate_rna(number) == number
    assert validate_rna(f" {number.lower()[:4]} {number[4:]} ") == number


# --- generated numbers: valid ones pass, one slip is caught, anything else gets French -----

siren_prefix = st.text(alphabet="0123456789", min_size=8, max_size=8)


@settings(max_examples=200)
@given(siren_prefix, st.integers(min_value=0, max_value=8), st.integers(min_value=1, max_value=9))
def test_every_generated_siren_passes_and_any_single_digit_change_is_refused(
    prefix: str, index: int, shift: int
) -> None:
    siren = luhn_complete(prefix)
    assert validate_siren(siren) == siren
    assert validate_siren(f"{siren[:3]} {siren[3:6]} {siren[6:]}") == siren
    wrong = siren[:index] + str((int(siren[index]) + shift) % 10) + siren[index + 1 :]
    assert "clé de contrôle" in message(validate_siren, wrong)


@settings(max_examples=200)
@given(digits, st.integers(min_value=0, max_value=12))
def test_two_swapped_neighbouring_digits_are_caught(prefix: str, index: int) -> None:
    siret = luhn_complete(prefix)
    pair = siret[index : index + 2]
    swapped = siret[:index] + pair[::-1] + siret[index + 2 :]
    # Luhn's one blind spot: « 09 » ↔ « 90 »; equal digits change nothing.
    if pair[0] == pair[1] or set(pair) == {"0", "9"} or swapped.startswith(LA_POSTE_SIREN):
        return
    assert not siret_is_valid(swapped)


@settings(max_examples=200)
@given(st.text(alphabet="0123456789", min_size=5, max_size=5))
def test_la_poste_establishments_pass_exactly_when_their_digits_sum_to_a_multiple_of_5(
    nic: str,
) -> None:
    siret = LA_POSTE_SIREN + nic
    expected = luhn_is_valid(siret) or sum(int(c) for c in siret) % 5 == 0
    assert siret_is_valid(siret) is expected


@settings(max_examples=300)
@given(st.text(max_size=20))
def test_any_text_is_a_canonical_number_or_a_french_refusal(text: str) -> None:
    for check, field, shape in (
        (validate_siret, "SIRET", r"\d{14}"),
        (validate_siren, "SIREN", r"\d{9}"),
        (validate_rna, "RNA", r"W\d[0-9A-Z]{2}\d{6}"),
    ):
        try:
            value = check(text)
        except ValidationError as error:
            assert error.field == field
            assert error.message.startswith(f"{field} : ")
        else:
            assert re.fullmatch(shape, value), (field, text, value)
            assert check(value) == value


@settings(max_examples=200)
@given(
    st.text(alphabet="0123456789", min_size=1, max_size=1),
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.integers(min_value=4, max_value=9),
    st.sampled_from("ABCXYZ#-é "),
)
def test_rna_serials_are_six_digits_a_letter_among_them_is_refused(
    first: str, rest: str, serial: str, index: int, intruder: str
) -> None:
    number = f"W{first}{rest}{serial}"
    letters = sum(c.isalpha() for c in rest)
    if letters > 1:
        assert "plusieurs lettres" in message(validate_rna, number)
        return
    assert validate_rna(number) == number
    wrong = number[:index] + intruder + number[index + 1 :]
    with pytest.raises(ValidationError) as caught:
        validate_rna(wrong)
    assert caught.value.field == "RNA"
