"""Reading JSON or YAML documents (errors with line and column) and writing canonical YAML."""

from __future__ import annotations

import json
from typing import Any

import yaml


class DocumentError(ValueError):
    """A document that cannot be parsed; the message names the line and column."""


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader that keeps ISO dates as strings: a spec's examples are JSON, not YAML dates."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_document(text: str, name: str = "the document") -> dict[str, Any]:
    """Parse JSON (when it starts with `{`) or YAML into a mapping, or raise DocumentError."""
    data: Any
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DocumentError(
                f"{name} is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from exc
    else:
        try:
            data = yaml.load(text, Loader=_PlainLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            problem = " ".join(p for p in (exc.context, exc.problem) if p)
            raise DocumentError(f"{name} is not valid YAML: {where}{problem}") from exc
        except yaml.YAMLError as exc:
            raise DocumentError(f"{name} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise DocumentError(f"{name} is not an object at the top level ({type(data).__name__})")
    return data


def dump_document(data: dict[str, Any]) -> str:
    """The canonical text: key order kept, unicode kept, block style, stable line width."""
    return yaml.dump(data, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True, width=100)
