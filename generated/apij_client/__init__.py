# GENERATED FILE - DO NOT EDIT.
# Generated from apij-effective.yaml (openapi/apij-1.0-apim.yaml + openapi/apij.overlay.yaml) by openapi-python-client 0.29.1, ruff 0.17.6.
# Regenerate with `make regenerate` (python -m scripts.regenerate); see CONTRIBUTING.md.
"""A client library for accessing API Indemnités Journalières (APIJ)"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
