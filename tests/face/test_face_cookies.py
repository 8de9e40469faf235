"""The pooled client keeps no cookie: one user's Set-Cookie never rides on another's request."""

from __future__ import annotations

import asyncio

import httpx
import respx

from apij import ApijClient, AsyncApijClient
from tests.face._face_support import BASE_URL, PATH, body

KEY = "cookie-test-partner-key"


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        content=body("32.87", "28.53", "2.30"),
        headers={"content-type": "application/json", "set-cookie": "session=user-a; Path=/"},
    )


def test_sync_pool_sends_no_cookie_set_by_an_earlier_user() -> None:
    with respx.mock(base_url=BASE_URL, assert_all_mocked=True, using="httpx") as router:
        route = router.get(PATH).mock(side_effect=_answer)
        with ApijClient(KEY, base_url=BASE_URL) as client:
            client.paiements("token-user-a", date_debut="2025-01-01", date_fin="2025-06-30")
            client.paiements("token-user-b", date_debut="2025-01-01", date_fin="2025-06-30")
    assert route.call_count == 2
    assert "cookie" not in route.calls[1].request.headers


def test_async_pool_sends_no_cookie_set_by_an_earlier_user() -> None:
    async def calls() -> None:
        async with AsyncApijClient(KEY, base_url=BASE_URL) as client:
            await client.paiements("token-user-a", date_debut="2025-01-01", date_fin="2025-06-30")
            await client.paiements("token-user-b", date_debut="2025-01-01", date_fin="2025-06-30")

    with respx.mock(base_url=BASE_URL, assert_all_mocked=True, using="httpx") as router:
        route = router.get(PATH).mock(side_effect=_answer)
        asyncio.run(calls())
    assert route.call_count == 2
    assert "cookie" not in route.calls[1].request.headers
