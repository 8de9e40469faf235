"""A probe of what a contract change must never cost the face: typed errors, 429 retries, CLI exit
codes.

Run by the contract-variant job (`make mutations`) in a copy of the project after `update-spec`:
`python conformance/face_probe.py`. It drives the copy's face against the copy's double and
prints one line per check; the exit status is the number of checks that failed.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

from apij import ApijClient, AttemptEvent, RetryPolicy, errors
from apij.double import SANDBOX_API_KEY, SCENARIOS, CnamDouble, respx_router

WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-06-30"}
FAST = RetryPolicy(backoff=0.01, max_backoff=0.01)


def _raises(client: ApijClient, scenario: str, kind: type[errors.ApijError]) -> str:
    try:
        client.paiements(SCENARIOS[scenario].token, **WINDOW)
    except kind:
        return ""
    except errors.ApijError as exc:
        return f"{scenario}: {type(exc).__name__}, not {kind.__name__}"
    return f"{scenario}: no error, not {kind.__name__}"


def typed_errors() -> str:
    double = CnamDouble(retry_after=0)
    with (
        respx_router(double),
        ApijClient(SANDBOX_API_KEY, base_url=double.base_url, retry=FAST) as c,
    ):
        problems = [
            _raises(c, "jeton_expire", errors.TokenRejected),
            _raises(c, "sans_scope", errors.ScopeMissing),
            _raises(c, "assure_inconnu", errors.InsuredPersonNotFound),
            _raises(c, "limite_de_debit", errors.RateLimited),
        ]
    return "; ".join(p for p in problems if p)


def retries() -> str:
    double = CnamDouble(retry_after=0)
    statuses: list[int | None] = []

    def seen(event: AttemptEvent) -> None:
        statuses.append(event.status)

    with (
        respx_router(double),
        ApijClient(
            SANDBOX_API_KEY, base_url=double.base_url, retry=FAST, on_attempt=seen
        ) as client,
    ):
        double.inject_fault("rate_limited", times=2)
        releve = client.paiements(SCENARIOS["maladie"].token, **WINDOW)
    if statuses != [429, 429, 200] or not releve.paiements:
        return f"attempts answered {statuses}, expected [429, 429, 200] then the statement"
    return ""


def cli_exit_codes() -> str:
    def exit_code(scenario: str) -> int:
        command = [sys.executable, "-c", "from apij.cli import main; main()", "paiements"]
        command += ["--debut", WINDOW["date_debut"], "--fin", WINDOW["date_fin"]]
        command += ["--scenario", scenario]
        return subprocess.run(command, capture_output=True, check=False).returncode

    codes = {s: exit_code(s) for s in ("maladie", "jeton_expire", "assure_inconnu")}
    expected = {"maladie": 0, "jeton_expire": 3, "assure_inconnu": 4}
    return "" if codes == expected else f"exit codes {codes}, expected {expected}"


CHECKS: dict[str, Callable[[], str]] = {
    "typed errors": typed_errors,
    "429 retries": retries,
    "CLI exit codes": cli_exit_codes,
}


def main() -> int:
    failed = 0
    for name, check in CHECKS.items():
        try:
            problem = check()
        except Exception as exc:  # a face broken by the contract: say how, then go on
            problem = f"{type(exc).__name__}: {exc}"[:160]
        print(f"{name}: {'FAIL ' + problem if problem else 'ok'}")
        failed += bool(problem)
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
