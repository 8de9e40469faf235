"""The in-process door: a respx router whose side effect is the double (sync and async httpx)."""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Any

import httpx
import respx

if TYPE_CHECKING:
    from apij.double.core import CnamDouble

__all__ = ["make_router"]

# Set while respx resolves a request of an async client: the side effect may then await.
_IN_ASYNC_CLIENT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "apij_double_async", default=False
)


def _unread(response: httpx.Response) -> httpx.Response:
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
        return _unread(super().handler(request))

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        marker = _IN_ASYNC_CLIENT.set(True)
        try:
            response: httpx.Response = await super().async_handler(request)
            return _unread(response)
        finally:
            _IN_ASYNC_CLIENT.reset(marker)


def make_router(double: CnamDouble, base_url: str) -> respx.MockRouter:
    """A router for the base URL's host: the API under its path, gateway 404s elsewhere."""
    base = httpx.URL(base_url)
    base_path = base.path.rstrip("/")
    router = DoubleRouter(assert_all_mocked=True, assert_all_called=False, using="httpx")

    def side_effect(request: httpx.Request) -> Any:
        # An async client awaits a coroutine (asyncio.sleep for slow); a sync one sleeps.
        if _IN_ASYNC_CLIENT.get():
            return double.ahandle(request, base_path=base_path)
        return double.handle(request, base_path=base_path)

    pattern: dict[str, Any] = {"scheme": base.scheme, "host": base.host}
    if base.port is not None:
        pattern["port"] = base.port
    router.route(name="apij-double", **pattern).mock(side_effect=side_effect)
    return router
