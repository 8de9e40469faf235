"""The validating proxy, end to end over loopback: sandbox (or a test server) as upstream."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apij import ApijClient
from apij.double import FAULT_HEADER, SANDBOX_API_KEY, SCENARIOS
from apij.double.sandbox import running as sandbox
from apij.proxy import running as proxy

WINDOW = {"dateDebut": "2025-01-01", "dateFin": "2025-06-30"}
TOKEN = SCENARIOS["maladie"].token


def credentials(token: str = TOKEN) -> dict[str, str]:
    return {"X-API-Key": SANDBOX_API_KEY, "Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with sandbox() as base_url:
        yield base_url


@pytest.fixture
def report() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def through(upstream: str, report: io.StringIO) -> Iterator[str]:
    with proxy(upstream, report) as base_url:
        yield base_url


def records(report: io.StringIO, count: int = 1) -> list[dict[str, Any]]:
    """The report's records once `count` exchanges are written (the client may finish first)."""
    deadline = time.monotonic() + 5
    while len(report.getvalue().splitlines()) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return [json.loads(line) for line in report.getvalue().splitlines()]


def test_a_clean_call_is_relayed_and_reported_without_violations(
    through: str, report: io.StringIO
) -> None:
    with ApijClient(SANDBOX_API_KEY, base_url=through) as client:
        releve = client.paiements(TOKEN, date_debut="2025-01-01", date_fin="2025-06-30")
    assert len(releve.paiements) == 3
    (record,) = records(report)
    assert record["violations"] == []
    assert record["method"] == "GET"
    assert record["status"] == 200
    assert record["path"].endswith("/me/paiements")
    assert record["operation"] == "getPaiementsIJ"
    assert record["duration_ms"] >= 0
    assert record["time"].endswith("+00:00")
    # Never a credential, never a value: the dates of the query do not appear either.
    text = report.getvalue()
    for secret in (TOKEN, SANDBOX_API_KEY, "2025-01-01", "32.87"):
        assert secret not in text


def test_the_upstream_answer_comes_back_unchanged(upstream: str, through: str) -> None:
    headers = {**credentials(), FAULT_HEADER: "schema_violation"}
    direct = httpx.get(f"{upstream}/me/paiements", params=WINDOW, headers=headers)
    relayed = httpx.get(f"{through}/me/paiements", params=WINDOW, headers=headers)
    assert relayed.status_code == direct.status_code
    assert relayed.content == direct.content
    assert relayed.headers.get("content-type") == direct.headers.get("content-type")


def test_a_schema_violation_is_reported_at_its_path(through: str, report: io.StringIO) -> None:
    headers = {**credentials(), FAULT_HEADER: "schema_violation"}
    response = httpx.get(f"{through}/me/paiements", params=WINDOW, headers=headers)
    assert response.status_code == 200
    (record,) = records(report)
    found = {(v["where"], v["path"], v["rule"]) for v in record["violations"]}
    # The double's violation: csg dropped, nombre_jours as a string, on every line.
    assert ("response", "$.body.paiements[0].csg", "required") in found
    assert ("response", "$.body.paiements[0].nombre_jours", "type") in found
    assert all(v["where"] == "response" for v in record["violations"])


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("wrong_content_type", ("response", "$.headers['content-type']", "media-type")),
        ("malformed_json", ("response", "$.body", "json")),
    ],
)
def test_other_contract_breaks_are_named(
    through: str, report: io.StringIO, fault: str, expected: tuple[str, str, str]
) -> None:
    httpx.get(
        f"{through}/me/paiements", params=WINDOW, headers={**credentials(), FAULT_HEADER: fault}
    )
    (record,) = records(report)
    assert [(v["where"], v["path"], v["rule"]) for v in record["violations"]] == [expected]


