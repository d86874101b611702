"""The register of GDPR erasures, kept in a file beside the data file, outside the backups.

A backup taken before an erasure still holds the person: when it is restored, the
erasures listed here are applied again (`contact_privacy.reapply_erasures`). The
register itself holds no personal data: the contact's number, the date, and salted
fingerprints (PBKDF2) of the address and of the name, so that an erasure is applied
again only to the same person and never to a later contact given the same number.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from qpvdesk.core.atomic_write import write_atomically
from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import StorageError, UserFacingError

REGISTER_SUFFIX = "-effacements.json"
FORMAT_VERSION = 1
# Slows down guessing an address from its fingerprint; one erasure costs milliseconds.
ITERATIONS = 200_000


@dataclass(frozen=True, slots=True)
class Erasure:
    """One erased contact."""

    contact_id: int
    erased_on: date
    fingerprints: frozenset[str]


def register_path(db_path: Path) -> Path:
    """``<folder>/<stem>-effacements.json`` beside the data file (backups go in ``backups/``)."""
    return db_path.with_name(db_path.stem + REGISTER_SUFFIX)


def identity_keys(email: str | None, first_name: str | None, last_name: str | None) -> list[str]:
    """The normalised identity strings a fingerprint is taken of (address, full name)."""
    keys = []
    if email and email.strip():
        keys.append("email:" + email.strip().casefold())
    name = " ".join(part for part in (first_name, last_name) if part)
    if name.strip():
        keys.append("name:" + fold(name))
    return keys


class ErasureRegister:
    """The register of one data file: read, append, match."""

    def __init__(self, path: Path, salt: bytes, erasures: list[Erasure]) -> None:
        self.path = path
        self._salt = salt
        self.erasures = erasures

    @classmethod
    def load(cls, db_path: Path) -> ErasureRegister:
        """The register beside *db_path* (empty, with a new salt, when there is none yet)."""
        path = register_path(db_path)
        if not path.exists():
            return cls(path, secrets.token_bytes(16), [])
        try:
            payload: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            erasures = [
                Erasure(
                    contact_id=int(item["contact_id"]),
                    erased_on=date.fromisoformat(item["erased_on"]),
                    fingerprints=frozenset(item["fingerprints"]),
                )
                for item in payload["erasures"]
            ]
            return cls(path, bytes.fromhex(payload["salt"]), erasures)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise StorageError(
                f"Le registre des effacements « {path} » est illisible ({error}) : "
                "rien n'a été modifié."
            ) from error

    def fingerprint(self, key: str) -> str:
        digest = hashlib.pbkdf2_hmac("sha256", key.encode("utf-8"), self._salt, ITERATIONS)
        return digest.hex()

    def fingerprints(self, keys: list[str]) -> frozenset[str]:
        return frozenset(self.fingerprint(key) for key in keys)

    def matches(self, erasure: Erasure, keys: list[str]) -> bool:
        """Whether a contact with these identity keys is the person *erasure* erased."""
        return bool(erasure.fingerprints & self.fingerprints(keys))

    def add(self, contact_id: int, keys: list[str], erased_on: date) -> bool:
        """Record an erasure and write the file; False when it was already recorded."""
        prints = self.fingerprints(keys)
        if not prints:
            return False
        for known in self.erasures:
            if known.contact_id == contact_id and prints <= known.fingerprints:
                return False
        self.erasures.append(Erasure(contact_id, erased_on, prints))
        self.save()
        return True

    def remove_last(self) -> None:
        """Forget the last erasure (its transaction did not commit)."""
        if self.erasures:
            self.erasures.pop()
            self.save()

    def save(self) -> None:
        payload = {
            "version": FORMAT_VERSION,
            "salt": self._salt.hex(),
            "erasures": [
                {
                    "contact_id": item.contact_id,
                    "erased_on": item.erased_on.isoformat(),
                    "fingerprints": sorted(item.fingerprints),
                }
                for item in self.erasures
            ],
        }
        text = json.dumps(payload, indent=2)
        try:
            write_atomically(text.encode("utf-8"), self.path, "Le registre des effacements")
        except UserFacingError as error:
            raise StorageError(f"{error.message} L'effacement n'a pas été fait.") from error
