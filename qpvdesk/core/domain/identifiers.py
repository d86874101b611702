"""French public identifiers of organisations: SIREN, SIRET and RNA, checked with French messages.

Each ``validate_*`` function returns the canonical form (no spaces, upper case)
or raises `ValidationError` saying precisely what is wrong, so that the form
can show it beside the field.
"""

from __future__ import annotations

import re

from qpvdesk.core.errors import ValidationError

SIREN_LENGTH = 9
SIRET_LENGTH = 14
RNA_LENGTH = 10
# La Poste's establishments were numbered before the Luhn key was imposed: INSEE
# accepts them when the sum of their 14 digits is a multiple of 5.
LA_POSTE_SIREN = "356000000"

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009._-]+")
_ORDINAL = {1: "1er"}


def _compact(text: str) -> str:
    return _SPACES.sub("", text or "")


def _ordinal(position: int) -> str:
    return _ORDINAL.get(position, f"{position}e")


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count <= 1 else many}"


def luhn_sum(digits: str) -> int:
    """Luhn sum of *digits* (every second digit from the right doubled), modulo 10."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10


def luhn_is_valid(digits: str) -> bool:
    """True when *digits* (all decimal digits) carry a correct Luhn key."""
    return bool(digits) and digits.isdigit() and luhn_sum(digits) == 0


def luhn_complete(digits: str) -> str:
    """*digits* followed by the Luhn key that makes them valid (to build test numbers)."""
    return digits + str((10 - luhn_sum(digits + "0")) % 10)


def _digits_only(value: str, field: str) -> None:
    for position, char in enumerate(value, 1):
        if not char.isdigit() or not char.isascii():
            raise ValidationError(
                f"{field} : seuls des chiffres sont attendus (« {char} » en "
                f"{_ordinal(position)} position).",
                field,
            )


def _length(value: str, expected: int, field: str) -> None:
    if len(value) != expected:
        raise ValidationError(
            f"{field} : {expected} chiffres attendus ({len(value)} saisi"
            f"{'' if len(value) <= 1 else 's'}).",
            field,
        )


def validate_siren(text: str) -> str:
    """The 9-digit SIREN of *text* (spaces allowed), its Luhn key checked."""
    field = "SIREN"
    value = _compact(text)
    if not value:
        raise ValidationError(f"{field} : indiquez les 9 chiffres du numéro.", field)
    _digits_only(value, field)
    _length(value, SIREN_LENGTH, field)
    if not luhn_is_valid(value):
        raise ValidationError(
            f"{field} : la clé de contrôle est fausse (vérifiez la saisie).", field
        )
    return value


def siret_is_valid(value: str) -> bool:
    """True for 14 digits with a correct key (Luhn, or La Poste's sum of digits)."""
    if len(value) != SIRET_LENGTH or not value.isdigit() or not value.isascii():
        return False
    if luhn_is_valid(value):
        return True
    return value.startswith(LA_POSTE_SIREN) and sum(int(c) for c in value) % 5 == 0


def validate_siret(text: str) -> str:
    """The 14-digit SIRET of *text* (spaces allowed), its key checked (La Poste handled)."""
    field = "SIRET"
    value = _compact(text)
    if not value:
        raise ValidationError(f"{field} : indiquez les 14 chiffres du numéro.", field)
    _digits_only(value, field)
    if len(value) == SIREN_LENGTH:
        raise ValidationError(
            f"{field} : 14 chiffres attendus (9 saisis : c'est un SIREN ; ajoutez les "
            "5 chiffres du NIC de l'établissement).",
            field,
        )
    _length(value, SIRET_LENGTH, field)
    if not siret_is_valid(value):
        raise ValidationError(
            f"{field} : la clé de contrôle est fausse (vérifiez la saisie).", field
        )
    return value


def format_siret(value: str) -> str:
    """``243 400 355 00012``: SIREN in groups of three, then the NIC."""
    if len(value) != SIRET_LENGTH:
        return value
    return f"{value[0:3]} {value[3:6]} {value[6:9]} {value[9:]}"


def validate_rna(text: str) -> str:
    """The RNA number of an association: ``W`` and 9 characters, returned upper-case.

    The 3 characters after the ``W`` are the code of the prefecture that
    registered it: digits, or a digit then a letter in Corsica (``W2A``,
    ``W2B``) and overseas (``W9T``, ``W9M``…). The last 6 are digits.
    """
    field = "RNA"
    value = _compact(text).upper()
    if not value:
        raise ValidationError(f"{field} : indiquez le numéro (W suivi de 9 caractères).", field)
    if value[0] != "W":
        raise ValidationError(
            f"{field} : le numéro commence par la lettre W (saisi : « {value[0]} »). "
            "Un numéro à 14 chiffres est un SIRET.",
            field,
        )
    if len(value) != RNA_LENGTH:
        count = len(value) - 1
        raise ValidationError(
            f"{field} : W suivi de 9 caractères attendu ({_plural(count, 'saisi', 'saisis')} "
            "après le W).",
            field,
        )
    for position, char in enumerate(value[1:], 2):
        if not char.isascii() or not char.isalnum():
            raise ValidationError(
                f"{field} : caractère « {char} » inattendu en {_ordinal(position)} position.",
                field,
            )
    prefecture, serial = value[1:4], value[4:]
    if not prefecture[0].isdigit():
        raise ValidationError(
            f"{field} : le code de préfecture après le W commence par un chiffre "
            f"(« {prefecture} » saisi).",
            field,
        )
    letters = [c for c in prefecture if c.isalpha()]
    if len(letters) > 1:
        raise ValidationError(
            f"{field} : le code de préfecture « {prefecture} » contient plusieurs lettres "
            "(une seule est possible, comme dans W2A, W2B ou W9T).",
            field,
        )
    for position, char in enumerate(serial, 5):
        if not char.isdigit():
            raise ValidationError(
                f"{field} : le {_ordinal(position)} caractère doit être un chiffre "
                f"(« {char} » saisi) ; seuls les 3 caractères après le W peuvent "
                "contenir une lettre.",
                field,
            )
    return value
