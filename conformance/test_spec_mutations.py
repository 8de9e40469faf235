"""Drift, proven: each contract mutation turns the gate red, stale and (unless absorbed) updated.

Part of `make mutations` (its own job: run by CI and whenever the contract changes). For every
mutation of the catalogue (conformance/_mutations.py), on a throwaway copy of the project: the
mutated upstream is written over the vendored one with generated/ left stale, and the gate's
cheap part (provenance, drift) must fail; then, from the committed state, the maintainer's path
`python -m scripts.update_spec mutated.json` runs and the gate runs again, and must fail with at
least the checks the catalogue names where the double, the face or the client now disagree (or
pass when the change is absorbed; the table shows every check that failed). A pair whose old
side is not the vendored upstream (`Mutation.before`) starts from a copy into which update-spec
has brought that side, made once and shared by the pairs with the same `before`. A mutation that
does not apply to the current upstream is skipped with its reason. The table goes to the terminal
and to reports/mutations.md.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance._mutations import CATALOGUE, Mutation, NotApplicable
from conformance._project_copy import GateRun, copy_project, run_gate, update_spec
from scripts import face_needs
from scripts.documents import dump_document, parse_document
from scripts.effective import derive, load
from scripts.project import OVERLAY, REPORTS, UPSTREAM, relative
from scripts.update_spec import EXIT_BREAKING, EXIT_COMPATIBLE, EXIT_REFUSED, EXIT_SAME_MEANING
from scripts.wire import classify, verdict

Spec = dict[str, Any]

pytestmark = pytest.mark.mutations

WORKERS = 2  # the CI machine's cores; each job is a chain of subprocesses
ACCEPTED = (EXIT_SAME_MEANING, EXIT_COMPATIBLE, EXIT_BREAKING)  # update-spec brought it in
GATE_BUDGET = "5"
# The cheap part of the gate that must go red as soon as the vendored upstream and generated/
# part.
STALE_GATE = (
    "conformance/test_provenance.py::test_spec_sha256_matches_provenance",
    "conformance/test_drift.py::test_regeneration_reproduces_the_committed_tree",
)
# The gate after `make update-spec`: everything in conformance/ that binds contract, client,
# double and face, at a small example budget. Left out, for time: test_drift (update-spec has
# just regenerated; the stale phase and the main run prove the drift test), test_double_asgi
# (the same double and checks as test_double_schemathesis, plus ignored_auth, which a contract
# edit cannot change) and test_update_spec (it copies the project itself).
UPDATED_GATE = (
    "conformance/test_provenance.py",
    "conformance/test_contract.py",
    "conformance/test_double_schemathesis.py",
    "conformance/test_double_scenarios.py",
    "conformance/test_client_responses.py",
    "conformance/test_client_requests.py",
    "conformance/test_face_money.py",
    "conformance/test_public_surface.py",
    # The version and CHANGELOG name the new contract (a same-meaning one included).
    "tests/test_packaging.py",
)


@dataclass
class Outcome:
    """What the gate said about one mutation, stale and after update-spec (or why not)."""

    mutation: Mutation
    skipped: str = ""
    stale: GateRun | None = None
    update_exit: int = 0
    update_report: str = ""
    after: GateRun | None = None
    seconds: dict[str, float] = field(default_factory=dict)


class Baselines:
    """The projects a pair with a `before` starts from: a copy of this one with that edit of the
    upstream brought in by update-spec, made once per `before` and shared by its pairs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        self.made: dict[str, Path | str] = {}  # before's name -> its project, or why it failed

    def project(self, before: Callable[[Spec], None]) -> Path | str:
        with self.lock:  # one worker makes it, the other waits for it
            name = before.__name__
            if name not in self.made:
                self.made[name] = self._make(before, self.folder / name)
            return self.made[name]

    @staticmethod
    def _make(before: Callable[[Spec], None], folder: Path) -> Path | str:
        project = copy_project(folder / "project")
        spec = parse_document((project / relative(UPSTREAM)).read_text(encoding="utf-8"))
        try:
            before(spec)
        except NotApplicable as exc:
            return str(exc)
        source = folder / "before.json"
        source.write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")
        log = folder / "update.log"
        if update_spec(project, source, log) not in ACCEPTED:
            tail = log.read_text(encoding="utf-8")[-300:]
            raise AssertionError(f"update-spec refused the pair's old side:\n{tail}")
        return project


