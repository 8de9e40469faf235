"""Serving an ASGI app over HTTP: a listening socket, uvicorn in the foreground or in a thread."""

from __future__ import annotations

import contextlib
import errno
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

__all__ = ["CannotListen", "event_loop", "in_thread", "listen", "local_url"]


class CannotListen(Exception):
    """A server cannot listen on the address asked for (port in use, address not here)."""


def listen(host: str, port: int) -> socket.socket:
    """A socket bound and listening on ``host:port`` (port 0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CannotListen(f"port {port} on {host} is already in use (try --port)") from exc
        reason = exc.strerror or type(exc).__name__
        raise CannotListen(f"cannot listen on {host}:{port}: {reason}") from exc


def event_loop() -> str:
    """uvicorn's `loop` setting: uvloop where it is installed (not on Windows), else asyncio."""
    try:
        import uvloop  # noqa: F401
    except ImportError:  # pragma: no cover - Windows
        return "asyncio"
    return "uvloop"


def local_url(host: str, port: int, path: str = "") -> str:
    """The URL to reach a server listening on ``host:port`` from this machine: a wildcard
    address (0.0.0.0, ::) is reached on loopback, an IPv6 address is written in brackets."""
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}{path}"


@contextlib.contextmanager
def in_thread(server: Any, sock: socket.socket, what: str) -> Iterator[int]:
    """Run a ``uvicorn.Server`` on ``sock`` in a background thread; yield the bound port."""
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the {what} did not start")
            time.sleep(0.01)
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
