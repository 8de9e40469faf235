"""Any response, however malformed, ends in a ReleveIJ or an ApijError: never another exception.

Random statuses, headers (Retry-After of hundreds or thousands of digits, non-ASCII digits,
dates beyond any calendar), content types and encodings, and bodies (random bytes, JSON with
duplicate keys, bodies close to the contract), through the whole client; and bodies as any httpx
transport hands them over (already read, or compressed).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import math
import zlib
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apij import (
    ApijClient,
    ApijError,
    AsyncApijClient,
    RateLimited,
    ReleveIJ,
    RetryPolicy,
    ServerError,
    UnexpectedResponse,
)
from apij._decode import parse_retry_after
from apij.clock import ManualClock
from tests.face._face_support import BASE_URL, KEY, body

WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-06-30"}
VALID = body("32.87", "28.53", "2.30")
DUPLICATE_AMOUNT = VALID.replace(
    b'"montant_journalier":32.87', b'"montant_journalier":32.87,"montant_journalier":99.99'
)

HOSTILE_RETRY_AFTER = [
    "7" * 400,  # float() of it overflows
    "9" * 5000,  # int() of it exceeds Python's digit limit
    "١٢",  # Arabic-Indic digits: str.isdigit() says yes, int() reads 12
    "²",  # a digit to str.isdigit(), not to int()
    "１２",  # fullwidth digits
    "Wed, 21 Oct 99999 07:28:00 GMT",
    "Wed, 21 Oct 2015 07:28:00",  # no zone
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "-5",
    "1e3",
    "0" * 300 + "5",
    "",
]

statuses = st.one_of(
    st.sampled_from([200, 400, 401, 403, 404, 429, 500, 502, 503]), st.integers(100, 599)
)
texts = st.text(max_size=60)
retry_afters = st.one_of(
    st.sampled_from(HOSTILE_RETRY_AFTER),
    st.text(alphabet="0123456789", min_size=1, max_size=500),
    texts,
)
content_types = st.one_of(
    st.sampled_from(["application/json", "application/json; charset=utf-8", "text/html", ""]),
    texts,
)
# Literals no statement needs, each cheap to write and costly to convert if trusted: huge and
# tiny exponents, zero with a huge exponent, 10^5 digits; and strings no validator can take.
EXTREME_NUMBERS = [
    "1E+999999999",
    "1E+400000",
    "1E+4300",
    "-1E+999999999",
    "0E-999999999",
    "0E-999999999999999999",
    "1E-999999999",
    "9" * 100_000,
    "0." + "0" * 100_000 + "1",
    "14." + "0" * 100_000,
    "1e99999999999999999999",
]
FIELDS = ["nombre_jours", "montant_journalier", "csg", "crds"]
ORIGINAL = {"nombre_jours": "14", "montant_journalier": "32.87", "csg": "28.53", "crds": "2.30"}


def with_number(field: str, literal: str) -> bytes:
    """The valid statement with one line's `field` written as `literal`."""
    return VALID.replace(f'"{field}":{ORIGINAL[field]}'.encode(), f'"{field}":{literal}'.encode())


SURROGATE_BODIES = [
    VALID.replace(b'"date_debut":"2025-01-01"', b'"date_debut":"\\ud800"'),
    VALID.replace(b'"date_debut":"2025-01-01"', b'"date_debut":"\\udfff\\ud800"'),
    b'{"code": "jeton\\ud800", "message": "x"}',
    b'{"code": "jeton_expire", "message": "x\\ud800"}',
    '{"code": "jeton_expire", "message": "\ud800"}'.encode("utf-8", "surrogatepass"),
]
json_bodies = st.one_of(
    st.sampled_from([VALID, DUPLICATE_AMOUNT, b"{}", b"[]", b"null", b'{"code":1}']),
    st.builds(with_number, st.sampled_from(FIELDS), st.sampled_from(EXTREME_NUMBERS)),
    st.sampled_from(SURROGATE_BODIES),
    st.builds(
        lambda code, message: json.dumps({"code": code, "message": message}).encode(),
        st.one_of(st.sampled_from(["assure_inconnu", "jeton_expire", "cle_api_invalide"]), texts),
        texts,
    ),
    st.builds(lambda junk: VALID[: len(VALID) // 2] + junk, st.binary(max_size=40)),
)
bodies = st.one_of(json_bodies, st.binary(max_size=300))
codings = st.sampled_from(["", "identity", "gzip", "deflate", "br", "gzip, deflate", "x"])


def _encoded(content: bytes, coding: str, honest: bool) -> bytes:
    if not honest:
        return content
    if coding == "gzip":
        return gzip.compress(content)
    if coding == "deflate":
        return zlib.compress(content)
    return content


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


@st.composite
def responses(draw: st.DrawFn) -> Answer:
    headers: list[tuple[bytes, bytes]] = []
    coding = draw(codings)
    content = _encoded(draw(bodies), coding, draw(st.booleans()))
    if coding:
        headers.append((b"content-encoding", coding.encode()))
    headers.append((b"content-type", draw(content_types).encode("utf-8", "surrogatepass")))
    if draw(st.booleans()):
        headers.append((b"retry-after", draw(retry_afters).encode("utf-8", "surrogatepass")))
    if draw(st.booleans()):
        headers.append((b"www-authenticate", draw(texts).encode("utf-8", "surrogatepass")))
    if draw(st.booleans()):
        headers.append(
            (b"content-length", draw(st.sampled_from([b"0", b"99999999999", b"-1", b"x"])))
        )
    return draw(statuses), headers, content


def _through_client(answer: Answer, clock: ManualClock | None = None) -> ReleveIJ | ApijError:
    status, headers, content = answer

    def respond(request: httpx.Request) -> httpx.Response:
        # A new response per attempt, streamed: the face reads it raw, as from a socket.
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))

    transport = httpx.MockTransport(respond)
    try:
        with ApijClient(KEY, base_url=BASE_URL, transport=transport, clock=clock) as client:
            return client.paiements("token-x", **WINDOW)
    except ApijError as exc:
        return exc


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(answer=responses())
def test_any_response_ends_in_a_statement_or_a_typed_error(answer: Answer) -> None:
    # The default retry policy, with its waits recorded on a manual clock instead of slept.
    clock = ManualClock()
    outcome = _through_client(answer, clock)
    assert isinstance(outcome, (ReleveIJ, ApijError))
    assert all(0 <= wait <= RetryPolicy().max_retry_after for wait in clock.sleeps)
    if isinstance(outcome, ApijError):
        # Its text is built from its own fields: they must all render.
        assert str(outcome)
        assert repr(outcome)


