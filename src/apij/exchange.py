"""Judge one HTTP exchange against the effective contract: violations as paths and rules, no values.

Used by the validating proxy (`apij proxy`) and the live conformance run. A violation says
*where* (request or response), *which JSON path* of the exchange and *which rule* of the
contract: never the offending value, which may be a credential or personal data. Paths address
one virtual document per side: `$.path`, `$.method`, `$.query.dateDebut`,
`$.headers['x-api-key']` for the request; `$.status`, `$.headers['content-type']`,
`$.body.paiements[3].csg` for the response.

Routes, parameters and schemas are judged by the one contract judge (`apij.judge`), as the face
and the double judge them; bodies are parsed with `Decimal` numbers, so `multipleOf: 0.01` is
judged exactly. This module adds the proxy's policy: violations named by side and JSONPath,
security requirements, documented response headers, report paths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from apij._json import json_path
from apij.judge import Breach, ContractJudge, parse_body
from apij.openapi import (
    Contract,
    Operation,
    Parameter,
    Response,
    media_type_allowed,
    parameter_value,
)

__all__ = ["ExchangeJudge", "Violation"]

Side = Literal["request", "response"]


@dataclass(frozen=True, slots=True)
class Violation:
    """One way an exchange breaks the contract."""

    where: Side
    path: str
    rule: str

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "path": self.path, "rule": self.rule}


def _violations(breaches: list[Breach], side: Side, root: str) -> list[Violation]:
    return [Violation(side, json_path(root, breach.parts), breach.keyword) for breach in breaches]


class ExchangeJudge:
    """Judges requests and responses of the API mounted at `base_path` (e.g. `/test/v1/ij`)."""

    def __init__(self, contract: Contract, base_path: str = "") -> None:
        self.contract = contract
        self.judge = ContractJudge(contract, base_path)
        self.base_path = self.judge.base_path
        # Each documented path as segments, base path included: what a report may name.
        self._templates = list(
            dict.fromkeys(
                tuple((self.base_path + op.path).split("/")) for op in contract.operations
            )
        )

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation serving `method path` (full request path), if the contract has one."""
        return self.judge.operation(method, path)

    def reported_path(self, path: str) -> str:
        """The request path as a report may hold it: never a segment the contract does not name.

        A documented path is reported as its template (`/base/me/{id}`, not the id). Any other
        path by its shape: the segments it shares with the nearest documented template, from
        the start, then one `{?}` per other segment (empty segments stay empty: they hold
        nothing), or `{?*N}` past 8 of them: `/base/me/{?}/{?}` for `/base/me/<token>/<date>`.
        """
        route = self.judge.match(path)
        if route is not None:
            return self.base_path + route[0]
        segments = path.split("/")
        shared: tuple[str, ...] = ()
        for template in self._templates:
            count = 0
            for given, documented in zip(segments, template, strict=False):
                if given != documented and not (documented.startswith("{") and given):
                    break
                count += 1
            if count > len(shared):
                shared = template[:count]
        rest = segments[len(shared) :]
        if len(rest) > 8:
            shape = [f"{{?*{len(rest)}}}"]
        else:
            shape = ["" if not segment else "{?}" for segment in rest]
        return "/".join((*shared, *shape)) or "/"

    # Requests -----------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        query: Mapping[str, Sequence[str]],
        headers: Mapping[str, str],
    ) -> tuple[Operation | None, list[Violation]]:
        """The operation the request calls and how the request breaks the contract."""
        route = self.judge.match(path)
        if route is None:
            return None, [Violation("request", "$.path", "path-undocumented")]
        operation = route[1].get(method.upper())
        if operation is None:
            return None, [Violation("request", "$.method", "method-undocumented")]
        found = self._security(operation, headers)
        for parameter in operation.parameters:
            if parameter.location == "query":
                found += self._parameter(parameter, query.get(parameter.name), "$.query")
            elif parameter.location == "header":
                value = headers.get(parameter.name.lower())
                found += self._parameter(parameter, None if value is None else [value], "$.headers")
        return operation, found

    def _parameter(
        self, parameter: Parameter, values: Sequence[str] | None, root: str
    ) -> list[Violation]:
        path = json_path(root, [parameter.name if root == "$.query" else parameter.name.lower()])
        return [
            Violation("request", path, rule) for rule in self.judge.parameter(parameter, values)
        ]

    def _security(self, operation: Operation, headers: Mapping[str, str]) -> list[Violation]:
        if not operation.security:
            return []
        best: list[Violation] | None = None
        for requirement in operation.security:
            missing = [
                Violation("request", path, "security")
                for scheme in requirement
                if (path := self._credential_missing(scheme, headers)) is not None
            ]
            if not missing:
                return []
            if best is None or len(missing) < len(best):
                best = missing
        return best or []

    def _credential_missing(self, scheme_name: str, headers: Mapping[str, str]) -> str | None:
        """The path of the credential `scheme_name` needs, when the request lacks it."""
        scheme = self.contract.security_schemes.get(scheme_name, {})
        kind = scheme.get("type")
        if kind == "apiKey" and scheme.get("in") == "header":
            name = str(scheme.get("name", "")).lower()
            return None if headers.get(name) else json_path("$.headers", [name])
        if kind == "http":
            wanted = str(scheme.get("scheme", "")).lower()
            given = headers.get("authorization", "").split(" ", 1)[0].lower()
            return None if given == wanted else "$.headers.authorization"
        return None  # schemes this judge cannot see in headers (oauth2 flows, cookies)

    # Responses ----------------------------------------------------------------------------------

    def response(
        self,
        operation: Operation,
        status: int,
        headers: Mapping[str, str],
        body: bytes | None,
    ) -> list[Violation]:
        """How the response breaks the contract (`body` None: the body is not judged)."""
        documented = operation.response(status) or operation.default_response
        if documented is None:
            return [Violation("response", "$.status", "status-undocumented")]
        found = self._headers(documented, headers)
        if documented.content:
            found += self._body(documented, headers.get("content-type"), body)
        return found

    def _headers(self, documented: Response, headers: Mapping[str, str]) -> list[Violation]:
        found = []
        for header in documented.headers:
            name = header.name.lower()
            if name == "content-type":
                continue  # OpenAPI: described by `content`, ignored here
            path = json_path("$.headers", [name])
            value = headers.get(name)
            if value is None:
                if header.required:
                    found.append(Violation("response", path, "required"))
                continue
            if header.schema is not None:
                instance = parameter_value(value, header.schema)
                breaches = self.judge.schema(header.schema).breaches(instance)
                found += [Violation("response", path, breach.keyword) for breach in breaches]
        return found

    def _body(
        self, documented: Response, content_type: str | None, body: bytes | None
    ) -> list[Violation]:
        if not media_type_allowed(content_type, documented.media_types):
            return [Violation("response", "$.headers['content-type']", "media-type")]
        schema = documented.schema
        if body is None or schema is None:
            return []
        doc, wrong = parse_body(body)
        if wrong is not None:
            rule = "duplicate-key" if wrong == "duplicate-key" else "json"
            return [Violation("response", "$.body", rule)]
        return _violations(self.judge.schema(schema).breaches(doc), "response", "$.body")
