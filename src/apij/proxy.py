"""The validating proxy: every exchange forwarded unchanged, judged against the contract, reported.

`apij proxy --upstream URL` puts this ASGI app (under uvicorn) between a partner's service and
CNAM's gateway. Requests go upstream as they came (credentials included, never logged) and the
upstream's answer comes back as it was sent (status, headers, raw bytes, compression kept),
streamed both ways. Meanwhile each exchange is judged by `apij.exchange.ExchangeJudge` and one
JSON line per exchange is appended to the report: time, method, path (no query: values stay
out), operation, status, duration and the violations as {where, path, rule}.

Bodies are buffered for judging only up to `max_judged_bytes` (raw and decoded): a larger body
still streams through untouched and is reported as not judged, so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs

import httpx

from apij._decode import parse_retry_after
from apij._serving import in_thread, listen, local_url
from apij.exchange import ExchangeJudge, Violation
from apij.openapi import Contract, effective

__all__ = ["DEFAULT_MAX_JUDGED_BYTES", "JsonLinesReport", "ValidatingProxy", "running", "serve"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEFAULT_MAX_JUDGED_BYTES = 4 * 1024 * 1024
_READ_ONLY = frozenset({"GET", "HEAD"})
# The longest Retry-After the polite mode honours (seconds): past it, the run goes on.
_MAX_RETRY_AFTER = 60
# RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)


class JsonLinesReport:
    """Appends one JSON object per line to a file (or any text stream), flushed per exchange."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._out.write(line + "\n")
            self._out.flush()


def _decoded(raw: bytes, encoding: str, limit: int) -> bytes | str:
    """The decoded body, or why it is not judged: gzip/deflate inflated with bounded output."""
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip() not in ("", "identity")]
    if not codings:
        return raw
    if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
        return f"content-encoding {encoding} not judged"
    # 16 + MAX_WBITS: gzip wrapper; MAX_WBITS: zlib-wrapped deflate (what servers send as such).
    wbits = zlib.MAX_WBITS | 16 if codings[0] != "deflate" else zlib.MAX_WBITS
    try:
        out = zlib.decompressobj(wbits).decompress(raw, limit + 1)
    except zlib.error:
        return f"body not valid {codings[0]} data"
    return out if len(out) <= limit else f"decoded body larger than {limit} bytes"


