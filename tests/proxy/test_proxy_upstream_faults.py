"""The proxy in front of an upstream that misbehaves on the wire (a raw-socket server): every
exchange still has its report line, the client gets the cut the upstream made, no traceback."""

from __future__ import annotations

import contextlib
import gzip
import importlib.abc
import importlib.machinery
import io
import json
import logging
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from apij.double import SANDBOX_API_KEY, SCENARIOS
from apij.double.sandbox import running as sandbox
from apij.proxy import running as proxy

WINDOW = "dateDebut=2025-01-01&dateFin=2025-06-30"
TOKEN = SCENARIOS["maladie"].token
HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
PART = b'{"date_debut":"2025-01-01","paiements":[' + b" " * 24  # 64 bytes of a longer body

Script = Callable[[socket.socket, threading.Event], None]


def _read_head(conn: socket.socket) -> bytes:
    """The request's head, and not one byte of its body (peeked first, then taken)."""
    head = b""
    while True:
        peeked = conn.recv(65536, socket.MSG_PEEK)
        if not peeked:
            return head
        end = (head[-3:] + peeked).find(b"\r\n\r\n")
        if end >= 0:
            return head + conn.recv(end + 4 - len(head[-3:]))
        head += conn.recv(len(peeked))


class RawUpstream:
    """A loopback server running `script` on each connection (after reading the request head),
    each in its own thread; `release` ends the scripts that wait. Given scripts by name, the
    request's `x-case` header names the one to run (the proxy forwards it)."""

    def __init__(self, script: Script | dict[str, Script]) -> None:
        self.script = script
        self.release = threading.Event()
        self.requests: list[bytes] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            head = _read_head(conn)
            self.requests.append(head)
            script = self.script
            if isinstance(script, dict):
                (case,) = (
                    line.split(b":", 1)[1].strip().decode()
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"x-case:")
                )
                script = script[case]
            with contextlib.suppress(OSError):
                script(conn, self.release)

    def close(self) -> None:
        self.release.set()
        self._sock.close()


@contextlib.contextmanager
def raw_upstream(script: Script | dict[str, Script]) -> Iterator[RawUpstream]:
    server = RawUpstream(script)
    try:
        yield server
    finally:
        server.close()


def _reset(conn: socket.socket) -> None:
    """Close with a TCP reset (linger 0), not a FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def cut_after_part(conn: socket.socket, release: threading.Event) -> None:
    conn.sendall(HEAD + b"content-length: 400\r\n\r\n" + PART)
    conn.shutdown(socket.SHUT_WR)  # a FIN 64 bytes into 400


def cut_chunked(conn: socket.socket, release: threading.Event) -> None:
    conn.sendall(HEAD + b"transfer-encoding: chunked\r\n\r\n" + b"%x\r\n" % len(PART) + PART)
    conn.sendall(b"\r\n")
    conn.shutdown(socket.SHUT_WR)  # no last chunk


def reset_after_part(conn: socket.socket, release: threading.Event) -> None:
    conn.sendall(HEAD + b"content-length: 400\r\n\r\n" + PART)
    release.wait(0.3)  # let the proxy relay the part first (the outcome is a reset either way)
    _reset(conn)


def stall_after_part(conn: socket.socket, release: threading.Event) -> None:
    conn.sendall(HEAD + b"content-length: 400\r\n\r\n" + PART)
    release.wait(60)


def reset_before_answer(conn: socket.socket, release: threading.Event) -> None:
    _reset(conn)


def silent(conn: socket.socket, release: threading.Event) -> None:
    release.wait(60)


def not_http(conn: socket.socket, release: threading.Event) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")


CASES: dict[str, Script] = {
    "cut_after_part": cut_after_part,
    "cut_chunked": cut_chunked,
    "reset_after_part": reset_after_part,
    "stall_after_part": stall_after_part,
    "reset_before_answer": reset_before_answer,
    "silent": silent,
    "not_http": not_http,
}


def exchange(base_url: str, *extra: str) -> tuple[bytes, bytes]:
    """One GET through the proxy on a plain socket: the head and the body bytes received until
    the proxy closed the connection (or answered `connection: close`)."""
    url = httpx.URL(base_url)
    assert url.port is not None
    with socket.create_connection((url.host, url.port), timeout=30) as conn:
        conn.sendall(
            (
                f"GET {url.path}/me/paiements?{WINDOW} HTTP/1.1\r\nHost: {url.host}\r\n"
                f"X-API-Key: {SANDBOX_API_KEY}\r\nAuthorization: Bearer {TOKEN}\r\n"
                + "".join(f"{line}\r\n" for line in extra)
                + "Connection: close\r\n\r\n"
            ).encode()
        )
        received = b""
        while data := conn.recv(65536):
            received += data
    head, _, body = received.partition(b"\r\n\r\n")
    return head, body


def records(report: io.StringIO, count: int = 1) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while len(report.getvalue().splitlines()) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return [json.loads(line) for line in report.getvalue().splitlines()]


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


@contextlib.contextmanager
def server_logs() -> Iterator[list[str]]:
    """What the server stack logs at WARNING or above while the block runs (its stderr, outside
    pytest). Attached once the servers exist: building one reconfigures uvicorn's loggers."""
    kept = _Kept()
    loggers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "asyncio", "")]
    for logger in loggers:
        logger.addHandler(kept)
    try:
        yield kept.lines
    finally:
        for logger in loggers:
            logger.removeHandler(kept)


