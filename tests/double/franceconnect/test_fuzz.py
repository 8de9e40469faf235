"""The OP's endpoints under generated requests (hypothesis): never a 500, never a traceback,
always an answer with a content type, and no generated markup reflected raw into a page."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apij.double.franceconnect.setup import DEFAULT_REDIRECT_URI, wire
from tests.double.franceconnect.conftest import Now

SETUP = wire(now=Now())
PARTNER = SETUP.partner
PATHS = [
    "/api/v2/authorize",
    "/api/v2/token",
    "/api/v2/userinfo",
    "/api/v2/checktoken",
    "/api/v2/session/end",
    "/api/v2/jwks",
    "/api/v2/.well-known/openid-configuration",
    "/api/v2/interaction/x/login",
    "/api/v2/interaction/x/consent",
]
NAMES = [
    "client_id",
    "client_secret",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "acr_values",
    "login_hint",
    "prompt",
    "claims",
    "code",
    "grant_type",
    "token",
    "code_challenge",
    "code_challenge_method",
    "code_verifier",
    "id_token_hint",
    "post_logout_redirect_uri",
    "csrf_token",
    "person",
]
MARKUP = "<b id=reflected>"
# A tag no page of the double writes: a value holding it and found raw in a page was reflected
# unescaped (a bare "<" proves nothing: every page holds some).
FUZZ_TAG = "<x-fuzz>"
VALUES = st.one_of(
    st.sampled_from(
        [
            PARTNER.client_id,
            DEFAULT_REDIRECT_URI,
            "code",
            "openid identite_pivot cnam_paiements_ij",
            "eidas1",
            "n" * 22,
            "maladie",
            "authorization_code",
            "none",
            '{"id_token": {"amr": null}}',
            MARKUP,
            "S256",
            "",
        ]
    ),
    st.text(max_size=40),
    st.text(max_size=20).map(lambda text: FUZZ_TAG + text),
)
PARAMS = st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=10)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "PUT"]),
    path=st.one_of(st.sampled_from(PATHS), st.text(max_size=30).map(lambda p: "/api/v2/" + p)),
    query=PARAMS,
    form=PARAMS,
    authorization=st.one_of(st.none(), st.text(max_size=30).map(lambda t: "Bearer " + t)),
)
def test_no_generated_request_breaks_the_op(
    method: str,
    path: str,
    query: list[tuple[str, str]],
    form: list[tuple[str, str]],
    authorization: str | None,
) -> None:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if authorization is not None:
        headers["authorization"] = authorization
    reply = SETUP.fc.respond(method, path, urlencode(query), headers, urlencode(form).encode())
    assert reply.status < 500, (reply.status, reply.body[:200])
    assert b"Traceback" not in reply.body
    content_type = dict(reply.headers).get("content-type")
    assert content_type is not None or reply.status == 302
    if content_type and content_type.startswith("text/html"):
        assert MARKUP not in reply.body.decode()
        page = reply.body.decode()
        for _, value in query + form:
            if FUZZ_TAG in value:
                assert FUZZ_TAG not in page, "a generated tag reflected unescaped"
    if reply.status == 302:
        location = dict(reply.headers)["location"]
        assert location.startswith(DEFAULT_REDIRECT_URI) or location.startswith("http://127.0.0.1")
