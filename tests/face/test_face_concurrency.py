"""One client, many users: 200 concurrent calls, 200 tokens, zero cross-talk (async, threads)."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import anyio
import pytest

from apij import ApijClient, AsyncApijClient, PaiementIJ, ReleveIJ
from apij.double import CnamDouble, Fault
from tests.face._face_support import BASE_URL, FAST_RETRY, KEY, person

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
