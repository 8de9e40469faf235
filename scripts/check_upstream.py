"""Watch the upstream document: what `make update-spec` would report, with nothing changed.

Usage: python -m scripts.check_upstream [PATH]     (make check-upstream [SPEC=PATH])

Reads the upstream APIJ document (the SwaggerHub URL, or PATH) and compares it with the vendored
one. The same bytes: exit 0. Otherwise update-spec runs on a throwaway copy of the project and
its report is printed (the verdict and the bump first, the wire changes by rule, the Python API
changes, the overlay actions whose effect changed); the project itself is never touched.
`--json` prints the whole report as one JSON document. Exit codes (update-spec's): 0 the same
meaning (same bytes, or a cosmetic change), 1 a compatible or soft change, 6 a breaking change,
3 the upstream cannot be reached (no network: said in one line), 4 the new document would be
refused (update-spec's refusal is printed), 5 the upstream answers without the document.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from scripts.project import ROOT, UPDATE_SPEC_PARTS, UPSTREAM, relative
from scripts.update_spec import (
    EXIT_BREAKING,
    EXIT_COMPATIBLE,
    EXIT_SAME_MEANING,
    Refused,
    read_source,
    render,
)

__all__ = ["EXIT_BREAKING", "EXIT_COMPATIBLE", "EXIT_SAME_MEANING", "check", "main"]


def copy_project(folder: Path) -> Path:
    """A throwaway copy of what update-spec reads and writes."""
    root = folder / "project"
    for part in UPDATE_SPEC_PARTS:
        source, target = ROOT / part, root / part
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return root


def check(path: str | None, as_json: bool = False) -> int:
    try:
        label, raw = read_source(path)
    except Refused as exc:
        if as_json:
            print(
                json.dumps({"verdict": "unavailable", "exit": exc.exit_code, "refusal": str(exc)})
            )
        print(f"check-upstream: {exc}", file=sys.stderr)
        return exc.exit_code
    if raw == UPSTREAM.read_bytes():
        digest = hashlib.sha256(raw).hexdigest()
        if as_json:
            print(
                json.dumps(
                    {
                        "verdict": "unchanged",
                        "exit": EXIT_SAME_MEANING,
                        "source": label,
                        "sha256": digest,
                        "wire": [],
                        "python_api": [],
                    }
                )
            )
        else:
            print(f"check-upstream: {label} is the vendored {relative(UPSTREAM)} (sha256 {digest})")
        return EXIT_SAME_MEANING
    with tempfile.TemporaryDirectory(prefix="apij-check-upstream-") as scratch:
        project = copy_project(Path(scratch))
        document = Path(scratch) / "upstream-document"
        document.write_bytes(raw)
        done = subprocess.run(
            [sys.executable, "-m", "scripts.update_spec", "--json", str(document)],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )

    def ours(text: str) -> str:
        return text.replace(f"file:{document.name}", label).replace(str(document), label)

    try:
        report: dict[str, Any] = json.loads(ours(done.stdout))
    except json.JSONDecodeError:
        report = {"verdict": "refused", "exit": done.returncode, "refusal": ours(done.stderr)}
    report["checked_only"] = True  # what update-spec wrote, it wrote in a throwaway copy
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return done.returncode
    print(f"check-upstream: {label} differs from the vendored {relative(UPSTREAM)}")
    if report.get("verdict") == "refused":
        print(ours(done.stderr), file=sys.stderr, end="")
        return done.returncode
    print("\n".join(render(report, written=False)))
    print("check-upstream: nothing changed here; bring it in with `make update-spec` (see README)")
    return done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("spec", nargs="?", help="local JSON or YAML file (default: upstream URL)")
    parser.add_argument(
        "--json", action="store_true", help="print the whole report as one JSON document"
    )
    args = parser.parse_args(argv)
    return check(args.spec, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
