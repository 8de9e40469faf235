"""A contract that cannot be compiled ends the CLI with one line, not a traceback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from apij import _contract, openapi
from apij.cli import app


@pytest.fixture
def broken_contract(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The embedded contract with its body schema's reference pointing nowhere."""
    document = openapi.effective().document
    broken = {
        **document,
        "components": {**document["components"], "schemas": {}},  # every schema $ref dangles
    }
    monkeypatch.setattr(_contract, "effective", lambda: openapi.read(broken))
    _contract.contract.cache_clear()
    yield
    _contract.contract.cache_clear()


@pytest.mark.usefixtures("broken_contract")
def test_an_uncompilable_contract_is_one_line_on_stderr() -> None:
    result = CliRunner().invoke(app, ["paiements", "--debut", "2025-01-01", "--fin", "2025-06-30"])
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("apij: error: dangling $ref '#/components/schemas/")
    assert "Traceback" not in result.output
