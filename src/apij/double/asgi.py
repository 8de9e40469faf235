"""The HTTP door: a plain ASGI app serving the double (the sandbox runs it under uvicorn)."""

from __future__ import annotations

import asyncio

import httpx

from apij._asgi import Receive, Scope, Send, lifespan
from apij.double.core import CnamDouble, Reply

__all__ = ["ABORT_EXTENSION", "DoubleApp", "create_app"]

# Scope extension (set by the sandbox's protocol) that drops the TCP connection at once.
ABORT_EXTENSION = "apij.abort"


class DoubleApp:
    """ASGI 3 app answering with a :class:`CnamDouble` under ``base_path``."""

    def __init__(self, double: CnamDouble, base_path: str | None = None) -> None:
        self.double = double
        self.base_path = double.base_path if base_path is None else base_path.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":  # websockets: not this gateway's business
            return
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", ()):
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        # ASGI 2.3+: `path` already includes any `root_path`.
        path = scope["path"]
        arguments = (
            scope["method"],
            path,
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            self.base_path,
        )
        if self.double.token_checker is None:
            reply = self.double.respond_mounted(*arguments)
        else:
            # Checking a token calls FranceConnect over HTTP, maybe on this very server: off
            # the event loop, or the loop would wait for itself.
            reply = await asyncio.to_thread(self.double.respond_mounted, *arguments)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.transport_error is not None:
            await _drop(scope, receive, _transport_error(reply))
            return
        body = reply.body
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [
                    *((k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        if reply.truncate_at is None:
            await send({"type": "http.response.body", "body": body})
            return
        await send(
            {"type": "http.response.body", "body": body[: reply.truncate_at], "more_body": True}
        )
        await _drop(scope, receive, httpx.RemoteProtocolError("peer closed connection mid-body"))


def _transport_error(reply: Reply) -> Exception:
    if reply.transport_error == "connect":
        return httpx.ConnectError("Connection refused (apij double fault)")
    return httpx.ReadTimeout("Read timed out (apij double fault)")


async def _drop(scope: Scope, receive: Receive, fallback: Exception) -> None:
    """Hang up on the client; without the sandbox's extension, raise the client-side error.

    Raising suits ``httpx.ASGITransport`` (it re-raises app errors to the client); a plain
    server turns it into a 500 or a closed connection.
    """
    abort = scope.get("extensions", {}).get(ABORT_EXTENSION)
    if abort is None:
        raise fallback
    abort()
    # Wait for the server to notice, so it does not answer 500 for a response never started.
    while (await receive())["type"] != "http.disconnect":
        pass


def create_app(double: CnamDouble | None = None, *, base_path: str | None = None) -> DoubleApp:
    """The ASGI app for ``double`` (default: a fresh double over the committed scenarios)."""
    return DoubleApp(double if double is not None else CnamDouble(), base_path)
