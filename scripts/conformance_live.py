"""`make conformance-live`: the contract checked against a live API, the sandbox or CNAM's gateway.

Usage: python -m scripts.conformance_live

Target: with APIJ_BASE_URL, APIJ_API_KEY and APIJ_TOKEN all set (CNAM's test gateway, the
partner's test key, a FranceConnect test identity's access token), that gateway; with none of
them, the sandbox started on a free loopback port with its synthetic credentials.

The run goes through the validating proxy (`apij.proxy`) in polite mode, whatever schemathesis
sends: only GET and HEAD reach the target (anything else is answered by the proxy itself), at
most APIJ_LIVE_RATE requests a second (default 2 against a gateway), and nothing goes out before
a 429/503's Retry-After has passed. schemathesis generates the requests (positive and negative,
APIJ_LIVE_EXAMPLES per generation mode, default 10, plus its coverage and example phases) and
runs every check; against a gateway `unsupported_method` is left out (its requests would be
writes). Its own console output and reports are not kept: they quote bodies and headers.

Outputs, none holding a token, a body or a personal value: a summary on stdout listing every
contract violation of the responses (operation, status, JSON path, rule, count) and every
schemathesis check that failed; reports/conformance-live.xml (JUnit); and
reports/conformance-live.jsonl, the proxy's record of each exchange. Exit 0 when nothing is
violated, 1 when something is, 2 when the configuration is incomplete.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.project import EFFECTIVE, REPORTS, ROOT, relative

CONFIG = ROOT / "conformance" / "schemathesis.toml"
JUNIT = REPORTS / "conformance-live.xml"
EXCHANGES = REPORTS / "conformance-live.jsonl"
TARGET_VARIABLES = ("APIJ_BASE_URL", "APIJ_API_KEY", "APIJ_TOKEN")
EXIT_VIOLATED = 1
EXIT_CONFIGURATION = 2


@dataclass(frozen=True)
class Target:
    """Where the run goes and with which credentials (never printed)."""

    base_url: str
    api_key: str
    token: str
    live: bool

    @property
    def label(self) -> str:
        return f"gateway {self.base_url}" if self.live else f"sandbox {self.base_url}"


class Incomplete(Exception):
    """Some but not all of the target variables are set."""


def configured_target() -> tuple[str, str, str] | None:
    """(base URL, API key, token) from the environment, None when none is set."""
    values = {name: os.environ.get(name, "").strip() for name in TARGET_VARIABLES}
    missing = [name for name, value in values.items() if not value]
    if len(missing) == len(TARGET_VARIABLES):
        return None
    if missing:
        raise Incomplete(f"set {', '.join(missing)} too, or none of {', '.join(TARGET_VARIABLES)}")
    return values["APIJ_BASE_URL"], values["APIJ_API_KEY"], values["APIJ_TOKEN"]


@contextlib.contextmanager
def target() -> Iterator[Target]:
    """The configured gateway, or a sandbox running for the duration of the run."""
    configured = configured_target()
    if configured is not None:
        yield Target(*configured, live=True)
        return
    from apij.double import DEFAULT_SCENARIO, SANDBOX_API_KEY, SCENARIOS
    from apij.double.sandbox import running

    with running() as base_url:
        yield Target(base_url, SANDBOX_API_KEY, SCENARIOS[DEFAULT_SCENARIO].token, live=False)


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise Incomplete(f"{name} must be a number, got {raw!r}") from None
    if not value > 0:
        raise Incomplete(f"{name} must be positive")
    return value


def run_schemathesis(url: str, where: Target, workdir: Path) -> dict[str, Any]:
    """schemathesis against `url`; its JSON run report (failures by kind, no payloads)."""
    report = workdir / "run.json"
    examples = int(_number("APIJ_LIVE_EXAMPLES", 10))
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        str(EFFECTIVE),
        "--url",
        url,
        "--checks",
        "all",
        # Every violation, not the first of each operation: the summary lists them all.
        "--continue-on-failure",
        "--max-examples",
        str(examples),
        "--request-timeout",
        "30",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        *(["--exclude-checks", "unsupported_method"] if where.live else []),
    ]
    # Read by the [auth.openapi.*] tables of the config: where the contract says credentials go.
    env = {**os.environ, "APIJ_API_KEY": where.api_key, "APIJ_FC_TOKEN": where.token}
    # Its console output quotes bodies and headers: not shown, not kept.
    subprocess.run(
        command,
        env=env,
        cwd=workdir,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not report.exists():
        return {
            "complete": False,
            "failures": [],
            "errors": [{"title": "schemathesis did not run"}],
        }
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return data


def _wildcard(path: str) -> str:
    """`$.body.paiements[3].csg` -> `$.body.paiements[*].csg`: one line per rule, not per item."""
    return re.sub(r"\[\d+\]", "[*]", path)


@dataclass(frozen=True)
class Summary:
    """What the run found, by kind, with counts (paths and rules only)."""

    exchanges: int
    negative_requests: int
    violations: Counter[tuple[str, int, str, str]]
    check_failures: list[tuple[str, str, tuple[str, ...], int]]
    errors: list[str]
    unjudged: Counter[str]

    @property
    def clean(self) -> bool:
        return not self.violations and not self.check_failures and not self.errors


def summarise(
    exchanges: list[dict[str, Any]], run: dict[str, Any], labels: dict[str, str]
) -> Summary:
    """`labels`: operationId -> "METHOD /path", the label schemathesis uses too."""
    violations: Counter[tuple[str, int, str, str]] = Counter()
    negative = 0
    unjudged: Counter[str] = Counter()
    for record in exchanges:
        if any(v["where"] == "request" for v in record["violations"]):
            negative += 1  # schemathesis's negative cases break the request on purpose
        if "unjudged" in record:
            unjudged[record["unjudged"]] += 1
        for violation in record["violations"]:
            if violation["where"] == "response":
                operation = labels.get(record.get("operation") or "", record["path"])
                key = (operation, record["status"], _wildcard(violation["path"]), violation["rule"])
                violations[key] += 1
    failures = [
        (
            str(failure.get("code", "")),
            str(failure.get("title", "")),
            tuple(failure.get("operations", ())),
            int(failure.get("count", 1)),
        )
        for failure in run.get("failures", [])
    ]
    errors = [
        str(error.get("title") or error.get("type") or error) for error in run.get("errors", [])
    ]
    if not run.get("complete", True):
        errors.append(f"the run did not complete ({run.get('stop_reason', 'unknown reason')})")
    return Summary(len(exchanges), negative, violations, failures, errors, unjudged)


def summary_lines(summary: Summary, where: Target, seconds: float, rate: float | None) -> list[str]:
    cap = f"at most {rate:g}/s" if rate else "uncapped"
    lines = [
        f"conformance-live: {where.label}",
        f"conformance-live: {summary.exchanges} exchanges in {seconds:.1f} s ({cap}), "
        f"{summary.negative_requests} of them negative cases (requests broken on purpose)",
    ]
    if summary.violations:
        lines.append("Contract violations in the responses (operation, status, JSON path, rule):")
        width = max(len(op) for op, *_ in summary.violations)
        for (operation, status, path, rule), count in sorted(summary.violations.items()):
            lines.append(f"  {operation:<{width}}  {status}  {path}  {rule}  ×{count}")
    else:
        lines.append("Contract violations in the responses: none")
    if summary.check_failures:
        lines.append("schemathesis checks that failed (code, check, operations):")
        for code, title, operations, count in summary.check_failures:
            lines.append(f"  {code} {title} ({', '.join(operations)})  ×{count}")
    else:
        lines.append("schemathesis checks that failed: none")
    for reason, count in sorted(summary.unjudged.items()):
        lines.append(f"Bodies not judged: {reason}  ×{count}")
    lines += [f"Run error: {error}" for error in summary.errors]
    return lines


def write_junit(summary: Summary, operations: list[str], path: Path, seconds: float) -> None:
    """JUnit: per operation, one case for the responses' conformance and one for the checks."""
    suite = ET.Element("testsuite", name="conformance-live", time=f"{seconds:.3f}")
    cases = 0
    failures = 0
    for operation in operations:
        for name, problems in (
            (
                "responses conform to the contract",
                [
                    f"{status} {path} {rule} ×{count}"
                    for (op, status, path, rule), count in sorted(summary.violations.items())
                    if op == operation
                ],
            ),
            (
                "schemathesis checks pass",
                [
                    f"{code} {title} ×{count}"
                    for code, title, labels, count in summary.check_failures
                    if operation in labels or not labels
                ],
            ),
        ):
            case = ET.SubElement(
                suite, "testcase", classname="conformance-live", name=f"{operation}: {name}"
            )
            cases += 1
            if problems:
                failures += 1
                failure = ET.SubElement(
                    case, "failure", message=f"{len(problems)} kind(s) of violation"
                )
                failure.text = "\n".join(problems)
    case = ET.SubElement(suite, "testcase", classname="conformance-live", name="the run completed")
    cases += 1
    if summary.errors:
        failures += 1
        ET.SubElement(case, "error", message="; ".join(summary.errors))
    suite.set("tests", str(cases))
    suite.set("failures", str(failures))
    path.parent.mkdir(exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def main(reports: Path = REPORTS) -> int:
    from apij.openapi import effective
    from apij.proxy import running as proxy

    junit, exchanges_path = reports / JUNIT.name, reports / EXCHANGES.name
    try:
        with target() as where, tempfile.TemporaryDirectory(prefix="apij-live-") as scratch:
            rate = (
                _number("APIJ_LIVE_RATE", 2)
                if where.live or "APIJ_LIVE_RATE" in os.environ
                else None
            )
            reports.mkdir(parents=True, exist_ok=True)
            started = time.monotonic()
            with (
                exchanges_path.open("w", encoding="utf-8") as out,
                proxy(
                    where.base_url,
                    out,
                    read_only=where.live,
                    max_rate=rate,
                    honour_retry_after=True,
                ) as url,
            ):
                # schemathesis's negative cases include requests the servers' HTTP parser
                # refuses; uvicorn warns about each on stderr: noise here. Set once the servers
                # are built (building one configures uvicorn's loggers).
                logging.getLogger("uvicorn.error").setLevel(logging.ERROR)
                run = run_schemathesis(url, where, Path(scratch))
            seconds = time.monotonic() - started
    except Incomplete as exc:
        print(f"conformance-live: {exc}", file=sys.stderr)
        return EXIT_CONFIGURATION
    exchanges = [
        json.loads(line) for line in exchanges_path.read_text(encoding="utf-8").splitlines()
    ]
    labels = {op.operation_id or "": f"{op.method} {op.path}" for op in effective().operations}
    summary = summarise(exchanges, run, labels)
    write_junit(summary, list(labels.values()), junit, seconds)
    print("\n".join(summary_lines(summary, where, seconds, rate)))
    print(f"Reports: {relative(junit)} (JUnit), {relative(exchanges_path)} (each exchange)")
    return 0 if summary.clean else EXIT_VIOLATED


if __name__ == "__main__":
    raise SystemExit(main())
