"""One client, many users: 200 concurrent calls, 200 tokens, zero cross-talk (async, threads);
the pooled client keeps no cookie, so one user's Set-Cookie never rides on another's request."""

from __future__ import annotations

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import anyio
import httpx
import pytest
import respx

from apij import ApijClient, AsyncApijClient, PaiementIJ, ReleveIJ
from apij.double import CnamDouble, Fault
from tests.face._face_support import BASE_URL, FAST_RETRY, KEY, PATH, body, person

USERS = 200
WINDOW = {"date_debut": date(2025, 1, 1), "date_fin": date(2025, 12, 31)}


def own_lines(index: int) -> tuple[PaiementIJ, ...]:
    """The user's lines as the double holds them (independent of the face's decoding)."""
    return tuple(
        PaiementIJ(
            ligne.date_debut,
            ligne.date_fin,
            ligne.nombre_jours,
            ligne.montant_journalier,
            ligne.csg,
            ligne.crds,
        )
        for ligne in person(index).paiements
    )


def check(results: dict[int, ReleveIJ]) -> None:
    assert sorted(results) == list(range(USERS))
    for index, releve in results.items():
        assert releve.paiements == own_lines(index), f"user {index} got someone else's lines"


@pytest.mark.anyio
async def test_200_async_users_through_one_client(routed: CnamDouble) -> None:
    # Some users hit transient faults on the way: their retries interleave with others' calls.
    rng = random.Random(7)
    for index in range(USERS):
        # Slow answers keep all 200 calls in flight at once; every tenth user is rate limited
        # first, so their retries interleave with the others' calls.
        fault = Fault.RATE_LIMITED if index % 10 == 0 else Fault.SLOW
        routed.inject_fault(
            fault, token=person(index).token, retry_after=0, delay=rng.uniform(0, 0.02)
        )
    order = list(range(USERS))
    rng.shuffle(order)
    results: dict[int, ReleveIJ] = {}
    async with AsyncApijClient(KEY, base_url=BASE_URL, retry=FAST_RETRY) as client:

        async def one(index: int) -> None:
            results[index] = await client.paiements(person(index).token, **WINDOW)

        async with anyio.create_task_group() as group:
            for index in order:
                group.start_soon(one, index)
    check(results)


def test_200_threaded_users_through_one_sync_client(routed: CnamDouble) -> None:
    rng = random.Random(8)
    for index in range(USERS):
        fault = Fault.BAD_GATEWAY if index % 10 == 5 else Fault.SLOW
        routed.inject_fault(fault, token=person(index).token, delay=rng.uniform(0, 0.01))
    with (
        ApijClient(KEY, base_url=BASE_URL, retry=FAST_RETRY) as client,
        ThreadPoolExecutor(max_workers=32) as pool,
    ):
        futures = {
            index: pool.submit(client.paiements, person(index).token, **WINDOW)
            for index in range(USERS)
        }
        results = {index: future.result() for index, future in futures.items()}
    check(results)


def test_token_never_lands_on_the_shared_client(client: ApijClient) -> None:
    # The generated with_headers() would mutate the pool's headers: the face must not.
    client.paiements(person(3).token, **WINDOW)
    shared = client._http.headers  # the pooled httpx client, shared by every user
    assert "authorization" not in shared
    assert shared["x-api-key"] == KEY


# --- no cookie from one user to the next ----------------------------------------------------

COOKIE_KEY = "cookie-test-partner-key"


def _answer_setting_a_cookie(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        content=body("32.87", "28.53", "2.30"),
        headers={"content-type": "application/json", "set-cookie": "session=user-a; Path=/"},
    )


def test_sync_pool_sends_no_cookie_set_by_an_earlier_user() -> None:
    with respx.mock(base_url=BASE_URL, assert_all_mocked=True, using="httpx") as router:
        route = router.get(PATH).mock(side_effect=_answer_setting_a_cookie)
        with ApijClient(COOKIE_KEY, base_url=BASE_URL) as client:
            client.paiements("token-user-a", date_debut="2025-01-01", date_fin="2025-06-30")
            client.paiements("token-user-b", date_debut="2025-01-01", date_fin="2025-06-30")
    assert route.call_count == 2
    assert "cookie" not in route.calls[1].request.headers


def test_async_pool_sends_no_cookie_set_by_an_earlier_user() -> None:
    async def calls() -> None:
        async with AsyncApijClient(COOKIE_KEY, base_url=BASE_URL) as client:
            await client.paiements("token-user-a", date_debut="2025-01-01", date_fin="2025-06-30")
            await client.paiements("token-user-b", date_debut="2025-01-01", date_fin="2025-06-30")

    with respx.mock(base_url=BASE_URL, assert_all_mocked=True, using="httpx") as router:
        route = router.get(PATH).mock(side_effect=_answer_setting_a_cookie)
        asyncio.run(calls())
    assert route.call_count == 2
    assert "cookie" not in route.calls[1].request.headers
