"""When a pooled connection may carry a request: one user's calls only, and never after stray
bytes. Both default transports keep one `Framing` per connection and ask it.

Stray bytes. A response that carries more than itself (two responses in one write, a 204
followed by a full response), or bytes arriving while the connection is idle, would be handed
by the HTTP/1.1 parser to the next request on that connection as its answer. `Framing` follows
each response with h11 (the parser httpcore itself uses), fed the bytes the connection reads;
a byte after a response's end, or while no request is under way, or anything h11 cannot follow,
makes the connection `stray`, and the transport closes it instead of reusing it.

One user per connection. A response that arrives after a request left cannot be told from that
request's answer by any HTTP/1.1 client (response queue poisoning): a check for stray bytes
always runs a moment before the request leaves, and a server can answer in between. So that
such an answer can never be another user's, a connection carries the calls of one set of
credentials only (the `Authorization` and `X-API-Key` headers, kept as a digest, never as
values): another user's request finds it `spent`, and the transport closes it and takes another.
A user's consecutive calls still share a connection; calls of different users each open their
own (one TCP and TLS handshake per user session, what a browser pays per user too).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import h11

__all__ = ["Framing", "credentials_digest"]

MAX_HEAD = 100 * 1024  # the largest response head followed (httpcore's bound too)

_CREDENTIALS = (b"authorization", b"x-api-key")


def credentials_digest(headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """A digest of a request's credential headers (names lowercased): equal for the same user."""
    digest = hashlib.sha256()
    for name, value in headers:
        if name.lower() in _CREDENTIALS:
            digest.update(name.lower() + b":" + value + b"\n")
    return digest.digest()


class Framing:
    """One connection's exchanges as h11 sees them, and whose credentials it carries."""

    def __init__(self) -> None:
        self.stray = False
        self.active = False  # a request is under way: from `begin` to its response's end
        self._user: bytes | None = None
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)

    def begin(self, method: str, user: bytes) -> bool:
        """A request of `user` (a `credentials_digest`) is about to leave on this connection:
        whether it may. False once the connection is stray, or carried another user's calls;
        the transport then closes it."""
        if self._user is not None and user != self._user:
            self.stray = True  # spent: never handed to another user
        self._user = user
        if self.stray:
            return False
        try:
            if self._h11.our_state is not h11.IDLE:
                self._h11.start_next_cycle()
            # The response's framing depends on the method only (HEAD has no body).
            self._h11.send(h11.Request(method=method, target="/", headers=[("host", "h")]))
            self._h11.send(h11.EndOfMessage())
        except h11.ProtocolError:
            self.stray = True
            return False
        self.active = True
        return True

    def received(self, data: bytes) -> None:
        """Bytes the connection read (b"": the peer closed it)."""
        if self.stray or not data:
            return
        if not self.active:
            self.stray = True  # bytes while idle
            return
        framing = self._h11
        try:
            framing.receive_data(data)
            while (event := framing.next_event()) is not h11.NEED_DATA:
                if event is h11.PAUSED or isinstance(event, h11.ConnectionClosed):
                    # Bytes after a complete response (or a protocol switch), or the end.
                    self.stray = event is h11.PAUSED
                    self.active = False
                    return
                if isinstance(event, h11.EndOfMessage):
                    self.active = False
                    self.stray = bool(framing.trailing_data[0])
                    return
        except h11.ProtocolError:
            self.stray = True  # the transport judges the response; the connection is not reused
            self.active = False
