"""Faults on demand: per call (header), queued per token or globally, and scenario flags."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import jsonschema_rs
import pytest

from apij._contract import OPERATION_ID
from apij.clock import SYSTEM_CLOCK, Clock, ManualClock
from apij.double import FAULT_HEADER, SANDBOX_API_KEY, SANDBOX_BASE_URL, CnamDouble, Fault
from apij.double.faults import FaultSpec, parse_fault_header
from apij.double.httpx_door import ahandle, handle
from apij.openapi import effective

URL = f"{SANDBOX_BASE_URL}/me/paiements"
WINDOW = {"dateDebut": "2025-01-01", "dateFin": "2025-06-30"}
Auth = Callable[..., dict[str, str]]
Check = Callable[[httpx.Response], None]


def call(
    double: CnamDouble,
    headers: dict[str, str],
    timeout: float | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> httpx.Response:
    extensions = {"timeout": {"connect": None, "read": timeout, "write": None, "pool": None}}
    response = handle(
        double,
        httpx.Request("GET", URL, params=WINDOW, headers=headers, extensions=extensions),
        clock=clock,
    )
    response.read()
    return response


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ("rate_limited", 429, "trop_de_requetes"),
        ("unavailable", 503, "service_indisponible"),
        ("server_error", 500, "erreur_interne"),
        ("bad_gateway", 502, "service_amont_indisponible"),
    ],
)
def test_status_faults_per_call(
    double: CnamDouble, auth: Auth, spec_check: Check, fault: str, status: int, code: str
) -> None:
    response = call(double, {**auth("maladie"), FAULT_HEADER: fault})
    assert (response.status_code, response.json()["code"]) == (status, code)
    spec_check(response)  # documented statuses: still valid against the spec
    if status in (429, 503):
        assert response.headers["retry-after"] == "1"


def test_gateway_timeout_is_a_status_the_contract_does_not_document(
    double: CnamDouble, auth: Auth
) -> None:
    response = call(double, {**auth("maladie"), FAULT_HEADER: "gateway_timeout"})
    assert response.status_code == 504
    assert response.json() == {"statusCode": 504, "message": "Gateway timeout"}
    assert 504 not in effective().operation("getPaiementsIJ").statuses


def test_retry_after_is_configurable(auth: Auth) -> None:
    double = CnamDouble(retry_after=5)
    assert (
        call(double, {**auth("maladie"), FAULT_HEADER: "unavailable"}).headers["retry-after"] == "5"
    )
    response = call(double, {**auth("maladie"), FAULT_HEADER: "rate_limited;retry_after=0"})
    assert response.headers["retry-after"] == "0"


def test_faults_come_before_credentials(double: CnamDouble) -> None:
    # A gateway outage does not wait to check who is calling.
    assert call(double, {FAULT_HEADER: "unavailable"}).status_code == 503


@pytest.mark.parametrize(
    ("fault", "error"), [("connect_error", httpx.ConnectError), ("read_timeout", httpx.ReadTimeout)]
)
def test_transport_faults_raise_with_the_request(
    double: CnamDouble, auth: Auth, fault: str, error: type[httpx.TransportError]
) -> None:
    request = httpx.Request(
        "GET", URL, params=WINDOW, headers={**auth("maladie"), FAULT_HEADER: fault}
    )
    clock = ManualClock()
    with pytest.raises(error) as caught:
        handle(double, request, clock=clock)
    assert caught.value.request is request
    assert clock.sleeps == []  # in process, no test waits for a hang


def test_slow_answers_normally_after_the_delay(double: CnamDouble, auth: Auth) -> None:
    started = time.monotonic()
    response = call(double, {**auth("maladie"), FAULT_HEADER: "slow;delay=0.15"})
    assert time.monotonic() - started >= 0.15
    assert response.status_code == 200
    assert len(response.json()["paiements"]) == 3


def test_slow_beyond_the_client_read_timeout_times_out(double: CnamDouble, auth: Auth) -> None:
    clock = ManualClock()
    with pytest.raises(httpx.ReadTimeout):
        call(double, {**auth("maladie"), FAULT_HEADER: "slow;delay=5"}, timeout=0.1, clock=clock)
    assert clock.sleeps == [0.1]  # the client gave up at its read timeout, not after 5 s


def test_malformed_json_keeps_status_and_content_type(double: CnamDouble, auth: Auth) -> None:
    response = call(double, {**auth("maladie"), FAULT_HEADER: "malformed_json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_wrong_content_type_is_an_html_page(double: CnamDouble, auth: Auth) -> None:
    response = call(double, {**auth("maladie"), FAULT_HEADER: "wrong_content_type"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.content.startswith(b"<!DOCTYPE html>")


def test_truncated_body_fails_mid_read_sync(double: CnamDouble, auth: Auth) -> None:
    request = httpx.Request(
        "GET", URL, params=WINDOW, headers={**auth("maladie"), FAULT_HEADER: "truncated_body"}
    )
    response = handle(double, request)
    assert response.status_code == 200
    assert int(response.headers["content-length"]) > 0
    with pytest.raises(httpx.RemoteProtocolError):
        response.read()


@pytest.mark.anyio
async def test_truncated_body_fails_mid_read_async(double: CnamDouble, auth: Auth) -> None:
    request = httpx.Request(
        "GET", URL, params=WINDOW, headers={**auth("maladie"), FAULT_HEADER: "truncated_body"}
    )
    response = await ahandle(double, request)
    with pytest.raises(httpx.RemoteProtocolError):
        await response.aread()


@pytest.mark.parametrize("scenario", ["maladie", "sans_ij", "jeton_expire"])
def test_schema_violation_breaks_the_spec(double: CnamDouble, auth: Auth, scenario: str) -> None:
    response = call(double, {**auth(scenario), FAULT_HEADER: "schema_violation"})
    documented = effective().operation(OPERATION_ID).response(response.status_code)
    assert documented is not None
    assert documented.schema is not None
    assert not jsonschema_rs.Draft202012Validator(documented.schema).is_valid(response.json())


@pytest.mark.parametrize(
    "value",
    [
        "nope",
        "slow;delay",
        "slow;delay=abc",
        "slow;speed=1",
        "slow;delay=-1",
        "rate_limited;retry_after=-2",
    ],
)
def test_a_bad_fault_header_is_a_clear_400(double: CnamDouble, auth: Auth, value: str) -> None:
    response = call(double, {**auth("maladie"), FAULT_HEADER: value})
    assert response.status_code == 400
    assert FAULT_HEADER in response.json()["message"]


def test_every_fault_has_a_header_form() -> None:
    for fault in Fault:
        assert parse_fault_header(fault.value) == FaultSpec(fault)
    assert parse_fault_header("slow; delay=0.2") == FaultSpec(Fault.SLOW, delay=0.2)


def test_injected_faults_are_fifo_per_token_then_normal(double: CnamDouble, auth: Auth) -> None:
    maladie = auth("maladie")
    double.inject_fault(Fault.UNAVAILABLE, token=maladie["Authorization"][7:], times=2)
    double.inject_fault("server_error", token=maladie["Authorization"][7:])
    # Another person's calls are untouched by maladie's queue.
    assert call(double, auth("at_mp")).status_code == 200
    statuses = [call(double, maladie).status_code for _ in range(4)]
    assert statuses == [503, 503, 500, 200]


def test_untargeted_faults_hit_whoever_calls_next(double: CnamDouble, auth: Auth) -> None:
    double.inject_fault("bad_gateway", times=1)
    assert call(double, auth("at_mp")).status_code == 502
    assert call(double, auth("maladie")).status_code == 200


def test_injected_slow_uses_its_delay(double: CnamDouble, auth: Auth) -> None:
    double.inject_fault(Fault.SLOW, delay=0.12)
    started = time.monotonic()
    assert call(double, auth("maladie")).status_code == 200
    assert time.monotonic() - started >= 0.12


def test_scenario_flags(double: CnamDouble, auth: Auth) -> None:
    assert [call(double, auth("instable")).status_code for _ in range(3)] == [503, 503, 200]
    assert [call(double, auth("limite_de_debit")).status_code for _ in range(3)] == [429] * 3
    # Each double starts its scenario faults afresh.
    assert call(CnamDouble(), auth("instable")).status_code == 503


def test_clear_faults_and_bad_times(double: CnamDouble, auth: Auth) -> None:
    double.inject_fault("server_error", times=3)
    double.clear_faults()
    assert call(double, auth("maladie")).status_code == 200
    with pytest.raises(ValueError, match="times"):
        double.inject_fault("server_error", times=0)
    assert call(double, {"X-API-Key": SANDBOX_API_KEY}).status_code == 401
