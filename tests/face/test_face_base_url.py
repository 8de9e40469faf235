"""Safe base URLs: https (http for loopback, or on request), no user info, nothing malformed."""

from __future__ import annotations

import pytest

from apij import ApijClient, AsyncApijClient
from tests.face._face_support import KEY

SECRET_PASSWORD = "s3cr3t-pw-4471"


@pytest.mark.parametrize(
    "url",
    [
        "https://partenaires.api.ameli.fr/v1/indemnites-journalieres",
        "https://partenaires.api.ameli.fr:8443/test/v1/indemnites-journalieres/",
        "http://127.0.0.1:8000/v1/indemnites-journalieres",
        "http://127.8.9.10/v1",
        "http://[::1]:8080/v1",
        "http://localhost:8000/v1",
        "http://LOCALHOST/v1",
    ],
)
def test_accepted_base_urls(url: str) -> None:
    with ApijClient(KEY, base_url=url) as client:
        assert client.base_url == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://partenaires.api.ameli.fr/v1/indemnites-journalieres",
        "http://10.0.0.1/v1",
        "http://localhost.example.org/v1",
        "http://128.0.0.1/v1",
    ],
)
def test_http_is_refused_off_loopback(url: str) -> None:
    with pytest.raises(ValueError, match="base_url: http://") as caught:
        ApijClient(KEY, base_url=url)
    assert "allow_insecure_http" in str(caught.value)


def test_http_off_loopback_with_the_explicit_opt_in() -> None:
    url = "http://apij.internal.example/v1"
    with ApijClient(KEY, base_url=url, allow_insecure_http=True) as client:
        assert client.base_url == url


@pytest.mark.parametrize(
    "url",
    [
        f"https://partner:{SECRET_PASSWORD}@partenaires.api.ameli.fr/v1",
        "https://partner@partenaires.api.ameli.fr/v1",
        f"http://user:{SECRET_PASSWORD}@127.0.0.1:8000/v1",
    ],
)
def test_user_info_is_refused_and_never_echoed(url: str) -> None:
    # httpx would send it as Basic auth in place of the user's Bearer token, and print it.
    with pytest.raises(ValueError, match="user information") as caught:
        ApijClient(KEY, base_url=url)
    assert SECRET_PASSWORD not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


@pytest.mark.parametrize(
    "url",
    [
        "",
        "https://",
        "https:///v1",
        "https://[::1/v1",
        "https://host:99999/v1",
        "https://host:port/v1",
        "ftp://host/v1",
        "partenaires.api.ameli.fr/v1",
        "//partenaires.api.ameli.fr/v1",
        "https://host/v1?x=1",
        "https://host/v1#frag",
        "https://ho st/v1",
        "https://host/v1\n",
        "https://host\x00/v1",
    ],
)
def test_malformed_base_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        ApijClient(KEY, base_url=url)


def test_a_base_url_that_is_not_a_string() -> None:
    with pytest.raises(ValueError, match="base_url"):
        ApijClient(KEY, base_url=b"https://host/v1")  # type: ignore[arg-type]


def test_the_async_client_applies_the_same_rules() -> None:
    with pytest.raises(ValueError, match="base_url: http://"):
        AsyncApijClient(KEY, base_url="http://partenaires.api.ameli.fr/v1")
    with pytest.raises(ValueError, match="user information"):
        AsyncApijClient(KEY, base_url="https://u:p@partenaires.api.ameli.fr/v1")
