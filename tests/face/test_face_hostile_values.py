"""A hostile upstream's values: the cost of a response is bounded by its size, never by its
content; no exception is untyped; no server text reaches str() or repr(); no secret stays in
any frame that leaves the face.

Numbers first: literals that are short to write and ruinous to trust (1E+999999999 as a day
count, 0E-999999999 as an amount), each judged against a body of the same size that holds
nothing hostile, measured in the same test (CPU time of this thread and peak memory).
"""

from __future__ import annotations

import asyncio
import socket
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal, localcontext
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apij import (
    ApijClient,
    ApijError,
    AsyncApijClient,
    AttemptEvent,
    InternalError,
    ReleveIJ,
    RetryPolicy,
    Timeouts,
    TokenRejected,
    UnexpectedResponse,
)
from apij._decode import scrub
from apij.errors import UNDOCUMENTED_CODE
from tests.face._face_support import BASE_URL, body
from tests.face._loopback import Server, read_request, response_head, serving
from tests.face.test_face_exception_chains import chain, recorded_locals

KEY = "HOSTILEKEY-7c1d9e0b55"
TOKEN = "HOSTILETOKEN-a04f2c7e19"
WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-06-30"}
VALID = body("32.87", "28.53", "2.30")
ORIGINAL = {"nombre_jours": "14", "montant_journalier": "32.87", "csg": "28.53", "crds": "2.30"}
MiB = 1024 * 1024


def with_number(field: str, literal: str) -> bytes:
    return VALID.replace(f'"{field}":{ORIGINAL[field]}'.encode(), f'"{field}":{literal}'.encode())


def padded_to(size: int) -> bytes:
    """The valid statement grown to `size` bytes by a harmless unknown member."""
    pad = max(0, size - len(VALID) - len(',"x":""'))
    return VALID[:-1] + b',"x":"' + b"p" * pad + b'"}'


def use(outcome: ReleveIJ | ApijError) -> None:
    """Everything a caller may do with the outcome: print it, and every derived figure."""
    repr(outcome)
    str(outcome)
    if isinstance(outcome, ReleveIJ):
        for p in outcome.paiements:
            repr(p)
            _ = (p.brut, p.net)
        _ = (outcome.total_brut, outcome.total_net, outcome.total_csg, outcome.total_crds)
        _ = outcome.total_jours


def through_client(content: bytes) -> ReleveIJ | ApijError:
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200,
            headers={"content-type": "application/json"},
            stream=httpx.ByteStream(content),
        )
    )
    try:
        with ApijClient(KEY, base_url=BASE_URL, transport=transport) as client:
            return client.paiements(TOKEN, **WINDOW)
    except ApijError as exc:
        return exc


def cost(content: bytes) -> tuple[float, int, ReleveIJ | ApijError]:
    """(CPU seconds of this thread, peak bytes allocated, outcome) of a call and of using its
    outcome; the smallest CPU time of three runs (the machine may be busy)."""
    seconds = []
    peak = 0
    outcome: ReleveIJ | ApijError | None = None
    for _ in range(3):
        tracemalloc.start()
        started = time.thread_time()
        outcome = through_client(content)
        use(outcome)
        seconds.append(time.thread_time() - started)
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert outcome is not None
    return min(seconds), peak, outcome


