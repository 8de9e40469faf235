"""The CNAM double: a faithful stand-in for the APIJ gateway (respx, ASGI sandbox, pytest fixture).

Needs the ``double`` extra (``pip install 'apij[double]'``): importing it imports respx.
"""

from apij.double.constants import FAULT_HEADER, SANDBOX_API_KEY, SANDBOX_BASE_URL
from apij.double.core import CnamDouble, Reply
from apij.double.domain import Arret, LignePaiement, NatureArret
from apij.double.faults import Fault, FaultSpec
from apij.double.httpx_door import respx_router
from apij.double.mock import ApijMock
from apij.double.people import IdentitePivot, Person
from apij.double.scenarios import DEFAULT_SCENARIO, SCENARIOS

__all__ = [
    "DEFAULT_SCENARIO",
    "FAULT_HEADER",
    "SANDBOX_API_KEY",
    "SANDBOX_BASE_URL",
    "SCENARIOS",
    "ApijMock",
    "Arret",
    "CnamDouble",
    "Fault",
    "FaultSpec",
    "IdentitePivot",
    "LignePaiement",
    "NatureArret",
    "Person",
    "Reply",
    "respx_router",
]
