# GENERATED FILE - DO NOT EDIT.
# Generated from generated/apij-effective.yaml by openapi-python-client 0.29.1, formatted by ruff 0.17.6.
# Regenerate with `make regenerate` (python -m scripts.regenerate); see CONTRIBUTING.md.
"""The effective contract this package was generated from, for runtime use."""

from typing import Any, Final

SPEC_SHA256: Final = "1cb8aaaa22a680dd52cd4a2aa031b112f5864e1d2d5eb01ae7cfb2fee66c3f63"

SPEC: Final[dict[str, Any]] = {
    "openapi": "3.0.3",
    "info": {
        "title": "API Indemnités Journalières (APIJ)",
        "version": "1.0-apim",
        "description": "Montant des indemnités journalières (IJ) versées par le régime général de l'Assurance Maladie à un assuré sur une période : période indemnisée, montant journalier, nombre de jours indemnisés, retenues CSG et CRDS. L'assuré est identifié par FranceConnect ; l'API ne peut pas être utilisée sans FranceConnect. Source: api.gouv.fr page \"API Indemnités journalières\" (seeds/000_0684f6c69e61155d.txt). This document is a traced reconstruction, not the upstream SwaggerHub document (meeoen/apij/1.0-apim), which could not be obtained; see openapi/provenance.json.",
        "contact": {
            "name": "CNAM partenaires API",
            "email": "partenaires-api-ameli.cnam@assurance-maladie.fr",
        },
        "x-reconstructed": "reconstruction",
    },
    "servers": [
        {
            "url": "https://partenaires.api.ameli.fr/test/v1/indemnites-journalieres",
            "description": 'Test gateway. Source: sister API "API des droits assurés" (host partenaires.api.ameli.fr, test base path /test/v1/<domain>/<resource>); the domain segment is inferred.',
            "x-reconstructed": "inferred",
        },
        {
            "url": "https://partenaires.api.ameli.fr/v1/indemnites-journalieres",
            "description": 'Production gateway. Source: sister API "API des droits assurés" host; the path is inferred.',
            "x-reconstructed": "inferred",
        },
    ],
    "security": [{"API-Key-Cnam": [], "Access-Token-France-Connect": []}],
    "tags": [
        {
            "name": "paiements",
            "description": "Paiements d'indemnités journalières. Source: FranceConnect scope cnam_paiements_ij (\"Paiements d'indemnités journalières versées par l'Assurance Maladie\").",
        }
    ],
    "paths": {
        "/me/paiements": {
            "get": {
                "operationId": "getPaiementsIJ",
                "tags": ["paiements"],
                "summary": "Paiements d'IJ de l'assuré connecté sur une période",
                "description": "Returns the daily sickness allowance (IJ) payment lines of the insured person identified by the FranceConnect access token, whose indemnified period intersects the window [dateDebut, dateFin]. Intersecting lines are returned whole, sorted by start date. Source: api.gouv.fr page (data returned: période, montant journalier, nombre de jours, CSG et CRDS); sister API (GET only, /me resource, dateDebut/dateFin). The resource name and the intersection rule are inferred.",
                "x-reconstructed": "inferred",
                "parameters": [
                    {"$ref": "#/components/parameters/DateDebut"},
                    {"$ref": "#/components/parameters/DateFin"},
                ],
                "responses": {
                    "200": {
                        "description": "The applied window and the payment lines (possibly none). Source: api.gouv.fr page (data returned).",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/PaiementsIJ"},
                                "examples": {
                                    "deuxLignes": {
                                        "summary": "Two 14-day sickness lines (synthetic)",
                                        "value": {
                                            "date_debut": "2025-01-01",
                                            "date_fin": "2025-06-30",
                                            "paiements": [
                                                {
                                                    "date_debut": "2025-03-04",
                                                    "date_fin": "2025-03-17",
                                                    "nombre_jours": 14,
                                                    "montant_journalier": 32.87,
                                                    "csg": 28.53,
                                                    "crds": 2.3,
                                                },
                                                {
                                                    "date_debut": "2025-03-18",
                                                    "date_fin": "2025-03-31",
                                                    "nombre_jours": 14,
                                                    "montant_journalier": 32.87,
                                                    "csg": 28.53,
                                                    "crds": 2.3,
                                                },
                                            ],
                                        },
                                    },
                                    "aucunPaiement": {
                                        "summary": "No IJ in the window (synthetic)",
                                        "value": {
                                            "date_debut": "2024-01-01",
                                            "date_fin": "2024-12-31",
                                            "paiements": [],
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "400": {"$ref": "#/components/responses/RequeteInvalide"},
                    "401": {"$ref": "#/components/responses/NonAuthentifie"},
                    "403": {"$ref": "#/components/responses/ScopeInsuffisant"},
                    "404": {"$ref": "#/components/responses/AssureInconnu"},
                    "429": {"$ref": "#/components/responses/TropDeRequetes"},
                    "500": {"$ref": "#/components/responses/ErreurInterne"},
                    "502": {"$ref": "#/components/responses/ServiceAmontIndisponible"},
                    "503": {"$ref": "#/components/responses/ServiceIndisponible"},
                },
            }
        }
    },
    "components": {
        "securitySchemes": {
            "API-Key-Cnam": {
                "type": "apiKey",
                "in": "header",
                "name": "X-API-Key",
                "description": 'Partner API key given by CNAM under the usage agreement, required on every call. Source: sister API "API des droits assurés" (scheme API-Key-Cnam, header X-API-Key).',
            },
            "Access-Token-France-Connect": {
                "type": "http",
                "scheme": "bearer",
                "description": "The end user's FranceConnect access token, granted scope cnam_paiements_ij, required on every call together with the API key. Source: sister API (scheme Access-Token-France-Connect); FranceConnect data-provider flow and scope cnam_paiements_ij.",
            },
        },
        "parameters": {
            "DateDebut": {
                "name": "dateDebut",
                "in": "query",
                "required": True,
                "description": "First day of the search window (ISO 8601 date, inclusive); must not be after dateFin. Source: sister API (optional dateDebut, format date). Required here: inferred.",
                "x-reconstructed": "inferred",
                "schema": {"type": "string", "format": "date"},
                "example": "2025-01-01",
            },
            "DateFin": {
                "name": "dateFin",
                "in": "query",
                "required": True,
                "description": "Last day of the search window (ISO 8601 date, inclusive). Source: sister API (optional dateFin, format date). Required here: inferred.",
                "x-reconstructed": "inferred",
                "schema": {"type": "string", "format": "date"},
                "example": "2025-06-30",
            },
        },
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before retrying (RFC 9110 delay-seconds). Source: rate limits set in the usage agreement (api.gouv.fr page); the header itself is inferred.",
                "x-reconstructed": "inferred",
                "required": True,
                "schema": {"type": "integer", "minimum": 0},
            },
            "WWW-Authenticate": {
                "description": 'Bearer challenge (RFC 6750), e.g. `Bearer error="invalid_token"`. Source: FranceConnect data-provider reference behaviour (missing or invalid bearer token gives 401).',
                "required": True,
                "schema": {"type": "string", "minLength": 1},
            },
        },
        "responses": {
            "RequeteInvalide": {
                "description": "Invalid parameters (missing, malformed date, dateDebut after dateFin). Source: FranceConnect data-provider reference (400); the error body is inferred.",
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Erreur"},
                        "example": {
                            "code": "requete_invalide",
                            "message": "dateDebut (2025-07-01) must not be after dateFin (2025-06-30)",
                        },
                    }
                },
            },
            "NonAuthentifie": {
                "description": "Missing or invalid API key (code cle_api_invalide), or missing, malformed, unknown or expired FranceConnect token (codes jeton_absent, jeton_invalide, jeton_expire). Source: FranceConnect data-provider reference (no bearer token gives 401; checktoken v2 returns active false for an unknown or expired token); codes inferred.",
                "headers": {
                    "WWW-Authenticate": {
                        "$ref": "#/components/headers/WWW-Authenticate"
                    }
                },
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Erreur"},
                        "example": {
                            "code": "jeton_expire",
                            "message": "The FranceConnect access token has expired",
                        },
                    }
                },
            },
            "ScopeInsuffisant": {
                "description": "The FranceConnect token was not granted scope cnam_paiements_ij. Source: FranceConnect data-provider reference (scope not granted gives 403).",
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Erreur"},
                        "example": {
                            "code": "scope_insuffisant",
                            "message": "The FranceConnect token lacks scope cnam_paiements_ij",
                        },
                    }
                },
            },
            "AssureInconnu": {
                "description": "The FranceConnect identity matches no insured person of the general scheme. Source: FranceConnect data-provider reference (identity not found gives 404).",
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Erreur"},
                        "example": {
                            "code": "assure_inconnu",
                            "message": "No insured person of the general scheme matches this identity",
                        },
                    }
                },
            },
            "TropDeRequetes": {
                "description": "Partner rate limit reached. Source: rate limits set in the usage agreement (api.gouv.fr page); the status and header are inferred.",
                "x-reconstructed": "inferred",
                "headers": {
                    "Retry-After": {"$ref": "#/components/headers/Retry-After"}
                },
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Erreur"},
                        "example": {
                            "code": "trop_de_requetes",
                            "message": "Rate limit reached, retry later",
                        },
                    }
                },
            },
            "ErreurInterne": {
                "description": "Unexpected error at the provider.",
                "x-reconstructed": "inferred",
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Erreur"},
                        "example": {
                            "code": "erreur_interne",
                            "message": "Internal error",
                        },
                    }
                },
            },
            "ServiceAmontIndisponible": {
                "description": "FranceConnect or an upstream system is unreachable. Source: FranceConnect data-provider reference (FranceConnect unreachable gives 502).",
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Erreur"},
                        "example": {
                            "code": "service_amont_indisponible",
                            "message": "FranceConnect is unreachable",
                        },
                    }
                },
            },
            "ServiceIndisponible": {
                "description": "Service temporarily unavailable (maintenance or overload).",
                "x-reconstructed": "inferred",
                "headers": {
                    "Retry-After": {"$ref": "#/components/headers/Retry-After"}
                },
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Erreur"},
                        "example": {
                            "code": "service_indisponible",
                            "message": "Service temporarily unavailable",
                        },
                    }
                },
            },
        },
        "schemas": {
            "PaiementsIJ": {
                "type": "object",
                "description": "The applied search window and the IJ payment lines of the insured person. Source: api.gouv.fr page (data returned); the envelope is inferred.",
                "x-reconstructed": "inferred",
                "required": ["date_debut", "date_fin", "paiements"],
                "properties": {
                    "date_debut": {
                        "type": "string",
                        "format": "date",
                        "description": "First day of the applied window (echo of dateDebut).",
                        "x-reconstructed": "inferred",
                    },
                    "date_fin": {
                        "type": "string",
                        "format": "date",
                        "description": "Last day of the applied window (echo of dateFin).",
                        "x-reconstructed": "inferred",
                    },
                    "paiements": {
                        "type": "array",
                        "description": "Payment lines intersecting the window, whole, sorted by date_debut.",
                        "x-reconstructed": "inferred",
                        "items": {"$ref": "#/components/schemas/PaiementIJ"},
                    },
                },
            },
            "PaiementIJ": {
                "type": "object",
                "description": "One IJ payment line. Source: api.gouv.fr page (période indemnisée, montant journalier, nombre de jours indemnisés, retenues CSG et CRDS); field names follow the sister API's French snake_case.",
                "required": [
                    "date_debut",
                    "date_fin",
                    "nombre_jours",
                    "montant_journalier",
                    "csg",
                    "crds",
                ],
                "properties": {
                    "date_debut": {
                        "type": "string",
                        "format": "date",
                        "description": "First day of the indemnified period. Source: api.gouv.fr page (période).",
                    },
                    "date_fin": {
                        "type": "string",
                        "format": "date",
                        "description": "Last day of the indemnified period. Source: api.gouv.fr page (période).",
                    },
                    "nombre_jours": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "Number of days indemnified on this line (IJ are paid for every calendar day). Source: api.gouv.fr page (nombre de jours); service-public (calendar days).",
                    },
                    "montant_journalier": {"$ref": "#/components/schemas/Montant"},
                    "csg": {"$ref": "#/components/schemas/Montant"},
                    "crds": {"$ref": "#/components/schemas/Montant"},
                },
            },
            "Montant": {
                "type": "number",
                "minimum": 0,
                "multipleOf": 0.01,
                "description": "An amount in euros with at most two decimals (gross daily amount, or the CSG or CRDS withheld on the line: 6.2 % and 0.5 % of days x daily amount, rounded to the cent). Source: api.gouv.fr page (montant journalier, CSG et CRDS); URSSAF and OpenFisca rates.",
            },
            "Erreur": {
                "type": "object",
                "description": "The error body shared by every error status: a machine-readable code and a human message that never contains personal data.",
                "x-reconstructed": "inferred",
                "required": ["code", "message"],
                "properties": {
                    "code": {
                        "type": "string",
                        "description": "Machine-readable error code.",
                        "x-reconstructed": "inferred",
                        "enum": [
                            "requete_invalide",
                            "cle_api_invalide",
                            "jeton_absent",
                            "jeton_invalide",
                            "jeton_expire",
                            "scope_insuffisant",
                            "assure_inconnu",
                            "trop_de_requetes",
                            "erreur_interne",
                            "service_amont_indisponible",
                            "service_indisponible",
                        ],
                    },
                    "message": {
                        "type": "string",
                        "description": "Human-readable explanation, in plain text.",
                        "x-reconstructed": "inferred",
                    },
                },
            },
        },
    },
}
