"""No call outlives its total deadline, even against a server that trickles its body."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from apij import ApijClient, ApijTimeout, AsyncApijClient, RetryPolicy, Timeouts

# Each read returns within the read timeout, so only a whole-call deadline can stop it.
TIMEOUTS = Timeouts(connect=0.5, read=0.5, total=1.0)
TRICKLE_EVERY = 0.05  # seconds between body bytes
BODY_BYTES = 200  # 10 s of trickling: far beyond the deadline
SLACK = 0.3  # one trickle interval plus scheduling on a loaded 2-core machine


@pytest.fixture
def trickling_server() -> Iterator[str]:
    """A loopback HTTP server that answers 200 and sends its body one byte at a time."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"content-length: %d\r\n\r\n" % BODY_BYTES
                )
                for _ in range(BODY_BYTES):
                    if stop.is_set():
                        return
                    try:
                        conn.sendall(b" ")
                    except OSError:
                        break  # the client gave up: what we want
                    time.sleep(TRICKLE_EVERY)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    host, port = listener.getsockname()
    yield f"http://{host}:{port}/v1/indemnites-journalieres"
    stop.set()
    listener.close()
    thread.join(timeout=5)


def test_sync_call_ends_at_its_deadline(trickling_server: str) -> None:
    with ApijClient(
        "deadline-key", base_url=trickling_server, timeouts=TIMEOUTS, retry=RetryPolicy.none()
    ) as client:
        started = time.monotonic()
        with pytest.raises(ApijTimeout):
            client.paiements("deadline-token", date_debut="2025-01-01", date_fin="2025-06-30")
        elapsed = time.monotonic() - started
    assert elapsed < TIMEOUTS.total + SLACK, f"the call lasted {elapsed:.2f} s"


def test_async_call_ends_at_its_deadline(trickling_server: str) -> None:
    async def call() -> float:
        async with AsyncApijClient(
            "deadline-key", base_url=trickling_server, timeouts=TIMEOUTS, retry=RetryPolicy.none()
        ) as client:
            started = time.monotonic()
            with pytest.raises(ApijTimeout):
                await client.paiements(
                    "deadline-token", date_debut="2025-01-01", date_fin="2025-06-30"
                )
            return time.monotonic() - started

    elapsed = asyncio.run(call())
    assert elapsed < TIMEOUTS.total + SLACK, f"the call lasted {elapsed:.2f} s"
