"""The FranceConnect double's pure core: FranceConnect v2 ("low" level) as an OpenID provider.

Built on Authlib's server (``AuthorizationCodeGrant`` + ``OpenIDCode`` + ``CodeChallenge``,
``UserInfoEndpoint``, ``IntrospectionEndpoint`` for checktoken, ``EndSessionEndpoint``) and on
joserfc for every JWS and JWE. Like the CNAM double's core it takes a request as plain strings
and answers a :class:`~apij.double.core.Reply`: no HTTP library here.

Facts followed (cited as in DESIGN.md): FranceConnect's partner documentation (fs-technique
endpoints, v1→v2 migration) and its public code, france-connect/sources: ``core-fcp-low``'s
oidc-provider configuration, ``authorize-params.dto.ts`` (nonce ≥ 22 characters, state,
acr_values), ``fcp-low.scopes.ts``, ``data-provider.service.ts`` (checktoken).
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Request,
    ResourceProtector,
    UnsupportedResponseTypeError,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import OpenIDCode, UserInfoEndpoint
from authlib.oidc.rpinitiated import EndSessionEndpoint
from joserfc import jwe, jwt
from joserfc.jwk import ECKey, Key, KeyParameters, KeySet, RSAKey

from apij.double.core import Reply, utc_now
from apij.double.franceconnect.claims import (
    PIVOT_CLAIMS,
    SCOPES_SUPPORTED,
    pairwise_sub,
    pivot_claims,
    user_claims,
)
from apij.double.franceconnect.models import (
    ACCESS_TOKEN_LIFETIME,
    CODE_LIFETIME,
    AuthorizationCode,
    DataProvider,
    IssuedToken,
    ServiceProvider,
)
from apij.double.franceconnect.pages import Interaction, consent_page, error_page, login_page
from apij.double.people import Person
from apij.double.scenarios import SCENARIOS

__all__ = [
    "DEFAULT_ISSUER",
    "FranceConnectDouble",
    "Reply",
]

DEFAULT_ISSUER: Final = "https://franceconnect-double.invalid/api/v2"
ACR_EIDAS1: Final = "eidas1"
MIN_NONCE_LENGTH: Final = 22
# The ID token's amr when a client asks for it through `claims` (FranceConnect: "fc" + method).
AMR_VALUES: Final = ["fc", "pwd"]
INTERACTION_COOKIE: Final = "fc_double_interaction"
_JSON = "application/json"
_NO_STORE = (("cache-control", "no-store"), ("pragma", "no-cache"))
# Authlib logs issued tokens at DEBUG ("Issue token %r to %r"): never let them through.
logging.getLogger("authlib.oauth2.rfc6749.grants.authorization_code").setLevel(logging.INFO)


class _Headers(dict[str, str]):
    """Header lookups by any case (Authlib asks for ``Authorization``)."""

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())


class _Payload:
    """Authlib's payload protocol over parsed query and form parameters."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.datalist: dict[str, list[str]] = {}
        for name, value in pairs:
            self.datalist.setdefault(name, []).append(value)
        self.data = {name: values[0] for name, values in self.datalist.items()}

    def _get(self, name: str) -> str | None:
        return self.data.get(name)

    client_id = property(lambda self: self._get("client_id"))
    grant_type = property(lambda self: self._get("grant_type"))
    redirect_uri = property(lambda self: self._get("redirect_uri"))
    scope = property(lambda self: self._get("scope"))
    state = property(lambda self: self._get("state"))

    @property
    def response_type(self) -> str | None:
        value = self._get("response_type")
        return " ".join(sorted(value.split())) if value and " " in value else value


