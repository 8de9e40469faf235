"""The `apij` command: IJ statements from the real API or the built-in double; sandbox; proxy.

Exit codes: 0 success; 2 usage or bad input (including a 400 from the API, a gateway 404 that
says the base URL is wrong, missing configuration and a missing extra); 3 credentials or scope
refused (401, 403); 4 insured person not found (404 assure_inconnu); 5 rate limited, server
error, unexpected response, timeout or connection failure; 6 the sandbox or the proxy cannot
listen (port in use, address not available).

Needs the ``cli`` extra (typer, rich); the ``apij`` script itself is ``apij.__main__``, which
says so in one line when the extra is missing.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from apij import errors
from apij.client import ApijClient
from apij.config import RetryPolicy, Timeouts
from apij.models import ReleveIJ

__all__ = ["EXIT_CODES", "app", "exit_code_for", "main"]

ENV_BASE_URL = "APIJ_BASE_URL"
ENV_API_KEY = "APIJ_API_KEY"
ENV_TOKEN = "APIJ_TOKEN"  # noqa: S105 - the variable's name, not a secret

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_NOT_FOUND = 4
EXIT_UNAVAILABLE = 5
EXIT_CANNOT_LISTEN = 6
EXIT_CODES: dict[type[BaseException], int] = {
    ValueError: EXIT_USAGE,
    errors.InvalidRequest: EXIT_USAGE,
    errors.EndpointNotFound: EXIT_USAGE,  # a gateway 404: the configured base URL is wrong
    errors.Unauthorized: EXIT_REFUSED,
    errors.ScopeMissing: EXIT_REFUSED,
    errors.InsuredPersonNotFound: EXIT_NOT_FOUND,
    errors.ApijError: EXIT_UNAVAILABLE,
}

app = typer.Typer(
    name="apij",
    help="CNAM API Indemnités Journalières: statements, sandbox and scenarios.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code for an error (most specific class wins)."""
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1


# The client's argument names, as the command's user knows them.
_CLI_NAMES = {
    "date_debut": "--debut",
    "date_fin": "--fin",
    "fc_token": "--token",
    "api_key": ENV_API_KEY,
    "base_url": ENV_BASE_URL,
}
_ARGUMENT = re.compile(rf"\b({'|'.join(_CLI_NAMES)})\b")


def _in_cli_terms(message: str) -> str:
    """A client's error message naming options and variables instead of Python arguments."""
    return _ARGUMENT.sub(lambda match: _CLI_NAMES[match.group(1)], message)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"apij: error: {message}", err=True)
    raise typer.Exit(code)


def _console() -> Console:
    # Not a terminal (pipes, tests): a fixed width so the table never wraps its figures.
    return Console(width=None if sys.stdout.isatty() else 120, highlight=False)


def _euros(montant: Decimal) -> str:
    return f"{montant:.2f}"


def releve_as_dict(releve: ReleveIJ) -> dict[str, Any]:
    """The statement as JSON-ready data; amounts are exact decimal strings ("32.87")."""
    return {
        "date_debut": releve.date_debut.isoformat(),
        "date_fin": releve.date_fin.isoformat(),
        "paiements": [
            {
                "date_debut": p.date_debut.isoformat(),
                "date_fin": p.date_fin.isoformat(),
                "nombre_jours": p.nombre_jours,
                "montant_journalier": str(p.montant_journalier),
                "brut": str(p.brut),
                "csg": str(p.csg),
                "crds": str(p.crds),
                "net": str(p.net),
            }
            for p in releve.paiements
        ],
        "totaux": {
            "nombre_jours": releve.total_jours,
            "brut": str(releve.total_brut),
            "csg": str(releve.total_csg),
            "crds": str(releve.total_crds),
            "net": str(releve.total_net),
        },
    }


def _table(releve: ReleveIJ, source: str) -> Table:
    table = Table(
        title=f"IJ du {releve.date_debut.isoformat()} au {releve.date_fin.isoformat()}",
        caption=source,
        show_footer=bool(releve.paiements),
    )
    right: dict[str, Any] = {"justify": "right"}
    table.add_column("Du", footer="Total")
    table.add_column("Au")
    table.add_column("Jours", footer=str(releve.total_jours), **right)
    table.add_column("Montant journalier €", **right)
    table.add_column("Brut €", footer=_euros(releve.total_brut), **right)
    table.add_column("CSG €", footer=_euros(releve.total_csg), **right)
    table.add_column("CRDS €", footer=_euros(releve.total_crds), **right)
    table.add_column("Net €", footer=_euros(releve.total_net), **right)
    for p in releve.paiements:
        table.add_row(
            p.date_debut.isoformat(),
            p.date_fin.isoformat(),
            str(p.nombre_jours),
            _euros(p.montant_journalier),
            _euros(p.brut),
            _euros(p.csg),
            _euros(p.crds),
            _euros(p.net),
        )
    return table


