"""One table of transport-level verdicts, held by both default transports (real sockets).

Each row is a response head (and body) sent as raw bytes; both clients must reach the same
outcome: the statement, the typed error the status means, or a refused answer (an unusable
response, `RemoteProtocolError` below). A TLS certificate failure keeps the certificate error
reachable through the transport exception's causes, on both, for the face to name it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
from collections.abc import Callable, Iterator

import httpx
import pytest
import trustme

from apij import (
    ApijError,
    ConnectionFailed,
    ReleveIJ,
    RetryPolicy,
    Timeouts,
    TokenRejected,
    UndocumentedServerError,
)
from apij._aiohttp_transport import AiohttpTransport
from apij._deadline_transport import DeadlineTransport
from tests.face._face_support import outcome_in
from tests.face._loopback import OK_BODY, Server, keep_alive, ok_response, read_request, serving

MODES = ["sync", "async"]
KEY = "verdicts-test-partner-key"
TOKEN = "verdicts-test-token"
WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-06-30"}
B = OK_BODY
E401 = json.dumps({"code": "jeton_invalide", "message": "x"}).encode()
JSON = b"content-type: application/json\r\n"
LENGTH = b"content-length: %d\r\n" % len(B)
CHUNKED = b"%x\r\n%s\r\n0\r\n" % (len(B), B)
REFUSED = (ConnectionFailed, "connection failed (RemoteProtocolError)")


def fields(count: int) -> bytes:
    return b"".join(b"x-field-%d: v\r\n" % i for i in range(count))


# name: (bytes the upstream sends, (outcome class, its str() or None for a statement)).
VERDICTS: dict[str, tuple[bytes, tuple[type[object], str | None]]] = {
    "reason-phrase-latin-1": (
        b"HTTP/1.1 401 Non autoris\xe9\r\n"
        + JSON
        + b"content-length: %d\r\n\r\n" % len(E401)
        + E401,
        (TokenRejected, "FranceConnect token rejected (HTTP 401, code jeton_invalide)"),
    ),
    "reason-phrase-0xff": (
        b"HTTP/1.1 200 OK \xff\r\n" + JSON + LENGTH + b"\r\n" + B,
        (ReleveIJ, None),
    ),
    "128-headers": (
        b"HTTP/1.1 200 OK\r\n" + JSON + LENGTH + fields(126) + b"\r\n" + B,
        (ReleveIJ, None),
    ),
    "129-headers": (b"HTTP/1.1 200 OK\r\n" + JSON + LENGTH + fields(127) + b"\r\n" + B, REFUSED),
    "field-of-8190-bytes": (
        b"HTTP/1.1 200 OK\r\n" + JSON + LENGTH + b"x-long: " + b"a" * 8190 + b"\r\n\r\n" + B,
        (ReleveIJ, None),
    ),
    "field-of-8191-bytes": (
        b"HTTP/1.1 200 OK\r\n" + JSON + LENGTH + b"x-long: " + b"a" * 8191 + b"\r\n\r\n" + B,
        REFUSED,
    ),
    "trailers": (
        b"HTTP/1.1 200 OK\r\n"
        + JSON
        + b"transfer-encoding: chunked\r\n\r\n"
        + CHUNKED
        + b"x-trailer: 1\r\n\r\n",
        (ReleveIJ, None),
    ),
    "content-length-with-transfer-encoding": (
        b"HTTP/1.1 200 OK\r\n"
        + JSON
        + b"content-length: 5\r\ntransfer-encoding: chunked\r\n\r\n"
        + CHUNKED
        + b"\r\n",
        REFUSED,
    ),
    "transfer-coding-gzip-chunked": (
        b"HTTP/1.1 200 OK\r\n"
        + JSON
        + b"transfer-encoding: gzip, chunked\r\n\r\n"
        + CHUNKED
        + b"\r\n",
        REFUSED,
    ),
    "two-content-lengths": (
        b"HTTP/1.1 200 OK\r\n" + JSON + LENGTH + b"content-length: 3\r\n\r\n" + B,
        REFUSED,
    ),
    "space-before-colon": (
        b"HTTP/1.1 200 OK\r\ncontent-type : application/json\r\n" + LENGTH + b"\r\n" + B,
        REFUSED,
    ),
    "nul-in-a-field": (
        b"HTTP/1.1 200 OK\r\n" + JSON + LENGTH + b"x-a: b\x00c\r\n\r\n" + B,
        REFUSED,
    ),
    "http-1.0-without-length": (b"HTTP/1.0 200 OK\r\n" + JSON + b"\r\n" + B, (ReleveIJ, None)),
    "bare-lf-line-ends": (
        b"HTTP/1.1 200 OK\ncontent-type: application/json\ncontent-length: %d\n\n" % len(B) + B,
        (ReleveIJ, None),
    ),
    "status-999": (
        b"HTTP/1.1 999 Weird\r\n" + JSON + LENGTH + b"\r\n" + B,
        (UndocumentedServerError, "server error (HTTP 999)"),
    ),
}


def sends(data: bytes) -> Callable[[socket.socket, Server], None]:
    def handle(conn: socket.socket, server: Server) -> None:
        if read_request(conn, server) is not None:
            conn.sendall(data)  # then closes: an answer without a length ends here

    return handle


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("row", list(VERDICTS))
def test_both_transports_reach_the_same_verdict(mode: str, row: str) -> None:
    data, (expected, text) = VERDICTS[row]
    with serving(sends(data)) as server:
        try:
            outcome: object = outcome_in(
                mode,
                server.base_url,
                KEY,
                TOKEN,
                WINDOW,
                retry=RetryPolicy.none(),
                timeouts=Timeouts(connect=2.0, read=2.0, total=5.0),
            )
        except Exception as exc:  # what escapes the face is the failure
            outcome = exc
    assert type(outcome) is expected, repr(outcome)
    if text is not None:
        assert isinstance(outcome, ApijError)
        assert str(outcome) == text


@pytest.fixture(scope="module")
def untrusted_tls_server() -> Iterator[Server]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(context)  # a CA nobody trusts
    with serving(keep_alive(lambda request: ok_response()), tls=context) as server:
        yield server


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and not any(current is s for s in seen):
        seen.append(current)
        yield current
        current = current.__cause__


@pytest.mark.parametrize("mode", MODES)
def test_a_certificate_failure_keeps_the_ssl_error_among_the_causes(
    mode: str, untrusted_tls_server: Server
) -> None:
    request = httpx.Request("GET", untrusted_tls_server.base_url)
    limits = httpx.Limits(max_connections=1)

    def sync_send() -> None:
        with DeadlineTransport(verify=True, limits=limits) as transport:
            transport.handle_request(request)

    async def async_send() -> None:
        async with AiohttpTransport(verify=True, limits=limits) as transport:
            await transport.handle_async_request(request)

    with pytest.raises(httpx.ConnectError) as caught:
        sync_send() if mode == "sync" else asyncio.run(async_send())
    causes = list(_causes(caught.value))
    assert any(isinstance(c, ssl.SSLCertVerificationError) for c in causes), causes
