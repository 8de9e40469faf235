"""The FranceConnect double's core: every endpoint, every rule, every protocol error."""

from __future__ import annotations

import base64
import hashlib
import logging
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from joserfc import jwe, jwt

from apij.double.core import Reply
from apij.double.franceconnect.models import ServiceProvider
from apij.double.franceconnect.provider import FranceConnectDouble
from apij.double.franceconnect.setup import DEFAULT_REDIRECT_URI, FranceConnectSetup
from tests.double.franceconnect.conftest import (
    FORM,
    NONCE,
    STATE,
    Now,
    authorize,
    body,
    redirect_params,
    token_request,
    tokens,
)


def verify(setup: FranceConnectSetup, compact: str | bytes) -> dict[str, object]:
    key_set = setup.fc.verification_keys()
    return dict(jwt.decode(compact, key_set, algorithms=["ES256", "RS256"]).claims)


def test_discovery_names_every_endpoint_under_the_issuer(fc: FranceConnectDouble) -> None:
    reply = fc.respond("GET", "/api/v2/.well-known/openid-configuration", "", {})
    doc = body(reply)
    assert doc["issuer"] == "https://franceconnect-double.invalid/api/v2"
    for name, path in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("jwks_uri", "/jwks"),
        ("end_session_endpoint", "/session/end"),
    ]:
        assert doc[name] == doc["issuer"] + path
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_post"]
    assert doc["subject_types_supported"] == ["pairwise"]
    assert doc["acr_values_supported"] == ["eidas1"]


def test_a_login_gives_FranceConnect_tokens(setup: FranceConnectSetup, now: Now) -> None:
    answer = tokens(setup)
    assert set(answer) == {"access_token", "token_type", "expires_in", "id_token"}
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 60
    header = jwt.decode(answer["id_token"], setup.fc.verification_keys()).header
    assert header["alg"] == "ES256"
    assert header["kid"]
    claims = verify(setup, answer["id_token"])
    assert claims["iss"] == setup.fc.issuer
    assert claims["aud"] == setup.partner.client_id
    assert claims["nonce"] == NONCE
    assert claims["acr"] == "eidas1"
    assert claims["iat"] == claims["auth_time"] == int(now.current.timestamp())
    assert claims["exp"] == claims["iat"] + 60
    digest = hashlib.sha256(answer["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert "amr" not in claims
    assert str(claims["sub"]).endswith("v1")


def test_amr_when_asked_through_claims(setup: FranceConnectSetup) -> None:
    answer = tokens(setup, claims='{"id_token": {"amr": {"essential": true}}}')
    assert verify(setup, answer["id_token"])["amr"] == ["fc", "pwd"]


def test_rs256_for_a_client_registered_so(setup: FranceConnectSetup) -> None:
    setup.fc.register(
        ServiceProvider(
            "rsa-client",
            "secret-rsa",
            (DEFAULT_REDIRECT_URI,),
            id_token_signed_response_alg="RS256",
        )
    )
    code = redirect_params(authorize(setup, client_id="rsa-client"))["code"]
    reply = token_request(setup, code, client_id="rsa-client", client_secret="secret-rsa")
    id_token = body(reply)["id_token"]
    assert jwt.decode(id_token, setup.fc.verification_keys()).header["alg"] == "RS256"


def test_subjects_are_pairwise(setup: FranceConnectSetup) -> None:
    setup.fc.register(ServiceProvider("other-client", "s2", (DEFAULT_REDIRECT_URI,)))
    first = verify(setup, tokens(setup)["id_token"])["sub"]
    code = redirect_params(authorize(setup, client_id="other-client"))["code"]
    second = body(token_request(setup, code, client_id="other-client", client_secret="s2"))
    assert verify(setup, second["id_token"])["sub"] != first


@pytest.mark.parametrize(
    ("overrides", "error", "description"),
    [
        ({"scope": "identite_pivot"}, "invalid_scope", "openid"),
        ({"nonce": None}, "invalid_request", "nonce"),
        ({"nonce": "n" * 21}, "invalid_request", "22"),
        ({"acr_values": None}, "invalid_request", "acr_values"),
        ({"acr_values": "eidas2"}, "invalid_request", "eidas1"),
        ({"scope": "openid inconnu"}, "invalid_scope", ""),
        ({"response_type": "token"}, "unsupported_response_type", "code"),
        # Authlib would put these in its description, then refuse them there (a 500).
        ({"response_type": "é"}, "unsupported_response_type", "code"),
        ({"response_type": '"'}, "unsupported_response_type", "code"),
        ({"login_hint": "personne"}, "invalid_request", "login_hint"),
        ({"claims": "{not json"}, "invalid_request", "claims"),
        ({"prompt": "none", "login_hint": None}, "login_required", ""),
    ],
)
def test_authorize_errors_go_back_to_the_client(
    setup: FranceConnectSetup, overrides: dict[str, str | None], error: str, description: str
) -> None:
    params = redirect_params(authorize(setup, **overrides))
    assert params["error"] == error
    assert description in params.get("error_description", "")
    assert params["state"] == STATE
    assert "code" not in params


def test_missing_state_is_refused(setup: FranceConnectSetup) -> None:
    params = redirect_params(authorize(setup, state=None))
    assert params["error"] == "invalid_request"
    assert "state" in params["error_description"]
    assert "code" not in params


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "inconnu"},
        {"client_id": None},
        {"redirect_uri": "https://attacker.example/cb"},
        {"redirect_uri": None},
        {"redirect_uri": DEFAULT_REDIRECT_URI + "/extra"},
    ],
)
def test_unknown_client_or_redirect_is_never_redirected_to(
    setup: FranceConnectSetup, overrides: dict[str, str | None]
) -> None:
    reply = authorize(setup, **overrides)
    assert reply.status in {400, 401}
    assert "location" not in dict(reply.headers)
    assert dict(reply.headers)["content-type"].startswith("text/html")


