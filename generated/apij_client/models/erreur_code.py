# GENERATED FILE - DO NOT EDIT.
# Generated from generated/apij-effective.yaml by openapi-python-client 0.29.1, formatted by ruff 0.17.6.
# Regenerate with `make regenerate` (python -m scripts.regenerate); see CONTRIBUTING.md.
from enum import StrEnum


class ErreurCode(StrEnum):
    ASSURE_INCONNU = "assure_inconnu"
    CLE_API_INVALIDE = "cle_api_invalide"
    ERREUR_INTERNE = "erreur_interne"
    JETON_ABSENT = "jeton_absent"
    JETON_EXPIRE = "jeton_expire"
    JETON_INVALIDE = "jeton_invalide"
    REQUETE_INVALIDE = "requete_invalide"
    SCOPE_INSUFFISANT = "scope_insuffisant"
    SERVICE_AMONT_INDISPONIBLE = "service_amont_indisponible"
    SERVICE_INDISPONIBLE = "service_indisponible"
    TROP_DE_REQUETES = "trop_de_requetes"

    def __str__(self) -> str:
        return str(self.value)
