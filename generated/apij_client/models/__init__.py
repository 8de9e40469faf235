# GENERATED FILE - DO NOT EDIT.
# Generated from generated/apij-effective.yaml by openapi-python-client 0.29.1, formatted by ruff 0.17.6.
# Regenerate with `make regenerate` (python -m scripts.regenerate); see CONTRIBUTING.md.
"""Contains all the data models used in inputs/outputs"""

from .erreur import Erreur
from .erreur_code import ErreurCode
from .paiement_ij import PaiementIJ
from .paiements_ij import PaiementsIJ

__all__ = (
    "Erreur",
    "ErreurCode",
    "PaiementIJ",
    "PaiementsIJ",
)
