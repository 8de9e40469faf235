"""Benchmark the SDK face: per-call overhead versus raw httpx + json.loads, and async throughput.

`measure()` returns rows for scripts/bench/run.py; `python scripts/bench/bench_face.py` prints
them alone. Figures are reported, not asserted (targets: overhead ratio <= 1.5 at 26 lines and
<= 3 at 1,000 lines).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from apij import ApijClient, AsyncApijClient, RetryPolicy
from apij._contract import contract
from apij._decode import decode
from apij.double import DEFAULT_SCENARIO, SANDBOX_API_KEY, SANDBOX_BASE_URL, SCENARIOS
from apij.double.domain import LignePaiement

KEY = SANDBOX_API_KEY
TOKEN = "bench-token"  # noqa: S105 - synthetic
PARAMS = {"dateDebut": "2018-01-01", "dateFin": "2026-12-31"}
BENCH = "face"


def body_of(lines: int) -> bytes:
    """A contract-valid 200 body with `lines` consecutive 14-day lines at varied amounts."""
    out = []
    start = date(2018, 2, 5)
    for n in range(lines):
        debut = start + timedelta(days=14 * n)
        montant = Decimal("20.00") + Decimal(n % 2000) / 100
        ligne = LignePaiement.calculer(debut, debut + timedelta(days=13), montant)
        out.append(
            {
                "date_debut": ligne.date_debut.isoformat(),
                "date_fin": ligne.date_fin.isoformat(),
                "nombre_jours": ligne.nombre_jours,
                "montant_journalier": float(ligne.montant_journalier),
                "csg": float(ligne.csg),
                "crds": float(ligne.crds),
            }
        )
    return json.dumps(
        {"date_debut": PARAMS["dateDebut"], "date_fin": PARAMS["dateFin"], "paiements": out}
    ).encode()


def _batch(fn: Callable[[], Any], budget: float) -> int:
    """Calls of `fn` that fit in about `budget` seconds (after a warm-up)."""
    for _ in range(20):
        fn()
    started, n = time.perf_counter(), 0
    while time.perf_counter() - started < budget or n < 10:
        fn()
        n += 1
    return n


def _timed(fn: Callable[[], Any], n: int) -> float:
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def _per_call(fn: Callable[[], Any], budget: float = 1.0) -> float:
    """Median seconds per call over ~`budget` s (9 rounds)."""
    n = _batch(fn, budget / 9)
    return statistics.median(_timed(fn, n) for _ in range(9))


def _compare(
    base: Callable[[], Any], subject: Callable[[], Any], budget: float = 2.0
) -> tuple[float, float, float]:
    """(base s/call, subject s/call, median ratio), rounds interleaved so that load drift on a
    shared machine hits both sides alike."""
    n_base, n_subject = _batch(base, budget / 30), _batch(subject, budget / 30)
    bases, subjects, ratios = [], [], []
    for _ in range(15):
        b, s = _timed(base, n_base), _timed(subject, n_subject)
        bases.append(b)
        subjects.append(s)
        ratios.append(s / b)
    return statistics.median(bases), statistics.median(subjects), statistics.median(ratios)


def overhead(lines: int) -> list[dict[str, str]]:
    """Face versus raw httpx + json.loads on one in-process transport serving a canned body."""
    content = body_of(lines)
    headers = {"content-type": "application/json"}
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, content=content, headers=headers)
    )
    raw_client = httpx.Client(
        base_url=SANDBOX_BASE_URL, transport=transport, headers={"X-API-Key": KEY}
    )
    face = ApijClient(KEY, base_url=SANDBOX_BASE_URL, transport=transport)

    def raw() -> Any:
        response = raw_client.get(
            "/me/paiements", params=PARAMS, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        return json.loads(response.content)

    def through_face() -> Any:
        return face.paiements(TOKEN, date_debut=PARAMS["dateDebut"], date_fin=PARAMS["dateFin"])

    assert len(through_face().paiements) == lines
    raw_s, face_s, ratio = _compare(raw, through_face)
    raw_client.close()
    face.close()
    subject = f"{lines}-line response, in-process transport"
    return [
        _row(subject, "raw httpx + json.loads per call", f"{raw_s * 1e6:.0f} µs"),
        _row(subject, "face per call (ApijClient.paiements)", f"{face_s * 1e6:.0f} µs"),
        _row(subject, f"overhead ratio (target ≤ {1.5 if lines <= 26 else 3})", f"{ratio:.2f}"),
    ]


def validation(lines: int) -> list[dict[str, str]]:
    """Decoding alone, and the naive alternative it replaced (jsonschema_rs judging Decimals)."""
    import jsonschema_rs
    from apij_client.spec import SPEC

    content = body_of(lines)
    response = httpx.Response(200, content=content, headers={"content-type": "application/json"})
    contract()  # compiled once, outside the timing
    decode_s = _per_call(lambda: decode(response, ()), budget=0.5)
    schema = {"$ref": "#/components/schemas/PaiementsIJ", "components": SPEC["components"]}
    naive = jsonschema_rs.Draft4Validator(schema, validate_formats=True)
    doc = json.loads(content, parse_float=Decimal)
    naive_s = _per_call(lambda: naive.is_valid(doc), budget=0.5)
    subject = f"{lines}-line body, validation + decoding"
    return [
        _row(subject, "face decode (Decimal parse, schema, models)", f"{decode_s * 1e6:.0f} µs"),
        _row(
            subject, "naive: jsonschema_rs on Decimals, validating only", f"{naive_s * 1e6:.0f} µs"
        ),
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def sandbox() -> Iterator[str]:
    """The sandbox in its own process (its own GIL), on a free loopback port."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "apij.double.sandbox", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the sandbox did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}{httpx.URL(SANDBOX_BASE_URL).path}"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _throughput(
    base_url: str, users: int, connections: int, seconds: float, use_face: bool
) -> tuple[float, float, float]:
    """(calls/s, p50 s, p95 s) for `users` concurrent loops over `seconds`."""
    token = SCENARIOS[DEFAULT_SCENARIO].token
    latencies: list[float] = []
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    face = AsyncApijClient(KEY, base_url=base_url, limits=limits, retry=RetryPolicy.none())
    raw = httpx.AsyncClient(base_url=base_url, limits=limits, headers={"X-API-Key": KEY})
    window = {"dateDebut": "2025-01-01", "dateFin": "2025-06-30"}

    async def user() -> None:
        while time.monotonic() < stop:
            t = time.perf_counter()
            if use_face:
                await face.paiements(token, date_debut="2025-01-01", date_fin="2025-06-30")
            else:
                bearer = {"Authorization": f"Bearer {token}"}
                r = await raw.get("/me/paiements", params=window, headers=bearer)
                json.loads(r.content)
            latencies.append(time.perf_counter() - t)

    started = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(users)))
    elapsed = time.perf_counter() - started
    await face.aclose()
    await raw.aclose()
    latencies.sort()
    p50, p95 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)]
    return len(latencies) / elapsed, p50, p95


