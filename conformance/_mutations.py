"""The catalogue of contract mutations, each with the verdicts the project's gate must give.

Every mutation is a function on the spec dict (applied to a deep copy). `after` names the
checks expected to catch the drift once `make update-spec` has brought the mutated contract in
and regenerated the client (empty: the change is fully absorbed, the gate must stay green).
New elements carry `x-reconstructed: inferred`, as the project's traceability rule requires
of any element in the vendored spec.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Spec = dict[str, Any]

# Checks, by the gate's test module that implements them.
CHECKS: dict[str, str] = {
    "test_provenance": "provenance",
    "test_drift": "drift",
    "test_contract": "contract",
    "test_double_schemathesis": "schemathesis/respx",
    "test_double_asgi": "schemathesis/asgi",
    "test_double_scenarios": "double scenarios",
    "test_client_responses": "client responses",
    "test_client_requests": "client requests",
    "test_face_money": "face",
    "test_public_surface": "public surface",
}
# Besides those: "apij import" when pytest cannot even load the `apij` plugin (the face or the
# double no longer imports against the regenerated client).


@dataclass(frozen=True)
class Mutation:
    """One change of the contract and the verdicts it must produce."""

    name: str
    description: str
    apply: Callable[[Spec], None]
    stale_fails: bool
    after: frozenset[str]


def _op(spec: Spec) -> Spec:
    op: Spec = spec["paths"]["/me/paiements"]["get"]
    return op


def _lines(spec: Spec) -> Iterator[Spec]:
    """The payment lines of every success example (kept in step with schema changes)."""
    for response in _op(spec)["responses"].values():
        for media in response.get("content", {}).values():
            for example in media.get("examples", {}).values():
                yield from example.get("value", {}).get("paiements", [])


def _line_schema(spec: Spec) -> Spec:
    schema: Spec = spec["components"]["schemas"]["PaiementIJ"]
    return schema


def remove_required_field(spec: Spec) -> None:
    schema = _line_schema(spec)
    del schema["properties"]["crds"]
    schema["required"].remove("crds")
    for line in _lines(spec):
        line.pop("crds", None)


def rename_field(spec: Spec) -> None:
    schema = _line_schema(spec)
    schema["properties"]["montant_journalier_brut"] = schema["properties"].pop("montant_journalier")
    schema["required"] = [
        "montant_journalier_brut" if n == "montant_journalier" else n for n in schema["required"]
    ]
    for line in _lines(spec):
        line["montant_journalier_brut"] = line.pop("montant_journalier")


def change_field_type(spec: Spec) -> None:
    prop = _line_schema(spec)["properties"]["nombre_jours"]
    prop["type"] = "string"
    prop.pop("minimum")
    prop["pattern"] = "^[1-9][0-9]*$"
    for line in _lines(spec):
        line["nombre_jours"] = str(line["nombre_jours"])


def add_required_query_parameter(spec: Spec) -> None:
    _op(spec)["parameters"].append(
        {
            "name": "regime",
            "in": "query",
            "required": True,
            "description": "Scheme of the insured person.",
            "x-reconstructed": "inferred",
            "schema": {"type": "string", "enum": ["general", "agricole"]},
        }
    )


def rename_parameter(spec: Spec) -> None:
    spec["components"]["parameters"]["DateDebut"]["name"] = "dateDebutPeriode"


def remove_enum_value(spec: Spec) -> None:
    spec["components"]["schemas"]["Erreur"]["properties"]["code"]["enum"].remove("jeton_expire")
    example = spec["components"]["responses"]["NonAuthentifie"]["content"]["application/json"]
    example["example"]["code"] = "jeton_invalide"


def add_enum_value(spec: Spec) -> None:
    spec["components"]["schemas"]["Erreur"]["properties"]["code"]["enum"].append("compte_suspendu")


def change_success_status(spec: Spec) -> None:
    responses = _op(spec)["responses"]
    responses["201"] = responses.pop("200")


def change_media_type(spec: Spec) -> None:
    content = _op(spec)["responses"]["200"]["content"]
    content["application/vnd.cnam.apij+json"] = content.pop("application/json")


def rename_api_key_header(spec: Spec) -> None:
    spec["components"]["securitySchemes"]["API-Key-Cnam"]["name"] = "X-Cnam-Api-Key"


def drop_api_key_scheme(spec: Spec) -> None:
    del spec["components"]["securitySchemes"]["API-Key-Cnam"]
    for requirement in spec["security"]:
        requirement.pop("API-Key-Cnam", None)


def change_path(spec: Spec) -> None:
    spec["paths"]["/me/paiements-ij"] = spec["paths"].pop("/me/paiements")


def tighten_numeric_bound(spec: Spec) -> None:
    # 30 €: below the double's sickness scenario (32.87 €/day) and the spec's own example.
    spec["components"]["schemas"]["Montant"]["maximum"] = 30


def remove_error_status(spec: Spec) -> None:
    del _op(spec)["responses"]["429"]
    del spec["components"]["responses"]["TropDeRequetes"]


def unchanged(spec: Spec) -> None:
    """Control: the same contract (fed to update-spec as JSON, so only the text differs)."""


def add_optional_response_field(spec: Spec) -> None:
    _line_schema(spec)["properties"]["regime"] = {
        "type": "string",
        "description": "Scheme that paid the line.",
        "x-reconstructed": "inferred",
    }


def _m(name: str, apply: Callable[[Spec], None], after: set[str], stale: bool = True) -> Mutation:
    doc = (apply.__doc__ or name.replace("-", " ")).splitlines()[0]
    return Mutation(name, doc, apply, stale, frozenset(after))


CATALOGUE: tuple[Mutation, ...] = (
    _m("remove-required-field", remove_required_field, {"face"}),
    _m("rename-field", rename_field, {"schemathesis/respx", "face"}),
    _m("change-field-type", change_field_type, {"schemathesis/respx", "face"}),
    _m("add-required-query-parameter", add_required_query_parameter, {"client requests"}),
    _m("rename-parameter", rename_parameter, {"schemathesis/respx", "client requests"}),
    _m("remove-enum-value", remove_enum_value, {"face", "double scenarios"}),
    _m("add-enum-value", add_enum_value, set()),
    _m("change-success-status", change_success_status, {"schemathesis/respx"}),
    _m("change-media-type", change_media_type, {"schemathesis/respx"}),
    _m("rename-api-key-header", rename_api_key_header, {"client requests"}),
    _m("drop-api-key-scheme", drop_api_key_scheme, {"schemathesis/respx"}),
    # Absorbed: the generated client builds the new path and the double routes from the spec.
    _m("change-path", change_path, set()),
    _m("tighten-numeric-bound", tighten_numeric_bound, {"schemathesis/respx"}),
    _m("remove-error-status", remove_error_status, {"double scenarios"}),
    _m("unchanged", unchanged, set(), stale=False),
    _m("add-optional-response-field", add_optional_response_field, set()),
)
