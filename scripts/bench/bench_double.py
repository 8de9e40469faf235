"""Benchmark the sandbox (full validation and token semantics) against Prism and plain ASGI.

One run, loopback only, bounded time: each server is started on a free 127.0.0.1 port, warmed
up, then loaded with 32 keep-alive connections for DURATION seconds by `wrk` (never installed
here: `make bench-tools`; a Python load generator otherwise). Reports req/s, p50/p99 latency, the
server's peak RSS (VmHWM, summed over its process tree) and ratios. Run alone:
`python -m scripts.bench.bench_double`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scripts.project import EFFECTIVE, ROOT

DURATION = 10
WARMUP = 2
CONNECTIONS = 32
PRISM_VERSION = "5.14"
PRISM_DIR = Path(tempfile.gettempdir()) / "apij-bench-prism"
BENCHMARK = "double sandbox"
QUERY = "dateDebut=2025-01-01&dateFin=2025-06-30"

# The plain-ASGI baseline: uvicorn (same flags as the sandbox) returning the contract's first
# example of a 200 body, whatever it is called.
BASELINE_APP = textwrap.dedent(
    """
    import json, sys
    from apij.openapi import effective
    import uvicorn

    (media, *_) = effective().operation("getPaiementsIJ").response(200).content
    BODY = json.dumps(media.examples[0][1]).encode()
    START = {"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]}
    REPLY = {"type": "http.response.body", "body": BODY}

    async def app(scope, receive, send):
        if scope["type"] == "http":
            await send(START)
            await send(REPLY)

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), loop="uvloop", http="httptools",
                lifespan="off", access_log=False, log_level="warning", server_header=False)
    """
)


@dataclass
class Load:
    """What one load run measured."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    tool: str


@dataclass
class Subject:
    """A server under test: how to start it and what to ask it."""

    name: str
    command: list[str]
    path: str
    headers: dict[str, str]
    env: dict[str, str] | None = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise RuntimeError("server did not start listening in time")


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            for child in task.read_text().split():
                pids.extend(_tree(int(child)))
    return pids


def _peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of the process and its children, in MB."""
    total_kb = 0
    for member in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


@contextlib.contextmanager
def _serving(subject: Subject, port: int) -> Iterator[subprocess.Popen[bytes]]:
    command = [part.replace("{port}", str(port)) for part in subject.command]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env={**os.environ, **(subject.env or {})},
    )
    try:
        _wait_until_listening(port, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _find_wrk() -> str | None:
    found = shutil.which("wrk")
    if found is None:
        print(
            "bench_double: wrk not found (Debian: `apt-get install wrk`, or `make bench-tools`); "
            "using the Python load generator",
            file=sys.stderr,
        )
    return found


def _find_prism() -> Path | None:
    """Prism from $APIJ_PRISM, the PATH or `make bench-tools`'s folder; never installed here."""
    for candidate in (
        os.environ.get("APIJ_PRISM"),
        shutil.which("prism"),
        str(PRISM_DIR / "node_modules" / ".bin" / "prism"),
    ):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    print(
        f"bench_double: Prism not found, its rows are skipped (install it with `make bench-tools`, "
        f"i.e. `npm install --prefix {PRISM_DIR} @stoplight/prism-cli@{PRISM_VERSION}`, "
        "or point APIJ_PRISM at a prism binary)",
        file=sys.stderr,
    )
    return None


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    value, unit = float(match[1]), match[2]
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _wrk(
    wrk: str, url: str, headers: dict[str, str], duration: int, connections: int = CONNECTIONS
) -> Load:
    command = [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, url], check=True, capture_output=True, text=True, timeout=duration + 30
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out)[1])  # type: ignore[index]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out)[1])  # type: ignore[index]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return Load(rps, p50, p99, int(bad[1]) if bad else 0, "wrk")


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> bool:
    """One HTTP/1.1 request on a kept-alive connection, its answer read whole (Content-Length
    framing): whether its status was 2xx. The Python load generators' one exchange."""
    writer.write(request)
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)
    return status_line.split(b" ")[1].startswith(b"2")


