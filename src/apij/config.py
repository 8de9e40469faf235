"""Call settings: timeouts and total deadline, retry policy, the events for metrics."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "AttemptEvent",
    "AttemptHook",
    "DriftEvent",
    "DriftHook",
    "DriftKind",
    "RetryPolicy",
    "Timeouts",
]

# The largest body a client accepts, compressed or decoded. A statement line is ~150 bytes: a
# whole career of 14-day lines (~1,000) is ~150 KB, so 2 MiB leaves room and bounds the memory
# and the parsing time a hostile or broken upstream can cost.
DEFAULT_MAX_RESPONSE_BYTES = 2 * 1024 * 1024
# One pool per partner: up to 100 connections at once (see README, Performance).
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)


def _positive(name: str, value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
        raise ValueError(f"{name}: expected a positive number of seconds")
    if not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number of seconds")


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Per-attempt connect/read timeouts and the total deadline of one call, in seconds.

    `total` caps the whole call, retries and their waits included: no attempt starts, and no
    wait is slept, past it; each attempt's timeouts are shortened to the time left.
    """

    connect: float = 5.0
    read: float = 10.0
    total: float = 30.0

    def __post_init__(self) -> None:
        _positive("connect", self.connect)
        _positive("read", self.read)
        _positive("total", self.total)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how a call is retried (only this idempotent GET, only transient failures).

    Retried: connection failures and the statuses in `statuses` (429, 502, 503 by default).
    Waits: exponential backoff with full jitter (`backoff` × 2^n, capped at `max_backoff`),
    but never less than the server's Retry-After (itself capped at `max_retry_after`; a longer
    announced wait ends the call with the error instead). `max_attempts` counts the first try.
    """

    max_attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 30.0
    statuses: frozenset[int] = frozenset({429, 502, 503})
    retry_connection_errors: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ValueError("max_attempts: expected an int >= 1")
        _positive("backoff", self.backoff)
        _positive("max_backoff", self.max_backoff)
        _positive("max_retry_after", self.max_retry_after)
        if not self.statuses <= {429, 502, 503}:
            raise ValueError("statuses: only 429, 502 and 503 are safe to retry")

    @classmethod
    def none(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(max_attempts=1)


@dataclass(frozen=True, slots=True)
class AttemptEvent:
    """One HTTP attempt, for metrics hooks. Carries no credential and no personal data.

    `outcome` is "ok", or the name of the error class raised for this attempt; `status` is None
    when no response arrived; `retry_in` is the wait before the next attempt, or None if the
    call ends with this attempt.
    """

    attempt: int
    status: int | None
    duration: float
    outcome: str
    retry_in: float | None


AttemptHook = Callable[[AttemptEvent], None]

DriftKind = Literal[
    "unknown_field", "unknown_error_code", "unknown_enum_value", "undocumented_status"
]


@dataclass(frozen=True, slots=True)
class DriftEvent:
    """Something a response carried that the contract does not describe, though the face could
    still use the response (a result, or its typed error). For metrics: no value, only where.

    `kind`: a member no schema declares (`unknown_field`), an error code newer than the
    contract (`unknown_error_code`), another value outside an `enum` (`unknown_enum_value`), a
    status the operation does not document (`undocumented_status`). `path`: the JSON path in
    the body (`$.paiements[*].regime`; array items as `[*]`), or `$.status`. Reported once per
    client for each kind, path and status.
    """

    kind: DriftKind
    path: str
    status: int
    operation: str


DriftHook = Callable[[DriftEvent], None]
