"""Drift seen in production: what the contract allows without describing it is used, and
reported once per client (a WARNING naming the JSON path, never the value, and `on_drift`)."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from apij import (
    ApijClient,
    AsyncApijClient,
    DriftEvent,
    EndpointNotFound,
    RateLimited,
    ReleveIJ,
    TokenRejected,
    UndocumentedServerError,
    UnexpectedResponse,
    _contract,
)
from apij._contract import OPERATION_ID
from apij.errors import UNDOCUMENTED_CODE
from apij.openapi import effective, read, referenced
from tests.face._face_support import BASE_URL, FAST_RETRY, KEY, body, json_response

TOKEN = "fc-drift-token-0001"
WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-06-30"}
LINE = ("32.87", "28.53", "2.30")
# The undocumented field, `champ_non_documente`, is one that no contract variant or mutation
# adds (they add `regime`): these tests hold on every copy `make mutations` runs them in.
Respond = Callable[[httpx.Request], httpx.Response]


def client(respond: Respond, events: list[DriftEvent]) -> ApijClient:
    return ApijClient(
        KEY,
        base_url=BASE_URL,
        retry=FAST_RETRY,
        transport=httpx.MockTransport(respond),
        on_drift=events.append,
    )


def drift_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("contract drift")]


@pytest.fixture(autouse=True)
def _warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="apij")


def test_unknown_fields_are_used_and_reported_once_without_their_value(
    caplog: pytest.LogCaptureFixture,
) -> None:
    content = body(*LINE, *LINE, extra=',"champ_non_documente":"general-secret-value"')
    content = content.replace(b'{"date_debut"', b'{"source":"hidden-value","date_debut"', 1)
    events: list[DriftEvent] = []
    with client(lambda _: json_response(200, content), events) as cnam:
        first = cnam.paiements(TOKEN, **WINDOW)
        second = cnam.paiements(TOKEN, **WINDOW)
    assert isinstance(first, ReleveIJ)
    assert first == second
    assert len(first.paiements) == 2
    assert sorted((e.kind, e.path, e.status) for e in events) == [
        ("unknown_field", "$.paiements[*].champ_non_documente", 200),
        ("unknown_field", "$.source", 200),
    ]
    assert {e.operation for e in events} == {"getPaiementsIJ"}
    logged = drift_lines(caplog)
    assert len(logged) == 2  # once per client, not once per call or per line
    assert any("$.paiements[*].champ_non_documente" in line for line in logged)
    text = caplog.text
    assert "general-secret-value" not in text
    assert "hidden-value" not in text


def test_each_client_reports_for_itself() -> None:
    content = body(*LINE, extra=',"champ_non_documente":"general"')
    first: list[DriftEvent] = []
    second: list[DriftEvent] = []
    for events in (first, second):
        with client(lambda _: json_response(200, content), events) as cnam:
            cnam.paiements(TOKEN, **WINDOW)
    assert len(first) == len(second) == 1


def test_an_unknown_error_code_keeps_the_typed_error() -> None:
    def respond(_: httpx.Request) -> httpx.Response:
        return json_response(
            401,
            {"code": "jeton_revoque", "message": "m"},
            **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )

    events: list[DriftEvent] = []
    with client(respond, events) as cnam, pytest.raises(TokenRejected) as caught:
        cnam.paiements(TOKEN, **WINDOW)
    assert caught.value.code == UNDOCUMENTED_CODE
    assert caught.value.detail == "code jeton_revoque: m"
    assert [(e.kind, e.path, e.status) for e in events] == [("unknown_error_code", "$.code", 401)]


@pytest.fixture
def enum_in_success_body(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The effective contract with one more described field, `nature`, an enum of one value."""
    document: dict[str, Any] = copy.deepcopy(dict(effective().document))
    item = _line_schema(document)
    item.setdefault("properties", {})["nature"] = {"type": "string", "enum": ["maladie"]}
    patched = read(document)
    monkeypatch.setattr(_contract, "effective", lambda: patched)
    _contract.face_operation.cache_clear()
    yield
    monkeypatch.undo()
    _contract.face_operation.cache_clear()