@pytest.mark.parametrize("value", HOSTILE_RETRY_AFTER)
def test_retry_after_parsing_never_raises(value: str) -> None:
    parsed = parse_retry_after(value, now=0.0)
    assert parsed is None or parsed >= 0.0


def test_retry_after_readings() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("0" * 300 + "5") == 5.0
    assert parse_retry_after("9" * 300) == float("9" * 300)
    assert parse_retry_after("7" * 400) == math.inf  # too long for a float: unbounded
    assert parse_retry_after("١٢") is None
    assert parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now=784111777.0) == 0.0
    assert parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now=784111770.0) == 7.0


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("status", "value", "cls", "retry_after"),
    [
        (429, "7" * 400, RateLimited, math.inf),
        (503, "9" * 5000, ServerError, math.inf),
        (429, "١٢", RateLimited, None),
        (503, "²", ServerError, None),
    ],
)
def test_hostile_retry_after_gives_the_typed_error_without_retrying(
    mode: str, status: int, value: str, cls: type[ApijError], retry_after: float | None
) -> None:
    content = json.dumps({"code": "trop_de_requetes", "message": "slow down"}).encode()
    if status == 503:
        content = json.dumps({"code": "service_indisponible", "message": "later"}).encode()
    headers = [(b"content-type", b"application/json"), (b"retry-after", value.encode())]
    calls: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(status, headers=headers, content=content)

    transport = httpx.MockTransport(answer)
    clock = ManualClock()
    policy = RetryPolicy(max_attempts=2, backoff=0.001, max_backoff=0.001)
    options: dict[str, Any] = {
        "base_url": BASE_URL,
        "transport": transport,
        "retry": policy,
        "clock": clock,
    }

    def sync_call() -> None:
        with ApijClient(KEY, **options) as client:
            client.paiements("token-x", **WINDOW)

    async def async_call() -> None:
        async with AsyncApijClient(KEY, **options) as client:
            await client.paiements("token-x", **WINDOW)

    with pytest.raises(cls) as caught:
        sync_call() if mode == "sync" else asyncio.run(async_call())
    assert type(caught.value) is cls
    assert caught.value.retry_after == retry_after
    # An unbounded wait is longer than max_retry_after: no retry; an unreadable one is retried.
    assert len(calls) == (1 if retry_after else 2)


@pytest.mark.parametrize("content", [DUPLICATE_AMOUNT, b'{"date_debut":"2025-01-01",' + VALID[1:]])
def test_duplicate_keys_are_a_contract_violation(content: bytes) -> None:
    outcome = _through_client((200, [(b"content-type", b"application/json")], content))
    assert type(outcome) is UnexpectedResponse, repr(outcome)
    assert "duplicate key" in str(outcome)


# --- bodies from any httpx transport: pre-read responses and compressed ones ----------------

TRANSPORT_KEY = "transport-test-partner-key"


def _net_through(transport: httpx.MockTransport) -> Decimal:
    with ApijClient(TRANSPORT_KEY, base_url=BASE_URL, transport=transport) as client:
        releve = client.paiements("token-x", date_debut="2025-01-01", date_fin="2025-06-30")
    return releve.paiements[0].net


def test_a_response_the_transport_already_read() -> None:
    # httpx.Response(content=...) is read on construction: there is no stream left to stream.
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, content=VALID, headers={"content-type": "application/json"}
        )
    )
    assert _net_through(transport) == Decimal("429.35")


def test_a_gzip_encoded_body_is_decoded_once() -> None:
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200,
            stream=httpx.ByteStream(gzip.compress(VALID)),
            headers={"content-type": "application/json", "content-encoding": "gzip"},
        )
    )
    assert _net_through(transport) == Decimal("429.35")
