"""apij: the safe face over the generated APIJ client (the CNAM double is `apij.double`)."""

from apij import errors
from apij._inputs import DateLike
from apij._log import RedactingFilter
from apij.client import ApijClient, AsyncApijClient
from apij.config import AttemptEvent, AttemptHook, DriftEvent, DriftHook, RetryPolicy, Timeouts
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
    "DriftEvent",
    "DriftHook",
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
