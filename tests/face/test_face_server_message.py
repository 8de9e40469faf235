"""A server message quoting the insured person never reaches str(), repr() or a log record."""

from __future__ import annotations

import logging

import pytest
import respx

from apij import ApijClient, ApijError, InsuredPersonNotFound, InvalidRequest
from tests.face._face_support import BASE_URL, FAST_RETRY, PATH, json_response

KEY = "MSGCANARYKEY-51c0e3"
TOKEN = "MSGCANARYTOKEN-7d2b94"
IDENTITY = "Canaryprenom Canarynom, nee le 1985-06-15"


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [(404, "assure_inconnu", InsuredPersonNotFound), (400, "requete_invalide", InvalidRequest)],
)
def test_server_message_stays_an_attribute(
    caplog: pytest.LogCaptureFixture, status: int, code: str, error: type[ApijError]
) -> None:
    message = f"Aucun assure pour {IDENTITY} (jeton {TOKEN})"
    caplog.set_level(logging.DEBUG)
    with respx.mock(base_url=BASE_URL, assert_all_mocked=True) as router:
        router.get(PATH).mock(
            return_value=json_response(status, {"code": code, "message": message})
        )
        with (
            ApijClient(KEY, base_url=BASE_URL, retry=FAST_RETRY) as client,
            pytest.raises(error) as caught,
        ):
            client.paiements(TOKEN, date_debut="2025-01-01", date_fin="2025-06-30")
    exc = caught.value
    assert exc.code == code
    # The caller may still read what the server said, credentials scrubbed.
    assert exc.detail is not None
    assert IDENTITY in exc.detail
    assert TOKEN not in exc.detail
    shown = [str(exc), repr(exc), *map(str, exc.args), *(r.getMessage() for r in caplog.records)]
    for text in shown:
        for canary in ("Canaryprenom", "Canarynom", "1985-06-15", KEY, TOKEN):
            assert canary not in text, text
