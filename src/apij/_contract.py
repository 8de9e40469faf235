"""The getPaiementsIJ contract compiled once from the spec for the face: documented statuses,
media types, and each documented body's judge (`apij.judge.SchemaJudge`, exact on `Decimal`
money), strict and relaxed (without `enum`: drift, not a broken response).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from apij._drift import Shape, shape_of, unknown_members
from apij._json import member
from apij.judge import SchemaJudge
from apij.openapi import Contract, effective, media_type_allowed

__all__ = ["OPERATION_ID", "BodyJudge", "FaceOperation", "compile_operation", "face_operation"]

OPERATION_ID = "getPaiementsIJ"


def _drop_enums(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _drop_enums(v) for k, v in schema.items() if k != "enum"}
    if isinstance(schema, list):
        return [_drop_enums(v) for v in schema]
    return schema


@dataclass(frozen=True, slots=True)
class BodyJudge:
    """How one documented response body is judged: media types and schema."""

    media_types: tuple[str, ...]
    schema: SchemaJudge
    # Which object members the schema describes (for drift), None if nothing to check.
    shape: Shape | None = None

    def unknown_members(self, doc: Any) -> set[str]:
        """JSON paths of members `doc` carries that the schema does not describe."""
        return set() if self.shape is None else unknown_members(self.shape, doc)

    def enum_paths(self, doc: Any) -> set[str]:
        """JSON paths (array items as [*]) where `doc` holds a value outside an `enum`."""
        paths = set()
        for breach in self.schema.breaches(doc):
            if breach.keyword == "enum":
                path = "$"
                for part in breach.parts:
                    path = f"{path}[*]" if isinstance(part, int) else member(path, part)
                paths.add(path)
        return paths

    def accepts_media_type(self, content_type: str | None) -> bool:
        """Whether the response's Content-Type is one the spec documents for this status."""
        return media_type_allowed(content_type, self.media_types)

    def violation(self, doc: Any) -> str | None:
        """Where `doc` breaks the schema ("/paiements/3/csg (multipleOf)"), or None if it holds."""
        breach = self.schema.first(doc)
        return None if breach is None else f"{breach.pointer} ({breach.keyword})"


def _body_judge(schema: Any, media_types: tuple[str, ...], relax: bool) -> BodyJudge:
    schema = _drop_enums(schema) if relax else schema  # SchemaJudge compiles its own copy
    return BodyJudge(media_types, SchemaJudge(schema), shape_of(schema))


@dataclass(frozen=True, slots=True)
class FaceOperation:
    """What the spec says getPaiementsIJ may answer, compiled for the face."""

    statuses: frozenset[int]
    bodies: Mapping[int, BodyJudge]
    # Bodies judged without `enum`: well-formed, but with a code or value newer than this
    # package (drift, not a broken response).
    relaxed_bodies: Mapping[int, BodyJudge] = field(default_factory=dict)
    retry_after_statuses: frozenset[int] = frozenset()


def compile_operation(contract: Contract) -> FaceOperation:
    """Compile the operation's documented responses, read by the one spec reader."""
    operation = contract.operation(OPERATION_ID)
    bodies: dict[int, BodyJudge] = {}
    relaxed: dict[int, BodyJudge] = {}
    for response in operation.responses:
        status, schema = response.status, response.schema
        if status is None or schema is None:
            continue
        bodies[status] = _body_judge(schema, response.media_types, relax=False)
        relaxed[status] = _body_judge(schema, response.media_types, relax=True)
    return FaceOperation(
        statuses=operation.statuses,
        bodies=bodies,
        relaxed_bodies=relaxed,
        retry_after_statuses=frozenset(
            r.status for r in operation.responses if r.status and r.header("Retry-After")
        ),
    )


@functools.cache
def face_operation() -> FaceOperation:
    """The operation compiled from the effective spec (on first use, then shared)."""
    return compile_operation(effective())
