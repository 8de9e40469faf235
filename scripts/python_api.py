"""What a contract change does to the generated Python API: breakages, the pinned public
surface, and the version bump that follows.

The bump follows the project's rule (CONTRIBUTING.md, "Versions"): the worse of the Python API
diff and the wire verdict. While the version is 0.x, breaking bumps the minor version and
anything else the patch (from 1.0 on: major, minor, patch); a contract of the same meaning
bumps nothing.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import griffe
from packaging.version import Version

from scripts.project import PACKAGE, PUBLIC_SURFACE, PYPROJECT, relative


@dataclass
class ApiReport:
    """The Python API differences, breaking ones first."""

    breaking: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    # Signatures that changed in a way griffe does not call breaking (a parameter made optional).
    changed: list[str] = field(default_factory=list)
    # Annotations of public attributes and return values that changed (`date` -> `date | None`):
    # griffe does not compare them; code typed against the old one no longer type-checks.
    retyped: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [
            *self.breaking,
            *self.retyped,
            *(f"removed {n}" for n in self.removed),
            *(f"added {n}" for n in self.added),
            *self.changed,
        ]

    @property
    def is_additive(self) -> bool:
        return bool(self.added or self.changed)

    @property
    def is_breaking(self) -> bool:
        return bool(self.breaking or self.removed or self.retyped)


def public_names(package: griffe.Object | griffe.Alias) -> set[str]:
    names: set[str] = set()
    stack: list[griffe.Object | griffe.Alias] = [package]
    while stack:
        obj = stack.pop()
        for name, member in obj.members.items():
            if name.startswith("_") or member.is_alias:
                continue
            names.add(member.path)
            if member.is_module or member.is_class:
                stack.append(member)
    return names


def _breakage_line(breakage: griffe.Breakage) -> str:
    # Our own wording: griffe's explain() embeds terminal colours and the temporary old path.
    line = f"BREAKING {breakage.obj.path}: {breakage.kind.value}"
    if breakage.kind is not griffe.BreakageKind.OBJECT_REMOVED:
        line += f" ({breakage.old_value!s} -> {breakage.new_value!s})"
    return line


def _load(root: Path) -> griffe.Object | griffe.Alias:
    return griffe.load(PACKAGE, search_paths=[root], allow_inspection=False)


def _signature(obj: griffe.Object | griffe.Alias) -> str | None:
    if not isinstance(obj, griffe.Function):
        return None
    return ", ".join(
        f"{p.name}: {p.annotation}" + (f" = {p.default}" if p.default is not None else "")
        for p in obj.parameters
    )


def _annotation(obj: griffe.Object | griffe.Alias) -> str | None:
    """The annotation of an attribute, or the return annotation of a function."""
    if isinstance(obj, griffe.Attribute):
        return None if obj.annotation is None else str(obj.annotation)
    if isinstance(obj, griffe.Function):
        return None if obj.returns is None else str(obj.returns)
    return None


def api_report(old_root: Path, new_root: Path) -> ApiReport:
    """griffe's breaking changes between two generated trees, plus removed, added and otherwise
    changed public names."""
    old, new = _load(old_root), _load(new_root)
    before, after = public_names(old), public_names(new)
    breaking = [_breakage_line(b) for b in griffe.find_breaking_changes(old, new)]
    changed, retyped = [], []
    for path in sorted(before & after):
        inner = path.removeprefix(PACKAGE + ".")
        if any(line.startswith(f"BREAKING {path}") for line in breaking):
            continue
        was, now = _signature(old[inner]), _signature(new[inner])
        if was != now:
            old_params, new_params = (was or "").split(", "), (now or "").split(", ")
            gone = [p for p in old_params if p not in new_params]
            came = [p for p in new_params if p not in old_params]
            changed.append(f"changed {path}: {', '.join(gone)} -> {', '.join(came)}")
        was_type, now_type = _annotation(old[inner]), _annotation(new[inner])
        if was_type != now_type:
            retyped.append(f"BREAKING {path}: annotation {was_type} -> {now_type}")
    removed, added = before - after, after - before
    return ApiReport(
        breaking=breaking,
        # A name whose parent is itself removed or added is said by its parent.
        removed=sorted(n for n in removed if n.rpartition(".")[0] not in removed),
        added=sorted(n for n in added if n.rpartition(".")[0] not in added),
        changed=changed,
        retyped=retyped,
    )


def _exports(package: griffe.Object | griffe.Alias, module: str) -> list[str] | None:
    parts = module.split(".")[1:]
    obj = package
    for part in parts:
        if part not in obj.members:
            return None
        obj = obj.members[part]
    exports = getattr(obj, "exports", None)
    return None if exports is None else sorted(str(name) for name in exports)


def update_public_surface(new_root: Path, surface: Path = PUBLIC_SURFACE) -> list[str]:
    """Pin the generated modules' new public names when the change only adds names.

    Removed names are a breaking change: the pin is left as it is, so the public-surface test
    fails until a maintainer decides. Returns the report lines.
    """
    pinned: dict[str, list[str]] = json.loads(surface.read_text(encoding="utf-8"))
    package = _load(new_root)
    lines: list[str] = []
    updated = dict(pinned)
    for module, names in pinned.items():
        if module != PACKAGE and not module.startswith(PACKAGE + "."):
            continue
        current = _exports(package, module)
        if current is None:
            lines.append(f"REMOVED module {module} (pin kept: the public-surface test will fail)")
            continue
        removed = sorted(set(names) - set(current))
        added = sorted(set(current) - set(names))
        if removed:
            lines += [f"REMOVED {module}.{n} (pin kept: the test will fail)" for n in removed]
        elif added:
            updated[module] = current
            lines += [f"added {module}.{n} (pinned)" for n in added]
    if updated != pinned:
        surface.write_text(json.dumps(updated, indent=2) + "\n", encoding="utf-8")
        lines.append(f"{relative(surface)} updated")
    return lines


def current_version(pyproject: Path = PYPROJECT) -> str:
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def next_version(current: str, api: ApiReport, wire: str | None) -> tuple[str, str] | None:
    """(the version that follows, why) under CONTRIBUTING's rule; None if no bump is due.

    The bump follows the worse of the Python API diff and the wire verdict (`scripts.wire`:
    breaking, soft, compatible, cosmetic, or None for no change). While 0.x: breaking bumps the
    minor version, anything else the patch; from 1.0: major for breaking, minor for additive (a
    Python API addition, or a soft or compatible wire change). A contract of the same meaning
    (cosmetic or no wire change, same Python API) does not bump: update-spec re-records the
    contract in the current version's section instead (`scripts.release.rerecord`).
    """
    version = Version(current)
    major, minor, patch = version.major, version.minor, version.micro
    if api.is_breaking or wire == "breaking":
        parts = [("Python API", api.is_breaking), ("wire", wire == "breaking")]
        why = "breaking: " + " and ".join(part for part, hit in parts if hit)
        return (f"{major}.{minor + 1}.0" if major == 0 else f"{major + 1}.0.0"), why
    if api.is_additive or wire in ("soft", "compatible"):
        why = "additive" if api.is_additive else f"{wire} wire change"
        return (f"{major}.{minor}.{patch + 1}" if major == 0 else f"{major}.{minor + 1}.0"), why
    return None


def version_bump(current: str, api: ApiReport, wire: str | None) -> str:
    """The report line: `version: 0.2.0 -> 0.3.0 (breaking: wire)`."""
    bump = next_version(current, api, wire)
    if bump is None:
        said = "same meaning" if wire == "cosmetic" else "nothing changed"
        return f"version: {current} (unchanged: {said})"
    return f"version: {current} -> {bump[0]} ({bump[1]})"