def judge(mutation: Mutation, scratch: Path, baselines: Baselines | None = None) -> Outcome:
    """Stale gate, then the maintainer's path (update-spec), then the gate again."""
    if mutation.before is None:
        project = copy_project(scratch / "project")
    else:
        assert baselines is not None, "a pair with an old side of its own needs the baselines"
        baseline = baselines.project(mutation.before)
        if isinstance(baseline, str):
            return Outcome(mutation, skipped=baseline)
        project = scratch / "project"
        shutil.copytree(baseline, project)
    vendored = project / relative(UPSTREAM)
    original = vendored.read_bytes()
    spec = parse_document(original.decode("utf-8"))
    try:
        mutation.apply(spec)
    except NotApplicable as exc:
        return Outcome(mutation, skipped=str(exc))

    # 1. Someone edits the vendored upstream and leaves provenance and generated/ stale.
    vendored.write_text(dump_document(spec), encoding="utf-8")
    clock = time.monotonic()
    stale = run_gate(project, STALE_GATE, "stale", GATE_BUDGET)
    seconds = {"stale": time.monotonic() - clock}

    # 2. The maintainer's path: `make update-spec SPEC=mutated.json` from the committed state.
    vendored.write_bytes(original)
    source = scratch / f"{mutation.name}.json"
    source.write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")
    log = scratch / "update.log"
    clock = time.monotonic()
    update_exit = update_spec(project, source, log)
    seconds["update"] = time.monotonic() - clock
    clock = time.monotonic()
    accepted = update_exit in ACCEPTED
    after = run_gate(project, UPDATED_GATE, "after", GATE_BUDGET) if accepted else None
    seconds["after"] = time.monotonic() - clock
    report = log.read_text(encoding="utf-8")
    return Outcome(mutation, "", stale, update_exit, report, after, seconds)


def _judge_all(mutations: list[Mutation], baselines: Baselines) -> list[Outcome]:
    """One worker: its share of the catalogue, in turn."""
    results = []
    for mutation in mutations:
        with tempfile.TemporaryDirectory(prefix=f"apij-mut-{mutation.name}-") as scratch:
            results.append(judge(mutation, Path(scratch), baselines))
    return results


@pytest.fixture(scope="module")
def outcomes(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Outcome]:
    started = time.monotonic()
    baselines = Baselines(tmp_path_factory.mktemp("baselines"))
    shares = [list(CATALOGUE[i::WORKERS]) for i in range(WORKERS)]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        done = pool.map(_judge_all, shares, [baselines] * WORKERS)
        results = {o.mutation.name: o for share in done for o in share}
    summary = _report(results, time.monotonic() - started)
    # Straight to the terminal with capturing suspended (`-s` not needed).
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    terminal = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and terminal is not None:
        with capture.global_and_fixture_disabled():
            terminal.write_line("")
            for line in summary:
                terminal.write_line(line)
    return results


def _verdict(failed: bool) -> str:
    return "FAIL" if failed else "pass"


def said_verdict(report: str) -> str:
    """The wire verdict of update-spec's first report line (`verdict: BREAKING (...; wire
    soft, Python API breaking); version: ...`)."""
    line = next((x for x in report.splitlines() if x.startswith("verdict: ")), "")
    return line.split("; wire ", 1)[1].split(",", 1)[0] if "; wire " in line else ""


def said_bump(report: str) -> str:
    """minor, patch or none, from the report's `version: 0.2.0 -> 0.3.0` (0.x)."""
    line = next((x for x in report.splitlines() if x.startswith("verdict: ")), "")
    if "-> " not in line:
        return "none" if "(unchanged" in line else "-"
    old, new = line.split("version: ", 1)[1].split(" -> ")[:2]
    old_minor, new_minor = old.split(".")[1], new.split(" ")[0].split(".")[1]
    return "minor" if old_minor != new_minor else "patch"


def _row(mutation: Mutation, o: Outcome) -> list[str]:
    expected = f"{mutation.verdict}, {mutation.bump}, {mutation.outcome}"
    if o.skipped:
        return [mutation.name, expected, "skipped", f"not applicable: {o.skipped}", "-", "0.0"]
    assert o.stale is not None
    stale = f"{_verdict(not o.stale.passed)} ({', '.join(sorted(o.stale.checks)) or '-'})"
    if o.after is None:
        after, caught = f"update-spec refused (exit {o.update_exit})", "update-spec"
    else:
        after, caught = _verdict(not o.after.passed), ", ".join(sorted(o.after.checks)) or "-"
    took = f"{sum(o.seconds.values()):.1f}"
    got = f"{said_verdict(o.update_report) or 'refused'}, {said_bump(o.update_report)}"
    return [mutation.name, expected, got, stale, f"{after}: {caught}", took]


def _report(results: dict[str, Outcome], seconds: float) -> list[str]:
    rows = [_row(m, results[m.name]) for m in CATALOGUE]
    lines = [
        "# Spec-mutation suite",
        "",
        f"{len(CATALOGUE)} mutations, {seconds:.1f} s on {WORKERS} workers; gate example budget "
        f"{GATE_BUDGET} per property.",
        f"Stale gate: {', '.join(STALE_GATE)}.",
        f"Gate after update-spec: {', '.join(UPDATED_GATE)}.",
        "",
        "| change | expected: verdict, bump, outcome | update-spec said | stale gate "
        "| after update-spec: caught by | s |",
        "|---|---|---|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    table_end = len(lines)
    lines += ["", "## What each check said", ""]
    for mutation in CATALOGUE:
        o = results[mutation.name]
        lines.append(f"### {mutation.name}: {mutation.description}")
        if mutation.before is not None:
            old_side = (mutation.before.__doc__ or mutation.before.__name__).splitlines()[0]
            lines.append(f"- old side: the vendored upstream, then {old_side}")
        for check, failures in sorted((o.after.failures if o.after else {}).items()):
            lines += [f"- {check}: {failure}" for failure in failures[:3]]
        if not o.skipped and o.after is None:
            lines.append(f"- update-spec: {o.update_report.strip()[-300:]}")
        lines.append("")
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "mutations.md").write_text("\n".join(lines), encoding="utf-8")
    return [*lines[:table_end], "(details: reports/mutations.md)"]


