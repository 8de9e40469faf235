"""Fixtures for the double's tests: a fresh double, and a spec check built straight from SPEC."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import jsonschema_rs
import pytest
from apij_client.spec import SPEC

from apij.double import SANDBOX_API_KEY, SCENARIOS, CnamDouble

WINDOW = {"dateDebut": "2025-01-01", "dateFin": "2025-06-30"}
ResponseCheck = Callable[[httpx.Response], None]


def _deref(node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def check_against_spec(response: httpx.Response) -> None:
    """Fail unless the response is one the spec documents for GET /me/paiements."""
    operation = SPEC["paths"]["/me/paiements"]["get"]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"status {response.status_code} is not documented"
    documented = _deref(documented)
    for name, header in documented.get("headers", {}).items():
        header = _deref(header)
        if header.get("required"):
            assert name in response.headers, f"required header {name} missing"
        if name in response.headers:
            value: Any = response.headers[name]
            if header["schema"].get("type") == "integer":
                value = int(value)
            schema = {**header["schema"], "components": SPEC["components"]}
            assert jsonschema_rs.Draft4Validator(schema).is_valid(value)
    (media_type, media), *_ = documented["content"].items()
    assert response.headers["content-type"].split(";")[0] == media_type
    schema = {**media["schema"], "components": SPEC["components"]}
    validator = jsonschema_rs.Draft4Validator(schema, validate_formats=True)
    errors = [e.message for e in validator.iter_errors(json.loads(response.content))]
    assert not errors, errors


@pytest.fixture
def double() -> CnamDouble:
    return CnamDouble()


@pytest.fixture
def spec_check() -> ResponseCheck:
    return check_against_spec


def _auth(scenario: str, api_key: str = SANDBOX_API_KEY) -> dict[str, str]:
    return {"X-API-Key": api_key, "Authorization": f"Bearer {SCENARIOS[scenario].token}"}


@pytest.fixture
def auth() -> Callable[..., dict[str, str]]:
    """Headers for a committed scenario: ``auth("maladie")``."""
    return _auth


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
