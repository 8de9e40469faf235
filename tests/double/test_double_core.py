"""The core's behaviour, door-independent: auth order, scenarios, parameters, windows, gateway."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apij._contract import OPERATION_ID
from apij.double import SANDBOX_API_KEY, SANDBOX_BASE_URL, SCENARIOS, CnamDouble, Person
from apij.double.httpx_door import handle
from apij.double.strategies import windows
from apij.openapi import effective, referenced

URL = f"{SANDBOX_BASE_URL}/me/paiements"
WINDOW = {"dateDebut": "2025-01-01", "dateFin": "2025-06-30"}
Auth = Callable[..., dict[str, str]]
Check = Callable[[httpx.Response], None]


def get(
    double: CnamDouble,
    headers: dict[str, str],
    params: dict[str, str] | None = None,
    url: str = URL,
    method: str = "GET",
) -> httpx.Response:
    response = handle(double, httpx.Request(method, url, params=params, headers=headers))
    response.read()
    return response


# name, status, code (errors) or number of lines in 2025-01-01..2025-06-30, counted by hand
# from each scenario's stoppages (3 waiting days for sickness, lines of at most 14 days).
TABLE = [
    ("maladie", 200, 3),
    ("maladie_plafond_avril_2025", 200, 5),
    ("at_mp", 200, 5),
    ("maternite", 200, 8),
    ("paternite", 200, 2),
    ("sans_ij", 200, 0),
    ("assure_inconnu", 404, "assure_inconnu"),
    ("sans_scope", 403, "scope_insuffisant"),
    ("jeton_expire", 401, "jeton_expire"),
    ("limite_de_debit", 429, "trop_de_requetes"),
    ("instable", 503, "service_indisponible"),
]


def test_the_table_covers_every_committed_scenario() -> None:
    assert {row[0] for row in TABLE} | {"historique_long"} == set(SCENARIOS)
    assert len(SCENARIOS) >= 8


@pytest.mark.parametrize(("name", "status", "expected"), TABLE)
def test_each_scenario_answers_as_documented(
    double: CnamDouble, auth: Auth, spec_check: Check, name: str, status: int, expected: object
) -> None:
    response = get(double, auth(name), WINDOW)
    assert response.status_code == status
    spec_check(response)
    body = response.json()
    if status == 200:
        assert len(body["paiements"]) == expected
        assert (body["date_debut"], body["date_fin"]) == ("2025-01-01", "2025-06-30")
    else:
        assert body["code"] == expected


def test_amounts_are_serialised_exactly(double: CnamDouble, auth: Auth) -> None:
    response = get(double, auth("maladie"), WINDOW)
    assert b'"montant_journalier":32.87,"csg":28.53,"crds":2.30' in response.content
    lines = json.loads(response.content, parse_float=Decimal)["paiements"]
    assert lines[1]["montant_journalier"] * lines[1]["nombre_jours"] == Decimal("460.18")


def test_long_history_spans_years_with_hundreds_of_sorted_lines(
    double: CnamDouble, auth: Auth, spec_check: Check
) -> None:
    response = get(
        double, auth("historique_long"), {"dateDebut": "2010-01-01", "dateFin": "2030-12-31"}
    )
    spec_check(response)
    lines = response.json()["paiements"]
    assert len(lines) >= 200
    starts = [line["date_debut"] for line in lines]
    assert starts == sorted(starts)
    assert int(lines[-1]["date_fin"][:4]) - int(lines[0]["date_debut"][:4]) >= 5


# --- credentials, in the gateway's order -------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "not-a-partner", SANDBOX_API_KEY.upper()])
def test_api_key_is_checked_first(double: CnamDouble, spec_check: Check, key: str | None) -> None:
    headers = {"Authorization": "Bearer definitely-unknown"}
    if key is not None:
        headers["X-API-Key"] = key
    response = get(double, headers, {"dateDebut": "bad"})
    assert response.status_code == 401
    assert response.json()["code"] == "cle_api_invalide"
    spec_check(response)


def test_header_names_are_case_insensitive(double: CnamDouble) -> None:
    headers = {
        "x-api-key": SANDBOX_API_KEY,
        "authorization": f"bearer {SCENARIOS['maladie'].token}",
    }
    assert get(double, headers, WINDOW).status_code == 200


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "jeton_absent"),
        ("", "jeton_invalide"),
        ("Bearer", "jeton_invalide"),
        ("Bearer two words", "jeton_invalide"),
        ("Basic dXNlcjpwYXNz", "jeton_invalide"),
        ("Bearer tok!en@x", "jeton_invalide"),
        ("Bearer unknown-but-well-formed-token", "jeton_invalide"),
    ],
)
def test_token_problems_are_401_invalid_token(
    double: CnamDouble, spec_check: Check, authorization: str | None, code: str
) -> None:
    headers = {"X-API-Key": SANDBOX_API_KEY}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = get(double, headers, WINDOW)
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.headers["www-authenticate"].startswith("Bearer ")
    spec_check(response)


def test_expiry_follows_the_clock() -> None:
    person = Person(
        name="horloge",
        token="tok-horloge-123456",
        token_expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    current = [datetime(2029, 12, 31, 23, 59, tzinfo=UTC)]
    double = CnamDouble([person], now=lambda: current[0])
    headers = {"X-API-Key": SANDBOX_API_KEY, "Authorization": "Bearer tok-horloge-123456"}
    assert get(double, headers, WINDOW).status_code == 200
    current[0] = datetime(2030, 1, 1, tzinfo=UTC)
    response = get(double, headers, WINDOW)
    assert (response.status_code, response.json()["code"]) == (401, "jeton_expire")


def test_scope_is_checked_before_the_person_and_the_person_before_parameters() -> None:
    ghost = Person(
        name="g", token="tok-ghost-000001", scopes=frozenset({"openid"}), known_to_cnam=False
    )
    stranger = Person(name="s", token="tok-stranger-0001", known_to_cnam=False)
    double = CnamDouble([ghost, stranger])
    bad_params = {"dateDebut": "nope"}
    first = get(
        double,
        {"X-API-Key": SANDBOX_API_KEY, "Authorization": "Bearer tok-ghost-000001"},
        bad_params,
    )
    assert (first.status_code, first.json()["code"]) == (403, "scope_insuffisant")
    assert 'scope="cnam_paiements_ij"' in first.headers["www-authenticate"]
    second = get(
        double,
        {"X-API-Key": SANDBOX_API_KEY, "Authorization": "Bearer tok-stranger-0001"},
        bad_params,
    )
    assert (second.status_code, second.json()["code"]) == (404, "assure_inconnu")


def test_a_person_key_is_accepted_and_errors_never_leak_secrets(double: CnamDouble) -> None:
    person = Person(name="own", token="tok-own-key-000001", api_key="partner-own-key-42")
    double.add_person(person)
    ok = get(
        double,
        {"X-API-Key": "partner-own-key-42", "Authorization": "Bearer tok-own-key-000001"},
        WINDOW,
    )
    assert ok.status_code == 200
    assert "tok-own-key" not in repr(person)
    assert "partner-own-key" not in repr(person)
    refused = get(
        double,
        {"X-API-Key": "partner-own-key-43", "Authorization": "Bearer tok-own-key-000001"},
        WINDOW,
    )
    assert b"partner-own-key" not in refused.content
    assert b"tok-own" not in refused.content


# --- parameters --------------------------------------------------------------------------------


def _optional(name: str) -> Any:
    # The window is required by the reconstruction, optional in CNAM's house style.
    parameters = {p.name: p for p in effective().operation(OPERATION_ID).parameters}
    parameter = parameters.get(name)
    return pytest.mark.skipif(
        parameter is None or not parameter.required, reason=f"the contract makes {name} optional"
    )


@pytest.mark.parametrize(
    ("params", "mention"),
    [
        pytest.param({}, "dateDebut", marks=_optional("dateDebut")),
        pytest.param({"dateDebut": "2025-01-01"}, "dateFin", marks=_optional("dateFin")),
        ({"dateDebut": "2025-13-01", "dateFin": "2025-06-30"}, "dateDebut"),
        ({"dateDebut": "2025-01-01", "dateFin": "2025-02-30"}, "dateFin"),
        ({"dateDebut": "", "dateFin": "2025-06-30"}, "dateDebut"),
        ({"dateDebut": "0000-01-01", "dateFin": "2025-06-30"}, "dateDebut"),
        (
            {"dateDebut": "2025-07-01", "dateFin": "2025-06-30"},
            "dateDebut (2025-07-01) must not be after dateFin (2025-06-30)",
        ),
    ],
)
def test_bad_parameters_are_400_with_a_clear_message(
    double: CnamDouble, auth: Auth, spec_check: Check, params: dict[str, str], mention: str
) -> None:
    response = get(double, auth("maladie"), params)
    assert response.status_code == 400
    assert response.json()["code"] == "requete_invalide"
    assert mention in response.json()["message"]
    spec_check(response)


@pytest.mark.parametrize(
    ("date_debut", "date_fin", "expected"),
    [
        # Lines of "maladie": 01-16..01-26, 03-04..03-17, 03-18..03-31.
        ("2025-03-10", "2025-03-10", [("2025-03-04", "2025-03-17")]),
        ("2025-02-01", "2025-03-04", [("2025-03-04", "2025-03-17")]),
        ("2025-03-17", "2025-03-18", [("2025-03-04", "2025-03-17"), ("2025-03-18", "2025-03-31")]),
        ("2025-03-31", "2025-12-31", [("2025-03-18", "2025-03-31")]),
        ("2025-01-27", "2025-03-03", []),
        ("2024-01-01", "2024-12-31", []),
    ],
)
def test_intersecting_lines_come_back_whole(
    double: CnamDouble, auth: Auth, date_debut: str, date_fin: str, expected: list[tuple[str, str]]
) -> None:
    body = get(double, auth("maladie"), {"dateDebut": date_debut, "dateFin": date_fin}).json()
    assert [(line["date_debut"], line["date_fin"]) for line in body["paiements"]] == expected
    assert (body["date_debut"], body["date_fin"]) == (date_debut, date_fin)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(window=windows())
def test_window_property_on_the_long_history(
    double: CnamDouble, auth: Auth, window: tuple[date, date]
) -> None:
    date_debut, date_fin = window
    body = get(
        double,
        auth("historique_long"),
        {"dateDebut": date_debut.isoformat(), "dateFin": date_fin.isoformat()},
    ).json()
    expected = [
        (line.date_debut.isoformat(), line.date_fin.isoformat())
        for line in SCENARIOS["historique_long"].paiements
        if line.date_debut <= date_fin and line.date_fin >= date_debut
    ]
    assert [(line["date_debut"], line["date_fin"]) for line in body["paiements"]] == expected


@functools.cache
def _openapi_core_validator() -> Any:
    """openapi-core, the reference: slow (ms per call) but an independent reading of the spec."""
    from apij_client.spec import SPEC
    from openapi_core import OpenAPI
    from openapi_core.validation.request.validators import (
        V30RequestParametersValidator,
        V31RequestParametersValidator,
    )

    validator = (
        V31RequestParametersValidator
        if str(SPEC["openapi"]).startswith("3.1")
        else V30RequestParametersValidator
    )
    return validator(OpenAPI.from_dict(SPEC).spec)


_VALUES = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from(
        [
            "0000-01-01",
            "2024-02-29",
            "2025-02-29",
            "20250101",
            "2025-01-01T00:00:00",
            "2025-1-01",
            " 2025-01-01",
            "",
        ]
    ),
    st.text(max_size=12),
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(date_debut=st.none() | _VALUES, date_fin=st.none() | _VALUES)
def test_parameter_validation_agrees_with_openapi_core(
    double: CnamDouble, auth: Auth, date_debut: str | None, date_fin: str | None
) -> None:
    from openapi_core.testing import MockRequest

    query = {k: v for k, v in (("dateDebut", date_debut), ("dateFin", date_fin)) if v is not None}
    validator = _openapi_core_validator()
    server = httpx.URL(effective().servers[0])
    request = MockRequest(
        f"{server.scheme}://{server.host}", "get", f"{server.path}/me/paiements", args=query
    )
    spec_valid = not list(validator.iter_errors(request))
    ordered = False
    if spec_valid:
        # An absent (optional) bound takes CNAM's documented default: today, start + 1 year.
        start = date.fromisoformat(query.get("dateDebut", datetime.now(UTC).date().isoformat()))
        end = query.get("dateFin")
        ordered = end is None or start <= date.fromisoformat(end)
    response = handle(
        double, httpx.Request("GET", f"{URL}?{urlencode(query)}", headers=auth("maladie"))
    )
    assert response.status_code == (200 if ordered else 400)


# --- outside the contract ----------------------------------------------------------------------


def test_unknown_paths_and_methods_are_answered_like_a_gateway(
    double: CnamDouble, auth: Auth
) -> None:
    assert get(double, auth("maladie"), url=f"{SANDBOX_BASE_URL}/me/autre").status_code == 404
    assert (
        get(double, auth("maladie"), url="https://partenaires.api.ameli.fr/ailleurs").status_code
        == 404
    )
    for method in ("POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"):
        response = get(double, auth("maladie"), WINDOW, method=method)
        assert response.status_code == 405
        assert response.headers["allow"] == "GET"


_HEADER_VALUES = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(["GET", "POST", "HEAD", "DELETE", "BREW"]),
    path=st.sampled_from(["/me/paiements", "/me/paiements/", "/", "", "/me", "/me/paiements/x"])
    | st.text(alphabet="abc/%.-_", max_size=12).map(lambda p: "/" + p),
    query=st.dictionaries(st.sampled_from(["dateDebut", "dateFin", "x"]), _VALUES, max_size=3),
    key=st.sampled_from([SANDBOX_API_KEY, "other"]) | _HEADER_VALUES,
    authorization=st.sampled_from([f"Bearer {p.token}" for p in SCENARIOS.values()])
    | _HEADER_VALUES,
)
def test_no_input_ever_yields_a_500(
    double: CnamDouble,
    spec_check: Check,
    method: str,
    path: str,
    query: dict[str, str],
    key: str,
    authorization: str,
) -> None:
    double.clear_faults()  # the "instable" scenario would otherwise answer 503 by design
    url = httpx.URL(SANDBOX_BASE_URL + path).copy_with(query=urlencode(query).encode())
    response = handle(
        double,
        httpx.Request(method, url, headers={"X-API-Key": key, "Authorization": authorization}),
    )
    response.read()
    assert response.status_code in {200, 400, 401, 403, 404, 405, 429}
    # Answers of the documented operation (not gateway 404s) must match the spec.
    operation = method == "GET" and url.path == f"{httpx.URL(SANDBOX_BASE_URL).path}/me/paiements"
    if operation:
        spec_check(response)


# --- the spec drives the double ----------------------------------------------------------------


def test_an_optional_window_takes_the_documented_defaults(auth: Auth) -> None:
    import copy

    from apij_client.spec import SPEC

    from apij.openapi import read

    spec = copy.deepcopy(SPEC)
    for item in spec["paths"].values():
        for operation in item.values():
            for raw in operation.get("parameters", []) if isinstance(operation, dict) else []:
                # CNAM's house style: dateDebut and dateFin optional.
                referenced(spec, raw)["required"] = False
    today = datetime(2025, 3, 10, 9, tzinfo=UTC)
    double = CnamDouble(contract=read(spec), now=lambda: today)
    both = get(double, auth("maladie")).json()
    assert (both["date_debut"], both["date_fin"]) == ("2025-03-10", "2026-03-10")
    assert [line["date_debut"] for line in both["paiements"]] == ["2025-03-04", "2025-03-18"]
    leap = get(double, auth("maladie"), {"dateDebut": "2024-02-29"}).json()
    assert (leap["date_debut"], leap["date_fin"]) == ("2024-02-29", "2025-02-28")
    end_only = get(double, auth("maladie"), {"dateFin": "2025-03-20"}).json()
    assert (end_only["date_debut"], end_only["date_fin"]) == ("2025-03-10", "2025-03-20")
    assert get(double, auth("maladie"), {"dateFin": "2025-03-01"}).status_code == 400


def test_a_spec_change_moves_the_double(auth: Auth) -> None:
    import copy

    from apij_client.spec import SPEC

    from apij.openapi import read

    spec = copy.deepcopy(SPEC)
    operation = spec["paths"].pop("/me/paiements")
    operation["get"]["parameters"].append(
        {
            "name": "canal",
            "in": "query",
            "required": True,
            "schema": {"type": "string", "enum": ["web"]},
        }
    )
    spec["paths"]["/me/ij"] = operation
    double = CnamDouble(contract=read(spec))
    moved = f"{SANDBOX_BASE_URL}/me/ij"
    assert get(double, auth("maladie"), WINDOW).status_code == 404  # the old path is gone
    missing = get(double, auth("maladie"), WINDOW, url=moved)
    assert missing.status_code == 400
    assert "canal" in missing.json()["message"]
    wrong = get(double, auth("maladie"), {**WINDOW, "canal": "fax"}, url=moved)
    assert wrong.status_code == 400
    assert get(double, auth("maladie"), {**WINDOW, "canal": "web"}, url=moved).status_code == 200
