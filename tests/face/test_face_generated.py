"""The face goes through the generated code: same request as the generated client, same fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import respx
from apij_client import AuthenticatedClient
from apij_client.api.paiements import get_paiements_ij
from apij_client.models.paiements_ij import PaiementsIJ

from apij import ApijClient, ReleveIJ
from tests.face._face_support import BASE_URL, KEY, PATH, body, json_response

WINDOW = {"date_debut": "2025-01-01", "date_fin": "2025-06-30"}


def test_face_sends_what_the_generated_client_sends(mock: respx.MockRouter) -> None:
    route = mock.get(PATH).mock(return_value=json_response(200, body("32.87", "28.53", "2.3")))
    from datetime import date

    generated = AuthenticatedClient(base_url=BASE_URL, token="tok", headers={"X-API-Key": KEY})
    with generated:
        get_paiements_ij.sync_detailed(
            client=generated, date_debut=date(2025, 1, 1), date_fin=date(2025, 6, 30)
        )
    with ApijClient(KEY, base_url=BASE_URL) as client:
        client.paiements("tok", **WINDOW)
    theirs, ours = (call.request for call in route.calls)
    assert (ours.method, ours.url) == (theirs.method, theirs.url)
    for header in ("authorization", "x-api-key"):
        assert ours.headers[header] == theirs.headers[header]


def test_request_building_is_the_generated_modules(
    mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulate a regenerated client whose operation moved and gained a parameter.
    original = get_paiements_ij._get_kwargs

    def regenerated(**kwargs: Any) -> dict[str, Any]:
        built = original(**kwargs)
        built["url"] = "/v2/me/paiements"
        built["params"]["regime"] = "general"
        return built

    monkeypatch.setattr(get_paiements_ij, "_get_kwargs", regenerated)
    route = mock.get("/v2/me/paiements").mock(
        return_value=json_response(200, body("32.87", "28.53", "2.3"))
    )
    with ApijClient(KEY, base_url=BASE_URL) as client:
        client.paiements("tok", **WINDOW)
    assert route.calls.last.request.url.params["regime"] == "general"


def test_face_fields_match_the_generated_models(mock: respx.MockRouter) -> None:
    content = body("32.87", "28.53", "2.3", "41.47", "36.00", "2.90")
    mock.get(PATH).mock(return_value=json_response(200, content))
    with ApijClient(KEY, base_url=BASE_URL) as client:
        ours: ReleveIJ = client.paiements("tok", **WINDOW)
    import json

    theirs = PaiementsIJ.from_dict(json.loads(content))
    assert (ours.date_debut, ours.date_fin) == (theirs.date_debut, theirs.date_fin)
    assert len(ours.paiements) == len(theirs.paiements)
    for mine, gen in zip(ours.paiements, theirs.paiements, strict=True):
        assert (mine.date_debut, mine.date_fin, mine.nombre_jours) == (
            gen.date_debut,
            gen.date_fin,
            gen.nombre_jours,
        )
        # The generated model holds floats; their shortest repr is the two-decimal literal.
        for name in ("montant_journalier", "csg", "crds"):
            assert getattr(mine, name) == Decimal(repr(getattr(gen, name)))
