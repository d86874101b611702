"""Errors the user can understand and act on, kept apart from bugs.

A `UserFacingError` carries a French message meant to be shown as is (dialog,
CLI one-liner). Anything else is a bug: logged, and shown as such.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message (French) is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(UserFacingError):
    """Bad input: names the field, row or file and changes nothing."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class StorageError(UserFacingError):
    """The data file cannot be used as asked (missing, damaged, locked, read-only, full)."""


class UnusableFileError(StorageError):
    """The file is not a sound qpvdesk file this version can open (damaged, foreign, too new).

    It is left untouched; a backup of it, if there is one, may be put back in its place.
    """


class DatabaseLockedError(StorageError):
    """Another process holds the file's lock."""

    def __init__(self, message: str, host: str, pid: int, since: str) -> None:
        super().__init__(message)
        self.host = host
        self.pid = pid
        self.since = since
