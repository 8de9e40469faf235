"""Typed errors: every documented status of the double, undocumented ones, odd error bodies."""

from __future__ import annotations

import email.utils
import pickle
import socket
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import httpx
import pytest
import respx

from apij import (
    ApijClient,
    ApijError,
    ApiKeyRejected,
    EndpointNotFound,
    InsuredPersonNotFound,
    InvalidRequest,
    RateLimited,
    RetryPolicy,
    ScopeMissing,
    ServerError,
    TokenRejected,
    Unauthorized,
    UndocumentedServerError,
    UnexpectedResponse,
    errors,
)
from apij.clock import ManualClock
from apij.double import CnamDouble, Fault, respx_router
from apij.errors import UNDOCUMENTED_CODE
from tests.face._face_support import BASE_URL, KEY, PATH, json_response, outcome_in, person

WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-06-30"}


def call(token: str = "tok", key: str = KEY) -> None:  # noqa: S107 - synthetic
    with ApijClient(key, base_url=BASE_URL, retry=RetryPolicy.none()) as client:
        client.paiements(token, **WINDOW)


def test_unknown_api_key_is_api_key_rejected(routed: CnamDouble) -> None:
    with pytest.raises(ApiKeyRejected) as caught:
        call(person(1).token, key="not-a-partner-key")
    assert (caught.value.status, caught.value.code) == (401, "cle_api_invalide")


@pytest.mark.parametrize(
    ("who", "code"),
    [
        (person(900, token_expires_at=datetime(2020, 1, 1, tzinfo=UTC)), "jeton_expire"),
        (None, "jeton_invalide"),
    ],
)
def test_refused_token_is_token_rejected(double: CnamDouble, who: object, code: str) -> None:
    token = "fc-unknown-token"
    if who is not None:
        double.add_person(who)  # type: ignore[arg-type]
        token = who.token  # type: ignore[attr-defined]
    with respx_router(double, BASE_URL), pytest.raises(TokenRejected) as caught:
        call(token)
    assert (caught.value.status, caught.value.code) == (401, code)


def test_missing_scope(double: CnamDouble) -> None:
    double.add_person(person(901, scopes=frozenset({"openid"})))
    with respx_router(double, BASE_URL), pytest.raises(ScopeMissing) as caught:
        call(person(901).token)
    assert (caught.value.status, caught.value.code) == (403, "scope_insuffisant")


def test_unknown_insured_person(double: CnamDouble) -> None:
    double.add_person(person(902, known_to_cnam=False))
    with respx_router(double, BASE_URL), pytest.raises(InsuredPersonNotFound) as caught:
        call(person(902).token)
    assert (caught.value.status, caught.value.code) == (404, "assure_inconnu")


@pytest.mark.parametrize(
    ("fault", "cls", "status", "code"),
    [
        (Fault.RATE_LIMITED, RateLimited, 429, "trop_de_requetes"),
        (Fault.UNAVAILABLE, ServerError, 503, "service_indisponible"),
        (Fault.SERVER_ERROR, ServerError, 500, "erreur_interne"),
        (Fault.BAD_GATEWAY, ServerError, 502, "service_amont_indisponible"),
    ],
)
def test_gateway_faults_are_typed(
    routed: CnamDouble, fault: Fault, cls: type[ApijError], status: int, code: str
) -> None:
    routed.inject_fault(fault, retry_after=7)
    with pytest.raises(cls) as caught:
        call(person(2).token)
    assert (caught.value.status, caught.value.code) == (status, code)
    assert not isinstance(caught.value, UnexpectedResponse)
    # Retry-After (7 s here) is read on 429 and 503 only.
    assert caught.value.retry_after == (7.0 if status in (429, 503) else None)


def test_invalid_request_from_the_gateway(mock: respx.MockRouter) -> None:
    # The face never sends an invalid window, so the 400 comes from a hand-made route.
    mock.get(PATH).mock(
        return_value=json_response(400, {"code": "requete_invalide", "message": "bad dates"})
    )
    with pytest.raises(InvalidRequest) as caught:
        call()
    assert caught.value.detail == "bad dates"


def test_retry_after_as_http_date(mock: respx.MockRouter) -> None:
    when = datetime.now(UTC) + timedelta(seconds=120)
    mock.get(PATH).mock(
        return_value=json_response(
            429,
            {"code": "trop_de_requetes", "message": "slow down"},
            **{"retry-after": email.utils.format_datetime(when, usegmt=True)},
        )
    )
    with pytest.raises(RateLimited) as caught:
        call()
    assert caught.value.retry_after is not None
    assert 100 < caught.value.retry_after <= 120


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (599, UndocumentedServerError),
        (504, UndocumentedServerError),
        (418, UnexpectedResponse),
        (302, UnexpectedResponse),
        (201, UnexpectedResponse),
    ],
)
def test_undocumented_statuses(mock: respx.MockRouter, status: int, cls: type[ApijError]) -> None:
    mock.get(PATH).mock(return_value=json_response(status, {"anything": True}))
    with pytest.raises(cls) as caught:
        call()
    assert caught.value.status == status
    assert type(caught.value) is cls


def test_undocumented_5xx_is_also_a_server_error(mock: respx.MockRouter) -> None:
    mock.get(PATH).mock(return_value=httpx.Response(599, content=b"boom"))
    with pytest.raises(ServerError):
        call()


