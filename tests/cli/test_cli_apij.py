"""The `apij` CLI: statements from the double or a configured API, exit codes, one-line errors
(the face's failures and an uncompilable contract included)."""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from typer.testing import CliRunner

from apij import ApijClient, _contract, openapi
from apij._contract import OPERATION_ID
from apij._serving import local_url
from apij.cli import app
from apij.double import (
    DEFAULT_SCENARIO,
    SANDBOX_API_KEY,
    SCENARIOS,
    CnamDouble,
    Person,
    respx_router,
)

runner = CliRunner()
DEBUT, FIN = date(2025, 1, 1), date(2025, 6, 30)
WINDOW = ["--debut", DEBUT.isoformat(), "--fin", FIN.isoformat()]
REAL_URL = "https://apij.partner-gateway.test/v1/indemnites-journalieres"


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh machine: no APIJ_* variables, whatever the developer's shell has."""
    for name in ("APIJ_BASE_URL", "APIJ_API_KEY", "APIJ_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def expected_lines(person: Person) -> list[Any]:
    """The person's lines intersecting the window, straight from the double's registry."""
    return [p for p in person.paiements if p.date_fin >= DEBUT and p.date_debut <= FIN]


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), env=env)


def assert_one_line_error(result: Any, code: int, *words: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("apij: error: ")
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0]


def test_default_run_prints_the_default_scenarios_statement() -> None:
    result = invoke("paiements", *WINDOW)
    assert result.exit_code == 0, result.output
    lines = expected_lines(SCENARIOS[DEFAULT_SCENARIO])
    assert lines, "the default scenario should have IJ in the demo window"
    for line in lines:
        for cell in (
            line.date_debut.isoformat(),
            f"{line.montant_journalier:.2f}",
            f"{line.net:.2f}",
        ):
            assert cell in result.stdout
    total_net = sum((line.net for line in lines), Decimal(0))
    total_brut = sum((line.brut for line in lines), Decimal(0))
    assert f"{total_net:.2f}" in result.stdout
    assert f"{total_brut:.2f}" in result.stdout
    assert DEFAULT_SCENARIO in result.stdout


def test_json_output_has_exact_string_amounts_and_totals() -> None:
    result = invoke("paiements", *WINDOW, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    lines = expected_lines(SCENARIOS[DEFAULT_SCENARIO])
    assert [p["montant_journalier"] for p in data["paiements"]] == [
        str(line.montant_journalier) for line in lines
    ]
    assert [p["net"] for p in data["paiements"]] == [str(line.net) for line in lines]
    assert Decimal(data["totaux"]["csg"]) == sum((line.csg for line in lines), Decimal(0))
    assert data["totaux"]["nombre_jours"] == sum(line.nombre_jours for line in lines)
    assert (data["date_debut"], data["date_fin"]) == (DEBUT.isoformat(), FIN.isoformat())


def test_token_picks_another_scenario() -> None:
    person = SCENARIOS["at_mp"]
    result = invoke("paiements", *WINDOW, "--token", person.token, "--json")
    assert result.exit_code == 0, result.output
    got = [p["montant_journalier"] for p in json.loads(result.stdout)["paiements"]]
    assert got == [str(line.montant_journalier) for line in expected_lines(person)]


def test_empty_statement_says_so() -> None:
    result = invoke("paiements", *WINDOW, "--scenario", "sans_ij")
    assert result.exit_code == 0, result.output
    assert "No IJ payment" in result.stdout


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--scenario", "sans_scope"], 3, ["403", "scope"]),
        (["--scenario", "jeton_expire"], 3, ["401", "jeton_expire"]),
        (["--token", "sbx-unknown-token"], 3, ["401", "jeton_invalide"]),
        (["--scenario", "assure_inconnu"], 4, ["404", "assure_inconnu"]),
        (["--scenario", "limite_de_debit", "--max-attempts", "1"], 5, ["429", "retry after"]),
        (["--scenario", "no_such_scenario"], 2, ["--scenario"]),
        (["--token", "not a token"], 2, ["--token:"]),
        (["--scenario", "at_mp", "--token", SCENARIOS["maladie"].token], 2, ["different"]),
    ],
)
def test_api_refusals_exit_codes(args: list[str], code: int, words: list[str]) -> None:
    assert_one_line_error(invoke("paiements", *WINDOW, *args), code, *words)


