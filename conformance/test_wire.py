"""The wire verdict (scripts/wire.py): rules, levels, where apij differs, the rule table.

Fast, and independent of the vendored upstream: small document pairs, compared in memory, give
each rule its smallest change. The change corpus (`conformance/_mutations.py`, stated for the
vendored upstream) is checked by `make mutations`, verdicts and rule ids included
(test_spec_mutations.py); here, that the corpus names every rule id.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from conformance._mutations import CATALOGUE
from scripts.project import ROOT
from scripts.wire import LEVELS, RULES, classify, rules_table, verdict

Spec = dict[str, Any]
CONTRIBUTING = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def _doc(
    parameters: list[Spec] | None = None,
    body: Spec | None = None,
    headers: Spec | None = None,
    security: list[Spec] | None = None,
    operation_id: str = "o",
    dialect: str = "3.1.0",
) -> Spec:
    response: Spec = {
        "description": "ok",
        "content": {"application/json": {"schema": body or {"type": "object"}}},
    }
    if headers:
        response["headers"] = headers
    return {
        "openapi": dialect,
        "info": {"title": "t", "version": "1"},
        "components": {
            "securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
                "token": {"type": "http", "scheme": "bearer"},
            }
        },
        "security": security if security is not None else [{"key": []}],
        "paths": {
            "/p": {
                "get": {
                    "operationId": operation_id,
                    "parameters": parameters or [],
                    "responses": {"200": response},
                }
            }
        },
    }


def _query(name: str, required: bool, **schema: Any) -> Spec:
    return {"name": name, "in": "query", "required": required, "schema": schema or {}}


def _object(required: list[str], **properties: Spec) -> Spec:
    return {"type": "object", "required": required, "properties": properties}


STRING = {"type": "string"}
# rule id -> (old document, new document): the smallest change that rule names.
PAIRS: dict[str, tuple[Spec, Spec]] = {
    "request-parameter-became-required": (
        _doc([_query("q", False, type="string")]),
        _doc([_query("q", True, type="string")]),
    ),
    "request-parameter-became-optional": (
        _doc([_query("q", True, type="string")]),
        _doc([_query("q", False, type="string")]),
    ),
    "request-parameter-type-changed": (
        _doc([_query("q", True, type="string")]),
        _doc([_query("q", True, type="integer")]),
    ),
    "request-parameter-enum-value-removed": (
        _doc([_query("q", True, type="string", enum=["a", "b"])]),
        _doc([_query("q", True, type="string", enum=["a"])]),
    ),
    "request-parameter-bound-tightened": (
        _doc([_query("q", True, type="integer", maximum=10)]),
        _doc([_query("q", True, type="integer", maximum=5)]),
    ),
    "request-parameter-widened": (
        _doc([_query("q", True, type="string", enum=["a"])]),
        _doc([_query("q", True, type="string", enum=["a", "b"])]),
    ),
    "response-property-became-optional": (
        _doc(body=_object(["a"], a=STRING)),
        _doc(body=_object([], a=STRING)),
    ),
    "response-optional-property-removed": (
        _doc(body=_object([], a=STRING, b=STRING)),
        _doc(body=_object([], a=STRING)),
    ),
    "schema-changed": (
        _doc(body={"type": "object", "additionalProperties": False}),
        _doc(body={"type": "object", "additionalProperties": True}),
    ),
    "response-header-added": (
        _doc(),
        _doc(headers={"X-Trace": {"schema": STRING}}),
    ),
    "response-header-removed": (
        _doc(headers={"X-Trace": {"required": True, "schema": STRING}}),
        _doc(),
    ),
    "security-alternative-added": (
        _doc(security=[{"key": []}]),
        _doc(security=[{"key": []}, {"token": []}]),
    ),
    "security-changed": (
        _doc(security=[{"key": []}]),
        _doc(security=[{"key": [], "token": []}]),
    ),
    "operation-id-changed": (_doc(operation_id="o"), _doc(operation_id="p")),
    "info-changed": (_doc(), {**_doc(), "info": {"title": "t", "version": "2"}}),
    "response-property-became-nullable": (
        _doc(body=_object(["a"], a=STRING)),
        _doc(body=_object(["a"], a={"type": ["string", "null"]})),
    ),
    "response-narrowed": (
        _doc(body=_object(["a"], a={"type": "number"})),
        _doc(body=_object(["a"], a={"type": "integer"})),
    ),
    "response-property-type-changed": (
        _doc(body=_object(["a"], a={"type": "integer"})),
        _doc(body=_object(["a"], a={"type": "number"})),
    ),
}


@pytest.mark.parametrize("rule", PAIRS)
def test_each_rule_names_its_smallest_change(rule: str) -> None:
    old, new = PAIRS[rule]
    findings = classify(old, new)
    assert rule in {f.rule for f in findings}, [f.line() for f in findings]
    assert verdict(findings) == RULES[rule].level, [f.line() for f in findings]


def test_the_reverse_of_a_breaking_change_is_not_breaking() -> None:
    # The same pairs read backwards: a client that accepted the narrower contract, or sent the
    # stricter request, keeps working (response sides narrow, request sides widen).
    for rule in ("request-parameter-became-required", "response-property-became-optional"):
        old, new = PAIRS[rule]
        assert verdict(classify(new, old)) == "compatible", rule


def test_a_31_type_list_with_null_that_its_enum_excludes_admits_no_null() -> None:
    # Where apij differs from Optic 1.0.9 (which flags an expansion): null is not a value.
    old = _doc(body=_object(["a"], a={"type": "string", "enum": ["x", "y"]}))
    new = _doc(body=_object(["a"], a={"type": ["string", "null"], "enum": ["x", "y"]}))
    assert [(f.rule, f.level) for f in classify(old, new)] == [("annotations-changed", "cosmetic")]
    assert "enum excludes null" in RULES["response-property-became-nullable"].note
    # ... and with null in the enum it is a nullable field.
    nullable = _doc(body=_object(["a"], a={"type": ["string", "null"], "enum": ["x", None]}))
    rules = {f.rule for f in classify(old, nullable)}
    assert "response-property-became-nullable" in rules


def test_a_30_nullable_and_a_31_type_list_say_the_same() -> None:
    old = _doc(body=_object(["a"], a={"type": "string", "nullable": True}), dialect="3.0.3")
    new = _doc(body=_object(["a"], a={"type": ["string", "null"]}))
    assert [f.rule for f in classify(old, new)] == ["openapi-dialect-changed"]


def test_an_enum_change_is_one_line_of_additions_and_removals() -> None:
    old = _doc(body=_object(["a"], a={"type": "string", "enum": [f"v{i}" for i in range(60)]}))
    new = _doc(body=_object(["a"], a={"type": "string", "enum": [f"v{i}" for i in range(1, 61)]}))
    lines = [f.line() for f in classify(old, new)]
    assert any(line.endswith("enum +v60") for line in lines), lines
    assert any(line.endswith("enum −v0") for line in lines), lines
    assert all(len(line) <= 160 for line in lines)


def test_every_rule_is_documented_with_a_known_level() -> None:
    for rule in RULES.values():
        assert rule.level in LEVELS
        if rule.oasdiff:
            assert re.fullmatch(r"[a-z][a-zA-Z0-9-]+", rule.oasdiff), rule
    # CONTRIBUTING.md carries the table `python -m scripts.wire` prints, as it is now.
    assert rules_table() in CONTRIBUTING, "regenerate the rule table: python -m scripts.wire"


def test_the_corpus_covers_every_rule() -> None:
    # Every rule id is an expected verdict of some change pair that `make mutations` runs
    # through update-spec and the gate (the pairs above are the in-memory smallest cases).
    covered = {rule for m in CATALOGUE for rule in m.rules}
    assert covered == set(RULES), f"rules without a corpus pair: {sorted(set(RULES) - covered)}"
