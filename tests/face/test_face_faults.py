"""Fault matrix: every fault of the double, sync and async, with the outcome and the deadline."""

from __future__ import annotations

import time
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
    _retry,
)
from apij.double import CnamDouble, Fault
from tests.face._face_support import BASE_URL, FAST_RETRY, KEY, outcome_in, person

WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-12-31"}
SLACK = 0.15  # scheduling slack on a loaded 2-core machine


@dataclass
class Outcome:
    result: ReleveIJ | None
    error: ApijError | None
    events: list[AttemptEvent]
    elapsed: float


def run(mode: str, token: str, timeouts: Timeouts, retry: RetryPolicy = FAST_RETRY) -> Outcome:
    events: list[AttemptEvent] = []
    options: dict[str, Any] = {"retry": retry, "timeouts": timeouts, "on_attempt": events.append}
    started = time.monotonic()
    outcome = outcome_in(mode, BASE_URL, KEY, token, WINDOW, **options)
    elapsed = time.monotonic() - started
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
    mode: str,
    fault: Fault,
    times: int,
    attempts: int,
    error: type[ApijError] | None,
) -> None:
    who = person(7)
    routed.inject_fault(fault, token=who.token, times=times, retry_after=0, delay=0.02)
    timeouts = Timeouts(connect=0.5, read=0.5, total=2.0)
    outcome = run(mode, who.token, timeouts)
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
    assert outcome.elapsed < timeouts.total + SLACK


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_slow_answer_past_the_deadline_times_out_on_time(routed: CnamDouble, mode: str) -> None:
    who = person(8)
    routed.inject_fault(Fault.SLOW, token=who.token, delay=5.0)
    timeouts = Timeouts(connect=1.0, read=3.0, total=0.3)
    outcome = run(mode, who.token, timeouts)
    assert isinstance(outcome.error, ApijTimeout)
    assert 0.25 < outcome.elapsed < timeouts.total + SLACK


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_read_timeout_per_attempt(routed: CnamDouble, mode: str) -> None:
    who = person(9)
    routed.inject_fault(Fault.SLOW, token=who.token, delay=5.0)
    timeouts = Timeouts(connect=1.0, read=0.1, total=3.0)
    outcome = run(mode, who.token, timeouts)
    assert isinstance(outcome.error, ApijTimeout)
    assert outcome.elapsed < 0.1 + SLACK


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_retry_after_beyond_the_deadline_is_not_slept(routed: CnamDouble, mode: str) -> None:
    who = person(10)
    routed.inject_fault(Fault.RATE_LIMITED, token=who.token, times=9, retry_after=2)
    timeouts = Timeouts(connect=0.5, read=0.5, total=0.5)
    outcome = run(mode, who.token, timeouts)
    assert isinstance(outcome.error, RateLimited)
    assert outcome.error.retry_after == 2.0
    assert len(outcome.events) == 1
    assert outcome.elapsed < SLACK


def test_retry_after_is_honoured(routed: CnamDouble) -> None:
    who = person(11)
    routed.inject_fault(Fault.UNAVAILABLE, token=who.token, times=1, retry_after=1)
    # Backoff alone would wait at most 4 ms: the 1 s announced by the server wins.
    outcome = run("sync", who.token, Timeouts(connect=0.5, read=0.5, total=3.0))
    assert outcome.error is None
    wait = outcome.events[0].retry_in
    assert wait is not None
    assert wait >= 1.0
    assert outcome.elapsed >= 1.0


def test_backoff_grows_and_stays_capped(routed: CnamDouble) -> None:
    who = person(12)
    routed.inject_fault(Fault.BAD_GATEWAY, token=who.token, times=5)
    policy = RetryPolicy(max_attempts=6, backoff=0.002, max_backoff=0.01)
    outcome = run("sync", who.token, Timeouts(total=3.0), retry=policy)
    waits = [e.retry_in for e in outcome.events[:-1]]
    assert outcome.error is None
    assert len(waits) == 5
    # Full jitter: each wait is within [0, min(cap, backoff * 2^n)].
    for n, wait in enumerate(waits, start=1):
        assert wait is not None
        assert 0 <= wait <= min(0.01, 0.002 * 2**n) + 1e-9


def test_no_retry_policy_makes_one_attempt(routed: CnamDouble) -> None:
    who = person(13)
    routed.inject_fault(Fault.BAD_GATEWAY, token=who.token, times=1)
    outcome = run("sync", who.token, Timeouts(total=2.0), retry=RetryPolicy.none())
    assert isinstance(outcome.error, ServerError)
    assert len(outcome.events) == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_waits_go_through_the_replaceable_sleep_functions(
    routed: CnamDouble, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # apij._retry.sleep / asleep are looked up at each wait: a fixture may replace them.
    waits: list[float] = []

    async def asleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(_retry, "sleep", waits.append)
    monkeypatch.setattr(_retry, "asleep", asleep)
    who = person(14)
    routed.inject_fault(Fault.UNAVAILABLE, token=who.token, times=2, retry_after=1)
    outcome = run(mode, who.token, Timeouts(connect=0.5, read=0.5, total=5.0))
    assert outcome.error is None, repr(outcome.error)
    assert len(waits) == 2
    assert all(wait >= 1.0 for wait in waits)  # the server's Retry-After
    assert outcome.elapsed < 0.5  # nothing slept for real
