"""Applying an OpenAPI Overlay to a document, action by action, with a report of what each did.

The targets are RFC 9535 JSONPath queries, evaluated by `jsonpath-rfc9535` (maintained, strict
RFC 9535, checked against the JSONPath Compliance Test Suite); its nodes carry their location,
which an update of a primitive, a removal and a copy need. The Overlay rules themselves are ours
and small: objects merge recursively, arrays concatenate (or, at the target, take one more item),
primitives are replaced, `remove: true` deletes each target node from its parent, and 1.1's `copy`
merges the single node its query selects the way `update` merges its literal value.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import jsonpath_rfc9535 as jsonpath

SUPPORTED_VERSIONS = ("1.0", "1.1")

Kind = Literal["update", "remove", "copy"]


class OverlayError(Exception):
    """The overlay cannot be applied to this document; the message names the action."""


@dataclass(frozen=True)
class ActionReport:
    """What one action did: how many nodes its target matched and how many it changed."""

    index: int
    name: str
    description: str
    kind: Kind
    matched: int
    changed: int
    note: str = ""

    @property
    def summary(self) -> str:
        """One phrase: what the action does to this document."""
        if not self.matched:
            return "matches nothing"
        if not self.changed:
            why = self.note or "already right"
            return f"matches {self.matched}, changes nothing ({why})"
        return f"changes {self.changed} of {self.matched} matched"


@dataclass(frozen=True)
class Applied:
    """The document with the overlay applied, and the report of every action in order."""

    document: dict[str, Any]
    actions: tuple[ActionReport, ...]
    # Where the reader's normalisation rewrote a spelling (`apij.openapi.normalised`).
    normalised: tuple[str, ...] = ()


def apply(overlay: Mapping[str, Any], document: Mapping[str, Any]) -> Applied:
    """Apply `overlay` to a copy of `document`; OverlayError if it cannot be applied."""
    version = _check_overlay(overlay)
    doc: dict[str, Any] = copy.deepcopy(dict(document))
    reports = []
    for index, action in enumerate(overlay["actions"]):
        reports.append(_apply_action(doc, action, index, version))
    return Applied(doc, tuple(reports))


def _check_overlay(overlay: Mapping[str, Any]) -> str:
    raw = str(overlay.get("overlay", ""))
    version = ".".join(raw.split(".")[:2])
    if version not in SUPPORTED_VERSIONS:
        raise OverlayError(
            f"unsupported overlay version {raw or '(missing)'}: 1.0.x or 1.1.x expected"
        )
    info = overlay.get("info")
    if not isinstance(info, Mapping) or "title" not in info or "version" not in info:
        raise OverlayError("the overlay has no info with a title and a version")
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        raise OverlayError("the overlay has no actions")
    return version


def _name(action: Mapping[str, Any], index: int) -> str:
    return str(action.get("x-name") or f"action {index + 1}")


def _kind(action: Mapping[str, Any], where: str, version: str) -> Kind:
    present: list[Kind] = []
    if action.get("remove") is True:
        present.append("remove")
    if "update" in action:
        present.append("update")
    if "copy" in action:
        if version == "1.0":
            raise OverlayError(f"{where}: `copy` needs overlay 1.1.0")
        present.append("copy")
    if len(present) != 1:
        raise OverlayError(f"{where}: give exactly one of update, copy, remove: true")
    return present[0]


def _find(query: Any, doc: dict[str, Any], where: str) -> list[jsonpath.JSONPathNode]:
    if not isinstance(query, str):
        raise OverlayError(f"{where}: the JSONPath query must be a string")
    try:
        return list(jsonpath.find(query, doc))
    except jsonpath.JSONPathError as exc:
        raise OverlayError(f"{where}: invalid JSONPath {query!r}: {exc}") from exc


def _apply_action(doc: dict[str, Any], action: Any, index: int, version: str) -> ActionReport:
    if not isinstance(action, Mapping):
        raise OverlayError(f"action {index + 1} is not an object")
    name = _name(action, index)
    where = f"overlay action {index + 1} ({name}, target {action.get('target')!r})"
    kind = _kind(action, where, version)
    nodes = _find(action.get("target"), doc, where)
    lines = str(action.get("description", "")).strip().splitlines()

    def done(changed: int, note: str = "") -> ActionReport:
        first = lines[0] if lines else ""
        return ActionReport(index, name, first, kind, len(nodes), changed, note)

    if kind == "remove":
        # Deepest first and, within an array, from the end: earlier removals never shift the
        # location of a later one.
        for node in sorted(nodes, key=_removal_order, reverse=True):
            _remove(doc, node.location, where)
        return done(len(nodes))
    if kind == "copy":
        sources = _find(action["copy"], doc, where)
        if len(sources) > 1:
            raise OverlayError(f"{where}: the copy query selects {len(sources)} nodes, not one")
        if not sources:
            return done(0, "the copy source matches nothing")
        value = copy.deepcopy(sources[0].value)
    else:
        value = action["update"]
    changed = 0
    for node in nodes:
        old = node.value
        new = _merged(old, value, node.path(), top=True)
        if _text(new) != _text(old):
            _set(doc, node.location, new, where)
            changed += 1
    return done(changed)


def _removal_order(node: jsonpath.JSONPathNode) -> tuple[int, int]:
    last = node.location[-1] if node.location else None
    return len(node.location), last if isinstance(last, int) else -1


def _merged(target: Any, value: Any, where: str, *, top: bool = False) -> Any:
    """`value` merged into `target` by the Overlay rules, as a new value (target untouched)."""
    if isinstance(target, dict):
        if not isinstance(value, Mapping):
            raise OverlayError(f"{where}: an object can only be merged with an object")
        out = dict(target)
        for key, item in value.items():
            out[key] = _merged(out[key], item, f"{where}.{key}") if key in out else _plain(item)
        return out
    if isinstance(target, list):
        if isinstance(value, list):
            return [*target, *_plain(value)]
        if top:
            return [*target, _plain(value)]
        raise OverlayError(f"{where}: an array can only be concatenated with an array")
    if isinstance(value, (Mapping, list)):
        raise OverlayError(f"{where}: a primitive can only be replaced by a primitive")
    return value


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _text(value: Any) -> str:
    # Python's equality says True == 1 == 1.0; JSON text tells them apart.
    return json.dumps(value, sort_keys=True)


def _parent(doc: dict[str, Any], location: tuple[str | int, ...], where: str) -> Any:
    if not location:
        raise OverlayError(f"{where}: the document root cannot be replaced or removed")
    node: Any = doc
    for step in location[:-1]:
        node = node[step]
    return node


def _set(doc: dict[str, Any], location: tuple[str | int, ...], value: Any, where: str) -> None:
    if not location:
        doc.clear()
        doc.update(value)
        return
    _parent(doc, location, where)[location[-1]] = value


def _remove(doc: dict[str, Any], location: tuple[str | int, ...], where: str) -> None:
    del _parent(doc, location, where)[location[-1]]
