"""The committed registry of named synthetic people (all fictional) the double serves by default."""

# The tokens below are fictional sandbox tokens, published on purpose: not secrets.
# ruff: noqa: S106

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from apij.double.domain import Arret, NatureArret
from apij.double.faults import Fault
from apij.double.people import IdentitePivot, Person

__all__ = ["DEFAULT_SCENARIO", "SCENARIOS", "historique_long"]

MALADIE = NatureArret.MALADIE
AT_MP = NatureArret.AT_MP


def _arret(nature: NatureArret, start: str, end: str, salaire: str) -> Arret:
    return Arret(nature, date.fromisoformat(start), date.fromisoformat(end), Decimal(salaire))


def _identite(given_name: str, family_name: str, birthdate: str, gender: str) -> IdentitePivot:
    return IdentitePivot(
        given_name=given_name,
        family_name=family_name,
        birthdate=date.fromisoformat(birthdate),
        gender=gender,
        birthplace="75107",
        birthcountry="99100",
    )


def historique_long() -> tuple[Arret, ...]:
    """Eight years of recurrent stoppages (seeded, so the same every time): hundreds of lines."""
    rng = random.Random(20180205)  # noqa: S311 - synthetic data, not security
    arrets: list[Arret] = []
    start = date(2018, 2, 5)
    salaire = Decimal("6000.00")
    while True:
        nature = AT_MP if rng.random() < 0.15 else MALADIE
        days = rng.randint(20, 90) if nature is AT_MP else rng.randint(5, 75)
        end = start + timedelta(days=days - 1)
        if end > date(2025, 12, 31):
            break
        arrets.append(Arret(nature, start, end, salaire))
        start = end + timedelta(days=rng.randint(1, 8))
        salaire += Decimal("25.00")
    return tuple(arrets)


_PEOPLE: Final = (
    Person(
        name="maladie",
        token="sbx-fc-maladie-5b0e7c21a94d",
        description="Sickness: 3 waiting days, 14-day lines at 32.87 €/day (spec example)",
        arrets=(
            _arret(MALADIE, "2025-01-13", "2025-01-26", "5998.78"),
            _arret(MALADIE, "2025-03-01", "2025-03-31", "5998.78"),
        ),
        identite=_identite("Camille", "Exemple", "1984-03-12", "female"),
    ),
    Person(
        name="maladie_plafond_avril_2025",
        token="sbx-fc-plafond-8d2f4a6c1e37",
        description="High earner: a stoppage begun in March keeps the 1.8 SMIC cap (53.31) across "
        "1 April 2025; one begun in May gets the 1.4 SMIC cap (41.47)",
        arrets=(
            _arret(MALADIE, "2025-03-17", "2025-04-20", "18000.00"),
            _arret(MALADIE, "2025-05-12", "2025-06-08", "18000.00"),
        ),
        identite=_identite("Dominique", "Plafond", "1971-11-02", "male"),
    ),
    Person(
        name="at_mp",
        token="sbx-fc-atmp-3c9a1f5e7b20",
        description="Work accident: no waiting days, 60 % (48.00) days 1-28, "
        "80 % (64.00) from day 29",
        arrets=(_arret(AT_MP, "2025-02-03", "2025-04-13", "7300.00"),),
        identite=_identite("Lou", "Accident", "1990-07-21", "male"),
    ),
    Person(
        name="maternite",
        token="sbx-fc-maternite-6a4d2b8f0c15",
        description="Maternity leave of 16 weeks, capped at 101.94 €/day (2025)",
        arrets=(_arret(NatureArret.MATERNITE, "2025-01-20", "2025-05-11", "13500.00"),),
        identite=_identite("Alix", "Naissance", "1992-01-30", "female"),
    ),
    Person(
        name="paternite",
        token="sbx-fc-paternite-1e7b3d9a5c42",
        description="Paternity leave of 25 days at 64.93 €/day, no waiting days",
        arrets=(_arret(NatureArret.PATERNITE, "2025-06-02", "2025-06-26", "7500.00"),),
        identite=_identite("Sacha", "Naissance", "1989-09-09", "male"),
    ),
    Person(
        name="sans_ij",
        token="sbx-fc-sansij-9f1c5a3e7d64",
        description="Insured person with IJ only in 2023: an empty list for 2025",
        arrets=(_arret(MALADIE, "2023-10-02", "2023-10-22", "5400.00"),),
        identite=_identite("Claude", "Sansarret", "1979-05-05", "female"),
    ),
    Person(
        name="assure_inconnu",
        token="sbx-fc-inconnu-2d8b6f0a4c91",
        description="FranceConnect identity matching no insured person of the general scheme (404)",
        known_to_cnam=False,
        identite=_identite("Morgan", "Autreregime", "1966-12-24", "male"),
    ),
    Person(
        name="sans_scope",
        token="sbx-fc-sansscope-7c3e9a1b5d08",
        description="Token granted without scope cnam_paiements_ij (403)",
        arrets=(_arret(MALADIE, "2025-03-01", "2025-03-31", "5998.78"),),
        scopes=frozenset({"openid", "identite_pivot"}),
        identite=_identite("Noa", "Sansscope", "1995-02-14", "female"),
    ),
    Person(
        name="jeton_expire",
        token="sbx-fc-expire-4b6d8f2a0e13",
        description="Token expired on 31 December 2024 (401 jeton_expire)",
        arrets=(_arret(MALADIE, "2025-03-01", "2025-03-31", "5998.78"),),
        token_expires_at=datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC),
        identite=_identite("Eden", "Perime", "1987-08-18", "male"),
    ),
    Person(
        name="historique_long",
        token="sbx-fc-historique-0a5c7e9b1d36",
        description="Recurrent stoppages 2018-2025 (sickness and work accidents): "
        "hundreds of lines",
        arrets=historique_long(),
        identite=_identite("Andrea", "Longuehistoire", "1960-04-01", "female"),
    ),
    Person(
        name="limite_de_debit",
        token="sbx-fc-debit-8e0a2c4f6b57",
        description="Every call is refused with 429 and Retry-After (partner rate limit)",
        arrets=(_arret(MALADIE, "2025-03-01", "2025-03-31", "5998.78"),),
        persistent_fault=Fault.RATE_LIMITED,
        identite=_identite("Yael", "Debit", "1993-10-10", "female"),
    ),
    Person(
        name="instable",
        token="sbx-fc-instable-5f9b1d3a7c20",
        description="The first two calls get 503 with Retry-After, then its own sickness lines",
        arrets=(_arret(MALADIE, "2025-03-01", "2025-03-31", "5998.78"),),
        faults=(Fault.UNAVAILABLE, Fault.UNAVAILABLE),
        identite=_identite("Ilan", "Instable", "1982-06-06", "male"),
    ),
)

SCENARIOS: Final[Mapping[str, Person]] = MappingProxyType({p.name: p for p in _PEOPLE})
# A sickness case with several lines in 2025-01-01..2025-06-30: the CLI demo's default.
DEFAULT_SCENARIO: Final = "maladie"
