"""What both default transports refuse in a response head, whatever their parser accepts.

h11 (sync) and aiohttp (async) draw different lines: aiohttp refuses more than 128 header
fields, fields longer than 8,190 bytes and Content-Length together with Transfer-Encoding,
which h11 accepts; h11 refuses a transfer coding other than chunked, which aiohttp passes on
undecoded. The one table (`tests/face/test_face_transport_verdicts.py`) holds both clients to
the stricter line: each of these is an unusable answer (`httpx.RemoteProtocolError`, as
either parser reports what it refuses), and its connection is closed. Content-Length with
Transfer-Encoding is how responses are split or smuggled (RFC 9112, section 6.3).
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

__all__ = ["MAX_FIELDS", "MAX_FIELD_BYTES", "refusal"]

MAX_FIELDS = 128  # header fields of one response
MAX_FIELD_BYTES = 8190  # a field's name, or its value, or the reason phrase


def refusal(
    headers: Iterable[tuple[bytes, bytes]], reason: bytes
) -> httpx.RemoteProtocolError | None:
    """The error for a response head either transport must refuse, or None."""
    count = 0
    length = coding = False
    codings: list[bytes] = []
    for name, value in headers:
        count += 1
        if len(name) > MAX_FIELD_BYTES or len(value) > MAX_FIELD_BYTES:
            return httpx.RemoteProtocolError("invalid HTTP response (header field too long)")
        lowered = name.lower()
        if lowered == b"content-length":
            length = True
        elif lowered == b"transfer-encoding":
            coding = True
            codings.append(value.strip().lower())
    if count > MAX_FIELDS:
        return httpx.RemoteProtocolError(f"invalid HTTP response (more than {MAX_FIELDS} headers)")
    if len(reason) > MAX_FIELD_BYTES:
        return httpx.RemoteProtocolError("invalid HTTP response (reason phrase too long)")
    if length and coding:
        return httpx.RemoteProtocolError(
            "invalid HTTP response (Content-Length with Transfer-Encoding)"
        )
    if coding and codings != [b"chunked"]:
        return httpx.RemoteProtocolError("invalid HTTP response (transfer coding not chunked)")
    return None
