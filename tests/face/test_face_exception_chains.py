"""Nothing reachable through exceptions: an ApijError chains no exception, so neither the request
(API key, token) of an httpx error nor a parser's copy of the body (`JSONDecodeError.doc`) can
be reached from it, whatever the failure and whichever transport; and its traceback holds no
frame below the public method, so tools that record frame locals (Sentry, `pytest -l`, rich's
`show_locals`) find neither a credential nor the body there.
"""

from __future__ import annotations

import asyncio
import socket
import traceback
from collections.abc import Iterator
from typing import Any

import pytest

from apij import ApijClient, ApijError, AsyncApijClient, RetryPolicy, Timeouts
from apij.double import CnamDouble, Fault, Person
from apij.double.sandbox import running
from tests.face._face_support import lignes_for
from tests.face._loopback import Server, read_request, response_head, serving

CANARY_KEY = "CHAINKEY-5e1f0c9a77"
CANARY_TOKEN = "CHAINTOKEN-b42d8e1f03"
BODY_CANARY = "CHAINBODY-91ac3e"
WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-06-30"}
QUICK = Timeouts(connect=0.3, read=0.3, total=1.0)


def chain(exc: BaseException) -> list[BaseException]:
    """The exception and every exception reachable through __cause__ and __context__."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]
    return seen


def recorded_locals(exc: BaseException) -> list[str]:
    """`name=repr(value)` of every local of every frame in the error's traceback, as an error
    tracker records them; the frames of this file (the caller's) aside."""
    return [
        f"{frame.f_code.co_name}: {name}={value!r}"
        for frame, _ in traceback.walk_tb(exc.__traceback__)
        if frame.f_code.co_filename != __file__
        for name, value in frame.f_locals.items()
    ]


def assert_clean(exc: ApijError) -> None:
    assert chain(exc) == [exc], [type(e).__name__ for e in chain(exc)]
    for text in (str(exc), repr(exc), repr(vars(exc)), *recorded_locals(exc)):
        for canary in (CANARY_KEY, CANARY_TOKEN, BODY_CANARY):
            assert canary not in text, text[:300]


def outcome(mode: str, base_url: str, key: str = CANARY_KEY) -> ApijError:
    options: dict[str, Any] = {"base_url": base_url, "timeouts": QUICK}
    options["retry"] = RetryPolicy.none()

    async def async_call() -> None:
        async with AsyncApijClient(key, **options) as client:
            await client.paiements(CANARY_TOKEN, **WINDOW)

    try:
        if mode == "sync":
            with ApijClient(key, **options) as client:
                client.paiements(CANARY_TOKEN, **WINDOW)
        else:
            asyncio.run(async_call())
    except ApijError as exc:
        return exc
    raise AssertionError("the call should have failed")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[CnamDouble, str]]:
    person = Person(
        name="chain",
        token=CANARY_TOKEN,
        api_key=CANARY_KEY,
        extra_paiements=lignes_for(1),
    )
    double = CnamDouble(people=[person], api_keys=[CANARY_KEY])
    with running(double) as base_url:
        yield double, base_url


FAULTS = [f for f in Fault if f is not Fault.SLOW]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("fault", FAULTS, ids=[f.value for f in FAULTS])
def test_faults_over_loopback_chain_nothing(
    sandbox: tuple[CnamDouble, str], mode: str, fault: Fault
) -> None:
    double, base_url = sandbox
    double.clear_faults()
    # Twice: aiohttp re-sends a GET once when the server drops the connection before answering.
    double.inject_fault(fault, token=CANARY_TOKEN, times=2, retry_after=0, delay=1.0)
    assert_clean(outcome(mode, base_url))


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_refused_credentials_chain_nothing(sandbox: tuple[CnamDouble, str], mode: str) -> None:
    double, base_url = sandbox
    double.clear_faults()
    assert_clean(outcome(mode, base_url, key=CANARY_KEY + "x"))


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_refused_connection_chains_nothing(mode: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    assert_clean(outcome(mode, f"http://127.0.0.1:{port}/v1"))


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    "content",
    [
        f'{{"date_debut": "{BODY_CANARY}", oops'.encode(),
        f'{{"date_debut": "{BODY_CANARY}", "date_debut": "x"}}'.encode(),
        f'{{"montant": 1e999999999999999999999, "x": "{BODY_CANARY}"}}'.encode(),
        f'{{"paiements": "{BODY_CANARY}"}}'.encode(),
    ],
    ids=["malformed", "duplicate-key", "number-out-of-range", "schema-violation"],
)
def test_bad_bodies_chain_nothing(mode: str, content: bytes) -> None:
    def answer(conn: socket.socket, server: Server) -> None:
        if read_request(conn, server) is not None:
            head = response_head(content_type="application/json", content_length=len(content))
            conn.sendall(head + content)

    with serving(answer) as server:
        assert_clean(outcome(mode, server.base_url))


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_unparsable_status_line_chains_nothing(mode: str) -> None:
    def answer(conn: socket.socket, server: Server) -> None:
        if read_request(conn, server) is not None:
            conn.sendall(f"HTTP/1.1 2x0 {BODY_CANARY}\r\n\r\n".encode())

    with serving(answer) as server:
        assert_clean(outcome(mode, server.base_url))
