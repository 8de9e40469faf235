"""Benchmark one whole journey in process: authorize (login_hint) → token → userinfo → APIJ
call (the CNAM double checking the token through checktoken), through httpx and respx as a
downstream test suite runs it. Reports the time per journey and per step (median of JOURNEYS).
Run alone: `python -m scripts.bench.bench_journey`.
"""

from __future__ import annotations

import secrets
import statistics
import time
from collections.abc import Callable
from datetime import date
from urllib.parse import parse_qs, urlsplit

import httpx

from apij import ApijClient
from apij.double.mock import ApijMock

JOURNEYS = 300
WARMUP = 20
BENCHMARK = "FranceConnect journey"
STEPS = ("authorize", "token", "userinfo", "APIJ call")


def _journey(mock: ApijMock, http: httpx.Client, apij: ApijClient) -> dict[str, float]:
    assert mock.franceconnect is not None
    fc, partner = mock.franceconnect.fc, mock.franceconnect.partner
    redirect_uri = partner.redirect_uris[0]
    timings: dict[str, float] = {}

    def step(name: str, action: Callable[[], httpx.Response]) -> httpx.Response:
        started = time.perf_counter()
        response = action()
        timings[name] = time.perf_counter() - started
        return response

    params = {
        "response_type": "code",
        "client_id": partner.client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid identite_pivot cnam_paiements_ij",
        "acr_values": "eidas1",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(24),
        "login_hint": "maladie",
    }
    answer = step("authorize", lambda: http.get(f"{fc.issuer}/authorize", params=params))
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": partner.client_id,
        "client_secret": partner.client_secret,
    }
    tokens = step("token", lambda: http.post(f"{fc.issuer}/token", data=form)).json()
    bearer = {"authorization": f"Bearer {tokens['access_token']}"}
    step("userinfo", lambda: http.get(f"{fc.issuer}/userinfo", headers=bearer))
    started = time.perf_counter()
    releve = apij.paiements(
        tokens["access_token"], date_debut=date(2025, 1, 1), date_fin=date(2025, 6, 30)
    )
    timings["APIJ call"] = time.perf_counter() - started
    assert releve.paiements
    return timings


def measure() -> list[dict[str, str]]:
    runs: list[dict[str, float]] = []
    with (
        ApijMock.start() as mock,
        httpx.Client() as http,
        ApijClient(mock.api_key, base_url=mock.base_url) as apij,
    ):
        for index in range(WARMUP + JOURNEYS):
            timings = _journey(mock, http, apij)
            if index >= WARMUP:
                runs.append(timings)
    rows = [
        {
            "benchmark": BENCHMARK,
            "subject": "in process (respx)",
            "figure": "per journey (median)",
            "value": f"{statistics.median(sum(r.values()) for r in runs) * 1000:.2f} ms",
        }
    ]
    for name in STEPS:
        median = statistics.median(r[name] for r in runs)
        rows.append(
            {
                "benchmark": BENCHMARK,
                "subject": "in process (respx)",
                "figure": f"step: {name} (median)",
                "value": f"{median * 1000:.2f} ms",
            }
        )
    return rows


if __name__ == "__main__":
    for row in measure():
        print(f"{row['figure']:<28} {row['value']:>10}")
