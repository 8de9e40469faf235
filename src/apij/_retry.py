"""Retry decisions expressed with tenacity: what is retried, how long to wait, when to stop."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio
import tenacity

from apij import errors
from apij.config import RetryPolicy

__all__ = ["asleep", "is_retryable", "sleep", "tenacity_arguments"]


def sleep(seconds: float) -> None:
    """Every retry wait of the sync client: looked up at call time, so the ``apij_mock``
    fixture can record waits instead of sleeping them."""
    time.sleep(seconds)


async def asleep(seconds: float) -> None:
    """Every retry wait of the async client (looked up at call time, as :func:`sleep`)."""
    await anyio.sleep(seconds)


def is_retryable(policy: RetryPolicy, exc: BaseException) -> bool:
    """Whether `exc` is a transient failure this policy retries."""
    if isinstance(exc, errors.ConnectionFailed):
        return policy.retry_connection_errors
    if isinstance(exc, errors.UnexpectedResponse):
        return False
    if isinstance(exc, (errors.RateLimited, errors.ServerError)) and exc.status in policy.statuses:
        # A server asking for a longer pause than we accept: give the caller the error now.
        return exc.retry_after is None or exc.retry_after <= policy.max_retry_after
    return False


class _WaitHonouringRetryAfter(tenacity.wait.wait_base):
    """Exponential backoff with full jitter, never shorter than the server's Retry-After."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._jitter = tenacity.wait_random_exponential(
            multiplier=policy.backoff, max=policy.max_backoff
        )

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        wait = float(self._jitter(retry_state))
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        retry_after = getattr(exc, "retry_after", None)
        return max(wait, retry_after) if isinstance(retry_after, float) else wait


class _StopBeforeDeadline(tenacity.stop.stop_base):
    """Stop when the next wait would end at or past the call's deadline (monotonic clock).

    Like tenacity's `stop_before_delay`, but against the deadline the call computed when it
    started, so time spent before tenacity took over (the first attempt) counts too.
    """

    def __init__(self, deadline_of: Callable[[tenacity.RetryCallState], float]) -> None:
        self._deadline_of = deadline_of

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return time.monotonic() + retry_state.upcoming_sleep >= self._deadline_of(retry_state)


def tenacity_arguments(
    policy: RetryPolicy, deadline_of: Callable[[tenacity.RetryCallState], float]
) -> dict[str, Any]:
    """Arguments for `tenacity.Retrying`/`AsyncRetrying` enforcing `policy` by a deadline.

    The stop condition fires when the next wait would end past the deadline, so a retry never
    sleeps beyond it; `reraise` hands the caller the last typed error, not a RetryError.
    """
    return {
        "stop": tenacity.stop_after_attempt(policy.max_attempts) | _StopBeforeDeadline(deadline_of),
        "wait": _WaitHonouringRetryAfter(policy),
        "retry": tenacity.retry_if_exception(lambda exc: is_retryable(policy, exc)),
        "reraise": True,
    }
