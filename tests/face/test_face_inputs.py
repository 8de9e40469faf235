"""Arguments are checked before any request; errors name the argument and never echo a secret."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from apij import ApijClient, AsyncApijClient, RetryPolicy, Timeouts
from tests.face._face_support import BASE_URL, KEY, PATH, body, json_response

PARIS = timezone(timedelta(hours=2))


@pytest.fixture
def strict_mock() -> Any:
    # No route at all: any request that escapes the argument checks fails the test.
    with respx.mock(base_url=BASE_URL, assert_all_mocked=True, using="httpx") as router:
        yield router


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"date_debut": "2025-07-01", "date_fin": "2025-06-30"}, "date_debut"),
        ({"date_debut": date(2025, 7, 1), "date_fin": date(2025, 6, 30)}, "date_debut"),
        ({"date_debut": "2025-13-01", "date_fin": "2025-06-30"}, "date_debut"),
        ({"date_debut": "2025-02-30", "date_fin": "2025-06-30"}, "date_debut"),
        ({"date_debut": "20250101", "date_fin": "2025-06-30"}, "date_debut"),
        ({"date_debut": "2025-01-01", "date_fin": "30/06/2025"}, "date_fin"),
        ({"date_debut": "2025-01-01", "date_fin": ""}, "date_fin"),
        ({"date_debut": 20250101, "date_fin": "2025-06-30"}, "date_debut"),
        ({"date_debut": None, "date_fin": "2025-06-30"}, "date_debut"),
        ({"date_debut": datetime(2025, 1, 1), "date_fin": "2025-06-30"}, "date_debut"),  # noqa: DTZ001
        ({"date_debut": "2025-01-01", "date_fin": datetime(2025, 6, 30)}, "date_fin"),  # noqa: DTZ001
        # Aware datetimes too: which day an instant falls on depends on a time zone.
        ({"date_debut": datetime(2025, 1, 1, tzinfo=UTC), "date_fin": "2025-06-30"}, "date_debut"),
        (
            {"date_debut": "2025-01-01", "date_fin": datetime(2025, 6, 30, tzinfo=PARIS)},
            "date_fin",
        ),
        # Only ASCII digits: '２０２５' is not an ISO year.
        ({"date_debut": "２０２５-01-01", "date_fin": "2025-06-30"}, "date_debut"),
    ],
)
def test_bad_window_raises_value_error_naming_the_argument(
    strict_mock: respx.MockRouter, kwargs: dict[str, Any], argument: str
) -> None:
    with ApijClient(KEY, base_url=BASE_URL) as client, pytest.raises(ValueError, match=argument):
        client.paiements("tok", **kwargs)
    assert not strict_mock.calls


@pytest.mark.parametrize("token", ["", "   ", "two words", "tok\r\nX-Evil: 1", None, 42])
def test_bad_token_raises_value_error_naming_the_argument(
    strict_mock: respx.MockRouter, token: Any
) -> None:
    with (
        ApijClient(KEY, base_url=BASE_URL) as client,
        pytest.raises(ValueError, match="fc_token") as caught,
    ):
        client.paiements(token, date_debut="2025-01-01", date_fin="2025-06-30")
    assert "fc_token" in str(caught.value)
    if isinstance(token, str) and token.strip():
        assert token not in str(caught.value)
    assert not strict_mock.calls


@pytest.mark.anyio
async def test_async_client_checks_arguments_too(strict_mock: respx.MockRouter) -> None:
    async with AsyncApijClient(KEY, base_url=BASE_URL) as client:
        with pytest.raises(ValueError, match="date_debut"):
            await client.paiements("tok", date_debut="2025-07-01", date_fin="2025-06-30")
        with pytest.raises(ValueError, match="fc_token"):
            await client.paiements("", date_debut="2025-01-01", date_fin="2025-06-30")
    assert not strict_mock.calls


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_datetimes_are_refused_with_a_message_saying_to_pass_a_date(
    strict_mock: respx.MockRouter,
) -> None:
    with (
        ApijClient(KEY, base_url=BASE_URL) as client,
        pytest.raises(ValueError, match="date_debut") as caught,
    ):
        client.paiements(
            "tok", date_debut=datetime(2025, 1, 1, 23, 30, tzinfo=PARIS), date_fin="2025-06-30"
        )
    assert "date_debut" in str(caught.value)
    assert "datetime.date" in str(caught.value)
    assert not strict_mock.calls


class ShiftedDate(date):
    """A date subclass that formats and compares its own way (as some libraries' dates do)."""

    def isoformat(self) -> str:
        return "not-a-date"

    def __gt__(self, other: object) -> bool:
        return True


def test_dates_and_strings_are_sent_as_iso_and_date_subclasses_as_plain_dates(
    mock: respx.MockRouter,
) -> None:
    route = mock.get(PATH).mock(return_value=json_response(200, body("32.87", "28.53", "2.3")))
    with ApijClient(KEY, base_url=BASE_URL) as client:
        client.paiements("tok", date_debut=date(2025, 1, 1), date_fin="2025-06-30")
        client.paiements(
            "tok", date_debut=ShiftedDate(2025, 1, 1), date_fin=ShiftedDate(2025, 6, 30)
        )
    assert route.call_count == 2
    for call in route.calls:
        assert call.request.url.params == httpx.QueryParams(
            {"dateDebut": "2025-01-01", "dateFin": "2025-06-30"}
        )


def test_same_day_window_is_valid(mock: respx.MockRouter) -> None:
    mock.get(PATH).mock(return_value=json_response(200, body("32.87", "28.53", "2.3")))
    with ApijClient(KEY, base_url=BASE_URL) as client:
        assert client.paiements("tok", date_debut="2025-03-04", date_fin="2025-03-04")


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"api_key": ""}, "api_key"),
        ({"api_key": "has space"}, "api_key"),
        ({"base_url": "ftp://example"}, "base_url"),
        ({"base_url": "partenaires.api.ameli.fr"}, "base_url"),
        ({"base_url": "https://h/p?x=1"}, "base_url"),
        ({"max_response_bytes": 0}, "max_response_bytes"),
        ({"max_response_bytes": True}, "max_response_bytes"),
        ({"transport": httpx.AsyncHTTPTransport()}, "transport"),
        ({"timeouts": {"total": 5}}, "timeouts: expected Timeouts, got dict"),
        ({"retry": 3}, "retry: expected RetryPolicy, got int"),
        ({"limits": 10}, "limits: expected Limits, got int"),
        ({"on_attempt": "log"}, "on_attempt: expected a callable, got str"),
        ({"on_drift": 1}, "on_drift: expected a callable, got int"),
        ({"verify": 1.5}, "verify: expected bool or str or SSLContext, got float"),
        ({"verify": "/nonexistent/ca.pem"}, "verify: no usable CA bundle at '/nonexistent/ca.pem'"),
    ],
)
def test_bad_client_settings(kwargs: dict[str, Any], argument: str) -> None:
    settings = {"api_key": KEY, "base_url": BASE_URL, **kwargs}
    with pytest.raises(ValueError, match=argument):
        ApijClient(settings.pop("api_key"), **settings)


