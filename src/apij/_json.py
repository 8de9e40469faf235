"""JSON documents as the project reads them: parsed exactly, and places in them named (JSONPath).

`loads` is the one body parser of the face and the exchange judge: numbers with a fraction or
an exponent become the `Decimal` of their literal (never a float), NaN and Infinity are refused,
and an object naming a key twice is refused (`json` would silently keep the last one, and a
body naming an amount twice is ambiguous). A number literal longer than `MAX_NUMBER_LITERAL`
characters is refused (`NumberTooLong`) before any conversion: a 10^5-digit integer would cost
seconds to convert, and no amount or day count needs more than a few digits. The body must be
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
    "MAX_NUMBER_LITERAL",
    "DuplicateKey",
    "InvalidString",
    "NumberTooLong",
    "json_path",
    "loads",
    "member",
]

MAX_NUMBER_LITERAL = 100

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


class NumberTooLong(ValueError):
    """A number literal longer than MAX_NUMBER_LITERAL characters."""


def _integer(literal: str) -> int:
    if len(literal) > MAX_NUMBER_LITERAL:
        raise NumberTooLong("number literal too long")
    return int(literal)


def _decimal(literal: str) -> Decimal:
    if len(literal) > MAX_NUMBER_LITERAL:
        raise NumberTooLong("number literal too long")
    return Decimal(literal)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise DuplicateKey("duplicate key in a JSON object")
    return obj


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"non-standard JSON constant {name}")


def loads(content: bytes) -> Any:
    """The document in `content`. Raises DuplicateKey, NumberTooLong, ValueError (not JSON, bad
    encoding), RecursionError (nested too deep) or ArithmeticError (a number no Decimal holds)."""
    text = content.decode("utf-8")  # strict: UnicodeDecodeError is a ValueError
    doc = json.loads(
        text,
        parse_float=_decimal,
        parse_int=_integer,
        parse_constant=_reject_constant,
        object_pairs_hook=_object,
    )
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
