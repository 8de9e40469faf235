"""Shared helpers of the face tests: synthetic people, bodies, tiny retry policies."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from apij import ApijClient, ApijError, AsyncApijClient, ReleveIJ, RetryPolicy, Timeouts
from apij.double import SANDBOX_BASE_URL, Person
from apij.double.domain import LignePaiement

BASE_URL = SANDBOX_BASE_URL
PATH = "/me/paiements"
KEY = "face-test-partner-key-0001"
# Retries in tests wait microseconds, never seconds.
FAST_RETRY = RetryPolicy(max_attempts=4, backoff=0.001, max_backoff=0.004, max_retry_after=5.0)
FAST_TIMEOUTS = Timeouts(connect=1.0, read=1.0, total=3.0)


def lignes_for(index: int, count: int = 3) -> tuple[LignePaiement, ...]:
    """`count` 14-day lines in 2025 whose daily amount is unique to `index` (an IJ fingerprint)."""
    montant = Decimal(20) + Decimal(index) / 100  # 20.00, 20.01, ... distinct per person
    start = date(2025, 1, 6)
    out = []
    for n in range(count):
        debut = start + timedelta(days=14 * n)
        out.append(LignePaiement.compute(debut, debut + timedelta(days=13), montant))
    return tuple(out)


def person(index: int, *, count: int = 3, **extra: Any) -> Person:
    """A synthetic insured person with their own token and fingerprinted lines."""
    return Person(
        name=f"face-{index}",
        token=f"fc-face-token-{index:04d}",
        extra_paiements=lignes_for(index, count),
        api_key=KEY,
        **extra,
    )


def body(*amounts: str, nombre_jours: str = "14", extra: str = "") -> bytes:
    """A 200 body with one line per (montant_journalier, csg, crds) triple given as JSON text."""
    lines = []
    for i in range(0, len(amounts), 3):
        mj, csg, crds = amounts[i : i + 3]
        lines.append(
            '{"date_debut":"2025-03-04","date_fin":"2025-03-17",'
            f'"nombre_jours":{nombre_jours},"montant_journalier":{mj},'
            f'"csg":{csg},"crds":{crds}{extra}}}'
        )
    window = '"date_debut":"2025-01-01","date_fin":"2025-06-30"'
    return f'{{{window},"paiements":[{",".join(lines)}]}}'.encode()


def json_response(status: int, payload: Any, **headers: str) -> httpx.Response:
    """A JSON response (payload serialised, or bytes sent as they are)."""
    content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return httpx.Response(
        status, content=content, headers={"content-type": "application/json", **headers}
    )


def outcome_in(
    mode: str, base_url: str, key: str, token: str, window: Mapping[str, str], **options: Any
) -> ReleveIJ | ApijError:
    """One call through a fresh client of `mode` ("sync" or "async"): its statement, or the
    ApijError it raised."""
    try:
        if mode == "sync":
            with ApijClient(key, base_url=base_url, **options) as client:
                return client.paiements(token, **window)

        async def main() -> ReleveIJ:
            async with AsyncApijClient(key, base_url=base_url, **options) as client:
                return await client.paiements(token, **window)

        return asyncio.run(main())
    except ApijError as exc:
        return exc
