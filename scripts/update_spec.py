"""Bring a new APIJ contract in: normalise it, record provenance, regenerate, report the changes.

Usage: python scripts/update_spec.py [PATH]   (make update-spec [SPEC=PATH])

With PATH (JSON or YAML) the document is read from disk; without it, from the upstream SwaggerHub
URL. Swagger 2.0 and invalid documents are refused, and an unreachable upstream is reported:
in every refusal nothing in the project changes. On success the report says what changed in
the contract (operations, parameters, responses, schemas, security) and in the generated Python
API (griffe: breaking changes first), for downstream users' changelogs.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import griffe
import httpx
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

sys.path.insert(0, str(Path(__file__).resolve().parent))
import regenerate
from _contract_diff import diff
from _project import (
    GENERATED,
    PACKAGE,
    PROVENANCE,
    SPEC,
    UPSTREAM_URL,
    load_provenance,
    save_provenance,
    sha256,
    tool_versions,
)
from _spec_io import dump_document, parse_document

EXIT_UNREACHABLE = 3
EXIT_REFUSED = 4


class Refused(Exception):
    """The input cannot become the project's contract; nothing was changed."""

    def __init__(self, message: str, exit_code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def read_source(path: str | None) -> tuple[str, str]:
    """Return (source label for provenance, document text)."""
    if path:
        file = Path(path)
        if not file.is_file():
            raise Refused(f"no such file: {path}")
        return f"file:{file.name}", file.read_text(encoding="utf-8")
    # APIJ_UPSTREAM_URL lets tests point at a closed loopback port instead of the internet.
    url = os.environ.get("APIJ_UPSTREAM_URL", UPSTREAM_URL)
    try:
        response = httpx.get(url, timeout=20.0, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise Refused(
            f"cannot reach the upstream spec at {url} ({type(exc).__name__}: {exc}); "
            "nothing changed. Download it elsewhere and run `make update-spec SPEC=<file>`.",
            EXIT_UNREACHABLE,
        ) from exc
    return url, response.text


def check_document(doc: dict[str, Any]) -> None:
    if str(doc.get("swagger", "")).startswith("2"):
        raise Refused(
            "this is a Swagger 2.0 document; the generator needs OpenAPI 3. Convert it first, "
            "e.g. `npx swagger2openapi in.yaml --yaml --outfile out.yaml`, review the result, "
            "then run `make update-spec SPEC=out.yaml`. Nothing changed."
        )
    version = str(doc.get("openapi", ""))
    if not version.startswith(("3.0.", "3.1.")):
        raise Refused(f"not an OpenAPI 3.0/3.1 document (openapi: {version or 'missing'})")
    try:
        validate(doc)
    except OpenAPIValidationError as exc:
        raise Refused(f"the document is not valid OpenAPI: {exc.message}") from exc


def public_names(package: griffe.Object | griffe.Alias) -> set[str]:
    names: set[str] = set()
    stack: list[griffe.Object | griffe.Alias] = [package]
    while stack:
        obj = stack.pop()
        for name, member in obj.members.items():
            if name.startswith("_") or member.is_alias:
                continue
            names.add(member.path)
            if member.is_module or member.is_class:
                stack.append(member)
    return names


def _breakage_line(breakage: griffe.Breakage) -> str:
    # Our own wording: griffe's explain() embeds terminal colours and the temporary old path.
    line = f"BREAKING {breakage.obj.path}: {breakage.kind.value}"
    if breakage.kind is not griffe.BreakageKind.OBJECT_REMOVED:
        line += f" ({breakage.old_value!s} -> {breakage.new_value!s})"
    return line


def python_api_report(old_root: Path, new_root: Path) -> list[str]:
    old = griffe.load(PACKAGE, search_paths=[old_root], allow_inspection=False)
    new = griffe.load(PACKAGE, search_paths=[new_root], allow_inspection=False)
    lines = [_breakage_line(b) for b in griffe.find_breaking_changes(old, new)]
    before, after = public_names(old), public_names(new)
    lines += [f"removed {name}" for name in sorted(before - after)]
    lines += [f"added {name}" for name in sorted(after - before)]
    return lines


def update(path: str | None) -> list[str]:
    label, text = read_source(path)
    try:
        doc = parse_document(text)
    except ValueError as exc:
        raise Refused(f"cannot read the document: {exc}") from exc
    check_document(doc)
    old_doc = parse_document(SPEC.read_text(encoding="utf-8"))
    new_text = dump_document(doc)
    unchanged = new_text == SPEC.read_text(encoding="utf-8")
    report = [f"source: {label}"]
    saved = {file: file.read_bytes() for file in (SPEC, PROVENANCE)}
    with tempfile.TemporaryDirectory(prefix="apij-old-") as scratch:
        old_root = Path(scratch)
        shutil.copytree(GENERATED / PACKAGE, old_root / PACKAGE)
        try:
            _write_and_generate(doc, new_text, label, unchanged)
        except (regenerate.RegenerateError, subprocess.CalledProcessError) as exc:
            # All or nothing: put the previous contract back (generate() leaves the old
            # generated tree in place when it fails).
            for file, content in saved.items():
                file.write_bytes(content)
            raise Refused(
                f"the generator refused this document, so nothing changed:\n{exc}"
            ) from exc
        contract = [str(change) for change in diff(old_doc, doc)]
        python_api = python_api_report(old_root, GENERATED)
    report.append("")
    report.append("Contract changes:" if contract else "Contract changes: none")
    report += [f"  {line}" for line in contract]
    report.append(
        "Generated Python API changes:" if python_api else "Generated Python API changes: none"
    )
    report += [f"  {line}" for line in python_api]
    return report


def _write_and_generate(doc: dict[str, Any], new_text: str, label: str, unchanged: bool) -> None:
    if not unchanged:
        SPEC.write_text(new_text, encoding="utf-8")
        provenance = load_provenance()
        provenance.update(
            source=label,
            date=datetime.datetime.now(datetime.UTC).date().isoformat(),
            sha256=sha256(SPEC),
            title=doc.get("info", {}).get("title"),
            version=doc.get("info", {}).get("version"),
        )
        provenance.pop("note", None)
        save_provenance(provenance)
    versions = tool_versions()
    regenerate.check_provenance(versions)
    regenerate.generate(GENERATED, versions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", help="local JSON or YAML file (default: upstream URL)")
    args = parser.parse_args(argv)
    try:
        report = update(args.spec)
    except Refused as exc:
        print(f"update-spec: {exc}", file=sys.stderr)
        return exc.exit_code
    print("update-spec: openapi/apij-1.0-apim.yaml and generated/apij_client updated")
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
