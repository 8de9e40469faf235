"""mozilla-django-oidc 5 (code no one here wrote) in a minimal Django app logs a person in
through the sandbox's FranceConnect double over loopback HTTP: its authenticate view, the OP,
its callback view (code exchange, ID token verified ES256 against the JWKS, userinfo as a JWT,
user creation); then apij's client calls APIJ with the access token Django stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import django
import httpx
import pytest
from django.conf import settings
from django.urls import include, path

from apij import ApijClient
from apij.double.sandbox import running_ready

CALLBACK = "http://testserver/oidc/callback/"
if not settings.configured:
    settings.configure(
        SECRET_KEY="django-test-only-key-not-a-secret-0000000000000000",
        ALLOWED_HOSTS=["testserver"],
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "mozilla_django_oidc",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        ROOT_URLCONF=__name__,
        AUTHENTICATION_BACKENDS=["mozilla_django_oidc.auth.OIDCAuthenticationBackend"],
        LOGIN_REDIRECT_URL="/bienvenue/",
        LOGIN_REDIRECT_URL_FAILURE="/echec/",
        USE_TZ=True,
    )
    django.setup()

urlpatterns = [path("oidc/", include("mozilla_django_oidc.urls"))]


@pytest.fixture(scope="module")
def ready() -> Iterator[dict[str, Any]]:
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)
    with running_ready(redirect_uris=[CALLBACK]) as document:
        yield document


def oidc_settings(ready: dict[str, Any], name: str) -> dict[str, Any]:
    fc = ready["franceconnect"]
    issuer = fc["issuer"]
    return {
        "OIDC_RP_CLIENT_ID": fc["client_id"],
        "OIDC_RP_CLIENT_SECRET": fc["client_secret"],
        "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{issuer}/authorize",
        "OIDC_OP_TOKEN_ENDPOINT": f"{issuer}/token",
        "OIDC_OP_USER_ENDPOINT": f"{issuer}/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": f"{issuer}/jwks",
        "OIDC_RP_SIGN_ALGO": "ES256",
        "OIDC_RP_SCOPES": "openid email identite_pivot cnam_paiements_ij",
        # FranceConnect's required acr_values; login_hint picks the synthetic person.
        "OIDC_AUTH_REQUEST_EXTRA_PARAMS": {"acr_values": "eidas1", "login_hint": name},
        "OIDC_STORE_ACCESS_TOKEN": True,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "oidc_authentication_callback",
    }


@pytest.mark.parametrize("name", ["maladie", "at_mp"])
def test_mozilla_django_oidc_logs_in_and_apij_answers(ready: dict[str, Any], name: str) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    with override_settings(**oidc_settings(ready, name)):
        browser = Client()
        start = browser.get("/oidc/authenticate/")
        assert start.status_code == 302
        at_fc = httpx.get(start["Location"])  # the user's browser at FranceConnect
        assert at_fc.status_code == 302
        callback = urlsplit(at_fc.headers["location"])
        assert f"{callback.scheme}://{callback.netloc}{callback.path}" == CALLBACK
        landed = browser.get(callback.path, dict(httpx.QueryParams(callback.query)))
        assert landed.status_code == 302
        assert landed["Location"] == "/bienvenue/"
        user = get_user_model().objects.get(email=f"{name}@exemple.invalid")
        assert browser.session["_auth_user_id"] == str(user.pk)
        access_token = browser.session["oidc_access_token"]
    window = {"date_debut": date(2025, 1, 1), "date_fin": date(2025, 6, 30)}
    with ApijClient(ready["api_key"], base_url=ready["base_url"], allow_insecure_http=True) as c:
        releve = c.paiements(access_token, **window)
        committed = next(p["token"] for p in ready["people"] if p["name"] == name)
        assert releve == c.paiements(committed, **window)
    assert releve.paiements


def test_a_forged_state_is_refused_by_the_callback(ready: dict[str, Any]) -> None:
    from django.test import Client, override_settings

    with override_settings(**oidc_settings(ready, "maladie")):
        browser = Client()
        start = browser.get("/oidc/authenticate/")
        at_fc = httpx.get(start["Location"].replace("state=", "state=forged"))
        callback = urlsplit(at_fc.headers["location"])
        landed = browser.get(callback.path, dict(httpx.QueryParams(callback.query)))
        assert landed.status_code in {302, 400}
        assert landed.get("Location") != "/bienvenue/"
