"""The handle the ``apij_mock`` fixture gives a test: the double, its respx router, shortcuts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import respx

from apij.double.constants import SANDBOX_API_KEY, SANDBOX_BASE_URL
from apij.double.core import CnamDouble
from apij.double.franceconnect.doors import Login, log_in, mount
from apij.double.franceconnect.setup import FranceConnectSetup, wire
from apij.double.httpx_door import respx_router

__all__ = ["ApijMock"]


@dataclass
class ApijMock:
    """A running CNAM double: every httpx call to ``base_url``'s host is answered by it, every
    other host is refused (respx ``assert_all_mocked``) unless named in ``passthrough``.

    Drive the double itself through ``double`` (``apij_mock.double.inject_fault(...)``,
    ``apij_mock.double.add_person(...)``). ``waits`` lists the retry waits apij clients asked
    for while the ``apij_mock`` fixture had them retry at once (empty under
    ``@pytest.mark.apij_real_timing``).
    """

    double: CnamDouble
    router: respx.MockRouter
    base_url: str = SANDBOX_BASE_URL
    api_key: str = SANDBOX_API_KEY
    waits: list[float] = field(default_factory=list)
    # The FranceConnect double beside it (``franceconnect.fc``), its partner and CNAM's checker.
    franceconnect: FranceConnectSetup | None = None

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
        now = double_options.get("now")
        setup = wire() if now is None else wire(now=now)
        double = CnamDouble(base_url=base_url, token_checker=setup.checker, **double_options)
        # One set of people: whoever the CNAM double knows can log in at FranceConnect.
        setup.fc.registry = lambda: double.people.values()
        router = respx_router(double, base_url)
        mount(router, setup.fc)
        for host in passthrough:
            router.route(host=host).pass_through()
        try:
            with router:
                yield cls(double, router, base_url, franceconnect=setup)
        finally:
            setup.checker.close()

    def _setup(self) -> FranceConnectSetup:
        assert self.franceconnect is not None
        return self.franceconnect

    def logged_in_token(self, name: str, *, scope: str | None = None) -> str:
        """Log a synthetic person in through FranceConnect; their (60 s) access token (the
        committed token of the scenario is :meth:`token`)."""
        return self.log_in(name, scope=scope).access_token

    def log_in(
        self,
        name: str,
        *,
        scope: str | None = None,
        redirect_uri: str | None = None,
        fetch_tokens: bool = True,
    ) -> Login:
        """One login's parts (state, nonce, code, callback URL, tokens); ``fetch_tokens=False``
        stops at the code, for a test of the partner's own callback handler."""
        setup = self._setup()
        options = {} if scope is None else {"scope": scope}
        return log_in(
            setup.fc,
            setup.partner,
            name,
            redirect_uri=redirect_uri,
            fetch_tokens=fetch_tokens,
            **options,
        )

    def token(self, name: str) -> str:
        """The FC token of a registered person, by name (committed scenario or added)."""
        for person in self.double.people.values():
            if person.name == name:
                return person.token
        raise KeyError(f"no person named {name!r}")

    @property
    def calls(self) -> Any:
        """The calls respx recorded (``.call_count``, ``.last.request``...)."""
        return self.router.calls
