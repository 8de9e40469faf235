"""Canary credentials and identity never appear in any error message, repr or log record (nor in
the traceback text a handler prints for a logged exception, nor through a server's message)."""

from __future__ import annotations

import asyncio
import io
import logging
import traceback
from datetime import UTC, date, datetime
from typing import Any

import pytest
import respx

from apij import (
    ApijClient,
    ApijError,
    AsyncApijClient,
    AttemptEvent,
    InsuredPersonNotFound,
    InvalidRequest,
    RedactingFilter,
    Timeouts,
)
from apij._log import LOGGER, forget_secret, remember_secret
from apij.double import CnamDouble, Fault, IdentitePivot, Person, respx_router
from tests.face._face_support import BASE_URL, FAST_RETRY, PATH, json_response, lignes_for

CANARY_KEY = "CANARYKEY-3f9d2a7b51"
CANARY_TOKEN = "CANARYTOKEN-8c41e0d6aa"
CANARY_NAME = "Canarygivenname"
CANARY_FAMILY = "Canaryfamilyname"
CANARIES = (CANARY_KEY, CANARY_TOKEN, CANARY_NAME, CANARY_FAMILY, "3f9d2a7b51", "8c41e0d6aa")
WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-12-31"}


def canary_person(**extra: Any) -> Person:
    return Person(
        name="canary",
        token=CANARY_TOKEN,
        api_key=CANARY_KEY,
        identite=IdentitePivot(given_name=CANARY_NAME, family_name=CANARY_FAMILY),
        extra_paiements=lignes_for(1),
        **extra,
    )


def texts_of(exc: BaseException) -> list[str]:
    """str, repr, args and formatted traceback of an exception and its whole chain."""
    out: list[str] = []
    visited: set[int] = set()
    seen: BaseException | None = exc
    while seen is not None and id(seen) not in visited:  # chains can loop through __context__
        visited.add(id(seen))
        out += [str(seen), repr(seen), repr(seen.args)]
        if isinstance(seen, ApijError):
            out += [str(value) for value in vars(seen).values()]
        seen = seen.__cause__ or seen.__context__
    out.append("".join(traceback.format_exception(exc)))
    return out


def test_no_canary_anywhere(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: apij, httpx, httpcore, respx, tenacity
    texts: list[str] = []
    events: list[AttemptEvent] = []

    def hook(event: AttemptEvent) -> None:
        events.append(event)
        raise RuntimeError("broken metrics hook")  # its traceback is logged: must be clean too

    double = CnamDouble(people=[canary_person()], api_keys=[CANARY_KEY])
    scenarios: list[tuple[str, Any]] = [("ok", None), *((f.value, f) for f in Fault)]
    quick = Timeouts(connect=0.2, read=0.2, total=1.0)
    with respx_router(double, BASE_URL):
        for mode in ("sync", "async"):
            for _, fault in scenarios:
                if fault is not None:
                    double.inject_fault(fault, token=CANARY_TOKEN, times=9, retry_after=0)
                options: dict[str, Any] = {
                    "base_url": BASE_URL, "retry": FAST_RETRY, "timeouts": quick,
                    "on_attempt": hook,
                }  # fmt: skip
                try:
                    if mode == "sync":
                        with ApijClient(CANARY_KEY, **options) as client:
                            texts.append(repr(client))
                            client.paiements(CANARY_TOKEN, **WINDOW)
                    else:

                        async def call(
                            options: dict[str, Any] = options, texts: list[str] = texts
                        ) -> None:
                            async with AsyncApijClient(CANARY_KEY, **options) as client:
                                texts.append(repr(client))
                                await client.paiements(CANARY_TOKEN, **WINDOW)

                        asyncio.run(call())
                except ApijError as exc:
                    texts += texts_of(exc)
                double.clear_faults()
        # Refusals: unknown key, unknown token, expired token, missing scope, unknown person.
        for key, token in ((CANARY_KEY + "x", CANARY_TOKEN), (CANARY_KEY, CANARY_TOKEN + "x")):
            with pytest.raises(ApijError) as caught, ApijClient(key, base_url=BASE_URL) as client:
                client.paiements(token, **WINDOW)
            texts += texts_of(caught.value)
        for extra in (
            {"scopes": frozenset({"openid"})},
            {"known_to_cnam": False},
            {"token_expires_at": datetime(2020, 1, 1, tzinfo=UTC)},
        ):
            double.add_person(canary_person(**extra))
            with pytest.raises(ApijError) as caught, ApijClient(CANARY_KEY, base_url=BASE_URL) as c:
                c.paiements(CANARY_TOKEN, **WINDOW)
            texts += texts_of(caught.value)
    # Bad arguments carrying a canary: the message names the argument, not the value.
    for bad in (CANARY_TOKEN + " x", CANARY_TOKEN + "\n"):
        with (
            pytest.raises(ValueError, match="fc_token") as refused,
            ApijClient(CANARY_KEY, base_url=BASE_URL) as c,
        ):
            c.paiements(bad, date_debut=date(2025, 1, 1), date_fin=date(2025, 1, 2))
        texts += texts_of(refused.value)
    with pytest.raises(ValueError, match="api_key") as refused:
        ApijClient(CANARY_KEY + " x", base_url=BASE_URL)
    texts += texts_of(refused.value)

    assert events, "the hook saw no attempt"
    texts += [repr(e) for e in events]
    for record in caplog.records:
        texts += [record.getMessage(), repr(record.args), record.exc_text or ""]
        if record.exc_info and record.exc_info[1] is not None:
            texts += texts_of(record.exc_info[1])
    assert len(caplog.records) > 20, "the scenarios should have logged plenty"
    assert any(r.name == "apij" and r.levelno == logging.WARNING for r in caplog.records)
    for text in texts:
        for canary in CANARIES:
            assert canary not in text, f"{canary!r} leaked into: {text[:200]!r}"


def test_redacting_filter_scrubs_live_secrets() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "token=%s key=%s", ("T0K", "K3Y"), None
    )
    remember_secret("T0K")
    remember_secret("K3Y")
    try:
        assert RedactingFilter().filter(record)
    finally:
        forget_secret("T0K")
        forget_secret("K3Y")
    assert record.getMessage() == "token=*** key=***"


