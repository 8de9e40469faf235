"""Run the project's gate on a throwaway copy of the project whose contract was mutated."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _mutations import CHECKS, Mutation
from _support import BUDGET_ENV, NO_SHRINK_ENV, ROOT, SPEC_PATH, load_spec

sys.path.insert(0, str(ROOT / "scripts"))
from _spec_io import dump_document

PARTS = ("openapi", "scripts", "generated", "src", "conformance")
# The cheap part of the gate that must go red as soon as the vendored spec and generated/ part.
STALE_GATE = (
    "conformance/test_provenance.py::test_spec_sha256_matches_provenance",
    "conformance/test_provenance.py::test_embedded_spec_is_the_vendored_one",
    "conformance/test_drift.py::test_regeneration_reproduces_the_committed_client",
)
# The gate after `make update-spec`: everything in conformance/ that binds spec, client, double
# and face, at a small example budget. Left out, for time: test_drift (update-spec has just
# regenerated; the stale phase and the main run prove the drift test), test_double_asgi (the
# same double and checks as test_double_schemathesis, plus ignored_auth, which a contract edit
# cannot change), test_update_spec (it copies the project itself) and this suite (recursion).
UPDATED_GATE = (
    "conformance/test_provenance.py",
    "conformance/test_contract.py",
    "conformance/test_double_schemathesis.py",
    "conformance/test_double_scenarios.py",
    "conformance/test_client_responses.py",
    "conformance/test_client_requests.py",
    "conformance/test_face_money.py",
    "conformance/test_public_surface.py",
)
GATE_BUDGET = "5"


@dataclass
class GateRun:
    """Which checks failed in one pytest run of the gate, with their first failure lines."""

    exit_code: int
    failures: dict[str, list[str]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.failures

    @property
    def checks(self) -> frozenset[str]:
        return frozenset(self.failures)


@dataclass
class Outcome:
    """What the gate said about one mutation, stale and after update-spec."""

    mutation: Mutation
    stale: GateRun
    update_exit: int
    update_report: str
    after: GateRun | None
    seconds: dict[str, float] = field(default_factory=dict)


def copy_project(destination: Path) -> Path:
    """A copy of the parts the gate reads (keeping bytecode caches: they are still valid)."""
    for part in PARTS:
        shutil.copytree(
            ROOT / part,
            destination / part,
            ignore=shutil.ignore_patterns(".ruff_cache", ".mypy_cache", "reports"),
        )
    shutil.copy2(ROOT / "pyproject.toml", destination / "pyproject.toml")
    return destination


def _env(project: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The copy's packages shadow the editable install of the real project (also in the
    # subprocesses the gate starts, e.g. the drift test's regenerate.py).
    env["PYTHONPATH"] = os.pathsep.join([str(project / "src"), str(project / "generated")])
    env["PYTHONDONTWRITEBYTECODE"] = ""
    env[BUDGET_ENV] = GATE_BUDGET
    env[NO_SHRINK_ENV] = "1"
    env.pop("PYTEST_ADDOPTS", None)
    return env


class WarmPython:
    """A `_warm.py` server: runs pytest or a script in a project copy, in a forked child."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("_warm.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
        )
        assert self._process.stdout is not None
        ready = self._process.stdout.readline().strip()
        if ready != "ready":
            raise RuntimeError(f"the warm interpreter did not start: {ready!r}")

    def run(self, project: Path, kind: str, argv: list[str], log: Path) -> int:
        job = {
            "cwd": str(project),
            "env": _env(project),
            "paths": [str(project / "src"), str(project / "generated")],
            "drop_paths": [str(ROOT / "src"), str(ROOT / "generated"), str(ROOT / "conformance")],
            "kind": kind,
            "argv": argv,
            "log": str(log),
        }
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(json.dumps(job) + "\n")
        self._process.stdin.flush()
        answer = self._process.stdout.readline()
        if not answer:
            raise RuntimeError("the warm interpreter died")
        code: int = json.loads(answer)["exit"]
        return code

    def close(self) -> None:
        # Closing stdin ends the server's loop; then release our end of its stdout.
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)
        if self._process.stdout is not None:
            self._process.stdout.close()


def _label(classname: str) -> str:
    module = classname.rsplit(".", 1)[-1]
    return CHECKS.get(module, module)


def run_gate(warm: WarmPython, project: Path, tests: tuple[str, ...], name: str) -> GateRun:
    report, log = project / f"{name}.xml", project / f"{name}.log"
    # The warm interpreter has imported respx, anyio and schemathesis, which are also pytest
    # plugins: pytest can no longer rewrite their (library-internal) asserts, and says so.
    quiet = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    # One line per failure: the JUnit file keeps each message, and formatting full hypothesis
    # tracebacks for a dozen failures costs seconds per gate.
    argv = [
        "pytest", "-q", "--tb=line", "-p", "no:cacheprovider", *quiet, f"--junitxml={report}",
        # A module that no longer imports must not hide what the other checks say.
        "--continue-on-collection-errors",
        *tests,
    ]  # fmt: skip
    run = GateRun(warm.run(project, "pytest", argv, log))
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


def mutated_spec(mutation: Mutation) -> dict[str, Any]:
    spec = copy.deepcopy(load_spec())
    mutation.apply(spec)
    return spec


def judge(warm: WarmPython, mutation: Mutation, scratch: Path) -> Outcome:
    """Stale gate, then the maintainer's path (update-spec), then the gate again."""
    project = copy_project(scratch / "project")
    vendored = project / "openapi" / SPEC_PATH.name
    original = vendored.read_bytes()
    spec = mutated_spec(mutation)

    # 1. Someone edits the contract and leaves generated/ and provenance stale.
    vendored.write_text(dump_document(spec), encoding="utf-8")
    clock = time.monotonic()
    stale = run_gate(warm, project, STALE_GATE, "stale")
    seconds = {"stale": time.monotonic() - clock}

    # 2. The maintainer's path: `make update-spec SPEC=mutated` from the committed state.
    vendored.write_bytes(original)
    source = scratch / f"{mutation.name}.json"
    source.write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")
    log = scratch / "update.log"
    script = str(project / "scripts" / "update_spec.py")
    clock = time.monotonic()
    update_exit = warm.run(project, "script", [script, str(source)], log)
    seconds["update"] = time.monotonic() - clock
    clock = time.monotonic()
    after = run_gate(warm, project, UPDATED_GATE, "after") if update_exit == 0 else None
    seconds["after"] = time.monotonic() - clock
    report = log.read_text(encoding="utf-8")
    return Outcome(mutation, stale, update_exit, report, after, seconds)
