"""The partner's client: one connection pool per API key, the user's FranceConnect token per call.

Requests are built by the generated code (`get_paiements_ij._get_kwargs` and the generated
`Client`'s httpx clients); the token travels only in that request's own headers, never in the
shared client's headers (the generated `with_headers()` would mutate them for every user).
The sync and async clients share everything but the send-and-retry loop.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.cookiejar import CookieJar, DefaultCookiePolicy
from importlib.metadata import version
from types import TracebackType
from typing import Self
from urllib.parse import urlencode

import anyio
import httpx
from apij_client import Client as GeneratedClient
from apij_client.api.paiements import get_paiements_ij

from apij import _retry, errors
from apij._body import ACCEPT_ENCODING, aread_body, read_body
from apij._deadline_transport import DeadlineTransport, bounded_by
from apij._decode import decode
from apij._drift import DriftLog
from apij._inputs import (
    DateLike,
    check_api_key,
    check_base_url,
    check_hook,
    check_setting,
    check_token,
    check_window,
    tls_context,
)
from apij._log import LOGGER, forget_secret, remember_secret
from apij.clock import Clock, Deadline, current_clock
from apij.config import (
    DEFAULT_LIMITS,
    DEFAULT_MAX_RESPONSE_BYTES,
    AttemptEvent,
    AttemptHook,
    DriftHook,
    RetryPolicy,
    Timeouts,
)
from apij.models import ReleveIJ

__all__ = ["ApijClient", "AsyncApijClient"]

_USER_AGENT = f"apij-python/{version('apij')}"


@dataclass
class _Call:
    """One call: its arguments, its deadline, and what its last attempt did (for the event)."""

    token: str = field(repr=False)
    debut: date
    fin: date
    deadline: Deadline
    attempt: int = 0
    status: int | None = None
    duration: float = 0.0

    def time_left(self) -> float:
        left = self.deadline.left()
        if left <= 0:
            raise errors.ApijTimeout("total deadline exceeded before the attempt")
        return left


class _Secrets:
    """The call's credentials, for scrubbing server text. Not a sequence, and its repr names
    none of them: error trackers that record frame locals write the repr of such an object."""

    __slots__ = ("_values",)

    def __init__(self, *values: str) -> None:
        self._values = values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __repr__(self) -> str:
        return "<secrets>"


# Decoding a large body is CPU work under the GIL, in long steps no other thread interrupts: run
# by many threads at once, they starve the threads whose deadline has passed (50 threads reading
# 1.9 MB bodies returned up to 1.09 s past a 1 s deadline). One sync decode at a time, waited
# for within the call's deadline, keeps every call within a step of it (+0.09 s measured).
_DECODING = threading.Lock()

# A jar that keeps no cookie: one user's Set-Cookie must never ride on another user's request.
_NO_COOKIES = DefaultCookiePolicy(allowed_domains=[])


def _internal(exc: Exception) -> errors.InternalError:
    """The typed error for an exception the face did not expect (a bug of apij or of a
    library): its class and where it was raised, never its message or the frames' locals."""
    where = "?"
    tb = exc.__traceback__
    while tb is not None:
        where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}"
        tb = tb.tb_next
    return errors.InternalError(f"internal error ({type(exc).__name__} at {where}); please report")


def _clean(exc: errors.ApijError) -> errors.ApijError:
    """`exc` without the frames below the public method it leaves from.

    Those frames hold the API key, the token, the request and the response body as locals,
    and tools that record frame locals (Sentry, `pytest -l`, rich's `show_locals`) would keep
    them. The error's type, message and attributes say what went wrong; the frames left are
    the public method's (whose locals hide the token) and the caller's.
    """
    return exc.with_traceback(None)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and every exception reachable through its causes and contexts (chains may loop)."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        yield current
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]


