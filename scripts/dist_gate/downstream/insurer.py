"""The insurer's own code: the net IJ paid to one of its members over a window."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from apij import ApijClient


def net_paid(cnam: ApijClient, fc_token: str, debut: date, fin: date) -> Decimal:
    """Net IJ (gross − CSG − CRDS) the Assurance Maladie paid over [debut, fin]."""
    return cnam.paiements(fc_token, date_debut=debut, date_fin=fin).total_net
