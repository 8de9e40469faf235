"""`make check-upstream`: the update-spec report from a copy; the project untouched; exit codes."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from conformance._mutations import close_line_schema
from scripts import check_upstream
from scripts.check_upstream import EXIT_BREAKING, EXIT_COMPATIBLE, EXIT_SAME_MEANING
from scripts.project import ROOT, UPDATE_SPEC_PARTS, UPSTREAM
from scripts.update_spec import EXIT_NOT_SERVED, EXIT_REFUSED, EXIT_UNREACHABLE


def fingerprint() -> dict[str, str]:
    """sha256 of every file update-spec could write, to prove nothing changed."""
    files: list[Path] = []
    for part in UPDATE_SPEC_PARTS:
        path = ROOT / part
        files += [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    return {
        str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in files
        if "__pycache__" not in p.parts
    }


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.check_upstream", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_vendored_document_itself_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_upstream.check(str(UPSTREAM)) == EXIT_SAME_MEANING
    assert "is the vendored openapi/apij-1.0-apim.yaml" in capsys.readouterr().out


def test_a_changed_upstream_prints_update_specs_report_and_changes_nothing(tmp_path: Path) -> None:
    changed = tmp_path / "apij.yaml"
    document = yaml.safe_load(UPSTREAM.read_text(encoding="utf-8"))  # YAML or JSON as received
    document["info"]["version"] = "9.9-apim"
    operation = next(iter(next(iter(document["paths"].values())).values()))
    operation.setdefault("parameters", []).append(
        {"name": "apijWatch", "in": "query", "required": False, "schema": {"type": "string"}}
    )
    changed.write_text(json.dumps(document), encoding="utf-8")
    before = fingerprint()
    done = check(str(changed))
    assert done.returncode == EXIT_COMPATIBLE, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("check-upstream: file:apij.yaml differs from the vendored")
    assert lines[1].startswith("verdict: COMPATIBLE")
    assert "version: 0." in lines[1]  # the bump that follows
    assert "written to" not in done.stdout  # what update-spec wrote was the copy's
    assert "  new-optional-request-parameter GET " in done.stdout
    assert "  info-changed document info.version " in done.stdout
    assert "-> 9.9-apim" in done.stdout
    assert "update-spec: " not in done.stdout
    assert all(len(line) <= 160 for line in lines)
    assert fingerprint() == before


def test_json_is_one_document_and_a_breaking_change_has_its_own_code(tmp_path: Path) -> None:
    changed = tmp_path / "apij.json"
    document = yaml.safe_load(UPSTREAM.read_text(encoding="utf-8"))
    # Breaking on the wire and in the generated model, and absorbed by the face (a required
    # parameter it does not send would be refused: scripts/face_needs.py).
    close_line_schema(document)
    changed.write_text(json.dumps(document), encoding="utf-8")
    before = fingerprint()
    done = check("--json", str(changed))
    assert done.returncode == EXIT_BREAKING, done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"] == "breaking"
    assert report["checked_only"] is True
    assert report["source"] == "file:apij.json"
    rules = {(f["rule"], f["level"]) for f in report["wire"]}
    assert ("schema-changed", "breaking") in rules
    assert any(line.startswith("BREAKING apij_client.") for line in report["python_api"])
    assert fingerprint() == before


def test_the_same_contract_in_json_is_same_meaning(tmp_path: Path) -> None:
    same = tmp_path / "apij.json"
    data = yaml.safe_load(UPSTREAM.read_text(encoding="utf-8"))
    text = json.dumps(data, indent=3)  # other bytes than the vendored ones, YAML or JSON
    assert text.encode() != UPSTREAM.read_bytes()
    same.write_text(text)
    done = check(str(same))
    assert done.returncode == EXIT_SAME_MEANING, done.stderr
    assert "verdict: SAME-MEANING" in done.stdout
    assert "serialisation-changed" in done.stdout


def test_a_document_update_spec_would_refuse_is_reported_with_its_refusal(tmp_path: Path) -> None:
    broken = tmp_path / "apij.yaml"
    broken.write_text("openapi: 3.0.3\ninfo: [unclosed\n", encoding="utf-8")
    before = fingerprint()
    done = check(str(broken))
    assert done.returncode == EXIT_REFUSED
    assert "refused" in done.stderr
    assert fingerprint() == before


def test_no_network_is_said_in_one_line_with_its_own_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setenv("APIJ_UPSTREAM_URL", f"http://127.0.0.1:{port}/apij")
    assert check_upstream.check(None) == EXIT_UNREACHABLE
    assert capsys.readouterr().err.startswith("check-upstream: cannot reach the upstream spec at")


def test_an_upstream_without_the_document_is_not_called_unreachable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # SwaggerHub answering 404 (unpublished) or 403 (private): reached, but no document.
    def answer(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            conn.sendall(not_found)

    not_found = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"

    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        thread = threading.Thread(target=lambda: answer(server.accept()[0]), daemon=True)
        thread.start()
        monkeypatch.setenv("APIJ_UPSTREAM_URL", f"http://127.0.0.1:{port}/apij")
        assert check_upstream.check(None) == EXIT_NOT_SERVED
        thread.join(timeout=5)
    said = capsys.readouterr().err
    assert said.startswith(
        f"check-upstream: the upstream answered 404 Not Found at http://127.0.0.1:{port}/apij"
    )