def _certificate_failure(exc: BaseException) -> str | None:
    """Why the server's certificate was refused, if a verification failure is among `exc`'s
    causes (OpenSSL's reason: the face's text, not the server's)."""
    for current in _causes(exc):
        if isinstance(current, ssl.SSLCertVerificationError):
            # aiohttp's certificate error is one too, holding the ssl module's as an attribute.
            inner = getattr(current, "certificate_error", current)
            return str(getattr(inner, "verify_message", None) or "verification failed")
    return None


def _transport_error(
    exc: httpx.TransportError, call: _Call, invalid_host: str | None
) -> errors.ApijError:
    """The typed error for an httpx transport failure, without chaining it: the httpx exception
    holds the request, and so the API key and the token. `invalid_host`: the base URL's host
    if it is a `.invalid` name, which never resolves (RFC 6761)."""
    if invalid_host is not None and any(isinstance(e, socket.gaierror) for e in _causes(exc)):
        # Not a ConnectionFailed: retrying a name that can never resolve is pointless. This is
        # the double's default base URL, called without the double.
        return errors.TransportError(
            f"transport error: {invalid_host} never resolves (a .invalid name, RFC 6761); "
            "is the apij_mock fixture (or respx_router) missing?"
        )
    reason = _certificate_failure(exc)
    if reason is not None:
        # Not a passing failure: retrying would meet the same certificate.
        return errors.CertificateRejected(f"TLS certificate rejected ({reason})")
    if isinstance(exc, httpx.TimeoutException) and call.deadline.left() <= 1e-3:
        # Its timeout had been cut to the time left: it is the call's deadline that expired.
        return errors.ApijTimeout("total deadline exceeded")
    # Only the exception class goes into the message: httpx's text can quote the URL or host.
    name = type(exc).__name__
    if isinstance(exc, (httpx.ConnectTimeout, httpx.NetworkError, httpx.RemoteProtocolError)):
        # Refused, reset, dropped or cut short: no usable answer, and a GET may be retried.
        return errors.ConnectionFailed(f"connection failed ({name})")
    if isinstance(exc, httpx.TimeoutException):
        return errors.ApijTimeout(f"timed out ({name})")
    return errors.TransportError(f"transport error ({name})")


