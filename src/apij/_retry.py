"""Retry decisions expressed with tenacity: what is retried, how long to wait, when to stop.

Waits go through `sleep` and `asleep`, looked up at call time, so a test fixture can replace
them (the double's `apij_mock` does, so that downstream tests never sleep real seconds).
"""

from __future__ import annotations

import time
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


def tenacity_arguments(policy: RetryPolicy, total: float) -> dict[str, Any]:
    """Arguments for one call's `tenacity.Retrying`/`AsyncRetrying` enforcing `policy` within
    `total` seconds.

    `stop_before_delay` stops when the next wait would end past the total, so a retry never
    sleeps beyond the call's deadline; `reraise` hands the caller the last typed error, not a
    RetryError.
    """
    return {
        "stop": tenacity.stop_after_attempt(policy.max_attempts)
        | tenacity.stop_before_delay(total),
        "wait": _WaitHonouringRetryAfter(policy),
        "retry": tenacity.retry_if_exception(lambda exc: is_retryable(policy, exc)),
        "reraise": True,
    }
