"""Reading any OpenAPI document (JSON or YAML) and writing it in the project's canonical YAML."""

from __future__ import annotations

from typing import Any

import yaml


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader that keeps ISO dates as strings: a spec's examples are JSON, not YAML dates."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_document(text: str) -> dict[str, Any]:
    """Parse JSON or YAML (JSON is YAML) into a mapping, or raise ValueError saying why not."""
    try:
        data = yaml.load(text, Loader=_PlainLoader)  # noqa: S506 - _PlainLoader is a SafeLoader
    except yaml.YAMLError as exc:
        raise ValueError(f"not valid JSON or YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"expected a mapping at the top level, got {type(data).__name__}")
    return data


def dump_document(data: dict[str, Any]) -> str:
    """The canonical text: key order kept, unicode kept, block style, stable line width."""
    return yaml.dump(data, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True, width=100)
