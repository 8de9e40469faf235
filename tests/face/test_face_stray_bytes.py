"""A connection is never reused after stray bytes, nor by another user (both default
transports, real sockets).

An upstream that sends more than the response asked for (two responses in one write, a 204
followed by a full response) or anything while the connection sits idle in the pool would
otherwise have its extra answer handed to the next call on that connection. The connection that
received stray bytes is closed; the next call goes over a new one, even the same user's. A
connection carries one user's calls only, so that an answer no client can tell from the real one
(arriving after the request left) can never be another user's.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from apij import ApijClient, ApijError, AsyncApijClient, ReleveIJ, RetryPolicy, Timeouts
from tests.face._face_support import KEY
from tests.face._loopback import (
    STRAY,
    STRAY_MONTANT,
    Server,
    fingerprinted,
    montant_of,
    read_request,
    response_head,
    serving,
)

MODES = ["sync", "async"]
WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-06-30"}
OPTIONS: dict[str, Any] = {
    "limits": httpx.Limits(max_connections=1, max_keepalive_connections=1),
    "retry": RetryPolicy.none(),
    "timeouts": Timeouts(connect=2.0, read=2.0, total=5.0),
}


def _chunked(answer: bytes) -> bytes:
    head, content = answer.split(b"\r\n\r\n", 1)
    head = b"\r\n".join(h for h in head.split(b"\r\n") if not h.lower().startswith(b"content-len"))
    return head + b"\r\ntransfer-encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (
        len(content),
        content,
    )


# What the upstream sends for the first request of a connection: (in the same write, later).
FIRST: dict[str, Callable[[bytes], tuple[bytes, bytes]]] = {
    "two-responses-in-one-write": lambda request: (fingerprinted(request) + STRAY, b""),
    "chunked-then-a-response": lambda request: (_chunked(fingerprinted(request)) + STRAY, b""),
    "a-response-and-half-another": lambda request: (fingerprinted(request) + STRAY[:60], b""),
    "204-then-a-response": lambda request: (response_head("204 No Content") + STRAY, b""),
    "a-response-while-idle": lambda request: (fingerprinted(request), STRAY),
    "half-a-response-while-idle": lambda request: (fingerprinted(request), STRAY[:60]),
    "one-byte-while-idle": lambda request: (fingerprinted(request), b"H"),
}


def stray_upstream(
    kind: str, stray_sent: threading.Event
) -> Callable[[socket.socket, Server], None]:
    """Answers every request with the caller's own fingerprint, but the first request of the
    first connection with the stray bytes of `kind` (in the same write, or later)."""

    def handle(conn: socket.socket, server: Server) -> None:
        request = read_request(conn, server)
        if request is None:
            return
        if stray_sent.is_set():
            conn.sendall(fingerprinted(request))
        else:
            now, later = FIRST[kind](request)
            conn.sendall(now)
            if later:
                time.sleep(0.2)  # the client has read its answer: the connection is idle
                conn.sendall(later)
            stray_sent.set()
        for _ in range(100):
            request = read_request(conn, server)
            if request is None:
                return
            conn.sendall(fingerprinted(request))

    return handle


def calls_in_turn(
    mode: str,
    base_url: str,
    tokens: list[str],
    stray_sent: threading.Event | None = None,
    pause: float = 0.0,
) -> list[object]:
    """One call per token, in turn, on one client (after each, once the stray bytes are out,
    or `pause` seconds)."""

    def settle() -> None:
        if stray_sent is not None:
            assert stray_sent.wait(10)
            time.sleep(0.3)  # the stray bytes reach the client's socket (or its parser)
        time.sleep(pause)

    if mode == "sync":
        out: list[object] = []
        with ApijClient(KEY, base_url=base_url, **OPTIONS) as client:
            for token in tokens:
                try:
                    out.append(client.paiements(token, **WINDOW))
                except ApijError as exc:
                    out.append(exc)
                settle()
        return out

    async def main() -> list[object]:
        out: list[object] = []
        async with AsyncApijClient(KEY, base_url=base_url, **OPTIONS) as client:
            for token in tokens:
                try:
                    out.append(await client.paiements(token, **WINDOW))
                except ApijError as exc:
                    out.append(exc)
                await asyncio.to_thread(settle)
        return out

    return asyncio.run(main())


def montants(outcome: object) -> set[str]:
    assert isinstance(outcome, ReleveIJ), repr(outcome)
    return {f"{line.montant_journalier:.2f}" for line in outcome.paiements}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", list(FIRST))
def test_a_connection_that_got_stray_bytes_is_not_reused(mode: str, kind: str) -> None:
    stray_sent = threading.Event()
    with serving(stray_upstream(kind, stray_sent)) as server:
        first, second = calls_in_turn(mode, server.base_url, ["user-0001"] * 2, stray_sent)
        accepted = server.accepted
    if not kind.startswith("204"):
        assert montants(first) == {montant_of("user-0001")}
    # The same user's next call gets its own answer, never the stray one, over a new connection.
    assert montants(second) == {montant_of("user-0001")}, f"not {STRAY_MONTANT}"
    assert accepted == 2


def honest_upstream(conn: socket.socket, server: Server) -> None:
    for _ in range(100):
        request = read_request(conn, server)
        if request is None:
            return
        conn.sendall(fingerprinted(request))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("tokens", "connections"),
    [
        (["user-0001", "user-0001", "user-0001"], 1),
        (["user-0001", "user-0002", "user-0001"], 3),
        (["user-0001", "user-0001", "user-0002", "user-0002"], 2),
    ],
    ids=["one-user", "users-alternating", "users-in-runs"],
)
def test_a_connection_carries_one_users_calls(
    mode: str, tokens: list[str], connections: int
) -> None:
    with serving(honest_upstream) as server:
        outcomes = calls_in_turn(mode, server.base_url, tokens)
        accepted = server.accepted
    assert [montants(outcome) for outcome in outcomes] == [{montant_of(t)} for t in tokens]
    assert accepted == connections


def closing_upstream(conn: socket.socket, server: Server) -> None:
    """Answers one request per connection, then closes it (no `Connection: close` said)."""
    request = read_request(conn, server)
    if request is not None:
        conn.sendall(fingerprinted(request))


@pytest.mark.parametrize("mode", MODES)
def test_a_connection_the_upstream_closed_while_idle_is_not_reused(mode: str) -> None:
    # The pool's own checks read no socket (see apij._deadline_transport); the request's first
    # write finds the connection closed and takes a new one, with no retry needed.
    with serving(closing_upstream) as server:
        tokens = ["user-0001"] * 3
        outcomes = calls_in_turn(mode, server.base_url, tokens, None, pause=0.3)
        accepted = server.accepted
    assert [montants(outcome) for outcome in outcomes] == [{montant_of(t)} for t in tokens]
    assert accepted == 3
