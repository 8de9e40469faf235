"""The getPaiementsIJ contract compiled once from the spec: documented statuses, media types and
body validators that judge exact `Decimal` money correctly and fast.

jsonschema_rs validates structure, types, `required`, `enum` and `format` in Rust. Its numeric
keywords on `Decimal` instances are exact but slow (about 2 µs per keyword per value, and
`multipleOf` on floats is slower still), so for schemas of `type: number` reached through
`properties`/`items` the numeric keywords (`minimum`, `maximum`, `exclusive*`, `multipleOf`) are
lifted out at compile time and applied here in exact decimal arithmetic. Anything the lifting
does not cover stays in the schema for jsonschema_rs, which is slower but still exact.

The lifted checks run as C-level loops over all the values of one rule at once (`min`, `max`,
`sum`); a value or node of an unexpected shape makes them raise TypeError, and the values are
then judged one by one.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
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
from itertools import chain, repeat
from typing import Any

import jsonschema_rs

from apij._drift import Shape, shape_of, unknown_members
from apij._json import member
from apij.openapi import Contract, effective, media_type_allowed

__all__ = ["BodyContract", "NumericRule", "OperationContract", "contract"]

OPERATION_ID = "getPaiementsIJ"
_NUMERIC_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
# Generous precision, the widest exponents, and every inexact outcome trapped: a remainder (or a
# sum) that cannot be computed exactly (an absurd exponent) raises instead of rounding, and a
# remainder that raises counts as a violation. (With the default exponent range, the remainder
# of 1E-999999999999999999 by 0.01 underflowed to 0 and passed.)
_EXACT = Context(
    prec=200,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[InvalidOperation, Inexact, Rounded, Overflow, Clamped],
)
_DICT_GET = dict.get


def _decimal(value: Any) -> Decimal:
    # A float in the YAML-parsed spec stands for its shortest literal (0.01 -> "0.01").
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


@dataclass(frozen=True, slots=True)
class NumericRule:
    """The numeric keywords of one `type: number` schema, evaluated exactly."""

    minimum: Decimal | None = None
    maximum: Decimal | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    multiple_of: Decimal | None = None
    # Derived: (k, 10**(precision + k)) when multiple_of is exactly 10**k with k <= 0 (0.01 ->
    # -2), for `_multiples_hold`'s sum; else None.
    power_of_ten: tuple[int, Decimal] | None = field(default=None, init=False, compare=False)

    def __post_init__(self) -> None:
        k = _quantum_exponent(self.multiple_of)
        if k is not None:
            object.__setattr__(self, "power_of_ten", (k, Decimal(f"1E{_EXACT.prec + k}")))

    def violation(self, value: Decimal | int) -> str | None:
        """The keyword `value` violates, or None."""
        if self.minimum is not None and (
            value < self.minimum or (self.exclusive_minimum and value == self.minimum)
        ):
            return "minimum"
        if self.maximum is not None and (
            value > self.maximum or (self.exclusive_maximum and value == self.maximum)
        ):
            return "maximum"
        if self.multiple_of is not None:
            try:
                if _EXACT.remainder(Decimal(value), self.multiple_of):
                    return "multipleOf"
            except DecimalException:
                return "multipleOf"
        return None

    def holds_for_all(self, values: list[Any]) -> bool:
        """Whether every value satisfies the rule, in C-level loops (the common, valid case).

        Raises TypeError if a value is None (the caller then drops those).
        """
        if not values:
            return True
        low = None
        if self.minimum is not None:
            low = min(values)
            if low < self.minimum or (self.exclusive_minimum and low == self.minimum):
                return False
        if self.maximum is not None:
            high = max(values)
            if high > self.maximum or (self.exclusive_maximum and high == self.maximum):
                return False
        if self.multiple_of is not None:
            return self._multiples_hold(values, low)
        return True

    def _multiples_hold(self, values: list[Any], low: Any) -> bool:
        """`multipleOf` over all values: a sum when it can decide, else exact remainders."""
        if self.power_of_ten is not None and low is not None and low >= 0:
            k, bound = self.power_of_ten
            # An exact decimal sum has the smallest exponent of its terms (General Decimal
            # Arithmetic: an exact addition's exponent is the minimum of its operands'). If that
            # is >= k, every value is an integer times 10**k: a multiple of the quantum. One
            # `sum` costs half the remainders. The values being >= 0, the total bounds each of
            # them: below 10**(precision + k), each remainder would have been computed (not
            # refused as absurd), so both paths give the same verdict. If the sum would round
            # (trapped), or a value carries more digits (2.300 for cents), the remainders decide.
            try:
                with localcontext(_EXACT):
                    total = sum(values)
                if total < bound and (type(total) is int or total.as_tuple().exponent >= k):
                    return True
            except DecimalException:
                pass
        quantum = self.multiple_of
        try:
            # Our own context, never the caller's thread-local one (whose precision could make
            # an exact remainder fail); `%` is the fastest exact remainder in CPython.
            with localcontext(_EXACT):
                return not any(value % quantum for value in values)
        except DecimalException:
            return False


def _rule_of(schema: dict[str, Any]) -> NumericRule:
    minimum, maximum = schema.get("minimum"), schema.get("maximum")
    exclusive_min, exclusive_max = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    rule_min = _decimal(minimum) if minimum is not None else None
    rule_max = _decimal(maximum) if maximum is not None else None
    # OpenAPI 3.0 / draft 4 use booleans; OpenAPI 3.1 uses numbers (its own bound).
    if not isinstance(exclusive_min, bool) and exclusive_min is not None:
        rule_min = _decimal(exclusive_min)
        exclusive_min = True
    if not isinstance(exclusive_max, bool) and exclusive_max is not None:
        rule_max = _decimal(exclusive_max)
        exclusive_max = True
    multiple = _decimal(schema["multipleOf"]) if schema.get("multipleOf") is not None else None
    return NumericRule(
        minimum=rule_min,
        maximum=rule_max,
        exclusive_minimum=bool(exclusive_min),
        exclusive_maximum=bool(exclusive_max),
        multiple_of=multiple,
    )


def _quantum_exponent(multiple: Decimal | None) -> int | None:
    """k when `multiple` is exactly 10**k with k <= 0 (0.01 -> -2), else None."""
    if multiple is None or not multiple.is_finite():
        return None
    try:
        sign, digits, exponent = multiple.normalize(_EXACT).as_tuple()
    except DecimalException:  # more digits than the context holds: not a power of ten
        return None
    if sign or digits != (1,) or not isinstance(exponent, int) or exponent > 0:
        return None
    return exponent


def _lift(schema: Any, path: tuple[str, ...], rules: dict[tuple[str, ...], NumericRule]) -> None:
    """Move numeric keywords of `type: number` schemas into `rules`, keyed by instance path."""
    if not isinstance(schema, dict):
        return
    # Only plain numbers (nullable or not): the exact checks see numbers and skip nulls.
    if schema.get("type") in ("number", ["number", "null"]) and any(
        k in schema for k in _NUMERIC_KEYWORDS
    ):
        rules[path] = _rule_of(schema)
        for keyword in _NUMERIC_KEYWORDS:
            schema.pop(keyword, None)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, sub in properties.items():
            _lift(sub, (*path, name), rules)
    items = schema.get("items")
    if isinstance(items, dict):
        _lift(items, (*path, "*"), rules)


def _drop_enums(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _drop_enums(v) for k, v in schema.items() if k != "enum"}
    if isinstance(schema, list):
        return [_drop_enums(v) for v in schema]
    return schema


def _first_error(validator: Any, doc: Any) -> str:
    for error in validator.iter_errors(doc):
        # Location and keyword only: jsonschema_rs's message quotes the instance, which may be
        # personal data, so it never leaves this function.
        where = "/" + "/".join(str(p) for p in error.instance_path)
        keyword = error.schema_path[-1] if error.schema_path else "schema"
        return f"{where} ({keyword})"
    return "/ (schema)"  # pragma: no cover - only called when is_valid() said False


def _nodes(doc: Any, path: tuple[str, ...]) -> list[Any]:
    """Every instance location matching `path` ('*' = each item), without pointers (fast path)."""
    level = [doc]
    for step in path:
        if step == "*":
            # Usually one list (the 1,000 lines): flattened in C.
            level = list(chain.from_iterable(node for node in level if isinstance(node, list)))
        else:
            level = [node[step] for node in level if isinstance(node, dict) and step in node]
    return level


def _values(nodes: list[Any], names: tuple[str, ...]) -> list[Any]:
    """The values of properties `names` in `nodes`, None for an absent one (C-level loops)."""
    values: list[Any] = []
    for name in names:
        values += map(_DICT_GET, nodes, repeat(name))  # TypeError if a node is not a dict
    return values


def _containers(doc: Any, path: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    """Yield (pointer, object) for every instance location matching `path` ('*' = each item)."""
    level: list[tuple[str, Any]] = [("", doc)]
    for step in path:
        nxt: list[tuple[str, Any]] = []
        for pointer, node in level:
            if step == "*":
                if isinstance(node, list):
                    nxt.extend((f"{pointer}/{i}", item) for i, item in enumerate(node))
            elif isinstance(node, dict) and step in node:
                nxt.append((f"{pointer}/{step}", node[step]))
        level = nxt
    yield from level


def _locate(doc: Any, parent: tuple[str, ...], names: tuple[str, ...], rule: NumericRule) -> str:
    """Slow path, on failure only: the pointer and keyword of the first violating value."""
    for pointer, node in _containers(doc, parent):
        for name in names:
            value = node.get(name) if isinstance(node, dict) else None
            if isinstance(value, (int, Decimal)):
                keyword = rule.violation(value)
                if keyword:
                    return f"{pointer}/{name} ({keyword})"
    return f"{'/'.join(('', *parent))} (number)"  # pragma: no cover - defensive


@dataclass(frozen=True, slots=True)
class BodyContract:
    """How one documented response body is judged: media types and schema."""

    media_types: tuple[str, ...]
    validator: Any
    # parent path -> ((properties sharing one rule, rule), ...): each object list is built once
    # and each rule checked once over all its values (the three Montant fields share one).
    numeric: tuple[
        tuple[tuple[str, ...], tuple[tuple[tuple[str, ...], NumericRule], ...]], ...
    ] = ()
    root_rule: NumericRule | None = None
    # Which object members the schema describes (for drift), None if nothing to check.
    shape: Shape | None = None

    def unknown_members(self, doc: Any) -> set[str]:
        """JSON paths of members `doc` carries that the schema does not describe."""
        return set() if self.shape is None else unknown_members(self.shape, doc)

    def enum_paths(self, doc: Any) -> set[str]:
        """JSON paths (array items as [*]) where `doc` holds a value outside an `enum`."""
        paths = set()
        for error in self.validator.iter_errors(doc):
            if error.schema_path and error.schema_path[-1] == "enum":
                path = "$"
                for part in error.instance_path:
                    path = f"{path}[*]" if isinstance(part, int) else member(path, str(part))
                paths.add(path)
        return paths

    def accepts_media_type(self, content_type: str | None) -> bool:
        """Whether the response's Content-Type is one the spec documents for this status."""
        return media_type_allowed(content_type, self.media_types)

    def violation(self, doc: Any) -> str | None:
        """Where `doc` breaks the schema ("/paiements/3/csg (multipleOf)"), or None if it holds."""
        if not self.validator.is_valid(doc):
            return _first_error(self.validator, doc)
        if self.root_rule is not None and isinstance(doc, (int, Decimal)):
            keyword = self.root_rule.violation(doc)
            if keyword:
                return f"/ ({keyword})"
        for parent, props in self.numeric:
            nodes = _nodes(doc, parent)
            for names, rule in props:
                # Types were checked by jsonschema_rs: ints and Decimals (never bools), or None
                # for an absent or null property, or a node that is not an object: those make
                # the C-level loops raise TypeError, and the values are then sorted out here.
                try:
                    holds = rule.holds_for_all(_values(nodes, names))
                except TypeError:
                    values = [
                        v
                        for node in nodes
                        if isinstance(node, dict)
                        for n in names
                        if (v := node.get(n)) is not None
                    ]
                    holds = not values or rule.holds_for_all(values)
                if not holds:
                    return _locate(doc, parent, names, rule)
        return None