@pytest.mark.parametrize(
    ("window", "word"),
    [
        (["--debut", "2025-07-01", "--fin", "2025-06-30"], "--debut (2025-07-01) is after --fin"),
        (["--debut", "2025-02-30", "--fin", "2025-06-30"], "--debut: not a valid calendar date"),
        (["--debut", "2025-01-01", "--fin", "tomorrow"], "--fin: expected an ISO date"),
    ],
)
def test_bad_window_exit_2(window: list[str], word: str) -> None:
    assert_one_line_error(invoke("paiements", *window), 2, word)


def test_missing_option_is_a_usage_error() -> None:
    result = invoke("paiements", "--debut", "2025-01-01")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.fixture
def real_api() -> Iterator[CnamDouble]:
    """A 'real' API at another host (the double behind a respx router there)."""
    double = CnamDouble()
    with respx_router(double, REAL_URL):
        yield double


def test_configured_api_is_used(real_api: CnamDouble) -> None:
    person = SCENARIOS["maternite"]
    env = {"APIJ_BASE_URL": REAL_URL, "APIJ_API_KEY": SANDBOX_API_KEY, "APIJ_TOKEN": person.token}
    result = invoke("paiements", *WINDOW, "--json", env=env)
    assert result.exit_code == 0, result.output
    got = [p["date_debut"] for p in json.loads(result.stdout)["paiements"]]
    assert got == [line.date_debut.isoformat() for line in expected_lines(person)]


def test_configured_api_with_a_wrong_key_exits_3(real_api: CnamDouble) -> None:
    env = {"APIJ_BASE_URL": REAL_URL, "APIJ_API_KEY": "wrong-key"}
    result = invoke("paiements", *WINDOW, "--token", SCENARIOS["maladie"].token, env=env)
    assert_one_line_error(result, 3, "API key", "cle_api_invalide")
    assert "wrong-key" not in result.output


@pytest.mark.parametrize(
    ("env", "word"),
    [
        ({"APIJ_BASE_URL": REAL_URL}, "APIJ_API_KEY"),
        ({"APIJ_BASE_URL": REAL_URL, "APIJ_API_KEY": "k"}, "--token"),
        (
            {"APIJ_BASE_URL": "http://api.example.test/v1", "APIJ_API_KEY": "k", "APIJ_TOKEN": "t"},
            "APIJ_BASE_URL: http:// would send",
        ),
    ],
    ids=["no-key", "no-token", "clear-http"],
)
def test_incomplete_or_unsafe_configuration_exits_2(env: dict[str, str], word: str) -> None:
    assert_one_line_error(invoke("paiements", *WINDOW, env=env), 2, word)


def test_a_scenario_against_a_configured_api_is_refused(real_api: CnamDouble) -> None:
    env = {"APIJ_BASE_URL": REAL_URL, "APIJ_API_KEY": SANDBOX_API_KEY, "APIJ_TOKEN": "t"}
    result = invoke("paiements", *WINDOW, "--scenario", "at_mp", env=env)
    assert_one_line_error(result, 2, "--scenario", "APIJ_BASE_URL")


def test_scenarios_lists_every_scenario() -> None:
    result = invoke("scenarios")
    assert result.exit_code == 0, result.output
    for name, person in SCENARIOS.items():
        assert name in result.stdout
        assert person.token in result.stdout


def test_sandbox_serves_the_double(monkeypatch: pytest.MonkeyPatch) -> None:
    import apij.double.sandbox as sandbox

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(sandbox, "serve", lambda **kwargs: calls.append(kwargs))
    result = invoke("sandbox", "--port", "8123")
    assert result.exit_code == 0, result.output
    assert calls == [{"host": "127.0.0.1", "port": 8123, "ready_file": None, "redirect_uris": ()}]


