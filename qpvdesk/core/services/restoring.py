"""Restoring a backup, from the window or the command line, and undoing a restore.

A restore keeps the file it replaces beside it (``…-avant-restauration-…``): that
file is offered with the backups, and « Annuler la dernière restauration » puts the
newest one back, which is itself a restore (the undone state is kept aside in turn).
After every restore, the GDPR erasures of the register are applied again before
anyone sees the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.services.contact_privacy import reapply_erasures
from qpvdesk.core.storage.backups import BackupInfo, list_backups, list_set_aside
from qpvdesk.core.storage.database import open_database, restore_database


@dataclass(frozen=True, slots=True)
class RestoreOutcome:
    """Where the replaced file was kept, and the contacts erased again."""

    aside: Path | None
    erased_again: tuple[int, ...]

    def summary(self) -> list[str]:
        lines = []
        if self.aside is not None:
            lines.append(f"L'ancien fichier est conservé : {self.aside}")
        if self.erased_again:
            count = len(self.erased_again)
            lines.append(
                f"Effacement (RGPD) refait pour {count} contact{'s' if count > 1 else ''} "
                "que cette sauvegarde contenait encore."
            )
        return lines


def restore_points(db_path: Path) -> list[BackupInfo]:
    """The backups of *db_path* and the files restores set aside, newest first."""
    points = list_backups(db_path) + list_set_aside(db_path)
    return sorted(points, key=lambda info: (info.taken_at, info.sequence), reverse=True)


def last_set_aside(db_path: Path) -> BackupInfo | None:
    """What the file held before the last restore, if it is still there."""
    aside = list_set_aside(db_path)
    return aside[0] if aside else None


def restore(db_path: Path, backup_file: Path) -> RestoreOutcome:
    """Put *backup_file* in place of *db_path* (kept aside), then erase again whom the
    register says. The file must not be open (the window closes it first)."""
    aside = restore_database(db_path, backup_file)
    try:
        database = open_database(db_path, backup_on_open=False)
        try:
            erased = reapply_erasures(database)
        finally:
            database.close()
    except UserFacingError as error:
        if aside is None:
            raise
        # Nobody may see erased people again: the file goes back as it was.
        copy_of_backup = restore_database(db_path, aside)
        if copy_of_backup is not None:
            copy_of_backup.unlink(missing_ok=True)
        raise UserFacingError(
            f"La restauration a été annulée, la base est restée telle quelle : {error.message}"
        ) from error
    return RestoreOutcome(aside, tuple(erased))


def undo_last_restore(db_path: Path) -> RestoreOutcome:
    """Put back the file the last restore set aside (the current one is kept aside in turn)."""
    last = last_set_aside(db_path)
    if last is None:
        raise UserFacingError(
            f"Aucune restauration à annuler : pas de fichier « …-avant-restauration-… » "
            f"à côté de « {db_path.name} »."
        )
    return restore(db_path, last.path)
