"""The `apij` logger and a filter that scrubs live credentials from any log record it sees."""

from __future__ import annotations

import logging
import threading
from collections import Counter

__all__ = ["LOGGER", "RedactingFilter", "forget_secret", "remember_secret"]

LOGGER = logging.getLogger("apij")

_lock = threading.Lock()
# Secrets in use: API keys of open clients, tokens of calls in flight.
_live: Counter[str] = Counter()


def remember_secret(secret: str) -> None:
    """Register a credential for redaction while it is in use."""
    with _lock:
        _live[secret] += 1


def forget_secret(secret: str) -> None:
    """Drop one registration of a credential (calls and clients pair remember/forget)."""
    with _lock:
        _live[secret] -= 1
        if _live[secret] <= 0:
            del _live[secret]


class RedactingFilter(logging.Filter):
    """Replace every live API key and FranceConnect token in a record's message with '***'.

    The face never logs a credential; this is the safety net. It is installed on the `apij`
    logger; attach it to your handlers too to cover other libraries' records (httpx, yours).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        with _lock:
            secrets = list(_live)
        if not secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in secrets:
            redacted = redacted.replace(secret, "***")
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Format the traceback now, so the text handlers print is scrubbed too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            for secret in secrets:
                record.exc_text = record.exc_text.replace(secret, "***")
        return True


LOGGER.addFilter(RedactingFilter())
# A library never prints on its own: without this, Python's last-resort handler would write the
# retry warnings to stderr of every application (and CLI) that has not configured logging.
LOGGER.addHandler(logging.NullHandler())
