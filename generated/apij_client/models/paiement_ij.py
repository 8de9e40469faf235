# GENERATED FILE - DO NOT EDIT.
# Generated from generated/apij-effective.yaml by openapi-python-client 0.29.1, formatted by ruff 0.17.6.
# Regenerate with `make regenerate` (python -m scripts.regenerate); see CONTRIBUTING.md.
from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PaiementIJ")


@_attrs_define
class PaiementIJ:
    """One IJ payment line. Source: api.gouv.fr page (période indemnisée, montant journalier, nombre de jours indemnisés,
    retenues CSG et CRDS); field names follow the sister API's French snake_case.

        Attributes:
            date_debut (datetime.date): First day of the indemnified period. Source: api.gouv.fr page (période).
            date_fin (datetime.date): Last day of the indemnified period. Source: api.gouv.fr page (période).
            nombre_jours (int): Number of days indemnified on this line (IJ are paid for every calendar day). Source:
                api.gouv.fr page (nombre de jours); service-public (calendar days).
            montant_journalier (float): An amount in euros with at most two decimals (gross daily amount, or the CSG or CRDS
                withheld on the line: 6.2 % and 0.5 % of days x daily amount, rounded to the cent). Source: api.gouv.fr page
                (montant journalier, CSG et CRDS); URSSAF and OpenFisca rates.
            csg (float): An amount in euros with at most two decimals (gross daily amount, or the CSG or CRDS withheld on
                the line: 6.2 % and 0.5 % of days x daily amount, rounded to the cent). Source: api.gouv.fr page (montant
                journalier, CSG et CRDS); URSSAF and OpenFisca rates.
            crds (float): An amount in euros with at most two decimals (gross daily amount, or the CSG or CRDS withheld on
                the line: 6.2 % and 0.5 % of days x daily amount, rounded to the cent). Source: api.gouv.fr page (montant
                journalier, CSG et CRDS); URSSAF and OpenFisca rates.
    """

    date_debut: datetime.date
    date_fin: datetime.date
    nombre_jours: int
    montant_journalier: float
    csg: float
    crds: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        date_debut = self.date_debut.isoformat()

        date_fin = self.date_fin.isoformat()

        nombre_jours = self.nombre_jours

        montant_journalier = self.montant_journalier

        csg = self.csg

        crds = self.crds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "date_debut": date_debut,
                "date_fin": date_fin,
                "nombre_jours": nombre_jours,
                "montant_journalier": montant_journalier,
                "csg": csg,
                "crds": crds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        date_debut = datetime.date.fromisoformat(d.pop("date_debut"))

        date_fin = datetime.date.fromisoformat(d.pop("date_fin"))

        nombre_jours = d.pop("nombre_jours")

        montant_journalier = d.pop("montant_journalier")

        csg = d.pop("csg")

        crds = d.pop("crds")

        paiement_ij = cls(
            date_debut=date_debut,
            date_fin=date_fin,
            nombre_jours=nombre_jours,
            montant_journalier=montant_journalier,
            csg=csg,
            crds=crds,
        )

        paiement_ij.additional_properties = d
        return paiement_ij

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