@contextmanager
def _double_target(token: str | None, scenario: str | None) -> Iterator[tuple[str, str, str, str]]:
    """Base URL, API key, token and a label for the built-in double, its router active."""
    try:
        from apij.double import (
            DEFAULT_SCENARIO,
            SANDBOX_API_KEY,
            SANDBOX_BASE_URL,
            SCENARIOS,
            CnamDouble,
            respx_router,
        )
    except ImportError:
        _fail(
            f"no {ENV_BASE_URL} set and the built-in double is not installed "
            "(pip install 'apij[double]')",
            EXIT_USAGE,
        )
    if scenario is not None and scenario not in SCENARIOS:
        _fail(f"--scenario: unknown scenario (see `apij scenarios`): {scenario}", EXIT_USAGE)
    if scenario is not None and token is not None and token != SCENARIOS[scenario].token:
        _fail(
            f"--scenario {scenario} and --token (or {ENV_TOKEN}) name different people; "
            "give one of them",
            EXIT_USAGE,
        )
    name = scenario or DEFAULT_SCENARIO
    if token is None:
        token = SCENARIOS[name].token
    elif scenario is None:
        name = next((n for n, p in SCENARIOS.items() if p.token == token), "unknown token")
    with respx_router(CnamDouble(), SANDBOX_BASE_URL):
        yield SANDBOX_BASE_URL, SANDBOX_API_KEY, token, f"built-in CNAM double, scenario {name}"


@contextmanager
def _real_target(base_url: str, token: str | None) -> Iterator[tuple[str, str, str, str]]:
    api_key = os.environ.get(ENV_API_KEY, "")
    if not api_key:
        _fail(f"{ENV_BASE_URL} is set but {ENV_API_KEY} is not", EXIT_USAGE)
    if not token:
        _fail(f"--token (or {ENV_TOKEN}) is required against {ENV_BASE_URL}", EXIT_USAGE)
    yield base_url, api_key, token, base_url


@app.command()
def paiements(
    debut: Annotated[str, typer.Option("--debut", help="First day of the window (YYYY-MM-DD).")],
    fin: Annotated[str, typer.Option("--fin", help="Last day of the window (YYYY-MM-DD).")],
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar=ENV_TOKEN,
            show_envvar=True,
            help="The user's FranceConnect access token (with the double: a scenario's token).",
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="With the built-in double: the scenario to query."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (amounts as exact decimal strings).")
    ] = False,
    max_attempts: Annotated[
        int, typer.Option("--max-attempts", min=1, help="Attempts, retries included.")
    ] = RetryPolicy().max_attempts,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.001, help="Total deadline of the call (s).")
    ] = Timeouts().total,
) -> None:
    """Print a user's IJ payments over a window, as a table or JSON.

    Against the real API when APIJ_BASE_URL and APIJ_API_KEY are set; otherwise against the
    built-in CNAM double (default scenario, or --scenario / --token).
    """
    base_url = os.environ.get(ENV_BASE_URL, "").strip()
    if base_url and scenario is not None:
        _fail(f"--scenario is for the built-in double, but {ENV_BASE_URL} is set", EXIT_USAGE)
    target: AbstractContextManager[tuple[str, str, str, str]] = (
        _real_target(base_url, token) if base_url else _double_target(token, scenario)
    )
    try:
        default = Timeouts()
        timeouts = Timeouts(
            connect=min(default.connect, timeout), read=min(default.read, timeout), total=timeout
        )
        retry = RetryPolicy(max_attempts=max_attempts)
        with (
            target as (url, api_key, fc_token, source),
            ApijClient(api_key, base_url=url, timeouts=timeouts, retry=retry) as client,
        ):
            releve = client.paiements(fc_token, date_debut=debut, date_fin=fin)
    except ValueError as exc:
        _fail(_in_cli_terms(str(exc)), exit_code_for(exc))
    except errors.ApijError as exc:
        _fail(str(exc), exit_code_for(exc))
    if as_json:
        typer.echo(json.dumps(releve_as_dict(releve), ensure_ascii=False, indent=2))
        return
    console = _console()
    if not releve.paiements:
        console.print(f"No IJ payment between {debut} and {fin} ({source}).")
        return
    console.print(_table(releve, source))


