"""The face's exception hierarchy: one class per failure a caller can act on, no secret inside."""

from __future__ import annotations

__all__ = [
    "UNDOCUMENTED_CODE",
    "ApiKeyRejected",
    "ApijError",
    "ApijTimeout",
    "CertificateRejected",
    "ConnectionFailed",
    "ContractError",
    "EndpointNotFound",
    "InsuredPersonNotFound",
    "InternalError",
    "InvalidRequest",
    "RateLimited",
    "ResponseTooLarge",
    "ScopeMissing",
    "ServerError",
    "TokenRejected",
    "TransportError",
    "Unauthorized",
    "UndocumentedServerError",
    "UnexpectedResponse",
]


# `ApijError.code` for a code the contract does not list: the value is the server's, not ours.
UNDOCUMENTED_CODE = "<undocumented>"


class ApijError(Exception):
    """Base of every error raised by a call to the APIJ.

    `status` is the HTTP status (None when no response arrived), `code` the contract's error
    code when the body carried a well-formed one, or `UNDOCUMENTED_CODE` for a code the
    contract does not list (a newer one, or anything else a server wrote: its value then
    starts `detail`), `detail` the server's text, cleaned of control characters, then with
    credentials masked. `str()` and `repr()` are built
    from the status, the code and the face's own fixed texts only, never from `detail`: the
    server's text is not ours to vouch for (it could quote the insured person), so it stays an
    attribute a caller may choose to show, and never reaches a log through the exception.
    """

    status: int | None
    code: str | None
    detail: str | None
    retry_after: float | None

    def __init__(
        self,
        summary: str,
        *,
        status: int | None = None,
        code: str | None = None,
        detail: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.retry_after = retry_after
        self.summary = summary
        super().__init__(self._text())

    def _text(self) -> str:
        parts = [self.summary]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code is not None:
            parts.append(f"code {self.code}")
        if self.retry_after is not None:
            parts.append(f"retry after {self.retry_after:g} s")
        return " — ".join(parts[:1]) + (f" ({', '.join(parts[1:])})" if parts[1:] else "")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"retry_after={self.retry_after!r})"
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only constructor: teach pickle (multiprocessing, task queues) to rebuild it.
        return (
            _rebuild,
            (type(self), self.summary, self.status, self.code, self.detail, self.retry_after),
        )


def _rebuild(
    cls: type[ApijError],
    summary: str,
    status: int | None,
    code: str | None,
    detail: str | None,
    retry_after: float | None,
) -> ApijError:
    return cls(summary, status=status, code=code, detail=detail, retry_after=retry_after)


class InvalidRequest(ApijError):
    """400: the gateway rejected the request's parameters."""


class Unauthorized(ApijError):
    """401 whose cause (API key or FranceConnect token) the response does not say."""


class ApiKeyRejected(Unauthorized):
    """401 `cle_api_invalide`: the partner API key is missing or invalid (fix configuration)."""


class TokenRejected(Unauthorized):
    """401 `jeton_absent|jeton_invalide|jeton_expire`: the user's FranceConnect token is refused
    (send the user through FranceConnect again)."""


class ScopeMissing(ApijError):
    """403: the FranceConnect token was not granted scope `cnam_paiements_ij`."""


class InsuredPersonNotFound(ApijError):
    """404: the FranceConnect identity matches no insured person of the general scheme."""


class RateLimited(ApijError):
    """429: the partner's rate limit is reached; `retry_after` is in seconds when announced."""


class ServerError(ApijError):
    """5xx: the provider or an upstream system failed (`retry_after` set on 503 when announced)."""


class UnexpectedResponse(ApijError):
    """A response the contract does not allow: undocumented status, wrong content type,
    malformed JSON, or a body that violates the spec's schema."""


class UndocumentedServerError(UnexpectedResponse, ServerError):
    """An undocumented 5xx (504, 599, ...): both unexpected and a server error."""


class EndpointNotFound(UnexpectedResponse):
    """404 without the contract's `assure_inconnu` code (a gateway page, an empty body, another
    code): the gateway knows no such resource, so `base_url` (its path or API version) is most
    likely wrong. Check the configuration; this says nothing about the insured person."""


class ResponseTooLarge(UnexpectedResponse):
    """The response body exceeds the client's `max_response_bytes`, compressed or decoded."""


class TransportError(ApijError):
    """No usable response: the connection failed or timed out."""


class ConnectionFailed(TransportError):
    """The connection could not be established (or broke before a response)."""


class ApijTimeout(TransportError):
    """A connect/read timeout, or the call's total deadline, expired."""


class CertificateRejected(TransportError):
    """The server's TLS certificate failed verification (expired, self-signed, another host...):
    not retried, since another attempt meets the same certificate. The message says why."""


class InternalError(ApijError):
    """An exception apij did not expect (a bug, of apij or of a library it uses), raised as a
    typed error so that no frame below the call, and none of its locals, reaches the caller.
    The message names the exception's class and where it was raised; please report it."""


class ContractError(ApijError):
    """The contract cannot be read or compiled (a dangling, external or recursive `$ref`, an
    unsupported OpenAPI version...): a packaging or maintenance fault, not a call's failure."""