class ValidatingProxy:
    """ASGI app forwarding to `upstream` (the API base URL) and reporting every exchange."""

    def __init__(
        self,
        upstream: str,
        report: JsonLinesReport,
        *,
        contract: Contract | None = None,
        max_judged_bytes: int = DEFAULT_MAX_JUDGED_BYTES,
        transport: httpx.AsyncBaseTransport | None = None,
        read_only: bool = False,
        max_rate: float | None = None,
        honour_retry_after: bool = False,
    ) -> None:
        url = httpx.URL(upstream)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("upstream: expected an absolute http(s) URL")
        if url.userinfo:
            raise ValueError("upstream: credentials in the URL are not allowed")
        self.origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        self.base_path = url.path.rstrip("/")
        self.judge = ExchangeJudge(contract or effective(), self.base_path)
        self.report = report
        self.max_judged_bytes = max_judged_bytes
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        # Politeness towards a real gateway (the live conformance run): GET/HEAD only, at most
        # `max_rate` requests a second, and after a 429/503 with Retry-After nothing is sent
        # upstream before that time (whatever the client in front does).
        if max_rate is not None and not max_rate > 0:
            raise ValueError("max_rate: expected a positive number of requests per second")
        self.read_only = read_only
        self._interval = 1 / max_rate if max_rate else 0.0
        self.honour_retry_after = honour_retry_after
        self._turn = asyncio.Lock()
        self._next_send = 0.0

    def _http(self) -> httpx.AsyncClient:
        # Created in the server's event loop on first use; one pool for every exchange.
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport,
                follow_redirects=False,  # the client sees the upstream's redirect as it was
                trust_env=False,
                timeout=httpx.Timeout(30.0, connect=10.0),
                cookies=None,
            )
        return self._client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._exchange(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _exchange(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        method: str = scope["method"]
        path: str = scope["path"]
        query_string: bytes = scope.get("query_string", b"")
        raw_headers: list[tuple[bytes, bytes]] = list(scope.get("headers", ()))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw_headers}
        operation, violations = self.judge.request(
            method,
            path,
            parse_qs(query_string.decode("latin-1"), keep_blank_values=True),
            headers,
        )
        raw_path = scope.get("raw_path") or path.encode()
        url = self.origin + raw_path.decode("latin-1")
        if query_string:
            url += "?" + query_string.decode("latin-1")
        # A body only when the request announced one: a GET goes upstream as it came, not as a
        # chunked request with an empty body.
        has_body = "content-length" in headers or "transfer-encoding" in headers
        request = self._http().build_request(
            method,
            url,
            # Field values without their surrounding whitespace: HTTP's own reading of them
            # (RFC 9110 §5.5), and what the upstream connection may legally send.
            headers=[
                (k, v.strip(b" \t"))
                for k, v in raw_headers
                if k.decode("latin-1").lower() not in _HOP_BY_HOP
            ],
            content=_request_body(receive) if has_body else None,
        )
        record: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "method": method,
            "path": path,
            "operation": operation.operation_id if operation else None,
        }
        if self.read_only and method not in _READ_ONLY:
            # Never forwarded: a live run must not change anything at the gateway.
            await _answer(send, 405, b'{"proxy":"read-only"}', (b"allow", b"GET, HEAD"))
            record.update(status=405, forwarded=False)
            self._finish(record, started, violations)
            return
        await self._wait_turn()
        try:
            response = await self._http().send(request, stream=True)
        except httpx.LocalProtocolError as exc:
            # A request HTTP/1.1 cannot carry (a control character in a header...): refused
            # here, as the gateway's own front end would.
            await _answer(send, 400, b'{"proxy":"request cannot be forwarded"}')
            record.update(status=400, forwarded=False, proxy_error=type(exc).__name__)
            self._finish(record, started, violations)
            return
        except httpx.HTTPError as exc:
            # No upstream answer: say so as a gateway would; the class name only (no URL).
            await _answer(send, 502, b'{"proxy":"upstream unreachable"}')
            record.update(status=502, upstream_error=type(exc).__name__)
            self._finish(record, started, violations)
            return
        try:
            body = await self._relay(response, receive, send)
        finally:
            await response.aclose()
        self._note_retry_after(response.status_code, response.headers.get("retry-after"))
        if isinstance(body, str):
            record["unjudged"] = body
        if operation is not None:
            violations += self.judge.response(
                operation,
                response.status_code,
                {k.lower(): v for k, v in response.headers.items()},
                body if isinstance(body, bytes) else None,
            )
        record["status"] = response.status_code
        self._finish(record, started, violations)

    async def _wait_turn(self) -> None:
        """Wait until this exchange may go upstream (rate cap, Retry-After)."""
        if not self._interval and not self.honour_retry_after:
            return
        async with self._turn:
            delay = self._next_send - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self._next_send = time.monotonic() + self._interval

    def _note_retry_after(self, status: int, value: str | None) -> None:
        if not self.honour_retry_after or status not in (429, 503):
            return
        wait = parse_retry_after(value)
        if wait is not None:
            wait = min(wait, _MAX_RETRY_AFTER)
            self._next_send = max(self._next_send, time.monotonic() + wait)

    async def _relay(self, response: httpx.Response, receive: Receive, send: Send) -> bytes | str:
        """Stream the upstream's raw answer to the client; the decoded body, or why not kept.

        A client gone before the end stops the relay: the server would drop what is sent to it,
        and reading the rest from the upstream would be for nothing."""
        gone = asyncio.Event()

        async def watch() -> None:
            # The request (and its body) was sent upstream whole before the answer came; what
            # `receive` says from now on is whether the client is still there.
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.create_task(watch())
        try:
            return await self._stream(response, send, gone)
        finally:
            watcher.cancel()

    async def _stream(
        self, response: httpx.Response, send: Send, gone: asyncio.Event
    ) -> bytes | str:
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [
                    (k, v)
                    for k, v in response.headers.raw
                    if k.decode("latin-1").lower() not in _HOP_BY_HOP
                ],
            }
        )
        kept: bytearray | None = bytearray()
        async for chunk in response.aiter_raw():
            if gone.is_set():
                return "client disconnected before the end of the body"
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if kept is not None:
                kept += chunk
                if len(kept) > self.max_judged_bytes:
                    kept = None  # too large to judge: keep streaming, stop keeping
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        if kept is None:
            return f"body larger than {self.max_judged_bytes} bytes"
        encoding = response.headers.get("content-encoding", "")
        return _decoded(bytes(kept), encoding, self.max_judged_bytes)

    def _finish(self, record: dict[str, Any], started: float, violations: list[Violation]) -> None:
        record["duration_ms"] = round((time.monotonic() - started) * 1e3, 1)
        record["violations"] = [v.as_dict() for v in violations]
        self.report.write(record)


async def _request_body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        body: bytes = message.get("body", b"")
        if body:
            yield body
        if not message.get("more_body", False):
            return


async def _answer(send: Send, status: int, body: bytes, *extra: tuple[bytes, bytes]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _server(app: ValidatingProxy, sock: socket.socket) -> Any:
    import uvicorn

    config = uvicorn.Config(
        app,
        lifespan="on",
        access_log=False,
        log_level="warning",
        server_header=False,  # the upstream's headers, not ours
        date_header=False,
    )
    return uvicorn.Server(config)


def serve(
    upstream: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    report: Path | None = None,
    announce: Callable[[str], None] = print,
) -> None:
    """Run the proxy in the foreground until interrupted; `announce` gets the base URL to use."""
    with contextlib.ExitStack() as stack:
        out: IO[str] = (
            stack.enter_context(report.open("a", encoding="utf-8"))
            if report is not None
            else stack.enter_context(contextlib.nullcontext(_stdout()))
        )
        app = ValidatingProxy(upstream, JsonLinesReport(out))
        sock = stack.enter_context(listen(host, port))
        server = _server(app, sock)  # imports uvicorn: a missing extra is said before the banner
        announce(local_url(host, sock.getsockname()[1], app.base_path))
        server.run(sockets=[sock])


def _stdout() -> IO[str]:
    import sys

    return sys.stdout


@contextlib.contextmanager
def running(
    upstream: str,
    report: IO[str],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    **options: Any,
) -> Iterator[str]:
    """The proxy in a background thread (port 0: any free port); yields the base URL to use."""
    app = ValidatingProxy(upstream, JsonLinesReport(report), **options)
    sock = listen(host, port)
    with in_thread(_server(app, sock), sock, "proxy") as bound_port:
        yield local_url(host, bound_port, app.base_path)
