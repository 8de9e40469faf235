"""The validating proxy: every exchange forwarded unchanged, judged against the contract, reported.

`apij proxy --upstream URL` puts this ASGI app (under uvicorn) between a partner's service and
CNAM's gateway. Requests go upstream as they came (credentials included, never logged) and the
upstream's answer comes back as it was sent (status, headers, raw bytes, compression kept),
streamed both ways. Meanwhile each exchange is judged by `apij.exchange.ExchangeJudge` and one
JSON line per exchange is appended to the report: time, method, path (the documented template,
or the shape of an undocumented path: never a segment the contract does not name; no query),
operation, status, duration and the violations as {where, path, rule}. An exchange that ends
early (the upstream cuts, resets or stalls mid-body, the client leaves) still has its line,
saying how it ended (`incomplete`).

The upstream side is aiohttp's client (a pool of `max_connections` keep-alive connections,
waited for rather than opened and closed beyond it); it never imports sniffio, which httpcore
1.0.9 retries on every lock when it is absent (encode/httpcore PR #1103).

Bodies are buffered for judging only up to `max_judged_bytes` (raw and decoded): a larger body
still streams through untouched and is reported as not judged, so memory stays bounded.

Off by default, since relaying unchanged is the promise: `annotate` adds one response header,
`apij-violations`, with the count and the rule ids (`count=2; rules="response:required
response:type"`); `enforce` answers an upstream answer that breaks the contract with a 502
problem+json naming the violations instead of relaying it. Both hold the answer's start until
its body is judged (bodies up to `max_judged_bytes`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import parse_qs, urlsplit

import aiohttp
from yarl import URL

from apij._asgi import Message, Receive, Scope, Send, lifespan
from apij._decode import parse_retry_after
from apij._inflate import CODINGS, TooLarge, Undecodable, inflate
from apij._inputs import check_base_url
from apij._serving import event_loop, in_thread, listen, local_url
from apij.exchange import ExchangeJudge, Violation
from apij.openapi import Contract, Operation, effective

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_JUDGED_BYTES",
    "VIOLATIONS_HEADER",
    "JsonLinesReport",
    "ValidatingProxy",
    "running",
    "serve",
]

DEFAULT_MAX_JUDGED_BYTES = 4 * 1024 * 1024
# Upstream connections kept open at most (and so exchanges in flight upstream at once); beyond
# it an exchange waits for a connection to come back instead of opening and closing one.
DEFAULT_MAX_CONNECTIONS = 256
# The listening socket's accept queue: room for a burst of hundreds of new connections.
_BACKLOG = 2048
VIOLATIONS_HEADER = "apij-violations"
PROBLEM_TYPE = "urn:apij:proxy:upstream-contract-violation"
_READ_ONLY = frozenset({"GET", "HEAD"})
# Methods the report names; any other is reported as OTHER (a method is not a place for data,
# but the report holds no string it did not choose).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"})
# The longest Retry-After the polite mode honours (seconds): past it, the run goes on.
_MAX_RETRY_AFTER = 60
# RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
_HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
    }
)
# Headers aiohttp would add on its own: the request goes upstream with the client's only.
_NO_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")
# Content codings the report may name when it does not judge a body (anything else: "other").
_NAMED_CODINGS = frozenset({"gzip", "x-gzip", "deflate", "br", "zstd", "compress", "identity"})


# One encoder for every report line (json.dumps would build one per call with these options).
_ENCODE_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class JsonLinesReport:
    """Appends one JSON object per line to a file (or any text stream).

    Written from an event loop, the lines of one turn of the loop go out in one write and one
    flush, at the end of that turn (under load, several exchanges end per turn); written from
    anywhere else, each line at once."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._lock = threading.Lock()
        self._pending: list[str] = []

    def write(self, record: dict[str, Any]) -> None:
        line = _ENCODE_LINE(record) + "\n"
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self._lock:
            self._pending.append(line)
            if loop is not None and len(self._pending) > 1:
                return  # a flush is due at the end of this turn already
        if loop is None:
            self.flush()
        else:
            loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write and flush the lines not written yet."""
        with self._lock:
            if self._pending:
                self._out.write("".join(self._pending))
                self._pending.clear()
                self._out.flush()


def _decoded(raw: bytes, encoding: str, limit: int) -> bytes | str:
    """The decoded body, or why it is not judged: gzip/deflate inflated within `limit` bytes."""
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip() not in ("", "identity")]
    if not codings:
        return raw
    if len(codings) > 1 or codings[0] not in CODINGS:
        named = " ".join(c if c in _NAMED_CODINGS else "other" for c in codings)
        return f"content-encoding {named} not judged"
    try:
        return inflate(raw, codings[0], limit)
    except TooLarge:
        return f"decoded body larger than {limit} bytes"
    except Undecodable:
        return f"body not valid {codings[0]} data"


def _failure(exc: BaseException) -> str:
    """What went wrong with the upstream before its answer began (a stable name, no value)."""
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connect_error"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "disconnected"
    if isinstance(exc, aiohttp.ClientResponseError):
        return "protocol_error"  # a status line or header aiohttp's parser refuses
    if isinstance(exc, (aiohttp.ClientOSError, ConnectionError)):
        return "reset"
    return "upstream_error"


def _cut(exc: BaseException) -> str:
    """How an upstream body ended early: truncated, reset or timed out (mid-body)."""
    if isinstance(exc, TimeoutError):
        return "upstream_timeout"
    cause: BaseException | None = exc
    while cause is not None:
        # aiohttp names the connection's own error only in its message when it fails a body.
        if isinstance(cause, ConnectionResetError) or "ConnectionResetError" in str(cause):
            return "upstream_reset"
        cause = cause.__cause__ or cause.__context__
    return "upstream_truncated"


_CUT_REASONS = {
    "upstream_truncated": "upstream body cut off",
    "upstream_reset": "upstream connection reset mid-body",
    "upstream_timeout": "upstream timed out mid-body",
    "client_left": "client disconnected before the end of the body",
}


class _Incomplete(Exception):
    """The relay ended before the body's end; `how` is one of `_CUT_REASONS`."""

    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how


