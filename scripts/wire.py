"""The wire verdict: what a contract change does to a client that was built for the old contract.

Both effective documents are read by the project's one reader (`apij.openapi`: references
resolved, schemas as JSON Schema 2020-12, annotations dropped), then compared element by element
from the client's side: what it sends (parameters, credentials), what it accepts (statuses,
media types, headers, bodies). Every difference is a `Finding` of one named rule of `RULES`;
rule ids are stable (scripts, CI and changelogs quote them) and documented in CONTRIBUTING.md.
Where oasdiff has the same rule, `Rule.oasdiff` names its id and the level agrees with it; where
apij deliberately differs, `Rule.note` says why.

Levels, worst first: breaking (a client built for the old contract fails on the new one),
soft (it keeps working but sees drift at run time: values or members it did not expect),
compatible (additions it may ignore), cosmetic (nothing on the wire changed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from apij.openapi import Contract, Operation, Response, read

Level = Literal["breaking", "soft", "compatible", "cosmetic"]
LEVELS: tuple[Level, ...] = ("breaking", "soft", "compatible", "cosmetic")
Direction = Literal["request", "response"]


@dataclass(frozen=True)
class Rule:
    """One kind of change, its level from the client's side, and oasdiff's id for it."""

    id: str
    level: Level
    text: str
    oasdiff: str = ""
    note: str = ""


_RULES: tuple[Rule, ...] = (
    # --- breaking: what the client sends ------------------------------------------------------
    Rule(
        "new-required-request-parameter",
        "breaking",
        "a new required parameter: the old client does not send it",
        "new-required-request-parameter",
    ),
    Rule(
        "request-parameter-removed",
        "breaking",
        "a parameter the client sends is gone (a rename is a removal and an addition)",
        "request-parameter-removed",
        "oasdiff rates it WARN; apij breaking: the generated function loses its argument and "
        "the server may refuse what the old client still sends",
    ),
    Rule(
        "request-parameter-became-required",
        "breaking",
        "an optional parameter became required",
        "request-parameter-became-required",
    ),
    Rule(
        "request-parameter-type-changed",
        "breaking",
        "a parameter's type or format no longer admits what the client sends",
        "request-parameter-type-changed",
    ),
    Rule(
        "request-parameter-enum-value-removed",
        "breaking",
        "a parameter no longer admits a value the client may send",
        "request-parameter-enum-value-removed",
    ),
    Rule(
        "request-parameter-bound-tightened",
        "breaking",
        "a parameter's bound, length, pattern or multipleOf became stricter",
        "request-parameter-max-decreased",
        "oasdiff has one id per keyword (max-decreased, min-increased, max-length-decreased...)",
    ),
    Rule(
        "security-changed",
        "breaking",
        "the credentials an operation requires changed (a scheme, its header, the AND/OR)",
        "api-security-removed",
        "Optic 1.0.9 does not flag a renamed API key header or a dropped scheme",
    ),
    Rule(
        "operation-removed",
        "breaking",
        "an operation is gone (or moved: its path or method changed)",
        "api-removed-without-deprecation",
    ),
    # --- breaking: what the client accepts ----------------------------------------------------
    Rule(
        "response-status-removed",
        "breaking",
        "a documented status is gone",
        "response-success-status-removed",
        "oasdiff rates a removed error status (response-non-success-status-removed) WARN; "
        "apij breaking for both: the face's typed errors rest on the documented statuses",
    ),
    Rule(
        "response-media-type-removed",
        "breaking",
        "a response media type the client accepts is gone (renamed: removed and added)",
        "response-media-type-removed",
    ),
    Rule(
        "response-required-property-removed",
        "breaking",
        "a required response property is gone (a rename is a removal and an addition)",
        "response-required-property-removed",
    ),
    Rule(
        "response-property-became-optional",
        "breaking",
        "a required response property may now be missing",
        "response-property-became-optional",
    ),
    Rule(
        "response-property-became-nullable",
        "breaking",
        "a response value may now be null",
        "response-property-became-nullable",
        "a 3.1 type list with `null` whose enum excludes null admits no null: apij calls it "
        "no change, where Optic 1.0.9 flags an expansion",
    ),
    Rule(
        "response-property-type-changed",
        "breaking",
        "a response value's type or format changed or widened (integer to number included)",
        "response-property-type-changed",
    ),
    Rule(
        "response-header-removed",
        "breaking",
        "a required response header is gone or became optional",
        "required-response-header-removed",
        "Optic 1.0.9 passes it; apij breaking, with oasdiff (ERR)",
    ),
    Rule(
        "schema-changed",
        "breaking",
        "a schema keyword apij does not classify changed (allOf, oneOf, additionalProperties, "
        "const...): breaking until a maintainer reads it",
        "request-allOf-modified",
        "oasdiff warns on allOf changes; apij is conservative for every keyword it cannot judge",
    ),
    # --- soft: the client keeps working, and sees drift at run time ----------------------------
    Rule(
        "response-enum-value-added",
        "soft",
        "a response value may take a value the old client does not know",
        "response-property-enum-value-added",
        "Optic 1.0.9 calls it breaking; apij soft, with oasdiff (WARN): the face reports an "
        "unknown code as drift and still raises its typed error",
    ),
    Rule(
        "response-bound-relaxed",
        "soft",
        "a response bound, length, pattern or multipleOf was relaxed or dropped",
        "response-property-max-length-increased",
        "oasdiff has one id per keyword (max-length-increased, min-items-decreased...)",
    ),
    Rule(
        "response-property-added",
        "soft",
        "a new response property: the old client sees an unknown member",
        "response-optional-property-added",
        "oasdiff INFO; apij soft: the face reports an unknown member as drift",
    ),
    Rule(
        "response-optional-property-removed",
        "soft",
        "an optional response property is gone",
        "response-optional-property-removed",
    ),
    Rule(
        "response-status-added",
        "soft",
        "a new documented status: the old client meets an undocumented one",
        "response-success-status-added",
        "oasdiff INFO; apij soft: the old face raises UnexpectedResponse on it",
    ),
    Rule(
        "response-media-type-added",
        "soft",
        "a new response media type",
        "response-media-type-added",
        "oasdiff INFO; apij soft: the old face refuses a body in an undocumented media type",
    ),
    Rule(
        "response-header-added",
        "soft",
        "a new response header, an optional one removed, or a header's schema relaxed",
    ),
    Rule(
        "server-changed",
        "soft",
        "a server URL was added or removed (the client's base_url is its own setting)",
    ),
    # --- compatible: additions the client may ignore -------------------------------------------
    Rule(
        "new-optional-request-parameter",
        "compatible",
        "a new optional parameter",
        "new-optional-request-parameter",
    ),
    Rule(
        "request-parameter-became-optional",
        "compatible",
        "a required parameter became optional",
        "request-parameter-became-optional",
    ),
    Rule(
        "request-parameter-widened",
        "compatible",
        "a parameter admits more (enum value added, bound relaxed, type widened)",
        "request-parameter-enum-value-added",
    ),
    Rule(
        "response-narrowed",
        "compatible",
        "a response admits less (enum value removed, bound tightened, property became required "
        "or not nullable, type narrowed)",
        "response-property-enum-value-removed",
    ),
    Rule("operation-added", "compatible", "a new operation", "endpoint-added"),
    Rule(
        "security-alternative-added",
        "compatible",
        "a new way to authenticate, the old one kept",
    ),
    # --- cosmetic: nothing on the wire changed ---------------------------------------------------
    Rule(
        "operation-id-changed",
        "cosmetic",
        "an operationId or tags changed: not on the wire (the Python API diff sees the rename)",
        "api-operation-id-removed",
        "oasdiff rates it ERR for generated clients; apij judges the wire here and the Python "
        "API separately, and the bump takes the worse of the two",
    ),
    Rule("info-changed", "cosmetic", "the document's title or version changed"),
    Rule("openapi-dialect-changed", "cosmetic", "3.0 and 3.1 spellings of the same contract"),
    Rule(
        "annotations-changed",
        "cosmetic",
        "descriptions, examples, order, component names or other annotations changed",
    ),
    Rule(
        "serialisation-changed",
        "cosmetic",
        "the same document in other bytes (YAML/JSON, key order, quoting)",
    ),
)
RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


@dataclass(frozen=True)
class Finding:
    """One change: its rule, where (operation and status, or the document), and what it is."""

    rule: str
    where: str  # "GET /me/paiements", "GET /me/paiements query:dateDebut" or "document"
    path: str  # a JSON path in the body (`$.paiements[*].csg`), or the element changed
    detail: str
    status: str = ""  # the response status(es) concerned, comma-separated

    @property
    def level(self) -> Level:
        return RULES[self.rule].level

    def line(self, width: int = 160) -> str:
        parts = (self.rule, self.where, self.status, self.path, self.detail)
        text = " ".join(part for part in parts if part)
        return text if len(text) <= width else text[: width - 1] + "…"

    def as_json(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "level": self.level,
            "where": self.where,
            "status": self.status,
            "path": self.path,
            "detail": self.detail,
        }


def grouped(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per change, its statuses joined (a shared error schema changes in each)."""
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for f in findings:
        groups.setdefault((f.rule, f.where, f.path, f.detail), []).append(f.status)
    return [
        Finding(rule, where, path, detail, ",".join(s for s in statuses if s))
        for (rule, where, path, detail), statuses in groups.items()
    ]


