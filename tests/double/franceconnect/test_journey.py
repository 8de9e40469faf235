"""The whole journey in process: log in through the FranceConnect double, call APIJ with the
token; the CNAM double checks it through checktoken, then finds the person by pivot identity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from apij import ApijClient
from apij.double.franceconnect.doors import handle
from apij.double.mock import ApijMock
from apij.double.scenarios import SCENARIOS
from apij.errors import ApijError
from tests.double.franceconnect.conftest import Now

WINDOW = {"date_debut": date(2025, 1, 1), "date_fin": date(2025, 6, 30)}


@pytest.fixture
def now() -> Now:
    return Now()


@pytest.fixture
def mock(now: Now) -> Iterator[ApijMock]:
    with ApijMock.start(now=now) as started:
        yield started


def statement(mock: ApijMock, token: str) -> Any:
    with ApijClient(mock.api_key, base_url=mock.base_url) as client:
        return client.paiements(token, **WINDOW)


def raw(mock: ApijMock, token: str) -> httpx.Response:
    return httpx.get(
        f"{mock.base_url}/me/paiements",
        params={"dateDebut": "2025-01-01", "dateFin": "2025-06-30"},
        headers={"X-API-Key": mock.api_key, "Authorization": f"Bearer {token}"},
    )


@pytest.mark.parametrize("name", ["maladie", "at_mp", "maternite", "historique_long"])
def test_logging_in_as_a_person_gives_that_persons_lines(mock: ApijMock, name: str) -> None:
    by_login = statement(mock, mock.logged_in_token(name))
    by_scenario_token = statement(mock, SCENARIOS[name].token)
    assert by_login == by_scenario_token
    assert by_login.paiements or name == "sans_ij"


def test_the_committed_scenario_tokens_never_ask_franceconnect(mock: ApijMock) -> None:
    statement(mock, SCENARIOS["maladie"].token)
    assert mock.router.routes["franceconnect-double"].call_count == 0


def test_a_token_expires_60_seconds_in(mock: ApijMock, now: Now) -> None:
    token = mock.logged_in_token("maladie")
    assert raw(mock, token).status_code == 200
    now.advance(59)
    assert raw(mock, token).status_code == 200
    now.advance(1)
    response = raw(mock, token)
    assert response.status_code == 401
    assert response.json()["code"] == "jeton_expire"


def test_a_token_without_the_ij_scope_is_403(mock: ApijMock) -> None:
    response = raw(mock, mock.logged_in_token("maladie", scope="openid identite_pivot"))
    assert response.status_code == 403
    assert response.json()["code"] == "scope_insuffisant"


def test_an_identity_cnam_does_not_know_is_404(mock: ApijMock) -> None:
    response = raw(mock, mock.logged_in_token("assure_inconnu"))
    assert response.status_code == 404
    assert response.json()["code"] == "assure_inconnu"


def test_an_unknown_token_is_401_invalid(mock: ApijMock) -> None:
    response = raw(mock, "not-a-token-FranceConnect-issued")
    assert response.status_code == 401
    assert response.json()["code"] == "jeton_invalide"


def test_franceconnect_unreachable_is_the_documented_502(mock: ApijMock) -> None:
    token = mock.logged_in_token("maladie")
    mock.router.routes["franceconnect-double"].side_effect = httpx.ConnectError("down")
    response = raw(mock, token)
    assert response.status_code == 502
    assert response.json()["code"] == "service_amont_indisponible"


def test_jwks_unreachable_is_502_too(mock: ApijMock) -> None:
    token = mock.logged_in_token("maladie")
    assert mock.franceconnect is not None
    fc = mock.franceconnect.fc

    def no_jwks(request: httpx.Request) -> Any:
        if request.url.path.endswith("/jwks"):
            raise httpx.ConnectError("jwks down")
        return handle(fc, request)

    mock.router.routes["franceconnect-double"].side_effect = no_jwks
    assert raw(mock, token).status_code == 502


def test_key_rotation_mid_journey(mock: ApijMock) -> None:
    assert raw(mock, mock.logged_in_token("maladie")).status_code == 200
    assert mock.franceconnect is not None
    mock.franceconnect.fc.rotate_keys(retire_previous=True)
    # The checker sees a kid it does not know and fetches the JWKS again.
    assert raw(mock, mock.logged_in_token("at_mp")).status_code == 200


def test_the_client_raises_the_documented_errors(mock: ApijMock, now: Now) -> None:
    token = mock.logged_in_token("maladie")
    now.advance(61)
    with pytest.raises(ApijError) as caught:
        statement(mock, token)
    assert token not in str(caught.value)


def test_the_login_parts_for_a_callback_handler(mock: ApijMock) -> None:
    login = mock.log_in("maladie", fetch_tokens=False)
    assert login.code in login.callback_url
    assert f"state={login.state}" in login.callback_url
    assert login.access_token == ""
    assert login.code not in repr(login)