class _SilenceCutRelays(logging.Filter):
    """uvicorn logs an error when an app returns mid-response: the proxy does so on purpose
    (the upstream cut its answer: the client gets the same cut), and its report says it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "ASGI callable returned without completing response."


_SILENCE = _SilenceCutRelays()


class ValidatingProxy:
    """ASGI app forwarding to `upstream` (the API base URL) and reporting every exchange."""

    def __init__(
        self,
        upstream: str,
        report: JsonLinesReport,
        *,
        contract: Contract | None = None,
        max_judged_bytes: int = DEFAULT_MAX_JUDGED_BYTES,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        read_timeout: float = 30.0,
        connect_timeout: float = 10.0,
        read_only: bool = False,
        max_rate: float | None = None,
        honour_retry_after: bool = False,
        annotate: bool = False,
        enforce: bool = False,
    ) -> None:
        # The face's check (no credentials, query or fragment in it); http to any host, as a
        # partner may put the proxy in front of a sandbox on another machine.
        url = urlsplit(check_base_url(upstream, allow_insecure_http=True, name="upstream"))
        if max_connections < 1:
            raise ValueError("max_connections: expected at least 1")
        self.origin = f"{url.scheme}://{url.netloc}"
        self.base_path = url.path.rstrip("/")
        self.judge = ExchangeJudge(contract or effective(), self.base_path)
        self.report = report
        self.max_judged_bytes = max_judged_bytes
        self.max_connections = max_connections
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout, sock_read=read_timeout
        )
        self._session: aiohttp.ClientSession | None = None
        self.annotate = annotate
        self.enforce = enforce
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

    def _http(self) -> aiohttp.ClientSession:
        # Created in the server's event loop on first use; one pool for every exchange.
        if self._session is None:
            tls: ssl.SSLContext | bool = True
            with contextlib.suppress(ImportError):
                import certifi  # the trust store httpx used, and the face still uses

                tls = ssl.create_default_context(cafile=certifi.where())
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self.max_connections, limit_per_host=0, ssl=tls
                ),
                timeout=self._timeout,
                auto_decompress=False,  # the bytes as the upstream sent them
                cookie_jar=aiohttp.DummyCookieJar(),  # one partner's cookies are not another's
                skip_auto_headers=_NO_AUTO_HEADERS,
                trust_env=False,
            )
        return self._session

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send, shutdown=self._close)
        elif scope["type"] == "http":
            await self._exchange(scope, receive, send)

    async def _close(self) -> None:
        """At shut-down: close the upstream pool, write the report's last lines."""
        if self._session is not None:
            await self._session.close()
        self.report.flush()

    async def _exchange(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        method: str = scope["method"]
        path: str = scope["path"]
        query_string: bytes = scope.get("query_string", b"")
        raw_headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        # ASGI servers give header names in lower case.
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in raw_headers}
        operation, violations = self.judge.request(
            method,
            path,
            parse_qs(query_string.decode("latin-1"), keep_blank_values=True),
            headers,
        )
        record: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "method": method if method in _METHODS else "OTHER",
            "path": self.judge.reported_path(path),
            "operation": operation.operation_id if operation else None,
        }
        if self.read_only and method not in _READ_ONLY:
            # Never forwarded: a live run must not change anything at the gateway.
            await _answer(
                send,
                405,
                b'{"proxy":"read-only"}',
                (b"allow", b"GET, HEAD"),
                *self._annotation(violations),
            )
            record.update(status=405, forwarded=False)
            self._finish(record, started, violations)
            return
        raw_path = scope.get("raw_path") or path.encode()
        target = self.origin + raw_path.decode("latin-1")
        if query_string:
            target += "?" + query_string.decode("latin-1")
        # A body only when the request announced one: a GET goes upstream as it came, not as a
        # chunked request with an empty body.
        body = (
            _RequestBody(receive)
            if "content-length" in headers or ("transfer-encoding" in headers)
            else None
        )
        await self._wait_turn()
        try:
            response = await self._http().request(
                method,
                URL(target, encoded=True),  # path and query as they came, not re-quoted
                # Field values without their surrounding whitespace: HTTP's own reading of them
                # (RFC 9110 §5.5), and what the upstream connection may legally send.
                headers=[
                    (k.decode("latin-1"), v.strip(b" \t").decode("latin-1"))
                    for k, v in raw_headers
                    if k not in _HOP_BY_HOP
                ],
                data=body.chunks() if body is not None else None,
                allow_redirects=False,  # the client sees the upstream's redirect as it was
            )
        except (ValueError, aiohttp.InvalidURL) as exc:
            # A request HTTP/1.1 cannot carry (a line break in a header...): refused here, as
            # the gateway's own front end would.
            await _answer(
                send,
                400,
                b'{"proxy":"request cannot be forwarded"}',
                *self._annotation(violations),
            )
            record.update(status=400, forwarded=False, proxy_error=type(exc).__name__)
            self._finish(record, started, violations)
            return
        except (aiohttp.ClientError, OSError) as exc:
            # No upstream answer: say so as a gateway would; a stable name only (no URL).
            failure = _failure(exc)
            if failure == "timeout":
                await _answer(
                    send, 504, b'{"proxy":"upstream timed out"}', *self._annotation(violations)
                )
            else:
                await _answer(
                    send,
                    502,
                    b'{"proxy":"upstream unreachable"}',
                    *self._annotation(violations),
                )
            record.update(status=504 if failure == "timeout" else 502, upstream_error=failure)
            self._finish(record, started, violations)
            return
        record["status"] = response.status
        try:
            await self._relay(response, operation, violations, record, receive, send, body)
        except _Incomplete as exc:
            # The client gets the same cut as it would straight from the upstream: uvicorn
            # closes its connection when the app returns mid-body.
            record["incomplete"] = exc.how
            record["unjudged"] = _CUT_REASONS[exc.how]
            response.close()
        finally:
            response.release()
        self._note_retry_after(response.status, response.headers.get("retry-after"))
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

    async def _relay(
        self,
        response: aiohttp.ClientResponse,
        operation: Operation | None,
        violations: list[Violation],
        record: dict[str, Any],
        receive: Receive,
        send: Send,
        body: _RequestBody | None,
    ) -> None:
        """Relay the upstream's answer and judge it, adding its violations to `violations`.

        Streams, unless `annotate` or `enforce` holds the start until the body is judged."""
        start: Message = {
            "type": "http.response.start",
            "status": response.status,
            "headers": [(k, v) for k, v in response.raw_headers if k.lower() not in _HOP_BY_HOP],
        }
        content = response.content
        if operation is None or not (self.annotate or self.enforce):
            start["headers"].extend(self._annotation(violations))  # the request's, if any
            await send(start)
            if operation is None:  # an undocumented call: nothing to judge the answer by
                await self._stream(response, send, receive, body, None)
                return
            kept = await self._stream(response, send, receive, body, bytearray())
            raw = bytes(kept) if kept is not None else None
            violations += self._judge_response(operation, response, raw, record)
            return
        kept = bytearray()
        try:
            chunk = await _read(content)
            while chunk and len(kept) + len(chunk) <= self.max_judged_bytes:
                kept += chunk
                chunk = await _read(content)
        except _Incomplete:
            # Cut before it could be judged: the client gets the same cut.
            start["headers"].extend(self._annotation(violations))
            await send(start)
            await send({"type": "http.response.body", "body": bytes(kept), "more_body": True})
            raise
        complete = not chunk
        found = self._judge_response(operation, response, bytes(kept) if complete else None, record)
        violations += found
        if self.enforce and found:
            if not complete:
                response.close()  # the rest is not wanted
            await _problem(send, response.status, found, *self._annotation(violations))
            record["enforced"] = True
            return
        start["headers"].extend(self._annotation(violations))
        await send(start)
        await send({"type": "http.response.body", "body": bytes(kept), "more_body": not complete})
        if not complete:
            await self._stream(response, send, receive, body, None, chunk)

    async def _stream(
        self,
        response: aiohttp.ClientResponse,
        send: Send,
        receive: Receive,
        body: _RequestBody | None,
        kept: bytearray | None,
        chunk: bytes | None = None,
    ) -> bytearray | None:
        """Stream the rest of the upstream's raw body (from `chunk`, if read already), keeping
        it in `kept` up to `max_judged_bytes` (None past it).

        A client gone before the end stops the relay: the server would drop what is sent to
        it, and reading the rest from the upstream would be for nothing."""
        content = response.content
        gone: asyncio.Event | None = None
        watcher: asyncio.Task[None] | None = None
        try:
            if chunk is None:
                chunk = await _read(content)
            while chunk:
                last = content.at_eof()
                await send({"type": "http.response.body", "body": chunk, "more_body": not last})
                if kept is not None:
                    kept += chunk
                    if len(kept) > self.max_judged_bytes:
                        kept = None  # too large to judge: keep streaming, stop keeping
                if last:
                    return kept
                if gone is None:
                    if body is None or body.consumed:
                        # More than one read: watch for the client leaving. The request (and
                        # its body) went upstream whole; what `receive` says now is whether
                        # the client is still there.
                        gone = asyncio.Event()
                        watcher = asyncio.create_task(_watch(receive, gone, response))
                elif gone.is_set():
                    raise _Incomplete("client_left")
                chunk = await _read(content)
            if gone is not None and gone.is_set():
                raise _Incomplete("client_left")
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return kept
        except _Incomplete:
            if gone is not None and gone.is_set():
                raise _Incomplete("client_left") from None  # the watcher cut the upstream
            raise
        finally:
            if watcher is not None:
                watcher.cancel()

    def _annotation(self, violations: list[Violation]) -> list[tuple[bytes, bytes]]:
        """The `apij-violations` header when annotating (`count=N; rules="where:rule ..."`,
        each rule once, in the order first met), else nothing."""
        if not self.annotate:
            return []
        rules = " ".join(dict.fromkeys(f"{v.where}:{v.rule}" for v in violations))
        value = f'count={len(violations)}; rules="{rules}"'
        return [(VIOLATIONS_HEADER.encode(), value.encode("ascii", "replace"))]

    def _judge_response(
        self,
        operation: Operation,
        response: aiohttp.ClientResponse,
        raw: bytes | None,
        record: dict[str, Any],
    ) -> list[Violation]:
        """The response's violations (`raw` None: too large to judge); why a body is not
        judged goes into `record`."""
        body: bytes | str = (
            _decoded(raw, response.headers.get("content-encoding", ""), self.max_judged_bytes)
            if raw is not None
            else f"body larger than {self.max_judged_bytes} bytes"
        )
        if isinstance(body, str):
            record["unjudged"] = body
        return self.judge.response(
            operation,
            response.status,
            response.headers,  # case-insensitive already
            body if isinstance(body, bytes) else None,
        )

    def _finish(self, record: dict[str, Any], started: float, violations: list[Violation]) -> None:
        record["duration_ms"] = round((time.monotonic() - started) * 1e3, 1)
        record["violations"] = [v.as_dict() for v in violations]
        self.report.write(record)


