"""The login and consent pages, in process: escaping, CSRF, the cookie binding, no secrets."""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlencode

import pytest

from apij.double.core import Reply
from apij.double.franceconnect.provider import INTERACTION_COOKIE
from apij.double.franceconnect.setup import FranceConnectSetup
from apij.double.people import IdentitePivot, Person
from tests.double.franceconnect.conftest import FORM, authorize, redirect_params

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def start(setup: FranceConnectSetup) -> tuple[Reply, str, str, str]:
    page = authorize(setup, login_hint=None)
    assert page.status == 200
    html = page.body.decode()
    cookie = dict(page.headers)["set-cookie"]
    interaction = cookie.split(";")[0].split("=", 1)[1]
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    action = re.search(r'action="([^"]+)"', html)
    assert action is not None
    return page, interaction, match.group(1), action.group(1)


def post(
    setup: FranceConnectSetup, action: str, cookie: str | None, fields: dict[str, str]
) -> Reply:
    headers = dict(FORM)
    if cookie is not None:
        headers["cookie"] = f"{INTERACTION_COOKIE}={cookie}"
    return setup.fc.respond("POST", action, "", headers, urlencode(fields).encode())


def test_login_then_consent_then_the_code(setup: FranceConnectSetup) -> None:
    page, interaction, csrf, action = start(setup)
    assert "Choisissez" in page.body.decode()
    consent = post(setup, action, interaction, {"csrf_token": csrf, "person": "maladie"})
    html = consent.body.decode()
    assert "cnam_paiements_ij" in html
    assert "Camille Exemple" in html
    consent_action = re.search(r'action="([^"]+)"', html)
    assert consent_action is not None
    done = post(
        setup, consent_action.group(1), interaction, {"csrf_token": csrf, "decision": "accept"}
    )
    assert "code" in redirect_params(done)


def test_refusing_consent_is_access_denied(setup: FranceConnectSetup) -> None:
    _, interaction, csrf, action = start(setup)
    consent = post(setup, action, interaction, {"csrf_token": csrf, "person": "maladie"})
    consent_action = re.search(r'action="([^"]+)"', consent.body.decode())
    assert consent_action is not None
    done = post(
        setup, consent_action.group(1), interaction, {"csrf_token": csrf, "decision": "deny"}
    )
    assert redirect_params(done)["error"] == "access_denied"


@pytest.mark.parametrize(
    ("cookie", "csrf"),
    [(None, "right"), ("wrong", "right"), ("right", "wrong"), ("right", "")],
)
def test_a_form_without_its_csrf_token_or_cookie_is_refused(
    setup: FranceConnectSetup, cookie: str | None, csrf: str
) -> None:
    _, interaction, good_csrf, action = start(setup)
    real_cookie = {None: None, "wrong": "x" * 22, "right": interaction}[cookie]
    real_csrf = good_csrf if csrf == "right" else csrf
    reply = post(setup, action, real_cookie, {"csrf_token": real_csrf, "person": "maladie"})
    assert reply.status == 403
    assert "location" not in dict(reply.headers)


def test_the_pages_escape_everything_they_show(setup: FranceConnectSetup) -> None:
    setup.fc.add_person(
        Person(
            name=HOSTILE,
            token="hostile-token-0001",
            description=HOSTILE,
            identite=IdentitePivot(given_name=HOSTILE, family_name=HOSTILE),
        )
    )
    page, interaction, csrf, action = start(setup)
    html = page.body.decode()
    assert HOSTILE not in html
    assert escape(HOSTILE) in html
    assert "<script>" not in html
    consent = post(setup, action, interaction, {"csrf_token": csrf, "person": HOSTILE})
    assert consent.status == 200
    assert "<script>" not in consent.body.decode()


def test_pages_hold_no_secret_and_forbid_framing(setup: FranceConnectSetup) -> None:
    page, *_ = start(setup)
    html = page.body.decode()
    for secret in (setup.partner.client_secret, setup.cnam.provider.client_secret, "sbx-fc-"):
        assert secret not in html
    headers = dict(page.headers)
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "HttpOnly" in headers["set-cookie"]
    assert "SameSite=Lax" in headers["set-cookie"]


def test_an_error_page_reflects_nothing_unescaped(setup: FranceConnectSetup) -> None:
    reply = authorize(setup, client_id=HOSTILE)
    assert reply.status in {400, 401}
    assert "<script>" not in reply.body.decode()
