"""The one reader of OpenAPI documents: references resolved, schemas as JSON Schema 2020-12.

Everything that reads the contract (the face, the double, the scripts, the conformance suite)
reads it through `read()` or `effective()`, so there is one answer to "what does the contract
say": which operations exist, their parameters, their documented responses with media types,
headers and body schemas.

References are resolved here, by this module, and nowhere else: only local ones (`#/...`), each
followed once per use and inlined. A reference that points nowhere, leaves the document, or loops
back on itself (a recursive schema) makes the document unusable for this project and raises
`ContractError` naming the reference and where it was met. Schemas come out as self-contained
JSON Schema 2020-12: OpenAPI 3.0's `nullable` and boolean `exclusiveMinimum`/`exclusiveMaximum`
are translated, 3.1's type arrays and numeric bounds are already that dialect, and
OpenAPI-only annotations (`example`, `xml`, `discriminator`, `x-*`...) are dropped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from apij.errors import ContractError

__all__ = [
    "HTTP_METHODS",
    "Contract",
    "ContractError",
    "Header",
    "MediaType",
    "Operation",
    "Parameter",
    "Response",
    "effective",
    "media_type_allowed",
    "normalised",
    "parameter_value",
    "path_regex",
    "read",
    "referenced",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SUPPORTED_DIALECTS = ("3.0", "3.1")

# Keys whose values are instance data (where a "$ref" key is data, not a reference).
_DATA_KEYS = frozenset({"example", "enum", "default", "const"})
# Schema keywords whose value is one subschema, a list of them, or a map of them.
_ONE_SCHEMA = (
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
)
_SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# OpenAPI annotations that are not JSON Schema assertions (or not JSON Schema at all).
_DROPPED = frozenset(
    {
        "description",
        "example",
        "examples",
        "externalDocs",
        "xml",
        "discriminator",
        "deprecated",
        "readOnly",
        "writeOnly",
        "nullable",
        "$schema",
        "$id",
        "$comment",
    }
)


@dataclass(frozen=True)
class Header:
    """A documented response header: whether it is required and its value's schema."""

    name: str
    required: bool
    schema: dict[str, Any] | None


@dataclass(frozen=True)
class MediaType:
    """A documented body: its JSON Schema (None if unspecified) and its examples."""

    name: str
    schema: dict[str, Any] | None
    examples: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Response:
    """A documented response of an operation (`status` is None for `default`)."""

    status: int | None
    description: str
    content: tuple[MediaType, ...]
    headers: tuple[Header, ...]

    @property
    def media_types(self) -> tuple[str, ...]:
        """The documented media types, lower-cased, in document order."""
        return tuple(media.name.lower() for media in self.content)

    @property
    def schema(self) -> dict[str, Any] | None:
        """The body schema of the first documented media type that has one."""
        return next((media.schema for media in self.content if media.schema is not None), None)

    def header(self, name: str) -> Header | None:
        """The documented header `name` (case-insensitive), if any."""
        return next((h for h in self.headers if h.name.lower() == name.lower()), None)


@dataclass(frozen=True)
class Parameter:
    """A parameter of an operation (path-level ones merged in, operation-level ones winning)."""

    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    examples: tuple[Any, ...]


@dataclass(frozen=True)
class Operation:
    """One operation: where it lives, what it takes, what it may answer, who may call it."""

    method: str
    path: str
    operation_id: str | None
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    responses: tuple[Response, ...]
    default_response: Response | None
    # Alternatives (OR) of requirement objects, each a set of schemes required together (AND).
    security: tuple[tuple[str, ...], ...]

    @property
    def statuses(self) -> frozenset[int]:
        """The documented numeric statuses."""
        return frozenset(r.status for r in self.responses if r.status is not None)

    def response(self, status: int) -> Response | None:
        """The response documented for `status` (not `default`), if any."""
        return next((r for r in self.responses if r.status == status), None)

    def parameters_in(self, location: str) -> tuple[Parameter, ...]:
        """The parameters sent in `location` (query, header, path, cookie)."""
        return tuple(p for p in self.parameters if p.location == location)


