"""Fixtures for the double's tests: a fresh double, and a contract check of its answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import jsonschema_rs
import pytest

from apij._contract import OPERATION_ID
from apij.double import SANDBOX_API_KEY, SCENARIOS, CnamDouble
from apij.openapi import effective

WINDOW = {"dateDebut": "2025-01-01", "dateFin": "2025-06-30"}
ResponseCheck = Callable[[httpx.Response], None]


def _valid(schema: dict[str, Any], value: Any) -> list[str]:
    validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    return [error.message for error in validator.iter_errors(value)]


def check_against_spec(response: httpx.Response) -> None:
    """Fail unless the response is one the contract documents for the face's operation."""
    documented = effective().operation(OPERATION_ID).response(response.status_code)
    assert documented is not None, f"status {response.status_code} is not documented"
    for header in documented.headers:
        if header.required:
            assert header.name in response.headers, f"required header {header.name} missing"
        if header.name in response.headers and header.schema is not None:
            value: Any = response.headers[header.name]
            if header.schema.get("type") == "integer":
                value = int(value)
            assert _valid(header.schema, value) == [], f"header {header.name}: {value!r}"
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type in documented.media_types, f"{media_type} not in {documented.media_types}"
    if documented.schema is not None:
        errors = _valid(documented.schema, json.loads(response.content))
        assert not errors, errors


@pytest.fixture
def double() -> CnamDouble:
    return CnamDouble()


@pytest.fixture
def spec_check() -> ResponseCheck:
    return check_against_spec


def _auth(scenario: str, api_key: str = SANDBOX_API_KEY) -> dict[str, str]:
    header = effective().api_key_header() or "X-API-Key"
    return {header: api_key, "Authorization": f"Bearer {SCENARIOS[scenario].token}"}


@pytest.fixture
def auth() -> Callable[..., dict[str, str]]:
    """Headers for a committed scenario: ``auth("maladie")``."""
    return _auth


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