class _BaseClient:
    """Settings, request building and response judging shared by the sync and async clients.

    `api_key`: the partner's CNAM key (header X-API-Key, on every call). `base_url`: the API
    root, https (http only for a loopback host, unless `allow_insecure_http=True`), without
    user information. `timeouts`: per-attempt connect/read and the call's total deadline.
    `retry`: what is retried and how. `on_attempt`: called with an `AttemptEvent` after every
    attempt (metrics). `on_drift`: called with a `DriftEvent` the first time a response
    carries something the contract allows but does not describe (logged as a WARNING too).
    `limits`: the connection pool's size (default 100 connections).
    `verify`: TLS verification: True (certifi's CA bundle), a CA bundle path, an
    `ssl.SSLContext`, or False (tests only).
    `max_response_bytes`: the largest body accepted, compressed or decoded (default 2 MiB).
    `transport`: an httpx transport to send through instead of the default one (tests,
    benchmarks, proxies); `limits` and `verify` are then the transport's business, and a sync
    call's deadline is checked between body reads only (the default transport bounds every
    socket operation).
    `clock`: where the call reads the time and sleeps its retry waits (`apij.clock`); by
    default the clock current when a call starts (`SYSTEM_CLOCK` unless `use_clock` says
    otherwise, as the ``apij_mock`` fixture does).
    """

    _http: httpx.Client | httpx.AsyncClient
    _transport_type: type[httpx.BaseTransport] | type[httpx.AsyncBaseTransport]

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        on_attempt: AttemptHook | None = None,
        on_drift: DriftHook | None = None,
        limits: httpx.Limits | None = None,
        verify: bool | str | ssl.SSLContext = True,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_insecure_http: bool = False,
        clock: Clock | None = None,
    ) -> None:
        self._api_key = check_api_key(api_key)
        self._base_url = check_base_url(base_url, allow_insecure_http=allow_insecure_http)
        if type(max_response_bytes) is not int or max_response_bytes < 1:
            raise ValueError("max_response_bytes: expected a positive int")
        if transport is not None and not isinstance(transport, self._transport_type):
            raise ValueError(f"transport: expected an {self._transport_type.__qualname__}")
        check_setting("timeouts", timeouts, Timeouts)
        check_setting("retry", retry, RetryPolicy)
        check_setting("limits", limits, httpx.Limits)
        check_hook("on_attempt", on_attempt)
        check_hook("on_drift", on_drift)
        if clock is not None and not isinstance(clock, Clock):
            raise ValueError("clock: expected an apij.clock.Clock (now, sleep, asleep)")
        self._clock = clock
        verify = tls_context(verify)
        host = httpx.URL(self._base_url).host
        self._invalid_host = host if host.endswith(".invalid") or host == "invalid" else None
        self._max_response_bytes = max_response_bytes
        self._timeouts = timeouts if timeouts is not None else Timeouts()
        self._retry = retry if retry is not None else RetryPolicy()
        self._on_attempt = on_attempt
        self._drift = DriftLog("getPaiementsIJ", on_drift)
        self._generated = GeneratedClient(
            base_url=self._base_url,
            headers={
                "X-API-Key": self._api_key,
                "User-Agent": _USER_AGENT,
                # Only what the face decodes itself, within bounds (see apij._body).
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            timeout=self._attempt_timeout(self._timeouts.total),
            verify_ssl=verify,
            follow_redirects=False,  # a redirect would carry the credentials elsewhere
            raise_on_unexpected_status=False,
            # trust_env=False: no proxy from the environment (the default transports say why).
            httpx_args={
                "transport": transport or self._default_transport(verify, limits or DEFAULT_LIMITS),
                "trust_env": False,
            },
        )
        self._http = self._open()
        self._http.cookies = CookieJar(policy=_NO_COOKIES)
        remember_secret(self._api_key)
        self._closed = False

    def _default_transport(
        self, verify: ssl.SSLContext | bool, limits: httpx.Limits
    ) -> httpx.BaseTransport | httpx.AsyncBaseTransport:
        raise NotImplementedError

    def _open(self) -> httpx.Client | httpx.AsyncClient:
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

    def _attempt_timeout(self, left: float) -> httpx.Timeout:
        t = self._timeouts
        # Waiting for a free connection of the pool is bounded by the time left only: a busy
        # pool is a timeout of the call, not a failed connection.
        return httpx.Timeout(
            connect=min(t.connect, left), read=min(t.read, left), write=min(t.read, left), pool=left
        )

    def _call(self, fc_token: str, date_debut: DateLike, date_fin: DateLike) -> _Call:
        if self._closed:
            raise RuntimeError("client is closed")
        token = check_token(fc_token)
        debut, fin = check_window(date_debut, date_fin)
        clock = self._clock if self._clock is not None else current_clock()
        return _Call(token, debut, fin, Deadline.after(self._timeouts.total, clock))

    def _next_wait(self, call: _Call, exc: errors.ApijError) -> float | None:
        """The wait before the next attempt, or None to stop (announced to the hooks)."""
        wait = _retry.next_wait(self._retry, call.attempt, exc, call.deadline.left())
        self._emit(call, exc, wait)
        return wait

    def _request(self, call: _Call) -> httpx.Request:
        """The attempt's request, as the generated code describes it; its timeouts cut to the
        time left."""
        left = call.time_left()
        kwargs = get_paiements_ij._get_kwargs(date_debut=call.debut, date_fin=call.fin)
        # The operation's path under the base URL, its parameters as the query: written whole,
        # the URL is parsed once (httpx parses and checks it character by character; given a
        # path and params, it does so three times: path, base + path, + query).
        query = urlencode(kwargs.pop("params"), doseq=True)
        kwargs["url"] = httpx.URL(f"{self._base_url}{kwargs['url']}?{query}")
        return self._http.build_request(
            **kwargs,
            headers={"Authorization": f"Bearer {call.token}"},
            timeout=self._attempt_timeout(left),
        )

    def _decode(self, call: _Call, response: httpx.Response, content: bytes) -> ReleveIJ:
        call.status = response.status_code
        secrets = _Secrets(self._api_key, call.token)
        return decode(call.status, response.headers, content, secrets, self._drift, call.deadline)

    def _emit(self, call: _Call, exc: BaseException | None, retry_in: float | None) -> None:
        outcome = "ok" if exc is None else type(exc).__name__
        if exc is None:
            LOGGER.debug(
                "GET getPaiementsIJ attempt %d: %s in %.1f ms",
                call.attempt, call.status, call.duration * 1e3,
            )  # fmt: skip
        elif retry_in is not None:
            LOGGER.warning(
                "GET getPaiementsIJ attempt %d: %s (status %s); retrying in %.3f s",
                call.attempt, outcome, call.status, retry_in,
            )  # fmt: skip
        else:
            LOGGER.info(
                "GET getPaiementsIJ attempt %d: %s (status %s); giving up",
                call.attempt, outcome, call.status,
            )  # fmt: skip
        if self._on_attempt is not None:
            event = AttemptEvent(call.attempt, call.status, call.duration, outcome, retry_in)
            try:
                self._on_attempt(event)
            except Exception:
                # A broken metrics hook must not fail the insurer's business call.
                LOGGER.exception("on_attempt hook raised")

    def _started(self, call: _Call) -> float:
        call.attempt += 1
        call.status = None
        return call.deadline.clock.now()

    def _ended(self, call: _Call, started: float) -> None:
        call.duration = call.deadline.clock.now() - started


class ApijClient(_BaseClient):
    """Synchronous APIJ client: thread-safe, pooled; share one per partner API key.

    >>> with ApijClient(api_key, base_url=SANDBOX_BASE_URL) as client:
    ...     releve = client.paiements(fc_token, date_debut="2025-01-01", date_fin="2025-06-30")
    """

    _http: httpx.Client
    _transport_type = httpx.BaseTransport

    def _default_transport(
        self, verify: ssl.SSLContext | bool, limits: httpx.Limits
    ) -> httpx.BaseTransport:
        return DeadlineTransport(verify=verify, limits=limits)

    def _open(self) -> httpx.Client:
        # Built now, not lazily: the generated getter is not thread-safe on first use.
        return self._generated.get_httpx_client()

    def paiements(self, fc_token: str, *, date_debut: DateLike, date_fin: DateLike) -> ReleveIJ:
        """The user's IJ payment lines intersecting [date_debut, date_fin] (inclusive).

        `fc_token` is the end user's FranceConnect access token (scope cnam_paiements_ij).
        Raises ValueError for a bad argument (before any request) and an `apij.errors.ApijError`
        subclass for every failure of the call.
        """
        call = self._call(fc_token, date_debut, date_fin)
        del fc_token  # held by `call` only, whose repr hides it (see _clean)
        remember_secret(call.token)
        try:
            while True:
                try:
                    releve = self._attempt(call)
                except errors.ApijError as exc:
                    wait = self._next_wait(call, exc)
                    if wait is None:
                        raise _clean(exc) from None
                    call.deadline.clock.sleep(wait)
                else:
                    self._emit(call, None, None)
                    return releve
        except BaseException as exc:
            # Cancellation, KeyboardInterrupt: passed on, without the frames below this one.
            raise exc.with_traceback(None) from exc.__cause__
        finally:
            forget_secret(call.token)

    def _attempt(self, call: _Call) -> ReleveIJ:
        started = self._started(call)
        try:
            response, content = self._exchange(call)
            if not _DECODING.acquire(timeout=max(0.0, call.deadline.left())):
                raise errors.ApijTimeout("total deadline exceeded", status=response.status_code)
            try:
                return self._decode(call, response, content)
            finally:
                _DECODING.release()
        except errors.ApijError:
            raise
        except Exception as exc:
            failure = _internal(exc)
        finally:
            self._ended(call, started)
        raise failure  # out of the except block: nothing chained, no frame's locals kept

    def _exchange(self, call: _Call) -> tuple[httpx.Response, bytes]:
        """Send and read the body, every socket operation ending by the call's deadline."""
        request = self._request(call)
        with bounded_by(call.deadline):
            try:
                response = self._http.send(request, stream=True)
                try:
                    content = read_body(response, self._max_response_bytes, call.deadline)
                finally:
                    response.close()
            except httpx.TransportError as exc:
                failure = _transport_error(exc, call, self._invalid_host)
            else:
                return response, content
        raise failure  # out of the except block: nothing chained

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


class AsyncApijClient(_BaseClient):
    """Asynchronous APIJ client: pooled, safe for many concurrent users and for cancellation;
    share one per API key. Its pool belongs to the event loop of its first call (asyncio: the
    default transport is aiohttp's).

    >>> async with AsyncApijClient(api_key, base_url=SANDBOX_BASE_URL) as client:
    ...     releve = await client.paiements(fc_token, date_debut=debut, date_fin=fin)
    """

    _http: httpx.AsyncClient
    _transport_type = httpx.AsyncBaseTransport

    def _default_transport(
        self, verify: ssl.SSLContext | bool, limits: httpx.Limits
    ) -> httpx.AsyncBaseTransport:
        # Imported here: aiohttp is a tenth of a second to import, which sync users never pay.
        from apij._aiohttp_transport import AiohttpTransport

        return AiohttpTransport(verify=verify, limits=limits)

    def _open(self) -> httpx.AsyncClient:
        return self._generated.get_async_httpx_client()

    async def paiements(
        self, fc_token: str, *, date_debut: DateLike, date_fin: DateLike
    ) -> ReleveIJ:
        """The user's IJ payment lines intersecting [date_debut, date_fin] (inclusive).

        Same contract as `ApijClient.paiements`; the total deadline also cancels a stalled
        attempt, and cancelling the task leaves the pool usable.
        """
        call = self._call(fc_token, date_debut, date_fin)
        del fc_token  # held by `call` only, whose repr hides it (see _clean)
        remember_secret(call.token)
        try:
            while True:
                try:
                    releve = await self._attempt(call)
                except errors.ApijError as exc:
                    wait = self._next_wait(call, exc)
                    if wait is None:
                        raise _clean(exc) from None
                    await call.deadline.clock.asleep(wait)
                else:
                    self._emit(call, None, None)
                    return releve
        except BaseException as exc:
            # Cancellation, KeyboardInterrupt: passed on, without the frames below this one.
            raise exc.with_traceback(None) from exc.__cause__
        finally:
            forget_secret(call.token)

    async def _attempt(self, call: _Call) -> ReleveIJ:
        started = self._started(call)
        try:
            response, content = await self._exchange(call)
            return self._decode(call, response, content)
        except errors.ApijError:
            raise
        except Exception as exc:
            failure = _internal(exc)
        finally:
            self._ended(call, started)
        raise failure  # out of the except block: nothing chained, no frame's locals kept

    async def _exchange(self, call: _Call) -> tuple[httpx.Response, bytes]:
        """Send and read the body; the call's deadline cancels whatever is still waiting."""
        request = self._request(call)
        failure: errors.ApijError
        try:
            with anyio.fail_after(call.time_left()):
                response = await self._http.send(request, stream=True)
                try:
                    content = await aread_body(response, self._max_response_bytes, call.deadline)
                finally:
                    await response.aclose()
        except TimeoutError:
            failure = errors.ApijTimeout("total deadline exceeded")
        except httpx.TransportError as exc:
            failure = _transport_error(exc, call, self._invalid_host)
        else:
            return response, content
        raise failure  # out of the except block: nothing chained

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