async def _read(content: aiohttp.StreamReader) -> bytes:
    """The next bytes of the upstream's body (b"" at its end); a cut is an `_Incomplete`."""
    try:
        return await content.readany()
    except (aiohttp.ClientError, OSError) as exc:
        raise _Incomplete(_cut(exc)) from None


async def _watch(receive: Receive, gone: asyncio.Event, response: aiohttp.ClientResponse) -> None:
    """Wait for the client to leave; then end the upstream exchange, so that a relay waiting
    for the upstream's next bytes (a slow or stalled upstream) ends now."""
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()
    response.close()


class _RequestBody:
    """The client's request body as it arrives, streamed upstream."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self.consumed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        while True:
            message = await self._receive()
            if message["type"] != "http.request":
                break
            body: bytes = message.get("body", b"")
            if body:
                yield body
            if not message.get("more_body", False):
                break
        self.consumed = True


async def _problem(
    send: Send, upstream_status: int, found: list[Violation], *extra: tuple[bytes, bytes]
) -> None:
    """RFC 9457 problem details: the upstream's answer breaks the contract (no value in it)."""
    body = json.dumps(
        {
            "type": PROBLEM_TYPE,
            "title": "The upstream answer breaks the API contract",
            "status": 502,
            "upstream_status": upstream_status,
            "violations": [v.as_dict() for v in found],
        },
        separators=(",", ":"),
    ).encode()
    await _answer(send, 502, body, *extra, content_type=b"application/problem+json")


