"""Which data file the window starts on, decided before anything heavy is imported."""

from __future__ import annotations

from pathlib import Path


def start_file(db_path: Path | None, last_file: Path | None, default_file: Path,
               demo_file: Path) -> Path:
    """The file to open: *db_path* when given, else the last one opened, else the default.

    Without *db_path*, the file she worked on last (*last_file*, from the recent files) is
    opened again when it is still there, as an editor reopens its last document; otherwise
    *default_file*. The demonstration (*demo_file*) is never reopened that way: it is no file
    of hers. When the result does not exist, opening it asks questions first (`opening.py`).
    """
    if db_path is not None:
        return db_path.expanduser().absolute()
    if (last_file is not None and last_file.is_file()
            and last_file.absolute() != demo_file.absolute()):
        return last_file
    return default_file
