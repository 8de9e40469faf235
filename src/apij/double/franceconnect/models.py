"""What the FranceConnect double registers and issues: clients, authorization codes, tokens.

The classes follow Authlib's model mixins (``ClientMixin``, ``AuthorizationCodeMixin``,
``TokenMixin``): the grants and endpoints of :mod:`authlib` read them, nothing else does.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oidc.core import AuthorizationCodeMixin

from apij.double.people import Person

__all__ = [
    "AuthorizationCode",
    "DataProvider",
    "IssuedToken",
    "ServiceProvider",
    "is_loopback_redirect",
]

# FranceConnect (fs-technique "Données utilisateur" and core-fcp-low): 60 s access tokens,
# 30 s single-use codes, no refresh token.
ACCESS_TOKEN_LIFETIME = timedelta(seconds=60)
CODE_LIFETIME = timedelta(seconds=30)
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def is_loopback_redirect(uri: str) -> bool:
    """RFC 8252 §7.3: an ``http`` redirect to a loopback address, any port."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        return False
    return parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS and not parts.fragment


@dataclass(frozen=True)
class ServiceProvider(ClientMixin):  # type: ignore[misc]
    """A fournisseur de service (FS): a partner's OpenID Connect client, ``client_secret_post``."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uris: tuple[str, ...] = ()
    post_logout_redirect_uris: tuple[str, ...] = ()
    # The sandbox's partner: any loopback port is a registered redirect URI (RFC 8252 §7.3).
    allow_loopback_redirects: bool = False
    # ES256 by default; FranceConnect signs RS256 for the clients registered so.
    id_token_signed_response_alg: str = "ES256"  # noqa: S105 - an algorithm name
    # Private service providers get a consent step at FranceConnect.
    private: bool = True
    name: str = "Service partenaire (synthétique)"

    @property
    def client_metadata(self) -> dict[str, Any]:
        return {
            "userinfo_signed_response_alg": self.id_token_signed_response_alg,
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
        }

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # FranceConnect requires redirect_uri: never guess one.
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        if redirect_uri in self.redirect_uris:
            return True
        return self.allow_loopback_redirects and is_loopback_redirect(redirect_uri)

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_post" and endpoint == "token"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass(frozen=True)
class DataProvider(ClientMixin):  # type: ignore[misc]
    """A fournisseur de données (FD) such as CNAM: it calls ``checktoken``, nothing else.

    ``encryption_jwk`` is its public key (FranceConnect encrypts checktoken answers to it).
    """

    client_id: str
    client_secret: str = field(repr=False)
    scopes: frozenset[str] = frozenset()
    encryption_jwk: dict[str, Any] = field(default_factory=dict, repr=False)
    encryption_alg: str = "ECDH-ES"

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_post" and endpoint == "introspection"

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return False


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):  # type: ignore[misc]
    """A code: 30 s, single use, bound to the client, redirect URI, person and nonce."""

    code: str = field(repr=False)
    client_id: str
    redirect_uri: str
    scope: str
    person: Person
    nonce: str | None = field(default=None, repr=False)
    auth_time: int = 0
    acr: str = "eidas1"
    amr: list[str] | None = None
    code_challenge: str | None = field(default=None, repr=False)
    code_challenge_method: str | None = None
    expires_at: datetime | None = None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> list[str] | None:
        return self.amr


@dataclass
class IssuedToken(TokenMixin):  # type: ignore[misc]
    """An access token FranceConnect issued (60 s) and what checktoken tells about it."""

    access_token: str = field(repr=False)
    client: ServiceProvider
    person: Person
    scope: str
    acr: str
    issued_at: datetime
    now: Callable[[], datetime] = field(repr=False)
    jti: str = ""
    revoked: bool = False

    @property
    def expires_at(self) -> datetime:
        return self.issued_at + ACCESS_TOKEN_LIFETIME

    def check_client(self, client: ClientMixin) -> bool:
        return bool(client.get_client_id() == self.client.client_id)

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int(ACCESS_TOKEN_LIFETIME.total_seconds())

    def is_expired(self) -> bool:
        return self.now() >= self.expires_at

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> Person:
        return self.person

    def get_client(self) -> ServiceProvider:
        return self.client
