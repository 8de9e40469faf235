"""The compiled operation follows the spec it is given: numeric rules judged exactly, all kept."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from apij_client.spec import SPEC

from apij._contract import OPERATION_ID, Verdict, _body_judge, compile_operation, face_operation
from apij.openapi import read, referenced


def line(**amounts: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "date_debut": "2025-03-04",
        "date_fin": "2025-03-17",
        "nombre_jours": 14,
        "montant_journalier": Decimal("32.87"),
        "csg": Decimal("28.53"),
        "crds": Decimal("2.30"),
    }
    return {**base, **amounts}


def releve(*lines: dict[str, Any]) -> dict[str, Any]:
    return {"date_debut": "2025-01-01", "date_fin": "2025-06-30", "paiements": list(lines)}


def _amounts(spec: dict[str, Any]) -> list[Any]:
    """The raw schemas of the lines' amounts (number properties), wherever the spec puts them."""
    operation = next(
        op
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and op.get("operationId") == OPERATION_ID
    )
    media = next(iter(referenced(spec, operation["responses"]["200"])["content"].values()))
    releve = referenced(spec, media["schema"])
    line = referenced(spec, referenced(spec, releve["properties"]["paiements"])["items"])
    amounts = [referenced(spec, prop) for prop in line["properties"].values()]
    return [schema for schema in amounts if schema.get("type") == "number"]


