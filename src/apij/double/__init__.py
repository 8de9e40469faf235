"""The CNAM double: a faithful stand-in for the APIJ gateway (respx, ASGI sandbox, pytest plugin).

Importing this package is cheap (the pytest plugin imports it in every test run); the names
below load their module on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from apij.double.constants import FAULT_HEADER, SANDBOX_API_KEY, SANDBOX_BASE_URL

if TYPE_CHECKING:
    from apij.double.core import CnamDouble, Reply
    from apij.double.domain import Arret, LignePaiement, NatureArret
    from apij.double.faults import Fault, FaultSpec
    from apij.double.people import IdentitePivot, Person
    from apij.double.scenarios import DEFAULT_SCENARIO, SCENARIOS

__all__ = [
    "DEFAULT_SCENARIO",
    "FAULT_HEADER",
    "SANDBOX_API_KEY",
    "SANDBOX_BASE_URL",
    "SCENARIOS",
    "Arret",
    "CnamDouble",
    "Fault",
    "FaultSpec",
    "IdentitePivot",
    "LignePaiement",
    "NatureArret",
    "Person",
    "Reply",
]

_LAZY = {
    "CnamDouble": "core",
    "Reply": "core",
    "Arret": "domain",
    "LignePaiement": "domain",
    "NatureArret": "domain",
    "Fault": "faults",
    "FaultSpec": "faults",
    "IdentitePivot": "people",
    "Person": "people",
    "DEFAULT_SCENARIO": "scenarios",
    "SCENARIOS": "scenarios",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    except AttributeError as exc:
        # Raised inside the module's own import: say so, not "cannot import name".
        raise ImportError(f"{__name__}.{name} could not be imported: {exc}") from exc
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
