"""Hypothesis strategies for further valid synthetic people, arrêts and their historiques."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from apij.double.constants import SCOPE_PAIEMENTS_IJ
from apij.double.domain import FIRST_KNOWN_DATE, LAST_KNOWN_DATE, Arret, NatureArret
from apij.double.people import FAR_FUTURE, IdentitePivot, Person

__all__ = ["arrets", "historiques", "identites", "people", "salaires", "tokens", "windows"]

_TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"  # noqa: S105 - an alphabet, not a secret


def salaires() -> st.SearchStrategy[Decimal]:
    """Gross pay of the last 3 months, in euros and cents (zero to well above every cap)."""
    return st.integers(min_value=0, max_value=4_000_000).map(lambda cents: Decimal(cents) / 100)


def arrets(
    natures: st.SearchStrategy[NatureArret] | None = None,
    *,
    min_start: date = FIRST_KNOWN_DATE,
    max_start: date = date(2026, 9, 30),
    max_days: int = 120,
) -> st.SearchStrategy[Arret]:
    """One stoppage inside the domain's known dates."""

    @st.composite
    def build(draw: st.DrawFn) -> Arret:
        start = draw(st.dates(min_value=min_start, max_value=max_start))
        days = draw(st.integers(min_value=1, max_value=max_days))
        end = min(start + timedelta(days=days - 1), LAST_KNOWN_DATE)
        nature = draw(natures if natures is not None else st.sampled_from(NatureArret))
        is_prolongation = nature is NatureArret.MALADIE and draw(st.booleans())
        return Arret(nature, start, end, draw(salaires()), is_prolongation=is_prolongation)

    return build()


def historiques(max_size: int = 8) -> st.SearchStrategy[tuple[Arret, ...]]:
    """A person's stoppages: in order, never overlapping."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[Arret, ...]:
        start = draw(st.dates(min_value=FIRST_KNOWN_DATE, max_value=date(2025, 12, 31)))
        historique: list[Arret] = []
        for _ in range(draw(st.integers(min_value=0, max_value=max_size))):
            days = draw(st.integers(min_value=1, max_value=90))
            end = start + timedelta(days=days - 1)
            if end > LAST_KNOWN_DATE:
                break
            nature = draw(st.sampled_from(NatureArret))
            is_prolongation = nature is NatureArret.MALADIE and draw(st.booleans())
            historique.append(
                Arret(nature, start, end, draw(salaires()), is_prolongation=is_prolongation)
            )
            start = end + timedelta(days=draw(st.integers(min_value=1, max_value=120)))
        return tuple(historique)

    return build()


def tokens() -> st.SearchStrategy[str]:
    """Syntactically valid bearer tokens (RFC 6750 b64token)."""
    return st.text(alphabet=_TOKEN_ALPHABET, min_size=12, max_size=40)


def identites() -> st.SearchStrategy[IdentitePivot]:
    """Fictional FranceConnect pivot identities."""
    names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=12).map(str.title)
    return st.builds(
        IdentitePivot,
        given_name=names,
        family_name=names,
        birthdate=st.dates(min_value=date(1940, 1, 1), max_value=date(2007, 12, 31)),
        gender=st.sampled_from(["female", "male"]),
    )


def people(*, valid_session: bool | None = True) -> st.SearchStrategy[Person]:
    """Synthetic people. ``valid_session=True``: scope granted, token alive, known to CNAM;
    ``False``: at least one of those fails; ``None``: anything."""

    @st.composite
    def build(draw: st.DrawFn) -> Person:
        has_scope, alive, known = True, True, True
        if valid_session is None:
            has_scope, alive, known = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
        elif not valid_session:
            has_scope, alive, known = draw(
                st.tuples(st.booleans(), st.booleans(), st.booleans()).filter(lambda t: not all(t))
            )
        scopes = {"openid"} | ({SCOPE_PAIEMENTS_IJ} if has_scope else set())
        expiry = FAR_FUTURE if alive else datetime(2020, 1, 1, tzinfo=UTC)
        return Person(
            name=draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=3, max_size=20)),
            token=draw(tokens()),
            arrets=draw(historiques()) if known else (),
            scopes=frozenset(scopes),
            token_expires_at=expiry,
            identite=draw(identites()),
            known_to_cnam=known,
        )

    return build()


def windows(
    min_value: date = date(2017, 1, 1), max_value: date = date(2027, 12, 31)
) -> st.SearchStrategy[tuple[date, date]]:
    """Search windows ``(dateDebut, dateFin)`` with ``dateDebut <= dateFin``."""
    return st.tuples(
        st.dates(min_value=min_value, max_value=max_value),
        st.dates(min_value=min_value, max_value=max_value),
    ).map(lambda pair: (min(pair), max(pair)))
