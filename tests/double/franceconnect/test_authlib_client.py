"""Authlib's own httpx OAuth 2 client (code no one here wrote) logs a person in through the
FranceConnect double, validates the ID token against the JWKS, verifies the userinfo JWT,
then calls APIJ with the access token: the whole journey, in process (respx)."""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from apij import ApijClient
from apij.double.franceconnect.doors import handle
from apij.double.franceconnect.setup import DEFAULT_REDIRECT_URI
from apij.double.mock import ApijMock
from apij.double.scenarios import SCENARIOS
from apij.errors import TokenRejected

with warnings.catch_warnings():
    # Authlib 1.9 warns that it falls back to httpx when httpx2 is absent (DESIGN.md): the
    # partner's client under test is the httpx one, as apij's own.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client


@pytest.fixture
def mock() -> Iterator[ApijMock]:
    with ApijMock.start() as started:
        yield started


def partner(mock: ApijMock) -> OAuth2Client:
    assert mock.franceconnect is not None
    sp = mock.franceconnect.partner
    return OAuth2Client(
        client_id=sp.client_id,
        client_secret=sp.client_secret,
        scope="openid identite_pivot cnam_paiements_ij",
        redirect_uri=DEFAULT_REDIRECT_URI,
        token_endpoint_auth_method="client_secret_post",
        # Authlib's default leeway (60 s) deems every 60 s FranceConnect token already expired.
        leeway=10,
    )


def journey(mock: ApijMock, name: str) -> tuple[OAuth2Client, dict[str, Any], str, dict[str, Any]]:
    client = partner(mock)
    assert mock.franceconnect is not None
    issuer = mock.franceconnect.fc.issuer
    metadata = client.request(
        "GET", f"{issuer}/.well-known/openid-configuration", withhold_token=True
    ).json()
    nonce = secrets.token_urlsafe(24)
    url, state = client.create_authorization_url(
        metadata["authorization_endpoint"], nonce=nonce, acr_values="eidas1", login_hint=name
    )
    redirect = httpx.get(url)  # the browser's part: FranceConnect answers with a redirect
    assert redirect.status_code == 302
    assert f"state={state}" in redirect.headers["location"]
    token = client.fetch_token(
        metadata["token_endpoint"], authorization_response=redirect.headers["location"]
    )
    return client, metadata, nonce, token


def validate_id_token(
    client: OAuth2Client, metadata: dict[str, Any], nonce: str, token: dict[str, Any]
) -> CodeIDToken:
    keys = KeySet.import_key_set(
        client.request("GET", metadata["jwks_uri"], withhold_token=True).json()
    )
    decoded = jwt.decode(token["id_token"], keys, algorithms=["ES256"])
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {"iss": {"values": [metadata["issuer"]]}},
        {"nonce": nonce, "client_id": client.client_id, "access_token": token["access_token"]},
    )
    claims.validate(leeway=10)
    return claims


@pytest.mark.parametrize("name", ["maladie", "paternite"])
def test_authlib_client_end_to_end(mock: ApijMock, name: str) -> None:
    client, metadata, nonce, token = journey(mock, name)
    claims = validate_id_token(client, metadata, nonce, token)
    assert claims["acr"] == "eidas1"
    userinfo = client.get(metadata["userinfo_endpoint"])
    assert userinfo.headers["content-type"] == "application/jwt"  # not JSON: .json() would fail
    keys = KeySet.import_key_set(
        client.request("GET", metadata["jwks_uri"], withhold_token=True).json()
    )
    info = jwt.decode(userinfo.content, keys, algorithms=["ES256"]).claims
    assert info["sub"] == claims["sub"]
    assert info["family_name"] == SCENARIOS[name].identite.family_name
    with ApijClient(mock.api_key, base_url=mock.base_url) as apij:
        releve = apij.paiements(
            token["access_token"], date_debut=date(2025, 1, 1), date_fin=date(2025, 6, 30)
        )
        expected = apij.paiements(
            SCENARIOS[name].token, date_debut=date(2025, 1, 1), date_fin=date(2025, 6, 30)
        )
    assert releve == expected
    assert releve.paiements


def test_clock_skew_on_iat_is_caught_by_the_client(mock: ApijMock) -> None:
    assert mock.franceconnect is not None
    mock.franceconnect.fc.iat_skew = 600  # the OP's clock runs ten minutes ahead
    client, metadata, nonce, token = journey(mock, "maladie")
    with pytest.raises(JoseError):
        validate_id_token(client, metadata, nonce, token)


def test_key_rotation_the_client_refetches_the_jwks(mock: ApijMock) -> None:
    client, metadata, nonce, token = journey(mock, "maladie")
    stale = KeySet.import_key_set(
        client.request("GET", metadata["jwks_uri"], withhold_token=True).json()
    )
    assert mock.franceconnect is not None
    mock.franceconnect.fc.rotate_keys(retire_previous=True)
    client, metadata, nonce, token = journey(mock, "maladie")
    with pytest.raises(JoseError):
        jwt.decode(token["id_token"], stale, algorithms=["ES256"])
    assert validate_id_token(client, metadata, nonce, token)["aud"] == client.client_id


def test_jwks_unreachable(mock: ApijMock) -> None:
    client, metadata, nonce, token = journey(mock, "maladie")
    assert mock.franceconnect is not None
    fc = mock.franceconnect.fc

    def no_jwks(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/jwks"):
            raise httpx.ConnectError("JWKS down", request=request)
        return handle(fc, request)

    mock.router.routes["franceconnect-double"].side_effect = no_jwks
    with pytest.raises(httpx.ConnectError):
        validate_id_token(client, metadata, nonce, token)


def test_access_token_expired_mid_journey(mock: ApijMock) -> None:
    _, _, _, token = journey(mock, "maladie")
    with ApijClient(mock.api_key, base_url=mock.base_url) as apij:
        apij.paiements(
            token["access_token"], date_debut=date(2025, 1, 1), date_fin=date(2025, 1, 31)
        )
        later = datetime.now(UTC).timestamp() + 61
        mock.double.now = lambda: datetime.fromtimestamp(later, UTC)
        with pytest.raises(TokenRejected) as caught:
            apij.paiements(
                token["access_token"], date_debut=date(2025, 1, 1), date_fin=date(2025, 1, 31)
            )
    assert caught.value.code == "jeton_expire"
    assert token["access_token"] not in repr(caught.value)
