"""Logging configuration, with a filter that keeps personal data out of every line."""

from __future__ import annotations

import logging
import sys

from app.masking import mask_for_log

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Renders tracebacks into text, so that the text can be masked before output.
_TRACEBACK_FORMATTER = logging.Formatter()


class PersonalDataFilter(logging.Filter):
    """Mask NIK, phone numbers, e-mail and IP addresses in the formatted message.

    Code must not log personal data in the first place. This filter is the
    second line of defence, for values that reach a message by accident.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_for_log(message)
        if masked != message:
            record.msg = masked
            record.args = ()
        # An exception's text, such as a database error's DETAIL line, can repeat
        # the values of a row. The formatter prints exc_text when it is set.
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACK_FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_for_log(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_for_log(record.stack_info)
        if not hasattr(record, "request_id"):
            record.request_id = _current_request_id()
        return True


def _current_request_id() -> str:
    try:
        from flask import g
        from flask import has_request_context

        if has_request_context():
            return getattr(g, "request_id", "-")
    except ImportError:
        pass
    return "-"


def configure_logging(level: str = "INFO") -> None:
    """Send records of every logger to stderr through the personal-data filter. Idempotent."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_peta_aduan", False):
            root.setLevel(level)
            return
    handler = logging.StreamHandler(sys.stderr)
    handler._peta_aduan = True
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(PersonalDataFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # Werkzeug's access log starts with the client address; ours logs requests instead.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
