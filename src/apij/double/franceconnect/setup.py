"""FranceConnect and CNAM wired together as in production: a partner registered as a service
provider, CNAM as a data provider, and the CNAM double checking tokens through checktoken."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from apij.double.core import utc_now
from apij.double.franceconnect.checktoken import (
    CheckTokenClient,
    CnamRegistration,
    cnam_data_provider,
)
from apij.double.franceconnect.models import ServiceProvider
from apij.double.franceconnect.provider import DEFAULT_ISSUER, FranceConnectDouble
from apij.double.people import Person

__all__ = ["DEFAULT_REDIRECT_URI", "PARTNER_CLIENT_ID", "FranceConnectSetup", "wire"]

PARTNER_CLIENT_ID: Final = "partenaire-apij-double"
# Where a test's partner "receives" the code when it names no callback (never resolves).
DEFAULT_REDIRECT_URI: Final = "https://partenaire.invalid/callback"


@dataclass
class FranceConnectSetup:
    """The FranceConnect double, the partner registered there, and CNAM's checker."""

    fc: FranceConnectDouble
    partner: ServiceProvider
    cnam: CnamRegistration = field(repr=False)
    checker: CheckTokenClient


def wire(
    *,
    issuer: str = DEFAULT_ISSUER,
    now: Callable[[], datetime] = utc_now,
    people: Iterable[Person] | None = None,
    redirect_uris: Iterable[str] = (),
    allow_loopback_redirects: bool = True,
) -> FranceConnectSetup:
    """A FranceConnect double with a partner (redirects: ``redirect_uris``, the default test
    callback, and any loopback port per RFC 8252 §7.3) and CNAM registered."""
    fc = FranceConnectDouble(people, issuer=issuer, now=now)
    partner = ServiceProvider(
        client_id=PARTNER_CLIENT_ID,
        client_secret=secrets.token_urlsafe(32),
        redirect_uris=(DEFAULT_REDIRECT_URI, *redirect_uris),
        post_logout_redirect_uris=(DEFAULT_REDIRECT_URI, *redirect_uris),
        allow_loopback_redirects=allow_loopback_redirects,
    )
    fc.register(partner)
    cnam = cnam_data_provider()
    fc.register(cnam.provider)
    return FranceConnectSetup(fc, partner, cnam, CheckTokenClient(fc.issuer, cnam))
