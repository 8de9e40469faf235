"""The catalogue of contract mutations, each with the verdicts the project's gate must give.

Every mutation edits a copy of the upstream document (the one `make update-spec` would receive).
It finds what it changes through the contract, never by the reconstruction's incidental names:
the face's operation by its operationId, its success body through its references, a property by
what its schema says. A mutation that finds nothing to change on the current upstream raises
NotApplicable, and the suite reports it as skipped with that reason. `after` names the checks
expected to catch the drift once `make update-spec` has brought the mutated document in (empty:
the change is absorbed, by the generated code or by the overlay, and the gate must stay green).
New elements carry `x-reconstructed: inferred`, as the traceability rule requires of a
reconstruction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from apij._contract import OPERATION_ID
from apij.openapi import HTTP_METHODS, referenced

Spec = dict[str, Any]


class NotApplicable(Exception):
    """The mutation has nothing to change in this upstream document; the message says why."""


@dataclass(frozen=True)
class Mutation:
    """One change of the contract and the verdicts it must produce."""

    name: str
    description: str
    apply: Callable[[Spec], None]
    stale_fails: bool
    after: frozenset[str]
    # Words the update-spec report must contain (e.g. the overlay action that absorbed it).
    report_mentions: tuple[str, ...] = ()
    # update-spec refuses it: the face could not represent the contract, or the regenerated
    # client would lack a name the face imports (`refusal` says which, in update-spec's words).
    refused: bool = False
    refusal: str = ""
    # The wire verdict (scripts/wire.py) and the rule ids it must name, and the version bump
    # update-spec must propose: "minor", "patch" or "none" (0.x), "-" when it refuses.
    verdict: str = ""
    rules: frozenset[str] = frozenset()
    bump: str = "-"
    # The pair's old side, when it is not the vendored upstream: this edit of it, brought in by
    # update-spec first (pairs with the same `before` share that baseline).
    before: Callable[[Spec], None] | None = None

    @property
    def outcome(self) -> str:
        """absorbed green / absorbed with the named layers failing / refused."""
        if self.refused:
            return "refused"
        if not self.after:
            return "absorbed green"
        return "absorbed, failing: " + ", ".join(sorted(self.after))


def _path_and_operation(spec: Spec) -> tuple[str, Spec]:
    for path, item in (spec.get("paths") or {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict) and op.get("operationId") == OPERATION_ID:
                return path, op
    raise NotApplicable(f"the upstream has no operation {OPERATION_ID}")


def _op(spec: Spec) -> Spec:
    return _path_and_operation(spec)[1]


def _success(spec: Spec) -> tuple[str, Any]:
    for status, response in (_op(spec).get("responses") or {}).items():
        if str(status).startswith("2"):
            return str(status), referenced(spec, response)
    raise NotApplicable("the operation documents no success response")


def _body(spec: Spec) -> Any:
    _, response = _success(spec)
    for media in (response.get("content") or {}).values():
        if "schema" in media:
            return referenced(spec, media["schema"])
    raise NotApplicable("the success response documents no body schema")


def _line_schema(spec: Spec) -> Any:
    """The schema of the statement's lines: the items of the body's array property."""
    for prop in (_body(spec).get("properties") or {}).values():
        if "items" in (schema := referenced(spec, prop)):
            return referenced(spec, schema["items"])
    raise NotApplicable("the success body has no array of lines")


def _lines(spec: Spec) -> Iterator[Spec]:
    """The lines of every success example (kept in step with schema changes)."""
    _, response = _success(spec)
    for media in (response.get("content") or {}).values():
        values = [media["example"]] if "example" in media else []
        values += [referenced(spec, e).get("value") for e in (media.get("examples") or {}).values()]
        for value in values:
            for prop in value.values() if isinstance(value, dict) else ():
                if isinstance(prop, list):
                    yield from (line for line in prop if isinstance(line, dict))


def _required_property(spec: Spec, kinds: tuple[str, ...], last: bool = False) -> tuple[Any, str]:
    """(line schema, name) of the first (or last) required line property of one of `kinds`."""
    line = _line_schema(spec)
    names = list(line.get("required") or [])
    for name in reversed(names) if last else names:
        prop = referenced(spec, line["properties"][name])
        if not kinds or prop.get("type") in kinds:
            return line, name
    raise NotApplicable(f"the line schema has no required {' or '.join(kinds) or ''} property")


def remove_required_field(spec: Spec) -> None:
    line, name = _required_property(spec, (), last=True)
    del line["properties"][name]
    line["required"].remove(name)
    for example in _lines(spec):
        example.pop(name, None)


def rename_field(spec: Spec) -> None:
    line, name = _required_property(spec, ("number",))
    line["properties"][f"{name}_brut"] = line["properties"].pop(name)
    line["required"] = [f"{name}_brut" if n == name else n for n in line["required"]]
    for example in _lines(spec):
        example[f"{name}_brut"] = example.pop(name)


def change_field_type(spec: Spec) -> None:
    line, name = _required_property(spec, ("integer",))
    prop = line["properties"][name] = dict(referenced(spec, line["properties"][name]))
    prop["type"] = "string"
    for keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "format"):
        prop.pop(keyword, None)
    prop["pattern"] = "^[1-9][0-9]*$"
    for example in _lines(spec):
        example[name] = str(example[name])


def add_required_query_parameter(spec: Spec) -> None:
    _op(spec).setdefault("parameters", []).append(
        {
            "name": "regime",
            "in": "query",
            "required": True,
            "description": "Scheme of the insured person.",
            "x-reconstructed": "inferred",
            "schema": {"type": "string", "enum": ["general", "agricole"]},
        }
    )


def rename_parameter(spec: Spec) -> None:
    path, op = _path_and_operation(spec)
    raw = [*(spec["paths"][path].get("parameters") or []), *(op.get("parameters") or [])]
    for parameter in (referenced(spec, p) for p in raw):
        if parameter.get("in") == "query":
            parameter["name"] = f"{parameter['name']}Periode"
            return
    raise NotApplicable("the operation has no query parameter")


def _error_code(spec: Spec) -> tuple[Any, str]:
    """(the code enum of the 401 body, the code of the 401 example)."""
    response = (_op(spec).get("responses") or {}).get("401")
    if response is None:
        raise NotApplicable("the upstream documents no 401 (the overlay adds it)")
    for media in (referenced(spec, response).get("content") or {}).values():
        schema = referenced(spec, media.get("schema") or {})
        for prop in (schema.get("properties") or {}).values():
            enum = referenced(spec, prop).get("enum")
            code = (media.get("example") or {}).get("code")
            if isinstance(enum, list) and code in enum:
                return media, str(code)
    raise NotApplicable("the 401 response has no example code from an enum")


def _code_enum(spec: Spec) -> list[Any]:
    media, _ = _error_code(spec)
    schema = referenced(spec, media["schema"])
    for prop in schema["properties"].values():
        enum = referenced(spec, prop).get("enum")
        if isinstance(enum, list):
            return enum
    raise NotApplicable("the 401 body has no enum")  # pragma: no cover - _error_code found one


def remove_enum_value(spec: Spec) -> None:
    media, code = _error_code(spec)
    enum = _code_enum(spec)
    enum.remove(code)
    media["example"]["code"] = enum[0]


def add_enum_value(spec: Spec) -> None:
    _code_enum(spec).append("compte_suspendu")


def change_success_status(spec: Spec) -> None:
    status, _ = _success(spec)
    responses = _op(spec)["responses"]
    responses["201"] = responses.pop(status)


def change_media_type(spec: Spec) -> None:
    _, response = _success(spec)
    content = response.get("content") or {}
    if not content:
        raise NotApplicable("the success response has no media type")
    content["application/vnd.cnam.apij+json"] = content.pop(next(iter(content)))


def _api_key_scheme(spec: Spec) -> tuple[str, Spec]:
    for name, scheme in ((spec.get("components") or {}).get("securitySchemes") or {}).items():
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            return name, scheme
    raise NotApplicable("the upstream declares no API key header")


def rename_api_key_header(spec: Spec) -> None:
    _api_key_scheme(spec)[1]["name"] = "X-Cnam-Api-Key"


def drop_api_key_scheme(spec: Spec) -> None:
    name, _ = _api_key_scheme(spec)
    del spec["components"]["securitySchemes"][name]
    for holder in [spec, *((_op(spec),))]:
        for requirement in holder.get("security") or []:
            requirement.pop(name, None)


def change_path(spec: Spec) -> None:
    path, _ = _path_and_operation(spec)
    spec["paths"][f"{path}-ij"] = spec["paths"].pop(path)


def tighten_numeric_bound(spec: Spec) -> None:
    # 30 EUR: below the double's sickness scenario (32.87 EUR a day).
    line = _line_schema(spec)
    for prop in line.get("properties", {}).values():
        schema = referenced(spec, prop)
        if schema.get("type") == "number":
            schema["maximum"] = 30
            return
    raise NotApplicable("the line schema has no number property")


def remove_error_status(spec: Spec) -> None:
    """Upstream drops 429: the overlay documents it again (its status-429 action now acts)."""
    responses = _op(spec).get("responses") or {}
    if "429" not in responses:
        raise NotApplicable("the upstream documents no 429")
    removed = responses.pop("429")
    ref = removed.get("$ref", "") if isinstance(removed, dict) else ""
    if ref.startswith("#/components/responses/"):
        spec["components"]["responses"].pop(ref.rsplit("/", 1)[-1], None)


def unchanged(spec: Spec) -> None:
    """Control: the same contract (fed to update-spec as JSON, so only the text differs)."""


def add_optional_response_field(spec: Spec) -> None:
    """A new optional line property, `regime`."""
    _line_schema(spec)["properties"]["regime"] = {
        "type": "string",
        "description": "Scheme that paid the line.",
        "x-reconstructed": "inferred",
    }


def make_nullable(spec: Spec) -> None:
    """A required response field made nullable (3.0 `nullable`): a null would be a TypeError."""
    line, name = _required_property(spec, ("string",))
    prop = dict(referenced(spec, line["properties"][name]))
    if str(spec.get("openapi", "")).startswith("3.0"):
        prop["nullable"] = True
    else:  # 3.1: `nullable` is no keyword; null joins the type list
        prop["type"] = [prop["type"], "null"]
    line["properties"][name] = prop


def camel_case_fields(spec: Spec) -> None:
    """The line's required fields renamed to camelCase (the generated Python API is unchanged)."""
    line = _line_schema(spec)
    names = [n for n in line.get("properties") or {} if "_" in n]
    if not names:
        raise NotApplicable("the line schema has no snake_case property")
    for name in names:
        head, *rest = name.split("_")
        camel = head + "".join(part.title() for part in rest)
        line["properties"][camel] = line["properties"].pop(name)
        if "required" in line:
            line["required"] = [camel if n == name else n for n in line["required"]]
        for example in _lines(spec):
            if name in example:
                example[camel] = example.pop(name)


