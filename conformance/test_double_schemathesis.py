"""schemathesis over the vendored spec against the respx double: positive, negative, every check.

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
from _schemathesis import (
    CaseStats,
    positive_window_reaches_200,
    suite_config,
    vendored_schema,
)
from _support import load_spec

from apij.double import CnamDouble

SERVER = str(load_spec()["servers"][0]["url"])
SCHEMA = vendored_schema(suite_config(disable=("ignored_auth",)))
STATS = CaseStats()


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    double = CnamDouble()
    with double.router(SERVER), httpx.Client() as client:
        yield client


@SCHEMA.parametrize()
def test_double_conforms_to_the_spec(case: schemathesis.Case[Any], http: httpx.Client) -> None:
    kwargs = case.as_transport_kwargs(base_url=SERVER)
    # httpx deprecates per-request cookies; the contract declares none, so none may be generated.
    assert not kwargs.pop("cookies", None), "the contract declares no cookie parameters"
    response = http.request(**kwargs)
    STATS.record(case, response.status_code)
    case.validate_response(response, additional_checks=[positive_window_reaches_200])


def test_generation_reached_the_success_and_error_paths(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs after the schemathesis test (file order): the budget was spent on both paths."""
    report = STATS.write("schemathesis-respx")
    with capsys.disabled():
        print(f"\n{report}")
    assert 200 in STATS.statuses("positive"), "no positive case reached 200: auth config broken?"
    assert STATS.statuses("negative") & {400, 401}, "no negative case was rejected"
