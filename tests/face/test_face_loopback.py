"""The default transports over real loopback sockets (async: aiohttp; sync: httpx's, with the
deadline backend): pool limits, TLS verification, no redirects, no cookies, no cross-user leaks,
and every fault of the double mapped to the typed errors by the sandbox server.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from apij import (
    ApijClient,
    ApijError,
    ApijTimeout,
    AsyncApijClient,
    CertificateRejected,
    ConnectionFailed,
    RateLimited,
    ReleveIJ,
    RetryPolicy,
    ServerError,
    Timeouts,
    UndocumentedServerError,
    UnexpectedResponse,
)
from apij.double import CnamDouble, Fault
from apij.double.sandbox import running
from tests.face._face_support import FAST_RETRY, KEY, person
from tests.face._loopback import (
    Server,
    keep_alive,
    ok_response,
    read_request,
    response_head,
    serving,
)

MODES = ["sync", "async"]
UNTRUSTED = "unable to get local issuer certificate"  # OpenSSL's reason
TOKEN = "loopback-token"
WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-12-31"}


def calls(
    mode: str, base_url: str, tokens: list[str], **options: Any
) -> list[ReleveIJ | ApijError]:
    """Every token's call, concurrently, through one client of the mode's default transport."""

    def sync_one(client: ApijClient, token: str) -> ReleveIJ | ApijError:
        try:
            return client.paiements(token, **WINDOW)
        except ApijError as exc:
            return exc

    async def async_one(client: AsyncApijClient, token: str) -> ReleveIJ | ApijError:
        try:
            return await client.paiements(token, **WINDOW)
        except ApijError as exc:
            return exc

    async def async_all() -> list[ReleveIJ | ApijError]:
        async with AsyncApijClient(KEY, base_url=base_url, **options) as client:
            return list(await asyncio.gather(*(async_one(client, t) for t in tokens)))

    if mode == "async":
        return asyncio.run(async_all())
    with (
        ApijClient(KEY, base_url=base_url, **options) as client,
        ThreadPoolExecutor(max_workers=max(1, min(len(tokens), 32))) as pool,
    ):
        return list(pool.map(lambda token: sync_one(client, token), tokens))


@pytest.mark.parametrize("mode", MODES)
def test_the_pool_never_opens_more_connections_than_its_limit(mode: str) -> None:
    limits = httpx.Limits(max_connections=5, max_keepalive_connections=5)
    with serving(keep_alive(lambda request: ok_response(), delay=0.05)) as server:
        outcomes = calls(mode, server.base_url, [TOKEN] * 40, limits=limits)
    assert all(isinstance(o, ReleveIJ) for o in outcomes), outcomes
    assert 2 <= server.most_connections <= 5, server.most_connections


@pytest.fixture
def unanswered_port() -> Iterator[int]:
    """A loopback port whose listener never accepts, its queue full: connecting hangs (Linux
    drops the SYN), as with a host that does not answer."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    queued = []
    for _ in range(4):
        pending = socket.socket()
        pending.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            pending.connect(("127.0.0.1", port))
        queued.append(pending)
    try:
        yield port
    finally:
        for pending in queued:
            pending.close()
        listener.close()


@pytest.mark.parametrize("mode", MODES)
def test_the_connect_timeout_bounds_each_attempt(mode: str, unanswered_port: int) -> None:
    # Real sockets, so wide bounds: the hanging connect ends by its 0.2 s timeout, long before
    # the 30 s deadline would end it (a busy machine adds milliseconds, not seconds).
    timeouts = Timeouts(connect=0.2, read=30.0, total=30.0)
    url = f"http://127.0.0.1:{unanswered_port}/v1"
    started = time.monotonic()
    (outcome,) = calls(mode, url, [TOKEN], timeouts=timeouts, retry=RetryPolicy.none())
    elapsed = time.monotonic() - started
    assert type(outcome) is ConnectionFailed, repr(outcome)  # retried under a retry policy
    assert str(outcome) == "connection failed (ConnectTimeout)"
    assert 0.19 <= elapsed < 10, elapsed


