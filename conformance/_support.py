"""Shared helpers of the conformance suite: the vendored spec, example budgets, schema plumbing."""

from __future__ import annotations

import functools
import importlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any, Final

import jsonschema_rs
import yaml
from hypothesis import HealthCheck, Phase, settings
from openapi_python_client.strings import snake_case

ROOT: Final = Path(__file__).resolve().parent.parent
# The suite reads the vendored file, not `apij_client.spec.SPEC`: a spec edited without
# regenerating must be checked against the contract it now states, not the one the client knew.
SPEC_PATH: Final = ROOT / "openapi" / "apij-1.0-apim.yaml"
REPORTS: Final = ROOT / "reports"

# One knob for every generated-case budget: CI runs the defaults; the spec-mutation suite runs
# each mutated project's gate with a small value so that sixteen gates fit in the time budget.
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
def load_spec() -> dict[str, Any]:
    """The vendored contract as a dict (a fresh parse each session; callers must not mutate it)."""
    data: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return data


def resolve(spec: Mapping[str, Any], node: Any, depth: int = 0) -> Any:
    """`node` with every local `$ref` replaced by its target (the APIJ contract has no cycles)."""
    if depth > 50:
        raise ValueError("$ref chain too deep: a cyclic schema is not supported here")
    if isinstance(node, Mapping):
        if "$ref" in node:
            pointer = str(node["$ref"])
            if not pointer.startswith("#/"):
                raise ValueError(f"only local references are supported, got {pointer!r}")
            target: Any = spec
            for part in pointer[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return resolve(spec, target, depth + 1)
        return {key: resolve(spec, value, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(spec, item, depth + 1) for item in node]
    return node


def ref_name(node: Mapping[str, Any]) -> str | None:
    """The component name a schema `$ref` points at, if it is one."""
    pointer = node.get("$ref")
    return str(pointer).rsplit("/", 1)[-1] if pointer else None


_ANNOTATIONS = {"description", "example", "examples", "externalDocs", "xml", "deprecated"}


def to_json_schema(schema: Any) -> Any:
    """An OpenAPI 3.0 schema object as JSON Schema 2020-12 (nullable, boolean exclusive bounds)."""
    if isinstance(schema, list):
        return [to_json_schema(item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _ANNOTATIONS or key.startswith("x-") or key in {"readOnly", "writeOnly"}:
            continue
        if key == "properties":
            out[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key in {"exclusiveMinimum", "exclusiveMaximum", "nullable"}:
            continue
        else:
            out[key] = to_json_schema(value)
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if schema.get(flag) is True and bound in schema:
            out[flag] = schema[bound]
            out.pop(bound, None)
    if schema.get("nullable") is True and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def validator(schema: Any) -> jsonschema_rs.Draft202012Validator:
    """A format-checking validator (jsonschema_rs gets `multipleOf: 0.01` right)."""
    return jsonschema_rs.Draft202012Validator(to_json_schema(schema), validate_formats=True)


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


@dataclass(frozen=True, eq=False)
class ResponseSpec:
    """One documented response of an operation, with references resolved."""

    status: int
    media_type: str | None
    schema: dict[str, Any] | None
    schema_name: str | None
    headers: dict[str, dict[str, Any]]


@dataclass(frozen=True, eq=False)
class OperationSpec:
    """One operation of the contract, with references resolved."""

    path: str
    method: str
    operation_id: str
    tag: str
    parameters: list[dict[str, Any]]
    responses: dict[int, ResponseSpec]
    security: list[dict[str, list[str]]] = field(default_factory=list)

    @property
    def module(self) -> ModuleType:
        """The generated module for this operation (`apij_client.api.<tag>.<operation>`)."""
        return importlib.import_module(
            f"apij_client.api.{snake_case(self.tag)}.{snake_case(self.operation_id)}"
        )


def operations(spec: Mapping[str, Any] | None = None) -> list[OperationSpec]:
    """Every operation of the contract, in document order."""
    spec = spec if spec is not None else load_spec()
    found: list[OperationSpec] = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method not in {"get", "put", "post", "delete", "patch", "head", "options", "trace"}:
                continue
            responses: dict[int, ResponseSpec] = {}
            for status, raw in op.get("responses", {}).items():
                if not str(status).isdigit():
                    raise ValueError(f"{method} {path}: response {status!r} is not a status code")
                resolved = resolve(spec, raw)
                content = resolved.get("content") or {}
                media_type, schema, name = None, None, None
                if content:
                    media_type, media = next(iter(content.items()))
                    schema = media.get("schema")
                    raw_content: dict[str, Any] = resolve_shallow(spec, raw).get("content", {})
                    first: dict[str, Any] = next(iter(raw_content.values()), {})
                    raw_schema: dict[str, Any] = first.get("schema", {})
                    name = ref_name(raw_schema)
                responses[int(status)] = ResponseSpec(
                    status=int(status),
                    media_type=media_type,
                    schema=schema,
                    schema_name=name,
                    headers=dict(resolved.get("headers") or {}),
                )
            found.append(
                OperationSpec(
                    path=path,
                    method=method,
                    operation_id=op["operationId"],
                    tag=(op.get("tags") or ["default"])[0],
                    parameters=[resolve(spec, p) for p in [*shared, *op.get("parameters", [])]],
                    responses=responses,
                    security=list(op.get("security", spec.get("security", []))),
                )
            )
    return found


def resolve_shallow(spec: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow `$ref`s at the top of `node` only, keeping inner references visible."""
    while "$ref" in node:
        target: Any = spec
        for part in str(node["$ref"])[2:].split("/"):
            target = target[part]
        node = target
    return node


def security_schemes(spec: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    spec = spec if spec is not None else load_spec()
    schemes: dict[str, dict[str, Any]] = spec.get("components", {}).get("securitySchemes", {})
    return schemes


def base_path(url: str) -> str:
    """The path part of a server URL, without a trailing slash."""
    return re.sub(r"^[a-z]+://[^/]+", "", url).rstrip("/")


def dumps(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def iter_leaves(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(JSON-pointer-ish path, leaf) for every scalar of a JSON value, for failure messages."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from iter_leaves(item, f"{prefix}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from iter_leaves(item, f"{prefix}/{index}")
    else:
        yield prefix or "/", value
