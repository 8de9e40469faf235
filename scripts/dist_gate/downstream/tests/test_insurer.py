"""The insurer's tests, written as apij's README shows: the `apij_mock` fixture, annotated."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import httpx
import pytest
from insurer import net_paid

from apij import ApijClient, AsyncApijClient, TokenRejected, errors
from apij.double import SANDBOX_API_KEY, SANDBOX_BASE_URL, ApijMock

JANUARY, JUNE = date(2025, 1, 1), date(2025, 6, 30)


def test_net_paid(apij_mock: ApijMock) -> None:
    with ApijClient(apij_mock.api_key, base_url=apij_mock.base_url) as cnam:
        # Three lines at 32.87 € a day: 11 days (net 337.34) and twice 14 days (net 429.35).
        assert net_paid(cnam, apij_mock.token("maladie"), JANUARY, JUNE) == Decimal("1196.04")
    assert apij_mock.calls.call_count == 1


def test_outage_is_retried_without_sleeping(apij_mock: ApijMock) -> None:
    apij_mock.double.inject_fault("unavailable", times=2)
    with ApijClient(apij_mock.api_key, base_url=apij_mock.base_url) as cnam:
        assert net_paid(cnam, apij_mock.token("maladie"), JANUARY, JUNE) == Decimal("1196.04")
    assert len(apij_mock.waits) == 2
    assert min(apij_mock.waits) >= 1  # the double's Retry-After: 1


def test_expired_token(apij_mock: ApijMock) -> None:
    with (
        ApijClient(apij_mock.api_key, base_url=apij_mock.base_url) as cnam,
        pytest.raises(TokenRejected),
    ):
        net_paid(cnam, apij_mock.token("jeton_expire"), JANUARY, JUNE)


def test_other_hosts_are_refused(apij_mock: ApijMock) -> None:
    with pytest.raises(Exception, match="not mocked"):
        httpx.get("https://example.org/")


def test_forgetting_the_fixture_fails_at_once() -> None:
    # No apij_mock: the double's default URL is on a `.invalid` host, which never resolves.
    attempts: list[object] = []
    with (
        ApijClient(SANDBOX_API_KEY, base_url=SANDBOX_BASE_URL, on_attempt=attempts.append) as cnam,
        pytest.raises(errors.TransportError, match="apij_mock fixture"),
    ):
        net_paid(cnam, "sbx-fc-maladie-5b0e7c21a94d", JANUARY, JUNE)
    assert len(attempts) == 1  # not retried: the name can never resolve


def test_an_async_web_backend_gets_its_users_statements(apij_mock: ApijMock) -> None:
    # The async client (aiohttp underneath) answered by the same fixture, at the dependency
    # versions this environment resolved.
    async def serve_two_users() -> list[int]:
        async with AsyncApijClient(apij_mock.api_key, base_url=apij_mock.base_url) as cnam:
            releves = await asyncio.gather(
                cnam.paiements(apij_mock.token("maladie"), date_debut=JANUARY, date_fin=JUNE),
                cnam.paiements(apij_mock.token("paternite"), date_debut=JANUARY, date_fin=JUNE),
            )
        return [len(releve.paiements) for releve in releves]

    assert asyncio.run(serve_two_users()) == [3, 2]
