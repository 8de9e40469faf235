"""`make conformance-live` against a gateway: the sandbox served as if it were CNAM's, breaking
the contract on purpose; the summary and the reports must name each break, and nothing else."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from apij.double import SANDBOX_API_KEY, SCENARIOS, CnamDouble, Fault
from apij.double.sandbox import running
from scripts import conformance_live

# A synthetic person whose first three calls break the contract three ways, then all is well.
DERIVE = dataclasses.replace(
    SCENARIOS["maladie"],
    name="derive",
    token="sbx-fc-derive-3e1f0c9b7a52",
    faults=(Fault.SCHEMA_VIOLATION, Fault.WRONG_CONTENT_TYPE, Fault.GATEWAY_TIMEOUT),
)


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    double = CnamDouble(people=[*SCENARIOS.values(), DERIVE])
    with running(double) as base_url:
        monkeypatch.setenv("APIJ_BASE_URL", base_url)
        monkeypatch.setenv("APIJ_API_KEY", SANDBOX_API_KEY)
        monkeypatch.setenv("APIJ_TOKEN", DERIVE.token)
        monkeypatch.setenv("APIJ_LIVE_EXAMPLES", "2")
        monkeypatch.setenv("APIJ_LIVE_RATE", "50")
        yield base_url


def test_contract_breaks_of_a_gateway_are_listed_and_nothing_secret_is_written(
    gateway: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert conformance_live.main(reports=tmp_path) == conformance_live.EXIT_VIOLATED
    out = capsys.readouterr().out
    assert f"conformance-live: gateway {gateway}" in out
    assert "at most 50/s" in out
    broken = [line.split() for line in out.splitlines() if line.startswith("  GET /me/paiements")]
    # "GET /me/paiements  200  $.body.paiements[*].csg  required  ×3"
    rules = {(words[2], words[3], words[4]) for words in broken}
    # Each break, by status, JSON path and rule (the schema violation's status depends on which
    # request came first; the other two do not).
    assert any(path.startswith("$.body") for _, path, _ in rules), out
    assert any(
        (path, rule) == ("$.headers['content-type']", "media-type") for _, path, rule in rules
    ), out
    assert ("504", "$.status", "status-undocumented") in rules, out
    junit = ET.parse(tmp_path / "conformance-live.xml").getroot()  # noqa: S314 - ours
    failed = [
        case.get("name") for case in junit.iter("testcase") if case.find("failure") is not None
    ]
    assert "GET /me/paiements: responses conform to the contract" in failed
    exchanges = (tmp_path / "conformance-live.jsonl").read_text(encoding="utf-8")
    assert len(exchanges.splitlines()) > 3
    junit_text = (tmp_path / "conformance-live.xml").read_text(encoding="utf-8")
    for text in (out, junit_text, exchanges):
        for secret in (DERIVE.token, SANDBOX_API_KEY, "32.87", "28.53", "Maintenance"):
            assert secret not in text


def test_only_reads_reach_the_gateway(gateway: str, tmp_path: Path) -> None:
    conformance_live.main(reports=tmp_path)
    records = [
        json.loads(line)
        for line in (tmp_path / "conformance-live.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    forwarded = {r["method"] for r in records if r.get("forwarded", True)}
    assert forwarded <= {"GET", "HEAD"}


def test_a_partial_configuration_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APIJ_BASE_URL", "https://gateway.example.invalid/v1")
    monkeypatch.delenv("APIJ_API_KEY", raising=False)
    monkeypatch.delenv("APIJ_TOKEN", raising=False)
    assert conformance_live.main(reports=tmp_path) == conformance_live.EXIT_CONFIGURATION
    assert capsys.readouterr().err.strip().splitlines() == [
        "conformance-live: set APIJ_API_KEY, APIJ_TOKEN too, or none of "
        "APIJ_BASE_URL, APIJ_API_KEY, APIJ_TOKEN"
    ]
