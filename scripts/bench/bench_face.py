"""Benchmark the SDK face: per-call overhead versus raw httpx + json.loads, and throughput under
concurrency against the sandbox served by a separate process over loopback.

`measure()` returns rows for scripts/bench/run.py; `python -m scripts.bench.bench_face` prints
them alone. Figures are reported, not asserted. Targets: overhead ratio <= 1.5 at 26 lines and
<= 5 at 1,000 lines; async face >= 0.25x raw aiohttp and >= 0.7x raw httpx on the same
transport, default pool within 20 % of the best pool size; sync face >= 0.7x raw httpx.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from apij import ApijClient, AsyncApijClient
from apij._contract import face_operation
from apij._decode import decode
from apij.double import DEFAULT_SCENARIO, SANDBOX_API_KEY, SANDBOX_BASE_URL, SCENARIOS
from apij.double.domain import LignePaiement
from apij.openapi import effective

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
        ligne = LignePaiement.compute(debut, debut + timedelta(days=13), montant)
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
        _row(subject, f"overhead ratio (target ≤ {1.5 if lines <= 26 else 5})", f"{ratio:.2f}"),
    ]


def drift(lines: int) -> list[dict[str, str]]:
    """The face on a body carrying a member the contract does not describe on every line (drift,
    as after an upstream adds a field) against the same body without it."""
    doc = json.loads(body_of(lines))
    for line in doc["paiements"]:
        line["regime"] = "general"
    bodies = {"plain": body_of(lines), "drift": json.dumps(doc).encode()}
    faces = {
        name: ApijClient(
            KEY,
            base_url=SANDBOX_BASE_URL,
            transport=httpx.MockTransport(
                lambda request, content=content: httpx.Response(
                    200, content=content, headers={"content-type": "application/json"}
                )
            ),
        )
        for name, content in bodies.items()
    }
    calls = {
        name: functools.partial(
            face.paiements, TOKEN, date_debut=PARAMS["dateDebut"], date_fin=PARAMS["dateFin"]
        )
        for name, face in faces.items()
    }
    plain_s, drift_s, ratio = _compare(calls["plain"], calls["drift"])
    for face in faces.values():
        face.close()
    subject = f"{lines}-line response, in-process transport"
    return [
        _row(
            subject,
            "face, an undocumented member on every line (drift) / none",
            f"{ratio:.2f} ({drift_s * 1e6:.0f} vs {plain_s * 1e6:.0f} µs)",
        )
    ]


def validation(lines: int) -> list[dict[str, str]]:
    """Decoding alone, and jsonschema_rs judging every keyword itself (the numeric ones slowly)."""
    import jsonschema_rs

    content = body_of(lines)
    response = httpx.Response(200, content=content, headers={"content-type": "application/json"})
    face_operation()  # compiled once, outside the timing
    decode_s = _per_call(lambda: decode(200, response.headers, content, ()), budget=0.5)
    success = effective().operation("getPaiementsIJ").response(200)
    assert success is not None
    assert success.schema is not None
    naive = jsonschema_rs.Draft202012Validator(success.schema, validate_formats=True)
    doc = json.loads(content, parse_float=Decimal)
    naive_s = _per_call(lambda: naive.is_valid(doc), budget=0.5)
    subject = f"{lines}-line body, validation + decoding"
    return [
        _row(subject, "face decode (Decimal parse, schema, models)", f"{decode_s * 1e6:.0f} µs"),
        _row(
            subject, "jsonschema_rs alone on Decimals, validating only", f"{naive_s * 1e6:.0f} µs"
        ),
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_listening(port: int, alive: Callable[[], bool], what: str) -> None:
    """Return once a loopback server accepts on `port`; RuntimeError after 15 s or if it died."""
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline or not alive():
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.05)


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
        _wait_until_listening(port, lambda: process.poll() is None, "the sandbox")
        yield f"http://127.0.0.1:{port}{httpx.URL(SANDBOX_BASE_URL).path}"
    finally:
        process.terminate()
        process.wait(timeout=10)


USERS = 100
CALLS_PER_USER = 20
ROUNDS = 5
POOL_SIZES = (10, 20, 50, 100, 200)
WINDOW = {"dateDebut": "2025-01-01", "dateFin": "2025-06-30"}
TOKEN_MALADIE = SCENARIOS[DEFAULT_SCENARIO].token
# The sandbox users with a statement: each call takes the next, so that consecutive calls are
# different users' (a connection carries one user's calls: they cannot share one).
USER_TOKENS = tuple(
    SCENARIOS[name].token
    for name in ("maladie", "maladie_plafond_avril_2025", "at_mp", "maternite", "paternite")
)
MANY_USERS = "face, default settings, each call the next of 5 users"
BEARER = {"Authorization": f"Bearer {TOKEN_MALADIE}"}


@dataclass
class Load:
    """One load run: calls per second, latency percentiles (seconds), and the client process's
    CPU time per call (seconds; the sandbox runs in its own process). On a machine with few
    cores the client's CPU per call is what bounds the rate: it is the steadier figure."""

    rate: float
    p50: float
    p95: float
    failures: int
    cpu: float


