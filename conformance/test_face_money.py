"""The face over contract-generated bodies: exact Decimal money, derived figures, documented
errors."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, Inexact, localcontext
from typing import Any

import anyio
import httpx
import hypothesis.strategies as st
import pytest
import respx
from hypothesis import assume, given, note

from apij import ApijClient, AsyncApijClient, RetryPolicy, UnexpectedResponse, errors
from apij._decode import MAX_DIGITS
from apij.openapi import Response
from conformance._bodies import Literal, is_valid_text, mutated, render, with_literals
from conformance._generation import response_headers, valid_instances
from conformance._support import paiements, property_settings, server, success, validator

SERVER = server()
PAIEMENTS = paiements()
SUCCESS = success(PAIEMENTS)
SUCCESS_STATUS = SUCCESS.status or 200
assert SUCCESS.schema is not None, "the success response documents no body"
BODY_SCHEMA: dict[str, Any] = SUCCESS.schema
# The face reads the statement's `paiements` lines: their schema, as the contract states it.
LINE_SCHEMA: dict[str, Any] = BODY_SCHEMA["properties"]["paiements"]["items"]
ERROR_RESPONSES = [r for r in PAIEMENTS.responses if r.status is not None and r.status >= 400]
ERRORS = [pytest.param(r, id=str(r.status)) for r in ERROR_RESPONSES]
VALID_BODIES = valid_instances(BODY_SCHEMA)
# The spec bounds neither nombre_jours nor amounts: the money properties hold at any magnitude
# (Python's default 28-digit context would round beyond that), so expectations are computed in
# an exact context that traps any rounding.
EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Inexact])
ERROR_BODIES = {r.status: valid_instances(r.schema) for r in ERROR_RESPONSES if r.schema}
ERROR_HEADERS = {r.status: response_headers(r) for r in ERROR_RESPONSES}
BUDGET = property_settings().max_examples
TOKEN = "conformance.user-token"


@dataclass
class Served:
    """What the mocked gateway answers next (one route, swapped per example)."""

    status: int = 200
    text: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def respond(self, request: httpx.Request) -> httpx.Response:
        # Each status in the media type its own response documents.
        documented = PAIEMENTS.response(self.status)
        media = next(iter(documented.media_types if documented else ()), "application/json")
        headers = {"content-type": media, **self.headers}
        return httpx.Response(self.status, content=self.text.encode(), headers=headers)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    answer = Served()
    # using="httpx": the async face sends through aiohttp, which httpcore patching never sees.
    with respx.mock(
        base_url=SERVER, assert_all_mocked=True, assert_all_called=False, using="httpx"
    ) as router:
        router.route().mock(side_effect=answer.respond)
        yield answer


@pytest.fixture(scope="module")
def face() -> Iterator[ApijClient]:
    # No retries: each example judges exactly one response. verify off: respx answers first.
    with ApijClient("partner-key", base_url=SERVER, retry=RetryPolicy.none(), verify=False) as c:
        yield c


def _call(face: ApijClient) -> Any:
    return face.paiements(TOKEN, date_debut="2025-01-01", date_fin="2025-06-30")


def _expected(value: Any, schema: dict[str, Any]) -> Any:
    """The Python value a JSON node must come out as: Decimal of the literal, date, int, str."""
    if isinstance(value, Literal):
        return Decimal(value.text)
    if schema.get("format") == "date":
        return datetime.date.fromisoformat(value)
    return value


@property_settings(BUDGET)
@given(data=st.data())
def test_amounts_are_decimals_equal_to_the_json_literals(
    served: Served, face: ApijClient, data: st.DataObject
) -> None:
    body = data.draw(VALID_BODIES, "body")
    written = data.draw(with_literals(body, BODY_SCHEMA), "literals")
    served.status, served.text, served.headers = SUCCESS_STATUS, render(written), {}
    note(f"served: {served.text}")
    if not within_the_face_bounds(written):
        # Valid, but beyond what the face converts (10^100): refused, typed, at once.
        with pytest.raises(UnexpectedResponse, match="number beyond the face's bounds"):
            _call(face)
        return
    releve = _call(face)

    assert releve.date_debut == datetime.date.fromisoformat(written["date_debut"])
    assert releve.date_fin == datetime.date.fromisoformat(written["date_fin"])
    assert len(releve.paiements) == len(written["paiements"])
    required = set(LINE_SCHEMA.get("required", ()))
    for line, paiement in zip(written["paiements"], releve.paiements, strict=True):
        for name, value in line.items():
            # A required field must be on the face; an optional one the face may not know yet
            # (a newer contract), but whatever it exposes must be right.
            if name not in required and not hasattr(paiement, name):
                continue
            got = getattr(paiement, name)
            want = _expected(value, LINE_SCHEMA["properties"][name])
            assert got == want, f"{name}: {got!r} != {want!r}"
            assert type(got) is type(want), (
                f"{name}: {type(got).__name__}, not {type(want).__name__}"
            )
        # Derived figures, recomputed from the literals with enough precision to be exact.
        with localcontext(EXACT):
            brut = line["nombre_jours"] * Decimal(line["montant_journalier"].text)
            net = brut - Decimal(line["csg"].text) - Decimal(line["crds"].text)
        assert paiement.brut == brut
        assert paiement.net == net
    lines = written["paiements"]
    with localcontext(EXACT):
        total_brut = sum(
            (p["nombre_jours"] * Decimal(p["montant_journalier"].text) for p in lines), Decimal(0)
        )
        total_csg = sum((Decimal(p["csg"].text) for p in lines), Decimal(0))
        total_crds = sum((Decimal(p["crds"].text) for p in lines), Decimal(0))
        total_net = total_brut - total_csg - total_crds
    assert releve.total_jours == sum(p["nombre_jours"] for p in lines)
    assert (releve.total_brut, releve.total_csg, releve.total_crds, releve.total_net) == (
        total_brut,
        total_csg,
        total_crds,
        total_net,
    )
    for total in (releve.total_brut, releve.total_net, releve.total_csg, releve.total_crds):
        assert type(total) is Decimal


def within_the_face_bounds(written: Any) -> bool:
    """Whether every day count and amount has at most MAX_DIGITS digits before the point."""
    bound = Decimal(10) ** MAX_DIGITS
    return all(
        abs(Decimal(value.text if isinstance(value, Literal) else value)) < bound
        for line in written["paiements"]
        for name, value in line.items()
        if name in ("nombre_jours", "montant_journalier", "csg", "crds")
    )


def test_the_worked_example_of_the_contract(served: Served, face: ApijClient) -> None:
    """The worked example of the IJ rules: 14 days x 32.87 = 460.18 gross, CSG 28.53, CRDS 2.30,
    net 429.35."""
    line = (
        '{"date_debut":"2025-03-04","date_fin":"2025-03-17","nombre_jours":14,'
        '"montant_journalier":32.87,"csg":28.53,"crds":2.30}'
    )
    served.status, served.headers = SUCCESS_STATUS, {}
    served.text = (
        f'{{"date_debut":"2025-01-01","date_fin":"2025-06-30","paiements":[{line},{line}]}}'
    )
    releve = _call(face)
    (first, _) = releve.paiements
    assert (first.brut, first.csg, first.crds, first.net) == tuple(
        map(Decimal, ("460.18", "28.53", "2.30", "429.35"))
    )
    assert releve.total_net == Decimal("858.70")


@property_settings(BUDGET)
@given(data=st.data())
def test_invalid_success_bodies_raise_unexpected_response(
    served: Served, face: ApijClient, data: st.DataObject
) -> None:
    body = data.draw(VALID_BODIES, "valid body")
    how, broken = data.draw(mutated(body, BODY_SCHEMA), "mutation")
    text = render(broken)
    # The contract is the oracle: a mutation that happens to stay valid is not a case.
    assume(not is_valid_text(text, BODY_SCHEMA))
    served.status, served.text, served.headers = SUCCESS_STATUS, text, {}
    note(f"{how}: {text}")
    with pytest.raises(errors.UnexpectedResponse) as caught:
        _call(face)
    assert caught.value.status == SUCCESS_STATUS


@pytest.mark.parametrize(
    ("text", "content_type"),
    [
        pytest.param('{"date_debut":"2025-01-01","date_fin":"2025-06', None, id="truncated"),
        pytest.param('{"date_debut":"2025-01-01","date_fin":NaN,"paiements":[]}', None, id="nan"),
        pytest.param("<html>maintenance</html>", "text/html", id="html"),
        pytest.param("", None, id="empty"),
    ],
)
def test_unreadable_success_bodies_raise_unexpected_response(
    served: Served, face: ApijClient, text: str, content_type: str | None
) -> None:
    served.status, served.text = SUCCESS_STATUS, text
    served.headers = {"content-type": content_type} if content_type else {}
    with pytest.raises(errors.UnexpectedResponse):
        _call(face)


# The documented error of each status (errors.py, README "Typed errors"), stated here independently.
_BY_STATUS: dict[int, type[errors.ApijError]] = {
    400: errors.InvalidRequest,
    401: errors.Unauthorized,
    403: errors.ScopeMissing,
    404: errors.InsuredPersonNotFound,
    429: errors.RateLimited,
}
_BY_CODE_401: dict[str, type[errors.ApijError]] = {
    "cle_api_invalide": errors.ApiKeyRejected,
    "jeton_absent": errors.TokenRejected,
    "jeton_invalide": errors.TokenRejected,
    "jeton_expire": errors.TokenRejected,
}


@pytest.mark.parametrize("response", ERRORS)
@property_settings(max(5, BUDGET // 4))
@given(data=st.data())
def test_error_statuses_raise_the_documented_error(
    served: Served, face: ApijClient, response: Response, data: st.DataObject
) -> None:
    status = response.status or 0
    body = data.draw(ERROR_BODIES[status], "body") if status in ERROR_BODIES else None
    headers = data.draw(ERROR_HEADERS[status], "headers")
    served.status, served.headers = status, headers
    served.text = render(body) if body is not None else ""
    note(f"served: {status} {headers} {served.text}")
    with pytest.raises(errors.ApijError) as caught:
        _call(face)
    error = caught.value
    expected = _BY_STATUS.get(status, errors.ServerError if status >= 500 else errors.ApijError)
    if status == 401 and isinstance(body, dict) and body.get("code") in _BY_CODE_401:
        expected = _BY_CODE_401[body["code"]]
    if status == 404 and not (isinstance(body, dict) and body.get("code") == "assure_inconnu"):
        expected = errors.EndpointNotFound  # a 404 of the gateway, not an unknown person
    assert type(error) is expected, f"{status}: {type(error).__name__}, not {expected.__name__}"
    assert error.status == status
    if isinstance(body, dict) and "code" in body:
        assert error.code == body["code"]
    if status in {429, 503} and "Retry-After" in headers:
        assert error.retry_after == float(headers["Retry-After"])


def test_async_face_gives_the_same_decimals(served: Served) -> None:
    text = (
        '{"date_debut":"2025-01-01","date_fin":"2025-06-30","paiements":[{"date_debut":"2025-03-04",'
        '"date_fin":"2025-03-17","nombre_jours":14,"montant_journalier":41.47,"csg":36.0,"crds":2.9}]}'
    )

    async def call() -> Any:
        async with AsyncApijClient(
            "partner-key", base_url=SERVER, retry=RetryPolicy.none(), verify=False
        ) as client:
            return await client.paiements(TOKEN, date_debut="2025-01-01", date_fin="2025-06-30")

    served.status, served.text, served.headers = SUCCESS_STATUS, text, {}
    releve = anyio.run(call)
    (line,) = releve.paiements
    assert (line.montant_journalier, line.csg, line.crds) == (
        Decimal("41.47"),
        Decimal("36.0"),
        Decimal("2.9"),
    )
    assert line.brut == Decimal("580.58")


def test_generated_valid_bodies_are_valid() -> None:
    """The oracle of the invalid-body property: the valid generator agrees with jsonschema_rs."""
    check = validator(BODY_SCHEMA)
    assert check.is_valid({"date_debut": "2025-01-01", "date_fin": "2025-01-02", "paiements": []})
    assert not check.is_valid({"date_debut": "2025-01-01", "paiements": []})
