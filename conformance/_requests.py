"""Validating a captured httpx request against the effective contract (openapi-core)."""

from __future__ import annotations

import functools
from urllib.parse import parse_qs, urlsplit

import httpx
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest

from apij.openapi import Operation
from conformance._support import document


@functools.cache
def _openapi() -> OpenAPI:
    # openapi-core picks its validators from the document's own dialect (3.0 or 3.1).
    return OpenAPI.from_dict(document())


def request_problems(request: httpx.Request, operation: Operation) -> list[str]:
    """Why `request` is not a valid call of `operation` per the contract (empty when it is).

    openapi-core checks server, path, method, parameters (types, formats, required) and that one
    security requirement is met in full (both credentials, bearer scheme). It tolerates undeclared
    query parameters, which a generated client has no business sending, so those are checked here.
    """
    problems: list[str] = []
    # openapi-core ships a requests adapter, not an httpx one; the conversion keeps the wire form.
    prepared = requests.Request(
        method=request.method, url=str(request.url), headers=dict(request.headers)
    ).prepare()
    try:
        _openapi().validate_request(RequestsOpenAPIRequest(prepared))
    except Exception as exc:  # openapi-core raises a family of errors; all mean "invalid"
        cause = f" ({exc.__cause__})" if exc.__cause__ else ""
        problems.append(f"{type(exc).__name__}: {exc}{cause}")
    declared = {p.name for p in operation.parameters_in("query")}
    sent = set(parse_qs(urlsplit(str(request.url)).query, keep_blank_values=True))
    problems += [f"undeclared query parameter {name!r}" for name in sorted(sent - declared)]
    if request.method.upper() != operation.method:
        problems.append(f"method {request.method} is not {operation.method}")
    return problems