class _Request(OAuth2Request):  # type: ignore[misc]
    def __init__(
        self,
        method: str,
        uri: str,
        headers: _Headers,
        query: list[tuple[str, str]],
        form: list[tuple[str, str]],
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self._args = dict(query)
        self._form = dict(form)
        self.payload = _Payload(query + form)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


@dataclass
class _SigningKeys:
    """FranceConnect's signing keys: the current one per algorithm, and the retired ones still
    published so tokens signed before a rotation keep verifying."""

    current: dict[str, Key] = field(default_factory=dict)
    published: list[Key] = field(default_factory=list)
    generation: int = 0

    def key_for(self, alg: str) -> Key:
        key = self.current.get(alg)
        if key is None:
            key = self._new(alg)
        return key

    def _new(self, alg: str) -> Key:
        self.generation += 1
        kid = f"fc-double-{alg.lower()}-{self.generation}"
        options: KeyParameters = {"kid": kid, "use": "sig", "alg": alg}
        key: Key
        if alg == "RS256":
            key = RSAKey.generate_key(2048, parameters=options, private=True)
        else:
            key = ECKey.generate_key("P-256", parameters=options, private=True)
        self.current[alg] = key
        self.published.append(key)
        return key

    def rotate(self, retire_previous: bool) -> None:
        for alg in list(self.current):
            self._new(alg)
        if retire_previous:
            self.published = list(self.current.values())

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in self.published]}

    def key_set(self) -> KeySet:
        return KeySet(list(self.published))


class _UnsupportedResponseType(UnsupportedResponseTypeError):  # type: ignore[misc]
    def __init__(self, redirect_uri: str | None) -> None:
        super().__init__(
            "", description="Only response_type=code is supported.", redirect_uri=redirect_uri
        )

    def get_error_description(self) -> str:
        return str(self.description)


class _Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, fc: FranceConnectDouble) -> None:
        super().__init__(scopes_supported=list(SCOPES_SUPPORTED))
        self.fc = fc
        self.register_token_generator("default", fc._generate_token)

    def query_client(self, client_id: str) -> ServiceProvider | DataProvider | None:
        return self.fc._clients.get(client_id)

    def get_authorization_grant(self, request: OAuth2Request) -> Any:
        if request.payload.response_type == "code":
            return super().get_authorization_grant(request)
        # Authlib writes the response type into the error's description, then refuses its own
        # description when the value holds characters RFC 6749 forbids there (a ValueError, so
        # a 500). Same decision, same redirect rule (§4.1.2.1), a description of our own.
        redirect_uri = None
        client = self.query_client(request.payload.client_id or "")
        requested = request.payload.redirect_uri
        if (
            isinstance(client, ServiceProvider)
            and requested
            and client.check_redirect_uri(requested)
        ):
            redirect_uri = requested
        raise _UnsupportedResponseType(redirect_uri=redirect_uri)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.fc._save_token(token, request)

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def create_json_request(self, request: Any) -> Any:  # pragma: no cover - no JSON endpoint
        raise NotImplementedError

    def handle_response(self, status: int, body: Any, headers: Iterable[tuple[str, str]]) -> Reply:
        head = [(name.lower(), value) for name, value in headers]
        if isinstance(body, dict):
            payload = json.dumps(body).encode()
            if not any(name == "content-type" for name, _ in head):
                head.append(("content-type", _JSON))
        else:
            payload = str(body or "").encode()
        return Reply(status, tuple(head), payload)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


class _CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: Final = ["client_secret_post"]

    @property
    def fc(self) -> FranceConnectDouble:
        fc: FranceConnectDouble = self.server.fc
        return fc

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        now = self.fc.now()
        self.fc._codes[code] = AuthorizationCode(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope,
            person=request.user,
            nonce=data.get("nonce"),
            auth_time=int(now.timestamp()),
            acr=ACR_EIDAS1,
            amr=list(AMR_VALUES) if _asks_amr(data.get("claims")) else None,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            expires_at=now + CODE_LIFETIME,
        )

    def query_authorization_code(
        self, code: str, client: ServiceProvider
    ) -> AuthorizationCode | None:
        found = self.fc._codes.get(code)
        if found is None or found.client_id != client.client_id:
            return None
        if found.code in self.fc._used_codes:
            # RFC 6749 §4.1.2: a code used twice revokes what it gave.
            for token in self.fc._used_codes[found.code]:
                token.revoked = True
            return None
        if found.expires_at is not None and self.fc.now() >= found.expires_at:
            return None
        return found

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Kept, marked used: a replay must be recognised as one.
        self.fc._used_codes[authorization_code.code] = [self.fc._last_token(authorization_code)]

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Person:
        return authorization_code.person


