"""The exchange judge: each kind of contract break named by its path and rule, never its value."""

from __future__ import annotations

import copy
import gzip
from typing import Any

import pytest

from apij.exchange import ExchangeJudge, Violation
from apij.openapi import Operation, effective, read
from apij.proxy import _decoded

BASE = "/test/v1/ij"
JSON = {"content-type": "application/json"}
LINE = (
    '{"date_debut":"2025-03-04","date_fin":"2025-03-17","nombre_jours":14,'
    '"montant_journalier":32.87,"csg":28.53,"crds":2.30}'
)
OK = f'{{"date_debut":"2025-01-01","date_fin":"2025-06-30","paiements":[{LINE}]}}'.encode()
AUTH = {"x-api-key": "k", "authorization": "Bearer t"}


@pytest.fixture
def judge() -> ExchangeJudge:
    return ExchangeJudge(effective(), BASE)


@pytest.fixture
def operation(judge: ExchangeJudge) -> Operation:
    found = judge.operation("GET", f"{BASE}/me/paiements")
    assert found is not None
    return found


def rules(violations: list[Violation]) -> set[tuple[str, str, str]]:
    return {(v.where, v.path, v.rule) for v in violations}


def test_a_conforming_exchange_has_no_violation(judge: ExchangeJudge, operation: Operation) -> None:
    query = {"dateDebut": ["2025-01-01"], "dateFin": ["2025-06-30"]}
    found, violations = judge.request("GET", f"{BASE}/me/paiements", query, AUTH)
    assert found == operation
    assert violations == []
    assert judge.response(operation, 200, JSON, OK) == []


def test_money_is_judged_exactly(judge: ExchangeJudge, operation: Operation) -> None:
    # 0.07 is a multiple of 0.01 (binary floats say otherwise); 0.071 is not.
    assert judge.response(operation, 200, JSON, OK.replace(b"2.30", b"0.07")) == []
    assert rules(judge.response(operation, 200, JSON, OK.replace(b"2.30", b"0.071"))) == {
        ("response", "$.body.paiements[0].crds", "multipleOf")
    }


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (418, JSON, b"{}", ("response", "$.status", "status-undocumented")),
        (
            200,
            {"content-type": "text/html"},
            OK,
            ("response", "$.headers['content-type']", "media-type"),
        ),
        (200, JSON, b"{'a': 1}", ("response", "$.body", "json")),
        (200, JSON, OK.replace(b'"csg"', b'"crds"'), ("response", "$.body", "duplicate-key")),
        (
            200,
            JSON,
            OK.replace(b'"paiements"', b'"lignes"'),
            ("response", "$.body.paiements", "required"),
        ),
        (
            429,
            JSON,
            b'{"code":"trop_de_requetes","message":"m"}',
            ("response", "$.headers['retry-after']", "required"),
        ),
        (
            429,
            {**JSON, "retry-after": "-3"},
            b'{"code":"trop_de_requetes","message":"m"}',
            ("response", "$.headers['retry-after']", "minimum"),
        ),
    ],
)
def test_response_breaks_are_named(
    judge: ExchangeJudge,
    operation: Operation,
    status: int,
    headers: dict[str, str],
    body: bytes,
    expected: tuple[str, str, str],
) -> None:
    assert rules(judge.response(operation, status, headers, body)) == {expected}


def test_request_breaks_are_named(judge: ExchangeJudge, operation: Operation) -> None:
    # Driven by the contract: one query parameter sent malformed, the others left out.
    sent, *absent = operation.parameters_in("query")
    path = f"{BASE}{operation.path}"
    _, violations = judge.request("GET", path, {sent.name: ["x"]}, {})
    key_header = judge.contract.api_key_header()
    assert key_header is not None
    expected = {
        ("request", f"$.headers['{key_header.lower()}']", "security"),
        ("request", "$.headers.authorization", "security"),
        *(("request", f"$.query.{p.name}", "required") for p in absent if p.required),
    }
    if sent.schema.get("format") == "date":
        expected.add(("request", f"$.query.{sent.name}", "format"))
    assert rules(violations) == expected
    assert rules(judge.request("DELETE", path, {}, AUTH)[1]) == {
        ("request", "$.method", "method-undocumented")
    }
    assert rules(judge.request("GET", f"/elsewhere{operation.path}", {}, AUTH)[1]) == {
        ("request", "$.path", "path-undocumented")
    }


def test_alternative_security_requirements_are_alternatives() -> None:
    # CNAM's house style lists the two schemes as alternatives: either one satisfies that document.
    document: dict[str, Any] = copy.deepcopy(dict(effective().document))
    document["security"] = [{name: []} for name in document["security"][0]]
    judge = ExchangeJudge(read(document), BASE)
    query = {"dateDebut": ["2025-01-01"], "dateFin": ["2025-06-30"]}
    assert judge.request("GET", f"{BASE}/me/paiements", query, {"x-api-key": "k"})[1] == []
    assert rules(judge.request("GET", f"{BASE}/me/paiements", query, {})[1]) == {
        ("request", "$.headers['x-api-key']", "security")
    }


def test_compressed_bodies_are_judged_with_bounded_inflation() -> None:
    assert _decoded(gzip.compress(OK), "gzip", 4096) == OK
    bomb = gzip.compress(b" " * (64 * 1024 * 1024))
    assert _decoded(bomb, "gzip", 4096) == "decoded body larger than 4096 bytes"
    assert _decoded(b"not gzip", "gzip", 4096) == "body not valid gzip data"
    assert _decoded(OK, "br", 4096) == "content-encoding br not judged"


@pytest.mark.parametrize(
    ("path", "reported"),
    [
        (f"{BASE}/me/paiements", f"{BASE}/me/paiements"),  # documented: its template
        (f"{BASE}/me/sbx-token/2025-01-01", f"{BASE}/me/{{?}}/{{?}}"),
        (f"{BASE}/me/paiements/", f"{BASE}/me/paiements/"),  # an empty segment holds nothing
        (f"{BASE}/me/paiements/x", f"{BASE}/me/paiements/{{?}}"),
        ("/elsewhere/secret", "/{?}/{?}"),
        (f"{BASE}/me/" + "/".join("abcdefghij"), f"{BASE}/me/{{?*10}}"),
        ("", "/"),
    ],
)
def test_a_path_is_reported_as_its_template_or_its_shape(
    judge: ExchangeJudge, path: str, reported: str
) -> None:
    assert judge.reported_path(path) == reported
