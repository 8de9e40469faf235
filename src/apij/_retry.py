"""The retry rule, as a pure decision: (attempt, outcome, time left) -> wait so long, or stop.

The sync and async clients each run a plain loop around `next_wait` and sleep on their clock;
nothing here sleeps or reads the time, so the whole rule is tested as a table.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from apij import errors
from apij.config import RetryPolicy

__all__ = ["is_retryable", "next_wait"]


def is_retryable(policy: RetryPolicy, exc: errors.ApijError) -> bool:
    """Whether `exc` is a transient failure this policy retries."""
    if isinstance(exc, errors.ConnectionFailed):
        return policy.retry_connection_errors
    if isinstance(exc, errors.UnexpectedResponse):
        return False
    if isinstance(exc, (errors.RateLimited, errors.ServerError)) and exc.status in policy.statuses:
        # A server asking for a longer pause than we accept: give the caller the error now.
        return exc.retry_after is None or exc.retry_after <= policy.max_retry_after
    return False


def next_wait(
    policy: RetryPolicy,
    attempt: int,
    exc: errors.ApijError,
    left: float,
    draw: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None to stop with `exc`.

    `attempt` counts the attempts made (1 after the first). The wait is exponential backoff
    with full jitter (`draw()` in [0, 1) times `backoff` × 2^(attempt − 1), capped at
    `max_backoff`), never shorter than the server's Retry-After. It stops when the attempts
    are spent, when `exc` is not retried, or when the wait would not end before the deadline
    (`left` seconds away): a retry never sleeps past it.
    """
    if attempt >= policy.max_attempts or not is_retryable(policy, exc):
        return None
    wait = draw() * min(policy.max_backoff, policy.backoff * 2.0 ** min(attempt - 1, 64))
    if exc.retry_after is not None:
        wait = max(wait, exc.retry_after)
    return wait if wait < left else None
