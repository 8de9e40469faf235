"""A flat, comparable summary of an OpenAPI document, and the differences between two of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SCHEMA_FACETS = (
    "type",
    "format",
    "enum",
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
    "nullable",
)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    """Follow local $refs (components only) so parameters and responses compare by content."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 16:
        target: Any = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, seen = target, seen + 1
    return node


def _describe_schema(schema: Any) -> str:
    if not isinstance(schema, dict):
        return "?"
    if "$ref" in schema:
        return f"-> {_ref_name(schema['$ref'])}"
    facets = [f"{key}={schema[key]!r}" for key in _SCHEMA_FACETS if key in schema]
    if "items" in schema:
        facets.append(f"items({_describe_schema(schema['items'])})")
    for combinator in ("allOf", "oneOf", "anyOf"):
        if combinator in schema:
            parts = ", ".join(_describe_schema(s) for s in schema[combinator])
            facets.append(f"{combinator}({parts})")
    return " ".join(facets) or "any"


def _schema_entries(prefix: str, schema: Any, out: dict[str, str]) -> None:
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    required = set(schema.get("required", []))
    for name, prop in (schema.get("properties") or {}).items():
        flag = "required" if name in required else "optional"
        out[f"property {prefix}.{name}"] = f"{flag} {_describe_schema(prop)}"
        _schema_entries(f"{prefix}.{name}", prop, out)
    if isinstance(schema.get("items"), dict):
        _schema_entries(f"{prefix}[]", schema["items"], out)


def summarize(doc: dict[str, Any]) -> dict[str, str]:
    """Every element a client depends on, as `kind location -> descriptor`."""
    out: dict[str, str] = {}
    for server in doc.get("servers") or []:
        out[f"server {server.get('url')}"] = "present"
    security = doc.get("security") or []
    out["security (global)"] = " OR ".join(
        " AND ".join(sorted(requirement)) for requirement in security
    )
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    for name, scheme in schemes.items():
        fields = ("type", "scheme", "in", "name")
        out[f"securityScheme {name}"] = " ".join(f"{k}={scheme[k]}" for k in fields if k in scheme)
    for path, item in (doc.get("paths") or {}).items():
        shared = item.get("parameters") or []
        for method in _METHODS:
            if method not in item:
                continue
            op = item[method]
            where = f"{method.upper()} {path}"
            out[f"operation {where}"] = f"operationId={op.get('operationId')}"
            if "security" in op:
                out[f"security {where}"] = " OR ".join(
                    " AND ".join(sorted(requirement)) for requirement in op["security"]
                )
            for raw in [*shared, *(op.get("parameters") or [])]:
                param = _resolve(doc, raw)
                flag = "required" if param.get("required") else "optional"
                key = f"parameter {where} {param.get('in')}:{param.get('name')}"
                out[key] = f"{flag} {_describe_schema(param.get('schema'))}"
            for status, raw in (op.get("responses") or {}).items():
                response = _resolve(doc, raw)
                for media, content in (response.get("content") or {}).items():
                    out[f"response {where} {status} {media}"] = _describe_schema(
                        content.get("schema")
                    )
                if not response.get("content"):
                    out[f"response {where} {status}"] = "no body"
                for header, raw_header in (response.get("headers") or {}).items():
                    spec = _resolve(doc, raw_header)
                    flag = "required" if spec.get("required") else "optional"
                    out[f"header {where} {status} {header}"] = (
                        f"{flag} {_describe_schema(spec.get('schema'))}"
                    )
    for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
        out[f"schema {name}"] = _describe_schema(schema)
        _schema_entries(name, schema, out)
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


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    before, after = summarize(old), summarize(new)
    changes = [Change("removed", k, before[k], None) for k in before if k not in after]
    changes += [Change("added", k, None, after[k]) for k in after if k not in before]
    changes += [
        Change("changed", k, before[k], after[k])
        for k in before
        if k in after and before[k] != after[k]
    ]
    return sorted(changes, key=lambda c: (c.element, c.kind))
