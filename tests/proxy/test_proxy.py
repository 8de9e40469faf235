"""The validating proxy, end to end over loopback: sandbox (or a test server) as upstream."""

from __future__ import annotations

import asyncio
import contextlib
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
from apij.proxy import JsonLinesReport, ValidatingProxy
from apij.proxy import running as proxy
from tests._reports import untimed_jsonl

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
    text = untimed_jsonl(report.getvalue())
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


class _Upstream:
    """A loopback upstream recording each request (line, headers, arrival time) and answering
    with the next canned (status, extra headers) in turn, then 200; the 200 body is `size`
    bytes of JSON-typed spaces."""

    def __init__(self, size: int = 2, canned: tuple[tuple[int, bytes], ...] = ()) -> None:
        self.size = size
        self.canned = list(canned)
        self.seen: list[tuple[str, dict[str, str], float]] = []
        self.sent: list[int] = []  # body bytes sent on each connection before it ended
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
                line, *lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
                headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines)}
                self.seen.append((line, headers, time.monotonic()))
                status, extra = self.canned.pop(0) if self.canned else (200, b"")
                size = self.size if status == 200 else 2
                conn.sendall(
                    b"HTTP/1.1 %d X\r\ncontent-type: application/json\r\n%s"
                    b"content-length: %d\r\nconnection: close\r\n\r\n" % (status, extra, size)
                )
                block = b" " * 65536
                left = size
                try:
                    while left:
                        conn.sendall(block[: min(left, len(block))])
                        left -= min(left, len(block))
                    # Graceful close: half-close, then read until the peer closes too (closing
                    # with unread bytes would reset the connection and lose the body's tail).
                    conn.shutdown(socket.SHUT_WR)
                    while conn.recv(65536):
                        pass
                except OSError:
                    pass  # the proxy hung up: how much it took is what `sent` tells
                self.sent.append(size - left)

    def close(self) -> None:
        self._sock.close()


@contextlib.contextmanager
def upstream_server(
    size: int = 2, canned: tuple[tuple[int, bytes], ...] = ()
) -> Iterator[_Upstream]:
    server = _Upstream(size, canned)
    try:
        yield server
    finally:
        server.close()


def test_a_huge_body_streams_through_unjudged_with_bounded_memory(report: io.StringIO) -> None:
    size = 64 * 1024 * 1024
    with (
        upstream_server(size) as server,
        proxy(f"http://127.0.0.1:{server.port}/api", report) as base_url,
    ):
        tracemalloc.start()
        received = 0
        with httpx.stream(
            "GET", f"{base_url}/me/paiements", params=WINDOW, headers=credentials()
        ) as response:
            for chunk in response.iter_raw():
                received += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert received == size
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB while relaying 64 MiB"
    (record,) = records(report)
    assert record["unjudged"] == "body larger than 4194304 bytes"
    # The request reaches the upstream as it came: credentials unchanged, no body invented.
    line, headers, _ = server.seen[0]
    assert line.startswith("GET /api/me/paiements?dateDebut=2025-01-01&dateFin=2025-06-30 ")
    assert headers["x-api-key"] == SANDBOX_API_KEY
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert "transfer-encoding" not in headers
    assert "content-length" not in headers
    assert TOKEN not in report.getvalue()


def test_a_client_leaving_mid_body_stops_the_relay(report: io.StringIO) -> None:
    size = 256 * 1024 * 1024
    with (
        upstream_server(size) as server,
        proxy(f"http://127.0.0.1:{server.port}/api", report) as base_url,
    ):
        with httpx.stream(
            "GET", f"{base_url}/me/paiements", params=WINDOW, headers=credentials()
        ) as response:
            next(response.iter_raw())  # the answer has started; the client leaves
        (record,) = records(report)
        # The proxy stopped reading: the upstream could not send the rest.
        deadline = time.monotonic() + 10
        while not server.sent and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.sent, "the upstream connection never ended"
        assert server.sent[0] < size // 4, server.sent
        # The next exchange is relayed as usual.
        with httpx.stream(
            "GET", f"{base_url}/me/paiements", params=WINDOW, headers=credentials()
        ) as again:
            assert again.status_code == 200
            assert next(again.iter_raw()).startswith(b" ")
    assert record["status"] == 200
    assert record["incomplete"] == "client_left"
    assert record["unjudged"] == "client disconnected before the end of the body"


def test_read_only_mode_answers_writes_itself(report: io.StringIO) -> None:
    with (
        upstream_server() as server,
        proxy(f"http://127.0.0.1:{server.port}/api", report, read_only=True) as base_url,
    ):
        refused = httpx.post(f"{base_url}/me/paiements", headers=credentials(), content=b"{}")
        allowed = httpx.get(f"{base_url}/me/paiements", params=WINDOW, headers=credentials())
    assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD")
    assert allowed.status_code == 200
    assert [line.split(" ", 1)[0] for line, _, _ in server.seen] == ["GET"]
    first, _ = records(report, 2)
    assert (first["method"], first["status"], first["forwarded"]) == ("POST", 405, False)


