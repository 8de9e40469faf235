"""Every request the generated client and the face send, for any valid arguments, is valid."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import anyio
import httpx
import hypothesis.strategies as st
import pytest
import respx
from apij_client.client import Client
from hypothesis import given, note

from apij.openapi import Operation
from conformance._generation import parameter_values, python_kwargs
from conformance._requests import request_problems
from conformance._support import (
    credentials_headers,
    generated_module,
    operations,
    paiements,
    property_settings,
    server,
    success,
    window_parameters,
)

SERVER = server()
OPERATIONS = [pytest.param(op, id=op.operation_id or op.path) for op in operations()]
PAIEMENTS = paiements()
BUDGET = max(5, property_settings().max_examples // 2)

# Credential shapes the face accepts (RFC 6750 b64token; a visible-ASCII API key).
TOKENS = st.from_regex(r"[A-Za-z0-9\-._~+/]{1,40}=*", fullmatch=True)
API_KEYS = st.from_regex(r"[!-~]{1,40}", fullmatch=True)
WINDOWS = st.tuples(
    st.dates(datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)),
    st.integers(0, 800),
).map(lambda w: (w[0], w[0] + datetime.timedelta(days=w[1])))
# The answer does not matter here, but the face judges it: give the contract's success shape.
SUCCESS = success(PAIEMENTS)
OK = httpx.Response(
    SUCCESS.status or 200,
    content=b'{"date_debut":"2025-01-01","date_fin":"2025-01-31","paiements":[]}',
    headers={"content-type": next(iter(SUCCESS.media_types), "application/json")},
)


@pytest.fixture(scope="module")
def router() -> Iterator[respx.MockRouter]:
    # using="httpx": the async face sends through aiohttp, which httpcore patching never sees.
    with respx.mock(
        base_url=SERVER, assert_all_mocked=True, assert_all_called=False, using="httpx"
    ) as mock:
        mock.route().mock(return_value=OK)
        yield mock


@pytest.mark.parametrize("operation", OPERATIONS)
@property_settings(BUDGET)
@given(data=st.data())
def test_generated_client_requests_validate(
    router: respx.MockRouter, operation: Operation, data: st.DataObject
) -> None:
    wire = data.draw(parameter_values(operation), "parameters")
    api_key, token = data.draw(API_KEYS, "api_key"), data.draw(TOKENS, "token")
    router.reset()
    # verify off: respx answers before TLS, and loading the CA store costs ~50 ms per client.
    headers = credentials_headers(api_key, token)
    with Client(base_url=SERVER, headers=headers, verify_ssl=False) as client:
        generated_module(operation).sync_detailed(client=client, **python_kwargs(operation, wire))
    (call,) = router.calls
    note(f"sent: {call.request.method} {call.request.url}")
    assert request_problems(call.request, operation) == []


@property_settings(BUDGET)
@given(window=WINDOWS, token=TOKENS, api_key=API_KEYS)
def test_face_requests_carry_both_credentials_and_validate(
    router: respx.MockRouter, window: tuple[datetime.date, datetime.date], token: str, api_key: str
) -> None:
    from apij import ApijClient

    router.reset()
    with ApijClient(api_key, base_url=SERVER, verify=False) as client:
        client.paiements(token, date_debut=window[0], date_fin=window[1])
    (call,) = router.calls
    note(f"sent: {call.request.method} {call.request.url}")
    assert request_problems(call.request, PAIEMENTS) == []
    expected = credentials_headers(api_key, token)
    assert {name: call.request.headers.get(name) for name in expected} == expected


def test_async_face_requests_validate(router: respx.MockRouter) -> None:
    from apij import AsyncApijClient

    async def call() -> None:
        async with AsyncApijClient("partner-key", base_url=SERVER, verify=False) as client:
            await client.paiements("user.token", date_debut="2025-01-01", date_fin="2025-03-31")

    router.reset()
    anyio.run(call)
    (sent,) = router.calls
    assert request_problems(sent.request, PAIEMENTS) == []
    names = window_parameters(PAIEMENTS)
    assert names is not None, "the contract has no date window for the face to send"
    debut, fin = names
    assert sent.request.url.params[debut] == "2025-01-01"
    assert sent.request.url.params[fin] == "2025-03-31"