@pytest.mark.parametrize("mode", MODES)
def test_the_deadline_cuts_a_hanging_connect(mode: str, unanswered_port: int) -> None:
    # The 0.3 s deadline ends the call long before the 30 s connect timeout would.
    timeouts = Timeouts(connect=30.0, read=30.0, total=0.3)
    url = f"http://127.0.0.1:{unanswered_port}/v1"
    started = time.monotonic()
    (outcome,) = calls(mode, url, [TOKEN], timeouts=timeouts)
    elapsed = time.monotonic() - started
    assert type(outcome) is ApijTimeout, repr(outcome)
    assert str(outcome) == "total deadline exceeded"
    assert 0.29 <= elapsed < 10, elapsed


@pytest.fixture(scope="module")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_server(certificate_authority: trustme.CA) -> Iterator[Server]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with serving(keep_alive(lambda request: ok_response()), tls=context) as server:
        yield server


@pytest.mark.parametrize("mode", MODES)
def test_tls_certificates_are_verified(
    mode: str, tls_server: Server, certificate_authority: trustme.CA, tmp_path: Path
) -> None:
    # Signed by a CA the system does not trust: refused by default.
    # Not retried: another attempt would meet the same certificate. Nothing was sent.
    before = len(tls_server.requests)
    (refused,) = calls(mode, tls_server.base_url, [TOKEN], retry=FAST_RETRY)
    assert type(refused) is CertificateRejected, repr(refused)
    assert str(refused) == f"TLS certificate rejected ({UNTRUSTED})"
    assert len(tls_server.requests) == before
    # Trusted once the caller names that CA.
    bundle = tmp_path / "ca.pem"
    certificate_authority.cert_pem.write_to_path(str(bundle))
    (trusted,) = calls(mode, tls_server.base_url, [TOKEN], verify=str(bundle))
    assert isinstance(trusted, ReleveIJ), repr(trusted)


def _hang_up(conn: socket.socket, server: Server) -> None:
    read_request(conn, server)  # then close without a word


def _reset_mid_body(conn: socket.socket, server: Server) -> None:
    if read_request(conn, server) is not None:
        conn.sendall(response_head(content_type="application/json", content_length=500) + b"{")
        # Linger on, zero seconds: closing sends a reset, not a graceful end.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        ("refused", "connection failed (ConnectError)"),
        ("connect-timeout", "connection failed (ConnectTimeout)"),
        (
            "untrusted-certificate",
            "TLS certificate rejected (unable to get local issuer certificate)",
        ),
        ("hang-up", "connection failed (RemoteProtocolError)"),
        ("reset-mid-body", "connection failed (ReadError)"),
    ],
)
def test_both_clients_name_a_transport_failure_alike(
    failure: str, expected: str, request: pytest.FixtureRequest
) -> None:
    # The async transport's library called all of these ConnectTimeout (httpx-aiohttp 0.2).
    with contextlib.ExitStack() as stack:
        if failure == "refused":
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                base_url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"  # closed: refused
        elif failure == "connect-timeout":
            base_url = f"http://127.0.0.1:{request.getfixturevalue('unanswered_port')}/v1"
        elif failure == "untrusted-certificate":
            base_url = request.getfixturevalue("tls_server").base_url
        else:
            handler = _hang_up if failure == "hang-up" else _reset_mid_body
            base_url = stack.enter_context(serving(handler)).base_url
        timeouts = Timeouts(connect=0.3, read=1.0, total=3.0)
        outcomes = [
            calls(mode, base_url, [TOKEN], timeouts=timeouts, retry=RetryPolicy.none())[0]
            for mode in MODES
        ]
    cls = CertificateRejected if failure == "untrusted-certificate" else ConnectionFailed
    assert [(type(o), str(o)) for o in outcomes] == [(cls, expected)] * 2


@pytest.mark.parametrize("mode", MODES)
def test_redirects_are_not_followed(mode: str) -> None:
    def answer(request: bytes) -> bytes:
        if b" /elsewhere" in request.split(b"\r\n", 1)[0]:
            return ok_response()
        return response_head("302 Found", location="/elsewhere", content_length=0)

    with serving(keep_alive(answer)) as server:
        (outcome,) = calls(mode, server.base_url, [TOKEN], retry=RetryPolicy.none())
        seen = list(server.requests)
    assert type(outcome) is UnexpectedResponse, repr(outcome)
    assert outcome.status == 302
    assert len(seen) == 1  # the credentials went nowhere else


