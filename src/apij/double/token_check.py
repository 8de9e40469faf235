"""How the CNAM double learns who a FranceConnect token belongs to: the checker it is given.

Pure types: the checker itself (an HTTP call to FranceConnect's checktoken) lives in a door,
:mod:`apij.double.franceconnect.checktoken`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from apij.double.people import IdentitePivot

__all__ = ["ActiveToken", "CheckTokenUnavailable", "TokenChecker"]


@dataclass(frozen=True, slots=True)
class ActiveToken:
    """What checktoken says of an active token: whose it is, its scopes, when it expires."""

    identite: IdentitePivot | None = field(repr=False)
    scopes: frozenset[str]
    expires_at: datetime


class CheckTokenUnavailable(Exception):
    """FranceConnect could not be asked (unreachable, or an answer no one can read)."""


# token -> ActiveToken, or None when FranceConnect says {"active": false}; raises
# CheckTokenUnavailable when FranceConnect cannot answer.
TokenChecker = Callable[[str], ActiveToken | None]
