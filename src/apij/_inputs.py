"""Check a call's arguments before any request; errors name the argument, never echo a secret."""

from __future__ import annotations

import ipaddress
import re
import ssl
from datetime import date, datetime
from urllib.parse import SplitResult, urlsplit

import httpx

from apij.judge import BEARER_TOKEN

__all__ = [
    "DateLike",
    "check_api_key",
    "check_base_url",
    "check_hook",
    "check_setting",
    "check_token",
    "check_window",
    "tls_context",
]

DateLike = date | str
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_HEADER_VALUE = re.compile(r"[\x21-\x7e]+")


def _as_date(value: object, name: str) -> date:
    if isinstance(value, datetime):
        # A datetime names an instant, not a day: which day it falls on depends on a time zone
        # the API does not take. The caller decides, and passes that day.
        raise ValueError(f"{name}: got a datetime; pass a datetime.date (the day you mean)")
    if isinstance(value, date):
        # A subclass (pendulum, freezegun...) may format or compare differently: a plain date.
        return date(value.year, value.month, value.day)
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(f"{name}: expected an ISO date string YYYY-MM-DD")
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
        raise ValueError(f"{name}: not a valid calendar date")
    kind = type(value).__name__
    raise ValueError(f"{name}: expected a datetime.date or an ISO date string, got {kind}")


def check_window(date_debut: object, date_fin: object) -> tuple[date, date]:
    """The window as plain dates; ValueError naming the argument for any bad value."""
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
    if not BEARER_TOKEN.fullmatch(token):
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


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split(url: str) -> SplitResult | None:
    """The URL's parts if both urllib and httpx can read it (port included), else None."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number in range
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        return None
    return parts


def check_base_url(
    base_url: object, *, allow_insecure_http: bool = False, name: str = "base_url"
) -> str:
    """An absolute https base URL (http for a loopback host, or with the explicit opt-in),
    without user information, query or fragment; returned without a trailing slash.

    The messages name the setting (`name`: the face's `base_url`, the proxy's `upstream`) and
    never quote the URL: a malformed one may hold a password.
    """
    if not isinstance(base_url, str):
        raise ValueError(f"{name}: expected a str, got {type(base_url).__name__}")
    if not base_url.isprintable() or any(c.isspace() for c in base_url):
        raise ValueError(f"{name}: contains spaces or control characters")
    parts = _split(base_url)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name}: expected an absolute http(s) URL such as https://host/path")
    if "@" in parts.netloc:
        # httpx would turn it into Basic auth, replacing the FranceConnect Bearer header, and
        # print it in reprs.
        raise ValueError(f"{name}: must not contain user information (user:password@)")
    if "?" in base_url or "#" in base_url:
        raise ValueError(f"{name}: must not contain a query or a fragment")
    if parts.scheme == "http" and not (allow_insecure_http or _is_loopback(parts.hostname)):
        raise ValueError(
            f"{name}: http:// would send the API key and the user's token in clear; use "
            "https:// (http is accepted for a loopback host, or with allow_insecure_http=True)"
        )
    return base_url.rstrip("/")


def check_setting(name: str, value: object, kind: type | tuple[type, ...]) -> None:
    """A client setting of the wrong type (None meaning "the default") is a ValueError naming
    it, not an AttributeError at the first call."""
    if value is None or isinstance(value, kind):
        return
    kinds = kind if isinstance(kind, tuple) else (kind,)
    expected = " or ".join(k.__name__ for k in kinds)
    raise ValueError(f"{name}: expected {expected}, got {type(value).__name__}")


def check_hook(name: str, value: object) -> None:
    """A hook is a callable or None."""
    if value is not None and not callable(value):
        raise ValueError(f"{name}: expected a callable, got {type(value).__name__}")


def tls_context(verify: bool | str | ssl.SSLContext) -> bool | ssl.SSLContext:
    """`verify` as the transports take it: a CA bundle path becomes an SSL context (httpx 0.28
    deprecates the string form); a path that does not hold one is a ValueError naming it."""
    check_setting("verify", verify, (bool, str, ssl.SSLContext))
    if not isinstance(verify, str):
        return verify
    try:
        return ssl.create_default_context(cafile=verify)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
    raise ValueError(f"verify: no usable CA bundle at {verify!r} ({reason})")
