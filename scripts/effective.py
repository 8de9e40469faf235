"""The effective contract: the upstream document with the overlay applied, checked before use."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from apij.openapi import Contract, ContractError, normalised, read
from scripts.documents import DocumentError, parse_document
from scripts.overlay import Applied, OverlayError, apply
from scripts.project import OVERLAY, UPSTREAM, relative


def swagger_2(source: str) -> str:
    """Why a Swagger 2.0 document is refused, and the commands that convert and bring it in."""
    return (
        "it is a Swagger 2.0 document, and the project reads OpenAPI 3.0 or 3.1: convert it, "
        "review the result (security schemes and media types change), then update from it:\n"
        f"  npx swagger2openapi@7 {source} --yaml --outfile apij-oas3.yaml\n"
        "  make update-spec SPEC=apij-oas3.yaml"
    )


class Unusable(Exception):
    """A document that cannot become (or produce) the contract; the message says why and where."""


def check(document: Mapping[str, Any], name: str) -> Contract:
    """Read `document` with the project's reader and validate it; Unusable if either refuses."""
    if "swagger" in document:
        raise Unusable(f"{name}: {swagger_2('in.yaml')}")
    try:
        contract = read(document)
    except ContractError as exc:
        raise Unusable(f"{name}: {exc}") from exc
    try:
        validate(dict(document))
    except OpenAPIValidationError as exc:
        where = "/".join(str(part).replace("/", "~1") for part in exc.absolute_path)
        raise Unusable(
            f"{name} is not valid OpenAPI {contract.openapi}: {_short(exc.message)}"
            + (f"\n  at #/{where}" if where else "")
        ) from exc
    return contract


def _short(message: str) -> str:
    """The validator's message without the JSON of the node it quotes (the location says which)."""
    message = message.strip().splitlines()[0] if message.strip() else message
    if message[:1] in "{[":
        for marker in ("} is ", "] is "):
            at = message.rfind(marker)
            if at != -1:
                return "the node is " + message[at + len(marker) :]
    return message[:200]


def derive(
    upstream: Mapping[str, Any], overlay: Mapping[str, Any], source: str = "in.yaml"
) -> Applied:
    """Upstream + overlay, each action reported; Unusable if the result cannot be the contract.

    `source` names the upstream document's file in the messages.
    """
    try:
        read(upstream)  # references and dialect of the document as received
    except ContractError as exc:
        if "swagger" in upstream:
            raise Unusable(f"the upstream document: {swagger_2(source)}") from exc
        raise Unusable(f"the upstream document: {exc}") from exc
    # The reader's normalisation first, so that the overlay's filters (`@.type == 'object'`)
    # see one spelling of each type.
    document, rewritten = normalised(upstream)
    try:
        applied = dataclasses.replace(apply(overlay, document), normalised=rewritten)
    except OverlayError as exc:
        raise Unusable(f"{relative(OVERLAY)} cannot be applied: {exc}") from exc
    check(applied.document, "the effective document (upstream + overlay)")
    return applied


def load(path: Path, name: str) -> dict[str, Any]:
    """A project document (upstream, overlay) parsed, or Unusable naming line and column."""
    try:
        return parse_document(path.read_text(encoding="utf-8"), name)
    except (OSError, DocumentError) as exc:
        raise Unusable(str(exc)) from exc


def derive_vendored() -> Applied:
    """The effective contract of the vendored upstream and the overlay as they are now."""
    return derive(load(UPSTREAM, relative(UPSTREAM)), load(OVERLAY, relative(OVERLAY)))
