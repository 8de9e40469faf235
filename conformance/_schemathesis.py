"""schemathesis wiring shared by the respx and ASGI runs: config, credentials, the extra check."""

from __future__ import annotations

import copy
import json
import tomllib
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import date
from pathlib import Path
from typing import Any, Final

import pytest
import schemathesis

from apij.double import SANDBOX_API_KEY
from conformance._support import (
    budget,
    contract,
    document,
    no_shrink,
    operations,
    window_parameters,
)
from scripts.project import REPORTS

CONFIG_PATH: Final = Path(__file__).with_name("schemathesis.toml")


def scenario_token() -> str:
    """The FC token of the double's default scenario (a person with payments)."""
    from apij.double import DEFAULT_SCENARIO, SCENARIOS

    return str(SCENARIOS[DEFAULT_SCENARIO].token)


def _substitute(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: _substitute(value, values) for key, value in node.items()}
    if isinstance(node, str):
        for name, value in values.items():
            node = node.replace("${" + name + "}", value)
    return node


def suite_config(*, disable: tuple[str, ...] = ()) -> schemathesis.Config:
    """conformance/schemathesis.toml with the scenario credentials and this run's budget."""
    data = tomllib.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    data = _substitute(data, {"APIJ_API_KEY": SANDBOX_API_KEY, "APIJ_FC_TOKEN": scenario_token()})
    # Credentials only for schemes the contract declares: if a scheme disappears, the double's
    # behaviour (does it still demand that credential?) is what must be judged.
    declared = contract().security_schemes
    schemes = data.get("auth", {}).get("openapi", {})
    for name in [n for n in schemes if n not in declared]:
        del schemes[name]
    data["generation"]["max-examples"] = budget(data["generation"]["max-examples"])
    if no_shrink():
        data["generation"]["no-shrink"] = True
    for check in disable:
        data.setdefault("checks", {}).setdefault(check, {})["enabled"] = False
    return schemathesis.Config.from_dict(data)


def effective_schema(config: schemathesis.Config) -> schemathesis.BaseSchema:
    """The effective contract loaded by schemathesis (a copy: schemathesis annotates it)."""
    schema: schemathesis.BaseSchema = schemathesis.openapi.from_dict(
        copy.deepcopy(document()), config=config
    )
    return schema


def positive_window_reaches_200(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """A positive case with a real, ordered window and the scenario's credentials must get 200.

    This is what keeps the tuned `positive_data_acceptance` (which allows 400, see
    schemathesis.toml) honest, and what proves the configured auth reaches the 200 path.
    """
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    # The window is the operation's first two `format: date` query parameters, whatever the
    # contract calls them (so a renamed parameter is still judged).
    method, path = case.operation.label.split(" ", 1)
    (operation,) = [o for o in operations() if (o.method, o.path) == (method, path)]
    names = window_parameters(operation)
    query = case.query or {}
    if names is None:
        return None
    try:
        debut, fin = (date.fromisoformat(str(query[name])) for name in names)
    except (KeyError, ValueError):
        return None
    sent = response.request.headers
    api_key_header = contract().api_key_header()
    if debut > fin or api_key_header is None or sent.get(api_key_header) != SANDBOX_API_KEY:
        return None
    if sent.get("Authorization") != f"Bearer {scenario_token()}":
        return None
    if response.status_code != 200:
        raise AssertionError(
            f"a valid window {debut}..{fin} with the scenario's credentials got "
            f"{response.status_code}, expected 200"
        )
    return True


class CaseStats:
    """Counts of generated cases by generation mode and response status, for the report."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, int]] = Counter()
        self.phases: Counter[str] = Counter()

    def record(self, case: schemathesis.Case[Any], status: int) -> None:
        mode = case.meta.generation.mode.value if case.meta is not None else "explicit"
        self.counts[(mode, status)] += 1
        self.phases[case.meta.phase.name.value if case.meta is not None else "explicit"] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def statuses(self, mode: str) -> set[int]:
        return {status for (m, status) in self.counts if m == mode}

    def write(self, name: str) -> str:
        phases = ", ".join(f"{phase} {n}" for phase, n in sorted(self.phases.items()))
        lines = [f"{name}: {self.total} generated cases ({phases})"]
        lines += [f"  {mode:<8} {status}: {n}" for (mode, status), n in sorted(self.counts.items())]
        REPORTS.mkdir(exist_ok=True)
        (REPORTS / f"{name}.json").write_text(
            json.dumps(
                {
                    "total": self.total,
                    "by_phase": dict(sorted(self.phases.items())),
                    "by_mode_status": {f"{m} {s}": n for (m, s), n in sorted(self.counts.items())},
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        return "\n".join(lines)


def reached_both_paths(stats: CaseStats, name: str, config: pytest.Config) -> None:
    """After a schemathesis run: its report printed, and the budget spent on both paths."""
    report = stats.write(name)
    capture = config.pluginmanager.get_plugin("capturemanager")
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and terminal is not None:
        with capture.global_and_fixture_disabled():
            terminal.write_line("")
            for line in report.splitlines():
                terminal.write_line(line)
    assert 200 in stats.statuses("positive"), "no positive case reached 200: auth config broken?"
    assert stats.statuses("negative") & {400, 401}, "no negative case was rejected"


Scope = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]
]


def with_spec_endpoint(app: ASGIApp, spec: dict[str, Any]) -> ASGIApp:
    """`app` also serving `spec` at /openapi.json, so `from_asgi` loads the effective contract."""
    body = json.dumps(spec).encode()

    async def wrapped(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/openapi.json":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return wrapped
