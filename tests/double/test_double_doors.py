"""The three doors give one behaviour: respx (sync and async), ASGI, and the live sandbox."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import respx

from apij.clock import ManualClock
from apij.double import (
    FAULT_HEADER,
    SANDBOX_API_KEY,
    SANDBOX_BASE_URL,
    SCENARIOS,
    CnamDouble,
    respx_router,
)
from apij.double.asgi import create_app
from apij.double.sandbox import banner, running

WINDOW = {"dateDebut": "2025-01-01", "dateFin": "2025-06-30"}
Auth = Callable[..., dict[str, str]]
Check = Callable[[httpx.Response], None]
# (scenario, status) for the 2025 window: the same on every door.
EXPECTED = [
    ("maladie", 200),
    ("sans_ij", 200),
    ("assure_inconnu", 404),
    ("sans_scope", 403),
    ("jeton_expire", 401),
    ("limite_de_debit", 429),
]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    with running(CnamDouble()) as base_url:
        yield base_url


# --- respx -------------------------------------------------------------------------------------


def test_router_sync(double: CnamDouble, auth: Auth, spec_check: Check) -> None:
    with respx_router(double), httpx.Client(base_url=SANDBOX_BASE_URL) as client:
        for name, status in EXPECTED:
            response = client.get("/me/paiements", params=WINDOW, headers=auth(name))
            assert response.status_code == status, name
            spec_check(response)
        assert client.get("/autre", headers=auth("maladie")).status_code == 404
        assert client.post("/me/paiements", headers=auth("maladie")).headers["allow"] == "GET"


@pytest.mark.anyio
async def test_router_async(double: CnamDouble, auth: Auth, spec_check: Check) -> None:
    with respx_router(double):
        async with httpx.AsyncClient(base_url=SANDBOX_BASE_URL) as client:
            for name, status in EXPECTED:
                response = await client.get("/me/paiements", params=WINDOW, headers=auth(name))
                assert response.status_code == status, name
                spec_check(response)


def test_router_mocks_nothing_else(double: CnamDouble) -> None:
    with (
        respx_router(double),
        httpx.Client() as client,
        pytest.raises(respx.models.AllMockedAssertionError),
    ):
        client.get("https://example.org/")


def test_router_on_a_custom_base_url(auth: Auth) -> None:
    base = "http://127.0.0.1:9999/apij"
    with respx_router(CnamDouble(), base), httpx.Client(base_url=base) as client:
        assert (
            client.get("/me/paiements", params=WINDOW, headers=auth("maladie")).status_code == 200
        )
        assert client.get("/elsewhere", headers=auth("maladie")).status_code == 404


@pytest.mark.anyio
async def test_router_async_slow_does_not_block_the_loop(double: CnamDouble, auth: Auth) -> None:
    headers = {**auth("maladie"), FAULT_HEADER: "slow;delay=1"}
    with respx_router(double):
        async with httpx.AsyncClient(base_url=SANDBOX_BASE_URL) as client:
            started = time.monotonic()
            responses = await asyncio.gather(
                *(client.get("/me/paiements", params=WINDOW, headers=headers) for _ in range(4))
            )
            elapsed = time.monotonic() - started
    assert [r.status_code for r in responses] == [200] * 4
    # Concurrent sleeps (about 1 s), not 4 x 1 s in a row: a wide bound, on real time.
    assert 1.0 <= elapsed < 3.0


def test_router_sync_faults(double: CnamDouble, auth: Auth) -> None:
    clock = ManualClock()
    with respx_router(double, clock=clock), httpx.Client(base_url=SANDBOX_BASE_URL) as client:
        for fault, error in (
            ("connect_error", httpx.ConnectError),
            ("read_timeout", httpx.ReadTimeout),
            ("truncated_body", httpx.RemoteProtocolError),
        ):
            with pytest.raises(error):
                client.get(
                    "/me/paiements", params=WINDOW, headers={**auth("maladie"), FAULT_HEADER: fault}
                )
        with pytest.raises(httpx.ReadTimeout):
            client.get(
                "/me/paiements",
                params=WINDOW,
                timeout=0.1,
                headers={**auth("maladie"), FAULT_HEADER: "slow;delay=3"},
            )
        assert clock.sleeps == [0.1]  # the read timeout, not the 3 s delay


@pytest.mark.anyio
async def test_router_async_faults(double: CnamDouble, auth: Auth) -> None:
    with respx_router(double):
        async with httpx.AsyncClient(base_url=SANDBOX_BASE_URL) as client:
            for fault, error in (
                ("connect_error", httpx.ConnectError),
                ("truncated_body", httpx.RemoteProtocolError),
            ):
                with pytest.raises(error):
                    await client.get(
                        "/me/paiements",
                        params=WINDOW,
                        headers={**auth("maladie"), FAULT_HEADER: fault},
                    )


# --- ASGI --------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_asgi_app_in_process(auth: Auth, spec_check: Check) -> None:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test/test/v1/indemnites-journalieres"
    ) as client:
        for name, status in EXPECTED:
            response = await client.get("/me/paiements", params=WINDOW, headers=auth(name))
            assert response.status_code == status, name
            spec_check(response)
        with pytest.raises(httpx.ConnectError):
            await client.get("/me/paiements", headers={FAULT_HEADER: "connect_error"})
        assert (await client.get("http://test/")).status_code == 404


# --- live sandbox ------------------------------------------------------------------------------


def test_sandbox_over_real_http(sandbox: str, auth: Auth, spec_check: Check) -> None:
    assert sandbox.startswith("http://127.0.0.1:")
    assert sandbox.endswith("/test/v1/indemnites-journalieres")
    with httpx.Client(base_url=sandbox, timeout=5) as client:
        for name, status in EXPECTED:
            response = client.get("/me/paiements", params=WINDOW, headers=auth(name))
            assert response.status_code == status, name
            spec_check(response)
        body = client.get("/me/paiements", params=WINDOW, headers=auth("maladie")).content
        assert b'"montant_journalier":32.87,"csg":28.53,"crds":2.30' in body
        bad = client.get(
            "/me/paiements",
            params={"dateDebut": "2025-07-01", "dateFin": "2025-06-30"},
            headers=auth("maladie"),
        )
        assert bad.status_code == 400
        gone = client.delete("/me/paiements", headers=auth("maladie"))
        assert (gone.status_code, gone.headers["allow"]) == (405, "GET")


def test_sandbox_transport_faults_drop_the_connection(sandbox: str, auth: Auth) -> None:
    with httpx.Client(base_url=sandbox, timeout=5) as client:
        for fault in ("connect_error", "truncated_body"):
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                client.get(
                    "/me/paiements", params=WINDOW, headers={**auth("maladie"), FAULT_HEADER: fault}
                )
        with pytest.raises(httpx.ReadTimeout):
            client.get(
                "/me/paiements",
                params=WINDOW,
                timeout=0.2,
                headers={**auth("maladie"), FAULT_HEADER: "read_timeout;delay=0.6"},
            )
        started = time.monotonic()
        slow = client.get(
            "/me/paiements",
            params=WINDOW,
            headers={**auth("maladie"), FAULT_HEADER: "slow;delay=0.2"},
        )
        assert slow.status_code == 200
        assert time.monotonic() - started >= 0.2
        # The server survives every fault.
        assert (
            client.get("/me/paiements", params=WINDOW, headers=auth("maladie")).status_code == 200
        )


def test_banner_prints_base_url_key_and_tokens() -> None:
    out = io.StringIO()
    banner(CnamDouble(), "http://127.0.0.1:8000/test/v1/indemnites-journalieres", out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/test/v1/indemnites-journalieres" in text
    assert SANDBOX_API_KEY in text
    assert all(person.token in text and name in text for name, person in SCENARIOS.items())
