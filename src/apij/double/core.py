"""The double's pure core: a request as plain strings in, the gateway's answer (or fault) out.

No HTTP library here: the doors (`httpx_door.py` in process, `asgi.py` over HTTP) turn a
:class:`Reply` into what their clients see.
"""

from __future__ import annotations

import bisect
import json
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from apij.double.constants import (
    FAULT_HEADER,
    SANDBOX_API_KEY,
    SANDBOX_BASE_URL,
    SCOPE_PAIEMENTS_IJ,
)
from apij.double.contract import GatewayRules, default_rules, gateway_rules
from apij.double.domain import LignePaiement
from apij.double.faults import (
    DEFAULT_READ_TIMEOUT_HANG,
    DEFAULT_RETRY_AFTER,
    DEFAULT_SLOW_DELAY,
    Fault,
    FaultSpec,
    parse_fault_header,
)
from apij.double.people import IdentitePivot, Person
from apij.double.scenarios import SCENARIOS
from apij.double.token_check import CheckTokenUnavailable, TokenChecker
from apij.judge import BEARER_TOKEN, relative_path
from apij.openapi import Contract, Operation

__all__ = ["CnamDouble", "Reply"]

JSON: Final = "application/json"
_REALM = 'realm="apij"'
_HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Maintenance</title></head>"
    b"<body><h1>Service momentan\xc3\xa9ment indisponible</h1></body></html>"
)

TransportError = Literal["connect", "read_timeout"]


@dataclass(frozen=True, slots=True)
class Reply:
    """What the gateway does: an HTTP answer, possibly late, cut short, or no answer at all."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    # Seconds to wait before answering (slow fault, or how long to stay mute before dropping).
    delay: float = 0.0
    # Send only this many body bytes, then drop the connection.
    truncate_at: int | None = None
    # No HTTP answer: the connection fails or nothing arrives in time.
    transport_error: TransportError | None = None


def _json_reply(status: int, payload: bytes, *extra: tuple[str, str]) -> Reply:
    return Reply(status, (("content-type", JSON), *extra), payload)


def _error(status: int, code: str, message: str, *extra: tuple[str, str]) -> Reply:
    body = json.dumps({"code": code, "message": message}, ensure_ascii=False).encode()
    return _json_reply(status, body, *extra)


def _gateway(status: int, message: str, *extra: tuple[str, str]) -> Reply:
    # Outside the contract the gateway answers in its own format (Azure APIM style).
    body = json.dumps({"statusCode": status, "message": message}).encode()
    return _json_reply(status, body, *extra)


def _ligne_json(ligne: LignePaiement) -> bytes:
    # Amounts go out exactly as their two-decimal Decimal text: no float ever touches them.
    return (
        f'{{"date_debut":"{ligne.date_debut.isoformat()}","date_fin":"{ligne.date_fin.isoformat()}",'
        f'"nombre_jours":{ligne.nombre_jours},"montant_journalier":{ligne.montant_journalier:f},'
        f'"csg":{ligne.csg:f},"crds":{ligne.crds:f}}}'
    ).encode()


@dataclass(frozen=True, slots=True)
class _Releve:
    """A person's lines, pre-serialised and indexed for window queries."""

    debuts: tuple[date, ...]
    fins: tuple[date, ...]
    fragments: tuple[bytes, ...]

    @classmethod
    def of(cls, person: Person) -> _Releve:
        lignes = person.paiements
        return cls(
            tuple(ligne.date_debut for ligne in lignes),
            tuple(ligne.date_fin for ligne in lignes),
            tuple(_ligne_json(ligne) for ligne in lignes),
        )

    def body(self, debut: date, fin: date) -> bytes:
        # Lines sorted by start: only those starting by `fin` can intersect the window.
        stop = bisect.bisect_right(self.debuts, fin)
        kept = [self.fragments[i] for i in range(stop) if self.fins[i] >= debut]
        return b'{"date_debut":"%s","date_fin":"%s","paiements":[%s]}' % (
            debut.isoformat().encode(),
            fin.isoformat().encode(),
            b",".join(kept),
        )


def utc_now() -> datetime:
    """The doubles' default `now` (the CNAM double's and FranceConnect's): aware, in UTC."""
    return datetime.now(UTC)


