"""The command line's log on stderr masks e-mail addresses too."""

from __future__ import annotations

import logging

import pytest

from qpvdesk.core.log_redaction import log_warnings_to_stderr


def test_cli_warnings_reach_stderr_masked(capsys: pytest.CaptureFixture[str]) -> None:
    handler = log_warnings_to_stderr()
    try:
        assert log_warnings_to_stderr() is handler  # installed once
        logging.getLogger("qpvdesk.core.storage.backups").warning(
            "Could not send to %s", "anne.durand@prefecture.example.org"
        )
        logging.getLogger("qpvdesk.core").info("not shown: %s", "x@y.example")
    finally:
        logging.getLogger().removeHandler(handler)
    err = capsys.readouterr().err
    assert "Could not send to <courriel>" in err
    assert "@" not in err and "not shown" not in err
