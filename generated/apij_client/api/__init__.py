# GENERATED FILE - DO NOT EDIT.
# Generated from generated/apij-effective.yaml by openapi-python-client 0.29.1, formatted by ruff 0.17.6.
# Regenerate with `make regenerate` (python -m scripts.regenerate); see CONTRIBUTING.md.
"""Contains methods for accessing the API"""
