"""IJ arithmetic against the published figures (service-public, URSSAF), the spec example, and by
properties."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apij._contract import OPERATION_ID
from apij.double.domain import (
    Arret,
    LignePaiement,
    NatureArret,
    lignes_paiement,
    montant_journalier_plafond,
)
from apij.double.people import Person
from apij.double.scenarios import SCENARIOS
from apij.double.strategies import arrets, salaires
from apij.openapi import effective

RICH = Decimal("1000000.00")


def _cent(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_worked_example_of_the_contract() -> None:
    # The spec example's line (openapi/apij-1.0-apim.yaml) with URSSAF's rates (CSG 6.2 %, CRDS
    # 0.5 %): 14 days x 32.87 = 460.18 gross, CSG 28.53, CRDS 2.30, net 429.35.
    ligne = LignePaiement.compute(date(2025, 3, 4), date(2025, 3, 17), Decimal("32.87"))
    assert ligne.nombre_jours == 14
    assert ligne.brut == Decimal("460.18")
    assert ligne.csg == Decimal("28.53")
    assert ligne.crds == Decimal("2.30")
    assert ligne.net == Decimal("429.35")


def test_deductions_round_half_up_not_half_even() -> None:
    # 1 day at 1.00: CRDS = 0.005 exactly, which half-up makes 0.01 (half-even would give 0.00).
    ligne = LignePaiement.compute(date(2025, 1, 1), date(2025, 1, 1), Decimal("1.00"))
    assert ligne.crds == Decimal("0.01")
    assert ligne.csg == Decimal("0.06")


@pytest.mark.parametrize(
    ("start", "plafond"),
    [
        # service-public's maximum daily IJ maladie: 52.28 (2024), 53.31 (Dec 2024-Mar 2025),
        # 41.47 (Apr 2025-Jan 2026), 41.95 (from Feb 2026).
        (date(2024, 6, 10), "52.28"),
        (date(2024, 12, 2), "53.31"),
        (date(2025, 3, 31), "53.31"),
        (date(2025, 4, 1), "41.47"),
        (date(2026, 1, 20), "41.47"),
        (date(2026, 2, 1), "41.95"),
    ],
)
def test_sickness_cap_follows_the_contract_figures(start: date, plafond: str) -> None:
    arret = Arret(NatureArret.MALADIE, start, start + timedelta(days=20), RICH)
    assert {ligne.montant_journalier for ligne in lignes_paiement(arret)} == {Decimal(plafond)}
    assert montant_journalier_plafond(NatureArret.MALADIE, start) == Decimal(plafond)


@pytest.mark.parametrize(("year", "plafond"), [(2025, "101.94"), (2026, "104.02")])
@pytest.mark.parametrize("nature", [NatureArret.MATERNITE, NatureArret.PATERNITE])
def test_maternity_and_paternity_caps_per_year(
    year: int, plafond: str, nature: NatureArret
) -> None:
    arret = Arret(nature, date(year, 3, 2), date(year, 3, 30), RICH)
    assert {ligne.montant_journalier for ligne in lignes_paiement(arret)} == {Decimal(plafond)}


def test_work_accident_rate_rises_on_day_29_without_waiting_days() -> None:
    # 7300.00 / 91.25 = 80.00 a day exactly: 60 % is 48.00, 80 % is 64.00.
    start = date(2025, 2, 3)
    arret = Arret(NatureArret.AT_MP, start, start + timedelta(days=59), Decimal("7300.00"))
    lignes = lignes_paiement(arret)
    assert lignes[0].date_debut == start
    for ligne in lignes:
        for offset in range(ligne.nombre_jours):
            day_number = (ligne.date_debut - start).days + offset + 1
            expected = Decimal("48.00") if day_number <= 28 else Decimal("64.00")
            assert ligne.montant_journalier == expected, day_number


def test_sickness_waits_three_days_unless_prolongation() -> None:
    start = date(2025, 5, 5)
    salaire = Decimal("5998.78")
    first = lignes_paiement(Arret(NatureArret.MALADIE, start, date(2025, 5, 20), salaire))
    assert first[0].date_debut == start + timedelta(days=3)
    prolongation = Arret(
        NatureArret.MALADIE, start, date(2025, 5, 20), salaire, is_prolongation=True
    )
    assert lignes_paiement(prolongation)[0].date_debut == start
    assert (
        lignes_paiement(Arret(NatureArret.MALADIE, start, start + timedelta(days=2), salaire)) == []
    )


def _example_lines() -> list[Any]:
    """The lines of the contract's success examples, whatever the examples are called."""
    response = effective().operation(OPERATION_ID).response(200)
    examples = (
        [value for media in response.content for _, value in media.examples] if response else []
    )
    return [
        pytest.param(line, id=f"{line['date_debut']}..{line['date_fin']}")
        for value in examples
        if isinstance(value, dict)
        for line in value.get("paiements") or []
    ]