def _applied(mutation: Mutation) -> tuple[Spec, Spec, Spec, Spec]:
    upstream = load(UPSTREAM, relative(UPSTREAM))
    overlay = load(OVERLAY, relative(OVERLAY))
    if mutation.before is not None:
        mutation.before(upstream)
    changed = copy.deepcopy(upstream)
    mutation.apply(changed)
    return derive(upstream, overlay).document, derive(changed, overlay).document, upstream, changed


@pytest.mark.parametrize("mutation", CATALOGUE, ids=lambda m: m.name)
def test_the_corpus_verdicts_and_rules_in_memory(mutation: Mutation) -> None:
    try:
        old, new, raw_old, raw_new = _applied(mutation)
    except NotApplicable as exc:
        pytest.skip(f"not applicable to the current upstream: {exc}")
    findings = classify(old, new, raw_old, raw_new, bytes_differ=True)
    said = [f.line() for f in findings]
    assert verdict(findings) == mutation.verdict, said
    assert mutation.rules <= {f.rule for f in findings}, said
    # The face's refusal is predicted by what the face reads, not by the verdict.
    refused_by_face = mutation.refusal.startswith("the face")
    assert bool(face_needs.problems(new)) == refused_by_face, face_needs.problems(new)


def test_catalogue_is_large_enough_and_has_controls() -> None:
    real = [m for m in CATALOGUE if m.stale_fails]
    controls = [m for m in CATALOGUE if not m.after and not m.refused]
    assert len(CATALOGUE) >= 20
    assert len(real) >= 12
    assert {"unchanged", "add-optional-response-field"} <= {m.name for m in controls}
    # Every outcome and every verdict is represented.
    assert {m.verdict for m in CATALOGUE} == {"breaking", "soft", "compatible", "cosmetic"}
    kinds = {m.outcome.split(":")[0] for m in CATALOGUE}
    assert kinds == {"refused", "absorbed green", "absorbed, failing"}


@pytest.mark.parametrize("mutation", CATALOGUE, ids=lambda m: m.name)
def test_gate_verdicts_match_the_catalogue(
    outcomes: dict[str, Outcome], mutation: Mutation
) -> None:
    outcome = outcomes[mutation.name]
    if outcome.skipped:
        pytest.skip(f"not applicable to the current upstream: {outcome.skipped}")
    assert outcome.stale is not None
    assert (not outcome.stale.passed) == mutation.stale_fails, (
        f"stale gate: expected {'failure' if mutation.stale_fails else 'success'}, "
        f"got {outcome.stale.failures or 'success'}"
    )
    if mutation.stale_fails:
        # Both cheap checks must see a stale client: the hash and the regeneration.
        assert {"provenance", "drift"} <= outcome.stale.checks, outcome.stale.failures
    if mutation.refused:
        assert outcome.update_exit == EXIT_REFUSED, outcome.update_report
        assert mutation.refusal in outcome.update_report, outcome.update_report
        return
    assert outcome.after is not None, f"update-spec refused the mutation:\n{outcome.update_report}"
    # The verdict and the bump update-spec reports, and its exit code for that verdict.
    assert said_verdict(outcome.update_report) == mutation.verdict, outcome.update_report
    assert said_bump(outcome.update_report) == mutation.bump, outcome.update_report
    expected_exit = {"breaking": EXIT_BREAKING, "cosmetic": EXIT_SAME_MEANING}.get(
        mutation.verdict, EXIT_COMPATIBLE
    )
    if mutation.bump == "minor" and mutation.verdict != "breaking":
        expected_exit = EXIT_BREAKING  # the Python API broke: the worse of the two
    assert outcome.update_exit == expected_exit, outcome.update_report
    for rule in mutation.rules:
        assert f"  {rule} " in outcome.update_report, outcome.update_report
    for words in mutation.report_mentions:
        assert words in outcome.update_report, outcome.update_report
    if mutation.after:
        assert not outcome.after.passed, "the gate stayed green on a contract it disagrees with"
        missing = mutation.after - outcome.after.checks
        assert not missing, (
            f"expected {sorted(missing)} to catch it; the gate said {outcome.after.failures}"
        )
    else:
        assert outcome.after.passed, f"the gate cried wolf: {outcome.after.failures}"
