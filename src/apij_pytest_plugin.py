"""pytest plugin (entry point ``apij``): the ``apij_mock`` fixture for downstream test suites.

pytest loads this module in every run of a project that installs apij, so it imports nothing
but pytest: apij and the double (httpx, respx...) load inside the fixtures, and a missing
``double`` extra is reported there, not at collection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from apij.double import ApijMock

REAL_TIMING_MARKER = "apij_real_timing"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{REAL_TIMING_MARKER}: the apij_mock fixture's clients really sleep between retries "
        "(by default they record the waits in apij_mock.waits and retry at once)",
    )


@pytest.fixture
def apij_mock_base_url() -> str:
    """The base URL ``apij_mock`` answers for; override this fixture to mock another one."""
    _require_the_double()
    from apij.double.constants import SANDBOX_BASE_URL

    return SANDBOX_BASE_URL


@pytest.fixture
def apij_mock_passthrough() -> list[str]:
    """Hosts ``apij_mock`` lets through to the network (e.g. ``["127.0.0.1"]``); none by
    default. Override this fixture to name yours: every other host is refused."""
    return []


@pytest.fixture
def apij_mock(
    request: pytest.FixtureRequest,
    apij_mock_base_url: str,
    apij_mock_passthrough: list[str],
) -> Iterator[ApijMock]:
    """A fresh CNAM double answering every httpx call to the APIJ host (respx).

    Every other host is refused ("not mocked"), except those ``apij_mock_passthrough`` names.
    apij clients retry at once, the waits they asked for recorded in ``apij_mock.waits``,
    unless the test is marked ``@pytest.mark.apij_real_timing``.
    """
    _require_the_double()
    from apij.clock import RecordingClock, use_clock
    from apij.double import ApijMock

    with ApijMock.start(base_url=apij_mock_base_url, passthrough=apij_mock_passthrough) as mock:
        if request.node.get_closest_marker(REAL_TIMING_MARKER) is not None:
            yield mock
            return
        # Clients that were not given a clock use the current one: this one records the waits
        # and skips them (their deadlines still count them).
        with use_clock(RecordingClock(mock.waits)):
            yield mock


@pytest.fixture
def apij_login(apij_mock: ApijMock) -> Callable[..., str]:
    """Log a synthetic person in through the FranceConnect double beside ``apij_mock``: a
    60 s access token the CNAM double checks through checktoken, in one line::

        token = apij_login("maladie")

    For the flow's parts (state, nonce, code, callback URL), ``apij_mock.log_in(name,
    fetch_tokens=False)``; the double itself is ``apij_mock.franceconnect.fc``.
    """
    return apij_mock.logged_in_token


def _require_the_double() -> None:
    """Fail the test in one line if the 'double' extra is missing. Called before anything of
    `apij.double` is imported: the package imports respx."""
    missing = _missing_dependency()
    if missing is not None:  # failed outside the except clause: one line, no chained traceback
        pytest.fail(
            f"the apij_mock fixture needs the optional 'double' extra ({missing} is missing): "
            "pip install 'apij[double]'",
            pytrace=False,
        )


def _missing_dependency() -> str | None:
    """The module of the 'double' extra the fixture cannot import, if any."""
    try:
        import respx  # noqa: F401 - the double's in-process door
    except ImportError as exc:
        return exc.name or "respx"
    return None
