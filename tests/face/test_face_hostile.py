"""A hostile upstream over loopback: trickled status line and headers, gzip bombs, huge bodies.

Every phase of a call ends by its total deadline (plus one read at most), and no response can
make the client hold more than `max_response_bytes` of body, compressed or decoded.
"""

from __future__ import annotations

import gzip
import os
import socket
import struct
import time
import tracemalloc
import zlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from apij import (
    ApijError,
    ApijTimeout,
    ReleveIJ,
    ResponseTooLarge,
    RetryPolicy,
    Timeouts,
    UnexpectedResponse,
)
from tests.face._face_support import BASE_URL, body, outcome_in
from tests.face._loopback import OK_BODY, Server, read_request, response_head, send_slowly, serving

MODES = ["sync", "async"]
KEY = "hostile-test-partner-key"
TOKEN = "hostile-test-token"
WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-06-30"}
# Each read returns within the read timeout, so only the call's deadline can stop a trickle.
TRICKLE = Timeouts(connect=0.5, read=0.5, total=1.0)
TRICKLE_EVERY = 0.05
# Wide, as every real-socket bound: a trickle left alone lasts ~25 s; the deadline ends it at
# 1 s, and a busy machine adds tenths of a second, never seconds.
SLACK = 4.0
MiB = 1024 * 1024
GiB = 1024 * MiB
LIMIT = 2 * MiB  # the documented default of max_response_bytes


def call(mode: str, base_url: str, **options: Any) -> tuple[ReleveIJ | ApijError, float]:
    """One call's outcome and duration, through the default transport of the mode's client."""
    options = {"retry": RetryPolicy.none(), **options}
    started = time.monotonic()
    outcome = outcome_in(mode, base_url, KEY, TOKEN, WINDOW, **options)
    return outcome, time.monotonic() - started


def answering(respond: Callable[[socket.socket, Server], None]) -> Callable[..., Any]:
    """A handler that reads the request, then lets `respond` do its worst."""

    def handle(conn: socket.socket, server: Server) -> None:
        if read_request(conn, server) is not None:
            respond(conn, server)

    return handle


@pytest.mark.parametrize("mode", MODES)
def test_a_trickled_status_line_and_headers_end_at_the_deadline(mode: str) -> None:
    head = response_head(
        content_type="application/json", content_length=len(OK_BODY), x_padding="p" * 100
    )

    def trickle(conn: socket.socket, server: Server) -> None:
        send_slowly(conn, head + OK_BODY, TRICKLE_EVERY, server.stop)  # ~25 s in all

    with serving(answering(trickle)) as server:
        outcome, elapsed = call(mode, server.base_url, timeouts=TRICKLE)
    assert isinstance(outcome, ApijTimeout), repr(outcome)
    assert elapsed < TRICKLE.total + SLACK, f"the call lasted {elapsed:.2f} s"


@pytest.mark.parametrize("mode", MODES)
def test_a_trickled_body_ends_at_the_deadline(mode: str) -> None:
    def trickle(conn: socket.socket, server: Server) -> None:
        conn.sendall(response_head(content_type="application/json", content_length=len(OK_BODY)))
        send_slowly(conn, OK_BODY, TRICKLE_EVERY, server.stop)

    with serving(answering(trickle)) as server:
        outcome, elapsed = call(mode, server.base_url, timeouts=TRICKLE)
    assert isinstance(outcome, ApijTimeout), repr(outcome)
    assert elapsed < TRICKLE.total + SLACK, f"the call lasted {elapsed:.2f} s"


@pytest.mark.parametrize("mode", MODES)
def test_decoding_a_huge_statement_stops_at_the_deadline(mode: str) -> None:
    # A partner who raised max_response_bytes gets 11 MiB at once: reading is instant, parsing
    # and judging take a few tenths of a second, the deadline is 50 ms away. Checked between
    # the steps, the call ends with the first step past the deadline, not with the statement.
    huge = body(*("32.87", "28.53", "2.30") * 100_000)
    assert len(huge) > 11 * MiB

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=huge, headers={"content-type": "application/json"})

    transport = httpx.MockTransport(answer)
    outcome, _ = call(
        mode,
        BASE_URL,
        transport=transport,
        max_response_bytes=64 * MiB,
        timeouts=Timeouts(total=0.05),
    )
    assert isinstance(outcome, ApijTimeout), type(outcome).__name__


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """About 1 MB of valid gzip that inflates to 1 GiB of zeros.

    One MiB of zeros is deflated once, ending on a full flush (a byte-aligned block that refers
    to nothing before it), and that block repeated 1,024 times between a gzip header and a
    trailer with the true CRC-32 and size: compressing the whole GiB would take seconds.
    """
    zeros = bytes(MiB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(1024):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # gzip, deflate, no name, unix
    bomb = header + block * 1024 + compressor.flush() + struct.pack("<II", crc, GiB % 2**32)
    assert len(bomb) < 1.1 * MiB
    return bomb


def _peak_during(action: Callable[[], Any]) -> tuple[Any, int]:
    """`action()`'s result and the peak of Python memory allocated while it ran (bytes)."""
    tracemalloc.start()
    try:
        result = action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


@pytest.mark.parametrize("mode", MODES)
def test_a_gzip_bomb_fails_fast_in_little_memory(mode: str, gzip_bomb: bytes) -> None:
    def bomb(conn: socket.socket, server: Server) -> None:
        conn.sendall(
            response_head(
                content_type="application/json",
                content_encoding="gzip",
                content_length=len(gzip_bomb),
            )
        )
        conn.sendall(gzip_bomb)

    with serving(answering(bomb)) as server:
        (outcome, elapsed), peak = _peak_during(
            lambda: call(mode, server.base_url, timeouts=Timeouts(total=5.0))
        )
    assert isinstance(outcome, ResponseTooLarge), repr(outcome)
    assert outcome.status == 200
    assert elapsed < 2.0, f"the call lasted {elapsed:.2f} s"
    # 1 GiB inflated before; now about the limit, once, plus buffers.
    assert peak < 4 * LIMIT, f"peak {peak / MiB:.1f} MiB"


@pytest.mark.parametrize("mode", MODES)
def test_a_deflate_bomb_is_bounded_too(mode: str) -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS)
    payload = b"".join(compressor.compress(bytes(MiB)) for _ in range(16)) + compressor.flush()

    def bomb(conn: socket.socket, server: Server) -> None:
        conn.sendall(response_head(content_type="application/json", content_encoding="deflate"))
        conn.sendall(payload)  # no length: the body ends when the connection does

    with serving(answering(bomb)) as server:
        outcome, _ = call(mode, server.base_url)
    assert isinstance(outcome, ResponseTooLarge), repr(outcome)