def test_sandbox_ready_file_and_redirect_uris(monkeypatch: pytest.MonkeyPatch) -> None:
    import apij.double.sandbox as sandbox

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(sandbox, "serve", lambda **kwargs: calls.append(kwargs))
    result = invoke(
        "sandbox", "--port", "0", "--ready-file", "r.json",
        "--redirect-uri", "https://a.example/cb", "--redirect-uri", "https://b.example/cb",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert calls == [
        {
            "host": "127.0.0.1",
            "port": 0,
            "ready_file": "r.json",
            "redirect_uris": ["https://a.example/cb", "https://b.example/cb"],
        }
    ]


@pytest.mark.parametrize(
    ("command", "hidden"),
    [
        # `apij.double` imports respx: without it, the package itself cannot be imported.
        (["paiements", "--debut", "2025-01-01", "--fin", "2025-06-30"], ("respx", "apij.double")),
        (["sandbox", "--port", "1"], ("uvicorn",)),
        (["sandbox", "--port", "1"], ("respx", "apij.double", "apij.double.sandbox")),
        (["proxy", "--upstream", "http://127.0.0.1:9/v1", "--port", "0"], ("uvicorn",)),
    ],
    ids=[
        "paiements-without-respx",
        "sandbox-without-uvicorn",
        "sandbox-without-respx",
        "proxy-without-uvicorn",
    ],
)
def test_missing_extra_is_a_one_line_usage_error(
    monkeypatch: pytest.MonkeyPatch, command: list[str], hidden: tuple[str, ...]
) -> None:
    # As installed without the extra: the dependency cannot be imported.
    for module in hidden:
        monkeypatch.setitem(sys.modules, module, None)
    extra = "proxy" if command[0] == "proxy" else "double"
    assert_one_line_error(invoke(*command), 2, f"pip install 'apij[{extra}]'")


def test_default_retries_print_nothing_but_the_statement() -> None:
    # `instable` answers 503 (Retry-After: 1) twice: the default policy retries, silently. In
    # its own process: under pytest the root logger has handlers, which would hide a library
    # that lets its retry warnings reach Python's last-resort stderr handler.
    env = {k: v for k, v in os.environ.items() if not k.startswith("APIJ_")}
    result = subprocess.run(
        [sys.executable, "-c", "from apij.cli import main; main()", "paiements", *WINDOW,
         "--scenario", "instable"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "32.87" in result.stdout


def _run_apij(*args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """The `apij` script's entry point in its own process (``prelude`` runs first)."""
    code = f"{prelude}\nimport sys\nsys.argv = ['apij', *sys.argv[1:]]\n"
    code += "from apij.__main__ import main\nmain()\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("APIJ_")}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("hidden", ["typer", "rich"])
def test_script_without_the_cli_extra_says_what_to_install(hidden: str) -> None:
    # As installed without the `cli` extra: the module cannot be imported.
    result = _run_apij("--help", prelude=f"import sys\nsys.modules[{hidden!r}] = None")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "apij: the command-line tool needs the cli extra: pip install 'apij[cli]'\n"
    )


def test_script_with_the_cli_extra_runs_the_cli() -> None:
    result = _run_apij("--help")
    assert result.returncode == 0, result.stderr
    for command in ("paiements", "scenarios", "sandbox"):
        assert command in result.stdout


def test_sandbox_on_a_port_in_use_is_one_line_and_exit_6() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = invoke("sandbox", "--port", str(port))
    assert_one_line_error(result, 6, f"port {port}", "already in use")


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000/v1"),
        ("0.0.0.0", "http://127.0.0.1:8000/v1"),  # noqa: S104 - the wildcard under test
        ("::", "http://[::1]:8000/v1"),
        ("::1", "http://[::1]:8000/v1"),
        ("localhost", "http://localhost:8000/v1"),
    ],
)
def test_the_announced_url_is_one_the_client_takes(host: str, url: str) -> None:
    # The sandbox and the proxy print where to reach them from this machine.
    assert local_url(host, 8000, "/v1") == url
    ApijClient(SANDBOX_API_KEY, base_url=url).close()  # loopback: http accepted


def test_sandbox_banner_comes_once_the_port_is_listening() -> None:
    # A real `apij sandbox` on a free port: the moment its first line is out, it must answer.
    process = subprocess.Popen(
        [sys.executable, "-m", "apij", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("APIJ sandbox (CNAM double) listening on http://127.0.0.1:")
        base_url = first.split(" listening on ")[1].strip()
        person = SCENARIOS["maladie"]
        response = httpx.get(
            f"{base_url}/me/paiements",
            params={"dateDebut": DEBUT.isoformat(), "dateFin": FIN.isoformat()},
            headers={"X-API-Key": SANDBOX_API_KEY, "Authorization": f"Bearer {person.token}"},
        )
        assert response.status_code == 200
    finally:
        process.terminate()
        process.communicate(timeout=10)


# --- the face's failures, one line each: a gateway 404 is a configuration error (2), a hostile
# Retry-After still a rate limit (5) ---------------------------------------------------------

GATEWAY_ENV = {
    "APIJ_BASE_URL": REAL_URL,
    "APIJ_API_KEY": "cli-partner-key",
    "APIJ_TOKEN": "cli-token",
}
ONE_ATTEMPT = ["--debut", "2025-01-01", "--fin", "2025-06-30", "--max-attempts", "1"]


@pytest.fixture
def gateway() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=REAL_URL, assert_all_mocked=True, using="httpx") as router:
        yield router


def run_against(router: respx.MockRouter, response: httpx.Response) -> tuple[int, str]:
    router.get("/me/paiements").mock(return_value=response)
    result = CliRunner().invoke(app, ["paiements", *ONE_ATTEMPT], env=GATEWAY_ENV)
    assert result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("apij: error: ")
    return result.exit_code, lines[0]


def test_a_gateway_404_is_a_configuration_error(gateway: respx.MockRouter) -> None:
    page = httpx.Response(404, text="<html>Not Found</html>", headers={"content-type": "text/html"})
    code, line = run_against(gateway, page)
    assert code == 2
    assert "base_url" in line


@pytest.mark.parametrize("value", ["7" * 400, "9" * 5000, "١٢"])
def test_a_hostile_retry_after_is_still_a_rate_limit(gateway: respx.MockRouter, value: str) -> None:
    limited = httpx.Response(
        429,
        json={"code": "trop_de_requetes", "message": "Slow down"},
        headers=[(b"retry-after", value.encode())],
    )
    code, line = run_against(gateway, limited)
    assert code == 5
    assert "rate limited" in line


# --- a contract that cannot be compiled ends the CLI with one line, not a traceback ----------


@pytest.fixture
def broken_contract(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The embedded contract with its success body's schema a reference to nothing."""
    contract = openapi.effective()
    operation = contract.operation(OPERATION_ID)
    broken = copy.deepcopy(dict(contract.document))
    raw = openapi.referenced(broken, broken["paths"][operation.path])[operation.method.lower()]
    success = next(str(r.status) for r in operation.responses if r.status and r.status < 300)
    for media in openapi.referenced(broken, raw["responses"][success])["content"].values():
        media["schema"] = {"$ref": "#/components/schemas/Absent"}
    monkeypatch.setattr(_contract, "effective", lambda: openapi.read(broken))
    _contract.face_operation.cache_clear()
    yield
    _contract.face_operation.cache_clear()


@pytest.mark.usefixtures("broken_contract")
def test_an_uncompilable_contract_is_one_line_on_stderr() -> None:
    result = CliRunner().invoke(app, ["paiements", "--debut", "2025-01-01", "--fin", "2025-06-30"])
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("apij: error: dangling $ref '#/components/schemas/Absent'")
    assert "Traceback" not in result.output
