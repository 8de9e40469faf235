"""Time as the clients see it: a clock to read and sleep on, and the one deadline of a call.

Every time-dependent decision of a call (the total deadline, each attempt's timeouts, the
body reader's and the decoder's checks, whether a retry wait still fits) asks one `Deadline`,
which reads one `Clock`. A client is given its clock (`clock=`); by default it uses the clock
current when the call starts: `SYSTEM_CLOCK`, unless code (such as the ``apij_mock`` fixture)
made another current with `use_clock`. Tests of deadline and retry logic give a `ManualClock`,
whose time moves only when something sleeps on it or advances it: no wall time, no flakiness.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import anyio
import anyio.lowlevel

__all__ = [
    "SYSTEM_CLOCK",
    "Clock",
    "Deadline",
    "ManualClock",
    "RecordingClock",
    "SystemClock",
    "current_clock",
    "use_clock",
]


@runtime_checkable
class Clock(Protocol):
    """What a client needs of time: a monotonic reading and a way to wait."""

    def now(self) -> float:
        """Monotonic seconds (only differences mean anything)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` (the sync client's retry waits)."""
        ...

    async def asleep(self, seconds: float) -> None:
        """Wait `seconds` without blocking the event loop (the async client's retry waits)."""
        ...


class SystemClock:
    """The real clock: `time.monotonic`, `time.sleep`, `anyio.sleep`."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK = SystemClock()


@dataclass
class ManualClock:
    """A clock for tests: its time moves only by `advance` or by sleeping on it, at once.

    `sleeps` lists every wait asked for, in order. The async sleep still yields to the event
    loop once, as a real sleep would.
    """

    time: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def now(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        """Move time forward by `seconds`."""
        self.time += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await anyio.lowlevel.checkpoint()


@dataclass
class RecordingClock:
    """Real time, but waits are recorded in `waits` and skipped: time jumps over them.

    The ``apij_mock`` fixture makes one current, so that a downstream test's clients retry at
    once while their deadlines still count the waits they asked for.
    """

    waits: list[float] = field(default_factory=list)
    skipped: float = 0.0

    def now(self) -> float:
        return time.monotonic() + self.skipped

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.skipped += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await anyio.lowlevel.checkpoint()


_CURRENT: ContextVar[Clock] = ContextVar("apij_clock", default=SYSTEM_CLOCK)


def current_clock() -> Clock:
    """The clock clients built without `clock=` use for a call starting now."""
    return _CURRENT.get()


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Make `clock` current (in this thread and the tasks it starts) while the block runs."""
    if not isinstance(clock, Clock):
        raise ValueError("clock: expected an apij.clock.Clock (now, sleep, asleep)")
    token = _CURRENT.set(clock)
    try:
        yield clock
    finally:
        _CURRENT.reset(token)


@dataclass(frozen=True, slots=True)
class Deadline:
    """The moment a call must end by, on its clock. The one place the time left is computed."""

    at: float
    clock: Clock = field(repr=False)

    @classmethod
    def after(cls, seconds: float, clock: Clock) -> Deadline:
        """The deadline `seconds` from now on `clock`."""
        return cls(clock.now() + seconds, clock)

    def left(self) -> float:
        """Seconds left (zero or negative once passed)."""
        return self.at - self.clock.now()

    def passed(self) -> bool:
        """Whether no time is left."""
        return self.left() <= 0
