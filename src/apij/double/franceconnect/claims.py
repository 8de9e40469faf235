"""What FranceConnect tells about a person: pairwise subjects, claims by scope, pivot identity.

Scopes and claims follow FranceConnect v2 (france-connect/sources,
``back/libs/scopes/src/data/fcp-low.scopes.ts`` and the fs-technique "Données utilisateur" page).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, Final

from apij.double.constants import SCOPE_PAIEMENTS_IJ
from apij.double.people import IdentitePivot, Person

__all__ = [
    "CLAIMS_BY_SCOPE",
    "PIVOT_CLAIMS",
    "SCOPES_SUPPORTED",
    "identite_from_claims",
    "pairwise_sub",
    "pivot_claims",
    "user_claims",
]

PIVOT_CLAIMS: Final = (
    "given_name",
    "given_name_array",
    "family_name",
    "birthdate",
    "gender",
    "birthplace",
    "birthcountry",
)
CLAIMS_BY_SCOPE: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "openid": ("sub",),
        "given_name": ("given_name", "given_name_array"),
        "family_name": ("family_name",),
        "birthdate": ("birthdate",),
        "gender": ("gender",),
        "birthplace": ("birthplace",),
        "birthcountry": ("birthcountry",),
        "preferred_username": ("preferred_username",),
        "email": ("email",),
        "profile": (
            "given_name",
            "given_name_array",
            "family_name",
            "birthdate",
            "gender",
            "preferred_username",
        ),
        "birth": ("birthplace", "birthcountry"),
        "identite_pivot": PIVOT_CLAIMS,
        # Data providers' scopes: no claim at FranceConnect, the data provider serves the data.
        SCOPE_PAIEMENTS_IJ: (),
    }
)
SCOPES_SUPPORTED: Final = tuple(CLAIMS_BY_SCOPE)


def pairwise_sub(person: Person, sector: str) -> str:
    """A subject per (person, client): FranceConnect's pairwise ``sub`` (64 hex digits + "v1")."""
    digest = hashlib.sha256(f"{sector}\x00{person.name}".encode()).hexdigest()
    return f"{digest}v1"


def _all_claims(person: Person) -> dict[str, Any]:
    identite = person.identite
    claims: dict[str, Any] = {
        "given_name": identite.given_name,
        "given_name_array": identite.given_name.split(" "),
        "family_name": identite.family_name,
        "birthdate": identite.birthdate.isoformat(),
        "gender": identite.gender,
        "birthplace": identite.birthplace,
        "birthcountry": identite.birthcountry,
        # Synthetic and undeliverable (RFC 6761 .invalid), like every identity here.
        "email": f"{person.name}@exemple.invalid",
    }
    if identite.preferred_username:
        claims["preferred_username"] = identite.preferred_username
    return claims


def user_claims(person: Person, scopes: Iterable[str], sector: str) -> dict[str, Any]:
    """The claims ``scopes`` grant about ``person``, as the client of ``sector`` sees them."""
    everything = _all_claims(person)
    claims: dict[str, Any] = {"sub": pairwise_sub(person, sector)}
    for scope in scopes:
        for name in CLAIMS_BY_SCOPE.get(scope, ()):
            if name in everything:
                claims[name] = everything[name]
    return claims


def pivot_claims(person: Person) -> dict[str, Any]:
    """The pivot identity, as checktoken gives it to data providers."""
    everything = _all_claims(person)
    claims = {name: everything[name] for name in PIVOT_CLAIMS}
    if "preferred_username" in everything:
        claims["preferred_username"] = everything["preferred_username"]
    return claims


def identite_from_claims(claims: Mapping[str, Any]) -> IdentitePivot | None:
    """The pivot identity in ``claims`` (None when incomplete or malformed)."""
    try:
        return IdentitePivot(
            given_name=str(claims["given_name"]),
            family_name=str(claims["family_name"]),
            birthdate=date.fromisoformat(str(claims["birthdate"])),
            gender=str(claims["gender"]),
            birthplace=str(claims["birthplace"]),
            birthcountry=str(claims["birthcountry"]),
            preferred_username=str(claims.get("preferred_username", "")),
        )
    except (KeyError, ValueError, TypeError):
        return None
