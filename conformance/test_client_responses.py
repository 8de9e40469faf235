"""The generated client parses every documented response, bodies and headers drawn from the
contract."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import httpx
import hypothesis.strategies as st
import pytest
import respx
from apij_client.client import Client
from hypothesis import given, note

from apij.openapi import Operation, Response
from conformance._generation import (
    parameter_values,
    python_kwargs,
    response_headers,
    valid_instances,
)
from conformance._support import dumps, generated_module, operations, property_settings, server

SERVER = server()
CASES = [
    pytest.param(op, response, id=f"{op.operation_id}-{response.status}")
    for op in operations()
    for response in op.responses
]
# Per documented status; with nine statuses this is nine times the budget in cases.
BUDGET = max(5, property_settings().max_examples // 3)


def _serve(response: Response, body: Any, headers: dict[str, str]) -> httpx.Response:
    media = response.media_types
    content_type = {"content-type": media[0]} if media else {}
    content = dumps(body).encode() if response.schema is not None else b""
    return httpx.Response(
        response.status or 200, content=content, headers={**content_type, **headers}
    )


@functools.cache
def _strategies(
    method: str, path: str, status: int
) -> tuple[st.SearchStrategy[Any], st.SearchStrategy[dict[str, str]], st.SearchStrategy[Any]]:
    # Built once per response: hypothesis-jsonschema's schema canonicalisation is the slow part.
    (operation,) = [o for o in operations() if (o.method, o.path) == (method, path)]
    response = operation.response(status)
    assert response is not None
    body = valid_instances(response.schema) if response.schema is not None else st.none()
    return body, response_headers(response), parameter_values(operation)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    # One client for every example: building an httpx client loads the CA store (~50 ms).
    with Client(base_url=SERVER, raise_on_unexpected_status=True) as shared:
        yield shared


@pytest.mark.parametrize(("operation", "response"), CASES)
@property_settings(BUDGET)
@given(data=st.data())
def test_generated_client_parses_every_documented_response(
    client: Client, operation: Operation, response: Response, data: st.DataObject
) -> None:
    status = response.status or 200
    bodies, header_sets, parameter_sets = _strategies(operation.method, operation.path, status)
    body = data.draw(bodies, "body")
    headers = data.draw(header_sets, "headers")
    wire = data.draw(parameter_sets, "parameters")
    note(f"served: {status} {headers} {dumps(body)}")
    with respx.mock(base_url=SERVER, assert_all_mocked=True) as router:
        router.route(method=operation.method).mock(return_value=_serve(response, body, headers))
        result = generated_module(operation).sync_detailed(
            client=client, **python_kwargs(operation, wire)
        )

    assert int(result.status_code) == status
    if response.schema is not None:
        parsed = result.parsed
        assert parsed is not None, f"status {status} parsed to nothing"
        # The model of the documented schema, whatever its name: it gives the body back whole.
        got = [item.to_dict() for item in parsed] if isinstance(parsed, list) else parsed.to_dict()
        assert got == body, "the model does not round-trip the served body"
    for header in response.headers:
        assert result.headers[header.name] == headers[header.name]


def test_every_status_of_the_contract_is_exercised() -> None:
    """Guard against a contract shape this module silently skips (no operations, no statuses)."""
    assert CASES, "no documented responses found in the contract"
    statuses = {case.values[1].status for case in CASES}  # type: ignore[union-attr]
    assert any(200 <= s < 300 for s in statuses if s is not None)
