"""The sync client's default transport: httpcore's pool behind httpx's transport interface, each
socket operation ending by the deadline, and no connection reused after stray bytes or by
another user.

Built from public parts only: `httpcore.ConnectionPool` with a `network_backend` of ours,
wrapped in an `httpx.BaseTransport` that raises the httpx exception httpx's own transport would
(`HTTPTransport` maps httpcore's exceptions the same way). As httpx's transport it adds no
cookies (the face's client keeps none), follows no redirects, decodes nothing (the face reads
bodies raw, within bounds) and reads no proxy settings from the environment:
credentials never go anywhere but to `base_url`. To use a proxy, pass your own `transport`.

Deadline. httpx's timeouts bound each connect, read and write, not the response: a server
trickling its status line and headers one byte at a time keeps a plain call alive
indefinitely. The network backend wraps httpcore's and clamps each operation's timeout to the
time left before the deadline of the call running in this thread (a context variable, set by
`bounded_by()` around the call's exchange). A call thus ends by its deadline plus one read at
most. Waiting for a free connection of the pool is bounded by the request's `pool` timeout,
which the face sets to the time left.

Stray bytes, and one user per connection (`apij._framing`). Each connection's stream keeps a
`Framing`, fed the bytes it reads. httpcore's pool asks every idle connection
`get_extra_info("is_readable")` as it assigns requests: the stream says yes once the connection
is stray, and the pool closes it. The socket itself (bytes that arrived while it sat idle, or
the server closing it) is polled once, as the request's first byte is about to leave: the
thread sending may run well after the pool's check (the GIL, other threads). The stream also
checks then that the request's credentials are the connection's (`_SENDING`, set by the
transport around each request). If either fails, it tells the pool the connection is not
available (`httpcore.ConnectionNotAvailable`): the pool closes it and takes another.

Heads that either default transport refuses are refused by both (`apij._response_head`).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

from apij._framing import Framing, credentials_digest
from apij._response_head import refusal
from apij.clock import Deadline

__all__ = ["DeadlineTransport", "bounded_by"]

_DEADLINE: ContextVar[Deadline | None] = ContextVar("apij_deadline", default=None)
# The method and credentials digest of the request this thread's pool is sending.
_SENDING: ContextVar[tuple[str, bytes]] = ContextVar("apij_sending")


@contextmanager
def bounded_by(deadline: Deadline) -> Iterator[None]:
    """Bound every socket operation of this thread's call to `deadline`."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _clamped(timeout: float | None, expired: type[httpcore.TimeoutException]) -> float | None:
    """`timeout`, shortened to the time left; `expired` raised once nothing is left."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline.left()
    if left <= 0:
        # A zero socket timeout would mean non-blocking, not "expired": say it ourselves.
        raise expired("total deadline exceeded")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner
        self._framing = Framing()

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._inner.read(max_bytes, _clamped(timeout, httpcore.ReadTimeout))
        self._framing.received(data)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not self._framing.active:  # the first write of a request
            method, user = _SENDING.get()
            if not self._framing.begin(method, user) or self._inner.get_extra_info("is_readable"):
                # Stray bytes, possibly since the pool checked it, or another user's connection:
                # the pool closes it and takes another (a new one if none is left).
                raise httpcore.ConnectionNotAvailable()
        self._inner.write(buffer, _clamped(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, _clamped(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # The pool asks each idle connection at every request and every response's end;
            # polling each socket then costs a system call per idle connection, each one a
            # wait for the GIL when threads contend (it made calls overrun their deadline by
            # 0.3-0.8 s). The socket is polled once, at the request's first write (above).
            return self._framing.stray
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamped(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        timeout = _clamped(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


# httpcore's exceptions and the httpx ones httpx's own transport raises for them, most
# specific first (each is a subclass of those after it, or unrelated).
_HTTPX_NAMES: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _httpx_names_it() -> Iterator[None]:
    """httpcore's exception raised as httpx's, chained as httpx chains it, the socket or TLS
    error below it reachable through `__cause__` (a certificate failure, for the face)."""
    try:
        yield
    except Exception as exc:
        if exc.__cause__ is None and exc.__context__ is not None:
            # httpcore's pool re-raises a connection's failure `from None`, which hides the
            # cause its backend gave it (the ssl or socket error): given back.
            exc.__cause__ = exc.__context__
        for theirs, ours in _HTTPX_NAMES:
            if isinstance(exc, theirs):
                raise ours(str(exc)) from exc
        raise


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_names_it():
            yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            with _httpx_names_it():
                close()


class DeadlineTransport(httpx.BaseTransport):
    """httpcore's connection pool behind httpx's transport interface, its connections honouring
    the call's deadline and never reused after stray bytes (see the module)."""

    def __init__(self, *, verify: ssl.SSLContext | bool, limits: httpx.Limits) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        sending = _SENDING.set((request.method, credentials_digest(request.headers.raw)))
        try:
            with _httpx_names_it():
                response = self._pool.handle_request(core_request)
        finally:
            _SENDING.reset(sending)
        refused = refusal(response.headers, response.extensions.get("reason_phrase", b""))
        if refused is not None:
            with _httpx_names_it():
                response.close()  # its body unread: the connection is closed
            raise refused
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
