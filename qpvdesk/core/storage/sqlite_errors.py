"""Turn SQLite's result codes into French messages the user can act on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from qpvdesk.core.errors import StorageError

#: Extended codes whose meaning differs from their base code's.
_EXACT = {
    # No room left for the shared-memory file a WAL database needs, even to be read.
    "SQLITE_IOERR_SHMSIZE": "Le disque est plein : qpvdesk ne peut plus ni lire ni enregistrer "
    "{name}. Libérez de la place puis recommencez.",
}
_MESSAGES = {
    "SQLITE_FULL": "Le disque est plein : la dernière modification n'a pas été enregistrée. "
    "Libérez de la place puis recommencez.",
    "SQLITE_READONLY": "Le fichier {name} est en lecture seule : "
    "aucune modification n'est possible.",
    "SQLITE_BUSY": "Le fichier {name} est occupé par un autre programme. "
    "Réessayez dans un instant.",
    "SQLITE_LOCKED": "Le fichier {name} est occupé par un autre programme. "
    "Réessayez dans un instant.",
    "SQLITE_IOERR": "Erreur de lecture ou d'écriture sur le disque pour {name}. "
    "Vérifiez le support (clé USB retirée, réseau coupé ?).",
    "SQLITE_CORRUPT": "Le fichier {name} est endommagé. Restaurez la dernière sauvegarde.",
    "SQLITE_NOTADB": "Le fichier {name} n'est pas une base qpvdesk "
    "(ce n'est pas un fichier SQLite).",
    "SQLITE_CANTOPEN": "Impossible d'ouvrir le fichier {name} : vérifiez qu'il existe et que "
    "vous avez le droit d'y accéder.",
    "SQLITE_PERM": "Accès refusé au fichier {name}.",
}


def translate(error: BaseException, path: Path | None = None) -> StorageError | None:
    """A `StorageError` for a known SQLite failure, or None when it is a bug."""
    original = getattr(error, "orig", None) or error
    if not isinstance(original, sqlite3.Error):
        return None
    code_name = getattr(original, "sqlite_errorname", "") or ""
    name = f"« {path.name} »" if path else ""
    if code_name in _EXACT:
        return StorageError(_EXACT[code_name].format(name=name))
    # Extended codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED…) share the base message.
    for base, message in _MESSAGES.items():
        if code_name == base or code_name.startswith(base + "_"):
            return StorageError(message.format(name=name))
    return None
