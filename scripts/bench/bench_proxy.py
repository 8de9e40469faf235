"""Benchmark the validating proxy against direct calls and Prism's validating proxy, side by side.

One run, loopback only: the sandbox is the upstream of every subject; `direct` calls it, `apij
proxy` and `prism proxy` (when installed: `make bench-tools`) sit in front of it. The subjects
are loaded by `wrk` (10 keep-alive connections, a Python load generator without wrk) in turns,
three rounds of 4 s each (the ratios of a round compare loads seconds apart), then by a
Python load generator for many connections: 200 connections × 5 calls, and 600 calls at once
(600 connections, one call each). Rows: req/s, p50/p99, CPU per exchange of the subject's own
processes, the ratios to direct measured in the same run, and the upstream connections the
subject closed during a many-connections run (sockets left in TIME_WAIT towards the upstream's
port: the side that closes first keeps that state).
Run alone: `python -m scripts.bench.bench_proxy`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scripts.bench.bench_double import (
    PRISM_DIR,
    Load,
    Subject,
    _find_prism,
    _find_wrk,
    _free_port,
    _python_load,
    _serving,
    _tree,
    _wrk,
    exchange,
)
from scripts.project import EFFECTIVE

BENCHMARK = "validating proxy"
DURATION = 12  # seconds of steady load for each subject, in ROUNDS rounds
ROUNDS = 3
WARMUP = 2
CONNECTIONS = 10
QUERY = "dateDebut=2025-01-01&dateFin=2025-06-30"
BASE_PATH = "/test/v1/indemnites-journalieres"
# Many connections: (connections, calls on each).
BURSTS = ((200, 5), (600, 1))
TIME_WAIT = "06"  # /proc/net/tcp's state code
DIRECT = "direct (sandbox)"


@dataclass
class Burst:
    """What one many-connections run measured."""

    seconds: float
    p50_ms: float
    p99_ms: float
    failed: int


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of the process and its children so far."""
    ticks = 0
    for member in _tree(pid):
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _time_wait_towards(port: int) -> set[str]:
    """Sockets in TIME_WAIT whose remote end is `port` on this machine (connections to it this
    side closed first), by local address: compare two readings, since entries expire (60 s)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == TIME_WAIT and int(fields[2].rsplit(":", 1)[1], 16) == port:
                    found.add(fields[1])
    return found


async def _burst(
    port: int, path: str, headers: dict[str, str], connections: int, calls: int
) -> Burst:
    """`connections` connections opened at once, `calls` keep-alive calls on each."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{head}\r\n".encode()
    latencies: list[float] = []
    failed = 0

    async def one() -> None:
        nonlocal failed
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            failed += calls
            return
        try:
            for _ in range(calls):
                started = time.perf_counter()
                ok = await exchange(reader, writer, request)
                latencies.append(time.perf_counter() - started)
                failed += not ok
        except (OSError, asyncio.IncompleteReadError, IndexError):
            failed += 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(one() for _ in range(connections))), timeout=120)
    seconds = time.perf_counter() - began
    latencies.sort()
    if not latencies:
        return Burst(seconds, 0.0, 0.0, failed)
    return Burst(
        seconds,
        latencies[len(latencies) // 2] * 1000,
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        failed,
    )


@contextlib.contextmanager
def _upstream() -> Iterator[int]:
    port = _free_port()
    sandbox = Subject(
        "sandbox",
        [sys.executable, "-m", "apij.double.sandbox", "--host", "127.0.0.1", "--port", "{port}"],
        "",
        {},
    )
    with _serving(sandbox, port):
        yield port


def _subjects(upstream: int, prism: Path | None, report: Path) -> list[Subject]:
    from apij.double import SANDBOX_API_KEY, SCENARIOS
    from apij.double.scenarios import DEFAULT_SCENARIO

    token = SCENARIOS[DEFAULT_SCENARIO].token
    headers = {"X-API-Key": SANDBOX_API_KEY, "Authorization": f"Bearer {token}"}
    target = f"http://127.0.0.1:{upstream}{BASE_PATH}"
    path = f"{BASE_PATH}/me/paiements?{QUERY}"
    apij = [sys.executable, "-m", "apij", "proxy", "--upstream", target, "--port", "{port}"]
    subjects = [
        Subject(DIRECT, [], path, headers),
        Subject("apij proxy", [*apij, "--report", str(report)], path, headers),
    ]
    if prism is not None:
        command = [str(prism), "proxy", str(EFFECTIVE), target, "-h", "127.0.0.1", "-p"]
        command += ["{port}", "--errors", "false", "--verboseLevel", "silent"]
        name = f"prism {_prism_version()} proxy"
        subjects.append(Subject(name, command, f"/me/paiements?{QUERY}", headers))
    return subjects


def _prism_version() -> str:
    import json

    package = PRISM_DIR / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    with contextlib.suppress(OSError, ValueError, KeyError):
        return str(json.loads(package.read_text())["version"])
    return "?"


@contextlib.contextmanager
def _running(subject: Subject, upstream: int) -> Iterator[tuple[int, int]]:
    """(port, pid) of the subject; direct: the upstream itself."""
    if not subject.command:
        pid = _pid_listening(upstream)
        yield upstream, pid
        return
    port = _free_port()
    with _serving(subject, port) as process:
        yield port, process.pid


def _pid_listening(port: int) -> int:
    """The sandbox's pid (the process whose command line names its port)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                command = (entry / "cmdline").read_bytes().split(b"\0")
                if b"apij.double.sandbox" in command and str(port).encode() in command:
                    return int(entry.name)
    raise RuntimeError("the sandbox's process was not found")


def _steady_load(wrk: str | None, port: int, subject: Subject, duration: int) -> Load:
    if wrk:
        url = f"http://127.0.0.1:{port}{subject.path}"
        return _wrk(wrk, url, subject.headers, duration, CONNECTIONS)
    return asyncio.run(_python_load(port, subject.path, subject.headers, duration, CONNECTIONS))


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def measure() -> list[dict[str, str]]:
    """Every subject under the same loads, in one run; rows of benchmark/subject/figure/value.

    The steady load runs in ROUNDS rounds, each loading every subject in turn, so that the
    ratios of a round compare subjects measured seconds apart (the machine is shared: its
    load drifts over a run); the ratio rows give the median round and the range."""
    wrk = _find_wrk()
    prism = _find_prism()
    rows: list[dict[str, str]] = []

    def row(subject: str, figure: str, value: str) -> None:
        rows.append({"benchmark": BENCHMARK, "subject": subject, "figure": figure, "value": value})

    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="apij-bench-")))
        up = stack.enter_context(_upstream())
        subjects = [
            (subject, *stack.enter_context(_running(subject, up)))
            for subject in _subjects(up, prism, scratch / "report.jsonl")
        ]
        for subject, port, _ in subjects:
            _steady_load(wrk, port, subject, WARMUP)
        rounds: dict[str, list[tuple[Load, float]]] = {s.name: [] for s, _, _ in subjects}
        for _ in range(ROUNDS):
            for subject, port, pid in subjects:
                before = _cpu_seconds(pid)
                load = _steady_load(wrk, port, subject, DURATION // ROUNDS)
                exchanges = load.requests_per_second * (DURATION // ROUNDS)
                rounds[subject.name].append((load, (_cpu_seconds(pid) - before) / exchanges))
        for subject, port, _ in subjects:
            measured = rounds[subject.name]
            tool = measured[0][0].tool
            row(
                subject.name,
                f"req/s ({CONNECTIONS} conn, {ROUNDS} × {DURATION // ROUNDS} s, {tool})",
                " / ".join(f"{load.requests_per_second:,.0f}" for load, _ in measured),
            )
            row(
                subject.name,
                "latency p50 / p99 (ms), median round",
                f"{_median([m.p50_ms for m, _ in measured]):.2f} / "
                f"{_median([m.p99_ms for m, _ in measured]):.2f}",
            )
            row(
                subject.name,
                "CPU per exchange (ms, its own processes)",
                f"{_median([cpu for _, cpu in measured]) * 1e3:.3f}",
            )
            row(subject.name, "non-2xx responses", str(sum(m.non_2xx for m, _ in measured)))
            for connections, calls in BURSTS:
                earlier = _time_wait_towards(up)
                burst = asyncio.run(_burst(port, subject.path, subject.headers, connections, calls))
                closed = len(_time_wait_towards(up) - earlier)
                label = f"{connections} conn × {calls} call{'s' if calls > 1 else ''}"
                row(
                    subject.name,
                    f"{label}: s, p50 / p99 (ms), failed",
                    f"{burst.seconds:.2f} s, {burst.p50_ms:.0f} / {burst.p99_ms:.0f}, "
                    f"{burst.failed}",
                )
                if subject.command:
                    row(subject.name, f"{label}: upstream connections closed", str(closed))
    direct = rounds.pop(DIRECT)
    for name, measured in rounds.items():
        pairs = list(zip(measured, direct, strict=True))
        throughput = [m.requests_per_second / d.requests_per_second for (m, _), (d, _) in pairs]
        row(
            f"{name} / direct",
            "req/s ratio, median round (range)",
            f"{_median(throughput):.3f}× ({min(throughput):.3f}–{max(throughput):.3f})",
        )
        row(
            f"{name} / direct",
            "p50, p99 ratios; CPU per exchange ratio",
            f"{_median([m.p50_ms / d.p50_ms for (m, _), (d, _) in pairs]):.1f}×, "
            f"{_median([m.p99_ms / d.p99_ms for (m, _), (d, _) in pairs]):.1f}×; "
            f"{_median([mc / dc for (_, mc), (_, dc) in pairs]):.1f}×",
        )
    if prism is None:
        row("prism proxy", "note", "skipped: not installed (make bench-tools)")
    return rows


def main() -> None:
    rows = measure()
    width = max(len(r["subject"]) for r in rows)
    for r in rows:
        print(f"{r['subject']:<{width}}  {r['figure']:<46}  {r['value']}", flush=True)


if __name__ == "__main__":
    main()
