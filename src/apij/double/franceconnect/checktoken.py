"""CNAM's side of checktoken: a data provider registered at FranceConnect, and the checker the
CNAM double calls for each token (an httpx POST, in process through respx or over HTTP)."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from joserfc import jwe, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet
from joserfc.jws import extract_compact

from apij.double.constants import SCOPE_PAIEMENTS_IJ
from apij.double.franceconnect.claims import identite_from_claims
from apij.double.franceconnect.models import DataProvider
from apij.double.token_check import ActiveToken, CheckTokenUnavailable

__all__ = ["CNAM_DATA_PROVIDER_ID", "CheckTokenClient", "cnam_data_provider"]

CNAM_DATA_PROVIDER_ID = "cnam-apij-double"
# The scopes FranceConnect lets CNAM see (france-connect/sources, cnam.claims.ts).
CNAM_SCOPES = frozenset({SCOPE_PAIEMENTS_IJ})


@dataclass
class CnamRegistration:
    """CNAM as FranceConnect knows it (``provider``) and the private key only CNAM holds."""

    provider: DataProvider
    decryption_key: ECKey = field(repr=False)


def cnam_data_provider() -> CnamRegistration:
    """A fresh CNAM data provider: its credentials and its ECDH-ES key pair (P-256)."""
    key = ECKey.generate_key(
        "P-256", parameters={"kid": "cnam-double-enc-1", "use": "enc"}, private=True
    )
    provider = DataProvider(
        client_id=CNAM_DATA_PROVIDER_ID,
        client_secret=secrets.token_urlsafe(32),
        scopes=CNAM_SCOPES,
        encryption_jwk=key.as_dict(private=False),
    )
    return CnamRegistration(provider, key)


class CheckTokenClient:
    """``token -> ActiveToken | None`` through FranceConnect's ``POST {issuer}/checktoken``:
    the JWE decrypted with CNAM's key, the JWS inside verified against FranceConnect's JWKS
    (fetched once, again when a ``kid`` is new: key rotation)."""

    def __init__(
        self, issuer: str, registration: CnamRegistration, *, timeout: float = 5.0
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self._registration = registration
        self._http = httpx.Client(timeout=timeout)
        self._jwks: KeySet | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"CheckTokenClient({self.issuer!r})"

    def close(self) -> None:
        self._http.close()

    def __call__(self, token: str) -> ActiveToken | None:
        provider = self._registration.provider
        try:
            response = self._http.post(
                f"{self.issuer}/checktoken",
                data={
                    "token": token,
                    "client_id": provider.client_id,
                    "client_secret": provider.client_secret,
                },
            )
        except httpx.HTTPError:
            raise CheckTokenUnavailable("checktoken: FranceConnect is unreachable") from None
        if response.status_code != 200:
            raise CheckTokenUnavailable(f"checktoken: HTTP {response.status_code}")
        try:
            claims = self._open(response.content)
        except (JoseError, ValueError, KeyError, TypeError):
            raise CheckTokenUnavailable("checktoken: an answer that does not verify") from None
        introspection = claims.get("token_introspection")
        if not isinstance(introspection, dict) or introspection.get("active") is not True:
            return None
        return ActiveToken(
            identite_from_claims(introspection),
            frozenset(str(introspection.get("scope", "")).split()),
            datetime.fromtimestamp(int(introspection["exp"]), UTC),
        )

    def _open(self, content: bytes) -> dict[str, Any]:
        provider = self._registration.provider
        decrypted = jwe.decrypt_compact(
            content,
            self._registration.decryption_key,
            algorithms=[provider.encryption_alg, "A256GCM"],
        )
        signed = decrypted.plaintext or b""
        token = jwt.decode(signed, self._key_set(signed), algorithms=["ES256", "RS256"])
        claims: dict[str, Any] = dict(token.claims)
        if claims.get("iss") != self.issuer or claims.get("aud") != provider.client_id:
            raise ValueError("checktoken answer for someone else")
        return claims

    def _key_set(self, signed: bytes) -> KeySet:
        kid = extract_compact(signed).protected.get("kid")
        with self._lock:
            jwks = self._jwks
            if jwks is None or not any(key.kid == kid for key in jwks.keys):
                try:
                    response = self._http.get(f"{self.issuer}/jwks")
                    response.raise_for_status()
                except httpx.HTTPError:
                    raise CheckTokenUnavailable("checktoken: JWKS unreachable") from None
                jwks = KeySet.import_key_set(response.json())
                self._jwks = jwks
        return jwks
