"""Rebuild generated/apij_client/ from the vendored spec with the pinned generator and formatter.

Usage: python scripts/regenerate.py [--output DIR] [--record]

The output folder is deleted first (the generator's --overwrite keeps stale files outside api/
and models/), ruff runs isolated and cache-free through the generator's post-hooks, and every
file gets a header naming this command. The spec is also embedded as `apij_client.spec` so the
installed package (face, double) validates against exactly the contract it was generated from.
`--record` writes the generator versions and config hash into openapi/provenance.json; without
it the script refuses to run with tools or a spec that the provenance does not record.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _project import (
    GENERATED,
    GENERATOR_CONFIG,
    PACKAGE,
    SPEC,
    header,
    load_provenance,
    save_provenance,
    sha256,
    tool_versions,
)


class RegenerateError(Exception):
    """A precondition of reproducible generation does not hold."""


def check_provenance(versions: dict[str, str]) -> None:
    recorded = load_provenance()
    problems = []
    if recorded.get("sha256") != sha256(SPEC):
        problems.append(
            "the spec's sha256 differs from openapi/provenance.json: the spec was edited by hand; "
            "bring changes in with `make update-spec SPEC=<file>`"
        )
    gen = recorded.get("generator", {})
    if gen.get("config_sha256") != sha256(GENERATOR_CONFIG):
        problems.append(
            "openapi/generator-config.yaml changed: run `make regenerate RECORD=1` to record it"
        )
    for tool, installed in versions.items():
        if gen.get(tool) != installed:
            problems.append(
                f"{tool} {installed} is installed but provenance records {gen.get(tool)}: "
                "reinstall the lock (`make venv`) or record the upgrade with RECORD=1"
            )
    if problems:
        raise RegenerateError("\n".join(f"- {p}" for p in problems))


def record_provenance(versions: dict[str, str]) -> None:
    data = load_provenance()
    data["sha256"] = sha256(SPEC)
    data["generator"] = {
        **versions,
        "config": "openapi/generator-config.yaml",
        "config_sha256": sha256(GENERATOR_CONFIG),
        "command": "make regenerate",
    }
    save_provenance(data)


def spec_module(spec: dict[str, Any], spec_sha256: str) -> str:
    return (
        '"""The OpenAPI document this package was generated from, for runtime validation."""\n\n'
        "from typing import Any, Final\n\n"
        f"SPEC_SHA256: Final = {spec_sha256!r}\n\n"
        f"SPEC: Final[dict[str, Any]] = {spec!r}\n"
    )


def generate(output: Path, versions: dict[str, str]) -> None:
    package_dir = output / PACKAGE
    output.mkdir(parents=True, exist_ok=True)
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    # Generate in a scratch folder with no parent ruff config, then move into place: the result
    # must not depend on where it is written.
    with tempfile.TemporaryDirectory(prefix="apij-gen-") as scratch:
        target = Path(scratch) / PACKAGE
        subprocess.run(
            [
                str(Path(bin_dir) / "openapi-python-client"),
                "generate",
                "--path",
                str(SPEC),
                "--config",
                str(GENERATOR_CONFIG),
                "--meta",
                "none",
                "--output-path",
                str(target),
                "--fail-on-warning",
            ],
            check=True,
            env=env,
            cwd=scratch,
            stdout=subprocess.DEVNULL,
        )
        spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
        (target / "spec.py").write_text(spec_module(spec, sha256(SPEC)), encoding="utf-8")
        # PEP 561 marker: the generated package is typed (the generator omits it with --meta none).
        (target / "py.typed").write_text("", encoding="utf-8")
        subprocess.run(
            [
                str(Path(bin_dir) / "ruff"),
                "format",
                "--isolated",
                "--no-cache",
                "--quiet",
                "spec.py",
            ],
            check=True,
            cwd=target,
        )
        banner = header(versions)
        for path in sorted(target.rglob("*")):
            if path.is_file():
                path.write_text(banner + path.read_text(encoding="utf-8"), encoding="utf-8")
        leftovers = [p for p in target.rglob("*") if p.name in {".ruff_cache", "__pycache__"}]
        for p in leftovers:
            shutil.rmtree(p)
        # Only a complete generation replaces the old tree: a failure above leaves it intact.
        if package_dir.exists():
            shutil.rmtree(package_dir)
        shutil.move(str(target), str(package_dir))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=GENERATED, help="folder to write into")
    parser.add_argument(
        "--record", action="store_true", help="record tool versions and config in provenance"
    )
    args = parser.parse_args(argv)
    versions = tool_versions()
    try:
        if args.record:
            record_provenance(versions)
        check_provenance(versions)
    except RegenerateError as exc:
        print(f"regenerate: refusing to generate:\n{exc}", file=sys.stderr)
        return 2
    generate(args.output, versions)
    print(f"regenerate: wrote {args.output / PACKAGE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
