"""The getPaiementsIJ contract compiled once from the spec for the face: documented statuses,
media types, and each documented body's judge (`apij.judge.SchemaJudge`, exact on `Decimal`
money).

Each body is judged against its schema *closed*: `unevaluatedProperties: false` wherever it lists
an object's members, so that a member the contract does not describe is a breach jsonschema-rs
finds and names. Such members, and values outside an `enum` (a code or value newer than this
package), are drift: reported, not a broken response. What holds under the closed schema with
its enums is the contract's and all described: one validation, nothing else to walk.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
# A schema that says so lets members it does not list in on purpose: nothing is drift there.
_OPEN_ENDED = ("additionalProperties", "patternProperties", "unevaluatedProperties")


def _drop_enums(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _drop_enums(v) for k, v in schema.items() if k != "enum"}
    if isinstance(schema, list):
        return [_drop_enums(v) for v in schema]
    return schema


def _lists_members(schema: Any) -> bool:
    return isinstance(schema, dict) and bool(schema.get("properties"))


def _closed(schema: Any, *, part: bool = False) -> Any:
    """`schema` with `unevaluatedProperties: false` on each object schema that `properties`,
    `items` and `allOf` lead to and that lists members (its own or its `allOf` parts'), unless
    it is open-ended. An `allOf` part is not closed itself (it would refuse its siblings'
    members), only the members it describes."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {name: _closed(sub) for name, sub in schema["properties"].items()}
    if isinstance(schema.get("items"), dict):
        out["items"] = _closed(schema["items"])
    parts = schema.get("allOf")
    if isinstance(parts, list):
        out["allOf"] = [_closed(sub, part=True) for sub in parts]
    lists = _lists_members(schema) or any(_lists_members(sub) for sub in parts or ())
    if lists and not part and not any(keyword in schema for keyword in _OPEN_ENDED):
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
    """How one documented response body is judged: media types and the closed schema, with its
    enums (`strict`) and without (`relaxed`: a value newer than this package is drift)."""

    media_types: tuple[str, ...]
    strict: SchemaJudge
    relaxed: SchemaJudge

    def accepts_media_type(self, content_type: str | None) -> bool:
        """Whether the response's Content-Type is one the spec documents for this status."""
        return media_type_allowed(content_type, self.media_types)

    def judge(self, doc: Any) -> Verdict:
        """Where `doc` breaks the contract, or the drift it carries."""
        if self.strict.holds(doc):
            return _HOLDS
        breaches = self.relaxed.breaches(doc)
        broken = [breach for breach in breaches if not breach.unexpected]
        if broken:
            return Verdict(f"{broken[0].pointer} ({broken[0].keyword})")
        return Verdict(
            unknown_members=frozenset(
                member(_drift_path(b.parts), name) for b in breaches for name in b.unexpected
            ),
            enum_paths=frozenset(
                _drift_path(b.parts) for b in self.strict.breaches(doc) if b.keyword == "enum"
            ),
        )

    def violation(self, doc: Any) -> str | None:
        """Where `doc` breaks the contract (drift aside), or None."""
        return self.judge(doc).where


def _body_judge(schema: Any, media_types: tuple[str, ...]) -> BodyJudge:
    return BodyJudge(
        media_types, SchemaJudge(_closed(schema)), SchemaJudge(_closed(_drop_enums(schema)))
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
