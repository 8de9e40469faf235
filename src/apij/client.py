"""The partner's client: one connection pool per API key, the user's FranceConnect token per call.

Requests are built by the generated code (`get_paiements_ij._get_kwargs` and the generated
`Client`'s httpx clients); the token travels only in that request's own headers, never in the
shared client's headers (the generated `with_headers()` would mutate them for every user).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Any, Self

import anyio
import httpx
import tenacity
from apij_client import Client as GeneratedClient
from apij_client.api.paiements import get_paiements_ij

from apij import _retry, errors
from apij._decode import decode
from apij._inputs import DateLike, check_api_key, check_base_url, check_token, check_window
from apij._log import LOGGER, forget_secret, remember_secret
from apij._retry import is_retryable, tenacity_arguments
from apij.config import AttemptEvent, AttemptHook, RetryPolicy, Timeouts
from apij.models import ReleveIJ

__all__ = ["ApijClient", "AsyncApijClient"]

_USER_AGENT = "apij-python/0.1.0"


@dataclass(slots=True)
class _Attempt:
    """One call's state: its deadline, what its last attempt did (for the event and the log),
    and the first attempt's failure while tenacity replays it (see `ApijClient._replay`)."""

    deadline: float
    number: int = 0
    status: int | None = None
    duration: float = 0.0
    replay: errors.ApijError | None = None


def _no_cookies() -> CookieJar:
    """A jar that keeps nothing: the pool is shared by every user of a partner, so a cookie set
    in one user's response must never ride on another user's request. (A jar, not
    httpx.Cookies: httpx copies a Cookies object into a default jar, policy lost.)"""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


class _DeadlineStream(httpx.SyncByteStream):
    """A response body stream that gives up once the call's deadline has passed."""

    def __init__(self, inner: httpx.SyncByteStream | httpx.AsyncByteStream, deadline: float):
        assert isinstance(inner, httpx.SyncByteStream)  # a sync client's response
        self._inner, self._deadline = inner, deadline

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if time.monotonic() > self._deadline:
                raise errors.ApijTimeout("total deadline exceeded while reading the response")
            yield chunk

    def close(self) -> None:
        self._inner.close()


def _transport_error(exc: httpx.TransportError) -> errors.ApijError:
    # Only the exception class goes into the message: httpx's text can quote the URL or host.
    name = type(exc).__name__
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError)):
        return errors.ConnectionFailed(f"connection failed ({name})")
    if isinstance(exc, httpx.TimeoutException):
        return errors.ApijTimeout(f"timed out ({name})")
    return errors.TransportError(f"transport error ({name})")


