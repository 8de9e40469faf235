"""apij: the safe face over the generated APIJ client, the CNAM double and the CLI.

Names are imported on first use: the pytest plugin (`apij.double.pytest_plugin`) is loaded by
every pytest run of a project that installs apij, and must not pay for httpx, tenacity and the
generated client unless a test uses them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apij import errors
    from apij._inputs import DateLike
    from apij._log import RedactingFilter
    from apij.client import ApijClient, AsyncApijClient
    from apij.config import AttemptEvent, AttemptHook, RetryPolicy, Timeouts
    from apij.errors import (
        ApijError,
        ApijTimeout,
        ApiKeyRejected,
        ConnectionFailed,
        ContractError,
        EndpointNotFound,
        InsuredPersonNotFound,
        InvalidRequest,
        RateLimited,
        ResponseTooLarge,
        ScopeMissing,
        ServerError,
        TokenRejected,
        TransportError,
        Unauthorized,
        UndocumentedServerError,
        UnexpectedResponse,
    )
    from apij.models import PaiementIJ, ReleveIJ

_HOMES = {
    "DateLike": "apij._inputs",
    "RedactingFilter": "apij._log",
    "ApijClient": "apij.client",
    "AsyncApijClient": "apij.client",
    "AttemptEvent": "apij.config",
    "AttemptHook": "apij.config",
    "RetryPolicy": "apij.config",
    "Timeouts": "apij.config",
    "ApijError": "apij.errors",
    "ApijTimeout": "apij.errors",
    "ApiKeyRejected": "apij.errors",
    "ConnectionFailed": "apij.errors",
    "ContractError": "apij.errors",
    "EndpointNotFound": "apij.errors",
    "InsuredPersonNotFound": "apij.errors",
    "InvalidRequest": "apij.errors",
    "RateLimited": "apij.errors",
    "ResponseTooLarge": "apij.errors",
    "ScopeMissing": "apij.errors",
    "ServerError": "apij.errors",
    "TokenRejected": "apij.errors",
    "TransportError": "apij.errors",
    "Unauthorized": "apij.errors",
    "UndocumentedServerError": "apij.errors",
    "UnexpectedResponse": "apij.errors",
    "PaiementIJ": "apij.models",
    "ReleveIJ": "apij.models",
}

__all__ = [
    "ApiKeyRejected",
    "ApijClient",
    "ApijError",
    "ApijTimeout",
    "AsyncApijClient",
    "AttemptEvent",
    "AttemptHook",
    "ConnectionFailed",
    "ContractError",
    "DateLike",
    "EndpointNotFound",
    "InsuredPersonNotFound",
    "InvalidRequest",
    "PaiementIJ",
    "RateLimited",
    "RedactingFilter",
    "ReleveIJ",
    "ResponseTooLarge",
    "RetryPolicy",
    "ScopeMissing",
    "ServerError",
    "Timeouts",
    "TokenRejected",
    "TransportError",
    "Unauthorized",
    "UndocumentedServerError",
    "UnexpectedResponse",
    "errors",
]


def __getattr__(name: str) -> Any:
    if name == "errors":
        return importlib.import_module("apij.errors")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'apij' has no attribute {name!r}")
    try:
        value = getattr(importlib.import_module(home), name)
    except AttributeError as exc:
        # Raised inside the module's own import (e.g. a generated name gone after a
        # regeneration): say so, or Python reports a misleading "cannot import name".
        raise ImportError(f"apij.{name} could not be imported from {home}: {exc}") from exc
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
