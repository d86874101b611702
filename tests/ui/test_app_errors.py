"""Errors: user errors as French dialogs, bugs logged without personal data, session kept."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import pytest

from qpvdesk.core.errors import ValidationError
from qpvdesk.core.log_redaction import RedactingFilter, redact
from qpvdesk.ui.crash import make_excepthook, setup_logging


def _raised(error: BaseException) -> tuple[type[BaseException], BaseException, Any]:
    try:
        raise error
    except BaseException:
        kind, value, trace = sys.exc_info()
        assert kind is not None and value is not None
        return kind, value, trace


def test_user_facing_error_becomes_a_french_dialog(messenger: Any, tmp_path: Path) -> None:
    hook = make_excepthook(messenger, tmp_path / "qpvdesk.log")
    hook(*_raised(ValidationError("Intitulé : l'intitulé ne peut pas être vide.")))
    assert messenger.warnings == ["Intitulé : l'intitulé ne peut pas être vide."]
    assert messenger.crashes == []


def test_unexpected_error_is_logged_and_reported(messenger: Any, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    log_file = tmp_path / "qpvdesk.log"
    hook = make_excepthook(messenger, log_file)
    with caplog.at_level(logging.ERROR, logger="qpvdesk.ui"):
        hook(*_raised(RuntimeError("boom")))
    assert messenger.crashes == [log_file]
    assert "Traceback" in caplog.text and "RuntimeError: boom" in caplog.text


def test_personal_data_is_masked_in_the_log() -> None:
    text = ("contact marie.durand@asso-exemple.fr, tél. 06 12 34 56 78\n"
            "[SQL: INSERT INTO contact ...]\n[parameters: ('Marie', 'Durand')]")
    masked = redact(text)
    assert "marie.durand" not in masked and "06 12 34 56 78" not in masked
    assert "Durand" not in masked
    assert "<courriel>" in masked and "<téléphone>" in masked


def test_the_filter_masks_the_traceback_too() -> None:
    formatter = logging.Formatter("%(message)s")
    try:
        raise ValueError("unknown address jean@example.org")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None,
                                   sys.exc_info())
    assert RedactingFilter().filter(record)
    output = formatter.format(record)
    assert "jean@example.org" not in output
    assert "ValueError" in output and "<courriel>" in output


def test_the_log_file_never_holds_an_address(tmp_path: Path) -> None:
    log_file = setup_logging(tmp_path)
    root = logging.getLogger()
    handler = next(h for h in root.handlers
                   if getattr(h, "baseFilename", None) == str(log_file))
    try:
        logging.getLogger("qpvdesk.core.services").warning(
            "Contact %s not found (%s)", "claire.martin@mairie.example", "tél. 06 12 34 56 78")
        try:
            raise KeyError("paul@ville.example")
        except KeyError:
            logging.getLogger("qpvdesk.ui").exception("Failed for %s", "paul@ville.example")
        handler.flush()
    finally:
        root.removeHandler(handler)
        handler.close()
    written = log_file.read_text(encoding="utf-8")
    assert "Contact <courriel> not found (tél. <téléphone>)" in written
    assert "Failed for <courriel>" in written and "KeyError" in written
    assert "@" not in written and "06 12 34 56 78" not in written
