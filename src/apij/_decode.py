"""Decode one HTTP response: a `ReleveIJ`, or the right typed error.

The body is parsed and judged by the one contract judge (`apij.judge`, through the face's
compiled operation `apij._contract`); this module holds the face's policy: what is drift, which
typed error a status and code stand for, and the bounded building of the statement.

Whatever the response holds, the outcome is a `ReleveIJ` or an `ApijError`. Errors are raised
outside `except` blocks, so they chain nothing: a parser's exception would keep the whole body
(`JSONDecodeError.doc`) reachable from the error.
"""

from __future__ import annotations

import email.utils
import math
import re
import time
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Context, Decimal, Inexact, InvalidOperation
from typing import Any, NoReturn

import httpx
from apij_client.models.erreur_code import ErreurCode

from apij import errors
from apij._contract import BodyJudge, face_operation
from apij.clock import Deadline
from apij.config import DriftKind
from apij.judge import parse_body
from apij.models import PaiementIJ, ReleveIJ

# Where decoding reports drift: (kind, JSON path, status).
DriftSink = Callable[[DriftKind, str, int], None]

__all__ = ["MAX_DIGITS", "DriftSink", "decode", "parse_retry_after", "scrub"]

# The generated enum names the codes: a renamed code in a regenerated client breaks this map.
_TOKEN_CODES = frozenset(
    {ErreurCode.JETON_ABSENT, ErreurCode.JETON_INVALIDE, ErreurCode.JETON_EXPIRE}
)
_KEY_CODES = frozenset({ErreurCode.CLE_API_INVALIDE})
_BY_STATUS: dict[int, tuple[type[errors.ApijError], str]] = {
    400: (errors.InvalidRequest, "invalid request"),
    401: (errors.Unauthorized, "credentials rejected"),
    403: (errors.ScopeMissing, "FranceConnect token lacks the cnam_paiements_ij scope"),
    404: (errors.InsuredPersonNotFound, "insured person not found"),
    429: (errors.RateLimited, "rate limited"),
}
_DETAIL_MAX = 200
# What cleaning removes from server text before anything else: control characters, lone
# surrogates, and the invisible format characters that could split a secret unseen.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]+")
_KNOWN_CODES = frozenset(code.value for code in ErreurCode)
# The face's bound on a statement's numbers: at most MAX_DIGITS digits before the decimal point.
# The contract sets no maximum, but trusted as they are, 1E+999999999 days took int() minutes and
# 0E-999999999 of CSG made every total a billion digits long. Checked before any conversion;
# amounts are then quantised to cents (Inexact: not whole cents, a contract without multipleOf).
MAX_DIGITS = 100
_DAYS_BOUND = 10**MAX_DIGITS
_CENT = Decimal("0.01")
_CENTS = Context(prec=MAX_DIGITS + 2, traps=[Inexact, InvalidOperation])
# Why a body did not parse (`apij.judge.parse_body`), as the face's errors say it.
_UNPARSED = {
    "duplicate-key": "body violates the contract: duplicate key in a JSON object",
    "unicode": "body holds a string that is not valid Unicode",
    "digits": f"a number beyond the face's bounds ({MAX_DIGITS} digits)",
    "number-range": "number out of range in the body",
    "json": "malformed JSON body",
}
_DELAY_SECONDS = re.compile(r"[0-9]+")
_FLOAT_DIGITS = 308  # the longest integer a float holds (sys.float_info.max is ~1.8e308)


