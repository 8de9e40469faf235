"""Run the project's gate, or update-spec, in a throwaway copy of the project (plain subprocesses).

Each run is a fresh interpreter in the copy, with the copy's `src/` and `generated/` first on
PYTHONPATH (ahead of the editable install of the real project) and the copy as working folder
(so `scripts` and the suite are the copy's): nothing resolves to the original tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from conformance._support import BUDGET_ENV, NO_SHRINK_ENV
from scripts.project import ROOT

# Everything the suite reads, minus the environment, the VCS and local state.
IGNORED = shutil.ignore_patterns(
    ".venv", ".git", ".mypy_cache", ".ruff_cache", ".pytest_cache", "reports", "__pycache__"
)
# Besides the gate's own checks: "apij import" when pytest cannot even load the `apij` plugin
# (the face or the double no longer imports against the regenerated client).
CHECKS: dict[str, str] = {
    "test_provenance": "provenance",
    "test_drift": "drift",
    "test_contract": "contract",
    "test_double_schemathesis": "schemathesis/respx",
    "test_double_asgi": "schemathesis/asgi",
    "test_double_scenarios": "double scenarios",
    "test_client_responses": "client responses",
    "test_client_requests": "client requests",
    "test_face_money": "face",
    "test_public_surface": "public surface",
    "test_packaging": "packaging",
}


@dataclass
class GateRun:
    """Which checks failed in one pytest run, with their first failure lines."""

    exit_code: int
    failures: dict[str, list[str]] = field(default_factory=dict)
    passed_count: int = 0

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.failures

    @property
    def checks(self) -> frozenset[str]:
        return frozenset(self.failures)


def copy_project(destination: Path) -> Path:
    """A copy of the project as the suite sees it."""
    shutil.copytree(ROOT, destination, ignore=IGNORED)
    return destination


def environment(project: Path, budget: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(project / "src"), str(project / "generated")])
    env["PYTHONDONTWRITEBYTECODE"] = ""
    env.pop("PYTEST_ADDOPTS", None)
    if budget is None:
        env.pop(BUDGET_ENV, None)
        env.pop(NO_SHRINK_ENV, None)
    else:
        # A gate run only needs to know which checks fail: small budget, no shrinking.
        env[BUDGET_ENV] = budget
        env[NO_SHRINK_ENV] = "1"
    return env


def update_spec(project: Path, source: Path, log: Path) -> int:
    """`make update-spec SPEC=source` in the copy; its output goes to `log`."""
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(
            [sys.executable, "-m", "scripts.update_spec", str(source)],
            cwd=project,
            env=environment(project, None),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    return done.returncode


def _label(classname: str) -> str:
    module = classname.rsplit(".", 1)[-1]
    return CHECKS.get(module, module)


def run_gate(project: Path, tests: tuple[str, ...], name: str, budget: str | None) -> GateRun:
    """pytest in the copy, as `make test` runs it (on `tests`, or everything when empty)."""
    report, log = project / f"{name}.xml", project / f"{name}.log"
    argv = [
        sys.executable, "-m", "pytest", "-q", "--tb=line", "-p", "no:cacheprovider",
        f"--junitxml={report}",
        # A module that no longer imports must not hide what the other checks say.
        "--continue-on-collection-errors",
        *tests,
    ]  # fmt: skip
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(
            argv,
            cwd=project,
            env=environment(project, budget),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    run = GateRun(done.returncode)
    if not report.exists():
        text = log.read_text(encoding="utf-8", errors="replace")
        # pytest could not even start: the `apij` plugin (entry point) failed to import.
        label = "apij import" if 'loading plugin "pytest11"' in text else "pytest"
        lines = [line for line in text.splitlines() if line.startswith("E ")]
        run.failures[label] = [" ".join(lines)[:300] or text[-300:]]
        return run
    # Our own pytest's JUnit file, written a moment ago: not untrusted input.
    for case in ET.parse(report).getroot().iter("testcase"):  # noqa: S314
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            if case.find("skipped") is None:
                run.passed_count += 1
            continue
        # A module that fails to collect is reported with an empty classname and its dotted name.
        label = _label(case.get("classname") or case.get("name") or "")
        message = (problem.get("message") or "").strip().splitlines()
        if message == ["collection failure"]:
            # The reason is in the body: pytest's `E   ...` lines.
            message = [line[1:].strip() for line in (problem.text or "").splitlines()
                       if line.startswith("E ")][-1:] or message  # fmt: skip
        run.failures.setdefault(label, []).append(
            f"{case.get('name')}: {message[0][:200] if message else ''}"
        )
    return run