def test_server_message_echoing_a_secret_is_scrubbed(mock: Any) -> None:
    mock.get(PATH).mock(
        return_value=json_response(
            401, {"code": "jeton_invalide", "message": f"token {CANARY_TOKEN} unknown"}
        )
    )
    with pytest.raises(ApijError) as caught, ApijClient(CANARY_KEY, base_url=BASE_URL) as c:
        c.paiements(CANARY_TOKEN, **WINDOW)
    assert caught.value.detail == "token *** unknown"
    assert CANARY_TOKEN not in str(caught.value)


# --- the traceback text a handler prints for a logged exception -----------------------------

TRACEBACK_SECRET = "TRACEBACKCANARY-6e1f0b"


def test_logged_exception_text_is_scrubbed() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    LOGGER.addHandler(handler)
    previous = LOGGER.level
    LOGGER.setLevel(logging.ERROR)
    remember_secret(TRACEBACK_SECRET)
    try:
        try:
            raise RuntimeError(f"a hook failed while holding {TRACEBACK_SECRET}")
        except RuntimeError:
            LOGGER.exception("on_attempt hook raised")
    finally:
        forget_secret(TRACEBACK_SECRET)
        LOGGER.removeHandler(handler)
        LOGGER.setLevel(previous)
    printed = stream.getvalue()
    assert "on_attempt hook raised" in printed
    assert "RuntimeError: a hook failed while holding ***" in printed
    assert TRACEBACK_SECRET not in printed


# --- a server message quoting the insured person: an attribute, never str(), repr() or a log --

MESSAGE_KEY = "MSGCANARYKEY-51c0e3"
MESSAGE_TOKEN = "MSGCANARYTOKEN-7d2b94"
MESSAGE_IDENTITY = "Canaryprenom Canarynom, nee le 1985-06-15"


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [(404, "assure_inconnu", InsuredPersonNotFound), (400, "requete_invalide", InvalidRequest)],
)
def test_server_message_stays_an_attribute(
    caplog: pytest.LogCaptureFixture, status: int, code: str, error: type[ApijError]
) -> None:
    message = f"Aucun assure pour {MESSAGE_IDENTITY} (jeton {MESSAGE_TOKEN})"
    caplog.set_level(logging.DEBUG)
    with respx.mock(base_url=BASE_URL, assert_all_mocked=True) as router:
        router.get(PATH).mock(
            return_value=json_response(status, {"code": code, "message": message})
        )
        with (
            ApijClient(MESSAGE_KEY, base_url=BASE_URL, retry=FAST_RETRY) as client,
            pytest.raises(error) as caught,
        ):
            client.paiements(MESSAGE_TOKEN, date_debut="2025-01-01", date_fin="2025-06-30")
    exc = caught.value
    assert exc.code == code
    # The caller may still read what the server said, credentials scrubbed.
    assert exc.detail is not None
    assert MESSAGE_IDENTITY in exc.detail
    assert MESSAGE_TOKEN not in exc.detail
    shown = [str(exc), repr(exc), *map(str, exc.args), *(r.getMessage() for r in caplog.records)]
    for text in shown:
        for canary in ("Canaryprenom", "Canarynom", "1985-06-15", MESSAGE_KEY, MESSAGE_TOKEN):
            assert canary not in text, text
