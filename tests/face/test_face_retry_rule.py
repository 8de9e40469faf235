"""The retry rule as a table: (attempt, outcome, time left) -> wait or stop, with a fixed draw."""

from __future__ import annotations

import pytest

from apij import RetryPolicy, errors
from apij._retry import next_wait

POLICY = RetryPolicy(max_attempts=4, backoff=0.5, max_backoff=8.0, max_retry_after=30.0)
HALF = 0.5  # the jitter's draw in these rows: half of the backoff's ceiling


def rate_limited(retry_after: float | None = None) -> errors.ApijError:
    return errors.RateLimited("rate limited", status=429, retry_after=retry_after)


def server(status: int, retry_after: float | None = None) -> errors.ApijError:
    return errors.ServerError("server error", status=status, retry_after=retry_after)


# attempt made, outcome, seconds left, expected wait (None: stop)
TABLE: list[tuple[str, int, errors.ApijError, float, float | None]] = [
    ("connection, 1st", 1, errors.ConnectionFailed("connection failed"), 30, 0.25),
    ("connection, 2nd", 2, errors.ConnectionFailed("connection failed"), 30, 0.5),
    ("connection, 3rd", 3, errors.ConnectionFailed("connection failed"), 30, 1.0),
    ("attempts spent", 4, errors.ConnectionFailed("connection failed"), 30, None),
    ("503 without Retry-After", 1, server(503), 30, 0.25),
    ("502", 1, server(502), 30, 0.25),
    ("500 is not retried", 1, server(500), 30, None),
    ("429, Retry-After wins", 1, rate_limited(3.0), 30, 3.0),
    ("429, backoff wins", 3, rate_limited(0.1), 30, 1.0),
    ("429 beyond max_retry_after", 1, rate_limited(31.0), 30, None),
    ("wait past the deadline", 1, rate_limited(3.0), 2.9, None),
    ("wait ending at the deadline", 1, rate_limited(3.0), 3.0, None),
    ("deadline passed", 1, errors.ConnectionFailed("connection failed"), -1, None),
    ("timeout is not retried", 1, errors.ApijTimeout("timed out"), 30, None),
    ("TLS certificate", 1, errors.CertificateRejected("TLS certificate rejected"), 30, None),
    ("token refused", 1, errors.TokenRejected("token", status=401), 30, None),
    ("unexpected 503", 1, errors.UndocumentedServerError("x", status=503), 30, None),
    ("internal error", 1, errors.InternalError("internal error"), 30, None),
]


@pytest.mark.parametrize(
    ("attempt", "exc", "left", "expected"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_the_retry_rule(
    attempt: int, exc: errors.ApijError, left: float, expected: float | None
) -> None:
    assert next_wait(POLICY, attempt, exc, left, draw=lambda: HALF) == expected


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(max_attempts=100, backoff=0.5, max_backoff=8.0)
    waits = [
        next_wait(policy, n, errors.ConnectionFailed("x"), 1e9, draw=lambda: 1.0)
        for n in range(1, 80)
    ]
    assert waits[:6] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert set(waits[5:]) == {8.0}


def test_full_jitter_spans_zero_to_the_ceiling() -> None:
    exc = errors.ConnectionFailed("x")
    assert next_wait(POLICY, 3, exc, 30, draw=lambda: 0.0) == 0.0
    assert next_wait(POLICY, 3, exc, 30, draw=lambda: 0.999) == pytest.approx(1.998)


def test_connection_errors_can_be_left_to_the_caller() -> None:
    policy = RetryPolicy(retry_connection_errors=False)
    assert next_wait(policy, 1, errors.ConnectionFailed("x"), 30, draw=lambda: HALF) is None


def test_a_policy_of_one_attempt_never_waits() -> None:
    assert next_wait(RetryPolicy.none(), 1, server(503), 30, draw=lambda: HALF) is None