exponents = st.one_of(
    st.sampled_from([999_999_999, -999_999_999, 400_000, 4300, -4300]),
    st.integers(-(10**9), 10**9),
)
literals = st.one_of(
    st.builds(lambda m, e: f"{m}E{e:+d}", st.sampled_from(["1", "0", "9.99", "-1"]), exponents),
    st.builds(lambda n: "9" * n, st.integers(90, 100_000)),
    st.builds(lambda n: "0." + "0" * n + "1", st.integers(90, 100_000)),
    st.builds(lambda n: "14." + "0" * n, st.integers(90, 100_000)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    field=st.sampled_from(["nombre_jours", "montant_journalier", "csg", "crds"]),
    literal=literals,
)
def test_no_number_costs_more_than_its_size(field: str, literal: str) -> None:
    hostile = with_number(field, literal)
    baseline_seconds, baseline_peak, baseline = cost(padded_to(len(hostile)))
    assert isinstance(baseline, ReleveIJ), repr(baseline)
    seconds, peak, outcome = cost(hostile)
    assert isinstance(outcome, (ReleveIJ, UnexpectedResponse)), repr(outcome)
    # Linear in the size: within a small factor of a harmless body as large, in the same test.
    # Trusted, the worst of these took 9 s and 9.4 GB.
    assert seconds <= 10 * baseline_seconds + 0.05, (seconds, baseline_seconds)
    assert peak <= 4 * baseline_peak + 2 * MiB, (peak, baseline_peak)


BOUNDS = "a number beyond the face's bounds (100 digits)"
NOT_CENTS = "body violates the contract at"  # its remainder by 0.01 is not even computed


@pytest.mark.parametrize(
    ("field", "literal", "why"),
    [
        ("nombre_jours", "1E+999999999", BOUNDS),
        ("nombre_jours", "1E+4300", BOUNDS),
        ("nombre_jours", "9" * 101, BOUNDS),
        ("nombre_jours", "9" * 100_000, BOUNDS),
        ("csg", "9" * 101, BOUNDS),
        ("montant_journalier", "1E+400000", NOT_CENTS),
        ("crds", "1E-999999999", NOT_CENTS),
    ],
)
def test_numbers_beyond_the_bounds_are_refused_typed(field: str, literal: str, why: str) -> None:
    outcome = through_client(with_number(field, literal))
    assert type(outcome) is UnexpectedResponse, repr(outcome)
    assert why in str(outcome)


def test_numbers_within_the_bounds_are_exact() -> None:
    # Absurd but within bounds: 10^45 euros a day for 10^99 days, computed exactly, at once.
    content = with_number("montant_journalier", "1E+45").replace(
        b'"nombre_jours":14', b'"nombre_jours":1E+99'
    )
    outcome = through_client(content)
    assert isinstance(outcome, ReleveIJ), repr(outcome)
    assert outcome.paiements[0].brut == Decimal("1E+144")
    with localcontext(prec=300):
        expected = Decimal("1E+144") - Decimal("30.83")
    assert outcome.total_net == expected


def test_an_amount_not_in_cents_is_refused_typed() -> None:
    # Only a contract without `multipleOf: 0.01` would let one through the judge.
    with pytest.MonkeyPatch.context() as patch:
        from apij import _decode

        patch.setattr(_decode, "_CENT", Decimal("1"))
        outcome = through_client(with_number("csg", "28.53"))
    assert type(outcome) is UnexpectedResponse, repr(outcome)
    assert "not a whole number of cents" in str(outcome)


def test_a_zero_with_a_huge_exponent_is_zero_cents() -> None:
    for literal in ("0E-999999999", "0E-999999999999999999", "0E+999999999", "0E-999"):
        outcome = through_client(with_number("csg", literal))
        assert isinstance(outcome, ReleveIJ), repr(outcome)
        (line,) = outcome.paiements
        assert line.csg == 0
        assert line.csg.as_tuple().exponent == -2  # quantised: no later sum carries the exponent
        assert line.net == Decimal("460.18") - Decimal("2.30")


def test_amounts_come_out_in_cents_equal_to_the_literals() -> None:
    outcome = through_client(with_number("montant_journalier", "32.870"))
    assert isinstance(outcome, ReleveIJ), repr(outcome)
    assert outcome.paiements[0].montant_journalier == Decimal("32.87")
    assert str(outcome.paiements[0].montant_journalier) == "32.87"


# --- raw sockets: both clients, as the upstreams that broke the promises answered ------------


def raw_answer(status_line: bytes, content: bytes) -> Callable[[socket.socket, Server], None]:
    def answer(conn: socket.socket, server: Server) -> None:
        if read_request(conn, server) is not None:
            head = b"HTTP/1.1 " + status_line + b"\r\n"
            head += response_head(content_type="application/json", content_length=len(content))[
                len(b"HTTP/1.1 200 OK\r\n") :
            ]
            conn.sendall(head + content)

    return answer


def raw_call(mode: str, base_url: str) -> tuple[ReleveIJ | ApijError, list[AttemptEvent]]:
    events: list[AttemptEvent] = []
    options: dict[str, Any] = {
        "base_url": base_url,
        "timeouts": Timeouts(10, 10, 3),
        "retry": RetryPolicy.none(),
        "on_attempt": events.append,
    }

    async def async_call() -> ReleveIJ:
        async with AsyncApijClient(KEY, **options) as client:
            return await client.paiements(TOKEN, **WINDOW)

    try:
        if mode == "sync":
            with ApijClient(KEY, **options) as client:
                return client.paiements(TOKEN, **WINDOW), events
        return asyncio.run(async_call()), events
    except ApijError as exc:
        return exc, events


def assert_nothing_leaks(exc: ApijError) -> None:
    assert chain(exc) == [exc]
    for text in (str(exc), repr(exc), repr(vars(exc)), *recorded_locals(exc)):
        assert KEY not in text
        assert TOKEN not in text


CASES = [
    (
        "days-1E+999999999",
        b"200 OK",
        with_number("nombre_jours", "1E+999999999"),
        UnexpectedResponse,
    ),
    ("days-1E+400000", b"200 OK", with_number("nombre_jours", "1E+400000"), UnexpectedResponse),
    ("csg-0E-999999999", b"200 OK", with_number("csg", "0E-999999999"), ReleveIJ),
    (
        "lone-surrogate-date",
        b"200 OK",
        VALID.replace(b'"date_debut":"2025-01-01"', b'"date_debut":"\\ud800"'),
        UnexpectedResponse,
    ),
    ("lone-surrogate-401", b"401 Unauthorized", b'{"code": "jeton\\ud800", "message": "x"}', None),
    (
        "latin-1-reason-401",
        b"401 Non autoris\xe9",
        b'{"code": "jeton_expire", "message": "x"}',
        None,
    ),
    ("non-utf8-reason-200", b"200 OK \xff", VALID, ReleveIJ),
]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("status_line", "content", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_the_hostile_upstreams_end_typed_on_both_clients(
    mode: str, status_line: bytes, content: bytes, expected: type[Any] | None
) -> None:
    with serving(raw_answer(status_line, content)) as server:
        outcome, events = raw_call(mode, server.base_url)
    if expected is None:  # a 401: the token is refused, whatever the body's code holds
        assert isinstance(outcome, ApijError), repr(outcome)
        assert outcome.status == 401
    else:
        assert type(outcome) is expected, repr(outcome)
    assert len(events) == 1  # the attempt was reported, typed
    if isinstance(outcome, ApijError):
        assert events[0].outcome == type(outcome).__name__
        assert_nothing_leaks(outcome)
    use(outcome)


def test_a_latin_1_reason_phrase_keeps_the_401_meaning() -> None:
    content = b'{"code": "jeton_expire", "message": "x"}'
    with serving(raw_answer(b"401 Non autoris\xe9", content)) as server:
        outcomes = [raw_call(mode, server.base_url)[0] for mode in ("sync", "async")]
    assert [type(o) for o in outcomes] == [TokenRejected, TokenRejected], outcomes


# --- server text: never in str() or repr(); cleaned before it is masked ----------------------


def through_mock(status: int, payload: bytes) -> ApijError:
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            status, headers={"content-type": "application/json"}, content=payload
        )
    )
    with ApijClient(KEY, base_url=BASE_URL, transport=transport) as client:
        try:
            client.paiements(TOKEN, **WINDOW)
        except ApijError as exc:
            return exc
    raise AssertionError("the call should have failed")


