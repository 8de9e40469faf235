"""Fault matrix: every fault of the double, sync and async, with the outcome and the deadline.

Time is a `ManualClock` shared by the client and the double's door: a slow answer advances it
instead of sleeping, every retry wait is recorded on it, and every assertion on time is exact
(what the clock says), so a busy machine cannot make these tests fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from apij import (
    ApijError,
    ApijTimeout,
    AttemptEvent,
    ConnectionFailed,
    RateLimited,
    ReleveIJ,
    RetryPolicy,
    ServerError,
    Timeouts,
    UndocumentedServerError,
    UnexpectedResponse,
)
from apij.clock import ManualClock, use_clock
from apij.double import CnamDouble, Fault, respx_router
from tests.face._face_support import BASE_URL, FAST_RETRY, KEY, outcome_in, person

WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-12-31"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def routed(double: CnamDouble, clock: ManualClock) -> Iterator[CnamDouble]:
    """The double behind its router, its slow answers taking time on the test's clock."""
    with respx_router(double, BASE_URL, clock=clock):
        yield double


@dataclass
class Outcome:
    result: ReleveIJ | None
    error: ApijError | None
    events: list[AttemptEvent]
    elapsed: float  # on the clock: answers' delays and retry waits, exactly


def run(
    clock: ManualClock,
    mode: str,
    token: str,
    timeouts: Timeouts,
    retry: RetryPolicy = FAST_RETRY,
) -> Outcome:
    events: list[AttemptEvent] = []
    options: dict[str, Any] = {"retry": retry, "timeouts": timeouts, "on_attempt": events.append}
    started = clock.now()
    outcome = outcome_in(mode, BASE_URL, KEY, token, WINDOW, clock=clock, **options)
    elapsed = clock.now() - started
    if isinstance(outcome, ApijError):
        return Outcome(None, outcome, events, elapsed)
    return Outcome(outcome, None, events, elapsed)


# fault, times injected, expected attempts, expected error (None: recovered with the lines)
MATRIX: list[tuple[Fault, int, int, type[ApijError] | None]] = [
    (Fault.RATE_LIMITED, 1, 2, None),
    (Fault.RATE_LIMITED, 9, 4, RateLimited),
    (Fault.UNAVAILABLE, 2, 3, None),
    (Fault.UNAVAILABLE, 9, 4, ServerError),
    (Fault.BAD_GATEWAY, 3, 4, None),
    (Fault.BAD_GATEWAY, 9, 4, ServerError),
    (Fault.SERVER_ERROR, 1, 1, ServerError),
    (Fault.GATEWAY_TIMEOUT, 1, 1, UndocumentedServerError),
    (Fault.CONNECT_ERROR, 2, 3, None),
    (Fault.CONNECT_ERROR, 9, 4, ConnectionFailed),
    (Fault.READ_TIMEOUT, 1, 1, ApijTimeout),
    (Fault.SLOW, 1, 1, None),
    (Fault.MALFORMED_JSON, 1, 1, UnexpectedResponse),
    (Fault.WRONG_CONTENT_TYPE, 1, 1, UnexpectedResponse),
    # The body is cut and the connection dropped: a connection failure, retried (GET).
    (Fault.TRUNCATED_BODY, 1, 2, None),
    (Fault.TRUNCATED_BODY, 9, 4, ConnectionFailed),
    (Fault.SCHEMA_VIOLATION, 1, 1, UnexpectedResponse),
]


def test_matrix_covers_every_fault_of_the_double() -> None:
    # A fault added to the double must get its row here.
    assert {fault for fault, _, _, _ in MATRIX} == set(Fault)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("fault", "times", "attempts", "error"),
    MATRIX,
    ids=[f"{f.value}x{t}" for f, t, _, _ in MATRIX],
)
def test_fault_matrix(
    routed: CnamDouble,
    clock: ManualClock,
    mode: str,
    fault: Fault,
    times: int,
    attempts: int,
    error: type[ApijError] | None,
) -> None:
    who = person(7)
    routed.inject_fault(fault, token=who.token, times=times, retry_after=0, delay=0.02)
    timeouts = Timeouts(connect=0.5, read=0.5, total=2.0)
    outcome = run(clock, mode, who.token, timeouts)
    if error is None:
        assert outcome.error is None, repr(outcome.error)
        assert outcome.result is not None
        assert outcome.result.paiements[0].montant_journalier == Decimal("20.07")
    else:
        assert type(outcome.error) is error, repr(outcome.error)
        assert outcome.result is None
    assert len(outcome.events) == attempts
    assert [e.attempt for e in outcome.events] == list(range(1, attempts + 1))
    # Every attempt but the last announces its wait; the last ends the call.
    assert all(e.retry_in is not None for e in outcome.events[:-1])
    assert outcome.events[-1].retry_in is None
    assert outcome.events[-1].outcome == ("ok" if error is None else type(outcome.error).__name__)
    # The clock moved by the answers' delays and the announced waits only, within the deadline.
    waits = sum(e.retry_in or 0.0 for e in outcome.events)
    assert outcome.elapsed == pytest.approx(0.02 * fault_delays(fault, times, attempts) + waits)
    assert outcome.elapsed < timeouts.total