@pytest.mark.parametrize("example", _example_lines())
def test_default_scenario_reproduces_the_spec_examples(example: dict[str, Any]) -> None:
    # The default scenario is built to reproduce the contract's worked lines (in cents, exactly).
    lignes = {
        (ligne.date_debut.isoformat(), ligne.date_fin.isoformat()): ligne
        for ligne in SCENARIOS["maladie"].paiements
    }
    ligne = lignes.get((example["date_debut"], example["date_fin"]))
    assert ligne is not None, f"the default scenario has no line {example}"
    assert {
        "date_debut": ligne.date_debut.isoformat(),
        "date_fin": ligne.date_fin.isoformat(),
        "nombre_jours": ligne.nombre_jours,
        "montant_journalier": ligne.montant_journalier,
        "csg": ligne.csg,
        "crds": ligne.crds,
    } == {**example, **{k: Decimal(str(example[k])) for k in ("montant_journalier", "csg", "crds")}}


JAN_1, JAN_2 = date(2025, 1, 1), date(2025, 1, 2)
NAIVE = datetime(2030, 1, 1)  # noqa: DTZ001 - the mistake under test


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: LignePaiement(JAN_2, JAN_1, 0, Decimal(1), Decimal(0), Decimal(0)), "before"),
        (lambda: LignePaiement(JAN_1, JAN_2, 3, Decimal(1), Decimal(0), Decimal(0)), "calendar"),
        (lambda: LignePaiement(JAN_1, JAN_1, 1, Decimal("1.001"), Decimal(0), Decimal(0)), "two"),
        (lambda: LignePaiement(JAN_1, JAN_1, 1, Decimal(1), Decimal(-1), Decimal(0)), "negative"),
        (lambda: Arret(NatureArret.MALADIE, JAN_2, JAN_1, Decimal(6000)), "before"),
        (lambda: Arret(NatureArret.MALADIE, JAN_1, JAN_2, Decimal(-1)), "negative"),
        (lambda: Arret(NatureArret.MALADIE, date(2017, 1, 1), JAN_2, Decimal(6000)), "within"),
        (lambda: Arret(NatureArret.MALADIE, JAN_1, date(2027, 1, 1), Decimal(6000)), "within"),
        (lambda: Person(name="x", token=""), "non-empty token"),
        (lambda: Person(name="x", token="t", token_expires_at=NAIVE), "aware"),
    ],
    ids=[
        "line-dates-reversed",
        "line-days-wrong",
        "line-sub-cent",
        "line-negative-csg",
        "stoppage-dates-reversed",
        "stoppage-negative-salary",
        "stoppage-before-known-rates",
        "stoppage-after-known-rates",
        "person-empty-token",
        "person-naive-expiry",
    ],
)
def test_the_doubles_data_refuses_what_cnam_would_never_send(
    build: Callable[[], object], message: str
) -> None:
    """A downstream test building its own people gets a ValueError naming the mistake."""
    with pytest.raises(ValueError, match=message):
        build()


@settings(max_examples=150, deadline=None)
@given(arrets())
def test_lines_obey_the_contract_invariants(arret: Arret) -> None:
    lignes = lignes_paiement(arret)
    carence = 3 if arret.nature is NatureArret.MALADIE and not arret.is_prolongation else 0
    next_start = arret.date_debut + timedelta(days=carence)
    for ligne in lignes:
        assert ligne.date_debut == next_start  # contiguous, from the first paid day
        assert ligne.nombre_jours == (ligne.date_fin - ligne.date_debut).days + 1 <= 14
        assert ligne.brut == ligne.nombre_jours * ligne.montant_journalier
        assert ligne.csg == _cent(ligne.brut * Decimal("0.062"))
        assert ligne.crds == _cent(ligne.brut * Decimal("0.005"))
        assert ligne.net == ligne.brut - ligne.csg - ligne.crds
        day_number = (ligne.date_debut - arret.date_debut).days + 1
        assert ligne.montant_journalier <= montant_journalier_plafond(
            arret.nature, arret.date_debut, day_number
        )
        if arret.nature is NatureArret.AT_MP:
            last_day_number = day_number + ligne.nombre_jours - 1
            assert (last_day_number <= 28) or (day_number >= 29), (
                "a line mixes the 60 % and 80 % days"
            )
        next_start = ligne.date_fin + timedelta(days=1)
    paid = max((arret.date_fin - arret.date_debut).days + 1 - carence, 0)
    assert sum(ligne.nombre_jours for ligne in lignes) == paid


@settings(max_examples=60, deadline=None)
@given(arrets(), salaires())
def test_more_salary_never_pays_less(arret: Arret, other: Decimal) -> None:
    richer = Arret(
        arret.nature,
        arret.date_debut,
        arret.date_fin,
        max(arret.salaire_brut_3_mois, other),
        arret.is_prolongation,
    )
    for low, high in zip(lignes_paiement(arret), lignes_paiement(richer), strict=True):
        assert low.montant_journalier <= high.montant_journalier


@given(st.sampled_from(sorted(SCENARIOS)))
def test_scenario_lines_never_overlap(name: str) -> None:
    lignes = SCENARIOS[name].paiements
    for before, after in itertools.pairwise(lignes):
        assert before.date_fin < after.date_debut