@pytest.mark.parametrize(
    ("factory", "argument"),
    [
        (lambda: Timeouts(read=0), "read"),
        (lambda: Timeouts(total=-1), "total"),
        (lambda: Timeouts(connect=float("inf")), "connect"),
        (lambda: RetryPolicy(max_attempts=0), "max_attempts"),
        (lambda: RetryPolicy(statuses=frozenset({500})), "statuses"),
        (lambda: RetryPolicy(backoff=0), "backoff"),
    ],
)
def test_bad_policies(factory: Any, argument: str) -> None:
    with pytest.raises(ValueError, match=argument):
        factory()


def test_a_file_that_is_no_ca_bundle_is_named(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate")
    with pytest.raises(ValueError, match=r"verify: no usable CA bundle at '.*ca\.pem' \(.+\)"):
        ApijClient(KEY, base_url=BASE_URL, verify=str(bundle))


def test_the_async_client_wants_an_async_transport() -> None:
    with pytest.raises(ValueError, match="transport: expected an AsyncBaseTransport"):
        AsyncApijClient(KEY, base_url=BASE_URL, transport=httpx.HTTPTransport())


def test_closed_client_refuses_calls() -> None:
    client = ApijClient(KEY, base_url=BASE_URL)
    client.close()
    client.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        client.paiements("tok", date_debut="2025-01-01", date_fin="2025-06-30")
