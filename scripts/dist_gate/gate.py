"""The distribution gate (`make test-dist`): apij tested as a user installs it, never the lock.

Builds the sdist and, from it, the wheel and checks what they contain; then, in fresh virtual
environments in a temporary folder outside the repository, three ends:
- `runtime`: `apij` without extras installs exactly RUNTIME_DISTRIBUTIONS (nothing of the CLI
  stack), imports, and its `apij` script says in one line that the command needs `cli`;
- `newest`: `apij[cli,double]` at the newest versions the resolver picks;
- `lowest`: the same with each apij dependency pinned to the lower bound pyproject.toml states.
At `newest` and `lowest`: the README's first Python snippet (read from README.md now),
`apij --help`, `apij paiements` on the built-in double, and the downstream project beside this
file: its pytest suite with the README's fixture examples added, its `mypy --strict` run, and
a file of misspelt names that mypy must reject. Every check runs (an end whose install failed
stops there); the gate fails if any did. Needs the package index.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from scripts.project import PROVENANCE, ROOT

DOWNSTREAM = Path(__file__).resolve().parent / "downstream"
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"

# What `pip install apij` (no extras) installs, apij itself aside: the one place to change
# when a runtime dependency is added or removed.
RUNTIME_DISTRIBUTIONS = {
    "aiohappyeyeballs",
    "aiohttp",
    "aiosignal",
    "anyio",
    "attrs",
    "certifi",
    "frozenlist",
    "h11",
    "httpcore",
    "httpx",
    "idna",
    "jsonschema-rs",
    "multidict",
    "propcache",
    "python-dateutil",
    "typing-extensions",
    "tzdata",
    "yarl",
}
# The extras' stacks (cli: typer, rich and what they pull; double): never at runtime.
NEVER_AT_RUNTIME = {"typer", "rich", "click", "pydantic", "pygments", "respx", "hypothesis"}
EXTRAS = ("cli", "double")
# The downstream project's own tools: newest at both ends (only apij's dependencies move).
DOWNSTREAM_TOOLS = ("pytest", "mypy")
CLI_EXTRA_MISSING = "apij: the command-line tool needs the cli extra: pip install 'apij[cli]'\n"
# The spec example's line (openapi/apij-1.0-apim.yaml: 14 days x 32.87 = 460.18 gross, 429.35
# net with URSSAF's CSG and CRDS rates) and the default
# scenario's net total over the first half of 2025.
STATEMENT_LINE = "2025-03-04 2025-03-17 14 32.87 460.18 429.35"
MALADIE_NET_2025_H1 = "1196.04"


class CheckFailed(Exception):
    """One check of the gate failed; the message says what and shows the evidence."""


class EndAbandoned(Exception):
    """A check the rest of its end depends on failed (already reported)."""


@dataclass
class Report:
    """Each check's outcome and duration, printed as they happen, and each end's duration."""

    failures: list[str] = field(default_factory=list)
    durations: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def check(self, name: str, *, needed: bool = False) -> Iterator[None]:
        """Run one check; ``needed``: its failure abandons the rest of its end."""
        start = time.monotonic()
        try:
            yield
        except CheckFailed as exc:
            self.failures.append(name)
            evidence = textwrap.indent(str(exc), "     ")
            print(f"FAIL {name} ({time.monotonic() - start:.1f} s)\n{evidence}", flush=True)
            if needed:
                raise EndAbandoned from exc
        else:
            print(f"ok   {name} ({time.monotonic() - start:.1f} s)", flush=True)


def run(
    command: list[str], *, cwd: Path, env: dict[str, str] | None = None, expect: int | None = 0
) -> subprocess.CompletedProcess[str]:
    """Run a command; with ``expect``, another exit code fails the check, output shown."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    if expect is not None and result.returncode != expect:
        raise CheckFailed(
            f"$ {' '.join(command)}\nexit {result.returncode} (expected {expect})\n"
            f"{_tail(result.stdout)}{_tail(result.stderr)}"
        )
    return result


def _tail(text: str, lines: int = 40) -> str:
    kept = text.strip().splitlines()[-lines:]
    return "".join(f"| {line}\n" for line in kept)


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


# --- the artifacts ---------------------------------------------------------------------------


@dataclass
class Artifacts:
    sdist: Path
    wheel: Path
    metadata: dict[str, list[str]]


