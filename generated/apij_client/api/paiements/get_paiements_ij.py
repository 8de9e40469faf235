# GENERATED FILE - DO NOT EDIT.
# Generated from generated/apij-effective.yaml by openapi-python-client 0.29.1, formatted by ruff 0.17.6.
# Regenerate with `make regenerate` (python -m scripts.regenerate); see CONTRIBUTING.md.
import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.erreur import Erreur
from ...models.paiements_ij import PaiementsIJ
from ...types import UNSET, Response


def _get_kwargs(
    *,
    date_debut: datetime.date,
    date_fin: datetime.date,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_date_debut = date_debut.isoformat()
    params["dateDebut"] = json_date_debut

    json_date_fin = date_fin.isoformat()
    params["dateFin"] = json_date_fin

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/me/paiements",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Erreur | PaiementsIJ | None:
    if response.status_code == 200:
        response_200 = PaiementsIJ.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Erreur.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Erreur.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Erreur.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Erreur.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = Erreur.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Erreur.from_dict(response.json())

        return response_500

    if response.status_code == 502:
        response_502 = Erreur.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = Erreur.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Erreur | PaiementsIJ]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    date_debut: datetime.date,
    date_fin: datetime.date,
) -> Response[Erreur | PaiementsIJ]:
    """Paiements d'IJ de l'assuré connecté sur une période

     Returns the daily sickness allowance (IJ) payment lines of the insured person identified by the
    FranceConnect access token, whose indemnified period intersects the window [dateDebut, dateFin].
    Intersecting lines are returned whole, sorted by start date. Source: api.gouv.fr page (data
    returned: période, montant journalier, nombre de jours, CSG et CRDS); sister API (GET only, /me
    resource, dateDebut/dateFin). The resource name and the intersection rule are inferred.

    Args:
        date_debut (datetime.date):
        date_fin (datetime.date):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Erreur | PaiementsIJ]
    """

    kwargs = _get_kwargs(
        date_debut=date_debut,
        date_fin=date_fin,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    date_debut: datetime.date,
    date_fin: datetime.date,
) -> Erreur | PaiementsIJ | None:
    """Paiements d'IJ de l'assuré connecté sur une période

     Returns the daily sickness allowance (IJ) payment lines of the insured person identified by the
    FranceConnect access token, whose indemnified period intersects the window [dateDebut, dateFin].
    Intersecting lines are returned whole, sorted by start date. Source: api.gouv.fr page (data
    returned: période, montant journalier, nombre de jours, CSG et CRDS); sister API (GET only, /me
    resource, dateDebut/dateFin). The resource name and the intersection rule are inferred.

    Args:
        date_debut (datetime.date):
        date_fin (datetime.date):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Erreur | PaiementsIJ
    """

    return sync_detailed(
        client=client,
        date_debut=date_debut,
        date_fin=date_fin,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    date_debut: datetime.date,
    date_fin: datetime.date,
) -> Response[Erreur | PaiementsIJ]:
    """Paiements d'IJ de l'assuré connecté sur une période

     Returns the daily sickness allowance (IJ) payment lines of the insured person identified by the
    FranceConnect access token, whose indemnified period intersects the window [dateDebut, dateFin].
    Intersecting lines are returned whole, sorted by start date. Source: api.gouv.fr page (data
    returned: période, montant journalier, nombre de jours, CSG et CRDS); sister API (GET only, /me
    resource, dateDebut/dateFin). The resource name and the intersection rule are inferred.

    Args:
        date_debut (datetime.date):
        date_fin (datetime.date):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Erreur | PaiementsIJ]
    """

    kwargs = _get_kwargs(
        date_debut=date_debut,
        date_fin=date_fin,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    date_debut: datetime.date,
    date_fin: datetime.date,
) -> Erreur | PaiementsIJ | None:
    """Paiements d'IJ de l'assuré connecté sur une période

     Returns the daily sickness allowance (IJ) payment lines of the insured person identified by the
    FranceConnect access token, whose indemnified period intersects the window [dateDebut, dateFin].
    Intersecting lines are returned whole, sorted by start date. Source: api.gouv.fr page (data
    returned: période, montant journalier, nombre de jours, CSG et CRDS); sister API (GET only, /me
    resource, dateDebut/dateFin). The resource name and the intersection rule are inferred.

    Args:
        date_debut (datetime.date):
        date_fin (datetime.date):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Erreur | PaiementsIJ
    """

    return (
        await asyncio_detailed(
            client=client,
            date_debut=date_debut,
            date_fin=date_fin,
        )
    ).parsed