@dataclass(frozen=True)
class Contract:
    """A whole OpenAPI document, read: its dialect, servers, security schemes and operations."""

    document: Mapping[str, Any]
    dialect: str
    openapi: str
    title: str
    version: str
    servers: tuple[str, ...]
    security_schemes: Mapping[str, Mapping[str, Any]]
    operations: tuple[Operation, ...]

    def operation(self, operation_id: str) -> Operation:
        """The operation with this `operationId`; ContractError if the contract has none."""
        for operation in self.operations:
            if operation.operation_id == operation_id:
                return operation
        raise ContractError(f"the contract has no operation {operation_id!r}")

    def api_key_header(self) -> str | None:
        """The header of the first `apiKey`-in-header security scheme, if any."""
        for scheme in self.security_schemes.values():
            if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
                return str(scheme.get("name"))
        return None


def read(document: Mapping[str, Any]) -> Contract:
    """Read an OpenAPI 3.0 or 3.1 document; ContractError if it cannot serve as the contract."""
    if not isinstance(document, Mapping):
        raise ContractError("the contract is not a JSON/YAML object")
    if "swagger" in document:
        raise ContractError("the contract is Swagger 2.0; convert it to OpenAPI 3 first")
    openapi = str(document.get("openapi", ""))
    dialect = ".".join(openapi.split(".")[:2])
    if dialect not in SUPPORTED_DIALECTS:
        raise ContractError(f"unsupported OpenAPI version {openapi or '(missing)'}; 3.0 or 3.1")
    reader = _Reader(document, dialect)
    reader.check_references(document, "#")
    info = _mapping(document.get("info"), "#/info")
    components = _mapping(document.get("components"), "#/components")
    return Contract(
        document=document,
        dialect=dialect,
        openapi=openapi,
        title=str(info.get("title", "")),
        version=str(info.get("version", "")),
        servers=tuple(
            str(server["url"])
            for server in document.get("servers") or ()
            if isinstance(server, Mapping) and "url" in server
        ),
        security_schemes={
            name: reader.follow(scheme, f"#/components/securitySchemes/{name}")
            for name, scheme in _mapping(
                components.get("securitySchemes"), "#/components/securitySchemes"
            ).items()
        },
        operations=reader.operations(),
    )


