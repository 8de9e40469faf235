# GENERATED FILE - DO NOT EDIT.
# Generated from generated/apij-effective.yaml by openapi-python-client 0.29.1, formatted by ruff 0.17.6.
# Regenerate with `make regenerate` (python -m scripts.regenerate); see CONTRIBUTING.md.
from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.paiement_ij import PaiementIJ


T = TypeVar("T", bound="PaiementsIJ")


@_attrs_define
class PaiementsIJ:
    """The applied search window and the IJ payment lines of the insured person. Source: api.gouv.fr page (data returned);
    the envelope is inferred.

        Attributes:
            date_debut (datetime.date): First day of the applied window (echo of dateDebut).
            date_fin (datetime.date): Last day of the applied window (echo of dateFin).
            paiements (list[PaiementIJ]): Payment lines intersecting the window, whole, sorted by date_debut.
    """

    date_debut: datetime.date
    date_fin: datetime.date
    paiements: list[PaiementIJ]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        date_debut = self.date_debut.isoformat()

        date_fin = self.date_fin.isoformat()

        paiements = []
        for paiements_item_data in self.paiements:
            paiements_item = paiements_item_data.to_dict()
            paiements.append(paiements_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "date_debut": date_debut,
                "date_fin": date_fin,
                "paiements": paiements,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.paiement_ij import PaiementIJ  # noqa: PLC0415

        d = dict(src_dict)
        date_debut = datetime.date.fromisoformat(d.pop("date_debut"))

        date_fin = datetime.date.fromisoformat(d.pop("date_fin"))

        paiements = []
        _paiements = d.pop("paiements")
        for paiements_item_data in _paiements:
            paiements_item = PaiementIJ.from_dict(paiements_item_data)

            paiements.append(paiements_item)

        paiements_ij = cls(
            date_debut=date_debut,
            date_fin=date_fin,
            paiements=paiements,
        )

        paiements_ij.additional_properties = d
        return paiements_ij

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
