"""schemathesis over the vendored spec against the double's ASGI app (`from_asgi`), ignored_auth on.

`ignored_auth` re-sends each authorised case without, then with wrong, credentials through
schemathesis's own transport; over ASGI that transport reaches the double, so the check runs here.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from _schemathesis import CaseStats, positive_window_reaches_200, suite_config, with_spec_endpoint
from _support import load_spec

from apij.double import CnamDouble
from apij.double.asgi import create_app

APP = with_spec_endpoint(create_app(CnamDouble()), load_spec())
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP, config=suite_config())
STATS = CaseStats()


@SCHEMA.parametrize()
def test_asgi_double_conforms_to_the_spec(case: schemathesis.Case[Any]) -> None:
    response = case.call()
    STATS.record(case, response.status_code)
    case.validate_response(response, additional_checks=[positive_window_reaches_200])


def test_asgi_generation_reached_the_success_and_error_paths(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Runs after the schemathesis test (file order): the budget was spent on both paths."""
    report = STATS.write("schemathesis-asgi")
    with capsys.disabled():
        print(f"\n{report}")
    assert 200 in STATS.statuses("positive"), "no positive case reached 200: auth config broken?"
    assert STATS.statuses("negative") & {400, 401}, "no negative case was rejected"