class _Base:
    """Settings and per-attempt plumbing shared by the sync and async clients.

    `api_key`: the partner's CNAM key (header X-API-Key, on every call). `base_url`: the API
    root, e.g. the spec's test server. `timeouts`: per-attempt connect/read and the call's
    total deadline. `retry`: what is retried and how. `on_attempt`: called with an
    `AttemptEvent` after every attempt (metrics). `limits`: the connection pool's size.
    `verify`: TLS verification (a CA bundle path, or False for tests only). `transport`: an
    httpx transport to send through (tests, benchmarks, proxies).
    """

    _generated: GeneratedClient
    _http: httpx.Client | httpx.AsyncClient

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        on_attempt: AttemptHook | None = None,
        limits: httpx.Limits | None = None,
        verify: bool | str = True,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._api_key = check_api_key(api_key)
        self._base_url = check_base_url(base_url)
        self._timeouts = timeouts if timeouts is not None else Timeouts()
        self._retry = retry if retry is not None else RetryPolicy()
        self._on_attempt = on_attempt
        httpx_args: dict[str, Any] = {"limits": limits or httpx.Limits(max_connections=100)}
        if transport is not None:
            httpx_args["transport"] = transport
        self._generated = GeneratedClient(
            base_url=self._base_url,
            headers={"X-API-Key": self._api_key, "User-Agent": _USER_AGENT},
            timeout=self._httpx_timeout(self._timeouts.total),
            verify_ssl=verify,
            follow_redirects=False,  # a redirect would carry the credentials elsewhere
            raise_on_unexpected_status=False,
            httpx_args=httpx_args,
        )
        self._longest_timeout = max(self._timeouts.connect, self._timeouts.read)
        # (generated path, its absolute URL): see `_url`. One entry, replaced if the path moves.
        self._path_url: tuple[str, httpx.URL] = ("", httpx.URL())
        remember_secret(self._api_key)
        self._closed = False
        self._open()

    def _open(self) -> None:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """The API base URL this client calls."""
        return self._base_url

    @property
    def timeouts(self) -> Timeouts:
        """Per-attempt timeouts and total deadline."""
        return self._timeouts

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy."""
        return self._retry

    def __repr__(self) -> str:
        # Never the API key (the generated Client's attrs repr would print its headers).
        return f"{type(self).__name__}(base_url={self._base_url!r}, api_key='***')"

    def _httpx_timeout(self, remaining: float) -> httpx.Timeout:
        t = self._timeouts
        return httpx.Timeout(
            connect=min(t.connect, remaining),
            read=min(t.read, remaining),
            write=min(t.read, remaining),
            pool=min(t.connect, remaining),
        )

    def _url(self, path: str, params: Any) -> httpx.URL:
        """The request's absolute URL, exactly as httpx's `build_request` would merge it.

        Given a relative path and params, httpx parses and validates the whole URL three times
        per request (the path, base + path, then + params): about a fifth of a call on a small
        response. The base + path merge depends on the path only, so httpx does it once per
        path here, and each call sets the query from its params (one parse) as `build_request`
        does: the client's params merged with the call's, replacing the URL's query. httpx
        takes an absolute `URL` object as it is.
        """
        path_url = self._path_url
        if path_url[0] != path:
            # Merged by httpx itself (base URL, client params), so the semantics stay httpx's.
            path_url = self._path_url = (path, self._http.build_request("GET", path).url)
        if params is None:
            return path_url[1]
        return httpx.URL(path_url[1], params=self._http.params.merge(params))

    def _request(self, debut: date, fin: date, token: str, deadline: float) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise errors.ApijTimeout("total deadline exceeded before the attempt")
        kwargs = get_paiements_ij._get_kwargs(date_debut=debut, date_fin=fin)
        kwargs["url"] = self._url(kwargs["url"], kwargs.pop("params", None))
        kwargs["headers"] = {"Authorization": f"Bearer {token}"}
        if remaining < self._longest_timeout:
            # Less time left than a full attempt may take: shorten this attempt's timeouts.
            # (Otherwise the pool's default timeouts, the same values, apply.)
            kwargs["timeout"] = self._httpx_timeout(remaining)
        return kwargs

    def _emit(self, attempt: _Attempt, exc: BaseException | None, retry_in: float | None) -> None:
        outcome = "ok" if exc is None else type(exc).__name__
        if exc is None:
            LOGGER.debug(
                "GET getPaiementsIJ attempt %d: %s in %.1f ms",
                attempt.number, attempt.status, attempt.duration * 1e3,
            )  # fmt: skip
        elif retry_in is not None:
            LOGGER.warning(
                "GET getPaiementsIJ attempt %d: %s (status %s); retrying in %.3f s",
                attempt.number, outcome, attempt.status, retry_in,
            )  # fmt: skip
        else:
            LOGGER.info(
                "GET getPaiementsIJ attempt %d: %s (status %s); giving up",
                attempt.number, outcome, attempt.status,
            )  # fmt: skip
        if self._on_attempt is not None:
            event = AttemptEvent(
                attempt.number, attempt.status, attempt.duration, outcome, retry_in
            )
            try:
                self._on_attempt(event)
            except Exception:
                # A broken metrics hook must not fail the insurer's business call.
                LOGGER.exception("on_attempt hook raised")

    def _before_sleep(self, retry_state: tenacity.RetryCallState) -> None:
        # The call's _Attempt is the first argument tenacity passes to the attempt function.
        attempt: _Attempt = retry_state.args[0]
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        self._emit(attempt, exc, retry_state.upcoming_sleep)

    def _retrying_arguments(self) -> dict[str, Any]:
        return {
            **tenacity_arguments(self._retry, lambda state: state.args[0].deadline),
            "before_sleep": self._before_sleep,
        }

    def _prepare(
        self, fc_token: str, date_debut: DateLike, date_fin: DateLike
    ) -> tuple[str, date, date, float]:
        if self._closed:
            raise RuntimeError("client is closed")
        token = check_token(fc_token)
        debut, fin = check_window(date_debut, date_fin)
        return token, debut, fin, time.monotonic() + self._timeouts.total

    def _secrets(self, token: str) -> tuple[str, str]:
        return self._api_key, token


class ApijClient(_Base):
    """Synchronous APIJ client: thread-safe, pooled; share one per partner API key.

    >>> with ApijClient(api_key, base_url=SANDBOX_BASE_URL) as client:
    ...     releve = client.paiements(fc_token, date_debut="2025-01-01", date_fin="2025-06-30")
    """

    _http: httpx.Client

    def _open(self) -> None:
        # Built now, not lazily: the generated getter is not thread-safe on first use.
        self._http = self._generated.get_httpx_client()
        self._http.cookies = _no_cookies()
        # One Retrying for every call: tenacity keeps its per-call state thread-local, and
        # everything call-specific travels in the arguments (the _Attempt).
        self._retrying = tenacity.Retrying(
            **self._retrying_arguments(), sleep=lambda seconds: _retry.sleep(seconds)
        )

    def paiements(self, fc_token: str, *, date_debut: DateLike, date_fin: DateLike) -> ReleveIJ:
        """The user's IJ payment lines intersecting [date_debut, date_fin] (inclusive).

        `fc_token` is the end user's FranceConnect access token (scope cnam_paiements_ij).
        Raises ValueError for a bad argument (before any request) and an `apij.errors.ApijError`
        subclass for every failure of the call.
        """
        token, debut, fin, deadline = self._prepare(fc_token, date_debut, date_fin)
        attempt = _Attempt(deadline)
        remember_secret(token)
        try:
            try:
                # The happy path skips tenacity's machinery (~20 µs); a failure is handed to
                # tenacity, which replays it as attempt 1 and decides everything from there.
                try:
                    result = self._attempt(attempt, debut, fin, token)
                except errors.ApijError as exc:
                    if not is_retryable(self._retry, exc):
                        raise
                    attempt.replay = exc
                    result = self._retrying(self._replay, attempt, debut, fin, token)
            except errors.ApijError as exc:
                self._emit(attempt, exc, None)
                raise
            self._emit(attempt, None, None)
            return result
        finally:
            forget_secret(token)

    def _replay(self, attempt: _Attempt, debut: date, fin: date, token: str) -> ReleveIJ:
        if attempt.replay is not None:
            failure, attempt.replay = attempt.replay, None
            raise failure
        return self._attempt(attempt, debut, fin, token)

    def _attempt(self, attempt: _Attempt, debut: date, fin: date, token: str) -> ReleveIJ:
        attempt.number += 1
        attempt.status = None
        started = time.monotonic()
        try:
            kwargs = self._request(debut, fin, token, attempt.deadline)
            try:
                response = self._send(kwargs, attempt.deadline)
            except httpx.TransportError as exc:
                raise _transport_error(exc) from exc
            attempt.status = response.status_code
            return decode(response, self._secrets(token))
        finally:
            attempt.duration = time.monotonic() - started

    def _send(self, kwargs: dict[str, Any], deadline: float) -> httpx.Response:
        """Send and read the body, checking the call's deadline between reads.

        httpx's read timeout bounds each read, not the response: a server trickling bytes
        would keep a plain `request()` alive past any deadline. So the body is read through a
        stream that ends the call with ApijTimeout as soon as a read returns after the
        deadline; a call overruns it by at most one read, whose timeout is itself cut to the
        time left.
        """
        response = self._http.send(self._http.build_request(**kwargs), stream=True)
        try:
            response.stream = _DeadlineStream(response.stream, deadline)
            response.read()
        finally:
            response.close()
        return response

    def close(self) -> None:
        """Close the pooled connections (idempotent)."""
        if not self._closed:
            self._closed = True
            self._http.close()
            forget_secret(self._api_key)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncApijClient(_Base):
    """Asynchronous APIJ client: pooled, safe for many concurrent users; share one per API key.

    >>> async with AsyncApijClient(api_key, base_url=SANDBOX_BASE_URL) as client:
    ...     releve = await client.paiements(fc_token, date_debut=debut, date_fin=fin)
    """

    _http: httpx.AsyncClient

    def _open(self) -> None:
        self._http = self._generated.get_async_httpx_client()
        self._http.cookies = _no_cookies()

    async def paiements(
        self, fc_token: str, *, date_debut: DateLike, date_fin: DateLike
    ) -> ReleveIJ:
        """The user's IJ payment lines intersecting [date_debut, date_fin] (inclusive).

        Same contract as `ApijClient.paiements`; the total deadline also cancels a stalled
        attempt.
        """
        token, debut, fin, deadline = self._prepare(fc_token, date_debut, date_fin)
        attempt = _Attempt(deadline)
        remember_secret(token)
        try:
            try:
                try:
                    result = await self._attempt(attempt, debut, fin, token)
                except errors.ApijError as exc:
                    if not is_retryable(self._retry, exc):
                        raise
                    attempt.replay = exc
                    # Per call: tenacity's per-call state is thread-local, and concurrent
                    # tasks share a thread.
                    retrying = tenacity.AsyncRetrying(
                        **self._retrying_arguments(), sleep=lambda s: _retry.asleep(s)
                    )
                    result = await retrying(self._replay, attempt, debut, fin, token)
            except errors.ApijError as exc:
                self._emit(attempt, exc, None)
                raise
            self._emit(attempt, None, None)
            return result
        finally:
            forget_secret(token)

    async def _replay(self, attempt: _Attempt, debut: date, fin: date, token: str) -> ReleveIJ:
        if attempt.replay is not None:
            failure, attempt.replay = attempt.replay, None
            raise failure
        return await self._attempt(attempt, debut, fin, token)

    async def _attempt(self, attempt: _Attempt, debut: date, fin: date, token: str) -> ReleveIJ:
        attempt.number += 1
        attempt.status = None
        started = time.monotonic()
        try:
            kwargs = self._request(debut, fin, token, attempt.deadline)
            try:
                with anyio.fail_after(max(attempt.deadline - started, 0.0)):
                    response = await self._http.request(**kwargs)
            except TimeoutError:
                raise errors.ApijTimeout("total deadline exceeded") from None
            except httpx.TransportError as exc:
                raise _transport_error(exc) from exc
            attempt.status = response.status_code
            return decode(response, self._secrets(token))
        finally:
            attempt.duration = time.monotonic() - started

    async def aclose(self) -> None:
        """Close the pooled connections (idempotent)."""
        if not self._closed:
            self._closed = True
            await self._http.aclose()
            forget_secret(self._api_key)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
