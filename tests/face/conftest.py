"""Fixtures of the face tests: a double with synthetic people, clients bound to it, respx routes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx

from apij import ApijClient
from apij.double import CnamDouble, respx_router
from tests.face._face_support import BASE_URL, FAST_RETRY, FAST_TIMEOUTS, KEY, person


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# Built once: people are immutable and cache their computed lines.
PEOPLE = tuple(person(i) for i in range(200))


@pytest.fixture
def double() -> CnamDouble:
    """A double knowing 200 fingerprinted people (faults cleared per test: a fresh instance)."""
    return CnamDouble(people=PEOPLE, api_keys=[KEY])


@pytest.fixture
def routed(double: CnamDouble) -> Iterator[CnamDouble]:
    """The double, with its respx router intercepting every httpx client (any transport)."""
    with respx_router(double, BASE_URL):
        yield double


@pytest.fixture
def client(routed: CnamDouble) -> Iterator[ApijClient]:
    """A sync face client on the routed double, with microsecond retries."""
    with ApijClient(KEY, base_url=BASE_URL, retry=FAST_RETRY, timeouts=FAST_TIMEOUTS) as c:
        yield c


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    """A bare respx router for hand-made responses (nothing unrouted reaches the network),
    patched in at the httpx client so that it sees the async face's aiohttp transport too."""
    with respx.mock(
        base_url=BASE_URL, assert_all_mocked=True, assert_all_called=False, using="httpx"
    ) as router:
        yield router
