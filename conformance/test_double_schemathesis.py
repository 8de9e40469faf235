"""schemathesis over the effective contract against the respx double: positive, negative cases,
every check.

Cases are sent with one reused httpx client inside the double's respx router (schemathesis's own
`case.call()` uses requests, which respx never sees), then judged by `case.validate_response`.
`ignored_auth` is off here only because it re-sends through requests: test_double_asgi.py runs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis

from apij.double import CnamDouble, respx_router
from conformance._schemathesis import (
    CaseStats,
    effective_schema,
    positive_window_reaches_200,
    reached_both_paths,
    suite_config,
)
from conformance._support import server

SCHEMA = effective_schema(suite_config(disable=("ignored_auth",)))


@pytest.fixture(scope="module")
def stats(pytestconfig: pytest.Config) -> Iterator[CaseStats]:
    """The cases' statistics; on teardown, proof the budget was spent on both paths."""
    collected = CaseStats()
    yield collected
    reached_both_paths(collected, "schemathesis-respx", pytestconfig)


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    double = CnamDouble()
    with respx_router(double, server()), httpx.Client() as client:
        yield client


@SCHEMA.parametrize()
def test_double_conforms_to_the_spec(
    case: schemathesis.Case[Any], http: httpx.Client, stats: CaseStats
) -> None:
    kwargs = case.as_transport_kwargs(base_url=server())
    # httpx deprecates per-request cookies; the contract declares none, so none may be generated.
    assert not kwargs.pop("cookies", None), "the contract declares no cookie parameters"
    response = http.request(**kwargs)
    stats.record(case, response.status_code)
    case.validate_response(response, additional_checks=[positive_window_reaches_200])