async def _python_load(
    port: int, path: str, headers: dict[str, str], duration: int, connections: int = CONNECTIONS
) -> Load:
    """Fallback load generator: keep-alive connections, one request in flight on each."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{head}\r\n".encode()
    latencies: list[float] = []
    non_2xx = 0
    stop = time.monotonic() + duration

    async def worker() -> None:
        nonlocal non_2xx
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.monotonic() < stop:
            started = time.perf_counter()
            ok = await exchange(reader, writer, request)
            latencies.append(time.perf_counter() - started)
            non_2xx += not ok
        writer.close()

    began = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.monotonic() - began
    latencies.sort()
    return Load(
        len(latencies) / elapsed,
        latencies[len(latencies) // 2] * 1000,
        latencies[int(len(latencies) * 0.99)] * 1000,
        non_2xx,
        "python (wrk unavailable)",
    )


def _measure_one(subject: Subject, wrk: str | None) -> tuple[Load, float]:
    port = _free_port()
    with _serving(subject, port) as process:
        url = f"http://127.0.0.1:{port}{subject.path}"
        if wrk:
            _wrk(wrk, url, subject.headers, WARMUP)
            load = _wrk(wrk, url, subject.headers, DURATION)
        else:
            load = asyncio.run(_python_load(port, subject.path, subject.headers, DURATION))
        rss = _peak_rss_mb(process.pid)
    return load, rss


def _subjects(prism: Path | None) -> list[Subject]:
    from apij.double import SANDBOX_API_KEY, SCENARIOS
    from apij.double.scenarios import DEFAULT_SCENARIO

    token = SCENARIOS[DEFAULT_SCENARIO].token
    headers = {"X-API-Key": SANDBOX_API_KEY, "Authorization": f"Bearer {token}"}
    subjects = []
    if prism is not None:
        subjects.append(
            Subject(
                f"prism {PRISM_VERSION} static mock",
                [
                    str(prism),
                    "mock",
                    str(EFFECTIVE),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    "{port}",
                    "--verboseLevel",
                    "silent",
                ],
                f"/me/paiements?{QUERY}",
                headers,
            )
        )
    subjects.append(
        Subject(
            "plain ASGI (static example)",
            [sys.executable, "-c", BASELINE_APP, "{port}"],
            f"/me/paiements?{QUERY}",
            headers,
        )
    )
    subjects.append(
        Subject(
            "apij sandbox",
            [
                sys.executable,
                "-m",
                "apij.double.sandbox",
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
            ],
            f"/test/v1/indemnites-journalieres/me/paiements?{QUERY}",
            headers,
        )
    )
    return subjects


def measure() -> list[dict[str, str]]:
    """Run every subject once; rows of benchmark/subject/figure/value."""
    wrk = _find_wrk()
    prism = _find_prism()
    rows: list[dict[str, str]] = []
    results: dict[str, tuple[Load, float]] = {}

    def row(subject: str, figure: str, value: str) -> None:
        rows.append({"benchmark": BENCHMARK, "subject": subject, "figure": figure, "value": value})

    for subject in _subjects(prism):
        load, rss = _measure_one(subject, wrk)
        results[subject.name] = (load, rss)
        row(
            subject.name,
            f"req/s ({CONNECTIONS} conn, {DURATION} s, {load.tool})",
            f"{load.requests_per_second:,.0f}",
        )
        row(subject.name, "latency p50 / p99 (ms)", f"{load.p50_ms:.2f} / {load.p99_ms:.2f}")
        row(subject.name, "peak RSS (MB, VmHWM)", f"{rss:.0f}")
        row(subject.name, "non-2xx responses", str(load.non_2xx))
    sandbox_load, sandbox_rss = results["apij sandbox"]
    for name, (load, rss) in results.items():
        if name == "apij sandbox":
            continue
        row(
            f"sandbox / {name}",
            "req/s ratio",
            f"{sandbox_load.requests_per_second / load.requests_per_second:.2f}×",
        )
        row(f"sandbox / {name}", "p99 ratio", f"{sandbox_load.p99_ms / load.p99_ms:.2f}×")
        row(f"sandbox / {name}", "RSS ratio", f"{sandbox_rss / rss:.2f}×")
    if prism is None:
        row("prism", "note", "skipped: not installed (make bench-tools)")
    return rows


def main() -> None:
    rows = measure()
    width = max(len(r["subject"]) for r in rows)
    for r in rows:
        print(f"{r['subject']:<{width}}  {r['figure']:<42}  {r['value']}")


if __name__ == "__main__":
    main()