def test_the_rate_cap_spaces_upstream_requests(report: io.StringIO) -> None:
    with (
        upstream_server() as server,
        proxy(f"http://127.0.0.1:{server.port}/api", report, max_rate=10) as base_url,
    ):

        async def burst() -> None:
            async with httpx.AsyncClient() as client:
                await asyncio.gather(
                    *(
                        client.get(f"{base_url}/me/paiements", params=WINDOW, headers=credentials())
                        for _ in range(6)
                    )
                )

        asyncio.run(burst())
    arrivals = sorted(at for _, _, at in server.seen)
    assert len(arrivals) == 6
    # 10 a second: 5 intervals of 100 ms between the first and the last request to reach the
    # upstream, less the jitter of opening each connection on a busy machine (slack 100 ms).
    # Uncapped, the six arrive within a few milliseconds.
    assert arrivals[-1] - arrivals[0] >= 0.4, arrivals


def test_retry_after_holds_every_later_request(report: io.StringIO) -> None:
    canned = ((429, b"retry-after: 1\r\n"),)
    with (
        upstream_server(canned=canned) as server,
        proxy(f"http://127.0.0.1:{server.port}/api", report, honour_retry_after=True) as base_url,
    ):
        first = httpx.get(f"{base_url}/me/paiements", params=WINDOW, headers=credentials())
        second = httpx.get(f"{base_url}/me/paiements", params=WINDOW, headers=credentials())
    assert (first.status_code, second.status_code) == (429, 200)
    (_, _, t1), (_, _, t2) = server.seen
    assert t2 - t1 >= 0.99


def test_an_unreachable_upstream_is_a_502_with_the_error_class(report: io.StringIO) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    with proxy(f"http://127.0.0.1:{port}/api", report) as base_url:
        response = httpx.get(f"{base_url}/me/paiements", params=WINDOW, headers=credentials())
    assert response.status_code == 502
    (record,) = records(report)
    assert record["status"] == 502
    assert record["upstream_error"] == "connect_error"


def test_header_values_are_forwarded_without_surrounding_whitespace(report: io.StringIO) -> None:
    # "Bearer " (a negative case schemathesis sends): HTTP reads the value as "Bearer", and the
    # upstream connection may not carry the trailing space; forwarded, not refused.
    with (
        upstream_server() as server,
        proxy(f"http://127.0.0.1:{server.port}/api", report) as base_url,
    ):
        url = httpx.URL(base_url)
        assert url.port is not None
        # httpx refuses to send such a value itself: the bytes go on a plain socket.
        with socket.create_connection((url.host, url.port)) as conn:
            conn.sendall(
                f"GET {url.path}/me/paiements HTTP/1.1\r\nHost: {url.host}\r\n"
                f"X-API-Key: {SANDBOX_API_KEY}\r\nAuthorization: Bearer \r\n"
                "Connection: close\r\n\r\n".encode()
            )
            status_line = conn.makefile("rb").readline()
    assert status_line.startswith(b"HTTP/1.1 200 ")
    (_, headers, _) = server.seen[0]
    assert headers["authorization"] == "Bearer"


def test_the_answer_leaves_before_it_is_judged(
    upstream: str, report: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The judge waits (holding the proxy's event loop) until the client has the whole answer:
    # it gets it only if the answer was written before judging began.
    from apij.exchange import ExchangeJudge

    received = threading.Event()
    seen_by_the_judge: list[bool] = []
    judge = ExchangeJudge.response

    def waiting_judge(self: ExchangeJudge, *args: Any) -> Any:
        seen_by_the_judge.append(received.wait(timeout=5))
        return judge(self, *args)

    monkeypatch.setattr(ExchangeJudge, "response", waiting_judge)
    with proxy(upstream, report) as base_url:
        answer = httpx.get(f"{base_url}/me/paiements", params=WINDOW, headers=credentials())
        received.set()
        assert answer.status_code == 200
        (record,) = records(report)
    assert seen_by_the_judge == [True]
    assert record["violations"] == []


@pytest.mark.parametrize(
    ("upstream", "why"),
    [
        ("ftp://example.invalid/x", "expected an absolute http(s) URL such as https://host/path"),
        ("https://user:s3cret@example.invalid/x", "must not contain user information"),
        ("https://example.invalid/x?k=s3cret", "must not contain a query or a fragment"),
        ("https://example.invalid/x\n", "contains spaces or control characters"),
    ],
)
def test_a_bad_upstream_is_named_without_its_value(upstream: str, why: str) -> None:
    with pytest.raises(ValueError, match=r"^upstream: ") as caught:
        ValidatingProxy(upstream, report=JsonLinesReport(io.StringIO()))
    assert why in str(caught.value)
    assert "s3cret" not in str(caught.value)