def fault_delays(fault: Fault, times: int, attempts: int) -> int:
    """How many answers took the injected delay (only the slow fault delays an answer)."""
    return min(times, attempts) if fault is Fault.SLOW else 0


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_slow_answer_past_the_deadline_times_out_on_time(
    routed: CnamDouble, clock: ManualClock, mode: str
) -> None:
    who = person(8)
    routed.inject_fault(Fault.SLOW, token=who.token, delay=5.0)
    timeouts = Timeouts(connect=1.0, read=3.0, total=0.3)
    outcome = run(clock, mode, who.token, timeouts)
    assert isinstance(outcome.error, ApijTimeout)
    assert str(outcome.error) == "total deadline exceeded"
    # The read was cut to the time left: the call ends exactly at its deadline, not at 3 s.
    assert outcome.elapsed == pytest.approx(0.3)
    assert clock.sleeps == [pytest.approx(0.3)]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_read_timeout_per_attempt(routed: CnamDouble, clock: ManualClock, mode: str) -> None:
    who = person(9)
    routed.inject_fault(Fault.SLOW, token=who.token, delay=5.0)
    timeouts = Timeouts(connect=1.0, read=0.1, total=3.0)
    outcome = run(clock, mode, who.token, timeouts, retry=RetryPolicy.none())
    assert isinstance(outcome.error, ApijTimeout)
    assert str(outcome.error) == "timed out (ReadTimeout)"  # the attempt's, not the call's
    assert outcome.elapsed == pytest.approx(0.1)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_retry_after_beyond_the_deadline_is_not_slept(
    routed: CnamDouble, clock: ManualClock, mode: str
) -> None:
    who = person(10)
    routed.inject_fault(Fault.RATE_LIMITED, token=who.token, times=9, retry_after=2)
    timeouts = Timeouts(connect=0.5, read=0.5, total=0.5)
    outcome = run(clock, mode, who.token, timeouts)
    assert isinstance(outcome.error, RateLimited)
    assert outcome.error.retry_after == 2.0
    assert len(outcome.events) == 1
    assert clock.sleeps == []
    assert outcome.elapsed == 0


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_retry_after_is_honoured(routed: CnamDouble, clock: ManualClock, mode: str) -> None:
    who = person(11)
    routed.inject_fault(Fault.UNAVAILABLE, token=who.token, times=1, retry_after=1)
    # Backoff alone would wait at most 1 ms: the 1 s announced by the server wins.
    outcome = run(clock, mode, who.token, Timeouts(connect=0.5, read=0.5, total=3.0))
    assert outcome.error is None
    assert outcome.events[0].retry_in == 1.0
    assert clock.sleeps == [1.0]


def test_backoff_grows_and_stays_capped(routed: CnamDouble, clock: ManualClock) -> None:
    who = person(12)
    routed.inject_fault(Fault.BAD_GATEWAY, token=who.token, times=5)
    policy = RetryPolicy(max_attempts=6, backoff=0.002, max_backoff=0.01)
    outcome = run(clock, "sync", who.token, Timeouts(total=3.0), retry=policy)
    waits = [e.retry_in for e in outcome.events[:-1]]
    assert outcome.error is None
    assert len(waits) == 5
    # Full jitter: each wait is within [0, min(cap, backoff * 2^n)].
    for n, wait in enumerate(waits, start=1):
        assert wait is not None
        assert 0 <= wait <= min(0.01, 0.002 * 2 ** (n - 1))
    assert clock.sleeps == waits


def test_no_retry_policy_makes_one_attempt(routed: CnamDouble, clock: ManualClock) -> None:
    who = person(13)
    routed.inject_fault(Fault.BAD_GATEWAY, token=who.token, times=1)
    outcome = run(clock, "sync", who.token, Timeouts(total=2.0), retry=RetryPolicy.none())
    assert isinstance(outcome.error, ServerError)
    assert len(outcome.events) == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_clients_without_a_clock_use_the_current_one(routed: CnamDouble, mode: str) -> None:
    # What the apij_mock fixture relies on: clients built by the code under test, not given a
    # clock, read and sleep on the one made current.
    other = ManualClock()
    who = person(14)
    routed.inject_fault(Fault.UNAVAILABLE, token=who.token, times=2, retry_after=1)
    with use_clock(other):
        outcome = outcome_in(mode, BASE_URL, KEY, who.token, WINDOW, retry=FAST_RETRY)
    assert isinstance(outcome, ReleveIJ), repr(outcome)
    assert other.sleeps == [1.0, 1.0]  # the server's Retry-After, twice: recorded, not slept
