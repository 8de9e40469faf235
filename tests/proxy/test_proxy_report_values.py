"""The report holds no value, whatever the request: property-tested with generated paths and
queries that carry a canary secret, through the proxy over loopback."""

from __future__ import annotations

import io
import json
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apij.double import SANDBOX_API_KEY, SCENARIOS
from apij.double.sandbox import running as sandbox
from apij.proxy import running as proxy
from tests._reports import untimed_jsonl

CANARY = "Zq7CANARYx9"  # in no word of the contract, the base path or the report's own keys
TOKEN = SCENARIOS["maladie"].token
# Segments the contract's templates and the base path hold, so that generated paths share a
# prefix with a documented one, or are one.
WORDS = ["me", "paiements", "test", "v1", "indemnites-journalieres", "", ".", ".."]


@pytest.fixture(scope="module")
def through() -> Iterator[tuple[str, io.StringIO]]:
    report = io.StringIO()
    with sandbox() as upstream, proxy(upstream, report) as base_url:
        yield base_url, report


def with_canary(draw: st.DrawFn, text: str) -> str:
    at = draw(st.integers(0, len(text)))
    return text[:at] + CANARY + text[at:]


any_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=10)


@st.composite
def requests(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, str]], str]:
    """Path segments (one carries the canary), query pairs (some carry it), the method."""
    segments = draw(st.lists(st.one_of(st.sampled_from(WORDS), any_text), max_size=12))
    at = draw(st.integers(0, len(segments)))
    segments.insert(at, with_canary(draw, draw(any_text)))
    if draw(st.booleans()):  # under the documented path: the template's shape is the nearest
        segments = ["test", "v1", "indemnites-journalieres", "me", *segments]
    pairs = draw(
        st.lists(
            st.tuples(
                st.one_of(st.sampled_from(["dateDebut", "dateFin"]), any_text),
                st.one_of(any_text, any_text.map(lambda t: with_canary(draw, t))),
            ),
            max_size=4,
        )
    )
    if draw(st.booleans()):
        pairs.append((with_canary(draw, draw(any_text)), draw(any_text)))
    method = draw(st.sampled_from(["GET", "HEAD", "DELETE", "OPTIONS"]))
    return segments, pairs, method


def send(base_url: str, target: str, method: str) -> bytes:
    url = httpx.URL(base_url)
    assert url.port is not None
    with socket.create_connection((url.host, url.port), timeout=30) as conn:
        conn.sendall(
            f"{method} {target} HTTP/1.1\r\nHost: {url.host}\r\nX-API-Key: {SANDBOX_API_KEY}\r\n"
            f"Authorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n".encode()
        )
        received = b""
        while data := conn.recv(65536):
            received += data
    return received


def new_records(report: io.StringIO, seen: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while len(report.getvalue().splitlines()) <= seen and time.monotonic() < deadline:
        time.sleep(0.005)
    return [json.loads(line) for line in report.getvalue().splitlines()[seen:]]


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests())
def test_no_path_segment_or_query_value_reaches_the_report(
    through: tuple[str, io.StringIO], request: tuple[list[str], list[tuple[str, str]], str]
) -> None:
    base_url, report = through
    segments, pairs, method = request
    target = "/" + "/".join(quote(s, safe="@:;=,!$&'()*+") for s in segments)
    if pairs:
        target += "?" + urlencode(pairs)
    seen = len(report.getvalue().splitlines())
    received = send(base_url, target, method)
    assert received.startswith(b"HTTP/1.1 ")
    (record,) = new_records(report, seen)
    text = untimed_jsonl(json.dumps(record))
    for form in (CANARY, quote(CANARY), CANARY.lower()):
        assert form not in text, (target, record)
    # Only the contract's words, `{?}` placeholders and the template's own parameters.
    for part in record["path"].split("/"):
        assert part in {*WORDS, "{?}"} or part.startswith("{?*"), (target, record["path"])


def test_a_token_in_an_undocumented_path_is_reported_as_the_paths_shape(
    through: tuple[str, io.StringIO],
) -> None:
    base_url, report = through
    path = httpx.URL(base_url).path
    seen = len(report.getvalue().splitlines())
    send(base_url, f"{path}/me/{TOKEN}/2025-01-01", "GET")
    (record,) = new_records(report, seen)
    assert record["path"] == f"{path}/me/{{?}}/{{?}}"
    assert record["violations"] == [
        {"where": "request", "path": "$.path", "rule": "path-undocumented"}
    ]
    assert TOKEN not in report.getvalue()
    assert "2025-01-01" not in report.getvalue()