def _asks_amr(claims: str | None) -> bool:
    if not claims:
        return False
    try:
        requested = json.loads(claims)
    except ValueError:
        return False
    id_token = requested.get("id_token") if isinstance(requested, dict) else None
    return isinstance(id_token, dict) and "amr" in id_token


class _FranceConnectRules:
    """The authorize rules FranceConnect adds to OpenID Connect (authorize-params.dto.ts)."""

    def __call__(self, grant: AuthorizationCodeGrant) -> None:
        grant.register_hook("after_validate_authorization_request_payload", self.check)

    @staticmethod
    def check(grant: AuthorizationCodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        scopes = (data.get("scope") or "").split()
        if "openid" not in scopes:
            raise InvalidScopeError("The scope must contain 'openid'.", redirect_uri=redirect_uri)
        if not data.get("state"):
            raise InvalidRequestError("Missing 'state' in request.", redirect_uri=redirect_uri)
        nonce = data.get("nonce") or ""
        if len(nonce) < MIN_NONCE_LENGTH:
            raise InvalidRequestError(
                f"'nonce' must have at least {MIN_NONCE_LENGTH} characters.",
                redirect_uri=redirect_uri,
            )
        acr_values = data.get("acr_values")
        if not acr_values:
            raise InvalidRequestError("Missing 'acr_values' in request.", redirect_uri=redirect_uri)
        if ACR_EIDAS1 not in acr_values.split():
            raise InvalidRequestError(
                f"'acr_values' must be '{ACR_EIDAS1}' at this level.", redirect_uri=redirect_uri
            )
        claims = data.get("claims")
        if claims is not None:
            try:
                json.loads(claims)
            except ValueError:
                raise InvalidRequestError(
                    "'claims' must be a JSON object.", redirect_uri=redirect_uri
                ) from None


class _OpenIDCode(OpenIDCode):  # type: ignore[misc]
    def __init__(self, fc: FranceConnectDouble) -> None:
        super().__init__(require_nonce=True)
        self.fc = fc

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return False

    def get_client_algorithm(self, client: ServiceProvider) -> str:
        return client.id_token_signed_response_alg

    def resolve_client_private_key(self, client: ServiceProvider) -> Key:
        return self.fc._keys.key_for(client.id_token_signed_response_alg)

    def get_encode_header(self, client: ServiceProvider) -> dict[str, str]:
        key = self.resolve_client_private_key(client)
        return {"alg": client.id_token_signed_response_alg, "kid": str(key.kid)}

    def get_client_claims(self, client: ServiceProvider) -> dict[str, Any]:
        iat = int(self.fc.now().timestamp()) + self.fc.iat_skew
        return {
            "iss": self.fc.issuer,
            "aud": client.client_id,
            "iat": iat,
            "exp": iat + int(ACCESS_TOKEN_LIFETIME.total_seconds()),
        }

    def generate_user_info(self, user: Person, scope: str) -> dict[str, Any]:
        # The ID token names the person (pairwise sub); the claims come from userinfo.
        return {"sub": pairwise_sub(user, self.fc._current_client_id)}

    def process_token(self, grant: AuthorizationCodeGrant, response: Any) -> Any:
        self.fc._current_client_id = grant.request.client.client_id
        token = super().process_token(grant, response)
        # FranceConnect's token response: access_token, token_type, expires_in, id_token (Authlib
        # runs hooks in no set order: the scope goes here, once the ID token is made).
        token.pop("scope", None)
        return token


class _BearerValidator(BearerTokenValidator):  # type: ignore[misc]
    def __init__(self, fc: FranceConnectDouble) -> None:
        super().__init__(realm="franceconnect-double")
        self.fc = fc

    def authenticate_token(self, token_string: str) -> IssuedToken | None:
        return self.fc._tokens.get(token_string)


class _BoundProtector:
    """Authlib's UserInfoEndpoint asks ``acquire_token``: one request's protector."""

    def __init__(self, protector: ResourceProtector, request: OAuth2Request) -> None:
        self.protector = protector
        self.request = request
        self.token: IssuedToken | None = None

    def acquire_token(self, scopes: str) -> IssuedToken:
        token: IssuedToken = self.protector.validate_request([scopes], self.request)
        self.token = token
        return token


class _UserInfo(UserInfoEndpoint):  # type: ignore[misc]
    def __init__(self, fc: FranceConnectDouble, protector: _BoundProtector) -> None:
        super().__init__(server=fc.authorization_server, resource_protector=protector)
        self.fc = fc
        self.bound = protector

    def __call__(self, request: OAuth2Request) -> tuple[int, Any, list[tuple[str, str]]]:
        # As Authlib's, with the key's `kid` in the header: a client holding a rotated JWKS
        # must know which key signed.
        token = self.bound.acquire_token("openid")
        client: ServiceProvider = token.get_client()
        claims = user_claims(token.get_user(), token.scope.split(), client.client_id)
        claims["iss"] = self.fc.issuer
        claims["aud"] = client.client_id
        alg = client.id_token_signed_response_alg
        key = self.fc._keys.key_for(alg)
        data = jwt.encode({"alg": alg, "kid": str(key.kid)}, claims, key, [alg])
        return 200, data, [("Content-Type", "application/jwt"), *_NO_STORE]


class _CheckToken(IntrospectionEndpoint):  # type: ignore[misc]
    """Checktoken v2 for data providers: RFC 7662 introspection, answered as a JWE (to the
    data provider's key) around a JWS (FranceConnect's key), ``token_introspection`` inside."""

    ENDPOINT_NAME = "introspection"
    CLIENT_AUTH_METHODS: Final = ["client_secret_post"]

    def __init__(self, fc: FranceConnectDouble) -> None:
        super().__init__(fc.authorization_server)
        self.fc = fc

    def check_permission(self, token: IssuedToken, client: Any, request: OAuth2Request) -> bool:
        return isinstance(client, DataProvider)

    def query_token(self, token_string: str, token_type_hint: str | None) -> IssuedToken | None:
        return self.fc._tokens.get(token_string)

    def introspect_token(self, token: IssuedToken) -> dict[str, Any]:
        provider = self._provider
        scopes = [scope for scope in token.scope.split() if scope in provider.scopes]
        return {
            "active": True,
            "aud": token.client.client_id,
            "sub": pairwise_sub(token.person, provider.client_id),
            "iat": int(token.issued_at.timestamp()),
            "exp": int(token.expires_at.timestamp()),
            "acr": token.acr,
            "jti": token.jti,
            "scope": " ".join(scopes),
            **pivot_claims(token.person),
        }

    def create_endpoint_response(self, request: OAuth2Request) -> tuple[int, str, list[Any]]:
        provider = self.authenticate_endpoint_client(request)
        if not isinstance(provider, DataProvider):
            raise InvalidClientError("Only data providers may call checktoken.")
        self._provider = provider
        token = self.authenticate_token(request, provider)
        introspection = self.create_introspection_payload(token)
        claims = {
            "iss": self.fc.issuer,
            "aud": provider.client_id,
            "iat": int(self.fc.now().timestamp()),
            "token_introspection": introspection,
        }
        key = self.fc._keys.key_for("ES256")
        signed = jwt.encode({"alg": "ES256", "kid": str(key.kid)}, claims, key, ["ES256"])
        recipient = KeySet.import_key_set({"keys": [provider.encryption_jwk]}).keys[0]
        protected = {
            "alg": provider.encryption_alg,
            "enc": "A256GCM",
            "cty": "JWT",
            "kid": str(recipient.kid),
        }
        encrypted = jwe.encrypt_compact(
            protected, signed, recipient, algorithms=[provider.encryption_alg, "A256GCM"]
        )
        return 200, encrypted, [("Content-Type", "application/token-introspection+jwt")]


class _EndSession(EndSessionEndpoint):  # type: ignore[misc]
    def __init__(self, fc: FranceConnectDouble) -> None:
        super().__init__(fc.authorization_server)
        self.fc = fc

    def get_server_jwks(self) -> KeySet:
        return self.fc._keys.key_set()

    def end_session(self, end_session_request: Any) -> None:
        claims = end_session_request.id_token_claims or {}
        client = end_session_request.client
        for token in self.fc._tokens.values():
            if (
                client is not None
                and token.client.client_id == client.client_id
                and pairwise_sub(token.person, client.client_id) == claims.get("sub")
            ):
                token.revoked = True


class FranceConnectDouble:
    """FranceConnect v2 for tests: service providers log synthetic people in; data providers
    check their tokens. ``people`` defaults to the committed scenarios (one set everywhere).

    ``now`` (the current time) drives every lifetime (60 s tokens, 30 s codes); ``iat_skew``
    shifts the ID token's ``iat``/``exp`` (seconds) to reproduce a skewed OP clock.
    """

    def __init__(
        self,
        people: Iterable[Person] | None = None,
        *,
        issuer: str = DEFAULT_ISSUER,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.issuer_path = unquote(urlsplit(self.issuer).path).rstrip("/")
        self.now = now
        self.iat_skew = 0
        # Set to share another registry (the CNAM double's): one set of people everywhere.
        self.registry: Callable[[], Iterable[Person]] | None = None
        self._people: dict[str, Person] = {
            p.name: p for p in (SCENARIOS.values() if people is None else people)
        }
        self._clients: dict[str, ServiceProvider | DataProvider] = {}
        self._codes: dict[str, AuthorizationCode] = {}
        self._used_codes: dict[str, list[IssuedToken]] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self._interactions: dict[str, Interaction] = {}
        self._keys = _SigningKeys()
        self._keys.key_for("ES256")
        self._current_client_id = ""
        self._last_issued: IssuedToken | None = None
        self._lock = threading.RLock()
        server = _Server(self)
        server.register_grant(
            _CodeGrant,
            [_OpenIDCode(self), CodeChallenge(required=False), _FranceConnectRules()],
        )
        self.authorization_server = server
        self._protector = ResourceProtector()
        self._protector.register_token_validator(_BearerValidator(self))
        self._checktoken = _CheckToken(self)
        self._end_session = _EndSession(self)

    # Registry -----------------------------------------------------------------------------------

    @property
    def people_by_name(self) -> Mapping[str, Person]:
        """The people who can log in, by name (the CNAM double's ``people`` are by token)."""
        if self.registry is not None:
            return {person.name: person for person in self.registry()}
        return dict(self._people)

    def add_person(self, person: Person) -> Person:
        """Register a person who can log in (when no shared ``registry`` is set)."""
        with self._lock:
            self._people[person.name] = person
        return person

    def register(self, client: ServiceProvider | DataProvider) -> None:
        """Register a service provider (partner) or a data provider (e.g. CNAM)."""
        with self._lock:
            self._clients[client.client_id] = client

    def rotate_keys(self, *, retire_previous: bool = False) -> None:
        """Sign with new keys from now on; the old ones stay in the JWKS unless retired."""
        with self._lock:
            self._keys.rotate(retire_previous)

    def jwks(self) -> dict[str, Any]:
        """The public JWKS FranceConnect publishes (what ``/jwks`` answers)."""
        return self._keys.jwks()

    def verification_keys(self) -> KeySet:
        """The published keys (public parts), as a joserfc key set: what a client verifies with."""
        return KeySet.import_key_set(self._keys.jwks())  # type: ignore[arg-type]

    def discovery(self) -> dict[str, Any]:
        issuer = self.issuer
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "end_session_endpoint": f"{issuer}/session/end",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["ES256", "RS256"],
            "userinfo_signing_alg_values_supported": ["ES256", "RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "scopes_supported": list(SCOPES_SUPPORTED),
            "claims_supported": ["sub", *PIVOT_CLAIMS, "preferred_username", "email", "amr"],
            "acr_values_supported": [ACR_EIDAS1],
            "claims_parameter_supported": True,
            "request_parameter_supported": False,
            "code_challenge_methods_supported": ["S256"],
            "ui_locales_supported": ["fr"],
        }

    # Token store (called by the Authlib classes) --------------------------------------------

    def _generate_token(
        self,
        grant_type: str,
        client: ServiceProvider,
        user: Person | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        return {
            "access_token": secrets.token_urlsafe(32),
            "token_type": "Bearer",
            "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
            "scope": scope or "",
        }

    def _save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        code: AuthorizationCode | None = request.authorization_code
        issued = IssuedToken(
            access_token=token["access_token"],
            client=request.client,
            person=request.user,
            scope=token.get("scope", ""),
            acr=code.acr if code is not None else ACR_EIDAS1,
            issued_at=self.now(),
            now=self.now,
            jti=secrets.token_hex(16),
        )
        self._tokens[issued.access_token] = issued
        self._last_issued = issued

    def _last_token(self, code: AuthorizationCode) -> IssuedToken:
        # Authlib saves the token, then deletes the code: the last token came from this code.
        assert self._last_issued is not None
        return self._last_issued

    # The core -----------------------------------------------------------------------------------

    def respond(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes = b""
    ) -> Reply:
        """Answer one request for a full URL path. Never raises: a malformed request gets the
        protocol's error; a bug gets a bare 500 without details."""
        try:
            with self._lock:
                return self._respond(method.upper(), path, query, _Headers(headers), body)
        except Exception:
            return _oauth_error(500, "server_error", "The FranceConnect double failed.")

    def _respond(
        self, method: str, full_path: str, query: str, headers: _Headers, body: bytes
    ) -> Reply:
        base = self.issuer_path
        if full_path != base and not full_path.startswith(base + "/"):
            return _oauth_error(404, "not_found", "No such FranceConnect endpoint.")
        path = full_path[len(base) :] or "/"
        try:
            query_pairs = parse_qsl(query, keep_blank_values=True, errors="strict")
            form_pairs = _form_pairs(headers, body) if method == "POST" else []
        except (UnicodeDecodeError, ValueError):
            return _oauth_error(400, "invalid_request", "The request is not valid form data.")
        uri = f"{self.issuer}{path}" + (f"?{query}" if query else "")
        request = _Request(method, uri, headers, query_pairs, form_pairs)
        if path == "/.well-known/openid-configuration" and method == "GET":
            return _json_reply(200, self.discovery())
        if path == "/jwks" and method == "GET":
            return _json_reply(200, self.jwks())
        if path == "/authorize" and method in {"GET", "POST"}:
            return self._authorize(request, headers)
        if path == "/token" and method == "POST":
            return _no_store(self.authorization_server.create_token_response(request))
        if path == "/userinfo" and method in {"GET", "POST"}:
            return self._userinfo(request)
        if path == "/checktoken" and method == "POST":
            return _no_store(self._checktoken_reply(request))
        if path == "/session/end" and method in {"GET", "POST"}:
            return self._session_end(request)
        if path.startswith("/interaction/") and method == "POST":
            return self._interaction(path, request, headers)
        known = {
            "/.well-known/openid-configuration",
            "/jwks",
            "/authorize",
            "/token",
            "/userinfo",
            "/checktoken",
            "/session/end",
        }
        if path in known:
            return _oauth_error(405, "invalid_request", "Method not allowed.")
        return _oauth_error(404, "not_found", "No such FranceConnect endpoint.")

    def _authorize(self, request: _Request, headers: _Headers) -> Reply:
        data = request.payload.data
        hint = data.get("login_hint")
        person = self.people_by_name.get(hint) if hint else None
        try:
            grant = self.authorization_server.get_consent_grant(request, end_user=person)
            if hint and person is None:
                raise InvalidRequestError(
                    "'login_hint' names no synthetic person.",
                    redirect_uri=request.payload.redirect_uri,
                    state=request.payload.state,
                )
        except OAuth2Error as error:
            return self._authorize_error(request, error)
        if person is not None:
            reply: Reply = self.authorization_server.create_authorization_response(
                request, grant_user=person, grant=grant
            )
            return reply
        interaction = Interaction.start(
            list(request.payload.data.items()),
            client_name=grant.client.name,
            scopes=tuple((data.get("scope") or "").split()),
        )
        self._interactions[interaction.id] = interaction
        return login_page(
            self.issuer_path, interaction, sorted(self.people_by_name.values(), key=_name)
        )

    def _authorize_error(self, request: _Request, error: OAuth2Error) -> Reply:
        if error.redirect_uri:
            reply: Reply = self.authorization_server.handle_error_response(request, error)
            return reply
        # Unknown client or redirect URI: never redirect (no open redirect), show the error.
        return error_page(error.status_code or 400, error.error, error.get_error_description())

    def _interaction(self, path: str, request: _Request, headers: _Headers) -> Reply:
        parts = path.split("/")
        if len(parts) != 4:
            return error_page(404, "not_found", "No such interaction.")
        _, _, interaction_id, step = parts
        interaction = self._interactions.get(interaction_id)
        if interaction is None or not interaction.accepts(
            _cookie(headers, INTERACTION_COOKIE), request.form.get("csrf_token", "")
        ):
            return error_page(403, "access_denied", "This form has expired or was not ours.")
        original = _Request(
            "GET", f"{self.issuer}/authorize", _Headers(), list(interaction.params), []
        )
        if step == "login":
            person = self.people_by_name.get(request.form.get("person", ""))
            if person is None:
                return error_page(400, "invalid_request", "Choose one of the people listed.")
            interaction.person = person
            client = self._clients.get(interaction.params_dict.get("client_id", ""))
            if isinstance(client, ServiceProvider) and client.private:
                return consent_page(self.issuer_path, interaction)
            return self._finish(original, interaction, person)
        if step == "consent" and interaction.person is not None:
            granted = request.form.get("decision") == "accept"
            return self._finish(original, interaction, interaction.person if granted else None)
        return error_page(400, "invalid_request", "This step is not expected now.")

    def _finish(self, request: _Request, interaction: Interaction, person: Person | None) -> Reply:
        self._interactions.pop(interaction.id, None)
        try:
            grant = self.authorization_server.get_consent_grant(request, end_user=person)
        except OAuth2Error as error:
            return self._authorize_error(request, error)
        reply: Reply = self.authorization_server.create_authorization_response(
            request, grant_user=person, grant=grant
        )
        expire = f"{INTERACTION_COOKIE}=; Path={self.issuer_path}; Max-Age=0; HttpOnly"
        return Reply(reply.status, (*reply.headers, ("set-cookie", expire)), reply.body)

    def _userinfo(self, request: _Request) -> Reply:
        endpoint = _UserInfo(self, _BoundProtector(self._protector, request))
        try:
            status, body, head = endpoint(request)
        except OAuth2Error as error:
            reply: Reply = self.authorization_server.handle_error_response(request, error)
            return reply
        result: Reply = self.authorization_server.handle_response(status, body, head)
        return result

    def _checktoken_reply(self, request: _Request) -> Reply:
        try:
            status, body, head = self._checktoken.create_endpoint_response(request)
        except OAuth2Error as error:
            reply: Reply = self.authorization_server.handle_error_response(request, error)
            return reply
        result: Reply = self.authorization_server.handle_response(status, body, head)
        return result

    def _session_end(self, request: _Request) -> Reply:
        try:
            validated = self._end_session.validate_request(request)
            result = self._end_session.create_response(validated)
        except OAuth2Error as error:
            return error_page(error.status_code or 400, error.error, error.get_error_description())
        if result is None:
            return error_page(200, "logged_out", "Vous êtes déconnecté de FranceConnect.")
        reply: Reply = self.authorization_server.handle_response(*result)
        return reply

    # For tests: a whole login without HTTP -------------------------------------------------

    def authorize_url(self, client_id: str, redirect_uri: str, **params: str) -> str:
        """An authorization URL with FranceConnect's required parameters filled in."""
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid identite_pivot cnam_paiements_ij",
            "acr_values": ACR_EIDAS1,
            "state": secrets.token_urlsafe(16),
            "nonce": secrets.token_urlsafe(24),
            **params,
        }
        return f"{self.issuer}/authorize?{urlencode(query)}"


def _name(person: Person) -> str:
    return person.name


def _form_pairs(headers: _Headers, body: bytes) -> list[tuple[str, str]]:
    media = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        return []
    return parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")


def _cookie(headers: _Headers, name: str) -> str:
    for part in (headers.get("cookie") or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


def _json_reply(status: int, payload: Any, *extra: tuple[str, str]) -> Reply:
    return Reply(status, (("content-type", _JSON), *extra), json.dumps(payload).encode())


def _oauth_error(status: int, error: str, description: str) -> Reply:
    return _json_reply(status, {"error": error, "error_description": description}, *_NO_STORE)


def _no_store(reply: Reply) -> Reply:
    names = {name for name, _ in reply.headers}
    extra = tuple(h for h in _NO_STORE if h[0] not in names)
    return Reply(reply.status, (*reply.headers, *extra), reply.body)
