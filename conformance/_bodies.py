"""JSON bodies with amounts as exact literals, and schema-guided ways to break a valid body."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import hypothesis.strategies as st

from conformance._support import validator


@dataclass(frozen=True)
class Literal:
    """A JSON number written exactly as `text` (so the test knows the literal on the wire)."""

    text: str


def render(value: Any) -> str:
    """JSON text of `value`, writing every `Literal` verbatim."""
    if isinstance(value, Literal):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(render(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def literal_forms(amount: float | int) -> st.SearchStrategy[Literal]:
    """Ways a server may legitimately write an amount in cents: 32.87, 32.8, 32.80, 32, 32.0."""
    with localcontext(prec=400):  # schema-valid amounts can be huge (1e+26 has no maximum)
        cents = Decimal(str(amount)).quantize(Decimal("0.01"))
        forms = {format(cents, "f"), format(cents.normalize(), "f")}
        if cents == cents.to_integral_value():
            forms |= {str(int(cents)), f"{int(cents)}.0"}
    return st.sampled_from(sorted(forms)).map(Literal)


def with_literals(value: Any, schema: Any) -> st.SearchStrategy[Any]:
    """`value` with each number under a decimal `multipleOf` replaced by a drawn `Literal`."""
    if isinstance(value, dict):
        props = schema.get("properties", {}) if isinstance(schema, dict) else {}
        keys = list(value)
        return st.tuples(*(with_literals(value[k], props.get(k, {})) for k in keys)).map(
            lambda items: dict(zip(keys, items, strict=True))
        )
    if isinstance(value, list):
        items = schema.get("items", {}) if isinstance(schema, dict) else {}
        return st.tuples(*(with_literals(v, items) for v in value)).map(list)
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and isinstance(schema, dict)
        and "multipleOf" in schema
    ):
        return literal_forms(value)
    return st.just(value)


@dataclass(frozen=True)
class Site:
    """A place in a body that a mutation can break, with the schema that governs it."""

    path: tuple[str | int, ...]
    schema: dict[str, Any]
    parent_required: tuple[str, ...]


def sites(value: Any, schema: dict[str, Any], path: tuple[str | int, ...] = ()) -> list[Site]:
    """Every node of `value` with its governing schema, depth first."""
    found: list[Site] = []
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key, item in value.items():
            sub = props.get(key, {})
            found.append(Site((*path, key), sub, tuple(schema.get("required", ()))))
            found += sites(item, sub, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            sub = schema.get("items", {})
            found.append(Site((*path, index), sub, ()))
            found += sites(item, sub, (*path, index))
    return found


def _wrong_type(schema: dict[str, Any]) -> list[Any]:
    kind = schema.get("type")
    candidates: dict[str, list[Any]] = {
        "string": [12, None, ["x"]],
        "integer": ["14", 1.5, None],
        "number": ["32.87", None, True],
        "array": [{}, "[]", None],
        "object": [[], "{}", None],
        "boolean": ["true", 0],
    }
    return candidates.get(str(kind), ["unexpected"])


def _breakers(site: Site) -> list[tuple[str, Any]]:
    """(name, replacement) pairs that may break the value at `site`; a REMOVE means delete it."""
    schema = site.schema
    out: list[tuple[str, Any]] = [(f"wrong type {v!r}", v) for v in _wrong_type(schema)]
    if site.path and site.path[-1] in site.parent_required:
        out.append(("remove required field", REMOVE))
    if "multipleOf" in schema:
        # More than two decimals: what float arithmetic produces (hypothesis-jsonschema's raw
        # 7.1000000000000005 is one) and what a client must refuse rather than round.
        out += [
            ("sub-cent digit", Literal("32.871")),
            ("float artefact", Literal("7.1000000000000005")),
        ]
    if "minimum" in schema:
        out.append(("below minimum", Literal(str(Decimal(str(schema["minimum"])) - 1))))
    if "maximum" in schema:
        out.append(("above maximum", Literal(str(Decimal(str(schema["maximum"])) + 1))))
    # 2020-12 (3.1, or 3.0's boolean flags as the reader converts them): the bound itself fails.
    for keyword in ("exclusiveMinimum", "exclusiveMaximum"):
        if isinstance(schema.get(keyword), (int, float)) and not isinstance(schema[keyword], bool):
            out.append((f"at {keyword}", Literal(str(Decimal(str(schema[keyword]))))))
    if schema.get("format") == "date":
        out += [("impossible date", "2025-02-30"), ("date-time for date", "2025-03-04T00:00:00Z")]
    if "enum" in schema:
        out.append(("value outside enum", "pas_dans_l_enum"))
    return out


REMOVE = object()


def mutated(value: Any, schema: dict[str, Any]) -> st.SearchStrategy[tuple[str, Any]]:
    """(description, body) where one node of `value` is broken in a schema-guided way."""
    candidates: list[tuple[Site | None, str, Any]] = [
        (site, name, new) for site in sites(value, schema) for name, new in _breakers(site)
    ]
    candidates.append((None, "body is not an object", None))
    candidates.append((None, "body is a list", []))

    def apply(choice: tuple[Site | None, str, Any]) -> tuple[str, Any]:
        site, name, new = choice
        if site is None:
            return name, new
        body = copy.deepcopy(value)
        parent = body
        for part in site.path[:-1]:
            parent = parent[part]
        if new is REMOVE:
            del parent[site.path[-1]]
        else:
            parent[site.path[-1]] = new
        return f"{name} at /{'/'.join(map(str, site.path))}", body

    return st.sampled_from(candidates).map(apply)


def is_valid_text(text: str, schema: dict[str, Any]) -> bool:
    """Whether JSON `text` is valid against `schema` (jsonschema_rs, formats asserted)."""
    try:
        document = json.loads(text)
    except ValueError:
        return False
    return bool(validator(schema).is_valid(document))
