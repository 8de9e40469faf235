"""Synthetic people: an FC session (token, scopes, expiry, pivot identity) and an IJ history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from apij.double.constants import SANDBOX_API_KEY, SCOPE_PAIEMENTS_IJ
from apij.double.domain import Arret, LignePaiement, lignes_paiement_historique
from apij.double.faults import Fault, FaultSpec

__all__ = ["FAR_FUTURE", "IdentitePivot", "Person"]

# Tokens of the registry never expire unless a scenario says so: tests stay deterministic.
FAR_FUTURE = datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)
DEFAULT_SCOPES = frozenset({"openid", "identite_pivot", SCOPE_PAIEMENTS_IJ})


@dataclass(frozen=True, slots=True)
class IdentitePivot:
    """FranceConnect pivot identity (as checktoken returns it). Always fictional here."""

    given_name: str = "Camille"
    family_name: str = "Fictive"
    birthdate: date = date(1985, 6, 15)
    gender: str = "female"
    birthplace: str = "75107"
    birthcountry: str = "99100"
    preferred_username: str = ""

    def __repr__(self) -> str:
        # Personal data, even fictional, stays out of reprs (and so out of test failure output).
        return "IdentitePivot(<redacted>)"


@dataclass(frozen=True)
class Person:
    """A synthetic insured person as the double sees them, reached through their FC token.

    Secrets and identity stay out of ``repr`` so a failing test never prints them.
    """

    name: str
    token: str = field(repr=False)
    description: str = ""
    arrets: tuple[Arret, ...] = field(default=(), repr=False)
    # Extra lines given as such (e.g. by a downstream test), merged with the computed ones.
    extra_paiements: tuple[LignePaiement, ...] = field(default=(), repr=False)
    scopes: frozenset[str] = DEFAULT_SCOPES
    token_expires_at: datetime = FAR_FUTURE
    identite: IdentitePivot = field(default_factory=IdentitePivot, repr=False)
    api_key: str = field(default=SANDBOX_API_KEY, repr=False)
    # False: FranceConnect knows the identity but no insured person of the general scheme matches.
    known_to_cnam: bool = True
    # Faults served, in order, on this person's first calls (per double instance).
    faults: tuple[Fault | FaultSpec, ...] = ()
    # A fault served on every call of this person (e.g. a rate-limited partner).
    persistent_fault: Fault | FaultSpec | None = None

    def __post_init__(self) -> None:
        if not self.token:
            raise ValueError("a person needs a non-empty token")
        if self.token_expires_at.tzinfo is None:
            raise ValueError("token_expires_at must be timezone-aware")

    @property
    def paiements(self) -> tuple[LignePaiement, ...]:
        """All payment lines, sorted by start date (computed once, then cached)."""
        cached: tuple[LignePaiement, ...] | None = self.__dict__.get("_paiements")
        if cached is None:
            lignes = lignes_paiement_historique(self.arrets) + list(self.extra_paiements)
            lignes.sort(key=lambda ligne: (ligne.date_debut, ligne.date_fin))
            cached = tuple(lignes)
            # Frozen dataclass: cache by writing the instance dict directly.
            self.__dict__["_paiements"] = cached
        return cached

    @property
    def has_scope(self) -> bool:
        """Whether the FC token was granted the IJ payments scope."""
        return SCOPE_PAIEMENTS_IJ in self.scopes

    def token_expired(self, now: datetime) -> bool:
        """Whether the FC token has expired at ``now``."""
        return now >= self.token_expires_at