def test_an_undocumented_code_is_a_fixed_token_in_str_and_repr() -> None:
    exc = through_mock(400, b'{"code": "Jean DUPONT NIR 1800175123456", "message": "x"}')
    assert str(exc) == f"invalid request (HTTP 400, code {UNDOCUMENTED_CODE})"
    assert "DUPONT" not in repr(exc)
    assert exc.code == UNDOCUMENTED_CODE
    assert exc.detail == "code Jean DUPONT NIR 1800175123456: x"


def test_an_undocumented_code_quoting_a_secret_is_masked_in_detail() -> None:
    exc = through_mock(400, f'{{"code": "k={KEY}", "message": "t={TOKEN}"}}'.encode())
    assert exc.detail == "code k=***: t=***"


@pytest.mark.parametrize(
    "hidden",
    [
        "HOSTILETOKEN-a04f\\u00002c7e19",
        "HOSTILETOKEN-a04f\\n2c7e19",
        "HOSTILETOKEN-a04f\\u200b2c7e19",
        "HOSTILE\\u0007TOKEN-a04f2c7e19",
    ],
)
def test_cleaning_comes_before_masking(hidden: str) -> None:
    exc = through_mock(401, f'{{"code": "jeton_expire", "message": "got {hidden}"}}'.encode())
    assert exc.detail == "got ***"


def test_scrub_caps_after_masking() -> None:
    assert scrub("a" * 195 + TOKEN, [TOKEN]) == "a" * 195 + "***"
    assert len(scrub("é" * 500, [])) == 200


# --- the safety net: an exception nobody expected is typed, with no frame kept -------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_unexpected_exception_becomes_an_internal_error(mode: str) -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        secret_here = (KEY, TOKEN)  # a frame local, as the old decoder's `secrets` was
        raise RuntimeError(f"boom {secret_here}")

    events: list[AttemptEvent] = []
    options: dict[str, Any] = {"base_url": BASE_URL, "on_attempt": events.append}

    async def async_call() -> None:
        transport = httpx.MockTransport(explode)
        async with AsyncApijClient(KEY, transport=transport, **options) as client:
            await client.paiements(TOKEN, **WINDOW)

    def sync_call() -> None:
        with ApijClient(KEY, transport=httpx.MockTransport(explode), **options) as client:
            client.paiements(TOKEN, **WINDOW)

    with pytest.raises(InternalError) as caught:
        sync_call() if mode == "sync" else asyncio.run(async_call())
    exc = caught.value
    assert str(exc).startswith("internal error (RuntimeError at test_face_hostile_values.py:")
    assert_nothing_leaks(exc)
    assert [e.outcome for e in events] == ["InternalError"]
