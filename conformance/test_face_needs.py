"""What the face needs from the contract (scripts/face_needs.py): its statements hold, and the
error-body changes it absorbs are typed.

`face_needs` states what the face sends (the generated arguments, the API key header, a bearer
token) and the codes it tells errors apart by: checked here against a request the face really
builds and against `apij._decode`'s mapping. The error-body pairs of the change corpus that
update-spec brings in (`nullable-error-code`, `optional-error-code`, `retype-error-message`) are
then decoded under the contract they make: every outcome is a typed error classified by its
status, `code` and `detail` None where the body has none to give, never a KeyError/TypeError.
And what face_needs refuses up front is what the contract-variant job's face probe would find.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from apij_client.api.paiements import get_paiements_ij
from apij_client.models.erreur_code import ErreurCode

from apij import ApijClient, _contract, errors
from apij._decode import decode
from apij.openapi import effective, read
from conformance import face_probe
from conformance._mutations import (
    Spec,
    nullable_error_code,
    optional_error_code,
    retype_error_message,
)
from scripts import face_needs

KEY, TOKEN = "partner-key-synthetic", "fc-token-synthetic"
JSON = httpx.Headers({"content-type": "application/json"})
STATUSES = (400, 401, 403, 404, 429, 500, 502, 503)


def _effective(edit: Callable[[Spec], None] | None = None) -> Spec:
    """The effective contract, edited as a corpus pair edits the upstream (applied to the
    effective one: the same edit on the vendored upstream, and applicable to any upstream once
    the overlay has documented the error responses)."""
    document = copy.deepcopy(dict(effective().document))
    if edit is not None:
        edit(document)
    return document


def _raised(status: int, body: bytes, headers: httpx.Headers = JSON) -> errors.ApijError:
    with pytest.raises(errors.ApijError) as caught:
        decode(status, headers, body, ())
    return caught.value


def test_the_face_sends_what_face_needs_says() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        body = b'{"date_debut":"2025-01-01","date_fin":"2025-01-31","paiements":[]}'
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    transport = httpx.MockTransport(answer)
    with ApijClient(KEY, base_url="https://cnam.example", transport=transport) as client:
        client.paiements(TOKEN, date_debut="2025-01-01", date_fin="2025-01-31")
    (request,) = sent
    assert request.headers[face_needs.API_KEY_HEADER] == KEY
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert dict(request.url.params) == dict(
        zip(face_needs.ARGUMENTS.values(), ("2025-01-01", "2025-01-31"), strict=True)
    )
    # The generated arguments the face passes are the contract's parameters, snake-cased; any
    # other is optional.
    arguments = inspect.signature(get_paiements_ij._get_kwargs).parameters
    assert set(face_needs.ARGUMENTS) <= set(arguments)
    others = [p for name, p in arguments.items() if name not in face_needs.ARGUMENTS]
    assert all(p.default is not inspect.Parameter.empty for p in others), others
    assert face_needs.problems(effective().document) == []


def test_the_codes_the_face_tells_errors_apart_by_are_face_needs_codes() -> None:
    for status in STATUSES:
        named = face_needs.CODES.get(status, {})
        by_code = {
            code.value: type(_raised(status, b'{"code":"%s","message":"m"}' % code.value.encode()))
            for code in ErreurCode
        }
        for code, cls in by_code.items():
            if code in named:
                assert cls.__name__ == named[code], (status, code)
            else:
                # Any other code: the status alone decides, as it does without a code.
                assert cls.__name__ not in named.values(), (status, code)
                assert cls is type(_raised(status, b'{"message":"m"}')), (status, code)


@pytest.fixture
def contract_of(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Spec], None]]:
    """Make the face judge responses by the contract `document` (an effective one)."""

    def use(document: Spec) -> None:
        contract = read(document)
        monkeypatch.setattr(_contract, "effective", lambda: contract)
        _contract.face_operation.cache_clear()

    yield use
    monkeypatch.undo()
    _contract.face_operation.cache_clear()


def test_a_nullable_error_code_is_read_as_none_and_the_status_classifies(
    contract_of: Callable[[Spec], None],
) -> None:
    document = _effective(nullable_error_code)
    assert face_needs.problems(document) == []  # absorbed: update-spec brings it in
    contract_of(document)
    body = b'{"code":null,"message":"m"}'
    expected: dict[int, type[errors.ApijError]] = {
        401: errors.Unauthorized,
        404: errors.EndpointNotFound,  # the face's reading of a 404 without assure_inconnu
        429: errors.RateLimited,
        503: errors.ServerError,
    }
    for status, cls in expected.items():
        raised = _raised(status, body)
        assert type(raised) is cls, status
        assert (raised.code, raised.detail) == (None, "m"), status
    # The bearer challenge still tells a refused token.
    challenge = httpx.Headers({**JSON, "www-authenticate": 'Bearer error="invalid_token"'})
    assert type(_raised(401, body, challenge)) is errors.TokenRejected


def test_an_optional_error_code_is_read_as_none_and_the_status_classifies(
    contract_of: Callable[[Spec], None],
) -> None:
    document = _effective(optional_error_code)
    assert face_needs.problems(document) == []
    contract_of(document)
    for status, cls in ((401, errors.Unauthorized), (403, errors.ScopeMissing)):
        raised = _raised(status, b'{"message":"m"}')
        assert type(raised) is cls, status
        assert (raised.code, raised.detail) == (None, "m"), status
    # A code, when there is one, still decides.
    assert type(_raised(401, b'{"code":"cle_api_invalide","message":"m"}')) is errors.ApiKeyRejected


def test_a_retyped_error_message_leaves_detail_none_and_the_code_decides(
    contract_of: Callable[[Spec], None],
) -> None:
    document = _effective(retype_error_message)
    assert face_needs.problems(document) == []
    contract_of(document)
    raised = _raised(401, b'{"code":"jeton_expire","message":{"fr":"m"}}')
    assert type(raised) is errors.TokenRejected
    assert (raised.code, raised.detail) == ("jeton_expire", None)
    raised = _raised(404, b'{"code":"assure_inconnu","message":{"fr":"m"}}')
    assert type(raised) is errors.InsuredPersonNotFound


def _operation(document: Spec) -> dict[str, Any]:
    item = document["paths"][effective().operation(_contract.OPERATION_ID).path]
    found: dict[str, Any] = item["get"]
    return found


def test_a_header_parameter_is_refused_even_optional() -> None:
    # The generated `_get_kwargs` then returns `headers`, and the face passes its own.
    document = copy.deepcopy(_effective())
    _operation(document)["parameters"].append(
        {
            "name": "X-Correlation-Id",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
        }
    )
    (problem,) = face_needs.problems(document)
    assert problem.where.endswith("header:X-Correlation-Id")
    assert "collide" in problem.cause
    assert "remove: true" in problem.overlay


def test_credentials_are_met_by_any_alternative_the_face_can_send() -> None:
    document = copy.deepcopy(_effective())
    schemes = document["components"]["securitySchemes"]
    # An OpenID Connect token travels as a bearer too; no requirement at all is met as well.
    schemes["fc"] = {"type": "openIdConnect", "openIdConnectUrl": "https://fc.example/.well-known"}
    _operation(document)["security"] = [{"fc": []}]
    assert face_needs.problems(document) == []
    _operation(document)["security"] = []
    assert face_needs.problems(document) == []
    # A token in a header of its own is not what the face sends.
    schemes["fc"] = {"type": "apiKey", "in": "header", "name": "X-FC-Token"}
    _operation(document)["security"] = [{"fc": []}]
    (problem,) = face_needs.problems(document)
    assert "fc (apiKey in header X-FC-Token)" in problem.cause


def test_the_face_probe_names_a_face_the_contract_broke(
    contract_of: Callable[[Spec], None],
) -> None:
    # What face_needs refuses up front (no 404 body: the face cannot tell an unknown insured
    # person) is what the contract-variant job's probe would find after an update.
    assert face_probe.typed_errors() == ""
    document = copy.deepcopy(_effective())
    _operation(document)["responses"].pop("404")
    assert any(p.where.endswith(" 404") for p in face_needs.problems(document))
    contract_of(document)
    assert face_probe.typed_errors() == (
        "assure_inconnu: EndpointNotFound, not InsuredPersonNotFound"
    )