def _cpu() -> float:
    """CPU seconds used so far by this process (user and system, every thread)."""
    times = os.times()
    return times.user + times.system


def _load(latencies: list[float], failures: int, elapsed: float, cpu: float) -> Load:
    """Rates count successful calls only; failed calls are counted apart."""
    latencies.sort()
    return Load(
        len(latencies) / elapsed,
        latencies[len(latencies) // 2],
        latencies[int(len(latencies) * 0.95)],
        failures,
        cpu / (len(latencies) + failures),
    )


# An async subject: given the base URL, an async context manager yielding one call.
AsyncSubject = Callable[[str], AbstractAsyncContextManager[Callable[[], Awaitable[Any]]]]


@asynccontextmanager
async def raw_aiohttp(base_url: str) -> AsyncIterator[Callable[[], Awaitable[Any]]]:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=USERS)
    async with aiohttp.ClientSession(connector=connector, headers={"X-API-Key": KEY}) as session:
        url = f"{base_url}/me/paiements"

        async def call() -> Any:
            async with session.get(url, params=WINDOW, headers=BEARER) as response:
                return json.loads(await response.read())

        yield call


def raw_httpx(transport: str) -> AsyncSubject:
    @asynccontextmanager
    async def subject(base_url: str) -> AsyncIterator[Callable[[], Awaitable[Any]]]:
        limits = httpx.Limits(max_connections=USERS, max_keepalive_connections=USERS)
        chosen: httpx.AsyncBaseTransport
        if transport == "aiohttp":
            from apij._aiohttp_transport import AiohttpTransport

            chosen = AiohttpTransport(verify=True, limits=limits)
        else:
            chosen = httpx.AsyncHTTPTransport(limits=limits)
        async with httpx.AsyncClient(
            base_url=base_url, transport=chosen, headers={"X-API-Key": KEY}
        ) as client:

            async def call() -> Any:
                response = await client.get("/me/paiements", params=WINDOW, headers=BEARER)
                return json.loads(response.content)

            yield call

    return subject


def face_async(connections: int | None, tokens: tuple[str, ...] = (TOKEN_MALADIE,)) -> AsyncSubject:
    @asynccontextmanager
    async def subject(base_url: str) -> AsyncIterator[Callable[[], Awaitable[Any]]]:
        async with AsyncApijClient(KEY, base_url=base_url, **_pool(connections)) as face:
            turn = itertools.cycle(tokens)

            async def call() -> Any:
                return await face.paiements(
                    next(turn), date_debut="2025-01-01", date_fin="2025-06-30"
                )

            yield call

    return subject


async def _async_load(subject: AsyncSubject, base_url: str) -> Load:
    """USERS concurrent users, CALLS_PER_USER calls each, after one warm-up call per user."""
    async with subject(base_url) as call:
        await asyncio.gather(*(call() for _ in range(USERS)))
        latencies: list[float] = []
        failures: list[str] = []

        async def user() -> None:
            for _ in range(CALLS_PER_USER):
                started = time.perf_counter()
                try:
                    await call()
                except Exception as exc:  # counted and reported, never hidden
                    failures.append(type(exc).__name__)
                else:
                    latencies.append(time.perf_counter() - started)

        started, cpu = time.perf_counter(), _cpu()
        await asyncio.gather(*(user() for _ in range(USERS)))
        return _load(latencies, len(failures), time.perf_counter() - started, _cpu() - cpu)


