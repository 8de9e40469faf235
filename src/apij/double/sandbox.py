"""The sandbox: the double over real HTTP on loopback (uvicorn, httptools, uvloop, one worker)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from apij._serving import CannotListen, in_thread, listen, local_url
from apij.double.asgi import ABORT_EXTENSION, create_app
from apij.double.constants import INSTALL_HINT
from apij.double.core import CnamDouble

__all__ = ["CannotListen", "banner", "listen", "make_server", "running", "serve"]


def _protocol() -> Any:
    """httptools protocol whose requests can drop their connection (transport faults)."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class AbortableHttpToolsProtocol(HttpToolsProtocol):
        def on_message_begin(self) -> None:
            super().on_message_begin()
            transport = self.transport
            extensions: dict[str, Any] = {ABORT_EXTENSION: transport.abort}
            self.scope["extensions"] = extensions

    return AbortableHttpToolsProtocol


def make_server(
    double: CnamDouble | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str = "warning",
) -> Any:
    """A configured ``uvicorn.Server`` (not started) serving ``double`` under its base path."""
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"the sandbox needs uvicorn: {INSTALL_HINT}") from exc
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:  # pragma: no cover - Windows
        loop = "asyncio"
    config = uvicorn.Config(
        create_app(double),
        host=host,
        port=port,
        loop=loop,
        http=_protocol(),
        lifespan="off",
        access_log=False,
        log_level=log_level,
        server_header=False,
        workers=1,
    )
    return uvicorn.Server(config)


def base_url_for(double: CnamDouble, host: str, port: int) -> str:
    """The sandbox's base URL, as reached from this machine: the spec's path on that host."""
    return local_url(host, port, double.base_path)


def banner(double: CnamDouble, base_url: str, out: TextIO) -> None:
    """Print where the sandbox listens, the API key, and each scenario's (synthetic) token."""
    keys = sorted({person.api_key for person in double.people.values()})
    out.write(f"APIJ sandbox (CNAM double) listening on {base_url}\n")
    out.write(f"X-API-Key: {', '.join(keys)}\n")
    out.write("Scenarios (Authorization: Bearer <token>):\n")
    people = sorted(double.people.values(), key=lambda person: person.name)
    width = max((len(person.name) for person in people), default=0)
    token_width = max((len(person.token) for person in people), default=0)
    for person in people:
        out.write(
            f"  {person.name:<{width}}  {person.token:<{token_width}}  {person.description}\n"
        )
    out.write(
        f"Try: curl -H 'X-API-Key: {keys[0] if keys else ''}' -H 'Authorization: Bearer "
        f"<token>' '{base_url}/me/paiements?dateDebut=2025-01-01&dateFin=2025-06-30'\n"
    )
    out.flush()


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    double: CnamDouble | None = None,
    log_level: str = "warning",
    out: TextIO | None = None,
) -> None:
    """Run the sandbox in the foreground until interrupted; the banner is printed once the
    port is listening. Raises :class:`CannotListen` when it cannot be."""
    double = double if double is not None else CnamDouble()
    server = make_server(double, host=host, port=port, log_level=log_level)
    with listen(host, port) as sock:
        banner(double, base_url_for(double, host, sock.getsockname()[1]), out or sys.stdout)
        server.run(sockets=[sock])


@contextlib.contextmanager
def running(
    double: CnamDouble | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Run the sandbox in a background thread (port 0: any free port); yield its base URL."""
    double = double if double is not None else CnamDouble()
    sock = listen(host, port)
    server = make_server(double, host=host, port=sock.getsockname()[1])
    with in_thread(server, sock, "sandbox") as bound_port:
        yield base_url_for(double, host, bound_port)


def main(argv: list[str] | None = None) -> None:
    """``python -m apij.double.sandbox [--host H] [--port P]``."""
    parser = argparse.ArgumentParser(description="Run the APIJ sandbox (CNAM double) on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    try:
        serve(args.host, args.port, log_level=args.log_level)
    except CannotListen as exc:
        parser.exit(6, f"{parser.prog}: error: {exc}\n")  # the `apij` CLI's code for it


if __name__ == "__main__":
    main()
