"""Writing a whole file or nothing: a temporary file beside it, fsynced, then renamed over it.

Kept apart from the reports (ReportLab) so that the e-mail drafts, the personal-data
exports and the erasure register write their files without loading a PDF library.
"""

from __future__ import annotations

import os
from pathlib import Path

from qpvdesk.core.errors import UserFacingError


def write_atomically(data: bytes, path: Path, what: str = "Le fichier") -> Path:
    """Write *data* to *path* through a temporary file and a rename (never half a file).

    A file held open by another program (a PDF in Acrobat, on Windows) or a
    read-only folder raises a `UserFacingError` in French; nothing is left behind.
    """
    target = Path(path).expanduser().absolute()
    name = f"« {target.name} »"
    if not target.parent.is_dir():
        raise UserFacingError(
            f"{what} {name} ne peut pas être écrit : le dossier « {target.parent} » n'existe pas."
        )
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except PermissionError:
        temporary.unlink(missing_ok=True)
        raise UserFacingError(
            f"{what} {name} est ouvert dans un autre programme (lecteur PDF, messagerie…) "
            "ou le dossier est protégé en écriture : fermez-le, puis recommencez."
        ) from None
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise UserFacingError(
            f"{what} {name} n'a pas pu être écrit : {error.strerror or error}."
        ) from None
    return target
