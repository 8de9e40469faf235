"""Check a call's arguments before any request; errors name the argument, never echo a secret."""

from __future__ import annotations

import re
from datetime import date, datetime

__all__ = ["DateLike", "check_api_key", "check_base_url", "check_token", "check_window"]

DateLike = date | str
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# RFC 6750 b64token: what a bearer token may contain (also rules out header injection).
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_HEADER_VALUE = re.compile(r"[\x21-\x7e]+")


def _as_date(value: object, name: str) -> date:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name}: naive datetime; pass a date or an aware datetime")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(f"{name}: expected an ISO date string YYYY-MM-DD")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name}: not a valid calendar date") from None
    kind = type(value).__name__
    raise ValueError(f"{name}: expected a datetime.date or an ISO date string, got {kind}")


def check_window(date_debut: object, date_fin: object) -> tuple[date, date]:
    """The window as dates; ValueError naming the argument for any bad value."""
    debut = _as_date(date_debut, "date_debut")
    fin = _as_date(date_fin, "date_fin")
    if debut > fin:
        raise ValueError(f"date_debut ({debut.isoformat()}) is after date_fin ({fin.isoformat()})")
    return debut, fin


def check_token(token: object) -> str:
    """The FranceConnect access token, checked for shape only (the API judges its validity)."""
    if not isinstance(token, str):
        raise ValueError(f"fc_token: expected a str, got {type(token).__name__}")
    if not token:
        raise ValueError("fc_token: empty FranceConnect access token")
    if not _B64TOKEN.fullmatch(token):
        raise ValueError("fc_token: not a bearer token (RFC 6750 characters only, no spaces)")
    return token


def check_api_key(api_key: object) -> str:
    """The partner API key, checked for shape only."""
    if not isinstance(api_key, str):
        raise ValueError(f"api_key: expected a str, got {type(api_key).__name__}")
    if not api_key:
        raise ValueError("api_key: empty API key")
    if not _HEADER_VALUE.fullmatch(api_key):
        raise ValueError("api_key: contains spaces or control characters")
    return api_key


def check_base_url(base_url: object) -> str:
    """An absolute http(s) base URL, without a trailing slash."""
    if not isinstance(base_url, str) or not re.match(r"https?://[^/\s]+", base_url):
        raise ValueError("base_url: expected an absolute http(s) URL")
    if "?" in base_url or "#" in base_url or any(c.isspace() for c in base_url):
        raise ValueError("base_url: must not contain a query, a fragment or spaces")
    return base_url.rstrip("/")
