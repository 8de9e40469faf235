"""Read a response body within the call's bounds: size (compressed and decoded) and deadline.

The body is read raw, as it arrives, and decoded here rather than by httpx, so that neither a
huge body nor a small compressed one that inflates to gigabytes (a gzip bomb) is ever held in
memory: `apij._inflate` yields at most `STEP` bytes at a time and stops past the limit, and the
deadline is checked between steps. Only the codings the client advertises (gzip, deflate) are
accepted.
"""

from __future__ import annotations

import httpx

from apij import errors
from apij._inflate import CODINGS, Inflater, TooLarge, Undecodable
from apij.clock import Deadline

__all__ = ["ACCEPT_ENCODING", "aread_body", "read_body"]

ACCEPT_ENCODING = "gzip, deflate"


def _too_large(status: int, limit: int) -> errors.ResponseTooLarge:
    return errors.ResponseTooLarge(
        f"unexpected response: body larger than max_response_bytes ({limit})", status=status
    )


def _late(status: int) -> errors.ApijTimeout:
    return errors.ApijTimeout("total deadline exceeded while reading the response", status=status)


class _Body:
    """One response's body as it arrives: counted, decoded step by step, under the deadline.

    Every error is raised outside any `except` block, so it carries no chained exception.
    """

    def __init__(self, response: httpx.Response, limit: int, deadline: Deadline) -> None:
        self._status = response.status_code
        self._limit = limit
        self._deadline = deadline
        self._raw = 0
        self._parts: list[bytes] = []
        coding = response.headers.get("content-encoding", "identity").strip().lower()
        if coding not in ("", "identity") and coding not in CODINGS:
            raise errors.UnexpectedResponse(
                "unexpected response: content encoding not supported (only gzip and deflate)",
                status=self._status,
            )
        self._inflater = Inflater(coding, limit) if coding in CODINGS else None
        length = response.headers.get("content-length", "").strip()
        # Only plain ASCII digits (int() would take '١٢' or a 5,000-digit string).
        if length.isascii() and length.isdigit() and (len(length) > 18 or int(length) > limit):
            raise _too_large(self._status, limit)

    def _on_time(self) -> None:
        if self._deadline.passed():
            raise _late(self._status)

    def feed(self, chunk: bytes) -> None:
        """Take the next raw chunk."""
        self._on_time()
        self._raw += len(chunk)
        if self._raw > self._limit:
            raise _too_large(self._status, self._limit)
        if self._inflater is None:
            self._parts.append(chunk)  # raw within the limit: so is the body
            return
        failure: errors.ApijError | None = None
        try:
            for out in self._inflater.feed(chunk):
                self._parts.append(out)
                self._on_time()
        except TooLarge:
            failure = _too_large(self._status, self._limit)
        except Undecodable:
            failure = errors.UnexpectedResponse(
                "unexpected response: undecodable compressed body", status=self._status
            )
        if failure is not None:
            raise failure

    def content(self) -> bytes:
        """The whole decoded body, once every chunk was fed."""
        self._on_time()
        if self._inflater is not None and not self._inflater.complete:
            raise errors.UnexpectedResponse(
                "unexpected response: compressed body ends early", status=self._status
            )
        return b"".join(self._parts)


def _read_already(response: httpx.Response, limit: int) -> bytes | None:
    """The body of a response a transport handed over already read (httpx.MockTransport, respx
    routes), checked for size; None for a response still to be streamed."""
    try:
        content = response.content
    except httpx.ResponseNotRead:
        return None
    if len(content) > limit:
        raise _too_large(response.status_code, limit)
    return content


def read_body(response: httpx.Response, limit: int, deadline: Deadline) -> bytes:
    """Stream a sync response's body within `limit` bytes and the deadline."""
    content = _read_already(response, limit)
    if content is not None:
        return content
    body = _Body(response, limit, deadline)
    for chunk in response.iter_raw():
        body.feed(chunk)
    return body.content()


async def aread_body(response: httpx.Response, limit: int, deadline: Deadline) -> bytes:
    """Stream an async response's body within `limit` bytes and the deadline."""
    content = _read_already(response, limit)
    if content is not None:
        return content
    body = _Body(response, limit, deadline)
    async for chunk in response.aiter_raw():
        body.feed(chunk)
    return body.content()
