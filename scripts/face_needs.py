"""What the face reads from the contract and sends by it, and whether a contract still allows that.

The face depends on the contract in four places; a contract the generator accepts but that takes
one of them away would end calls in a bare `KeyError`/`TypeError` (or an `InternalError` wrapping
one), or in a typed error on every call. update-spec refuses such a contract (`problems`), naming
the place, the cause and the overlay action that would keep the face whole:
- **the success body** (`apij._decode`): validated, then read by name into the public models
  (`apij.models.ReleveIJ`, `PaiementIJ`): every member must stay required, non-null and of the
  type the model reads. The members and their Python types are taken from the models themselves.
- **the request's parameters** (`apij.client`): the face calls the generated
  `get_paiements_ij._get_kwargs` with `ARGUMENTS` only, each a `datetime.date`: each must stay a
  parameter whose generated argument has that name (the generator snake-cases the wire name), in
  the query, of type string in format date (the generated code sends `isoformat()`); no other
  parameter may be required (the face would not pass it), and none may be a header (the face
  passes its own `headers=`: a second one is a TypeError on every call).
- **the credentials** (`apij.client`): the face sends the partner key in header `API_KEY_HEADER`
  and the user's token as `Authorization: Bearer`; some alternative of the operation's security
  requirements must be met by exactly these.
- **the error body** (`apij._decode`): the face reads `code` and `message` as optional strings
  (absent, null or of another type: the error is classified by its status and `detail` is None;
  this is typed, and `ApijError.code`/`detail` are `Optional` in the public API), and tells
  errors apart by the codes of `CODES`: each status there must document a string `code` that
  can take each of those values.

`conformance/test_face_needs.py` checks these statements against the face's actual requests and
error mapping.
"""

from __future__ import annotations

import dataclasses
import datetime
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from openapi_python_client.strings import snake_case

from apij._contract import OPERATION_ID
from apij.models import ReleveIJ
from apij.openapi import Contract, ContractError, Operation, read

# The JSON types each Python type of the public models is read from (and the format it needs).
_ACCEPTS: dict[Any, tuple[frozenset[str], str | None]] = {
    datetime.date: (frozenset({"string"}), "date"),
    int: (frozenset({"integer"}), None),
    Decimal: (frozenset({"number", "integer"}), None),
}
# The generated arguments the face passes (apij.client: `_get_kwargs(date_debut=, date_fin=)`),
# each a datetime.date, and the wire names they have in the contract the face was written for.
ARGUMENTS: dict[str, str] = {"date_debut": "dateDebut", "date_fin": "dateFin"}
API_KEY_HEADER = "X-API-Key"
# status -> {code: the error class the face raises for it}: the codes it tells errors apart by.
CODES: dict[int, dict[str, str]] = {
    401: {
        "cle_api_invalide": "ApiKeyRejected",
        "jeton_absent": "TokenRejected",
        "jeton_invalide": "TokenRejected",
        "jeton_expire": "TokenRejected",
    },
    404: {"assure_inconnu": "InsuredPersonNotFound"},
}


@dataclasses.dataclass(frozen=True)
class Problem:
    """What the face could not represent: where, why, and the overlay action that would keep
    the face whole (if the upstream document is wrong about the wire)."""

    where: str
    cause: str
    overlay: str

    def lines(self) -> list[str]:
        return [f"{self.where} {self.cause}", f"    overlay: {self.overlay}"]


def _fields(model: type) -> dict[str, Any]:
    hints = typing.get_type_hints(model)
    if dataclasses.is_dataclass(model):
        return {f.name: hints[f.name] for f in dataclasses.fields(model)}
    return {name: hints[name] for name in getattr(model, "_fields", ())}


def _types(schema: Mapping[str, Any]) -> tuple[frozenset[str] | None, bool]:
    kind = schema.get("type")
    if kind is None:
        return None, True
    kinds = set(kind) if isinstance(kind, list) else {kind}
    nullable = "null" in kinds
    if isinstance(schema.get("enum"), list):
        nullable = nullable and None in schema["enum"]
    kinds.discard("null")
    return frozenset(str(k) for k in kinds), nullable


def _said(kinds: frozenset[str] | None, schema: Mapping[str, Any], fmt: str | None) -> str:
    said = "|".join(sorted(kinds)) if kinds else "any type"
    if fmt is not None and schema.get("format") != fmt:
        now = schema.get("format")
        said += f" in format {now}" if now else f" without format {fmt}"
    return said