@app.command()
def scenarios() -> None:
    """List the built-in double's scenarios (name, FranceConnect token, description)."""
    try:
        from apij.double import SCENARIOS
    except ImportError:
        _fail("the built-in double is not installed (pip install 'apij[double]')", EXIT_USAGE)
    table = Table(title="CNAM double scenarios (synthetic people)")
    table.add_column("Scenario")
    table.add_column("Token (--token)")
    table.add_column("Description")
    for name, person in SCENARIOS.items():
        table.add_row(name, person.token, person.description)
    _console().print(table)


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (0: any free port).")] = 8000,
    ready_file: Annotated[
        str | None,
        typer.Option(
            help="Once listening, write a JSON object (base_url, api_key, "
            "franceconnect issuer/client_id/client_secret, people) to this file."
        ),
    ] = None,
    redirect_uri: Annotated[
        list[str] | None,
        typer.Option(
            help="A redirect URI to register for the partner at the FranceConnect "
            "double (repeatable; any loopback port is always allowed)."
        ),
    ] = None,
) -> None:
    """Serve the CNAM double and a FranceConnect double (under /api/v2) over HTTP."""
    from apij._serving import CannotListen

    try:
        from apij.double.sandbox import serve  # the double needs respx

        serve(host=host, port=port, ready_file=ready_file, redirect_uris=redirect_uri or ())
    except ImportError:  # and uvicorn is imported when the server is built
        _fail("the sandbox needs the double's extras (pip install 'apij[double]')", EXIT_USAGE)
    except CannotListen as exc:
        _fail(str(exc), EXIT_CANNOT_LISTEN)


@app.command()
def proxy(
    upstream: Annotated[
        str, typer.Option(help="The API base URL to forward to (CNAM's gateway, or a sandbox).")
    ],
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (0: any free port).")] = 8080,
    report: Annotated[
        Path | None,
        typer.Option(
            help="JSON Lines file for the report, one record per exchange (stdout if unset)."
        ),
    ] = None,
    max_connections: Annotated[
        int,
        typer.Option(
            min=1,
            help="Upstream connections kept open at most (exchanges upstream at once); more "
            "wait for one to come back.",
        ),
    ] = 256,
    upstream_read_timeout: Annotated[
        float,
        typer.Option(
            min=0.001,
            help="Seconds the upstream may stay silent (before its answer, or mid-body).",
        ),
    ] = 30.0,
    annotate: Annotated[
        bool,
        typer.Option(
            help="Add an apij-violations header to each answer: the count and the rule ids."
        ),
    ] = False,
    enforce: Annotated[
        bool,
        typer.Option(
            help="Answer an upstream answer that breaks the contract with a 502 problem+json "
            "naming the violations, instead of relaying it."
        ),
    ] = False,
) -> None:
    """Forward every call to UPSTREAM unchanged and report how each breaks the contract.

    Point your client's base URL at the printed address. Each exchange adds one JSON line to
    the report: time, method, path, status, duration and its violations (where, JSON path,
    rule). Credentials pass through; no value is ever written. --annotate and --enforce tell
    the client on the spot (both off: the answer is relayed unchanged).
    """
    from apij._serving import CannotListen

    try:
        from apij.proxy import serve as serve_proxy

        serve_proxy(
            upstream,
            host=host,
            port=port,
            report=report,
            announce=lambda url: typer.echo(f"apij proxy: use base URL {url}", err=True),
            max_connections=max_connections,
            read_timeout=upstream_read_timeout,
            annotate=annotate,
            enforce=enforce,
        )
    except ImportError:  # uvicorn is imported when the server is built
        _fail("the proxy needs a server: pip install 'apij[proxy]'", EXIT_USAGE)
    except CannotListen as exc:
        _fail(str(exc), EXIT_CANNOT_LISTEN)
    except ValueError as exc:
        _fail(str(exc), EXIT_USAGE)


def main() -> None:
    """Console-script entry point."""
    app()