def test_unknown_error_code_is_tolerated(mock: respx.MockRouter) -> None:
    # A future upstream may add codes: keep the status's class; the new code is the server's
    # text, so it is in `detail` only, never in str() or repr().
    mock.get(PATH).mock(
        return_value=json_response(403, {"code": "scope_revoque", "message": "Scope revoked"})
    )
    with pytest.raises(ScopeMissing) as caught:
        call()
    assert caught.value.code == UNDOCUMENTED_CODE
    assert caught.value.detail == "code scope_revoque: Scope revoked"
    assert "scope_revoque" not in str(caught.value) + repr(caught.value)


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        (b"", "application/json", None),
        (b"<html><body>404 Not Found</body></html>", "text/html", None),
        (b'{"statusCode": 404, "message": "Resource not found"}', "application/json", None),
        # Well-formed, but another code than the person being unknown.
        (b'{"code": "jeton_invalide", "message": "x"}', "application/json", "jeton_invalide"),
        (
            b'{"code": "ressource_inconnue", "message": "x"}',
            "application/json",
            UNDOCUMENTED_CODE,
        ),
    ],
    ids=["empty", "html", "gateway-json", "other-code", "new-code"],
)
def test_a_gateway_404_is_not_an_unknown_person(
    mock: respx.MockRouter, content: bytes, content_type: str, code: str | None
) -> None:
    mock.get(PATH).mock(
        return_value=httpx.Response(404, content=content, headers={"content-type": content_type})
    )
    with pytest.raises(EndpointNotFound) as caught:
        call()
    assert not isinstance(caught.value, InsuredPersonNotFound)
    assert caught.value.code == code
    assert "base_url" in str(caught.value)


def test_a_wrong_base_path_is_endpoint_not_found(routed: CnamDouble) -> None:
    # The double answers paths outside the API like the gateway: 404 in its own format.
    with (
        ApijClient(KEY, base_url=BASE_URL + "/v2", retry=RetryPolicy.none()) as client,
        pytest.raises(EndpointNotFound) as caught,
    ):
        client.paiements(person(1).token, **WINDOW)
    assert caught.value.status == 404


@pytest.mark.parametrize(
    "content",
    [b"<html>gateway</html>", b'{"statusCode": 401, "message": "Access denied"}', b"{"],
)
def test_error_body_off_contract_keeps_the_status_class(
    mock: respx.MockRouter, content: bytes
) -> None:
    mock.get(PATH).mock(return_value=json_response(401, content))
    with pytest.raises(Unauthorized) as caught:
        call()
    # Neither key nor token can be blamed from such a body: the base class, no code.
    assert type(caught.value) is Unauthorized
    assert caught.value.code is None
    assert caught.value.detail is None


def test_401_without_code_but_bearer_challenge_blames_the_token(mock: respx.MockRouter) -> None:
    mock.get(PATH).mock(
        return_value=httpx.Response(
            401, content=b"", headers={"www-authenticate": 'Bearer error="invalid_token"'}
        )
    )
    with pytest.raises(TokenRejected):
        call()


def test_errors_pickle_round_trip() -> None:
    error = RateLimited("rate limited", status=429, code="trop_de_requetes", retry_after=3.0)
    again = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert type(again) is RateLimited
    assert (again.status, again.code, again.retry_after, str(again)) == (
        429,
        "trop_de_requetes",
        3.0,
        str(error),
    )


def test_retry_after_longer_than_accepted_is_not_waited(mock: respx.MockRouter) -> None:
    route = mock.get(PATH).mock(
        return_value=json_response(
            429, {"code": "trop_de_requetes", "message": "later"}, **{"retry-after": "3600"}
        )
    )
    clock = ManualClock()
    with (
        ApijClient(KEY, base_url=BASE_URL, retry=RetryPolicy(backoff=0.001), clock=clock) as c,
        pytest.raises(RateLimited) as caught,
    ):
        c.paiements("tok", **WINDOW)
    assert caught.value.retry_after == 3600.0
    assert route.call_count == 1
    assert clock.sleeps == []


@pytest.fixture
def no_name_resolves(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every name lookup fails, as a resolver answering NXDOMAIN would (and nothing is sent)."""

    def nxdomain(*args: object, **kwargs: object) -> NoReturn:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", nxdomain)


@pytest.mark.usefixtures("no_name_resolves")
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("base_url", "error", "attempts"),
    [
        # The double's default host: a `.invalid` name never resolves (RFC 6761), so a call
        # there through the real transport is a test that forgot the double: said at once.
        (BASE_URL, "transport error: apij-double.invalid never resolves", 1),
        # Any other name may resolve again in a moment: retried.
        ("https://gateway.example.com/v1", "connection failed (ConnectError)", 3),
    ],
    ids=["invalid-name", "other-name"],
)
def test_a_host_that_never_resolves_is_named_and_not_retried(
    mode: str, base_url: str, error: str, attempts: int
) -> None:
    seen: list[object] = []
    policy = RetryPolicy(max_attempts=3, backoff=0.001, max_backoff=0.001)
    outcome = outcome_in(mode, base_url, KEY, "tok", WINDOW, retry=policy, on_attempt=seen.append)
    assert isinstance(outcome, errors.TransportError), repr(outcome)
    assert str(outcome).startswith(error)
    assert len(seen) == attempts
