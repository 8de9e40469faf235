"""The FranceConnect double's doors: httpx requests in process (respx), ASGI over HTTP, and
one login done in process for tests (authorize → code → token, no browser)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import respx

from apij._asgi import Receive, Scope, Send
from apij.double.franceconnect.models import ServiceProvider
from apij.double.franceconnect.provider import ACR_EIDAS1, FranceConnectDouble
from apij.double.httpx_door import _to_httpx

__all__ = ["FranceConnectApp", "Login", "handle", "log_in", "mount"]

DEFAULT_SCOPE = "openid identite_pivot cnam_paiements_ij"


def handle(fc: FranceConnectDouble, request: httpx.Request) -> httpx.Response:
    """The FranceConnect double's answer to an httpx request."""
    reply = fc.respond(
        request.method,
        request.url.path,
        request.url.query.decode("latin-1"),
        request.headers,
        request.read(),
    )
    return _to_httpx(reply, request, False)


def mount(router: respx.MockRouter, fc: FranceConnectDouble) -> None:
    """Route the issuer's host to ``fc`` in ``router`` (sync and async httpx clients)."""
    issuer = httpx.URL(fc.issuer)
    pattern: dict[str, Any] = {"scheme": issuer.scheme, "host": issuer.host}
    if issuer.port is not None:
        pattern["port"] = issuer.port
    router.route(name="franceconnect-double", **pattern).mock(
        side_effect=lambda request: handle(fc, request)
    )


class FranceConnectApp:
    """ASGI 3 app: the FranceConnect double under its issuer's path."""

    def __init__(self, fc: FranceConnectDouble) -> None:
        self.fc = fc

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", ()):
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        reply = self.fc.respond(
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            body,
        )
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [
                    *((k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers),
                    (b"content-length", str(len(reply.body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": reply.body})


@dataclass(frozen=True)
class Login:
    """One login's parts, for tests of a partner's own callback handler."""

    person_name: str
    client_id: str
    redirect_uri: str
    state: str = field(repr=False)
    nonce: str = field(repr=False)
    authorize_url: str = field(repr=False)
    callback_url: str = field(repr=False)
    code: str = field(repr=False)
    access_token: str = field(repr=False)
    id_token: str = field(repr=False)


def log_in(
    fc: FranceConnectDouble,
    client: ServiceProvider,
    name: str,
    *,
    redirect_uri: str | None = None,
    scope: str = DEFAULT_SCOPE,
    fetch_tokens: bool = True,
) -> Login:
    """Log the person named ``name`` in at ``client`` in process: authorize with
    ``login_hint``, then (with ``fetch_tokens``) the code for tokens. Raises ``ValueError`` with
    the OP's error."""
    redirect_uri = redirect_uri or client.redirect_uris[0]
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(24)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "acr_values": ACR_EIDAS1,
            "state": state,
            "nonce": nonce,
            "login_hint": name,
        }
    )
    authorize_url = f"{fc.issuer}/authorize?{query}"
    reply = fc.respond("GET", f"{fc.issuer_path}/authorize", query, {})
    location = dict(reply.headers).get("location", "")
    params = parse_qs(urlsplit(location).query)
    if reply.status != 302 or "code" not in params:
        raise ValueError(f"authorize refused: {params.get('error', [reply.status])[0]}")
    code = params["code"][0]
    access_token = id_token = ""
    if fetch_tokens:
        form = urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": client.client_id,
                "client_secret": client.client_secret,
            }
        ).encode()
        answer = fc.respond(
            "POST",
            f"{fc.issuer_path}/token",
            "",
            {"content-type": "application/x-www-form-urlencoded"},
            form,
        )
        tokens = json.loads(answer.body)
        if answer.status != 200:
            raise ValueError(f"token refused: {tokens.get('error')}")
        access_token, id_token = tokens["access_token"], tokens["id_token"]
    return Login(
        name,
        client.client_id,
        redirect_uri,
        state,
        nonce,
        authorize_url,
        location,
        code,
        access_token,
        id_token,
    )
