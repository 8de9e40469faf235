"""Fixtures for the FranceConnect double's tests: a time to drive, a wired double, helpers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from apij.double.core import Reply
from apij.double.franceconnect.provider import FranceConnectDouble
from apij.double.franceconnect.setup import DEFAULT_REDIRECT_URI, FranceConnectSetup, wire

FORM = {"content-type": "application/x-www-form-urlencoded"}
NONCE = "n" * 22
STATE = "etat-0123456789"


class Now:
    """The current time, as the doubles read it (`now=`), moved by the test by hand."""

    def __init__(self) -> None:
        self.current = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@pytest.fixture
def now() -> Now:
    return Now()


@pytest.fixture
def setup(now: Now) -> FranceConnectSetup:
    return wire(now=now)


@pytest.fixture
def fc(setup: FranceConnectSetup) -> FranceConnectDouble:
    return setup.fc


def authorize_params(setup: FranceConnectSetup, **overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": setup.partner.client_id,
        "redirect_uri": DEFAULT_REDIRECT_URI,
        "scope": "openid identite_pivot cnam_paiements_ij",
        "acr_values": "eidas1",
        "state": STATE,
        "nonce": NONCE,
        "login_hint": "maladie",
        **overrides,
    }
    return {k: v for k, v in params.items() if v is not None}


def authorize(setup: FranceConnectSetup, **overrides: str | None) -> Reply:
    query = urlencode(authorize_params(setup, **overrides))
    return setup.fc.respond("GET", "/api/v2/authorize", query, {})


def redirect_params(reply: Reply) -> dict[str, str]:
    assert reply.status == 302, reply
    location = dict(reply.headers)["location"]
    assert location.startswith(DEFAULT_REDIRECT_URI + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def token_request(setup: FranceConnectSetup, code: str, **overrides: str | None) -> Reply:
    form: dict[str, str | None] = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": DEFAULT_REDIRECT_URI,
        "client_id": setup.partner.client_id,
        "client_secret": setup.partner.client_secret,
        **overrides,
    }
    body = urlencode({k: v for k, v in form.items() if v is not None}).encode()
    return setup.fc.respond("POST", "/api/v2/token", "", FORM, body)


def body(reply: Reply) -> Any:
    return json.loads(reply.body)


def tokens(setup: FranceConnectSetup, **overrides: str | None) -> dict[str, Any]:
    code = redirect_params(authorize(setup, **overrides))["code"]
    reply = token_request(setup, code)
    assert reply.status == 200, reply.body
    answer: dict[str, Any] = body(reply)
    return answer


@pytest.fixture
def login() -> Callable[..., dict[str, Any]]:
    return tokens
