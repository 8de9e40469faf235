"""A flat, comparable summary of a contract, and the differences between two of them.

Both documents are read by the project's one reader (`apij.openapi`): references resolved,
schemas in JSON Schema 2020-12. So a 3.0 document and a 3.1 document of equal meaning summarise
alike, and a component renamed or inlined is no change: only what a client sees on the wire is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apij.openapi import Contract, Operation, Response, read

_FACETS = (
    "type",
    "format",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
)


def describe(schema: Any) -> str:
    """One line for a schema's own assertions (its properties are summarised separately)."""
    if schema is None:
        return "no schema"
    if not isinstance(schema, Mapping):
        return repr(schema)
    facets = [f"{key}={schema[key]!r}" for key in _FACETS if key in schema]
    if isinstance(schema.get("items"), Mapping) and "properties" not in schema["items"]:
        facets.append(f"items({describe(schema['items'])})")
    if "additionalProperties" in schema:
        facets.append(f"additionalProperties({describe(schema['additionalProperties'])})")
    for combinator in ("allOf", "oneOf", "anyOf"):
        if combinator in schema:
            parts = ", ".join(describe(s) for s in schema[combinator])
            facets.append(f"{combinator}({parts})")
    return " ".join(facets) or "any"


def _properties(prefix: str, schema: Any, out: dict[str, str]) -> None:
    if not isinstance(schema, Mapping):
        return
    required = set(schema.get("required", ()))
    for name, prop in (schema.get("properties") or {}).items():
        flag = "required" if name in required else "optional"
        out[f"{prefix}/{name}"] = f"{flag} {describe(prop)}"
        _properties(f"{prefix}/{name}", prop, out)
    if isinstance(schema.get("items"), Mapping):
        _properties(f"{prefix}[]", schema["items"], out)


def _security(alternatives: tuple[tuple[str, ...], ...]) -> str:
    return " OR ".join(" AND ".join(sorted(r)) or "(none)" for r in alternatives) or "none"


def _response(where: str, label: str, response: Response, out: dict[str, str]) -> None:
    key = f"response {where} {label}"
    out[key] = ", ".join(response.media_types) or "no body"
    # One body per response: the media types are listed above, the shape is the first schema.
    if response.schema is not None:
        out[f"body {where} {label}"] = describe(response.schema)
        _properties(f"property {where} {label} ", response.schema, out)
    for header in response.headers:
        flag = "required" if header.required else "optional"
        out[f"header {where} {label} {header.name}"] = f"{flag} {describe(header.schema)}"


def _operation(operation: Operation, out: dict[str, str]) -> None:
    where = f"{operation.method} {operation.path}"
    out[f"operation {where}"] = (
        f"operationId={operation.operation_id} tags={','.join(operation.tags) or '-'}"
    )
    out[f"security {where}"] = _security(operation.security)
    for parameter in operation.parameters:
        flag = "required" if parameter.required else "optional"
        key = f"parameter {where} {parameter.location}:{parameter.name}"
        out[key] = f"{flag} {describe(parameter.schema)}"
    for response in operation.responses:
        _response(where, str(response.status), response, out)
    if operation.default_response is not None:
        _response(where, "default", operation.default_response, out)


def summarize(contract: Contract) -> dict[str, str]:
    """Every element a client depends on, as `kind location -> descriptor`."""
    out: dict[str, str] = {
        "openapi": contract.openapi,
        "info.title": contract.title,
        "info.version": contract.version,
    }
    for url in contract.servers:
        out[f"server {url}"] = "present"
    for name, scheme in contract.security_schemes.items():
        fields = ("type", "scheme", "in", "name")
        out[f"securityScheme {name}"] = " ".join(f"{k}={scheme[k]}" for k in fields if k in scheme)
    for operation in contract.operations:
        _operation(operation, out)
    return out


@dataclass(frozen=True)
class Change:
    kind: str  # "added", "removed" or "changed"
    element: str
    before: str | None
    after: str | None

    def __str__(self) -> str:
        if self.kind == "added":
            return f"+ {self.element}: {self.after}"
        if self.kind == "removed":
            return f"- {self.element}: {self.before}"
        return f"~ {self.element}: {self.before} -> {self.after}"


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """The changes from document `old` to document `new`, element by element."""
    before, after = summarize(read(old)), summarize(read(new))
    changes = [Change("removed", k, before[k], None) for k in before if k not in after]
    changes += [Change("added", k, None, after[k]) for k in after if k not in before]
    changes += [
        Change("changed", k, before[k], after[k])
        for k in before
        if k in after and before[k] != after[k]
    ]
    return sorted(changes, key=lambda c: (c.element, c.kind))