def _line_schema(document: dict[str, Any]) -> dict[str, Any]:
    """The payment line's schema in `document`, wherever the contract defines it: the raw
    object (its references followed), to edit in place."""
    operation = effective().operation(OPERATION_ID)
    raw = referenced(document, document["paths"][operation.path])[operation.method.lower()]
    success = next(str(r.status) for r in operation.responses if r.status and r.status < 300)
    response = referenced(document, raw["responses"][success])
    schema = referenced(document, next(iter(response["content"].values()))["schema"])
    lines = referenced(document, schema["properties"]["paiements"])
    line: dict[str, Any] = referenced(document, lines["items"])
    return line


@pytest.mark.usefixtures("enum_in_success_body")
def test_an_unknown_enum_value_in_a_result_is_used_and_reported() -> None:
    events: list[DriftEvent] = []
    unknown = body(*LINE, extra=',"nature":"at_mp"')
    with client(lambda _: json_response(200, unknown), events) as cnam:
        releve = cnam.paiements(TOKEN, **WINDOW)
    assert len(releve.paiements) == 1
    assert [(e.kind, e.path) for e in events] == [("unknown_enum_value", "$.paiements[*].nature")]
    # Anything else wrong still makes the body unusable.
    broken = body("32.871", "28.53", "2.30", extra=',"nature":"at_mp"')
    with (
        client(lambda _: json_response(200, broken), []) as cnam,
        pytest.raises(UnexpectedResponse),
    ):
        cnam.paiements(TOKEN, **WINDOW)


@pytest.mark.parametrize(
    ("status", "error"),
    [(504, UndocumentedServerError), (418, UnexpectedResponse), (409, UnexpectedResponse)],
)
def test_an_undocumented_status_is_typed_and_reported(status: int, error: type[Exception]) -> None:
    events: list[DriftEvent] = []
    gateway = {"statusCode": status, "message": "from the gateway"}
    with client(lambda _: json_response(status, gateway), events) as cnam, pytest.raises(error):
        cnam.paiements(TOKEN, **WINDOW)
    assert [(e.kind, e.path, e.status) for e in events] == [
        ("undocumented_status", "$.status", status)
    ]


def test_an_undocumented_but_classifiable_status_keeps_its_meaning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A contract that documents neither 404 nor 429 (CNAM's house style before the overlay).
    document: dict[str, Any] = copy.deepcopy(dict(effective().document))
    for path_item in document["paths"].values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].pop("404", None)
                operation["responses"].pop("429", None)
    monkeypatch.setattr(_contract, "effective", lambda: read(document))
    _contract.face_operation.cache_clear()
    try:
        events: list[DriftEvent] = []
        with (
            client(lambda _: json_response(404, b""), events) as cnam,
            pytest.raises(EndpointNotFound),
        ):
            cnam.paiements(TOKEN, **WINDOW)
        calls: list[int] = []

        def limited(_: httpx.Request) -> httpx.Response:
            calls.append(1)
            return json_response(429, {"code": "trop_de_requetes", "message": "m"})

        with client(limited, events) as cnam, pytest.raises(RateLimited):
            cnam.paiements(TOKEN, **WINDOW)
        assert len(calls) == FAST_RETRY.max_attempts  # still retried
    finally:
        _contract.face_operation.cache_clear()
    assert {(e.kind, e.status) for e in events} == {
        ("undocumented_status", 404),
        ("undocumented_status", 429),
    }


def test_a_broken_drift_hook_never_fails_the_call(caplog: pytest.LogCaptureFixture) -> None:
    def hook(event: DriftEvent) -> None:
        raise RuntimeError("metrics backend down")

    content = body(*LINE, extra=',"champ_non_documente":"general"')
    with ApijClient(
        KEY,
        base_url=BASE_URL,
        transport=httpx.MockTransport(lambda _: json_response(200, content)),
        on_drift=hook,
    ) as cnam:
        assert len(cnam.paiements(TOKEN, **WINDOW).paiements) == 1
    assert "on_drift hook raised" in caplog.text


@pytest.mark.anyio
async def test_the_async_client_reports_drift_too() -> None:
    events: list[DriftEvent] = []
    content = body(*LINE, extra=',"champ_non_documente":"general"')
    async with AsyncApijClient(
        KEY,
        base_url=BASE_URL,
        transport=httpx.MockTransport(lambda _: json_response(200, content)),
        on_drift=events.append,
    ) as cnam:
        await cnam.paiements(TOKEN, **WINDOW)
    assert [(e.kind, e.path) for e in events] == [
        ("unknown_field", "$.paiements[*].champ_non_documente")
    ]
