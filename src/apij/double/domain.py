"""IJ arithmetic: payment lines computed from work stoppages, in exact Decimal euros."""

from __future__ import annotations

import bisect
import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "CENT",
    "MAX_LIGNE_DAYS",
    "TAUX_CRDS",
    "TAUX_CSG",
    "Arret",
    "LignePaiement",
    "NatureArret",
    "jours_de_carence",
    "lignes_paiement",
    "lignes_paiement_historique",
    "montant_journalier_plafond",
    "round_to_cent",
]

CENT = Decimal("0.01")
TAUX_CSG = Decimal("0.062")
TAUX_CRDS = Decimal("0.005")
# CPAM pays sickness IJ roughly every 14 days: one payment line per fortnight at most.
MAX_LIGNE_DAYS = 14
# The daily base salary is the gross pay of the last 3 months divided by 91.25 (days).
DAYS_IN_3_MONTHS = Decimal("91.25")
# Sickness salary cap, as a multiple of the monthly SMIC: 1.8 for stoppages starting before
# 1 April 2025, 1.4 from then on (LFSS 2025 decree).
PLAFOND_MALADIE_LOWERED_ON = date(2025, 4, 1)
SMIC_RATIO_BEFORE = Decimal("1.8")
SMIC_RATIO_SINCE = Decimal("1.4")
# Maternity/paternity: 21 % flat deduction from the daily base salary, capped at the PASS.
ABATTEMENT_MATERNITE = Decimal("0.21")
# AT/MP: the daily reference salary is capped at 0.834 % of the annual PASS.
PLAFOND_ATMP_SHARE_OF_PASS = Decimal("0.00834")
# AT/MP rate: 60 % of the daily reference salary, raised to 80 % from day 29 of the stoppage.
TAUX_ATMP_BEFORE = Decimal("0.60")
TAUX_ATMP_SINCE = Decimal("0.80")
TAUX_ATMP_RAISED_ON_DAY = 29

# Gross monthly SMIC (151.67 h), by date of effect (public decrees).
_MONTHLY_SMIC: tuple[tuple[date, Decimal], ...] = (
    (date(2018, 1, 1), Decimal("1498.47")),
    (date(2019, 1, 1), Decimal("1521.22")),
    (date(2020, 1, 1), Decimal("1539.42")),
    (date(2021, 1, 1), Decimal("1554.58")),
    (date(2021, 10, 1), Decimal("1589.47")),
    (date(2022, 1, 1), Decimal("1603.12")),
    (date(2022, 5, 1), Decimal("1645.58")),
    (date(2022, 8, 1), Decimal("1678.95")),
    (date(2023, 1, 1), Decimal("1709.28")),
    (date(2023, 5, 1), Decimal("1747.20")),
    (date(2024, 1, 1), Decimal("1766.92")),
    (date(2024, 11, 1), Decimal("1801.80")),
    (date(2026, 1, 1), Decimal("1823.03")),
)
_SMIC_DATES = [d for d, _ in _MONTHLY_SMIC]
# Annual social security ceiling (PASS), by year.
_PASS: dict[int, Decimal] = {
    2018: Decimal(39732),
    2019: Decimal(40524),
    2020: Decimal(41136),
    2021: Decimal(41136),
    2022: Decimal(41136),
    2023: Decimal(43992),
    2024: Decimal(46368),
    2025: Decimal(47100),
    2026: Decimal(48060),
}
FIRST_KNOWN_DATE = date(2018, 2, 1)
LAST_KNOWN_DATE = date(2026, 12, 31)


class NatureArret(enum.StrEnum):
    """Kind of work stoppage: it decides waiting days, rate and cap."""

    MALADIE = "maladie"
    AT_MP = "at_mp"
    MATERNITE = "maternite"
    PATERNITE = "paternite"


def round_to_cent(montant: Decimal) -> Decimal:
    """Round to the cent, half up (the CSG/CRDS and daily amount rule)."""
    return montant.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class LignePaiement:
    """One payment line: a period paid at one daily amount, with its CSG and CRDS."""

    date_debut: date
    date_fin: date
    nombre_jours: int
    montant_journalier: Decimal
    csg: Decimal
    crds: Decimal

    def __post_init__(self) -> None:
        if self.date_fin < self.date_debut:
            raise ValueError("date_fin is before date_debut")
        if self.nombre_jours != (self.date_fin - self.date_debut).days + 1:
            raise ValueError("nombre_jours must be the calendar days of the line")
        for montant in (self.montant_journalier, self.csg, self.crds):
            if montant < 0 or montant != montant.quantize(CENT):
                raise ValueError("amounts are non-negative euros with at most two decimals")

    @classmethod
    def compute(
        cls, date_debut: date, date_fin: date, montant_journalier: Decimal
    ) -> LignePaiement:
        """Build a line from its period and daily amount, deriving CSG and CRDS."""
        nombre_jours = (date_fin - date_debut).days + 1
        brut = nombre_jours * montant_journalier
        return cls(
            date_debut=date_debut,
            date_fin=date_fin,
            nombre_jours=nombre_jours,
            montant_journalier=montant_journalier,
            csg=round_to_cent(brut * TAUX_CSG),
            crds=round_to_cent(brut * TAUX_CRDS),
        )

    @property
    def brut(self) -> Decimal:
        """Gross amount of the line: days × daily amount."""
        return self.nombre_jours * self.montant_journalier

    @property
    def net(self) -> Decimal:
        """Net amount of the line: gross − CSG − CRDS."""
        return self.brut - self.csg - self.crds


