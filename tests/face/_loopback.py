"""Tiny HTTP servers on loopback for the face's tests: hostile, counting, redirecting, TLS.

Each server answers every connection in its own thread with a handler written against the raw
socket, so a test can send exactly the bytes it means (trickled, compressed, oversized...). All
of them stop by themselves: bounded loops, and the listener closes when the test ends.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tests.face._face_support import body

OK_BODY = body("32.87", "28.53", "2.30")
PATH = "/v1/indemnites-journalieres"


@dataclass
class Server:
    """A running server: its base URL, and what it saw."""

    base_url: str
    stop: threading.Event
    requests: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    open_connections: int = 0
    most_connections: int = 0
    accepted: int = 0  # connections accepted in all


Handler = Callable[[socket.socket, Server], None]


def read_request(conn: socket.socket, server: Server) -> bytes | None:
    """One request head (the face sends GETs without a body), or None when the peer is gone."""
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = conn.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    with server.lock:
        server.requests.append(data)
    return data


def response_head(status: str = "200 OK", **headers: str | int) -> bytes:
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def ok_response(content: bytes = OK_BODY) -> bytes:
    head = response_head(content_type="application/json", content_length=len(content))
    return head + content


def send_slowly(conn: socket.socket, data: bytes, every: float, stop: threading.Event) -> None:
    """Send `data` one byte every `every` seconds, until done, stopped, or the peer leaves."""
    for i in range(len(data)):
        if stop.is_set():
            return
        try:
            conn.sendall(data[i : i + 1])
        except OSError:
            return
        time.sleep(every)


@contextlib.contextmanager
def serving(
    handler: Handler, *, tls: ssl.SSLContext | None = None, host: str = "127.0.0.1"
) -> Iterator[Server]:
    """Run `handler` for each connection to a free loopback port; yield the server."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=512)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    scheme = "https" if tls is not None else "http"
    server = Server(f"{scheme}://{host}:{port}{PATH}", threading.Event())
    threads: list[threading.Thread] = []

    def one(conn: socket.socket) -> None:
        with server.lock:
            server.accepted += 1
            server.open_connections += 1
            server.most_connections = max(server.most_connections, server.open_connections)
        try:
            with conn:
                handler(conn, server)
        except (OSError, ssl.SSLError):
            pass  # the client hung up or refused our certificate: its side is what is tested
        finally:
            with server.lock:
                server.open_connections -= 1

    def accept() -> None:
        while not server.stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(10)
            if tls is not None:
                try:
                    conn = tls.wrap_socket(conn, server_side=True)
                except (OSError, ssl.SSLError):
                    conn.close()
                    continue
            thread = threading.Thread(target=one, args=(conn,), daemon=True)
            threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield server
    finally:
        server.stop.set()
        acceptor.join(timeout=5)
        listener.close()
        for thread in threads:
            thread.join(timeout=5)


def keep_alive(answer: Callable[[bytes], bytes], delay: float = 0.0) -> Handler:
    """A handler answering every request on the connection with `answer(request)`."""

    def handle(conn: socket.socket, server: Server) -> None:
        for _ in range(10_000):
            request = read_request(conn, server)
            if request is None or server.stop.is_set():
                return
            if delay:
                time.sleep(delay)
            conn.sendall(answer(request))

    return handle


def token_of(request: bytes) -> str:
    """The bearer token of a request head ('' without one)."""
    for line in request.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"authorization":
            return value.strip().removeprefix(b"Bearer ").decode("latin-1")
    return ""


def montant_of(token: str) -> str:
    """A daily amount that fingerprints `token` ("user-0042" -> 10.42), as JSON text."""
    return f"{10 + int(token.rsplit('-', 1)[1]) / 100:.2f}"


STRAY_MONTANT = "99.99"  # what no user's fingerprint is


def fingerprinted(request: bytes) -> bytes:
    """A full 200 answer whose daily amount fingerprints the request's token."""
    return ok_response(body(montant_of(token_of(request)), "1.00", "0.10"))


STRAY = ok_response(body(STRAY_MONTANT, "1.00", "0.10"))  # an answer to nobody's request