def _sync_load(call: Callable[[], Any]) -> Load:
    """USERS threads, CALLS_PER_USER calls each, after one warm-up call per thread."""
    latencies: list[float] = []
    failures: list[str] = []

    def user(calls: int) -> None:
        for _ in range(calls):
            started = time.perf_counter()
            try:
                call()
            except Exception as exc:  # counted and reported, never hidden
                failures.append(type(exc).__name__)
            else:
                latencies.append(time.perf_counter() - started)  # list.append is atomic

    with ThreadPoolExecutor(max_workers=USERS) as pool:
        list(pool.map(user, [1] * USERS))
        latencies.clear()
        failures.clear()
        started, cpu = time.perf_counter(), _cpu()
        list(pool.map(user, [CALLS_PER_USER] * USERS))
        return _load(latencies, len(failures), time.perf_counter() - started, _cpu() - cpu)


def _median(loads: list[Load]) -> Load:
    return Load(
        statistics.median(x.rate for x in loads),
        statistics.median(x.p50 for x in loads),
        statistics.median(x.p95 for x in loads),
        sum(x.failures for x in loads),
        statistics.median(x.cpu for x in loads),
    )


def _rounds(subjects: dict[str, Callable[[], Load]]) -> dict[str, Load]:
    """ROUNDS runs of every subject, interleaved so that load drift hits them alike; medians."""
    runs: dict[str, list[Load]] = {name: [] for name in subjects}
    for _ in range(ROUNDS):
        for name, run in subjects.items():
            runs[name].append(run())
    return {name: _median(loads) for name, loads in runs.items()}


def _pool(connections: int | None) -> dict[str, Any]:
    """The face's settings for a pool of `connections` (None: the default settings)."""
    if connections is None:
        return {}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return {"limits": limits}


def _best_pool_row(subject: str, results: dict[str, Load], default: str) -> dict[str, str]:
    """The face with default settings against its best "face, pool of N" row."""
    pools = {n: results[f"face, pool of {n}"].rate for n in POOL_SIZES}
    best = max(pools, key=lambda n: pools[n])
    return _row(
        subject,
        f"face default / best pool ({best}) (target >= 0.8)",
        f"{results[default].rate / pools[best]:.2f}",
    )


def _load_rows(subject: str, results: dict[str, Load]) -> list[dict[str, str]]:
    rows = []
    for name, load in results.items():
        latency = (
            f"{load.rate:,.0f} calls/s, p50 {load.p50 * 1e3:.1f} / p95 {load.p95 * 1e3:.1f} ms,"
            f" client CPU {load.cpu * 1e6:.0f} µs/call"
        )
        rows.append(_row(subject, name, latency))
    return rows


FACE = "face AsyncApijClient, default settings"
RAW_SAME_TRANSPORT = "raw httpx + apij's aiohttp transport + json.loads"


def async_throughput(base_url: str) -> list[dict[str, str]]:
    """Async calls per second against the sandbox (own process) over loopback."""
    subjects: dict[str, AsyncSubject] = {
        "raw aiohttp + json.loads": raw_aiohttp,
        RAW_SAME_TRANSPORT: raw_httpx("aiohttp"),
        "raw httpx + default transport + json.loads": raw_httpx("default"),
        FACE: face_async(None),
        MANY_USERS: face_async(None, USER_TOKENS),
        **{f"face, pool of {n}": face_async(n) for n in POOL_SIZES},
    }

    def runner(subject: AsyncSubject) -> Callable[[], Load]:
        return lambda: asyncio.run(_async_load(subject, base_url))

    results = _rounds({name: runner(subject) for name, subject in subjects.items()})
    face = results[FACE].rate
    subject = f"async, sandbox process, {USERS} users x {CALLS_PER_USER} calls"
    return [
        *_load_rows(subject, results),
        _row(
            subject,
            "face / raw aiohttp (target >= 0.25)",
            f"{face / results['raw aiohttp + json.loads'].rate:.2f}",
        ),
        _row(
            subject,
            "same, by client CPU per call (raw aiohttp's / the face's)",
            f"{results['raw aiohttp + json.loads'].cpu / results[FACE].cpu:.2f}",
        ),
        _row(
            subject,
            "face / raw httpx, same aiohttp transport (target >= 0.7)",
            f"{face / results[RAW_SAME_TRANSPORT].rate:.2f}",
        ),
        _row(
            subject,
            "face / raw httpx, default transport",
            f"{face / results['raw httpx + default transport + json.loads'].rate:.2f}",
        ),
        _users_row(subject, results, FACE),
        _best_pool_row(subject, results, FACE),
    ]