def build(out: Path) -> Artifacts:
    """`uv build`: the sdist, then the wheel built from the sdist (so the sdist is complete)."""
    run([UV, "build", "--quiet", "--out-dir", str(out), str(ROOT)], cwd=out.parent)
    (sdist,) = out.glob("apij-*.tar.gz")
    (wheel,) = out.glob("apij-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        parsed = HeaderParser().parsestr(archive.read(name).decode())
    metadata: dict[str, list[str]] = {}
    for key, value in parsed.items():
        metadata.setdefault(key, []).append(value)
    return Artifacts(sdist, wheel, metadata)


def check_artifacts(artifacts: Artifacts) -> None:
    with zipfile.ZipFile(artifacts.wheel) as archive:
        in_wheel = set(archive.namelist())
        entry_points = next(n for n in in_wheel if n.endswith(".dist-info/entry_points.txt"))
        entry_text = archive.read(entry_points).decode()
    with tarfile.open(artifacts.sdist) as archive:
        in_sdist = {name.partition("/")[2] for name in archive.getnames()}
    missing = [
        f"wheel: {wanted}"
        for wanted in ("apij/py.typed", "apij_client/py.typed", "apij_pytest_plugin.py")
        if wanted not in in_wheel
    ]
    if not any(n.endswith(".dist-info/licenses/LICENSE") for n in in_wheel):
        missing.append("wheel: LICENSE")
    missing += [
        f"sdist: {wanted}"
        for wanted in ("LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml")
        if wanted not in in_sdist
    ]
    expect(not missing, f"missing from the artifacts: {missing}")
    for line in ("apij = apij.__main__:main", "apij = apij_pytest_plugin"):
        expect(line in entry_text, f"entry point missing: {line!r}\n{entry_text}")
    meta = artifacts.metadata
    expect(meta.get("License-Expression") == ["MIT"], "License-Expression is not MIT")
    expect(bool(meta.get("Project-URL")), "no Project-URL in the metadata")
    provenance = json.loads(PROVENANCE.read_text(encoding="utf-8"))
    contract = f"generated from contract apij {provenance['version']}"
    expect(contract in meta["Summary"][0], f"the summary does not say {contract!r}")


def lower_bounds(artifacts: Artifacts) -> dict[str, str]:
    """Each dependency of apij[cli,double] with the lower bound it states (each must state one)."""
    bounds: dict[str, str] = {}
    for text in artifacts.metadata.get("Requires-Dist", []):
        requirement = Requirement(text)
        marker = requirement.marker
        if marker is not None and not any(marker.evaluate({"extra": e}) for e in ("", *EXTRAS)):
            continue  # the `dev` extra, or another platform
        lows = [s.version for s in requirement.specifier if s.operator in (">=", "==", "~=")]
        expect(bool(lows), f"{requirement}: no lower bound, so no lowest version to test")
        bounds[canonicalize_name(requirement.name)] = max(lows, key=Version)
    return bounds


# --- the environments ------------------------------------------------------------------------


@dataclass
class Env:
    path: Path

    @property
    def python(self) -> str:
        return str(self.path / "bin" / "python")

    @property
    def apij(self) -> str:
        return str(self.path / "bin" / "apij")

    def environ(self) -> dict[str, str]:
        """What a user's shell in this venv would have: nothing of ours, no APIJ_* settings."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "PYTHONHOME") and not k.startswith("APIJ_")
        }
        env["PATH"] = f"{self.path / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.path)
        return env

    def installed(self) -> dict[str, str]:
        listing = run([UV, "pip", "list", "--format", "json", "--python", self.python], cwd=ROOT)
        return {canonicalize_name(d["name"]): d["version"] for d in json.loads(listing.stdout)}


def create_env(folder: Path, requirements: list[str], constraints: Path | None = None) -> Env:
    env = Env(folder / "venv")
    base_python = getattr(sys, "_base_executable", sys.executable)
    run([UV, "venv", "--quiet", "--python", base_python, str(env.path)], cwd=folder)
    command = [UV, "pip", "install", "--quiet", "--python", env.python, *requirements]
    if constraints is not None:
        command += ["--constraint", str(constraints)]
    run(command, cwd=folder)
    return env


# --- the smoke suite -------------------------------------------------------------------------


def readme_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [textwrap.dedent(b) for b in re.findall(r"```python\n(.*?)\n\s*```", readme, re.S)]


def check_other_snippets_compile() -> None:
    """The README's illustrative snippets (names from the reader's code) at least parse."""
    for block in readme_blocks()[1:]:
        if "def test_" not in block:
            try:
                compile(block, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            except SyntaxError as exc:
                raise CheckFailed(f"{exc}\n{block}") from exc


def check_first_screen_snippet(env: Env, folder: Path) -> None:
    """The README's first Python snippet, run as written, prints the statement."""
    script = folder / "readme_first_screen.py"
    script.write_text(readme_blocks()[0], encoding="utf-8")
    out = run([env.python, str(script)], cwd=folder, env=env.environ()).stdout
    expect(STATEMENT_LINE in out, f"no {STATEMENT_LINE!r} in the output:\n{_tail(out)}")
    expect(out.splitlines()[-1].startswith("total "), f"no total line:\n{_tail(out)}")


