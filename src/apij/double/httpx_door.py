"""The in-process door: the double answering httpx requests, and the respx router that sends
every request for the gateway's host to it (sync and async httpx clients)."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from typing import Any

import httpx
import respx

from apij.clock import SYSTEM_CLOCK, Clock
from apij.double.core import CnamDouble, Reply

__all__ = ["ahandle", "handle", "respx_router"]

# Set while respx resolves a request of an async client: the side effect may then await.
_IN_ASYNC_CLIENT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "apij_double_async", default=False
)


def _reply_to(double: CnamDouble, request: httpx.Request, base_path: str | None) -> Reply:
    return double.respond_mounted(
        request.method,
        request.url.path,
        request.url.query.decode("latin-1"),
        request.headers,
        double.base_path if base_path is None else base_path,
    )


def handle(
    double: CnamDouble,
    request: httpx.Request,
    *,
    base_path: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> httpx.Response:
    """The double's answer to an httpx request (sleeping on `clock` for slow faults; raising for
    transport faults). ``base_path``: where the API is mounted (default: the double's base URL's
    path). A test of deadlines passes the `ManualClock` its client reads."""
    reply = _reply_to(double, request, base_path)
    gives_up_at = _client_gives_up_at(reply, request)
    if reply.delay and reply.transport_error is None:
        clock.sleep(gives_up_at if gives_up_at is not None else reply.delay)
    return _to_httpx(reply, request, gives_up_at is not None)


async def ahandle(
    double: CnamDouble,
    request: httpx.Request,
    *,
    base_path: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> httpx.Response:
    """As :func:`handle`, waiting with the clock's async sleep."""
    reply = _reply_to(double, request, base_path)
    gives_up_at = _client_gives_up_at(reply, request)
    if reply.delay and reply.transport_error is None:
        await clock.asleep(gives_up_at if gives_up_at is not None else reply.delay)
    return _to_httpx(reply, request, gives_up_at is not None)


def _client_gives_up_at(reply: Reply, request: httpx.Request) -> float | None:
    """The client's read timeout, if the reply's delay exceeds it (the client gives up first).

    In process, transport faults fail at once: no test should wait for a hang."""
    if reply.transport_error is not None:
        return None
    timeout = request.extensions.get("timeout", {}).get("read")
    if reply.delay and timeout is not None and reply.delay > timeout:
        return float(timeout)
    return None


class _TruncatedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that stops halfway with the error httpx raises when the peer hangs up."""

    def __init__(self, chunk: bytes, request: httpx.Request) -> None:
        self._chunk = chunk
        self._request = request

    def _fail(self) -> httpx.RemoteProtocolError:
        return httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body", request=self._request
        )

    def __iter__(self) -> Iterator[bytes]:
        yield self._chunk
        raise self._fail()

    async def __aiter__(self) -> Any:
        yield self._chunk
        raise self._fail()


def _to_httpx(reply: Reply, request: httpx.Request, timed_out: bool) -> httpx.Response:
    if timed_out or reply.transport_error == "read_timeout":
        raise httpx.ReadTimeout("Read timed out (apij double fault)", request=request)
    if reply.transport_error == "connect":
        raise httpx.ConnectError("Connection refused (apij double fault)", request=request)
    headers = [*reply.headers, ("content-length", str(len(reply.body)))]
    if reply.truncate_at is not None:
        stream = _TruncatedStream(reply.body[: reply.truncate_at], request)
        return httpx.Response(reply.status, headers=headers, stream=stream, request=request)
    return httpx.Response(reply.status, headers=headers, content=reply.body, request=request)


def _as_unread(response: httpx.Response) -> httpx.Response:
    """The response as a client receives one from a socket: still to be read (so httpx reads
    it and times it, `elapsed`). Responses that stream on purpose (a body cut short) stay."""
    try:
        content = response.content
    except httpx.ResponseNotRead:
        return response
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(content),
        extensions=response.extensions,
    )


class DoubleRouter(respx.MockRouter):
    """A MockRouter that tells its side effect whether the calling client is async.

    It hooks in at the httpx client (`using="httpx"`), so it answers whatever the client's
    transport: the async face sends through aiohttp, which respx's default patching of
    httpcore never sees.
    """

    def handler(self, request: httpx.Request) -> httpx.Response:
        return _as_unread(super().handler(request))

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        marker = _IN_ASYNC_CLIENT.set(True)
        try:
            response: httpx.Response = await super().async_handler(request)
            return _as_unread(response)
        finally:
            _IN_ASYNC_CLIENT.reset(marker)


def respx_router(
    double: CnamDouble, base_url: str | None = None, *, clock: Clock = SYSTEM_CLOCK
) -> respx.MockRouter:
    """A respx router (``assert_all_mocked``) for the host of ``base_url`` (default: the
    double's): the API under its path answered by ``double``, gateway 404s elsewhere on that
    host, every other host refused. Slow faults wait on ``clock``. Use it as a context
    manager."""
    base = httpx.URL(base_url or double.base_url)
    base_path = base.path.rstrip("/")
    router = DoubleRouter(assert_all_mocked=True, assert_all_called=False, using="httpx")

    def side_effect(request: httpx.Request) -> Any:
        # An async client awaits a coroutine (asyncio.sleep for slow); a sync one sleeps.
        if _IN_ASYNC_CLIENT.get():
            return ahandle(double, request, base_path=base_path, clock=clock)
        return handle(double, request, base_path=base_path, clock=clock)

    pattern: dict[str, Any] = {"scheme": base.scheme, "host": base.host}
    if base.port is not None:
        pattern["port"] = base.port
    router.route(name="apij-double", **pattern).mock(side_effect=side_effect)
    return router