def verdict(findings: Iterable[Finding]) -> Level | None:
    """The worst level among the findings; None when there is none (identical meaning)."""
    levels = {f.level for f in findings}
    return next((level for level in LEVELS if level in levels), None)


# --- schemas ---------------------------------------------------------------------------------

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_HANDLED = frozenset(
    {
        "type",
        "format",
        "enum",
        "properties",
        "required",
        "items",
        "pattern",
        "multipleOf",
        "uniqueItems",
        "title",
        "default",
        *_LOWER_BOUNDS,
        *_UPPER_BOUNDS,
    }
)


def _types(schema: Mapping[str, Any]) -> frozenset[str] | None:
    """The non-null JSON types a schema admits (None: any); `number` admits integers."""
    kind = schema.get("type")
    if kind is None:
        return None
    kinds = set(kind) if isinstance(kind, list) else {kind}
    kinds.discard("null")
    if "number" in kinds:
        kinds.add("integer")
    return frozenset(str(k) for k in kinds)


def _nullable(schema: Mapping[str, Any]) -> bool:
    """Whether null is a value of the schema: its type admits null and its enum (if any) too."""
    kind = schema.get("type")
    admits = kind is None or (isinstance(kind, list) and "null" in kind) or kind == "null"
    if "enum" in schema and isinstance(schema["enum"], list):
        return None in schema["enum"] and admits
    if "const" in schema:
        return schema["const"] is None
    return admits and kind is not None


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _value(value: Any) -> str:
    """An enum value as a report shows it: strings bare, the rest as JSON."""
    return value if isinstance(value, str) else _text(value)


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@dataclass
class _Walk:
    direction: Direction
    where: str
    out: list[Finding]
    status: str = ""

    def add(self, rule: str, path: str, detail: str) -> None:
        self.out.append(Finding(rule, self.where, path or "$", detail, self.status))

    # Rules by direction: the same schema change is breaking on one side, harmless on the other.
    def looser(self, path: str, detail: str) -> None:
        if self.direction == "response":
            self.add("response-bound-relaxed", path, detail)
        else:
            self.add("request-parameter-widened", path, detail)

    def stricter(self, path: str, detail: str) -> None:
        if self.direction == "response":
            self.add("response-narrowed", path, detail)
        else:
            self.add("request-parameter-bound-tightened", path, detail)

    def schema(self, old: Any, new: Any, path: str) -> None:
        if not isinstance(old, Mapping) or not isinstance(new, Mapping):
            if _text(old) != _text(new):
                self.add("schema-changed", path, f"{_text(old)[:40]} -> {_text(new)[:40]}")
            return
        self.types(old, new, path)
        self.enum(old, new, path)
        self.bounds(old, new, path)
        self.properties(old, new, path)
        if "items" in old or "items" in new:
            self.schema(old.get("items", {}), new.get("items", {}), f"{path}[*]")
        for key in sorted((set(old) | set(new)) - _HANDLED):
            if _text(old.get(key)) != _text(new.get(key)):
                self.add("schema-changed", path, f"{key} changed")

    def types(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        was, now = _types(old), _types(new)
        shown = f"type {_shown(old)} -> {_shown(new)}"
        # A format is a restriction of its type: added, it narrows; dropped, it widens;
        # replaced by another, it changes the values (both).
        was_f, now_f = old.get("format"), new.get("format")
        # `wider`: the new schema admits a value the old did not; `narrower`: the reverse.
        wider = (was is not None and (now is None or not now <= was)) or (
            was_f is not None and was_f != now_f
        )
        narrower = (now is not None and (was is None or not was <= now)) or (
            now_f is not None and was_f != now_f
        )
        if self.direction == "response":
            if wider:
                self.add("response-property-type-changed", path, shown)
            elif narrower:
                self.add("response-narrowed", path, shown)
        else:
            if narrower:
                self.add("request-parameter-type-changed", path, shown)
            elif wider:
                self.add("request-parameter-widened", path, shown)
        if _nullable(old) != _nullable(new):
            gained = _nullable(new)
            if self.direction == "response":
                rule = "response-property-became-nullable" if gained else "response-narrowed"
            else:
                rule = "request-parameter-widened" if gained else "request-parameter-type-changed"
            self.add(rule, path, f"{'now' if gained else 'no longer'} nullable ({shown})")

    def enum(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        was, now = old.get("enum"), new.get("enum")
        if not isinstance(was, list) and not isinstance(now, list):
            return
        before = {_value(v) for v in was} if isinstance(was, list) else None
        after = {_value(v) for v in now} if isinstance(now, list) else None
        added = sorted(after - before) if before is not None and after is not None else []
        removed = sorted(before - after) if before is not None and after is not None else []
        if before is not None and after is None:
            added = ["(any value)"]
        if before is None and after is not None:
            removed = ["(any other value)"]
        if added:
            detail = "enum " + " ".join(f"+{v}" for v in added)
            if self.direction == "response":
                self.add("response-enum-value-added", path, detail)
            else:
                self.add("request-parameter-widened", path, detail)
        if removed:
            detail = "enum " + " ".join(f"−{v}" for v in removed)
            if self.direction == "response":
                self.add("response-narrowed", path, detail)
            else:
                self.add("request-parameter-enum-value-removed", path, detail)

    def bounds(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        for key in (*_LOWER_BOUNDS, *_UPPER_BOUNDS):
            was, now = old.get(key), new.get(key)
            if _text(was) == _text(now):
                continue
            detail = f"{key} {was} -> {now}"
            a, b = _number(was), _number(now)
            if b is None:
                self.looser(path, detail)
            elif a is None:
                self.stricter(path, detail)
            elif (b < a) == (key in _LOWER_BOUNDS):
                self.looser(path, detail)
            else:
                self.stricter(path, detail)
        was_m, now_m = _number(old.get("multipleOf")), _number(new.get("multipleOf"))
        if was_m != now_m:
            detail = f"multipleOf {old.get('multipleOf')} -> {new.get('multipleOf')}"
            if now_m is None or (was_m is not None and was_m % now_m == 0):
                self.looser(path, detail)
            elif was_m is None or now_m % was_m == 0:
                self.stricter(path, detail)
            else:
                self.looser(path, detail)
                self.stricter(path, detail)
        for key in ("pattern", "uniqueItems"):
            was_k, now_k = old.get(key), new.get(key)
            if _text(was_k) == _text(now_k):
                continue
            # A changed pattern cannot be judged a superset: it counts both ways.
            detail = f"{key} {was_k} -> {now_k}"
            if now_k not in (None, False):
                self.stricter(path, detail)
            if was_k not in (None, False):
                self.looser(path, detail)

    def properties(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        was: Mapping[str, Any] = old.get("properties") or {}
        now: Mapping[str, Any] = new.get("properties") or {}
        req_was, req_now = set(old.get("required") or ()), set(new.get("required") or ())
        gone = [n for n in was if n not in now]
        fresh = [n for n in now if n not in was]
        for name in gone:
            here = f"{path}.{name}"
            twin = next((f for f in fresh if _text(now[f]) == _text(was[name])), None)
            hint = f" (renamed {twin}?)" if twin else ""
            if self.direction == "response":
                if name in req_was:
                    self.add("response-required-property-removed", here, f"removed{hint}")
                else:
                    self.add("response-optional-property-removed", here, f"removed{hint}")
            else:
                self.add("request-parameter-removed", here, f"property removed{hint}")
        for name in fresh:
            flag = "required" if name in req_now else "optional"
            here = f"{path}.{name}"
            if self.direction == "response":
                self.add("response-property-added", here, f"{flag} {_shown(now[name])}")
            elif name in req_now:
                self.add("new-required-request-parameter", here, "required property added")
            else:
                self.add("new-optional-request-parameter", here, "optional property added")
        for name in was:
            if name not in now:
                continue
            here = f"{path}.{name}"
            if (name in req_was) != (name in req_now):
                if self.direction == "response":
                    rule = (
                        "response-property-became-optional"
                        if name in req_was
                        else "response-narrowed"
                    )
                else:
                    rule = (
                        "request-parameter-became-optional"
                        if name in req_was
                        else "request-parameter-became-required"
                    )
                said = "required" if name in req_now else "optional"
                self.add(rule, here, f"became {said}")
            self.schema(was[name], now[name], here)


def _shown(schema: Any) -> str:
    if not isinstance(schema, Mapping):
        return _text(schema)
    kind = schema.get("type", "any")
    kinds = "|".join(kind) if isinstance(kind, list) else str(kind)
    return kinds + (f"({schema['format']})" if "format" in schema else "")


# --- operations --------------------------------------------------------------------------------


def _op_label(op: Operation) -> str:
    return f"{op.method} {op.path}"


def _responses(op: Operation) -> dict[str, Response]:
    found = {str(r.status): r for r in op.responses}
    if op.default_response is not None:
        found["default"] = op.default_response
    return found


def _security(alternatives: tuple[tuple[str, ...], ...]) -> frozenset[frozenset[str]]:
    return frozenset(frozenset(requirement) for requirement in alternatives)


def _shown_security(alternatives: frozenset[frozenset[str]]) -> str:
    return " OR ".join(sorted(" AND ".join(sorted(r)) or "(none)" for r in alternatives)) or "none"


def _operation(old: Operation, new: Operation, out: list[Finding]) -> None:
    where = _op_label(new)
    if old.operation_id != new.operation_id or old.tags != new.tags:
        out.append(
            Finding(
                "operation-id-changed",
                where,
                "$",
                f"operationId {old.operation_id} -> {new.operation_id}"
                if old.operation_id != new.operation_id
                else f"tags {','.join(old.tags)} -> {','.join(new.tags)}",
            )
        )
    was_sec, now_sec = _security(old.security), _security(new.security)
    if was_sec != now_sec:
        rule = "security-alternative-added" if was_sec < now_sec else "security-changed"
        detail = f"{_shown_security(was_sec)} -> {_shown_security(now_sec)}"
        out.append(Finding(rule, where, "security", detail))
    params_was = {(p.location, p.name): p for p in old.parameters}
    params_now = {(p.location, p.name): p for p in new.parameters}
    for key, param in params_was.items():
        label = f"{key[0]}:{key[1]}"
        if key not in params_now:
            out.append(Finding("request-parameter-removed", where, label, "removed"))
            continue
        now = params_now[key]
        if param.required != now.required:
            rule = (
                "request-parameter-became-required"
                if now.required
                else ("request-parameter-became-optional")
            )
            out.append(
                Finding(rule, where, label, f"became {'required' if now.required else 'optional'}")
            )
        _Walk("request", f"{where} {label}", out).schema(param.schema, now.schema, "")
    for key, param in params_now.items():
        if key in params_was:
            continue
        label = f"{key[0]}:{key[1]}"
        rule = (
            "new-required-request-parameter" if param.required else "new-optional-request-parameter"
        )
        out.append(
            Finding(
                rule,
                where,
                label,
                f"{'required' if param.required else 'optional'} {_shown(param.schema)}",
            )
        )
    was_r, now_r = _responses(old), _responses(new)
    for status, response in was_r.items():
        if status not in now_r:
            out.append(Finding("response-status-removed", where, "", "removed", status))
            continue
        _response(response, now_r[status], where, status, out)
    for status in now_r:
        if status not in was_r:
            out.append(Finding("response-status-added", where, "", "added", status))


def _response(old: Response, new: Response, where: str, status: str, out: list[Finding]) -> None:
    was = {m.name.lower(): m for m in old.content}
    now = {m.name.lower(): m for m in new.content}
    for name in was:
        if name not in now:
            out.append(Finding("response-media-type-removed", where, "content", f"−{name}", status))
    for name in now:
        if name not in was:
            out.append(Finding("response-media-type-added", where, "content", f"+{name}", status))
    for name, media in was.items():
        if name in now:
            label = where if len(was) == 1 else f"{where} {name}"
            walk = _Walk("response", label, out, status)
            walk.schema(media.schema or {}, now[name].schema or {}, "$")
    headers_was = {h.name.lower(): h for h in old.headers}
    headers_now = {h.name.lower(): h for h in new.headers}
    for name, header in headers_was.items():
        now_header = headers_now.get(name)
        if now_header is None or (header.required and not now_header.required):
            if header.required:
                said = "removed" if now_header is None else "became optional"
                out.append(
                    Finding("response-header-removed", where, f"header:{name}", said, status)
                )
            elif now_header is None:
                out.append(
                    Finding(
                        "response-header-added",
                        where,
                        f"header:{name}",
                        "optional header removed",
                        status,
                    )
                )
            continue
        _Walk("response", where, out, status).schema(
            header.schema or {}, now_header.schema or {}, f"header:{name}"
        )
    for name in headers_now:
        if name not in headers_was:
            out.append(Finding("response-header-added", where, f"header:{name}", "added", status))


def classify_contracts(old: Contract, new: Contract) -> list[Finding]:
    out: list[Finding] = []
    if old.openapi != new.openapi:
        out.append(
            Finding(
                "openapi-dialect-changed", "document", "openapi", f"{old.openapi} -> {new.openapi}"
            )
        )
    for field, was_info, now_info in (
        ("info.title", old.title, new.title),
        ("info.version", old.version, new.version),
    ):
        if was_info != now_info:
            out.append(Finding("info-changed", "document", field, f"{was_info} -> {now_info}"))
    for url in sorted(set(old.servers) ^ set(new.servers)):
        said = "+" if url in new.servers else "−"
        out.append(Finding("server-changed", "document", "servers", f"{said}{url}"))
    for name in sorted(set(old.security_schemes) | set(new.security_schemes)):
        a, b = old.security_schemes.get(name), new.security_schemes.get(name)
        fields = ("type", "scheme", "in", "name")
        if a is None:
            continue
        if b is None:
            said = "removed"
        else:
            said = ", ".join(
                f"{k} {a.get(k)} -> {b.get(k)}" for k in fields if a.get(k) != b.get(k)
            )
        if said:
            out.append(Finding("security-changed", "document", f"securitySchemes.{name}", said))
    ops_was = {(o.method, o.path): o for o in old.operations}
    ops_now = {(o.method, o.path): o for o in new.operations}
    for place, op in ops_was.items():
        if place in ops_now:
            _operation(op, ops_now[place], out)
            continue
        moved = next(
            (
                o
                for k, o in ops_now.items()
                if k not in ops_was and o.operation_id == op.operation_id
            ),
            None,
        )
        detail = f"moved to {_op_label(moved)}" if moved else "removed"
        out.append(Finding("operation-removed", _op_label(op), "$", detail))
        if moved is not None:
            _operation(op, moved, out)
    for place, op in ops_now.items():
        if place not in ops_was:
            out.append(
                Finding("operation-added", _op_label(op), "$", f"operationId {op.operation_id}")
            )
    return out


def classify(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    old_raw: Mapping[str, Any] | None = None,
    new_raw: Mapping[str, Any] | None = None,
    bytes_differ: bool = False,
) -> list[Finding]:
    """The findings from effective document `old` to `new`, worst level first.

    `old_raw`/`new_raw` (the upstream documents as parsed) and `bytes_differ` tell a cosmetic
    change of annotations or of serialisation from none at all.
    """
    findings = grouped(classify_contracts(read(old), read(new)))
    if not findings:
        if _text(old) != _text(new) or (
            old_raw is not None and new_raw is not None and _text(old_raw) != _text(new_raw)
        ):
            findings.append(Finding("annotations-changed", "document", "$", "same wire contract"))
        elif bytes_differ:
            findings.append(Finding("serialisation-changed", "document", "$", "same data"))
    order = {level: i for i, level in enumerate(LEVELS)}
    return sorted(findings, key=lambda f: (order[f.level], f.where, f.status, f.path, f.rule))


def rules_table() -> str:
    """The rules as the Markdown table CONTRIBUTING.md carries (`python -m scripts.wire`)."""
    rows = [
        "| rule id | level | the change | oasdiff | where apij differs |",
        "|---|---|---|---|---|",
    ]
    for rule in _RULES:
        oasdiff = f"`{rule.oasdiff}`" if rule.oasdiff else "-"
        rows.append(
            f"| `{rule.id}` | {rule.level} | {rule.text} | {oasdiff} | {rule.note or '-'} |"
        )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(rules_table(), end="")