def _masking(secret: str) -> re.Pattern[str]:
    # The secret's characters with any whitespace between them: cleaning turned whatever
    # separated them (a NUL, a newline) into a space.
    return re.compile(r"\s*".join(re.escape(c) for c in secret))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` cleaned, then every secret masked as '***', then its length capped.

    Cleaning comes first: a control or invisible character inside a secret must not hide it
    from the masking (masked first, `t-SEC\\u0000RET` would pass, and cleaning would then
    show `t-SEC RET`)."""
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", text))
    for secret in secrets:
        if secret:
            text = _masking(secret).sub("***", text)
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_MAX else text[: _DETAIL_MAX - 1] + "…"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds (ASCII digits only), or an
    HTTP-date; None for anything else. A delay too long for a float is `math.inf`."""
    if value is None:
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        digits = value.lstrip("0") or "0"
        # Never int() or float() any length: 400 digits overflow a float, 5,000 exceed int()'s
        # limit. Such a wait is unbounded, and longer than any max_retry_after.
        return float(int(digits)) if len(digits) <= _FLOAT_DIGITS else math.inf
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            return None
        wait = when.timestamp() - (time.time() if now is None else now)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return max(0.0, wait)


def _parse(content: bytes) -> tuple[Any, str | None]:
    """(document, None), or (None, what is wrong with the body)."""
    doc, wrong = parse_body(content)
    return doc, None if wrong is None else _UNPARSED[wrong]


def _no_drift(kind: DriftKind, path: str, status: int) -> None:
    """Drift goes nowhere (callers without a client's drift log)."""


def _unexpected(status: int, why: str) -> errors.UnexpectedResponse:
    cls = errors.UndocumentedServerError if status >= 500 else errors.UnexpectedResponse
    return cls(f"unexpected response: {why}", status=status)


def _document(status: int, headers: httpx.Headers, content: bytes, body: BodyJudge) -> Any:
    """The body's JSON document if its media type and syntax are the contract's."""
    if not body.accepts_media_type(headers.get("content-type")):
        raise _unexpected(status, "content type not allowed by the contract")
    doc, wrong = _parse(content)
    if wrong is not None:
        raise _unexpected(status, wrong)
    return doc


def _days(value: int | Decimal) -> int:
    """A day count validated as an integer (JSON `14`, `14.0`, `1.4E+1`), bounded before int()."""
    if isinstance(value, int):  # the JSON parser's own: at most 4,300 digits
        return value if value < _DAYS_BOUND else _too_many_digits()
    if not value.is_zero() and value.adjusted() >= MAX_DIGITS:
        _too_many_digits()
    return int(value)


def _too_many_digits() -> NoReturn:
    raise OverflowError(f"more than {MAX_DIGITS} digits")


def _releve(doc: dict[str, Any]) -> ReleveIJ:
    iso, cents = date.fromisoformat, _CENTS.quantize
    lignes = [
        PaiementIJ(
            iso(row["date_debut"]),
            iso(row["date_fin"]),
            _days(row["nombre_jours"]),
            # Validated as multiples of 0.01 where the contract says so; quantising to cents
            # (an int or a Decimal) is bounded by the context (a larger amount is
            # InvalidOperation, at once).
            cents(row["montant_journalier"], _CENT),
            cents(row["csg"], _CENT),
            cents(row["crds"], _CENT),
        )
        for row in doc["paiements"]
    ]
    return ReleveIJ(iso(doc["date_debut"]), iso(doc["date_fin"]), tuple(lignes))


def _on_time(deadline: Deadline | None, status: int) -> None:
    if deadline is not None and deadline.passed():
        raise errors.ApijTimeout("total deadline exceeded", status=status)


def decode(
    status: int,
    headers: httpx.Headers,
    content: bytes,
    secrets: Iterable[str],
    drift: DriftSink = _no_drift,
    deadline: Deadline | None = None,
) -> ReleveIJ:
    """The statement in a 200 response, or raise the typed error the response stands for.

    What the contract allows without describing it (drift) goes to `drift`, and the response
    is used all the same. Past `deadline`, `ApijTimeout`: checked before each
    step (parsing, judging, building the statement), so the call overruns it by one step at
    most, whose time grows with the body (bounded by max_response_bytes).
    """
    _on_time(deadline, status)
    compiled = face_operation()
    if status not in compiled.statuses:
        drift("undocumented_status", "$.status", status)
        if status in _BY_STATUS or status >= 500:
            # Not documented here, but its meaning is HTTP's: still classified.
            raise _error(status, headers, content, secrets, drift)
        raise _unexpected(status, "status not documented by the contract")
    body = compiled.bodies.get(status)
    if status < 400:
        if body is None:
            raise _unexpected(status, "no body schema in the contract")
        doc = _document(status, headers, content, body)
        _on_time(deadline, status)
        where = _violation(status, doc, body, drift)
        if where is not None:
            raise _unexpected(status, f"body violates the contract at {where}")
        _on_time(deadline, status)
        try:
            return _releve(doc)
        except Inexact:
            why = "an amount is not a whole number of cents"
        except ArithmeticError:
            why = f"a number beyond the face's bounds ({MAX_DIGITS} digits)"
        raise _unexpected(status, why)
    raise _error(status, headers, content, secrets, drift)


def _violation(status: int, doc: Any, body: BodyJudge, drift: DriftSink) -> str | None:
    """Where `doc` breaks the contract, or None; what it carries beyond it goes to `drift`."""
    verdict = body.judge(doc)
    for path in sorted(verdict.enum_paths):
        # A code or a value newer than this package.
        kind: DriftKind = (
            "unknown_error_code" if status >= 400 and path == "$.code" else "unknown_enum_value"
        )
        drift(kind, path, status)
    for path in sorted(verdict.unknown_members):
        drift("unknown_field", path, status)
    return verdict.where


def _error_body(
    status: int, headers: httpx.Headers, content: bytes, drift: DriftSink
) -> tuple[str | None, str | None]:
    """(code, message) of a well-formed error body, else (None, None)."""
    compiled = face_operation()
    body: BodyJudge | None = compiled.bodies.get(status)
    if body is None or not body.accepts_media_type(headers.get("content-type")):
        return None, None
    doc, wrong = _parse(content)
    if wrong is not None:
        return None, None
    if _violation(status, doc, body, drift) is not None:
        return None, None
    code = doc.get("code") if isinstance(doc, dict) else None
    message = doc.get("message") if isinstance(doc, dict) else None
    return (
        code if isinstance(code, str) else None,
        message if isinstance(message, str) else None,
    )


def _error(
    status: int,
    headers: httpx.Headers,
    content: bytes,
    secrets: Iterable[str],
    drift: DriftSink,
) -> errors.ApijError:
    compiled = face_operation()
    code, message = _error_body(status, headers, content, drift)
    detail = scrub(message, secrets) if message else None
    if code is not None and code not in _KNOWN_CODES:
        # Not the contract's: the server's text, which str() and repr() never carry. Its
        # value, cleaned and masked, goes first in `detail`.
        raw = scrub(code, secrets)
        detail = f"code {raw}: {detail}" if detail else f"code {raw}"
        code = errors.UNDOCUMENTED_CODE
    retry_after = parse_retry_after(headers.get("retry-after"))
    if status not in compiled.retry_after_statuses:
        # Only where the contract documents Retry-After (429 and 503 today) is it meaningful.
        retry_after = None
    cls: type[errors.ApijError]
    if status == 401:
        cls, summary = _unauthorized(code, headers.get("www-authenticate"))
    elif status == 404 and code != ErreurCode.ASSURE_INCONNU:
        # Not the API saying "unknown person": a gateway with no such resource.
        cls = errors.EndpointNotFound
        summary = "no such resource at the gateway; check base_url (path and API version)"
    elif status in _BY_STATUS:
        cls, summary = _BY_STATUS[status]
    elif status >= 500:
        documented = status in compiled.statuses
        cls = errors.ServerError if documented else errors.UndocumentedServerError
        summary = "server error"
    else:
        cls, summary = errors.UnexpectedResponse, "unexpected error status"
    return cls(summary, status=status, code=code, detail=detail, retry_after=retry_after)


def _unauthorized(code: str | None, challenge: str | None) -> tuple[type[errors.ApijError], str]:
    if code in _KEY_CODES:
        return errors.ApiKeyRejected, "partner API key rejected"
    if code in _TOKEN_CODES:
        return errors.TokenRejected, "FranceConnect token rejected"
    # No usable code: RFC 6750 says a refused bearer token is `error="invalid_token"`.
    if challenge and "invalid_token" in challenge.lower():
        return errors.TokenRejected, "FranceConnect token rejected"
    return errors.Unauthorized, "credentials rejected"
