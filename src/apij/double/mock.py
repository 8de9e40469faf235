"""The handle the ``apij_mock`` fixture gives a test: the double, its respx router, shortcuts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apij.double.constants import FAULT_HEADER, SANDBOX_API_KEY, SANDBOX_BASE_URL
from apij.double.core import CnamDouble
from apij.double.faults import Fault, FaultSpec
from apij.double.people import Person
from apij.double.scenarios import DEFAULT_SCENARIO, SCENARIOS

if TYPE_CHECKING:
    import respx

__all__ = ["ApijMock"]


@dataclass
class ApijMock:
    """A running CNAM double: every httpx call to ``base_url``'s host is answered by it, every
    other host is refused (respx ``assert_all_mocked``) unless named in ``passthrough``.

    ``waits`` lists the retry waits apij clients asked for while the ``apij_mock`` fixture
    had them retry at once (empty under ``@pytest.mark.apij_real_timing``).
    """

    double: CnamDouble
    router: respx.MockRouter
    base_url: str = SANDBOX_BASE_URL
    api_key: str = SANDBOX_API_KEY
    scenarios: Mapping[str, Person] = field(default_factory=lambda: SCENARIOS)
    default_scenario: str = DEFAULT_SCENARIO
    waits: list[float] = field(default_factory=list)

    @classmethod
    @contextlib.contextmanager
    def start(
        cls,
        base_url: str = SANDBOX_BASE_URL,
        *,
        passthrough: Iterable[str] = (),
        **double_options: Any,
    ) -> Iterator[ApijMock]:
        """Start a fresh double (committed scenarios) behind a respx router; stop it after.

        ``passthrough``: hosts (any port) whose calls go to the network for real.
        """
        double = CnamDouble(base_url=base_url, **double_options)
        router = double.router(base_url)
        for host in passthrough:
            router.route(host=host).pass_through()
        with router:
            yield cls(double, router, base_url)

    def token(self, name: str) -> str:
        """The FC token of a registered person, by name (committed scenario or added)."""
        for person in self.double.people.values():
            if person.name == name:
                return person.token
        raise KeyError(f"no person named {name!r}")

    def add_person(self, person: Person) -> Person:
        """Register one of your own synthetic people."""
        return self.double.add_person(person)

    def inject_fault(
        self,
        fault: Fault | str | FaultSpec,
        *,
        token: str | None = None,
        times: int = 1,
        delay: float | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Serve ``fault`` on the next ``times`` calls (of ``token``, or of anyone)."""
        self.double.inject_fault(
            fault, token=token, times=times, delay=delay, retry_after=retry_after
        )

    @staticmethod
    def fault_header(fault: Fault | str, **options: float | int) -> dict[str, str]:
        """Headers asking for ``fault`` on one call, e.g. ``fault_header("slow", delay=0.2)``."""
        value = ";".join([str(Fault(fault)), *(f"{k}={v}" for k, v in options.items())])
        return {FAULT_HEADER: value}

    @property
    def calls(self) -> Any:
        """The calls respx recorded (``.call_count``, ``.last.request``...)."""
        return self.router.calls
