"""Generated people go through the double like committed ones: the strategies make valid data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import pairwise

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apij.double import SANDBOX_API_KEY, SANDBOX_BASE_URL, Arret, CnamDouble, Person
from apij.double.httpx_door import handle
from apij.double.strategies import historiques, people, windows

URL = f"{SANDBOX_BASE_URL}/me/paiements"
Check = Callable[[httpx.Response], None]


def _ask(double: CnamDouble, person: Person, date_debut: date, date_fin: date) -> httpx.Response:
    params = {"dateDebut": date_debut.isoformat(), "dateFin": date_fin.isoformat()}
    headers = {"X-API-Key": SANDBOX_API_KEY, "Authorization": f"Bearer {person.token}"}
    response = handle(double, httpx.Request("GET", URL, params=params, headers=headers))
    response.read()
    return response


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(people(), min_size=1, max_size=4, unique_by=lambda p: p.token), windows())
def test_generated_people_get_spec_valid_answers(
    spec_check: Check, people_: list[Person], window: tuple[date, date]
) -> None:
    double = CnamDouble(people_)
    for person in people_:
        response = _ask(double, person, *window)
        assert response.status_code == 200
        spec_check(response)
        date_debut, date_fin = window
        got = [(p["date_debut"], p["date_fin"]) for p in response.json()["paiements"]]
        assert got == [
            (line.date_debut.isoformat(), line.date_fin.isoformat())
            for line in person.paiements
            if line.date_debut <= date_fin and line.date_fin >= date_debut
        ]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people(valid_session=False))
def test_generated_broken_sessions_are_refused(spec_check: Check, person: Person) -> None:
    response = _ask(CnamDouble([person]), person, date(2018, 1, 1), date(2026, 12, 31))
    assert response.status_code in {401, 403, 404}
    spec_check(response)


@settings(max_examples=40, deadline=None)
@given(historiques())
def test_histories_never_overlap(arrets: tuple[Arret, ...]) -> None:
    assert all(a.date_fin < b.date_debut for a, b in pairwise(arrets))
    lignes = Person(name="h", token="tok-history-0001", arrets=arrets).paiements
    assert all(a.date_fin < b.date_debut for a, b in pairwise(lignes))