def normalised(document: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """`document` with OpenAPI 3.1's one-element type lists written as the type itself.

    `type: [object]` and `type: object` mean the same; the generator names models differently
    for the two (`ErreurType0`...), so the effective contract keeps the plain spelling. Returns
    the new document (the argument is left as it is) and the location of every list collapsed.
    Instance data (examples, enums, defaults) is left alone.
    """
    changed: list[str] = []

    def walk(node: Any, where: str) -> Any:
        if isinstance(node, Mapping):
            out: dict[str, Any] = {}
            for key, value in node.items():
                here = f"{where}/{_escape(str(key))}"
                if key in _DATA_KEYS or key == "examples":
                    out[key] = value
                elif (
                    key == "type"
                    and isinstance(value, list)
                    and len(value) == 1
                    and isinstance(value[0], str)
                ):
                    out[key] = value[0]
                    changed.append(here)
                else:
                    out[key] = walk(value, here)
            return out
        if isinstance(node, list):
            return [walk(item, f"{where}/{i}") for i, item in enumerate(node)]
        return node

    if not str(document.get("openapi", "")).startswith("3.1"):
        return dict(document), ()
    result: dict[str, Any] = walk(document, "#")
    return result, tuple(changed)


def referenced(document: Mapping[str, Any], node: Any) -> Any:
    """`node` with its `$ref` chain followed: the raw object it stands for in `document`.

    For code that edits a document in place (the spec-mutation suite): the object returned is
    the one inside `document`. ContractError if a reference dangles or loops.
    """
    return _Reader(document, "").follow(node, "#")


def path_regex(template: str) -> re.Pattern[str]:
    """What request paths a path template (`/me/{id}`) serves: a segment per parameter."""
    parts = re.split(r"(\{[^}/]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def parameter_value(raw: str, schema: Mapping[str, Any]) -> Any:
    """A query or header value as its schema's primitive type (form style, OpenAPI's default).

    Numbers become Decimals (judged exactly); a value that does not convert is left as it came,
    for the schema to reject.
    """
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    try:
        if "integer" in kinds:
            return int(raw)
        if "number" in kinds:
            return Decimal(raw)
    except (ValueError, ArithmeticError):
        return raw
    if "boolean" in kinds and raw in ("true", "false"):
        return raw == "true"
    return raw


def media_type_allowed(content_type: str | None, documented: Sequence[str]) -> bool:
    """Whether a Content-Type is one of the documented media types (`*/*`, `type/*` ranges)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    for allowed in documented:
        if allowed in ("*/*", media):
            return True
        if allowed.endswith("/*") and media.startswith(allowed[:-1]):
            return True
    return False


@functools.cache
def effective() -> Contract:
    """The effective contract the generated package was built from (read once, then shared)."""
    from apij_client.spec import SPEC

    return read(SPEC)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ContractError(f"{where} is not an object")
    return value


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class _Reader:
    """Resolution and conversion over one document (cheap to build, holds no cache)."""

    def __init__(self, document: Mapping[str, Any], dialect: str) -> None:
        self.document = document
        self.dialect = dialect

    # References ---------------------------------------------------------------------------------

    def target(self, ref: Any, where: str) -> Any:
        """The node a `$ref` points at."""
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise ContractError(f"unsupported $ref {ref!r} at {where}: only local references")
        node: Any = self.document
        for raw in unquote(ref[1:]).split("/")[1:]:
            token = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise ContractError(f"dangling $ref {ref!r} at {where}")
        return node

    def follow(self, node: Any, where: str) -> Mapping[str, Any]:
        """A Reference Object followed to the object it stands for (not for schemas)."""
        seen: list[str] = []
        while isinstance(node, Mapping) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                raise ContractError(f"$ref loop {' -> '.join([*seen, ref])} at {where}")
            seen.append(ref)
            node = self.target(ref, where)
        if not isinstance(node, Mapping):
            raise ContractError(f"{where} is not an object")
        return node

    def check_references(self, node: Any, where: str, names: bool = False) -> None:
        """Every `$ref` of the document, used or not, is local and points somewhere.

        Instance data (examples, defaults, enums) is not searched: a "$ref" there is a value.
        `names`: the keys of `node` are names (of properties...), not keywords.
        """
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str) and not names:
                self.target(ref, where)
            for key, value in node.items():
                here = f"{where}/{_escape(str(key))}"
                if names:
                    self.check_references(value, here)
                elif key in _DATA_KEYS:
                    continue
                elif key == "examples":
                    # Example Objects (possibly references) in OpenAPI; a list of values in a
                    # 3.1 schema. Their values are data.
                    for name, example in value.items() if isinstance(value, Mapping) else ():
                        if isinstance(example, Mapping) and isinstance(example.get("$ref"), str):
                            self.target(example["$ref"], f"{here}/{_escape(str(name))}")
                else:
                    self.check_references(value, here, names=key in _SCHEMA_MAP)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                self.check_references(item, f"{where}/{index}")

    # Schemas ------------------------------------------------------------------------------------

    def schema(self, node: Any, where: str, stack: tuple[str, ...]) -> Any:
        if isinstance(node, bool):
            return node
        if not isinstance(node, Mapping):
            raise ContractError(f"schema at {where} is not an object")
        if "$ref" in node:
            ref = node["$ref"]
            if ref in stack:
                raise ContractError(
                    f"recursive schema at {where} ({ref!r} refers back to itself); "
                    "recursive schemas are not supported"
                )
            resolved = self.schema(self.target(ref, where), str(ref), (*stack, ref))
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if self.dialect == "3.0" or not siblings:
                return resolved  # 3.0: siblings of $ref are ignored
            own = self.schema(siblings, where, stack)
            return {"allOf": [resolved, own]} if own else resolved
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROPPED or key.startswith("x-"):
                continue
            if key in _ONE_SCHEMA:
                out[key] = self.schema(value, f"{where}/{key}", stack)
            elif key in _SCHEMA_LIST and isinstance(value, list):
                out[key] = [
                    self.schema(item, f"{where}/{key}/{i}", stack) for i, item in enumerate(value)
                ]
            elif key in _SCHEMA_MAP and isinstance(value, Mapping):
                out[key] = {
                    name: self.schema(sub, f"{where}/{key}/{_escape(name)}", stack)
                    for name, sub in value.items()
                }
            elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
                # OpenAPI 3.0 (draft 4 style): a flag on minimum/maximum; 2020-12: the bound.
                bound = "minimum" if key == "exclusiveMinimum" else "maximum"
                if value and bound in node:
                    out[key] = node[bound]
            else:
                out[key] = value
        for key in ("exclusiveMinimum", "exclusiveMaximum"):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if node.get(key) is True and bound in node:
                out.pop(bound, None)
        if node.get("nullable") is True and self.dialect == "3.0":
            kind = out.get("type")
            if isinstance(kind, str):
                out["type"] = [kind, "null"]
            if isinstance(out.get("enum"), list) and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        return out

    # Operations ---------------------------------------------------------------------------------

    def operations(self) -> tuple[Operation, ...]:
        found = []
        paths = _mapping(self.document.get("paths"), "#/paths")
        root_security = self.document.get("security")
        for path, raw_item in paths.items():
            item_where = f"#/paths/{_escape(path)}"
            item = self.follow(raw_item, item_where)
            shared = item.get("parameters") or []
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                where = f"{item_where}/{method}"
                op = _mapping(item[method], where)
                security = op.get("security", root_security) or []
                found.append(
                    Operation(
                        method=method.upper(),
                        path=str(path),
                        operation_id=op.get("operationId"),
                        tags=tuple(str(t) for t in op.get("tags") or ()),
                        parameters=self.parameters([*shared, *(op.get("parameters") or [])], where),
                        responses=tuple(
                            self.response(status, raw, f"{where}/responses/{status}")
                            for status, raw in _mapping(
                                op.get("responses"), f"{where}/responses"
                            ).items()
                            if str(status).isdigit()
                        ),
                        default_response=(
                            self.response("default", op["responses"]["default"], where)
                            if "default" in (op.get("responses") or {})
                            else None
                        ),
                        security=tuple(
                            tuple(requirement)
                            for requirement in security
                            if isinstance(requirement, Mapping)
                        ),
                    )
                )
        return tuple(found)

    def parameters(self, raws: list[Any], where: str) -> tuple[Parameter, ...]:
        by_key: dict[tuple[str, str], Parameter] = {}
        for i, raw in enumerate(raws):
            param = self.follow(raw, f"{where}/parameters/{i}")
            name, location = param.get("name"), param.get("in")
            if not isinstance(name, str) or not isinstance(location, str):
                raise ContractError(f"parameter at {where}/parameters/{i} has no name or 'in'")
            examples = [param["example"]] if "example" in param else []
            for ex_name, example in _mapping(param.get("examples"), where).items():
                value = self.follow(example, f"{where}/examples/{ex_name}").get("value")
                examples.append(value)
            schema = param.get("schema", {})
            by_key[(name, location)] = Parameter(
                name=name,
                location=location,
                required=bool(param.get("required", location == "path")),
                schema=self.schema(schema, f"{where}/parameters/{i}/schema", ()),
                examples=tuple(examples),
            )
        return tuple(by_key.values())

    def response(self, status: str, raw: Any, where: str) -> Response:
        response = self.follow(raw, where)
        content = []
        for name, raw_media in _mapping(response.get("content"), f"{where}/content").items():
            media_where = f"{where}/content/{_escape(name)}"
            media = _mapping(raw_media, media_where)
            examples: list[tuple[str, Any]] = []
            if "example" in media:
                examples.append(("example", media["example"]))
            for ex_name, example in _mapping(media.get("examples"), media_where).items():
                followed = self.follow(example, f"{media_where}/examples/{ex_name}")
                if "value" in followed:
                    examples.append((str(ex_name), followed["value"]))
            schema = media.get("schema")
            content.append(
                MediaType(
                    name=str(name),
                    schema=None
                    if schema is None
                    else self.schema(schema, f"{media_where}/schema", ()),
                    examples=tuple(examples),
                )
            )
        headers = []
        for name, raw_header in _mapping(response.get("headers"), f"{where}/headers").items():
            header = self.follow(raw_header, f"{where}/headers/{name}")
            schema = header.get("schema")
            headers.append(
                Header(
                    name=str(name),
                    required=bool(header.get("required", False)),
                    schema=None
                    if schema is None
                    else self.schema(schema, f"{where}/headers/{name}/schema", ()),
                )
            )
        return Response(
            status=int(status) if status.isdigit() else None,
            description=str(response.get("description", "")),
            content=tuple(content),
            headers=tuple(headers),
        )
