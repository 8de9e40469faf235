"""Watch the upstream document: what `make update-spec` would report, with nothing changed.

Usage: python -m scripts.check_upstream [PATH]     (make check-upstream [SPEC=PATH])

Reads the upstream APIJ document (the SwaggerHub URL, or PATH) and compares it with the vendored
one. The same bytes: exit 0. Otherwise update-spec runs on a throwaway copy of the project and
its report is printed (contract changes, overlay staleness, Python API changes, the version bump
that follows); the project itself is never touched. Exit codes: 0 unchanged, 1 changed (the
report says how; `make update-spec` brings it in), 3 the upstream cannot be reached (no network:
said in one line), 4 the new document would be refused (update-spec's refusal is printed), 5 the
upstream answers without the document (an HTTP error status: said in one line).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from scripts.project import ROOT, UPDATE_SPEC_PARTS, UPSTREAM, relative
from scripts.update_spec import Refused, read_source

EXIT_UNCHANGED = 0
EXIT_CHANGED = 1


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


def check(path: str | None) -> int:
    try:
        label, raw = read_source(path)
    except Refused as exc:
        print(f"check-upstream: {exc}", file=sys.stderr)
        return exc.exit_code
    if raw == UPSTREAM.read_bytes():
        digest = hashlib.sha256(raw).hexdigest()
        print(f"check-upstream: {label} is the vendored {relative(UPSTREAM)} (sha256 {digest})")
        return EXIT_UNCHANGED
    with tempfile.TemporaryDirectory(prefix="apij-check-upstream-") as scratch:
        project = copy_project(Path(scratch))
        document = Path(scratch) / "upstream-document"
        document.write_bytes(raw)
        done = subprocess.run(
            [sys.executable, "-m", "scripts.update_spec", str(document)],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )

    def ours(text: str) -> str:
        text = text.replace(f"file:{document.name}", label).replace(str(document), label)
        # What update-spec wrote, it wrote in the copy.
        return text.replace(", written to ", ", which update-spec would write to ")

    print(f"check-upstream: {label} differs from the vendored {relative(UPSTREAM)}")
    # update-spec's lines about what it wrote and what to run next are true of the copy only.
    print(
        "\n".join(
            line
            for line in ours(done.stdout).splitlines()
            if not line.startswith(("update-spec: ", "next: "))
        )
    )
    if done.returncode != 0:
        print(ours(done.stderr), file=sys.stderr, end="")
        return done.returncode
    print("check-upstream: nothing changed here; bring it in with `make update-spec` (see README)")
    return EXIT_CHANGED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("spec", nargs="?", help="local JSON or YAML file (default: upstream URL)")
    return check(parser.parse_args(argv).spec)


if __name__ == "__main__":
    raise SystemExit(main())
