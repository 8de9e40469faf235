"""Every committed scenario and every HTTP fault of the double answers as the vendored spec says.

schemathesis drives one credential pair; the double's registry also holds expired tokens, missing
scopes, unknown people and injected faults (429, 5xx). Each is requested once, the way the
spec's security schemes say, and the answer is judged by schemathesis's response checks.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from _requests import credentials_headers
from _schemathesis import suite_config, vendored_schema
from _support import load_spec, operations
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apij.double import FAULT_HEADER, SANDBOX_API_KEY, SCENARIOS, CnamDouble, Fault

SERVER = str(load_spec()["servers"][0]["url"])
SCHEMA = vendored_schema(suite_config())
(PAIEMENTS,) = [op for op in operations() if op.operation_id == "getPaiementsIJ"]
# Faults that still produce an HTTP answer the contract must describe (the others are transport
# failures or deliberate contract breaches, which the face's tests cover).
HTTP_FAULTS = (Fault.RATE_LIMITED, Fault.UNAVAILABLE, Fault.SERVER_ERROR, Fault.BAD_GATEWAY)
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with CnamDouble().router(SERVER), httpx.Client(base_url=SERVER) as client:
        yield client


SEEN: set[int] = set()
WINDOW = ("2025-01-01", "2025-12-31")


def _query() -> dict[str, str]:
    """The required query parameters as the spec names them: the 2025 window, else examples."""
    query: dict[str, str] = {}
    dates = iter(WINDOW)
    for parameter in PAIEMENTS.parameters:
        if parameter["in"] != "query" or not parameter.get("required"):
            continue
        schema = parameter.get("schema", {})
        if schema.get("format") == "date":
            query[parameter["name"]] = next(dates)
        elif "example" in parameter or "enum" in schema:
            query[parameter["name"]] = str(parameter.get("example", schema.get("enum", [""])[0]))
    return query


def _ask(http: httpx.Client, token: str, extra: dict[str, str]) -> None:
    """Request the 2025 window as `token`, and judge the answer against the spec."""
    query = _query()
    headers = {**credentials_headers(SANDBOX_API_KEY, token), **extra}
    operation = SCHEMA[PAIEMENTS.path][PAIEMENTS.method.upper()]
    case = operation.Case(query=query, headers=headers)
    response = http.request(PAIEMENTS.method.upper(), PAIEMENTS.path, params=query, headers=headers)
    SEEN.add(response.status_code)
    case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_answers_within_the_contract(http: httpx.Client, name: str) -> None:
    _ask(http, SCENARIOS[name].token, {})


@pytest.mark.parametrize("fault", HTTP_FAULTS, ids=lambda f: f.value)
def test_every_http_fault_answers_within_the_contract(http: httpx.Client, fault: Fault) -> None:
    (token, *_) = SCENARIOS
    _ask(http, SCENARIOS[token].token, {FAULT_HEADER: fault.value})


def test_scenarios_reached_the_statuses_one_credential_cannot() -> None:
    """Runs last (file order): the walk reached success, token, scope, identity and fault paths."""
    assert {200, 401, 403, 404, 429, 500, 502, 503} <= SEEN, sorted(SEEN)