async def _answer(
    send: Send,
    status: int,
    body: bytes,
    *extra: tuple[bytes, bytes],
    content_type: bytes = b"application/json",
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", b"%d" % len(body)),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _CoalescedWrites:
    """A transport whose writes leave together at the end of the event loop's turn.

    uvicorn writes a response's head and its body apart (two ASGI messages): on loopback that
    is two TCP segments and two reads at the client for one small answer. Held until the
    response is complete (or the turn ends), they leave as one write, before the proxy judges
    the answer; a streamed body still leaves chunk by chunk (the relay waits for the upstream
    between chunks)."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _protocol() -> Any:
    """uvicorn's httptools protocol with coalesced writes (uvicorn's choice without httptools)."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools comes with the proxy extra
        return "auto"

    class CoalescingProtocol(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.transport = cast(asyncio.Transport, _CoalescedWrites(transport, self.loop))

        def on_response_complete(self) -> None:
            # The whole answer is written: it leaves now, before the proxy goes on to judge it.
            cast(_CoalescedWrites, self.transport).flush()
            super().on_response_complete()

    return CoalescingProtocol


def _server(app: ValidatingProxy, sock: socket.socket) -> Any:
    import uvicorn

    config = uvicorn.Config(
        app,
        loop=event_loop(),
        http=_protocol(),
        lifespan="on",
        access_log=False,
        log_level="warning",
        proxy_headers=False,  # the client's address is never used
        server_header=False,  # the upstream's headers, not ours
        date_header=False,
    )
    logger = logging.getLogger("uvicorn.error")
    if _SILENCE not in logger.filters:
        logger.addFilter(_SILENCE)
    sock.listen(_BACKLOG)
    return uvicorn.Server(config)


def serve(
    upstream: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    report: Path | None = None,
    announce: Callable[[str], None] = print,
    **options: Any,
) -> None:
    """Run the proxy in the foreground until interrupted; `announce` gets the base URL to use.

    `options` are `ValidatingProxy`'s (max_connections, annotate, enforce...)."""
    with contextlib.ExitStack() as stack:
        out: IO[str] = (
            stack.enter_context(report.open("a", encoding="utf-8"))
            if report is not None
            else stack.enter_context(contextlib.nullcontext(_stdout()))
        )
        app = ValidatingProxy(upstream, JsonLinesReport(out), **options)
        sock = stack.enter_context(listen(host, port))
        server = _server(app, sock)  # imports uvicorn: a missing extra is said before the banner
        # The contract, the libraries and the server live as long as the process: frozen, they
        # are out of the collector's full passes (one walked the whole heap, 50 ms here).
        gc.freeze()
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
