"""Judge one HTTP response against the contract: a `ReleveIJ`, or the right typed error."""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Iterable
from datetime import date
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    Clamped,
    Context,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
)
from typing import Any, NoReturn

import httpx
from apij_client.models.erreur_code import ErreurCode

from apij import errors
from apij._contract import BodyContract, contract
from apij.models import ReleveIJ, _trusted_lines

__all__ = ["decode", "parse_retry_after", "scrub"]

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
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by '***', control characters removed, length capped."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= _DETAIL_MAX else text[: _DETAIL_MAX - 1] + "…"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds, or an HTTP-date; else None."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"non-standard JSON constant {name}")


# JSON numbers with a fraction or an exponent become the Decimal of their literal, never a float.
# `create_decimal` of this context is `Decimal(literal)` (as wide as Decimal goes; whatever would
# not be exact raises, where Decimal() raises too), and about 7% faster to parse a body with.
_LITERAL = Context(
    prec=MAX_PREC,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[InvalidOperation, Inexact, Rounded, Clamped, Overflow],
)
# One decoder for every call (json.loads builds one per call when given hooks; the stdlib
# shares its own default decoder across threads the same way).
_JSON = json.JSONDecoder(parse_float=_LITERAL.create_decimal, parse_constant=_reject_constant)


def _load(response: httpx.Response) -> Any:
    content = response.content
    # What json.loads does with bytes: the encoding detected per RFC 8259/4627.
    return _JSON.decode(content.decode(json.detect_encoding(content), "surrogatepass"))


def _unexpected(response: httpx.Response, why: str) -> errors.UnexpectedResponse:
    status = response.status_code
    cls = errors.UndocumentedServerError if status >= 500 else errors.UnexpectedResponse
    return cls(f"unexpected response: {why}", status=status)


def _releve(doc: dict[str, Any]) -> ReleveIJ:
    iso = date.fromisoformat
    return ReleveIJ(iso(doc["date_debut"]), iso(doc["date_fin"]), _trusted_lines(doc["paiements"]))


def _body(response: httpx.Response, body: BodyContract) -> Any:
    if not body.accepts_media_type(response.headers.get("content-type")):
        raise _unexpected(response, "content type not allowed by the contract")
    try:
        doc = _load(response)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _unexpected(response, "malformed JSON body") from None
    except ArithmeticError:
        # A number literal no Decimal can hold exactly (1e99999999999999999999).
        raise _unexpected(response, "number out of range in the body") from None
    return doc


def decode(response: httpx.Response, secrets: Iterable[str]) -> ReleveIJ:
    """The statement in a 200 response, or raise the typed error the response stands for."""
    status = response.status_code
    compiled = contract()
    if status not in compiled.statuses:
        raise _unexpected(response, "status not documented by the contract")
    body = compiled.bodies.get(status)
    if status < 400:
        if body is None:
            raise _unexpected(response, "no body schema in the contract")
        doc = _body(response, body)
        where = body.violation(doc)
        if where is not None:
            raise _unexpected(response, f"body violates the contract at {where}")
        return _releve(doc)
    raise _error(response, body, compiled.relaxed_bodies.get(status), secrets)


def _error_body(
    response: httpx.Response, body: BodyContract | None, relaxed: BodyContract | None
) -> tuple[str | None, str | None]:
    """(code, message) of a well-formed error body, else (None, None)."""
    if body is None:
        return None, None
    try:
        doc = _body(response, body)
    except errors.UnexpectedResponse:
        return None, None
    if body.violation(doc) is None or (relaxed is not None and relaxed.violation(doc) is None):
        code = doc.get("code") if isinstance(doc, dict) else None
        message = doc.get("message") if isinstance(doc, dict) else None
        return (
            code if isinstance(code, str) else None,
            message if isinstance(message, str) else None,
        )
    return None, None


def _error(
    response: httpx.Response,
    body: BodyContract | None,
    relaxed: BodyContract | None,
    secrets: Iterable[str],
) -> errors.ApijError:
    status = response.status_code
    code, message = _error_body(response, body, relaxed)
    detail = scrub(message, secrets) if message else None
    if code is not None:
        code = scrub(code, secrets)
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    cls: type[errors.ApijError]
    if status == 401:
        cls, summary = _unauthorized(code, response.headers.get("www-authenticate"))
    elif status in _BY_STATUS:
        cls, summary = _BY_STATUS[status]
    elif status >= 500:
        cls, summary = errors.ServerError, "server error"
    else:
        cls, summary = errors.UnexpectedResponse, "unexpected error status"
    if status not in contract().retry_after_statuses:
        # Only where the contract documents Retry-After (429 and 503 today) is it meaningful.
        retry_after = None
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
