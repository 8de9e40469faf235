"""The one contract judge (`apij.judge`): what the face, the proxy and the double all judge by."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import jsonschema_rs
import pytest

from apij._inputs import check_token
from apij.double import CnamDouble
from apij.double.core import _bearer
from apij.exchange import ExchangeJudge
from apij.judge import Breach, ContractJudge, SchemaJudge, parse_body, relative_path
from apij.openapi import effective, read

BASE = "/test/v1/ij"


def test_a_breach_names_a_path_and_a_keyword_and_a_missing_member_by_its_own_path() -> None:
    schema = {
        "type": "object",
        "required": ["code"],
        "properties": {"lignes": {"type": "array", "items": {"type": "string", "format": "date"}}},
    }
    judge = SchemaJudge(schema)
    doc = {"lignes": ["2025-01-01", "2025-13-01"]}
    assert judge.breaches(doc) == [Breach(("code",), "required"), Breach(("lignes", 1), "format")]
    assert not judge.holds(doc)
    assert judge.holds({"code": "x"})
    assert Breach(("lignes", 1), "format").pointer == "/lignes/1"


KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
BOUNDS = ("0", "1", "-1", "0.01", "0.001", "2.5", "100", "1E+3", "1E-5")
VALUES = ("0", "-0.00", "0.01", "0.07", "2.30", "2.305", "7.1000000000000005", "1E+3", "1E-3", "-5")


@pytest.mark.parametrize("seed", range(4))
def test_numeric_keywords_judged_here_agree_with_jsonschema_rs(seed: int) -> None:
    # jsonschema-rs is exact on Decimals (only slow): the oracle for the judge's own checks.
    rng = random.Random(seed)
    for _ in range(150):
        rules: dict[str, Any] = {
            k: Decimal(rng.choice(BOUNDS)) for k in rng.sample(KEYWORDS, rng.randint(1, 3))
        }
        if "multipleOf" in rules and rules["multipleOf"] <= 0:
            rules["multipleOf"] = Decimal("0.01")
        number: dict[str, Any] = {
            "type": ["number", "null"],
            **{k: float(v) for k, v in rules.items()},
        }
        schema = {"type": "object", "properties": {"lignes": {"type": "array", "items": number}}}
        doc = {
            "lignes": [
                rng.choice([None, Decimal(rng.choice(VALUES)), rng.randint(-3, 3)])
                for _ in range(rng.randint(0, 5))
            ]
        }
        oracle = jsonschema_rs.Draft202012Validator(schema)
        expected = {
            (tuple(e.instance_path), str(e.schema_path[-1])) for e in oracle.iter_errors(doc)
        }
        found = {(b.parts, b.keyword) for b in SchemaJudge(schema).breaches(doc)}
        assert found == expected, (schema, doc)


def test_a_remainder_too_costly_to_compute_exactly_is_a_breach_at_once() -> None:
    judge = SchemaJudge({"type": "number", "multipleOf": 0.01})
    assert judge.breaches(Decimal("1E-999999999999999999")) == [Breach((), "multipleOf")]
    assert judge.breaches(Decimal("1E+400000")) == [Breach((), "multipleOf")]
    assert judge.holds(Decimal("0E-999999999"))


@pytest.mark.parametrize(
    ("content", "wrong"),
    [
        (b'{"a": 1}', None),
        (b'{"a": 1, "a": 2}', "duplicate-key"),
        (b'"\\ud800"', "unicode"),
        (b"9" * 5000, "digits"),
        (b"1e99999999999999999999", "number-range"),
        (b"{'a': 1}", "json"),
        (b"[" * 100_000, "json"),
    ],
)
def test_why_a_body_does_not_parse(content: bytes, wrong: str | None) -> None:
    assert parse_body(content)[1] == wrong


@pytest.mark.parametrize(
    ("path", "base", "relative"),
    [
        ("/test/v1/ij/me/paiements", BASE, "/me/paiements"),
        ("/test/v1/ij", BASE, "/"),
        ("/test/v1/ij/", BASE + "/", "/"),
        ("/test/v1/ijx/me/paiements", BASE, None),
        ("/elsewhere", BASE, None),
        ("", "", "/"),
        ("/me/paiements", "", "/me/paiements"),
    ],
)
def test_a_path_relative_to_the_base_path(path: str, base: str, relative: str | None) -> None:
    assert relative_path(path, base) == relative


def test_one_route_matcher_for_the_proxy_and_the_double() -> None:
    judge = ContractJudge(effective(), BASE)
    route = judge.match(f"{BASE}/me/paiements")
    assert route is not None
    assert route[0] == "/me/paiements"
    assert set(route[1]) == {"GET"}
    assert judge.operation("get", f"{BASE}/me/paiements") is route[1]["GET"]
    assert judge.operation("POST", f"{BASE}/me/paiements") is None
    assert judge.match("/me/paiements") is None
    exchange = ExchangeJudge(effective(), BASE)
    assert exchange.operation("GET", f"{BASE}/me/paiements") is route[1]["GET"]
    double = CnamDouble()
    assert double.rules.match("/me/paiements") is not None
    assert double.rules.match("/me/paiements/x") is None


def test_a_concrete_path_is_matched_before_a_templated_one() -> None:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/me/{id}": {"get": {"responses": {"200": {"description": "x"}}}},
            "/me/paiements": {"post": {"responses": {"200": {"description": "x"}}}},
        },
    }
    judge = ContractJudge(read(document))
    assert judge.match("/me/paiements") == (
        "/me/paiements",
        {"POST": judge.contract.operations[1]},
    )
    assert judge.operation("GET", "/me/paiements") is None
    assert judge.operation("GET", "/me/42") is judge.contract.operations[0]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"dateDebut": ["2025-13-01"], "dateFin": ["2025-06-30"]},
        {"dateDebut": [""], "dateFin": ["2025-02-30"]},
        {"dateDebut": ["2025-01-01"]},
        {"dateDebut": ["2025-01-01"], "dateFin": ["2025-06-30"]},
    ],
)
def test_the_proxy_and_the_double_judge_a_query_alike(query: dict[str, list[str]]) -> None:
    operation = effective().operation("getPaiementsIJ")
    exchange = ExchangeJudge(effective(), BASE)
    headers = {"x-api-key": "k", "authorization": "Bearer t"}
    _, violations = exchange.request("GET", f"{BASE}{operation.path}", query, headers)
    by_proxy = {(v.path.removeprefix("$.query."), v.rule) for v in violations}
    double = CnamDouble()
    by_double = {(b.parts[0], b.keyword) for b in double.rules.judge.query(operation, query)}
    assert by_proxy == by_double
    assert bool(double.rules.query_errors(operation, query)) == bool(by_double)


@pytest.mark.parametrize(
    "token", ["abc.DEF-123_~+/==", "a b", "a=b", "", "é", "a\r\nX: 1", "==", "tok=="]
)
def test_the_face_and_the_double_share_one_bearer_pattern(token: str) -> None:
    try:
        check_token(token)
        face_accepts = True
    except ValueError:
        face_accepts = False
    assert face_accepts == (_bearer(f"Bearer {token}") == token)