def _body_contract(schema: Any, media_types: tuple[str, ...], relax: bool) -> BodyContract:
    schema = copy.deepcopy(schema)
    if relax:
        schema = _drop_enums(schema)
    rules: dict[tuple[str, ...], NumericRule] = {}
    _lift(schema, (), rules)
    grouped: dict[tuple[str, ...], dict[NumericRule, list[str]]] = {}
    for path, rule in rules.items():
        if path:
            grouped.setdefault(path[:-1], {}).setdefault(rule, []).append(path[-1])
    return BodyContract(
        media_types=media_types,
        validator=jsonschema_rs.Draft202012Validator(schema, validate_formats=True),
        numeric=tuple(
            (parent, tuple((tuple(names), rule) for rule, names in by_rule.items()))
            for parent, by_rule in grouped.items()
        ),
        root_rule=rules.get(()),
        shape=shape_of(schema),
    )


@dataclass(frozen=True, slots=True)
class OperationContract:
    """What the spec says getPaiementsIJ may answer."""

    statuses: frozenset[int]
    bodies: Mapping[int, BodyContract]
    # Bodies judged without `enum`: well-formed, but with a code or value newer than this
    # package (drift, not a broken response).
    relaxed_bodies: Mapping[int, BodyContract] = field(default_factory=dict)
    retry_after_statuses: frozenset[int] = frozenset()


def compile_contract(contract: Contract) -> OperationContract:
    """Compile the operation's documented responses, read by the one spec reader."""
    operation = contract.operation(OPERATION_ID)
    bodies: dict[int, BodyContract] = {}
    relaxed: dict[int, BodyContract] = {}
    for response in operation.responses:
        status, schema = response.status, response.schema
        if status is None or schema is None:
            continue
        bodies[status] = _body_contract(schema, response.media_types, relax=False)
        relaxed[status] = _body_contract(schema, response.media_types, relax=True)
    return OperationContract(
        statuses=operation.statuses,
        bodies=bodies,
        relaxed_bodies=relaxed,
        retry_after_statuses=frozenset(
            r.status for r in operation.responses if r.status and r.header("Retry-After")
        ),
    )


@functools.cache
def contract() -> OperationContract:
    """The compiled contract of the effective spec (compiled on first use, then shared)."""
    return compile_contract(effective())