SYNC_FACE = "face ApijClient, default settings"
SYNC_RAW = "raw httpx.Client + json.loads"


def sync_throughput(base_url: str) -> list[dict[str, str]]:
    """Threaded calls per second against the sandbox (own process) over loopback."""
    limits = httpx.Limits(max_connections=USERS, max_keepalive_connections=USERS)

    def raw() -> Load:
        with httpx.Client(base_url=base_url, limits=limits, headers={"X-API-Key": KEY}) as client:

            def call() -> Any:
                response = client.get("/me/paiements", params=WINDOW, headers=BEARER)
                return json.loads(response.content)

            return _sync_load(call)

    def face(
        connections: int | None, tokens: tuple[str, ...] = (TOKEN_MALADIE,)
    ) -> Callable[[], Load]:
        def run() -> Load:
            with ApijClient(KEY, base_url=base_url, **_pool(connections)) as client:
                turn = itertools.cycle(tokens)

                def call() -> Any:
                    return client.paiements(
                        next(turn), date_debut="2025-01-01", date_fin="2025-06-30"
                    )

                return _sync_load(call)

        return run

    results = _rounds(
        {
            SYNC_RAW: raw,
            SYNC_FACE: face(None),
            MANY_USERS: face(None, USER_TOKENS),
            **{f"face, pool of {n}": face(n) for n in POOL_SIZES},
        }
    )
    subject = f"sync, sandbox process, {USERS} threads x {CALLS_PER_USER} calls"
    return [
        *_load_rows(subject, results),
        _row(
            subject,
            "face / raw httpx (target >= 0.7)",
            f"{results[SYNC_FACE].rate / results[SYNC_RAW].rate:.2f}",
        ),
        _users_row(subject, results, SYNC_FACE),
        _best_pool_row(subject, results, SYNC_FACE),
    ]


def _users_row(subject: str, results: dict[str, Load], face: str) -> dict[str, str]:
    """What one user per connection costs: calls of 5 users in turn against one user's."""
    return _row(
        subject,
        "5 users in turn / one user (a connection per user: the cost of never sharing)",
        f"{results[MANY_USERS].rate / results[face].rate:.2f}",
    )


def _raw_upstream(port: int, answer: Callable[[socket.socket, bytes, int], None]) -> None:
    """A raw-socket HTTP/1.1 upstream (run in its own process, its own GIL): `answer(conn,
    request, n)` answers the connection's n-th request."""
    import threading

    listener = socket.create_server(("127.0.0.1", port), backlog=512)

    def serve(conn: socket.socket) -> None:
        with conn:
            for n in range(100_000):
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            return
                        data += chunk
                    answer(conn, data, n)
                except OSError:  # the client hung up (its deadline, a refused answer...)
                    return

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


@contextmanager
def raw_upstream(answer: Callable[[socket.socket, bytes, int], None]) -> Iterator[str]:
    """`_raw_upstream` in a child process; yields its base URL."""
    import multiprocessing

    port = _free_port()
    process = multiprocessing.get_context("fork").Process(
        target=_raw_upstream, args=(port, answer), daemon=True
    )
    process.start()
    try:
        _wait_until_listening(port, process.is_alive, "the upstream")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.join(timeout=10)


CONTENDERS = 50
NEAR_MAX = body_of(14_300)  # about 1.9 MB, under max_response_bytes (2 MiB)
CONTENTION_TOTAL = 1.0  # each call's deadline (s)
NEAR_MAX_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
    % len(NEAR_MAX)
)


