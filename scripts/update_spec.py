"""Bring a new upstream APIJ document in, derive the contract, regenerate, report what changed.

Usage: python -m scripts.update_spec [PATH]     (make update-spec [SPEC=PATH])

With PATH (JSON or YAML) the document is read from disk; without it, from the upstream SwaggerHub
URL. It is vendored byte for byte as openapi/apij-1.0-apim.yaml, the overlay is applied to it
(generated/apij-effective.yaml) and the client regenerated. Anything unusable is refused with
its cause and location, and then nothing in the project changes: a syntax error, a dangling or
external `$ref`, an unsupported dialect, Swagger 2.0 (with the command that converts it), an
invalid document, an overlay that cannot apply, a contract the face could not represent
(`scripts.face_needs`: a field it reads removed, renamed, made optional or nullable; a parameter
it sends renamed or retyped, one it does not send required; credentials it does not send; an
error code it tells errors apart by), a document the generator refuses (named in words:
operation and status), a regenerated client the face can no longer import, an
unreachable upstream or one that answers an HTTP error (exit 3 and 5).

The report fits one screen: the verdict and the bump first — the worse of the wire verdict
(`scripts.wire`: each change a finding of a named rule) and the Python API diff —, then the
wire findings by level with their rule id and JSON path, the Python API changes (breaking
first), the pinned public names, the overlay actions whose effect changed. `--json` prints the
whole report as one JSON document. Exit codes: 0 the same meaning, 1 a compatible or soft
change, 6 a breaking one (each brought in); 3, 4, 5 nothing changed.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from scripts import face_needs, regenerate, release
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
    ApiReport,
    api_report,
    current_version,
    next_version,
    update_public_surface,
    version_bump,
)
from scripts.wire import Finding, classify, verdict

# Exit codes, shared with check-upstream (CONTRIBUTING.md, "Updating the contract").
EXIT_SAME_MEANING = 0  # no change on the wire nor in the Python API (or the same bytes)
EXIT_COMPATIBLE = 1  # a compatible or soft change: brought in, the bump is a patch (0.x)
EXIT_UNREACHABLE = 3
EXIT_REFUSED = 4
EXIT_NOT_SERVED = 5  # the upstream answered, without the document (404, 403...)
EXIT_BREAKING = 6  # a breaking change (wire or Python API): brought in, the bump is a minor
EXIT_FOR_VERDICT = {
    "unchanged": EXIT_SAME_MEANING,
    "same-meaning": EXIT_SAME_MEANING,
    "compatible": EXIT_COMPATIBLE,
    "soft": EXIT_COMPATIBLE,
    "breaking": EXIT_BREAKING,
}
VERDICT_WORDS = {
    "unchanged": "nothing changed",
    "same-meaning": "the same contract on the wire",
    "compatible": "additions a client may ignore",
    "soft": "clients keep working and see drift at run time",
    "breaking": "clients built for the previous contract fail",
}
WIDTH = 160  # no report line is longer


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


def _names(names: list[str]) -> str:
    """`status-400/401/403` for names that differ only after their last hyphen."""
    stems: dict[str, list[str]] = {}
    for name in names:
        stem, _, tail = name.rpartition("-")
        stems.setdefault(stem if stem else name, []).append(tail if stem else "")
    return ", ".join(
        f"{stem}-{'/'.join(tails)}" if all(tails) else stem for stem, tails in stems.items()
    )


def staleness(before: Sequence[ActionReport], after: Sequence[ActionReport]) -> list[str]:
    """One line of counts, then the overlay actions whose effect changed (STALE: it did
    something before and not now), those with the same change on one line."""
    previous = {report.name: report for report in before}
    groups: dict[tuple[bool, str, str], list[str]] = {}
    unchanged = {"acting": 0, "idle": 0}
    for report in after:
        old = previous.get(report.name)
        if old is not None and old.summary == report.summary:
            unchanged["acting" if report.changed else "idle"] += 1
            continue
        stale = old is not None and bool(
            (old.changed and not report.changed) or (old.matched and not report.matched)
        )
        was = f" (was: {old.summary})" if old is not None else " (new action)"
        groups.setdefault((stale, report.summary, was), []).append(report.name)
    counts = (
        f"{unchanged['acting'] + unchanged['idle']} of {len(after)} actions unchanged in effect "
        f"({unchanged['acting']} acting, {unchanged['idle']} matching or changing nothing)"
    )
    lines = [counts]
    for (stale, summary, was), names in groups.items():
        said = f"{'STALE ' if stale else ''}{summary}{was}: "
        lines += textwrap.wrap(
            said + _names(names), WIDTH - 2, subsequent_indent="    ", break_on_hyphens=False
        )
    return lines


def _short(line: str, width: int = WIDTH) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def _section(title: str, lines: Sequence[str], limit: int = 12) -> list[str]:
    if not lines:
        return []
    shown = [f"  {_short(line, WIDTH - 2)}" for line in lines[:limit]]
    more = (
        [f"  … and {len(lines) - limit} more (`--json` has them all)"] if len(lines) > limit else []
    )
    return [f"{title} ({len(lines)}):", *shown, *more]


def render(report: dict[str, Any], written: bool = True) -> list[str]:
    """The report a maintainer reads in one screen: verdict and bump first, then the breaking,
    soft and compatible wire changes with their rule ids, the Python API, the overlay."""
    findings = report["wire"]
    lines = [
        _short(
            f"verdict: {report['verdict'].upper()} ({VERDICT_WORDS[report['verdict']]}; "
            f"wire {report['wire_verdict'] or 'unchanged'}, "
            f"Python API {report['python_api_verdict']}); "
            + report["version_line"]
            + (
                f", written to {relative(PYPROJECT)} and {relative(CHANGELOG)}"
                if written and report["bump"]
                else ""
            )
        ),
        _short(f"source: {report['source']} (sha256 {report['sha256']})"),
    ]
    for level in ("breaking", "soft", "compatible", "cosmetic"):
        chosen = [
            Finding(**{k: f[k] for k in ("rule", "where", "path", "detail", "status")})
            for f in findings
            if f["level"] == level
        ]
        lines += _section(f"{level.capitalize()} on the wire", [f.line(WIDTH - 2) for f in chosen])
    lines += _section(
        "Python API of the generated apij_client (breaking first)", report["python_api"]
    )
    lines += _section(f"Public surface ({relative(PUBLIC_SURFACE)})", report["public_surface"])
    if report["normalised"]:
        count = len(report["normalised"])
        lines.append(
            _short(
                f"Reader normalisation: {count} one-element type list(s) written as the type "
                f"(first at {report['normalised'][0]}): generated names unchanged"
            )
        )
    lines += _section(f"Overlay ({relative(OVERLAY)})", report["overlay"], limit=8)
    return lines


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


def _verdict(wire: str | None, api: ApiReport) -> str:
    """The overall verdict: the worse of the wire's and the Python API's."""
    if wire == "breaking" or api.is_breaking:
        return "breaking"
    if wire in ("soft", "compatible") or api.is_additive:
        return "soft" if wire == "soft" else "compatible"
    return "same-meaning" if wire == "cosmetic" else "unchanged"


def update(path: str | None) -> dict[str, Any]:
    """Bring the document in; the whole report as a JSON-able mapping (see `render`)."""
    label, raw = read_source(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(f"{label} is not UTF-8 text (byte {exc.start})") from exc
    try:
        upstream = parse_document(text, label)
        overlay = load(OVERLAY, relative(OVERLAY))
        applied = derive(upstream, overlay, path or "apij.yaml")
        vendored = load(UPSTREAM, relative(UPSTREAM))
        previous = derive(vendored, overlay)
    except (DocumentError, Unusable) as exc:
        raise Refused(str(exc)) from exc
    face = face_needs.problems(applied.document)
    if face:
        raise Refused(
            "the face could not represent this contract:\n"
            + "\n".join(f"  {_short(line, WIDTH - 2)}" for p in face[:4] for line in p.lines())
            + (f"\n  … and {len(face) - 4} more" if len(face) > 4 else "")
            + "\n"
            + face_needs.ADVICE
        )
    bytes_differ = raw != UPSTREAM.read_bytes()
    findings = classify(previous.document, applied.document, vendored, upstream, bytes_differ)
    wire = verdict(findings)
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
        api = api_report(snapshot.generated, GENERATED)
        surface = update_public_surface(GENERATED)
        current = current_version()
        bump = next_version(current, api, wire)
        provenance = load_provenance()
        notes = [*(f.line() for f in findings if f.level != "cosmetic"), *api.lines]
        if bump is not None:
            release.record(*bump, provenance, notes)
        elif bytes_differ and not release.rerecord(current, provenance):
            # The same meaning, but the current version is released: a patch names the bytes.
            bump = next_version(current, ApiReport(changed=["same meaning"]), None)
            assert bump is not None
            bump = (bump[0], "same meaning, new contract bytes")
            release.record(*bump, provenance, [f.line() for f in findings])
    overall = _verdict(wire, api)
    version_line = (
        f"version: {current} -> {bump[0]} ({bump[1]})"
        if bump is not None
        else version_bump(current, api, wire)
    )
    return {
        "source": label,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "verdict": overall,
        "exit": EXIT_FOR_VERDICT[overall],
        "wire_verdict": wire,
        "python_api_verdict": (
            "breaking" if api.is_breaking else "additive" if api.is_additive else "unchanged"
        ),
        "version": {"current": current, "next": bump[0] if bump else current},
        "bump": bump[1] if bump else None,
        "version_line": version_line,
        "wire": [f.as_json() for f in findings],
        "python_api": api.lines,
        "public_surface": surface,
        "normalised": list(applied.normalised),
        "overlay": staleness(previous.actions, applied.actions),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("spec", nargs="?", help="local JSON or YAML file (default: upstream URL)")
    parser.add_argument(
        "--json", action="store_true", help="print the whole report as one JSON document"
    )
    args = parser.parse_args(argv)
    try:
        report = update(args.spec)
    except Refused as exc:
        if args.json:
            print(json.dumps({"verdict": "refused", "exit": exc.exit_code, "refusal": str(exc)}))
        print(f"update-spec: refused: {exc}\nNothing changed.", file=sys.stderr)
        return exc.exit_code
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return int(report["exit"])
    print(
        f"update-spec: {relative(UPSTREAM)} vendored, {relative(EFFECTIVE)} and "
        f"{relative(GENERATED / PACKAGE)} regenerated"
    )
    print("\n".join(render(report)))
    print("next: `make check`, then `make mutations` (the contract changed: drift, proven again)")
    return int(report["exit"])


if __name__ == "__main__":
    raise SystemExit(main())