class CnamDouble:
    """The CNAM APIJ gateway, simulated over a registry of synthetic people keyed by FC token.

    ``people`` defaults to the committed scenarios. Accepted API keys are ``api_keys``
    (default: the sandbox key) plus each person's own key. ``contract`` is the read OpenAPI
    document it enforces (`apij.openapi.read`; default: the generated package's).
    """

    def __init__(
        self,
        people: Iterable[Person] | None = None,
        *,
        api_keys: Iterable[str] = (SANDBOX_API_KEY,),
        base_url: str = SANDBOX_BASE_URL,
        now: Callable[[], datetime] = utc_now,
        slow_delay: float = DEFAULT_SLOW_DELAY,
        retry_after: int = DEFAULT_RETRY_AFTER,
        read_timeout_hang: float = DEFAULT_READ_TIMEOUT_HANG,
        contract: Contract | None = None,
        token_checker: TokenChecker | None = None,
    ) -> None:
        if people is None:
            people = SCENARIOS.values()
        self.base_url = base_url
        self.base_path = unquote(urlsplit(base_url).path).rstrip("/")
        self.now = now
        self.slow_delay = slow_delay
        self.retry_after = retry_after
        self.read_timeout_hang = read_timeout_hang
        self.rules: GatewayRules = default_rules() if contract is None else gateway_rules(contract)
        self._api_keys = set(api_keys)
        self._people: dict[str, Person] = {}
        self._releves: dict[str, _Releve] = {}
        self._faults: dict[str | None, deque[FaultSpec]] = {}
        self._lock = threading.Lock()
        # Tokens that are not a registered person's are checked with FranceConnect (checktoken),
        # as CNAM does, then matched to a person by pivot identity.
        self.token_checker = token_checker
        self._by_identite: dict[IdentitePivot, Person] = {}
        # Expiry of tokens checked active once: once past it, the token is `jeton_expire`
        # without asking again (a data provider caches what checktoken told it).
        self._checked_expiry: dict[str, datetime] = {}
        for person in people:
            self.add_person(person)

    # Registry and fault switches -------------------------------------------------------------

    @property
    def people(self) -> Mapping[str, Person]:
        """The registry, by FC token."""
        return dict(self._people)

    def add_person(self, person: Person) -> Person:
        """Register (or replace) a person; their key becomes valid, their queued faults armed."""
        with self._lock:
            self._people[person.token] = person
            self._releves[person.token] = _Releve.of(person)
            self._api_keys.add(person.api_key)
            self._by_identite[person.identite] = person
            self._faults.pop(person.token, None)
            if person.faults:
                self._faults[person.token] = deque(FaultSpec.of(f) for f in person.faults)
        return person

    def inject_fault(
        self,
        fault: Fault | str | FaultSpec,
        *,
        token: str | None = None,
        times: int = 1,
        delay: float | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Serve ``fault`` on the next ``times`` calls (of ``token``, or of anyone), FIFO."""
        if times < 1:
            raise ValueError("times must be at least 1")
        spec = FaultSpec.of(fault)
        if delay is not None or retry_after is not None:
            spec = FaultSpec(spec.fault, delay=delay, retry_after=retry_after)
        with self._lock:
            self._faults.setdefault(token, deque()).extend([spec] * times)

    def clear_faults(self) -> None:
        """Forget every queued fault (scenario flags included)."""
        with self._lock:
            self._faults.clear()

    def _next_fault(
        self, headers: Mapping[str, str], token: str | None
    ) -> FaultSpec | Reply | None:
        raw = headers.get(FAULT_HEADER.lower())
        if raw is not None:
            try:
                return parse_fault_header(raw)
            except ValueError as exc:
                return _error(400, "requete_invalide", f"{FAULT_HEADER}: {exc}"[:240])
        with self._lock:
            for key in (token, None):
                queue = self._faults.get(key)
                if queue:
                    return queue.popleft()
        person = self._people.get(token) if token is not None else None
        if person is not None and person.persistent_fault is not None:
            return FaultSpec.of(person.persistent_fault)
        return None

    # The core ---------------------------------------------------------------------------------

    def respond(self, method: str, path: str, query: str, headers: Mapping[str, str]) -> Reply:
        """Answer one request. ``path`` is relative to the base URL; ``headers`` keys lowercase
        (or a case-insensitive mapping). Never raises for any input."""
        token = _bearer(headers.get("authorization"))
        fault = self._next_fault(headers, token)
        if isinstance(fault, Reply):
            return fault
        if fault is not None:
            early = self._gateway_fault(fault)
            if early is not None:
                return early
        reply = self._answer(method, path, query, headers, token)
        return reply if fault is None else self._distort(reply, fault)

    def _answer(
        self, method: str, path: str, query: str, headers: Mapping[str, str], token: str | None
    ) -> Reply:
        found = self.rules.match(path or "/")
        if found is None:
            return _gateway(404, "Resource not found")
        _, operations = found
        operation = operations.get(method.upper())
        if operation is None:
            allow = ", ".join(operations)
            return _gateway(405, "Method not allowed", ("allow", allow))
        if headers.get(self.rules.api_key_header.lower()) not in self._api_keys:
            return _error(
                401,
                "cle_api_invalide",
                "The partner API key (X-API-Key) is missing or unknown",
                ("www-authenticate", f'APIKey {_REALM}, header="{self.rules.api_key_header}"'),
            )
        if headers.get("authorization") is None:
            return _token_error(
                "jeton_absent", "A FranceConnect access token (Authorization: Bearer) is required"
            )
        person = self._people.get(token) if token is not None else None
        if person is None and token is not None and self.token_checker is not None:
            checked = self._checked_person(token)
            if isinstance(checked, Reply):
                return checked
            return self._statement(operation, query, checked)
        if person is None:
            return _token_error("jeton_invalide", "The FranceConnect token is malformed or unknown")
        if person.token_expired(self.now()):
            return _token_error("jeton_expire", "The FranceConnect access token has expired")
        if not person.has_scope:
            return _insufficient_scope()
        if not person.known_to_cnam:
            return _error(
                404,
                "assure_inconnu",
                "No insured person of the general scheme matches this identity",
            )
        return self._statement(operation, query, person)

    def _checked_person(self, token: str) -> Person | Reply:
        """The insured person a FranceConnect token names, as CNAM finds them: checktoken,
        then the pivot identity; or the error CNAM answers."""
        assert self.token_checker is not None
        now = self.now()
        known_expiry = self._checked_expiry.get(token)
        if known_expiry is not None and now >= known_expiry:
            return _token_error("jeton_expire", "The FranceConnect access token has expired")
        try:
            active = self.token_checker(token)
        except CheckTokenUnavailable:
            return _error(502, "service_amont_indisponible", "FranceConnect is unreachable")
        if active is None:
            if known_expiry is not None:
                return _token_error("jeton_expire", "The FranceConnect access token has expired")
            return _token_error("jeton_invalide", "The FranceConnect token is malformed or unknown")
        with self._lock:
            self._checked_expiry[token] = active.expires_at
        if now >= active.expires_at:
            return _token_error("jeton_expire", "The FranceConnect access token has expired")
        if SCOPE_PAIEMENTS_IJ not in active.scopes:
            return _insufficient_scope()
        person = self._by_identite.get(active.identite) if active.identite else None
        if person is None or not person.known_to_cnam:
            return _error(
                404,
                "assure_inconnu",
                "No insured person of the general scheme matches this identity",
            )
        return person

    def _statement(self, operation: Operation, query: str, person: Person) -> Reply:
        params = parse_qs(query, keep_blank_values=True)
        errors = self.rules.query_errors(operation, params)
        if errors:
            return _error(400, "requete_invalide", "; ".join(errors)[:480])
        try:
            # Absent (the contract may make them optional): CNAM's documented defaults, the
            # sister API's "date du jour" and "dateDebut + 1 an".
            debut = _day(params, "dateDebut") or self.now().date()
            fin = _day(params, "dateFin") or _one_year_after(debut)
        except ValueError:
            # The schema accepts dates Python cannot hold (year 0000): still the caller's fault.
            return _error(400, "requete_invalide", "dateDebut and dateFin must be real dates")
        if debut > fin:
            return _error(
                400, "requete_invalide", f"dateDebut ({debut}) must not be after dateFin ({fin})"
            )
        return _json_reply(200, self._releves[person.token].body(debut, fin))

    def _gateway_fault(self, spec: FaultSpec) -> Reply | None:
        fault = spec.fault
        seconds = self.retry_after if spec.retry_after is None else spec.retry_after
        retry = ("retry-after", str(seconds))
        if fault is Fault.RATE_LIMITED:
            return _error(429, "trop_de_requetes", "Rate limit reached, retry later", retry)
        if fault is Fault.UNAVAILABLE:
            return _error(503, "service_indisponible", "Service temporarily unavailable", retry)
        if fault is Fault.SERVER_ERROR:
            return _error(500, "erreur_interne", "Internal error")
        if fault is Fault.BAD_GATEWAY:
            return _error(502, "service_amont_indisponible", "FranceConnect is unreachable")
        if fault is Fault.GATEWAY_TIMEOUT:
            return _gateway(504, "Gateway timeout")
        if fault is Fault.CONNECT_ERROR:
            return Reply(0, (), b"", transport_error="connect")
        if fault is Fault.READ_TIMEOUT:
            hang = self.read_timeout_hang if spec.delay is None else spec.delay
            return Reply(0, (), b"", delay=hang, transport_error="read_timeout")
        return None

    def _distort(self, reply: Reply, spec: FaultSpec) -> Reply:
        fault = spec.fault
        if fault is Fault.SLOW:
            delay = self.slow_delay if spec.delay is None else spec.delay
            return Reply(reply.status, reply.headers, reply.body, delay=delay)
        if fault is Fault.MALFORMED_JSON:
            # Single-quoted pseudo-JSON, the classic "printed a dict" upstream bug.
            return Reply(reply.status, reply.headers, reply.body.replace(b'"', b"'"))
        if fault is Fault.WRONG_CONTENT_TYPE:
            others = tuple(h for h in reply.headers if h[0] != "content-type")
            return Reply(
                reply.status, (("content-type", "text/html; charset=utf-8"), *others), _HTML_PAGE
            )
        if fault is Fault.TRUNCATED_BODY:
            return Reply(reply.status, reply.headers, reply.body, truncate_at=len(reply.body) // 2)
        return Reply(reply.status, reply.headers, _violate(reply.body))

    # Mounted under a base path -------------------------------------------------------------------

    def respond_mounted(
        self, method: str, full_path: str, query: str, headers: Mapping[str, str], base_path: str
    ) -> Reply:
        """As :meth:`respond`, for a full URL path under the API mounted at ``base_path``."""
        path = relative_path(full_path, base_path)
        if path is None:
            # Same host, outside the API's base path: the gateway knows no such resource.
            return _gateway(404, "Resource not found")
        return self.respond(method, path, query, headers)


def _day(params: Mapping[str, list[str]], name: str) -> date | None:
    values = params.get(name)
    return date.fromisoformat(values[0]) if values else None


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February: the year after has none
        return day.replace(year=day.year + 1, day=28)


def _insufficient_scope() -> Reply:
    return _error(
        403,
        "scope_insuffisant",
        f"The FranceConnect token lacks scope {SCOPE_PAIEMENTS_IJ}",
        (
            "www-authenticate",
            f'Bearer {_REALM}, error="insufficient_scope", scope="{SCOPE_PAIEMENTS_IJ}"',
        ),
    )


def _token_error(code: str, message: str) -> Reply:
    challenge = f'Bearer {_REALM}, error="invalid_token", error_description="{message}"'
    return _error(401, code, message, ("www-authenticate", challenge))


def _bearer(authorization: str | None) -> str | None:
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not BEARER_TOKEN.fullmatch(token):
        return None
    return token


def _violate(body: bytes) -> bytes:
    try:
        payload: Any = json.loads(body, parse_float=str)
    except ValueError:
        return b'{"unexpected": true}'
    if isinstance(payload, dict) and "paiements" in payload:
        lignes = payload["paiements"]
        if lignes:
            for ligne in lignes:
                # Amounts as strings and a required field gone: what a careless upstream does.
                ligne.pop("csg", None)
                ligne["nombre_jours"] = str(ligne.get("nombre_jours"))
        else:
            payload["paiements"] = None
    else:
        payload = {"error": payload.get("code") if isinstance(payload, dict) else None, "code": 42}
    return json.dumps(payload).encode()