def test_any_loopback_port_is_a_registered_redirect(setup: FranceConnectSetup) -> None:
    reply = authorize(setup, redirect_uri="http://127.0.0.1:54321/callback")
    assert dict(reply.headers)["location"].startswith("http://127.0.0.1:54321/callback?code=")


def test_a_code_is_single_use_and_its_replay_revokes_the_token(setup: FranceConnectSetup) -> None:
    code = redirect_params(authorize(setup))["code"]
    first = body(token_request(setup, code))
    replay = token_request(setup, code)
    assert replay.status == 400
    assert body(replay)["error"] == "invalid_grant"
    info = setup.fc.respond(
        "GET", "/api/v2/userinfo", "", {"authorization": f"Bearer {first['access_token']}"}
    )
    assert info.status == 401


def test_a_code_lives_30_seconds(setup: FranceConnectSetup, now: Now) -> None:
    code = redirect_params(authorize(setup))["code"]
    now.advance(30)
    reply = token_request(setup, code)
    assert reply.status == 400
    assert body(reply)["error"] == "invalid_grant"


def test_a_code_used_within_30_seconds_works(setup: FranceConnectSetup, now: Now) -> None:
    code = redirect_params(authorize(setup))["code"]
    now.advance(29)
    assert token_request(setup, code).status == 200


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_secret": "wrong"},
        {"client_secret": None},
        {"client_id": "inconnu"},
    ],
)
def test_a_wrong_client_secret_is_invalid_client(
    setup: FranceConnectSetup, overrides: dict[str, str | None]
) -> None:
    code = redirect_params(authorize(setup))["code"]
    reply = token_request(setup, code, **overrides)
    assert reply.status in {400, 401}
    assert body(reply)["error"] == "invalid_client"


def test_basic_auth_is_not_this_providers_method(setup: FranceConnectSetup) -> None:
    code = redirect_params(authorize(setup))["code"]
    credentials = base64.b64encode(
        f"{setup.partner.client_id}:{setup.partner.client_secret}".encode()
    ).decode()
    form = urlencode(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": DEFAULT_REDIRECT_URI}
    ).encode()
    reply = setup.fc.respond(
        "POST", "/api/v2/token", "", {**FORM, "authorization": f"Basic {credentials}"}, form
    )
    assert body(reply)["error"] == "invalid_client"


def test_a_different_redirect_uri_at_the_token_endpoint_is_invalid_grant(
    setup: FranceConnectSetup,
) -> None:
    code = redirect_params(authorize(setup))["code"]
    reply = token_request(setup, code, redirect_uri="http://127.0.0.1:1/other")
    assert body(reply)["error"] == "invalid_grant"


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("verifier", "status"),
    [("v" * 43, 200), ("w" * 43, 400), (None, 400)],
)
def test_pkce_when_the_client_sends_it(
    setup: FranceConnectSetup, verifier: str | None, status: int
) -> None:
    challenge = _s256("v" * 43)
    params = redirect_params(
        authorize(setup, code_challenge=challenge, code_challenge_method="S256")
    )
    reply = token_request(setup, params["code"], code_verifier=verifier)
    assert reply.status == status
    if status != 200:
        assert body(reply)["error"] in {"invalid_grant", "invalid_request"}