def test_request_violations_are_named_without_values(through: str, report: io.StringIO) -> None:
    # No API key, a malformed date, and a path the contract does not have.
    httpx.get(
        f"{through}/me/paiements",
        params={"dateDebut": "2025-13-01", "dateFin": "2025-06-30"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    httpx.get(f"{through}/me/autre", headers=credentials())
    first, second = records(report, 2)
    assert {(v["where"], v["path"], v["rule"]) for v in first["violations"]} == {
        ("request", "$.headers['x-api-key']", "security"),
        ("request", "$.query.dateDebut", "format"),
    }
    assert first["status"] == 401  # the upstream's own answer, documented: no response violation
    assert second["violations"] == [
        {"where": "request", "path": "$.path", "rule": "path-undocumented"}
    ]
    assert "2025-13-01" not in report.getvalue()


def test_concurrent_clients_each_get_their_own_answer(
    upstream: str, through: str, report: io.StringIO
) -> None:
    tokens = [person.token for person in SCENARIOS.values()] * 5

    async def one(client: httpx.AsyncClient, token: str) -> tuple[str, int, bytes]:
        response = await client.get("/me/paiements", params=WINDOW, headers=credentials(token))
        return token, response.status_code, response.content

    async def storm() -> list[tuple[str, int, bytes]]:
        async with httpx.AsyncClient(base_url=through) as client:
            return await asyncio.gather(*(one(client, token) for token in tokens))

    # Each person's answer straight from the upstream, for the scenarios that answer the same
    # on every call (not the rate-limited or flaky ones).
    steady = {
        person.token: httpx.get(
            f"{upstream}/me/paiements", params=WINDOW, headers=credentials(person.token)
        )
        for person in SCENARIOS.values()
        if person.persistent_fault is None and not person.faults
    }
    results = asyncio.run(storm())
    assert len(results) == len(tokens)
    for token, status, body in results:
        if token in steady:
            assert (status, body) == (steady[token].status_code, steady[token].content)
    assert len(records(report, len(tokens))) == len(tokens)


class _BigBodyServer:
    """A loopback upstream answering every request with `size` bytes of a JSON-typed body."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.seen_headers: list[dict[str, str]] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(65536)
                lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]
                self.seen_headers.append(
                    {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
                )
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"content-length: %d\r\nconnection: close\r\n\r\n" % self.size
                )
                block = b" " * 65536
                left = self.size
                while left:
                    conn.sendall(block[: min(left, len(block))])
                    left -= min(left, len(block))
                # Graceful close: half-close, then read until the peer closes too (closing with
                # unread bytes would reset the connection and lose the body's tail).
                conn.shutdown(socket.SHUT_WR)
                while conn.recv(65536):
                    pass

    def close(self) -> None:
        self._sock.close()


def test_a_huge_body_streams_through_unjudged_with_bounded_memory(report: io.StringIO) -> None:
    size = 64 * 1024 * 1024
    server = _BigBodyServer(size)
    try:
        with proxy(f"http://127.0.0.1:{server.port}/api", report) as base_url:
            tracemalloc.start()
            received = 0
            with httpx.stream(
                "GET", f"{base_url}/me/paiements", params=WINDOW, headers=credentials()
            ) as response:
                for chunk in response.iter_raw():
                    received += len(chunk)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    finally:
        server.close()
    assert received == size
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB while relaying 64 MiB"
    (record,) = records(report)
    assert record["unjudged"] == "body larger than 4194304 bytes"
    # Credentials reach the upstream unchanged (and the report never holds them).
    assert server.seen_headers[0]["x-api-key"] == SANDBOX_API_KEY
    assert server.seen_headers[0]["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in report.getvalue()


def test_an_unreachable_upstream_is_a_502_with_the_error_class(report: io.StringIO) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    with proxy(f"http://127.0.0.1:{port}/api", report) as base_url:
        response = httpx.get(f"{base_url}/me/paiements", params=WINDOW, headers=credentials())
    assert response.status_code == 502
    (record,) = records(report)
    assert record["status"] == 502
    assert record["upstream_error"] == "ConnectError"
