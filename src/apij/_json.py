"""JSON documents as the project reads them: parsed exactly, and places in them named (JSONPath).

`loads` is the one body parser of the face and the exchange judge: numbers with a fraction or
an exponent become the `Decimal` of their literal (never a float), NaN and Infinity are refused,
and an object naming a key twice is refused (`json` would silently keep the last one, and a
body naming an amount twice is ambiguous). `member` and `json_path` write the paths reported in
errors, violations and drift events: paths only, never values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NoReturn

__all__ = ["DuplicateKey", "json_path", "loads", "member"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class DuplicateKey(ValueError):
    """A JSON object names the same key twice."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise DuplicateKey("duplicate key in a JSON object")
    return obj


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"non-standard JSON constant {name}")


def loads(content: bytes) -> Any:
    """The document in `content`. Raises DuplicateKey, ValueError (not JSON, bad encoding),
    RecursionError (nested too deep) or ArithmeticError (a number no Decimal holds)."""
    return json.loads(
        content, parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_object
    )


def member(path: str, name: str) -> str:
    """`path` extended by the member `name`, as JSONPath writes it (`.name` or `['na me']`)."""
    if _IDENTIFIER.fullmatch(name):
        return f"{path}.{name}"
    return path + "['" + name.replace("\\", "\\\\").replace("'", "\\'") + "']"


def json_path(root: str, parts: Sequence[str | int]) -> str:
    """`root` extended by member names and array indices."""
    for part in parts:
        root = f"{root}[{part}]" if isinstance(part, int) else member(root, part)
    return root
