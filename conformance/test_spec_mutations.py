"""Drift, proven: each contract mutation turns the gate red, stale and (unless absorbed) updated.

For every mutation of the catalogue (conformance/_mutations.py), on a throwaway copy of the
project: the mutated spec is written over the vendored one with generated/ left stale, and the
gate's cheap part (provenance, drift) must fail; then, from the committed state, the
maintainer's path `update_spec.py mutated.json` runs and the gate runs again, and must fail
with at least the checks the catalogue names where the double, the face or the client now
disagree (or pass when the change is absorbed; the table shows every check that failed). Two
controls (the same contract, an optional response field) must leave the gate green. The table
goes to the terminal and to reports/mutations.md.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from _mutations import CATALOGUE, Mutation
from _project_copy import GATE_BUDGET, STALE_GATE, UPDATED_GATE, Outcome, WarmPython, judge
from _support import REPORTS

WORKERS = 2  # the CI machine's cores; each job is a chain of subprocesses


def _judge_all(mutations: list[Mutation]) -> list[Outcome]:
    """One worker: a warm interpreter judging its share of the catalogue in turn."""
    warm = WarmPython()
    try:
        results = []
        for mutation in mutations:
            with tempfile.TemporaryDirectory(prefix=f"apij-mut-{mutation.name}-") as scratch:
                results.append(judge(warm, mutation, Path(scratch)))
        return results
    finally:
        warm.close()


@pytest.fixture(scope="module")
def outcomes(pytestconfig: pytest.Config) -> dict[str, Outcome]:
    started = time.monotonic()
    shares = [list(CATALOGUE[i::WORKERS]) for i in range(WORKERS)]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = {o.mutation.name: o for share in pool.map(_judge_all, shares) for o in share}
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


def _after(outcome: Outcome) -> str:
    if outcome.after is None:
        return f"update-spec refused (exit {outcome.update_exit})"
    return _verdict(not outcome.after.passed)


def _table(results: dict[str, Outcome]) -> list[str]:
    rows = [
        "| mutation | stale verdict | after update-spec | caught by (after) | expected after | s |",
        "|---|---|---|---|---|---|",
    ]
    for mutation in CATALOGUE:
        o = results[mutation.name]
        caught = ", ".join(sorted(o.after.checks)) if o.after else "update-spec"
        stale = f"{_verdict(not o.stale.passed)} ({', '.join(sorted(o.stale.checks)) or '-'})"
        expected = ", ".join(sorted(mutation.after)) or "pass"
        took = f"{sum(o.seconds.values()):.1f}"
        cells = [mutation.name, stale, _after(o), caught or "-", expected, took]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _report(results: dict[str, Outcome], seconds: float) -> list[str]:
    lines = [
        "# Spec-mutation suite",
        "",
        f"{len(CATALOGUE)} mutations, {seconds:.1f} s on 2 workers; gate example budget "
        f"{GATE_BUDGET} per property.",
        f"Stale gate: {', '.join(STALE_GATE)}.",
        f"Gate after update-spec: {', '.join(UPDATED_GATE)}.",
        "",
        *_table(results),
        "",
        "## What each check said",
        "",
    ]
    for mutation in CATALOGUE:
        o = results[mutation.name]
        lines.append(f"### {mutation.name}: {mutation.description}")
        for check, failures in sorted((o.after.failures if o.after else {}).items()):
            lines += [f"- {check}: {failure}" for failure in failures[:3]]
        if o.after is None:
            lines.append(f"- update-spec: {o.update_report.strip()[-300:]}")
        lines.append("")
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "mutations.md").write_text("\n".join(lines), encoding="utf-8")
    return [*lines[: 8 + len(CATALOGUE)], "(details: reports/mutations.md)"]


def test_catalogue_is_large_enough_and_has_controls() -> None:
    real = [m for m in CATALOGUE if m.stale_fails]
    controls = [m for m in CATALOGUE if not m.after]
    assert len(real) >= 12
    assert {"unchanged", "add-optional-response-field"} <= {m.name for m in controls}


@pytest.mark.parametrize("mutation", CATALOGUE, ids=lambda m: m.name)
def test_gate_verdicts_match_the_catalogue(
    outcomes: dict[str, Outcome], mutation: Mutation
) -> None:
    outcome = outcomes[mutation.name]
    assert (not outcome.stale.passed) == mutation.stale_fails, (
        f"stale gate: expected {'failure' if mutation.stale_fails else 'success'}, "
        f"got {outcome.stale.failures or 'success'}"
    )
    if mutation.stale_fails:
        # Both cheap checks must see a stale client: the hash and the regeneration.
        assert {"provenance", "drift"} <= outcome.stale.checks, outcome.stale.failures
    assert outcome.after is not None, f"update-spec refused the mutation:\n{outcome.update_report}"
    if mutation.after:
        assert not outcome.after.passed, "the gate stayed green on a contract it disagrees with"
        missing = mutation.after - outcome.after.checks
        assert not missing, (
            f"expected {sorted(missing)} to catch it; the gate said {outcome.after.failures}"
        )
    else:
        assert outcome.after.passed, f"the gate cried wolf: {outcome.after.failures}"
