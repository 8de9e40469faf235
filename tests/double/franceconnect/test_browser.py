"""The login and consent pages in a real browser: Debian's chromium, headless, driven by
Playwright (its Python package only: no browser is downloaded). The sandbox serves both
doubles on loopback; the browser chooses a person, consents, lands on the partner's loopback
callback; the code is traded and APIJ answers that person's lines.

Set APIJ_SCREENSHOT_DIR to keep screenshots of both pages (the README's come from here).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from apij import ApijClient
from apij.double.core import CnamDouble
from apij.double.people import IdentitePivot, Person
from apij.double.sandbox import running_ready

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


@pytest.fixture
def browser_page() -> Iterator[Any]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install -y chromium"
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=FLAGS
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def test_a_person_logs_in_and_consents_in_a_browser(browser_page: Any) -> None:
    page = browser_page
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:  # a script that ran: the escaping failed
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    double = CnamDouble()
    # Hostile text where the page shows people: it must stay text.
    double.add_person(
        Person(
            name="hostile",
            token="hostile-token-0001",
            description=HOSTILE,
            identite=IdentitePivot(given_name=HOSTILE, family_name="Xss"),
        )
    )
    with running_ready(double) as ready:
        base_url, fc = ready["base_url"], ready["franceconnect"]
        issuer = fc["issuer"]
        root = issuer.removesuffix("/api/v2")
        callback = f"{root}/partner/callback"  # any loopback port is registered
        state = secrets.token_urlsafe(16)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": fc["client_id"],
                "redirect_uri": callback,
                "scope": "openid identite_pivot cnam_paiements_ij",
                "acr_values": "eidas1",
                "state": state,
                "nonce": secrets.token_urlsafe(24),
            }
        )
        page.goto(f"{issuer}/authorize?{query}")
        assert "Choisissez la personne fictive" in page.content()
        assert HOSTILE in page.inner_text("body")  # shown as text, not markup
        assert page.locator("img").count() == 0
        shots = os.environ.get("APIJ_SCREENSHOT_DIR")
        if shots:
            page.screenshot(path=str(Path(shots) / "franceconnect-login.png"), full_page=True)
        page.check("input[value='maladie']")
        page.click("button[type=submit]")
        page.wait_for_selector("text=demande vos données")
        assert "cnam_paiements_ij" in page.content()
        if shots:
            page.screenshot(path=str(Path(shots) / "franceconnect-consent.png"), full_page=True)
        with page.expect_response(lambda r: r.url.startswith(callback)) as landed:
            page.click("button[value=accept]")
        params = parse_qs(urlsplit(landed.value.url).query)
        assert params["state"] == [state]
        assert dialogs == []
        # The partner's back end trades the code: it alone holds the client secret.
        secret = fc["client_secret"]
        tokens = httpx.post(
            f"{issuer}/token",
            data={
                "grant_type": "authorization_code",
                "code": params["code"][0],
                "redirect_uri": callback,
                "client_id": fc["client_id"],
                "client_secret": secret,
            },
        ).json()
        window = {"date_debut": date(2025, 1, 1), "date_fin": date(2025, 6, 30)}
        with ApijClient(ready["api_key"], base_url=base_url, allow_insecure_http=True) as client:
            releve = client.paiements(tokens["access_token"], **window)
        assert releve.paiements
        assert secret not in page.content()
