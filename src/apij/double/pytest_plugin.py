"""pytest plugin (entry point ``apij``): the ``apij_mock`` fixture for downstream test suites.

Loaded by every pytest run where apij is installed, so it imports nothing heavy: the double
(respx, hypothesis, uvicorn...) loads inside the fixture, and a missing ``double`` extra is
reported there, not at collection.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from apij.double.constants import INSTALL_HINT, SANDBOX_BASE_URL

if TYPE_CHECKING:
    from apij.double.mock import ApijMock


def _missing_dependency() -> str | None:
    """The name of the module the double cannot import, if any."""
    try:
        import apij.double.mock  # noqa: F401
    except ImportError as exc:
        return exc.name or "a dependency"
    return None


@pytest.fixture
def apij_mock_base_url() -> str:
    """The base URL ``apij_mock`` answers for; override this fixture to mock another one."""
    return SANDBOX_BASE_URL


@pytest.fixture
def apij_mock(apij_mock_base_url: str) -> Iterator[ApijMock]:
    """A fresh CNAM double answering every httpx call to the APIJ gateway host (respx).

    ``apij_mock.token("maladie")``, ``apij_mock.api_key``, ``apij_mock.add_person(...)``,
    ``apij_mock.inject_fault("unavailable", times=2)``, ``apij_mock.calls``.
    """
    missing = _missing_dependency()
    if missing is not None:
        pytest.fail(
            f"the apij_mock fixture needs the optional 'double' extra ({missing} is missing): "
            f"{INSTALL_HINT}",
            pytrace=False,
        )
    from apij.double.mock import ApijMock

    with ApijMock.start(base_url=apij_mock_base_url) as mock:
        yield mock