def _paced_near_max(conn: socket.socket, request: bytes, n: int) -> None:
    """The near-maximum body, 64 KiB every 40 ms: about 1.2 s in all, past the deadline."""
    conn.sendall(NEAR_MAX_HEAD)
    for i in range(0, len(NEAR_MAX), 65536):
        conn.sendall(NEAR_MAX[i : i + 65536])
        time.sleep(0.04)


def _whole_near_max(conn: socket.socket, request: bytes, n: int) -> None:
    conn.sendall(NEAR_MAX_HEAD + NEAR_MAX)


def contention() -> list[dict[str, str]]:
    """The deadline under contention: CONTENDERS threads, each one sync call reading a
    near-maximum body (paced past the deadline, or whole at once), on one client. The figure is
    the worst time a call returned past its deadline (target <= 0.25 s)."""
    from apij import ApijError, Timeouts

    rows = []
    assert 1_800_000 < len(NEAR_MAX) < 2 * 1024 * 1024
    for name, answer in (("paced past the deadline", _paced_near_max), ("whole", _whole_near_max)):
        with raw_upstream(answer) as base_url:
            timeouts = Timeouts(connect=5.0, read=5.0, total=CONTENTION_TOTAL)
            with ApijClient(KEY, base_url=base_url, timeouts=timeouts, **_pool(CONTENDERS)) as c:

                def one(_: int) -> tuple[float, str]:
                    started = time.monotonic()
                    try:
                        c.paiements(TOKEN, date_debut="2018-01-01", date_fin="2026-12-31")
                        outcome = "ok"
                    except ApijError as exc:
                        outcome = type(exc).__name__
                    return time.monotonic() - started - CONTENTION_TOTAL, outcome

                overruns: list[float] = []
                outcomes: dict[str, int] = {}
                for _ in range(3):  # rounds
                    with ThreadPoolExecutor(max_workers=CONTENDERS) as pool:
                        for overrun, outcome in pool.map(one, range(CONTENDERS)):
                            overruns.append(overrun)
                            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        said = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
        rows.append(
            _row(
                f"sync, {CONTENDERS} threads x 1 call, {len(NEAR_MAX) / 1e6:.1f} MB body {name}",
                f"worst return past the {CONTENTION_TOTAL:.0f} s deadline (target <= 0.25 s)",
                f"{max(overruns):+.3f} s ({said})",
            )
        )
    return rows


STRAY_CALLS = 10_000
STRAY_WORKERS = 20
STRAY_THINK = 0.03  # seconds
STRAY_RUN = 10  # calls of one user in a row


# Shared with the upstream's process (forked): strays sent (in the same write, while idle).
_STRAYS_SENT: Any = None
_STRAY_CSG = b'"csg": 0.01'  # marks a stray answer


def _stray_answers(conn: socket.socket, request: bytes, n: int) -> None:
    """Each user's own answer (their fingerprint as the daily amount), and stray copies of it:
    the first answer of a connection, for one user in five, is followed by a copy in the same
    write; after every third answer, a copy follows once the connection has been idle for
    20 ms. A copy (marked by its csg) is what the next request on that connection would read
    as its answer if the client reused the connection: another user's answer, unless the
    connection carries one user's calls."""
    import select

    token = b""
    for line in request.split(b"\r\n"):
        if line.lower().startswith(b"authorization:"):
            token = line.split(b" ")[-1]
    user = int(token.rsplit(b"-", 1)[-1])
    own = body_of(1).replace(b'"montant_journalier": 20.0', b'"montant_journalier": 10.%02d' % user)
    stray = re.sub(rb'"csg": [0-9.]+', _STRAY_CSG, own)
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
    answer = head % len(own) + own
    stray_answer = head % len(stray) + stray
    if n == 0 and user % 5 == 0:
        conn.sendall(answer + stray_answer)
        with _STRAYS_SENT.get_lock():
            _STRAYS_SENT[0] += 1
        return
    conn.sendall(answer)
    if n % 3 == 0 and not select.select([conn], [], [], 0.02)[0]:
        conn.sendall(stray_answer)
        with _STRAYS_SENT.get_lock():
            _STRAYS_SENT[1] += 1