def throughput(users: int = 100, seconds: float = 3.0) -> list[dict[str, str]]:
    """Async calls per second against the sandbox (own process) over loopback."""
    rows = []
    runs = (
        (users, False, "raw httpx.AsyncClient"),
        (users, True, "face AsyncApijClient"),
        (20, True, "face AsyncApijClient, 20-connection pool"),
    )
    with sandbox() as base_url:
        for connections, use_face, label in runs:
            rate, p50, p95 = asyncio.run(
                _throughput(base_url, users, connections, seconds, use_face)
            )
            subject = f"sandbox over loopback, {users} concurrent users"
            latency = f"{p50 * 1e3:.1f} / {p95 * 1e3:.1f} ms"
            rows.append(_row(subject, f"{label}: throughput", f"{rate:.0f} calls/s"))
            rows.append(_row(subject, f"{label}: latency p50 / p95", latency))
    return rows


def _row(subject: str, figure: str, value: str) -> dict[str, str]:
    return {"benchmark": BENCH, "subject": subject, "figure": figure, "value": value}


def measure() -> list[dict[str, str]]:
    """Every face benchmark, as table rows."""
    return [*overhead(26), *overhead(1000), *validation(1000), *throughput()]


def main() -> int:
    for row in measure():
        print(f"{row['subject']:<48} {row['figure']:<52} {row['value']:>16}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