@pytest.mark.parametrize(
    ("script", "how", "body"),
    [
        (cut_after_part, "upstream_truncated", PART),
        (cut_chunked, "upstream_truncated", b"%x\r\n" % len(PART) + PART + b"\r\n"),
        (reset_after_part, "upstream_reset", PART),
        (stall_after_part, "upstream_timeout", PART),
    ],
    ids=["content-length", "chunked", "reset", "timeout"],
)
def test_a_body_cut_mid_way_has_its_line_and_the_client_gets_the_same_cut(
    script: Script,
    how: str,
    body: bytes,
    capfd: pytest.CaptureFixture[str],
) -> None:
    report = io.StringIO()
    with (
        raw_upstream(script) as upstream,
        proxy(upstream.base_url, report, read_timeout=1.0) as base_url,
        server_logs() as logged,
    ):
        head, received = exchange(base_url)
        (record,) = records(report)
    assert head.startswith(b"HTTP/1.1 200 ")
    if how == "upstream_reset":
        # What reached the proxy before the reset is relayed; the kernel may drop the rest.
        assert body.startswith(received)
    else:
        assert received == body  # then the connection closed: the announced end never came
    assert record["status"] == 200
    assert record["incomplete"] == how
    assert "unjudged" in record
    assert record["path"] == "/api/me/paiements"
    assert logged == []
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize(
    ("script", "status", "error"),
    [
        (reset_before_answer, 502, {"reset", "disconnected"}),
        (silent, 504, {"timeout"}),
        (not_http, 502, {"protocol_error"}),
    ],
    ids=["reset", "silent", "not-http"],
)
def test_no_answer_at_all_is_a_gateway_error_with_its_line(
    script: Script,
    status: int,
    error: set[str],
    capfd: pytest.CaptureFixture[str],
) -> None:
    report = io.StringIO()
    with (
        raw_upstream(script) as upstream,
        proxy(upstream.base_url, report, read_timeout=1.0) as base_url,
        server_logs() as logged,
    ):
        head, _ = exchange(base_url)
        (record,) = records(report)
    assert head.startswith(b"HTTP/1.1 %d " % status)
    assert record["status"] == status
    assert record["upstream_error"] in error
    assert logged == []
    assert "Traceback" not in capfd.readouterr().err


# --- the sniffio import (httpcore 1.0.9 retries it on every lock when it is absent) -----------


class _AbsentSniffio(importlib.abc.MetaPathFinder):
    """Makes `import sniffio` fail, as where anyio >= 4.11 no longer installs it; counts tries."""

    def __init__(self) -> None:
        self.tries = 0

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] == "sniffio":
            self.tries += 1
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


@pytest.fixture
def absent_sniffio() -> Iterator[_AbsentSniffio]:
    finder = _AbsentSniffio()
    saved = {name: m for name, m in sys.modules.items() if name.partition(".")[0] == "sniffio"}
    for name in saved:
        del sys.modules[name]
    sys.meta_path.insert(0, finder)
    try:
        yield finder
    finally:
        sys.meta_path.remove(finder)
        sys.modules.update(saved)


CALLS = 20


def credentials() -> dict[str, str]:
    return {"X-API-Key": SANDBOX_API_KEY, "Authorization": f"Bearer {TOKEN}"}


def test_the_proxy_does_not_retry_the_sniffio_import_per_request(
    absent_sniffio: _AbsentSniffio,
) -> None:
    report = io.StringIO()
    with sandbox() as upstream, proxy(upstream, report) as base_url, httpx.Client() as client:
        client.get(f"{base_url}/me/paiements?{WINDOW}", headers=credentials())
        before = absent_sniffio.tries
        for _ in range(CALLS):
            response = client.get(f"{base_url}/me/paiements?{WINDOW}", headers=credentials())
            assert response.status_code == 200
    assert absent_sniffio.tries - before <= 1


