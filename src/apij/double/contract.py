"""What the double reads from the spec: routes, compiled parameter and response validators."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema_rs

__all__ = ["Contract", "Operation", "build_contract", "load_contract"]

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_MAX_MESSAGE = 240


def _resolve(spec: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow local `$ref`s (``#/a/b``) until a concrete object."""
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _rooted(spec: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    # Keep `components` beside the schema so its `#/components/...` refs resolve.
    return {**schema, "components": spec.get("components", {})}


def _compile(spec: Mapping[str, Any], schema: Mapping[str, Any]) -> Any:
    # OpenAPI 3.0 schema objects are a Draft 4 dialect; formats (date) are asserted.
    return jsonschema_rs.Draft4Validator(_rooted(spec, schema), validate_formats=True)


def _cast(raw: str, schema: Mapping[str, Any]) -> Any:
    """Cast a raw query value to the schema's primitive type (form style, as OAS 3.0 says)."""
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
        if kind == "boolean" and raw in ("true", "false"):
            return raw == "true"
    except ValueError:
        pass
    # Left raw: the validator then reports the type error.
    return raw


@dataclass(frozen=True, slots=True)
class QueryParameter:
    """One query parameter of an operation, with its resolved schema."""

    name: str
    schema: Mapping[str, Any]
    is_array: bool


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the spec, with its query parameters compiled into one validator."""

    method: str
    path: str
    parameters: tuple[QueryParameter, ...]
    validator: Any

    def query_errors(self, query: Mapping[str, Sequence[str]]) -> list[str]:
        """Validate the query against the spec; return readable errors (empty when valid)."""
        instance: dict[str, Any] = {}
        for parameter in self.parameters:
            values = query.get(parameter.name)
            if not values:
                continue
            items = parameter.schema.get("items", {}) if parameter.is_array else parameter.schema
            casted = [_cast(value, items) for value in values]
            # Form style, explode: a scalar parameter takes its first value (as openapi-core).
            instance[parameter.name] = casted if parameter.is_array else casted[0]
        if self.validator.is_valid(instance):
            return []
        errors = []
        for error in self.validator.iter_errors(instance):
            where = "/".join(str(part) for part in error.instance_path)
            message = f"{where}: {error.message}" if where else error.message
            errors.append(message[:_MAX_MESSAGE])
        return errors


@dataclass(frozen=True)
class Contract:
    """The parts of the spec the double enforces, compiled once."""

    spec: Mapping[str, Any]
    routes: tuple[tuple[re.Pattern[str], str, Mapping[str, Operation]], ...]
    api_key_header: str

    def match(self, path: str) -> tuple[str, Mapping[str, Operation]] | None:
        """Find the spec path (template) serving ``path``, with its operations by method."""
        for pattern, template, operations in self.routes:
            if pattern.fullmatch(path):
                return template, operations
        return None


def _operation(
    spec: Mapping[str, Any], method: str, path: str, item: Mapping[str, Any]
) -> Operation:
    declared: dict[tuple[str, str], Mapping[str, Any]] = {}
    for raw in [*item.get("parameters", []), *item[method].get("parameters", [])]:
        parameter = _resolve(spec, raw)
        declared[(parameter["name"], parameter["in"])] = parameter
    query = [p for (_, where), p in declared.items() if where == "query"]
    properties = {p["name"]: p.get("schema", {}) for p in query}
    required = [p["name"] for p in query if p.get("required", False)]
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    parameters = tuple(
        QueryParameter(
            p["name"],
            _resolve(spec, p.get("schema", {})),
            _resolve(spec, p.get("schema", {})).get("type") == "array",
        )
        for p in query
    )
    return Operation(method, path, parameters, _compile(spec, schema))


def _path_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template)
    regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(regex)


def _api_key_header(spec: Mapping[str, Any]) -> str:
    for scheme in spec.get("components", {}).get("securitySchemes", {}).values():
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            return str(scheme["name"])
    raise ValueError("the spec declares no API key header")


def build_contract(spec: Mapping[str, Any]) -> Contract:
    """Compile what the double needs from an OpenAPI 3.0 document."""
    routes = []
    for template, item in spec.get("paths", {}).items():
        operations = {}
        for method in _HTTP_METHODS:
            if method in item:
                operations[method.upper()] = _operation(spec, method, template, item)
        routes.append((_path_pattern(template), template, operations))
    return Contract(spec, tuple(routes), _api_key_header(spec))


@cache
def load_contract() -> Contract:
    """The contract of the generated package (`apij_client.spec.SPEC`), compiled once."""
    from apij_client.spec import SPEC

    return build_contract(SPEC)