@dataclass(frozen=True, slots=True)
class Arret:
    """A work stoppage, with the gross pay of the 3 months before it (the salary base)."""

    nature: NatureArret
    date_debut: date
    date_fin: date
    salaire_brut_3_mois: Decimal
    # A prolongation continues an earlier sickness stoppage: no new waiting days.
    is_prolongation: bool = False

    def __post_init__(self) -> None:
        if self.date_fin < self.date_debut:
            raise ValueError("date_fin is before date_debut")
        if self.salaire_brut_3_mois < 0:
            raise ValueError("salaire_brut_3_mois must not be negative")
        if self.date_debut < FIRST_KNOWN_DATE or self.date_fin > LAST_KNOWN_DATE:
            raise ValueError(f"stoppages must lie within {FIRST_KNOWN_DATE}..{LAST_KNOWN_DATE}")


def _monthly_smic(day: date) -> Decimal:
    return _MONTHLY_SMIC[bisect.bisect_right(_SMIC_DATES, day) - 1][1]


def _annual_pass(year: int) -> Decimal:
    return _PASS[year]


def _plafond_salaire_maladie(arret_start: date) -> Decimal:
    # The cap uses the SMIC in force on the last day of the month before the stoppage.
    previous_month_end = arret_start.replace(day=1) - timedelta(days=1)
    ratio = SMIC_RATIO_BEFORE if arret_start < PLAFOND_MALADIE_LOWERED_ON else SMIC_RATIO_SINCE
    return ratio * 3 * _monthly_smic(previous_month_end)


def _taux(nature: NatureArret, day_number: int) -> Decimal:
    if nature is NatureArret.AT_MP:
        return TAUX_ATMP_BEFORE if day_number < TAUX_ATMP_RAISED_ON_DAY else TAUX_ATMP_SINCE
    return Decimal("0.50")


def _montant_journalier(
    nature: NatureArret, arret_start: date, salaire: Decimal, day_number: int
) -> Decimal:
    if nature is NatureArret.MALADIE:
        base = min(salaire, _plafond_salaire_maladie(arret_start)) / DAYS_IN_3_MONTHS
        return round_to_cent(base * _taux(nature, day_number))
    if nature is NatureArret.AT_MP:
        plafond = _annual_pass(arret_start.year) * PLAFOND_ATMP_SHARE_OF_PASS
        base = min(salaire / DAYS_IN_3_MONTHS, plafond)
        return round_to_cent(base * _taux(nature, day_number))
    # Maternity and paternity: gross capped at 3 monthly PASS, less the 21 % flat deduction.
    base = min(salaire, 3 * _annual_pass(arret_start.year) / 12) / DAYS_IN_3_MONTHS
    return round_to_cent(base * (1 - ABATTEMENT_MATERNITE))


def montant_journalier_plafond(
    nature: NatureArret, arret_start: date, day_number: int = 1
) -> Decimal:
    """The highest daily amount a stoppage of this kind, starting that day, can pay."""
    return _montant_journalier(nature, arret_start, Decimal("1e9"), day_number)


def jours_de_carence(arret: Arret) -> int:
    """Waiting days: 3 for a new sickness stoppage, none otherwise."""
    if arret.nature is NatureArret.MALADIE and not arret.is_prolongation:
        return 3
    return 0


def lignes_paiement(arret: Arret) -> list[LignePaiement]:
    """The payment lines of one stoppage, in order: at most 14 days, one daily amount each."""
    lignes: list[LignePaiement] = []
    first_paid_day = arret.date_debut + timedelta(days=jours_de_carence(arret))
    start = first_paid_day
    while start <= arret.date_fin:
        day_number = (start - arret.date_debut).days + 1
        end = min(start + timedelta(days=MAX_LIGNE_DAYS - 1), arret.date_fin)
        if arret.nature is NatureArret.AT_MP and day_number < TAUX_ATMP_RAISED_ON_DAY:
            # The rate rises on day 29: a line never mixes two daily amounts.
            end = min(end, arret.date_debut + timedelta(days=TAUX_ATMP_RAISED_ON_DAY - 2))
        montant = _montant_journalier(
            arret.nature, arret.date_debut, arret.salaire_brut_3_mois, day_number
        )
        lignes.append(LignePaiement.compute(start, end, montant))
        start = end + timedelta(days=1)
    return lignes


def lignes_paiement_historique(arrets: tuple[Arret, ...] | list[Arret]) -> list[LignePaiement]:
    """All payment lines of a history of stoppages, sorted by start date."""
    lignes = [ligne for arret in arrets for ligne in lignes_paiement(arret)]
    lignes.sort(key=lambda ligne: (ligne.date_debut, ligne.date_fin))
    return lignes
