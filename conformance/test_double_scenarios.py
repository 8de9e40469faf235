"""Every committed scenario and every HTTP fault of the double answers as the contract says.

schemathesis drives one credential pair; the double's registry also holds expired tokens, missing
scopes, unknown people and injected faults (429, 5xx). Each is requested once, the way the
contract's security schemes say, and the answer is judged by schemathesis's response checks.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apij.double import FAULT_HEADER, SANDBOX_API_KEY, SCENARIOS, CnamDouble, Fault, respx_router
from conformance._schemathesis import effective_schema, suite_config
from conformance._support import credentials_headers, paiements, query_parameters, server

SCHEMA = effective_schema(suite_config())
PAIEMENTS = paiements()
# Faults that still produce an HTTP answer the contract must describe (the others are transport
# failures or deliberate contract breaches, which the face's tests cover).
HTTP_FAULTS = (Fault.RATE_LIMITED, Fault.UNAVAILABLE, Fault.SERVER_ERROR, Fault.BAD_GATEWAY)
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
WINDOW = ("2025-01-01", "2025-12-31")


class Walk:
    """The statuses the walk reached, and how many of its requests were made."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.seen: set[int] = set()
        self.requests = 0


@pytest.fixture(scope="module")
def walk() -> Iterator[Walk]:
    """The double behind respx. On teardown, once every scenario and fault was asked: proof the
    walk reached what one credential pair cannot (success, token, scope, identity, faults)."""
    with respx_router(CnamDouble(), server()), httpx.Client(base_url=server()) as client:
        done = Walk(client)
        yield done
    if done.requests == len(SCENARIOS) + len(HTTP_FAULTS):
        assert {200, 401, 403, 404, 429, 500, 502, 503} <= done.seen, sorted(done.seen)


def _query() -> dict[str, str]:
    """The query as the contract names it: the 2025 window in the date parameters (required or
    not), a documented example or enum value in any other required one."""
    query: dict[str, str] = {}
    dates = iter(WINDOW)
    for parameter in query_parameters(PAIEMENTS):
        schema = parameter.schema
        if schema.get("format") == "date":
            day = next(dates, None)
            if day is not None:
                query[parameter.name] = day
        elif parameter.required and (parameter.examples or "enum" in schema):
            value = parameter.examples[0] if parameter.examples else schema["enum"][0]
            query[parameter.name] = str(value)
    return query


def _ask(walk: Walk, token: str, extra: dict[str, str]) -> None:
    """Request the 2025 window as `token`, and judge the answer against the contract."""
    query = _query()
    headers = {**credentials_headers(SANDBOX_API_KEY, token), **extra}
    operation = SCHEMA[PAIEMENTS.path][PAIEMENTS.method]
    case = operation.Case(query=query, headers=headers)
    response = walk.http.request(PAIEMENTS.method, PAIEMENTS.path, params=query, headers=headers)
    walk.requests += 1
    walk.seen.add(response.status_code)
    case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_answers_within_the_contract(walk: Walk, name: str) -> None:
    _ask(walk, SCENARIOS[name].token, {})


@pytest.mark.parametrize("fault", HTTP_FAULTS, ids=lambda f: f.value)
def test_every_http_fault_answers_within_the_contract(walk: Walk, fault: Fault) -> None:
    (token, *_) = SCENARIOS
    _ask(walk, SCENARIOS[token].token, {FAULT_HEADER: fault.value})
