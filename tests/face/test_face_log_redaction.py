"""The redacting filter also scrubs the traceback text a handler prints for logged exceptions."""

from __future__ import annotations

import io
import logging

from apij._log import LOGGER, forget_secret, remember_secret

SECRET = "TRACEBACKCANARY-6e1f0b"


def test_logged_exception_text_is_scrubbed() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    LOGGER.addHandler(handler)
    previous = LOGGER.level
    LOGGER.setLevel(logging.ERROR)
    remember_secret(SECRET)
    try:
        try:
            raise RuntimeError(f"a hook failed while holding {SECRET}")
        except RuntimeError:
            LOGGER.exception("on_attempt hook raised")
    finally:
        forget_secret(SECRET)
        LOGGER.removeHandler(handler)
        LOGGER.setLevel(previous)
    printed = stream.getvalue()
    assert "on_attempt hook raised" in printed
    assert "RuntimeError: a hook failed while holding ***" in printed
    assert SECRET not in printed
