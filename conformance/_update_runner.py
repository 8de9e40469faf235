"""Run `update-spec` on several inputs in one interpreter, recording what each did to the tree.

Used by test_update_spec.py in a copy of the project (one start-up instead of one per case):
`python conformance/_update_runner.py cases.json`, with the copy's root, `src/` and `generated/`
on PYTHONPATH. Each case is {"args": [...], "env": {...}}; the answer, on stdout, is a JSON list
of {"exit", "stdout", "stderr", "unchanged"}.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from scripts import update_spec
from scripts.project import ROOT


def _tree() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def run(case: dict[str, Any]) -> dict[str, Any]:
    before = _tree()
    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    os.environ.update(case.get("env", {}))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = update_spec.main(case["args"])
    except Exception:  # an unexpected crash is a finding: report it as the test's failure
        code, err = 99, io.StringIO(traceback.format_exc())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {
        "exit": code,
        "stdout": out.getvalue(),
        "stderr": err.getvalue(),
        "unchanged": _tree() == before,
    }


def main() -> int:
    cases = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(json.dumps([run(case) for case in cases]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
