"""Observability: one event per attempt (status, duration, retry) and standard logging records."""

from __future__ import annotations

import logging

import pytest

from apij import ApijClient, AttemptEvent
from apij.double import CnamDouble, Fault
from tests.face._face_support import BASE_URL, FAST_RETRY, KEY, person

WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-12-31"}


def test_events_and_logs_for_a_recovered_call(
    routed: CnamDouble, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="apij")
    who = person(20)
    routed.inject_fault(Fault.UNAVAILABLE, token=who.token, retry_after=0)
    events: list[AttemptEvent] = []
    with ApijClient(KEY, base_url=BASE_URL, retry=FAST_RETRY, on_attempt=events.append) as c:
        c.paiements(who.token, **WINDOW)
    first, second = events
    assert (first.attempt, first.status, first.outcome) == (1, 503, "ServerError")
    assert first.retry_in is not None
    assert first.retry_in >= 0
    assert (second.attempt, second.status, second.outcome, second.retry_in) == (2, 200, "ok", None)
    assert all(e.duration >= 0 for e in events)
    records = [r for r in caplog.records if r.name == "apij"]
    assert [r.levelno for r in records] == [logging.WARNING, logging.DEBUG]
    assert "503" in records[0].getMessage()
    assert "retrying" in records[0].getMessage()


def test_connection_failure_event_has_no_status(routed: CnamDouble) -> None:
    who = person(21)
    routed.inject_fault(Fault.CONNECT_ERROR, token=who.token)
    events: list[AttemptEvent] = []
    with ApijClient(KEY, base_url=BASE_URL, retry=FAST_RETRY, on_attempt=events.append) as c:
        c.paiements(who.token, **WINDOW)
    assert [(e.status, e.outcome) for e in events] == [(None, "ConnectionFailed"), (200, "ok")]


def test_a_failing_hook_does_not_fail_the_call(
    routed: CnamDouble, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: AttemptEvent) -> None:
        raise RuntimeError("metrics backend down")

    with ApijClient(KEY, base_url=BASE_URL, on_attempt=broken) as c:
        releve = c.paiements(person(22).token, **WINDOW)
    assert releve.paiements
    assert any("on_attempt hook raised" in r.getMessage() for r in caplog.records)
