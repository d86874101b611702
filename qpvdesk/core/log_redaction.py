"""Personal data never reaches a log: e-mail addresses, phone numbers and SQL parameters masked.

`RedactingFilter` rewrites each record before any handler formats it: the message
with its arguments merged, the traceback and the stack. It is set on every handler
(a filter on the root logger would miss the records of child loggers): by the
window's log file (`qpvdesk.ui.crash`) and by the command line's stderr.
"""

from __future__ import annotations

import logging
import re
import sys

#: An e-mail address within free text (also refused in the text of decisions: `meetings`).
EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
# SQLAlchemy's "[parameters: …]" repeats the values the user typed.
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\]", re.DOTALL)
_EXCEPTIONS = logging.Formatter()


def redact(text: str) -> str:
    """The text with e-mail addresses, phone numbers and SQL parameters masked."""
    text = _SQL_PARAMETERS.sub("[parameters: masqués]", text)
    text = EMAIL_IN_TEXT.sub("<courriel>", text)
    return _PHONE.sub("<téléphone>", text)


class RedactingFilter(logging.Filter):
    """Masks personal data in the record itself, whatever formatter comes next."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = _EXCEPTIONS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def redacting(handler: logging.Handler) -> logging.Handler:
    """*handler* with a `RedactingFilter` (added once)."""
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())
    return handler


class _StderrHandler(logging.Handler):
    """Writes to the current ``sys.stderr`` (which tests and pipes replace)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def log_warnings_to_stderr() -> logging.Handler:
    """The command line's logging: warnings and errors on stderr, masked (installed once)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, _StderrHandler):
            return handler
    handler = redacting(_StderrHandler(logging.WARNING))
    handler.setFormatter(logging.Formatter("qpvdesk : %(levelname)s %(name)s : %(message)s"))
    root.addHandler(handler)
    return handler
