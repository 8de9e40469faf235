"""Typed, immutable results: IJ payment lines with exact Decimal money and their totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, Inexact
from functools import reduce
from typing import Any, NamedTuple

__all__ = ["PaiementIJ", "ReleveIJ"]

_ZERO = Decimal(0)
# Money arithmetic never rounds. The default context keeps 28 digits, which a body the contract
# allows (no maximum on days or amounts) can exceed; this one is as wide as Decimal goes and
# traps Inexact, so a rounding could never pass silently. Context methods leave the caller's
# thread-local context alone.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Inexact])


def _sum(montants: Any) -> Decimal:
    return reduce(_EXACT.add, montants, _ZERO)


class PaiementIJ(NamedTuple):
    """One IJ payment line. Amounts are the JSON literals as `Decimal`, in euros.

    A NamedTuple: immutable, and built about three times faster than a frozen dataclass, which
    matters for a statement of thousands of lines (a sixth of the call at 1,000 lines).
    """

    date_debut: date
    date_fin: date
    nombre_jours: int
    montant_journalier: Decimal
    csg: Decimal
    crds: Decimal

    @property
    def brut(self) -> Decimal:
        """Gross amount: `nombre_jours × montant_journalier` (exact)."""
        return _EXACT.multiply(Decimal(self.nombre_jours), self.montant_journalier)

    @property
    def net(self) -> Decimal:
        """Net amount: gross − CSG − CRDS (exact)."""
        return _EXACT.subtract(_EXACT.subtract(self.brut, self.csg), self.crds)


@dataclass(frozen=True, slots=True)
class ReleveIJ:
    """The IJ statement for a window: the applied window and its payment lines, with totals."""

    date_debut: date
    date_fin: date
    paiements: tuple[PaiementIJ, ...]

    @property
    def total_jours(self) -> int:
        """Days indemnified over the window's lines."""
        return sum(p.nombre_jours for p in self.paiements)

    @property
    def total_brut(self) -> Decimal:
        """Sum of the lines' gross amounts."""
        return _sum(p.brut for p in self.paiements)

    @property
    def total_csg(self) -> Decimal:
        """Sum of the CSG withheld."""
        return _sum(p.csg for p in self.paiements)

    @property
    def total_crds(self) -> Decimal:
        """Sum of the CRDS withheld."""
        return _sum(p.crds for p in self.paiements)

    @property
    def total_net(self) -> Decimal:
        """Sum of the lines' net amounts (= total gross − total CSG − total CRDS)."""
        return _sum(p.net for p in self.paiements)
