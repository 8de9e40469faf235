"""apij: the safe face over the generated APIJ client (the CNAM double is `apij.double`)."""

from apij import errors
from apij._inputs import DateLike
from apij._log import RedactingFilter
from apij.client import ApijClient, AsyncApijClient
from apij.clock import Clock, ManualClock, use_clock
from apij.config import AttemptEvent, AttemptHook, DriftEvent, DriftHook, RetryPolicy, Timeouts
from apij.errors import (
    ApijError,
    ApijTimeout,
    ApiKeyRejected,
    CertificateRejected,
    ConnectionFailed,
    ContractError,
    EndpointNotFound,
    InsuredPersonNotFound,
    InternalError,
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
    "CertificateRejected",
    "Clock",
    "ConnectionFailed",
    "ContractError",
    "DateLike",
    "DriftEvent",
    "DriftHook",
    "EndpointNotFound",
    "InsuredPersonNotFound",
    "InternalError",
    "InvalidRequest",
    "ManualClock",
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
    "use_clock",
]
