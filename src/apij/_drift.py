"""Drift seen in production: what a response carries that the contract does not describe.

The face still returns the result (or its typed error) when the contract allows what came but
does not describe it: a member no schema declares, an error code or enum value newer than the
contract, a status the operation does not document but the face can still classify. Each drift
is reported once per client: a WARNING on the `apij` logger naming the JSON path (never the
value) and the client's `on_drift` hook, for metrics.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apij._json import member
from apij._log import LOGGER
from apij.config import DriftEvent, DriftHook, DriftKind

__all__ = ["DriftLog", "Shape", "listed_members", "shape_of", "unknown_members"]


@dataclass(frozen=True, slots=True)
class Shape:
    """The parts of a schema that say which object members are described.

    `declared` is None where the schema does not list members, or lets others in on purpose
    (`additionalProperties` or `patternProperties` given): nothing is drift there.
    """

    declared: frozenset[str] | None
    members: Mapping[str, Shape]
    items: Shape | None


_OPEN_ENDED = ("additionalProperties", "patternProperties", "unevaluatedProperties")


def listed_members(schema: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """The member schemas an object schema lists (its own `properties` and its `allOf` parts'),
    and whether those are all it means to allow: not where it lets others in on purpose
    (`additionalProperties`, `patternProperties` or `unevaluatedProperties` given)."""
    properties: dict[str, Any] = dict(schema.get("properties") or {})
    for part in schema.get("allOf") or ():
        if isinstance(part, Mapping):
            properties.update(part.get("properties") or {})
    return properties, not any(keyword in schema for keyword in _OPEN_ENDED)


def shape_of(schema: Any) -> Shape | None:
    """The shape of a JSON Schema (the reader's 2020-12 output), None where nothing is checked."""
    if not isinstance(schema, Mapping):
        return None
    properties, complete = listed_members(schema)
    declared = frozenset(properties) if properties and complete else None
    members = {name: s for name, sub in properties.items() if (s := shape_of(sub)) is not None}
    items = shape_of(schema.get("items"))
    if declared is None and not members and items is None:
        return None
    return Shape(declared, members, items)


def unknown_members(shape: Shape, doc: Any) -> set[str]:
    """JSON paths of the members `doc` has and `shape` does not describe (array items as [*])."""
    found: set[str] = set()
    _collect(shape, doc, "$", found)
    return found


def _collect(shape: Shape, doc: Any, path: str, found: set[str]) -> None:
    if isinstance(doc, dict):
        if shape.declared is not None and not doc.keys() <= shape.declared:
            found.update(member(path, name) for name in doc.keys() - shape.declared)
        for name, sub in shape.members.items():
            if name in doc:
                _collect(sub, doc[name], member(path, name), found)
    elif isinstance(doc, list) and shape.items is not None:
        items, item_path = shape.items, f"{path}[*]"
        for item in doc:
            _collect(items, item, item_path, found)


class DriftLog:
    """One client's drift reports: each (kind, path, status) logged and handed to the hook once."""

    def __init__(self, operation: str, hook: DriftHook | None) -> None:
        self._operation = operation
        self._hook = hook
        self._seen: set[tuple[str, str, int]] = set()
        self._lock = threading.Lock()

    def __call__(self, kind: DriftKind, path: str, status: int) -> None:
        with self._lock:
            if (kind, path, status) in self._seen:
                return
            self._seen.add((kind, path, status))
        LOGGER.warning(
            "contract drift: %s at %s in a %d response of %s (reported once per client)",
            kind, path, status, self._operation,
        )  # fmt: skip
        if self._hook is not None:
            try:
                self._hook(DriftEvent(kind, path, status, self._operation))
            except Exception:
                # A broken metrics hook must not fail the insurer's business call.
                LOGGER.exception("on_drift hook raised")
