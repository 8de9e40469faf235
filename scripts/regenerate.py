"""Derive generated/ from the upstream document and the overlay, with the pinned tools.

Usage: python -m scripts.regenerate [--output DIR] [--record]     (make regenerate [RECORD=1])

The effective contract (openapi/apij-1.0-apim.yaml with openapi/apij.overlay.yaml applied) is
written to generated/apij-effective.yaml, and generated/apij_client/ is generated from it: the
folder is rebuilt from scratch (the generator's --overwrite keeps stale files outside api/ and
models/), ruff runs isolated and cache-free through the generator's post-hooks, and every file
gets a header naming this command. The effective contract is also embedded as
`apij_client.spec`, so the installed package (face, double) reads exactly the contract it was
generated from. `--record` writes the overlay hash, the generator versions and the config hash
into openapi/provenance.json; without it the script refuses inputs or tools the provenance does
not record.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from scripts.documents import dump_document
from scripts.effective import Unusable, derive_vendored
from scripts.project import (
    EFFECTIVE_NAME,
    GENERATED,
    GENERATOR_CONFIG,
    OVERLAY,
    PACKAGE,
    UPSTREAM,
    effective_header,
    header,
    load_provenance,
    relative,
    save_provenance,
    sha256,
    tool_versions,
)


class RegenerateError(Exception):
    """A precondition of reproducible generation does not hold, or the generator refused."""


def check_provenance(versions: dict[str, str]) -> None:
    recorded = load_provenance()
    problems = []
    if recorded.get("sha256") != sha256(UPSTREAM):
        problems.append(
            f"{relative(UPSTREAM)} differs from the sha256 in openapi/provenance.json: the "
            "upstream document is vendored as received; correct it in the overlay, or bring a "
            "new one in with `make update-spec SPEC=<file>`"
        )
    if recorded.get("overlay", {}).get("sha256") != sha256(OVERLAY):
        problems.append(f"{relative(OVERLAY)} changed: run `make regenerate RECORD=1` to record it")
    gen = recorded.get("generator", {})
    if gen.get("config_sha256") != sha256(GENERATOR_CONFIG):
        problems.append(
            f"{relative(GENERATOR_CONFIG)} changed: run `make regenerate RECORD=1` to record it"
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
    data["sha256"] = sha256(UPSTREAM)
    data["overlay"] = {"path": relative(OVERLAY), "sha256": sha256(OVERLAY)}
    data["generator"] = {
        **versions,
        "config": relative(GENERATOR_CONFIG),
        "config_sha256": sha256(GENERATOR_CONFIG),
        "command": "make regenerate",
    }
    save_provenance(data)


def spec_module(spec: dict[str, Any], spec_sha256: str) -> str:
    return (
        '"""The effective contract this package was generated from, for runtime use."""\n\n'
        "from typing import Any, Final\n\n"
        f"SPEC_SHA256: Final = {spec_sha256!r}\n\n"
        f"SPEC: Final[dict[str, Any]] = {spec!r}\n"
    )


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RegenerateError(
            f"{Path(command[0]).name} failed (exit {done.returncode}):\n"
            + "\n".join(f"  {line}" for line in _said(done.stdout + done.stderr))
        )


_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>")
_UNSUPPORTED = re.compile(r"Unsupported content_type (\S+?)\)")
# The media types the generator reads bodies of (openapi-python-client 0.29: JSON, its `+json`
# suffixes, multipart forms, octet streams); anything else it refuses with --fail-on-warning.
_GENERABLE = re.compile(
    r"^(application/([\w.+-]+\+)?json|multipart/form-data|application/octet-stream)$"
)


def places(effective: dict[str, Any], refused: set[str] | None = None) -> list[str]:
    """In words, every response whose media type the generator refuses: `GET /p, status 404:
    media type */*` (restricted to `refused` when the generator named them)."""
    found = []
    for path, item in (effective.get("paths") or {}).items():
        for method, operation in item.items() if isinstance(item, dict) else ():
            if not isinstance(operation, dict):
                continue
            for status, response in (operation.get("responses") or {}).items():
                for media in (response.get("content") or {}) if isinstance(response, dict) else ():
                    bad = media in refused if refused else not _GENERABLE.match(media.lower())
                    if bad:
                        found.append(
                            f"{method.upper()} {path}, status {status}: media type {media} "
                            "(normalise it with an overlay action, e.g. a json-media-type-copy-"
                            f"{status} like those in openapi/apij.overlay.yaml)"
                        )
    return found


def _said(output: str) -> list[str]:
    """The generator's own sentences (which name the offending element), without the JSON dump
    of that element, its boilerplate, a traceback's frames (only its last line) or the reprs of
    its objects (`<...UntrustedString object at 0x...>`: the place is said by `places`)."""
    output = _OBJECT_REPR.sub("(a response)", output)
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    sentences = [
        line
        for line in lines
        if not line.startswith(("{", "}", "[", "]", '"', "File ", "Traceback", "Generating"))
        and not line.startswith("If you believe this was a mistake")
    ]
    return sentences[:6] or lines[-3:]


def generate(output: Path, versions: dict[str, str], effective: dict[str, Any]) -> None:
    """Write `output`/apij-effective.yaml and `output`/apij_client from the effective document.

    Both are built in a scratch folder and moved into place only when complete: a failure
    leaves `output` as it was.
    """
    output.mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": str(bin_dir) + os.pathsep + os.environ.get("PATH", "")}
    # Generate in a scratch folder with no parent ruff config: the result must not depend on
    # where it is written.
    with tempfile.TemporaryDirectory(prefix="apij-gen-") as scratch:
        document = Path(scratch) / EFFECTIVE_NAME
        document.write_text(effective_header() + dump_document(effective), encoding="utf-8")
        target = Path(scratch) / PACKAGE
        generator = [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--config",
            str(GENERATOR_CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(target),
            "--fail-on-warning",
        ]
        try:
            _run(generator, cwd=Path(scratch), env=env)
        except RegenerateError as exc:
            named = set(_UNSUPPORTED.findall(str(exc)))
            where = places(effective, named) if named else []
            if where:
                said = f"openapi-python-client cannot read {len(where)} response bodies:"
                raise RegenerateError("\n".join([said, *(f"  {w}" for w in where[:6])])) from exc
            raise
        (target / "spec.py").write_text(spec_module(effective, sha256(document)), encoding="utf-8")
        # PEP 561 marker: the generated package is typed (the generator omits it with --meta none).
        (target / "py.typed").write_text("", encoding="utf-8")
        _run(
            [str(bin_dir / "ruff"), "format", "--isolated", "--no-cache", "--quiet", "spec.py"],
            cwd=target,
        )
        banner = header(versions)
        for path in sorted(target.rglob("*")):
            if path.is_file():
                path.write_text(banner + path.read_text(encoding="utf-8"), encoding="utf-8")
        for leftover in [p for p in target.rglob("*") if p.name in {".ruff_cache", "__pycache__"}]:
            shutil.rmtree(leftover)
        package_dir = output / PACKAGE
        if package_dir.exists():
            shutil.rmtree(package_dir)
        shutil.move(str(target), str(package_dir))
        shutil.move(str(document), str(output / EFFECTIVE_NAME))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--output", type=Path, default=GENERATED, help="folder to write into")
    parser.add_argument(
        "--record", action="store_true", help="record overlay, tool versions and config"
    )
    args = parser.parse_args(argv)
    versions = tool_versions()
    try:
        if args.record:
            record_provenance(versions)
        check_provenance(versions)
        applied = derive_vendored()
        generate(args.output, versions, applied.document)
    except (RegenerateError, Unusable) as exc:
        print(f"regenerate: refusing to generate:\n{exc}", file=sys.stderr)
        return 2
    print(f"regenerate: wrote {args.output / EFFECTIVE_NAME} and {args.output / PACKAGE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
