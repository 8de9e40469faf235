"""The CLI reports the face's new failures in one line with their exit code, never a traceback:
a gateway 404 is a configuration error (2), a hostile Retry-After still a rate limit (5)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx
from typer.testing import CliRunner

from apij.cli import app

URL = "https://apij.partner-gateway.test/v1/indemnites-journalieres"
ENV = {"APIJ_BASE_URL": URL, "APIJ_API_KEY": "cli-partner-key", "APIJ_TOKEN": "cli-token"}
WINDOW = ["--debut", "2025-01-01", "--fin", "2025-06-30", "--max-attempts", "1"]


@pytest.fixture
def gateway() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=URL, assert_all_mocked=True, using="httpx") as router:
        yield router


def run(router: respx.MockRouter, response: httpx.Response) -> tuple[int, str]:
    router.get("/me/paiements").mock(return_value=response)
    result = CliRunner().invoke(app, ["paiements", *WINDOW], env=ENV)
    assert result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("apij: error: ")
    return result.exit_code, lines[0]


def test_a_gateway_404_is_a_configuration_error(gateway: respx.MockRouter) -> None:
    page = httpx.Response(404, text="<html>Not Found</html>", headers={"content-type": "text/html"})
    code, line = run(gateway, page)
    assert code == 2
    assert "base_url" in line


@pytest.mark.parametrize("value", ["7" * 400, "9" * 5000, "١٢"])
def test_a_hostile_retry_after_is_still_a_rate_limit(gateway: respx.MockRouter, value: str) -> None:
    limited = httpx.Response(
        429,
        json={"code": "trop_de_requetes", "message": "Slow down"},
        headers=[(b"retry-after", value.encode())],
    )
    code, line = run(gateway, limited)
    assert code == 5
    assert "rate limited" in line