def spec_with_montant(**keywords: Any) -> dict[str, Any]:
    spec = copy.deepcopy(SPEC)
    for montant in _amounts(spec):
        for key in ("minimum", "multipleOf", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            montant.pop(key, None)
        montant.update(keywords)
    return spec


def nullable(spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` with nullable amounts, as its dialect says it (3.0: a flag; 3.1: a type list)."""
    for montant in _amounts(spec):
        if str(spec["openapi"]).startswith("3.1"):
            montant["type"] = ["number", "null"]
        else:
            montant["nullable"] = True
    return spec


def test_every_documented_status_is_known() -> None:
    compiled = face_operation()
    assert compiled.statuses == {200, 400, 401, 403, 404, 429, 500, 502, 503}
    assert compiled.retry_after_statuses == {429, 503}
    assert compiled.bodies[200].accepts_media_type("application/json; charset=utf-8")
    assert not compiled.bodies[200].accepts_media_type("text/html")


def test_spec_rules_are_enforced_exactly() -> None:
    body = face_operation().bodies[200]
    assert body.violation(releve(line(), line(csg=Decimal("0.07")))) is None
    assert body.violation(releve(line(), line(csg=Decimal("7.1000000000000005")))) == (
        "/paiements/1/csg (multipleOf)"
    )
    assert body.violation(releve(line(crds=Decimal("-0.01")))) == "/paiements/0/crds (minimum)"
    assert body.violation(releve(line(montant_journalier=32))) is None  # JSON integer amount


def test_a_changed_spec_changes_the_verdict() -> None:
    # A future spec allowing tenths of a cent, capping amounts and excluding zero.
    body = compile_operation(
        read(spec_with_montant(multipleOf=0.001, minimum=0, exclusiveMinimum=True, maximum=1000))
    ).bodies[200]
    assert body.violation(releve(line(csg=Decimal("2.305")))) is None
    assert body.violation(releve(line(csg=Decimal("2.3055")))) == "/paiements/0/csg (multipleOf)"
    # The 2020-12 keyword the reader wrote for 3.0's `exclusiveMinimum: true`, as the proxy says.
    assert body.violation(releve(line(crds=Decimal(0)))) == "/paiements/0/crds (exclusiveMinimum)"
    assert body.violation(releve(line(montant_journalier=Decimal("1000.001")))) == (
        "/paiements/0/montant_journalier (maximum)"
    )


def test_rules_outside_properties_stay_with_jsonschema() -> None:
    # Under allOf the judge's own numeric checks do not reach: jsonschema_rs judges it (exactly).
    spec = spec_with_montant(allOf=[{"type": "number", "multipleOf": 0.01, "minimum": 0}])
    body = compile_operation(read(spec)).bodies[200]
    assert body.violation(releve(line())) is None
    bad = body.violation(releve(line(csg=Decimal("0.001"))))
    assert bad is not None
    assert bad.startswith("/paiements/0/csg")


def test_nullable_is_understood() -> None:
    spec = nullable(spec_with_montant(minimum=0, multipleOf=0.01))
    body = compile_operation(read(spec)).bodies[200]
    assert ("paiements", None, "crds") in body.strict._rules, "nullable: still judged exactly"
    assert body.violation(releve(line(crds=None))) is None
    assert body.violation(releve(line(crds=Decimal("0.001")))) == "/paiements/0/crds (multipleOf)"
    strict = face_operation().bodies[200]
    assert strict.violation(releve(line(crds=None))) == "/paiements/0/crds (type)"


@pytest.mark.parametrize("code", ["jeton_expire", "un_code_futur"])
def test_an_error_code_newer_than_the_contract_is_drift_not_a_violation(code: str) -> None:
    body = face_operation().bodies[401]
    verdict = body.judge({"code": code, "message": "m"})
    assert verdict.where is None
    assert verdict.enum_paths == (frozenset() if code == "jeton_expire" else {"$.code"})
    assert body.violation({"code": code}) == "/message (required)"


def test_members_the_contract_does_not_describe_are_drift_named_by_path() -> None:
    body = face_operation().bodies[200]
    doc = releve(line(), line())
    doc["paiements"][1]["champ non documenté"] = 1
    doc["source"] = "x"
    verdict = body.judge(doc)
    assert verdict.where is None
    assert verdict.unknown_members == {"$.paiements[*]['champ non documenté']", "$.source"}
    doc["paiements"][0]["csg"] = Decimal("0.001")  # a violation: then no drift is reported
    assert body.judge(doc) == Verdict("/paiements/0/csg (multipleOf)")


def test_members_listed_through_allof_are_described_and_open_schemas_have_no_drift() -> None:
    listed = {"type": "object", "properties": {"a": {"type": "integer"}}}
    both = _body_judge({"allOf": [listed, {"properties": {"b": {}}}]}, ("application/json",))
    assert both.judge({"a": 1, "b": 2}) == Verdict()
    assert both.judge({"a": 1, "c": 2}).unknown_members == {"$.c"}
    open_ended: dict[str, Any]
    for open_ended in ({"additionalProperties": True}, {"patternProperties": {"^x": {}}}):
        judge = _body_judge({**listed, **open_ended}, ("application/json",))
        assert judge.judge({"a": 1, "c": 2}) == Verdict()


def test_sub_cent_amounts_of_any_exponent_are_rejected() -> None:
    body = face_operation().bodies[200]
    for tiny in ("1E-999999999999999999", "0.001", "7.1000000000000005", "1E-3"):
        verdict = body.violation(releve(line(csg=Decimal(tiny))))
        assert verdict == "/paiements/0/csg (multipleOf)", tiny
    for fine in ("2.3", "2.30", "0", "0E+5", "1E+3"):
        assert body.violation(releve(line(csg=Decimal(fine)))) is None, fine


def test_a_number_no_decimal_holds_is_an_unexpected_response() -> None:
    import httpx

    from apij import UnexpectedResponse
    from apij._decode import decode

    text = (
        '{"date_debut":"2025-01-01","date_fin":"2025-06-30","paiements":[{"date_debut":'
        '"2025-03-04","date_fin":"2025-03-17","nombre_jours":14,'
        '"montant_journalier":1e99999999999999999999999999,"csg":28.53,"crds":2.30}]}'
    )
    headers = httpx.Headers({"content-type": "application/json"})
    with pytest.raises(UnexpectedResponse):
        decode(200, headers, text.encode(), ())


@pytest.mark.parametrize("seed", range(3))
def test_the_all_at_once_check_agrees_with_exact_remainders(seed: int) -> None:
    # The check over all the values of a path must give the verdict exact fractions give.
    import random
    from fractions import Fraction

    rng = random.Random(seed)
    cent = Fraction(1, 100)
    edge = ["0", "-0.00", "2.3", "2.30", "2.305", "7.1000000000000005", "1E+20", "0E+5", "1E-3"]
    body = face_operation().bodies[200]
    for _ in range(300):
        values = [
            Decimal(rng.choice(edge))
            if rng.random() < 0.3
            else Decimal(rng.randint(0, 10**6)) / 100
            for _ in range(rng.randint(1, 6))
        ]
        doc = releve(*(line(csg=v) for v in values))
        # Fractions: exact whatever the exponent, independent of any decimal context.
        exact = all(v >= 0 and Fraction(v) % cent == 0 for v in values)
        assert (body.violation(doc) is None) == exact, values
