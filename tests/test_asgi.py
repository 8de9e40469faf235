"""The one ASGI lifespan helper (`apij._asgi.lifespan`), as the double and the proxy use it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable

from apij._asgi import Message, Receive, Send, lifespan
from apij.double.asgi import create_app
from apij.proxy import JsonLinesReport, ValidatingProxy

COMPLETE = ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def _run(serve: Callable[[Receive, Send], Awaitable[None]]) -> list[str]:
    """Drive a lifespan scope through start-up and shut-down; the message types sent back."""
    sent: list[str] = []
    incoming = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> Message:
        return next(incoming)

    async def send(message: Message) -> None:
        sent.append(message["type"])

    asyncio.run(asyncio.wait_for(serve(receive, send), timeout=10))
    return sent


def test_the_shutdown_hook_runs_before_shutdown_completes() -> None:
    seen: list[int] = []

    async def serve(receive: Receive, send: Send) -> None:
        sent: list[Message] = []

        async def recording(message: Message) -> None:
            sent.append(message)
            await send(message)

        async def shutdown() -> None:
            seen.append(len(sent))  # start-up completed, shut-down not yet

        await lifespan(receive, recording, shutdown=shutdown)

    assert _run(serve) == COMPLETE
    assert seen == [1]


def test_the_double_app_answers_the_lifespan() -> None:
    app = create_app()
    assert _run(lambda receive, send: app({"type": "lifespan"}, receive, send)) == COMPLETE


def test_the_proxy_writes_its_pending_report_lines_at_shutdown() -> None:
    out = io.StringIO()
    report = JsonLinesReport(out)
    proxy = ValidatingProxy("http://127.0.0.1:9/base", report)
    written: list[str] = []

    async def serve(receive: Receive, send: Send) -> None:
        report.write({"line": 1})  # in a loop: held until the end of the turn, or shut-down
        await proxy({"type": "lifespan"}, receive, send)
        written.append(out.getvalue())  # the same turn: only shut-down can have written it

    assert _run(serve) == COMPLETE
    assert written == ['{"line":1}\n']
