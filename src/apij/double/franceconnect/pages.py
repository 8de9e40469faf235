"""The FranceConnect double's pages: choose a synthetic person, consent, errors.

Every value shown is HTML-escaped; each form carries a CSRF token bound to a cookie; no
token, secret or code ever appears in a page.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Final

from apij.double.core import Reply
from apij.double.franceconnect.claims import CLAIMS_BY_SCOPE
from apij.double.people import Person

__all__ = ["Interaction", "consent_page", "error_page", "login_page"]

_HEADERS: Final = (
    ("content-type", "text/html; charset=utf-8"),
    ("cache-control", "no-store"),
    (
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
)
_STYLE: Final = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;color:#161616}"
    "h1{color:#000091;font-size:1.4rem}.banner{background:#000091;color:#fff;padding:.6rem 1rem}"
    "label{display:block;padding:.4rem;border:1px solid #ddd;margin:.3rem 0;border-radius:4px}"
    "button{background:#000091;color:#fff;border:0;padding:.6rem 1.2rem;margin:.6rem .4rem 0 0}"
    "button.secondary{background:#fff;color:#000091;border:1px solid #000091}"
    "small{color:#666}"
)


@dataclass
class Interaction:
    """One login in progress: the authorization request's parameters, kept server-side."""

    id: str
    csrf: str = field(repr=False)
    params: tuple[tuple[str, str], ...] = field(repr=False)
    client_name: str = ""
    scopes: tuple[str, ...] = ()
    person: Person | None = None

    @classmethod
    def start(
        cls, params: Iterable[tuple[str, str]], *, client_name: str, scopes: tuple[str, ...]
    ) -> Interaction:
        return cls(
            secrets.token_urlsafe(16),
            secrets.token_urlsafe(32),
            tuple(params),
            client_name,
            scopes,
        )

    @property
    def params_dict(self) -> dict[str, str]:
        return dict(self.params)

    def accepts(self, cookie: str, csrf: str) -> bool:
        """Whether a form post comes from this interaction's browser, with its CSRF token."""
        same_browser = hmac.compare_digest(cookie.encode(), self.id.encode())
        return same_browser and hmac.compare_digest(csrf.encode(), self.csrf.encode())


def _page(status: int, title: str, body: str, *extra: tuple[str, str]) -> Reply:
    html = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        '<div class="banner">FranceConnect <small style="color:#ddd">(double de test, '
        "hors ligne, identités fictives)</small></div>"
        f"{body}</body></html>"
    )
    return Reply(status, (*_HEADERS, *extra), html.encode())


def _html_form(action: str, interaction: Interaction, inner: str) -> str:
    return (
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="csrf_token" value="{escape(interaction.csrf)}">'
        f"{inner}</form>"
    )


def login_page(base_path: str, interaction: Interaction, people: Iterable[Person]) -> Reply:
    """The person chooser, and the cookie that binds its form to this browser."""
    choices = "".join(
        f'<label><input type="radio" name="person" value="{escape(p.name)}"'
        f"{' checked' if i == 0 else ''}> <strong>{escape(p.identite.given_name)} "
        f"{escape(p.identite.family_name)}</strong> <small>{escape(p.name)} — "
        f"{escape(p.description)}</small></label>"
        for i, p in enumerate(people)
    )
    action = f"{base_path}/interaction/{interaction.id}/login"
    body = (
        f"<h1>Connexion à {escape(interaction.client_name)}</h1>"
        "<p>Choisissez la personne fictive à connecter :</p>"
        + _html_form(action, interaction, f'{choices}<button type="submit">Se connecter</button>')
    )
    cookie = f"fc_double_interaction={interaction.id}; Path={base_path}; HttpOnly; SameSite=Lax"
    return _page(200, "FranceConnect — connexion", body, ("set-cookie", cookie))


def consent_page(base_path: str, interaction: Interaction) -> Reply:
    """The consent step private service providers get: which data goes to whom."""
    person = interaction.person
    assert person is not None
    items = "".join(
        f"<li><code>{escape(scope)}</code>"
        + (f" <small>({escape(', '.join(CLAIMS_BY_SCOPE.get(scope, ())))})</small>")
        + "</li>"
        for scope in interaction.scopes
    )
    action = f"{base_path}/interaction/{interaction.id}/consent"
    buttons = (
        '<button type="submit" name="decision" value="accept">Continuer</button>'
        '<button type="submit" name="decision" value="deny" class="secondary">Refuser</button>'
    )
    body = (
        f"<h1>{escape(interaction.client_name)} demande vos données</h1>"
        f"<p>Connecté : <strong>{escape(person.identite.given_name)} "
        f"{escape(person.identite.family_name)}</strong></p>"
        f"<p>Données transmises :</p><ul>{items}</ul>" + _html_form(action, interaction, buttons)
    )
    return _page(200, "FranceConnect — consentement", body)


def error_page(status: int, error: str, description: str) -> Reply:
    """An error FranceConnect cannot send back to a client (unknown client or redirect URI)."""
    body = f"<h1>Erreur</h1><p><code>{escape(error)}</code></p><p>{escape(description)}</p>"
    return _page(status, "FranceConnect — erreur", body)
