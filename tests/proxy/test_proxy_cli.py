"""`apij proxy` as a partner runs it: a real process in front of the sandbox, a report file."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from apij.double import SANDBOX_API_KEY, SCENARIOS
from apij.double.sandbox import running as sandbox

WINDOW = {"dateDebut": "2025-01-01", "dateFin": "2025-06-30"}


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with sandbox() as base_url:
        yield base_url


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "apij", "proxy", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_the_proxy_command_relays_and_writes_its_report(upstream: str, tmp_path: Path) -> None:
    report = tmp_path / "exchanges.jsonl"
    process = start("--upstream", upstream, "--port", "0", "--report", str(report))
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
        assert first.startswith("apij proxy: use base URL http://127.0.0.1:")
        base_url = first.rsplit(" ", 1)[1].strip()
        token = SCENARIOS["maladie"].token
        response = httpx.get(
            f"{base_url}/me/paiements",
            params=WINDOW,
            headers={"X-API-Key": SANDBOX_API_KEY, "Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200
        deadline = time.monotonic() + 5
        while not report.exists() or not report.read_text():
            assert time.monotonic() < deadline, "no report line"
            time.sleep(0.02)
    finally:
        process.terminate()
        process.communicate(timeout=10)
    (record,) = [json.loads(line) for line in report.read_text().splitlines()]
    assert (record["status"], record["violations"]) == (200, [])
    assert token not in report.read_text()


def test_a_port_in_use_is_one_line_and_exit_6(upstream: str) -> None:
    with sandbox() as taken:
        port = httpx.URL(taken).port
        assert port is not None
        process = start("--upstream", upstream, "--port", str(port))
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 6
    assert stderr.strip().splitlines() == [
        f"apij: error: port {port} on 127.0.0.1 is already in use (try --port)"
    ]


def test_a_bad_upstream_is_one_line_and_exit_2() -> None:
    process = start("--upstream", "ftp://example.invalid/x", "--port", "0")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert stderr.strip().splitlines() == [
        "apij: error: upstream: expected an absolute http(s) URL such as https://host/path"
    ]
