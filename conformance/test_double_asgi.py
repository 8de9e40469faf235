"""schemathesis over the effective contract against the double's ASGI app (`from_asgi`),
ignored_auth on.

`ignored_auth` re-sends each authorised case without, then with wrong, credentials through
schemathesis's own transport; over ASGI that transport reaches the double, so the check runs here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis

from apij.double import CnamDouble
from apij.double.asgi import create_app
from conformance._schemathesis import (
    CaseStats,
    positive_window_reaches_200,
    reached_both_paths,
    suite_config,
    with_spec_endpoint,
)
from conformance._support import document

APP = with_spec_endpoint(create_app(CnamDouble()), document())
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP, config=suite_config())


@pytest.fixture(scope="module")
def stats(pytestconfig: pytest.Config) -> Iterator[CaseStats]:
    """The cases' statistics; on teardown, proof the budget was spent on both paths."""
    collected = CaseStats()
    yield collected
    reached_both_paths(collected, "schemathesis-asgi", pytestconfig)


@SCHEMA.parametrize()
def test_asgi_double_conforms_to_the_spec(case: schemathesis.Case[Any], stats: CaseStats) -> None:
    response = case.call()
    stats.record(case, response.status_code)
    case.validate_response(response, additional_checks=[positive_window_reaches_200])