@pytest.mark.parametrize("mode", MODES)
def test_no_cookie_rides_from_one_user_to_another(mode: str) -> None:
    def answer(request: bytes) -> bytes:
        content = ok_response().split(b"\r\n\r\n", 1)[1]
        head = response_head(
            content_type="application/json",
            content_length=len(content),
            set_cookie="session=user-a; Path=/",
        )
        return head + content

    # httpx-aiohttp's own session keeps aiohttp's default jar, which sends this cookie back.
    with serving(keep_alive(answer), host="localhost") as server:
        limits = httpx.Limits(max_connections=1)  # both users on one connection, in turn
        outcomes = calls(mode, server.base_url, ["user-a", "user-b"], limits=limits)
        seen = list(server.requests)
    assert all(isinstance(o, ReleveIJ) for o in outcomes), outcomes
    assert len(seen) == 2
    assert all(b"\r\ncookie:" not in request.lower() for request in seen)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[CnamDouble, str]]:
    double = CnamDouble(people=[person(i) for i in range(100)], api_keys=[KEY])
    with running(double) as base_url:
        yield double, base_url


@pytest.mark.parametrize("mode", MODES)
def test_each_user_gets_their_own_lines(sandbox: tuple[CnamDouble, str], mode: str) -> None:
    double, base_url = sandbox
    double.clear_faults()
    users = list(range(100))
    outcomes = calls(mode, base_url, [person(i).token for i in users])
    for index, releve in zip(users, outcomes, strict=True):
        assert isinstance(releve, ReleveIJ), repr(releve)
        expected = {line.montant_journalier for line in person(index).paiements}
        assert {line.montant_journalier for line in releve.paiements} == expected


# fault, times injected, outcome (None: recovered with the lines). Over HTTP the transport
# faults are real: a dropped connection, silence, a body cut short.
MATRIX: list[tuple[Fault, int, type[ApijError] | None]] = [
    (Fault.RATE_LIMITED, 1, None),
    (Fault.RATE_LIMITED, 9, RateLimited),
    (Fault.UNAVAILABLE, 2, None),
    (Fault.UNAVAILABLE, 9, ServerError),
    (Fault.BAD_GATEWAY, 3, None),
    (Fault.BAD_GATEWAY, 9, ServerError),
    (Fault.SERVER_ERROR, 1, ServerError),
    (Fault.GATEWAY_TIMEOUT, 1, UndocumentedServerError),
    (Fault.CONNECT_ERROR, 2, None),
    (Fault.CONNECT_ERROR, 9, ConnectionFailed),
    (Fault.READ_TIMEOUT, 1, ApijTimeout),
    (Fault.SLOW, 1, None),
    (Fault.MALFORMED_JSON, 1, UnexpectedResponse),
    (Fault.WRONG_CONTENT_TYPE, 1, UnexpectedResponse),
    (Fault.TRUNCATED_BODY, 1, None),
    (Fault.TRUNCATED_BODY, 9, ConnectionFailed),
    (Fault.SCHEMA_VIOLATION, 1, UnexpectedResponse),
]


def test_the_loopback_matrix_covers_every_fault_of_the_double() -> None:
    assert {fault for fault, _, _ in MATRIX} == set(Fault)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("fault", "times", "error"), MATRIX, ids=[f"{f.value}x{t}" for f, t, _ in MATRIX]
)
def test_faults_over_loopback_are_typed(
    sandbox: tuple[CnamDouble, str],
    mode: str,
    fault: Fault,
    times: int,
    error: type[ApijError] | None,
) -> None:
    double, base_url = sandbox
    double.clear_faults()
    who = person(7)
    # A read timeout is silence longer than the read timeout; a slow answer comes in time.
    delay = 2.0 if fault is Fault.READ_TIMEOUT else 0.02
    double.inject_fault(fault, token=who.token, times=times, retry_after=0, delay=delay)
    timeouts = Timeouts(connect=0.5, read=0.5, total=3.0)
    (outcome,) = calls(mode, base_url, [who.token], retry=FAST_RETRY, timeouts=timeouts)
    if error is None:
        assert isinstance(outcome, ReleveIJ), repr(outcome)
    else:
        assert type(outcome) is error, repr(outcome)
