"""What the double reads from the contract: routes and compiled query-parameter validators.

The contract is read by the project's one reader (`apij.openapi`), as the face reads it; what the
double answers is decided by its own code (`core.py`), never by the face's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema_rs

from apij.openapi import Contract as Document
from apij.openapi import Operation as DocumentOperation
from apij.openapi import effective, parameter_value, path_regex, read

__all__ = ["Contract", "Operation", "QueryParameter", "build_contract", "load_contract"]

_MAX_MESSAGE = 240


def _kinds(schema: Mapping[str, Any]) -> tuple[str, ...]:
    kind = schema.get("type")
    return tuple(kind) if isinstance(kind, list) else (str(kind),) if kind else ()


@dataclass(frozen=True, slots=True)
class QueryParameter:
    """One query parameter of an operation, with its schema (JSON Schema 2020-12)."""

    name: str
    schema: Mapping[str, Any]
    is_array: bool


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the contract, with its query parameters compiled into one validator."""

    method: str
    path: str
    parameters: tuple[QueryParameter, ...]
    validator: Any

    def query_errors(self, query: Mapping[str, Sequence[str]]) -> list[str]:
        """Validate the query against the contract; readable errors (empty when valid)."""
        instance: dict[str, Any] = {}
        for parameter in self.parameters:
            values = query.get(parameter.name)
            if not values:
                continue
            items = parameter.schema.get("items", {}) if parameter.is_array else parameter.schema
            casted = [parameter_value(value, items) for value in values]
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
    """The parts of the contract the double enforces, compiled once."""

    routes: tuple[tuple[re.Pattern[str], str, Mapping[str, Operation]], ...]
    api_key_header: str

    def match(self, path: str) -> tuple[str, Mapping[str, Operation]] | None:
        """Find the contract path (template) serving ``path``, with its operations by method."""
        for pattern, template, operations in self.routes:
            if pattern.fullmatch(path):
                return template, operations
        return None


def _operation(operation: DocumentOperation) -> Operation:
    query = operation.parameters_in("query")
    properties = {p.name: dict(p.schema) for p in query}
    required = [p.name for p in query if p.required]
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    parameters = tuple(QueryParameter(p.name, p.schema, "array" in _kinds(p.schema)) for p in query)
    # JSON Schema 2020-12, as the reader converts it; formats (date) are asserted.
    validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    return Operation(operation.method, operation.path, parameters, validator)


def build_contract(document: Mapping[str, Any] | Document) -> Contract:
    """Compile what the double needs from a contract (or an OpenAPI 3.0/3.1 document)."""
    contract = document if isinstance(document, Document) else read(document)
    api_key_header = contract.api_key_header()
    if api_key_header is None:
        raise ValueError("the contract declares no API key header")
    by_path: dict[str, dict[str, Operation]] = {}
    for operation in contract.operations:
        by_path.setdefault(operation.path, {})[operation.method] = _operation(operation)
    routes = tuple(
        (path_regex(template), template, operations) for template, operations in by_path.items()
    )
    return Contract(routes, api_key_header)


@cache
def load_contract() -> Contract:
    """The contract of the generated package (`apij_client.spec.SPEC`), compiled once."""
    return build_contract(effective())
