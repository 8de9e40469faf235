"""An offline FranceConnect v2 double: service providers log synthetic people in, data
providers (CNAM) check their tokens. Pure core in :mod:`.provider`; doors alongside."""

from apij.double.franceconnect.models import DataProvider, ServiceProvider
from apij.double.franceconnect.provider import DEFAULT_ISSUER, FranceConnectDouble

__all__ = ["DEFAULT_ISSUER", "DataProvider", "FranceConnectDouble", "ServiceProvider"]
