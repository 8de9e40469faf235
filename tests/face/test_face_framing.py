"""`apij._framing.Framing`, the one rule both default transports ask before reusing a connection:
one user's calls only, and never after stray bytes (the transports are tested on real sockets in
`test_face_stray_bytes.py`)."""

from __future__ import annotations

import pytest

from apij._framing import Framing, credentials_digest

ALICE = credentials_digest([(b"Authorization", b"Bearer alice"), (b"X-API-Key", b"k")])
BOB = credentials_digest([(b"authorization", b"Bearer bob"), (b"x-api-key", b"k")])
OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"


def test_the_digest_is_the_credentials_only() -> None:
    same = credentials_digest(
        [(b"AUTHORIZATION", b"Bearer alice"), (b"Accept", b"*/*"), (b"X-Api-Key", b"k")]
    )
    assert same == ALICE
    assert BOB != ALICE
    assert credentials_digest([(b"Authorization", b"Bearer alice")]) != ALICE  # key missing
    assert b"alice" not in ALICE


def test_one_users_calls_reuse_a_connection() -> None:
    framing = Framing()
    for _ in range(3):
        assert framing.begin("GET", ALICE)
        framing.received(OK[:10])
        assert framing.active
        framing.received(OK[10:])
        assert not framing.active
        assert not framing.stray


def test_another_users_call_finds_it_spent() -> None:
    framing = Framing()
    assert framing.begin("GET", ALICE)
    framing.received(OK)
    assert not framing.begin("GET", BOB)
    assert framing.stray
    assert not framing.begin("GET", ALICE)  # and it stays spent


@pytest.mark.parametrize(
    "after",
    [
        b"H",  # one byte after the response, in the same read
        OK,  # a second response in the same read
        b"HTTP/1.1 204 No Content\r\n\r\n",
    ],
)
def test_bytes_after_a_response_make_it_stray(after: bytes) -> None:
    framing = Framing()
    assert framing.begin("GET", ALICE)
    framing.received(OK + after)
    assert framing.stray
    assert not framing.begin("GET", ALICE)


def test_bytes_while_idle_make_it_stray() -> None:
    framing = Framing()
    assert framing.begin("GET", ALICE)
    framing.received(OK)
    framing.received(b"HTTP/1.1 200 OK\r\n")
    assert framing.stray


def test_bytes_before_any_request_make_it_stray() -> None:
    framing = Framing()
    framing.received(b"HTTP/1.1 200 OK\r\n")
    assert not framing.begin("GET", ALICE)


def test_a_head_response_ends_at_its_head() -> None:
    framing = Framing()
    assert framing.begin("HEAD", ALICE)
    framing.received(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")
    assert not framing.active
    assert not framing.stray
    assert framing.begin("GET", ALICE)


def test_what_h11_cannot_follow_is_stray() -> None:
    framing = Framing()
    assert framing.begin("GET", ALICE)
    framing.received(b"NOT HTTP AT ALL\r\n\r\n")
    assert framing.stray


def test_a_response_cut_short_is_not_reused() -> None:
    framing = Framing()
    assert framing.begin("GET", ALICE)
    framing.received(OK[:-1])  # the transport reports the cut; the framing is mid-response
    assert framing.active
    assert not framing.begin("GET", ALICE)  # h11 cannot start a new cycle mid-response


def test_the_end_of_the_connection_is_not_stray() -> None:
    framing = Framing()
    assert framing.begin("GET", ALICE)
    framing.received(OK)
    framing.received(b"")
    assert not framing.stray