def test_the_sniffio_check_sees_httpcores_retries(absent_sniffio: _AbsentSniffio) -> None:
    # The instrument of the test above, on the pool the proxy used before (httpx's own async
    # pool over httpcore 1.0.9): it tries the import on every request.
    import asyncio

    async def calls(upstream: str) -> None:
        async with httpx.AsyncClient() as client:
            for _ in range(CALLS):
                await client.get(f"{upstream}/me/paiements?{WINDOW}", headers=credentials())

    with sandbox() as upstream:
        asyncio.run(calls(upstream))
    assert absent_sniffio.tries >= CALLS


def test_the_proxy_command_reports_every_cut_with_nothing_on_stderr_but_its_banner(
    tmp_path: Path,
) -> None:
    report = tmp_path / "exchanges.jsonl"
    with raw_upstream(CASES) as upstream:
        process = subprocess.Popen(
            [sys.executable, "-m", "apij", "proxy", "--upstream", upstream.base_url,
             "--port", "0", "--report", str(report), "--upstream-read-timeout", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert process.stderr is not None
            banner = process.stderr.readline()
            base_url = banner.rsplit(" ", 1)[1].strip()
            for case in CASES:
                exchange(base_url, f"X-Case: {case}")
            # The client leaves mid-body (the upstream stalls: only the client can end it).
            url = httpx.URL(base_url)
            assert url.port is not None
            with socket.create_connection((url.host, url.port), timeout=30) as conn:
                conn.sendall(
                    f"GET {url.path}/me/paiements HTTP/1.1\r\nHost: x\r\n"
                    "X-Case: stall_after_part\r\n\r\n".encode()
                )
                assert conn.recv(65536).startswith(b"HTTP/1.1 200 ")
            deadline = time.monotonic() + 30
            while len(report.read_text().splitlines()) < len(CASES) + 1:
                assert time.monotonic() < deadline, report.read_text()
                time.sleep(0.05)
        finally:
            process.terminate()
            _, stderr = process.communicate(timeout=30)
    assert banner.startswith("apij proxy: use base URL ")
    assert stderr == ""
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    ended = [line.get("incomplete") or line.get("upstream_error") for line in lines]
    assert ended[: len(CASES)] == [
        "upstream_truncated",
        "upstream_truncated",
        "upstream_reset",
        "upstream_timeout",
        *ended[4:5],  # reset before any answer: "reset" or "disconnected", by timing
        "timeout",
        "protocol_error",
    ]
    assert ended[4] in {"reset", "disconnected"}
    assert ended[-1] == "client_left"


# --- what a well-behaved upstream gets and gives, on the wire --------------------------------

GZIPPED = gzip.compress(b'{"date_debut":"2025-01-01","date_fin":"2025-06-30","paiements":[{}]}')


def gzipped(conn: socket.socket, release: threading.Event) -> None:
    conn.sendall(
        HEAD + b"content-encoding: gzip\r\ncontent-length: %d\r\n\r\n" % len(GZIPPED) + GZIPPED
    )


def test_a_compressed_answer_is_relayed_as_sent_and_judged_decoded() -> None:
    report = io.StringIO()
    with raw_upstream(gzipped) as upstream, proxy(upstream.base_url, report) as base_url:
        head, body = exchange(base_url, "Accept-Encoding: gzip")
        (record,) = records(report)
    assert b"content-encoding: gzip" in head.lower()
    assert body == GZIPPED  # the bytes as the upstream sent them
    # The line it holds breaks the contract: judged on the inflated body.
    assert {"where": "response", "path": "$.body.paiements[0].csg", "rule": "required"} in record[
        "violations"
    ]
    # The request went upstream with the client's headers only (no Accept or User-Agent added).
    (request,) = upstream.requests
    names = [line.split(b":")[0].lower() for line in request.split(b"\r\n")[1:] if line]
    assert b"user-agent" not in names
    assert b"accept" not in names
    assert b"accept-encoding" in names


SIZE = 3 * 1024 * 1024 + 17


def swallow(conn: socket.socket, release: threading.Event) -> None:
    """Reads the request body (SIZE bytes after the head) and says how much it got."""
    received = 0
    conn.settimeout(30)
    while received < SIZE and (data := conn.recv(65536)):
        received += len(data)
    answer = b"%d" % received
    conn.sendall(HEAD + b"content-length: %d\r\n\r\n" % len(answer) + answer)


def test_a_request_body_goes_upstream_whole_with_its_length() -> None:
    report = io.StringIO()
    with raw_upstream(swallow) as upstream, proxy(upstream.base_url, report) as base_url:
        response = httpx.post(f"{base_url}/me/paiements", content=b"x" * SIZE, timeout=30)
        (record,) = records(report)
    assert response.content == b"%d" % SIZE
    assert b"content-length: %d" % SIZE in upstream.requests[0].lower()
    assert record["method"] == "POST"
