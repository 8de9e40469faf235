"""The sandbox: the double over real HTTP on loopback (uvicorn, httptools, uvloop, one worker)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any, TextIO

from apij._serving import CannotListen, event_loop, in_thread, listen, local_url
from apij.double.asgi import ABORT_EXTENSION, create_app
from apij.double.constants import INSTALL_HINT
from apij.double.core import CnamDouble
from apij.double.franceconnect.doors import FranceConnectApp
from apij.double.franceconnect.setup import FranceConnectSetup, wire
from apij.double.people import Person

__all__ = [
    "CannotListen",
    "banner",
    "listen",
    "make_server",
    "ready_document",
    "running",
    "running_ready",
    "serve",
]


def _abortable_protocol() -> Any:
    """httptools protocol whose requests can drop their connection (transport faults)."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class AbortableHttpToolsProtocol(HttpToolsProtocol):
        def on_message_begin(self) -> None:
            super().on_message_begin()
            transport = self.transport
            extensions: dict[str, Any] = {ABORT_EXTENSION: transport.abort}
            self.scope["extensions"] = extensions

    return AbortableHttpToolsProtocol


FRANCECONNECT_PATH = "/api/v2"


class SandboxApp:
    """FranceConnect under ``/api/v2`` beside the CNAM double (ASGI 3)."""

    def __init__(self, double: CnamDouble, setup: FranceConnectSetup) -> None:
        self.cnam = create_app(double)
        self.franceconnect = FranceConnectApp(setup.fc)

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (
            path == FRANCECONNECT_PATH or path.startswith(FRANCECONNECT_PATH + "/")
        ):
            await self.franceconnect(scope, receive, send)
        else:
            await self.cnam(scope, receive, send)


def wired(
    host: str, port: int, redirect_uris: Iterable[str] = (), double: CnamDouble | None = None
) -> tuple[CnamDouble, FranceConnectSetup]:
    """The CNAM double checking tokens through a FranceConnect double served at
    ``http://host:port/api/v2`` (the sandbox's own port)."""
    setup = wire(issuer=local_url(host, port, FRANCECONNECT_PATH), redirect_uris=redirect_uris)
    if double is None:
        double = CnamDouble(token_checker=setup.checker)
    else:
        double.token_checker = setup.checker
    setup.fc.registry = _registry_of(double)
    return double, setup


def _registry_of(double: CnamDouble) -> Callable[[], Iterable[Person]]:
    return lambda: double.people.values()


def ready_document(double: CnamDouble, setup: FranceConnectSetup, base_url: str) -> dict[str, Any]:
    """What ``--ready-file`` holds: where to call, with what, and who can log in."""
    people = sorted(double.people.values(), key=lambda person: person.name)
    return {
        "base_url": base_url,
        "api_key": sorted({person.api_key for person in people})[0],
        "franceconnect": {
            "issuer": setup.fc.issuer,
            "client_id": setup.partner.client_id,
            "client_secret": setup.partner.client_secret,
        },
        "people": [{"name": person.name, "token": person.token} for person in people],
    }


def write_ready_file(path: str | os.PathLike[str], document: dict[str, Any]) -> None:
    """Write atomically (a reader never sees half a file), readable by its owner only."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2)
        out.write("\n")
    temporary.replace(target)


def make_server(
    double: CnamDouble | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str = "warning",
    app: Any = None,
) -> Any:
    """A configured ``uvicorn.Server`` (not started) serving ``double`` under its base path."""
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"the sandbox needs uvicorn: {INSTALL_HINT}") from exc
    config = uvicorn.Config(
        app if app is not None else create_app(double),
        host=host,
        port=port,
        loop=event_loop(),
        http=_abortable_protocol(),
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
    ready_file: str | os.PathLike[str] | None = None,
    redirect_uris: Iterable[str] = (),
) -> None:
    """Run the sandbox in the foreground until interrupted; the banner is printed (and
    ``ready_file`` written) once the port is listening. Raises :class:`CannotListen`."""
    with listen(host, port) as sock:
        bound = sock.getsockname()[1]
        double, setup = wired(host, bound, redirect_uris, double)
        server = make_server(
            double, host=host, port=bound, log_level=log_level, app=SandboxApp(double, setup)
        )
        base_url = base_url_for(double, host, bound)
        banner(double, base_url, out or sys.stdout)
        (out or sys.stdout).write(
            f"FranceConnect double: issuer {setup.fc.issuer}, client_id "
            f"{setup.partner.client_id} (secret in the ready file)\n"
        )
        if ready_file is not None:
            write_ready_file(ready_file, ready_document(double, setup, base_url))
        try:
            server.run(sockets=[sock])
        finally:
            setup.checker.close()


@contextlib.contextmanager
def running(
    double: CnamDouble | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Run the sandbox in a background thread (port 0: any free port); yield its base URL."""
    with running_ready(double, host=host, port=port) as ready:
        yield str(ready["base_url"])


@contextlib.contextmanager
def running_ready(
    double: CnamDouble | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    redirect_uris: Iterable[str] = (),
) -> Iterator[dict[str, Any]]:
    """As :func:`running`, yielding the ready document (what ``--ready-file`` holds)."""
    sock = listen(host, port)
    bound = sock.getsockname()[1]
    double, setup = wired(host, bound, redirect_uris, double)
    server = make_server(double, host=host, port=bound, app=SandboxApp(double, setup))
    try:
        with in_thread(server, sock, "sandbox") as bound_port:
            yield ready_document(double, setup, base_url_for(double, host, bound_port))
    finally:
        setup.checker.close()


def main(argv: list[str] | None = None) -> None:
    """``python -m apij.double.sandbox [--host H] [--port P]``."""
    parser = argparse.ArgumentParser(description="Run the APIJ sandbox (CNAM double) on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--ready-file", help="write the JSON ready document here once listening")
    parser.add_argument("--redirect-uri", action="append", default=[])
    args = parser.parse_args(argv)
    try:
        serve(
            args.host,
            args.port,
            log_level=args.log_level,
            ready_file=args.ready_file,
            redirect_uris=args.redirect_uri,
        )
    except CannotListen as exc:
        parser.exit(6, f"{parser.prog}: error: {exc}\n")  # the `apij` CLI's code for it


if __name__ == "__main__":
    main()
