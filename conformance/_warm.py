"""A warm Python for the spec-mutation gates: third-party libraries imported once, a fork per run.

Each mutation runs pytest and update-spec several times in a copy of the project; a fresh
interpreter spends ~3 s importing pytest, hypothesis, schemathesis and openapi-core each time.
This server imports them once (and nothing of the project, so each forked child imports the
copy's own `apij`, `apij_client` and suite modules), then for every JSON job on stdin forks a
child that runs `pytest.main` or a script in the copy, and answers with the child's exit code.
Run by `_project_copy.WarmPython`; not a test, not imported by tests.
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import sys
import traceback
import warnings
from typing import Any

# Third-party only: importing a project module here would pin the real project's copy of it.
WARM_IMPORTS = (
    "pytest",
    "_pytest.junitxml",
    "hypothesis",
    "hypothesis.extra.pytestplugin",
    "hypothesis_jsonschema",
    "schemathesis",
    "schemathesis.pytest",
    "schemathesis.specs.openapi.checks",
    "schemathesis.specs.openapi.schemas",
    "schemathesis.python.asgi",
    "openapi_core",
    "openapi_core.contrib.requests",
    "openapi_spec_validator",
    "openapi_python_client.strings",
    "requests",
    "httpx",
    "respx",
    "jsonschema_rs",
    "yaml",
    "attrs",
    "dateutil.parser",
    "anyio",
    "tenacity",
    "griffe",
)


def _run(job: dict[str, Any]) -> int:
    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    # The copy's packages and suite first; drop the real project's paths (editable install and
    # this script's folder) so nothing resolves to the original tree.
    own = set(job["drop_paths"])
    sys.path[:] = [*job["paths"], *(p for p in sys.path if p not in own)]
    sys.argv = list(job["argv"])
    try:
        if job["kind"] == "pytest":
            import pytest

            return int(pytest.main(job["argv"][1:]))
        runpy.run_path(job["argv"][0], run_name="__main__")
        return 0
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except BaseException:
        traceback.print_exc()
        return 1


def _child(job: dict[str, Any]) -> None:
    null = os.open(os.devnull, os.O_RDONLY)
    log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    code = 1
    try:
        code = _run(job)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    with warnings.catch_warnings():
        # Importing hypothesis's pytest plugin outside pytest warns about its side effects.
        warnings.simplefilter("ignore")
        for name in WARM_IMPORTS:
            importlib.import_module(name)
    print("ready", flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(job)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"exit": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    main()
