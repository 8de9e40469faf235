"""Exact money and dates: Decimal equal to the JSON literal, gross/net/totals, spec validation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from apij import ApijClient, RetryPolicy, UnexpectedResponse
from apij.models import PaiementIJ, ReleveIJ
from tests.face._face_support import BASE_URL, KEY, PATH, body, json_response


def fetch(mock: respx.MockRouter, content: bytes, **headers: str) -> ReleveIJ:
    mock.get(PATH).mock(return_value=json_response(200, content, **headers))
    with ApijClient(KEY, base_url=BASE_URL, retry=RetryPolicy.none()) as client:
        return client.paiements("tok", date_debut="2025-01-01", date_fin="2025-06-30")


def test_contract_example_line_figures(mock: respx.MockRouter) -> None:
    # The spec example's line (openapi/apij-1.0-apim.yaml): 14 days x 32.87 = 460.18 gross,
    # CSG 28.53, CRDS 2.30, net 429.35.
    releve = fetch(mock, body("32.87", "28.53", "2.30"))
    (line,) = releve.paiements
    assert line.montant_journalier == Decimal("32.87")
    assert line.brut == Decimal("460.18")
    assert line.net == Decimal("429.35")
    assert (releve.total_brut, releve.total_csg, releve.total_crds, releve.total_net) == (
        Decimal("460.18"),
        Decimal("28.53"),
        Decimal("2.30"),
        Decimal("429.35"),
    )
    assert releve.total_jours == 14


def test_amounts_are_the_json_literals_not_floats(mock: respx.MockRouter) -> None:
    # 123456789012345.67 has no exact binary double: any float on the way would change it.
    releve = fetch(mock, body("123456789012345.67", "0.07", "2.30"))
    (line,) = releve.paiements
    assert all(type(v) is Decimal for v in (line.montant_journalier, line.csg, line.crds))
    assert str(line.montant_journalier) == "123456789012345.67"
    assert str(line.csg) == "0.07"
    assert str(line.crds) == "2.30"  # the literal, trailing zero included
    assert line.brut == Decimal("1728395046172839.38")


def test_dates_are_dates(mock: respx.MockRouter) -> None:
    releve = fetch(mock, body("32.87", "28.53", "2.3"))
    assert releve.date_debut == date(2025, 1, 1)
    assert releve.paiements[0].date_fin == date(2025, 3, 17)
    assert type(releve.paiements[0].date_debut) is date


def test_totals_of_the_spec_example(mock: respx.MockRouter) -> None:
    releve = fetch(mock, body("32.87", "28.53", "2.3", "32.87", "28.53", "2.3"))
    assert releve.total_brut == Decimal("920.36")
    assert releve.total_net == Decimal("858.70")
    assert releve.total_net == releve.total_brut - releve.total_csg - releve.total_crds


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("2.3", "2.3"),
        ("2.30", "2.30"),
        ("32", "32"),
        ("1E+2", "1E+2"),
        ("0", "0"),
        ("4.500", "4.500"),
    ],
)
def test_two_decimal_amounts_accepted(mock: respx.MockRouter, literal: str, expected: str) -> None:
    releve = fetch(mock, body(literal, "0", "0"))
    assert releve.paiements[0].montant_journalier == Decimal(expected)


@pytest.mark.parametrize(
    "literal",
    ["7.1000000000000005", "0.001", "2.305", "-0.01", "1E-3", "0.1000000000000000000000001"],
)
def test_amounts_beyond_the_cent_or_negative_rejected(mock: respx.MockRouter, literal: str) -> None:
    with pytest.raises(UnexpectedResponse) as caught:
        fetch(mock, body("32.87", literal, "2.30"))
    assert caught.value.status == 200
    assert "/paiements/0/csg" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (body("32.87", "28.53", "2.3").replace(b',"crds":2.3', b""), "required"),
        (body('"32.87"', "28.53", "2.3"), "type"),
        (body("32.87", "28.53", "2.3", nombre_jours="0"), "minimum"),
        (body("32.87", "28.53", "2.3", nombre_jours="14.5"), "type"),
        (body("32.87", "28.53", "2.3", nombre_jours="true"), "type"),
        (body("32.87", "28.53", "2.3").replace(b"2025-03-04", b"2025-02-30"), "format"),
        (body("32.87", "28.53", "2.3").replace(b"2025-03-04", b"20250304"), "format"),
        (b'{"date_debut":"2025-01-01","date_fin":"2025-06-30","paiements":null}', "type"),
        (b"[]", "type"),
    ],
)
def test_body_violating_the_schema_rejected(
    mock: respx.MockRouter, content: bytes, where: str
) -> None:
    with pytest.raises(UnexpectedResponse, match=where):
        fetch(mock, content)


@pytest.mark.parametrize(
    "content",
    [
        b"{'date_debut': '2025-01-01'}",
        body("32.87", "28.53", "2.3")[:40],
        body("NaN", "28.53", "2.3"),
        body("Infinity", "28.53", "2.3"),
        b"\xff\xfe\x00",
        b"",
    ],
)
def test_malformed_json_rejected(mock: respx.MockRouter, content: bytes) -> None:
    with pytest.raises(UnexpectedResponse, match="malformed JSON"):
        fetch(mock, content)


def test_wrong_content_type_rejected(mock: respx.MockRouter) -> None:
    with pytest.raises(UnexpectedResponse, match="content type"):
        fetch(mock, body("32.87", "28.53", "2.3"), **{"content-type": "text/html"})


def test_extra_fields_allowed_by_the_spec_are_tolerated(mock: respx.MockRouter) -> None:
    # The spec does not forbid additional properties: a newer upstream may add some.
    releve = fetch(mock, body("32.87", "28.53", "2.3", extra=',"nouveau":1.23456'))
    assert releve.paiements[0].csg == Decimal("28.53")


cents = st.integers(min_value=0, max_value=10**9)


@settings(max_examples=40, deadline=None)
@given(lines=st.lists(st.tuples(st.integers(1, 31), cents, cents, cents), max_size=6))
def test_gross_net_and_totals_match_integer_cent_arithmetic(
    lines: list[tuple[int, int, int, int]],
) -> None:
    def literal(c: int) -> str:
        return f"{c // 100}.{c % 100:02d}"

    items = ",".join(
        f'{{"date_debut":"2025-03-04","date_fin":"2025-03-17","nombre_jours":{days},'
        f'"montant_journalier":{literal(mj)},"csg":{literal(csg)},"crds":{literal(crds)}}}'
        for days, mj, csg, crds in lines
    )
    payload = f'{{"date_debut":"2025-01-01","date_fin":"2025-06-30","paiements":[{items}]}}'
    payload_bytes = payload.encode()
    with respx.mock(base_url=BASE_URL) as mock:
        releve = fetch(mock, payload_bytes)
    # Expected values in integer cents, converted once at the end: no shared code with the face.
    gross = [days * mj for days, mj, _, _ in lines]
    net = [g - csg - crds for g, (_, _, csg, crds) in zip(gross, lines, strict=True)]
    for line, g, n in zip(releve.paiements, gross, net, strict=True):
        assert isinstance(line, PaiementIJ)
        assert line.brut * 100 == g
        assert line.net * 100 == n
    assert releve.total_brut * 100 == sum(gross)
    assert releve.total_net * 100 == sum(net)
    assert releve.total_jours == sum(days for days, _, _, _ in lines)
