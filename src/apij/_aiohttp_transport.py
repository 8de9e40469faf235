"""The async client's default transport: httpx requests sent through aiohttp (httpx-aiohttp).

httpx's own async pool (httpcore 1.0.9) can leave its slots stuck for good after cancelled
requests (encode/httpcore#1093, unreleased fix), and serves about fifteen times fewer calls per
second than aiohttp at 100 concurrent users. httpx-aiohttp's `AiohttpTransport` keeps httpx's
API over aiohttp's connector, which survives cancellation. What it maps as we need: the pool
size (`max_connections`), keep-alive expiry, TLS verification (httpx's SSL context), connect
and read timeouts, no redirects, no decompression (the face decodes bodies itself, within
bounds), and connection errors and timeouts to httpx's exceptions. What it does not, done here:

- its aiohttp session keeps a cookie jar, shared by every user of the pool: one user's
  Set-Cookie would ride on another user's request. The session here has a jar that keeps
  nothing;
- it passes httpx's pool timeout as aiohttp's `connect` timeout, which also counts connecting:
  a full pool would end in ConnectTimeout, a "failed connection" the face retries. Here the
  wait for a free connection is bounded by the call's deadline only;
- an answer aiohttp cannot parse (a malformed status line or header) escapes as a bare
  `aiohttp.ClientResponseError`; it becomes `httpx.RemoteProtocolError`, as httpx reports it;
- its table maps every aiohttp connection error to `ConnectTimeout` (a refused connection, a
  failed name resolution, a TLS failure, a peer that hangs up): each becomes the exception
  httpx's own transport raises for it, so that both clients name a failure alike.

The session ignores proxy variables and ~/.netrc (`trust_env=False`, aiohttp's default):
credentials never go anywhere but to `base_url`. To use a proxy, pass your own `transport`.
Like any RFC 9112 client, aiohttp re-sends a GET once, at once, when the server closes the
connection before answering (a keep-alive connection closed under it): the face's retry policy
counts attempts above that.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport as _LibraryTransport

__all__ = ["AiohttpTransport"]


def _protocol_error(exc: BaseException) -> httpx.RemoteProtocolError:
    # The class name only: aiohttp's message and attributes carry the request and its headers.
    return httpx.RemoteProtocolError(f"invalid HTTP response ({type(exc).__name__})")


def _as_httpx_names_it(exc: httpx.TransportError) -> httpx.TransportError:
    """The library's exception for an aiohttp error (its `__cause__`), corrected where the
    library calls ConnectTimeout what is none; the class name only in the message."""
    cause = exc.__cause__
    name = type(cause).__name__
    better: httpx.TransportError
    if isinstance(cause, aiohttp.ServerTimeoutError):
        return exc  # a timeout indeed: ConnectTimeout or ReadTimeout, as mapped
    if isinstance(cause, aiohttp.ClientConnectorError):  # refused, DNS, TLS
        better = httpx.ConnectError(f"cannot connect ({name})")
    elif isinstance(cause, aiohttp.ServerDisconnectedError):
        better = httpx.RemoteProtocolError("server disconnected without sending a response")
    elif isinstance(cause, aiohttp.ClientOSError):  # reset while sending or reading
        better = httpx.ReadError(f"connection lost ({name})")
    else:
        return exc
    better.__cause__ = cause  # what happened below (a failed name lookup...), as httpx keeps it
    return better


def _mapped(exc: httpx.TransportError | aiohttp.ClientError) -> httpx.TransportError:
    """The httpx exception for what escaped the library: its own, corrected; or an aiohttp
    error it let through."""
    if isinstance(exc, httpx.TransportError):
        return _as_httpx_names_it(exc)
    return _protocol_error(exc)


class _Body(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        failure: httpx.TransportError | None = None
        try:
            async for chunk in self._inner:
                yield chunk
        except (httpx.TransportError, aiohttp.ClientError) as exc:
            failure = _mapped(exc)
        if failure is not None:
            raise failure

    async def aclose(self) -> None:
        await self._inner.aclose()


class AiohttpTransport(_LibraryTransport):
    """httpx-aiohttp's transport with a cookieless session and every aiohttp error mapped."""

    def __init__(self, *, verify: ssl.SSLContext | bool, limits: httpx.Limits) -> None:
        super().__init__(verify=verify, limits=limits, client=self._new_session)

    def _new_session(self) -> aiohttp.ClientSession:
        # What the library builds (its get_client), with a cookie jar that keeps nothing.
        connector = aiohttp.TCPConnector(
            limit=self.limits.max_connections or 0,  # 0: no limit, as httpx's None
            keepalive_timeout=self.limits.keepalive_expiry,
            ssl=self.ssl_context,
        )
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # aiohttp's `connect` timeout (the library passes httpx's pool timeout) counts the wait
        # for a free connection together with connecting, and ends in an error mapped to
        # ConnectTimeout: a full pool would pass for a failed connection, and be retried. The
        # wait is left to the call's deadline (as the sync client's is); `sock_connect` still
        # bounds connecting.
        timeout = dict(request.extensions.get("timeout", {}))
        timeout["pool"] = None
        request.extensions = {**request.extensions, "timeout": timeout}
        failure: httpx.TransportError | None = None
        try:
            response = await super().handle_async_request(request)
        except (httpx.TransportError, aiohttp.ClientError) as exc:
            failure = _mapped(exc)
        if failure is not None:
            raise failure
        response.stream = _Body(response.stream)  # type: ignore[arg-type]
        return response
