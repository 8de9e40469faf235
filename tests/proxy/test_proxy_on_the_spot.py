"""Violations told on the spot, if asked: `annotate` (a header) and `enforce` (a 502), each
against every fault of the double over HTTP; neither changes anything when off."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apij.double import FAULT_HEADER, SANDBOX_API_KEY, SCENARIOS
from apij.double.faults import Fault
from apij.double.sandbox import running as sandbox
from apij.proxy import PROBLEM_TYPE, VIOLATIONS_HEADER
from apij.proxy import running as proxy

WINDOW = {"dateDebut": "2025-01-01", "dateFin": "2025-06-30"}
TOKEN = SCENARIOS["maladie"].token
# The double's faults as the test asks for them: the silent one stays silent past the proxy's
# read timeout (no wait of 30 s).
FAULTS = {fault: fault.value for fault in Fault} | {Fault.READ_TIMEOUT: "read_timeout;delay=5"}
# The faults whose answer breaks the contract (what `enforce` replaces by a 502).
BREAKING = {
    Fault.GATEWAY_TIMEOUT,  # a status the contract does not document
    Fault.MALFORMED_JSON,
    Fault.WRONG_CONTENT_TYPE,
    Fault.SCHEMA_VIOLATION,
}


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with sandbox() as base_url:
        yield base_url


def records(report: io.StringIO, count: int = 1) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while len(report.getvalue().splitlines()) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return [json.loads(line) for line in report.getvalue().splitlines()]


def call(base_url: str, fault: str | None, **headers: str) -> httpx.Response:
    sent = {"X-API-Key": SANDBOX_API_KEY, "Authorization": f"Bearer {TOKEN}", **headers}
    if fault is not None:
        sent[FAULT_HEADER] = fault
    try:
        return httpx.get(f"{base_url}/me/paiements", params=WINDOW, headers=sent, timeout=30)
    except httpx.RemoteProtocolError:
        # truncated_body: the client gets the cut, as straight from the upstream.
        return httpx.Response(0)


def expected_header(record: dict[str, Any]) -> str:
    rules = " ".join(dict.fromkeys(f"{v['where']}:{v['rule']}" for v in record["violations"]))
    return f'count={len(record["violations"])}; rules="{rules}"'


@pytest.mark.parametrize("fault", list(Fault), ids=str)
def test_annotate_names_the_count_and_rules_of_every_fault(upstream: str, fault: Fault) -> None:
    report = io.StringIO()
    with proxy(upstream, report, annotate=True, read_timeout=1.0) as base_url:
        if fault is Fault.TRUNCATED_BODY:
            sent = {"X-API-Key": SANDBOX_API_KEY, "Authorization": f"Bearer {TOKEN}"}
            sent[FAULT_HEADER] = fault.value
            with httpx.stream(
                "GET", f"{base_url}/me/paiements", params=WINDOW, headers=sent
            ) as response:
                headers = response.headers
                with pytest.raises(httpx.RemoteProtocolError):
                    response.read()
        else:
            headers = call(base_url, FAULTS[fault]).headers
        (record,) = records(report)
    assert headers[VIOLATIONS_HEADER] == expected_header(record)
    if fault in BREAKING:
        assert record["violations"], "a breaking fault with no violation"
        assert "response:" in headers[VIOLATIONS_HEADER]
    assert "enforced" not in record


@pytest.mark.parametrize("fault", list(Fault), ids=str)
def test_enforce_answers_a_breaking_answer_with_a_502_and_relays_the_rest(
    upstream: str, fault: Fault
) -> None:
    report = io.StringIO()
    with proxy(upstream, report, enforce=True, read_timeout=1.0) as base_url:
        response = call(base_url, FAULTS[fault])
        (record,) = records(report)
    breaking = [v for v in record["violations"] if v["where"] == "response"]
    assert bool(breaking) == (fault in BREAKING)
    if fault in BREAKING:
        assert response.status_code == 502
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem == {
            "type": PROBLEM_TYPE,
            "title": "The upstream answer breaks the API contract",
            "status": 502,
            "upstream_status": record["status"],
            "violations": breaking,
        }
        assert record["enforced"] is True
    else:
        assert "enforced" not in record
        if response.status_code:  # not cut (truncated_body)
            assert response.status_code == record["status"]
        assert VIOLATIONS_HEADER not in response.headers


@pytest.mark.parametrize("fault", sorted(BREAKING - {Fault.GATEWAY_TIMEOUT}), ids=str)
def test_annotate_relays_the_body_unchanged(upstream: str, fault: Fault) -> None:
    report = io.StringIO()
    direct = call(upstream, fault.value)
    with proxy(upstream, report, annotate=True) as base_url:
        relayed = call(base_url, fault.value)
    assert (relayed.status_code, relayed.content) == (direct.status_code, direct.content)
    assert relayed.headers["content-type"] == direct.headers["content-type"]


def test_off_by_default_a_breaking_answer_is_relayed_with_no_header(upstream: str) -> None:
    report = io.StringIO()
    direct = call(upstream, Fault.SCHEMA_VIOLATION.value)
    with proxy(upstream, report) as base_url:
        relayed = call(base_url, Fault.SCHEMA_VIOLATION.value)
        (record,) = records(report)
    assert record["violations"]
    assert (relayed.status_code, relayed.content) == (direct.status_code, direct.content)
    assert VIOLATIONS_HEADER not in relayed.headers
    assert "enforced" not in record


def test_a_request_violation_is_annotated_but_never_enforced(upstream: str) -> None:
    # No API key: the request breaks the contract; the upstream's 401 is documented.
    report = io.StringIO()
    with proxy(upstream, report, annotate=True, enforce=True) as base_url:
        response = httpx.get(
            f"{base_url}/me/paiements", params=WINDOW, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        unknown = httpx.get(f"{base_url}/me/autre")
    assert response.status_code == 401
    assert response.headers[VIOLATIONS_HEADER] == 'count=1; rules="request:security"'
    assert unknown.headers[VIOLATIONS_HEADER] == 'count=1; rules="request:path-undocumented"'


def test_both_flags_annotate_the_502_that_replaces_a_breaking_answer(upstream: str) -> None:
    report = io.StringIO()
    with proxy(upstream, report, annotate=True, enforce=True) as base_url:
        response = call(base_url, Fault.SCHEMA_VIOLATION.value)
        (record,) = records(report)
    assert response.status_code == 502
    assert response.headers[VIOLATIONS_HEADER] == expected_header(record)
    assert record["enforced"] is True
