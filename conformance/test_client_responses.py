"""The generated client parses every documented response, bodies and headers drawn from the spec."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import httpx
import hypothesis.strategies as st
import pytest
import respx
from _generation import parameter_values, python_kwargs, response_headers, valid_instances
from _support import OperationSpec, ResponseSpec, dumps, load_spec, operations, property_settings
from apij_client.client import Client
from hypothesis import given, note
from openapi_python_client.strings import ClassName

SERVER = str(load_spec()["servers"][0]["url"])
CASES = [
    pytest.param(op, response, id=f"{op.operation_id}-{status}")
    for op in operations()
    for status, response in op.responses.items()
]
# Per documented status; with nine statuses this is nine times the budget in cases.
BUDGET = max(5, property_settings().max_examples // 3)


def _serve(
    status: int, response: ResponseSpec, body: Any, headers: dict[str, str]
) -> httpx.Response:
    content_type = {"content-type": response.media_type} if response.media_type else {}
    content = dumps(body).encode() if response.schema is not None else b""
    return httpx.Response(status, content=content, headers={**content_type, **headers})


@functools.cache
def _strategies(
    operation: OperationSpec, status: int
) -> tuple[st.SearchStrategy[Any], st.SearchStrategy[dict[str, str]], st.SearchStrategy[Any]]:
    # Built once per response: hypothesis-jsonschema's schema canonicalisation is the slow part.
    response = operation.responses[status]
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
    client: Client, operation: OperationSpec, response: ResponseSpec, data: st.DataObject
) -> None:
    bodies, header_sets, parameter_sets = _strategies(operation, response.status)
    body = data.draw(bodies, "body")
    headers = data.draw(header_sets, "headers")
    wire = data.draw(parameter_sets, "parameters")
    note(f"served: {response.status} {headers} {dumps(body)}")
    with respx.mock(base_url=SERVER, assert_all_mocked=True) as router:
        router.route(method=operation.method.upper()).mock(
            return_value=_serve(response.status, response, body, headers)
        )
        result = operation.module.sync_detailed(client=client, **python_kwargs(operation, wire))

    assert int(result.status_code) == response.status
    if response.schema is not None:
        parsed = result.parsed
        assert parsed is not None, f"status {response.status} parsed to nothing"
        if response.schema_name:
            assert type(parsed).__name__ == ClassName(response.schema_name, ""), (
                f"status {response.status} should parse into model {response.schema_name}, "
                f"got {type(parsed).__name__}"
            )
        assert parsed.to_dict() == body, "the model does not round-trip the served body"
    for name in response.headers:
        assert result.headers[name] == headers[name]


def test_every_status_of_the_contract_is_exercised() -> None:
    """Guard against a spec shape this module silently skips (no operations, no statuses)."""
    assert CASES, "no documented responses found in the contract"
    statuses = {case.values[1].status for case in CASES}  # type: ignore[union-attr]
    assert any(200 <= s < 300 for s in statuses)
