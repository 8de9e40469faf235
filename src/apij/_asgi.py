"""ASGI plumbing shared by the apps served over HTTP (the double's door, the validating proxy):
the message types and the lifespan protocol."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["Message", "Receive", "Scope", "Send", "lifespan"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def lifespan(
    receive: Receive, send: Send, *, shutdown: Callable[[], Awaitable[None]] | None = None
) -> None:
    """Serve a `lifespan` scope: start-up completes at once; at shut-down, `shutdown` (if given)
    runs before shut-down completes."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if shutdown is not None:
                await shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return
