"""Cancellation storms leave the async pool usable: the next calls succeed (real loopback sandbox).

A web backend cancels a handler whenever a browser disconnects, and the call's own total
deadline cancels it too. With httpx's default async pool (httpcore 1.0.9, encode/httpcore#1093)
either storm below left every pool slot stuck and every later call ended in PoolTimeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apij import ApijTimeout, AsyncApijClient, ReleveIJ, RetryPolicy, Timeouts
from apij._aiohttp_transport import AiohttpTransport
from apij.double import SANDBOX_API_KEY, SCENARIOS, CnamDouble
from apij.double.sandbox import running

TOKEN = SCENARIOS["maladie"].token
WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-06-30"}
POOL = httpx.Limits(max_connections=20, max_keepalive_connections=20)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    with running(CnamDouble()) as base_url:
        yield base_url


async def _succeeds(client: AsyncApijClient) -> bool:
    releve = await client.paiements(TOKEN, **WINDOW)
    return len(releve.paiements) == 3


def test_deadline_storms_leave_the_pool_usable(sandbox: str) -> None:
    # The storm's client cuts every call at 50 ms; the calls after it go through the same pool
    # (the same transport) with a 30 s deadline, so a busy machine cannot fail them: a jammed
    # pool would end each in ApijTimeout (PoolTimeout) all the same.
    async def main() -> None:
        pool = AiohttpTransport(verify=True, limits=POOL)
        options: dict[str, Any] = {
            "base_url": sandbox,
            "transport": pool,
            "retry": RetryPolicy.none(),
        }
        async with (
            AsyncApijClient(SANDBOX_API_KEY, timeouts=Timeouts(total=0.05), **options) as storm,
            AsyncApijClient(SANDBOX_API_KEY, timeouts=Timeouts(total=30), **options) as after,
        ):
            for _ in range(2):
                outcomes = await asyncio.gather(
                    *(storm.paiements(TOKEN, **WINDOW) for _ in range(500)),
                    return_exceptions=True,
                )
                kinds = {type(outcome) for outcome in outcomes}
                assert kinds <= {ReleveIJ, ApijTimeout}, kinds
                assert ApijTimeout in kinds, "the storm should have cut calls short"
            # One by one, then as many at once as the pool holds.
            assert [await _succeeds(after) for _ in range(10)] == [True] * 10
            assert await asyncio.gather(*(_succeeds(after) for _ in range(20))) == [True] * 20
        await pool.aclose()

    asyncio.run(main())


def test_cancelled_tasks_leave_the_pool_usable(sandbox: str) -> None:
    async def main() -> None:
        async with AsyncApijClient(
            SANDBOX_API_KEY, base_url=sandbox, limits=POOL, timeouts=Timeouts(total=5.0)
        ) as client:
            tasks = [asyncio.create_task(client.paiements(TOKEN, **WINDOW)) for _ in range(200)]
            await asyncio.sleep(0)  # every task has started its call
            for task in tasks:
                task.cancel()
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
            assert all(isinstance(o, asyncio.CancelledError) for o in outcomes)
            # A jammed pool would end each of these in ApijTimeout (PoolTimeout) after 5 s.
            releves = await asyncio.gather(*(client.paiements(TOKEN, **WINDOW) for _ in range(40)))
            assert all(len(releve.paiements) == 3 for releve in releves)

    asyncio.run(main())