def test_userinfo_is_a_signed_jwt_filtered_by_scope(setup: FranceConnectSetup) -> None:
    answer = tokens(setup, scope="openid family_name")
    reply = setup.fc.respond(
        "GET", "/api/v2/userinfo", "", {"authorization": f"Bearer {answer['access_token']}"}
    )
    assert dict(reply.headers)["content-type"] == "application/jwt"
    claims = verify(setup, reply.body)
    assert set(claims) == {"sub", "family_name", "iss", "aud"}
    assert claims["family_name"] == "Exemple"
    id_sub = verify(setup, answer["id_token"])["sub"]
    assert claims["sub"] == id_sub


def test_userinfo_profile_and_birth(setup: FranceConnectSetup) -> None:
    answer = tokens(setup, scope="openid profile birth email")
    reply = setup.fc.respond(
        "GET", "/api/v2/userinfo", "", {"authorization": f"Bearer {answer['access_token']}"}
    )
    claims = verify(setup, reply.body)
    assert claims["given_name_array"] == ["Camille"]
    assert claims["birthdate"] == "1984-03-12"
    assert claims["birthplace"] == "75107"
    assert claims["email"] == "maladie@exemple.invalid"


@pytest.mark.parametrize("authorization", [None, "Bearer inconnu", "Basic eDp5", "Bearer"])
def test_userinfo_without_a_valid_token_is_401(
    fc: FranceConnectDouble, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    reply = fc.respond("GET", "/api/v2/userinfo", "", headers)
    assert reply.status == 401
    assert "www-authenticate" in dict(reply.headers)


def test_userinfo_after_60_seconds_is_401(setup: FranceConnectSetup, now: Now) -> None:
    answer = tokens(setup)
    now.advance(60)
    reply = setup.fc.respond(
        "GET", "/api/v2/userinfo", "", {"authorization": f"Bearer {answer['access_token']}"}
    )
    assert reply.status == 401


def checktoken(setup: FranceConnectSetup, token: str, secret: str | None = None) -> Reply:
    form = urlencode(
        {
            "token": token,
            "client_id": setup.cnam.provider.client_id,
            "client_secret": secret or setup.cnam.provider.client_secret,
        }
    ).encode()
    return setup.fc.respond("POST", "/api/v2/checktoken", "", FORM, form)


def open_checktoken(setup: FranceConnectSetup, content: bytes) -> dict[str, object]:
    decrypted = jwe.decrypt_compact(
        content, setup.cnam.decryption_key, algorithms=["ECDH-ES", "A256GCM"]
    )
    assert decrypted.protected["enc"] == "A256GCM"
    return verify(setup, decrypted.plaintext or b"")


def test_checktoken_is_a_jwe_around_a_jws_with_the_providers_view(
    setup: FranceConnectSetup, now: Now
) -> None:
    answer = tokens(setup)
    reply = checktoken(setup, answer["access_token"])
    assert dict(reply.headers)["content-type"] == "application/token-introspection+jwt"
    claims = open_checktoken(setup, reply.body)
    assert claims["iss"] == setup.fc.issuer
    assert claims["aud"] == setup.cnam.provider.client_id
    introspection = claims["token_introspection"]
    assert isinstance(introspection, dict)
    assert introspection["active"] is True
    assert introspection["aud"] == setup.partner.client_id
    assert introspection["scope"] == "cnam_paiements_ij"  # filtered to CNAM's scopes
    assert introspection["acr"] == "eidas1"
    assert introspection["exp"] == int(now.current.timestamp()) + 60
    assert introspection["family_name"] == "Exemple"
    assert introspection["birthdate"] == "1984-03-12"
    assert introspection["sub"] != verify(setup, answer["id_token"])["sub"]
    assert introspection["jti"]


def test_checktoken_of_an_unknown_or_expired_token_is_inactive(
    setup: FranceConnectSetup, now: Now
) -> None:
    assert open_checktoken(setup, checktoken(setup, "inconnu").body)["token_introspection"] == {
        "active": False
    }
    answer = tokens(setup)
    now.advance(60)
    claims = open_checktoken(setup, checktoken(setup, answer["access_token"]).body)
    assert claims["token_introspection"] == {"active": False}


def test_checktoken_with_bad_credentials_is_an_oauth_error(setup: FranceConnectSetup) -> None:
    reply = checktoken(setup, "whatever", secret="wrong")
    assert reply.status in {400, 401}
    assert body(reply)["error"] == "invalid_client"
    assert dict(reply.headers)["content-type"] == "application/json"


def test_a_service_provider_cannot_call_checktoken(setup: FranceConnectSetup) -> None:
    form = urlencode(
        {
            "token": tokens(setup)["access_token"],
            "client_id": setup.partner.client_id,
            "client_secret": setup.partner.client_secret,
        }
    ).encode()
    reply = setup.fc.respond("POST", "/api/v2/checktoken", "", FORM, form)
    assert reply.status in {400, 401}


def test_key_rotation_keeps_old_tokens_verifiable_until_retired(setup: FranceConnectSetup) -> None:
    before = tokens(setup)["id_token"]
    old_kid = jwt.decode(before, setup.fc.verification_keys()).header["kid"]
    setup.fc.rotate_keys()
    after = tokens(setup)["id_token"]
    new_kid = jwt.decode(after, setup.fc.verification_keys()).header["kid"]
    assert new_kid != old_kid
    assert verify(setup, before)["aud"] == verify(setup, after)["aud"]
    setup.fc.rotate_keys(retire_previous=True)
    kids = {key["kid"] for key in setup.fc.jwks()["keys"]}
    assert old_kid not in kids


def test_session_end_redirects_back_with_state_and_revokes(setup: FranceConnectSetup) -> None:
    answer = tokens(setup)
    query = urlencode(
        {
            "id_token_hint": answer["id_token"],
            "post_logout_redirect_uri": DEFAULT_REDIRECT_URI,
            "state": "au-revoir",
        }
    )
    reply = setup.fc.respond("GET", "/api/v2/session/end", query, {})
    location = dict(reply.headers)["location"]
    assert parse_qs(urlsplit(location).query)["state"] == ["au-revoir"]
    info = setup.fc.respond(
        "GET", "/api/v2/userinfo", "", {"authorization": f"Bearer {answer['access_token']}"}
    )
    assert info.status == 401


def test_session_end_never_redirects_to_an_unregistered_uri(setup: FranceConnectSetup) -> None:
    answer = tokens(setup)
    query = urlencode(
        {"id_token_hint": answer["id_token"], "post_logout_redirect_uri": "https://evil.example/"}
    )
    reply = setup.fc.respond("GET", "/api/v2/session/end", query, {})
    assert "location" not in dict(reply.headers)


@pytest.mark.parametrize(
    ("method", "path", "query", "form"),
    [
        ("GET", "/api/v2/token", "", b""),
        ("POST", "/api/v2/token", "", b"grant_type=password&username=x"),
        ("POST", "/api/v2/token", "", b"\xff\xfe"),
        ("POST", "/api/v2/token", "", b"code=%ZZ"),
        ("GET", "/api/v2/authorize", "%ff%fe=%ff", b""),
        ("GET", "/api/v2/authorize", "client_id=a&client_id=b", b""),
        ("GET", "/api/v2/nothing", "", b""),
        ("GET", "/elsewhere", "", b""),
        ("POST", "/api/v2/checktoken", "", b""),
        ("POST", "/api/v2/interaction/x/login", "", b""),
        ("DELETE", "/api/v2/jwks", "", b""),
    ],
)
def test_malformed_requests_get_a_protocol_error_never_a_500(
    fc: FranceConnectDouble, method: str, path: str, query: str, form: bytes
) -> None:
    reply = fc.respond(method, path, query, FORM, form)
    assert 400 <= reply.status < 500, reply
    assert b"Traceback" not in reply.body


def test_no_token_or_secret_reaches_the_logs(
    setup: FranceConnectSetup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = tokens(setup)
    checktoken(setup, answer["access_token"])
    logged = caplog.text
    for secret in (
        answer["access_token"],
        answer["id_token"],
        setup.partner.client_secret,
        setup.cnam.provider.client_secret,
    ):
        assert secret not in logged
    assert setup.partner.client_secret not in repr(setup)