def cross_user() -> list[dict[str, str]]:
    """STRAY_CALLS calls of 100 users with their own tokens, each user's in runs of
    STRAY_RUN (STRAY_WORKERS calls at a time, each pausing STRAY_THINK before a call), against
    an upstream that sends stray copies of its answers (in the same write and while idle): the
    answers that were someone else's (target 0), and the stray copies of a user's own earlier
    answer that reached that user."""
    import multiprocessing

    from apij import ApijError

    global _STRAYS_SENT
    rows = []
    tokens = [f"fc-stray-user-{i:04d}" for i in range(100)]

    def verdict(releve: Any, token: str) -> str:
        (line,) = releve.paiements
        if line.montant_journalier != Decimal(f"10.{int(token.rsplit('-', 1)[-1]):02d}"):
            return "other"  # another user's
        return "own, a stray copy" if line.csg == Decimal("0.01") else "own"

    for mode in ("sync", "async"):
        _STRAYS_SENT = multiprocessing.get_context("fork").Array("l", 2)
        counts = {"own": 0, "own, a stray copy": 0, "other": 0, "failed": 0}
        with raw_upstream(_stray_answers) as base_url:
            started = time.perf_counter()
            if mode == "sync":
                with ApijClient(KEY, base_url=base_url, **_pool(STRAY_WORKERS)) as client:

                    def one(i: int) -> str:
                        token = tokens[i // STRAY_RUN % len(tokens)]
                        time.sleep(STRAY_THINK)  # the user's connection idles meanwhile
                        try:
                            releve = client.paiements(
                                token, date_debut="2018-01-01", date_fin="2026-12-31"
                            )
                        except ApijError:
                            return "failed"
                        return verdict(releve, token)

                    with ThreadPoolExecutor(max_workers=STRAY_WORKERS) as pool:
                        for outcome in pool.map(one, range(STRAY_CALLS)):
                            counts[outcome] += 1
            else:

                async def main() -> list[str]:
                    async with AsyncApijClient(
                        KEY, base_url=base_url, **_pool(STRAY_WORKERS)
                    ) as client:
                        gate = asyncio.Semaphore(STRAY_WORKERS)

                        async def one(i: int) -> str:
                            token = tokens[i // STRAY_RUN % len(tokens)]
                            async with gate:
                                await asyncio.sleep(STRAY_THINK)
                                try:
                                    releve = await client.paiements(
                                        token, date_debut="2018-01-01", date_fin="2026-12-31"
                                    )
                                except ApijError:
                                    return "failed"
                            return verdict(releve, token)

                        return await asyncio.gather(*(one(i) for i in range(STRAY_CALLS)))

                for outcome in asyncio.run(main()):
                    counts[outcome] += 1
            elapsed = time.perf_counter() - started
        rows.append(
            _row(
                f"{mode}, {STRAY_CALLS:,} calls of 100 users in runs of {STRAY_RUN}, "
                "upstream sending stray answers",
                "answers that were another user's (target 0)",
                f"{counts['other']} (strays sent: {_STRAYS_SENT[0]} in the same "
                f"write, {_STRAYS_SENT[1]} while idle; a stray copy of the user's own answer "
                f"reached them {counts['own, a stray copy']} times; {counts['failed']} failed "
                f"calls; {elapsed:.1f} s)",
            )
        )
    return rows


def throughput() -> list[dict[str, str]]:
    """Async and threaded throughput against one sandbox process."""
    with sandbox() as base_url:
        return [*async_throughput(base_url), *sync_throughput(base_url)]


def _row(subject: str, figure: str, value: str) -> dict[str, str]:
    return {"benchmark": BENCH, "subject": subject, "figure": figure, "value": value}


def measure() -> list[dict[str, str]]:
    """Every face benchmark, as table rows."""
    return [
        *overhead(26),
        *drift(26),
        *overhead(1000),
        *validation(1000),
        *throughput(),
        *contention(),
        *cross_user(),
    ]


def main() -> int:
    for row in [*overhead(26), *drift(26), *overhead(1000), *validation(1000)]:
        print(f"{row['subject']:<48} {row['figure']:<52} {row['value']:>16}", flush=True)
    for row in [*throughput(), *contention(), *cross_user()]:
        print(f"{row['subject']:<48} {row['figure']:<52} {row['value']:>16}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
