"""The one judge of a message against the contract: routes, parameters and schemas.

The face (`apij._contract`, `apij._decode`), the exchange judge of the proxy (`apij.exchange`) and
the double's request checks (`apij.double.contract`, `apij.double.core`) all judge here; each
keeps its own policy (a typed error and drift, a `Violation`, a contract error answered).

A judgement says *where* (the instance's path, as parts) and *which keyword* of the schema is
broken, never the value, which may be a credential or personal data: jsonschema-rs messages,
which quote the instance, never leave this module.

Schemas are JSON Schema 2020-12 as `apij.openapi` writes them, judged by jsonschema-rs, except
the numeric keywords (`minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`,
`multipleOf`) wherever `properties` and `items` alone lead to them: jsonschema-rs judges those
exactly on `Decimal`s but slowly (about 1.5 µs a keyword and value, 5 ms of a 1,000-line
statement), so they are judged here, in exact decimal arithmetic, over all the values of a path
at once. Anywhere else they stay with jsonschema-rs. Numbers are ints and `Decimal`s, as
`apij._json.loads` parses them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    Clamped,
    Context,
    Decimal,
    DecimalException,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
    localcontext,
)
from typing import Any

import jsonschema_rs

from apij._json import DuplicateKey, InvalidString, loads
from apij.openapi import Contract, Operation, Parameter, parameter_value, path_regex

__all__ = [
    "BEARER_TOKEN",
    "Breach",
    "ContractJudge",
    "SchemaJudge",
    "parse_body",
    "relative_path",
]

# RFC 6750 b64token: what a bearer token may contain (also rules out header injection).
BEARER_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# Generous precision, the widest exponents, and every inexact outcome trapped: a remainder that
# cannot be computed exactly (an absurd exponent: 1E+400000 by 0.01) raises instead of rounding,
# and counts as a violation. Its cost is bounded by the precision, never by the exponent.
_EXACT = Context(
    prec=200,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[InvalidOperation, Inexact, Rounded, Overflow, Clamped],
)


@dataclass(frozen=True, slots=True)
class Breach:
    """One place where an instance breaks a schema: its path (member names and array
    indices) and the keyword broken. A missing required member is named by its own path."""

    parts: tuple[str | int, ...]
    keyword: str

    @property
    def pointer(self) -> str:
        """The path as a JSON Pointer ("/paiements/3/csg")."""
        return "/" + "/".join(str(part) for part in self.parts)


def _breach(error: Any) -> Breach:
    """The one mapping of a jsonschema-rs error: its instance path and keyword, no message."""
    parts = list(error.instance_path)
    keyword = str(error.schema_path[-1]) if error.schema_path else "schema"
    missing = getattr(error.kind, "property", None) if keyword == "required" else None
    if isinstance(missing, str):
        parts.append(missing)  # the absent member's own path: a name, not a value
    return Breach(tuple(parts), keyword)


def _number(value: Any) -> Decimal:
    # A float in the YAML-parsed spec stands for its shortest literal (0.01 -> "0.01").
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _multiples(numbers: list[int | Decimal], multiple: Decimal) -> bool:
    try:
        return not any(number % multiple for number in numbers)  # in the _EXACT context
    except DecimalException:
        return False


# The numeric keywords judged here: whether a (non-empty) list of numbers satisfies each.
_NUMERIC: dict[str, Callable[[list[int | Decimal], Decimal], bool]] = {
    "minimum": lambda numbers, bound: min(numbers) >= bound,
    "maximum": lambda numbers, bound: max(numbers) <= bound,
    "exclusiveMinimum": lambda numbers, bound: min(numbers) > bound,
    "exclusiveMaximum": lambda numbers, bound: max(numbers) < bound,
    "multipleOf": _multiples,
}
_NUM = frozenset({int, Decimal})  # the types of numbers
# An instance path: member names, None for every item of an array.
_Path = tuple[str | None, ...]


def _take_numeric(schema: Any, path: _Path, found: dict[_Path, list[tuple[str, Decimal]]]) -> None:
    """Move the numeric keywords of each schema `properties`/`items` lead to into `found`."""
    if not isinstance(schema, dict):
        return
    for keyword in _NUMERIC:
        bound = schema.get(keyword)
        if isinstance(bound, (int, float, Decimal)) and not isinstance(bound, bool):
            found.setdefault(path, []).append((keyword, _number(schema.pop(keyword))))
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, sub in properties.items():
            _take_numeric(sub, (*path, name), found)
    if isinstance(schema.get("items"), dict) and "prefixItems" not in schema:
        _take_numeric(schema["items"], (*path, None), found)


def _values_at(levels: dict[_Path, list[Any]], path: _Path) -> list[Any]:
    """The values at every instance location `path` matches; `levels` holds the walks done so
    far ({(): [document]}), so that paths sharing a prefix walk it once."""
    values = levels.get(path)
    if values is None:
        parents, step = _values_at(levels, path[:-1]), path[-1]
        if step is None:
            values = [item for node in parents if isinstance(node, list) for item in node]
        else:
            values = [node[step] for node in parents if isinstance(node, dict) and step in node]
        levels[path] = values
    return values


def _numbers_at(levels: dict[_Path, list[Any]], path: _Path) -> list[Any]:
    """The numbers among the values at `path`: numeric keywords ignore every other kind of
    value, booleans included (`apij._json.loads` makes numbers ints and Decimals, never
    subclasses)."""
    if not path:
        return [n for n in levels[()] if type(n) in _NUM]
    parents, step = _values_at(levels, path[:-1]), path[-1]
    if step is None:
        return [n for node in parents if isinstance(node, list) for n in node if type(n) in _NUM]
    return [n for node in parents if isinstance(node, dict) and type(n := node.get(step)) in _NUM]


def _locations(doc: Any, path: _Path) -> list[tuple[tuple[str | int, ...], Any]]:
    """(parts, value) for every instance location `path` matches (to name a breach)."""
    level: list[tuple[tuple[str | int, ...], Any]] = [((), doc)]
    for step in path:
        if step is None:
            level = [
                ((*parts, i), item)
                for parts, node in level
                if isinstance(node, list)
                for i, item in enumerate(node)
            ]
        else:
            level = [
                ((*parts, step), node[step])
                for parts, node in level
                if isinstance(node, dict) and step in node
            ]
    return level


class SchemaJudge:
    """One JSON Schema, compiled once; judges instances as `Breach`es."""

    def __init__(self, schema: Mapping[str, Any] | bool) -> None:
        own: Any = copy.deepcopy(schema) if isinstance(schema, Mapping) else schema
        # The numeric keywords judged here, by instance path.
        self._rules: dict[_Path, list[tuple[str, Decimal]]] = {}
        _take_numeric(own, (), self._rules)
        self._validator = jsonschema_rs.Draft202012Validator(own, validate_formats=True)

    def breaches(self, instance: Any) -> list[Breach]:
        """Every breach of the schema by `instance` (jsonschema-rs's first, in its order)."""
        return [*map(_breach, self._validator.iter_errors(instance)), *self._numeric(instance)]

    def holds(self, instance: Any) -> bool:
        """Whether `instance` breaks nothing (the valid case, the fast path)."""
        return self._validator.is_valid(instance) and not self._numeric(instance)

    def _numeric(self, instance: Any) -> list[Breach]:
        found = []
        levels: dict[_Path, list[Any]] = {(): [instance]}
        # One exact context for every remainder; the caller's thread-local one is left alone.
        with localcontext(_EXACT):
            for path, rules in self._rules.items():
                # All the values of one path at once (the valid case); one by one on a breach.
                numbers = _numbers_at(levels, path)
                if not numbers or all(_NUMERIC[k](numbers, bound) for k, bound in rules):
                    continue
                for parts, value in _locations(instance, path):
                    for keyword, bound in rules:
                        if type(value) in _NUM and not _NUMERIC[keyword]([value], bound):
                            found.append(Breach(parts, keyword))
        return found


def parse_body(content: bytes) -> tuple[Any, str | None]:
    """A JSON body parsed as the contract is judged (`apij._json.loads`): (document, None), or
    (None, why not): `duplicate-key`, `unicode` (a lone surrogate), `digits` (an integer of more
    than Python's 4,300 digits), `number-range` (a literal no Decimal holds), `json`."""
    try:
        return loads(content), None
    except DuplicateKey:
        return None, "duplicate-key"
    except InvalidString:
        return None, "unicode"
    except ValueError as exc:
        # int() refuses more than 4,300 digits (sys.int_info.str_digits_check_threshold).
        return None, "digits" if "integer string conversion" in str(exc) else "json"
    except RecursionError:
        return None, "json"
    except ArithmeticError:
        # A number literal no Decimal can hold (1e99999999999999999999).
        return None, "number-range"


def relative_path(path: str, base_path: str) -> str | None:
    """`path` relative to an API mounted at `base_path` ("/" at its root), None outside it."""
    base = base_path.rstrip("/")
    if not base:
        return path or "/"
    if path == base or path.startswith(base + "/"):
        return path[len(base) :] or "/"
    return None


def _kinds(schema: Mapping[str, Any]) -> tuple[str, ...]:
    kind = schema.get("type")
    return tuple(kind) if isinstance(kind, list) else (str(kind),) if kind else ()


class ContractJudge:
    """The contract's routes under a base path and its schemas compiled on first use."""

    def __init__(self, contract: Contract, base_path: str = "") -> None:
        self.contract = contract
        self.base_path = base_path.rstrip("/")
        by_template: dict[str, dict[str, Operation]] = {}
        for operation in contract.operations:
            by_template.setdefault(operation.path, {})[operation.method] = operation
        # Concrete paths before templated ones (OpenAPI: `/me/paiements` before `/me/{id}`).
        self.routes: tuple[tuple[re.Pattern[str], str, Mapping[str, Operation]], ...] = tuple(
            (path_regex(template), template, operations)
            for template, operations in sorted(by_template.items(), key=lambda t: t[0].count("{"))
        )
        # Keyed by the identity of a schema the contract holds (and so keeps alive as long as
        # this judge).
        self._judges: dict[int, SchemaJudge] = {}

    def schema(self, schema: Mapping[str, Any]) -> SchemaJudge:
        """The judge of one of the contract's schemas (compiled once)."""
        judge = self._judges.get(id(schema))
        if judge is None:
            judge = self._judges[id(schema)] = SchemaJudge(schema)
        return judge

    def relative(self, path: str) -> str | None:
        """The request path relative to the base path, None outside it."""
        return relative_path(path, self.base_path)

    def match(self, path: str) -> tuple[str, Mapping[str, Operation]] | None:
        """The template serving the full request `path`, with its operations by method."""
        relative = self.relative(path)
        if relative is not None:
            for pattern, template, operations in self.routes:
                if pattern.fullmatch(relative):
                    return template, operations
        return None

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation serving `method path` (full request path), if the contract has one."""
        found = self.match(path)
        return None if found is None else found[1].get(method.upper())

    def parameter(self, parameter: Parameter, values: Sequence[str] | None) -> list[str]:
        """The keywords a parameter's values break (form style, explode: a scalar parameter
        takes its first value, as openapi-core); `required` when a required one is absent."""
        if not values:
            return ["required"] if parameter.required else []
        schema = parameter.schema
        instance: Any
        if "array" in _kinds(schema):
            items = schema.get("items")
            items = items if isinstance(items, Mapping) else {}
            instance = [parameter_value(value, items) for value in values]
        else:
            instance = parameter_value(values[0], schema)
        return [breach.keyword for breach in self.schema(schema).breaches(instance)]

    def query(self, operation: Operation, query: Mapping[str, Sequence[str]]) -> list[Breach]:
        """How the query breaks the operation's query parameters, each breach named by the
        parameter (`("dateDebut",)`)."""
        return [
            Breach((parameter.name,), keyword)
            for parameter in operation.parameters_in("query")
            for keyword in self.parameter(parameter, query.get(parameter.name))
        ]
