"""`make conformance-live` against a gateway: the sandbox served as if it were CNAM's, breaking
the contract on purpose; the summary and the reports must name each break, and nothing else."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from apij.double import DEFAULT_SCENARIO, SANDBOX_API_KEY, SCENARIOS, CnamDouble, Fault
from apij.double.sandbox import running
from scripts import conformance_live
from tests._reports import untimed_jsonl, untimed_junit

PERSON = SCENARIOS[DEFAULT_SCENARIO]


@pytest.fixture
def gateway(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The sandbox as the gateway. With faults as parameter, the person's calls get them in
    turn, every one of them (so each break shows whichever requests schemathesis makes)."""
    faults: tuple[Fault, ...] = getattr(request, "param", ())
    person = dataclasses.replace(PERSON, faults=faults * 200)
    double = CnamDouble(people=[person])
    with running(double) as base_url:
        monkeypatch.setenv("APIJ_BASE_URL", base_url)
        monkeypatch.setenv("APIJ_API_KEY", SANDBOX_API_KEY)
        monkeypatch.setenv("APIJ_TOKEN", PERSON.token)
        monkeypatch.setenv("APIJ_LIVE_EXAMPLES", "1")
        monkeypatch.setenv("APIJ_LIVE_RATE", "50")
        yield base_url


def listed(out: str) -> set[tuple[str, str, str]]:
    """(status, JSON path, rule) of each violation line of the summary."""
    # "  GET /me/paiements  200  $.body.paiements[*].csg  required  ×3"
    lines = [line.split() for line in out.splitlines() if line.startswith("  GET /")]
    return {(words[2], words[3], words[4]) for words in lines if len(words) == 6}


BREAKS = (Fault.SCHEMA_VIOLATION, Fault.WRONG_CONTENT_TYPE, Fault.GATEWAY_TIMEOUT)


@pytest.mark.parametrize("gateway", [BREAKS], indirect=True, ids=["three-breaks"])
def test_contract_breaks_of_a_gateway_are_listed_and_nothing_secret_is_written(
    gateway: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert conformance_live.main(reports=tmp_path) == conformance_live.EXIT_VIOLATED
    out = capsys.readouterr().out
    assert f"conformance-live: gateway {gateway}" in out
    assert "at most 50/s" in out
    found = listed(out)
    # Each break by its JSON path and rule (and status, when the break is the status).
    assert any(path.startswith("$.body.") for _, path, _ in found), out
    assert any((p, r) == ("$.headers['content-type']", "media-type") for _, p, r in found), out
    assert ("504", "$.status", "status-undocumented") in found, out
    junit = ET.parse(tmp_path / "conformance-live.xml").getroot()  # noqa: S314 - ours
    failed = [
        case.get("name") for case in junit.iter("testcase") if case.find("failure") is not None
    ]
    assert "GET /me/paiements: responses conform to the contract" in failed
    exchanges = (tmp_path / "conformance-live.jsonl").read_text(encoding="utf-8")
    records = [json.loads(line) for line in exchanges.splitlines()]
    assert {r["method"] for r in records if r.get("forwarded", True)} <= {"GET", "HEAD"}
    junit_text = (tmp_path / "conformance-live.xml").read_text(encoding="utf-8")
    for text in (out, untimed_junit(junit_text), untimed_jsonl(exchanges)):
        for secret in (PERSON.token, SANDBOX_API_KEY, "32.87", "28.53", "Maintenance"):
            assert secret not in text


def test_a_conforming_gateway_gives_a_clean_run(
    gateway: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert conformance_live.main(reports=tmp_path) == 0, capsys.readouterr().out
    assert "Contract violations in the responses: none" in capsys.readouterr().out


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
