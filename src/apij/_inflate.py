"""Bounded gzip/deflate inflation: the one inflater of the face's body reader and the proxy.

A small compressed body may inflate to gigabytes (a gzip bomb). The inflater never produces
more than `STEP` bytes at once and counts what it produced: past `limit` decoded bytes it stops
with `TooLarge`, so no more than `limit` + `STEP` bytes are ever held.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

__all__ = ["CODINGS", "STEP", "Inflater", "TooLarge", "Undecodable", "inflate"]

STEP = 64 * 1024  # largest piece of decoded output produced at once
# 16 + MAX_WBITS: the gzip wrapper; MAX_WBITS: zlib-wrapped deflate (what servers send as such).
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
CODINGS = frozenset(_WBITS)  # the content codings it inflates (lower case)


class TooLarge(Exception):
    """The decoded body grew past the limit."""


class Undecodable(Exception):
    """The data is not valid for its content coding."""


class Inflater:
    """One body's inflation, fed chunk by chunk as it arrives; `coding` is one of `CODINGS`."""

    def __init__(self, coding: str, limit: int) -> None:
        self._inflater = zlib.decompressobj(_WBITS[coding])
        self._limit = limit
        self._size = 0

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """The decoded output of the next raw chunk, in pieces of at most `STEP` bytes."""
        pending = chunk
        while True:
            try:
                out = self._inflater.decompress(pending, STEP)
            except zlib.error:
                raise Undecodable from None
            self._size += len(out)
            if self._size > self._limit:
                raise TooLarge
            yield out
            pending = self._inflater.unconsumed_tail
            # Output as long as the last step was full: zlib may hold more for the same input.
            if not pending and len(out) < STEP:
                return

    @property
    def complete(self) -> bool:
        """Whether the compressed stream has reached its end (else it was cut short)."""
        return self._inflater.eof


def inflate(data: bytes, coding: str, limit: int) -> bytes:
    """A whole compressed body, decoded within `limit` bytes (`TooLarge`, `Undecodable`)."""
    return b"".join(Inflater(coding, limit).feed(data))