@pytest.mark.parametrize("mode", MODES)
def test_a_200_mb_body_without_length_fails_in_little_memory(mode: str) -> None:
    chunk = bytes(64 * 1024)

    def flood(conn: socket.socket, server: Server) -> None:
        conn.sendall(response_head(content_type="application/json", transfer_encoding="chunked"))
        framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        for _ in range(200 * MiB // len(chunk)):
            if server.stop.is_set():
                return
            conn.sendall(framed)  # OSError once the client hangs up: the handler ends
        conn.sendall(b"0\r\n\r\n")

    with serving(answering(flood)) as server:
        (outcome, elapsed), peak = _peak_during(lambda: call(mode, server.base_url))
    assert isinstance(outcome, ResponseTooLarge), repr(outcome)
    assert elapsed < 2.0, f"the call lasted {elapsed:.2f} s"
    assert peak < 4 * LIMIT, f"peak {peak / MiB:.1f} MiB"


@pytest.mark.parametrize("mode", MODES)
def test_a_content_length_above_the_limit_fails_before_reading(mode: str) -> None:
    def announce(conn: socket.socket, server: Server) -> None:
        conn.sendall(response_head(content_type="application/json", content_length=200 * MiB))
        server.stop.wait(60)  # not one body byte: reading would time out instead

    with serving(answering(announce)) as server:
        outcome, elapsed = call(mode, server.base_url, timeouts=Timeouts(read=30.0, total=60.0))
    # Refused on the header: reading would have waited for the 30 s read timeout.
    assert isinstance(outcome, ResponseTooLarge), repr(outcome)
    assert elapsed < 10, f"the call lasted {elapsed:.2f} s"


@pytest.mark.parametrize("mode", MODES)
def test_the_limit_applies_to_the_compressed_bytes_too(mode: str) -> None:
    noise = gzip.compress(os.urandom(256 * 1024))  # does not compress: larger than 200 KiB

    def send(conn: socket.socket, server: Server) -> None:
        conn.sendall(response_head(content_type="application/json", content_encoding="gzip"))
        conn.sendall(noise)

    with serving(answering(send)) as server:
        outcome, _ = call(mode, server.base_url, max_response_bytes=200 * 1024)
    assert isinstance(outcome, ResponseTooLarge), repr(outcome)


@pytest.mark.parametrize("mode", MODES)
def test_the_limit_is_configurable(mode: str) -> None:
    def send(conn: socket.socket, server: Server) -> None:
        conn.sendall(response_head(content_type="application/json", content_length=len(OK_BODY)))
        conn.sendall(OK_BODY)

    with serving(answering(send)) as server:
        small, _ = call(mode, server.base_url, max_response_bytes=len(OK_BODY) - 1)
        exact, _ = call(mode, server.base_url, max_response_bytes=len(OK_BODY))
    assert isinstance(small, ResponseTooLarge), repr(small)
    assert isinstance(exact, ReleveIJ), repr(exact)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("coding", "content", "decodes"),
    [
        ("gzip", gzip.compress(OK_BODY), True),
        ("deflate", zlib.compress(OK_BODY), True),
        ("identity", OK_BODY, True),
        ("br", OK_BODY, False),
        ("gzip, gzip", gzip.compress(gzip.compress(OK_BODY)), False),
        ("gzip", OK_BODY, False),  # says gzip, is not
        ("gzip", gzip.compress(OK_BODY)[:-12], False),  # cut before its end
    ],
    ids=["gzip", "deflate", "identity", "br", "gzip-twice", "not-gzip", "gzip-cut"],
)
def test_content_encodings(mode: str, coding: str, content: bytes, decodes: bool) -> None:
    def send(conn: socket.socket, server: Server) -> None:
        head = response_head(
            content_type="application/json", content_encoding=coding, content_length=len(content)
        )
        conn.sendall(head + content)

    with serving(answering(send)) as server:
        outcome, _ = call(mode, server.base_url)
        sent = server.requests[0].lower()
    assert b"\r\naccept-encoding: gzip, deflate\r\n" in sent  # only what the face decodes
    if decodes:
        assert isinstance(outcome, ReleveIJ), repr(outcome)
    else:
        assert type(outcome) is UnexpectedResponse, repr(outcome)
