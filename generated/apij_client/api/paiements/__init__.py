# GENERATED FILE - DO NOT EDIT.
# Generated from openapi/apij-1.0-apim.yaml by openapi-python-client 0.29.1, formatted by ruff 0.17.6.
# Regenerate with `make regenerate` (scripts/regenerate.py); see CONTRIBUTING.md.
"""Contains endpoint functions for accessing the API"""
