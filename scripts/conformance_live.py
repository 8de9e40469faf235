"""`make conformance-live`: the schemathesis CLI against the sandbox over loopback, JUnit report.

Usage: python -m scripts.conformance_live [extra schemathesis run options]

Starts the sandbox (the CNAM double under uvicorn) on a free loopback port, runs
`schemathesis run` on the effective contract with the suite's policy (conformance/schemathesis.toml:
positive and negative generation, every check, derandomised, no example database) and the
double's synthetic scenario credentials, writes reports/conformance-live.xml, stops the server
and exits with schemathesis's exit code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scripts.project import EFFECTIVE, REPORTS, ROOT

CONFIG = ROOT / "conformance" / "schemathesis.toml"
REPORT = REPORTS / "conformance-live.xml"


def main(argv: list[str] | None = None) -> int:
    from apij.double import DEFAULT_SCENARIO, SANDBOX_API_KEY, SCENARIOS
    from apij.double.sandbox import running

    extra = list(sys.argv[1:] if argv is None else argv)
    REPORT.parent.mkdir(exist_ok=True)
    schemathesis = Path(sys.executable).with_name("schemathesis")
    env = {
        **os.environ,
        # Read by the [auth.openapi.*] tables of the config: synthetic sandbox credentials.
        "APIJ_API_KEY": SANDBOX_API_KEY,
        "APIJ_FC_TOKEN": SCENARIOS[DEFAULT_SCENARIO].token,
    }
    with running() as base_url:
        print(f"conformance-live: sandbox on {base_url}", flush=True)
        command = [
            str(schemathesis),
            "--config-file",
            str(CONFIG),
            "run",
            str(EFFECTIVE),
            "--url",
            base_url,
            # The CLI runs only not_a_server_error unless told: every check, as in the pytest runs.
            "--checks",
            "all",
            "--report",
            "junit",
            "--report-junit-path",
            str(REPORT),
            *extra,
        ]
        done = subprocess.run(command, env=env, check=False, cwd=ROOT)
    print(f"conformance-live: JUnit report in {REPORT.relative_to(ROOT)}", flush=True)
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
