"""The async client's default transport: httpx requests sent through aiohttp's public API.

httpx's own async pool (httpcore 1.0.9) can leave its slots stuck for good after cancelled
requests (encode/httpcore#1093, unreleased fix), and serves about fifteen times fewer calls per
second than aiohttp at 100 concurrent users. This `httpx.AsyncBaseTransport` sends each request
through one `aiohttp.ClientSession` (created on the first call, in its event loop), whose
connector survives cancellation, and raises the httpx exception httpx's own transport would
raise for the same failure (one table, `_HTTPX_NAMES`), with aiohttp's error as its cause (the
socket or TLS error below it stays reachable through `__cause__`) and the class name only in
its message (aiohttp's text carries the request and its headers). What it keeps:

- the pool's size (`max_connections`), keep-alive expiry and TLS verification (httpx's SSL
  context); connect and read timeouts per socket operation (`sock_connect`, `sock_read`);
- the wait for a free connection is bounded by the call's deadline only (aiohttp's `connect`
  timeout would count it together with connecting, and a full pool would pass for a failed
  connection, and be retried);
- no cookies: the session's jar keeps nothing (one user's Set-Cookie would otherwise ride on
  another user's request); no redirects; no decompression (the face decodes bodies itself,
  within bounds); proxy variables and ~/.netrc ignored (`trust_env=False`): credentials never
  go anywhere but to `base_url`. To use a proxy, pass your own `transport`;
- a reason phrase is passed on as the bytes received, UTF-8 or not (the status is what counts);
- heads that either default transport refuses are refused by both (`apij._response_head`);
- no connection is reused after stray bytes, nor by another user (`apij._framing`): aiohttp's
  protocol would queue a response that nobody asked for (a second one in the same write, or one
  arriving while the connection is idle in the pool) and hand it to the next request on that
  connection. Each connection's bytes pass through `_Watch` (set as the asyncio transport's
  protocol, in front of aiohttp's), which feeds them to the connection's `Framing`; the
  connector closes a connection that is stray, that carried another user's calls, or whose
  socket holds bytes the event loop has not read yet (a busy loop reads late), instead of
  handing it out.

Like any RFC 9112 client, aiohttp re-sends a GET once, at once, when the server closes the
connection before answering (a keep-alive connection closed under it): the face's retry policy
counts attempts above that.
"""

from __future__ import annotations

import asyncio
import select
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import httpx
from aiohttp.connector import Connection

from apij._framing import Framing, credentials_digest
from apij._response_head import refusal

__all__ = ["AiohttpTransport"]

# aiohttp's exceptions and the httpx ones httpx's own transport raises for the same failure,
# most specific first. Anything else aiohttp raises is an unusable answer.
_HTTPX_NAMES: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientProxyConnectionError, httpx.ProxyError),
    (aiohttp.ClientHttpProxyError, httpx.ProxyError),
    (aiohttp.ClientConnectorError, httpx.ConnectError),  # refused, name lookup, TLS
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),  # before any answer
    (aiohttp.ClientOSError, httpx.ReadError),  # reset while sending or reading
    (aiohttp.ClientPayloadError, httpx.ReadError),  # a body cut short
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.ClientConnectionError, httpx.NetworkError),
    (aiohttp.ClientError, httpx.RemoteProtocolError),  # a status line or header unparsable
)


def _httpx_exception(exc: BaseException) -> httpx.TransportError:
    for theirs, ours in _HTTPX_NAMES:
        if isinstance(exc, theirs):
            mapped = ours(f"{ours.__name__} ({type(exc).__name__})")
            mapped.__cause__ = exc
            return mapped
    raise AssertionError("unreachable: aiohttp.ClientError closes the table")  # pragma: no cover


@contextmanager
def _httpx_names_it() -> Iterator[None]:
    failure: httpx.TransportError | None = None
    try:
        yield
    except aiohttp.ClientError as exc:
        failure = _httpx_exception(exc)
    if failure is not None:
        raise failure  # out of the except block: the cause is set, no context besides


class _Watch(asyncio.Protocol):
    """In front of aiohttp's protocol for one connection: every byte it receives goes to the
    connection's `Framing` first."""

    def __init__(self, protocol: asyncio.Protocol) -> None:
        self.framing = Framing()
        self._protocol = protocol

    # asyncio's protocol interface, passed on to aiohttp's protocol.
    def data_received(self, data: bytes) -> None:
        self.framing.received(data)
        self._protocol.data_received(data)

    def eof_received(self) -> bool | None:
        return self._protocol.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._protocol.connection_lost(exc)

    def pause_writing(self) -> None:
        self._protocol.pause_writing()

    def resume_writing(self) -> None:
        self._protocol.resume_writing()


def _unread(transport: asyncio.BaseTransport) -> bool:
    """Whether bytes wait in the socket that the event loop has not read yet (it reads between
    steps, and a busy loop may not have come to them): the same question httpcore asks of an
    idle connection."""
    sock = transport.get_extra_info("socket")
    if sock is None:
        return False
    readable, _, _ = select.select([sock.fileno()], [], [], 0)
    return bool(readable)


class _Connector(aiohttp.TCPConnector):
    """aiohttp's connector, closing a connection that received stray bytes or carried another
    user's calls instead of handing it out (`connect`: the connector's public way to do so)."""

    async def connect(self, req: Any, *args: Any, **kwargs: Any) -> Connection:
        while True:
            connection = await super().connect(req, *args, **kwargs)
            transport, protocol = connection.transport, connection.protocol
            if transport is None or protocol is None:
                return connection  # aiohttp reports the closed connection itself
            watch = transport.get_protocol()
            if not isinstance(watch, _Watch):  # a new connection
                watch = _Watch(protocol)
                transport.set_protocol(watch)
            user = credentials_digest(
                (k.encode(), v.encode("utf-8", "surrogatepass")) for k, v in req.headers.items()
            )
            if not (protocol.should_close or _unread(transport)) and watch.framing.begin(
                req.method, user
            ):
                return connection
            connection.close()


def _reason(response: aiohttp.ClientResponse) -> bytes:
    # aiohttp decodes the status line as UTF-8 with surrogateescape: back to the bytes received.
    return (response.reason or "").encode("utf-8", "surrogateescape")


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_names_it():
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx's transport interface over an aiohttp session: cookieless, every aiohttp error
    mapped to httpx's, no connection reused after stray bytes or by another user (see the
    module)."""

    def __init__(self, *, verify: ssl.SSLContext | bool, limits: httpx.Limits) -> None:
        self._ssl_context = httpx.create_ssl_context(verify=verify)
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        connector = _Connector(
            limit=self._limits.max_connections or 0,  # 0: no limit, as httpx's None
            keepalive_timeout=self._limits.keepalive_expiry,
            ssl=self._ssl_context,
        )
        return aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            self._session = self._open()
        timeout = request.extensions.get("timeout", {})
        content = await request.aread()
        with _httpx_names_it():
            response = await self._session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=content or None,
                allow_redirects=False,
                auto_decompress=False,
                # Per socket operation; the wait for a free connection: the call's deadline.
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=None,
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
            )
        reason = _reason(response)
        refused = refusal(response.raw_headers, reason)
        if refused is not None:
            response.close()
            raise refused
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_ResponseStream(response),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
