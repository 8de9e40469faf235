"""Shared helpers of the conformance suite: the effective contract, example budgets, validators.

The suite reads the contract the way the face and the double do, through the project's one
reader (`apij.openapi`): references resolved, schemas in JSON Schema 2020-12, whatever the
dialect. It reads generated/apij-effective.yaml, not the embedded `apij_client.spec.SPEC`: an
effective document edited or re-derived without regenerating the client must be checked against
the contract it now states (the provenance and drift checks say it is stale).
"""

from __future__ import annotations

import functools
import importlib
import json
import os
from collections.abc import Mapping
from decimal import Decimal
from types import ModuleType
from typing import Any, Final

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, Phase, settings
from openapi_python_client.strings import snake_case

from apij._contract import OPERATION_ID
from apij.openapi import Contract, Operation, Parameter, Response, read
from scripts.documents import parse_document
from scripts.project import EFFECTIVE

# One knob for every generated-case budget: CI runs the defaults; the spec-mutation suite runs
# each mutated project's gate with a small value so that its gates fit in the time budget.
BUDGET_ENV: Final = "APIJ_CONFORMANCE_EXAMPLES"
DEFAULT_BUDGET: Final = 60
# Set by the spec-mutation suite: a gate run only needs to know *which* checks fail, so failing
# properties stop at the first counterexample instead of shrinking it (shrinking takes minutes).
NO_SHRINK_ENV: Final = "APIJ_CONFORMANCE_NO_SHRINK"


def no_shrink() -> bool:
    return os.environ.get(NO_SHRINK_ENV) == "1"


def budget(default: int = DEFAULT_BUDGET) -> int:
    """Examples per property (per operation in schemathesis); the env variable overrides."""
    raw = os.environ.get(BUDGET_ENV)
    if raw is None:
        return default
    value = int(raw)
    if value < 1:
        raise ValueError(f"{BUDGET_ENV} must be a positive integer, got {raw!r}")
    return value


def property_settings(max_examples: int | None = None) -> settings:
    """Reproducible hypothesis settings: derandomised (seeded from the test), no database."""
    phases = [
        p for p in Phase if p is not Phase.explain and not (no_shrink() and p is Phase.shrink)
    ]
    return settings(
        max_examples=max_examples if max_examples is not None else budget(),
        phases=phases,
        derandomize=True,
        database=None,
        deadline=None,
        # Generated response bodies are nested arrays of objects: hypothesis-jsonschema filters
        # more than the default health check likes, which says nothing about the code under test.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        print_blob=False,
    )


@functools.cache
def document() -> dict[str, Any]:
    """The effective document as a dict, for tools that take a document (schemathesis,
    openapi-core). Shared: callers that annotate what they load must deep-copy it."""
    return parse_document(EFFECTIVE.read_text(encoding="utf-8"), EFFECTIVE.name)


@functools.cache
def contract() -> Contract:
    """The effective contract, read."""
    return read(document())


def operations() -> tuple[Operation, ...]:
    return contract().operations


def paiements() -> Operation:
    """The operation the face calls."""
    return contract().operation(OPERATION_ID)


def server() -> str:
    """The first server of the contract: where the suite's doubles answer."""
    servers = contract().servers
    if not servers:
        pytest.fail("the contract declares no server: the suite needs a base URL")
    return servers[0]


def success(operation: Operation) -> Response:
    """The operation's one documented 2xx response."""
    found = [r for r in operation.responses if r.status is not None and 200 <= r.status < 300]
    if len(found) != 1:
        pytest.fail(f"{operation.operation_id} documents {len(found)} success responses, not one")
    return found[0]


def generated_module(operation: Operation) -> ModuleType:
    """The generated module of an operation: `apij_client.api.<tag>.<operation id>`.

    Named as openapi-python-client names it (first tag, else `default`; both snake-cased).
    """
    tag = operation.tags[0] if operation.tags else "default"
    return importlib.import_module(
        f"apij_client.api.{snake_case(tag)}.{snake_case(operation.operation_id or '')}"
    )


def query_parameters(operation: Operation) -> tuple[Parameter, ...]:
    return operation.parameters_in("query")


def window_parameters(operation: Operation) -> tuple[str, str] | None:
    """The names of the search window: the operation's first two `format: date` query
    parameters, whatever the contract calls them (None if it has no such pair)."""
    names = [p.name for p in query_parameters(operation) if p.schema.get("format") == "date"]
    return (names[0], names[1]) if len(names) >= 2 else None


def credentials_headers(api_key: str, token: str) -> dict[str, str]:
    """Headers carrying both credentials the way the contract's security schemes say."""
    headers: dict[str, str] = {}
    for scheme in contract().security_schemes.values():
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            headers[str(scheme["name"])] = api_key
        elif scheme.get("type") == "http" and str(scheme.get("scheme")).lower() == "bearer":
            headers["Authorization"] = f"Bearer {token}"
    return headers


def validator(schema: Mapping[str, Any]) -> jsonschema_rs.Draft202012Validator:
    """A format-checking validator (jsonschema_rs gets `multipleOf: 0.01` right)."""
    return jsonschema_rs.Draft202012Validator(dict(schema), validate_formats=True)


def to_cents(value: Any, schema: Any) -> Any:
    """`value` with floats under a decimal `multipleOf` rounded to that many places.

    hypothesis-jsonschema builds multiples of 0.01 by float arithmetic (7.1000000000000005), which
    as JSON literals are not amounts in cents; valid bodies are mapped through this first.
    """
    if not isinstance(schema, Mapping):
        return value
    if isinstance(value, float) and "multipleOf" in schema:
        places = -Decimal(str(schema["multipleOf"])).as_tuple().exponent  # type: ignore[operator]
        return round(value, max(int(places), 0))
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {key: to_cents(item, props.get(key, {})) for key, item in value.items()}
    if isinstance(value, list):
        return [to_cents(item, schema.get("items", {})) for item in value]
    return value


def dumps(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
