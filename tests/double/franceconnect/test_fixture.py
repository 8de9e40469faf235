"""The pytest fixture: a logged-in token in one line, and the flow's parts for a partner's
own callback handler."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from apij import ApijClient
from apij.double.mock import ApijMock


def test_a_logged_in_token_in_one_line(apij_mock: ApijMock, apij_login: Callable[..., str]) -> None:
    token = apij_login("maternite")
    with ApijClient(apij_mock.api_key, base_url=apij_mock.base_url) as client:
        releve = client.paiements(token, date_debut=date(2025, 1, 1), date_fin=date(2025, 6, 30))
    assert releve.paiements


def callback_handler(url: str, expected_state: str, fc: dict[str, str]) -> str:
    """A partner's callback, as a partner writes it: check the state, trade the code."""
    query = parse_qs(urlsplit(url).query)
    assert query["state"] == [expected_state]
    answer = httpx.post(
        f"{fc['issuer']}/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": fc["redirect_uri"],
            "client_id": fc["client_id"],
            "client_secret": fc["client_secret"],
        },
    )
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    return token


def test_the_flows_parts_for_a_callback_handler(apij_mock: ApijMock) -> None:
    login = apij_mock.log_in("maladie", fetch_tokens=False)
    assert apij_mock.franceconnect is not None
    partner = apij_mock.franceconnect.partner
    fc = {
        "issuer": apij_mock.franceconnect.fc.issuer,
        "redirect_uri": login.redirect_uri,
        "client_id": partner.client_id,
        "client_secret": partner.client_secret,
    }
    token = callback_handler(login.callback_url, login.state, fc)
    response = httpx.get(
        f"{apij_mock.base_url}/me/paiements",
        params={"dateDebut": "2025-01-01", "dateFin": "2025-06-30"},
        headers={"X-API-Key": apij_mock.api_key, "Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200


def test_the_readmes_authlib_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    blocks = [textwrap.dedent(b) for b in re.findall(r"```python\n(.*?)\n\s*```", readme, re.S)]
    (example,) = [b for b in blocks if "Log in through FranceConnect, offline" in b]
    exec(compile(example, "README.md", "exec"), {})  # noqa: S102 - our own README
    assert capsys.readouterr().out == "3 lines for the person logged in\n"
