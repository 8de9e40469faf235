"""The one bounded inflater (`apij._inflate`), shared by the face's body reader and the proxy."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable

import pytest

from apij._inflate import STEP, Inflater, TooLarge, Undecodable, inflate

BODY = b'{"paiements":[' + b'{"nombre_jours":14},' * 20_000 + b"{}]}"


def _deflate(data: bytes) -> bytes:
    return zlib.compress(data)  # zlib-wrapped deflate: what servers send as `deflate`


@pytest.mark.parametrize(("coding", "compress"), [("gzip", gzip.compress), ("deflate", _deflate)])
def test_a_body_fed_in_chunks_comes_out_whole_in_bounded_pieces(
    coding: str, compress: Callable[[bytes], bytes]
) -> None:
    data = compress(BODY)
    inflater = Inflater(coding, len(BODY))
    pieces = [out for i in range(0, len(data), 1000) for out in inflater.feed(data[i : i + 1000])]
    assert b"".join(pieces) == BODY
    assert max(len(p) for p in pieces) <= STEP
    assert inflater.complete


def test_a_gzip_bomb_stops_past_the_limit_having_held_no_more_than_a_step() -> None:
    bomb = gzip.compress(b" " * (64 * 1024 * 1024))
    inflater = Inflater("gzip", 1024 * 1024)
    pieces: list[int] = []

    def drain() -> None:
        pieces.extend(len(out) for out in inflater.feed(bomb))

    with pytest.raises(TooLarge):
        drain()
    assert max(pieces) <= STEP
    assert sum(pieces) <= 1024 * 1024


def test_data_of_another_coding_is_undecodable() -> None:
    with pytest.raises(Undecodable):
        inflate(b"not gzip at all", "gzip", 4096)
    with pytest.raises(Undecodable):
        inflate(gzip.compress(BODY), "deflate", len(BODY))


def test_a_stream_cut_short_is_not_complete() -> None:
    data = gzip.compress(BODY)
    inflater = Inflater("x-gzip", len(BODY))
    assert len(b"".join(inflater.feed(data[: len(data) // 2]))) < len(BODY)
    assert not inflater.complete
