"""The getPaiementsIJ contract compiled once from the spec for the face: documented statuses,
media types, and each documented body's judges (`apij.judge.SchemaJudge`, exact on `Decimal`
money).

What the contract allows without describing it is drift: a member no schema lists (found by
`apij._drift`'s walk), a value outside an `enum` (a code or value newer than this package).
A body is judged in one validation when it holds everything, against its schema *closed*
(`unevaluatedProperties: false` wherever it lists an object's members): nothing undescribed,
no violation. Only a body that does not is judged again, to tell drift from a violation.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from apij._drift import Shape, listed_members, shape_of, unknown_members
from apij._json import member
from apij.judge import SchemaJudge
from apij.openapi import Contract, effective, media_type_allowed

__all__ = [
    "OPERATION_ID",
    "BodyJudge",
    "FaceOperation",
    "Verdict",
    "compile_operation",
    "face_operation",
]

OPERATION_ID = "getPaiementsIJ"


def _drop_enums(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _drop_enums(v) for k, v in schema.items() if k != "enum"}
    if isinstance(schema, list):
        return [_drop_enums(v) for v in schema]
    return schema


def _closed(schema: Any, *, part: bool = False) -> Any:
    """`schema` with `unevaluatedProperties: false` on each object schema that `properties`,
    `items` and `allOf` lead to and that lists all the members it allows (`listed_members`,
    the rule of the drift walk too). An `allOf` part is not closed itself (it would refuse its
    siblings' members), only the members it describes."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {name: _closed(sub) for name, sub in schema["properties"].items()}
    if isinstance(schema.get("items"), dict):
        out["items"] = _closed(schema["items"])
    if isinstance(schema.get("allOf"), list):
        out["allOf"] = [_closed(sub, part=True) for sub in schema["allOf"]]
    properties, complete = listed_members(schema)
    if properties and complete and not part:
        out["unevaluatedProperties"] = False
    return out


def _drift_path(parts: tuple[str | int, ...]) -> str:
    """A JSONPath from "$", array items as [*] (drift names a place in every statement)."""
    path = "$"
    for part in parts:
        path = f"{path}[*]" if isinstance(part, int) else member(path, part)
    return path


@dataclass(frozen=True, slots=True)
class Verdict:
    """What judging a body found: where it breaks the contract (then nothing else), else the
    drift it carries, as JSONPaths (array items as [*])."""

    where: str | None = None  # "/paiements/3/csg (multipleOf)"
    unknown_members: frozenset[str] = frozenset()
    enum_paths: frozenset[str] = frozenset()


_HOLDS = Verdict()


@dataclass(frozen=True, slots=True)
class BodyJudge:
    """How one documented response body is judged: its media types, its schema closed (the
    success path), as it is (`strict`) and without `enum` (`relaxed`), and the members it lists."""

    media_types: tuple[str, ...]
    closed: SchemaJudge
    strict: SchemaJudge
    relaxed: SchemaJudge
    shape: Shape | None

    def accepts_media_type(self, content_type: str | None) -> bool:
        """Whether the response's Content-Type is one the spec documents for this status."""
        return media_type_allowed(content_type, self.media_types)

    def judge(self, doc: Any) -> Verdict:
        """Where `doc` breaks the contract, or the drift it carries."""
        if self.closed.holds(doc):
            return _HOLDS
        enums: frozenset[str] = frozenset()
        if not self.strict.holds(doc):
            breaches = self.relaxed.breaches(doc)
            if breaches:
                return Verdict(f"{breaches[0].pointer} ({breaches[0].keyword})")
            # Only values outside an enum: a code or a value newer than this package.
            enums = frozenset(
                _drift_path(b.parts) for b in self.strict.breaches(doc) if b.keyword == "enum"
            )
        unknown = () if self.shape is None else unknown_members(self.shape, doc)
        return Verdict(unknown_members=frozenset(unknown), enum_paths=enums)

    def violation(self, doc: Any) -> str | None:
        """Where `doc` breaks the contract (drift aside), or None."""
        return self.judge(doc).where


def _body_judge(schema: Any, media_types: tuple[str, ...]) -> BodyJudge:
    # Each SchemaJudge compiles its own copy.
    return BodyJudge(
        media_types,
        closed=SchemaJudge(_closed(schema)),
        strict=SchemaJudge(schema),
        relaxed=SchemaJudge(_drop_enums(schema)),
        shape=shape_of(schema),
    )


@dataclass(frozen=True, slots=True)
class FaceOperation:
    """What the spec says getPaiementsIJ may answer, compiled for the face."""

    statuses: frozenset[int]
    bodies: Mapping[int, BodyJudge] = field(default_factory=dict)
    retry_after_statuses: frozenset[int] = frozenset()


def compile_operation(contract: Contract) -> FaceOperation:
    """Compile the operation's documented responses, read by the one spec reader."""
    operation = contract.operation(OPERATION_ID)
    return FaceOperation(
        statuses=operation.statuses,
        bodies={
            r.status: _body_judge(r.schema, r.media_types)
            for r in operation.responses
            if r.status is not None and r.schema is not None
        },
        retry_after_statuses=frozenset(
            r.status for r in operation.responses if r.status and r.header("Retry-After")
        ),
    )


@functools.cache
def face_operation() -> FaceOperation:
    """The operation compiled from the effective spec (on first use, then shared)."""
    return compile_operation(effective())
