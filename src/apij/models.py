"""Typed, immutable results: IJ payment lines with exact Decimal money and their totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

__all__ = ["PaiementIJ", "ReleveIJ"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PaiementIJ:
    """One IJ payment line. Amounts are the JSON literals as `Decimal`, in euros."""

    date_debut: date
    date_fin: date
    nombre_jours: int
    montant_journalier: Decimal
    csg: Decimal
    crds: Decimal

    @property
    def brut(self) -> Decimal:
        """Gross amount: `nombre_jours × montant_journalier` (exact)."""
        return self.nombre_jours * self.montant_journalier

    @property
    def net(self) -> Decimal:
        """Net amount: gross − CSG − CRDS (exact)."""
        return self.brut - self.csg - self.crds


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
        return sum((p.brut for p in self.paiements), _ZERO)

    @property
    def total_csg(self) -> Decimal:
        """Sum of the CSG withheld."""
        return sum((p.csg for p in self.paiements), _ZERO)

    @property
    def total_crds(self) -> Decimal:
        """Sum of the CRDS withheld."""
        return sum((p.crds for p in self.paiements), _ZERO)

    @property
    def total_net(self) -> Decimal:
        """Sum of the lines' net amounts (= total gross − total CSG − total CRDS)."""
        return sum((p.net for p in self.paiements), _ZERO)
