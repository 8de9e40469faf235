"""Bring a new upstream APIJ document in, derive the contract, regenerate, report what changed.

Usage: python -m scripts.update_spec [PATH]     (make update-spec [SPEC=PATH])

With PATH (JSON or YAML) the document is read from disk; without it, from the upstream SwaggerHub
URL. It is vendored byte for byte as openapi/apij-1.0-apim.yaml, the overlay is applied to it
(generated/apij-effective.yaml) and the client regenerated. Anything unusable is refused with
its cause and location, and then nothing in the project changes: a syntax error, a dangling or
external `$ref`, an unsupported dialect, Swagger 2.0 (with the command that converts it), an
invalid document, an overlay that cannot apply, a document the generator refuses, a regenerated
client the face can no longer import, an unreachable upstream or one that answers an HTTP error
(exit 3 and 5). The report says what changed in the contract, what each overlay action now does (and
which went stale), what changed in the generated Python API (breaking first), which public names
were pinned, and the version bump that follows.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import httpx

from scripts import regenerate, release
from scripts.contract_diff import diff
from scripts.documents import DocumentError, parse_document
from scripts.effective import Unusable, derive, load
from scripts.overlay import ActionReport, Applied
from scripts.project import (
    CHANGELOG,
    EFFECTIVE,
    GENERATED,
    OVERLAY,
    PACKAGE,
    PROVENANCE,
    PUBLIC_SURFACE,
    PYPROJECT,
    ROOT,
    UPSTREAM,
    UPSTREAM_URL,
    load_provenance,
    relative,
    save_provenance,
    sha256,
    tool_versions,
)
from scripts.python_api import (
    api_report,
    current_version,
    next_version,
    update_public_surface,
    version_bump,
)

EXIT_UNREACHABLE = 3
EXIT_REFUSED = 4
EXIT_NOT_SERVED = 5  # the upstream answered, without the document (404, 403...)


class Refused(Exception):
    """The input cannot become the project's contract; nothing was changed."""

    def __init__(self, message: str, exit_code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def read_source(path: str | None) -> tuple[str, bytes]:
    """Return (source label for provenance, the document's bytes as received)."""
    if path:
        file = Path(path)
        if not file.is_file():
            raise Refused(f"no such file: {path}")
        return f"file:{file.name}", file.read_bytes()
    # APIJ_UPSTREAM_URL lets tests point at a closed loopback port instead of the internet.
    url = os.environ.get("APIJ_UPSTREAM_URL", UPSTREAM_URL)
    try:
        response = httpx.get(url, timeout=20.0, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise Refused(
            f"cannot reach the upstream spec at {url} ({type(exc).__name__}: {exc}).\n"
            "Download it elsewhere and run `make update-spec SPEC=<file>`.",
            EXIT_UNREACHABLE,
        ) from exc
    if response.is_error:
        raise Refused(
            f"the upstream answered {response.status_code} {response.reason_phrase} at {url}: "
            "the document is not served there (unpublished, private, or moved).\n"
            "Download it elsewhere and run `make update-spec SPEC=<file>`.",
            EXIT_NOT_SERVED,
        )
    return url, response.content


def staleness(before: Sequence[ActionReport], after: Sequence[ActionReport]) -> list[str]:
    """What each overlay action does now; STALE where it did something before and not now."""
    previous = {report.name: report for report in before}
    lines = []
    for report in after:
        old = previous.get(report.name)
        stale = old is not None and (
            (old.changed and not report.changed) or (old.matched and not report.matched)
        )
        was = f" (was: {old.summary})" if old is not None and old.summary != report.summary else ""
        lines.append(f"{'STALE ' if stale else ''}{report.name}: {report.summary}{was}")
    return lines


def _section(title: str, lines: list[str]) -> list[str]:
    return [f"{title}:", *(f"  {line}" for line in lines)] if lines else [f"{title}: none"]


class _Snapshot:
    """The files update-spec may write, to put back if anything fails before it is done."""

    def __init__(self, scratch: Path) -> None:
        self.files = {
            path: path.read_bytes()
            for path in (UPSTREAM, PROVENANCE, PUBLIC_SURFACE, PYPROJECT, CHANGELOG)
        }
        self.generated = scratch / "generated"
        shutil.copytree(GENERATED, self.generated, ignore=shutil.ignore_patterns("__pycache__"))

    def restore(self) -> None:
        for path, content in self.files.items():
            path.write_bytes(content)
        for part in (PACKAGE, EFFECTIVE.name):
            target = GENERATED / part
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            source = self.generated / part
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)


def _vendor(raw: bytes, label: str, applied: Applied) -> None:
    unchanged = raw == UPSTREAM.read_bytes()
    if not unchanged:
        UPSTREAM.write_bytes(raw)
        info = applied.document.get("info") or {}
        provenance = load_provenance()
        provenance.update(
            source=label,
            date=datetime.datetime.now(datetime.UTC).date().isoformat(),
            sha256=sha256(UPSTREAM),
            title=info.get("title"),
            version=info.get("version"),
        )
        provenance.pop("note", None)
        save_provenance(provenance)
    versions = tool_versions()
    regenerate.check_provenance(versions)
    regenerate.generate(GENERATED, versions, applied.document)


def face_import_failure() -> str | None:
    """Why the face cannot be imported with the generated client as it now is, or None.

    Asked of a fresh interpreter: this one has the previous client loaded."""
    probe = subprocess.run(
        [sys.executable, "-c", "import apij"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode == 0:
        return None
    return (probe.stderr.strip().splitlines() or [f"exit {probe.returncode}"])[-1]


def update(path: str | None) -> list[str]:
    label, raw = read_source(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(f"{label} is not UTF-8 text (byte {exc.start})") from exc
    try:
        upstream = parse_document(text, label)
        overlay = load(OVERLAY, relative(OVERLAY))
        applied = derive(upstream, overlay, path or "apij.yaml")
        previous = derive(load(UPSTREAM, relative(UPSTREAM)), overlay)
    except (DocumentError, Unusable) as exc:
        raise Refused(str(exc)) from exc
    with tempfile.TemporaryDirectory(prefix="apij-update-") as scratch:
        snapshot = _Snapshot(Path(scratch))
        try:
            _vendor(raw, label, applied)
        except (regenerate.RegenerateError, OSError) as exc:
            # All or nothing: the previous upstream, provenance and generated tree come back.
            snapshot.restore()
            raise Refused(f"the generator refused the effective document:\n{exc}") from exc
        failure = face_import_failure()
        if failure is not None:
            # Accepted, the face (and these tools, which read the contract through it) would no
            # longer import: nothing could be run to fix it but a checkout.
            snapshot.restore()
            raise Refused(
                "the regenerated client lacks a name the face imports:\n"
                f"{failure}\n"
                "Keep the name with an overlay action (a renamed operationId or schema: name it "
                "back), or change the face along with the document."
            )
        contract = [str(change) for change in diff(previous.document, applied.document)]
        api = api_report(snapshot.generated, GENERATED)
        surface = update_public_surface(GENERATED)
        current = current_version()
        bump = next_version(current, api, bool(contract))
        if bump is not None:
            release.record(*bump, load_provenance(), api.lines or contract)
    return [
        f"source: {label}",
        "",
        *_section("Contract changes (effective document)", contract),
        *_section(
            f"Overlay actions ({relative(OVERLAY)}): what each does now",
            staleness(previous.actions, applied.actions),
        ),
        *_section("Generated Python API changes (breaking first)", api.lines),
        *_section(f"Public surface ({relative(PUBLIC_SURFACE)})", surface),
        version_bump(current, api, bool(contract))
        + (f", written to {relative(PYPROJECT)} and {relative(CHANGELOG)}" if bump else ""),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("spec", nargs="?", help="local JSON or YAML file (default: upstream URL)")
    args = parser.parse_args(argv)
    try:
        report = update(args.spec)
    except Refused as exc:
        print(f"update-spec: refused: {exc}\nNothing changed.", file=sys.stderr)
        return exc.exit_code
    print(
        f"update-spec: {relative(UPSTREAM)} vendored, {relative(EFFECTIVE)} and "
        f"{relative(GENERATED / PACKAGE)} regenerated"
    )
    print("\n".join(report))
    print("next: `make check`, then `make mutations` (the contract changed: drift, proven again)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