def check_cli(env: Env, folder: Path) -> None:
    help_text = run([env.apij, "--help"], cwd=folder, env=env.environ()).stdout
    for command in ("paiements", "scenarios", "sandbox"):
        expect(command in help_text, f"`apij --help` does not list {command}")
    window = ["--debut", "2025-01-01", "--fin", "2025-06-30"]
    table = run([env.apij, "paiements", *window], cwd=folder, env=env.environ()).stdout
    expect("460.18" in table and "429.35" in table, f"`apij paiements`:\n{_tail(table)}")
    raw = run([env.apij, "paiements", *window, "--json"], cwd=folder, env=env.environ()).stdout
    net = json.loads(raw)["totaux"]["net"]
    expect(net == MALADIE_NET_2025_H1, f"`apij paiements --json`: net {net}")


def downstream_copy(folder: Path) -> Path:
    """The downstream project, with the README's fixture examples added to its tests."""
    project = folder / "downstream"
    shutil.copytree(DOWNSTREAM, project, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    examples = [b for b in readme_blocks() if "def test_" in b]
    expect(bool(examples), "the README shows no fixture example")
    for number, block in enumerate(examples, 1):
        (project / "tests" / f"test_readme_example_{number}.py").write_text(block, encoding="utf-8")
    return project


def check_downstream_tests(env: Env, project: Path) -> None:
    out = run([env.python, "-m", "pytest"], cwd=project, env=env.environ()).stdout
    print(f"     {out.strip().splitlines()[-1]}")


def check_downstream_types(env: Env, project: Path) -> None:
    run([env.python, "-m", "mypy"], cwd=project, env=env.environ())
    typos = run(
        [env.python, "-m", "mypy", "--strict", "typos.py"],
        cwd=project, env=env.environ(), expect=1,
    )  # fmt: skip
    errors = [line for line in typos.stdout.splitlines() if ": error:" in line]
    for name in ("ApijClinet", "NoSuchThing"):
        expect(
            any(f'"{name}"' in line for line in errors),
            f"mypy --strict did not reject {name}:\n{_tail(typos.stdout)}",
        )
    expect(len(errors) == 2, f"mypy found more than the two typos:\n{_tail(typos.stdout)}")


def check_runtime_only(env: Env, folder: Path) -> None:
    installed = set(env.installed()) - {"apij"}
    extras_stack = installed & NEVER_AT_RUNTIME
    expect(not extras_stack, f"`pip install apij` brings extras' packages: {sorted(extras_stack)}")
    unexpected, missing = installed - RUNTIME_DISTRIBUTIONS, RUNTIME_DISTRIBUTIONS - installed
    expect(
        not unexpected and not missing,
        f"`pip install apij` installs {sorted(installed)}\n"
        f"unexpected: {sorted(unexpected)}, missing: {sorted(missing)} "
        "(if intended, update RUNTIME_DISTRIBUTIONS in scripts/dist_gate/gate.py)",
    )
    importing = [env.python, "-c", "from apij import ApijClient, AsyncApijClient"]
    run(importing, cwd=folder, env=env.environ())
    script = run([env.apij, "--help"], cwd=folder, env=env.environ(), expect=2)
    expect(
        script.stdout == "" and script.stderr == CLI_EXTRA_MISSING,
        f"`apij` without the cli extra printed:\n{_tail(script.stdout)}{_tail(script.stderr)}",
    )


def check_fixture_without_the_double(env: Env, folder: Path) -> None:
    """A test using `apij_mock` where the double extra is missing: one line naming the extra."""
    run([UV, "pip", "install", "--quiet", "--python", env.python, "pytest"], cwd=folder)
    project = folder / "no-double"
    project.mkdir()
    (project / "test_forgot_the_extra.py").write_text(
        "def test_it(apij_mock):\n    pass\n", encoding="utf-8"
    )
    pytest = [env.python, "-m", "pytest", "-p", "no:cacheprovider"]
    out = run(pytest, cwd=project, env=env.environ(), expect=1).stdout
    hint = "(respx is missing): pip install 'apij[double]'"
    expect(hint in out and "Traceback" not in out, f"no install hint:\n{_tail(out)}")


def check_cli_without_the_double(env: Env, folder: Path, artifacts: Artifacts) -> None:
    """`apij[cli]` alone: the commands that need the double or a server say which extra, in
    one line (exit 2), never a traceback."""
    wheel = f"apij[cli] @ {artifacts.wheel.as_uri()}"
    run([UV, "pip", "install", "--quiet", "--python", env.python, wheel], cwd=folder)
    commands = {
        "double": [
            ["paiements", "--debut", "2025-01-01", "--fin", "2025-06-30"],
            ["scenarios"],
            ["sandbox", "--port", "0"],
        ],
        "proxy": [["proxy", "--upstream", "http://127.0.0.1:9/v1", "--port", "0"]],
    }
    for extra, argvs in commands.items():
        for argv in argvs:
            said = run([env.apij, *argv], cwd=folder, env=env.environ(), expect=2)
            lines = said.stderr.strip().splitlines()
            hint = f"pip install 'apij[{extra}]'"
            expect(
                said.stdout == "" and len(lines) == 1 and hint in lines[0],
                f"`apij {' '.join(argv)}` without the {extra} extra:\n{_tail(said.stderr)}",
            )


# --- the ends --------------------------------------------------------------------------------


def runtime_end(report: Report, folder: Path, artifacts: Artifacts) -> None:
    """`pip install apij`, no extras: what a service gets."""
    with report.check("runtime: fresh venv, install apij (the wheel, no extras)", needed=True):
        env = create_env(folder, [str(artifacts.wheel)])
    with report.check("runtime: exactly the runtime dependencies; `apij` names the cli extra"):
        check_runtime_only(env, folder)
    print(f"     runtime: {', '.join(sorted(set(env.installed()) - {'apij'}))}")
    with report.check("runtime: `apij_mock` without the double extra names it in one line"):
        check_fixture_without_the_double(env, folder)
    with report.check("cli only: commands needing another extra name it in one line"):
        check_cli_without_the_double(env, folder, artifacts)


def full_end(
    report: Report, folder: Path, artifacts: Artifacts, bounds: dict[str, str], *, lowest: bool
) -> None:
    """apij[cli,double] and the downstream tools, apij's dependencies newest or lowest."""
    name = "lowest" if lowest else "newest"
    constraints = None
    if lowest:
        constraints = folder / "lower-bounds.txt"
        constraints.write_text("".join(f"{n}=={v}\n" for n, v in sorted(bounds.items())))
    requirements = [f"apij[{','.join(EXTRAS)}] @ {artifacts.wheel.as_uri()}", *DOWNSTREAM_TOOLS]
    extras = ",".join(EXTRAS)
    with report.check(f"{name}: fresh venv, install apij[{extras}] (the wheel)", needed=True):
        env = create_env(folder, requirements, constraints)
    installed = env.installed()
    shown = sorted(n for n in installed if n in bounds or n in DOWNSTREAM_TOOLS)
    print(f"     {name}: " + ", ".join(f"{n} {installed[n]}" for n in shown))
    if lowest:
        with report.check("lowest: each apij dependency installed at its lower bound"):
            off = {
                n: installed.get(n, "absent")
                for n, low in bounds.items()
                if n not in installed or Version(installed[n]) != Version(low)
            }
            expect(not off, f"not at the lower bound: {off}")
    with report.check(f"{name}: README first-screen snippet"):
        check_first_screen_snippet(env, folder)
    with report.check(f"{name}: apij --help, apij paiements on the built-in double"):
        check_cli(env, folder)
    with report.check(f"{name}: downstream pytest suite, README fixture example included"):
        project = downstream_copy(folder)
        check_downstream_tests(env, project)
    with report.check(f"{name}: downstream mypy --strict passes and rejects the misspelt names"):
        check_downstream_types(env, project)


def main() -> int:
    report = Report()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="apij-dist-") as tmp:
        work = Path(tmp)
        print(f"apij distribution gate in {work} (outside the repository)")
        try:
            with report.check("build sdist and wheel (the wheel from the sdist)", needed=True):
                artifacts = build(work / "dist")
        except EndAbandoned:
            return 1
        with report.check("artifacts: LICENSE, typed packages, plugin, entry points, metadata"):
            check_artifacts(artifacts)
        with report.check("README: the illustrative Python snippets parse"):
            check_other_snippets_compile()
        bounds: dict[str, str] = {}
        with report.check("lower bounds: each apij dependency states one"):
            bounds = lower_bounds(artifacts)
        for name in ("runtime", "newest", "lowest") if bounds else ("runtime", "newest"):
            end_started = time.monotonic()
            folder = work / name
            folder.mkdir()
            try:
                if name == "runtime":
                    runtime_end(report, folder, artifacts)
                else:
                    full_end(report, folder, artifacts, bounds, lowest=name == "lowest")
            except EndAbandoned:
                pass  # reported; the other ends still run
            report.durations[name] = time.monotonic() - end_started
    timings = ", ".join(f"{n} {s:.0f} s" for n, s in report.durations.items())
    print(f"\nTimings: {timings}; total {time.monotonic() - started:.0f} s")
    if report.failures:
        print(f"{len(report.failures)} check(s) failed: " + "; ".join(report.failures))
        return 1
    print("distribution gate passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
