"""What the face reads from the success body, and whether a contract still gives it that.

The face (`apij._decode`) validates a statement against the contract, then reads its members by
name into the public models (`apij.models.ReleveIJ`, `PaiementIJ`): a member the contract no
longer requires (removed, renamed, made optional) or lets be null would end a call in a bare
`KeyError` or `TypeError` after a contract that validates it. update-spec refuses such a
contract (`problems`), naming the member, the cause and what would keep the face whole.

The members and their Python types are taken from the public models themselves, not listed here.
"""

from __future__ import annotations

import dataclasses
import datetime
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from apij._contract import OPERATION_ID
from apij.models import ReleveIJ
from apij.openapi import Contract, ContractError, read

# The JSON types each Python type of the public models is read from (and the format it needs).
_ACCEPTS: dict[Any, tuple[frozenset[str], str | None]] = {
    datetime.date: (frozenset({"string"}), "date"),
    int: (frozenset({"integer"}), None),
    Decimal: (frozenset({"number", "integer"}), None),
}


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


def _check(model: type, schema: Any, path: str, out: list[str]) -> None:
    if not isinstance(schema, Mapping) or "object" not in (_types(schema)[0] or {"object"}):
        out.append(f"{path} is no longer an object: the face reads {model.__name__} from it")
        return
    properties: Mapping[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    for name, python_type in _fields(model).items():
        here = f"{path}.{name}"
        if name not in properties:
            out.append(f"{here} is gone (removed or renamed): the face reads it by that name")
            continue
        if name not in required:
            out.append(f"{here} is no longer required: the face reads it on every statement")
        prop = properties[name]
        if typing.get_origin(python_type) is tuple:
            item = typing.get_args(python_type)[0]
            kinds, nullable = _types(prop)
            if kinds != frozenset({"array"}) or nullable:
                out.append(f"{here} is no longer a list: the face reads {item.__name__} lines")
                continue
            _check(item, prop.get("items") or {}, f"{here}[*]", out)
            continue
        accepts, fmt = _ACCEPTS[python_type]
        kinds, nullable = _types(prop)
        if nullable:
            out.append(
                f"{here} may be null: the face reads it as {python_type.__name__} (`Optional` "
                "in the public model would be a change of the face)"
            )
        if kinds is None or not kinds <= accepts or (fmt is not None and prop.get("format") != fmt):
            said = "|".join(sorted(kinds)) if kinds else "any type"
            if fmt is not None and prop.get("format") != fmt:
                said += f" without format {fmt}"
            out.append(f"{here} is now {said}: the face reads it as {python_type.__name__}")


def problems(document: Mapping[str, Any]) -> list[str]:
    """Why the face could not represent what this effective contract lets the server send."""
    try:
        contract: Contract = read(document)
        operation = contract.operation(OPERATION_ID)
    except ContractError:
        # No operation of the face's: the import check names the module the face misses.
        return []
    success = next((r for r in operation.responses if r.status and 200 <= r.status < 300), None)
    if success is None or success.schema is None:
        return [f"{operation.method} {operation.path} documents no success body"]
    out: list[str] = []
    where = f"{operation.method} {operation.path} {success.status} $"
    _check(ReleveIJ, success.schema, where, out)
    return out


ADVICE = (
    "The server would send what the face cannot read: each call would end in a bare KeyError or "
    "TypeError. If the upstream document is wrong about the wire, correct it with an overlay "
    "action in openapi/apij.overlay.yaml (e.g. `update: {required: [...]}` on the schema, or "
    "a `type` without null), citing the source; if it is right, change the face "
    "(apij.models, apij._decode) along with the document."
)