def add_optional_query_parameter(spec: Spec) -> None:
    """A new optional query parameter, `canal` (an enum of two values)."""
    _op(spec).setdefault("parameters", []).append(
        {
            "name": "canal",
            "in": "query",
            "required": False,
            "description": "Channel of the request.",
            "x-reconstructed": "inferred",
            "schema": {"type": "string", "enum": ["web", "guichet"]},
        }
    )


def relax_numeric_bound(spec: Spec) -> None:
    """The line's amounts may carry tenths of a cent (multipleOf 0.01 -> 0.001)."""
    line = _line_schema(spec)
    for prop in line.get("properties", {}).values():
        schema = referenced(spec, prop)
        if schema.get("type") == "number" and schema.get("multipleOf") == 0.01:
            schema["multipleOf"] = 0.001
            return
    raise NotApplicable("the line schema has no amount in cents")


def _type_lists(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "type" and isinstance(value, str):
                node[key] = [value]
            elif key not in ("example", "examples", "enum", "default"):
                _type_lists(value)
    elif isinstance(node, list):
        for item in node:
            _type_lists(item)


def one_element_type_lists(spec: Spec) -> None:
    """The same contract in OpenAPI 3.1 with every type written as a one-element list."""
    text = repr(spec)
    if "'nullable'" in text or "'exclusiveMinimum': True" in text:
        raise NotApplicable("the upstream uses 3.0-only spellings this edit does not translate")
    spec["openapi"] = "3.1.0"
    _type_lists(spec.get("components"))
    _type_lists(spec.get("paths"))


def _reword(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                node[key] = f"{value} (reworded)"
            elif key not in ("example", "examples", "enum", "default"):
                _reword(value)
    elif isinstance(node, list):
        for item in node:
            _reword(item)


def reword_descriptions(spec: Spec) -> None:
    """Every description reworded: nothing on the wire changes."""
    _reword(spec)


def add_operation(spec: Spec) -> None:
    """A new operation (its own path and operationId); the double serves it from the contract."""
    path, op = _path_and_operation(spec)
    twin = {k: v for k, v in op.items() if k != "parameters"}
    twin["operationId"] = f"{OPERATION_ID}Recents"
    spec["paths"][f"{path}/recents"] = {"get": twin}


def change_server(spec: Spec) -> None:
    servers = spec.get("servers") or []
    if not servers:
        raise NotApplicable("the upstream documents no server")
    servers.append(
        {
            "url": "https://partenaires.api.ameli.fr/v2/indemnites-journalieres",
            "x-reconstructed": "inferred",
        }
    )


def default_star_response(spec: Spec) -> None:
    """CNAM's house style for errors: a `default` response documented as `*/*`."""
    responses = _op(spec).setdefault("responses", {})
    if "default" in responses:
        raise NotApplicable("the operation documents a default response")
    responses["default"] = {
        "description": "Any other error.",
        "x-reconstructed": "inferred",
        "content": {"*/*": {"schema": {"$ref": "#/components/schemas/Erreur"}}},
    }
    if "Erreur" not in ((spec.get("components") or {}).get("schemas") or {}):
        raise NotApplicable("the upstream has no Erreur schema")


def drop_retry_after(spec: Spec) -> None:
    """The 429 response no longer documents its Retry-After header."""
    response = (_op(spec).get("responses") or {}).get("429")
    if response is None:
        raise NotApplicable("the upstream documents no 429")
    headers = referenced(spec, response).get("headers") or {}
    if "Retry-After" not in headers:
        raise NotApplicable("the 429 response documents no Retry-After")
    del headers["Retry-After"]


def rename_operation_id(spec: Spec) -> None:
    """The face's operation under another operationId (not on the wire; the module renamed)."""
    _op(spec)["operationId"] = f"{OPERATION_ID}V2"


def make_field_optional(spec: Spec) -> None:
    """A required line field becomes optional: the face reads it on every line."""
    line, name = _required_property(spec, ("number",), last=True)
    line["required"].remove(name)


def _window_parameter(spec: Spec) -> Spec:
    path, op = _path_and_operation(spec)
    raw = [*(spec["paths"][path].get("parameters") or []), *(op.get("parameters") or [])]
    for parameter in (referenced(spec, p) for p in raw):
        schema = parameter.get("schema") or {}
        if parameter.get("in") == "query" and schema.get("format") == "date":
            found: Spec = parameter
            return found
    raise NotApplicable("the operation has no date query parameter")


def bound_date_parameter(spec: Spec) -> None:
    """A date parameter gets a maxLength (10: what an ISO date takes)."""
    _window_parameter(spec)["schema"]["maxLength"] = 10


def date_time_parameter(spec: Spec) -> None:
    """A date parameter becomes a date-time: what the client sends no longer validates."""
    _window_parameter(spec)["schema"]["format"] = "date-time"


def optional_date_parameter(spec: Spec) -> None:
    """A required date parameter becomes optional."""
    parameter = _window_parameter(spec)
    if not parameter.get("required"):
        raise NotApplicable("the date parameter is already optional")
    parameter["required"] = False


def add_response_header(spec: Spec) -> None:
    """The success response documents an optional X-Request-Id header."""
    _, response = _success(spec)
    response.setdefault("headers", {})["X-Request-Id"] = {
        "description": "Correlation id of the call.",
        "x-reconstructed": "inferred",
        "schema": {"type": "string"},
    }


def close_line_schema(spec: Spec) -> None:
    """The line schema forbids other members (`additionalProperties: false`)."""
    line = _line_schema(spec)
    if "additionalProperties" in line:
        raise NotApplicable("the line schema already states additionalProperties")
    line["additionalProperties"] = False


def add_security_alternative(spec: Spec) -> None:
    """The API key alone becomes an alternative way in (besides both credentials)."""
    name, _ = _api_key_scheme(spec)
    spec.setdefault("security", []).append({name: []})


def change_info_version(spec: Spec) -> None:
    """Only the document's own version moves."""
    spec.setdefault("info", {})["version"] = f"{spec['info'].get('version', '')}-bis"


def _query_parameters(spec: Spec) -> list[Spec]:
    path, op = _path_and_operation(spec)
    raw = [*(spec["paths"][path].get("parameters") or []), *(op.get("parameters") or [])]
    return [p for p in (referenced(spec, r) for r in raw) if p.get("in") == "query"]


def untyped_date_parameter(spec: Spec) -> None:
    """A date parameter loses its format: the generated argument becomes a `str`."""
    _window_parameter(spec)["schema"].pop("format")


def require_optional_parameter(spec: Spec) -> None:
    """An optional query parameter (the one `add-optional-query-parameter` adds) becomes
    required: the face does not send it."""
    for parameter in _query_parameters(spec):
        if not parameter.get("required"):
            parameter["required"] = True
            return
    raise NotApplicable("the operation has no optional query parameter")


def remove_parameter_enum_value(spec: Spec) -> None:
    """An optional query parameter's enum loses a value (the face never sends it)."""
    for parameter in _query_parameters(spec):
        enum = (parameter.get("schema") or {}).get("enum")
        if not parameter.get("required") and isinstance(enum, list) and len(enum) > 1:
            enum.pop()
            return
    raise NotApplicable("the operation has no optional query parameter with an enum")


def remove_optional_response_field(spec: Spec) -> None:
    """An optional line property (the one `add-optional-response-field` adds) is gone."""
    line = _line_schema(spec)
    optional = [n for n in line.get("properties") or {} if n not in (line.get("required") or ())]
    if not optional:
        raise NotApplicable("the line schema has no optional property")
    del line["properties"][optional[-1]]


def _error_schema(spec: Spec) -> tuple[Spec, str, str]:
    """(the 401 body's schema, its code property's name, its other string property's name)."""
    media, _ = _error_code(spec)
    schema: Spec = referenced(spec, media["schema"])
    props = schema.get("properties") or {}
    code = next(n for n, p in props.items() if isinstance(referenced(spec, p).get("enum"), list))
    text = next((n for n, p in props.items() if n != code and p.get("type") == "string"), None)
    if text is None:
        raise NotApplicable("the error body has no text property besides its code")
    return schema, code, text


def _error_examples(spec: Spec) -> Iterator[Spec]:
    """The example bodies of every error response of the face's operation."""
    for status, response in (_op(spec).get("responses") or {}).items():
        if str(status).startswith("2"):
            continue
        for media in (referenced(spec, response).get("content") or {}).values():
            values = [media["example"]] if "example" in media else []
            values += [
                referenced(spec, e).get("value") for e in (media.get("examples") or {}).values()
            ]
            yield from (v for v in values if isinstance(v, dict))


def nullable_error_code(spec: Spec) -> None:
    """The error body's code may be null (3.0 `nullable`, 3.1 a type list and null in the enum)."""
    schema, code, _ = _error_schema(spec)
    prop = schema["properties"][code] = dict(referenced(spec, schema["properties"][code]))
    if str(spec.get("openapi", "")).startswith("3.0"):
        prop["nullable"] = True
    else:
        prop["type"] = [prop["type"], "null"]
        prop["enum"] = [*prop["enum"], None]


def optional_error_code(spec: Spec) -> None:
    """The error body's code is no longer required."""
    schema, code, _ = _error_schema(spec)
    if code not in (schema.get("required") or ()):
        raise NotApplicable("the error code is not required")
    schema["required"].remove(code)


def retype_error_message(spec: Spec) -> None:
    """The error body's message becomes an object of texts by language."""
    schema, _, text = _error_schema(spec)
    schema["properties"][text] = {
        "type": "object",
        "description": "The message by language.",
        "x-reconstructed": "inferred",
        "additionalProperties": {"type": "string"},
    }
    for example in _error_examples(spec):
        if isinstance(example.get(text), str):
            example[text] = {"fr": example[text]}


def remove_error_code(spec: Spec) -> None:
    """The error body no longer documents its code."""
    schema, code, _ = _error_schema(spec)
    del schema["properties"][code]
    if code in (schema.get("required") or ()):
        schema["required"].remove(code)
    for example in _error_examples(spec):
        example.pop(code, None)


def _m(
    name: str,
    apply: Callable[[Spec], None],
    after: set[str],
    verdict: str,
    rules: set[str],
    bump: str,
    stale: bool = True,
    mentions: tuple[str, ...] = (),
    refusal: str = "",
    before: Callable[[Spec], None] | None = None,
) -> Mutation:
    doc = (apply.__doc__ or name.replace("-", " ")).splitlines()[0]
    return Mutation(
        name,
        doc,
        apply,
        stale,
        frozenset(after),
        mentions,
        refused=bool(refusal),
        refusal=refusal,
        verdict=verdict,
        rules=frozenset(rules),
        bump=bump,
        before=before,
    )


FACE = "the face could not represent this contract"
IMPORT = "lacks a name the face imports"
NULLABLE = "response-property-became-nullable"
REMOVED = "response-required-property-removed"
ADDED = "response-property-added"

CATALOGUE: tuple[Mutation, ...] = (
    _m("remove-required-field", remove_required_field, set(), "breaking", {REMOVED}, "-",
       refusal=FACE),
    _m("rename-field", rename_field, set(), "breaking", {REMOVED, ADDED}, "-", refusal=FACE),
    _m("change-field-type", change_field_type, set(), "breaking",
       {"response-property-type-changed"}, "-", refusal=FACE),
    _m("make-field-nullable", make_nullable, set(), "breaking", {NULLABLE}, "-", refusal=FACE),
    _m("camel-case-fields", camel_case_fields, set(), "breaking", {REMOVED, ADDED}, "-",
       refusal=FACE),
    # The face passes date_debut and date_fin only: a call would be a TypeError in the generated
    # code (`_get_kwargs`), so update-spec refuses (scripts/face_needs.py).
    _m("add-required-query-parameter", add_required_query_parameter, set(), "breaking",
       {"new-required-request-parameter"}, "-", refusal=FACE),
    _m("rename-parameter", rename_parameter, set(), "breaking",
       {"request-parameter-removed", "new-required-request-parameter"}, "-", refusal=FACE),
    # A 401 code the face tells errors apart by (cle_api_invalide, jeton_*): refused by the face's
    # needs before the import check would. On the wire, a client accepts fewer values unharmed.
    _m("remove-enum-value", remove_enum_value, set(), "compatible", {"response-narrowed"}, "-",
       refusal=FACE),
    _m("add-enum-value", add_enum_value, set(), "soft", {"response-enum-value-added"}, "patch"),
    _m("change-success-status", change_success_status, {"schemathesis/respx"}, "breaking",
       {"response-status-removed", "response-status-added"}, "minor"),
    _m("change-media-type", change_media_type, {"schemathesis/respx"}, "breaking",
       {"response-media-type-removed", "response-media-type-added"}, "minor"),
    # The face sends its key in X-API-Key: every call would be a 401.
    _m("rename-api-key-header", rename_api_key_header, set(), "breaking", {"security-changed"},
       "-", refusal=FACE),
    _m("drop-api-key-scheme", drop_api_key_scheme, {"schemathesis/respx"}, "breaking",
       {"security-changed"}, "minor"),
    # Absorbed: the generated client builds the new path and the double routes from the contract;
    # a client of the previous release calls the old path.
    _m("change-path", change_path, set(), "breaking", {"operation-removed", "operation-added"},
       "minor"),
    _m("tighten-numeric-bound", tighten_numeric_bound, {"schemathesis/respx"}, "compatible",
       {"response-narrowed"}, "patch"),
    # The contract test holds the amounts to the cent: it names the change.
    _m("relax-numeric-bound", relax_numeric_bound, {"contract"}, "soft",
       {"response-bound-relaxed"}, "patch"),
    # Absorbed by the overlay: it documents 429 again, and the report says it did.
    _m("remove-error-status", remove_error_status, set(), "cosmetic", {"annotations-changed"},
       "none", mentions=("status-429",)),
    _m("unchanged", unchanged, set(), "cosmetic", {"serialisation-changed"}, "none",
       stale=False),
    _m("reword-descriptions", reword_descriptions, set(), "cosmetic", {"annotations-changed"},
       "none"),
    _m("one-element-type-lists", one_element_type_lists, set(), "cosmetic",
       {"openapi-dialect-changed"}, "none", mentions=("Reader normalisation:",)),
    _m("add-optional-response-field", add_optional_response_field, set(), "soft", {ADDED},
       "patch"),
    _m("add-optional-query-parameter", add_optional_query_parameter, set(), "compatible",
       {"new-optional-request-parameter"}, "patch"),
    _m("add-operation", add_operation, set(), "compatible", {"operation-added"}, "patch"),
    _m("change-server", change_server, set(), "soft", {"server-changed"}, "patch"),
    # House style: the overlay moves the `*/*` body to application/json (the report says so).
    # The default's schema is `Erreur`, already in the return annotations: the Python API is
    # unchanged, the bump follows the soft wire verdict.
    _m("default-star-response", default_star_response, set(), "soft",
       {"response-status-added"}, "patch", mentions=("json-media-type-copy-default",)),
    _m("drop-retry-after", drop_retry_after, set(), "breaking", {"response-header-removed"},
       "minor"),
    _m("rename-operation-id", rename_operation_id, set(), "cosmetic", {"operation-id-changed"},
       "-", refusal=IMPORT),
    _m("make-field-optional", make_field_optional, set(), "breaking",
       {"response-property-became-optional"}, "-", refusal=FACE),
    _m("bound-date-parameter", bound_date_parameter, set(), "breaking",
       {"request-parameter-bound-tightened"}, "minor"),
    # The face passes a date (the generated code would want a datetime, the server one).
    _m("date-time-parameter", date_time_parameter, set(), "breaking",
       {"request-parameter-type-changed"}, "-", refusal=FACE),
    _m("optional-date-parameter", optional_date_parameter, set(), "compatible",
       {"request-parameter-became-optional"}, "patch"),
    _m("add-response-header", add_response_header, set(), "soft", {"response-header-added"},
       "patch"),
    _m("close-line-schema", close_line_schema, set(), "breaking", {"schema-changed"}, "minor"),
    _m("add-security-alternative", add_security_alternative, {"contract"}, "compatible",
       {"security-alternative-added"}, "patch"),
    _m("change-info-version", change_info_version, set(), "cosmetic", {"info-changed"}, "none"),
    # Compatible on the wire, but the generated argument becomes a str: the face's date would be
    # a TypeError in httpx. Refused.
    _m("untyped-date-parameter", untyped_date_parameter, set(), "compatible",
       {"request-parameter-widened"}, "-", refusal=FACE),
    # Pairs whose old side is another contract (`before`, brought in first, shared).
    _m("require-optional-parameter", require_optional_parameter, set(), "breaking",
       {"request-parameter-became-required"}, "-", refusal=FACE,
       before=add_optional_query_parameter),
    _m("remove-parameter-enum-value", remove_parameter_enum_value, set(), "breaking",
       {"request-parameter-enum-value-removed"}, "minor", before=add_optional_query_parameter),
    _m("remove-optional-response-field", remove_optional_response_field, set(), "soft",
       {"response-optional-property-removed"}, "minor", before=add_optional_response_field),
    # The error body: the face reads code and message as optional strings (typed: classified by
    # status, detail None; conformance/test_face_needs.py shows it), and tells errors apart by
    # the codes it names (without them, refused).
    # The face absorbs it; the generated client's `Erreur.from_dict` does not (openapi-python-client
    # 0.29.1 builds `ErreurCode(None)` for a 3.0 nullable enum): the client-responses test names it.
    _m("nullable-error-code", nullable_error_code, {"client responses"}, "breaking", {NULLABLE},
       "minor"),
    _m("optional-error-code", optional_error_code, set(), "breaking",
       {"response-property-became-optional"}, "minor"),
    # The face absorbs it; the double still writes its messages as text: its checks name it.
    _m("retype-error-message", retype_error_message, {"schemathesis/respx", "double scenarios"},
       "breaking", {"response-property-type-changed"}, "minor"),
    _m("remove-error-code", remove_error_code, set(), "breaking", {REMOVED}, "-", refusal=FACE),
)  # fmt: skip
