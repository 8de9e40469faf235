"""Faults the double injects on demand: names, options, and the per-call header syntax.

Ask for a fault per call with the header
``X-Apij-Double-Fault: <name>[;delay=<seconds>][;retry_after=<seconds>]``
(honoured only when present), queue it with ``CnamDouble.inject_fault(name, token=..., times=N)``
(FIFO per token, then untargeted, then normal answers), or flag a scenario (``Person.faults``
for its first calls, ``Person.persistent_fault`` for all of them).

==================  =====================================  ===================================
fault               in process (respx / ``handle``)        over HTTP (sandbox)
==================  =====================================  ===================================
rate_limited        429 trop_de_requetes + Retry-After     same
unavailable         503 service_indisponible + Retry-After same
server_error        500 erreur_interne                     same
bad_gateway         502 service_amont_indisponible         same
gateway_timeout     504 in the gateway's own format        same
                    (a status the contract does not document)
connect_error       raises ``httpx.ConnectError``          connection dropped before any byte
read_timeout        raises ``httpx.ReadTimeout`` at once   silent for ``delay`` (30 s), dropped
slow                normal answer after ``delay`` (0.2 s); ReadTimeout if past the client's
                    read timeout                           normal answer after ``delay``
malformed_json      normal status, single-quoted pseudo-JSON body, ``application/json``
wrong_content_type  normal status, an HTML maintenance page, ``text/html``
truncated_body      normal headers, half the body, then    same (connection dropped)
                    ``httpx.RemoteProtocolError``
schema_violation    normal status, a body the spec rejects (amounts as strings, csg missing,
                    ``paiements: null``, or an error body without ``message``)
==================  =====================================  ===================================

Gateway faults (the first seven) come before any credential check; the others distort the
answer the request would have had.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "DEFAULT_READ_TIMEOUT_HANG",
    "DEFAULT_RETRY_AFTER",
    "DEFAULT_SLOW_DELAY",
    "Fault",
    "FaultSpec",
    "parse_fault_header",
]

DEFAULT_RETRY_AFTER = 1
DEFAULT_SLOW_DELAY = 0.2
# Over real HTTP a read timeout is a server that says nothing: how long the sandbox stays mute.
DEFAULT_READ_TIMEOUT_HANG = 30.0


class Fault(enum.StrEnum):
    """A failure the double can produce instead of (or on top of) its normal answer."""

    RATE_LIMITED = "rate_limited"  # 429 + Retry-After
    UNAVAILABLE = "unavailable"  # 503 + Retry-After
    SERVER_ERROR = "server_error"  # 500
    BAD_GATEWAY = "bad_gateway"  # 502 (FranceConnect unreachable)
    GATEWAY_TIMEOUT = "gateway_timeout"  # 504 from the gateway itself: not in the contract
    CONNECT_ERROR = "connect_error"  # no connection / dropped before any byte
    READ_TIMEOUT = "read_timeout"  # nothing comes back in time
    SLOW = "slow"  # the normal answer, after a delay
    MALFORMED_JSON = "malformed_json"  # the normal status, a body that is not JSON
    WRONG_CONTENT_TYPE = "wrong_content_type"  # the normal status, an HTML page
    TRUNCATED_BODY = "truncated_body"  # the normal answer, cut halfway, connection dropped
    SCHEMA_VIOLATION = "schema_violation"  # the normal status, a body that breaks the spec


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """A fault with its options: `delay` (seconds, slow/read_timeout), `retry_after` (429/503)."""

    fault: Fault
    delay: float | None = None
    retry_after: int | None = None

    @classmethod
    def of(cls, fault: Fault | str | FaultSpec) -> FaultSpec:
        """Accept a Fault, its name, or an existing spec."""
        if isinstance(fault, FaultSpec):
            return fault
        return cls(Fault(fault))


def parse_fault_header(value: str) -> FaultSpec:
    """Parse `name` or `name;delay=0.2` or `name;retry_after=3` (raises ValueError if bad)."""
    name, _, rest = value.partition(";")
    fault = Fault(name.strip())
    delay: float | None = None
    retry_after: int | None = None
    for option in filter(None, (part.strip() for part in rest.split(";"))):
        key, sep, raw = option.partition("=")
        key = key.strip()
        if not sep:
            raise ValueError(f"fault option {key!r} has no value")
        if key == "delay":
            delay = float(raw)
            if not 0 <= delay <= 600:
                raise ValueError("delay must be between 0 and 600 seconds")
        elif key == "retry_after":
            retry_after = int(raw)
            if retry_after < 0:
                raise ValueError("retry_after must not be negative")
        else:
            raise ValueError(f"unknown fault option {key!r}")
    return FaultSpec(fault, delay=delay, retry_after=retry_after)