def _check(model: type, schema: Any, path: str, out: list[Problem]) -> None:
    if not isinstance(schema, Mapping) or "object" not in (_types(schema)[0] or {"object"}):
        out.append(
            Problem(
                path,
                f"is no longer an object: the face reads {model.__name__} from it",
                "restore `type: object` on the schema",
            )
        )
        return
    properties: Mapping[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    for name, python_type in _fields(model).items():
        here = f"{path}.{name}"
        if name not in properties:
            out.append(
                Problem(
                    here,
                    "is gone (removed or renamed): the face reads it by that name",
                    f"name it back (`properties.{name}` and `required` of the schema), "
                    "if the server still sends it",
                )
            )
            continue
        if name not in required:
            out.append(
                Problem(
                    here,
                    "is no longer required: the face reads it on every statement",
                    f"`update: {{required: [{name}]}}` on the schema, "
                    "if the server always sends it",
                )
            )
        prop = properties[name]
        if typing.get_origin(python_type) is tuple:
            item = typing.get_args(python_type)[0]
            kinds, nullable = _types(prop)
            if kinds != frozenset({"array"}) or nullable:
                out.append(
                    Problem(
                        here,
                        f"is no longer a list: the face reads {item.__name__} lines",
                        "restore `type: array` (without null) on the property",
                    )
                )
                continue
            _check(item, prop.get("items") or {}, f"{here}[*]", out)
            continue
        accepts, fmt = _ACCEPTS[python_type]
        kinds, nullable = _types(prop)
        if nullable:
            out.append(
                Problem(
                    here,
                    f"may be null: the face reads it as {python_type.__name__} (`Optional` "
                    "in the public model would be a change of the face)",
                    "`nullable: false` on the property (3.0), or a `type` without null (3.1: "
                    "`remove` the list, then `update` the type)",
                )
            )
        if kinds is None or not kinds <= accepts or (fmt is not None and prop.get("format") != fmt):
            wanted = "|".join(sorted(accepts)) + (f" (format {fmt})" if fmt else "")
            out.append(
                Problem(
                    here,
                    f"is now {_said(kinds, prop, fmt)}: the face reads it as "
                    f"{python_type.__name__}",
                    f"restore `type: {wanted}` on the property, if the server still sends it",
                )
            )


def _success(operation: Operation, where: str, out: list[Problem]) -> None:
    success = next((r for r in operation.responses if r.status and 200 <= r.status < 300), None)
    if success is None or success.schema is None:
        out.append(
            Problem(where, "documents no success body", "document the 200 body (PaiementsIJ)")
        )
        return
    _check(ReleveIJ, success.schema, f"{where} {success.status} $", out)


def _parameters(operation: Operation, where: str, out: list[Problem]) -> None:
    by_argument = {snake_case(p.name): p for p in operation.parameters}
    for argument, wire in ARGUMENTS.items():
        param = by_argument.get(argument)
        if param is None:
            fresh = [p.name for p in operation.parameters if p.name not in ARGUMENTS.values()]
            hint = f" (renamed {', '.join(fresh)}?)" if fresh else ""
            out.append(
                Problem(
                    f"{where} query:{wire}",
                    f"is gone{hint}: the face passes it as argument {argument}",
                    f"name the parameter back (`name: {wire}`), if the server still reads it",
                )
            )
            continue
        here = f"{where} {param.location}:{param.name}"
        if param.location != "query":
            out.append(
                Problem(
                    here,
                    f"is no longer in the query: the face sends {argument} there",
                    "restore `in: query` on the parameter",
                )
            )
        kinds, _ = _types(param.schema)
        if kinds != frozenset({"string"}) or param.schema.get("format") != "date":
            out.append(
                Problem(
                    here,
                    f"is now {_said(kinds, param.schema, 'date')}: the face passes a "
                    "datetime.date (the generated code sends its ISO date)",
                    "restore `schema: {type: string, format: date}` on the parameter",
                )
            )
    for param in operation.parameters:
        here = f"{where} {param.location}:{param.name}"
        if snake_case(param.name) in ARGUMENTS:
            continue
        if param.location == "header":
            out.append(
                Problem(
                    here,
                    "is a header parameter: the face passes its own headers, and the generated "
                    "request's would collide with them (TypeError on every call)",
                    "`remove: true` on the parameter, if the gateway does not need it",
                )
            )
        elif param.required:
            out.append(
                Problem(
                    here,
                    "is required: the face does not send it",
                    "`update: {required: false}` on the parameter, if the server does not need it",
                )
            )


def _met(scheme: Mapping[str, Any] | None) -> bool:
    """Whether what the face sends (API key header, bearer token) meets this scheme."""
    if scheme is None:
        return False
    kind = scheme.get("type")
    if kind == "apiKey":
        name = str(scheme.get("name", ""))
        return scheme.get("in") == "header" and name.lower() == API_KEY_HEADER.lower()
    if kind == "http":
        return str(scheme.get("scheme", "")).lower() == "bearer"
    return kind in ("oauth2", "openIdConnect")  # their access token travels as a bearer


def _shown_scheme(scheme: Mapping[str, Any] | None) -> str:
    if scheme is None:
        return "undeclared"
    if scheme.get("type") == "apiKey":
        return f"apiKey in {scheme.get('in')} {scheme.get('name')}"
    return " ".join(str(scheme[k]) for k in ("type", "scheme") if k in scheme)


def _security(contract: Contract, operation: Operation, where: str, out: list[Problem]) -> None:
    alternatives = operation.security
    if not alternatives or any(
        all(_met(contract.security_schemes.get(name)) for name in requirement)
        for requirement in alternatives
    ):
        return
    unmet = sorted(
        {n for r in alternatives for n in r if not _met(contract.security_schemes.get(n))}
    )
    said = ", ".join(f"{n} ({_shown_scheme(contract.security_schemes.get(n))})" for n in unmet)
    out.append(
        Problem(
            f"{where} security",
            f"needs {said}: the face sends header {API_KEY_HEADER} and a bearer token only",
            f"restore the schemes (an apiKey in header {API_KEY_HEADER}, an http bearer) and "
            "the requirement of both (security-both-credentials)",
        )
    )


def _error_codes(operation: Operation, where: str, out: list[Problem]) -> None:
    for status, codes in CODES.items():
        raises = ", ".join(sorted(set(codes.values())))
        response = operation.response(status)
        schema = response.schema if response is not None else None
        if not isinstance(schema, Mapping):
            out.append(
                Problem(
                    f"{where} {status}",
                    f"documents no error body: the face raises {raises} by its code",
                    f"document the {status} body with the Erreur schema (status-{status})",
                )
            )
            continue
        here = f"{where} {status} $.code"
        prop = (schema.get("properties") or {}).get("code")
        kinds = _types(prop)[0] if isinstance(prop, Mapping) else frozenset()
        if not isinstance(prop, Mapping) or (kinds is not None and "string" not in kinds):
            said = (
                "is gone" if not isinstance(prop, Mapping) else f"is now {_said(kinds, {}, None)}"
            )
            out.append(
                Problem(
                    here,
                    f"{said}: the face raises {raises} by its string code",
                    "document `code` again (`type: string`, its enum) in the error schema",
                )
            )
            continue
        enum = prop.get("enum")
        missing = sorted(c for c in codes if isinstance(enum, list) and c not in enum)
        if missing:
            out.append(
                Problem(
                    here,
                    f"no longer lists {', '.join(missing)}: the face raises "
                    f"{', '.join(sorted({codes[c] for c in missing}))} by it",
                    f"`update: {{enum: [{', '.join(missing)}]}}` on the code, if the server "
                    "still sends it",
                )
            )


def problems(document: Mapping[str, Any]) -> list[Problem]:
    """Why the face could not represent this effective contract: what it lets the server send,
    or asks the client to send, that the face cannot."""
    try:
        contract: Contract = read(document)
        operation = contract.operation(OPERATION_ID)
    except ContractError:
        # No operation of the face's: the import check names the module the face misses.
        return []
    out: list[Problem] = []
    where = f"{operation.method} {operation.path}"
    _success(operation, where, out)
    _parameters(operation, where, out)
    _security(contract, operation, where, out)
    _error_codes(operation, where, out)
    return out


ADVICE = (
    "A call would end in a bare KeyError or TypeError, or fail on every call. If the upstream "
    "document is wrong about the wire, correct it with the overlay action named above in "
    "openapi/apij.overlay.yaml, citing the source; if it is right, change the face "
    "(apij.models, apij._decode, apij.client) along with the document."
)
