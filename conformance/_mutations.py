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
    # update-spec refuses it: the regenerated client would lack a name the face imports.
    refused: bool = False


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
    _line_schema(spec)["properties"]["regime"] = {
        "type": "string",
        "description": "Scheme that paid the line.",
        "x-reconstructed": "inferred",
    }


def _m(
    name: str,
    apply: Callable[[Spec], None],
    after: set[str],
    stale: bool = True,
    mentions: tuple[str, ...] = (),
    refused: bool = False,
) -> Mutation:
    doc = (apply.__doc__ or name.replace("-", " ")).splitlines()[0]
    return Mutation(name, doc, apply, stale, frozenset(after), mentions, refused)


CATALOGUE: tuple[Mutation, ...] = (
    _m("remove-required-field", remove_required_field, {"face"}),
    _m("rename-field", rename_field, {"schemathesis/respx", "face"}),
    _m("change-field-type", change_field_type, {"schemathesis/respx", "face"}),
    _m("add-required-query-parameter", add_required_query_parameter, {"client requests"}),
    _m("rename-parameter", rename_parameter, {"schemathesis/respx", "client requests"}),
    # A 401 code: the face names each (ErreurCode.JETON_*, CLE_API_INVALIDE), so the regenerated
    # client would lack one of its names: update-spec refuses it.
    _m("remove-enum-value", remove_enum_value, set(), refused=True),
    _m("add-enum-value", add_enum_value, set()),
    _m("change-success-status", change_success_status, {"schemathesis/respx"}),
    _m("change-media-type", change_media_type, {"schemathesis/respx"}),
    _m("rename-api-key-header", rename_api_key_header, {"client requests"}),
    _m("drop-api-key-scheme", drop_api_key_scheme, {"schemathesis/respx"}),
    # Absorbed: the generated client builds the new path and the double routes from the contract.
    _m("change-path", change_path, set()),
    _m("tighten-numeric-bound", tighten_numeric_bound, {"schemathesis/respx"}),
    # Absorbed by the overlay: it documents 429 again, and the report says it did.
    _m("remove-error-status", remove_error_status, set(), mentions=("status-429: changes 1",)),
    _m("unchanged", unchanged, set(), stale=False),
    _m("add-optional-response-field", add_optional_response_field, set()),
)
