"""The sandbox over loopback HTTP: `apij sandbox --port 0 --ready-file FILE` serves both
doubles; a partner logs in through FranceConnect there and calls APIJ with the token."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from apij import ApijClient
from apij.double.sandbox import ready_document, running, wired, write_ready_file


@pytest.fixture
def ready(tmp_path: Path) -> Iterator[dict[str, Any]]:
    ready_file = tmp_path / "ready.json"
    command = [
        sys.executable,
        "-m",
        "apij",
        "sandbox",
        "--port",
        "0",
        "--ready-file",
        str(ready_file),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60  # a start-up bound, not a timing assertion
        while not ready_file.exists():
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the sandbox never wrote its ready file"
            time.sleep(0.05)
        yield json.loads(ready_file.read_text())
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()


def login(fc: dict[str, Any], name: str, redirect_uri: str) -> str:
    with httpx.Client() as http:
        metadata = http.get(f"{fc['issuer']}/.well-known/openid-configuration").json()
        answer = http.get(
            metadata["authorization_endpoint"],
            params={
                "response_type": "code",
                "client_id": fc["client_id"],
                "redirect_uri": redirect_uri,
                "scope": "openid identite_pivot cnam_paiements_ij",
                "acr_values": "eidas1",
                "state": secrets.token_urlsafe(16),
                "nonce": secrets.token_urlsafe(24),
                "login_hint": name,
            },
        )
        assert answer.status_code == 302
        code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
        tokens = http.post(
            metadata["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": fc["client_id"],
                "client_secret": fc["client_secret"],
            },
        ).json()
    token: str = tokens["access_token"]
    return token


def test_the_ready_file_and_a_whole_journey_over_http(ready: dict[str, Any]) -> None:
    assert set(ready) == {"base_url", "api_key", "franceconnect", "people"}
    assert set(ready["franceconnect"]) == {"issuer", "client_id", "client_secret"}
    assert ready["franceconnect"]["issuer"].endswith("/api/v2")
    names = {person["name"] for person in ready["people"]}
    assert {"maladie", "assure_inconnu"} <= names
    # Any loopback port is a registered redirect URI (RFC 8252 §7.3).
    token = login(ready["franceconnect"], "maladie", "http://127.0.0.1:49152/callback")
    committed = next(p["token"] for p in ready["people"] if p["name"] == "maladie")
    window = {"date_debut": date(2025, 1, 1), "date_fin": date(2025, 6, 30)}
    with ApijClient(ready["api_key"], base_url=ready["base_url"], allow_insecure_http=True) as c:
        assert c.paiements(token, **window) == c.paiements(committed, **window)


def test_running_in_a_thread_serves_franceconnect_too() -> None:
    with running() as base_url:
        root = base_url.split("/test/")[0]
        document = httpx.get(f"{root}/api/v2/.well-known/openid-configuration").json()
        assert document["issuer"] == f"{root}/api/v2"
        assert httpx.get(f"{root}/api/v2/jwks").json()["keys"]


def test_redirect_uris_given_are_registered_others_are_not() -> None:
    _, setup = wired("127.0.0.1", 8000, ["https://partenaire.example/callback"])
    assert setup.partner.check_redirect_uri("https://partenaire.example/callback")
    assert setup.partner.check_redirect_uri("http://[::1]:1234/cb")
    assert not setup.partner.check_redirect_uri("https://partenaire.example/other")
    assert not setup.partner.check_redirect_uri("http://127.0.0.1.evil.example/cb")


def test_the_ready_file_is_for_its_owner_only(tmp_path: Path) -> None:
    double, setup = wired("127.0.0.1", 8000)
    target = tmp_path / "ready.json"
    write_ready_file(target, ready_document(double, setup, "http://127.0.0.1:8000/x"))
    assert target.stat().st_mode & 0o077 == 0
    assert json.loads(target.read_text())["franceconnect"]["client_secret"]
