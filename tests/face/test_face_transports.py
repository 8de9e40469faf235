"""The face reads bodies from any httpx transport: pre-read responses and compressed ones."""

from __future__ import annotations

import gzip
from decimal import Decimal

import httpx

from apij import ApijClient
from tests.face._face_support import BASE_URL, body

KEY = "transport-test-partner-key"
BODY = body("32.87", "28.53", "2.30")


def _paiements(transport: httpx.MockTransport) -> Decimal:
    with ApijClient(KEY, base_url=BASE_URL, transport=transport) as client:
        releve = client.paiements("token-x", date_debut="2025-01-01", date_fin="2025-06-30")
    return releve.paiements[0].net


def test_a_response_the_transport_already_read() -> None:
    # httpx.Response(content=...) is read on construction: there is no stream left to stream.
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, content=BODY, headers={"content-type": "application/json"}
        )
    )
    assert _paiements(transport) == Decimal("429.35")


def test_a_gzip_encoded_body_is_decoded_once() -> None:
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200,
            stream=httpx.ByteStream(gzip.compress(BODY)),
            headers={"content-type": "application/json", "content-encoding": "gzip"},
        )
    )
    assert _paiements(transport) == Decimal("429.35")
