"""JSON documents as the project reads them: parsed exactly, and places in them named (JSONPath).

`loads` is the one body parser of the face and the exchange judge: numbers with a fraction or
an exponent become the `Decimal` of their literal (never a float), NaN and Infinity are refused,
and an object naming a key twice is refused (`json` would silently keep the last one, and a
body naming an amount twice is ambiguous). The body must be
UTF-8 (RFC 8259 §8.1) and every string valid Unicode: a lone surrogate (`"\\ud800"`, which
RFC 8259 §8.2 leaves unpredictable) is refused (`InvalidString`), since no validator, log or
terminal can take it. `member` and `json_path` write the paths reported in
errors, violations and drift events: paths only, never values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NoReturn

__all__ = [
    "DuplicateKey",
    "InvalidString",
    "json_path",
    "loads",
    "member",
]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A \u escape of a surrogate: only then can a parsed string hold a lone one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class DuplicateKey(ValueError):
    """A JSON object names the same key twice."""


class InvalidString(ValueError):
    """A string of the document is not valid Unicode (a lone surrogate)."""


def _check_strings(doc: Any) -> None:
    todo = [doc]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            todo += node.keys()
            todo += node.values()
        elif isinstance(node, list):
            todo += node
        elif isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidString("string not valid Unicode (lone surrogate)") from None


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise DuplicateKey("duplicate key in a JSON object")
    return obj


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"non-standard JSON constant {name}")


# One decoder for every call, as `json.loads` itself shares one (given options, it builds a new
# decoder and scanner each call).
_DECODER = json.JSONDecoder(
    parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_object
)


def loads(content: bytes) -> Any:
    """The document in `content`. Raises DuplicateKey, InvalidString, ValueError (not JSON, not
    UTF-8, an integer of more than Python's 4,300 digits) or RecursionError (nested too deep).

    Parsing costs what the text's length does (int() refuses more than 4,300 digits at once;
    a Decimal is built in linear time). What a huge number would cost later, converted or
    summed, is bounded where it is used (see apij._decode)."""
    text = content.decode("utf-8")  # strict: UnicodeDecodeError is a ValueError
    doc = _DECODER.decode(text)
    if _SURROGATE_ESCAPE.search(text):
        _check_strings(doc)
    return doc


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
